//! `harness up` and `harness down`: a kind cluster with Gateway API, Istio and MetalLB that
//! outlives one run, for local iteration (`harness run --cluster kind --reuse`, or
//! `--cluster current --kubeconfig` with the file `up` writes).

use std::path::PathBuf;

use clap::Args;

use super::run::KindArgs;
use crate::cluster::{ClusterHandle, ClusterKind, ClusterSpec};
use crate::exit;

#[derive(Debug, Args)]
pub(super) struct UpArgs {
    #[command(flatten)]
    kind: KindArgs,
    /// Where to write the cluster's kubeconfig (mode 0600).
    #[arg(long, default_value = "kind-harness.kubeconfig")]
    kubeconfig_out: PathBuf,
}

#[derive(Debug, Args)]
pub(super) struct DownArgs {
    /// The kind cluster to delete.
    #[arg(long, default_value = crate::kind::cluster::DEFAULT_CLUSTER_NAME)]
    kind_name: String,
}

pub(super) async fn up(args: UpArgs) -> u8 {
    let spec = ClusterSpec {
        kind_spec: crate::cluster::KindSpec {
            // `up` is for a cluster that stays: an existing one is completed, not refused.
            reuse: true,
            ..args.kind.spec(true)
        },
        ..ClusterSpec::new(ClusterKind::Kind)
    };
    let handle = match ClusterHandle::connect(&spec).await {
        Ok(h) => h,
        Err(e) => {
            super::report_error(&e);
            return exit::RUN_ERROR;
        }
    };
    let written = handle
        .kubeconfig()
        .ok_or_else(|| std::io::Error::other("no kubeconfig"))
        .and_then(std::fs::read_to_string)
        .and_then(|text| crate::report::write_private(&args.kubeconfig_out, &text));
    let name = spec.kind_spec.name.clone();
    // The handle is dropped without `close`: the cluster stays (it was created with keep).
    drop(handle);
    match written {
        Ok(()) => {
            println!(
                "kind cluster {name} is ready; kubeconfig: {}\n  run on it: harness run scenarios --cluster kind --reuse --kind-name {name}\n  delete it: harness down --kind-name {name}",
                args.kubeconfig_out.display()
            );
            exit::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "error: kind cluster {name} is ready, but its kubeconfig could not be written to {}: {e}",
                args.kubeconfig_out.display()
            );
            exit::RUN_ERROR
        }
    }
}

pub(super) async fn down(args: DownArgs) -> u8 {
    match crate::cluster::kind::delete_if_present(&args.kind_name).await {
        Ok(true) => {
            println!("kind cluster {} deleted", args.kind_name);
            exit::SUCCESS
        }
        Ok(false) => {
            println!("no kind cluster named {}", args.kind_name);
            exit::SUCCESS
        }
        Err(e) => {
            super::report_error(&e);
            exit::RUN_ERROR
        }
    }
}
