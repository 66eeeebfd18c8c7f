//! Where the cluster comes from: the simulated cluster (started in-process on a loopback port)
//! or the current kubeconfig context. This is the one place outside `sim` that knows the
//! simulator exists; everything after [`ClusterHandle::connect`] sees a kube client and a
//! kubeconfig, the same for both.

use std::path::{Path, PathBuf};

use crate::report::ClusterInfo;
use crate::sim::{SimCluster, SimProfile};

/// Which cluster a run uses (`--cluster`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClusterKind {
    /// The simulated cluster, started for this run.
    Sim,
    /// The current context of the kubeconfig (`$KUBECONFIG` or `~/.kube/config`).
    Current,
}

/// How to reach the cluster.
#[derive(Debug, Clone)]
pub struct ClusterSpec {
    pub kind: ClusterKind,
    /// For `sim`: the behaviour profile.
    pub sim_profile: Option<PathBuf>,
    /// For `current`: a kubeconfig other than the default one.
    pub kubeconfig: Option<PathBuf>,
    /// For `current`: a context other than the current one.
    pub context: Option<String>,
}

/// Why the cluster could not be reached (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(transparent)]
    Profile(#[from] crate::sim::profile::ProfileError),
    #[error("failed to start the simulated cluster")]
    Sim(#[from] crate::sim::SimError),
    #[error("failed to read the kubeconfig {path}")]
    Kubeconfig {
        path: String,
        #[source]
        source: kube::config::KubeconfigError,
    },
    #[error("failed to load the kubeconfig (set KUBECONFIG or pass --kubeconfig)")]
    Infer(#[source] kube::config::InferConfigError),
    #[error("failed to use kubeconfig context {context:?}")]
    Context {
        context: String,
        #[source]
        source: kube::config::KubeconfigError,
    },
    #[error("failed to build a client for the cluster")]
    Client(#[source] kube::Error),
    #[error("failed to create a temporary directory for the kubeconfig")]
    TempDir(#[source] std::io::Error),
}

/// A connected cluster: a client, a kubeconfig path for tools that need one (kubectl in
/// diagnostics), and what the report says about it. Dropping it stops a simulated cluster and
/// removes a temporary kubeconfig.
pub struct ClusterHandle {
    client: kube::Client,
    kubeconfig: Option<PathBuf>,
    info: ClusterInfo,
    _sim: Option<SimCluster>,
    _dir: Option<tempfile::TempDir>,
}

impl ClusterHandle {
    pub async fn connect(spec: &ClusterSpec) -> Result<Self, ClusterError> {
        match spec.kind {
            ClusterKind::Sim => Self::sim(spec.sim_profile.as_deref()).await,
            ClusterKind::Current => Self::current(spec).await,
        }
    }

    async fn sim(profile: Option<&Path>) -> Result<Self, ClusterError> {
        let profile = match profile {
            Some(p) => SimProfile::load(p)?,
            None => SimProfile::default(),
        };
        let sim =
            SimCluster::start(profile, std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let dir = tempfile::Builder::new()
            .prefix("harness-")
            .tempdir()
            .map_err(ClusterError::TempDir)?;
        let path = dir.path().join("kubeconfig");
        sim.write_kubeconfig(&path)?;
        let client = client_from(&path, None).await?;
        Ok(Self {
            client,
            kubeconfig: Some(path),
            info: ClusterInfo {
                kind: "sim".into(),
                name: format!("sim@{}", sim.addr()),
                versions: Default::default(),
            },
            _sim: Some(sim),
            _dir: Some(dir),
        })
    }

    async fn current(spec: &ClusterSpec) -> Result<Self, ClusterError> {
        let (client, name) = match &spec.kubeconfig {
            Some(path) => (
                client_from(path, spec.context.as_deref()).await?,
                path.display().to_string(),
            ),
            None if spec.context.is_some() => {
                let kc = kube::config::Kubeconfig::read().map_err(|source| {
                    ClusterError::Kubeconfig {
                        path: "default kubeconfig".into(),
                        source,
                    }
                })?;
                let options = kube::config::KubeConfigOptions {
                    context: spec.context.clone(),
                    ..Default::default()
                };
                let config = kube::Config::from_custom_kubeconfig(kc, &options)
                    .await
                    .map_err(|source| ClusterError::Context {
                        context: spec.context.clone().unwrap_or_default(),
                        source,
                    })?;
                (
                    kube::Client::try_from(config).map_err(ClusterError::Client)?,
                    "current".to_string(),
                )
            }
            None => {
                let config = kube::Config::infer().await.map_err(ClusterError::Infer)?;
                (
                    kube::Client::try_from(config).map_err(ClusterError::Client)?,
                    "current".to_string(),
                )
            }
        };
        Ok(Self {
            client,
            kubeconfig: spec.kubeconfig.clone(),
            info: ClusterInfo {
                kind: "current".into(),
                name: spec.context.clone().unwrap_or(name),
                versions: Default::default(),
            },
            _sim: None,
            _dir: None,
        })
    }

    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// A kubeconfig file for this cluster, when there is one (always for `sim`).
    pub fn kubeconfig(&self) -> Option<&Path> {
        self.kubeconfig.as_deref()
    }

    pub fn info(&self) -> &ClusterInfo {
        &self.info
    }
}

async fn client_from(path: &Path, context: Option<&str>) -> Result<kube::Client, ClusterError> {
    let kc =
        kube::config::Kubeconfig::read_from(path).map_err(|source| ClusterError::Kubeconfig {
            path: path.display().to_string(),
            source,
        })?;
    let options = kube::config::KubeConfigOptions {
        context: context.map(str::to_string),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kc, &options)
        .await
        .map_err(|source| ClusterError::Context {
            context: context.unwrap_or("(current)").to_string(),
            source,
        })?;
    kube::Client::try_from(config).map_err(ClusterError::Client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sim_and_current_give_the_same_kind_of_handle() {
        let sim = ClusterHandle::connect(&ClusterSpec {
            kind: ClusterKind::Sim,
            sim_profile: None,
            kubeconfig: None,
            context: None,
        })
        .await
        .unwrap();
        let path = sim.kubeconfig().unwrap().to_path_buf();
        let v = sim.client().apiserver_version().await.unwrap();
        assert_eq!(v.minor, "33");
        // The same cluster through its kubeconfig, as `--cluster current --kubeconfig` sees it.
        let current = ClusterHandle::connect(&ClusterSpec {
            kind: ClusterKind::Current,
            sim_profile: None,
            kubeconfig: Some(path.clone()),
            context: None,
        })
        .await
        .unwrap();
        assert_eq!(
            current
                .client()
                .apiserver_version()
                .await
                .unwrap()
                .git_version,
            v.git_version
        );
        assert_eq!(current.info().kind, "current");
        drop(current);
        drop(sim);
        assert!(
            !path.exists(),
            "the temporary kubeconfig goes with the simulated cluster"
        );
    }

    #[tokio::test]
    async fn a_missing_kubeconfig_is_a_clear_error() {
        let e = ClusterHandle::connect(&ClusterSpec {
            kind: ClusterKind::Current,
            sim_profile: None,
            kubeconfig: Some("/nonexistent/kubeconfig".into()),
            context: None,
        })
        .await
        .err()
        .unwrap();
        assert!(e.to_string().contains("/nonexistent/kubeconfig"), "{e}");
    }
}
