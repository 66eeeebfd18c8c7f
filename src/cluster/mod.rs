//! Where the cluster comes from: a kind cluster created (or reused) for the run, the simulated
//! cluster (started in-process on a loopback port), or the current kubeconfig context. This is
//! the one place outside `sim` that knows the simulator exists; everything after
//! [`ClusterHandle::connect`] sees a kube client and a kubeconfig, the same for all three.

pub(crate) mod kind;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) use kind::KindSpec;

use crate::report::{ClusterInfo, SimInfo};
use kube_sim::{SimCluster, SimProfile};

/// Which cluster a run uses (`--cluster`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClusterKind {
    /// A kind cluster: created for the run (or reused with `--reuse`), Gateway API, Istio and
    /// MetalLB installed, deleted at the end unless `--keep-cluster`.
    Kind,
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
    /// For `kind`: the cluster, Kubernetes and Istio versions; for `current --install`, the
    /// Istio release to install where missing.
    pub kind_spec: KindSpec,
    /// For `current`: install the Gateway API CRDs and Istio where they are missing.
    pub install: bool,
    /// The versions the command line named explicitly (`--istio`, `--kubernetes`). kind
    /// defaults what is not named (`kind_spec`); the simulator plays what is named or refuses.
    pub requested: RequestedVersions,
}

/// Versions named on the command line, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestedVersions {
    /// `--istio`: a minor (`1.27`) or an exact release (`1.27.3`).
    pub istio: Option<String>,
    /// `--kubernetes`: a minor (`1.33`).
    pub kubernetes: Option<String>,
}

impl ClusterSpec {
    /// A spec of `kind` with every other setting at its default.
    pub fn new(kind: ClusterKind) -> Self {
        Self {
            kind,
            sim_profile: None,
            kubeconfig: None,
            context: None,
            kind_spec: KindSpec::default(),
            install: false,
            requested: RequestedVersions::default(),
        }
    }
}

/// Why the cluster could not be reached (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(transparent)]
    Profile(#[from] kube_sim::ProfileError),
    #[error("failed to start the simulated cluster")]
    Sim(#[from] kube_sim::SimError),
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
    #[error("Istio {requested} is not a pinned release; use one of {supported}")]
    UnsupportedIstio {
        requested: String,
        supported: String,
    },
    #[error("Kubernetes {requested} cannot be used: {reason}")]
    UnsupportedKubernetes { requested: String, reason: String },
    #[error(transparent)]
    Docker(Box<crate::docker::DockerError>),
    #[error(transparent)]
    Kind(Box<crate::kind::KindError>),
    #[error(
        "a kind cluster named {name:?} already exists and this run did not create it; pass \
         --reuse to run on it, or --kind-name to create another"
    )]
    KindClusterExists { name: String },
    #[error("the download cache cannot be used")]
    Download(#[source] crate::provision::DownloadError),
    #[error(transparent)]
    Platform(crate::provision::UnsupportedPlatform),
    #[error(transparent)]
    Tool(Box<crate::provision::ToolError>),
    #[error("failed to install what the scenarios need: {0}")]
    Install(String),
    #[error("failed to delete the kind cluster: {0}")]
    Teardown(String),
    #[error("failed to install what the scenarios need")]
    InstallFailed(#[source] Box<crate::install::InstallError>),
}

impl ClusterError {
    /// Whether the user's input is at fault (a simulator profile that does not parse, an Istio
    /// or Kubernetes version that is not pinned), not the cluster: reported as bad input.
    pub(crate) fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ClusterError::Profile(_)
                | ClusterError::UnsupportedIstio { .. }
                | ClusterError::UnsupportedKubernetes { .. }
        )
    }
}

/// A connected cluster: a client, a kubeconfig path for tools that need one (kubectl in
/// diagnostics), and what the report says about it. Dropping it stops a simulated cluster and
/// removes a temporary kubeconfig.
pub(crate) struct ClusterHandle {
    client: kube::Client,
    kubeconfig: Option<PathBuf>,
    info: ClusterInfo,
    _sim: Option<SimCluster>,
    _dir: Option<tempfile::TempDir>,
    kind: Option<kind::KindBackend>,
}

impl ClusterHandle {
    pub(crate) async fn connect(spec: &ClusterSpec) -> Result<Self, ClusterError> {
        match spec.kind {
            ClusterKind::Kind => Self::kind(&spec.kind_spec).await,
            ClusterKind::Sim => Self::sim(spec.sim_profile.as_deref(), &spec.requested).await,
            ClusterKind::Current => {
                let handle = Self::current(spec).await?;
                if spec.install {
                    handle.install_missing(&spec.kind_spec).await?;
                }
                Ok(handle)
            }
        }
    }

    async fn kind(spec: &KindSpec) -> Result<Self, ClusterError> {
        let backend = kind::provision(spec).await?;
        let client = match client_from(backend.kubeconfig(), None).await {
            Ok(c) => c,
            Err(e) => {
                let _ = backend.finish(None).await;
                return Err(e);
            }
        };
        Ok(Self {
            client,
            kubeconfig: Some(backend.kubeconfig().to_path_buf()),
            info: ClusterInfo {
                kind: "kind".into(),
                name: format!("kind-{}", backend.name()),
                versions: Default::default(),
                sim: None,
            },
            _sim: None,
            _dir: None,
            kind: Some(backend),
        })
    }

    /// `--cluster current --install`: the Gateway API CRDs and Istio where missing (no load
    /// balancer: a real cluster has its own, or the port-forward fallback serves).
    async fn install_missing(&self, spec: &KindSpec) -> Result<(), ClusterError> {
        let (istio, _) = kind::pins_for(&KindSpec {
            kubernetes: None,
            ..spec.clone()
        })?;
        let downloader = crate::provision::Downloader::new(
            crate::provision::default_cache_dir().map_err(ClusterError::Download)?,
        )
        .map_err(ClusterError::Download)?;
        let platform = crate::provision::Platform::current().map_err(ClusterError::Platform)?;
        let tools = crate::provision::ToolResolver::new(&downloader, platform);
        let gateway_api = crate::provision::pins::gateway_api_artifact(istio.gateway_api)
            .ok_or_else(|| {
                ClusterError::Install(format!(
                    "no pinned Gateway API release {}",
                    istio.gateway_api
                ))
            })?;
        // istioctl needs a kubeconfig file; without --kubeconfig it reads $KUBECONFIG or ~/.kube/config.
        let kubeconfig = match &self.kubeconfig {
            Some(p) => p.clone(),
            None => std::env::var_os("KUBECONFIG")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kube/config")))
                .ok_or_else(|| ClusterError::Install("no kubeconfig file for istioctl".into()))?,
        };
        let plan = crate::install::InstallPlan {
            istio,
            gateway_api,
            load_balancer: None,
            timeout: Duration::from_secs(600),
        };
        let installed =
            crate::install::ensure(&self.client, &kubeconfig, &plan, &downloader, &tools)
                .await
                .map_err(|e| ClusterError::InstallFailed(Box::new(e)))?;
        tracing::info!(?installed, "install step done");
        Ok(())
    }

    /// Ends the use of the cluster: for kind, collects node logs into `artifacts` (when given)
    /// and deletes a cluster this run created unless it is kept. Returns what happened, for the
    /// console.
    pub(crate) async fn close(
        mut self,
        artifacts: Option<&Path>,
    ) -> Result<Option<String>, ClusterError> {
        match self.kind.take() {
            Some(backend) => {
                let name = backend.name().to_string();
                let t = backend.finish(artifacts).await?;
                Ok(Some(match t {
                    crate::kind::Teardown::Deleted => format!("kind cluster {name} deleted"),
                    crate::kind::Teardown::Kept => {
                        format!("kind cluster {name} kept (--keep-cluster)")
                    }
                    crate::kind::Teardown::LeftAsFound => {
                        format!("kind cluster {name} left as it was found (reused)")
                    }
                }))
            }
            None => Ok(None),
        }
    }

    async fn sim(
        profile: Option<&Path>,
        requested: &RequestedVersions,
    ) -> Result<Self, ClusterError> {
        let (profile, profile_name) = match profile {
            Some(p) => (SimProfile::load(p)?, p.display().to_string()),
            None => (SimProfile::default(), "default".to_string()),
        };
        let profile =
            profile.with_versions(requested.istio.as_deref(), requested.kubernetes.as_deref())?;
        let sim_info = SimInfo {
            profile: profile_name,
            deviations: profile.deviations(),
        };
        let sim =
            SimCluster::start(profile, std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let dir = private_tempdir("harness-").map_err(ClusterError::TempDir)?;
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
                sim: Some(sim_info),
            },
            _sim: Some(sim),
            _dir: Some(dir),
            kind: None,
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
                sim: None,
            },
            _sim: None,
            _dir: None,
            kind: None,
        })
    }

    pub(crate) fn client(&self) -> &kube::Client {
        &self.client
    }

    /// A kubeconfig file for this cluster, when there is one (always for `sim`).
    pub(crate) fn kubeconfig(&self) -> Option<&Path> {
        self.kubeconfig.as_deref()
    }

    pub(crate) fn info(&self) -> &ClusterInfo {
        &self.info
    }
}

/// A temporary directory only its owner can enter (0700), for kubeconfigs and kind configs.
pub(crate) fn private_tempdir(prefix: &str) -> std::io::Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new().prefix(prefix).tempdir()?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
    Ok(dir)
}

pub(crate) async fn client_from(
    path: &Path,
    context: Option<&str>,
) -> Result<kube::Client, ClusterError> {
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
        let sim = ClusterHandle::connect(&ClusterSpec::new(ClusterKind::Sim))
            .await
            .unwrap();
        let path = sim.kubeconfig().unwrap().to_path_buf();
        let v = sim.client().apiserver_version().await.unwrap();
        assert_eq!(v.minor, "33");
        let named = sim.info().sim.clone().unwrap();
        assert_eq!(
            (named.profile.as_str(), named.deviations.len()),
            ("default", 0)
        );
        // The same cluster through its kubeconfig, as `--cluster current --kubeconfig` sees it.
        let current = ClusterHandle::connect(&ClusterSpec {
            kubeconfig: Some(path.clone()),
            ..ClusterSpec::new(ClusterKind::Current)
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
        assert_eq!(
            current.info().sim,
            None,
            "only the simulator names a profile"
        );
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
            kubeconfig: Some("/nonexistent/kubeconfig".into()),
            ..ClusterSpec::new(ClusterKind::Current)
        })
        .await
        .err()
        .unwrap();
        assert!(e.to_string().contains("/nonexistent/kubeconfig"), "{e}");
    }

    /// `--istio` and `--kubernetes` with `--cluster sim` select what the simulator plays.
    #[tokio::test]
    async fn the_simulator_plays_the_requested_versions() {
        let spec = ClusterSpec {
            requested: RequestedVersions {
                istio: Some("1.25".into()),
                kubernetes: Some("1.30".into()),
            },
            ..ClusterSpec::new(ClusterKind::Sim)
        };
        let sim = ClusterHandle::connect(&spec)
            .await
            .expect("the simulator starts");
        let k = crate::kube::versions::kubernetes(sim.client())
            .await
            .unwrap();
        assert_eq!(k.minor, 30);
        let istio = crate::kube::versions::istio(sim.client()).await.unwrap();
        assert_eq!((istio.version.major, istio.version.minor), (1, 25));
    }
}
