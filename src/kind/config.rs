//! The kind cluster config (`kind.x-k8s.io/v1alpha4`), typed after kubernetes-sigs/kind
//! `pkg/apis/config/v1alpha4/types.go` (only the fields the harness sets), and the temp file it
//! is handed to `kind create cluster --config` in.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub(crate) const API_VERSION: &str = "kind.x-k8s.io/v1alpha4";
pub(crate) const KIND: &str = "Cluster";

/// Where etcd keeps its data inside the node container: `/tmp` is a tmpfs in kind nodes, so etcd
/// runs from RAM (istio/istio `prow/config/default.yaml`, "Run etcd in a tmpfs").
#[cfg(test)]
pub(crate) const ETCD_DATA_DIR: &str = "/tmp/kind-cluster-etcd";

/// The kubeadm patch Istio CI applies, in today's field names.
///
/// istio/istio `prow/config/default.yaml` writes `controllerManagerExtraArgs` /
/// `schedulerExtraArgs`, the kubeadm v1alpha3 spelling, which the v1beta3/v1beta4 configs kind
/// generates no longer have. Here they are `controllerManager.extraArgs` /
/// `scheduler.extraArgs`. The patch has no `apiVersion`, so kind applies it to whichever
/// kubeadm version it renders (v1beta3 below Kubernetes 1.36, v1beta4 from there), and for
/// v1beta4 it turns these maps into the `[{name, value}]` list form
/// (kind `pkg/internal/patch/kubeadm_merge.go`, `pkg/cluster/internal/kubeadm/config.go`).
///
/// Leader election is off because a single control plane has nobody to elect against; it only
/// costs API calls.
pub(crate) const ISTIO_CI_KUBEADM_PATCH: &str = "\
kind: ClusterConfiguration
etcd:
  local:
    dataDir: /tmp/kind-cluster-etcd
controllerManager:
  extraArgs:
    leader-elect: \"false\"
scheduler:
  extraArgs:
    leader-elect: \"false\"
";

/// A kind cluster config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClusterConfig {
    pub kind: String,
    pub api_version: String,
    /// The node list; kind's default is one control-plane node.
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub networking: Networking,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kubeadm_config_patches: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Node {
    pub role: NodeRole,
    /// The node image. `kind create cluster --image` overrides it for every node; it is set here
    /// too so the config file alone says what ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum NodeRole {
    ControlPlane,
    Worker,
}

/// `networking`; empty fields keep kind's defaults (pod subnet 10.244.0.0/16, service subnet
/// 10.96.0.0/16, kindnet CNI; kind `pkg/apis/config/v1alpha4/default.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Networking {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_family: Option<IpFamily>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_subnet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_subnet: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_default_cni: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum IpFamily {
    Ipv4,
    Ipv6,
    Dual,
}

/// The config could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("failed to serialize the kind config")]
    Serialize(#[source] serde_saphyr::SerializeError),
    #[error("failed to write the kind config to a temporary file in {dir}")]
    Write {
        dir: String,
        #[source]
        source: std::io::Error,
    },
}

impl ClusterConfig {
    /// One control-plane node plus `workers` workers, all on `node_image`, with Istio CI's
    /// kubeadm settings and an explicit IPv4 family (Istio CI sets `networking.ipFamily` from
    /// `KIND_IP_FAMILY`, default ipv4, `common/scripts/kind_provisioner.sh`).
    ///
    /// Istio CI's other settings are left out on purpose: its feature gates
    /// (`MixedProtocolLBService`, `GRPCContainerProbe`) are GA and removed in current
    /// Kubernetes, where naming them stops the API server; its containerd mirror serves images
    /// built in CI, which the harness does not build.
    pub(crate) fn istio_ci(node_image: &str, workers: usize) -> Self {
        let node = |role| Node {
            role,
            image: Some(node_image.to_string()),
        };
        let mut nodes = vec![node(NodeRole::ControlPlane)];
        nodes.extend((0..workers).map(|_| node(NodeRole::Worker)));
        Self {
            kind: KIND.to_string(),
            api_version: API_VERSION.to_string(),
            nodes,
            networking: Networking {
                ip_family: Some(IpFamily::Ipv4),
                ..Networking::default()
            },
            kubeadm_config_patches: vec![ISTIO_CI_KUBEADM_PATCH.to_string()],
        }
    }

    pub(crate) fn to_yaml(&self) -> Result<String, ConfigError> {
        serde_saphyr::to_string(self).map_err(ConfigError::Serialize)
    }

    /// Writes the config to a new temp file in `dir` (mode 0600, from `tempfile`), removed when
    /// the returned value is dropped.
    pub(crate) fn write_to(&self, dir: &Path) -> Result<ConfigFile, ConfigError> {
        let yaml = self.to_yaml()?;
        let write_err = |source| ConfigError::Write {
            dir: dir.display().to_string(),
            source,
        };
        let mut file = tempfile::Builder::new()
            .prefix("kind-config-")
            .suffix(".yaml")
            .tempfile_in(dir)
            .map_err(write_err)?;
        file.write_all(yaml.as_bytes()).map_err(write_err)?;
        file.flush().map_err(write_err)?;
        Ok(ConfigFile { file })
    }
}

/// A written kind config; the file is removed on drop.
#[derive(Debug)]
pub(crate) struct ConfigFile {
    file: tempfile::NamedTempFile,
}

impl ConfigFile {
    pub(crate) fn path(&self) -> &Path {
        self.file.path()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const IMAGE: &str = "kindest/node:v1.33.1@sha256:0000";

    /// The kubeadm patch as a kind would read it.
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct KubeadmPatch {
        kind: String,
        api_version: Option<String>,
        etcd: Etcd,
        controller_manager: Component,
        scheduler: Component,
    }
    #[derive(Debug, Deserialize)]
    struct Etcd {
        local: LocalEtcd,
    }
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct LocalEtcd {
        data_dir: String,
    }
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Component {
        extra_args: std::collections::BTreeMap<String, String>,
    }

    pub(crate) fn check_istio_ci_yaml(yaml: &str, image: &str, workers: usize) {
        let value: serde_json::Value = serde_saphyr::from_str(yaml).expect("valid YAML");
        assert_eq!(value["kind"], "Cluster");
        assert_eq!(value["apiVersion"], "kind.x-k8s.io/v1alpha4");
        let nodes = value["nodes"].as_array().expect("nodes");
        assert_eq!(nodes.len(), 1 + workers);
        assert_eq!(nodes[0]["role"], "control-plane");
        for worker in &nodes[1..] {
            assert_eq!(worker["role"], "worker");
        }
        for node in nodes {
            assert_eq!(node["image"], image);
        }
        assert_eq!(value["networking"]["ipFamily"], "ipv4");
        let patches = value["kubeadmConfigPatches"].as_array().expect("patches");
        assert_eq!(patches.len(), 1);
        let patch: KubeadmPatch =
            serde_saphyr::from_str(patches[0].as_str().expect("string")).expect("patch YAML");
        assert_eq!(patch.kind, "ClusterConfiguration");
        assert_eq!(patch.api_version, None, "must match every kubeadm version");
        assert_eq!(patch.etcd.local.data_dir, ETCD_DATA_DIR);
        assert_eq!(patch.controller_manager.extra_args["leader-elect"], "false");
        assert_eq!(patch.scheduler.extra_args["leader-elect"], "false");
    }

    #[test]
    fn istio_ci_config_round_trips() {
        let config = ClusterConfig::istio_ci(IMAGE, 2);
        let yaml = config.to_yaml().expect("serializes");
        check_istio_ci_yaml(&yaml, IMAGE, 2);
        let back: ClusterConfig = serde_saphyr::from_str(&yaml).expect("parses");
        assert_eq!(back, config);
    }

    #[test]
    fn single_node_by_default_shape() {
        let config = ClusterConfig::istio_ci(IMAGE, 0);
        assert_eq!(config.nodes.len(), 1);
        let yaml = config.to_yaml().expect("serializes");
        check_istio_ci_yaml(&yaml, IMAGE, 0);
        assert!(!yaml.contains("disableDefaultCNI"), "{yaml}");
    }

    #[test]
    fn file_is_private_and_removed_on_drop() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let file = ClusterConfig::istio_ci(IMAGE, 0)
            .write_to(dir.path())
            .expect("written");
        let path = file.path().to_path_buf();
        let mode = std::fs::metadata(&path)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let text = std::fs::read_to_string(&path).expect("readable");
        check_istio_ci_yaml(&text, IMAGE, 0);
        drop(file);
        assert!(!path.exists());
    }
}
