//! `/version`, legacy discovery (`/api`, `/apis`, per-group-version resource lists) and the
//! minimal OpenAPI v3 that `kubectl apply` needs for its default validation (rust-k8s.md 2.3:
//! one `patch` operation per kind with `x-kubernetes-group-version-kind` and a `fieldValidation`
//! parameter, and no `requestBody`, so kubectl keeps its compiled-in patch strategies).

use std::hash::{Hash, Hasher};

use serde_json::{Value, json};

use crate::profile::KubernetesProfile;
use crate::registry::{Registry, ResourceType};

pub(crate) fn version(k: &KubernetesProfile) -> Value {
    json!({
        "major": "1",
        "minor": k.minor.to_string(),
        "gitVersion": k.git_version(),
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-05-15T00:00:00Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

pub(crate) fn api_versions() -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "172.18.0.2:6443"}],
    })
}

fn group_json(name: &str, versions: &[String]) -> Value {
    let gv = |v: &String| json!({"groupVersion": format!("{name}/{v}"), "version": v});
    json!({
        "name": name,
        "versions": versions.iter().map(gv).collect::<Vec<_>>(),
        "preferredVersion": versions.first().map(gv).unwrap_or(Value::Null),
    })
}

pub(crate) fn api_groups(reg: &Registry) -> Value {
    let groups: Vec<Value> = reg
        .groups()
        .iter()
        .map(|(g, vs)| group_json(g, vs))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub(crate) fn api_group(reg: &Registry, group: &str) -> Option<Value> {
    let (name, versions) = reg.groups().into_iter().find(|(g, _)| g == group)?;
    let mut g = group_json(&name, &versions);
    g["kind"] = json!("APIGroup");
    g["apiVersion"] = json!("v1");
    Some(g)
}

fn resource_json(t: &ResourceType) -> Vec<Value> {
    let mut main = json!({
        "name": t.plural,
        "singularName": t.singular,
        "namespaced": t.namespaced,
        "kind": t.kind,
        "verbs": t.verbs(),
    });
    if !t.short_names.is_empty() {
        main["shortNames"] = json!(t.short_names);
    }
    if !t.categories.is_empty() {
        main["categories"] = json!(t.categories);
    }
    let mut out = vec![main];
    for sub in &t.subresources {
        let (kind, verbs): (&str, &[&str]) = match sub.as_str() {
            "status" => (&t.kind, &["get", "patch", "update"]),
            "scale" => ("Scale", &["get", "patch", "update"]),
            "exec" | "attach" => ("PodExecOptions", &["create", "get"]),
            "portforward" => ("PodPortForwardOptions", &["create", "get"]),
            "log" => ("Pod", &["get"]),
            "finalize" => ("Namespace", &["update"]),
            "proxy" => (
                "ServiceProxyOptions",
                &["create", "delete", "get", "patch", "update"],
            ),
            _ => (&t.kind, &["get"]),
        };
        out.push(json!({
            "name": format!("{}/{}", t.plural, sub),
            "singularName": "",
            "namespaced": t.namespaced,
            "kind": kind,
            "verbs": verbs,
        }));
    }
    out
}

pub(crate) fn resource_list(reg: &Registry, group: &str, version: &str) -> Option<Value> {
    if !reg.has_group_version(group, version) {
        return None;
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let resources: Vec<Value> = reg
        .types_in(group, version)
        .iter()
        .flat_map(|t| resource_json(t))
        .collect();
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
    )
}

fn gv_key(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// A hash of the kinds in a group/version, so that the root's URLs change when a CRD adds a
/// kind, and kubectl's cached copy is refreshed.
fn gv_hash(reg: &Registry, group: &str, version: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for t in reg.types_in(group, version) {
        t.plural.hash(&mut h);
        t.kind.hash(&mut h);
        t.namespaced.hash(&mut h);
    }
    format!("{:016X}", h.finish())
}

pub(crate) fn openapi_v3_root(reg: &Registry) -> Value {
    let mut paths = serde_json::Map::new();
    let mut gvs: Vec<(String, String)> = reg
        .all()
        .map(|t| (t.group.clone(), t.version.clone()))
        .collect();
    gvs.dedup();
    gvs.sort();
    gvs.dedup();
    for (g, v) in gvs {
        let key = gv_key(&g, &v);
        paths.insert(
            key.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={}", gv_hash(reg, &g, &v))}),
        );
    }
    json!({"paths": paths})
}

pub(crate) fn openapi_v3_gv(
    reg: &Registry,
    k: &KubernetesProfile,
    group: &str,
    version: &str,
) -> Option<Value> {
    if !reg.has_group_version(group, version) {
        return None;
    }
    let mut paths = serde_json::Map::new();
    for t in reg.types_in(group, version) {
        let base = t.gv_path();
        let path = if t.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", t.plural)
        } else {
            format!("{base}/{}/{{name}}", t.plural)
        };
        paths.insert(
            path,
            json!({"patch": {
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": {"group": t.group, "version": t.version, "kind": t.kind},
                "parameters": [
                    {"name": "dryRun", "in": "query", "schema": {"type": "string"}},
                    {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
                    {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
                    {"name": "force", "in": "query", "schema": {"type": "boolean"}},
                ],
                "responses": {"200": {"description": "OK"}},
            }}),
        );
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": k.git_version()},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}
