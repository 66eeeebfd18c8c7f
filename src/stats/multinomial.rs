//! Goodness-of-fit tests for three or more outcomes, and the rule that picks one.
//!
//! The rule ([`choose_method`]), in order:
//! 1. **Exact multinomial test** when the number of possible outcomes, `C(n + k - 1, k - 1)`,
//!    is at most [`EXACT_OUTCOME_LIMIT`] (three outcomes up to n ~ 2000): no approximation at
//!    all. The p-value sums the probability of every outcome no more likely than the observed
//!    one, the multinomial version of the exact binomial test.
//! 2. **Pearson's chi-square** (k - 1 degrees of freedom) when every expected count is at least
//!    [`MIN_EXPECTED_COUNT`] (Cochran's rule). Pearson rather than the G-test: its null
//!    distribution is closer to chi-square at moderate counts (Larntz 1978), and the G-test is
//!    still available for reports.
//! 3. Otherwise **Bonferroni-combined exact binomial tests** (each outcome against the rest,
//!    p = min(1, k * min p_i)): always valid, at the price of some power.

use serde::Serialize;
use statrs::function::factorial::ln_factorial;

use super::binomial;
use super::error::StatsError;
use super::special::{Neumaier, chi2_sf};

/// Outcome spaces up to this size are enumerated exactly (a few milliseconds).
pub(super) const EXACT_OUTCOME_LIMIT: f64 = 2.0e6;
/// The smallest expected count per outcome for which the chi-square approximation is used.
pub(super) const MIN_EXPECTED_COUNT: f64 = 5.0;

const TIE_TOLERANCE: f64 = 1.0 + 1e-7;

/// Which goodness-of-fit test decides a sample with three or more outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum MultinomialMethod {
    Exact,
    PearsonChiSquare,
    BonferroniBinomial,
}

impl MultinomialMethod {
    /// The method's name for reports.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Exact => "exact multinomial test",
            Self::PearsonChiSquare => "Pearson chi-square test",
            Self::BonferroniBinomial => "Bonferroni-combined exact binomial tests",
        }
    }
}

/// A chi-square-type statistic and its p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(super) struct GoodnessOfFit {
    pub statistic: f64,
    pub degrees_of_freedom: u32,
    pub p_value: f64,
}

/// The number of ways `n` responses can fall into `k` outcomes, `C(n + k - 1, k - 1)`.
pub(super) fn outcome_count(n: u64, k: usize) -> f64 {
    if k <= 1 {
        return 1.0;
    }
    let r = (k - 1) as u64;
    (ln_factorial(n + r) - ln_factorial(n) - ln_factorial(r))
        .exp()
        .round()
}

/// The documented rule: exact when enumerable, chi-square when the counts allow, else
/// Bonferroni-combined binomial tests. `probs` are the positive expected shares.
pub(super) fn choose_method(n: u64, probs: &[f64]) -> MultinomialMethod {
    if outcome_count(n, probs.len()) <= EXACT_OUTCOME_LIMIT {
        MultinomialMethod::Exact
    } else if probs.iter().all(|p| n as f64 * p >= MIN_EXPECTED_COUNT) {
        MultinomialMethod::PearsonChiSquare
    } else {
        MultinomialMethod::BonferroniBinomial
    }
}

/// Tests `counts` against `probs` with the method [`choose_method`] picks.
pub(super) fn goodness_of_fit(
    counts: &[u64],
    probs: &[f64],
) -> Result<(MultinomialMethod, f64), StatsError> {
    let n = validate(counts, probs)?;
    let method = choose_method(n, probs);
    Ok((method, p_value_with(method, counts, probs, n)))
}

/// The p-value of `counts` (summing to `n > 0`) by a given method; for plans, which fix the
/// method when they fix `n`.
pub(crate) fn p_value_with(
    method: MultinomialMethod,
    counts: &[u64],
    probs: &[f64],
    n: u64,
) -> f64 {
    match method {
        MultinomialMethod::Exact => exact_p_value(counts, probs, n),
        MultinomialMethod::PearsonChiSquare => pearson(counts, probs, n).p_value,
        MultinomialMethod::BonferroniBinomial => bonferroni(counts, probs, n),
    }
}

fn validate(counts: &[u64], probs: &[f64]) -> Result<u64, StatsError> {
    if counts.len() != probs.len() || counts.is_empty() {
        return Err(StatsError::InvalidSetting {
            setting: "number of counts",
            value: format!("{} counts for {} shares", counts.len(), probs.len()),
            requirement: "one count per expected share",
        });
    }
    if let Some(&p) = probs.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(StatsError::ShareOutOfRange { share: p });
    }
    let n = counts.iter().sum::<u64>();
    if n == 0 {
        return Err(StatsError::NoObservations);
    }
    Ok(n)
}

/// The exact multinomial test: the probability, under `probs`, of all outcomes no more likely
/// than `counts` (ties within a relative 1e-7 count as equal, as in SciPy's binomial test).
#[cfg(test)]
pub(super) fn exact_multinomial_test(counts: &[u64], probs: &[f64]) -> Result<f64, StatsError> {
    let n = validate(counts, probs)?;
    Ok(exact_p_value(counts, probs, n))
}

/// Per-outcome log terms `x ln p - ln x!`, so an outcome's log-probability is a sum of lookups.
fn log_terms(n: u64, probs: &[f64]) -> Vec<Vec<f64>> {
    probs
        .iter()
        .map(|&p| {
            (0..=n)
                .map(|x| {
                    let xl = if x == 0 { 0.0 } else { x as f64 * p.ln() };
                    xl - ln_factorial(x)
                })
                .collect()
        })
        .collect()
}

/// Calls `visit` with the log-probability of every outcome of `n` draws.
fn enumerate(n: u64, terms: &[Vec<f64>], visit: &mut impl FnMut(f64)) {
    fn rec(i: usize, left: u64, acc: f64, terms: &[Vec<f64>], visit: &mut impl FnMut(f64)) {
        if i + 1 == terms.len() {
            visit(acc + terms[i][left as usize]);
            return;
        }
        for x in 0..=left {
            let t = terms[i][x as usize];
            if t > f64::NEG_INFINITY {
                rec(i + 1, left - x, acc + t, terms, visit);
            }
        }
    }
    rec(0, n, ln_factorial(n), terms, visit);
}

fn outcome_log_prob(counts: &[u64], terms: &[Vec<f64>], n: u64) -> f64 {
    ln_factorial(n)
        + counts
            .iter()
            .zip(terms)
            .map(|(&x, t)| t[x as usize])
            .sum::<f64>()
}

fn exact_p_value(counts: &[u64], probs: &[f64], n: u64) -> f64 {
    let terms = log_terms(n, probs);
    let observed = outcome_log_prob(counts, &terms, n);
    if observed == f64::NEG_INFINITY {
        return 0.0;
    }
    let threshold = observed + TIE_TOLERANCE.ln();
    let mut sum = Neumaier::default();
    enumerate(n, &terms, &mut |lp| {
        if lp <= threshold {
            sum.add(lp.exp());
        }
    });
    sum.total().min(1.0)
}

/// The exact test's null distribution for one `n`, sorted once so that each further p-value
/// is a binary search: what the calibration needs to run the exact test thousands of times.
#[derive(Debug, Clone)]
pub(super) struct ExactMultinomialTable {
    n: u64,
    terms: Vec<Vec<f64>>,
    sorted_log_probs: Vec<f64>,
    cumulative: Vec<f64>,
}

impl ExactMultinomialTable {
    /// Enumerates and sorts all outcomes of `n` draws under `probs` (O(outcomes log outcomes)).
    pub(super) fn new(n: u64, probs: &[f64]) -> Self {
        let terms = log_terms(n, probs);
        let mut all = Vec::new();
        enumerate(n, &terms, &mut |lp| all.push(lp));
        all.sort_by(f64::total_cmp);
        let mut sum = Neumaier::default();
        let cumulative = all
            .iter()
            .map(|lp| {
                sum.add(lp.exp());
                sum.total()
            })
            .collect();
        Self {
            n,
            terms,
            sorted_log_probs: all,
            cumulative,
        }
    }

    /// The exact p-value of `counts`; `None` unless they are one count per outcome summing to
    /// the table's `n`.
    pub(super) fn p_value(&self, counts: &[u64]) -> Option<f64> {
        if counts.len() != self.terms.len() || counts.iter().sum::<u64>() != self.n {
            return None;
        }
        let lp = outcome_log_prob(counts, &self.terms, self.n);
        if lp == f64::NEG_INFINITY {
            return Some(0.0);
        }
        let threshold = lp + TIE_TOLERANCE.ln();
        let idx = self.sorted_log_probs.partition_point(|&x| x <= threshold);
        Some(if idx == 0 {
            0.0
        } else {
            self.cumulative[idx - 1].min(1.0)
        })
    }

    /// The exact probability of rejecting at level `alpha` when the true shares are `truth`.
    pub(super) fn power(&self, alpha: f64, truth: &[f64]) -> f64 {
        // Outcomes are rejected when their null probability is small enough: find that cutoff.
        let idx = self.cumulative.partition_point(|&c| c <= alpha);
        if idx == 0 {
            return 0.0;
        }
        let cutoff = self.sorted_log_probs[idx - 1];
        let truth_terms = log_terms(self.n, truth);
        let mut null_lp = Vec::new();
        enumerate(self.n, &self.terms, &mut |lp| null_lp.push(lp));
        let mut i = 0;
        let mut sum = Neumaier::default();
        enumerate(self.n, &truth_terms, &mut |lp| {
            // Both enumerations visit outcomes in the same order.
            if null_lp[i] <= cutoff {
                sum.add(lp.exp());
            }
            i += 1;
        });
        sum.total().min(1.0)
    }
}

/// Pearson's chi-square goodness-of-fit test (SciPy's `chisquare`).
#[cfg(test)]
pub(super) fn pearson_chi_square(
    counts: &[u64],
    probs: &[f64],
) -> Result<GoodnessOfFit, StatsError> {
    let n = validate(counts, probs)?;
    Ok(pearson(counts, probs, n))
}

pub(crate) fn pearson(counts: &[u64], probs: &[f64], n: u64) -> GoodnessOfFit {
    let mut stat = 0.0;
    for (&o, &p) in counts.iter().zip(probs) {
        let e = n as f64 * p;
        if e == 0.0 {
            if o > 0 {
                stat = f64::INFINITY;
            }
            continue;
        }
        stat += (o as f64 - e).powi(2) / e;
    }
    let df = (probs.len() - 1) as u32;
    GoodnessOfFit {
        statistic: stat,
        degrees_of_freedom: df,
        p_value: chi2_sf(stat, df.max(1)),
    }
}

/// The G-test (likelihood-ratio) of goodness of fit (SciPy's
/// `power_divergence(..., lambda_="log-likelihood")`).
#[cfg(test)]
pub(super) fn g_test(counts: &[u64], probs: &[f64]) -> Result<GoodnessOfFit, StatsError> {
    let n = validate(counts, probs)?;
    let mut stat = 0.0;
    for (&o, &p) in counts.iter().zip(probs) {
        if o > 0 {
            let e = n as f64 * p;
            stat += 2.0 * o as f64 * (o as f64 / e).ln();
        }
    }
    let df = (probs.len() - 1) as u32;
    Ok(GoodnessOfFit {
        statistic: stat,
        degrees_of_freedom: df,
        p_value: chi2_sf(stat, df.max(1)),
    })
}

fn bonferroni(counts: &[u64], probs: &[f64], n: u64) -> f64 {
    let min = counts
        .iter()
        .zip(probs)
        .map(|(&c, &p)| binomial::p_value(c, n, p))
        .fold(1.0_f64, f64::min);
    (min * probs.len() as f64).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_test_with_two_outcomes_is_the_binomial_test() {
        for (k, n, p) in [(3_u64, 20_u64, 0.3), (12, 20, 0.5), (0, 15, 0.1)] {
            let multi = exact_multinomial_test(&[k, n - k], &[p, 1.0 - p]).unwrap();
            let bin = binomial::p_value(k, n, p);
            assert!(
                (multi / bin - 1.0).abs() < 1e-9,
                "k={k} n={n}: {multi} vs {bin}"
            );
        }
    }

    #[test]
    fn table_agrees_with_direct_enumeration() {
        let probs = [0.5, 0.25, 0.25];
        let table = ExactMultinomialTable::new(30, &probs);
        for counts in [[15_u64, 8, 7], [25, 5, 0], [5, 5, 20], [10, 10, 10]] {
            let direct = exact_multinomial_test(&counts, &probs).unwrap();
            assert!((table.p_value(&counts).unwrap() / direct - 1.0).abs() < 1e-12);
        }
        assert_eq!(table.p_value(&[1, 2, 3]), None);
        assert!(table.power(0.05, &probs) <= 0.05);
        assert!(table.power(0.05, &[0.8, 0.1, 0.1]) > 0.5);
    }

    #[test]
    fn the_rule_prefers_exact_then_chi_square_then_bonferroni() {
        assert_eq!(
            choose_method(500, &[0.5, 0.25, 0.25]),
            MultinomialMethod::Exact
        );
        assert_eq!(
            choose_method(5000, &[0.5, 0.25, 0.25]),
            MultinomialMethod::PearsonChiSquare
        );
        assert_eq!(
            choose_method(5000, &[0.9996, 0.0002, 0.0002]),
            MultinomialMethod::BonferroniBinomial
        );
    }

    #[test]
    fn an_outcome_with_zero_expected_share_is_rejected_outright() {
        assert_eq!(
            exact_multinomial_test(&[5, 5, 1], &[0.5, 0.5, 0.0]).unwrap(),
            0.0
        );
        assert_eq!(
            pearson_chi_square(&[5, 5, 1], &[0.5, 0.5, 0.0])
                .unwrap()
                .p_value,
            0.0
        );
    }
}
