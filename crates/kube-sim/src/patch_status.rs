//! Maps patch-engine errors onto API Status errors, adding the object's identity the way
//! kube-apiserver's conflict errors carry it.
use serde_json::json;

use super::patch::PatchError;
use super::registry::ResourceType;
use super::server::status::ApiError;

pub(crate) fn to_api_error(rt: &ResourceType, name: &str, e: PatchError) -> ApiError {
    let status = e.to_status();
    let mut details = status.get("details").cloned();
    if let PatchError::Conflict(_) = e {
        let mut d = json!({"name": name, "kind": rt.plural, "causes": e.causes()});
        if !rt.group.is_empty() {
            d["group"] = json!(rt.group);
        }
        details = Some(d);
    }
    ApiError {
        code: e.code(),
        reason: e.reason(),
        message: e.message(),
        details,
    }
}
