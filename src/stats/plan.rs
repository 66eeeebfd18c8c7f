//! Planning: how many requests a step needs, from its alpha, the smallest deviation it must
//! detect and the power to detect it with.
//!
//! - Deterministic (one outcome expected always): enough requests that a counter-example rate
//!   of `min_deviation` shows up at least once with probability `power`:
//!   `n = ln(1 - power) / ln(1 - min_deviation)` (44 for the defaults).
//! - Two outcomes, fixed design: the smallest multiple of the batch size at which the exact
//!   binomial test at `alpha` rejects both `p0 - d` and `p0 + d` (those inside [0, 1]) with
//!   probability at least `power`, computed exactly, not from the normal approximation.
//! - Three or more outcomes, fixed design: `n` from the noncentral chi-square power at the least
//!   favourable deviation (one share off by `d`, the others absorbing it in proportion), then,
//!   when the exact test is used, raised until the exact power at every such deviation meets
//!   the target.
//! - Sequential designs: one sequential binomial test per outcome (one in total for two
//!   outcomes), truncated at 1.25 times that outcome's fixed n (see [`super::sequential`]).
//!
//! A plan above `max_requests` is capped, with a warning that states the power actually left.

use std::sync::Arc;

use super::binomial::RejectionRegion;
use super::error::{StatsError, fmt_share};
use super::expectation::Expectation;
use super::multinomial::{ExactMultinomialTable, MultinomialMethod, choose_method};
use super::policy::{DesignKind, StepPolicy};
use super::sequential::SequentialDesign;
use super::special::{chi2_isf, noncentral_chi2_sf, normal_upper_quantile};

/// The sequential design is truncated at this multiple of the fixed design's n: enough room
/// for early decisions, and a bounded worst case between the hypotheses.
pub(crate) const TRUNCATION_FACTOR: f64 = 1.25;
/// At most this many looks: more looks barely reduce the expected n but cost design time.
pub(crate) const MAX_LOOKS: u64 = 40;
/// Shares are compared with this slack, so `0.3 - 0.1` still counts as a feasible deviation.
const FEASIBLE_SLACK: f64 = 1e-12;

/// How a step will be decided and how many requests it may take.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) expectation: Expectation,
    pub(crate) policy: StepPolicy,
    pub(crate) kind: PlanKind,
    pub(crate) warnings: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum PlanKind {
    Deterministic {
        n: u64,
    },
    FixedBinomial {
        n: u64,
        p0: f64,
        region: RejectionRegion,
        power: f64,
    },
    FixedMultinomial {
        n: u64,
        probs: Vec<f64>,
        method: MultinomialMethod,
        power: f64,
    },
    Sequential {
        units: Vec<Unit>,
        spacing: u64,
        max_n: u64,
    },
}

/// One outcome's sequential test inside a sequential plan.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub(crate) class: String,
    pub(crate) p0: f64,
    pub(crate) alpha: f64,
    pub(crate) design: Arc<SequentialDesign>,
}

/// The planned deviations of share `p0` by `d` that stay inside [0, 1]; if neither does (a
/// deviation of `d` is impossible), the extremes 0 and 1.
pub(crate) fn deviations(p0: f64, d: f64) -> Vec<f64> {
    let mut out = Vec::new();
    if p0 - d >= -FEASIBLE_SLACK {
        out.push((p0 - d).max(0.0));
    }
    if p0 + d <= 1.0 + FEASIBLE_SLACK {
        out.push((p0 + d).min(1.0));
    }
    if out.is_empty() {
        out = vec![0.0, 1.0];
    }
    out
}

fn round_up(n: f64, step: u64) -> u64 {
    let steps = (n / step as f64).ceil().max(1.0);
    steps as u64 * step
}

/// Smallest multiple of `step` (at most `cap`) at which the exact binomial test of `p0` at
/// `alpha` has power `power` against every alternative. Returns `(n, achieved power)`.
pub(crate) fn binomial_fixed_n(
    p0: f64,
    alternatives: &[f64],
    alpha: f64,
    power: f64,
    step: u64,
    cap: u64,
) -> (u64, f64) {
    let power_at = |n: u64| {
        let region = RejectionRegion::new(n, p0, alpha);
        alternatives
            .iter()
            .map(|&a| region.power(a))
            .fold(1.0, f64::min)
    };
    let z_a = normal_upper_quantile(alpha / 2.0);
    let z_b = normal_upper_quantile(1.0 - power);
    let approx = alternatives
        .iter()
        .map(|&a| {
            let num = z_a * (p0 * (1.0 - p0)).sqrt() + z_b * (a * (1.0 - a)).sqrt();
            (num / (a - p0).abs()).powi(2)
        })
        .fold(1.0, f64::max);
    let cap = (cap / step).max(1) * step;
    let mut n = round_up(approx, step).min(cap);
    let mut pw = power_at(n);
    if pw >= power {
        while n > step {
            let lower = power_at(n - step);
            if lower < power {
                break;
            }
            n -= step;
            pw = lower;
        }
    } else {
        while pw < power && n < cap {
            n += step;
            pw = power_at(n);
        }
    }
    (n, pw)
}

/// The deviations a multinomial plan must detect: one share off by `d` (up or down), the
/// others absorbing it in proportion to their shares (the least favourable way to spread it).
pub(crate) fn multinomial_deviations(probs: &[f64], d: f64) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    for i in 0..probs.len() {
        for sign in [1.0, -1.0] {
            let pi = probs[i] + sign * d;
            if !(-FEASIBLE_SLACK..=1.0 + FEASIBLE_SLACK).contains(&pi) {
                continue;
            }
            let rest = 1.0 - probs[i];
            let shifted: Vec<f64> = probs
                .iter()
                .enumerate()
                .map(|(j, &p)| {
                    if j == i {
                        pi.clamp(0.0, 1.0)
                    } else {
                        p - sign * d * p / rest
                    }
                })
                .collect();
            if shifted
                .iter()
                .all(|p| (-FEASIBLE_SLACK..=1.0 + FEASIBLE_SLACK).contains(p))
            {
                out.push(shifted.iter().map(|p| p.clamp(0.0, 1.0)).collect());
            }
        }
    }
    out
}

/// Noncentral chi-square power of Pearson's test with `n` requests against `truth`.
fn chi_square_power(n: u64, probs: &[f64], truth: &[f64], alpha: f64) -> f64 {
    let df = (probs.len() - 1) as u32;
    let phi2: f64 = probs
        .iter()
        .zip(truth)
        .map(|(p, t)| (t - p).powi(2) / p)
        .sum();
    noncentral_chi2_sf(chi2_isf(alpha, df), df, n as f64 * phi2)
}

fn multinomial_fixed(
    probs: &[f64],
    d: f64,
    alpha: f64,
    power: f64,
    step: u64,
    cap: u64,
) -> (u64, MultinomialMethod, f64) {
    let k = probs.len();
    let truths = multinomial_deviations(probs, d);
    let min_chi_power = |n: u64| {
        truths
            .iter()
            .map(|t| chi_square_power(n, probs, t, alpha))
            .fold(1.0, f64::min)
    };
    let cap = (cap / step).max(1) * step;
    // Grow geometrically, then bisect: noncentral power is monotone in n.
    let mut hi = step;
    while hi < cap && min_chi_power(hi) < power {
        hi = (hi * 2).min(cap);
    }
    let (mut lo, mut hi) = (hi / 2, hi);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if min_chi_power(mid) >= power {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let mut n = round_up(hi as f64, step).min(cap);
    match choose_method(n, probs) {
        MultinomialMethod::Exact => {
            // The chi-square figure is an approximation: confirm with the exact power.
            let exact_power = |n: u64| {
                let table = ExactMultinomialTable::new(n, probs);
                truths
                    .iter()
                    .map(|t| table.power(alpha, t))
                    .fold(1.0, f64::min)
            };
            let mut pw = exact_power(n);
            while pw < power && n < cap {
                n += step;
                pw = exact_power(n);
            }
            (n, MultinomialMethod::Exact, pw)
        }
        MultinomialMethod::PearsonChiSquare => {
            (n, MultinomialMethod::PearsonChiSquare, min_chi_power(n))
        }
        MultinomialMethod::BonferroniBinomial => {
            let per = alpha / k as f64;
            let (n, pw) = probs
                .iter()
                .map(|&p| binomial_fixed_n(p, &deviations(p, d), per, power, step, cap))
                .fold((step, 1.0_f64), |(n, pw), (m, q)| (n.max(m), pw.min(q)));
            (n, MultinomialMethod::BonferroniBinomial, pw)
        }
    }
}

fn cap_warning(needed: Option<u64>, policy: &StepPolicy, power: f64) -> String {
    let needed = needed.map_or_else(|| "more".to_owned(), |n| n.to_string());
    format!(
        "the plan needs {needed} requests to detect a {} deviation with power {} at alpha {}; \
         capped at max_requests = {}, which detects it with power {} (raise max_requests, \
         min_deviation or alpha)",
        fmt_share(policy.min_deviation()),
        fmt_share(policy.power()),
        fmt_share(policy.alpha()),
        policy.max_requests(),
        fmt_share((power * 1000.0).floor() / 1000.0)
    )
}

/// Plans a step with the design its policy asks for.
pub(crate) fn plan(expectation: &Expectation, policy: &StepPolicy) -> Result<Plan, StatsError> {
    match policy.design() {
        DesignKind::Fixed => plan_fixed(expectation, policy),
        DesignKind::Sequential => plan_sequential(expectation, policy),
    }
}

fn check_classes(expectation: &Expectation, policy: &StepPolicy) -> Result<(), StatsError> {
    let positive = expectation.positive().count();
    if positive as u64 > policy.max_requests() {
        return Err(StatsError::TooManyClasses {
            positive,
            max_requests: policy.max_requests(),
        });
    }
    Ok(())
}

fn deterministic(expectation: &Expectation, policy: &StepPolicy) -> Plan {
    let step = policy.batch_size();
    let raw = ((1.0 - policy.power()).ln() / (1.0 - policy.min_deviation()).ln()).ceil();
    let needed = round_up(raw, step);
    let mut warnings = Vec::new();
    let n = if needed > policy.max_requests() {
        let n = policy.max_requests();
        let power = 1.0 - (1.0 - policy.min_deviation()).powf(n as f64);
        warnings.push(cap_warning(Some(needed), policy, power));
        n
    } else {
        needed
    };
    Plan {
        expectation: expectation.clone(),
        policy: *policy,
        kind: PlanKind::Deterministic { n },
        warnings,
    }
}

/// Plans a fixed-sample design (whatever the policy's design says).
pub(crate) fn plan_fixed(
    expectation: &Expectation,
    policy: &StepPolicy,
) -> Result<Plan, StatsError> {
    check_classes(expectation, policy)?;
    if expectation.is_deterministic() {
        return Ok(deterministic(expectation, policy));
    }
    let probs: Vec<f64> = expectation.positive().map(|c| c.share()).collect();
    let (d, alpha, power) = (policy.min_deviation(), policy.alpha(), policy.power());
    let (step, cap) = (policy.batch_size(), policy.max_requests());
    let mut warnings = Vec::new();
    let kind = if probs.len() == 2 {
        let p0 = probs[0];
        let alts = deviations(p0, d);
        let (n, pw) = binomial_fixed_n(p0, &alts, alpha, power, step, cap);
        if pw < power {
            let (needed, _) = binomial_fixed_n(p0, &alts, alpha, power, step, u64::MAX / 4);
            warnings.push(cap_warning(Some(needed), policy, pw));
        }
        PlanKind::FixedBinomial {
            n,
            p0,
            region: RejectionRegion::new(n, p0, alpha),
            power: pw,
        }
    } else {
        let (n, method, pw) = multinomial_fixed(&probs, d, alpha, power, step, cap);
        if pw < power {
            warnings.push(cap_warning(None, policy, pw));
        }
        PlanKind::FixedMultinomial {
            n,
            probs,
            method,
            power: pw,
        }
    };
    Ok(Plan {
        expectation: expectation.clone(),
        policy: *policy,
        kind,
        warnings,
    })
}

fn plan_sequential(expectation: &Expectation, policy: &StepPolicy) -> Result<Plan, StatsError> {
    check_classes(expectation, policy)?;
    if expectation.is_deterministic() {
        return Ok(deterministic(expectation, policy));
    }
    let positive: Vec<(String, f64)> = expectation
        .positive()
        .map(|c| (c.name().to_owned(), c.share()))
        .collect();
    // Two outcomes: one test decides both shares. More: one test per outcome, Bonferroni.
    let tested: &[(String, f64)] = if positive.len() == 2 {
        &positive[..1]
    } else {
        &positive
    };
    let alpha = policy.alpha() / tested.len() as f64;
    let (d, power, batch) = (policy.min_deviation(), policy.power(), policy.batch_size());
    let cap = policy.max_requests();
    let fixed: Vec<(u64, Vec<f64>)> = tested
        .iter()
        .map(|(_, p0)| {
            let alts = deviations(*p0, d);
            let (n, _) = binomial_fixed_n(*p0, &alts, alpha, power, batch, u64::MAX / 4);
            (n, alts)
        })
        .collect();
    let wanted_max = fixed
        .iter()
        .map(|(n, _)| round_up(*n as f64 * TRUNCATION_FACTOR, batch))
        .max()
        .unwrap_or(batch);
    let overall = wanted_max.min((cap / batch) * batch).max(batch);
    let spacing = batch * overall.div_ceil(MAX_LOOKS * batch).max(1);
    let cap_looks = (cap / spacing).max(1) * spacing;
    let mut units = Vec::new();
    let mut warnings = Vec::new();
    let mut max_n = 0;
    for ((class, p0), (fixed_n, alts)) in tested.iter().zip(fixed) {
        let wanted = round_up(fixed_n as f64 * TRUNCATION_FACTOR, spacing);
        let unit_max = wanted.min(cap_looks);
        let looks: Vec<u64> = (1..=unit_max / spacing).map(|i| i * spacing).collect();
        let design = SequentialDesign::new(*p0, &alts, alpha, power, &looks);
        let achieved = design
            .deviations()
            .iter()
            .map(|o| o.fail_probability)
            .fold(1.0, f64::min);
        if achieved < power {
            warnings.push(format!(
                "outcome '{class}': {}",
                cap_warning(Some(fixed_n), policy, achieved)
            ));
        }
        max_n = max_n.max(unit_max);
        units.push(Unit {
            class: class.clone(),
            p0: *p0,
            alpha,
            design,
        });
    }
    Ok(Plan {
        expectation: expectation.clone(),
        policy: *policy,
        kind: PlanKind::Sequential {
            units,
            spacing,
            max_n,
        },
        warnings,
    })
}

impl Plan {
    /// The most requests the step will send (a fixed design sends exactly this many unless a
    /// counter-example ends it early).
    pub(crate) fn max_requests(&self) -> u64 {
        match &self.kind {
            PlanKind::Deterministic { n }
            | PlanKind::FixedBinomial { n, .. }
            | PlanKind::FixedMultinomial { n, .. } => *n,
            PlanKind::Sequential { max_n, .. } => *max_n,
        }
    }

    /// The power achieved at the planned deviation (the minimum over outcomes and directions).
    pub(crate) fn power(&self) -> f64 {
        match &self.kind {
            PlanKind::Deterministic { n } => {
                1.0 - (1.0 - self.policy.min_deviation()).powf(*n as f64)
            }
            PlanKind::FixedBinomial { power, .. } | PlanKind::FixedMultinomial { power, .. } => {
                *power
            }
            PlanKind::Sequential { units, .. } => units
                .iter()
                .flat_map(|u| u.design.deviations().iter().map(|o| o.fail_probability))
                .fold(1.0, f64::min),
        }
    }

    /// The false-failure rate this plan spends (0 for deterministic expectations).
    pub(crate) fn alpha(&self) -> f64 {
        match self.kind {
            PlanKind::Deterministic { .. } => 0.0,
            _ => self.policy.alpha(),
        }
    }

    /// Requests between looks, for the runner's batching.
    pub(crate) fn batch_size(&self) -> u64 {
        match &self.kind {
            PlanKind::Sequential { spacing, .. } => *spacing,
            _ => self.policy.batch_size(),
        }
    }

    /// Warnings for the report, e.g. a plan capped below the power target.
    #[cfg(test)]
    pub(crate) fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The test that will decide, in words.
    pub(crate) fn test_name(&self) -> String {
        match &self.kind {
            PlanKind::Deterministic { .. } => "deterministic: any counter-example fails".into(),
            PlanKind::FixedBinomial { .. } => "exact binomial test".into(),
            PlanKind::FixedMultinomial { method, .. } => method.describe().into(),
            PlanKind::Sequential { units, .. } if units.len() == 1 => {
                "sequential binomial test (optimal group-sequential design)".into()
            }
            PlanKind::Sequential { .. } => {
                "sequential binomial test per outcome, Bonferroni-combined".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(alpha: f64) -> StepPolicy {
        StepPolicy::new(alpha).unwrap()
    }

    #[test]
    fn deterministic_plan_needs_a_handful_of_requests() {
        let e = Expectation::new([("v1", 1.0)]).unwrap();
        let p = plan(&e, &policy(1e-3)).unwrap();
        // ceil(ln 0.01 / ln 0.9) = 44, rounded up to the batch of 50.
        assert_eq!(p.max_requests(), 50);
        assert!(p.power() >= 0.99);
        assert_eq!(p.alpha(), 0.0);
    }

    #[test]
    fn fixed_binomial_plan_is_exact_and_minimal() {
        let e = Expectation::new([("abort", 0.5), ("v2", 0.5)]).unwrap();
        let p = plan_fixed(&e, &policy(1e-3)).unwrap();
        // The research note: ~776 by the normal approximation; exact in batches of 50.
        assert_eq!(p.max_requests(), 800);
        assert!(p.power() >= 0.99);
        let region = RejectionRegion::new(750, 0.5, 1e-3);
        assert!(region.power(0.6) < 0.99, "750 would have been enough");
    }

    #[test]
    fn plans_above_the_cap_are_capped_with_a_warning() {
        let e = Expectation::new([("abort", 0.5), ("v2", 0.5)]).unwrap();
        let pol = policy(1e-3).with_max_requests(300).unwrap();
        let p = plan_fixed(&e, &pol).unwrap();
        assert_eq!(p.max_requests(), 300);
        assert!(p.power() < 0.99);
        assert!(
            p.warnings()[0].contains("capped at max_requests = 300"),
            "{:?}",
            p.warnings()
        );
    }

    #[test]
    fn deviations_stay_inside_the_unit_interval() {
        assert_eq!(deviations(0.5, 0.1).len(), 2);
        assert_eq!(deviations(0.1, 0.1), vec![0.0, 0.2]);
        assert_eq!(deviations(0.95, 0.1), vec![0.85]);
        assert_eq!(deviations(0.5, 0.7), vec![0.0, 1.0]);
        for t in multinomial_deviations(&[0.5, 0.25, 0.25], 0.1) {
            assert!((t.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn too_many_outcomes_for_the_cap_is_an_error() {
        let shares: Vec<(String, f64)> = (0..60).map(|i| (format!("v{i}"), 1.0 / 60.0)).collect();
        let e = Expectation::new(shares).unwrap();
        let pol = policy(1e-3).with_max_requests(50).unwrap();
        let err = plan(&e, &pol).unwrap_err();
        assert!(err.to_string().contains("60 outcomes"), "{err}");
    }
}
