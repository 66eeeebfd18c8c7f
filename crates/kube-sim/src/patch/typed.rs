//! Schema-aware walks of objects for server-side apply, after structured-merge-diff's
//! `typed` package: the set of fields an object sets (`ToFieldSet`), the fields that
//! differ between two objects (`Compare`), the apply merge (`Merge`, right side wins) and
//! the removal of a set of fields (`RemoveItems`).
//!
//! Errors are plain strings prefixed with the path; callers wrap them as the apiserver does.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::MAX_DEPTH;
use super::fieldset::{FieldSet, Path, PathElement, path_string};
use super::schema::{ListType, Ty};

/// Fields added, changed and removed from one object to another (SMD `Comparison`).
#[derive(Debug, Default)]
pub(crate) struct Comparison {
    pub(crate) added: FieldSet,
    pub(crate) modified: FieldSet,
    pub(crate) removed: FieldSet,
}

fn too_deep(path: &[PathElement]) -> String {
    format!("{}: nesting exceeds {MAX_DEPTH} levels", path_string(path))
}

fn at(path: &[PathElement], msg: impl std::fmt::Display) -> String {
    if path.is_empty() {
        msg.to_string()
    } else {
        format!("{}: {msg}", path_string(path))
    }
}

/// The path element of an associative list item (SMD `listItemToPathElement`).
pub(crate) fn item_element(item: &Value, lt: ListType) -> Result<PathElement, String> {
    match lt {
        ListType::Map { keys, defaults } => {
            let m = match item {
                Value::Object(m) => m,
                Value::Null => {
                    return Err("associative list with keys may not have a null element".into());
                }
                _ => {
                    return Err("associative list with keys may not have non-map elements".into());
                }
            };
            let mut key = Map::new();
            for k in keys {
                if let Some(v) = m.get(*k) {
                    key.insert((*k).to_string(), v.clone());
                } else if let Some((_, d)) = defaults.iter().find(|(name, _)| name == k) {
                    // structured-merge-diff: a key field missing from the item takes its schema default.
                    key.insert((*k).to_string(), Value::String((*d).to_string()));
                }
            }
            if key.is_empty() {
                return Err(format!(
                    "associative list with keys has an element that omits all key fields {keys:?} \
                     (and doesn't have default values for any key fields)"
                ));
            }
            Ok(PathElement::key(&key))
        }
        ListType::Set => match item {
            Value::Object(_) => {
                Err("associative list without keys has an element that's a map type".into())
            }
            Value::Array(_) => Err("not supported: associative list with lists as elements".into()),
            Value::Null => {
                Err("associative list without keys has an element that's an explicit null".into())
            }
            v => Ok(PathElement::value(v)),
        },
        ListType::Atomic => Err("invalid indexing of non-associative list".into()),
    }
}

/// The list type to use for a stored list: one whose items cannot all be keyed (an
/// object the simulator stored without validation) is treated as atomic, where
/// kube-apiserver would have refused the object in the first place.
fn stored_list_type(items: &[Value], lt: ListType) -> ListType {
    if lt != ListType::Atomic && items.iter().any(|i| item_element(i, lt).is_err()) {
        ListType::Atomic
    } else {
        lt
    }
}

/// Value equality as SMD sees it: numbers compare numerically (1 == 1.0).
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x.is_f64() || y.is_f64() {
                x.as_f64() == y.as_f64()
            } else {
                x == y
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Elements of an associative list with, per element, every item that has it.
type Indexed<'a> = (Vec<PathElement>, BTreeMap<PathElement, Vec<&'a Value>>);

fn index_items<'a>(
    items: &'a [Value],
    lt: ListType,
    path: &[PathElement],
) -> Result<Indexed<'a>, String> {
    let mut order = Vec::new();
    let mut by_pe: BTreeMap<PathElement, Vec<&Value>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let pe = item_element(item, lt).map_err(|e| at(path, format!("element {i}: {e}")))?;
        let entry = by_pe.entry(pe.clone()).or_default();
        if entry.is_empty() {
            order.push(pe);
        }
        entry.push(item);
    }
    Ok((order, by_pe))
}

// ---- ToFieldSet --------------------------------------------------------------------------

/// The fields an object sets (SMD `ToFieldSet`). With `allow_duplicates` false, two list
/// items with the same key are an error, as for an applied configuration.
pub(crate) fn to_field_set(v: &Value, ty: Ty, allow_duplicates: bool) -> Result<FieldSet, String> {
    let mut set = FieldSet::new();
    fieldset_walk(v, ty, &mut Vec::new(), &mut set, allow_duplicates)?;
    Ok(set)
}

fn fieldset_walk(
    v: &Value,
    ty: Ty,
    path: &mut Path,
    set: &mut FieldSet,
    dups: bool,
) -> Result<(), String> {
    if path.len() > MAX_DEPTH {
        return Err(too_deep(path));
    }
    if matches!(ty, Ty::Atomic) {
        set.insert(path);
        return Ok(());
    }
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                path.push(PathElement::Field(k.clone()));
                fieldset_walk(child, ty.field(k), path, set, dups)?;
                // structured-merge-diff: null and empty-map values are members themselves.
                if child.is_null() || child.as_object().is_some_and(Map::is_empty) {
                    set.insert(path);
                }
                path.pop();
            }
        }
        Value::Array(items) => {
            let mut lt = ty.list_type();
            if dups {
                lt = stored_list_type(items, lt);
            }
            if lt == ListType::Atomic {
                set.insert(path);
                return Ok(());
            }
            let (order, by_pe) = index_items(items, lt, path)?;
            for pe in order {
                let found = by_pe.get(&pe).map(Vec::as_slice).unwrap_or_default();
                path.push(pe.clone());
                match found {
                    [one] => fieldset_walk(one, ty.elem(), path, set, dups)?,
                    _ if !dups => {
                        let msg = format!("duplicate entries for key {pe}");
                        path.pop();
                        return Err(at(path, msg));
                    }
                    // Duplicated items are owned as a whole (SMD `visitListItems`).
                    _ => {}
                }
                set.insert(path);
                path.pop();
            }
        }
        _ => set.insert(path),
    }
    Ok(())
}

// ---- Compare -----------------------------------------------------------------------------

/// The fields added, modified and removed from `lhs` to `rhs` (SMD `Compare`).
pub(crate) fn compare(lhs: &Value, rhs: &Value, ty: Ty) -> Result<Comparison, String> {
    let mut out = Comparison::default();
    compare_walk(Some(lhs), Some(rhs), ty, &mut Vec::new(), &mut out)?;
    Ok(out)
}

/// What a node is for walking: a map, a list, or a leaf. A `null` facing a map or a list
/// counts as an empty one, as SMD's `mapValue`/`listValue` of null are nil.
enum Shape<'a> {
    Map(Option<&'a Map<String, Value>>),
    List(Option<&'a [Value]>),
    Leaf,
}

/// The node kind of one side; `null` and absent both count as "no container".
#[derive(Clone, Copy, PartialEq, Eq)]
enum Node {
    Empty,
    Map,
    List,
    Scalar,
}

fn node(v: Option<&Value>) -> Node {
    match v {
        Some(Value::Object(_)) => Node::Map,
        Some(Value::Array(_)) => Node::List,
        Some(Value::Null) | None => Node::Empty,
        Some(_) => Node::Scalar,
    }
}

fn shape<'a>(lhs: Option<&'a Value>, rhs: Option<&'a Value>) -> (Shape<'a>, Shape<'a>) {
    let as_map = |v: Option<&'a Value>| v.and_then(Value::as_object);
    let as_list = |v: Option<&'a Value>| v.and_then(Value::as_array).map(Vec::as_slice);
    match (node(lhs), node(rhs)) {
        (Node::Map, Node::Map | Node::Empty) | (Node::Empty, Node::Map) => {
            (Shape::Map(as_map(lhs)), Shape::Map(as_map(rhs)))
        }
        (Node::List, Node::List | Node::Empty) | (Node::Empty, Node::List) => {
            (Shape::List(as_list(lhs)), Shape::List(as_list(rhs)))
        }
        // Scalars, nulls on both sides, and a change of kind are leaves.
        _ => (Shape::Leaf, Shape::Leaf),
    }
}

fn compare_leaf(
    lhs: Option<&Value>,
    rhs: Option<&Value>,
    path: &[PathElement],
    out: &mut Comparison,
) {
    match (lhs, rhs) {
        (None, Some(_)) => out.added.insert(path),
        (Some(_), None) => out.removed.insert(path),
        (Some(l), Some(r)) if !json_eq(l, r) => out.modified.insert(path),
        _ => {}
    }
}

fn compare_walk(
    lhs: Option<&Value>,
    rhs: Option<&Value>,
    ty: Ty,
    path: &mut Path,
    out: &mut Comparison,
) -> Result<(), String> {
    if path.len() > MAX_DEPTH {
        return Err(too_deep(path));
    }
    let leaf = matches!(ty, Ty::Atomic)
        || match shape(lhs, rhs) {
            (Shape::Map(l), Shape::Map(r)) => {
                let (le, re) = (l.is_none_or(Map::is_empty), r.is_none_or(Map::is_empty));
                if le && re {
                    true
                } else {
                    let keys: BTreeSet<&String> =
                        l.iter().chain(r.iter()).flat_map(|m| m.keys()).collect();
                    for k in keys {
                        path.push(PathElement::Field(k.clone()));
                        compare_walk(
                            l.and_then(|m| m.get(k)),
                            r.and_then(|m| m.get(k)),
                            ty.field(k),
                            path,
                            out,
                        )?;
                        path.pop();
                    }
                    false
                }
            }
            (Shape::List(l), Shape::List(r)) => {
                let lt = stored_list_type(
                    r.unwrap_or_default(),
                    stored_list_type(l.unwrap_or_default(), ty.list_type()),
                );
                let (le, re) = (
                    l.is_none_or(<[Value]>::is_empty),
                    r.is_none_or(<[Value]>::is_empty),
                );
                if lt == ListType::Atomic || (le && re) {
                    true
                } else {
                    compare_list(
                        l.unwrap_or_default(),
                        r.unwrap_or_default(),
                        lt,
                        ty.elem(),
                        path,
                        out,
                    )?;
                    false
                }
            }
            _ => true,
        };
    if leaf {
        compare_leaf(lhs, rhs, path, out);
    } else if lhs.is_none() {
        out.added.insert(path);
    } else if rhs.is_none() {
        out.removed.insert(path);
    }
    Ok(())
}

fn compare_list(
    lhs: &[Value],
    rhs: &[Value],
    lt: ListType,
    elem: Ty,
    path: &mut Path,
    out: &mut Comparison,
) -> Result<(), String> {
    let (mut all, lvals) = index_items(lhs, lt, path)?;
    let (rorder, rvals) = index_items(rhs, lt, path)?;
    all.extend(rorder.into_iter().filter(|pe| !lvals.contains_key(pe)));
    for pe in all {
        let l = lvals.get(&pe).map(Vec::as_slice).unwrap_or_default();
        let r = rvals.get(&pe).map(Vec::as_slice).unwrap_or_default();
        path.push(pe);
        match (l.len(), r.len()) {
            (0..=1, 0..=1) => {
                compare_walk(l.first().copied(), r.first().copied(), elem, path, out)?
            }
            (2.., 2..) => {
                let same = l.len() == r.len() && l.iter().zip(r).all(|(a, b)| json_eq(a, b));
                if !same {
                    out.modified.insert(path);
                }
            }
            (2.., _) => {
                if let Some(first) = r.first() {
                    compare_walk(None, Some(first), elem, path, out)?;
                }
                out.removed.insert(path);
            }
            _ => {
                if let Some(first) = l.first() {
                    compare_walk(Some(first), None, elem, path, out)?;
                }
                out.added.insert(path);
            }
        }
        path.pop();
    }
    Ok(())
}

// ---- Merge -------------------------------------------------------------------------------

/// Merges an applied configuration into a live object (SMD `Merge` with the right side
/// winning at every leaf). `null` values of the configuration unset the field.
pub(crate) fn merge(lhs: &Value, rhs: &Value, ty: Ty) -> Result<Value, String> {
    Ok(merge_walk(Some(lhs), Some(rhs), ty, &mut Vec::new())?.unwrap_or(Value::Null))
}

fn merge_walk(
    lhs: Option<&Value>,
    rhs: Option<&Value>,
    ty: Ty,
    path: &mut Path,
) -> Result<Option<Value>, String> {
    if path.len() > MAX_DEPTH {
        return Err(too_deep(path));
    }
    let Some(r) = rhs else {
        return Ok(lhs.cloned());
    };
    if matches!(ty, Ty::Atomic) {
        return Ok(Some(without_nulls(r)));
    }
    match shape(lhs, rhs) {
        (Shape::Map(l), Shape::Map(Some(rm)))
            if !(l.is_none_or(Map::is_empty) && rm.is_empty()) =>
        {
            let mut out = l.cloned().unwrap_or_default();
            for (k, rv) in rm {
                path.push(PathElement::Field(k.clone()));
                let merged = merge_walk(out.get(k), Some(rv), ty.field(k), path)?;
                path.pop();
                match merged {
                    // An explicit null in the configuration unsets the field: the typed
                    // object kube-apiserver converts to has no such field.
                    Some(Value::Null) | None => {
                        out.remove(k);
                    }
                    Some(v) => {
                        out.insert(k.clone(), v);
                    }
                }
            }
            Ok(Some(Value::Object(out)))
        }
        (Shape::List(l), Shape::List(Some(rl))) => {
            let l = l.unwrap_or_default();
            let lt = stored_list_type(l, ty.list_type());
            if lt == ListType::Atomic || (l.is_empty() && rl.is_empty()) {
                return Ok(Some(without_nulls(r)));
            }
            merge_list(l, rl, lt, ty.elem(), path).map(|items| Some(Value::Array(items)))
        }
        _ => Ok(Some(without_nulls(r))),
    }
}

/// A configuration value taken whole, without the `null` fields the typed round trip
/// of kube-apiserver would drop.
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, c)| !c.is_null())
                .map(|(k, c)| (k.clone(), without_nulls(c)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// SMD `visitListItems` of the merging walker: the configuration's order wins, live-only
/// items stay where they were relative to the shared ones.
fn merge_list(
    lhs: &[Value],
    rhs: &[Value],
    lt: ListType,
    elem: Ty,
    path: &mut Path,
) -> Result<Vec<Value>, String> {
    let (rhs_pes, rvals) = index_items(rhs, lt, path)?;
    if let Some((pe, _)) = rvals.iter().find(|(_, v)| v.len() > 1) {
        return Err(at(path, format!("duplicate entries for key {pe}")));
    }
    let mut lhs_pes = Vec::with_capacity(lhs.len());
    for (i, item) in lhs.iter().enumerate() {
        lhs_pes.push(item_element(item, lt).map_err(|e| at(path, format!("element {i}: {e}")))?);
    }
    let (_, lvals) = index_items(lhs, lt, path)?;
    // A live key that is duplicated merges as if it were null (SMD inserts a nil value).
    let live_item = |pe: &PathElement| -> Option<Value> {
        lvals.get(pe).map(|v| match v.as_slice() {
            [one] => (*one).clone(),
            _ => Value::Null,
        })
    };
    let mut shared: std::collections::VecDeque<&PathElement> = rhs_pes
        .iter()
        .filter(|pe| lvals.contains_key(*pe))
        .collect();
    let mut next_shared = shared.pop_front();
    let mut merged_rhs: BTreeSet<&PathElement> = BTreeSet::new();
    let mut out = Vec::with_capacity(lhs.len().max(rhs.len()));
    let (mut li, mut ri) = (0, 0);
    let mut push = |pe: &PathElement, l: Option<Value>, r: Option<&Value>, out: &mut Vec<Value>| {
        path.push(pe.clone());
        let res = merge_walk(l.as_ref(), r, elem, path);
        path.pop();
        if let Some(v) = res? {
            out.push(v);
        }
        Ok::<(), String>(())
    };
    while li < lhs_pes.len() || ri < rhs_pes.len() {
        if li < lhs_pes.len() && ri < rhs_pes.len() {
            let pe = &lhs_pes[li];
            if *pe == rhs_pes[ri] {
                merged_rhs.insert(pe);
                push(
                    pe,
                    live_item(pe),
                    rvals.get(pe).and_then(|v| v.first().copied()),
                    &mut out,
                )?;
                li += 1;
                ri += 1;
                next_shared = shared.pop_front();
                continue;
            }
            if rvals.contains_key(pe) && next_shared.is_some_and(|n| n != pe) {
                li += 1;
                continue;
            }
        }
        if li < lhs_pes.len() {
            let pe = &lhs_pes[li];
            if !rvals.contains_key(pe) {
                push(pe, Some(lhs[li].clone()), None, &mut out)?;
                li += 1;
                continue;
            } else if merged_rhs.contains(pe) {
                li += 1;
            }
        }
        if ri < rhs_pes.len() {
            let pe = &rhs_pes[ri];
            merged_rhs.insert(pe);
            push(
                pe,
                live_item(pe),
                rvals.get(pe).and_then(|v| v.first().copied()),
                &mut out,
            )?;
            ri += 1;
            if next_shared == Some(pe) {
                next_shared = shared.pop_front();
            }
        }
    }
    Ok(out)
}

// ---- RemoveItems -------------------------------------------------------------------------

/// Removes every member of `set` (with everything below it) from `v` (SMD `RemoveItems`).
/// A map or list left empty by the removal disappears, as SMD turns it into null.
pub(crate) fn remove_items(v: &Value, set: &FieldSet, ty: Ty) -> Value {
    remove_walk(v, set, ty, 0).unwrap_or_else(|| Value::Object(Map::new()))
}

fn remove_walk(v: &Value, set: &FieldSet, ty: Ty, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH || matches!(ty, Ty::Atomic) {
        return Some(v.clone());
    }
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, child) in m {
                let pe = PathElement::Field(k.clone());
                if set.has(std::slice::from_ref(&pe)) {
                    continue;
                }
                let kept = match set.child(&pe) {
                    Some(sub) => remove_walk(child, sub, ty.field(k), depth + 1),
                    None => Some(child.clone()),
                };
                if let Some(c) = kept {
                    out.insert(k.clone(), c);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(items) => {
            let lt = ty.list_type();
            if lt == ListType::Atomic {
                return Some(v.clone());
            }
            let mut out = Vec::new();
            for item in items {
                let Ok(pe) = item_element(item, lt) else {
                    out.push(item.clone());
                    continue;
                };
                if set.has(std::slice::from_ref(&pe)) {
                    continue;
                }
                let kept = match set.child(&pe) {
                    Some(sub) => remove_walk(item, sub, ty.elem(), depth + 1),
                    None => Some(item.clone()),
                };
                out.extend(kept);
            }
            (!out.is_empty()).then_some(Value::Array(out))
        }
        scalar => Some(scalar.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fieldset::field_path;
    use super::super::schema::root;
    use super::*;
    use serde_json::json;

    fn pod() -> Ty {
        root("v1", "Pod")
    }

    #[test]
    fn field_set_of_a_pod() {
        let v = json!({"metadata": {"labels": {"app": "x"}, "annotations": {}},
            "spec": {"containers": [{"name": "app", "image": "i", "ports": [{"containerPort": 80}]}],
                     "tolerations": [{"key": "k"}]}});
        let set = to_field_set(&v, pod(), false).unwrap();
        assert_eq!(
            set.to_fields_v1(),
            json!({"f:metadata": {"f:annotations": {}, "f:labels": {"f:app": {}}},
                "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:name": {},
                    "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}}}},
                    "f:tolerations": {}}})
        );
    }

    #[test]
    fn duplicate_keys_rejected_in_applied_config_only() {
        let v = json!({"spec": {"containers": [{"name": "a"}, {"name": "a"}]}});
        let err = to_field_set(&v, pod(), false).unwrap_err();
        assert_eq!(
            err,
            ".spec.containers: duplicate entries for key [name=\"a\"]"
        );
        let set = to_field_set(&v, pod(), true).unwrap();
        assert_eq!(
            set.to_fields_v1(),
            json!({"f:spec": {"f:containers": {"k:{\"name\":\"a\"}": {}}}})
        );
    }

    #[test]
    fn compare_marks_new_maps_as_added() {
        let old = json!({"spec": {"containers": null}});
        let new = json!({"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
        let c = compare(&old, &new, pod()).unwrap();
        assert_eq!(
            c.added.to_fields_v1(),
            json!({"f:metadata": {".": {}, "f:labels": {".": {}, "f:a": {}}},
                "f:spec": {"f:containers": {"k:{\"name\":\"c\"}": {".": {}, "f:image": {}, "f:name": {}}}}})
        );
        assert!(c.modified.is_empty() && c.removed.is_empty());
    }

    #[test]
    fn merge_keeps_live_only_items_in_place() {
        let live = json!({"spec": {"containers": [{"name": "a"}, {"name": "side"}, {"name": "b", "image": "1"}]}});
        let cfg = json!({"spec": {"containers": [{"name": "b", "image": "2"}, {"name": "a", "image": "x"}]}});
        let m = merge(&live, &cfg, pod()).unwrap();
        let names: Vec<&str> = m["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["side", "b", "a"]);
        assert_eq!(m["spec"]["containers"][1]["image"], "2");
    }

    #[test]
    fn remove_items_drops_emptied_maps() {
        let v = json!({"metadata": {"labels": {"a": "1"}, "name": "x"}});
        let set = FieldSet::from_paths([field_path(&["metadata", "labels", "a"]).as_slice()]);
        assert_eq!(
            remove_items(&v, &set, pod()),
            json!({"metadata": {"name": "x"}})
        );
    }
}
