//! The model's input: a read-only set of Kubernetes objects, with indexes by kind.
//!
//! Objects come from users, so every accessor tolerates missing fields and wrong types: a missing
//! string reads as `""`, a missing list as empty, an unparsable timestamp as the epoch.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;

/// API group of Gateway API objects.
pub(super) const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";
/// API group of Istio networking objects.
pub(super) const NETWORKING_GROUP: &str = "networking.istio.io";

/// A set of Kubernetes objects of any kind, as the API server stores them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Snapshot {
    objects: Vec<Arc<Value>>,
    by_kind: HashMap<(String, String), Vec<usize>>,
}

impl Snapshot {
    /// Indexes the objects by API group and kind (objects without a kind are ignored).
    pub(crate) fn new(objects: impl IntoIterator<Item = Arc<Value>>) -> Self {
        let mut s = Snapshot::default();
        for o in objects {
            let kind = str_at(&o, &["kind"]).to_string();
            if kind.is_empty() {
                continue;
            }
            let group = group_of(str_at(&o, &["apiVersion"])).to_string();
            s.by_kind
                .entry((group, kind))
                .or_default()
                .push(s.objects.len());
            s.objects.push(o);
        }
        s
    }

    /// All objects of one group and kind (group `""` is the core group), in insertion order.
    pub(crate) fn list<'a>(
        &'a self,
        group: &str,
        kind: &str,
    ) -> impl Iterator<Item = Obj<'a>> + 'a {
        let idx: &'a [usize] = self
            .by_kind
            .get(&(group.to_string(), kind.to_string()))
            .map(|v| v.as_slice())
            .unwrap_or(&[]);
        idx.iter().map(move |i| Obj(&self.objects[*i]))
    }

    /// One object by group, kind, namespace and name.
    pub(crate) fn get<'a>(
        &'a self,
        group: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Option<Obj<'a>> {
        self.list(group, kind)
            .find(|o| o.name() == name && o.namespace() == namespace)
    }

    #[cfg(test)]
    /// The labels of a namespace (empty if it does not exist).
    pub(crate) fn namespace_labels(&self, namespace: &str) -> BTreeMap<String, String> {
        self.list("", "Namespace")
            .find(|o| o.name() == namespace)
            .map(|o| o.labels())
            .unwrap_or_default()
    }

    #[cfg(test)]
    /// Every object, in insertion order.
    pub(crate) fn all(&self) -> impl Iterator<Item = Obj<'_>> {
        self.objects.iter().map(|o| Obj(o))
    }
}

/// The group of an `apiVersion` (`apps/v1` → `apps`, `v1` → `""`).
pub(super) fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("")
}

/// The string at a path, or `""`.
pub(super) fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    at(v, path).and_then(Value::as_str).unwrap_or("")
}

/// The value at a path of object keys.
pub(super) fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        cur = cur.as_object()?.get(*p)?;
    }
    Some(cur)
}

/// The array at a path, or an empty slice.
pub(super) fn arr_at<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    at(v, path)
        .and_then(Value::as_array)
        .map(|a| a.as_slice())
        .unwrap_or(&[])
}

/// A string map (labels, selectors); non-string values are skipped.
pub(super) fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// A list of strings; non-string entries are skipped.
pub(super) fn string_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// An integer that may be given as a number or a numeric string.
pub(super) fn int_of(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Parses an RFC 3339 timestamp to Unix seconds (0 when absent or invalid).
pub(super) fn parse_time(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .unwrap_or(0)
}

/// A borrowed Kubernetes object with lenient accessors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Obj<'a>(pub &'a Value);

impl<'a> Obj<'a> {
    /// The raw object.
    pub(crate) fn value(&self) -> &'a Value {
        self.0
    }
    /// `metadata.name`.
    pub(crate) fn name(&self) -> &'a str {
        str_at(self.0, &["metadata", "name"])
    }
    /// `metadata.namespace`.
    pub(crate) fn namespace(&self) -> &'a str {
        str_at(self.0, &["metadata", "namespace"])
    }
    /// `metadata.uid`.
    pub(crate) fn uid(&self) -> &'a str {
        str_at(self.0, &["metadata", "uid"])
    }
    /// `metadata.resourceVersion`.
    pub(crate) fn resource_version(&self) -> &'a str {
        str_at(self.0, &["metadata", "resourceVersion"])
    }
    /// `metadata.generation` (0 when absent).
    pub(crate) fn generation(&self) -> i64 {
        int_of(at(self.0, &["metadata", "generation"])).unwrap_or(0)
    }
    /// `metadata.creationTimestamp` in Unix seconds (Kubernetes keeps 1 s resolution).
    pub(crate) fn creation(&self) -> i64 {
        parse_time(self.creation_raw())
    }
    /// `metadata.creationTimestamp` as written.
    pub(crate) fn creation_raw(&self) -> &'a str {
        str_at(self.0, &["metadata", "creationTimestamp"])
    }
    /// `metadata.labels`.
    pub(crate) fn labels(&self) -> BTreeMap<String, String> {
        string_map(at(self.0, &["metadata", "labels"]))
    }
    /// `metadata.annotations`.
    pub(crate) fn annotations(&self) -> BTreeMap<String, String> {
        string_map(at(self.0, &["metadata", "annotations"]))
    }
    /// One annotation.
    pub(crate) fn annotation(&self, key: &str) -> Option<&'a str> {
        at(self.0, &["metadata", "annotations", key]).and_then(Value::as_str)
    }
    /// `spec` (Null when absent).
    pub(crate) fn spec(&self) -> &'a Value {
        at(self.0, &["spec"]).unwrap_or(&Value::Null)
    }
    /// Whether `metadata.deletionTimestamp` is set.
    pub(crate) fn deleting(&self) -> bool {
        at(self.0, &["metadata", "deletionTimestamp"]).is_some_and(|v| !v.is_null())
    }
}

/// Kubernetes label-selector semantics for `matchLabels` / a plain selector map.
pub(super) fn labels_match(
    selector: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// A `metav1.LabelSelector` (`matchLabels` and `matchExpressions`); an invalid selector matches nothing.
pub(super) fn label_selector_matches(selector: &Value, labels: &BTreeMap<String, String>) -> bool {
    let ml = string_map(at(selector, &["matchLabels"]));
    if !labels_match(&ml, labels) {
        return false;
    }
    for e in arr_at(selector, &["matchExpressions"]) {
        let key = str_at(e, &["key"]);
        let values = string_list(at(e, &["values"]));
        let has = labels.get(key);
        let ok = match str_at(e, &["operator"]) {
            "In" => has.is_some_and(|v| values.contains(v)),
            "NotIn" => has.is_none_or(|v| !values.contains(v)),
            "Exists" => has.is_some(),
            "DoesNotExist" => has.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_accessors() {
        let s = Snapshot::new([
            Arc::new(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "labels": {"x": "1", "n": 2}}}),
            ),
            Arc::new(
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": 5}}),
            ),
            Arc::new(json!({"kind": ""})),
            Arc::new(json!(["not", "an", "object"])),
        ]);
        assert_eq!(s.namespace_labels("a").len(), 1);
        let d = s.list("apps", "Deployment").next().unwrap();
        assert_eq!(d.name(), "");
        assert_eq!(d.creation(), 0);
        assert!(d.spec().is_null());
        assert_eq!(s.all().count(), 2);
    }

    #[test]
    fn selectors() {
        let l: BTreeMap<String, String> = [("app".to_string(), "x".to_string())].into();
        assert!(label_selector_matches(
            &json!({"matchLabels": {"app": "x"}}),
            &l
        ));
        assert!(!label_selector_matches(
            &json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["x"]}]}),
            &l
        ));
        assert!(label_selector_matches(&json!({}), &l));
        assert_eq!(parse_time("2024-01-01T00:00:01Z"), 1_704_067_201);
    }
}
