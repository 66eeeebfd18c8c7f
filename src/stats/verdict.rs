//! The verdict of a step and the evidence behind it, as reports show it.

use serde::Serialize;

use super::error::fmt_share;
use super::interval::{Interval, clopper_pearson, wilson};
use super::sequential::LookDecision;

/// Pass or fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Pass,
    Fail,
}

/// The test that decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestUsed {
    /// A response fell in an outcome whose expected share is 0: impossible if the expectation
    /// holds, so it fails the step on its own.
    CounterExample,
    /// Shares of 0 or 1 only, and the planned number of responses showed no counter-example.
    Deterministic,
    ExactBinomial,
    ExactMultinomial,
    PearsonChiSquare,
    BonferroniBinomial,
    /// The optimal group-sequential test on one outcome's share (two outcomes).
    SequentialBinomial,
    /// One sequential test per outcome, each at alpha / k (three or more outcomes).
    SequentialBonferroniBinomial,
}

impl TestUsed {
    /// The test's name for summaries.
    pub fn describe(self) -> &'static str {
        match self {
            Self::CounterExample => "counter-example",
            Self::Deterministic => "deterministic check",
            Self::ExactBinomial => "exact binomial test",
            Self::ExactMultinomial => "exact multinomial test",
            Self::PearsonChiSquare => "Pearson chi-square test",
            Self::BonferroniBinomial => "Bonferroni-combined exact binomial tests",
            Self::SequentialBinomial => "sequential binomial test",
            Self::SequentialBonferroniBinomial => "sequential binomial tests per outcome",
        }
    }
}

/// One outcome's count, expected and observed share, and intervals for its true share.
#[derive(Debug, Clone, Serialize)]
pub struct ClassEvidence {
    pub outcome: String,
    pub count: u64,
    pub expected_share: f64,
    pub observed_share: f64,
    /// Wilson score interval at the verdict's confidence level.
    pub wilson: Interval,
    /// Clopper-Pearson (exact) interval at the verdict's confidence level.
    pub clopper_pearson: Interval,
}

impl ClassEvidence {
    pub(crate) fn new(outcome: &str, count: u64, n: u64, expected: f64, confidence: f64) -> Self {
        let whole = Interval {
            lower: 0.0,
            upper: 1.0,
            confidence,
        };
        Self {
            outcome: outcome.to_owned(),
            count,
            expected_share: expected,
            observed_share: if n == 0 { 0.0 } else { count as f64 / n as f64 },
            wilson: wilson(count, n, confidence).unwrap_or(whole),
            clopper_pearson: clopper_pearson(count, n, confidence).unwrap_or(whole),
        }
    }
}

/// A log-likelihood ratio of a planned deviation against the expectation.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LikelihoodRatio {
    /// The deviating share.
    pub share: f64,
    /// `ln(L(share) / L(expected))` for the observed counts; large means evidence of deviation.
    pub log_ratio: f64,
}

/// The state of one outcome's sequential test when the step ended.
#[derive(Debug, Clone, Serialize)]
pub struct UnitEvidence {
    pub outcome: String,
    pub expected_share: f64,
    /// The alpha this outcome's test spends (the step's alpha / k for k > 2 outcomes).
    pub alpha: f64,
    pub state: LookDecision,
    /// The request count at which this outcome's test decided.
    pub decided_at: Option<u64>,
    pub likelihood_ratios: Vec<LikelihoodRatio>,
}

/// What a sequential verdict adds: where it stopped, and why.
#[derive(Debug, Clone, Serialize)]
pub struct SequentialEvidence {
    /// Looks taken (one per `batch` requests).
    pub looks: u64,
    /// The truncation point: the test decides by this many requests at the latest.
    pub max_requests: u64,
    pub outcomes: Vec<UnitEvidence>,
}

/// The decision on a step, with everything a reader needs to check it.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub decision: Decision,
    /// One sentence for people, e.g. why it failed.
    pub summary: String,
    /// Responses counted (transport errors excluded).
    pub requests: u64,
    /// Every expected outcome, every outcome seen, and `unmatched`.
    pub outcomes: Vec<ClassEvidence>,
    pub test: TestUsed,
    /// The fixed-sample p-value of the final counts. For sequential designs it is descriptive:
    /// the decision comes from the designed boundaries, which account for the looks.
    pub p_value: Option<f64>,
    pub sequential: Option<SequentialEvidence>,
    /// The false-failure rate this assertion spends (0 when deterministic).
    pub alpha: f64,
    pub min_deviation: f64,
    /// The planned power at `min_deviation` (exact where computable).
    pub power: f64,
    /// Outcomes with expected share 0 that were observed, with their counts.
    pub counter_examples: Vec<(String, u64)>,
    pub warnings: Vec<String>,
}

impl Verdict {
    /// Whether the step passed.
    pub fn passed(&self) -> bool {
        self.decision == Decision::Pass
    }

    /// The evidence of `outcome`, if it was expected or seen.
    pub fn outcome(&self, outcome: &str) -> Option<&ClassEvidence> {
        self.outcomes.iter().find(|c| c.outcome == outcome)
    }
}

/// `outcome 0.62 [0.57, 0.67] (expected 0.5)` for summaries.
pub(crate) fn describe_share(c: &ClassEvidence) -> String {
    format!(
        "{} {} [{}, {}] (expected {})",
        c.outcome,
        fmt_share(c.observed_share),
        fmt_share(c.clopper_pearson.lower),
        fmt_share(c.clopper_pearson.upper),
        fmt_share(c.expected_share)
    )
}
