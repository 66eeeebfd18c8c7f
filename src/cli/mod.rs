//! The command line: argument parsing (clap) and dispatch to the library.

mod run;
mod scenarios;
mod sim;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::exit;

/// End-to-end traffic conformance for Istio and Kubernetes Gateway API.
#[derive(Debug, Parser)]
#[command(name = "harness", version, about)]
pub struct Cli {
    /// Log filter (tracing EnvFilter syntax), e.g. `debug` or `harness=trace`.
    #[arg(long, global = true, env = "HARNESS_LOG", default_value = "warn")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs scenarios against a cluster and decides, step by step, whether it behaves.
    Run(run::RunArgs),
    /// Checks scenario files without a cluster; every error names file, line and column.
    Validate {
        /// Scenario files or directories (searched for `scenario.yaml`).
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
    },
    /// Lists the scenarios and steps under the given paths.
    List {
        #[arg(default_value = "scenarios")]
        paths: Vec<std::path::PathBuf>,
    },
    /// The simulated cluster.
    Sim {
        #[command(subcommand)]
        command: sim::SimCommand,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // clap's own exit codes: 0 for --help/--version, 2 for usage errors.
            return ExitCode::from(if e.use_stderr() {
                exit::RUN_ERROR
            } else {
                exit::SUCCESS
            });
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&cli.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            return ExitCode::from(exit::RUN_ERROR);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run::run(args).await,
            Command::Sim { command } => sim::run(command).await,
            Command::Validate { paths } => scenarios::validate(&paths),
            Command::List { paths } => scenarios::list(&paths),
        }
    });
    ExitCode::from(code)
}

/// Prints an error with its chain of causes, the way every command reports failures.
pub(crate) fn report_error(e: &(dyn std::error::Error + 'static)) {
    eprintln!("error: {e}");
    let mut source = e.source();
    while let Some(s) = source {
        eprintln!("  caused by: {s}");
        source = s.source();
    }
}
