//! Statistical decisions: does the observed mix of outcomes match the expected shares?
//!
//! No cluster knowledge lives here: the runner classifies responses into named outcomes and
//! feeds counts in; a [`Verdict`] with its evidence comes out. `docs/statistics.md` explains the
//! same for scenario authors, with the calibration table.
//!
//! # Which test when
//! - **Shares of exactly 0 or 1** are deterministic: one counter-example fails the step, no
//!   statistics. This also applies inside statistical expectations: a response in an outcome with
//!   share 0 (an unlisted outcome, or [`UNMATCHED`]) is impossible under the expectation and
//!   fails the step at once ([`TestUsed::CounterExample`]).
//! - **Two outcomes with fractional shares**: the exact two-sided binomial test (SciPy's
//!   `binomtest` p-value), with Wilson and Clopper-Pearson intervals in the evidence.
//! - **Three or more**: the exact multinomial test when the outcome space is small enough to
//!   enumerate, else Pearson's chi-square when every expected count is at least 5, else
//!   Bonferroni-combined exact binomial tests ([`multinomial::choose_method`]).
//!
//! # The error budget
//! A run-wide false-failure rate (default 1e-3) is split across the run's statistical
//! assertions by Bonferroni ([`ErrorBudget`]); a step may override its own alpha. Holm would
//! need every p-value before deciding any step, which sequential stopping rules out.
//!
//! # Planning
//! From a step's alpha, the smallest deviation to detect (default 0.1 absolute in any share) and
//! the power (default 0.99), [`plan`] computes the requests needed, exactly for the binomial
//! test, and caps them at `max_requests` with a warning that states the power left.
//!
//! # Sequential stopping (the default)
//! The runner looks after every batch (e.g. 50 requests per exec). For two outcomes, one
//! group-sequential test on the first outcome's share decides; its boundaries come from backward
//! induction (the Bayes-optimal test for the expected sample size under the expectation and the
//! planned deviations), tuned until its *exact* false-failure rate is at most alpha and its
//! exact power at least the target, and it is truncated at 1.25 times the fixed design's n so the
//! worst case stays bounded ([`sequential`]). For k > 2 outcomes, one such test per outcome at
//! alpha / k (Bonferroni): any outcome's share off by the planned deviation is caught by its own
//! test with the target power. Because the error rates are exact for the look schedule, a
//! sequential check is never retried until it passes: its one answer is the answer.
//!
//! [`calibration`] checks all of this by simulation and prints the table in the docs.

mod binomial;
mod budget;
/// Public for `benches/stats_calibration.rs`, which runs it and prints the table in
/// `docs/statistics.md`; nothing else outside this module uses it.
pub mod calibration;
mod decider;
mod error;
mod expectation;
mod interval;
mod multinomial;
mod plan;
mod policy;
mod sequential;
mod special;
mod verdict;

#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod reference_tests;

pub use budget::DEFAULT_RUN_ALPHA;
pub(crate) use budget::{AlphaRequest, ErrorBudget};
pub(crate) use decider::{Decider, Progress};
pub(crate) use error::StatsError;
pub(crate) use expectation::{Counts, Expectation, UNMATCHED};
pub(crate) use plan::plan;
pub(crate) use policy::{
    DEFAULT_BATCH_SIZE, DEFAULT_MAX_REQUESTS, DEFAULT_MIN_DEVIATION, DEFAULT_POWER, DesignKind,
    StepPolicy,
};
pub(crate) use verdict::Verdict;
