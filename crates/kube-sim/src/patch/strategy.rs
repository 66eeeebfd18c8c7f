//! What the endpoint strategies of kinds with a status subresource do to the values
//! (the field manager only ignores the fields; `TrackOptions` tells it which).

use serde_json::Value;

/// A write to the main resource cannot change `status` (`PrepareForCreate` drops it,
/// `PrepareForUpdate` keeps the live one). Call after the patch/apply, for kinds with a
/// status subresource.
pub(crate) fn keep_status(old: Option<&Value>, new: &mut Value) {
    let Some(obj) = new.as_object_mut() else {
        return;
    };
    match old.and_then(|o| o.get("status")) {
        Some(status) => {
            obj.insert("status".into(), status.clone());
        }
        None => {
            obj.remove("status");
        }
    }
}

/// A write to `/status` changes only `status`: the result is the live object with the
/// new status and the new `metadata.managedFields` (custom resources' status strategy).
pub(crate) fn status_only(old: &Value, new: &Value) -> Value {
    let mut out = old.clone();
    let Some(obj) = out.as_object_mut() else {
        return out;
    };
    match new.get("status") {
        Some(status) => {
            obj.insert("status".into(), status.clone());
        }
        None => {
            obj.remove("status");
        }
    }
    let managed = new.get("metadata").and_then(|m| m.get("managedFields"));
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        match managed {
            Some(mf) => {
                meta.insert("managedFields".into(), mf.clone());
            }
            None => {
                meta.remove("managedFields");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_is_kept_on_main_writes_and_only_status_on_status_writes() {
        let old = json!({"spec": {"a": 1}, "status": {"ready": true}, "metadata": {"name": "x"}});
        let mut new = json!({"spec": {"a": 2}, "status": {"ready": false}});
        keep_status(Some(&old), &mut new);
        assert_eq!(new["status"], json!({"ready": true}));
        let mut created = json!({"spec": {}, "status": {"x": 1}});
        keep_status(None, &mut created);
        assert!(created.get("status").is_none());
        let s = status_only(
            &old,
            &json!({"spec": {"a": 9}, "status": {"ready": false},
            "metadata": {"name": "x", "managedFields": [{"manager": "c"}]}}),
        );
        assert_eq!(s["spec"], json!({"a": 1}));
        assert_eq!(s["status"], json!({"ready": false}));
        assert_eq!(s["metadata"]["managedFields"][0]["manager"], "c");
    }
}
