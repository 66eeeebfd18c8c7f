//! Strategic merge patch (`application/strategic-merge-patch+json`), the server side of
//! apimachinery `strategicpatch.StrategicMergeMapPatch`: what `kubectl apply`
//! (client-side, 3-way) and `kubectl patch` send for built-in kinds.
//!
//! Lists with `patchStrategy: merge` merge by their `patchMergeKey` (see `schema`),
//! primitive merge lists are unions; other lists are replaced. Directives: `$patch:
//! replace|delete|merge` on maps and list items, `$retainKeys`, `$setElementOrder/<list>`,
//! `$deleteFromPrimitiveList/<list>`. No directive is ever left in the result.

use serde_json::{Map, Value};

use super::error::PatchError;
use super::schema::{self, Smp, Ty};

const DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ORDER_PREFIX: &str = "$setElementOrder";
const DELETE_PRIMITIVE_PREFIX: &str = "$deleteFromPrimitiveList";

// apimachinery mergepatch errors that kube-apiserver maps to 400 (interpretStrategicMergePatchError).
const BAD_PRIMITIVE_LIST: &str = "invalid patch format of primitive list";
const BAD_RETAIN_KEYS: &str = "invalid patch format of retainKeys";
const BAD_SET_ORDER: &str = "invalid patch format of setElementOrder list";

/// Applies a strategic merge patch to `original`, an object of `api_version`/`kind`.
///
/// Custom resources (and any kind outside the built-in API groups) get 415, as from
/// kube-apiserver. Errors kube-apiserver does not classify are 500, as there.
pub(crate) fn strategic_merge_patch(
    api_version: &str,
    kind: &str,
    original: &Value,
    patch: &Value,
) -> Result<Value, PatchError> {
    if !schema::supports_strategic(api_version, kind) {
        return Err(super::dispatch::unsupported_media_type(api_version, kind));
    }
    let Value::Object(p) = patch else {
        return Err(PatchError::BadRequest(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(patch)
        )));
    };
    let Value::Object(o) = original else {
        return Err(PatchError::BadRequest("invalid JSON document".into()));
    };
    if super::too_deep(original) || super::too_deep(patch) {
        return Err(PatchError::BadRequest(format!(
            "patch nesting exceeds {} levels",
            super::MAX_DEPTH
        )));
    }
    let merged = merge_map(o.clone(), p.clone(), schema::root(api_version, kind))?;
    Ok(strip_directives(Value::Object(merged)).unwrap_or_else(|| Value::Object(Map::new())))
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Null => "null",
        Value::Object(_) => "object",
    }
}

fn internal(msg: impl Into<String>) -> PatchError {
    PatchError::Internal(msg.into())
}

fn no_merge_key(item: &Value, key: &str) -> PatchError {
    internal(format!(
        "map: {item} does not contain declared merge key: {key}"
    ))
}

/// The element kind of SMP lists (Go `reflect.Type` of the decoded JSON values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Map,
    String,
    Int,
    Float,
    Bool,
    Null,
}

fn kind_of(v: &Value) -> Option<Kind> {
    Some(match v {
        Value::Object(_) => Kind::Map,
        Value::String(_) => Kind::String,
        Value::Number(n) if n.is_f64() => Kind::Float,
        Value::Number(_) => Kind::Int,
        Value::Bool(_) => Kind::Bool,
        Value::Null => Kind::Null,
        Value::Array(_) => return None,
    })
}

/// strategicpatch `sliceElementType`: every element of the lists has one kind.
fn element_kind(lists: &[&[Value]]) -> Result<Kind, PatchError> {
    let mut prev = None;
    for v in lists.iter().flat_map(|l| l.iter()) {
        let Some(k) = kind_of(v) else {
            return Err(PatchError::Unprocessable(
                "lists of lists are not supported".into(),
            ));
        };
        match prev {
            None => prev = Some(k),
            Some(p) if p != k => {
                return Err(internal(format!(
                    "list element types are not identical: {}",
                    Value::Array(lists.iter().flat_map(|l| l.iter().cloned()).collect())
                )));
            }
            _ => {}
        }
    }
    prev.ok_or_else(|| internal("no elements in any of the given slices"))
}

/// strategicpatch `mergeMap`.
fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    ty: Ty,
) -> Result<Map<String, Value>, PatchError> {
    if let Some(d) = patch.get(DIRECTIVE) {
        return match d.as_str() {
            Some("replace") => {
                patch.remove(DIRECTIVE);
                Ok(patch)
            }
            Some("delete") => Ok(Map::new()),
            _ => Err(internal(format!(
                "unknown patch type: {d} in map: {}",
                Value::Object(patch.clone())
            ))),
        };
    }
    apply_retain_keys(&mut original, &mut patch)?;
    merge_set_element_order(&mut original, &mut patch, ty)?;
    // Go iterates the patch in random order; deletion lists go last here so that a
    // list both extended and shrunk by one patch keeps live order, then additions.
    let (deletions, others): (Vec<_>, Vec<_>) = patch
        .into_iter()
        .partition(|(k, _)| k.starts_with(DELETE_PRIMITIVE_PREFIX));
    for (k, pv) in others.into_iter().chain(deletions) {
        let (key, is_delete_list) = if k.starts_with(DELETE_PRIMITIVE_PREFIX) {
            (
                extract_key(&k, DELETE_PRIMITIVE_PREFIX, BAD_PRIMITIVE_LIST)?,
                true,
            )
        } else {
            (k, false)
        };
        if pv.is_null() {
            original.remove(&key);
            continue;
        }
        let same_kind = original
            .get(&key)
            .is_some_and(|ov| std::mem::discriminant(ov) == std::mem::discriminant(&pv));
        if !same_kind {
            // Absent from the original, or of another type: the patch value wins.
            if !is_delete_list {
                match remove_directives(discard_nulls(pv)) {
                    Some(v) => original.insert(key, v),
                    None => original.remove(&key),
                };
            }
            continue;
        }
        let fty = ty.field(&key);
        let merged =
            match (original.remove(&key), pv) {
                (Some(Value::Object(o)), Value::Object(p)) => {
                    Some(Value::Object(merge_map(o, p, fty)?))
                }
                (Some(Value::Array(o)), Value::Array(p)) => Some(Value::Array(
                    merge_slice_handler(o, p, fty, is_delete_list)?,
                )),
                (_, pv) => remove_directives(pv),
            };
        if let Some(v) = merged {
            original.insert(key, v);
        }
    }
    Ok(original)
}

/// strategicpatch `extractKey`: `$prefix/<field>` → `<field>`.
fn extract_key(s: &str, prefix: &str, err: &str) -> Result<String, PatchError> {
    match s.split_once('/') {
        Some((p, rest)) if p == prefix => Ok(rest.to_string()),
        _ => Err(PatchError::BadRequest(err.to_string())),
    }
}

/// strategicpatch `applyRetainKeysDirective`: keys of the original not listed are
/// cleared; keys of the patch must be listed.
fn apply_retain_keys(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
) -> Result<(), PatchError> {
    let Some(retain) = patch.remove(RETAIN_KEYS) else {
        return Ok(());
    };
    let Value::Array(retain) = retain else {
        return Err(PatchError::BadRequest(BAD_RETAIN_KEYS.into()));
    };
    let listed = |k: &str| retain.iter().any(|r| r.as_str() == Some(k));
    for (k, v) in patch.iter() {
        if v.is_null() || k.starts_with(DELETE_PRIMITIVE_PREFIX) || k.starts_with(SET_ORDER_PREFIX)
        {
            continue;
        }
        if !listed(k) {
            return Err(PatchError::BadRequest(BAD_RETAIN_KEYS.into()));
        }
    }
    original.retain(|k, _| listed(k));
    Ok(())
}

/// How one list merges: the table's `Smp` with a key that may come from the patch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strategy<'a> {
    Replace,
    Primitive,
    Key(&'a str),
}

impl From<Smp> for Strategy<'static> {
    fn from(s: Smp) -> Self {
        match s {
            Smp::Replace => Strategy::Replace,
            Smp::MergePrimitive => Strategy::Primitive,
            Smp::MergeKey(k) => Strategy::Key(k),
        }
    }
}

/// The strategy of a list, or for a list the table does not describe, what its
/// `$setElementOrder` list implies: kubectl only sends one for merge lists, with items
/// holding just the merge key (or the scalars of a primitive list).
fn effective_strategy(fty: Ty, order: &[Value]) -> Strategy<'_> {
    let known = Strategy::from(fty.smp());
    if known != Strategy::Replace {
        return known;
    }
    match order.first() {
        Some(Value::Object(first)) if first.len() == 1 => {
            let key = first.keys().next().map_or("", String::as_str);
            let same = order.iter().all(|o| {
                o.as_object()
                    .is_some_and(|m| m.len() == 1 && m.contains_key(key))
            });
            if same {
                Strategy::Key(key)
            } else {
                Strategy::Replace
            }
        }
        Some(v) if !v.is_object() && !v.is_array() => Strategy::Primitive,
        _ => Strategy::Replace,
    }
}

/// strategicpatch `mergePatchIntoOriginal`: merges each list that has a
/// `$setElementOrder/<list>` and orders it: that list first, then the patch, then live.
fn merge_set_element_order(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    ty: Ty,
) -> Result<(), PatchError> {
    let keys: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ORDER_PREFIX))
        .cloned()
        .collect();
    for k in keys {
        let Some(order) = patch.remove(&k) else {
            continue;
        };
        let Value::Array(order) = order else {
            return Err(internal(format!(
                "expected a []interface {{}}, but received a {}",
                json_kind(&order)
            )));
        };
        let field = extract_key(&k, SET_ORDER_PREFIX, BAD_SET_ORDER)?;
        let orig_list = match original.get(&field) {
            None => None,
            Some(Value::Array(l)) => Some(l.clone()),
            Some(other) => {
                return Err(internal(format!(
                    "expected a []interface {{}}, but received a {}",
                    json_kind(other)
                )));
            }
        };
        let patch_list = match patch.remove(&field) {
            None => None,
            Some(Value::Array(l)) => Some(l),
            Some(other) => {
                return Err(internal(format!(
                    "expected a []interface {{}}, but received a {}",
                    json_kind(&other)
                )));
            }
        };
        let strategy = effective_strategy(ty.field(&field), &order);
        let key = match strategy {
            Strategy::Key(k) => Some(k),
            _ => None,
        };
        validate_with_order(patch_list.as_deref().unwrap_or_default(), &order, key)?;
        let orig = orig_list.unwrap_or_default();
        let mut server_order = orig.clone();
        let merged = match &patch_list {
            None if original.contains_key(&field) => orig.clone(),
            None => continue,
            Some(p) if !original.contains_key(&field) => remove_directives_list(p.clone()),
            Some(p) => {
                let (merged, view) =
                    merge_slice_with(orig.clone(), p.clone(), ty.field(&field), strategy, false)?;
                server_order = view;
                merged
            }
        };
        if strategy == Strategy::Replace {
            // A list the table does not know and whose order list tells nothing:
            // keep the merged (replaced) list as is.
            original.insert(field, Value::Array(merged));
            continue;
        }
        let kind = element_kind(&[&orig, patch_list.as_deref().unwrap_or_default()])?;
        let (patch_items, server_only) = partition(&merged, &order, key)?;
        let both =
            normalize_element_order(patch_items, server_only, &order, &server_order, key, kind)?;
        original.insert(field, Value::Array(both));
    }
    Ok(())
}

/// strategicpatch `validatePatchWithSetOrderList`: patch items appear in the order list,
/// in the same relative order.
fn validate_with_order(
    patch: &[Value],
    order: &[Value],
    key: Option<&str>,
) -> Result<(), PatchError> {
    if patch.is_empty() || order.is_empty() {
        return Ok(());
    }
    let non_delete: Vec<&Value> = match key {
        Some(_) => {
            if let Some(bad) = patch.iter().find(|v| !v.is_object()) {
                return Err(internal(format!(
                    "expected a map[string]interface {{}}, but received a {}",
                    json_kind(bad)
                )));
            }
            patch.iter().filter(|v| !is_delete_item(v)).collect()
        }
        None => patch.iter().collect(),
    };
    let (mut pi, mut si) = (0, 0);
    while pi < non_delete.len() && si < order.len() {
        if non_delete[pi].get(DIRECTIVE).is_some() {
            pi += 1;
            continue;
        }
        let equal = match key {
            None => non_delete[pi] == &order[si],
            Some(k) => {
                let l = non_delete[pi]
                    .get(k)
                    .ok_or_else(|| no_merge_key(non_delete[pi], k))?;
                let r = order[si]
                    .get(k)
                    .ok_or_else(|| no_merge_key(&order[si], k))?;
                l == r
            }
        };
        if equal {
            pi += 1;
        }
        si += 1;
    }
    if pi < non_delete.len() && si >= order.len() {
        return Err(internal(format!(
            "The order in patch list:\n{}\n doesn't match {SET_ORDER_PREFIX} list:\n{}\n",
            Value::Array(patch.to_vec()),
            Value::Array(order.to_vec())
        )));
    }
    Ok(())
}

fn is_delete_item(v: &Value) -> bool {
    v.get(DIRECTIVE).and_then(Value::as_str) == Some("delete")
}

/// strategicpatch `mergeSliceHandler`: merge lists merge (and delete lists delete),
/// other lists are replaced by the patch.
fn merge_slice_handler(
    original: Vec<Value>,
    patch: Vec<Value>,
    fty: Ty,
    is_delete_list: bool,
) -> Result<Vec<Value>, PatchError> {
    merge_slice_with(original, patch, fty, fty.smp().into(), is_delete_list)
        .map(|(merged, _)| merged)
}

/// A merged list and the live list as the caller's Go slice sees it afterwards: Go
/// deletes and appends in place, so `$setElementOrder` ordering sees shifted items.
type Merged = (Vec<Value>, Vec<Value>);

fn merge_slice_with(
    original: Vec<Value>,
    patch: Vec<Value>,
    fty: Ty,
    strategy: Strategy<'_>,
    is_delete_list: bool,
) -> Result<Merged, PatchError> {
    match strategy {
        Strategy::Replace if !is_delete_list => Ok((patch, original)),
        Strategy::Key(k) => merge_slice(original, patch, fty.elem(), Some(k), is_delete_list),
        _ => merge_slice(original, patch, fty.elem(), None, is_delete_list),
    }
}

/// strategicpatch `mergeSlice`.
fn merge_slice(
    original: Vec<Value>,
    patch: Vec<Value>,
    elem: Ty,
    key: Option<&str>,
    is_delete_list: bool,
) -> Result<Merged, PatchError> {
    if original.is_empty() && patch.is_empty() {
        return Ok((original, Vec::new()));
    }
    let kind = element_kind(&[&original, &patch])?;
    let mut view = original.clone();
    let (server_order, patch, merged) = if kind != Kind::Map {
        if is_delete_list {
            let kept = original
                .iter()
                .filter(|v| !patch.contains(v))
                .cloned()
                .collect();
            return Ok((kept, original));
        }
        let mut both = original.clone();
        both.extend(patch.iter().cloned());
        (original, patch, deduplicate_scalars(both))
    } else {
        let Some(k) = key else {
            return Err(internal(
                "cannot merge lists without merge key for the list".to_string(),
            ));
        };
        let (original, patch) = merge_special_elements(original, patch, k, &mut view)?;
        let merged = merge_without_special_elements(original.clone(), &patch, k, elem, &mut view)?;
        (original, patch, merged)
    };
    let (patch_items, server_only) = partition(&merged, &patch, key)?;
    let out = normalize_element_order(patch_items, server_only, &patch, &server_order, key, kind)?;
    Ok((out, view))
}

/// strategicpatch `deduplicateScalars` (swap-with-last; the order is fixed afterwards).
fn deduplicate_scalars(mut s: Vec<Value>) -> Vec<Value> {
    let mut i = 0;
    while i + 1 < s.len() {
        let mut j = i + 1;
        while j < s.len() {
            if s[i] == s[j] {
                s.swap_remove(j);
            } else {
                j += 1;
            }
        }
        i += 1;
    }
    s
}

/// strategicpatch `mergeSliceWithSpecialElements`: `$patch: delete` items delete by
/// merge key, `$patch: replace` makes the patch items the whole list.
fn merge_special_elements(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    key: &str,
    view: &mut [Value],
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let mut plain = Vec::new();
    let mut replace = false;
    for v in patch {
        let Some(d) = v.get(DIRECTIVE) else {
            plain.push(v);
            continue;
        };
        match d.as_str() {
            Some("delete") => {
                let Some(kv) = v.get(key) else {
                    return Err(no_merge_key(&v, key));
                };
                if let Some(bad) = original.iter().position(|o| !o.is_object()) {
                    return Err(internal(format!("value for key {bad} is not a map")));
                }
                while let Some(i) = original.iter().position(|o| o.get(key) == Some(kv)) {
                    // Go's in-place delete shifts the caller's view; its last slot goes stale.
                    let len = original.len();
                    for j in i..len.saturating_sub(1) {
                        if j + 1 < view.len() {
                            view[j] = view[j + 1].clone();
                        }
                    }
                    original.remove(i);
                }
            }
            Some("replace") => replace = true,
            Some("merge") => {
                return Err(internal(
                    "merging lists cannot yet be specified in the patch",
                ));
            }
            _ => return Err(internal(format!("unknown patch type: {d} in map: {v}"))),
        }
    }
    Ok(if replace {
        (plain, Vec::new())
    } else {
        (original, plain)
    })
}

/// strategicpatch `mergeSliceWithoutSpecialElements`: items with a live match by merge
/// key merge into it, others are appended.
fn merge_without_special_elements(
    mut original: Vec<Value>,
    patch: &[Value],
    key: &str,
    elem: Ty,
    view: &mut [Value],
) -> Result<Vec<Value>, PatchError> {
    for v in patch {
        let Some(kv) = v.get(key) else {
            return Err(no_merge_key(v, key));
        };
        let mut found = None;
        for (i, o) in original.iter().enumerate() {
            let Value::Object(om) = o else {
                return Err(internal(format!("value for key {i} is not a map")));
            };
            if om.get(key) == Some(kv) {
                found = Some(i);
                break;
            }
        }
        match (found, v) {
            (Some(i), Value::Object(pm)) => {
                let om = match std::mem::take(&mut original[i]) {
                    Value::Object(m) => m,
                    _ => Map::new(),
                };
                original[i] = Value::Object(merge_map(om, pm.clone(), elem)?);
            }
            _ => {
                // An append into spare capacity is visible to the caller's slice.
                if let Some(slot) = view.get_mut(original.len()) {
                    *slot = v.clone();
                }
                original.push(v.clone());
            }
        }
    }
    Ok(original)
}

/// Splits `merged` into the items present in `by` (by merge key, or by value for
/// scalars) and the server-only ones (strategicpatch `partition*ByPresentInList`).
fn partition(
    merged: &[Value],
    by: &[Value],
    key: Option<&str>,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let mut in_patch = Vec::new();
    let mut server_only = Vec::new();
    for v in merged {
        let present = match key {
            None => by.contains(v),
            Some(k) => {
                let kv = v.get(k).ok_or_else(|| no_merge_key(v, k))?;
                by.iter().any(|b| b.get(k) == Some(kv))
            }
        };
        if present {
            in_patch.push(v.clone());
        } else {
            server_only.push(v.clone());
        }
    }
    Ok((in_patch, server_only))
}

/// Position of `v` in `list`, by merge key for maps (strategicpatch `index`).
fn index_of(list: &[Value], v: &Value, key: Option<&str>, kind: Kind) -> Option<usize> {
    match (kind, key) {
        (Kind::Map, Some(k)) => list.iter().position(|o| o.get(k) == v.get(k)),
        _ => list.iter().position(|o| o == v),
    }
}

/// strategicpatch `normalizeElementOrder`: patch items in the order of `patch_order`,
/// server-only items in live order, interleaved by live order where both are known.
fn normalize_element_order(
    patch_items: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    key: Option<&str>,
    kind: Kind,
) -> Result<Vec<Value>, PatchError> {
    let patch_items = normalize_slice_order(patch_items, patch_order, key, kind)?;
    let server_only = normalize_slice_order(server_only, server_order, key, kind)?;
    // strategicpatch `mergeSortedSlice`.
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(patch_items.len() + server_only.len());
    while i < server_only.len() || j < patch_items.len() {
        let take_left = if i >= server_only.len() {
            false
        } else if j >= patch_items.len() {
            true
        } else {
            let li = index_of(server_order, &server_only[i], key, kind);
            let ri = index_of(server_order, &patch_items[j], key, kind);
            matches!((li, ri), (Some(l), Some(r)) if l < r)
        };
        if take_left {
            out.push(server_only[i].clone());
            i += 1;
        } else {
            out.push(patch_items[j].clone());
            j += 1;
        }
    }
    Ok(out)
}

/// strategicpatch `normalizeSliceOrder`: stable sort by position in `order`; `$patch:
/// delete` items go last.
fn normalize_slice_order(
    to_sort: Vec<Value>,
    order: &[Value],
    key: Option<&str>,
    kind: Kind,
) -> Result<Vec<Value>, PatchError> {
    let (mut keep, delete): (Vec<Value>, Vec<Value>) = if kind == Kind::Map {
        let k = key.unwrap_or("");
        for v in to_sort.iter().chain(order) {
            if !v.is_object() {
                return Err(internal(format!(
                    "expected a map[string]interface {{}}, but received a {}",
                    json_kind(v)
                )));
            }
            if v.get(k).is_none() {
                return Err(no_merge_key(v, k));
            }
        }
        to_sort.into_iter().partition(|v| !is_delete_item(v))
    } else {
        (to_sort, Vec::new())
    };
    // Items missing from `order` sort first (Go's comparator answers "less" for them).
    keep.sort_by_key(|v| index_of(order, v, key, kind).map_or(0, |i| i + 1));
    keep.extend(delete);
    Ok(keep)
}

/// strategicpatch `removeDirectives` on a list: items carrying `$patch` are dropped.
fn remove_directives_list(items: Vec<Value>) -> Vec<Value> {
    items.into_iter().filter_map(remove_directives).collect()
}

/// strategicpatch `removeDirectives`: `None` when the value itself is a directive map.
fn remove_directives(v: Value) -> Option<Value> {
    match v {
        Value::Object(m) => {
            if m.contains_key(DIRECTIVE) {
                return None;
            }
            Some(Value::Object(
                m.into_iter()
                    .filter_map(|(k, v)| remove_directives(v).map(|v| (k, v)))
                    .collect(),
            ))
        }
        Value::Array(items) => Some(Value::Array(remove_directives_list(items))),
        other => Some(other),
    }
}

/// strategicpatch `discardNullValuesFromPatch`: nulls mean nothing in a value that is
/// added whole.
fn discard_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, discard_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(discard_nulls).collect()),
        other => other,
    }
}

/// Removes every directive left in a value kube-apiserver would have dropped when
/// decoding into the typed object: `$patch` maps, `$retainKeys`, parallel lists.
fn strip_directives(v: Value) -> Option<Value> {
    match v {
        Value::Object(m) => {
            if m.contains_key(DIRECTIVE) {
                return None;
            }
            Some(Value::Object(
                m.into_iter()
                    .filter(|(k, _)| {
                        k != RETAIN_KEYS
                            && !k.starts_with(SET_ORDER_PREFIX)
                            && !k.starts_with(DELETE_PRIMITIVE_PREFIX)
                    })
                    .filter_map(|(k, v)| strip_directives(v).map(|v| (k, v)))
                    .collect(),
            ))
        }
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(strip_directives).collect(),
        )),
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn smp(original: Value, patch: Value) -> Result<Value, PatchError> {
        strategic_merge_patch("apps/v1", "Deployment", &original, &patch)
    }

    fn deploy(containers: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
               "spec": {"replicas": 1, "template": {"spec": {"containers": containers}}}})
    }

    #[test]
    fn containers_merge_by_name_and_env_by_name() {
        let live = deploy(json!([
            {"name": "app", "image": "a:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
            {"name": "side", "image": "s:1"}
        ]));
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "side"}],
            "containers": [{"name": "app", "image": "a:2",
                "$setElementOrder/env": [{"name": "A"}, {"name": "C"}],
                "env": [{"name": "C", "value": "3"}, {"name": "B", "$patch": "delete"}]}]}}}});
        let out = smp(live, patch).unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([
                {"name": "app", "image": "a:2", "env": [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}]},
                {"name": "side", "image": "s:1"}
            ])
        );
    }

    #[test]
    fn set_element_order_reorders() {
        let live = deploy(json!([{"name": "a"}, {"name": "b"}, {"name": "c"}]));
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "c"}, {"name": "a"}, {"name": "b"}]}}}});
        let out = smp(live, patch).unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "c"}, {"name": "a"}, {"name": "b"}])
        );
    }

    #[test]
    fn list_replace_directive_and_map_directives() {
        let mut live = deploy(json!([{"name": "a"}, {"name": "b"}]));
        live["spec"]["strategy"] = json!({"type": "Recreate"});
        live["spec"]["selector"] = json!({"matchLabels": {"old": "y"}, "matchExpressions": []});
        let patch = json!({"spec": {"template": {"spec": {
            "containers": [{"name": "z", "image": "z"}, {"$patch": "replace"}]}},
            "strategy": {"$patch": "delete"}, "selector": {"$patch": "replace", "matchLabels": {"x": "y"}}}});
        let out = smp(live, patch).unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "z", "image": "z"}])
        );
        assert_eq!(out["spec"]["strategy"], json!({}));
        assert_eq!(out["spec"]["selector"], json!({"matchLabels": {"x": "y"}}));
    }

    #[test]
    fn retain_keys_clears_other_fields() {
        let mut live = deploy(json!([]));
        live["spec"]["strategy"] =
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}});
        let patch = json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": null}}});
        let out = smp(live.clone(), patch).unwrap();
        assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));
        let bad = json!({"spec": {"strategy": {"$retainKeys": ["type"], "other": 1}}});
        assert_eq!(smp(live, bad).unwrap_err().code(), 400);
    }

    #[test]
    fn primitive_merge_lists_and_delete_lists() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["a", "b"]}});
        // What kubectl's 3-way diff sends for ["a","b"] -> ["b","c"].
        let patch = json!({"metadata": {"$setElementOrder/finalizers": ["b", "c"], "finalizers": ["c"],
            "$deleteFromPrimitiveList/finalizers": ["a"]}});
        let out = strategic_merge_patch("v1", "ConfigMap", &live, &patch).unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["b", "c"]));
        // Without an order list, patch items the live list lacks come first (Go's mergeSortedSlice).
        let out = strategic_merge_patch(
            "v1",
            "ConfigMap",
            &live,
            &json!({"metadata": {"finalizers": ["c", "a"]}}),
        );
        assert_eq!(
            out.unwrap()["metadata"]["finalizers"],
            json!(["c", "a", "b"])
        );
    }

    #[test]
    fn three_way_patch_onto_a_changed_live_list() {
        // A live list changed by someone else since the last apply: added items land
        // where $setElementOrder puts them, server-only items keep their place.
        let live =
            deploy(json!([{"name": "1", "other": "a"}, {"name": "2", "value": 2, "other": "b"}]));
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "1"}, {"name": "4"}, {"name": "2"}, {"name": "3"}],
            "containers": [{"name": "4", "value": 4}, {"name": "3", "value": 3}]}}}});
        let out = smp(live, patch).unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "1", "other": "a"}, {"name": "4", "value": 4},
                   {"name": "2", "value": 2, "other": "b"}, {"name": "3", "value": 3}])
        );
        let live = deploy(
            json!([{"name": "1"}, {"name": "2", "other": "b"}, {"name": "4", "other": "c"}]),
        );
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "2"}, {"name": "3"}],
            "containers": [{"name": "3"}, {"name": "1", "$patch": "delete"}]}}}});
        let out = smp(live, patch).unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "2", "other": "b"}, {"name": "4", "other": "c"}, {"name": "3"}])
        );
    }

    #[test]
    fn service_ports_merge_by_port_and_unknown_lists_replace() {
        let live = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}], "externalIPs": ["1.1.1.1"]}});
        let patch = json!({"spec": {"ports": [{"port": 80, "targetPort": 8080}], "externalIPs": ["2.2.2.2"]}});
        let out = strategic_merge_patch("v1", "Service", &live, &patch).unwrap();
        assert_eq!(
            out["spec"]["ports"],
            json!([{"port": 80, "name": "http", "targetPort": 8080}, {"port": 443, "name": "https"}])
        );
        assert_eq!(out["spec"]["externalIPs"], json!(["2.2.2.2"]));
    }

    #[test]
    fn custom_resources_get_415_and_directives_never_stored() {
        let err = strategic_merge_patch(
            "gateway.networking.k8s.io/v1",
            "HTTPRoute",
            &json!({}),
            &json!({}),
        )
        .unwrap_err();
        assert_eq!(err.code(), 415);
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"old": "x"}});
        let patch = json!({"data": {"$patch": "replace", "k": "v", "nested": {"$retainKeys": ["k"]}},
                           "binaryData": {"$patch": "replace", "k": "dropped: absent from live"},
                           "metadata": {"labels": {"$setElementOrder/x": [], "a": "b"}}});
        let out = strategic_merge_patch("v1", "ConfigMap", &live, &patch).unwrap();
        assert_eq!(out["data"], json!({"k": "v", "nested": {}}));
        assert!(
            out.get("binaryData").is_none(),
            "a directive map added whole is dropped, as in Go"
        );
        assert_eq!(out["metadata"]["labels"], json!({"a": "b"}));
    }

    #[test]
    fn lists_missing_from_the_table_merge_by_the_key_their_order_list_uses() {
        let live = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"futureList": [{"id": "a", "v": 1}, {"id": "b", "v": 2}]}});
        let patch = json!({"spec": {"$setElementOrder/futureList": [{"id": "b"}, {"id": "a"}],
            "futureList": [{"id": "b", "v": 3}]}});
        let out = strategic_merge_patch("v1", "Pod", &live, &patch).unwrap();
        assert_eq!(
            out["spec"]["futureList"],
            json!([{"id": "b", "v": 3}, {"id": "a", "v": 1}])
        );
        // Without an order list such a list is replaced, like any list without strategy.
        let out = strategic_merge_patch(
            "v1",
            "Pod",
            &live,
            &json!({"spec": {"futureList": [{"id": "c"}]}}),
        );
        assert_eq!(out.unwrap()["spec"]["futureList"], json!([{"id": "c"}]));
    }

    #[test]
    fn error_codes() {
        let live = deploy(json!([{"name": "a"}]));
        let no_key = json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}});
        assert_eq!(smp(live.clone(), no_key).unwrap_err().code(), 500);
        let lists = json!({"spec": {"template": {"spec": {"containers": [[1]]}}}});
        assert_eq!(smp(live.clone(), lists).unwrap_err().code(), 422);
        let bad = json!({"spec": {"$patch": "frobnicate"}});
        assert_eq!(smp(live.clone(), bad).unwrap_err().code(), 500);
        assert_eq!(smp(live, json!([1])).unwrap_err().code(), 400);
    }
}
