//! `harness run`: scenarios against a cluster, reports to the console, JUnit, JSON and the
//! GitHub step summary.

use std::path::PathBuf;

use clap::Args;

use crate::cluster::{ClusterKind, ClusterSpec};
use crate::exit;
use crate::report;
use crate::run::{RunError, RunOptions};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files or directories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The cluster to test.
    #[arg(long, value_enum, default_value = "sim")]
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

pub async fn run(args: RunArgs) -> u8 {
    let options = RunOptions {
        paths: args.paths,
        cluster: ClusterSpec {
            kind: args.cluster,
            sim_profile: args.sim_profile,
            kubeconfig: args.kubeconfig,
            context: args.context,
        },
        alpha: args.alpha,
        seed: args.seed,
        jobs: args.jobs,
        filter: args.filter,
        keep_on_failure: args.keep_on_failure,
        run_label: crate::scenario::RunId::random().as_str().to_string(),
    };
    let running = crate::run::run(&options, |scenario, step| {
        println!("{}", report::step_line(scenario, step))
    });
    let result = tokio::select! {
        r = running => r,
        code = interrupted() => return cleanup_after_signal(&options, code).await,
    };
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

/// Resolves with the exit code of the first SIGINT (130) or SIGTERM (143).
async fn interrupted() -> u8 {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut int), Ok(mut term)) => tokio::select! {
            _ = int.recv() => 130,
            _ = term.recv() => 143,
        },
        _ => {
            let _ = tokio::signal::ctrl_c().await;
            130
        }
    }
}

/// After a signal the run future is dropped (a simulated cluster goes with it); on a real
/// cluster this run's namespaces are deleted, within a bound, unless a second signal says stop.
async fn cleanup_after_signal(options: &RunOptions, code: u8) -> u8 {
    eprintln!(
        "interrupted: removing this run's namespaces ({}={}); interrupt again to stop at once",
        crate::run::RUN_LABEL,
        options.run_label
    );
    if options.cluster.kind == ClusterKind::Sim {
        return code;
    }
    let cleanup = async {
        let cluster = crate::cluster::ClusterHandle::connect(&options.cluster)
            .await
            .map_err(|e| e.to_string())?;
        crate::run::remove_run_namespaces(cluster.client(), &options.run_label).await
    };
    tokio::select! {
        r = tokio::time::timeout(std::time::Duration::from_secs(120), cleanup) => match r {
            Ok(Ok(n)) => eprintln!("removed {n} namespaces"),
            Ok(Err(e)) => eprintln!("cleanup failed: {e}; namespaces labelled {}={} may be left", crate::run::RUN_LABEL, options.run_label),
            Err(_) => eprintln!("cleanup timed out; namespaces labelled {}={} may be left", crate::run::RUN_LABEL, options.run_label),
        },
        _ = interrupted() => eprintln!("stopped; namespaces labelled {}={} may be left", crate::run::RUN_LABEL, options.run_label),
    }
    code
}
