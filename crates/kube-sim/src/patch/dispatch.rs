//! The PATCH endpoint's choices: which media types a resource accepts, validation of
//! the patch options, decoding of the body and the patch function for each type.

use serde_json::Value;

use super::error::{FieldCause, PatchError};
use super::{json_patch, merge, schema, strategic};

/// The patch media types kube-apiserver serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/strategic-merge-patch+json` (built-in kinds only).
    Strategic,
    /// `application/apply-patch+yaml` (server-side apply; JSON is valid YAML).
    Apply,
}

impl PatchType {
    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            PatchType::Json => "application/json-patch+json",
            PatchType::Merge => "application/merge-patch+json",
            PatchType::Strategic => "application/strategic-merge-patch+json",
            PatchType::Apply => "application/apply-patch+yaml",
        }
    }

    /// Parses a `Content-Type` header; parameters (`; charset=utf-8`) are ignored.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let media = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        [
            PatchType::Json,
            PatchType::Merge,
            PatchType::Strategic,
            PatchType::Apply,
        ]
        .into_iter()
        .find(|t| t.media_type() == media)
    }
}

const BUILT_IN_TYPES: &[PatchType] = &[
    PatchType::Json,
    PatchType::Merge,
    PatchType::Strategic,
    PatchType::Apply,
];
const CUSTOM_RESOURCE_TYPES: &[PatchType] = &[PatchType::Json, PatchType::Merge, PatchType::Apply];

/// The patch types the resource serves, in kube-apiserver's order (installer.go,
/// apiextensions' customresource_handler.go).
pub fn supported_patch_types(api_version: &str, kind: &str) -> &'static [PatchType] {
    if schema::supports_strategic(api_version, kind) {
        BUILT_IN_TYPES
    } else {
        CUSTOM_RESOURCE_TYPES
    }
}

/// The 415 kube-apiserver answers for a patch type the resource does not serve.
pub(crate) fn unsupported_media_type(api_version: &str, kind: &str) -> PatchError {
    let accepted: Vec<&str> = supported_patch_types(api_version, kind)
        .iter()
        .map(|t| t.media_type())
        .collect();
    PatchError::UnsupportedMediaType(format!(
        "the body of the request was in an unknown format - accepted media types include: {}",
        accepted.join(", ")
    ))
}

/// The patch type of a request's `Content-Type`, or 415.
pub fn negotiate_patch_type(
    content_type: &str,
    api_version: &str,
    kind: &str,
) -> Result<PatchType, PatchError> {
    PatchType::from_content_type(content_type)
        .filter(|t| supported_patch_types(api_version, kind).contains(t))
        .ok_or_else(|| unsupported_media_type(api_version, kind))
}

/// Validates `?fieldManager=` and `?force=` as kube-apiserver does
/// (meta/v1 validation `ValidatePatchOptions`): apply needs a manager, `force` is only
/// for apply, a manager is at most 128 printable characters. 422 otherwise.
pub fn validate_patch_options(
    patch_type: PatchType,
    field_manager: &str,
    force: Option<bool>,
) -> Result<(), PatchError> {
    let mut causes = Vec::new();
    if patch_type == PatchType::Apply {
        if field_manager.is_empty() {
            causes.push(FieldCause::required(
                "fieldManager",
                "is required for apply patch",
            ));
        }
    } else if force.is_some() {
        causes.push(FieldCause::forbidden(
            "force",
            "may not be specified for non-apply patch",
        ));
    }
    if field_manager.len() > 128 {
        causes.push(FieldCause::too_long("fieldManager", 128));
    }
    if let Some((i, c)) = field_manager.char_indices().find(|(_, c)| c.is_control()) {
        causes.push(FieldCause::invalid(
            "fieldManager",
            &Value::String(field_manager.to_string()),
            &format!("invalid character U+{:04X} (at position {i})", c as u32),
        ));
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(PatchError::Invalid {
            group: "meta.k8s.io".into(),
            kind: "PatchOptions".into(),
            name: String::new(),
            causes,
        })
    }
}

/// Decodes a patch body. JSON types must be valid JSON ("invalid JSON patch", 400);
/// apply bodies are accepted as JSON here (kubectl and kube-rs send JSON) and a YAML
/// body gets 400: the server parses YAML apply bodies itself.
pub fn parse_patch_body(patch_type: PatchType, body: &[u8]) -> Result<Value, PatchError> {
    serde_json::from_slice(body).map_err(|e| match patch_type {
        PatchType::Apply => PatchError::BadRequest(format!("error decoding patch: {e}")),
        _ => PatchError::BadRequest("invalid JSON patch".into()),
    })
}

/// Applies a JSON, merge or strategic merge patch to `live` (an object of
/// `api_version`/`kind`). Server-side apply needs a manager: see `apply`.
pub fn patch_object(
    patch_type: PatchType,
    api_version: &str,
    kind: &str,
    live: &Value,
    patch: &Value,
) -> Result<Value, PatchError> {
    match patch_type {
        PatchType::Json => json_patch::json_patch(live, patch),
        PatchType::Merge => merge::merge_patch(live, patch),
        PatchType::Strategic => strategic::strategic_merge_patch(api_version, kind, live, patch),
        PatchType::Apply => Err(PatchError::BadRequest(
            "server-side apply needs a field manager: use apply()".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_types_and_415() {
        assert_eq!(
            PatchType::from_content_type("application/merge-patch+json; charset=utf-8"),
            Some(PatchType::Merge)
        );
        let err = negotiate_patch_type(
            "application/strategic-merge-patch+json",
            "gateway.networking.k8s.io/v1",
            "HTTPRoute",
        )
        .unwrap_err();
        assert_eq!(err.code(), 415);
        assert_eq!(
            err.message(),
            "the body of the request was in an unknown format - accepted media types include: \
             application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
        );
        assert_eq!(
            negotiate_patch_type(
                "application/strategic-merge-patch+json",
                "apps/v1",
                "Deployment"
            )
            .unwrap(),
            PatchType::Strategic
        );
    }

    #[test]
    fn patch_options_validation() {
        let err = validate_patch_options(PatchType::Apply, "", None).unwrap_err();
        assert_eq!(err.code(), 422);
        assert_eq!(
            err.message(),
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
        );
        assert_eq!(
            err.to_status()["details"]["causes"][0],
            json!({"reason": "FieldValueRequired", "message": "Required value: is required for apply patch", "field": "fieldManager"})
        );
        assert!(validate_patch_options(PatchType::Merge, "kubectl-patch", Some(true)).is_err());
        assert!(validate_patch_options(PatchType::Apply, "kubectl", Some(false)).is_ok());
    }

    #[test]
    fn bodies_and_dispatch() {
        assert_eq!(
            parse_patch_body(PatchType::Merge, b"{")
                .unwrap_err()
                .message(),
            "invalid JSON patch"
        );
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1"}});
        let out = patch_object(
            PatchType::Merge,
            "v1",
            "ConfigMap",
            &live,
            &json!({"data": {"b": "2"}}),
        )
        .unwrap();
        assert_eq!(out["data"], json!({"a": "1", "b": "2"}));
    }
}
