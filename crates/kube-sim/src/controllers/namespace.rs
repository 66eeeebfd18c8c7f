//! Namespaces: a new one gets its `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap
//! (the serviceaccount and root-ca-cert-publisher controllers); a terminating one loses all its
//! content and then disappears (the namespace controller's finalizer `kubernetes`).

use std::sync::Arc;

use serde_json::{Value, json};

use super::MANAGER;
use crate::cluster::Cluster;
use crate::store::EventType;

pub(super) fn reconcile(cluster: &Arc<Cluster>, name: &str, ns: &Value, kind: EventType) {
    if kind == EventType::Deleted {
        return;
    }
    if ns["metadata"]["deletionTimestamp"].is_string() {
        finalize(cluster, name);
        return;
    }
    let registry = cluster.registry().clone();
    if let Some(sa) = registry.get("", "v1", "serviceaccounts")
        && cluster.store.get(&sa.key(), name, "default").is_none()
    {
        let _ = cluster.create(
            &sa,
            name,
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}),
            Some(MANAGER),
        );
    }
    if let Some(cm) = registry.get("", "v1", "configmaps")
        && cluster
            .store
            .get(&cm.key(), name, "kube-root-ca.crt")
            .is_none()
    {
        let _ = cluster.create(&cm, name, json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "kube-root-ca.crt", "annotations": {"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."}},
                "data": {"ca.crt": cluster.ca_pem()}}), Some(MANAGER));
    }
}

fn finalize(cluster: &Arc<Cluster>, name: &str) {
    let registry = cluster.registry().clone();
    for key in cluster.store.keys_with_objects_in(name) {
        let Some(rt) = registry.preferred_for(&key) else {
            continue;
        };
        for obj in cluster.store.list(&key, Some(name)).0 {
            let n = obj["metadata"]["name"].as_str().unwrap_or_default();
            cluster.remove(&rt, name, n);
        }
    }
    if let Some(rt) = registry.get("", "v1", "namespaces") {
        cluster.remove(&rt, "", name);
    }
}
