//! An in-process simulated cluster, a kube-rs client for it, and the fixtures applied with
//! `harness::kube::apply`.

use std::path::Path;
use std::time::Duration;

use harness::kube::{Applied, apply, discover};
use harness::sim::{SimCluster, SimProfile};
use kube::discovery::Discovery;

/// Pods start at once, apps answer at once, config reaches proxies within ~70 ms.
pub fn profile() -> SimProfile {
    let mut p = SimProfile::default();
    p.pods.start_delay_ms = 50;
    p.pods.processing_time_scale = 0.0;
    p.istio.version = "1.27".parse().unwrap();
    p.istio.propagation.debounce_ms = 20;
    p.istio.propagation.proxy_delay_min_ms = 10;
    p.istio.propagation.proxy_delay_max_ms = 50;
    p
}

/// Longer than the debounce plus the largest per-proxy delay of [`profile`].
pub const SETTLE: Duration = Duration::from_millis(400);

pub const WAIT: Duration = Duration::from_secs(30);

pub struct Env {
    /// Kept alive for the test; dropping it stops the cluster.
    pub _sim: SimCluster,
    pub client: kube::Client,
    pub discovery: Discovery,
}

impl Env {
    pub async fn start(profile: SimProfile) -> Self {
        if let Ok(filter) = std::env::var("HARNESS_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        let sim = SimCluster::start(profile, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("the simulated cluster starts");
        let kc = kube::config::Kubeconfig::from_yaml(&sim.kubeconfig()).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
            .await
            .unwrap();
        let client = kube::Client::try_from(config).unwrap();
        let discovery = discover(&client).await.expect("discovery");
        Self {
            _sim: sim,
            client,
            discovery,
        }
    }

    /// Applies YAML text, panicking with the error's message.
    pub async fn apply(&mut self, yaml: &str, ns: &str) -> Vec<Applied> {
        apply(&self.client, &mut self.discovery, yaml, ns)
            .await
            .unwrap_or_else(|e| panic!("apply failed: {e}"))
    }

    /// A namespace, labelled for sidecar injection when `injected`.
    pub async fn namespace(&mut self, name: &str, injected: bool) {
        let label = if injected {
            "istio-injection: enabled"
        } else {
            "{}"
        };
        let labels = if injected {
            format!("\n  labels:\n    {label}")
        } else {
            String::new()
        };
        self.apply(
            &format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}{labels}\n"),
            "",
        )
        .await;
    }
}

pub fn fixture(name: &str) -> String {
    read(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/apps")
            .join(name),
    )
}

pub fn blog(name: &str) -> String {
    read(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/blog")
            .join(name),
    )
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}
