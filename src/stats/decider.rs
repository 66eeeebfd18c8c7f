//! Running a plan: the runner feeds batches of classified responses until a verdict comes out.
//!
//! ```text
//! let mut decider = Decider::new(&plan);
//! let verdict = loop {
//!     let counts = send_and_classify(decider.next_batch());
//!     match decider.observe(&counts) {
//!         Progress::Continue(d) => decider = d,
//!         Progress::Decided(v) => break v,
//!     }
//! };
//! ```
//! `observe` consumes the decider, so nothing can be fed after the verdict.

use std::sync::Arc;

use serde::Serialize;

use super::binomial;
use super::error::fmt_share;
use super::expectation::{Counts, UNMATCHED};
use super::multinomial::{self, MultinomialMethod};
use super::plan::{Plan, PlanKind};
use super::sequential::LookDecision;
use super::verdict::{
    ClassEvidence, Decision, LikelihoodRatio, SequentialEvidence, TestUsed, UnitEvidence, Verdict,
    describe_share,
};

/// Confidence of the intervals shown for deterministic steps, which spend no alpha.
const DETERMINISTIC_CONFIDENCE: f64 = 0.95;

/// Either more responses are needed, or the step is decided.
#[derive(Debug)]
pub(crate) enum Progress {
    Continue(Decider),
    Decided(Box<Verdict>),
}

/// How a step ended, in numbers only (the calibration runs millions of these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum Ended {
    CounterExample,
    Deterministic,
    Fixed { fail: bool },
    Sequential { fail: bool },
}

/// The numeric state of a running plan, without names or evidence.
#[derive(Debug, Clone)]
pub(crate) struct Core {
    pub(crate) n: u64,
    /// Counts of the positive-share outcomes, in the expectation's order.
    pub(crate) positive: Vec<u64>,
    pub(crate) counter_examples: u64,
    units: Vec<(LookDecision, Option<u64>)>,
    looks: u64,
}

impl Core {
    pub(crate) fn new(plan: &Plan) -> Self {
        let units = match &plan.kind {
            PlanKind::Sequential { units, .. } => units.len(),
            _ => 0,
        };
        Self {
            n: 0,
            positive: vec![0; plan.expectation.positive().count()],
            counter_examples: 0,
            units: vec![(LookDecision::Continue, None); units],
            looks: 0,
        }
    }

    /// Responses to send before the next decision point (at most one transport batch).
    pub(crate) fn next_batch(&self, plan: &Plan) -> u64 {
        let batch = plan.policy.batch_size();
        let target = match &plan.kind {
            PlanKind::Deterministic { n }
            | PlanKind::FixedBinomial { n, .. }
            | PlanKind::FixedMultinomial { n, .. } => *n,
            PlanKind::Sequential { spacing, max_n, .. } => {
                ((self.n / spacing + 1) * spacing).min(*max_n)
            }
        };
        target.saturating_sub(self.n).clamp(1, batch)
    }

    /// Adds a batch (`positive` aligned with the positive outcomes) and decides if it can.
    pub(crate) fn observe(
        &mut self,
        plan: &Plan,
        positive: &[u64],
        counter_examples: u64,
    ) -> Option<Ended> {
        for (total, add) in self.positive.iter_mut().zip(positive) {
            *total = total.saturating_add(*add);
        }
        self.counter_examples = self.counter_examples.saturating_add(counter_examples);
        self.n = self.positive.iter().sum::<u64>() + self.counter_examples;
        // An outcome expected never to happen did happen: no statistics needed.
        if self.counter_examples > 0 {
            return Some(Ended::CounterExample);
        }
        match &plan.kind {
            PlanKind::Deterministic { n } => (self.n >= *n).then_some(Ended::Deterministic),
            PlanKind::FixedBinomial { n, region, .. } => (self.n >= *n).then(|| {
                let fail = if self.n == *n {
                    region.rejects(self.positive[0])
                } else {
                    // More than planned arrived: test what is there at the planned alpha.
                    binomial::p_value(self.positive[0], self.n, plan_p0(plan))
                        <= plan.policy.alpha()
                };
                Ended::Fixed { fail }
            }),
            PlanKind::FixedMultinomial {
                n, probs, method, ..
            } => (self.n >= *n).then(|| {
                let p = multinomial::p_value_with(*method, &self.positive, probs, self.n);
                Ended::Fixed {
                    fail: p <= plan.policy.alpha(),
                }
            }),
            PlanKind::Sequential {
                units,
                spacing,
                max_n,
            } => {
                if !self.n.is_multiple_of(*spacing) && self.n < *max_n {
                    return None;
                }
                self.looks += 1;
                for (i, unit) in units.iter().enumerate() {
                    if self.units[i].0 != LookDecision::Continue {
                        continue;
                    }
                    let decision = unit.design.decide(self.n, self.positive[i]);
                    if decision != LookDecision::Continue {
                        self.units[i] = (decision, Some(self.n));
                    }
                    if decision == LookDecision::Fail {
                        return Some(Ended::Sequential { fail: true });
                    }
                }
                self.units
                    .iter()
                    .all(|(d, _)| *d == LookDecision::Pass)
                    .then_some(Ended::Sequential { fail: false })
            }
        }
    }
}

fn plan_p0(plan: &Plan) -> f64 {
    match plan.kind {
        PlanKind::FixedBinomial { p0, .. } => p0,
        _ => plan
            .expectation
            .positive()
            .next()
            .map_or(0.5, |c| c.share()),
    }
}

/// Runs a [`Plan`]: feed it batches until it returns a [`Verdict`].
#[derive(Debug, Clone)]
pub(crate) struct Decider {
    plan: Arc<Plan>,
    counts: Counts,
    core: Core,
}

impl Decider {
    /// Starts running `plan` with nothing observed.
    pub(crate) fn new(plan: &Plan) -> Self {
        Self {
            core: Core::new(plan),
            plan: Arc::new(plan.clone()),
            counts: Counts::new(),
        }
    }

    /// How many responses to send next (at most the policy's batch size).
    pub(crate) fn next_batch(&self) -> u64 {
        self.core.next_batch(&self.plan)
    }

    /// Adds one batch of classified responses. Feed exactly [`Decider::next_batch`] responses
    /// (fewer is fine: it asks for the rest); the exact error rates assume that schedule.
    pub(crate) fn observe(mut self, batch: &Counts) -> Progress {
        self.counts.merge(batch);
        let positive: Vec<u64> = self
            .plan
            .expectation
            .positive()
            .map(|c| batch.get(c.name()))
            .collect();
        let counter: u64 = batch
            .counter_examples(&self.plan.expectation)
            .iter()
            .map(|(_, n)| n)
            .sum();
        match self.core.observe(&self.plan, &positive, counter) {
            None => Progress::Continue(self),
            Some(ended) => Progress::Decided(Box::new(self.verdict(ended))),
        }
    }

    fn verdict(&self, ended: Ended) -> Verdict {
        let plan = &self.plan;
        let n = self.core.n;
        let deterministic = matches!(plan.kind, PlanKind::Deterministic { .. });
        let confidence = if deterministic {
            DETERMINISTIC_CONFIDENCE
        } else {
            1.0 - plan.policy.alpha()
        };
        let mut outcomes: Vec<ClassEvidence> = plan
            .expectation
            .classes()
            .iter()
            .map(|c| {
                ClassEvidence::new(
                    c.name(),
                    self.counts.get(c.name()),
                    n,
                    c.share(),
                    confidence,
                )
            })
            .collect();
        for (name, count) in self.counts.iter() {
            if plan.expectation.classes().iter().all(|c| c.name() != name) && name != UNMATCHED {
                outcomes.push(ClassEvidence::new(name, count, n, 0.0, confidence));
            }
        }
        outcomes.push(ClassEvidence::new(
            UNMATCHED,
            self.counts.unmatched(),
            n,
            0.0,
            confidence,
        ));
        let counter_examples = self.counts.counter_examples(&plan.expectation);
        let probs: Vec<f64> = plan.expectation.positive().map(|c| c.share()).collect();
        let (test, p_value) = match (&plan.kind, ended) {
            (_, Ended::CounterExample) => (TestUsed::CounterExample, Some(0.0)),
            (_, Ended::Deterministic) => (TestUsed::Deterministic, None),
            (PlanKind::FixedBinomial { p0, .. }, _) => (
                TestUsed::ExactBinomial,
                Some(binomial::p_value(self.core.positive[0], n, *p0)),
            ),
            (PlanKind::FixedMultinomial { method, .. }, _) => (
                match method {
                    MultinomialMethod::Exact => TestUsed::ExactMultinomial,
                    MultinomialMethod::PearsonChiSquare => TestUsed::PearsonChiSquare,
                    MultinomialMethod::BonferroniBinomial => TestUsed::BonferroniBinomial,
                },
                Some(multinomial::p_value_with(
                    *method,
                    &self.core.positive,
                    &probs,
                    n,
                )),
            ),
            (PlanKind::Sequential { units, .. }, _) => {
                let p = if probs.len() == 2 {
                    binomial::p_value(self.core.positive[0], n, probs[0])
                } else {
                    multinomial::goodness_of_fit(&self.core.positive, &probs).map_or(1.0, |r| r.1)
                };
                let test = if units.len() == 1 {
                    TestUsed::SequentialBinomial
                } else {
                    TestUsed::SequentialBonferroniBinomial
                };
                (test, Some(p))
            }
            _ => (TestUsed::Deterministic, None),
        };
        let sequential = match &plan.kind {
            PlanKind::Sequential { units, max_n, .. } => Some(SequentialEvidence {
                looks: self.core.looks,
                max_requests: *max_n,
                outcomes: units
                    .iter()
                    .zip(&self.core.units)
                    .enumerate()
                    .map(|(i, (u, (state, at)))| UnitEvidence {
                        outcome: u.class.clone(),
                        expected_share: u.p0,
                        alpha: u.alpha,
                        state: *state,
                        decided_at: *at,
                        likelihood_ratios: super::plan::deviations(
                            u.p0,
                            plan.policy.min_deviation(),
                        )
                        .into_iter()
                        .map(|share| LikelihoodRatio {
                            share,
                            log_ratio: log_ratio(n, self.core.positive[i], u.p0, share),
                        })
                        .collect(),
                    })
                    .collect(),
            }),
            _ => None,
        };
        let fail = match ended {
            Ended::CounterExample => true,
            Ended::Deterministic => false,
            Ended::Fixed { fail } | Ended::Sequential { fail } => fail,
        };
        let decision = if fail { Decision::Fail } else { Decision::Pass };
        let summary = summarize(
            decision,
            test,
            &outcomes,
            &counter_examples,
            p_value,
            plan,
            n,
        );
        Verdict {
            decision,
            summary,
            requests: n,
            outcomes,
            test,
            p_value,
            sequential,
            alpha: plan.alpha(),
            min_deviation: plan.policy.min_deviation(),
            power: plan.power(),
            counter_examples,
            warnings: plan.warnings.clone(),
        }
    }
}

/// `ln(L(p1) / L(p0))` for `k` of `n`, with `0 * ln 0 = 0`.
fn log_ratio(n: u64, k: u64, p0: f64, p1: f64) -> f64 {
    let s = if k == 0 {
        0.0
    } else {
        k as f64 * (p1 / p0).ln()
    };
    let f = if k == n {
        0.0
    } else {
        (n - k) as f64 * ((1.0 - p1) / (1.0 - p0)).ln()
    };
    s + f
}

fn summarize(
    decision: Decision,
    test: TestUsed,
    outcomes: &[ClassEvidence],
    counter_examples: &[(String, u64)],
    p_value: Option<f64>,
    plan: &Plan,
    n: u64,
) -> String {
    if test == TestUsed::CounterExample {
        let list = counter_examples
            .iter()
            .map(|(c, k)| {
                let s = if *k == 1 { "" } else { "s" };
                format!("{k} response{s} classed '{c}'")
            })
            .collect::<Vec<_>>()
            .join(", ");
        return format!("failed after {n} responses: {list}, an outcome whose expected share is 0");
    }
    if test == TestUsed::Deterministic {
        return format!(
            "passed: all {n} responses matched {} (no counter-example)",
            plan.expectation.describe()
        );
    }
    let shares = outcomes
        .iter()
        .filter(|c| c.expected_share > 0.0)
        .map(describe_share)
        .collect::<Vec<_>>()
        .join(", ");
    let p = p_value.map_or(String::new(), |p| format!(", p = {}", fmt_share(p)));
    let verb = match decision {
        Decision::Pass => "passed",
        Decision::Fail => "failed",
    };
    format!(
        "{verb} after {n} responses by the {} at alpha {}{p}: {shares}",
        test.describe(),
        fmt_share(plan.policy.alpha())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::plan::plan_fixed;
    use crate::stats::{Expectation, StepPolicy, plan};

    fn run(decider: Decider, mut batch_of: impl FnMut(u64) -> Counts) -> Verdict {
        let mut d = decider;
        loop {
            let counts = batch_of(d.next_batch());
            match d.observe(&counts) {
                Progress::Continue(next) => d = next,
                Progress::Decided(v) => return *v,
            }
        }
    }

    #[test]
    fn deterministic_step_fails_on_the_first_counter_example_and_names_it() {
        let e = Expectation::new([("v1", 1.0)]).unwrap();
        let p = plan(&e, &StepPolicy::default()).unwrap();
        let v = run(Decider::new(&p), |b| {
            let mut c = Counts::new();
            c.add("v1", b - 1);
            c.add_unmatched(1);
            c
        });
        assert_eq!(v.decision, Decision::Fail);
        assert_eq!(v.test, TestUsed::CounterExample);
        assert_eq!(v.requests, 50);
        assert!(
            v.summary.contains("1 response classed 'unmatched'"),
            "{}",
            v.summary
        );
        let ok = run(Decider::new(&p), |b| {
            let mut c = Counts::new();
            c.add("v1", b);
            c
        });
        assert!(ok.passed());
        assert_eq!(ok.requests, 50);
        assert_eq!(ok.alpha, 0.0);
    }

    #[test]
    fn fixed_binomial_step_reports_its_evidence() {
        let e = Expectation::new([("abort", 0.5), ("v2", 0.5)]).unwrap();
        let p = plan_fixed(&e, &StepPolicy::new(1e-3).unwrap()).unwrap();
        // Exactly 50/50 passes; 60/40 fails.
        for (share, pass) in [(0.5, true), (0.6, false)] {
            let v = run(Decider::new(&p), |b| {
                let mut c = Counts::new();
                let a = (b as f64 * share).round() as u64;
                c.add("abort", a);
                c.add("v2", b - a);
                c
            });
            assert_eq!(v.passed(), pass, "{}", v.summary);
            assert_eq!(v.test, TestUsed::ExactBinomial);
            assert_eq!(v.requests, 800);
            let abort = v.outcome("abort").unwrap();
            assert_eq!(abort.expected_share, 0.5);
            assert!(abort.clopper_pearson.contains(share));
            assert_eq!(v.outcome("unmatched").unwrap().count, 0);
            let json = serde_json::to_value(&v).unwrap();
            assert_eq!(json["decision"], if pass { "pass" } else { "fail" });
            assert_eq!(json["test"], "exact_binomial");
        }
    }

    #[test]
    fn sequential_step_stops_early_when_the_evidence_is_clear() {
        let e = Expectation::new([("abort", 0.5), ("v2", 0.5)]).unwrap();
        let pol = StepPolicy::new(0.01)
            .unwrap()
            .with_min_deviation(0.2)
            .unwrap();
        let p = plan(&e, &pol).unwrap();
        // All aborts: fails at the first look.
        let v = run(Decider::new(&p), |b| {
            let mut c = Counts::new();
            c.add("abort", b);
            c
        });
        assert!(!v.passed());
        assert_eq!(v.requests, 50);
        let seq = v.sequential.as_ref().unwrap();
        assert_eq!(seq.looks, 1);
        assert!(
            seq.outcomes[0]
                .likelihood_ratios
                .iter()
                .any(|r| r.log_ratio > 5.0)
        );
        // A perfect split passes well before the truncation point.
        let v = run(Decider::new(&p), |b| {
            let mut c = Counts::new();
            c.add("abort", b / 2);
            c.add("v2", b - b / 2);
            c
        });
        assert!(v.passed(), "{}", v.summary);
        assert!(
            v.requests < p.max_requests(),
            "{} of {}",
            v.requests,
            p.max_requests()
        );
    }
}
