//! `harness sim serve`: the simulated cluster in the foreground.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Subcommand;

use crate::exit;
use kube_sim::{SimCluster, SimProfile};

#[derive(Debug, Subcommand)]
pub(super) enum SimCommand {
    /// Runs the simulated cluster until SIGINT or SIGTERM.
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Where to write the admin kubeconfig (mode 0600). Default: a temporary file that is
        /// removed when the server stops.
        #[arg(long)]
        kubeconfig: Option<PathBuf>,
        /// Behaviour profile (YAML); see docs/sim-profile.md.
        #[arg(long)]
        sim_profile: Option<PathBuf>,
    },
}

pub(super) async fn run(command: SimCommand) -> u8 {
    match command {
        SimCommand::Serve {
            listen,
            kubeconfig,
            sim_profile,
        } => serve(listen, kubeconfig, sim_profile).await,
    }
}

async fn serve(listen: SocketAddr, kubeconfig: Option<PathBuf>, profile: Option<PathBuf>) -> u8 {
    if !listen.ip().is_loopback() {
        eprintln!(
            "error: --listen {listen}: the simulated cluster listens on loopback addresses only"
        );
        return exit::RUN_ERROR;
    }
    let profile = match profile {
        Some(p) => match SimProfile::load(&p) {
            Ok(p) => p,
            Err(e) => {
                super::report_error(&e);
                return exit::RUN_ERROR;
            }
        },
        None => SimProfile::default(),
    };
    let sim = match SimCluster::start(profile, listen).await {
        Ok(s) => s,
        Err(e) => {
            super::report_error(&e);
            return exit::RUN_ERROR;
        }
    };
    // A kubeconfig the user did not ask to keep lives in a private temp dir, removed on exit.
    let (path, _tempdir) = match kubeconfig {
        Some(p) => (p, None),
        None => match crate::cluster::private_tempdir("harness-sim-") {
            Ok(d) => (d.path().join("kubeconfig"), Some(d)),
            Err(e) => {
                eprintln!("error: failed to create a temporary directory: {e}");
                return exit::RUN_ERROR;
            }
        },
    };
    if let Err(e) = sim.write_kubeconfig(&path) {
        super::report_error(&e);
        return exit::RUN_ERROR;
    }
    println!(
        "simulated cluster ready at https://{} (started in {} ms); kubeconfig: {}",
        sim.addr(),
        sim.startup_time().as_millis(),
        path.display()
    );
    wait_for_signal().await;
    sim.shutdown().await;
    exit::SUCCESS
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut int), Ok(mut term)) => {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
