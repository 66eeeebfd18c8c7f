//! Names for objects the harness applied or will wait on, independent of their Rust type.

use std::fmt;

use ::kube::Client;
use ::kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};

/// One object on the cluster: its kind (as discovery resolved it), namespace and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    /// Group, version and kind, as written in the manifest.
    pub gvk: GroupVersionKind,
    /// The resource that serves the kind (plural, scope), from discovery.
    pub resource: ApiResource,
    /// `None` for cluster-scoped kinds.
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// A dynamic API handle for this object's resource in its namespace.
    pub fn api(&self, client: Client) -> Api<DynamicObject> {
        match &self.namespace {
            Some(ns) => Api::namespaced_with(client, ns, &self.resource),
            None => Api::all_with(client, &self.resource),
        }
    }
}

impl fmt::Display for ObjectRef {
    /// `Kind namespace/name` (or `Kind name` when cluster-scoped), as people read them in
    /// kubectl output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.gvk.group.is_empty() {
            self.gvk.kind.clone()
        } else {
            format!("{}.{}", self.gvk.kind, self.gvk.group)
        };
        match &self.namespace {
            Some(ns) => write!(f, "{kind} {ns}/{}", self.name),
            None => write!(f, "{kind} {}", self.name),
        }
    }
}

/// An object as the server stored it after an apply: enough to wait on its status (the
/// generation the status must have observed) and to delete exactly this incarnation (uid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub object: ObjectRef,
    /// `metadata.generation` after the apply (absent for kinds without one).
    pub generation: Option<i64>,
    /// `metadata.uid`: a later object of the same name is a different one.
    pub uid: Option<String>,
}

impl fmt::Display for Applied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.object.fmt(f)
    }
}
