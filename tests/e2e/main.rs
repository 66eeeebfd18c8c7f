//! `cargo test --test e2e`: one libtest-mimic trial per scenario under `scenarios/`, run by the
//! harness's own runner. The cluster comes from the environment:
//!
//! - `HARNESS_E2E_CLUSTER`: `sim` (default) or `current`;
//! - `HARNESS_E2E_SIM_PROFILE`: the simulator profile (default: the fast profile, `crates/kube-sim/profiles/fast.yaml`);
//! - `HARNESS_E2E_ALPHA`: the suite's false-failure budget (default 1e-3), split evenly over
//!   the trials (Bonferroni), each of which splits its share over its steps.
//!
//! On `sim` every trial gets its own simulated cluster, so trials run in parallel; on `current`
//! they share the cluster and run one at a time (scenarios may configure cluster-wide gateway
//! selectors). `--list`, filters, `--exact`, `--skip` and nextest work as with libtest.
//!
//! On `sim` there is a second set of trials, `deviation::<deviation>::<scenario>`: each runs a
//! scenario against a profile that breaks what it covers and passes only if the named step
//! FAILS (a harness that cannot fail proves nothing), and `deviation::never_propagates` checks
//! that config which never reaches the proxies ends in a convergence error, not a verdict, as
//! `deviation::stale_proxy::*` does for one proxy of a scenario run's namespace.

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
        .unwrap_or_else(|| PathBuf::from(kube_sim::testing::FAST_PROFILE_PATH));
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
    let mut trials: Vec<Trial> = trials;
    if kind == ClusterKind::Sim {
        trials.extend(deviation_trials(root, &profile));
    }
    libtest_mimic::run(&args, trials).exit();
}

/// Which scenario must fail at which step against which deviation (docs/deviations.md has the
/// full table). Deviations are at least twice the default minimum deviation (0.1) where they
/// are statistical, so that the power to see them is practically 1.
const DEVIATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "gamma_off",
        "gamma: false",
        "mesh/httproute-shadows-virtualservice",
        "httproute-routes-to-v1",
    ),
    (
        "user_vs_wins",
        "mesh_precedence: user_virtual_service_wins",
        "mesh/httproute-shadows-virtualservice",
        "virtualservice-is-shadowed",
    ),
    (
        "abort_share_halved",
        "abort_share_scale: 0.5",
        "mesh/httproute-shadows-virtualservice",
        "virtualservice-takes-over",
    ),
    (
        "weight_skew",
        "weight_skew: 0.2",
        "mesh/httproute-weighted-split",
        "weights-80-20",
    ),
    (
        "gateway_routes_off",
        "gateway_routes: false",
        "ingress/httproute-get",
        "httproute-serves-get",
    ),
    (
        "internal_binding_rejected",
        "internal_gateway_binding: reject",
        "ingress/virtualservice-internal-gateway",
        "virtualservice-binds-to-internal-gateway",
    ),
    (
        "abort_status_503",
        "abort_status: 503",
        "ingress/istio-gateway-selector",
        "selector-gateway-api-label",
    ),
    (
        "gateway_api_reference_accepted",
        "gateway_api_reference: accept",
        "ingress/gateway-api-reference-rejected",
        "gateway-api-style-reference-is-rejected",
    ),
];

fn deviation_trials(root: &Path, base_profile: &Path) -> Vec<Trial> {
    let base = std::fs::read_to_string(base_profile).unwrap_or_default();
    let mut trials: Vec<Trial> = DEVIATIONS
        .iter()
        .map(|&(name, deviation, scenario, step)| {
            let profile = format!("{base}\n  deviations: {{{deviation}}}\n");
            let file = root.join("scenarios").join(scenario).join("scenario.yaml");
            let scenario_name = scenario.rsplit('/').next().unwrap_or(scenario).to_string();
            Trial::test(format!("deviation::{name}::{scenario_name}"), move || {
                let report = run_with_profile(file, &profile)?;
                let outcome = find_step(&report, step)?;
                match outcome {
                    StepOutcome::Failed { .. } => Ok(()),
                    other => Err(Failed::from(format!(
                        "against `{deviation}` step {step} should fail, but: {other:?}"
                    ))),
                }
            })
            .with_kind("deviation")
        })
        .collect();
    let file = root.join("tests/data/scenarios/never-converges/scenario.yaml");
    let never = "pods: {start_delay_ms: 50, processing_time_scale: 0}\n\
                 istio: {propagation: {debounce_ms: 20, never: true}}\n";
    trials.push(
        Trial::test("deviation::never_propagates", move || {
            let report = run_with_profile(file, never)?;
            match find_step(&report, "httproute-routes-to-v1")? {
                StepOutcome::Error { reason } if reason.contains("did not converge") => Ok(()),
                other => Err(Failed::from(format!(
                    "expected a convergence error, got {other:?}"
                ))),
            }
        })
        .with_kind("deviation"),
    );
    let root = root.to_path_buf();
    let profile = format!("{base}\n  deviations: {{stale_proxy: sample/sleep}}\n");
    trials.push(
        Trial::test(
            "deviation::stale_proxy::httproute-shadows-virtualservice",
            move || stale_proxy_trial(&root, &profile),
        )
        .with_kind("deviation"),
    );
    trials
}

/// `stale_proxy: sample/sleep` aimed at a scenario run: the run's namespace is
/// `sample-<run id>`, and the sleep sidecar there never gets the first step's change, so the
/// step must end in a convergence error naming that proxy, not in a verdict about traffic the
/// change never reached. The shipped scenario runs as it is, from a copy whose only change is
/// a 5 s convergence limit (each of its three steps would wait the default 60 s); its
/// manifests' `../../../fixtures` reach the repository's through a symbolic link.
fn stale_proxy_trial(root: &Path, profile: &str) -> Result<(), Failed> {
    const SCENARIO: &str = "scenarios/mesh/httproute-shadows-virtualservice";
    let err = |e: std::io::Error| Failed::from(e.to_string());
    let tmp = tempfile::tempdir().map_err(err)?;
    let dir = root.join(SCENARIO);
    let copy = tmp.path().join(SCENARIO);
    std::fs::create_dir_all(&copy).map_err(err)?;
    std::os::unix::fs::symlink(root.join("fixtures"), tmp.path().join("fixtures")).map_err(err)?;
    for entry in std::fs::read_dir(&dir).map_err(err)? {
        let path = entry.map_err(err)?.path();
        if path.is_file() {
            let name = path.file_name().unwrap_or_default();
            std::fs::copy(&path, copy.join(name)).map_err(err)?;
        }
    }
    let file = copy.join("scenario.yaml");
    let text = std::fs::read_to_string(&file).map_err(err)?;
    std::fs::write(&file, format!("{text}\ntimeouts: {{converge: 5s}}\n")).map_err(err)?;
    let report = run_with_profile(file, profile)?;
    let reason = match find_step(&report, "httproute-routes-to-v1")? {
        StepOutcome::Error { reason } if reason.contains("did not converge") => reason,
        other => {
            return Err(Failed::from(format!(
                "expected a convergence error, got {other:?}"
            )));
        }
    };
    // `proxies still STALE: ["sleep-<hash>.sample-<run id>"]`: the sleep proxy of the run's
    // namespace, and no other.
    let stale: Vec<&str> = reason
        .split_once("STALE: [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list.split(", ").map(|p| p.trim_matches('"')).collect())
        .unwrap_or_default();
    let is_sleep = |p: &&str| {
        p.split_once('.')
            .is_some_and(|(pod, ns)| pod.starts_with("sleep-") && ns.starts_with("sample-"))
    };
    if stale.is_empty() || !stale.iter().all(is_sleep) {
        return Err(Failed::from(format!(
            "the convergence error should name the stale sleep proxy alone: {reason}"
        )));
    }
    // No later step gives a verdict about traffic either: the gate still waits for sleep.
    for st in report.scenarios.iter().flat_map(|s| &s.steps) {
        if !matches!(&st.outcome, StepOutcome::Error { reason } if reason.contains("did not converge"))
        {
            return Err(Failed::from(format!(
                "step {} should end in a convergence error, got {:?}",
                st.name, st.outcome
            )));
        }
    }
    println!("httproute-routes-to-v1: {reason}");
    Ok(())
}

fn run_with_profile(file: PathBuf, profile: &str) -> Result<harness::report::RunReport, Failed> {
    let dir = tempfile::tempdir().map_err(|e| Failed::from(e.to_string()))?;
    let path = dir.path().join("profile.yaml");
    std::fs::write(&path, profile).map_err(|e| Failed::from(e.to_string()))?;
    let artifacts = dir.path().join("artifacts");
    let report = run_report(file, ClusterKind::Sim, path, 1e-3, Some(artifacts))?;
    // Every failed step left its diagnostics file under --artifacts, named in the report.
    for st in report.scenarios.iter().flat_map(|s| &s.steps) {
        if matches!(
            st.outcome,
            StepOutcome::Failed { .. } | StepOutcome::Error { .. }
        ) {
            let text = st
                .artifact
                .as_ref()
                .and_then(|a| std::fs::read_to_string(a).ok())
                .ok_or_else(|| Failed::from(format!("no artifact for step {}", st.name)))?;
            if !text.contains(&st.name) {
                return Err(Failed::from(format!(
                    "artifact of {} lacks its name",
                    st.name
                )));
            }
        }
    }
    Ok(report)
}

fn find_step<'r>(
    report: &'r harness::report::RunReport,
    step: &str,
) -> Result<&'r StepOutcome, Failed> {
    report
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .find(|s| s.name == step)
        .map(|s| &s.outcome)
        .ok_or_else(|| Failed::from(format!("no step {step} in the report")))
}

fn run_one(file: PathBuf, kind: ClusterKind, profile: PathBuf, alpha: f64) -> Result<(), Failed> {
    let report = run_report(file, kind, profile, alpha, None)?;
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

fn run_report(
    file: PathBuf,
    kind: ClusterKind,
    profile: PathBuf,
    alpha: f64,
    artifacts: Option<PathBuf>,
) -> Result<harness::report::RunReport, Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failed::from(format!("no runtime: {e}")))?;
    let options = RunOptions {
        paths: vec![file],
        cluster: ClusterSpec {
            sim_profile: (kind == ClusterKind::Sim).then_some(profile),
            ..ClusterSpec::new(kind)
        },
        alpha,
        jobs: 1,
        filter: None,
        keep_on_failure: false,
        run_label: harness::scenario::RunId::random().as_str().to_string(),
        artifacts,
    };
    runtime
        .block_on(harness::run::run(&options, harness::run::Events::discard()))
        .map_err(|e| Failed::from(format!("the run could not be made: {e}")))
}
