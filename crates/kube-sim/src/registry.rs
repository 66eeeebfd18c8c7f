//! The resource types the simulated API server serves: the built-in kinds, and the kinds that
//! CustomResourceDefinitions register while the server runs. Discovery and OpenAPI are derived
//! from this table, so a kind exists everywhere at once or nowhere.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

/// Where a resource type comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    BuiltIn,
    /// Registered by the named CustomResourceDefinition.
    Crd(String),
}

/// One served group/version/resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceType {
    pub group: String,
    pub version: String,
    /// The plural, lowercase resource name used in URLs.
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    /// Subresources served, e.g. `status`, `exec`.
    pub subresources: Vec<String>,
    /// Whether writes to the main resource ignore `.status` and bump `metadata.generation`
    /// when anything outside metadata and status changes (kinds with a status subresource).
    pub has_status: bool,
    /// Whether the kind keeps `metadata.generation`.
    pub has_generation: bool,
    pub origin: Origin,
}

impl ResourceType {
    /// `apps/v1`, or `v1` for the core group.
    pub(crate) fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// An object as served at this version. Objects are stored once per group and kind with the
    /// apiVersion they were written at; CRD conversion here is only the apiVersion (the schemas
    /// the simulator serves are identical across versions). Every read, patch base and internal
    /// write goes through this one conversion.
    pub(crate) fn present(&self, obj: &Value) -> Value {
        let mut o = obj.clone();
        let v = self.api_version();
        if o["apiVersion"].as_str() != Some(v.as_str()) {
            o["apiVersion"] = Value::String(v);
        }
        o
    }

    /// The storage key: one object set per group and plural, whatever the version.
    pub(crate) fn key(&self) -> ResourceKey {
        ResourceKey {
            group: self.group.clone(),
            plural: self.plural.clone(),
        }
    }

    pub(crate) fn qualified(&self) -> crate::server::status::Qualified<'_> {
        crate::server::status::Qualified {
            group: &self.group,
            resource: &self.plural,
        }
    }

    pub(crate) fn verbs(&self) -> Vec<&'static str> {
        vec![
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ]
    }

    /// The URL prefix of this group/version: `/api/v1` or `/apis/apps/v1`.
    pub(crate) fn gv_path(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }
}

/// Storage identity of a resource: group and plural.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ResourceKey {
    pub group: String,
    pub plural: String,
}

impl ResourceKey {
    pub(crate) fn new(group: &str, plural: &str) -> Self {
        Self {
            group: group.to_string(),
            plural: plural.to_string(),
        }
    }
}

/// All resource types currently served, keyed by (group, version, plural).
#[derive(Debug, Default, Clone)]
pub(crate) struct Registry {
    types: BTreeMap<(String, String, String), Arc<ResourceType>>,
    /// Preferred (storage) version per group, in registration order of groups.
    group_order: Vec<String>,
    preferred: BTreeMap<String, String>,
}

impl Registry {
    /// The built-in kinds a kind cluster serves that this project needs.
    pub(crate) fn builtin() -> Self {
        let mut r = Self::default();
        let b = |group: &str,
                 version: &str,
                 plural: &str,
                 kind: &str,
                 namespaced: bool,
                 short: &[&str],
                 subs: &[&str],
                 generation: bool| ResourceType {
            group: group.into(),
            version: version.into(),
            plural: plural.into(),
            singular: kind.to_lowercase(),
            kind: kind.into(),
            namespaced,
            short_names: short.iter().map(|s| s.to_string()).collect(),
            categories: Vec::new(),
            has_status: subs.contains(&"status"),
            subresources: subs.iter().map(|s| s.to_string()).collect(),
            has_generation: generation,
            origin: Origin::BuiltIn,
        };
        let all = |mut t: ResourceType| {
            t.categories = vec!["all".into()];
            t
        };
        for t in [
            b(
                "",
                "v1",
                "namespaces",
                "Namespace",
                false,
                &["ns"],
                &["status", "finalize"],
                false,
            ),
            all(b(
                "",
                "v1",
                "pods",
                "Pod",
                true,
                &["po"],
                &["status", "exec", "portforward", "log", "attach"],
                false,
            )),
            all(b(
                "",
                "v1",
                "services",
                "Service",
                true,
                &["svc"],
                &["status", "proxy"],
                false,
            )),
            b(
                "",
                "v1",
                "endpoints",
                "Endpoints",
                true,
                &["ep"],
                &[],
                false,
            ),
            b(
                "",
                "v1",
                "configmaps",
                "ConfigMap",
                true,
                &["cm"],
                &[],
                false,
            ),
            b("", "v1", "secrets", "Secret", true, &[], &[], false),
            b(
                "",
                "v1",
                "serviceaccounts",
                "ServiceAccount",
                true,
                &["sa"],
                &[],
                false,
            ),
            b("", "v1", "events", "Event", true, &["ev"], &[], false),
            b(
                "",
                "v1",
                "nodes",
                "Node",
                false,
                &["no"],
                &["status"],
                false,
            ),
            b(
                "events.k8s.io",
                "v1",
                "events",
                "Event",
                true,
                &["ev"],
                &[],
                false,
            ),
            b(
                "discovery.k8s.io",
                "v1",
                "endpointslices",
                "EndpointSlice",
                true,
                &[],
                &[],
                false,
            ),
            all(b(
                "apps",
                "v1",
                "deployments",
                "Deployment",
                true,
                &["deploy"],
                &["status", "scale"],
                true,
            )),
            all(b(
                "apps",
                "v1",
                "replicasets",
                "ReplicaSet",
                true,
                &["rs"],
                &["status", "scale"],
                true,
            )),
            b(
                "apiextensions.k8s.io",
                "v1",
                "customresourcedefinitions",
                "CustomResourceDefinition",
                false,
                &["crd", "crds"],
                &["status"],
                true,
            ),
            b(
                "coordination.k8s.io",
                "v1",
                "leases",
                "Lease",
                true,
                &[],
                &[],
                false,
            ),
        ] {
            r.insert(t);
        }
        r
    }

    pub(crate) fn insert(&mut self, t: ResourceType) {
        if !self.group_order.contains(&t.group) {
            self.group_order.push(t.group.clone());
        }
        // The group's preferred version is its highest by Kubernetes version priority (GA over
        // beta over alpha, then by number), as apiextensions-apiserver computes it for CRD
        // groups (version.CompareKubeAwareVersionStrings).
        let better = self
            .preferred
            .get(&t.group)
            .is_none_or(|cur| version_priority(&t.version) > version_priority(cur));
        if better {
            self.preferred.insert(t.group.clone(), t.version.clone());
        }
        self.types.insert(
            (t.group.clone(), t.version.clone(), t.plural.clone()),
            Arc::new(t),
        );
    }

    /// Removes every type registered by the named CRD.
    pub(crate) fn remove_crd(&mut self, crd_name: &str) {
        let origin = Origin::Crd(crd_name.to_string());
        self.types.retain(|_, t| t.origin != origin);
        let groups: std::collections::BTreeSet<String> =
            self.types.values().map(|t| t.group.clone()).collect();
        self.group_order.retain(|g| groups.contains(g));
        // Recompute preferred versions from what is left.
        self.preferred.clear();
        let left: Vec<(String, String)> = self
            .types
            .values()
            .map(|t| (t.group.clone(), t.version.clone()))
            .collect();
        for (g, v) in left {
            let better = self
                .preferred
                .get(&g)
                .is_none_or(|cur| version_priority(&v) > version_priority(cur));
            if better {
                self.preferred.insert(g, v);
            }
        }
    }

    /// Registers the served versions of a CRD (`spec` of an apiextensions.k8s.io/v1 object).
    pub(crate) fn register_crd(&mut self, crd_name: &str, spec: &Value) -> Result<(), String> {
        let group = spec["group"].as_str().ok_or("spec.group: Required value")?;
        let names = &spec["names"];
        let plural = names["plural"]
            .as_str()
            .ok_or("spec.names.plural: Required value")?;
        let kind = names["kind"]
            .as_str()
            .ok_or("spec.names.kind: Required value")?;
        let singular = names["singular"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| kind.to_lowercase());
        let namespaced = spec["scope"].as_str() != Some("Cluster");
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let versions = spec["versions"]
            .as_array()
            .ok_or("spec.versions: Required value")?;
        // The storage version first, so it becomes the preferred version of a new group.
        let mut ordered: Vec<&Value> = versions.iter().filter(|v| v["storage"] == true).collect();
        ordered.extend(versions.iter().filter(|v| v["storage"] != true));
        self.remove_crd(crd_name);
        for v in ordered {
            if v["served"] == false {
                continue;
            }
            let Some(version) = v["name"].as_str() else {
                continue;
            };
            let has_status = v["subresources"]["status"].is_object();
            let mut subresources = Vec::new();
            if has_status {
                subresources.push("status".to_string());
            }
            if v["subresources"]["scale"].is_object() {
                subresources.push("scale".to_string());
            }
            self.insert(ResourceType {
                group: group.into(),
                version: version.into(),
                plural: plural.into(),
                singular: singular.clone(),
                kind: kind.into(),
                namespaced,
                short_names: strings(&names["shortNames"]),
                categories: strings(&names["categories"]),
                subresources,
                has_status,
                has_generation: true,
                origin: Origin::Crd(crd_name.into()),
            });
        }
        Ok(())
    }

    pub(crate) fn get(
        &self,
        group: &str,
        version: &str,
        plural: &str,
    ) -> Option<Arc<ResourceType>> {
        self.types
            .get(&(group.to_string(), version.to_string(), plural.to_string()))
            .cloned()
    }

    /// The type an object with this apiVersion and kind belongs to.
    pub(crate) fn by_kind(&self, api_version: &str, kind: &str) -> Option<Arc<ResourceType>> {
        let (group, version) = split_api_version(api_version);
        self.types
            .values()
            .find(|t| t.group == group && t.version == version && t.kind == kind)
            .cloned()
    }

    /// The preferred-version type for a storage key.
    pub(crate) fn preferred_for(&self, key: &ResourceKey) -> Option<Arc<ResourceType>> {
        let version = self.preferred.get(&key.group)?;
        self.get(&key.group, version, &key.plural).or_else(|| {
            self.types
                .values()
                .find(|t| t.group == key.group && t.plural == key.plural)
                .cloned()
        })
    }

    pub(crate) fn has_group_version(&self, group: &str, version: &str) -> bool {
        self.types
            .keys()
            .any(|(g, v, _)| g == group && v == version)
    }

    /// Groups in registration order with their versions (preferred first).
    pub(crate) fn groups(&self) -> Vec<(String, Vec<String>)> {
        self.group_order
            .iter()
            .filter(|g| !g.is_empty())
            .map(|g| {
                let mut versions: Vec<String> = Vec::new();
                for (tg, tv, _) in self.types.keys() {
                    if tg == g && !versions.contains(tv) {
                        versions.push(tv.clone());
                    }
                }
                // Priority order, the preferred version first.
                versions.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
                (g.clone(), versions)
            })
            .collect()
    }

    pub(crate) fn types_in(&self, group: &str, version: &str) -> Vec<Arc<ResourceType>> {
        self.types
            .iter()
            .filter(|((g, v, _), _)| g == group && v == version)
            .map(|(_, t)| t.clone())
            .collect()
    }

    pub(crate) fn all(&self) -> impl Iterator<Item = &Arc<ResourceType>> {
        self.types.values()
    }
}

/// Kubernetes version priority: `v2` > `v1` > `v1beta2` > `v1beta1` > `v1alpha1` > anything
/// else (apimachinery version.CompareKubeAwareVersionStrings).
pub(crate) fn version_priority(v: &str) -> (u8, u64, u8, u64) {
    let Some(rest) = v.strip_prefix('v') else {
        return (0, 0, 0, 0);
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let Ok(major) = digits.parse::<u64>() else {
        return (0, 0, 0, 0);
    };
    let tail = &rest[digits.len()..];
    let (stage, num) = if tail.is_empty() {
        (3, 0)
    } else if let Some(n) = tail.strip_prefix("beta") {
        (2, n.parse().unwrap_or(0))
    } else if let Some(n) = tail.strip_prefix("alpha") {
        (1, n.parse().unwrap_or(0))
    } else {
        return (0, 0, 0, 0);
    };
    (1, major, stage, num)
}

/// `apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`).
pub(crate) fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn preferred_version_is_the_highest_priority_one() {
        assert!(version_priority("v1") > version_priority("v1beta1"));
        assert!(version_priority("v1beta2") > version_priority("v1beta1"));
        assert!(version_priority("v1alpha3") > version_priority("v1alpha2"));
        assert!(version_priority("v1alpha3") < version_priority("v1beta1"));
        assert!(version_priority("v2") > version_priority("v1"));
        let mut r = Registry::builtin();
        // An alpha-only CRD first, then a GA one in the same group (Gateway API's bundles).
        for (name, plural, kind, version) in [
            (
                "backendtlspolicies.g.io",
                "backendtlspolicies",
                "BackendTLSPolicy",
                "v1alpha3",
            ),
            ("gateways.g.io", "gateways", "Gateway", "v1"),
        ] {
            r.register_crd(
                name,
                &json!({"group": "g.io", "scope": "Namespaced",
                "names": {"plural": plural, "kind": kind},
                "versions": [{"name": version, "served": true, "storage": true}]}),
            )
            .unwrap();
        }
        let (_, versions) = r.groups().into_iter().find(|(g, _)| g == "g.io").unwrap();
        assert_eq!(versions, vec!["v1", "v1alpha3"]);
        r.remove_crd("gateways.g.io");
        let (_, versions) = r.groups().into_iter().find(|(g, _)| g == "g.io").unwrap();
        assert_eq!(versions, vec!["v1alpha3"]);
    }
}
