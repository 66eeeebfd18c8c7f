//! CustomResourceDefinitions: validation of their names, registration of their kinds in the
//! served API the moment they are written, their Established/NamesAccepted status, and the
//! removal of the kinds and every instance when they are deleted.

use std::sync::Arc;

use serde_json::{Value, json};

use super::cluster::Cluster;
use super::objects::now_rfc3339;
use super::registry::{ResourceKey, ResourceType};
use super::server::status::{ApiError, Cause};
use super::store::Write;

/// apiextensions validation: the name must be `<spec.names.plural>.<spec.group>`.
pub(crate) fn validate(rt: &ResourceType, crd: &Value) -> Result<(), ApiError> {
    let name = crd["metadata"]["name"].as_str().unwrap_or_default();
    let group = crd["spec"]["group"].as_str().unwrap_or_default();
    let plural = crd["spec"]["names"]["plural"].as_str().unwrap_or_default();
    let mut causes = Vec::new();
    let mut cause = |field: &str, message: String| {
        causes.push(Cause {
            reason: "FieldValueInvalid".into(),
            message,
            field: Some(field.into()),
        })
    };
    if group.is_empty() {
        cause("spec.group", "Required value".into());
    }
    if plural.is_empty() {
        cause("spec.names.plural", "Required value".into());
    }
    if crd["spec"]["names"]["kind"]
        .as_str()
        .is_none_or(str::is_empty)
    {
        cause("spec.names.kind", "Required value".into());
    }
    if !group.is_empty() && !plural.is_empty() && name != format!("{plural}.{group}") {
        cause(
            "metadata.name",
            format!("Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group"),
        );
    }
    let versions = crd["spec"]["versions"].as_array();
    match versions {
        None => cause(
            "spec.versions",
            "Required value: must have exactly one version marked as storage version".into(),
        ),
        Some(v) => {
            let storage = v.iter().filter(|v| v["storage"] == true).count();
            if storage != 1 {
                cause(
                    "spec.versions",
                    "Invalid value: must have exactly one version marked as storage version".into(),
                );
            }
        }
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(&rt.group, &rt.kind, name, &causes))
    }
}

/// Registers, re-registers or unregisters the CRD's kinds after a write.
pub(crate) fn after_write(cluster: &Cluster, old: Option<&Arc<Value>>, new: Option<&Arc<Value>>) {
    match new {
        Some(crd) => {
            let name = crd["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if crd["metadata"]["deletionTimestamp"].is_string() {
                return;
            }
            let registered = cluster.registry_mut().register_crd(&name, &crd["spec"]);
            if registered.is_ok() {
                set_established(cluster, &name, crd);
            }
        }
        None => {
            let Some(old) = old else { return };
            let name = old["metadata"]["name"].as_str().unwrap_or_default();
            let key = ResourceKey::new(
                old["spec"]["group"].as_str().unwrap_or_default(),
                old["spec"]["names"]["plural"].as_str().unwrap_or_default(),
            );
            cluster.registry_mut().remove_crd(name);
            // The instances go with their definition.
            for obj in cluster.store.list(&key, None).0 {
                let ns = obj["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let n = obj["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let _ = cluster
                    .store
                    .modify(&key, &ns, &n, |_| Ok::<_, ApiError>(Write::Delete));
            }
        }
    }
}

fn set_established(cluster: &Cluster, name: &str, crd: &Value) {
    let names = &crd["spec"]["names"];
    let mut accepted = json!({
        "plural": names["plural"],
        "kind": names["kind"],
        "singular": names["singular"].as_str().map(str::to_string)
            .unwrap_or_else(|| names["kind"].as_str().unwrap_or_default().to_lowercase()),
        "listKind": names["listKind"].as_str().map(str::to_string)
            .unwrap_or_else(|| format!("{}List", names["kind"].as_str().unwrap_or_default())),
    });
    for k in ["shortNames", "categories"] {
        if names[k].is_array() {
            accepted[k] = names[k].clone();
        }
    }
    let stored_versions: Vec<Value> = crd["spec"]["versions"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter(|v| v["storage"] == true)
                .map(|v| v["name"].clone())
                .collect()
        })
        .unwrap_or_default();
    if crd["status"]["acceptedNames"] == accepted
        && crd["status"]["conditions"]
            .as_array()
            .is_some_and(|c| c.len() == 2)
    {
        return;
    }
    let now = now_rfc3339();
    let status = json!({
        "acceptedNames": accepted,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
             "message": "no conflicts found", "lastTransitionTime": now},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
             "message": "the initial names have been accepted", "lastTransitionTime": now},
        ],
        "storedVersions": stored_versions,
    });
    let key = ResourceKey::new("apiextensions.k8s.io", "customresourcedefinitions");
    let _ = cluster.store.modify(&key, "", name, |cur| {
        let Some(cur) = cur else {
            return Ok::<_, ApiError>(Write::Keep);
        };
        let mut o = (**cur).clone();
        o["status"] = status;
        Ok(Write::Put(o))
    });
}
