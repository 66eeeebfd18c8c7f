//! What kube-apiserver does to an object on its way into storage: name validation, system
//! metadata (uid, creationTimestamp, generation), status/spec separation for kinds with a status
//! subresource, and the defaults of the built-in kinds that clients read back.

use serde_json::{Map, Value, json};

use super::registry::ResourceType;
use super::server::status::{ApiError, Cause};

/// RFC 3339 UTC time with second precision, as metav1.Time serialises.
pub(crate) fn now_rfc3339() -> String {
    let now = jiff::Timestamp::now();
    jiff::Timestamp::from_second(now.as_second())
        .map(|t| t.to_string())
        .unwrap_or_else(|_| now.to_string())
}

/// A random UID in the format Kubernetes uses (a v4 UUID).
pub(crate) fn new_uid() -> String {
    uuid::Uuid::new_v4().to_string()
}

const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

pub(crate) fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

pub(crate) fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.starts_with(|c: char| c.is_ascii_lowercase())
}

/// The name rule of a kind (apimachinery validation.NameIsDNS*): namespaces use RFC 1123 labels,
/// services DNS-1035 labels, everything else RFC 1123 subdomains.
pub(crate) fn validate_name(rt: &ResourceType, name: &str) -> Result<(), ApiError> {
    let (ok, msg) = match (rt.group.as_str(), rt.plural.as_str()) {
        ("", "namespaces") => (is_dns1123_label(name), DNS1123_LABEL_MSG),
        ("", "services") => (is_dns1035_label(name), DNS1035_LABEL_MSG),
        _ => (is_dns1123_subdomain(name), DNS1123_SUBDOMAIN_MSG),
    };
    if ok {
        return Ok(());
    }
    let mut message = format!("Invalid value: \"{name}\": {msg}");
    if name.len() > 63 && msg != DNS1123_SUBDOMAIN_MSG {
        message = format!("Invalid value: \"{name}\": must be no more than 63 characters");
    }
    Err(ApiError::invalid(
        &rt.group,
        &rt.kind,
        name,
        &[Cause {
            reason: "FieldValueInvalid".into(),
            message,
            field: Some("metadata.name".into()),
        }],
    ))
}

fn required(rt: &ResourceType, name: &str, field: &str) -> ApiError {
    ApiError::invalid(
        &rt.group,
        &rt.kind,
        name,
        &[Cause {
            reason: "FieldValueRequired".into(),
            message: "Required value: name or generateName is required".into(),
            field: Some(field.into()),
        }],
    )
}

/// Checks a request body's apiVersion and kind against the URL's resource type
/// (apiserver: "the API version in the data (x) does not match the expected API version (y)").
pub(crate) fn check_type_meta(rt: &ResourceType, obj: &Value) -> Result<(), ApiError> {
    if !obj.is_object() {
        return Err(ApiError::bad_request(format!(
            "the object provided is unrecognized (must be of type {})",
            rt.kind
        )));
    }
    let expected = rt.api_version();
    if let Some(av) = obj.get("apiVersion").and_then(Value::as_str)
        && av != expected
    {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({av}) does not match the expected API version ({expected})"
        )));
    }
    if let Some(kind) = obj.get("kind").and_then(Value::as_str)
        && kind != rt.kind
    {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({kind}) does not match the expected kind ({})",
            rt.kind
        )));
    }
    Ok(())
}

/// Prepares a new object for storage. `namespace` is the URL's namespace (empty for
/// cluster-scoped kinds); a mismatching `metadata.namespace` is an error, as on a real server.
pub(crate) fn prepare_create(
    rt: &ResourceType,
    namespace: &str,
    mut obj: Value,
    suffix: impl FnOnce() -> String,
) -> Result<Value, ApiError> {
    check_type_meta(rt, &obj)?;
    let meta = obj
        .as_object_mut()
        .map(|o| o.entry("metadata").or_insert_with(|| json!({})))
        .ok_or_else(|| ApiError::bad_request("object is not a JSON object"))?;
    if !meta.is_object() {
        return Err(ApiError::bad_request("metadata must be an object"));
    }
    let mut name = meta["name"].as_str().unwrap_or_default().to_string();
    if name.is_empty() {
        match meta["generateName"].as_str() {
            Some(prefix) if !prefix.is_empty() => name = format!("{prefix}{}", suffix()),
            _ => return Err(required(rt, "", "metadata.name")),
        }
    }
    validate_name(rt, &name)?;
    if rt.namespaced {
        match meta["namespace"].as_str() {
            Some(ns) if !ns.is_empty() && ns != namespace => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => {}
        }
    }
    let m = meta.as_object_mut().expect("checked above");
    m.insert("name".into(), json!(name));
    if rt.namespaced {
        m.insert("namespace".into(), json!(namespace));
    } else {
        m.remove("namespace");
    }
    m.insert("uid".into(), json!(new_uid()));
    m.insert("creationTimestamp".into(), json!(now_rfc3339()));
    m.remove("resourceVersion");
    m.remove("deletionTimestamp");
    m.remove("selfLink");
    if rt.has_generation {
        m.insert("generation".into(), json!(1));
    } else {
        m.remove("generation");
    }
    let o = obj.as_object_mut().expect("checked above");
    o.insert("apiVersion".into(), json!(rt.api_version()));
    o.insert("kind".into(), json!(rt.kind));
    if rt.has_status && !is_builtin_with_initial_status(rt) {
        // A create through the main resource cannot set status on kinds with a status
        // subresource (registry strategies' PrepareForCreate reset it).
        o.remove("status");
    }
    default_builtin(rt, &mut obj);
    Ok(obj)
}

/// Built-in kinds whose create strategy keeps (part of) the status; pods get theirs defaulted.
fn is_builtin_with_initial_status(rt: &ResourceType) -> bool {
    rt.group.is_empty() && rt.plural == "pods"
}

/// Which part of an object a write may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteScope {
    /// The main resource: everything but status (for kinds with a status subresource).
    Main,
    /// The `status` subresource: only status.
    Status,
}

/// Merges a written object with the stored one: system metadata is kept, the scope decides
/// whether spec or status may change, and `metadata.generation` is bumped when the spec did.
pub(crate) fn prepare_update(
    rt: &ResourceType,
    old: &Value,
    mut new: Value,
    scope: WriteScope,
) -> Result<Value, ApiError> {
    check_type_meta(rt, &new)?;
    let name = old["metadata"]["name"].as_str().unwrap_or_default();
    if let Some(n) = new["metadata"]["name"].as_str()
        && n != name
    {
        return Err(ApiError::bad_request(
            "the name of the object does not match the name on the URL",
        ));
    }
    if !new["metadata"].is_object() {
        new.as_object_mut()
            .map(|o| o.insert("metadata".into(), json!({})));
    }
    if scope == WriteScope::Status {
        // Only status changes; metadata labels/annotations may not change via /status either.
        let status = new.get("status").cloned();
        let mut merged = old.clone();
        match status {
            Some(s) => merged["status"] = s,
            None => {
                merged.as_object_mut().map(|o| o.remove("status"));
            }
        }
        return Ok(merged);
    }
    {
        let (Some(n), Some(o)) = (new["metadata"].as_object_mut(), old["metadata"].as_object())
        else {
            return Err(ApiError::bad_request("metadata must be an object"));
        };
        for key in [
            "uid",
            "creationTimestamp",
            "namespace",
            "name",
            "generation",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            match o.get(key) {
                Some(v) => {
                    n.insert(key.into(), v.clone());
                }
                None => {
                    n.remove(key);
                }
            }
        }
    }
    let o = new.as_object_mut().expect("checked by check_type_meta");
    o.insert("apiVersion".into(), json!(rt.api_version()));
    o.insert("kind".into(), json!(rt.kind));
    if rt.has_status {
        match old.get("status") {
            Some(s) => {
                o.insert("status".into(), s.clone());
            }
            None => {
                o.remove("status");
            }
        }
    }
    if rt.has_generation && spec_changed(old, &new) {
        let g = old["metadata"]["generation"].as_i64().unwrap_or(0) + 1;
        new["metadata"]["generation"] = json!(g);
    }
    default_builtin(rt, &mut new);
    Ok(new)
}

/// Anything outside metadata and status counts as spec (CRDs and built-ins alike).
fn spec_changed(old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| -> Map<String, Value> {
        v.as_object()
            .map(|o| {
                o.iter()
                    .filter(|(k, _)| {
                        !matches!(k.as_str(), "metadata" | "status" | "apiVersion" | "kind")
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    strip(old) != strip(new)
}

/// Defaults of built-in kinds that clients read back (kubectl describe, rollout status).
fn default_builtin(rt: &ResourceType, obj: &mut Value) {
    match (rt.group.as_str(), rt.plural.as_str()) {
        ("", "namespaces") => {
            // The apiserver always labels a namespace with its own name (NamespaceDefaultLabelName,
            // GA in 1.22), which namespace selectors such as allowedRoutes rely on.
            let name = obj["metadata"]["name"].clone();
            if !obj["metadata"]["labels"].is_object() {
                obj["metadata"]["labels"] = json!({});
            }
            obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
            if obj["spec"]["finalizers"].is_null() {
                obj["spec"] = json!({"finalizers": ["kubernetes"]});
            }
            if obj["status"]["phase"].is_null() {
                obj["status"] = json!({"phase": "Active"});
            }
        }
        ("", "services") => {
            let spec = &mut obj["spec"];
            if spec["type"].is_null() {
                spec["type"] = json!("ClusterIP");
            }
            if spec["sessionAffinity"].is_null() {
                spec["sessionAffinity"] = json!("None");
            }
            if let Some(ports) = spec["ports"].as_array_mut() {
                for p in ports {
                    if p["protocol"].is_null() {
                        p["protocol"] = json!("TCP");
                    }
                    if p["targetPort"].is_null() {
                        p["targetPort"] = p["port"].clone();
                    }
                }
            }
        }
        ("apps", "deployments") => {
            let spec = &mut obj["spec"];
            if spec["replicas"].is_null() {
                spec["replicas"] = json!(1);
            }
            if spec["revisionHistoryLimit"].is_null() {
                spec["revisionHistoryLimit"] = json!(10);
            }
            if spec["progressDeadlineSeconds"].is_null() {
                spec["progressDeadlineSeconds"] = json!(600);
            }
            if spec["strategy"].is_null() {
                spec["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}});
            }
        }
        ("", "pods") => {
            let spec = &mut obj["spec"];
            for (k, v) in [
                ("restartPolicy", json!("Always")),
                ("dnsPolicy", json!("ClusterFirst")),
                ("schedulerName", json!("default-scheduler")),
                ("terminationGracePeriodSeconds", json!(30)),
                ("serviceAccountName", json!("default")),
                ("enableServiceLinks", json!(true)),
            ] {
                if spec[k].is_null() {
                    spec[k] = v;
                }
            }
            if obj["status"]["phase"].is_null() {
                obj["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    #[test]
    fn names_follow_the_kind_rule() {
        let r = Registry::builtin();
        let ns = r.get("", "v1", "namespaces").unwrap();
        let svc = r.get("", "v1", "services").unwrap();
        let cm = r.get("", "v1", "configmaps").unwrap();
        assert!(validate_name(&ns, "sample").is_ok());
        assert!(validate_name(&ns, "a.b").is_err());
        assert!(validate_name(&cm, "a.b").is_ok());
        assert!(validate_name(&svc, "1abc").is_err());
        let e = validate_name(&cm, "Bad_Name").unwrap_err();
        assert_eq!(e.code, 422);
        assert!(
            e.message
                .starts_with("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value"),
            "{}",
            e.message
        );
    }

    #[test]
    fn update_keeps_system_metadata_and_bumps_generation_on_spec_change() {
        let r = Registry::builtin();
        let d = r.get("apps", "v1", "deployments").unwrap();
        let old = prepare_create(&d, "x", json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"}, "spec": {"replicas": 1}}), String::new).unwrap();
        let mut new = old.clone();
        new["metadata"]["uid"] = json!("forged");
        new["metadata"]["labels"] = json!({"a": "b"});
        let same_spec = prepare_update(&d, &old, new.clone(), WriteScope::Main).unwrap();
        assert_eq!(same_spec["metadata"]["uid"], old["metadata"]["uid"]);
        assert_eq!(same_spec["metadata"]["generation"], json!(1));
        new["spec"]["replicas"] = json!(3);
        new["status"] = json!({"replicas": 99});
        let changed = prepare_update(&d, &old, new, WriteScope::Main).unwrap();
        assert_eq!(changed["metadata"]["generation"], json!(2));
        assert!(
            changed["status"]["replicas"].is_null(),
            "status ignored on the main resource"
        );
    }
}
