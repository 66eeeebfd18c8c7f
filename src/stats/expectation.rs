//! What a step expects (outcome name -> share, validated once) and what it observed (counts).

use std::collections::BTreeMap;

use serde::Serialize;

use super::error::{StatsError, fmt_share};

/// The class of responses that match no named outcome. Its expected share is always 0, so every
/// unmatched response is a counter-example.
pub(crate) const UNMATCHED: &str = "unmatched";

/// How far the written shares may sum from 1: generous enough for thirds written as `0.33333`,
/// far below any deviation a test could detect.
const SUM_TOLERANCE: f64 = 1e-5;

/// One outcome and its expected share of responses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectedClass {
    name: String,
    share: f64,
}

impl ExpectedClass {
    /// The outcome's name, as the scenario wrote it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The expected share, in [0, 1].
    pub fn share(&self) -> f64 {
        self.share
    }
}

/// A validated expectation: named outcomes whose shares are finite, in `[0, 1]`, and sum to 1.
///
/// It can only be built through [`Expectation::new`], so every test downstream may assume a
/// well-formed distribution. Outcomes not listed (and [`UNMATCHED`]) have expected share 0.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expectation {
    classes: Vec<ExpectedClass>,
}

impl Expectation {
    /// Validates `(outcome, share)` pairs, keeping their order for reports.
    ///
    /// Shares are renormalised after validation so that they sum to exactly 1 in floating point.
    pub fn new<I, S>(shares: I) -> Result<Self, StatsError>
    where
        I: IntoIterator<Item = (S, f64)>,
        S: Into<String>,
    {
        let mut classes: Vec<ExpectedClass> = Vec::new();
        for (name, share) in shares {
            let name = name.into();
            if name.trim().is_empty() {
                return Err(StatsError::EmptyClassName);
            }
            if name == UNMATCHED {
                return Err(StatsError::ReservedClass);
            }
            if classes.iter().any(|c| c.name == name) {
                return Err(StatsError::DuplicateClass(name));
            }
            if !share.is_finite() || !(0.0..=1.0).contains(&share) {
                return Err(StatsError::InvalidShare {
                    class: name,
                    value: fmt_share(share),
                });
            }
            classes.push(ExpectedClass { name, share });
        }
        if classes.is_empty() {
            return Err(StatsError::EmptyExpectation);
        }
        let sum: f64 = classes.iter().map(|c| c.share).sum();
        if (sum - 1.0).abs() > SUM_TOLERANCE {
            let listing = classes
                .iter()
                .map(|c| format!("{}: {}", c.name, fmt_share(c.share)))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(StatsError::SharesDoNotSumToOne {
                sum: fmt_share(sum),
                listing,
            });
        }
        for class in &mut classes {
            class.share /= sum;
        }
        Ok(Self { classes })
    }

    /// The outcomes in the order they were written.
    pub fn classes(&self) -> &[ExpectedClass] {
        &self.classes
    }

    /// The expected share of `class`; 0 for outcomes the expectation does not list.
    pub fn share(&self, class: &str) -> f64 {
        self.classes
            .iter()
            .find(|c| c.name == class)
            .map_or(0.0, |c| c.share)
    }

    /// True when every share is 0 or 1: one outcome must always happen, so a single
    /// counter-example decides and no statistics are needed.
    pub fn is_deterministic(&self) -> bool {
        self.positive().count() == 1
    }

    /// The outcomes with a positive share (the ones a statistical test is about).
    pub fn positive(&self) -> impl Iterator<Item = &ExpectedClass> {
        self.classes.iter().filter(|c| c.share > 0.0)
    }

    /// A readable form such as `abort: 0.5, v2: 0.5`.
    pub fn describe(&self) -> String {
        self.classes
            .iter()
            .map(|c| format!("{}: {}", c.name, fmt_share(c.share)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Responses counted per outcome. Names the expectation does not list, and [`UNMATCHED`], are
/// outcomes with expected share 0: any count there is a counter-example.
///
/// Transport errors (refused connections, timeouts) are not outcomes; the runner keeps them
/// apart and does not count them here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Counts {
    by_class: BTreeMap<String, u64>,
}

impl Counts {
    /// No responses yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Counts one response classed as `class` (use [`UNMATCHED`] for responses matching nothing).
    pub(crate) fn record(&mut self, class: &str) {
        self.add(class, 1);
    }

    /// Adds `n` responses classed as `class`.
    pub(crate) fn add(&mut self, class: &str, n: u64) {
        if n == 0 {
            return;
        }
        let slot = self.by_class.entry(class.to_owned()).or_insert(0);
        *slot = slot.saturating_add(n);
    }

    /// Adds `n` responses that matched no outcome.
    #[cfg(test)]
    pub(crate) fn add_unmatched(&mut self, n: u64) {
        self.add(UNMATCHED, n);
    }

    /// Adds every count of `other`.
    pub(crate) fn merge(&mut self, other: &Counts) {
        for (class, n) in &other.by_class {
            self.add(class, *n);
        }
    }

    /// Responses counted in `class` (0 if none).
    pub(crate) fn get(&self, class: &str) -> u64 {
        self.by_class.get(class).copied().unwrap_or(0)
    }

    /// Responses that matched no outcome.
    pub(crate) fn unmatched(&self) -> u64 {
        self.get(UNMATCHED)
    }

    /// All responses counted.
    pub(crate) fn total(&self) -> u64 {
        self.by_class.values().fold(0, |a, n| a.saturating_add(*n))
    }

    /// `(outcome, count)` for every outcome seen at least once, by name.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.by_class.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// Counts of outcomes whose expected share is 0 (including unlisted ones and
    /// [`UNMATCHED`]): each such response contradicts the expectation outright.
    pub(crate) fn counter_examples(&self, expectation: &Expectation) -> Vec<(String, u64)> {
        self.by_class
            .iter()
            .filter(|(class, n)| **n > 0 && expectation.share(class) == 0.0)
            .map(|(class, n)| (class.clone(), *n))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_shares_are_kept_in_order_and_renormalised() {
        let e = Expectation::new([("abort", 0.33333), ("v1", 0.33333), ("v2", 0.33333)])
            .expect("thirds within tolerance");
        let sum: f64 = e.classes().iter().map(ExpectedClass::share).sum();
        assert!((sum - 1.0).abs() < 1e-15);
        assert_eq!(e.classes()[0].name(), "abort");
        assert!(!e.is_deterministic());
        assert!(
            Expectation::new([("v1", 1.0), ("v2", 0.0)])
                .unwrap()
                .is_deterministic()
        );
    }

    #[test]
    fn invalid_shares_are_explained() {
        let err = Expectation::new([("abort", 0.5), ("v2", 0.4)]).unwrap_err();
        assert!(Expectation::new([("abort", 0.5), ("v2", 0.4999)]).is_err());
        assert_eq!(
            err.to_string(),
            "expected shares sum to 0.9, not 1 (abort: 0.5, v2: 0.4)"
        );
        let err = Expectation::new([("abort", f64::NAN), ("v2", 0.5)]).unwrap_err();
        assert!(err.to_string().contains("'abort' is NaN"), "{err}");
        let err = Expectation::new([("abort", -0.5), ("v2", 1.5)]).unwrap_err();
        assert!(err.to_string().contains("between 0 and 1"), "{err}");
        assert_eq!(
            Expectation::new([("a", 0.5), ("a", 0.5)]),
            Err(StatsError::DuplicateClass("a".into()))
        );
        assert_eq!(
            Expectation::new([(UNMATCHED, 0.0), ("a", 1.0)]),
            Err(StatsError::ReservedClass)
        );
        assert_eq!(
            Expectation::new(Vec::<(String, f64)>::new()),
            Err(StatsError::EmptyExpectation)
        );
    }

    #[test]
    fn unlisted_and_unmatched_outcomes_are_counter_examples() {
        let e = Expectation::new([("abort", 0.5), ("v2", 0.5), ("v1", 0.0)]).unwrap();
        let mut c = Counts::new();
        c.add("abort", 10);
        c.add("v2", 9);
        c.add("v1", 1);
        c.add("v3", 2);
        c.add_unmatched(1);
        assert_eq!(c.total(), 23);
        assert_eq!(
            c.counter_examples(&e),
            vec![("unmatched".into(), 1), ("v1".into(), 1), ("v3".into(), 2)]
        );
    }
}
