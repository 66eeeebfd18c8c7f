//! The sequential test of one outcome's share: a truncated group-sequential design whose
//! boundaries are computed by backward induction and whose error rates are computed exactly.
//!
//! # The problem
//! Test `H0: share = p0` against the planned deviations `p0 - d` and `p0 + d` (those inside
//! [0, 1]), looking after every `spacing` requests, stopping at `max_n` at the latest, with
//! `P(fail | H0) <= alpha` and `P(pass | p0 +- d) <= 1 - power`.
//!
//! # The design
//! Among all tests with that look schedule, the one minimising
//! `E0[N] + mean over deviations of E[N] + l0 * P0(fail) + l1 * sum P(pass | deviation)`
//! is found by backward induction over the state (requests so far, count so far): at each state
//! compare the cost of failing now, passing now, and taking one more batch (Eales & Jennison
//! 1992; Barber & Jennison 2002). The multipliers `l0`, `l1` are then tuned so that the error
//! constraints hold with equality, up to the discreteness of the counts. The resulting test is
//! the Bayes-optimal one for these weights: no test with the same looks and error rates has a
//! smaller weighted expected sample size. A forward recursion over the binomial gives its exact
//! false-failure rate, power and expected sample size; nothing here relies on simulation or on
//! Wald's approximations (which ignore overshoot and the two-sidedness of the problem).
//!
//! Truncation at `max_n` (1.25 times the fixed design's n by default) bounds the worst case,
//! which for any sequential test lies between the hypotheses.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;

use super::binomial::pmf;

/// Probability mass below this (relative to a kernel's peak) is dropped from convolutions.
const KERNEL_FLOOR: f64 = 1e-22;
/// States further than this many (upper-bound) standard deviations from every hypothesis are
/// not tabulated; their probability is below 1e-23 and they stop by the cheaper decision.
const BAND_SIGMAS: f64 = 10.0;
/// Search limits for the log-multipliers; `exp(U_LIMIT + V_LIMIT)` must stay finite.
const U_LIMIT: f64 = 600.0;
const V_LIMIT: f64 = 60.0;
/// The search stops once the exact alpha is within 5% below its target (spending the rest
/// would save a request or two at most) and the exact 1 - power within 10%.
const ALPHA_CLOSE: f64 = 0.95;
const BETA_CLOSE: f64 = 0.9;

/// What a look decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LookDecision {
    Continue,
    Pass,
    Fail,
}

const CONTINUE: u8 = 0;
const PASS: u8 = 1;
const FAIL: u8 = 2;

/// The decisions at one look, tabulated over the counts that have any chance of occurring.
#[derive(Debug, Clone)]
struct Look {
    n: u64,
    offset: u64,
    codes: Vec<u8>,
}

/// The boundaries at one look, for reports: fail at or below `fail_at_most` or at or above
/// `fail_at_least`, pass inside `pass_between`, continue otherwise.
#[derive(Debug, Clone, Serialize)]
#[cfg(test)]
pub(crate) struct LookBoundary {
    pub n: u64,
    pub fail_at_most: Option<u64>,
    pub pass_between: Option<(u64, u64)>,
    pub fail_at_least: Option<u64>,
}

/// Exact operating characteristics of a design at one true share.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct Operating {
    pub true_share: f64,
    pub fail_probability: f64,
    pub expected_n: f64,
}

/// A sequential test of one outcome's share, ready to be run.
#[derive(Clone)]
pub(crate) struct SequentialDesign {
    p0: f64,
    alternatives: Vec<f64>,
    alpha: f64,
    power: f64,
    lambda_fail: f64,
    lambda_pass: f64,
    looks: Vec<Look>,
    null: Operating,
    deviations: Vec<Operating>,
}

impl std::fmt::Debug for SequentialDesign {
    // The tabulated boundaries run to thousands of entries; logs get the summary.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SequentialDesign")
            .field("summary", &self.summary())
            .finish_non_exhaustive()
    }
}

/// Why a design came out as it did, for reports.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DesignSummary {
    pub expected_share: f64,
    pub deviations: Vec<f64>,
    pub alpha: f64,
    pub target_power: f64,
    pub looks: usize,
    pub max_n: u64,
    /// Exact false-failure rate and expected requests when the share is as expected.
    pub null: Operating,
    /// Exact power and expected requests at each planned deviation.
    pub at_deviations: Vec<Operating>,
}

struct Kernel {
    start: u64,
    probs: Vec<f64>,
}

impl Kernel {
    fn new(size: u64, p: f64) -> Self {
        let probs: Vec<f64> = (0..=size).map(|x| pmf(x, size, p)).collect();
        let peak = probs.iter().copied().fold(0.0, f64::max);
        let keep = |x: &f64| *x > peak * KERNEL_FLOOR;
        let first = probs.iter().position(keep).unwrap_or(0);
        let last = probs.iter().rposition(keep).unwrap_or(0);
        Self {
            start: first as u64,
            probs: probs[first..=last].to_vec(),
        }
    }
}

/// Log-likelihood-ratio coefficients of one alternative against `p0`.
#[derive(Clone, Copy)]
struct Ratio {
    success: f64,
    failure: f64,
}

impl Ratio {
    fn new(p0: f64, p1: f64) -> Self {
        Self {
            success: (p1 / p0).ln(),
            failure: ((1.0 - p1) / (1.0 - p0)).ln(),
        }
    }

    /// `L1 / L0` after `k` successes in `n`, with `0 * ln 0` taken as 0.
    fn at(&self, n: u64, k: u64) -> f64 {
        let s = if k == 0 { 0.0 } else { k as f64 * self.success };
        let f = if n == k {
            0.0
        } else {
            (n - k) as f64 * self.failure
        };
        (s + f).exp()
    }
}

struct Problem<'a> {
    p0: f64,
    alternatives: &'a [f64],
    ratios: Vec<Ratio>,
    ns: Vec<u64>,
    bands: Vec<(u64, u64)>,
    null_kernels: Vec<Kernel>,
    alt_weight: f64,
}

#[derive(Clone)]
struct Evaluation {
    lambda_fail: f64,
    lambda_pass: f64,
    looks: Vec<Look>,
    null: Operating,
    deviations: Vec<Operating>,
}

impl Evaluation {
    fn alpha(&self) -> f64 {
        self.null.fail_probability
    }
    fn beta(&self) -> f64 {
        self.deviations
            .iter()
            .map(|o| 1.0 - o.fail_probability)
            .fold(0.0, f64::max)
    }
}

impl<'a> Problem<'a> {
    /// `deviation_weight` is the weight of the mean expected n under the deviations, relative
    /// to the expected n under the expectation, in the objective.
    fn new(p0: f64, alternatives: &'a [f64], ns: Vec<u64>, deviation_weight: f64) -> Self {
        let lo = alternatives.iter().copied().fold(p0, f64::min);
        let hi = alternatives.iter().copied().fold(p0, f64::max);
        let bands = ns
            .iter()
            .map(|&n| {
                let spread = BAND_SIGMAS * (n as f64 / 4.0).sqrt() + 5.0;
                let a = (n as f64 * lo - spread).floor().max(0.0) as u64;
                let b = ((n as f64 * hi + spread).ceil() as u64).min(n);
                (a, b)
            })
            .collect();
        let mut prev = 0;
        let null_kernels = ns
            .iter()
            .map(|&n| {
                let k = Kernel::new(n - prev, p0);
                prev = n;
                k
            })
            .collect();
        Self {
            p0,
            alternatives,
            ratios: alternatives.iter().map(|&a| Ratio::new(p0, a)).collect(),
            ns,
            bands,
            null_kernels,
            alt_weight: deviation_weight / alternatives.len().max(1) as f64,
        }
    }

    fn ratio_sum(&self, n: u64, k: u64) -> f64 {
        self.ratios.iter().map(|r| r.at(n, k)).sum()
    }

    /// Stop now: fail costs `lf`, pass costs `lp * sum of likelihood ratios` (per unit of H0
    /// likelihood).
    fn stop(&self, lf: f64, lp: f64, n: u64, k: u64) -> (f64, u8) {
        let pass = lp * self.ratio_sum(n, k);
        if lf <= pass { (lf, FAIL) } else { (pass, PASS) }
    }

    /// Backward induction: the optimal decision at every tabulated state.
    fn induct(&self, lf: f64, lp: f64) -> Vec<Look> {
        let m = self.ns.len();
        let mut looks: Vec<Look> = Vec::with_capacity(m);
        let mut next_values: Vec<f64> = Vec::new();
        let mut next_band = (0, 0);
        for j in (0..m).rev() {
            let n = self.ns[j];
            let (lo, hi) = self.bands[j];
            let mut values = Vec::with_capacity((hi - lo + 1) as usize);
            let mut codes = Vec::with_capacity((hi - lo + 1) as usize);
            if j + 1 == m {
                for k in lo..=hi {
                    let (v, c) = self.stop(lf, lp, n, k);
                    values.push(v);
                    codes.push(c);
                }
            } else {
                let kernel = &self.null_kernels[j + 1];
                let n_next = self.ns[j + 1];
                let step = (n_next - n) as f64;
                // Values at the next look for every count reachable from this band.
                let ext_lo = lo + kernel.start;
                let ext_hi = hi + kernel.start + kernel.probs.len() as u64 - 1;
                let ext: Vec<f64> = (ext_lo..=ext_hi)
                    .map(|k2| {
                        if k2 >= next_band.0 && k2 <= next_band.1 {
                            next_values[(k2 - next_band.0) as usize]
                        } else {
                            self.stop(lf, lp, n_next, k2.min(n_next)).0
                        }
                    })
                    .collect();
                for k in lo..=hi {
                    let (stop_value, stop_code) = self.stop(lf, lp, n, k);
                    let sampling = step * (1.0 + self.alt_weight * self.ratio_sum(n, k));
                    let base = (k - lo) as usize;
                    let future: f64 = kernel
                        .probs
                        .iter()
                        .zip(&ext[base..])
                        .map(|(p, v)| p * v)
                        .sum();
                    let cont = sampling + future;
                    if cont < stop_value {
                        values.push(cont);
                        codes.push(CONTINUE);
                    } else {
                        values.push(stop_value);
                        codes.push(stop_code);
                    }
                }
            }
            looks.push(Look {
                n,
                offset: lo,
                codes,
            });
            next_values = values;
            next_band = (lo, hi);
        }
        looks.reverse();
        looks
    }

    /// Forward recursion: the exact probability of failing and the expected n at share `p`.
    fn operate(&self, looks: &[Look], lf: f64, lp: f64, p: f64) -> Operating {
        let mut dist: Vec<f64> = vec![1.0];
        let mut dist_lo = 0_u64;
        let mut prev_n = 0_u64;
        let mut fail = 0.0;
        let mut expected_n = 0.0;
        for look in looks {
            let kernel = Kernel::new(look.n - prev_n, p);
            prev_n = look.n;
            let new_lo = dist_lo + kernel.start;
            let mut next = vec![0.0; dist.len() + kernel.probs.len() - 1];
            for (i, &d) in dist.iter().enumerate() {
                if d == 0.0 {
                    continue;
                }
                for (x, &q) in kernel.probs.iter().enumerate() {
                    next[i + x] += d * q;
                }
            }
            let mut kept = Vec::with_capacity(next.len());
            let mut kept_lo = None;
            for (i, &mass) in next.iter().enumerate() {
                let k = new_lo + i as u64;
                let code = self.code(look, lf, lp, k);
                match code {
                    CONTINUE => {
                        kept_lo.get_or_insert(k);
                        kept.push(mass);
                    }
                    c => {
                        if kept_lo.is_some() {
                            kept.push(0.0);
                        }
                        if c == FAIL {
                            fail += mass;
                        }
                        expected_n += mass * look.n as f64;
                    }
                }
            }
            // Trailing stopped states carry no mass forward.
            while kept.last() == Some(&0.0) {
                kept.pop();
            }
            match kept_lo {
                Some(lo) if !kept.is_empty() => {
                    dist = kept;
                    dist_lo = lo;
                }
                _ => break,
            }
        }
        Operating {
            true_share: p,
            fail_probability: fail.min(1.0),
            expected_n,
        }
    }

    fn code(&self, look: &Look, lf: f64, lp: f64, k: u64) -> u8 {
        if k >= look.offset && k < look.offset + look.codes.len() as u64 {
            look.codes[(k - look.offset) as usize]
        } else {
            self.stop(lf, lp, look.n, k.min(look.n)).1
        }
    }

    /// The optimal test for multipliers `exp(u + v)` (fail) and `exp(v)` (pass), with its
    /// exact false-failure rate; `u` acts like the log-likelihood ratio needed to fail and `v`
    /// like minus the one needed to pass.
    fn evaluate(&self, u: f64, v: f64) -> Evaluation {
        let lambda_pass = v.exp();
        let lambda_fail = (u + v).exp();
        let looks = self.induct(lambda_fail, lambda_pass);
        let null = self.operate(&looks, lambda_fail, lambda_pass, self.p0);
        Evaluation {
            lambda_fail,
            lambda_pass,
            looks,
            null,
            deviations: Vec::new(),
        }
    }

    /// Adds the exact power at each planned deviation.
    fn with_deviations(&self, mut e: Evaluation) -> Evaluation {
        e.deviations = self
            .alternatives
            .iter()
            .map(|&a| self.operate(&e.looks, e.lambda_fail, e.lambda_pass, a))
            .collect();
        e
    }
}

/// Finds (about) the smallest `x` at which `ok` holds, for a predicate that holds above some
/// threshold. `score` is positive exactly when `ok` fails and behaves like `ln(rate / target)`,
/// falling by about 1 per unit of `x`, which makes secant steps good guesses. Stops as soon as
/// `good` says the rate is close enough to its target. `None` when `ok` fails even at `limit`.
fn solve(
    guess: f64,
    limit: f64,
    mut eval: impl FnMut(f64) -> Evaluation,
    ok: impl Fn(&Evaluation) -> bool,
    good: impl Fn(&Evaluation) -> bool,
    score: impl Fn(&Evaluation) -> f64,
) -> Option<(f64, Evaluation)> {
    const TOLERANCE: f64 = 0.01;
    let mut failing: Option<(f64, f64)> = None;
    let mut passing: Option<(f64, f64, Evaluation)> = None;
    let mut x = guess.clamp(-limit, limit);
    for i in 0..60 {
        let e = eval(x);
        let s = score(&e);
        if ok(&e) {
            if good(&e) {
                return Some((x, e));
            }
            passing = Some((x, s, e));
        } else {
            failing = Some((x, s));
        }
        x = match (&failing, &passing) {
            (Some((xf, sf)), Some((xp, sp, _))) => {
                if (xp - xf).abs() < TOLERANCE {
                    break;
                }
                // Regula falsi on the score, with a bisection every third step so that a
                // step-shaped score (counts are discrete) cannot stall it.
                let t = if i % 3 == 2 || !(*sf > 0.0 && *sp <= 0.0) {
                    0.5
                } else {
                    (sf / (sf - sp)).clamp(0.1, 0.9)
                };
                xf + t * (xp - xf)
            }
            (None, Some((xp, sp, _))) => {
                if *xp <= -limit {
                    break;
                }
                (xp + sp.clamp(-5.0, -0.1)).max(-limit)
            }
            (Some((xf, sf)), None) => {
                if *xf >= limit {
                    return None;
                }
                (xf + sf.clamp(0.1, 5.0)).min(limit)
            }
            (None, None) => break,
        };
    }
    passing.map(|(x, _, e)| (x, e))
}

impl SequentialDesign {
    /// Designs the test of share `p0` against `alternatives` (the planned deviations inside
    /// [0, 1]) with looks at `looks` (increasing cumulative request counts; the last is the
    /// truncation point). Cached: the same arguments return the same design. Crate-private:
    /// [`super::plan`] validates the arguments.
    pub(crate) fn new(
        p0: f64,
        alternatives: &[f64],
        alpha: f64,
        power: f64,
        looks: &[u64],
    ) -> Arc<SequentialDesign> {
        type Key = (u64, Vec<u64>, u64, u64, Vec<u64>);
        static CACHE: OnceLock<Mutex<HashMap<Key, Arc<SequentialDesign>>>> = OnceLock::new();
        let key: Key = (
            p0.to_bits(),
            alternatives.iter().map(|a| a.to_bits()).collect(),
            alpha.to_bits(),
            power.to_bits(),
            looks.to_vec(),
        );
        let cache = CACHE.get_or_init(Default::default);
        if let Some(d) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return d;
        }
        let design = Arc::new(Self::compute(p0, alternatives, alpha, power, looks, 1.0));
        if let Ok(mut c) = cache.lock() {
            c.insert(key, design.clone());
        }
        design
    }

    /// The smallest expected n under the expectation that *any* test with these looks and
    /// error rates can achieve: the design that minimises it alone (deviations weighted ~0).
    /// The calibration reports it as the floor for the sequential savings.
    pub(crate) fn null_lower_bound(
        p0: f64,
        alternatives: &[f64],
        alpha: f64,
        power: f64,
        looks: &[u64],
    ) -> f64 {
        Self::compute(p0, alternatives, alpha, power, looks, 1e-4)
            .null
            .expected_n
    }

    fn compute(
        p0: f64,
        alternatives: &[f64],
        alpha: f64,
        power: f64,
        looks: &[u64],
        deviation_weight: f64,
    ) -> Self {
        let problem = Problem::new(p0, alternatives, looks.to_vec(), deviation_weight);
        let beta = 1.0 - power;
        let ln_ratio = |x: f64, target: f64| (x.max(1e-300) / target).ln();
        // Fit u (how hard it is to fail) so that the exact alpha is just below its target, for a
        // given v, warm-starting from the previous fit.
        let mut u_guess = (1.0 / alpha).ln();
        let mut fit_u = |v: f64| {
            let found = solve(
                u_guess,
                U_LIMIT,
                |u| problem.evaluate(u, v),
                |e| e.alpha() <= alpha,
                |e| e.alpha() >= ALPHA_CLOSE * alpha,
                |e| ln_ratio(e.alpha(), alpha),
            );
            let (u, e) = found.unwrap_or_else(|| (U_LIMIT, problem.evaluate(U_LIMIT, v)));
            u_guess = u;
            problem.with_deviations(e)
        };
        let mut best: Option<Evaluation> = None;
        // Then the smallest v (the earliest passes) that still meets the power target.
        let found = solve(
            (1.0 / beta).ln() + 2.0,
            V_LIMIT,
            |v| {
                let e = fit_u(v);
                if e.alpha() <= alpha && best.as_ref().is_none_or(|b| e.beta() < b.beta()) {
                    best = Some(e.clone());
                }
                e
            },
            |e| e.beta() <= beta && e.alpha() <= alpha,
            |e| e.beta() >= BETA_CLOSE * beta,
            |e| ln_ratio(e.beta(), beta),
        );
        // When the cap makes the power target unreachable, keep the most powerful valid design.
        let chosen = match found {
            Some((_, e)) => e,
            None => match best {
                Some(b) => b,
                None => problem.with_deviations(problem.evaluate(U_LIMIT, V_LIMIT)),
            },
        };
        Self {
            p0,
            alternatives: alternatives.to_vec(),
            alpha,
            power,
            lambda_fail: chosen.lambda_fail,
            lambda_pass: chosen.lambda_pass,
            looks: chosen.looks,
            null: chosen.null,
            deviations: chosen.deviations,
        }
    }

    /// The planned deviations this test is powered against.
    pub(crate) fn alternatives(&self) -> &[f64] {
        &self.alternatives
    }

    /// The cumulative request counts at which the test looks.
    pub(crate) fn looks(&self) -> impl Iterator<Item = u64> + '_ {
        self.looks.iter().map(|l| l.n)
    }

    /// The truncation point: the test decides by this many requests at the latest.
    pub(crate) fn max_n(&self) -> u64 {
        self.looks.last().map_or(0, |l| l.n)
    }

    /// The decision after `k` of `n` responses fell in the outcome. At a planned look this is
    /// the designed boundary; off the schedule (a runner that over-delivered) it is `Continue`
    /// before the truncation point and the Bayes stopping rule after it.
    pub(crate) fn decide(&self, n: u64, k: u64) -> LookDecision {
        let problem_stop = |n: u64, k: u64| {
            let ratio: f64 = self
                .alternatives
                .iter()
                .map(|&a| Ratio::new(self.p0, a).at(n, k))
                .sum();
            if self.lambda_fail <= self.lambda_pass * ratio {
                LookDecision::Fail
            } else {
                LookDecision::Pass
            }
        };
        match self.looks.iter().find(|l| l.n == n) {
            Some(look) => {
                if k >= look.offset && k < look.offset + look.codes.len() as u64 {
                    match look.codes[(k - look.offset) as usize] {
                        CONTINUE => LookDecision::Continue,
                        PASS => LookDecision::Pass,
                        _ => LookDecision::Fail,
                    }
                } else {
                    problem_stop(n, k.min(n))
                }
            }
            None if n >= self.max_n() => problem_stop(n, k.min(n)),
            None => LookDecision::Continue,
        }
    }

    /// The exact false-failure rate and expected requests when the share is as expected.
    #[cfg(test)]
    pub(crate) fn null(&self) -> Operating {
        self.null
    }

    /// The exact power and expected requests at each planned deviation.
    pub(crate) fn deviations(&self) -> &[Operating] {
        &self.deviations
    }

    /// The exact operating characteristics at any true share (e.g. between the hypotheses).
    pub(crate) fn operating_at(&self, p: f64) -> Operating {
        let problem = Problem::new(self.p0, &self.alternatives, self.looks().collect(), 1.0);
        problem.operate(&self.looks, self.lambda_fail, self.lambda_pass, p)
    }

    /// The design's exact figures, for reports.
    pub(crate) fn summary(&self) -> DesignSummary {
        DesignSummary {
            expected_share: self.p0,
            deviations: self.alternatives.clone(),
            alpha: self.alpha,
            target_power: self.power,
            looks: self.looks.len(),
            max_n: self.max_n(),
            null: self.null,
            at_deviations: self.deviations.clone(),
        }
    }

    /// The boundaries in counts at every look.
    #[cfg(test)]
    pub(crate) fn boundaries(&self) -> Vec<LookBoundary> {
        self.looks
            .iter()
            .map(|look| {
                let mid = self.p0 * look.n as f64;
                let at = |i: usize| look.offset + i as u64;
                let mut b = LookBoundary {
                    n: look.n,
                    fail_at_most: None,
                    pass_between: None,
                    fail_at_least: None,
                };
                for (i, &c) in look.codes.iter().enumerate() {
                    let k = at(i);
                    match c {
                        FAIL if (k as f64) < mid => b.fail_at_most = Some(k),
                        FAIL => {
                            b.fail_at_least.get_or_insert(k);
                        }
                        PASS => {
                            let (lo, _) = b.pass_between.unwrap_or((k, k));
                            b.pass_between = Some((lo, k));
                        }
                        _ => {}
                    }
                }
                // Counts below the tabulated band fail as well.
                if b.fail_at_most.is_none() && look.offset > 0 {
                    b.fail_at_most = Some(look.offset - 1);
                }
                b
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(step: u64, max: u64) -> Vec<u64> {
        (1..=max / step).map(|i| i * step).collect()
    }

    #[test]
    fn design_meets_its_error_rates_exactly_and_saves_requests() {
        // 0.5 vs 0.3 / 0.7 at alpha 0.01, power 0.99: fixed design needs ~150 requests.
        let d = SequentialDesign::new(0.5, &[0.3, 0.7], 0.01, 0.99, &schedule(10, 200));
        assert!(d.null().fail_probability <= 0.01);
        assert!(d.null().fail_probability > 0.005, "alpha left unspent");
        for dev in d.deviations() {
            assert!(dev.fail_probability >= 0.99, "{dev:?}");
            assert!(dev.expected_n < 0.7 * 150.0, "{dev:?}");
        }
        assert!(d.null().expected_n < 0.75 * 150.0, "{:?}", d.null());
    }

    #[test]
    fn boundaries_are_consistent_with_decisions() {
        let d = SequentialDesign::new(0.5, &[0.3, 0.7], 0.01, 0.99, &schedule(10, 200));
        for b in d.boundaries() {
            if let Some(lo) = b.fail_at_most {
                assert_eq!(d.decide(b.n, lo), LookDecision::Fail);
                assert_eq!(d.decide(b.n, 0), LookDecision::Fail);
            }
            if let Some((lo, hi)) = b.pass_between {
                assert_eq!(d.decide(b.n, (lo + hi) / 2), LookDecision::Pass);
            }
        }
        // The last look always decides.
        for k in 0..=200 {
            assert_ne!(d.decide(200, k), LookDecision::Continue);
        }
    }

    #[test]
    fn a_deviation_to_zero_is_caught_quickly() {
        // Expected 0.2, planned deviations 0.1 below (0.1) and above (0.3).
        let d = SequentialDesign::new(0.2, &[0.0, 0.4], 0.01, 0.99, &schedule(10, 150));
        let at_zero = d.operating_at(0.0);
        assert!(at_zero.fail_probability > 0.999);
        assert!(at_zero.expected_n < 60.0, "{at_zero:?}");
    }
}
