//! One way for every test target to start a simulated cluster and reach it: [`TestCluster`]
//! (a running cluster, its kubeconfig in a private temp dir, a kube-rs client, kubectl
//! commands) and [`fast_profile`], the profile tests use unless they study timing.
//!
//! Behind the `testing` feature: the harness and the simulator's own tests enable it, the
//! `harness` binary does not.

use std::path::{Path, PathBuf};

use crate::{SimCluster, SimProfile};

/// The profile tests use: pods start in 50 ms, apps answer at once, and configuration reaches
/// every proxy within ~120 ms, so tests wait on conditions rather than on modelled delays.
/// [`FAST_PROFILE_PATH`] is the same profile as a file for `--sim-profile`.
pub fn fast_profile() -> SimProfile {
    SimProfile::parse(FAST_PROFILE_YAML, "kube_sim::testing::FAST_PROFILE_YAML")
        .expect("the fast profile parses")
}

/// [`fast_profile`] as profile YAML (`crates/kube-sim/profiles/fast.yaml`), for tests that
/// start the simulator through the CLI.
pub const FAST_PROFILE_YAML: &str = include_str!("../profiles/fast.yaml");

/// [`FAST_PROFILE_YAML`] with the Istio deviations `deviations` (the inside of the
/// `istio.deviations` flow mapping, e.g. `abort_status: 503`), for tests that run a scenario
/// against a simulator that breaks what it covers.
pub fn fast_profile_yaml_with_deviations(deviations: &str) -> String {
    // The file ends inside its `istio:` mapping (checked by this crate's tests).
    format!("{FAST_PROFILE_YAML}  deviations: {{{deviations}}}\n")
}

/// Where [`FAST_PROFILE_YAML`] is, for `--sim-profile`.
pub const FAST_PROFILE_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/fast.yaml");

/// A running simulated cluster with its admin kubeconfig written (0600) to a private temp
/// dir. Dropping it stops the cluster and removes the dir.
pub struct TestCluster {
    sim: SimCluster,
    dir: tempfile::TempDir,
}

impl TestCluster {
    /// A cluster with [`fast_profile`].
    pub async fn start() -> Self {
        Self::with_profile(fast_profile()).await
    }

    /// A cluster with `profile`. Set `HARNESS_TEST_LOG` (an env-filter) to see its logs.
    pub async fn with_profile(profile: SimProfile) -> Self {
        init_test_log();
        let sim = SimCluster::start(profile, "127.0.0.1:0".parse().expect("an address"))
            .await
            .expect("the simulated cluster starts");
        let dir = tempfile::tempdir().expect("a temp dir for the kubeconfig");
        sim.write_kubeconfig(&dir.path().join("kubeconfig"))
            .expect("the kubeconfig is written");
        Self { sim, dir }
    }

    /// The running cluster.
    pub fn sim(&self) -> &SimCluster {
        &self.sim
    }

    /// The private temp dir (kubeconfig, kubectl's cache); tests may put files there.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The admin kubeconfig's path.
    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// A kube-rs client with the admin identity.
    pub async fn client(&self) -> kube::Client {
        let kc = kube::config::Kubeconfig::from_yaml(&self.sim.kubeconfig())
            .expect("the kubeconfig parses");
        let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
            .await
            .expect("a client config");
        kube::Client::try_from(config).expect("a client")
    }

    /// `kubectl ARGS` (`bin`) against this cluster.
    pub fn kubectl_args(&self, bin: &Path, args: &[&str]) -> tokio::process::Command {
        let mut c = self.kubectl(bin);
        c.args(args);
        c
    }

    /// A kubectl command (`bin`) against this cluster, with its own discovery cache and the
    /// WebSocket switches at their defaults.
    pub fn kubectl(&self, bin: &Path) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(bin);
        c.env("KUBECONFIG", self.kubeconfig())
            .env("KUBECACHEDIR", self.dir.path().join("cache"))
            .env_remove("KUBECTL_REMOTE_COMMAND_WEBSOCKETS")
            .env_remove("KUBECTL_PORT_FORWARD_WEBSOCKETS")
            .kill_on_drop(true);
        c
    }
}

/// Logs of the code under test, with `HARNESS_TEST_LOG` as the filter; does nothing without it.
fn init_test_log() {
    if let Ok(filter) = std::env::var("HARNESS_TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
}

/// The kubectl on PATH (the version dispatcher), if any.
pub fn kubectl_dispatcher() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("kubectl"))
        .find(|p| p.is_file())
}

/// `kubectl.1.NN` next to the dispatcher's real location, if installed.
pub fn kubectl_version(minor: u32) -> Option<PathBuf> {
    let real = std::fs::canonicalize(kubectl_dispatcher()?).ok()?;
    let p = real.parent()?.join(format!("kubectl.1.{minor}"));
    p.is_file().then_some(p)
}

/// Prints why a test does nothing here, so a skip is never silent.
pub fn skip(test: &str, why: &str) {
    eprintln!("SKIPPED {test}: {why}");
}

/// The version of the newest configuration istiod computed, which grows by one per push: a
/// test that changed the mesh waits until it exceeds the value read before the change.
pub fn mesh_config_version(sim: &SimCluster) -> u64 {
    sim.cluster().mesh().latest().version
}

/// Whether every proxy acked the route configuration last sent to it, as `/debug/syncz`
/// reports. When the profile keeps proxies stale on purpose (`istio.propagation.never`,
/// `istio.deviations.stale_proxy`) nothing would ever sync, so this is `true` at once.
pub fn proxies_synced(sim: &SimCluster) -> bool {
    let cluster = sim.cluster();
    let istio = &cluster.profile.istio;
    if istio.propagation.never || istio.deviations.stale_proxy.is_some() {
        return true;
    }
    cluster
        .mesh()
        .syncz(cluster)
        .as_array()
        .is_some_and(|ps| ps.iter().all(|p| p["route_acked"] == p["route_sent"]))
}

/// Writes `object` (which names itself in `metadata.name`) into the store as the resource
/// `group`/`plural` in `namespace`, bypassing the API server: no admission, no defaults. For
/// tests that need more history than HTTP requests could write in reasonable time.
pub fn put_object(
    sim: &SimCluster,
    group: &str,
    plural: &str,
    namespace: &str,
    object: serde_json::Value,
) {
    let key = crate::registry::ResourceKey::new(group, plural);
    let name = object["metadata"]["name"]
        .as_str()
        .expect("the object has metadata.name")
        .to_string();
    sim.cluster()
        .store
        .modify(&key, namespace, &name, |_| {
            Ok::<_, std::convert::Infallible>(crate::store::Write::Put(object))
        })
        .expect("an unconditional put cannot fail");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_profile_takes_deviations() {
        let yaml = fast_profile_yaml_with_deviations("abort_status: 503, gamma: false");
        let p = SimProfile::parse(&yaml, "test").expect("a valid profile");
        assert_eq!(p.istio.deviations.abort_status, Some(503));
        assert!(!p.istio.deviations.gamma);
        assert_eq!(p.pods.start_delay_ms, fast_profile().pods.start_delay_ms);
    }
}
