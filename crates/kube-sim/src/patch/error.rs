//! Errors of every patch type, with the HTTP status the apiserver answers for each.

use serde_json::{Value, json};
use thiserror::Error;

use super::json_patch::JsonPatchError;
use super::managed::{ManagerId, Operation};

/// One field-ownership conflict of a server-side apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Conflict {
    /// The manager that owns the field, e.g. `kubectl-client-side-apply`.
    pub manager: String,
    /// How that manager wrote the field.
    pub operation: Operation,
    /// The API version of an `Update` manager (Apply managers are version-less).
    pub api_version: Option<String>,
    /// The subresource the manager wrote through, e.g. `status`.
    pub subresource: Option<String>,
    /// The field as the apiserver prints it, e.g. `.spec.replicas`.
    pub field: String,
}

impl Conflict {
    /// The manager as kube-apiserver prints it (managedfields `printManager`):
    /// `"other"`, `"kubectl-client-side-apply" using apps/v1`,
    /// `"ctrl" with subresource "status" using v1`.
    pub(crate) fn manager_display(&self) -> String {
        let mut s = quote(&self.manager);
        if let Some(sub) = &self.subresource {
            s = format!("{s} with subresource {}", quote(sub));
        }
        if self.operation == Operation::Update {
            // The manager identifier never carries a time, so no "at <time>".
            s = format!("{s} using {}", self.api_version.as_deref().unwrap_or(""));
        }
        s
    }

    /// The manager identity; Go orders conflict messages by its JSON form.
    fn identifier(&self) -> String {
        ManagerId::new(
            &self.manager,
            self.operation,
            self.api_version.as_deref().unwrap_or(""),
            self.subresource.as_deref(),
        )
        .identifier()
    }

    /// The `details.causes[]` entry of the 409 Status.
    pub(crate) fn cause(&self) -> Value {
        json!({
            "reason": "FieldManagerConflict",
            "message": format!("conflict with {}", self.manager_display()),
            "field": self.field,
        })
    }
}

/// Go's `%q` for the ASCII names managers use.
fn quote(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// The Status message of an apply conflict, as kube-apiserver words it
/// (managedfields `getConflictMessage`).
pub(crate) fn conflict_message(conflicts: &[Conflict]) -> String {
    if let [only] = conflicts {
        return format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            only.manager_display(),
            only.field
        );
    }
    // Grouped by manager, managers sorted by their identifier, paths in given order.
    let mut managers: Vec<(String, String)> = conflicts
        .iter()
        .map(|c| (c.identifier(), c.manager_display()))
        .collect();
    managers.sort();
    managers.dedup();
    let mut lines = Vec::new();
    for (id, display) in &managers {
        lines.push(format!("conflicts with {display}:"));
        for c in conflicts.iter().filter(|c| &c.identifier() == id) {
            lines.push(format!("- {}", c.field));
        }
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}

/// Every failure of a patch or apply, mapped to the Status the apiserver would send.
#[derive(Debug, Error)]
pub(crate) enum PatchError {
    /// 400 BadRequest: a malformed body (not JSON, a merge patch that is not an object,
    /// a JSON patch that is not an array, a bad SMP directive, apply without apiVersion).
    #[error("{0}")]
    BadRequest(String),
    /// 422 Invalid: a JSON patch operation that does not apply (test failed, missing path).
    #[error(transparent)]
    JsonPatch(#[from] JsonPatchError),
    /// 422 Invalid for other patches the apiserver rejects with a generic 422
    /// (lists of lists in SMP, content outside `$retainKeys`). The detail is for logs:
    /// kube-apiserver replaces it by a fixed message.
    #[error("{0}")]
    Unprocessable(String),
    /// 409 Conflict of a server-side apply, one cause per conflicting field.
    #[error("{}", conflict_message(.0))]
    Conflict(Vec<Conflict>),
    /// 415: the patch type is not served for this resource (SMP on a custom resource).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 413: more JSON patch operations than kube-apiserver allows.
    #[error("{0}")]
    TooLarge(String),
    /// 500: errors kube-apiserver does not classify (unknown `$patch` value, a merge key
    /// missing from a list item, duplicate keys in an applied list).
    #[error("{0}")]
    Internal(String),
}

/// kube-apiserver's text for a 422 built by `NewGenericServerResponse`.
const GENERIC_422: &str = "the server rejected our request due to an error in our request";

impl PatchError {
    /// HTTP status code.
    pub(crate) fn code(&self) -> u16 {
        match self {
            PatchError::BadRequest(_) => 400,
            PatchError::JsonPatch(_) | PatchError::Unprocessable(_) => 422,
            PatchError::Conflict(_) => 409,
            PatchError::UnsupportedMediaType(_) => 415,
            PatchError::TooLarge(_) => 413,
            PatchError::Internal(_) => 500,
        }
    }

    /// The Status `reason`.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            PatchError::BadRequest(_) => "BadRequest",
            PatchError::JsonPatch(_) | PatchError::Unprocessable(_) => "Invalid",
            PatchError::Conflict(_) => "Conflict",
            PatchError::UnsupportedMediaType(_) => "UnsupportedMediaType",
            PatchError::TooLarge(_) => "RequestEntityTooLarge",
            PatchError::Internal(_) => "InternalError",
        }
    }

    /// The Status `message`, worded as kube-apiserver does.
    pub(crate) fn message(&self) -> String {
        match self {
            PatchError::JsonPatch(_) | PatchError::Unprocessable(_) => GENERIC_422.to_string(),
            PatchError::TooLarge(m) => format!("Request entity too large: {m}"),
            PatchError::Internal(m) => format!("Internal error occurred: {m}"),
            other => other.to_string(),
        }
    }

    /// `details.causes` (empty when the apiserver sends none).
    pub(crate) fn causes(&self) -> Vec<Value> {
        match self {
            PatchError::Conflict(cs) => cs.iter().map(Conflict::cause).collect(),
            PatchError::Internal(m) => vec![json!({ "message": m })],
            _ => Vec::new(),
        }
    }

    /// A complete `v1.Status` body for this error.
    pub(crate) fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message(),
            "reason": self.reason(),
            "code": self.code(),
        });
        let causes = self.causes();
        if !causes.is_empty() {
            status["details"] = json!({ "causes": causes });
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conflict(manager: &str, op: Operation, field: &str) -> Conflict {
        Conflict {
            manager: manager.into(),
            operation: op,
            api_version: (op == Operation::Update).then(|| "apps/v1".to_string()),
            subresource: None,
            field: field.into(),
        }
    }

    #[test]
    fn single_conflict_message_and_status() {
        let e = PatchError::Conflict(vec![conflict("other", Operation::Apply, ".spec.replicas")]);
        assert_eq!(
            e.message(),
            "Apply failed with 1 conflict: conflict with \"other\": .spec.replicas"
        );
        let s = e.to_status();
        assert_eq!(s["code"], 409);
        assert_eq!(s["reason"], "Conflict");
        assert_eq!(
            s["details"]["causes"][0],
            json!({"reason":"FieldManagerConflict","message":"conflict with \"other\"","field":".spec.replicas"})
        );
    }

    #[test]
    fn multiple_conflicts_grouped_by_manager() {
        let e = PatchError::Conflict(vec![
            conflict(
                "kubectl-client-side-apply",
                Operation::Update,
                ".spec.replicas",
            ),
            conflict("kubectl", Operation::Apply, ".spec.replicas"),
        ]);
        assert_eq!(
            e.message(),
            "Apply failed with 2 conflicts: conflicts with \"kubectl\":\n- .spec.replicas\n\
             conflicts with \"kubectl-client-side-apply\" using apps/v1:\n- .spec.replicas"
        );
    }

    #[test]
    fn generic_422_hides_detail() {
        let e = PatchError::Unprocessable("lists of lists are not supported".into());
        assert_eq!(e.code(), 422);
        assert_eq!(e.to_status()["message"], GENERIC_422);
    }
}
