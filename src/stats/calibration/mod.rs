//! Calibration by simulation: do the designs keep their stated error rates, and what do they
//! cost in requests? No cluster: outcomes are drawn from a seeded generator.
//!
//! For each expected split and alpha, three kinds of truth are simulated:
//! - the expectation itself (every failure is a false failure; the rate must be <= alpha),
//! - each planned deviation (one share off by `min_deviation`; the fail rate is the power),
//! - half-way to a deviation, where a sequential test needs the most requests.
//!
//! Each truth runs the fixed design, the sequential design and, for comparison, the Gateway API
//! conformance check (500 requests, every share within 0.05, up to 10 attempts). The sequential
//! design's exact figures (from its forward recursion) are shown next to the simulated ones.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

mod report;

pub use report::Check;

use super::decider::{Core, Ended};
use super::error::{StatsError, fmt_share};
use super::expectation::Expectation;
use super::multinomial::{ExactMultinomialTable, MultinomialMethod, p_value_with};
use super::plan::{Plan, PlanKind, deviations, multinomial_deviations, plan};
use super::policy::{DesignKind, StepPolicy};

/// The Gateway API weight check: `conformance/utils/weight/weight.go`.
pub const GATEWAY_REQUESTS: u64 = 500;
/// Its absolute tolerance on every share.
pub const GATEWAY_TOLERANCE: f64 = 0.05;
/// Its attempts (`weight.MaxTestRetries`); the first passing attempt passes the test.
pub const GATEWAY_ATTEMPTS: u64 = 10;

/// What to simulate.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationConfig {
    /// Simulated verdicts per design and truth.
    pub verdicts: usize,
    pub seed: u64,
    pub alphas: Vec<f64>,
    /// Expected splits, e.g. `[0.5, 0.5]`.
    pub splits: Vec<Vec<f64>>,
    pub min_deviation: f64,
    pub power: f64,
    pub batch_size: u64,
    /// Worker threads (results do not depend on it).
    pub threads: usize,
}

impl Default for CalibrationConfig {
    fn default() -> Self {
        Self {
            verdicts: 100_000,
            seed: 20_240_601,
            alphas: vec![0.01, 0.05, 0.001],
            splits: vec![
                vec![0.5, 0.5],
                vec![0.1, 0.9],
                vec![0.7, 0.3],
                vec![0.5, 0.25, 0.25],
            ],
            min_deviation: 0.1,
            power: 0.99,
            batch_size: 50,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// Which truth a row simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TruthKind {
    Expected,
    PlannedDeviation,
    HalfDeviation,
}

impl TruthKind {
    fn label(self) -> &'static str {
        match self {
            Self::Expected => "= expected",
            Self::PlannedDeviation => "planned deviation",
            Self::HalfDeviation => "half deviation",
        }
    }
}

/// Simulated figures of one design at one truth.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Simulated {
    /// Share of verdicts that failed the step.
    pub fail_rate: f64,
    pub mean_requests: f64,
    pub p95_requests: u64,
    /// The exact fail probability, where the design allows computing it.
    pub exact_fail: Option<f64>,
    pub exact_mean_requests: Option<f64>,
}

/// One expected split, alpha and truth.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub expected: Vec<f64>,
    pub alpha: f64,
    pub kind: TruthKind,
    pub truth: Vec<f64>,
    pub fixed: Simulated,
    pub sequential: Simulated,
}

/// The Gateway API conformance check at one truth (it has no alpha).
#[derive(Debug, Clone, Serialize)]
pub struct GatewayRow {
    pub expected: Vec<f64>,
    pub kind: TruthKind,
    pub truth: Vec<f64>,
    /// Share of single 500-request attempts that fail.
    pub attempt_fail_rate: f64,
    /// Share of verdicts that fail (all 10 attempts failed).
    pub fail_rate: f64,
    pub mean_requests: f64,
    pub p95_requests: u64,
}

/// The plans behind the rows of one expected split and alpha.
#[derive(Debug, Clone, Serialize)]
pub struct PlanRow {
    pub expected: Vec<f64>,
    pub alpha: f64,
    pub fixed_test: String,
    pub fixed_requests: u64,
    pub sequential_test: String,
    pub sequential_max_requests: u64,
    pub looks_every: u64,
    /// The smallest expected n at the expectation that any test with the same looks and error
    /// rates achieves (two outcomes only; truncation relaxed to 3x the fixed n).
    pub null_lower_bound: Option<f64>,
}

/// Everything the calibration measured.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationReport {
    pub config: CalibrationConfig,
    pub plans: Vec<PlanRow>,
    pub rows: Vec<Row>,
    pub gateway: Vec<GatewayRow>,
}

fn split_label(shares: &[f64]) -> String {
    shares
        .iter()
        .map(|s| fmt_share(*s))
        .collect::<Vec<_>>()
        .join("/")
}

/// Truths for one expected split: itself, each distinct planned deviation, and half-way points.
fn truths(expected: &[f64], d: f64) -> Vec<(TruthKind, Vec<f64>)> {
    let mut out = vec![(TruthKind::Expected, expected.to_vec())];
    let devs: Vec<Vec<f64>> = if expected.len() == 2 {
        deviations(expected[0], d)
            .into_iter()
            .map(|p| vec![p, 1.0 - p])
            .collect()
    } else {
        // Outcomes with equal expected shares are interchangeable: keep one of each pair.
        let mut seen: Vec<Vec<u64>> = Vec::new();
        multinomial_deviations(expected, d)
            .into_iter()
            .filter(|t| {
                let mut key: Vec<(u64, u64)> = expected
                    .iter()
                    .zip(t)
                    .map(|(e, x)| ((e * 1e9).round() as u64, (x * 1e9).round() as u64))
                    .collect();
                key.sort_unstable();
                let key: Vec<u64> = key.into_iter().map(|(_, x)| x).collect();
                let fresh = !seen.contains(&key);
                seen.push(key);
                fresh
            })
            .collect()
    };
    let halves: Vec<Vec<f64>> = devs
        .iter()
        .take(if expected.len() == 2 { 2 } else { 1 })
        .map(|t| t.iter().zip(expected).map(|(x, e)| (x + e) / 2.0).collect())
        .collect();
    out.extend(devs.into_iter().map(|t| (TruthKind::PlannedDeviation, t)));
    out.extend(halves.into_iter().map(|t| (TruthKind::HalfDeviation, t)));
    out
}

fn draw(rng: &mut StdRng, cumulative: &[f64], n: u64, counts: &mut [u64]) {
    counts.iter_mut().for_each(|c| *c = 0);
    let last = counts.len() - 1;
    for _ in 0..n {
        let u: f64 = rng.random();
        let i = cumulative.iter().position(|&c| u < c).unwrap_or(last);
        counts[i] += 1;
    }
}

fn cumulative(truth: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    truth
        .iter()
        .map(|p| {
            acc += p;
            acc
        })
        .collect()
}

fn summarize(fails: usize, requests: &mut [u64]) -> Simulated {
    requests.sort_unstable();
    let r = requests.len().max(1);
    let idx = ((0.95 * r as f64).ceil() as usize).clamp(1, r) - 1;
    Simulated {
        fail_rate: fails as f64 / r as f64,
        mean_requests: requests.iter().sum::<u64>() as f64 / r as f64,
        p95_requests: requests.get(idx).copied().unwrap_or(0),
        exact_fail: None,
        exact_mean_requests: None,
    }
}

/// The fixed design's test for repeated use: a precomputed region or table.
enum FixedRule {
    Binomial(super::binomial::RejectionRegion),
    ExactTable(ExactMultinomialTable, f64),
    Other(MultinomialMethod, Vec<f64>, f64),
}

impl FixedRule {
    fn new(plan: &Plan) -> Option<(Self, u64)> {
        match &plan.kind {
            PlanKind::FixedBinomial { n, region, .. } => Some((Self::Binomial(*region), *n)),
            PlanKind::FixedMultinomial {
                n, probs, method, ..
            } => Some(match method {
                MultinomialMethod::Exact => (
                    Self::ExactTable(ExactMultinomialTable::new(*n, probs), plan.policy.alpha()),
                    *n,
                ),
                m => (Self::Other(*m, probs.clone(), plan.policy.alpha()), *n),
            }),
            _ => None,
        }
    }

    fn fails(&self, counts: &[u64], n: u64) -> bool {
        match self {
            Self::Binomial(region) => region.rejects(counts[0]),
            Self::ExactTable(table, alpha) => table.p_value(counts).is_some_and(|p| p <= *alpha),
            Self::Other(m, probs, alpha) => p_value_with(*m, counts, probs, n) <= *alpha,
        }
    }

    fn exact_fail(&self, truth: &[f64]) -> Option<f64> {
        match self {
            Self::Binomial(region) => Some(region.power(truth[0])),
            Self::ExactTable(table, alpha) => Some(table.power(*alpha, truth)),
            Self::Other(..) => None,
        }
    }
}

/// The Gateway API check on one attempt, with its float arithmetic: every outcome's observed
/// share within 0.05 of the expected one, and every expected outcome seen at least once.
fn gateway_attempt_passes(counts: &[u64], expected: &[f64]) -> bool {
    counts.iter().zip(expected).all(|(&c, &e)| {
        let got = c as f64 / GATEWAY_REQUESTS as f64;
        (e == 0.0 || c > 0) && (got - e).abs() <= GATEWAY_TOLERANCE
    })
}

enum Task<'a> {
    Row(Job<'a>),
    Gateway(usize, &'a [f64], TruthKind, Vec<f64>),
}

enum Output {
    Row(Row),
    Gateway(GatewayRow),
}

struct Job<'a> {
    index: usize,
    expected: &'a [f64],
    alpha: f64,
    kind: TruthKind,
    truth: Vec<f64>,
    fixed_plan: &'a Plan,
    fixed_rule: &'a FixedRule,
    fixed_n: u64,
    sequential_plan: &'a Plan,
}

fn simulate(job: &Job, config: &CalibrationConfig) -> Row {
    let mut rng = StdRng::seed_from_u64(
        config
            .seed
            .wrapping_add((job.index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
    );
    let cum = cumulative(&job.truth);
    let k = job.truth.len();
    let mut counts = vec![0_u64; k];
    let r = config.verdicts;

    // Fixed design.
    let mut fails = 0;
    for _ in 0..r {
        draw(&mut rng, &cum, job.fixed_n, &mut counts);
        if job.fixed_rule.fails(&counts, job.fixed_n) {
            fails += 1;
        }
    }
    let mut fixed = summarize(fails, &mut vec![job.fixed_n; r]);
    fixed.exact_fail = job.fixed_rule.exact_fail(&job.truth);
    fixed.exact_mean_requests = Some(job.fixed_n as f64);
    let _ = job.fixed_plan;

    // Sequential design, fed batch by batch exactly as the runner would.
    let plan = job.sequential_plan;
    let mut fails = 0;
    let mut used = Vec::with_capacity(r);
    for _ in 0..r {
        let mut core = Core::new(plan);
        loop {
            let b = core.next_batch(plan);
            draw(&mut rng, &cum, b, &mut counts);
            if let Some(end) = core.observe(plan, &counts, 0) {
                if matches!(
                    end,
                    Ended::Sequential { fail: true } | Ended::CounterExample
                ) {
                    fails += 1;
                }
                used.push(core.n);
                break;
            }
        }
    }
    let mut sequential = summarize(fails, &mut used);
    if let PlanKind::Sequential { units, .. } = &plan.kind
        && let [unit] = units.as_slice()
    {
        let o = unit.design.operating_at(job.truth[0]);
        sequential.exact_fail = Some(o.fail_probability);
        sequential.exact_mean_requests = Some(o.expected_n);
    }

    Row {
        expected: job.expected.to_vec(),
        alpha: job.alpha,
        kind: job.kind,
        truth: job.truth.clone(),
        fixed,
        sequential,
    }
}

/// The Gateway API check, retried as the conformance suite does: up to 10 attempts of 500
/// requests, passing on the first attempt that passes.
fn simulate_gateway(
    index: usize,
    expected: &[f64],
    kind: TruthKind,
    truth: &[f64],
    config: &CalibrationConfig,
) -> GatewayRow {
    let mut rng = StdRng::seed_from_u64(
        config
            .seed
            .wrapping_sub((index as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03)),
    );
    let cum = cumulative(truth);
    let mut counts = vec![0_u64; truth.len()];
    let mut fails = 0;
    let mut attempts_total = 0_u64;
    let mut attempts_failed = 0_u64;
    let mut used = Vec::with_capacity(config.verdicts);
    for _ in 0..config.verdicts {
        let mut attempts = 0;
        let mut passed = false;
        while attempts < GATEWAY_ATTEMPTS && !passed {
            attempts += 1;
            draw(&mut rng, &cum, GATEWAY_REQUESTS, &mut counts);
            passed = gateway_attempt_passes(&counts, expected);
            if !passed {
                attempts_failed += 1;
            }
        }
        attempts_total += attempts;
        if !passed {
            fails += 1;
        }
        used.push(attempts * GATEWAY_REQUESTS);
    }
    let sim = summarize(fails, &mut used);
    GatewayRow {
        expected: expected.to_vec(),
        kind,
        truth: truth.to_vec(),
        attempt_fail_rate: attempts_failed as f64 / attempts_total.max(1) as f64,
        fail_rate: sim.fail_rate,
        mean_requests: sim.mean_requests,
        p95_requests: sim.p95_requests,
    }
}

fn lower_bound(plan: &Plan, fixed_n: u64) -> Option<f64> {
    let PlanKind::Sequential { units, spacing, .. } = &plan.kind else {
        return None;
    };
    let [unit] = units.as_slice() else {
        return None;
    };
    let looks: Vec<u64> = (1..=(3 * fixed_n).div_ceil(*spacing))
        .map(|i| i * spacing)
        .collect();
    Some(super::sequential::SequentialDesign::null_lower_bound(
        unit.p0,
        unit.design.alternatives(),
        unit.alpha,
        plan.policy.power(),
        &looks,
    ))
}

/// Plans every design, then simulates every row (in parallel, deterministic per seed).
pub fn run(config: &CalibrationConfig) -> Result<CalibrationReport, StatsError> {
    let mut plans = Vec::new();
    for split in &config.splits {
        let names: Vec<(String, f64)> = split
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("class{i}"), *s))
            .collect();
        let expectation = Expectation::new(names)?;
        for &alpha in &config.alphas {
            let policy = StepPolicy::new(alpha)?
                .with_min_deviation(config.min_deviation)?
                .with_power(config.power)?
                .with_max_requests(1_000_000)?
                .with_batch_size(config.batch_size)?;
            let fixed = plan(&expectation, &policy.with_design(DesignKind::Fixed))?;
            let sequential = plan(&expectation, &policy)?;
            let rule = FixedRule::new(&fixed).ok_or(StatsError::InvalidSetting {
                setting: "calibration split",
                value: split_label(split),
                requirement: "at least two outcomes with a positive share",
            })?;
            plans.push((split.clone(), alpha, fixed, sequential, rule));
        }
    }
    let mut tasks = Vec::new();
    for (split, alpha, fixed, sequential, (rule, n)) in &plans {
        for (kind, truth) in truths(split, config.min_deviation) {
            tasks.push(Task::Row(Job {
                index: tasks.len(),
                expected: split,
                alpha: *alpha,
                kind,
                truth,
                fixed_plan: fixed,
                fixed_rule: rule,
                fixed_n: *n,
                sequential_plan: sequential,
            }));
        }
    }
    for split in &config.splits {
        for (kind, truth) in truths(split, config.min_deviation) {
            if kind != TruthKind::HalfDeviation {
                tasks.push(Task::Gateway(tasks.len(), split, kind, truth));
            }
        }
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Output>>> = Mutex::new((0..tasks.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..config.threads.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(task) = tasks.get(i) else { break };
                    let out = match task {
                        Task::Row(job) => Output::Row(simulate(job, config)),
                        Task::Gateway(index, expected, kind, truth) => Output::Gateway(
                            simulate_gateway(*index, expected, *kind, truth, config),
                        ),
                    };
                    if let Ok(mut r) = results.lock() {
                        r[i] = Some(out);
                    }
                }
            });
        }
    });
    let mut rows = Vec::new();
    let mut gateway = Vec::new();
    for out in results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
    {
        match out {
            Output::Row(r) => rows.push(r),
            Output::Gateway(g) => gateway.push(g),
        }
    }
    let plan_rows = plans
        .iter()
        .map(|(split, alpha, fixed, sequential, _)| PlanRow {
            expected: split.clone(),
            alpha: *alpha,
            fixed_test: fixed.test_name(),
            fixed_requests: fixed.max_requests(),
            sequential_test: sequential.test_name(),
            sequential_max_requests: sequential.max_requests(),
            looks_every: sequential.batch_size(),
            null_lower_bound: lower_bound(sequential, fixed.max_requests()),
        })
        .collect();
    Ok(CalibrationReport {
        config: config.clone(),
        plans: plan_rows,
        rows,
        gateway,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_check_uses_float_arithmetic_like_go() {
        // 275/500 - 0.5 is 0.050000000000000044 in f64: the Go check fails it.
        assert!(!gateway_attempt_passes(&[275, 225], &[0.5, 0.5]));
        assert!(gateway_attempt_passes(&[274, 226], &[0.5, 0.5]));
        // A backend expected to get traffic but seeing none fails the attempt.
        assert!(!gateway_attempt_passes(&[0, 500], &[0.03, 0.97]));
    }

    #[test]
    fn truths_cover_expectation_deviations_and_half_way() {
        let t = truths(&[0.5, 0.25, 0.25], 0.1);
        assert_eq!(t[0].0, TruthKind::Expected);
        let devs = t
            .iter()
            .filter(|(k, _)| *k == TruthKind::PlannedDeviation)
            .count();
        assert_eq!(devs, 4, "{t:?}");
        let t = truths(&[0.1, 0.9], 0.1);
        assert_eq!(t[1].1, vec![0.0, 1.0]);
    }

    #[test]
    fn small_seeded_calibration_keeps_false_failures_near_alpha() {
        let config = CalibrationConfig {
            verdicts: 2000,
            alphas: vec![0.05],
            splits: vec![vec![0.5, 0.5]],
            min_deviation: 0.2,
            threads: 2,
            ..CalibrationConfig::default()
        };
        let report = run(&config).unwrap();
        let expected = report
            .rows
            .iter()
            .find(|r| r.kind == TruthKind::Expected)
            .unwrap();
        // alpha 0.05 with 2000 verdicts: 3 standard errors is 0.015.
        assert!(expected.sequential.fail_rate < 0.065, "{expected:?}");
        assert!(expected.fixed.fail_rate < 0.065, "{expected:?}");
        let exact = expected.sequential.exact_fail.unwrap();
        assert!(exact <= 0.05 && (expected.sequential.fail_rate - exact).abs() < 0.015);
        assert!(
            report
                .to_markdown()
                .contains("| 0.5/0.5 | 0.05 | 0.5/0.5 |")
        );
        assert_eq!(report.gateway.len(), 3);
    }
}
