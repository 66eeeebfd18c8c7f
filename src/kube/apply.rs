//! Server-side apply of any kind the API server serves, found through discovery.
//!
//! Objects are applied in document order with field manager [`FIELD_MANAGER`] and `force`
//! (the harness owns what it applies). A CustomResourceDefinition in the batch is waited on
//! (Established) before the first object that needs its kind, and discovery is re-run so the
//! new kind resolves; all CRDs of the batch are Established when `apply` returns.

use std::time::Duration;

use ::kube::Client;
use ::kube::api::{DynamicObject, GroupVersionKind, Patch, PatchParams};
use ::kube::discovery::{Discovery, Scope};
use serde_json::Value;
use tokio::time::Instant;

use super::error::ApiFailure;
use super::manifest::{ManifestError, Manifests, gvk_of};
use super::object::{Applied, ObjectRef};
use super::retry;
use super::wait::{self, WaitError};

/// The field manager of every apply: `kubectl get -o yaml --show-managed-fields` shows which
/// fields the harness set.
pub(crate) const FIELD_MANAGER: &str = "harness";

/// How long a CRD of the batch may take to become Established and appear in discovery.
const CRD_TIMEOUT: Duration = Duration::from_secs(60);

/// Why an object was not applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("cannot discover the API server's kinds: {0}. Check that the cluster is reachable")]
    Discovery(ApiFailure),
    #[error(
        "the API server serves no kind `{kind}` in `{api_version}` (object {name}); install the CRD \
         that defines it, or fix apiVersion/kind"
    )]
    UnknownKind {
        api_version: String,
        kind: String,
        name: String,
    },
    #[error("CustomResourceDefinition {name} did not become usable: {source}")]
    CrdNotEstablished {
        name: String,
        #[source]
        source: WaitError,
    },
    /// A validating admission webhook (or admission policy) refused the object. Scenarios
    /// expect some of these; [`ApplyError::rejection_message`] gives the server's words.
    #[error("{object} was denied by {by}: {message}")]
    AdmissionDenied {
        object: String,
        /// `admission webhook "validation.istio.io"` or `ValidatingAdmissionPolicy 'name'`.
        by: String,
        /// The API server's whole message.
        message: String,
    },
    /// The API server's own validation refused the object (422 Invalid).
    #[error("{object} is invalid: {message}")]
    Invalid { object: String, message: String },
    #[error("applying {object} failed: {failure}")]
    Api { object: String, failure: ApiFailure },
}

impl ApplyError {
    /// The server's message when the object was refused by admission or validation (what a
    /// scenario's `expect_apply: {rejected: ...}` matches); `None` for other failures.
    pub fn rejection_message(&self) -> Option<&str> {
        match self {
            ApplyError::AdmissionDenied { message, .. } | ApplyError::Invalid { message, .. } => {
                Some(message)
            }
            _ => None,
        }
    }
}

/// A batch that stopped at an error, with the objects applied before it (so that they can
/// still be waited on or cleaned up).
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct ApplyFailure {
    pub applied: Vec<Applied>,
    #[source]
    pub error: ApplyError,
}

/// Applies `manifests` (YAML or objects) server-side; namespaced objects without a namespace
/// go to `namespace`, and an object's own `metadata.namespace` wins. `discovery` is refreshed
/// in place when a CRD of the batch adds kinds. Returns what was applied, in order.
pub async fn apply(
    client: &Client,
    discovery: &mut Discovery,
    manifests: impl Into<Manifests<'_>>,
    namespace: &str,
) -> Result<Vec<Applied>, ApplyFailure> {
    let objects = manifests.into().into_objects().map_err(|e| ApplyFailure {
        applied: vec![],
        error: e.into(),
    })?;
    let mut applied: Vec<Applied> = Vec::new();
    let mut crds: Vec<String> = Vec::new();
    for obj in objects {
        let one = apply_one(client, discovery, &mut crds, obj, namespace).await;
        match one {
            Ok(a) => applied.push(a),
            Err(error) => return Err(ApplyFailure { applied, error }),
        }
    }
    if !crds.is_empty() {
        let r = async {
            wait_established(client, &crds).await?;
            refresh(client, discovery).await
        }
        .await;
        if let Err(error) = r {
            return Err(ApplyFailure { applied, error });
        }
    }
    Ok(applied)
}

async fn apply_one(
    client: &Client,
    discovery: &mut Discovery,
    crds: &mut Vec<String>,
    mut obj: Value,
    namespace: &str,
) -> Result<Applied, ApplyError> {
    let object = match resolve(discovery, &obj, namespace) {
        Some(o) => o,
        None if !crds.is_empty() => {
            // A CRD of this batch may define the kind: wait for it, then look again.
            wait_established(client, crds).await?;
            crds.clear();
            resolve_after_refresh(client, discovery, &obj, namespace).await?
        }
        None => return Err(unknown_kind(&obj)),
    };
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
        match &object.namespace {
            Some(ns) => meta.insert("namespace".into(), Value::String(ns.clone())),
            None => meta.remove("namespace"),
        };
    }
    let api = object.api(client.clone());
    let pp = PatchParams::apply(FIELD_MANAGER).force();
    let what = object.to_string();
    let patch = Patch::Apply(&obj);
    let stored: DynamicObject = retry::idempotent(&what, || api.patch(&object.name, &pp, &patch))
        .await
        .map_err(|e| refused(&object, &e))?;
    tracing::debug!(object = %object, "applied");
    if object.gvk.group == "apiextensions.k8s.io" && object.gvk.kind == "CustomResourceDefinition" {
        crds.push(object.name.clone());
    }
    Ok(Applied {
        generation: stored.metadata.generation,
        uid: stored.metadata.uid.clone(),
        object,
    })
}

/// Where `obj` lives according to discovery; `None` when the kind is not served.
pub(crate) fn resolve(discovery: &Discovery, obj: &Value, namespace: &str) -> Option<ObjectRef> {
    let gvk = gvk_of(obj).ok()?;
    let (resource, caps) = discovery.resolve_gvk(&gvk)?;
    let ns = match caps.scope {
        Scope::Namespaced => Some(
            obj["metadata"]["namespace"]
                .as_str()
                .filter(|s| !s.is_empty())
                .unwrap_or(namespace)
                .to_string(),
        ),
        Scope::Cluster => None,
    };
    Some(ObjectRef {
        gvk,
        resource,
        namespace: ns,
        name: obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    })
}

fn unknown_kind(obj: &Value) -> ApplyError {
    ApplyError::UnknownKind {
        api_version: obj["apiVersion"].as_str().unwrap_or_default().to_string(),
        kind: obj["kind"].as_str().unwrap_or_default().to_string(),
        name: obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    }
}

/// Re-runs discovery until `obj`'s kind appears (a CRD that is Established can take a moment
/// to show in discovery) or [`CRD_TIMEOUT`] passes.
async fn resolve_after_refresh(
    client: &Client,
    discovery: &mut Discovery,
    obj: &Value,
    namespace: &str,
) -> Result<ObjectRef, ApplyError> {
    let deadline = Instant::now() + CRD_TIMEOUT;
    loop {
        refresh(client, discovery).await?;
        if let Some(o) = resolve(discovery, obj, namespace) {
            return Ok(o);
        }
        if Instant::now() >= deadline {
            return Err(unknown_kind(obj));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Replaces `discovery` with a fresh one.
pub(crate) async fn refresh(client: &Client, discovery: &mut Discovery) -> Result<(), ApplyError> {
    *discovery = discover(client).await?;
    Ok(())
}

/// Runs (legacy) discovery, retrying transient failures.
pub async fn discover(client: &Client) -> Result<Discovery, ApplyError> {
    retry::idempotent_times("discovery", 12, || Discovery::new(client.clone()).run())
        .await
        .map_err(|e| ApplyError::Discovery(ApiFailure::from_kube(&e)))
}

async fn wait_established(client: &Client, crds: &[String]) -> Result<(), ApplyError> {
    let resource = ::kube::api::ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
        "customresourcedefinitions",
    );
    for name in crds {
        let crd = ObjectRef {
            gvk: GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            resource: resource.clone(),
            namespace: None,
            name: name.clone(),
        };
        wait::condition(client, &crd, "Established", "True", CRD_TIMEOUT)
            .await
            .map_err(|source| ApplyError::CrdNotEstablished {
                name: name.clone(),
                source,
            })?;
    }
    Ok(())
}

/// Sorts a failed apply into admission denial, validation failure or other API failure.
pub(crate) fn refused(object: &ObjectRef, e: &::kube::Error) -> ApplyError {
    let failure = ApiFailure::from_kube(e);
    let what = object.to_string();
    if let Some(by) = admission_denier(&failure.message) {
        return ApplyError::AdmissionDenied {
            object: what,
            by,
            message: failure.message,
        };
    }
    if failure.code == Some(422) {
        return ApplyError::Invalid {
            object: what,
            message: failure.message,
        };
    }
    ApplyError::Api {
        object: what,
        failure,
    }
}

/// Who denied the request, from the API server's message formats (apiserver
/// `webhookerrors.NewDeniedError`: `admission webhook "NAME" denied the request...`;
/// validating admission policies: `ValidatingAdmissionPolicy 'NAME' with binding ... denied
/// request`).
fn admission_denier(message: &str) -> Option<String> {
    if let Some(at) = message.find("admission webhook \"") {
        let rest = &message[at + "admission webhook \"".len()..];
        if let Some(end) = rest.find('"')
            && rest[end..].starts_with("\" denied the request")
        {
            return Some(format!("admission webhook \"{}\"", &rest[..end]));
        }
    }
    if let Some(at) = message.find("ValidatingAdmissionPolicy '") {
        let rest = &message[at + "ValidatingAdmissionPolicy '".len()..];
        if let Some(end) = rest.find('\'')
            && rest.contains("denied request")
        {
            return Some(format!("ValidatingAdmissionPolicy '{}'", &rest[..end]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_admission_denials() {
        assert_eq!(
            admission_denier(
                "admission webhook \"validation.istio.io\" denied the request: configuration is invalid: x"
            )
            .as_deref(),
            Some("admission webhook \"validation.istio.io\"")
        );
        assert_eq!(
            admission_denier(
                "ValidatingAdmissionPolicy 'safe' with binding 'b' denied request: no"
            )
            .as_deref(),
            Some("ValidatingAdmissionPolicy 'safe'")
        );
        assert_eq!(
            admission_denier("Service \"x\" is invalid: spec.ports: Required value"),
            None
        );
    }
}
