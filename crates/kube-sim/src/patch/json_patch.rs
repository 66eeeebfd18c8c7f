//! JSON patch (`application/json-patch+json`, RFC 6902): add, remove, replace, move,
//! copy and test on JSON pointers (RFC 6901). The patch applies as a whole or not at
//! all. Errors are worded like evanphx/json-patch, which kube-apiserver uses.

use serde_json::Value;
use thiserror::Error;

use super::error::PatchError;
use super::typed::json_eq;

/// kube-apiserver refuses longer JSON patches with 413 (handlers/patch.go).
pub(crate) const MAX_JSON_PATCH_OPERATIONS: usize = 10_000;

/// Why one operation does not apply. kube-apiserver answers all of them with 422.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub(crate) enum JsonPatchError {
    /// A `test` operation found another value.
    #[error("testing value {path} failed: test failed")]
    TestFailed { path: String },
    /// The path (or its parent) does not exist.
    #[error("{op} operation does not apply: doc is missing path: {path:?}: missing value")]
    PathNotFound { op: String, path: String },
    /// An array index that is not a number, or out of range.
    #[error("Unable to access invalid index: {index}: invalid index referenced")]
    InvalidIndex { index: String },
    /// An `op` other than the six of RFC 6902.
    #[error("Unexpected kind: {0}")]
    UnknownOp(String),
    /// `path`, `from` or `value` missing from an operation that needs it.
    #[error("{op} operation missing {field} field")]
    MissingField { op: String, field: &'static str },
    /// A pointer that does not start with `/`.
    #[error("JSON pointer {0:?} must be empty or start with /")]
    InvalidPointer(String),
    /// `move` into a child of the moved value.
    #[error("move operation does not apply: {from:?} is a prefix of {path:?}")]
    MoveIntoChild { from: String, path: String },
}

/// Applies an RFC 6902 patch (a JSON array of operations) to `doc`.
pub(crate) fn json_patch(doc: &Value, patch: &Value) -> Result<Value, PatchError> {
    let Value::Array(ops) = patch else {
        return Err(PatchError::BadRequest(
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch".into(),
        ));
    };
    if ops.len() > MAX_JSON_PATCH_OPERATIONS {
        return Err(PatchError::TooLarge(format!(
            "The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, got {}",
            ops.len()
        )));
    }
    if ops.iter().any(|op| !op.is_object()) {
        return Err(PatchError::BadRequest(
            "json: cannot unmarshal non-object operation into Go value of type jsonpatch.Operation"
                .into(),
        ));
    }
    let mut out = doc.clone();
    for op in ops {
        apply_op(&mut out, op)?;
    }
    Ok(out)
}

fn str_field<'a>(
    op: &'a Value,
    field: &'static str,
    name: &str,
) -> Result<&'a str, JsonPatchError> {
    op.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| JsonPatchError::MissingField {
            op: name.to_string(),
            field,
        })
}

fn apply_op(doc: &mut Value, op: &Value) -> Result<(), JsonPatchError> {
    let name = op.get("op").and_then(Value::as_str).unwrap_or("unknown");
    let value = || {
        op.get("value")
            .cloned()
            .ok_or_else(|| JsonPatchError::MissingField {
                op: name.to_string(),
                field: "value",
            })
    };
    match name {
        "add" => add(doc, str_field(op, "path", name)?, value()?, name),
        "remove" => remove(doc, str_field(op, "path", name)?, name).map(drop),
        "replace" => {
            let path = str_field(op, "path", name)?;
            let v = value()?;
            get(doc, path, name)?;
            if path.is_empty() {
                *doc = v;
                return Ok(());
            }
            remove(doc, path, name)?;
            add(doc, path, v, name)
        }
        "move" => {
            let from = str_field(op, "from", name)?;
            let path = str_field(op, "path", name)?;
            if from == path {
                return get(doc, from, name).map(drop);
            }
            if path.starts_with(&format!("{from}/")) {
                return Err(JsonPatchError::MoveIntoChild {
                    from: from.to_string(),
                    path: path.to_string(),
                });
            }
            let v = remove(doc, from, name)?;
            add(doc, path, v, name)
        }
        "copy" => {
            let from = str_field(op, "from", name)?;
            let path = str_field(op, "path", name)?;
            let v = get(doc, from, name)?.clone();
            add(doc, path, v, name)
        }
        "test" => {
            let path = str_field(op, "path", name)?;
            let want = op.get("value").unwrap_or(&Value::Null);
            match lookup(doc, &tokens(path)?) {
                Some(found) if json_eq(found, want) => Ok(()),
                // evanphx/json-patch: a missing path passes a test for null.
                None if want.is_null() => Ok(()),
                _ => Err(JsonPatchError::TestFailed {
                    path: path.to_string(),
                }),
            }
        }
        other => Err(JsonPatchError::UnknownOp(other.to_string())),
    }
}

/// RFC 6901 reference tokens of a pointer.
fn tokens(path: &str) -> Result<Vec<String>, JsonPatchError> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(JsonPatchError::InvalidPointer(path.to_string()));
    };
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn index(token: &str, len: usize, allow_end: bool) -> Result<usize, JsonPatchError> {
    let invalid = || JsonPatchError::InvalidIndex {
        index: token.to_string(),
    };
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let i: usize = token.parse().map_err(|_| invalid())?;
    if i < len || (allow_end && i == len) {
        Ok(i)
    } else {
        Err(invalid())
    }
}

fn lookup<'a>(doc: &'a Value, toks: &[String]) -> Option<&'a Value> {
    toks.iter().try_fold(doc, |cur, t| match cur {
        Value::Object(m) => m.get(t),
        Value::Array(items) => index(t, items.len(), false).ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

fn lookup_mut<'a>(doc: &'a mut Value, toks: &[String]) -> Option<&'a mut Value> {
    toks.iter().try_fold(doc, |cur, t| match cur {
        Value::Object(m) => m.get_mut(t),
        Value::Array(items) => {
            let len = items.len();
            index(t, len, false)
                .ok()
                .and_then(move |i| items.get_mut(i))
        }
        _ => None,
    })
}

fn missing(op: &str, path: &str) -> JsonPatchError {
    JsonPatchError::PathNotFound {
        op: op.to_string(),
        path: path.to_string(),
    }
}

fn get<'a>(doc: &'a Value, path: &str, op: &str) -> Result<&'a Value, JsonPatchError> {
    lookup(doc, &tokens(path)?).ok_or_else(|| missing(op, path))
}

fn add(doc: &mut Value, path: &str, v: Value, op: &str) -> Result<(), JsonPatchError> {
    let toks = tokens(path)?;
    let Some((last, parent)) = toks.split_last() else {
        *doc = v;
        return Ok(());
    };
    match lookup_mut(doc, parent) {
        Some(Value::Object(m)) => {
            m.insert(last.clone(), v);
            Ok(())
        }
        Some(Value::Array(items)) => {
            let i = if last == "-" {
                items.len()
            } else {
                index(last, items.len(), true)?
            };
            items.insert(i, v);
            Ok(())
        }
        _ => Err(missing(op, path)),
    }
}

fn remove(doc: &mut Value, path: &str, op: &str) -> Result<Value, JsonPatchError> {
    let toks = tokens(path)?;
    let Some((last, parent)) = toks.split_last() else {
        return Err(missing(op, path));
    };
    match lookup_mut(doc, parent) {
        Some(Value::Object(m)) => m.remove(last).ok_or_else(|| missing(op, path)),
        Some(Value::Array(items)) => {
            let i = index(last, items.len(), false)?;
            Ok(items.remove(i))
        }
        _ => Err(missing(op, path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(doc: Value, patch: Value) -> Result<Value, PatchError> {
        json_patch(&doc, &patch)
    }

    #[test]
    fn all_six_operations() {
        let doc = json!({"spec": {"replicas": 1, "list": ["a", "b"]}, "metadata": {"labels": {"a/b": "x"}}});
        let out = run(
            doc,
            json!([
                {"op": "test", "path": "/spec/replicas", "value": 1},
                {"op": "replace", "path": "/spec/replicas", "value": 3},
                {"op": "add", "path": "/spec/list/1", "value": "z"},
                {"op": "add", "path": "/spec/list/-", "value": "end"},
                {"op": "remove", "path": "/spec/list/0"},
                {"op": "copy", "from": "/metadata/labels/a~1b", "path": "/spec/copied"},
                {"op": "move", "from": "/spec/copied", "path": "/spec/moved"},
                {"op": "test", "path": "/spec/absent", "value": null}
            ]),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"spec": {"replicas": 3, "list": ["z", "b", "end"], "moved": "x"},
                   "metadata": {"labels": {"a/b": "x"}}})
        );
    }

    #[test]
    fn typed_errors_and_status_codes() {
        let doc = json!({"spec": {"replicas": 1}});
        let err = run(
            doc.clone(),
            json!([{"op": "test", "path": "/spec/replicas", "value": 2}]),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            PatchError::JsonPatch(JsonPatchError::TestFailed { .. })
        ));
        assert_eq!(err.code(), 422);
        let err = run(
            doc.clone(),
            json!([{"op": "replace", "path": "/spec/x", "value": 2}]),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            PatchError::JsonPatch(JsonPatchError::PathNotFound { .. })
        ));
        let err = run(
            doc.clone(),
            json!([{"op": "add", "path": "/no/such", "value": 2}]),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            PatchError::JsonPatch(JsonPatchError::PathNotFound { .. })
        ));
        let err = run(doc.clone(), json!([{"op": "frobnicate", "path": "/"}])).unwrap_err();
        assert!(matches!(
            err,
            PatchError::JsonPatch(JsonPatchError::UnknownOp(_))
        ));
        let err = run(
            doc.clone(),
            json!([{"op": "move", "from": "/spec", "path": "/spec/x"}]),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            PatchError::JsonPatch(JsonPatchError::MoveIntoChild { .. })
        ));
        assert_eq!(
            run(doc.clone(), json!({"op": "add"})).unwrap_err().code(),
            400
        );
        let many = Value::Array(vec![
            json!({"op": "test", "path": "", "value": null});
            10_001
        ]);
        assert_eq!(run(doc, many).unwrap_err().code(), 413);
    }

    #[test]
    fn failed_patch_leaves_nothing_half_applied() {
        let doc = json!({"a": 1});
        let patch =
            json!([{"op": "add", "path": "/b", "value": 2}, {"op": "remove", "path": "/c"}]);
        assert!(json_patch(&doc, &patch).is_err());
        assert_eq!(doc, json!({"a": 1}));
    }
}
