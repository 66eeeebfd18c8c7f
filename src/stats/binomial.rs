//! The exact two-sided binomial test, binomial tails, and the rejection region that planning
//! uses to compute exact power.
//!
//! The p-value is defined exactly as SciPy's `binomtest(k, n, p).pvalue` (two-sided): the
//! probability of every outcome no more likely than the observed one, with a relative tolerance
//! of 1e-7 for ties. Tails are summed term by term from the observed count outwards (never as
//! `1 - cdf` of a number near 1), so p-values of 1e-12 keep their relative precision.

#[cfg(test)]
use super::error::StatsError;
use super::special::{Neumaier, dbinom};

/// The relative tolerance SciPy uses to treat two probabilities as tied.
const TIE_TOLERANCE: f64 = 1.0 + 1e-7;

/// `P(K <= k)` for `K ~ Bin(n, p)`; `k < 0` gives 0.
pub(super) fn cdf(k: i64, n: u64, p: f64) -> f64 {
    if k < 0 {
        return 0.0;
    }
    let k = k as u64;
    if k >= n || p <= 0.0 {
        return 1.0;
    }
    if p >= 1.0 {
        return 0.0;
    }
    if (k as f64) <= n as f64 * p {
        sum_down(k, n, p)
    } else {
        (1.0 - sum_up(k + 1, n, p)).max(0.0)
    }
}

/// `P(K > k)` for `K ~ Bin(n, p)` (SciPy's `binom.sf`); `k < 0` gives 1.
pub(super) fn sf(k: i64, n: u64, p: f64) -> f64 {
    if k < 0 {
        return 1.0;
    }
    let k = k as u64;
    if k >= n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let from = k + 1;
    if (from as f64) >= n as f64 * p {
        sum_up(from, n, p)
    } else {
        (1.0 - sum_down(k, n, p)).max(0.0)
    }
}

/// `P(K = k)` for `K ~ Bin(n, p)`.
pub(super) fn pmf(k: u64, n: u64, p: f64) -> f64 {
    dbinom(k, n, p)
}

/// `sum_{i <= k} P(K = i)` for `k` at or below the mean, where terms shrink going down.
fn sum_down(k: u64, n: u64, p: f64) -> f64 {
    let mut term = dbinom(k, n, p);
    let mut sum = Neumaier::default();
    sum.add(term);
    let odds = (1.0 - p) / p;
    let mut i = k;
    while i > 0 && term > 0.0 {
        // P(i - 1) / P(i) = i (1 - p) / ((n - i + 1) p)
        term *= i as f64 / (n - i + 1) as f64 * odds;
        sum.add(term);
        i -= 1;
        if term <= sum.total() * 1e-18 {
            break;
        }
    }
    sum.total()
}

/// `sum_{i >= k} P(K = i)` for `k` at or above the mean, where terms shrink going up.
fn sum_up(k: u64, n: u64, p: f64) -> f64 {
    if k > n {
        return 0.0;
    }
    let mut term = dbinom(k, n, p);
    let mut sum = Neumaier::default();
    sum.add(term);
    let odds = p / (1.0 - p);
    let mut i = k;
    while i < n && term > 0.0 {
        // P(i + 1) / P(i) = (n - i) p / ((i + 1) (1 - p))
        term *= (n - i) as f64 / (i + 1) as f64 * odds;
        sum.add(term);
        i += 1;
        if term <= sum.total() * 1e-18 {
            break;
        }
    }
    sum.total()
}

/// The exact two-sided binomial test of "the share of this outcome is `p`", given `successes`
/// out of `trials`; the p-value is SciPy's `binomtest(successes, trials, p).pvalue`.
#[cfg(test)]
pub(crate) fn binomial_test(successes: u64, trials: u64, p: f64) -> Result<f64, StatsError> {
    if trials == 0 {
        return Err(StatsError::NoObservations);
    }
    if successes > trials {
        return Err(StatsError::CountsExceedTotal {
            count: successes,
            total: trials,
        });
    }
    if !(0.0..=1.0).contains(&p) {
        return Err(StatsError::ShareOutOfRange { share: p });
    }
    Ok(p_value(successes, trials, p))
}

/// SciPy's two-sided p-value, for inputs already known to be valid.
pub(crate) fn p_value(k: u64, n: u64, p: f64) -> f64 {
    let d = dbinom(k, n, p);
    let pn = p * n as f64;
    let kf = k as f64;
    let (n_i, k_i) = (n as i64, k as i64);
    let pval = if kf == pn {
        1.0
    } else if kf < pn {
        // Count the terms above the mode that are no more likely than the observed one.
        let ix = search(
            |x| -dbinom(x as u64, n, p),
            -d * TIE_TOLERANCE,
            pn.ceil() as i64,
            n_i,
        );
        let tie = ix >= 0 && ix <= n_i && d * TIE_TOLERANCE == dbinom(ix as u64, n, p);
        let y = n_i - ix + i64::from(tie);
        cdf(k_i, n, p) + sf(n_i - y, n, p)
    } else {
        let ix = search(
            |x| dbinom(x as u64, n, p),
            d * TIE_TOLERANCE,
            0,
            pn.floor() as i64,
        );
        let y = ix + 1;
        cdf(y - 1, n, p) + sf(k_i - 1, n, p)
    };
    pval.min(1.0)
}

/// SciPy's `_binary_search_for_binom_tst`: the index `i` in `[lo, hi]` with
/// `a(i) <= d < a(i + 1)` for a nondecreasing `a` (may return `lo - 1`).
fn search(a: impl Fn(i64) -> f64, d: f64, mut lo: i64, mut hi: i64) -> i64 {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let midval = a(mid);
        if midval < d {
            lo = mid + 1;
        } else if midval > d {
            hi = mid - 1;
        } else {
            return mid;
        }
    }
    if a(lo) <= d { lo } else { lo - 1 }
}

/// The counts for which the exact two-sided test at level `alpha` rejects `p` with `n` trials:
/// `k <= lower` or `k >= upper`. Precomputed so that planning and simulation are O(1) per test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RejectionRegion {
    pub(crate) n: u64,
    /// Largest rejected count below the expectation, if any.
    pub(crate) lower: Option<u64>,
    /// Smallest rejected count above the expectation, if any.
    pub(crate) upper: Option<u64>,
}

impl RejectionRegion {
    pub(crate) fn new(n: u64, p: f64, alpha: f64) -> Self {
        let pn = p * n as f64;
        // Below the mean the p-value grows with k; above it, it shrinks: binary-search each side.
        let lower = if pn > 0.0 && p_value(0, n, p) <= alpha {
            // The largest count strictly below the mean.
            let (mut lo, mut hi) = (0_u64, pn.ceil() as u64 - 1);
            while lo < hi {
                let mid = lo + (hi - lo).div_ceil(2);
                if p_value(mid, n, p) <= alpha {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            Some(lo)
        } else {
            None
        };
        let upper_min = (pn.floor() as u64 + 1).min(n + 1);
        let upper = if upper_min <= n && p_value(n, n, p) <= alpha {
            let (mut lo, mut hi) = (upper_min, n);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if p_value(mid, n, p) <= alpha {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            Some(lo)
        } else {
            None
        };
        Self { n, lower, upper }
    }

    pub(crate) fn rejects(&self, k: u64) -> bool {
        self.lower.is_some_and(|l| k <= l) || self.upper.is_some_and(|u| k >= u)
    }

    /// The exact probability of rejecting when the true share is `p`.
    pub(crate) fn power(&self, p: f64) -> f64 {
        let low = self.lower.map_or(0.0, |l| cdf(l as i64, self.n, p));
        let high = self.upper.map_or(0.0, |u| sf(u as i64 - 1, self.n, p));
        (low + high).min(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_are_complementary() {
        for &(n, p) in &[(10_u64, 0.3), (500, 0.5), (1000, 0.07), (100_000, 0.5)] {
            for k in [0_i64, 1, (n / 3) as i64, (n / 2) as i64, n as i64 - 1] {
                let total = cdf(k, n, p) + sf(k, n, p);
                assert!((total - 1.0).abs() < 1e-12, "n={n} p={p} k={k}: {total}");
            }
        }
    }

    #[test]
    fn p_value_matches_hand_computed_cases() {
        // 0 of 10 at 0.5: both tails of size 2^-10.
        assert!((p_value(0, 10, 0.5) - 2.0 / 1024.0).abs() < 1e-16);
        assert_eq!(p_value(5, 10, 0.5), 1.0);
        // An outcome impossible under the expectation has p-value 0.
        assert_eq!(p_value(3, 10, 0.0), 0.0);
        assert_eq!(p_value(0, 10, 0.0), 1.0);
    }

    #[test]
    fn rejection_region_agrees_with_p_values() {
        for &(n, p, alpha) in &[(500_u64, 0.5, 0.05), (300, 0.1, 0.01), (40, 0.7, 1e-3)] {
            let region = RejectionRegion::new(n, p, alpha);
            for k in 0..=n {
                assert_eq!(
                    region.rejects(k),
                    p_value(k, n, p) <= alpha,
                    "n={n} p={p} k={k}"
                );
            }
            assert!(region.power(p) <= alpha);
        }
    }

    #[test]
    fn invalid_inputs_are_errors_not_panics() {
        assert!(binomial_test(3, 0, 0.5).is_err());
        assert!(binomial_test(11, 10, 0.5).is_err());
        assert!(binomial_test(1, 10, f64::NAN).is_err());
    }
}
