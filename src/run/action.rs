//! A scenario's actions on the cluster: apply, delete or patch (a [`Change`]), and wait for a
//! condition. Failures are sorted by whose fault they are, because a report must tell "Istio
//! refused the object" (a step's verdict) from "the harness sent a bad request" (a harness
//! error, exit 2) and from "the cluster could not be reached" (an error, exit 2).

use std::time::Duration;

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::discovery::{ApiCapabilities, ApiResource, Discovery, Scope};

use crate::kube::ApiFailure;
use crate::scenario::{Bindings, Change, Manifest, PatchKind, ResourceName, Rollout, Wait};

/// Why a change did not take effect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum ChangeError {
    /// Admission (a validating webhook, an admission policy) or the API server's validation
    /// (422 Invalid) refused an object: what `expect_apply: {rejected: ...}` is about.
    #[error("the change was rejected: {0}")]
    Rejected(String),
    /// The harness could not build its request (a template, a patch body of the wrong shape),
    /// or the API server refused the request itself as malformed (a 4xx that is neither an
    /// admission denial nor a validation failure nor a missing object): a harness bug or input
    /// the loader should have caught, never Istio's behaviour.
    #[error("harness error: {0}")]
    Harness(String),
    /// The cluster did not carry the change out: unreachable, the target missing, a delete
    /// that did not finish, a CRD that never became usable.
    #[error("{0}")]
    Cluster(String),
}

impl ChangeError {
    /// Sorts a failed API call on `what`.
    fn from_api(what: &str, e: &kube::Error) -> Self {
        let failure = ApiFailure::from_kube(e);
        match failure.code {
            Some(422) => Self::Rejected(failure.message),
            Some(400 | 405 | 406 | 413 | 415) if !denied_by_admission(&failure.message) => {
                Self::Harness(format!(
                    "the API server refused the request for {what}: {failure}"
                ))
            }
            Some(400 | 403) if denied_by_admission(&failure.message) => {
                Self::Rejected(failure.message)
            }
            _ => Self::Cluster(format!("{what}: {failure}")),
        }
    }
}

/// The API server's wording for an admission denial (apiserver `webhookerrors.NewDeniedError`,
/// validating admission policies); see `crate::kube::apply` for the same rule on applies.
fn denied_by_admission(message: &str) -> bool {
    message.contains("admission webhook \"") || message.contains("ValidatingAdmissionPolicy '")
}

fn render_all(manifests: &[Manifest], bindings: &Bindings) -> Result<String, ChangeError> {
    let mut text = String::new();
    for m in manifests {
        let rendered = m
            .render(bindings)
            .map_err(|e| ChangeError::Harness(e.to_string()))?;
        text.push_str(&rendered);
        text.push_str("\n---\n");
    }
    Ok(text)
}

/// The served resource a `<resource>[.<group>]/<name>` reference names, at its preferred version.
pub(super) fn resolve(
    discovery: &Discovery,
    target: &ResourceName,
) -> Option<(ApiResource, ApiCapabilities)> {
    discovery
        .groups()
        .flat_map(|g| g.recommended_resources())
        .find(|(ar, _)| ar.plural == target.resource() && ar.group == target.group())
}

/// Applies, deletes or patches in `ns` (the namespace of objects that name none).
pub(super) async fn change(
    client: &kube::Client,
    discovery: &mut Discovery,
    c: &Change,
    ns: &str,
    bindings: &Bindings,
    timeout: Duration,
) -> Result<(), ChangeError> {
    match c {
        Change::Apply(ms) => {
            let text = render_all(ms, bindings)?;
            crate::kube::apply(client, discovery, text.as_str(), ns)
                .await
                .map(|_| ())
                .map_err(|f| match f.error.rejection_message() {
                    Some(m) => ChangeError::Rejected(m.to_string()),
                    None => ChangeError::Cluster(f.error.to_string()),
                })
        }
        Change::Delete(ms) => {
            let text = render_all(ms, bindings)?;
            crate::kube::delete_manifests(client, discovery, text.as_str(), ns, timeout)
                .await
                .map_err(|e| ChangeError::Cluster(e.to_string()))
        }
        Change::Patch(p) => {
            let body_text = p
                .body()
                .render(bindings)
                .map_err(|e| ChangeError::Harness(e.to_string()))?;
            let body: serde_json::Value = serde_saphyr::from_str(&body_text).map_err(|e| {
                ChangeError::Harness(format!("the patch body is not YAML or JSON: {e}"))
            })?;
            let target = p.target();
            let Some((ar, caps)) = resolve(discovery, target) else {
                return Err(ChangeError::Cluster(format!(
                    "no resource {target} is served"
                )));
            };
            let api: Api<DynamicObject> = match caps.scope {
                Scope::Namespaced => Api::namespaced_with(client.clone(), ns, &ar),
                Scope::Cluster => Api::all_with(client.clone(), &ar),
            };
            let patch = patch_of(p.kind(), body)?;
            let pp = PatchParams::default();
            let what = format!("patch of {target}");
            let sent = if p.kind() == PatchKind::Json {
                // A JSON patch's `add` to a list or a `test` is not idempotent: sent once.
                api.patch(target.name(), &pp, &patch).await
            } else {
                // Merge and strategic merge patches give the same object however often they
                // are applied, so a transient failure is retried.
                crate::kube::retry::idempotent(&what, || api.patch(target.name(), &pp, &patch))
                    .await
            };
            sent.map(|_| ())
                .map_err(|e| ChangeError::from_api(&what, &e))
        }
    }
}

/// The kube-rs patch for a body of `kind`: a JSON patch must be a list of RFC 6902 operations,
/// sent as `application/json-patch+json`.
fn patch_of(
    kind: PatchKind,
    body: serde_json::Value,
) -> Result<Patch<serde_json::Value>, ChangeError> {
    Ok(match kind {
        PatchKind::Merge => Patch::Merge(body),
        PatchKind::Strategic => Patch::Strategic(body),
        PatchKind::Json => {
            let ops: json_patch::Patch = serde_json::from_value(body).map_err(|e| {
                ChangeError::Harness(format!(
                    "a JSON patch (type: json) is a list of RFC 6902 operations: {e}"
                ))
            })?;
            Patch::Json(ops)
        }
    })
}

/// Waits for a rollout or a condition in `ns`.
pub(super) async fn wait(
    client: &kube::Client,
    discovery: &mut Discovery,
    w: &Wait,
    ns: &str,
    timeout: Duration,
) -> Result<(), String> {
    match w {
        Wait::Rollout(Rollout::All) => crate::kube::wait::rollout_all(client, ns, timeout)
            .await
            .map_err(|e| e.to_string()),
        Wait::Rollout(Rollout::Deployment(d)) => crate::kube::wait::rollout(client, ns, d, timeout)
            .await
            .map_err(|e| e.to_string()),
        Wait::Condition { target, condition } => {
            // A kind that appeared since discovery ran (a CRD applied by a controller) is
            // looked up once more before the wait fails.
            if resolve(discovery, target).is_none() {
                *discovery = crate::kube::discover(client)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            let (ar, caps) = resolve(discovery, target)
                .ok_or_else(|| format!("no resource {target} is served"))?;
            let object = crate::kube::ObjectRef {
                gvk: kube::api::GroupVersionKind::gvk(&ar.group, &ar.version, &ar.kind),
                resource: ar,
                namespace: (caps.scope == Scope::Namespaced).then(|| ns.to_string()),
                name: target.name().to_string(),
            };
            crate::kube::wait::condition(client, &object, condition, "True", timeout)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(code: u16, reason: &str, message: &str) -> kube::Error {
        kube::Error::Api(Box::new(kube::core::Status {
            code,
            reason: reason.into(),
            message: message.into(),
            ..Default::default()
        }))
    }

    /// The defect this sorting fixes: a 400 for the harness's own malformed request was
    /// reported as "the change was rejected" (a failed step, exit 1).
    #[test]
    fn a_malformed_request_is_the_harness_fault() {
        let e = api_error(
            400,
            "BadRequest",
            "json: cannot unmarshal array into Go value",
        );
        assert!(matches!(
            ChangeError::from_api("patch of x", &e),
            ChangeError::Harness(_)
        ));
        let e = api_error(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format",
        );
        assert!(matches!(
            ChangeError::from_api("patch of x", &e),
            ChangeError::Harness(_)
        ));
    }

    #[test]
    fn admission_and_validation_are_rejections() {
        let denied = "admission webhook \"validation.istio.io\" denied the request: configuration is invalid";
        for e in [
            api_error(400, "BadRequest", denied),
            api_error(403, "Forbidden", denied),
            api_error(
                422,
                "Invalid",
                "VirtualService.networking.istio.io \"x\" is invalid",
            ),
        ] {
            assert!(
                matches!(ChangeError::from_api("x", &e), ChangeError::Rejected(_)),
                "{e}"
            );
        }
    }

    #[test]
    fn missing_targets_and_outages_are_cluster_errors() {
        for e in [
            api_error(404, "NotFound", "not found"),
            api_error(503, "ServiceUnavailable", "try later"),
        ] {
            assert!(matches!(
                ChangeError::from_api("x", &e),
                ChangeError::Cluster(_)
            ));
        }
    }

    #[test]
    fn a_json_patch_body_must_be_a_list_of_operations() {
        let ops = serde_json::json!([{"op": "replace", "path": "/spec/x", "value": 1}]);
        assert!(matches!(patch_of(PatchKind::Json, ops), Ok(Patch::Json(_))));
        let not_ops = serde_json::json!({"spec": {"x": 1}});
        assert!(matches!(
            patch_of(PatchKind::Json, not_ops),
            Err(ChangeError::Harness(_))
        ));
    }
}
