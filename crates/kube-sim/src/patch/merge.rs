//! JSON merge patch (`application/merge-patch+json`, RFC 7386): objects merge key by key,
//! `null` deletes a key, anything else (lists included) replaces. What `kubectl apply`
//! sends for custom resources and what `kubectl patch --type=merge` sends.

use serde_json::{Map, Value};

use super::MAX_DEPTH;
use super::error::PatchError;

/// Applies `patch` to `target`. The patch must be an object (a patch that replaces the
/// whole document cannot yield a Kubernetes object).
pub(crate) fn merge_patch(target: &Value, patch: &Value) -> Result<Value, PatchError> {
    if !patch.is_object() {
        return Err(PatchError::BadRequest(
            "json: cannot unmarshal merge patch: it must be a JSON object".into(),
        ));
    }
    merge_value(Some(target), patch, 0)
}

fn merge_value(target: Option<&Value>, patch: &Value, depth: usize) -> Result<Value, PatchError> {
    if depth > MAX_DEPTH {
        return Err(PatchError::BadRequest(format!(
            "merge patch nesting exceeds {MAX_DEPTH} levels"
        )));
    }
    let Value::Object(p) = patch else {
        // RFC 7386: a non-object patch value replaces the target.
        return Ok(patch.clone());
    };
    let mut out = match target {
        Some(Value::Object(t)) => t.clone(),
        _ => Map::new(),
    };
    for (k, v) in p {
        if v.is_null() {
            out.remove(k);
        } else {
            let merged = merge_value(out.get(k), v, depth + 1)?;
            out.insert(k.clone(), merged);
        }
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc7386_examples() {
        // RFC 7386 section 3 test cases that apply to object targets.
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                json!({"a": "b", "b": "c"}),
                json!({"a": null}),
                json!({"b": "c"}),
            ),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        for (target, patch, want) in cases {
            assert_eq!(merge_patch(&target, &patch).unwrap(), want, "patch {patch}");
        }
    }

    #[test]
    fn non_object_patch_is_bad_request() {
        for p in [json!([1]), json!("x"), json!(null)] {
            assert_eq!(merge_patch(&json!({}), &p).unwrap_err().code(), 400);
        }
    }
}
