//! TEMPORARY stand-in until the patch engine lands.
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    #[error("{0}")]
    BadRequest(String),
}

pub fn supports_strategic(group: &str, _kind: &str) -> bool {
    matches!(group, "" | "apps")
}

fn merge(t: &mut Value, p: &Value) {
    match p {
        Value::Object(po) => {
            if !t.is_object() {
                *t = Value::Object(Default::default());
            }
            for (k, v) in po {
                if k.starts_with('$') {
                    continue;
                }
                if v.is_null() {
                    t.as_object_mut().map(|o| o.remove(k));
                } else {
                    merge(t.as_object_mut().unwrap().entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *t = other.clone(),
    }
}

pub fn merge_patch(cur: &Value, p: &Value) -> Result<Value, PatchError> {
    let mut c = cur.clone();
    merge(&mut c, p);
    Ok(c)
}
pub fn strategic_merge_patch(cur: &Value, p: &Value, _g: &str, _k: &str) -> Result<Value, PatchError> {
    merge_patch(cur, p)
}
pub fn json_patch(_cur: &Value, _p: &Value) -> Result<Value, PatchError> {
    Err(PatchError::BadRequest("json patch not yet".into()))
}
pub fn apply(cur: Option<&Value>, applied: &Value, _m: &str, _f: bool, _now: &str) -> Result<Value, PatchError> {
    let mut c = cur.cloned().unwrap_or(Value::Null);
    merge(&mut c, applied);
    Ok(c)
}
pub fn record_update(_old: Option<&Value>, new: &Value, _m: &str, _now: &str) -> Value {
    new.clone()
}
