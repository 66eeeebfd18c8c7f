//! The simulated kube-controller-manager: controllers that react to store events and write
//! through the same API operations as clients, under their real field-manager names.

mod deployment;
mod endpoints;

mod namespace;

use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;

use super::cluster::Cluster;
use super::registry::ResourceKey;
use super::store::StoredEvent;

/// The field manager of kube-controller-manager's writes.
pub(crate) const MANAGER: &str = "kube-controller-manager";

/// Runs every controller until the cluster's store is dropped. A controller that falls behind
/// the event feed resynchronises from a full list, as informers do after a relist.
pub(crate) async fn run(cluster: Arc<Cluster>) {
    let mut feed = cluster.store.subscribe();
    resync(&cluster);
    loop {
        match feed.recv().await {
            Ok(e) => react(&cluster, &e),
            Err(RecvError::Lagged(_)) => resync(&cluster),
            Err(RecvError::Closed) => return,
        }
    }
}

fn react(cluster: &Arc<Cluster>, e: &StoredEvent) {
    match (e.key.group.as_str(), e.key.plural.as_str()) {
        ("apps", "deployments") => deployment::reconcile_deployment(cluster, &e.namespace, &e.name),
        ("apps", "replicasets") => {
            deployment::reconcile_replicaset(cluster, &e.namespace, &e.name);
            deployment::reconcile_owner(cluster, &e.namespace, &e.object);
        }
        ("", "pods") => {
            deployment::reconcile_pod_owner(cluster, &e.namespace, &e.object);
            endpoints::reconcile_namespace(cluster, &e.namespace);
        }
        ("", "services") => endpoints::reconcile_namespace(cluster, &e.namespace),
        ("", "namespaces") => namespace::reconcile(cluster, &e.name, &e.object, e.kind),
        _ => {}
    }
}

fn resync(cluster: &Arc<Cluster>) {
    for (key, f) in [
        (
            ResourceKey::new("apps", "deployments"),
            deployment::reconcile_deployment as fn(&Arc<Cluster>, &str, &str),
        ),
        (
            ResourceKey::new("apps", "replicasets"),
            deployment::reconcile_replicaset,
        ),
    ] {
        for o in cluster.store.list(&key, None).0 {
            f(
                cluster,
                o["metadata"]["namespace"].as_str().unwrap_or_default(),
                o["metadata"]["name"].as_str().unwrap_or_default(),
            );
        }
    }
    for ns in cluster
        .store
        .list(&ResourceKey::new("", "namespaces"), None)
        .0
    {
        let name = ns["metadata"]["name"].as_str().unwrap_or_default();
        namespace::reconcile(cluster, name, &ns, super::store::EventType::Modified);
        endpoints::reconcile_namespace(cluster, name);
    }
}
