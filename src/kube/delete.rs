//! Deleting what was applied and waiting until it is gone, so that the next step (or the next
//! scenario) never sees a half-deleted object.
//!
//! Deletes use the kind's default propagation (like `kubectl delete`) and wait for the object
//! itself: gone (404) or replaced by a new incarnation (another uid).

use std::time::Duration;

use ::kube::Client;
use ::kube::api::{Api, DeleteParams};
use ::kube::discovery::Discovery;
use k8s_openapi::api::core::v1::Namespace;
use tokio::time::Instant;

use super::apply::{ApplyError, resolve};
use super::error::ApiFailure;
use super::manifest::Manifests;
use super::object::ObjectRef;
use super::poll::{self, Check};
use super::retry;
use super::wait::WaitError;

/// Why a delete did not finish.
#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    #[error(transparent)]
    Manifest(#[from] ApplyError),
    #[error("deleting {object} failed: {failure}")]
    Api { object: String, failure: ApiFailure },
    /// The delete was accepted but the object stayed (a finalizer, a stuck controller).
    #[error("{object} was not gone in time: {source}")]
    NotGone {
        object: String,
        #[source]
        source: WaitError,
    },
}

/// Deletes `objects` (last first, the reverse of applying them) and waits until each is gone;
/// `timeout` bounds the whole call. Objects that are already gone are fine.
pub async fn delete(
    client: &Client,
    objects: &[ObjectRef],
    timeout: Duration,
) -> Result<(), DeleteError> {
    let deadline = Instant::now() + timeout;
    let mut issued = Vec::new();
    for object in objects.iter().rev() {
        let api = object.api(client.clone());
        let dp = DeleteParams::default();
        let r = retry::idempotent(&object.to_string(), || api.delete(&object.name, &dp)).await;
        match r {
            Ok(either) => {
                let uid = either.either(
                    |o| o.metadata.uid,
                    |s| s.details.map(|d| d.uid).filter(|u| !u.is_empty()),
                );
                issued.push((object, uid));
            }
            Err(e) => {
                let failure = ApiFailure::from_kube(&e);
                if !failure.is_not_found() {
                    return Err(DeleteError::Api {
                        object: object.to_string(),
                        failure,
                    });
                }
            }
        }
    }
    for (object, uid) in issued {
        let left = deadline.saturating_duration_since(Instant::now());
        gone(
            &object.api(client.clone()),
            &object.name,
            uid.as_deref(),
            left,
        )
        .await
        .map_err(|source| DeleteError::NotGone {
            object: object.to_string(),
            source,
        })?;
    }
    Ok(())
}

/// Deletes the objects of `manifests` (as [`super::apply::apply`] would have placed them) and
/// waits until they are gone. Kinds the server does not serve have nothing to delete.
pub(crate) async fn delete_manifests(
    client: &Client,
    discovery: &Discovery,
    manifests: impl Into<Manifests<'_>>,
    namespace: &str,
    timeout: Duration,
) -> Result<(), DeleteError> {
    let objects = manifests.into().into_objects().map_err(ApplyError::from)?;
    let refs: Vec<ObjectRef> = objects
        .iter()
        .filter_map(|o| {
            let r = resolve(discovery, o, namespace);
            if r.is_none() {
                tracing::debug!(kind = ?o["kind"], "kind not served: nothing to delete");
            }
            r
        })
        .collect();
    delete(client, &refs, timeout).await
}

/// Deletes namespace `name` and waits until it is gone (its finalization deletes everything
/// in it); a namespace that does not exist is fine.
pub async fn delete_namespace(
    client: &Client,
    name: &str,
    timeout: Duration,
) -> Result<(), DeleteError> {
    let api: Api<Namespace> = Api::all(client.clone());
    let object = format!("Namespace {name}");
    let dp = DeleteParams::default();
    let uid = match retry::idempotent(&object, || api.delete(name, &dp)).await {
        Ok(either) => either.either(
            |o| o.metadata.uid,
            |s| s.details.map(|d| d.uid).filter(|u| !u.is_empty()),
        ),
        Err(e) => {
            let failure = ApiFailure::from_kube(&e);
            if failure.is_not_found() {
                return Ok(());
            }
            return Err(DeleteError::Api { object, failure });
        }
    };
    gone(&api, name, uid.as_deref(), timeout)
        .await
        .map_err(|source| DeleteError::NotGone { object, source })
}

/// Waits until `name` is gone or has another uid than `uid`.
async fn gone<K>(
    api: &Api<K>,
    name: &str,
    uid: Option<&str>,
    timeout: Duration,
) -> Result<(), WaitError>
where
    K: ::kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    poll::until("the object to be deleted", timeout, || {
        let api = api.clone();
        async move {
            match api.get_opt(name).await {
                Ok(None) => Check::Done(()),
                Ok(Some(o)) => {
                    let meta = o.meta();
                    if uid.is_some() && meta.uid.as_deref() != uid {
                        return Check::Done(());
                    }
                    let finalizers = meta.finalizers.clone().unwrap_or_default();
                    let phase = if meta.deletion_timestamp.is_some() {
                        "terminating"
                    } else {
                        "not yet marked for deletion"
                    };
                    if finalizers.is_empty() {
                        Check::NotYet(format!("still there, {phase}"))
                    } else {
                        Check::NotYet(format!(
                            "still there, {phase}, finalizers: {}",
                            finalizers.join(", ")
                        ))
                    }
                }
                Err(e) => Check::NotYet(format!("read failed: {}", ApiFailure::from_kube(&e))),
            }
        }
    })
    .await
}
