//! Manifests as the API server will see them: multi-document YAML read into JSON objects, each
//! checked for what an apply needs (`apiVersion`, `kind`, `metadata.name`).

use ::kube::api::GroupVersionKind;
use serde_json::Value;

/// A manifest that cannot be applied as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("the manifest is not valid YAML: {0}")]
    Yaml(String),
    #[error(
        "document {doc} of the manifest is not an object (a mapping with apiVersion, kind and metadata)"
    )]
    NotAnObject { doc: usize },
    #[error(
        "document {doc} of the manifest has no `{field}`; every object needs apiVersion, kind and metadata.name"
    )]
    MissingField { doc: usize, field: &'static str },
    #[error(
        "document {doc} has apiVersion `{api_version}`, which is not `version` or `group/version`"
    )]
    BadApiVersion { doc: usize, api_version: String },
}

/// What to apply: YAML text (one or more documents) or objects already read.
#[derive(Debug, Clone)]
pub enum Manifests<'a> {
    Yaml(&'a str),
    Objects(Vec<Value>),
}

impl<'a> From<&'a str> for Manifests<'a> {
    fn from(s: &'a str) -> Self {
        Manifests::Yaml(s)
    }
}

impl From<Vec<Value>> for Manifests<'_> {
    fn from(v: Vec<Value>) -> Self {
        Manifests::Objects(v)
    }
}

impl Manifests<'_> {
    /// The objects, parsed and checked; `List` kinds are flattened into their items.
    pub fn into_objects(self) -> Result<Vec<Value>, ManifestError> {
        let docs = match self {
            Manifests::Yaml(text) => parse_yaml(text)?,
            Manifests::Objects(v) => v,
        };
        let mut out = Vec::with_capacity(docs.len());
        for doc in docs {
            if doc["kind"].as_str().is_some_and(|k| k.ends_with("List"))
                && let Some(items) = doc["items"].as_array()
            {
                out.extend(items.iter().cloned());
            } else {
                out.push(doc);
            }
        }
        for (i, o) in out.iter().enumerate() {
            check(i + 1, o)?;
        }
        Ok(out)
    }
}

/// Every non-empty document of `text`.
pub(crate) fn parse_yaml(text: &str) -> Result<Vec<Value>, ManifestError> {
    serde_saphyr::from_multiple::<Value>(text)
        .map(|docs| docs.into_iter().filter(|d| !d.is_null()).collect())
        .map_err(|e| ManifestError::Yaml(e.to_string()))
}

fn check(doc: usize, o: &Value) -> Result<(), ManifestError> {
    if !o.is_object() {
        return Err(ManifestError::NotAnObject { doc });
    }
    let nonempty = |v: &Value| v.as_str().is_some_and(|s| !s.trim().is_empty());
    for (ptr, field) in [
        ("/apiVersion", "apiVersion"),
        ("/kind", "kind"),
        ("/metadata/name", "metadata.name"),
    ] {
        if !o.pointer(ptr).is_some_and(nonempty) {
            return Err(ManifestError::MissingField { doc, field });
        }
    }
    gvk_of(o)
        .map(|_| ())
        .map_err(|api_version| ManifestError::BadApiVersion { doc, api_version })
}

/// The object's group, version and kind; the `apiVersion` text when it is malformed.
pub(crate) fn gvk_of(o: &Value) -> Result<GroupVersionKind, String> {
    let api_version = o["apiVersion"].as_str().unwrap_or_default();
    let kind = o["kind"].as_str().unwrap_or_default();
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) if !g.is_empty() && !v.is_empty() && !v.contains('/') => (g, v),
        None if !api_version.is_empty() => ("", api_version),
        _ => return Err(api_version.to_string()),
    };
    Ok(GroupVersionKind::gvk(group, version, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_multi_document_yaml() {
        let objs = Manifests::Yaml(
            "---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n# only a comment\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\n",
        )
        .into_objects()
        .unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(
            gvk_of(&objs[1]).unwrap(),
            GroupVersionKind::gvk("apps", "v1", "Deployment")
        );
    }

    #[test]
    fn names_what_is_missing() {
        let e = Manifests::Yaml("apiVersion: v1\nkind: Service\nmetadata: {}\n")
            .into_objects()
            .unwrap_err();
        assert_eq!(
            e,
            ManifestError::MissingField {
                doc: 1,
                field: "metadata.name"
            }
        );
        let e = Manifests::Yaml("- a\n").into_objects().unwrap_err();
        assert_eq!(e, ManifestError::NotAnObject { doc: 1 });
        let e = Manifests::Yaml("apiVersion: a/b/c\nkind: X\nmetadata: {name: x1}\n")
            .into_objects()
            .unwrap_err();
        assert!(matches!(e, ManifestError::BadApiVersion { .. }), "{e:?}");
        assert!(matches!(
            Manifests::Yaml("a: [").into_objects(),
            Err(ManifestError::Yaml(_))
        ));
    }

    #[test]
    fn flattens_lists() {
        let objs = Manifests::Yaml("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n")
            .into_objects()
            .unwrap();
        assert_eq!(objs.len(), 2);
    }
}
