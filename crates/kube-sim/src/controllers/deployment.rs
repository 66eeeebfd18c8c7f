//! Deployment → ReplicaSet → Pods, with the names, labels, annotations and status fields that
//! `kubectl rollout status` and `kubectl wait --for=condition=Available` read
//! (kubernetes pkg/controller/deployment, pkg/controller/replicaset).

use std::sync::Arc;

use serde_json::{Value, json};

use super::MANAGER;
use crate::cluster::Cluster;
use crate::objects::{WriteScope, now_rfc3339};
use crate::registry::{ResourceKey, ResourceType};

fn rt(cluster: &Cluster, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceType>> {
    cluster.registry().get(group, version, plural)
}

/// `pod-template-hash`: FNV-32a of the template, its decimal digits mapped onto the
/// vowel-free alphabet (pkg/controller/controller_utils.go ComputeHash + rand.SafeEncodeString).
pub(super) fn pod_template_hash(template: &Value) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut h: u32 = 0x811c_9dc5;
    for b in serde_json::to_vec(template).unwrap_or_default() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h.to_string()
        .bytes()
        .map(|b| ALPHABET[b as usize % ALPHABET.len()] as char)
        .collect()
}

fn owned_by<'a>(objs: &'a [Arc<Value>], uid: &Value) -> Vec<&'a Arc<Value>> {
    objs.iter()
        .filter(|o| {
            o["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|r| {
                    r.iter()
                        .any(|r| r["uid"] == *uid && r["controller"] == true)
                })
        })
        .collect()
}

fn owner_ref(owner: &Value, api_version: &str, kind: &str) -> Value {
    json!([{
        "apiVersion": api_version, "kind": kind,
        "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
        "controller": true, "blockOwnerDeletion": true,
    }])
}

fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    }) && pod["metadata"]["deletionTimestamp"].is_null()
}

fn name(o: &Value) -> &str {
    o["metadata"]["name"].as_str().unwrap_or_default()
}

pub(super) fn reconcile_deployment(cluster: &Arc<Cluster>, ns: &str, dname: &str) {
    let (Some(drt), Some(rsrt)) = (
        rt(cluster, "apps", "v1", "deployments"),
        rt(cluster, "apps", "v1", "replicasets"),
    ) else {
        return;
    };
    let Some(d) = cluster.store.get(&drt.key(), ns, dname) else {
        return;
    };
    if d["metadata"]["deletionTimestamp"].is_string() {
        return;
    }
    let desired = d["spec"]["replicas"].as_i64().unwrap_or(1).max(0);
    let template = d["spec"]["template"].clone();
    let hash = pod_template_hash(&template);
    let all_rs = cluster.store.list(&rsrt.key(), Some(ns)).0;
    let owned = owned_by(&all_rs, &d["metadata"]["uid"]);
    let revision = |rs: &Value| -> i64 {
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
            .as_str()
            .and_then(|r| r.parse().ok())
            .unwrap_or(0)
    };
    let max_rev = owned.iter().map(|r| revision(r)).max().unwrap_or(0);
    let current = owned
        .iter()
        .find(|r| r["metadata"]["labels"]["pod-template-hash"] == hash.as_str())
        .map(|r| (*r).clone());
    let new_rs = match current {
        Some(rs) => {
            if rs["spec"]["replicas"].as_i64() != Some(desired) {
                let mut o = (*rs).clone();
                o["spec"]["replicas"] = json!(desired);
                let _ = cluster.update(&rsrt, ns, name(&rs), o, WriteScope::Main, Some(MANAGER));
            }
            cluster.store.get(&rsrt.key(), ns, name(&rs)).unwrap_or(rs)
        }
        None => {
            let mut tmpl = template.clone();
            tmpl["metadata"]["labels"]["pod-template-hash"] = json!(hash);
            let mut selector = d["spec"]["selector"].clone();
            selector["matchLabels"]["pod-template-hash"] = json!(hash);
            let mut labels = template["metadata"]["labels"].clone();
            labels["pod-template-hash"] = json!(hash);
            let rs = json!({
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {
                    "name": format!("{dname}-{hash}"), "namespace": ns, "labels": labels,
                    "annotations": {
                        "deployment.kubernetes.io/revision": (max_rev + 1).to_string(),
                        "deployment.kubernetes.io/desired-replicas": desired.to_string(),
                        "deployment.kubernetes.io/max-replicas": (desired + 1).to_string(),
                    },
                    "ownerReferences": owner_ref(&d, "apps/v1", "Deployment"),
                },
                "spec": {"replicas": desired, "selector": selector, "template": tmpl},
            });
            match cluster.create(&rsrt, ns, rs, Some(MANAGER)) {
                Ok(rs) => rs,
                Err(e) => {
                    tracing::debug!(error = %e, "creating a ReplicaSet failed");
                    return;
                }
            }
        }
    };
    // Old ReplicaSets are scaled down once the new one is fully available (a rolling update
    // that keeps the old pods serving until then).
    let new_available = new_rs["status"]["availableReplicas"].as_i64().unwrap_or(0);
    for old in owned.iter().filter(|r| name(r) != name(&new_rs)) {
        if new_available >= desired && old["spec"]["replicas"].as_i64() != Some(0) {
            let mut o = (***old).clone();
            o["spec"]["replicas"] = json!(0);
            let _ = cluster.update(&rsrt, ns, name(old), o, WriteScope::Main, Some(MANAGER));
        }
    }
    update_deployment_status(cluster, &drt, &rsrt, ns, dname, &new_rs);
}

fn update_deployment_status(
    cluster: &Arc<Cluster>,
    drt: &ResourceType,
    rsrt: &ResourceType,
    ns: &str,
    dname: &str,
    new_rs: &Value,
) {
    let Some(d) = cluster.store.get(&drt.key(), ns, dname) else {
        return;
    };
    let all_rs = cluster.store.list(&rsrt.key(), Some(ns)).0;
    let owned = owned_by(&all_rs, &d["metadata"]["uid"]);
    let sum = |f: &str| -> i64 {
        owned
            .iter()
            .map(|r| r["status"][f].as_i64().unwrap_or(0))
            .sum()
    };
    let desired = d["spec"]["replicas"].as_i64().unwrap_or(1);
    let replicas = sum("replicas");
    let ready = sum("readyReplicas");
    let available = sum("availableReplicas");
    let updated = new_rs["status"]["replicas"].as_i64().unwrap_or(0);
    let complete = updated == desired && replicas == desired && available >= desired;
    let now = now_rfc3339();
    let keep_time = |ty: &str, status: &str| -> Value {
        d["status"]["conditions"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["type"] == ty && c["status"] == status))
            .map(|c| c["lastTransitionTime"].clone())
            .unwrap_or_else(|| json!(now))
    };
    let avail_status = if available >= desired {
        "True"
    } else {
        "False"
    };
    let rs_name = name(new_rs);
    let (prog_reason, prog_msg) = if complete {
        (
            "NewReplicaSetAvailable",
            format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
        )
    } else {
        (
            "ReplicaSetUpdated",
            format!("ReplicaSet \"{rs_name}\" is progressing."),
        )
    };
    let mut status = json!({
        "observedGeneration": d["metadata"]["generation"],
        "replicas": replicas,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": available,
        "conditions": [
            {"type": "Available", "status": avail_status,
             "reason": if avail_status == "True" { "MinimumReplicasAvailable" } else { "MinimumReplicasUnavailable" },
             "message": if avail_status == "True" { "Deployment has minimum availability." } else { "Deployment does not have minimum availability." },
             "lastUpdateTime": keep_time("Available", avail_status), "lastTransitionTime": keep_time("Available", avail_status)},
            {"type": "Progressing", "status": "True", "reason": prog_reason, "message": prog_msg,
             "lastUpdateTime": now, "lastTransitionTime": keep_time("Progressing", "True")},
        ],
    });
    if replicas - available > 0 {
        status["unavailableReplicas"] = json!(replicas - available);
    }
    // Zero counts are omitted in the real object (omitempty).
    for f in [
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
    ] {
        if status[f] == 0 {
            status.as_object_mut().map(|s| s.remove(f));
        }
    }
    let same = {
        let mut a = d["status"].clone();
        let mut b = status.clone();
        for s in [&mut a, &mut b] {
            if let Some(c) = s["conditions"].as_array_mut() {
                for c in c {
                    c.as_object_mut().map(|c| c.remove("lastUpdateTime"));
                }
            }
        }
        a == b
    };
    if same {
        return;
    }
    let mut o = (*d).clone();
    o["status"] = status;
    let _ = cluster.update(drt, ns, dname, o, WriteScope::Status, Some(MANAGER));
}

pub(super) fn reconcile_replicaset(cluster: &Arc<Cluster>, ns: &str, rs_name: &str) {
    let (Some(rsrt), Some(prt)) = (
        rt(cluster, "apps", "v1", "replicasets"),
        rt(cluster, "", "v1", "pods"),
    ) else {
        return;
    };
    let Some(rs) = cluster.store.get(&rsrt.key(), ns, rs_name) else {
        return;
    };
    if rs["metadata"]["deletionTimestamp"].is_string() {
        return;
    }
    let desired = rs["spec"]["replicas"].as_i64().unwrap_or(1).max(0) as usize;
    let all_pods = cluster.store.list(&prt.key(), Some(ns)).0;
    let mut pods: Vec<&Arc<Value>> = owned_by(&all_pods, &rs["metadata"]["uid"])
        .into_iter()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .collect();
    if pods.len() < desired {
        for _ in pods.len()..desired {
            let mut template = rs["spec"]["template"].clone();
            let meta = template["metadata"].take();
            let pod = json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {
                    "name": format!("{rs_name}-{}", cluster.name_suffix(5)),
                    "namespace": ns,
                    "labels": meta["labels"],
                    "annotations": meta["annotations"],
                    "ownerReferences": owner_ref(&rs, "apps/v1", "ReplicaSet"),
                },
                "spec": template["spec"],
            });
            let mut pod = pod;
            if pod["metadata"]["annotations"].is_null() {
                pod["metadata"]
                    .as_object_mut()
                    .map(|m| m.remove("annotations"));
            }
            if let Err(e) = cluster.create(&prt, ns, pod, Some(MANAGER)) {
                tracing::debug!(error = %e, "creating a pod failed");
            }
        }
    } else if pods.len() > desired {
        // The newest go first (the controller prefers deleting pods that are not ready, then young).
        pods.sort_by_key(|p| {
            (
                is_ready(p),
                std::cmp::Reverse(
                    p["metadata"]["creationTimestamp"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                ),
            )
        });
        for p in pods.iter().take(pods.len() - desired) {
            let _ = cluster.delete(&prt, ns, name(p), crate::api::Propagation::Background, None);
        }
    }
    let all_pods = cluster.store.list(&prt.key(), Some(ns)).0;
    let pods: Vec<&Arc<Value>> = owned_by(&all_pods, &rs["metadata"]["uid"])
        .into_iter()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .collect();
    let ready = pods.iter().filter(|p| is_ready(p)).count();
    let mut status = json!({
        "replicas": pods.len(),
        "fullyLabeledReplicas": pods.len(),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "observedGeneration": rs["metadata"]["generation"],
    });
    for f in ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"] {
        if status[f] == 0 {
            status.as_object_mut().map(|s| s.remove(f));
        }
    }
    if rs["status"] != status {
        let mut o = (*rs).clone();
        o["status"] = status;
        let _ = cluster.update(&rsrt, ns, rs_name, o, WriteScope::Status, Some(MANAGER));
    }
}

/// A ReplicaSet changed: its Deployment's status follows.
pub(super) fn reconcile_owner(cluster: &Arc<Cluster>, ns: &str, rs: &Value) {
    if let Some(owner) = controller_of(rs, "Deployment") {
        reconcile_deployment(cluster, ns, &owner);
    }
}

/// A pod changed: its ReplicaSet (and that one's Deployment) follow.
pub(super) fn reconcile_pod_owner(cluster: &Arc<Cluster>, ns: &str, pod: &Value) {
    if let Some(rs_name) = controller_of(pod, "ReplicaSet") {
        reconcile_replicaset(cluster, ns, &rs_name);
        if let Some(rs) = cluster
            .store
            .get(&ResourceKey::new("apps", "replicasets"), ns, &rs_name)
        {
            reconcile_owner(cluster, ns, &rs);
        }
    }
}

fn controller_of(obj: &Value, kind: &str) -> Option<String> {
    obj["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|r| r["kind"] == kind && r["controller"] == true)
        .and_then(|r| r["name"].as_str())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_hash_is_stable_and_uses_the_safe_alphabet() {
        let t = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
        let h = pod_template_hash(&t);
        assert_eq!(h, pod_template_hash(&t.clone()));
        assert!(h.len() >= 6 && h.len() <= 10, "{h}");
        assert!(
            h.bytes()
                .all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b))
        );
        let mut t2 = t.clone();
        t2["spec"]["containers"][0]["image"] = json!("j");
        assert_ne!(h, pod_template_hash(&t2));
    }
}
