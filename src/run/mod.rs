//! The runner: scenarios against one cluster, step by step, with a convergence gate after every
//! change and a statistical decision per traffic step. It talks to the cluster only through a
//! kube client (`crate::kube`, `crate::traffic`): the same code runs on a real cluster and on
//! the simulator.

mod action;
mod artifacts;
mod converge;
mod diagnostics;
mod event;
mod sampling;
mod scenario;
mod schedule;
mod step;
mod traffic;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::cluster::{ClusterHandle, ClusterSpec};
use crate::report::{RunReport, ScenarioReport, StepOutcome, StepReport};
use crate::scenario::{IstioVersion, RunId, Scenario, ScenarioPlan, StepPlan};
use crate::stats::ErrorBudget;

pub use event::{Events, Planned, RunEvent, ScenarioId};

/// What `harness run` was asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub paths: Vec<PathBuf>,
    pub cluster: ClusterSpec,
    /// The run-wide false-failure budget.
    pub alpha: f64,
    pub seed: u64,
    /// Scenarios run in parallel, each in its own namespaces.
    pub jobs: usize,
    /// Only scenarios whose name contains this.
    pub filter: Option<String>,
    /// Keep the namespaces of a failed scenario for a post-mortem.
    pub keep_on_failure: bool,
    /// The value of the `harness.io/run` label on every namespace this run creates, so that an
    /// interrupted run's leftovers can be found and removed.
    pub run_label: String,
    /// Where failure diagnostics go (`--artifacts`).
    pub artifacts: Option<PathBuf>,
}

/// The label that marks a run's namespaces.
pub const RUN_LABEL: &str = "harness.io/run";

/// Deletes every namespace labelled with `run_label` (what an interrupted run leaves).
pub async fn remove_run_namespaces(
    client: &kube::Client,
    run_label: &str,
) -> Result<usize, String> {
    use k8s_openapi::api::core::v1::Namespace;
    let api: kube::Api<Namespace> = kube::Api::all(client.clone());
    let lp = kube::api::ListParams::default().labels(&format!("{RUN_LABEL}={run_label}"));
    let list = crate::kube::retry::idempotent("list the run's namespaces", || api.list(&lp))
        .await
        .map_err(|e| e.to_string())?;
    let names: Vec<String> = list
        .items
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect();
    for n in &names {
        crate::kube::delete_namespace(client, n, Duration::from_secs(60))
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(names.len())
}

/// Why a run could not be made at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Scenarios(crate::scenario::LoadErrors),
    #[error("failed to reach the cluster")]
    Cluster(#[from] crate::cluster::ClusterError),
    #[error(
        "failed to detect the Istio version: {0} (is Istio installed? the run needs istiod in istio-system)"
    )]
    IstioVersion(String),
    #[error("the error budget cannot be split: {0}")]
    Budget(#[from] crate::stats::StatsError),
    #[error("no scenario matches the filter {0:?}")]
    NothingToRun(String),
}

/// Runs every scenario under `options.paths` and reports what happened; `events` hears of
/// every scenario and step as it starts and ends.
pub async fn run(options: &RunOptions, events: Events) -> Result<RunReport, RunError> {
    let started_at = jiff::Timestamp::now().to_string();
    let t0 = Instant::now();
    let mut scenarios = crate::scenario::load(&options.paths).map_err(RunError::Scenarios)?;
    if let Some(f) = &options.filter {
        scenarios.retain(|s| s.name().contains(f.as_str()));
        if scenarios.is_empty() {
            return Err(RunError::NothingToRun(f.clone()));
        }
    }
    // Bad input fails before a cluster is made.
    ErrorBudget::new(options.alpha)?;
    let cluster = ClusterHandle::connect(&options.cluster).await?;
    // Whatever happens next, the cluster is closed: a kind cluster this run created is deleted.
    let result = run_connected(options, &cluster, scenarios, events, started_at, t0).await;
    match result {
        Ok(mut report) => {
            if let Some(dir) = &options.artifacts {
                artifacts::write(dir, &mut report, cluster.client()).await;
            }
            let failed = report.exit_code() != crate::exit::SUCCESS;
            let logs_to = options.artifacts.as_deref().filter(|_| failed);
            match cluster.close(logs_to).await {
                Ok(t) => report.teardown = t,
                Err(e) => report.teardown = Some(format!("cluster teardown failed: {e}")),
            }
            Ok(report)
        }
        Err(e) => {
            if let Err(t) = cluster.close(None).await {
                tracing::warn!(error = %t, "cluster teardown after a failed run");
            }
            Err(e)
        }
    }
}

/// The run on a connected cluster; the caller closes the cluster.
async fn run_connected(
    options: &RunOptions,
    cluster: &ClusterHandle,
    scenarios: Vec<Scenario>,
    events: Events,
    started_at: String,
    t0: Instant,
) -> Result<RunReport, RunError> {
    let mut info = cluster.info().clone();
    let client = cluster.client().clone();
    let kubernetes = crate::kube::versions::kubernetes(&client).await.ok();
    info.versions.kubernetes = kubernetes
        .as_ref()
        .map(|v| format!("{}.{}", v.major, v.minor));
    let curl_mode = crate::traffic::CurlMode::for_kubernetes(kubernetes.as_ref());
    tracing::info!(kubernetes = ?info.versions.kubernetes, ?curl_mode, "mesh requests reach curl");
    let istio = crate::kube::versions::istio(&client)
        .await
        .map_err(|e| RunError::IstioVersion(e.to_string()))?;
    let istio_text = format!(
        "{}.{}.{}",
        istio.version.major,
        istio.version.minor,
        istio.version.patch.unwrap_or(0)
    );
    info.versions.istio = Some(istio_text.clone());
    if let Ok(g) = crate::kube::versions::gateway_api(&client).await {
        info.versions.gateway_api = Some(format!(
            "v{}.{}.{}",
            g.version.major,
            g.version.minor,
            g.version.patch.unwrap_or(0)
        ));
        info.versions.gateway_api_channel = Some(g.channel);
    }
    let version: IstioVersion = istio_text
        .parse()
        .map_err(|e: crate::scenario::VersionError| RunError::IstioVersion(e.to_string()))?;

    // One budget for the run: every statistical step of every scenario that runs shares it.
    let plans: Vec<(&Scenario, ScenarioPlan<'_>)> = scenarios
        .iter()
        .map(|s| (s, s.steps_for(&version)))
        .collect();
    let mut requests = Vec::new();
    for (_, plan) in &plans {
        if let ScenarioPlan::Run(steps) = plan {
            for s in steps {
                if let StepPlan::Run { step, expected } = s {
                    requests.push(expected.alpha_request(step.tuning()));
                }
            }
        }
    }
    let allocation = ErrorBudget::new(options.alpha)?.allocate(&requests)?;
    let mut alphas = allocation.alphas.into_iter();
    let mut work = Vec::new();
    for (s, plan) in plans {
        let step_alphas: Vec<f64> = match &plan {
            ScenarioPlan::Run(steps) => steps
                .iter()
                .filter(|p| matches!(p, StepPlan::Run { .. }))
                .map(|_| alphas.next().unwrap_or(0.0))
                .collect(),
            ScenarioPlan::Skip { .. } => Vec::new(),
        };
        work.push((s, plan, step_alphas));
    }
    let planned = Planned {
        scenarios: work.len(),
        steps: work.iter().map(|(s, _, _)| s.steps().len()).sum(),
    };
    events.emit(RunEvent::RunStarted {
        cluster: info.clone(),
        planned,
    });

    let ctx = scenario::Context {
        client: client.clone(),
        version,
        keep_on_failure: options.keep_on_failure,
        run_label: options.run_label.clone(),
        curl_mode,
        events,
    };
    let scenarios: Vec<ScenarioReport> = schedule::run_all(
        work,
        |(s, _, _)| s.concurrent(),
        options.jobs,
        |(s, plan, alphas)| {
            let ctx = &ctx;
            async move { scenario::run_scenario(ctx, s, plan, alphas, &RunId::random()).await }
        },
    )
    .await;
    let report = RunReport {
        cluster: info,
        seed: options.seed,
        alpha: options.alpha,
        started: started_at,
        duration: t0.elapsed(),
        scenarios,
        interrupted: None,
        artifacts: None,
        teardown: None,
    };
    Ok(report)
}

pub(crate) fn step_report(name: &str, outcome: StepOutcome, started: Instant) -> StepReport {
    StepReport {
        name: name.to_string(),
        outcome,
        duration: started.elapsed(),
        verdict: None,
        transport_errors: 0,
        examples: Vec::new(),
        diagnostics: Vec::new(),
        artifact: None,
    }
}

/// The default time allowed for a change to settle after the proxies acked it.
pub(crate) const SETTLE: Duration = Duration::from_millis(500);
