//! `cargo test --test e2e`: one libtest-mimic trial per scenario under `scenarios/`, run by the
//! harness's own runner. The cluster comes from the environment:
//!
//! - `HARNESS_E2E_CLUSTER`: `sim` (default) or `current`;
//! - `HARNESS_E2E_SIM_PROFILE`: the simulator profile (default `tests/data/e2e-profile.yaml`);
//! - `HARNESS_E2E_ALPHA`: the suite's false-failure budget (default 1e-3), split evenly over
//!   the trials (Bonferroni), each of which splits its share over its steps.
//!
//! On `sim` every trial gets its own simulated cluster, so trials run in parallel; on `current`
//! they share the cluster and run one at a time (scenarios may configure cluster-wide gateway
//! selectors). `--list`, filters, `--exact`, `--skip` and nextest work as with libtest.

use std::path::{Path, PathBuf};

use harness::cluster::{ClusterKind, ClusterSpec};
use harness::report::StepOutcome;
use harness::run::RunOptions;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let mut args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenarios = match harness::scenario::load(&[root.join("scenarios")]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let kind = match std::env::var("HARNESS_E2E_CLUSTER").as_deref() {
        Ok("current") => ClusterKind::Current,
        Ok("sim") | Err(_) => ClusterKind::Sim,
        Ok(other) => {
            eprintln!("HARNESS_E2E_CLUSTER={other:?}: use sim or current");
            std::process::exit(2);
        }
    };
    if kind == ClusterKind::Current {
        args.test_threads = Some(1);
    }
    let profile = std::env::var_os("HARNESS_E2E_SIM_PROFILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("tests/data/e2e-profile.yaml"));
    let alpha: f64 = std::env::var("HARNESS_E2E_ALPHA")
        .ok()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1e-3);
    // One budget for the suite: every trial is its own run, so each gets an equal share.
    let alpha = alpha / scenarios.len().max(1) as f64;
    let trials = scenarios
        .iter()
        .map(|s| {
            let file = s.file().to_path_buf();
            let profile = profile.clone();
            let kind_name = s
                .file()
                .parent()
                .and_then(|p| p.parent())
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Trial::test(s.name().to_string(), move || {
                run_one(file, kind, profile, alpha)
            })
            .with_kind(kind_name)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

fn run_one(file: PathBuf, kind: ClusterKind, profile: PathBuf, alpha: f64) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failed::from(format!("no runtime: {e}")))?;
    let options = RunOptions {
        paths: vec![file],
        cluster: ClusterSpec {
            kind,
            sim_profile: (kind == ClusterKind::Sim).then_some(profile),
            kubeconfig: None,
            context: None,
        },
        alpha,
        seed: 1,
        jobs: 1,
        filter: None,
        keep_on_failure: false,
        run_label: harness::scenario::RunId::random().as_str().to_string(),
    };
    let report = runtime
        .block_on(harness::run::run(&options, |_, _| {}))
        .map_err(|e| Failed::from(format!("the run could not be made: {e}")))?;
    let mut problems = Vec::new();
    for sc in &report.scenarios {
        for st in &sc.steps {
            let line = harness::report::step_line(&sc.name, st);
            println!("{line}");
            if matches!(
                st.outcome,
                StepOutcome::Failed { .. } | StepOutcome::Error { .. }
            ) {
                problems.push(line);
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failed::from(problems.join("\n")))
    }
}
