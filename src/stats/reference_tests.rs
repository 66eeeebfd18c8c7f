//! Every test statistic, p-value and interval matched to SciPy's, to 1e-9 relative.
//! The reference data comes from `tests/data/stats/gen_reference.py`.

use serde_json::Value;

use super::binomial::{binomial_test, cdf, sf};
use super::interval::{clopper_pearson, wilson};
use super::multinomial::{exact_multinomial_test, g_test, pearson_chi_square};

const REFERENCE: &str = include_str!("../../tests/data/stats/reference.json");
const TOLERANCE: f64 = 1e-9;

fn reference() -> Value {
    serde_json::from_str(REFERENCE).expect("reference.json is valid JSON")
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn int(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn ints(v: &Value, key: &str) -> Vec<u64> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

fn floats(v: &Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[track_caller]
fn assert_close(got: f64, want: f64, what: &str) {
    let ok = if want == 0.0 {
        got.abs() < 1e-300
    } else {
        ((got - want) / want).abs() <= TOLERANCE
    };
    assert!(ok, "{what}: got {got:e}, SciPy {want:e}");
}

fn section(name: &str) -> Vec<Value> {
    let all = reference();
    let cases = all[name].as_array().unwrap().clone();
    assert!(!cases.is_empty(), "no {name} cases");
    cases
}

#[test]
fn binomial_p_values_match_scipy() {
    for c in section("binomtest") {
        let (k, n, p) = (int(&c, "k"), int(&c, "n"), num(&c, "p"));
        let got = binomial_test(k, n, p).unwrap();
        assert_close(got, num(&c, "pvalue"), &format!("binomtest({k}, {n}, {p})"));
    }
}

#[test]
fn binomial_tails_match_scipy() {
    for c in section("binom_tails") {
        let (k, n, p) = (int(&c, "k"), int(&c, "n"), num(&c, "p"));
        assert_close(
            cdf(k as i64, n, p),
            num(&c, "cdf"),
            &format!("cdf({k}, {n}, {p})"),
        );
        assert_close(
            sf(k as i64, n, p),
            num(&c, "sf"),
            &format!("sf({k}, {n}, {p})"),
        );
    }
}

#[test]
fn wilson_intervals_match_scipy() {
    for c in section("wilson") {
        let (k, n, conf) = (int(&c, "k"), int(&c, "n"), num(&c, "confidence"));
        let ci = wilson(k, n, conf).unwrap();
        let what = format!("wilson({k}, {n}, {conf})");
        assert_close(ci.lower, num(&c, "lower"), &what);
        assert_close(ci.upper, num(&c, "upper"), &what);
    }
}

#[test]
fn clopper_pearson_intervals_match_scipy() {
    for c in section("clopper_pearson") {
        let (k, n, conf) = (int(&c, "k"), int(&c, "n"), num(&c, "confidence"));
        let ci = clopper_pearson(k, n, conf).unwrap();
        let what = format!("clopper_pearson({k}, {n}, {conf})");
        assert_close(ci.lower, num(&c, "lower"), &what);
        assert_close(ci.upper, num(&c, "upper"), &what);
    }
}

#[test]
fn chi_square_and_g_tests_match_scipy() {
    for c in section("goodness_of_fit") {
        let (counts, probs) = (ints(&c, "counts"), floats(&c, "probs"));
        let what = format!("{counts:?} vs {probs:?}");
        let chi = pearson_chi_square(&counts, &probs).unwrap();
        assert_close(chi.statistic, num(&c, "chisquare_statistic"), &what);
        assert_close(chi.p_value, num(&c, "chisquare_pvalue"), &what);
        let g = g_test(&counts, &probs).unwrap();
        assert_close(g.statistic, num(&c, "gtest_statistic"), &what);
        assert_close(g.p_value, num(&c, "gtest_pvalue"), &what);
    }
}

#[test]
fn exact_multinomial_p_values_match_enumeration_with_scipy() {
    for c in section("exact_multinomial") {
        let (counts, probs) = (ints(&c, "counts"), floats(&c, "probs"));
        let got = exact_multinomial_test(&counts, &probs).unwrap();
        assert_close(got, num(&c, "pvalue"), &format!("{counts:?} vs {probs:?}"));
    }
}
