//! Istio versions and version ranges (`>=1.24`, `<1.28`, `1.22 - 1.27`, `>=1.22, <1.28`).
//!
//! A range is one interval `[low, high)` of `major.minor.patch` triples, which keeps the two
//! checks the loader needs exact: do two ranges overlap, and do some ranges cover another.
//! A bound written without a patch means the whole minor series: `<=1.27` includes 1.27.9,
//! `>1.27` starts at 1.28.0. Pre-release suffixes (`1.28.0-beta.1`) count as their release,
//! since a 1.28 beta behaves like 1.28 for everything a scenario checks.

use std::fmt;
use std::str::FromStr;

/// An Istio release as the cluster reports it, e.g. `1.27.3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IstioVersion {
    major: u32,
    minor: u32,
    patch: u32,
}

impl IstioVersion {
    const ZERO: IstioVersion = IstioVersion::new(0, 0, 0);

    /// A version from its parts.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        IstioVersion {
            major,
            minor,
            patch,
        }
    }

    /// The major number (1 for every release so far).
    pub fn major(&self) -> u32 {
        self.major
    }

    /// The minor number: the release series, e.g. 27.
    pub fn minor(&self) -> u32 {
        self.minor
    }

    /// The patch number.
    pub fn patch(&self) -> u32 {
        self.patch
    }
}

impl fmt::Display for IstioVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Why a version or range could not be read. `offset` and `len` are in characters, relative
/// to the string that was parsed, so the loader can point at the culprit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct VersionError {
    /// What is wrong.
    pub message: String,
    /// Where in the string, in characters.
    pub offset: usize,
    /// How many characters.
    pub len: usize,
}

impl FromStr for IstioVersion {
    type Err = VersionError;

    /// Reads `1.27.3`, `1.27` (patch 0) or `v1.27.3`; a `-beta.1` or `+build` suffix is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let p = Partial::parse(s.trim(), 0, true)?;
        Ok(p.floor())
    }
}

/// A version as written in a range: the patch may be missing.
#[derive(Debug, Clone, Copy)]
struct Partial {
    major: u32,
    minor: u32,
    patch: Option<u32>,
}

impl Partial {
    /// Reads `s`; `suffix` allows a pre-release or build suffix (only for reported versions:
    /// in a range, `1.22-1.27` must not silently mean `1.22`).
    fn parse(s: &str, offset: usize, suffix: bool) -> Result<Self, VersionError> {
        let err = |message: String| VersionError {
            message,
            offset,
            len: s.chars().count().max(1),
        };
        let body = s.strip_prefix('v').unwrap_or(s);
        let core = if suffix {
            body.split(['-', '+']).next().unwrap_or(body)
        } else {
            body
        };
        let parts: Vec<&str> = core.split('.').collect();
        if !(2..=3).contains(&parts.len())
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(err(format!(
                "`{s}` is not an Istio version; write MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 1.27 or 1.27.3{}",
                if !suffix && core.contains('-') {
                    " (a range is written `1.22 - 1.27`, with spaces)"
                } else {
                    ""
                }
            )));
        }
        let num = |p: &str| {
            p.parse::<u32>()
                .map_err(|_| err(format!("`{p}` is too large for a version number")))
        };
        Ok(Partial {
            major: num(parts[0])?,
            minor: num(parts[1])?,
            patch: parts.get(2).map(|p| num(p)).transpose()?,
        })
    }

    /// The first release this version names.
    fn floor(self) -> IstioVersion {
        IstioVersion::new(self.major, self.minor, self.patch.unwrap_or(0))
    }

    /// The first release after everything this version names (`1.27` -> 1.28.0).
    fn after(self) -> IstioVersion {
        match self.patch {
            None => IstioVersion::new(self.major, self.minor.saturating_add(1), 0),
            Some(p) => IstioVersion::new(self.major, self.minor, p.saturating_add(1)),
        }
    }
}

/// The Istio versions an expectation holds for: every version `v` with `low <= v < high`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionReq {
    low: IstioVersion,
    high: Option<IstioVersion>,
}

impl VersionReq {
    /// Every version (what an absent `when` means).
    pub const fn any() -> Self {
        VersionReq {
            low: IstioVersion::ZERO,
            high: None,
        }
    }

    /// True for every version.
    pub fn is_any(&self) -> bool {
        *self == Self::any()
    }

    /// Whether `v` is in the range.
    pub fn matches(&self, v: &IstioVersion) -> bool {
        *v >= self.low && self.high.is_none_or(|h| *v < h)
    }

    /// The versions in both ranges, or `None` if there are none.
    pub fn intersect(&self, other: &VersionReq) -> Option<VersionReq> {
        let low = self.low.max(other.low);
        let high = match (self.high, other.high) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let r = VersionReq { low, high };
        (!r.is_empty()).then_some(r)
    }

    fn is_empty(&self) -> bool {
        self.high.is_some_and(|h| h <= self.low)
    }

    /// The first part of `universe` that none of `parts` covers, if any.
    pub fn first_gap(universe: &VersionReq, parts: &[&VersionReq]) -> Option<VersionReq> {
        let mut sorted: Vec<&VersionReq> = parts.to_vec();
        sorted.sort_by_key(|r| r.low);
        let mut cursor = universe.low;
        for r in sorted {
            if universe.high.is_some_and(|h| cursor >= h) {
                return None;
            }
            if r.low > cursor {
                let end = universe.high.map_or(r.low, |h| h.min(r.low));
                return Some(VersionReq {
                    low: cursor,
                    high: Some(end),
                });
            }
            match r.high {
                None => return None,
                Some(h) => cursor = cursor.max(h),
            }
        }
        let gap = VersionReq {
            low: cursor,
            high: universe.high,
        };
        (!gap.is_empty()).then_some(gap)
    }
}

impl Default for VersionReq {
    fn default() -> Self {
        Self::any()
    }
}

/// `1.27` for `1.27.0`, `1.27.3` otherwise.
fn short(v: IstioVersion) -> String {
    if v.patch == 0 {
        format!("{}.{}", v.major, v.minor)
    } else {
        v.to_string()
    }
}

impl fmt::Display for VersionReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.low == IstioVersion::ZERO, self.high) {
            (true, None) => f.write_str("any version"),
            (true, Some(h)) => write!(f, "<{}", short(h)),
            (false, None) => write!(f, ">={}", short(self.low)),
            (false, Some(h))
                if h.patch == 0 && self.low.patch == 0 && h.minor == self.low.minor + 1 =>
            {
                write!(f, "{}.x", short(self.low))
            }
            (false, Some(h)) => write!(f, ">={}, <{}", short(self.low), short(h)),
        }
    }
}

impl FromStr for VersionReq {
    type Err = VersionError;

    /// Reads `*`, comparators joined by commas (`>=1.22, <1.28`; operators `>=`, `>`, `<`, `<=`,
    /// `=`, or none for "this series"), or an inclusive hyphen range `1.22 - 1.27`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        if trimmed.is_empty() {
            return Err(VersionError {
                message: "empty version range; write e.g. `>=1.24` or `*` for every version".into(),
                offset: 0,
                len: 1,
            });
        }
        if trimmed == "*" {
            return Ok(Self::any());
        }
        let lead = s.chars().count() - s.trim_start().chars().count();
        let mut req = Self::any();
        if let Some((a, b)) = trimmed.split_once(" - ") {
            let a_off = lead + a.chars().count() - a.trim_start().chars().count();
            let b_off =
                lead + a.chars().count() + 3 + (b.chars().count() - b.trim_start().chars().count());
            let lo = Partial::parse(a.trim(), a_off, false)?;
            let hi = Partial::parse(b.trim(), b_off, false)?;
            req.low = lo.floor();
            req.high = Some(hi.after());
        } else {
            let mut offset = lead;
            for part in trimmed.split(',') {
                let inner = part.trim();
                let at = offset + part.chars().count() - part.trim_start().chars().count();
                offset += part.chars().count() + 1;
                let (op, rest) = split_op(inner);
                let ver_at =
                    at + op.len() + (rest.chars().count() - rest.trim_start().chars().count());
                let v = Partial::parse(rest.trim(), ver_at, false)?;
                let (low, high) = match op {
                    ">=" => (Some(v.floor()), None),
                    ">" => (Some(v.after()), None),
                    "<" => (None, Some(v.floor())),
                    "<=" => (None, Some(v.after())),
                    _ => (Some(v.floor()), Some(v.after())),
                };
                if let Some(l) = low {
                    req.low = req.low.max(l);
                }
                if let Some(h) = high {
                    req.high = Some(req.high.map_or(h, |x| x.min(h)));
                }
            }
        }
        if req.is_empty() {
            return Err(VersionError {
                message: format!("version range `{trimmed}` matches no version"),
                offset: lead,
                len: trimmed.chars().count(),
            });
        }
        Ok(req)
    }
}

fn split_op(s: &str) -> (&str, &str) {
    for op in [">=", "<=", ">", "<", "="] {
        if let Some(rest) = s.strip_prefix(op) {
            return (op, rest);
        }
    }
    ("", s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> IstioVersion {
        s.parse().unwrap()
    }
    fn r(s: &str) -> VersionReq {
        s.parse().unwrap()
    }

    #[test]
    fn versions_parse_with_optional_patch_and_suffix() {
        assert_eq!(v("1.27"), IstioVersion::new(1, 27, 0));
        assert_eq!(v("v1.28.1"), IstioVersion::new(1, 28, 1));
        assert_eq!(v("1.28.0-beta.1"), IstioVersion::new(1, 28, 0));
        assert!("1".parse::<IstioVersion>().is_err());
        assert!("1.x".parse::<IstioVersion>().is_err());
        assert!("1.99999999999".parse::<IstioVersion>().is_err());
    }

    #[test]
    fn ranges_follow_series_semantics() {
        assert!(r(">=1.24").matches(&v("1.24.0")));
        assert!(!r(">=1.24").matches(&v("1.23.9")));
        assert!(r("<1.28").matches(&v("1.27.9")));
        assert!(!r("<1.28").matches(&v("1.28.0")));
        assert!(r("<=1.27").matches(&v("1.27.9")));
        assert!(r(">1.27").matches(&v("1.28.0")));
        assert!(!r(">1.27").matches(&v("1.27.5")));
        assert!(r("1.22 - 1.27").matches(&v("1.27.3")));
        assert!(!r("1.22 - 1.27").matches(&v("1.28.0")));
        assert!(r(">=1.22, <1.28").matches(&v("1.22.0")));
        assert!(r("1.27").matches(&v("1.27.4")));
        assert!(r("=1.27.4").matches(&v("1.27.4")));
        assert!(!r("=1.27.4").matches(&v("1.27.5")));
        assert!(r("*").is_any());
        assert_eq!(r(">=1.22, <1.28").to_string(), ">=1.22, <1.28");
        assert_eq!(r("1.27").to_string(), "1.27.x");
    }

    #[test]
    fn bad_ranges_point_at_the_culprit() {
        let e = ">=1.22, <1.x".parse::<VersionReq>().unwrap_err();
        assert_eq!((e.offset, e.len), (9, 3), "{e:?}");
        let e = ">=1.28, <1.24".parse::<VersionReq>().unwrap_err();
        assert!(e.message.contains("matches no version"));
        assert!("~1.2".parse::<VersionReq>().is_err());
        let e = "1.22-1.27".parse::<VersionReq>().unwrap_err();
        assert!(e.message.contains("with spaces"), "{e:?}");
    }

    #[test]
    fn gaps_and_overlaps() {
        let any = VersionReq::any();
        assert_eq!(
            VersionReq::first_gap(&any, &[&r("<1.28"), &r(">=1.28")]),
            None
        );
        assert_eq!(
            VersionReq::first_gap(&any, &[&r("<1.24"), &r(">=1.28")]).map(|g| g.to_string()),
            Some(">=1.24, <1.28".into())
        );
        assert_eq!(
            VersionReq::first_gap(&any, &[&r("<1.28")]).map(|g| g.to_string()),
            Some(">=1.28".into())
        );
        let scope = r(">=1.22");
        assert_eq!(
            VersionReq::first_gap(&scope, &[&r("<1.28"), &r(">=1.28")]),
            None
        );
        assert!(r("<1.28").intersect(&r(">=1.27")).is_some());
        assert!(r("<1.28").intersect(&r(">=1.28")).is_none());
    }
}
