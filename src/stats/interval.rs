//! Confidence intervals for one outcome's share: Wilson (score) and Clopper-Pearson (exact).
//!
//! Reports show both: Clopper-Pearson never under-covers, so "the interval excludes the expected
//! share" agrees with the exact test; Wilson is shorter and closer to nominal coverage, which is
//! what a reader wants when judging how far off a share is. Both follow SciPy's
//! `binomtest(k, n).proportion_ci(confidence, method="wilson" | "exact")`.

use serde::Serialize;

use super::binomial::{cdf, sf};
use super::error::StatsError;
use super::special::{bisect_decreasing, bisect_increasing, normal_upper_quantile};

/// A two-sided confidence interval for a share.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
    /// The confidence level, e.g. 0.999.
    pub confidence: f64,
}

impl Interval {
    /// Whether `share` lies inside the interval (bounds included).
    pub fn contains(&self, share: f64) -> bool {
        self.lower <= share && share <= self.upper
    }
}

fn check(successes: u64, trials: u64, confidence: f64) -> Result<(), StatsError> {
    if trials == 0 {
        return Err(StatsError::NoObservations);
    }
    if successes > trials {
        return Err(StatsError::CountsExceedTotal {
            count: successes,
            total: trials,
        });
    }
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(StatsError::InvalidSetting {
            setting: "confidence",
            value: confidence.to_string(),
            requirement: "strictly between 0 and 1",
        });
    }
    Ok(())
}

/// The Wilson score interval (without continuity correction).
pub(crate) fn wilson(successes: u64, trials: u64, confidence: f64) -> Result<Interval, StatsError> {
    check(successes, trials, confidence)?;
    let (k, n) = (successes as f64, trials as f64);
    let z = normal_upper_quantile(0.5 - 0.5 * confidence);
    let p = k / n;
    let q = 1.0 - p;
    let denom = 2.0 * (n + z * z);
    let center = (2.0 * n * p + z * z) / denom;
    let delta = z / denom * (4.0 * n * p * q + z * z).sqrt();
    let lower = if successes == 0 { 0.0 } else { center - delta };
    let upper = if successes == trials {
        1.0
    } else {
        center + delta
    };
    Ok(Interval {
        lower,
        upper,
        confidence,
    })
}

/// The Clopper-Pearson interval: the shares whose one-sided exact tests at `(1 - confidence)/2`
/// do not reject the observed count. Solved to full precision (SciPy's default root tolerance is
/// coarser; the reference data uses a tight one).
pub(crate) fn clopper_pearson(
    successes: u64,
    trials: u64,
    confidence: f64,
) -> Result<Interval, StatsError> {
    check(successes, trials, confidence)?;
    let tail = (1.0 - confidence) / 2.0;
    let (k, n) = (successes as i64, trials);
    // P(K >= k) grows with p; P(K <= k) shrinks with p.
    let lower = if successes == 0 {
        0.0
    } else {
        bisect_increasing(|p| sf(k - 1, n, p), tail, 0.0, 1.0)
    };
    let upper = if successes == trials {
        1.0
    } else {
        bisect_decreasing(|p| cdf(k, n, p), tail, 0.0, 1.0)
    };
    Ok(Interval {
        lower,
        upper,
        confidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_contain_the_estimate_and_nest_by_confidence() {
        for (k, n) in [(0_u64, 10_u64), (3, 10), (250, 500), (500, 500)] {
            let p = k as f64 / n as f64;
            for f in [wilson, clopper_pearson] {
                let narrow = f(k, n, 0.9).unwrap();
                let wide = f(k, n, 0.999).unwrap();
                assert!(narrow.contains(p) && wide.contains(p));
                assert!(wide.lower <= narrow.lower && narrow.upper <= wide.upper);
            }
        }
    }

    #[test]
    fn clopper_pearson_bounds_have_the_stated_tail() {
        let ci = clopper_pearson(7, 100, 0.99).unwrap();
        assert!((sf(6, 100, ci.lower) / 0.005 - 1.0).abs() < 1e-10);
        assert!((cdf(7, 100, ci.upper) / 0.005 - 1.0).abs() < 1e-10);
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert!(wilson(1, 0, 0.95).is_err());
        assert!(clopper_pearson(5, 4, 0.95).is_err());
        assert!(wilson(1, 4, 1.0).is_err());
        assert!(wilson(1, 4, f64::NAN).is_err());
    }
}
