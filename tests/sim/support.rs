//! Shared helpers: an in-process simulated cluster, a kube-rs client for it, and the kubectl
//! binaries (skipped, with a printed reason, where none is installed).

use std::path::{Path, PathBuf};

use harness::sim::{SimCluster, SimProfile};

/// A running simulated cluster with its kubeconfig written to a private temp dir.
pub struct Sim {
    pub sim: SimCluster,
    pub dir: tempfile::TempDir,
}

impl Sim {
    pub async fn start() -> Self {
        Self::with_profile(fast_profile()).await
    }

    pub async fn with_profile(profile: SimProfile) -> Self {
        if let Ok(filter) = std::env::var("HARNESS_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        let sim = SimCluster::start(profile, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("the simulated cluster starts");
        let dir = tempfile::tempdir().unwrap();
        sim.write_kubeconfig(&dir.path().join("kubeconfig"))
            .unwrap();
        Self { sim, dir }
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    pub async fn client(&self) -> kube::Client {
        let kc = kube::config::Kubeconfig::from_yaml(&self.sim.kubeconfig()).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
            .await
            .unwrap();
        kube::Client::try_from(config).unwrap()
    }

    /// `kubectl ARGS` against this cluster.
    pub fn kubectl_args(&self, bin: &Path, args: &[&str]) -> tokio::process::Command {
        let mut c = self.kubectl(bin);
        c.args(args);
        c
    }

    /// A kubectl command against this cluster, with its own discovery cache.
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

/// Pods start at once: tests wait on conditions, not on the clock.
pub fn fast_profile() -> SimProfile {
    let mut p = SimProfile::default();
    p.pods.start_delay_ms = 50;
    p
}

/// The kubectl on PATH (the version dispatcher), if any.
pub fn kubectl_dispatcher() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("kubectl"))
        .find(|p| p.is_file())
}

/// `kubectl.1.NN` next to the dispatcher's real location.
pub fn kubectl_version(minor: u32) -> Option<PathBuf> {
    let real = std::fs::canonicalize(kubectl_dispatcher()?).ok()?;
    let p = real.parent()?.join(format!("kubectl.1.{minor}"));
    p.is_file().then_some(p)
}

/// Prints why a test does nothing here, so a skip is never silent.
pub fn skip(test: &str, why: &str) {
    eprintln!("SKIPPED {test}: {why}");
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub async fn run(mut cmd: tokio::process::Command) -> Output {
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output())
        .await
        .expect("kubectl finished within 60 s")
        .expect("kubectl ran");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs and requires exit 0.
pub async fn ok(cmd: tokio::process::Command) -> String {
    let dbg = format!("{cmd:?}");
    let o = run(cmd).await;
    assert_eq!(
        o.code, 0,
        "{dbg}\nstdout: {}\nstderr: {}",
        o.stdout, o.stderr
    );
    o.stdout
}

pub fn manifest(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/manifests")
        .join(name)
}

/// The harness binary as a child process, killed when dropped.
pub fn harness() -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_harness"));
    c.kill_on_drop(true);
    c
}

/// `harness sim serve` in its own process, ready to be used as `--cluster current`.
pub struct ServedSim {
    /// Killed when dropped.
    pub child: tokio::process::Child,
    /// Holds the kubeconfig and the profile.
    pub dir: tempfile::TempDir,
    pub kubeconfig: std::path::PathBuf,
}

/// Starts `harness sim serve` with `profile_yaml` and waits for its ready line.
pub async fn serve_sim(profile_yaml: &str) -> ServedSim {
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
