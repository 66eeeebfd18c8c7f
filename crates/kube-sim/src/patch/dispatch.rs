//! Which patch media types a resource accepts, and the 415 for the others. (The PATCH
//! endpoint itself, with its option checks, is `server/resources.rs`.)

use super::error::PatchError;
use super::schema;

/// The patch media types kube-apiserver serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PatchType {
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
    pub(crate) fn media_type(self) -> &'static str {
        match self {
            PatchType::Json => "application/json-patch+json",
            PatchType::Merge => "application/merge-patch+json",
            PatchType::Strategic => "application/strategic-merge-patch+json",
            PatchType::Apply => "application/apply-patch+yaml",
        }
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
pub(crate) fn supported_patch_types(api_version: &str, kind: &str) -> &'static [PatchType] {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_resources_get_415_for_strategic_merge_patch() {
        let err = unsupported_media_type("gateway.networking.k8s.io/v1", "HTTPRoute");
        assert_eq!(err.code(), 415);
        assert_eq!(
            err.message(),
            "the body of the request was in an unknown format - accepted media types include: \
             application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
        );
        assert_eq!(
            supported_patch_types("apps/v1", "Deployment"),
            &[
                PatchType::Json,
                PatchType::Merge,
                PatchType::Strategic,
                PatchType::Apply
            ]
        );
    }
}
