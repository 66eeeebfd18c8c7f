//! Numerical building blocks shared by the tests: an accurate binomial log-density, normal and
//! chi-square tails, and compensated summation.
//!
//! Tail probabilities of 1e-12 and below are routine here (Bonferroni-split alphas), so every
//! function keeps relative, not absolute, accuracy in the tails.

use statrs::function::erf::{erfc, erfc_inv};
use statrs::function::gamma::ln_gamma;

const LN_2PI: f64 = 1.837_877_066_409_345_3;

/// `ln(n!) - ((n + 1/2) ln n - n + ln sqrt(2 pi))`: the error of Stirling's formula.
///
/// Loader's saddle-point density needs it to full relative precision; small `n` use the exact
/// factorial (exact in f64 up to 15!), larger `n` the asymptotic series.
fn stirlerr(n: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 15.0 {
        let mut fact = 1.0_f64;
        let mut i = 2.0;
        while i <= n {
            fact *= i;
            i += 1.0;
        }
        return fact.ln() - (n + 0.5) * n.ln() + n - 0.5 * LN_2PI;
    }
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// The deviance term `x ln(x / np) + np - x`, computed without cancellation when `x ~ np`.
fn bd0(x: f64, np: f64) -> f64 {
    if (x - np).abs() < 0.1 * (x + np) {
        let mut v = (x - np) / (x + np);
        let mut s = (x - np) * v;
        if s.abs() < f64::MIN_POSITIVE {
            return s;
        }
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000 {
            ej *= v;
            let s1 = s + ej / f64::from(2 * j + 1);
            if s1 == s {
                return s1;
            }
            s = s1;
        }
    }
    x * (x / np).ln() + np - x
}

/// Natural log of the binomial probability `P(K = k)` for `K ~ Bin(n, p)`, after Loader (2000).
///
/// Relative accuracy near machine precision for any `n`, which `ln_gamma` differences lose for
/// large `n`. Returns `-inf` for impossible outcomes.
pub(crate) fn ln_dbinom(k: u64, n: u64, p: f64) -> f64 {
    if k > n {
        return f64::NEG_INFINITY;
    }
    let q = 1.0 - p;
    if p <= 0.0 {
        return if k == 0 { 0.0 } else { f64::NEG_INFINITY };
    }
    if q <= 0.0 {
        return if k == n { 0.0 } else { f64::NEG_INFINITY };
    }
    let (x, nf) = (k as f64, n as f64);
    if k == 0 {
        if n == 0 {
            return 0.0;
        }
        return if p < 0.1 {
            -bd0(nf, nf * q) - nf * p
        } else {
            nf * q.ln()
        };
    }
    if k == n {
        return if q < 0.1 {
            -bd0(nf, nf * p) - nf * q
        } else {
            nf * p.ln()
        };
    }
    let lc = stirlerr(nf) - stirlerr(x) - stirlerr(nf - x) - bd0(x, nf * p) - bd0(nf - x, nf * q);
    let lf = LN_2PI + x.ln() + (-x / nf).ln_1p();
    lc - 0.5 * lf
}

/// `P(K = k)` for `K ~ Bin(n, p)`.
pub(crate) fn dbinom(k: u64, n: u64, p: f64) -> f64 {
    ln_dbinom(k, n, p).exp()
}

/// `z` with `P(Z > z) = upper_tail` for a standard normal `Z`; accurate for tiny tails.
pub(crate) fn normal_upper_quantile(upper_tail: f64) -> f64 {
    std::f64::consts::SQRT_2 * erfc_inv(2.0 * upper_tail)
}

/// `P(X > x)` for `X ~ chi-square(df)` with integer `df >= 1`.
///
/// Uses the closed forms (a Poisson sum for even `df`, `erfc` plus a sum for odd `df`), whose
/// terms are all positive, so tails keep their relative precision.
pub(crate) fn chi2_sf(x: f64, df: u32) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    let h = x / 2.0;
    let mut sum = Neumaier::default();
    if df.is_multiple_of(2) {
        // e^{-h} sum_{j < df/2} h^j / j!
        for j in 0..df / 2 {
            let jf = f64::from(j);
            sum.add((jf * h.ln() - h - ln_gamma(jf + 1.0)).exp());
        }
    } else {
        sum.add(erfc(h.sqrt()));
        // e^{-h} sum_{j < (df-1)/2} h^{j+1/2} / Gamma(j + 3/2)
        for j in 0..(df - 1) / 2 {
            let e = f64::from(j) + 0.5;
            sum.add((e * h.ln() - h - ln_gamma(e + 1.0)).exp());
        }
    }
    sum.total().min(1.0)
}

/// The critical value `x` with `P(chi-square(df) > x) = upper_tail`.
pub(crate) fn chi2_isf(upper_tail: f64, df: u32) -> f64 {
    // The sf is decreasing in x: bracket, then bisect to full precision.
    let mut hi = f64::from(df).max(1.0);
    while chi2_sf(hi, df) > upper_tail {
        hi *= 2.0;
    }
    bisect_decreasing(|x| chi2_sf(x, df), upper_tail, 0.0, hi)
}

/// `P(X > x)` for a noncentral chi-square with `df` degrees of freedom and noncentrality
/// `lambda`: a Poisson(lambda/2) mixture of central chi-squares with `df + 2j` degrees.
pub(crate) fn noncentral_chi2_sf(x: f64, df: u32, lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return chi2_sf(x, df);
    }
    let mu = lambda / 2.0;
    let spread = 12.0 * mu.sqrt() + 30.0;
    let hi = (mu + spread).ceil() as u32;
    let mut sum = Neumaier::default();
    for j in 0..=hi {
        let jf = f64::from(j);
        let weight = (jf * mu.ln() - mu - ln_gamma(jf + 1.0)).exp();
        if weight > 0.0 {
            sum.add(weight * chi2_sf(x, df + 2 * j));
        }
    }
    sum.total().min(1.0)
}

/// Finds `x` in `[lo, hi]` with `f(x) = target` for a decreasing `f`, to full f64 precision.
pub(crate) fn bisect_decreasing(f: impl Fn(f64) -> f64, target: f64, lo: f64, hi: f64) -> f64 {
    bisect(|x| f(x) <= target, lo, hi)
}

/// Finds `x` in `[lo, hi]` with `f(x) = target` for an increasing `f`, to full f64 precision.
pub(crate) fn bisect_increasing(f: impl Fn(f64) -> f64, target: f64, lo: f64, hi: f64) -> f64 {
    bisect(|x| f(x) >= target, lo, hi)
}

/// The boundary of a monotone predicate (`false` below, `true` above), halving until the
/// interval cannot shrink further; a relative stop keeps tiny roots precise.
fn bisect(is_above: impl Fn(f64) -> bool, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..2000 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi || (hi - lo) <= 1e-17 * hi.abs() {
            break;
        }
        if is_above(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Neumaier's compensated sum: long sums of small positive terms (tails, multinomial
/// enumerations) stay accurate to a few ulps instead of drifting with the term count.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Neumaier {
    sum: f64,
    compensation: f64,
}

impl Neumaier {
    pub(crate) fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    pub(crate) fn total(&self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stirlerr_is_continuous_at_the_switch_to_the_series() {
        // The exact branch at 15 and the series at 16 must agree with ln-gamma differences.
        for n in [15.0_f64, 16.0, 35.0, 36.0, 80.0, 81.0, 500.0, 501.0] {
            let direct = ln_gamma(n + 1.0) - (n + 0.5) * n.ln() + n - 0.5 * LN_2PI;
            assert!((stirlerr(n) - direct).abs() < 1e-12, "n = {n}");
        }
    }

    #[test]
    fn binomial_density_sums_to_one_and_handles_edges() {
        let total: f64 = (0..=1000).map(|k| dbinom(k, 1000, 0.3)).sum();
        assert!((total - 1.0).abs() < 1e-12);
        assert_eq!(dbinom(0, 10, 0.0), 1.0);
        assert_eq!(dbinom(3, 10, 0.0), 0.0);
        assert_eq!(dbinom(10, 10, 1.0), 1.0);
        assert_eq!(dbinom(11, 10, 0.5), 0.0);
    }

    #[test]
    fn chi_square_tail_matches_closed_forms() {
        // df = 2: sf = exp(-x/2).
        assert!((chi2_sf(10.0, 2) / (-5.0_f64).exp() - 1.0).abs() < 1e-14);
        // df = 1: sf = erfc(sqrt(x/2)).
        assert!((chi2_sf(3.0, 1) / erfc(1.5_f64.sqrt()) - 1.0).abs() < 1e-14);
        let x = chi2_isf(1e-6, 3);
        assert!((chi2_sf(x, 3) / 1e-6 - 1.0).abs() < 1e-10);
    }

    #[test]
    fn noncentral_chi_square_reduces_to_central_and_grows_with_lambda() {
        assert!((noncentral_chi2_sf(5.0, 3, 0.0) - chi2_sf(5.0, 3)).abs() < 1e-15);
        let a = noncentral_chi2_sf(9.21, 2, 5.0);
        let b = noncentral_chi2_sf(9.21, 2, 20.0);
        assert!(a > chi2_sf(9.21, 2) && b > a && b < 1.0);
    }

    #[test]
    fn normal_quantile_matches_reference_values() {
        // From SciPy's -ndtri(t).
        for (t, z) in [
            (0.025, 1.959_963_984_540_054_5),
            (1e-5, 4.264_890_793_922_825),
            (1e-12, 7.034_483_825_301_131),
        ] {
            assert!(
                (normal_upper_quantile(t) / z - 1.0).abs() < 1e-14,
                "tail {t}"
            );
        }
    }
}
