//! Outcome classes: how the runner sorts each HTTP response into one named outcome.
//!
//! Outcomes are tried in the order the scenario declares them and the first that matches wins,
//! so every response falls in exactly one class; a response matching none is
//! [`crate::stats::UNMATCHED`] (a counter-example to every expectation). Transport failures
//! (curl could not connect, timed out) are not responses and never reach this classifier.

use serde_saphyr::Location;

use crate::stats::UNMATCHED;

use super::build::Ctx;
use super::raw::{Entries, RawOutcome, RawTextMatch, S};
use super::values::{check_header_name, check_name};

/// A condition on a piece of text (a body or a header value).
#[derive(Debug, Clone)]
pub enum TextMatch {
    /// The whole text, byte for byte (Envoy's abort body is `fault filter abort`, no newline).
    Equals(String),
    /// The text contains this.
    Contains(String),
    /// The regular expression finds a match somewhere in the text (anchor it with `^...$` for
    /// a whole-text match).
    Regex(regex::Regex),
}

impl TextMatch {
    /// Whether `text` satisfies the condition.
    pub fn matches(&self, text: &str) -> bool {
        match self {
            TextMatch::Equals(s) => text == s,
            TextMatch::Contains(s) => text.contains(s.as_str()),
            TextMatch::Regex(r) => r.is_match(text),
        }
    }

    /// A readable form for reports: `contains "Hello version: v1"`.
    pub fn describe(&self) -> String {
        match self {
            TextMatch::Equals(s) => format!("equals {s:?}"),
            TextMatch::Contains(s) => format!("contains {s:?}"),
            TextMatch::Regex(r) => format!("matches /{}/", r.as_str()),
        }
    }

    fn same_as(&self, other: &TextMatch) -> bool {
        match (self, other) {
            (TextMatch::Equals(a), TextMatch::Equals(b))
            | (TextMatch::Contains(a), TextMatch::Contains(b)) => a == b,
            (TextMatch::Regex(a), TextMatch::Regex(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }
}

impl PartialEq for TextMatch {
    fn eq(&self, other: &Self) -> bool {
        self.same_as(other)
    }
}

/// One named class of responses. Every condition given must hold; an outcome has at least one.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub(crate) name: String,
    pub(crate) status: Option<u16>,
    pub(crate) body: Option<TextMatch>,
    /// Lower-case header names; a header matches when any of its values does.
    pub(crate) headers: Vec<(String, TextMatch)>,
}

impl Outcome {
    /// The name expectations use.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The status code required, if any.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The body condition, if any.
    pub fn body(&self) -> Option<&TextMatch> {
        self.body.as_ref()
    }

    /// The header conditions (lower-case names).
    pub fn headers(&self) -> &[(String, TextMatch)] {
        &self.headers
    }

    /// Whether a response satisfies every condition. `headers` are `(name, value)` pairs in
    /// any case; a repeated header is matched value by value.
    pub fn matches(&self, status: u16, headers: &[(String, String)], body: &str) -> bool {
        self.status.is_none_or(|s| s == status)
            && self.body.as_ref().is_none_or(|m| m.matches(body))
            && self.headers.iter().all(|(name, m)| {
                headers
                    .iter()
                    .any(|(n, v)| n.eq_ignore_ascii_case(name) && m.matches(v))
            })
    }

    /// True when every response this outcome matches is also matched by `earlier` (so, if
    /// `earlier` is tried first, this one can never be chosen).
    pub(crate) fn shadowed_by(&self, earlier: &Outcome) -> bool {
        earlier.status.is_none_or(|s| self.status == Some(s))
            && earlier
                .body
                .as_ref()
                .is_none_or(|b| self.body.as_ref().is_some_and(|m| m == b))
            && earlier
                .headers
                .iter()
                .all(|(n, m)| self.headers.iter().any(|(n2, m2)| n == n2 && m == m2))
    }
}

/// A scenario's outcomes in match order. Classification never fails: no match is
/// [`UNMATCHED`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcomes(pub(crate) Vec<Outcome>);

impl Outcomes {
    /// The outcomes, in the order they are tried.
    pub fn iter(&self) -> impl Iterator<Item = &Outcome> {
        self.0.iter()
    }

    /// The outcome called `name`.
    pub fn get(&self, name: &str) -> Option<&Outcome> {
        self.0.iter().find(|o| o.name == name)
    }

    /// The class of a response: the first outcome that matches, else [`UNMATCHED`].
    pub fn classify(&self, status: u16, headers: &[(String, String)], body: &str) -> &str {
        self.0
            .iter()
            .find(|o| o.matches(status, headers, body))
            .map_or(UNMATCHED, |o| o.name.as_str())
    }
}

/// The largest compiled regex: plenty for matching a response, and a bound on what a
/// scenario can make the harness allocate.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Checks `outcomes:` and records the names for the expectations that follow.
pub(crate) fn build(ctx: &mut Ctx, raw: &S<Entries<S<RawOutcome>>>) -> Outcomes {
    let mut out: Vec<(Outcome, Location)> = Vec::new();
    for (key, o) in &raw.value.0 {
        let name = &key.value;
        ctx.outcomes.push((name.clone(), key.referenced));
        if name == UNMATCHED {
            let d = ctx
                .error(
                    key.referenced,
                    format!("`{UNMATCHED}` is built in: it is every response no outcome matches"),
                )
                .help("choose another name");
            ctx.push(d);
            continue;
        }
        if let Err(e) = check_name(name, "outcome name") {
            ctx.push(ctx.error(key.referenced, e));
            continue;
        }
        let r = &o.value;
        let status = match &r.status {
            Some(s) if (100..=599).contains(&s.value) => u16::try_from(s.value).ok(),
            Some(s) => {
                ctx.push(ctx.error(
                    s.referenced,
                    format!("status {} is not an HTTP status (100-599)", s.value),
                ));
                continue;
            }
            None => None,
        };
        let body = match &r.body {
            Some(b) => match text_match(ctx, b) {
                Some(m) => Some(m),
                None => continue,
            },
            None => None,
        };
        let mut headers = Vec::new();
        let mut ok = true;
        if let Some(hs) = &r.headers {
            for (h, m) in &hs.value.0 {
                if let Err(e) = check_header_name(&h.value) {
                    ctx.push(ctx.error(h.referenced, e));
                    ok = false;
                    continue;
                }
                match text_match(ctx, m) {
                    Some(m) => headers.push((h.value.to_ascii_lowercase(), m)),
                    None => ok = false,
                }
            }
        }
        if !ok {
            continue;
        }
        if status.is_none() && body.is_none() && headers.is_empty() {
            let d = ctx
                .error(
                    o.referenced,
                    format!("outcome `{name}` matches every response"),
                )
                .help("give it a `status`, a `body` or `headers` condition");
            ctx.push(d);
            continue;
        }
        let outcome = Outcome {
            name: name.clone(),
            status,
            body,
            headers,
        };
        if let Some((earlier, line)) = out
            .iter()
            .find(|(e, _)| outcome.shadowed_by(e))
            .map(|(e, at)| (e.name.clone(), at.line()))
        {
            let d = ctx
                .error(
                    key.referenced,
                    format!("outcome `{name}` can never be chosen: `{earlier}` (line {line}) is tried first and matches every response `{name}` matches"),
                )
                .help(format!("outcomes are tried in order; move `{name}` above `{earlier}`"));
            ctx.push(d);
            continue;
        }
        out.push((outcome, key.referenced));
    }
    Outcomes(out.into_iter().map(|(o, _)| o).collect())
}

/// `{equals: ...}`, `{contains: ...}` or `{regex: ...}`: exactly one.
pub(crate) fn text_match(ctx: &mut Ctx, raw: &S<RawTextMatch>) -> Option<TextMatch> {
    let r = &raw.value;
    let given: Vec<&S<String>> = [&r.equals, &r.contains, &r.regex]
        .into_iter()
        .flatten()
        .collect();
    match given.as_slice() {
        [] => {
            let d = ctx
                .error(
                    raw.referenced,
                    "a text condition needs `equals`, `contains` or `regex`",
                )
                .help("e.g. `{contains: \"Hello version: v1\"}`");
            ctx.push(d);
            return None;
        }
        [_] => {}
        [_, second, ..] => {
            let d = ctx
                .error(
                    second.referenced,
                    "a text condition has one of `equals`, `contains` or `regex`",
                )
                .help("for several conditions on a body, use a regex");
            ctx.push(d);
            return None;
        }
    }
    if let Some(e) = &r.equals {
        return Some(TextMatch::Equals(e.value.clone()));
    }
    if let Some(c) = &r.contains {
        if c.value.is_empty() {
            ctx.push(ctx.error(
                c.referenced,
                "`contains` an empty string matches everything",
            ));
            return None;
        }
        return Some(TextMatch::Contains(c.value.clone()));
    }
    let re = r.regex.as_ref()?;
    match regex::RegexBuilder::new(&re.value)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
    {
        Ok(x) => Some(TextMatch::Regex(x)),
        Err(e) => {
            let text = e.to_string();
            let last = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid")
                .trim()
                .trim_start_matches("error: ")
                .to_string();
            ctx.push(ctx.error(re.referenced, format!("invalid regex: {last}")).help("the syntax is Rust's `regex` crate (RE2-like: no look-around, no back-references)"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(name: &str, status: Option<u16>, body: Option<TextMatch>) -> Outcome {
        Outcome {
            name: name.into(),
            status,
            body,
            headers: vec![],
        }
    }

    #[test]
    fn first_match_wins_and_nothing_is_unmatched() {
        let mut abort = outcome(
            "abort",
            Some(500),
            Some(TextMatch::Equals("fault filter abort".into())),
        );
        abort
            .headers
            .push(("server".into(), TextMatch::Contains("envoy".into())));
        let v1 = outcome(
            "v1",
            Some(200),
            Some(TextMatch::Regex(
                regex::Regex::new("^Hello version: v1,").unwrap(),
            )),
        );
        let o = Outcomes(vec![abort, v1]);
        let hdr = vec![("Server".to_string(), "envoy".to_string())];
        assert_eq!(o.classify(500, &hdr, "fault filter abort"), "abort");
        assert_eq!(o.classify(500, &[], "fault filter abort"), UNMATCHED);
        assert_eq!(
            o.classify(200, &[], "Hello version: v1, instance: x\n"),
            "v1"
        );
        assert_eq!(
            o.classify(200, &[], "Hello version: v2, instance: x\n"),
            UNMATCHED
        );
    }

    #[test]
    fn shadowing_is_detected() {
        let ok = outcome("ok", Some(200), None);
        let v1 = outcome("v1", Some(200), Some(TextMatch::Contains("v1".into())));
        assert!(v1.shadowed_by(&ok));
        assert!(!ok.shadowed_by(&v1));
        assert!(!outcome("nf", Some(404), None).shadowed_by(&ok));
    }
}
