//! Field paths and sets of them, with the FieldsV1 encoding of `metadata.managedFields`.
//!
//! Modelled on structured-merge-diff's `fieldpath` package: a set is a tree whose nodes
//! hold *members* (paths in the set) and *children* (sub-sets under a path element).
//! A member does not imply its children and vice versa, exactly as in SMD.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

use super::MAX_DEPTH;
use super::gojson;

/// One step of a field path.
///
/// The derived order (Field < Key < Value < Index) is SMD's `PathElement.Compare` order;
/// keys and values compare by their canonical JSON text, which is close enough for
/// sorting and exact for equality.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum PathElement {
    /// A field of a map or struct: `f:name`, printed `.name`.
    Field(String),
    /// An item of an associative list, by its key fields: `k:{"name":"app"}`, printed
    /// `[name="app"]`. Holds the canonical JSON object (sorted keys, Go escapes).
    Key(String),
    /// An item of a set (a list of scalars): `v:"x"`, printed `[="x"]`. Canonical JSON.
    Value(String),
    /// An item of an atomic list by position: `i:0`, printed `[0]`. SMD only uses it for
    /// lists that are neither sets nor maps when they appear in a set of fields.
    Index(usize),
}

impl PathElement {
    /// Key element from the key fields of an associative list item.
    pub(crate) fn key(fields: &Map<String, Value>) -> Self {
        PathElement::Key(gojson::to_string(&Value::Object(fields.clone())))
    }

    /// Value element for an item of a set.
    pub(crate) fn value(v: &Value) -> Self {
        PathElement::Value(gojson::to_string(v))
    }

    /// The FieldsV1 object key (`f:`, `k:`, `v:`, `i:`).
    pub(crate) fn to_fields_v1_key(&self) -> String {
        match self {
            PathElement::Field(name) => format!("f:{name}"),
            PathElement::Key(json) => format!("k:{json}"),
            PathElement::Value(json) => format!("v:{json}"),
            PathElement::Index(i) => format!("i:{i}"),
        }
    }

    /// Parses a FieldsV1 key. `Ok(None)` for an unknown prefix, which SMD skips
    /// ("a future version maybe knows what they are").
    pub(crate) fn from_fields_v1_key(s: &str) -> Result<Option<Self>, String> {
        let Some((kind, rest)) = s.split_once(':') else {
            return Err(format!("missing colon: {s}"));
        };
        if kind.len() != 1 {
            return Ok(None);
        }
        match kind {
            "f" => Ok(Some(PathElement::Field(rest.to_string()))),
            "k" => match serde_json::from_str::<Value>(rest) {
                Ok(Value::Object(m)) => Ok(Some(PathElement::key(&m))),
                _ => Err(format!("invalid key element: {s}")),
            },
            "v" => serde_json::from_str::<Value>(rest)
                .map(|v| Some(PathElement::value(&v)))
                .map_err(|e| format!("invalid value element {s}: {e}")),
            "i" => rest
                .parse::<usize>()
                .map(|i| Some(PathElement::Index(i)))
                .map_err(|e| format!("invalid index element {s}: {e}")),
            _ => Ok(None),
        }
    }
}

impl fmt::Display for PathElement {
    /// structured-merge-diff `PathElement.String()`: `.f`, `[k=v,k2=v2]`, `[=v]`, `[i]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathElement::Field(name) => write!(f, ".{name}"),
            PathElement::Key(json) => {
                let parsed: Map<String, Value> = serde_json::from_str(json).unwrap_or_default();
                let parts: Vec<String> = parsed
                    .iter()
                    .map(|(k, v)| format!("{k}={}", gojson::go_value_string(v)))
                    .collect();
                write!(f, "[{}]", parts.join(","))
            }
            PathElement::Value(json) => {
                let parsed: Value = serde_json::from_str(json).unwrap_or(Value::Null);
                write!(f, "[={}]", gojson::go_value_string(&parsed))
            }
            PathElement::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// A path from the object root.
pub(crate) type Path = Vec<PathElement>;

/// Renders a path as the apiserver does in conflict messages: `.spec.replicas`,
/// `.spec.containers[name="app"].image`.
pub(crate) fn path_string(path: &[PathElement]) -> String {
    path.iter().map(ToString::to_string).collect()
}

/// Builds a path of field names, e.g. `field_path(&["spec", "replicas"])`.
pub(crate) fn field_path(names: &[&str]) -> Path {
    names
        .iter()
        .map(|n| PathElement::Field((*n).to_string()))
        .collect()
}

/// A set of field paths (SMD `fieldpath.Set`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldSet {
    members: BTreeSet<PathElement>,
    /// Never holds an empty set.
    children: BTreeMap<PathElement, FieldSet>,
}

impl FieldSet {
    /// The empty set.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// A set of the given paths.
    pub(crate) fn from_paths<'a>(paths: impl IntoIterator<Item = &'a [PathElement]>) -> Self {
        let mut s = Self::new();
        for p in paths {
            s.insert(p);
        }
        s
    }

    /// True when no path is a member.
    pub(crate) fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.is_empty()
    }

    /// Adds `path` as a member. The empty path is ignored, as in SMD.
    pub(crate) fn insert(&mut self, path: &[PathElement]) {
        match path {
            [] => {}
            [last] => {
                self.members.insert(last.clone());
            }
            [first, rest @ ..] => self.children.entry(first.clone()).or_default().insert(rest),
        }
    }

    /// True when `path` itself is a member (children do not count).
    pub(crate) fn has(&self, path: &[PathElement]) -> bool {
        match path {
            [] => false,
            [last] => self.members.contains(last),
            [first, rest @ ..] => self.children.get(first).is_some_and(|c| c.has(rest)),
        }
    }

    /// The sub-set below `pe` (SMD `WithPrefix`).
    pub(crate) fn child(&self, pe: &PathElement) -> Option<&FieldSet> {
        self.children.get(pe)
    }

    /// Members plus children.
    pub(crate) fn union(&self, other: &FieldSet) -> FieldSet {
        let mut out = self.clone();
        out.members.extend(other.members.iter().cloned());
        for (pe, set) in &other.children {
            let merged = match out.children.get(pe) {
                Some(mine) => mine.union(set),
                None => set.clone(),
            };
            out.children.insert(pe.clone(), merged);
        }
        out
    }

    /// Paths that are members of both (SMD `Intersection`).
    pub(crate) fn intersection(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.intersection(&other.members).cloned().collect();
        let mut children = BTreeMap::new();
        for (pe, set) in &self.children {
            if let Some(theirs) = other.children.get(pe) {
                let res = set.intersection(theirs);
                if !res.is_empty() {
                    children.insert(pe.clone(), res);
                }
            }
        }
        FieldSet { members, children }
    }

    /// Members of `self` that are not members of `other`. A member of `other` does not
    /// remove paths below it (SMD `Difference`).
    pub(crate) fn difference(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.difference(&other.members).cloned().collect();
        let mut children = BTreeMap::new();
        for (pe, set) in &self.children {
            let res = match other.children.get(pe) {
                Some(theirs) => set.difference(theirs),
                None => set.clone(),
            };
            if !res.is_empty() {
                children.insert(pe.clone(), res);
            }
        }
        FieldSet { members, children }
    }

    /// Like `difference`, but a member of `other` also removes everything below it
    /// (SMD `RecursiveDifference`, used for the fields a strategy resets).
    pub(crate) fn recursive_difference(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.difference(&other.members).cloned().collect();
        let mut children = BTreeMap::new();
        for (pe, set) in &self.children {
            if other.members.contains(pe) {
                continue;
            }
            let res = match other.children.get(pe) {
                Some(theirs) => set.recursive_difference(theirs),
                None => set.clone(),
            };
            if !res.is_empty() {
                children.insert(pe.clone(), res);
            }
        }
        FieldSet { members, children }
    }

    /// Adds every field-name node that has children as a member too.
    ///
    /// structured-merge-diff `EnsureNamedFieldsAreMembers` does this for struct fields
    /// named in the schema; without schemas every object key is treated as named (true
    /// for built-in types and structural CRD schemas, except maps of objects).
    pub(crate) fn ensure_named_fields_are_members(&self) -> FieldSet {
        let mut out = FieldSet {
            members: self.members.clone(),
            children: BTreeMap::new(),
        };
        for (pe, set) in &self.children {
            if matches!(pe, PathElement::Field(_)) {
                out.members.insert(pe.clone());
            }
            out.children
                .insert(pe.clone(), set.ensure_named_fields_are_members());
        }
        out
    }

    /// Every member path: this level's members first, then each child's (SMD `Iterate`).
    pub(crate) fn paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        self.collect_paths(&mut Vec::new(), &mut out);
        out
    }

    fn collect_paths(&self, prefix: &mut Path, out: &mut Vec<Path>) {
        for m in &self.members {
            let mut p = prefix.clone();
            p.push(m.clone());
            out.push(p);
        }
        for (pe, set) in &self.children {
            prefix.push(pe.clone());
            set.collect_paths(prefix, out);
            prefix.pop();
        }
    }

    /// The FieldsV1 JSON object (structured-merge-diff `Set.ToJSON`): a key per path
    /// element, `{}` for a member without children, and `".": {}` inside a node that is
    /// both a member and has children.
    pub(crate) fn to_fields_v1(&self) -> Value {
        Value::Object(self.fields_v1_contents(false))
    }

    fn fields_v1_contents(&self, include_self: bool) -> Map<String, Value> {
        let mut out = Map::new();
        if include_self && !self.is_empty() {
            out.insert(".".to_string(), Value::Object(Map::new()));
        }
        let keys: BTreeSet<&PathElement> =
            self.members.iter().chain(self.children.keys()).collect();
        for pe in keys {
            let value = match self.children.get(pe) {
                Some(child) => child.fields_v1_contents(self.members.contains(pe)),
                None => Map::new(),
            };
            out.insert(pe.to_fields_v1_key(), Value::Object(value));
        }
        out
    }

    /// Parses a FieldsV1 object (structured-merge-diff `Set.FromJSON`).
    pub(crate) fn from_fields_v1(v: &Value) -> Result<FieldSet, String> {
        match v {
            Value::Object(_) => Ok(read_fields_v1(v, 0)?.0.unwrap_or_default()),
            _ => Err("FieldsV1 must be a JSON object".to_string()),
        }
    }
}

/// Returns the children found below `v` and whether the node itself is a member.
fn read_fields_v1(v: &Value, depth: usize) -> Result<(Option<FieldSet>, bool), String> {
    if depth > MAX_DEPTH {
        return Err("managedFields nesting too deep".to_string());
    }
    let Value::Object(m) = v else {
        return Err("FieldsV1 entries must be JSON objects".to_string());
    };
    let mut children: Option<FieldSet> = None;
    let mut is_member = false;
    for (key, child) in m {
        if key == "." {
            is_member = true;
            continue;
        }
        let Some(pe) = PathElement::from_fields_v1_key(key)? else {
            continue;
        };
        let (grandchildren, child_is_member) = read_fields_v1(child, depth + 1)?;
        let set = children.get_or_insert_with(FieldSet::new);
        if child_is_member {
            set.members.insert(pe.clone());
        }
        if let Some(g) = grandchildren.filter(|g| !g.is_empty()) {
            set.children.insert(pe, g);
        }
    }
    if children.is_none() {
        is_member = true;
    }
    Ok((children, is_member))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(name: &str) -> PathElement {
        let mut m = Map::new();
        m.insert("name".into(), json!(name));
        PathElement::key(&m)
    }

    #[test]
    fn fields_v1_round_trip_matches_apiserver_shape() {
        let mut s = FieldSet::new();
        s.insert(&field_path(&["metadata", "labels", "app"]));
        let c = [
            PathElement::Field("spec".into()),
            PathElement::Field("containers".into()),
            key("app"),
        ];
        s.insert(&c);
        let mut img = c.to_vec();
        img.push(PathElement::Field("image".into()));
        s.insert(&img);
        let v = s.to_fields_v1();
        assert_eq!(
            v,
            json!({"f:metadata":{"f:labels":{"f:app":{}}},
                   "f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{}}}}})
        );
        assert_eq!(FieldSet::from_fields_v1(&v).unwrap(), s);
        assert_eq!(
            path_string(&img),
            ".spec.containers[name=\"app\"].image".to_string()
        );
    }

    #[test]
    fn value_and_index_elements() {
        let pe = PathElement::value(&json!("kubernetes.io/pvc-protection"));
        assert_eq!(pe.to_fields_v1_key(), "v:\"kubernetes.io/pvc-protection\"");
        assert_eq!(pe.to_string(), "[=\"kubernetes.io/pvc-protection\"]");
        assert_eq!(PathElement::Index(3).to_fields_v1_key(), "i:3");
        assert_eq!(
            PathElement::from_fields_v1_key("x:1").unwrap(),
            None,
            "unknown prefixes are skipped"
        );
        assert!(PathElement::from_fields_v1_key("k:[1]").is_err());
    }

    #[test]
    fn difference_is_member_wise_recursive_difference_is_not() {
        let a = FieldSet::from_paths([field_path(&["status", "x"]).as_slice()]);
        let b = FieldSet::from_paths([field_path(&["status"]).as_slice()]);
        assert_eq!(a.difference(&b), a);
        assert!(a.recursive_difference(&b).is_empty());
    }
}
