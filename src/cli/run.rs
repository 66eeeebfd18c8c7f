//! `harness run`: scenarios against a cluster, reports to the console, JUnit, JSON and the
//! GitHub step summary.

use std::path::PathBuf;

use clap::Args;

use crate::cluster::{ClusterKind, ClusterSpec, KindSpec};
use crate::exit;
use crate::report;
use crate::run::{RunError, RunOptions};

#[derive(Debug, Args)]
pub struct RunArgs {
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
    /// Seed for what the harness draws (run ids are random regardless).
    #[arg(long, default_value_t = 1)]
    seed: u64,
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
pub struct KindArgs {
    /// The kind cluster's name.
    #[arg(long, default_value = crate::kind::cluster::DEFAULT_CLUSTER_NAME)]
    kind_name: String,
    /// The Istio release to install: a pinned minor (1.24-1.28) or exact version (1.27.3).
    #[arg(long, default_value = crate::cluster::kind::DEFAULT_ISTIO)]
    istio: String,
    /// The Kubernetes minor of the kind node image (default: the newest pinned one the Istio
    /// release supports).
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
pub enum LoadBalancerArg {
    Metallb,
    None,
}

impl KindArgs {
    pub fn spec(&self, keep: bool) -> KindSpec {
        KindSpec {
            name: self.kind_name.clone(),
            istio: self.istio.clone(),
            kubernetes: self.kubernetes.clone(),
            reuse: self.reuse,
            keep,
            preload: !self.no_preload,
            load_balancer: self.load_balancer == LoadBalancerArg::Metallb,
        }
    }
}

pub async fn run(args: RunArgs) -> u8 {
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
        },
        artifacts: args.artifacts,
        alpha: args.alpha,
        seed: args.seed,
        jobs: args.jobs,
        filter: args.filter,
        keep_on_failure: args.keep_on_failure,
        run_label: crate::scenario::RunId::random().as_str().to_string(),
    };
    let completed = std::sync::Arc::new(std::sync::Mutex::new(Completed::default()));
    let total_steps: usize = crate::scenario::load(&options.paths)
        .map(|all| {
            all.iter()
                .filter(|s| {
                    options
                        .filter
                        .as_deref()
                        .is_none_or(|f| s.name().contains(f))
                })
                .map(|s| s.steps().len())
                .sum()
        })
        .unwrap_or(0);
    let progress = std::sync::Arc::new(super::progress::Progress::new(total_steps as u64));
    let (events, mut rx) = crate::run::Events::channel();
    let console = {
        let progress = progress.clone();
        let completed = completed.clone();
        tokio::spawn(async move {
            use crate::run::RunEvent;
            while let Some(event) = rx.recv().await {
                match event {
                    RunEvent::StepStarted { scenario, step } => {
                        progress.started(&scenario.name, &step)
                    }
                    RunEvent::StepFinished { scenario, report } => {
                        progress.line(&report::step_line(&scenario.name, &report));
                        completed
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .record(&scenario.name, &report.outcome);
                    }
                    _ => {}
                }
            }
        })
    };
    let running = crate::run::run(&options, events);
    let result = tokio::select! {
        r = running => r,
        code = signals.next() => {
            let done = completed.lock().unwrap_or_else(|e| e.into_inner()).summary();
            eprintln!("completed before the interrupt: {done}");
            return cleanup_after_signal(&options, code, &mut signals).await;
        }
    };
    // The run's sender is gone with its future: the console has every line once it drains.
    let _ = console.await;
    progress.finish();
    let report = match result {
        Ok(r) => r,
        Err(RunError::Scenarios(errors)) => {
            eprintln!("{errors}");
            return exit::RUN_ERROR;
        }
        Err(e) => {
            super::report_error(&e);
            return exit::RUN_ERROR;
        }
    };
    println!("{}", report::summary_line(&report));
    if let Some(t) = &report.teardown {
        println!("{t}");
    }
    let mut code = report.exit_code();
    if let Some(path) = &args.junit {
        let written = report::to_junit(&report)
            .to_string()
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|xml| report::write_atomically(path, &xml));
        if let Err(e) = written {
            eprintln!(
                "error: failed to write the JUnit report {}: {e}",
                path.display()
            );
            code = code.max(exit::RUN_ERROR);
        }
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        if let Err(e) = report::write_atomically(path, &text) {
            eprintln!(
                "error: failed to write the JSON report {}: {e}",
                path.display()
            );
            code = code.max(exit::RUN_ERROR);
        }
    }
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        use std::io::Write;
        let md = report::to_markdown(&report);
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(md.as_bytes()));
        if let Err(e) = appended {
            eprintln!("warning: failed to write $GITHUB_STEP_SUMMARY: {e}");
        }
    }
    code
}

/// What the run showed before a signal: the steps of the scenarios that ended.
#[derive(Default)]
struct Completed {
    scenarios: std::collections::BTreeSet<String>,
    passed: usize,
    failed: usize,
    errors: usize,
    skipped: usize,
}

impl Completed {
    fn record(&mut self, scenario: &str, outcome: &crate::report::StepOutcome) {
        use crate::report::StepOutcome as O;
        self.scenarios.insert(scenario.to_string());
        match outcome {
            O::Passed => self.passed += 1,
            O::Failed { .. } => self.failed += 1,
            O::Error { .. } => self.errors += 1,
            O::Skipped { .. } => self.skipped += 1,
        }
    }

    fn summary(&self) -> String {
        format!(
            "{} scenarios ({} passed, {} failed, {} errors, {} skipped steps; their lines are above); the rest did not finish",
            self.scenarios.len(),
            self.passed,
            self.failed,
            self.errors,
            self.skipped
        )
    }
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

    /// Resolves with the exit code of the next SIGINT (130) or SIGTERM (143).
    async fn next(&mut self) -> u8 {
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
            _ = recv(int) => 130,
            _ = recv(term) => 143,
        }
    }
}

/// After a signal the run future is dropped (a simulated cluster goes with it); on a real
/// cluster this run's namespaces are deleted, within a bound, unless a second signal says stop.
async fn cleanup_after_signal(options: &RunOptions, code: u8, signals: &mut Signals) -> u8 {
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
