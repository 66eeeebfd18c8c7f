//! Endpoints and EndpointSlices of every Service with a selector, from the Ready pods it selects
//! (pkg/controller/endpoint and endpointslice). Not-ready pods are listed as not ready, as the
//! real controllers do, so that clients can tell "no pod" from "no ready pod".

use std::sync::Arc;

use serde_json::{Value, json};

use super::MANAGER;
use crate::cluster::Cluster;
use crate::objects::WriteScope;
use crate::store::LabelSelector;

fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

/// A Service port's target port resolved against a pod (`targetPort` may name a container port).
pub(crate) fn target_port(svc_port: &Value, pod: &Value) -> Option<i64> {
    match &svc_port["targetPort"] {
        Value::Number(n) => n.as_i64(),
        Value::String(name) => pod["spec"]["containers"].as_array()?.iter().find_map(|c| {
            c["ports"]
                .as_array()?
                .iter()
                .find(|p| p["name"] == name.as_str())?["containerPort"]
                .as_i64()
        }),
        _ => svc_port["port"].as_i64(),
    }
}

pub(super) fn reconcile_namespace(cluster: &Arc<Cluster>, ns: &str) {
    let registry = cluster.registry().clone();
    let (Some(svc_rt), Some(pod_rt), Some(ep_rt), Some(eps_rt)) = (
        registry.get("", "v1", "services"),
        registry.get("", "v1", "pods"),
        registry.get("", "v1", "endpoints"),
        registry.get("discovery.k8s.io", "v1", "endpointslices"),
    ) else {
        return;
    };
    let services = cluster.store.list(&svc_rt.key(), Some(ns)).0;
    let pods = cluster.store.list(&pod_rt.key(), Some(ns)).0;
    for svc in services {
        let Some(sel) = svc["spec"]["selector"].as_object() else {
            continue;
        };
        let selector = LabelSelector::from_match_labels(sel);
        let name = svc["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let selected: Vec<&Arc<Value>> = pods
            .iter()
            .filter(|p| {
                selector.matches(p["metadata"]["labels"].as_object())
                    && p["status"]["podIP"].is_string()
                    && p["metadata"]["deletionTimestamp"].is_null()
            })
            .collect();
        let ports = svc["spec"]["ports"].as_array().cloned().unwrap_or_default();
        let address = |p: &Value| {
            json!({"ip": p["status"]["podIP"], "nodeName": p["spec"]["nodeName"],
                   "targetRef": {"kind": "Pod", "namespace": ns, "name": p["metadata"]["name"], "uid": p["metadata"]["uid"]}})
        };
        let (ready, not_ready): (Vec<&&Arc<Value>>, Vec<&&Arc<Value>>) =
            selected.iter().partition(|p| is_ready(p));
        let ep_ports: Vec<Value> = ports
            .iter()
            .map(|sp| {
                let port = selected
                    .first()
                    .and_then(|p| target_port(sp, p))
                    .or(sp["port"].as_i64());
                let mut v =
                    json!({"port": port, "protocol": sp["protocol"].as_str().unwrap_or("TCP")});
                if let Some(n) = sp["name"].as_str() {
                    v["name"] = json!(n);
                }
                if let Some(ap) = sp["appProtocol"].as_str() {
                    v["appProtocol"] = json!(ap);
                }
                v
            })
            .collect();
        let mut subset = json!({"ports": ep_ports});
        if !ready.is_empty() {
            subset["addresses"] = json!(ready.iter().map(|p| address(p)).collect::<Vec<_>>());
        }
        if !not_ready.is_empty() {
            subset["notReadyAddresses"] =
                json!(not_ready.iter().map(|p| address(p)).collect::<Vec<_>>());
        }
        let subsets = if selected.is_empty() {
            json!([])
        } else {
            json!([subset])
        };
        let labels = svc["metadata"]["labels"].clone();
        let endpoints = json!({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": name, "namespace": ns, "labels": if labels.is_null() { json!({}) } else { labels }},
            "subsets": subsets});
        put(cluster, &ep_rt, ns, &name, endpoints, |old, new| {
            old["subsets"] == new["subsets"]
        });

        let slice_name = format!("{name}-{}", short_hash(&name));
        let endpoints_v1: Vec<Value> = selected
            .iter()
            .map(|p| {
                let r = is_ready(p);
                json!({"addresses": [p["status"]["podIP"]], "conditions": {"ready": r, "serving": r, "terminating": false},
                       "nodeName": p["spec"]["nodeName"],
                       "targetRef": {"kind": "Pod", "namespace": ns, "name": p["metadata"]["name"], "uid": p["metadata"]["uid"]}})
            })
            .collect();
        let slice = json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": slice_name, "namespace": ns,
                "labels": {"kubernetes.io/service-name": name, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"},
                "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": name, "uid": svc["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}]},
            "addressType": "IPv4",
            "endpoints": endpoints_v1,
            "ports": ep_ports_slice(&ports, selected.first().map(|p| &***p))});
        put(cluster, &eps_rt, ns, &slice_name, slice, |old, new| {
            old["endpoints"] == new["endpoints"] && old["ports"] == new["ports"]
        });
    }
}

fn ep_ports_slice(ports: &[Value], pod: Option<&Value>) -> Value {
    json!(ports
        .iter()
        .map(|sp| {
            let port = pod.and_then(|p| target_port(sp, p)).or(sp["port"].as_i64());
            json!({"name": sp["name"].as_str().unwrap_or(""), "port": port, "protocol": sp["protocol"].as_str().unwrap_or("TCP")})
        })
        .collect::<Vec<_>>())
}

/// A stable 5-character suffix, so that the slice keeps its name across updates.
fn short_hash(s: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    (0..5)
        .map(|i| ALPHABET[((h >> (i * 5)) as usize) % ALPHABET.len()] as char)
        .collect()
}

fn put(
    cluster: &Arc<Cluster>,
    rt: &crate::registry::ResourceType,
    ns: &str,
    name: &str,
    obj: Value,
    same: impl Fn(&Value, &Value) -> bool,
) {
    match cluster.store.get(&rt.key(), ns, name) {
        None => {
            let _ = cluster.create(rt, ns, obj, Some(MANAGER));
        }
        Some(old) if !same(&old, &obj) => {
            let mut o = (*old).clone();
            for (k, v) in obj.as_object().into_iter().flatten() {
                if k != "metadata" {
                    o[k] = v.clone();
                }
            }
            let _ = cluster.update(rt, ns, name, o, WriteScope::Main, Some(MANAGER));
        }
        Some(_) => {}
    }
}
