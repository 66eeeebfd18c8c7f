//! `--cluster kind`: Docker checked first, kind taken from PATH or a verified download, the
//! cluster created (or reused by name) with an isolated kubeconfig, the images the scenarios
//! and Istio run pre-loaded into every node, then Gateway API CRDs, Istio and MetalLB
//! installed where missing ([`crate::install`]).
//!
//! Deleting a cluster runs a process, so it happens in [`KindBackend::finish`], not in `Drop`;
//! for Ctrl-C, the name of a cluster this process is creating is kept in [`created_cluster`]
//! so that the signal handler can delete it even after the run future is gone.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use crate::docker::{Docker, Requirements};
use crate::install::{InstallPlan, Installed, LoadBalancer};
use crate::kind::{CreateOptions, Kind, KindCluster, Teardown};
use crate::provision::{Downloader, IstioPin, KubeMinor, NodeImage, Platform, ToolResolver, pins};

use super::ClusterError;

/// What `--cluster kind` (and `harness up`) was asked for.
#[derive(Debug, Clone)]
pub struct KindSpec {
    /// The kind cluster's name (`--kind-name`).
    pub name: String,
    /// The Istio release: a pinned minor (`1.27`) or exact version (`1.27.3`).
    pub istio: String,
    /// The Kubernetes minor of the node image (`1.33`); default: the newest pinned one the
    /// Istio release supports.
    pub kubernetes: Option<String>,
    /// Use an existing cluster of that name instead of refusing to touch it.
    pub reuse: bool,
    /// Keep a cluster this run created (`--keep-cluster`).
    pub keep: bool,
    /// Pre-load images into the nodes (off with `--no-preload`).
    pub preload: bool,
    /// Install MetalLB so that Gateways get an address (off with `--load-balancer none`, for
    /// a cluster that has one, e.g. cloud-provider-kind, or to use the port-forward fallback).
    pub load_balancer: bool,
}

impl Default for KindSpec {
    fn default() -> Self {
        Self {
            name: crate::kind::cluster::DEFAULT_CLUSTER_NAME.into(),
            istio: DEFAULT_ISTIO.into(),
            kubernetes: None,
            reuse: false,
            keep: false,
            preload: true,
            load_balancer: true,
        }
    }
}

/// The default `--istio`: the newest release on which the blog's VirtualService can still bind
/// to a Gateway API gateway's internal name (as the simulator's default profile).
pub(crate) const DEFAULT_ISTIO: &str = "1.27";

/// Docker must offer at least this much: kind's control plane plus istiod and the samples.
pub(crate) const REQUIREMENTS: Requirements = Requirements {
    min_cpus: 2,
    min_memory_bytes: 4 << 30,
};

/// How long each install wait may take (image pulls on a cold node dominate).
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);

/// A provisioned kind cluster and what it takes to tear it down.
pub(crate) struct KindBackend {
    cluster: KindCluster,
    docker: Docker,
    /// Holds the isolated kubeconfig.
    _dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    pub installed: Installed,
    pub istio: &'static IstioPin,
}

/// The kind cluster this process is creating or created and must delete on Ctrl-C (kind binary,
/// cluster name), unless kept.
static CREATED: Mutex<Option<(PathBuf, String)>> = Mutex::new(None);

/// The cluster a signal handler must delete, if any (see the module docs).
pub(crate) fn created_cluster() -> Option<(PathBuf, String)> {
    CREATED.lock().ok().and_then(|c| c.clone())
}

fn set_created(value: Option<(PathBuf, String)>) {
    if let Ok(mut c) = CREATED.lock() {
        *c = value;
    }
}

/// Deletes a cluster by name with its own throw-away kubeconfig (the run's may be gone).
pub(crate) async fn delete_by_name(kind_binary: &Path, name: &str) -> Result<(), String> {
    let dir = super::private_tempdir("harness-kind-").map_err(|e| e.to_string())?;
    let kind = Kind::new(kind_binary, dir.path().join("kubeconfig"));
    kind.delete_command(name)
        .run()
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Exports the kubeconfig of an existing cluster into a fresh temporary directory (for the
/// signal handler's namespace cleanup on a reused cluster, and for `harness up`).
pub(crate) async fn export_kubeconfig(name: &str) -> Result<(tempfile::TempDir, PathBuf), String> {
    let kind = resolve_kind().await.map_err(|e| e.to_string())?;
    let dir = super::private_tempdir("harness-kind-").map_err(|e| e.to_string())?;
    let path = dir.path().join("kubeconfig");
    Kind::new(&kind, &path)
        .export_kubeconfig_command(name)
        .run()
        .await
        .map_err(|e| e.to_string())?;
    Ok((dir, path))
}

/// The kind binary: from PATH when recent enough, else the verified download (cached).
pub(crate) async fn resolve_kind() -> Result<PathBuf, ClusterError> {
    let downloader =
        Downloader::new(crate::provision::default_cache_dir().map_err(ClusterError::Download)?)
            .map_err(ClusterError::Download)?;
    let platform = Platform::current().map_err(ClusterError::Platform)?;
    let tool = ToolResolver::new(&downloader, platform)
        .kind()
        .await
        .map_err(|e| ClusterError::Tool(Box::new(e)))?;
    Ok(tool.path)
}

/// `harness down`: deletes the named cluster if it exists; says whether it did.
pub(crate) async fn delete_if_present(name: &str) -> Result<bool, ClusterError> {
    crate::kind::cluster::validate_name(name).map_err(|e| ClusterError::Kind(Box::new(e)))?;
    let kind_binary = resolve_kind().await?;
    let dir = super::private_tempdir("harness-kind-").map_err(ClusterError::TempDir)?;
    let kind = Kind::new(&kind_binary, dir.path().join("kubeconfig"));
    if !kind
        .get_clusters()
        .await
        .map_err(|e| ClusterError::Kind(Box::new(e)))?
        .iter()
        .any(|c| c == name)
    {
        return Ok(false);
    }
    delete_by_name(&kind_binary, name)
        .await
        .map_err(ClusterError::Teardown)?;
    Ok(true)
}

/// Resolves the Istio pin and the node image for a spec (no side effects).
pub(crate) fn pins_for(
    spec: &KindSpec,
) -> Result<(&'static IstioPin, &'static NodeImage), ClusterError> {
    let istio = pins::istio(&spec.istio).ok_or_else(|| ClusterError::UnsupportedIstio {
        requested: spec.istio.clone(),
        supported: pins::ISTIO
            .iter()
            .map(|p| p.version)
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    let image = match &spec.kubernetes {
        Some(k) => {
            let minor = KubeMinor::parse(k).ok_or_else(|| ClusterError::UnsupportedKubernetes {
                requested: k.clone(),
                reason: "not a MAJOR.MINOR version".into(),
            })?;
            if !istio.kubernetes.contains(minor) {
                return Err(ClusterError::UnsupportedKubernetes {
                    requested: k.clone(),
                    reason: format!(
                        "Istio {} supports Kubernetes {} to {}",
                        istio.version, istio.kubernetes.min, istio.kubernetes.max
                    ),
                });
            }
            pins::node_image(minor).ok_or_else(|| ClusterError::UnsupportedKubernetes {
                requested: k.clone(),
                reason: format!(
                    "no pinned kind node image; pinned: {}",
                    pins::NODE_IMAGES
                        .iter()
                        .map(|n| n.minor.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?
        }
        // Kubernetes >= 1.30 where possible: older API servers speak exec protocol v4 only.
        None => pins::NODE_IMAGES
            .iter()
            .filter(|n| istio.kubernetes.contains(n.minor))
            .max_by_key(|n| n.minor)
            .ok_or_else(|| ClusterError::UnsupportedKubernetes {
                requested: format!("(default for Istio {})", istio.version),
                reason: "no pinned node image in the supported range".into(),
            })?,
    };
    Ok((istio, image))
}

/// Brings up (or reuses) the cluster and installs what the scenarios need.
pub(crate) async fn provision(spec: &KindSpec) -> Result<KindBackend, ClusterError> {
    let (istio, node_image) = pins_for(spec)?;
    crate::kind::cluster::validate_name(&spec.name).map_err(|e| ClusterError::Kind(Box::new(e)))?;
    let docker = Docker::connect()
        .await
        .map_err(|e| ClusterError::Docker(Box::new(e)))?;
    let engine = docker
        .check(&REQUIREMENTS)
        .await
        .map_err(|e| ClusterError::Docker(Box::new(e)))?;
    tracing::info!(server = %engine.server_version, api = %engine.api_version, cpus = engine.cpus, "Docker engine");
    let downloader =
        Downloader::new(crate::provision::default_cache_dir().map_err(ClusterError::Download)?)
            .map_err(ClusterError::Download)?;
    let platform = Platform::current().map_err(ClusterError::Platform)?;
    let tools = ToolResolver::new(&downloader, platform);
    let kind_tool = tools
        .kind()
        .await
        .map_err(|e| ClusterError::Tool(Box::new(e)))?;

    let dir = super::private_tempdir("harness-kind-").map_err(ClusterError::TempDir)?;
    let kubeconfig = dir.path().join("kubeconfig");
    let kind = Kind::new(&kind_tool.path, &kubeconfig);
    let existing = kind
        .get_clusters()
        .await
        .map_err(|e| ClusterError::Kind(Box::new(e)))?;
    let cluster = if existing.contains(&spec.name) {
        if !spec.reuse {
            return Err(ClusterError::KindClusterExists {
                name: spec.name.clone(),
            });
        }
        KindCluster::reuse(kind, &spec.name)
            .await
            .map_err(|e| ClusterError::Kind(Box::new(e)))?
    } else {
        if !spec.keep {
            set_created(Some((kind_tool.path.clone(), spec.name.clone())));
        }
        let mut options = CreateOptions::new(&spec.name, node_image.image);
        options.keep = spec.keep;
        tracing::info!(cluster = %spec.name, image = %node_image.image, "creating kind cluster");
        KindCluster::create(kind, &options, dir.path())
            .await
            .map_err(|e| ClusterError::Kind(Box::new(e)))?
    };
    let mut backend = KindBackend {
        cluster,
        docker,
        _dir: dir,
        kubeconfig,
        installed: Installed {
            gateway_api: crate::install::Action::Present(String::new()),
            istio: crate::install::Action::Present(String::new()),
            load_balancer: None,
        },
        istio,
    };
    // From here on a failure must still tear down what was created.
    match backend.prepare(spec, &downloader, &tools).await {
        Ok(()) => Ok(backend),
        Err(e) => {
            if let Err(t) = backend.finish(None).await {
                tracing::warn!(error = %t, "tearing down after a failed set-up");
            }
            Err(e)
        }
    }
}

impl KindBackend {
    async fn prepare(
        &mut self,
        spec: &KindSpec,
        downloader: &Downloader,
        tools: &ToolResolver<'_>,
    ) -> Result<(), ClusterError> {
        let lb_images: Vec<String> = pins::METALLB.images.iter().map(|s| s.to_string()).collect();
        if spec.preload {
            let mut images = fixture_images();
            images.extend(crate::install::istio_images(self.istio));
            images.extend(lb_images);
            self.preload(&images).await;
        }
        let load_balancer = if spec.load_balancer {
            Some(self.metallb().await?)
        } else {
            None
        };
        let gateway_api = pins::gateway_api_artifact(self.istio.gateway_api).ok_or_else(|| {
            ClusterError::Install(format!(
                "no pinned Gateway API release {}",
                self.istio.gateway_api
            ))
        })?;
        let plan = InstallPlan {
            istio: self.istio,
            gateway_api,
            load_balancer,
            timeout: INSTALL_TIMEOUT,
        };
        let client = super::client_from(&self.kubeconfig, None).await?;
        self.installed =
            crate::install::ensure(&client, &self.kubeconfig, &plan, downloader, tools)
                .await
                .map_err(|e| ClusterError::InstallFailed(Box::new(e)))?;
        Ok(())
    }

    /// MetalLB with an address pool from the tail of the kind network, as Istio's CI does
    /// (common/scripts/kind_provisioner.sh): the addresses are reachable from the Linux host.
    async fn metallb(&self) -> Result<LoadBalancer, ClusterError> {
        let subnet = self
            .docker
            .kind_ipv4_subnets()
            .await
            .map_err(|e| ClusterError::Docker(Box::new(e)))?
            .into_iter()
            .next()
            .ok_or_else(|| ClusterError::Install("the kind network has no IPv4 subnet".into()))?;
        let pool = crate::kind::metallb::manifest_for_subnet(&subnet.to_string())
            .map_err(|e| ClusterError::Install(e.to_string()))?;
        Ok(LoadBalancer {
            manifest: pins::metallb_artifact(),
            pool,
        })
    }

    /// Pre-loads images into the nodes, best effort: a node that lacks one pulls it itself.
    async fn preload(&self, images: &[String]) {
        let options = crate::docker::PreloadOptions::default();
        for image in images {
            match self
                .docker
                .preload_into_cluster(self.cluster.name(), std::slice::from_ref(image), &options)
                .await
            {
                Ok(loads) => tracing::info!(%image, nodes = loads.len(), "pre-loaded"),
                Err(e) => {
                    tracing::warn!(%image, error = %e, "not pre-loaded; the nodes will pull it")
                }
            }
        }
    }

    pub(crate) fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    pub(crate) fn name(&self) -> &str {
        self.cluster.name()
    }

    /// Collects node logs (kind's export and each node container's log through Docker) into
    /// `dir`; best effort, returns what was written.
    pub(crate) async fn collect_logs(&self, dir: &Path) -> Vec<PathBuf> {
        let mut written = Vec::new();
        let kind_dir = dir.join("kind-logs");
        match self.cluster.export_logs(&kind_dir).await {
            Ok(()) => written.push(kind_dir),
            Err(e) => tracing::warn!(error = %e, "kind export logs failed"),
        }
        if let Ok(nodes) = self.docker.kind_nodes(self.cluster.name()).await {
            for node in nodes {
                let path = dir.join("nodes").join(format!("{}.log", node.name));
                match self.docker.logs(&node.name, &path).await {
                    Ok(_) => written.push(path),
                    Err(e) => {
                        tracing::warn!(node = %node.name, error = %e, "node log not collected")
                    }
                }
            }
        }
        written
    }

    /// Collects logs into `artifacts` (when given) and deletes the cluster if this run created
    /// it and was not asked to keep it.
    pub(crate) async fn finish(self, artifacts: Option<&Path>) -> Result<Teardown, ClusterError> {
        if let Some(dir) = artifacts {
            self.collect_logs(dir).await;
        }
        let teardown = self
            .cluster
            .finish()
            .await
            .map_err(|e| ClusterError::Teardown(e.to_string()))?;
        set_created(None);
        Ok(teardown)
    }
}

/// The images of the sample apps (`fixtures/apps`), read from the manifests built into the
/// binary so that the list cannot drift from the fixtures.
pub(crate) fn fixture_images() -> Vec<String> {
    const FIXTURES: &[&str] = &[
        include_str!("../../fixtures/apps/helloworld.yaml"),
        include_str!("../../fixtures/apps/helloworld-versions.yaml"),
        include_str!("../../fixtures/apps/sleep.yaml"),
        include_str!("../../fixtures/apps/httpbin.yaml"),
    ];
    let mut images: Vec<String> = Vec::new();
    for text in FIXTURES {
        let Ok(objects) = crate::kube::manifest::parse_yaml(text) else {
            continue;
        };
        for o in objects {
            let containers = o
                .pointer("/spec/template/spec/containers")
                .and_then(|c| c.as_array())
                .cloned()
                .unwrap_or_default();
            for c in containers {
                if let Some(i) = c.get("image").and_then(|i| i.as_str())
                    && !images.iter().any(|x| x == i)
                {
                    images.push(i.to_string());
                }
            }
        }
    }
    images
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_images_are_read_from_the_fixtures() {
        let images = fixture_images();
        assert!(
            images.contains(&"curlimages/curl:8.16.0".to_string()),
            "{images:?}"
        );
        assert!(images.iter().any(|i| i.contains("examples-helloworld-v1")));
        assert!(images.iter().any(|i| i.contains("examples-helloworld-v2")));
        assert!(images.iter().any(|i| i.contains("go-httpbin")));
        assert_eq!(images.len(), 4);
    }

    #[test]
    fn the_default_node_image_is_the_newest_the_istio_release_supports() {
        let (istio, image) = pins_for(&KindSpec::default()).unwrap();
        assert!(istio.version.starts_with("1.27."));
        assert!(istio.kubernetes.contains(image.minor));
        assert!(
            pins::NODE_IMAGES
                .iter()
                .filter(|n| istio.kubernetes.contains(n.minor))
                .all(|n| n.minor <= image.minor)
        );
        // 1.24 stops at Kubernetes 1.31.
        let spec = KindSpec {
            istio: "1.24".into(),
            ..KindSpec::default()
        };
        assert_eq!(pins_for(&spec).unwrap().1.minor, KubeMinor::new(1, 31));
    }

    #[test]
    fn unsupported_versions_are_clear_errors() {
        let spec = KindSpec {
            istio: "1.19".into(),
            ..KindSpec::default()
        };
        let e = pins_for(&spec).err().unwrap().to_string();
        assert!(e.contains("1.19") && e.contains("1.27."), "{e}");
        let spec = KindSpec {
            istio: "1.24".into(),
            kubernetes: Some("1.33".into()),
            ..KindSpec::default()
        };
        let e = pins_for(&spec).err().unwrap().to_string();
        assert!(e.contains("supports Kubernetes 1.28 to 1.31"), "{e}");
    }
}
