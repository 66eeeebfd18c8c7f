//! Reliability under API faults: the whole suite (`scenarios/`) many times against the
//! simulated cluster with chaos on (429/500/503, early watch closes, cut exec streams, slow
//! propagation) and, with the same seeds, without; prints how many faults were injected and
//! whether any verdict changed (the goal is none).
//!
//! `cargo bench --bench faults [-- --runs N --alpha A --paths scenarios/mesh]`
//!
//! A false failure is a step that failed under chaos and passed without it; the run's
//! false-failure budget (alpha) bounds how many a correct harness may show from sampling alone:
//! at most alpha per run in expectation, so with alpha = 1e-3 any one over a few dozen runs is a
//! harness bug, not bad luck.

#[path = "../tests/integration/faults_suite.rs"]
mod faults_suite;

use std::path::PathBuf;
use std::time::Instant;

use faults_suite::{Chaos, compare_seed};

fn arg<T: std::str::FromStr>(name: &str) -> Option<T> {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|w| w[0] == name)
        .and_then(|w| w[1].parse().ok())
}

fn main() {
    let runs: u64 = arg("--runs").unwrap_or(3);
    let alpha: f64 = arg("--alpha").unwrap_or(harness::stats::DEFAULT_RUN_ALPHA);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let paths = vec![root.join(arg::<String>("--paths").unwrap_or_else(|| "scenarios".into()))];
    let chaos = Chaos::default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    println!("faults: {runs} seeded runs of {paths:?}, chaos {chaos:?}, alpha {alpha}");
    let t0 = Instant::now();
    let (mut steps, mut changes, mut false_failures, mut errors, mut run_errors) = (0, 0, 0, 0, 0);
    let (mut baseline_bad, mut transport, mut baseline_transport) = (0, 0u64, 0u64);
    let mut faults = kube_sim::Faults::default();
    for seed in 1..=runs {
        let t = Instant::now();
        match rt.block_on(compare_seed(&paths, seed, &chaos, alpha)) {
            Ok(c) => {
                steps += c.steps;
                changes += c.changes.len();
                false_failures += c.false_failures;
                errors += c.errors;
                baseline_bad += c.baseline_not_passed.len();
                transport += c.transport_errors;
                baseline_transport += c.baseline_transport_errors;
                faults.api_errors += c.faults.api_errors;
                faults.watch_closes += c.faults.watch_closes;
                faults.exec_cuts += c.faults.exec_cuts;
                faults.pod_restarts += c.faults.pod_restarts;
                println!(
                    "seed {seed}: {} steps, faults {:?}, {} verdict changes, {:.0?}",
                    c.steps,
                    c.faults,
                    c.changes.len(),
                    t.elapsed()
                );
                for ch in c.changes.iter().chain(&c.baseline_not_passed) {
                    println!("  {ch}");
                }
            }
            Err(e) => {
                run_errors += 1;
                println!("seed {seed}: the run could not be made: {e}");
            }
        }
    }
    println!("--- faults summary ({:.0?})", t0.elapsed());
    println!("runs: {runs} (x2: with and without chaos), steps compared: {steps}");
    println!(
        "faults injected: {} (API errors {}, watch closes {}, exec cuts {}, pod restarts {})",
        faults.total(),
        faults.api_errors,
        faults.watch_closes,
        faults.exec_cuts,
        faults.pod_restarts
    );
    println!("verdict changes vs fault-free: {changes} (goal 0)");
    println!(
        "false failures under chaos: {false_failures}; fault-free steps not passed: {baseline_bad}; budget: alpha {alpha} per run = {:.3} expected over {runs} runs",
        alpha * runs as f64
    );
    println!(
        "errors (steps not carried out under chaos): {errors}; runs that could not be made: {run_errors}"
    );
    println!(
        "transport errors reported apart: {transport} under chaos, {baseline_transport} without"
    );
}
