//! The simulated cluster (`--cluster sim`): a Kubernetes API server on a loopback port that the
//! real kubectl and kube-rs accept, with the controllers and node agent that make workloads run.
//!
//! The API is small on purpose: [`SimCluster`] starts and stops a cluster, [`SimProfile`] (with
//! the section types whose fields tests set) says how it behaves, [`Faults`] counts what its
//! chaos profile injected, and [`SimError`] / [`ProfileError`] say why it could not start. Every
//! module is private, and `unreachable_pub` (Cargo.toml) warns about `pub` on anything this
//! file does not re-export. Tests that look inside use the `testing` feature's helpers.
//!
//! Nothing else in the harness knows the simulator exists, except the code that starts a
//! cluster: the harness talks to it through a kubeconfig, exactly as to a real cluster.

// The real data plane's foundation (issue 12), not wired into the cluster yet: until it is, its
// items are only used by its own tests.
#[allow(dead_code, unused_imports)]
mod ads;
mod api;
mod cluster;
mod controllers;
mod crd;
#[allow(dead_code, unused_imports)]
mod envoy;
mod faults;
mod istio;
mod kubelet;
mod mesh;
mod network;
mod objects;
mod patch;
mod patch_status;
mod profile;
mod registry;
mod server;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod tls;
mod workload;
// The xDS generator is not wired into the running cluster yet (issue 12): only its tests use it.
#[cfg_attr(not(test), allow(dead_code))]
mod xds;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use cluster::Cluster;

// The profile file's sections, so that tests can start from a profile and set fields; and the
// errors inside `SimError` and `IstioVersion`'s `FromStr`.
pub use faults::Faults;
pub use istio::{
    Deviations, GatewayApiChannel, GatewayApiProfile, GatewayApiReference, InternalGatewayBinding,
    IstioProfile, IstioVersion, MeshPrecedence, PropagationProfile, VersionError,
};
pub use profile::{Chaos, KubernetesProfile, PodTiming, ProfileError, SimProfile};
pub use tls::TlsError;

/// Why the simulated cluster could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listen address could not be bound (in use, or not local).
    #[error("failed to listen on {addr}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The cluster's certificates or TLS configuration could not be made.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// The objects a fresh cluster has (namespaces, node, Istio) could not be created: a bug
    /// in the simulator, not in the caller's input.
    #[error("failed to seed the simulated cluster: {0}")]
    Seed(String),
}

/// A running simulated cluster. Dropping it stops the server and its controllers.
pub struct SimCluster {
    addr: SocketAddr,
    credentials: tls::ClusterCredentials,
    cluster: Arc<Cluster>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    started_in: std::time::Duration,
}

impl SimCluster {
    /// Starts the API server on `listen` (use `127.0.0.1:0` for an ephemeral port), seeds the
    /// namespaces and objects a fresh kind cluster has, and starts the controllers. Must be
    /// called inside a tokio runtime.
    pub async fn start(profile: SimProfile, listen: SocketAddr) -> Result<Self, SimError> {
        let t0 = Instant::now();
        let credentials = tls::ClusterCredentials::generate()?;
        let tls = credentials.server_config()?;
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|source| SimError::Listen {
                addr: listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Listen {
            addr: listen,
            source,
        })?;
        let cluster = Cluster::new(profile, credentials.ca_pem().to_string());
        seed(&cluster)?;
        mesh::install(&cluster).map_err(|e| SimError::Seed(format!("installing Istio: {e}")))?;
        let (shutdown, rx) = watch::channel(false);
        let mut tasks = vec![
            tokio::spawn(server::serve(cluster.clone(), listener, tls, rx)),
            tokio::spawn(controllers::run(cluster.clone())),
            tokio::spawn(kubelet::run_pod_starter(cluster.clone())),
            tokio::spawn(mesh::run(cluster.clone())),
        ];
        if let Some(every) = cluster.profile.chaos.pod_restart_every_ms {
            tasks.push(tokio::spawn(kubelet::run_pod_restarter(
                cluster.clone(),
                std::time::Duration::from_millis(every.max(1)),
            )));
        }
        Ok(Self {
            addr,
            credentials,
            cluster,
            shutdown,
            tasks,
            started_in: t0.elapsed(),
        })
    }

    /// The API server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How long [`SimCluster::start`] took.
    pub fn startup_time(&self) -> std::time::Duration {
        self.started_in
    }

    /// The admin client certificate and key in PEM (holds the key: never log it).
    pub fn admin_identity_pem(&self) -> String {
        self.credentials.admin_identity_pem()
    }

    /// The admin kubeconfig (holds the client key: never log it).
    pub fn kubeconfig(&self) -> String {
        self.credentials.kubeconfig(self.addr, "harness")
    }

    /// Writes the admin kubeconfig with mode 0600.
    pub fn write_kubeconfig(&self, path: &Path) -> Result<(), SimError> {
        Ok(self
            .credentials
            .write_kubeconfig(path, self.addr, "harness")?)
    }

    /// The cluster state, for the `testing` helpers only: tests outside the crate get narrow
    /// accessors there rather than the internals.
    #[cfg(feature = "testing")]
    fn cluster(&self) -> &Arc<Cluster> {
        &self.cluster
    }

    /// The faults the chaos profile injected so far.
    pub fn faults(&self) -> Faults {
        self.cluster.faults().snapshot()
    }

    /// Stops serving and ends the controllers.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        self.cluster.stop();
        for t in self.tasks.drain(..) {
            t.abort();
            let _ = t.await;
        }
    }
}

impl Drop for SimCluster {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        self.cluster.stop();
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// The objects a new kind cluster has before anyone applies anything.
fn seed(cluster: &Arc<Cluster>) -> Result<(), SimError> {
    let reg = cluster.registry().clone();
    let get = |g: &str, p: &str| {
        reg.get(g, "v1", p)
            .ok_or_else(|| SimError::Seed(format!("no built-in {p}")))
    };
    let ns = get("", "namespaces")?;
    for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        cluster
            .create(&ns, "", json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}}}), Some("kube-apiserver"))
            .map_err(|e| SimError::Seed(e.to_string()))?;
    }
    let node = get("", "nodes")?;
    cluster
        .create(&node, "", json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": kubelet::NODE_NAME,
            "labels": {"kubernetes.io/hostname": kubelet::NODE_NAME, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                       "node-role.kubernetes.io/control-plane": ""}}}), Some("kubelet"))
        .map_err(|e| SimError::Seed(e.to_string()))?;
    let svc = get("", "services")?;
    cluster
        .create(&svc, "default", json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes",
            "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}}), Some("kube-apiserver"))
        .map_err(|e| SimError::Seed(e.to_string()))?;
    Ok(())
}
