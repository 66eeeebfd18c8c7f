//! What the harness's integration tests share: an in-process simulated cluster with a kube-rs
//! client and the fixtures applied with `harness::kube::apply`, and the `harness` binary with
//! `harness sim serve` as a separate process.

use std::path::Path;
use std::time::Duration;

use harness::kube::{Applied, apply, discover};
use kube::discovery::Discovery;
use kube_sim::SimProfile;
use kube_sim::testing::TestCluster;
pub(crate) use kube_sim::testing::{kubectl_dispatcher, skip};

/// The one fast profile (kube_sim::testing::fast_profile) at Istio 1.27.
pub(crate) fn profile() -> SimProfile {
    let mut p = kube_sim::testing::fast_profile();
    p.istio.version = "1.27".parse().unwrap();
    p
}

/// Longer than the debounce plus the largest per-proxy delay of [`profile`].
pub(crate) const SETTLE: Duration = Duration::from_millis(400);

pub(crate) const WAIT: Duration = Duration::from_secs(30);

pub(crate) struct Env {
    /// Kept alive for the test; dropping it stops the cluster.
    pub _sim: TestCluster,
    pub client: kube::Client,
    pub discovery: Discovery,
}

impl Env {
    pub(crate) async fn start(profile: SimProfile) -> Self {
        let sim = TestCluster::with_profile(profile).await;
        let client = sim.client().await;
        let discovery = discover(&client).await.expect("discovery");
        Self {
            _sim: sim,
            client,
            discovery,
        }
    }

    /// Applies YAML text, panicking with the error's message.
    pub(crate) async fn apply(&mut self, yaml: &str, ns: &str) -> Vec<Applied> {
        apply(&self.client, &mut self.discovery, yaml, ns)
            .await
            .unwrap_or_else(|e| panic!("apply failed: {e}"))
    }

    /// A namespace, labelled for sidecar injection when `injected`.
    pub(crate) async fn namespace(&mut self, name: &str, injected: bool) {
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

pub(crate) fn fixture(name: &str) -> String {
    read(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/apps")
            .join(name),
    )
}

pub(crate) fn blog(name: &str) -> String {
    read(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/blog")
            .join(name),
    )
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Runs a command and requires exit 0; its stdout.
pub(crate) async fn ok(mut cmd: tokio::process::Command) -> String {
    let dbg = format!("{cmd:?}");
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("finished within 60 s")
        .expect("ran");
    assert!(
        out.status.success(),
        "{dbg}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The harness binary as a child process, killed when dropped.
pub(crate) fn harness() -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_harness"));
    c.kill_on_drop(true);
    c
}

/// `harness sim serve` in its own process, ready to be used as `--cluster current`.
pub(crate) struct ServedSim {
    /// Killed when dropped.
    pub child: tokio::process::Child,
    /// Holds the kubeconfig and the profile.
    pub dir: tempfile::TempDir,
    pub kubeconfig: std::path::PathBuf,
}

/// A kube-rs client from a kubeconfig file.
pub(crate) async fn client_for(kubeconfig: &Path) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).expect("the kubeconfig reads");
    let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .expect("a client config");
    kube::Client::try_from(config).expect("a client")
}

/// Starts `harness sim serve` with `profile_yaml` and waits for its ready line.
pub(crate) async fn serve_sim(profile_yaml: &str) -> ServedSim {
    use tokio::io::AsyncBufReadExt;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let profile = dir.path().join("profile.yaml");
    std::fs::write(&profile, profile_yaml).unwrap();
    let mut child = harness()
        .args(["sim", "serve", "--kubeconfig"])
        .arg(&kubeconfig)
        .arg("--sim-profile")
        .arg(&profile)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::time::timeout(std::time::Duration::from_secs(10), lines.next_line())
        .await
        .expect("the simulated cluster is ready within 10 s")
        .unwrap();
    ServedSim {
        child,
        dir,
        kubeconfig,
    }
}
