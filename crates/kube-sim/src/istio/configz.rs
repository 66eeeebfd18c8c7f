//! istiod's `/debug/configz`: every config in the aggregate store, generated ones included, each
//! marshalled like a Kubernetes object (`pilot/pkg/xds/debug.go` `configz`, `kubernetesConfig`,
//! `pilot/pkg/config/kube/crd/conversion.go` `ConvertConfig`).

use serde_json::{Map, Value, json};

use super::model::Meta;
use super::push::PushContext;
use super::snapshot::{GATEWAY_GROUP, NETWORKING_GROUP, Snapshot};

fn metadata(m: &Meta) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(m.name));
    o.insert(
        "namespace".into(),
        json!(if m.namespace.is_empty() {
            "default"
        } else {
            &m.namespace
        }),
    );
    if !m.resource_version.is_empty() {
        o.insert("resourceVersion".into(), json!(m.resource_version));
    }
    if !m.uid.is_empty() {
        o.insert("uid".into(), json!(m.uid));
    }
    if m.generation != 0 {
        o.insert("generation".into(), json!(m.generation));
    }
    // metav1.Time marshals the zero time as null.
    o.insert(
        "creationTimestamp".into(),
        if m.creation_raw.is_empty() {
            Value::Null
        } else {
            json!(m.creation_raw)
        },
    );
    if !m.labels.is_empty() {
        o.insert("labels".into(), json!(m.labels));
    }
    if !m.annotations.is_empty() {
        o.insert("annotations".into(), json!(m.annotations));
    }
    Value::Object(o)
}

/// The configz list, in the store's schema order (Gateway API kinds, then Istio networking kinds).
pub(crate) fn configz(push: &PushContext, snapshot: &Snapshot) -> Value {
    let net = format!("{NETWORKING_GROUP}/{}", push.rules.istio_networking_version);
    let mut out = vec![];
    for kind in [
        "GatewayClass",
        "Gateway",
        "HTTPRoute",
        "ReferenceGrant",
        "GRPCRoute",
    ] {
        for o in snapshot.list(GATEWAY_GROUP, kind) {
            let mut m = Meta::from_obj(o);
            if kind == "GatewayClass" {
                m.namespace.clear();
            }
            let mut v = json!({
                "kind": kind,
                "apiVersion": format!("{GATEWAY_GROUP}/v1beta1"),
                "metadata": metadata(&m),
                "spec": o.spec(),
            });
            if kind == "GatewayClass"
                && let Some(md) = v["metadata"].as_object_mut()
            {
                md.remove("namespace");
            }
            if let Some(s) = o.value().get("status") {
                v["status"] = s.clone();
            }
            out.push(v);
        }
    }
    for dr in &push.destination_rules {
        out.push(json!({"kind": "DestinationRule", "apiVersion": net, "metadata": metadata(&dr.meta), "spec": dr.raw_spec}));
    }
    for g in &push.gateways {
        out.push(json!({"kind": "Gateway", "apiVersion": net, "metadata": metadata(&g.meta), "spec": g.spec_json()}));
    }
    for vs in &push.virtual_services {
        out.push(json!({"kind": "VirtualService", "apiVersion": net, "metadata": metadata(&vs.meta), "spec": vs.spec_json()}));
    }
    Value::Array(out)
}
