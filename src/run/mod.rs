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
use crate::report::{RunReport, ScenarioReport, SetupStage, StepOutcome, StepReport};
use crate::scenario::{IstioVersion, RunId, Scenario, ScenarioPlan, StepPlan};
use crate::stats::ErrorBudget;

pub use event::Events;
pub(crate) use event::{Planned, PlannedScenario, RunEvent, ScenarioId};

/// What `harness run` was asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Scenario files or directories, read by [`run`] ([`run_list`] takes them loaded).
    pub paths: Vec<PathBuf>,
    pub cluster: ClusterSpec,
    /// The run-wide false-failure budget.
    pub alpha: f64,
    /// Scenarios run in parallel, each in its own namespaces.
    pub jobs: usize,
    /// Only scenarios whose name contains this (read by [`run`], as `paths`).
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
pub(crate) const RUN_LABEL: &str = "harness.io/run";

/// Deletes every namespace labelled with `run_label` (what an interrupted run leaves).
pub(crate) async fn remove_run_namespaces(
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
    /// Input the cluster set-up refused (a bad simulator profile, an unpinned version): said
    /// as itself, with its file and field, not as a cluster that could not be reached.
    #[error(transparent)]
    ClusterInput(crate::cluster::ClusterError),
    #[error("failed to reach the cluster")]
    Cluster(#[source] crate::cluster::ClusterError),
    #[error(
        "failed to detect the Istio version: {0} (is Istio installed? the run needs istiod in istio-system)"
    )]
    IstioVersion(String),
    #[error("the error budget cannot be split: {0}")]
    Budget(#[from] crate::stats::StatsError),
    #[error("no scenario matches the filter {0:?}")]
    NothingToRun(String),
}

impl From<crate::cluster::ClusterError> for RunError {
    fn from(e: crate::cluster::ClusterError) -> Self {
        if e.is_bad_input() {
            RunError::ClusterInput(e)
        } else {
            RunError::Cluster(e)
        }
    }
}

impl RunError {
    /// Where the run stopped: before any cluster was made, or while making or reading it.
    pub fn stage(&self) -> SetupStage {
        match self {
            RunError::Scenarios(_)
            | RunError::Budget(_)
            | RunError::NothingToRun(_)
            | RunError::ClusterInput(_) => SetupStage::InputCheck,
            RunError::Cluster(_) | RunError::IstioVersion(_) => SetupStage::ClusterSetup,
        }
    }
}

/// The scenarios a run runs: loaded, checked and filtered once, before any cluster is made
/// (nextest's runner takes a built test list the same way). The CLI makes it first, so that
/// scenario errors print their diagnostics and end the command before a cluster exists.
#[derive(Debug)]
pub(crate) struct ScenarioList {
    scenarios: Vec<Scenario>,
}

impl ScenarioList {
    /// Every scenario under `paths` whose name contains `filter`.
    ///
    /// # Errors
    /// [`RunError::Scenarios`] with every diagnostic of every file, or
    /// [`RunError::NothingToRun`] when the filter leaves none.
    pub(crate) fn load(paths: &[PathBuf], filter: Option<&str>) -> Result<Self, RunError> {
        let mut scenarios = crate::scenario::load(paths).map_err(RunError::Scenarios)?;
        if let Some(f) = filter {
            scenarios.retain(|s| s.name().contains(f));
            if scenarios.is_empty() {
                return Err(RunError::NothingToRun(f.to_string()));
            }
        }
        Ok(Self { scenarios })
    }

    /// Every scenario and step, as the run's events announce them.
    pub(crate) fn planned(&self) -> Planned {
        Planned {
            scenarios: self
                .scenarios
                .iter()
                .map(|s| PlannedScenario {
                    id: ScenarioId {
                        name: s.name().to_string(),
                        file: s.file().display().to_string(),
                    },
                    description: s.description().to_string(),
                    source: s.source().to_string(),
                    steps: s.steps().iter().map(|st| st.name().to_string()).collect(),
                })
                .collect(),
        }
    }
}

/// Runs every scenario under `options.paths` (filtered by `options.filter`) and reports what
/// happened; `events` hears of every scenario and step as it starts and ends.
pub async fn run(options: &RunOptions, events: Events) -> Result<RunReport, RunError> {
    let list = ScenarioList::load(&options.paths, options.filter.as_deref())?;
    run_list(options, list, events).await
}

/// Runs the scenarios of `list` (`options.paths` and `options.filter` are not read again).
pub(crate) async fn run_list(
    options: &RunOptions,
    list: ScenarioList,
    events: Events,
) -> Result<RunReport, RunError> {
    let started_at = jiff::Timestamp::now().to_string();
    let t0 = Instant::now();
    // Bad input fails before a cluster is made.
    ErrorBudget::new(options.alpha)?;
    events.emit(RunEvent::RunPlanned {
        planned: list.planned(),
    });
    let cluster = ClusterHandle::connect(&options.cluster).await?;
    // Whatever happens next, the cluster is closed: a kind cluster this run created is deleted.
    let result = run_connected(options, &cluster, list.scenarios, events, started_at, t0).await;
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
    events.emit(RunEvent::RunStarted {
        cluster: info.clone(),
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
        alpha: options.alpha,
        started: started_at,
        duration: t0.elapsed(),
        scenarios,
        interrupted: None,
        setup_error: None,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Vec<PathBuf> {
        vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")]
    }

    /// The plan names every step of every scenario that passed the filter, in order, before any
    /// cluster exists.
    #[test]
    fn the_list_is_filtered_once_and_plans_every_step() {
        let all = ScenarioList::load(&shipped(), None).unwrap();
        let planned = all.planned();
        assert!(planned.scenarios.len() > 1);
        let gets = ScenarioList::load(&shipped(), Some("httproute-get")).unwrap();
        let plan = gets.planned();
        assert_eq!(
            plan.scenarios
                .iter()
                .map(|s| s.id.name.as_str())
                .collect::<Vec<_>>(),
            ["httproute-get"]
        );
        assert_eq!(plan.steps(), plan.scenarios[0].steps.len());
        assert!(plan.scenarios[0].id.file.ends_with("scenario.yaml"));
        let none = ScenarioList::load(&shipped(), Some("no-such-scenario")).unwrap_err();
        assert!(matches!(none, RunError::NothingToRun(_)), "{none}");
        assert_eq!(none.stage(), SetupStage::InputCheck);
    }

    /// A simulator profile that does not parse is the user's input at fault: reported as the
    /// profile's error (file, line, field) at the input check, not as an unreachable cluster.
    #[tokio::test]
    async fn a_bad_simulator_profile_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let profile = dir.path().join("profile.yaml");
        std::fs::write(&profile, "pods: {start_delay_ms: -5}\n").unwrap();
        let mut spec = ClusterSpec::new(crate::cluster::ClusterKind::Sim);
        spec.sim_profile = Some(profile);
        let e = RunError::from(ClusterHandle::connect(&spec).await.err().expect("refused"));
        assert_eq!(e.stage(), SetupStage::InputCheck);
        let text = e.to_string();
        assert!(text.starts_with("invalid simulator profile"), "{text}");
        assert!(text.contains("profile.yaml"), "{text}");
    }
}
