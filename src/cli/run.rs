//! `harness run`: scenarios against a cluster, reported as they run and written however the
//! run ends: completed, stopped by SIGINT/SIGTERM (then the cluster is cleaned up), or not
//! made at all. The wiring only: the runner is `crate::run`, the reporters `crate::report`.

use std::path::PathBuf;

use clap::Args;

use clap::ValueEnum;

use crate::cluster::{ClusterKind, ClusterSpec, KindSpec};
use crate::exit::{self, Signal};
use crate::report::{
    ClusterInfo, ConsoleReporter, JsonReporter, JunitReporter, MarkdownReporter, ProgressReporter,
    ReportError, Reporters, RunEnd, RunRecord, RunSettings, SetupError,
};
use crate::run::{Events, RunError, RunOptions, ScenarioList};

#[derive(Debug, Args)]
pub(super) struct RunArgs {
    /// Scenario files or directories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The cluster to test: a kind cluster made for the run, the simulator, or the current
    /// kubeconfig context.
    #[arg(long, value_enum, default_value = "kind")]
    cluster: ClusterKind,
    /// Behaviour profile of the simulated cluster.
    #[arg(long)]
    sim_profile: Option<PathBuf>,
    /// Kubeconfig for `--cluster current`.
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// Kubeconfig context for `--cluster current`.
    #[arg(long)]
    context: Option<String>,
    #[command(flatten)]
    kind: KindArgs,
    /// With `--cluster current`: install the Gateway API CRDs and Istio (`--istio`) where
    /// they are missing; nothing present is changed.
    #[arg(long)]
    install: bool,
    /// Keep the kind cluster this run created.
    #[arg(long)]
    keep_cluster: bool,
    /// Write failure diagnostics here (step diagnostics, istiod logs, kind node logs); the
    /// JUnit report references them.
    #[arg(long)]
    artifacts: Option<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Write a JSON report here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// The run-wide false-failure rate, split over the statistical steps.
    #[arg(long, default_value_t = crate::stats::DEFAULT_RUN_ALPHA)]
    alpha: f64,
    /// Scenarios run in parallel, each in its own namespaces.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Only scenarios whose name contains this.
    #[arg(long)]
    filter: Option<String>,
    /// Keep the namespaces of failed scenarios.
    #[arg(long)]
    keep_on_failure: bool,
}

/// The kind cluster and the versions installed into it (shared by `run`, `up` and `down`).
#[derive(Debug, Clone, Args)]
pub(super) struct KindArgs {
    /// The kind cluster's name.
    #[arg(long, default_value = crate::kind::cluster::DEFAULT_CLUSTER_NAME)]
    kind_name: String,
    /// The Istio release to install: a pinned minor (1.24-1.28) or exact version (1.27.3);
    /// default 1.27. With `--cluster sim`: the release the simulated istiod plays (instead of
    /// the profile's).
    #[arg(long)]
    istio: Option<String>,
    /// The Kubernetes minor of the kind node image (default: the newest pinned one the Istio
    /// release supports). With `--cluster sim`: the minor the simulated API server reports.
    #[arg(long)]
    kubernetes: Option<String>,
    /// Run on an existing kind cluster of that name (never deleted by the run).
    #[arg(long)]
    reuse: bool,
    /// Do not pre-load the sample and Istio images into the kind nodes.
    #[arg(long)]
    no_preload: bool,
    /// The load balancer to install on kind: MetalLB (as Istio's CI), or none (a cluster
    /// with its own, e.g. cloud-provider-kind; otherwise traffic uses a port-forward).
    #[arg(long, value_enum, default_value = "metallb")]
    load_balancer: LoadBalancerArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum LoadBalancerArg {
    Metallb,
    None,
}

impl KindArgs {
    /// The versions named on the command line, as written.
    pub(super) fn requested(&self) -> crate::cluster::RequestedVersions {
        crate::cluster::RequestedVersions {
            istio: self.istio.clone(),
            kubernetes: self.kubernetes.clone(),
        }
    }

    pub(super) fn spec(&self, keep: bool) -> KindSpec {
        KindSpec {
            name: self.kind_name.clone(),
            istio: self
                .istio
                .clone()
                .unwrap_or_else(|| crate::cluster::kind::DEFAULT_ISTIO.to_string()),
            kubernetes: self.kubernetes.clone(),
            reuse: self.reuse,
            keep,
            preload: !self.no_preload,
            load_balancer: self.load_balancer == LoadBalancerArg::Metallb,
        }
    }
}

pub(super) async fn run(args: RunArgs) -> u8 {
    // Before anything else: from here on a signal is the run's to handle, not a kill.
    let mut signals = Signals::register();
    let options = RunOptions {
        paths: args.paths,
        cluster: ClusterSpec {
            kind: args.cluster,
            sim_profile: args.sim_profile,
            kubeconfig: args.kubeconfig,
            context: args.context,
            kind_spec: args.kind.spec(args.keep_cluster),
            install: args.install,
            requested: args.kind.requested(),
        },
        artifacts: args.artifacts,
        alpha: args.alpha,
        jobs: args.jobs,
        filter: args.filter,
        keep_on_failure: args.keep_on_failure,
        run_label: crate::scenario::RunId::random().as_str().to_string(),
    };
    let mut reporters = reporters(&options, args.junit, args.json);
    // Loaded once, before any cluster: errors in the scenarios end the command here.
    let list = match ScenarioList::load(&options.paths, options.filter.as_deref()) {
        Ok(list) => list,
        Err(e) => return could_not_run(reporters, &e),
    };
    let (events, mut rx) = Events::channel();
    // Boxed so that a signal can drop it (and the simulated cluster with it) before cleanup.
    let mut running = Box::pin(crate::run::run_list(&options, list, events));
    // The events are reported in this task, between polls of the run: nothing to join or
    // lock when the run ends, whichever way.
    let ended = loop {
        tokio::select! {
            biased;
            Some(event) = rx.recv() => reporters.event(&event),
            result = &mut running => break Ok(result),
            signal = signals.next() => break Err(signal),
        }
    };
    if ended.is_err() {
        // Its event senders go with it: what it sent is all in the channel.
        drop(running);
    }
    while let Ok(event) = rx.try_recv() {
        reporters.event(&event);
    }
    let end = match ended {
        Ok(Ok(report)) => RunEnd::Completed(Box::new(report)),
        Ok(Err(e)) => return could_not_run(reporters, &e),
        Err(signal) => RunEnd::Interrupted(signal),
    };
    // On a signal too the reports are written first: they take milliseconds, the cleanup
    // after them up to two minutes, and a second signal may cut that short.
    let (report, errors) = reporters.finish(end);
    let code = written(report.exit_code(), &errors);
    if let Some(signal) = report.interrupted {
        return cleanup_after_signal(&options, signal, &mut signals).await;
    }
    code
}

/// Every reporter this run asked for: the bar (on a terminal) before the console, so that the
/// bar is gone when the summary is printed; JUnit and JSON when asked; Markdown when GitHub
/// Actions gives a step summary file.
fn reporters(options: &RunOptions, junit: Option<PathBuf>, json: Option<PathBuf>) -> Reporters {
    let settings = RunSettings {
        alpha: options.alpha,
    };
    let mut reporters = Reporters::new(RunRecord::new(settings, cluster_asked(&options.cluster)));
    let progress = ProgressReporter::for_terminal();
    let bar = progress.as_ref().map(ProgressReporter::bar);
    if let Some(p) = progress {
        reporters.add(p);
    }
    reporters.add(ConsoleReporter::terminal(bar));
    if let Some(path) = junit {
        reporters.add(JunitReporter::new(path));
    }
    if let Some(path) = json {
        reporters.add(JsonReporter::new(path));
    }
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        reporters.add(MarkdownReporter::new(path.into()));
    }
    reporters
}

/// The cluster as asked for, before it is reached: what a report of a run that never reached
/// it can say.
fn cluster_asked(spec: &ClusterSpec) -> ClusterInfo {
    let name = match spec.kind {
        ClusterKind::Kind => format!("kind-{}", spec.kind_spec.name),
        ClusterKind::Sim => "sim".to_string(),
        ClusterKind::Current => spec
            .context
            .clone()
            .or_else(|| spec.kubeconfig.as_ref().map(|p| p.display().to_string()))
            .unwrap_or_else(|| "current".to_string()),
    };
    let kind = spec
        .kind
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    ClusterInfo {
        kind,
        name,
        ..Default::default()
    }
}

/// The run could not be made: the error with its causes (or the scenarios' diagnostics) on
/// stderr, and every report says so. Exit 2.
fn could_not_run(reporters: Reporters, e: &RunError) -> u8 {
    match e {
        RunError::Scenarios(errors) => eprintln!("{errors}"),
        e => super::report_error(e),
    }
    let error = SetupError {
        stage: e.stage(),
        cause: super::error_text(e),
    };
    let (_, errors) = reporters.finish(RunEnd::SetupFailed(error));
    written(exit::RUN_ERROR, &errors)
}

/// Prints the reports that could not be written; a missing report makes the exit code 2 at
/// least (a signal's 130 or 143 stays).
fn written(code: u8, errors: &[ReportError]) -> u8 {
    let mut code = code;
    for e in errors {
        if e.is_fatal() {
            super::report_error(e);
            code = code.max(exit::RUN_ERROR);
        } else {
            eprint!("warning: ");
            super::report_error(e);
        }
    }
    code
}

/// SIGINT and SIGTERM, registered once before the run starts: from then on neither kills the
/// process (the cleanup needs it alive), and a second signal during the cleanup is queued on the
/// same streams, never lost between two registrations.
struct Signals {
    int: Option<tokio::signal::unix::Signal>,
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn register() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        let int = signal(SignalKind::interrupt());
        let term = signal(SignalKind::terminate());
        if let Err(e) = int.as_ref().and(term.as_ref()) {
            tracing::warn!(error = %e, "cannot handle SIGINT/SIGTERM; a signal ends the run without cleanup");
        }
        Self {
            int: int.ok(),
            term: term.ok(),
        }
    }

    /// Resolves with the next SIGINT or SIGTERM.
    async fn next(&mut self) -> Signal {
        async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
            if let Some(s) = s
                && s.recv().await.is_some()
            {
                return;
            }
            std::future::pending().await
        }
        let (int, term) = (&mut self.int, &mut self.term);
        tokio::select! {
            _ = recv(int) => Signal::Interrupt,
            _ = recv(term) => Signal::Terminate,
        }
    }
}

/// After a signal the run future is dropped (a simulated cluster goes with it) and the reports
/// are written; on a real cluster this run's namespaces are then deleted, within a bound,
/// unless a second signal says stop. Returns the signal's exit code.
async fn cleanup_after_signal(options: &RunOptions, signal: Signal, signals: &mut Signals) -> u8 {
    let code = signal.exit_code();
    eprintln!(
        "interrupted: removing this run's namespaces ({}={}); interrupt again to stop at once",
        crate::run::RUN_LABEL,
        options.run_label
    );
    let cluster = options.cluster.clone();
    let run_label = options.run_label.clone();
    let cleanup = async move {
        match cluster.kind {
            // The simulated cluster went with the run future.
            ClusterKind::Sim => Ok("the simulated cluster stopped".to_string()),
            ClusterKind::Kind => match crate::cluster::kind::created_cluster() {
                Some((kind, name)) => crate::cluster::kind::delete_by_name(&kind, &name)
                    .await
                    .map(|()| format!("deleted kind cluster {name}")),
                None => {
                    let (_dir, kubeconfig) =
                        crate::cluster::kind::export_kubeconfig(&cluster.kind_spec.name).await?;
                    let client = crate::cluster::client_from(&kubeconfig, None)
                        .await
                        .map_err(|e| e.to_string())?;
                    crate::run::remove_run_namespaces(&client, &run_label)
                        .await
                        .map(|n| format!("removed {n} namespaces from the reused kind cluster"))
                }
            },
            ClusterKind::Current => {
                let handle = crate::cluster::ClusterHandle::connect(&ClusterSpec {
                    install: false,
                    ..cluster.clone()
                })
                .await
                .map_err(|e| e.to_string())?;
                crate::run::remove_run_namespaces(handle.client(), &run_label)
                    .await
                    .map(|n| format!("removed {n} namespaces"))
            }
        }
    };
    let left = match options.cluster.kind {
        ClusterKind::Kind => format!(
            "the kind cluster {:?} (delete it with `harness down --kind-name {}`)",
            options.cluster.kind_spec.name, options.cluster.kind_spec.name
        ),
        _ => format!(
            "namespaces labelled {}={}",
            crate::run::RUN_LABEL,
            options.run_label
        ),
    };
    tokio::select! {
        r = tokio::time::timeout(std::time::Duration::from_secs(120), cleanup) => match r {
            Ok(Ok(done)) => eprintln!("{done}"),
            Ok(Err(e)) => eprintln!("cleanup failed: {e}; {left} may be left"),
            Err(_) => eprintln!("cleanup timed out; {left} may be left"),
        },
        _ = signals.next() => {
            eprintln!("stopped; {left} may be left");
            // At once: no destructor, no wait for the runtime's blocking threads.
            std::process::exit(i32::from(code));
        }
    }
    code
}
