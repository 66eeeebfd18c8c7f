//! Finding kind's node containers by the labels kind puts on them.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use bollard::query_parameters::ListContainersOptionsBuilder;

use super::{Docker, DockerError, Result};

/// Label kind sets on every node container, valued with the cluster name
/// (kind: pkg/cluster/internal/providers/docker/constants.go, `clusterLabelKey`).
pub(crate) const CLUSTER_LABEL: &str = "io.x-k8s.kind.cluster";

/// Label kind sets to the node's role (same file, `nodeRoleLabelKey`).
pub(crate) const ROLE_LABEL: &str = "io.x-k8s.kind.role";

/// A node's role, from the values in kind's pkg/cluster/constants/constants.go.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeRole {
    ControlPlane,
    Worker,
    ExternalLoadBalancer,
    ExternalEtcd,
    /// A label value this code does not know (or no role label at all: empty).
    Other(String),
}

impl NodeRole {
    /// Parses the `io.x-k8s.kind.role` label value.
    pub fn from_label(value: &str) -> NodeRole {
        match value {
            "control-plane" => NodeRole::ControlPlane,
            "worker" => NodeRole::Worker,
            "external-load-balancer" => NodeRole::ExternalLoadBalancer,
            "external-etcd" => NodeRole::ExternalEtcd,
            other => NodeRole::Other(other.to_string()),
        }
    }

    /// The label value kind uses for this role.
    pub fn as_label(&self) -> &str {
        match self {
            NodeRole::ControlPlane => "control-plane",
            NodeRole::Worker => "worker",
            NodeRole::ExternalLoadBalancer => "external-load-balancer",
            NodeRole::ExternalEtcd => "external-etcd",
            NodeRole::Other(v) => v,
        }
    }

    /// Whether the node runs a kubelet and so needs preloaded images (kind loads images into
    /// its "internal" nodes, i.e. not the external load balancer).
    pub fn runs_kubelet(&self) -> bool {
        matches!(self, NodeRole::ControlPlane | NodeRole::Worker)
    }
}

impl fmt::Display for NodeRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_label())
    }
}

/// One kind node container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindNode {
    /// Container name without Docker's leading `/`, e.g. `kind-control-plane`.
    pub name: String,
    pub id: String,
    pub role: NodeRole,
    /// Docker's container state: `running`, `exited`, `created`, ...
    pub state: String,
}

impl KindNode {
    pub fn is_running(&self) -> bool {
        self.state == "running"
    }
}

impl Docker {
    /// The node containers of kind cluster `cluster` (stopped ones too), sorted by name; empty
    /// when there is no such cluster.
    pub async fn kind_nodes(&self, cluster: &str) -> Result<Vec<KindNode>> {
        let filter = format!("{CLUSTER_LABEL}={cluster}");
        let containers = self
            .containers_labelled(&filter, "list kind node containers")
            .await?;
        let mut nodes: Vec<KindNode> = containers
            .into_iter()
            .map(|c| {
                let name = c
                    .names
                    .as_ref()
                    .and_then(|n| n.first())
                    .map(|n| n.trim_start_matches('/').to_string())
                    .unwrap_or_default();
                let role = c
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(ROLE_LABEL))
                    .map(|r| NodeRole::from_label(r))
                    .unwrap_or_else(|| NodeRole::Other(String::new()));
                KindNode {
                    name,
                    id: c.id.unwrap_or_default(),
                    role,
                    state: c.state.map(|s| s.to_string()).unwrap_or_default(),
                }
            })
            .collect();
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(nodes)
    }

    /// Names of the kind clusters that have containers on this engine, sorted, as
    /// `kind get clusters` lists them.
    pub async fn kind_clusters(&self) -> Result<Vec<String>> {
        let containers = self
            .containers_labelled(CLUSTER_LABEL, "list kind clusters")
            .await?;
        let names: BTreeSet<String> = containers
            .into_iter()
            .filter_map(|c| c.labels.and_then(|mut l| l.remove(CLUSTER_LABEL)))
            .collect();
        Ok(names.into_iter().collect())
    }

    /// Every container (stopped ones too) matching a label filter (`key` or `key=value`).
    async fn containers_labelled(
        &self,
        label: &str,
        action: &'static str,
    ) -> Result<Vec<bollard::models::ContainerSummary>> {
        let filters = HashMap::from([("label", vec![label])]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        self.api
            .list_containers(Some(options))
            .await
            .map_err(|source| DockerError::Api { action, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::testkit::TestRun;

    #[test]
    fn roles_round_trip() {
        for label in [
            "control-plane",
            "worker",
            "external-load-balancer",
            "external-etcd",
        ] {
            assert_eq!(NodeRole::from_label(label).as_label(), label);
        }
        assert_eq!(NodeRole::from_label("x"), NodeRole::Other("x".into()));
        assert!(!NodeRole::ExternalLoadBalancer.runs_kubelet());
    }

    #[tokio::test]
    async fn nodes_found_by_cluster_label_with_roles() {
        let Some(run) = TestRun::start("nodes").await else {
            return;
        };
        let image = run.node_image().await;
        let cluster = run.cluster_name();
        let cp = run.run_node(&image, &cluster, "control-plane").await;
        let worker = run.run_node(&image, &cluster, "worker").await;
        // Another "cluster" of the same run must not leak into the first one's list.
        let other = format!("{cluster}-other");
        run.run_node(&image, &other, "worker").await;

        let nodes = run.docker.kind_nodes(&cluster).await.expect("list nodes");
        let found: Vec<(&str, &NodeRole)> =
            nodes.iter().map(|n| (n.name.as_str(), &n.role)).collect();
        assert_eq!(
            found,
            vec![
                (cp.as_str(), &NodeRole::ControlPlane),
                (worker.as_str(), &NodeRole::Worker)
            ]
        );
        assert!(
            nodes.iter().all(|n| n.is_running() && !n.id.is_empty()),
            "{nodes:?}"
        );

        let clusters = run.docker.kind_clusters().await.expect("list clusters");
        assert!(clusters.contains(&cluster), "{clusters:?}");
        assert!(clusters.contains(&other), "{clusters:?}");

        let none = run
            .docker
            .kind_nodes(&format!("{cluster}-absent"))
            .await
            .expect("list");
        assert!(none.is_empty());
    }
}
