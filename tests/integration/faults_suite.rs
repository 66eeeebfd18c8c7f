//! The fault-injection comparison shared by `benches/faults.rs` and the CI-sized test in
//! `tests/integration/faults.rs`: the same scenarios, with the same seeds, against a simulated cluster
//! with chaos on (API 429/500/503, early watch closes, cut exec streams, restarting pods, slow propagation) and
//! one without, and what changed.
//!
//! A verdict that changes under chaos is a harness bug: API faults must be retried and a cut
//! exec re-sent, never counted as outcomes or as a failure of Istio. A step that fails in both
//! runs is not a change (it would be the scenario's or the simulator's problem).

use std::collections::BTreeMap;
use std::path::PathBuf;

use harness::cluster::{ClusterKind, ClusterSpec};
use harness::report::{RunReport, StepOutcome};
use harness::run::RunOptions;
use kube_sim::{Faults, SimCluster, SimProfile};

/// The chaos knobs of the comparison.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chaos {
    pub error_share: f64,
    pub watch_close_after_ms: u64,
    pub exec_cut_share: f64,
    /// The upper bound of the per-proxy propagation delay (the default is 2000 ms).
    pub proxy_delay_max_ms: u64,
    /// One pod of a user namespace restarts this often (down for 500 ms).
    pub pod_restart_every_ms: u64,
}

impl Default for Chaos {
    fn default() -> Self {
        Self {
            error_share: 0.05,
            watch_close_after_ms: 1500,
            exec_cut_share: 0.2,
            proxy_delay_max_ms: 4000,
            pod_restart_every_ms: 3000,
        }
    }
}

/// The fast profile (pods start fast, servers answer at once) with the run's seed.
pub(crate) fn base_profile(seed: u64) -> SimProfile {
    SimProfile {
        seed,
        ..kube_sim::testing::fast_profile()
    }
}

pub(crate) fn chaos_profile(seed: u64, c: &Chaos) -> SimProfile {
    let mut p = base_profile(seed);
    p.chaos.error_share = c.error_share;
    p.chaos.error_codes = vec![429, 500, 503];
    p.chaos.watch_close_after_ms = Some(c.watch_close_after_ms);
    p.chaos.exec_cut_share = c.exec_cut_share;
    p.chaos.pod_restart_every_ms = Some(c.pod_restart_every_ms);
    p.istio.propagation.proxy_delay_max_ms = c.proxy_delay_max_ms;
    p
}

/// One run of `paths` against a fresh simulated cluster with `profile`, through its
/// kubeconfig as a real cluster would be used; returns the report and the faults injected.
pub(crate) async fn run_once(
    paths: &[PathBuf],
    profile: SimProfile,
    seed: u64,
    alpha: f64,
) -> (Result<RunReport, String>, Faults) {
    let sim = SimCluster::start(profile, "127.0.0.1:0".parse().expect("an address"))
        .await
        .expect("the simulated cluster starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig)
        .expect("the kubeconfig is written");
    let mut cluster = ClusterSpec::new(ClusterKind::Current);
    cluster.kubeconfig = Some(kubeconfig);
    let options = RunOptions {
        paths: paths.to_vec(),
        cluster,
        artifacts: None,
        alpha,
        jobs: 1,
        filter: None,
        keep_on_failure: false,
        run_label: format!("faults-{seed}-{}", uuid::Uuid::new_v4().simple()),
    };
    let report = harness::run::run(&options, harness::run::Events::discard())
        .await
        .map_err(|e| e.to_string());
    let faults = sim.faults();
    sim.shutdown().await;
    (report, faults)
}

/// `passed`, `failed`, `error` or `skipped`.
fn kind(o: &StepOutcome) -> &'static str {
    match o {
        StepOutcome::Passed => "passed",
        StepOutcome::Failed { .. } => "failed",
        StepOutcome::Error { .. } => "error",
        StepOutcome::Skipped { .. } => "skipped",
        StepOutcome::NotRun { .. } => "not run",
    }
}

/// Every step's outcome kind and reason, by `scenario/step`.
fn outcomes(r: &RunReport) -> BTreeMap<String, (&'static str, String)> {
    let mut m = BTreeMap::new();
    for sc in &r.scenarios {
        for st in &sc.steps {
            let reason = match &st.outcome {
                StepOutcome::Failed { reason } | StepOutcome::Error { reason } => reason.clone(),
                _ => String::new(),
            };
            m.insert(
                format!("{}/{}", sc.name, st.name),
                (kind(&st.outcome), reason),
            );
        }
    }
    m
}

/// What one seed's pair of runs showed.
#[derive(Debug, Default, Clone)]
pub(crate) struct Comparison {
    pub steps: usize,
    pub faults: Faults,
    /// `scenario/step: baseline -> chaos (reason)` for every step whose outcome differs.
    pub changes: Vec<String>,
    /// Steps that failed (Istio judged wrong) in the chaos run but passed without chaos.
    pub false_failures: usize,
    /// Steps that could not be carried out in the chaos run but were without chaos.
    pub errors: usize,
    /// Steps that failed or errored in the fault-free run (not chaos's doing).
    pub baseline_not_passed: Vec<String>,
    pub transport_errors: u64,
    pub baseline_transport_errors: u64,
}

pub(crate) fn compare(baseline: &RunReport, chaos: &RunReport, faults: Faults) -> Comparison {
    let b = outcomes(baseline);
    let c = outcomes(chaos);
    let mut out = Comparison {
        steps: b.len(),
        faults,
        ..Default::default()
    };
    for (step, (bk, breason)) in &b {
        if *bk == "failed" || *bk == "error" {
            out.baseline_not_passed
                .push(format!("{step}: {bk} ({breason})"));
        }
        let (ck, creason) = c.get(step).cloned().unwrap_or(("missing", String::new()));
        if ck != *bk {
            out.changes
                .push(format!("{step}: {bk} -> {ck} ({creason})"));
            match ck {
                "failed" => out.false_failures += 1,
                "error" | "missing" => out.errors += 1,
                _ => {}
            }
        }
    }
    let te = |r: &RunReport| {
        r.scenarios
            .iter()
            .flat_map(|s| &s.steps)
            .map(|s| s.transport_errors)
            .sum()
    };
    out.transport_errors = te(chaos);
    out.baseline_transport_errors = te(baseline);
    out
}

/// Runs `paths` with seed `seed` without and with chaos and compares the two.
pub(crate) async fn compare_seed(
    paths: &[PathBuf],
    seed: u64,
    chaos: &Chaos,
    alpha: f64,
) -> Result<Comparison, String> {
    // Side by side: each waits on convergence, not on the clock, so sharing the CPU is fine.
    let ((baseline, _), (chaotic, faults)) = tokio::join!(
        run_once(paths, base_profile(seed), seed, alpha),
        run_once(paths, chaos_profile(seed, chaos), seed, alpha)
    );
    let baseline = baseline.map_err(|e| format!("fault-free run: {e}"))?;
    let chaotic = chaotic.map_err(|e| format!("chaos run ({faults:?}): {e}"))?;
    Ok(compare(&baseline, &chaotic, faults))
}
