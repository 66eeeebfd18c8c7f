//! Properties every test and interval must have, whatever the input.

use proptest::prelude::*;

use super::binomial::{binomial_test, p_value};
use super::interval::{clopper_pearson, wilson};
use super::multinomial::{exact_multinomial_test, g_test, pearson_chi_square};
use super::{Counts, Decider, Expectation, Progress, StepPolicy, plan};

fn share() -> impl Strategy<Value = f64> {
    // Shares on a 1/1000 grid, away from the degenerate 0 and 1.
    (1_u32..1000).prop_map(|x| f64::from(x) / 1000.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn binomial_p_values_are_probabilities(n in 1_u64..3000, frac in 0.0_f64..=1.0, p in share()) {
        let k = (frac * n as f64).round() as u64;
        let pv = binomial_test(k, n, p).unwrap();
        prop_assert!((0.0..=1.0).contains(&pv), "p = {pv}");
    }

    #[test]
    fn binomial_p_values_are_symmetric(n in 1_u64..3000, frac in 0.0_f64..=1.0, p in share()) {
        // Swapping the two outcomes cannot change the evidence.
        let k = (frac * n as f64).round() as u64;
        let a = p_value(k, n, p);
        let b = p_value(n - k, n, 1.0 - p);
        prop_assert!((a - b).abs() <= 1e-9 * a.max(b) + 1e-300, "{a} vs {b}");
    }

    #[test]
    fn binomial_p_values_shrink_as_the_count_moves_away(n in 2_u64..2000, p in share()) {
        let mean = n as f64 * p;
        let mut last = f64::INFINITY;
        // Above the mean: the further up, the smaller the p-value.
        for k in (mean.ceil() as u64)..=n {
            let pv = p_value(k, n, p);
            prop_assert!(pv <= last * (1.0 + 1e-9), "k = {k}: {pv} > {last}");
            last = pv;
        }
        let mut last = f64::INFINITY;
        for k in (0..=(mean.floor() as u64)).rev() {
            let pv = p_value(k, n, p);
            prop_assert!(pv <= last * (1.0 + 1e-9), "k = {k}: {pv} > {last}");
            last = pv;
        }
    }

    #[test]
    fn intervals_contain_the_estimate_and_mirror(n in 1_u64..5000, frac in 0.0_f64..=1.0, c in 0.5_f64..0.99999) {
        let k = (frac * n as f64).round() as u64;
        let est = k as f64 / n as f64;
        for f in [wilson, clopper_pearson] {
            let ci = f(k, n, c).unwrap();
            prop_assert!(0.0 <= ci.lower && ci.lower <= est + 1e-12);
            prop_assert!(est - 1e-12 <= ci.upper && ci.upper <= 1.0);
            let mirror = f(n - k, n, c).unwrap();
            prop_assert!((ci.lower - (1.0 - mirror.upper)).abs() < 1e-9);
        }
    }

    #[test]
    fn multinomial_tests_are_probabilities_and_ignore_outcome_order(
        a in 0_u64..25, b in 0_u64..25, c in 1_u64..25, p in 1_u32..8, q in 1_u32..8,
    ) {
        let total = f64::from(p + q + 4);
        let probs = [f64::from(p) / total, f64::from(q) / total, 4.0 / total];
        let pv = exact_multinomial_test(&[a, b, c], &probs).unwrap();
        let swapped = exact_multinomial_test(&[c, a, b], &[probs[2], probs[0], probs[1]]).unwrap();
        prop_assert!((0.0..=1.0).contains(&pv));
        prop_assert!((pv - swapped).abs() <= 1e-12 * pv.max(1e-300));
        for r in [pearson_chi_square(&[a, b, c], &probs).unwrap(), g_test(&[a, b, c], &probs).unwrap()] {
            prop_assert!((0.0..=1.0).contains(&r.p_value) && r.statistic >= 0.0);
        }
    }

    #[test]
    fn deciders_always_decide_within_their_plan(seed in 0_u64..1000, truth in 0.2_f64..0.8) {
        // Whatever the responses, a verdict comes by the plan's maximum and never panics.
        let e = Expectation::new([("abort", 0.5), ("v2", 0.5)]).unwrap();
        let pol = StepPolicy::new(0.01).unwrap().with_min_deviation(0.2).unwrap();
        let plan = plan(&e, &pol).unwrap();
        let mut d = Decider::new(&plan);
        let mut state = seed;
        let verdict = loop {
            let mut counts = Counts::new();
            for _ in 0..d.next_batch() {
                // A small LCG keeps the test deterministic without another dependency.
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let u = (state >> 11) as f64 / (1_u64 << 53) as f64;
                counts.record(if u < truth { "abort" } else { "v2" });
            }
            match d.observe(&counts) {
                Progress::Continue(next) => d = next,
                Progress::Decided(v) => break v,
            }
        };
        prop_assert!(verdict.requests <= plan.max_requests());
        prop_assert!(verdict.p_value.is_some_and(|p| (0.0..=1.0).contains(&p)));
    }
}
