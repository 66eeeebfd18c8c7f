//! Waiting until the cluster is in a state: Deployments rolled out, pods Ready, a condition
//! on any object, or any JSONPath predicate.
//!
//! Every wait takes a timeout and, when it runs out, says what it waited for and what it last
//! saw; statuses count only once they have observed the object's current generation, so a
//! wait right after an apply cannot be satisfied by the status of the previous spec.

use std::time::Duration;

use ::kube::Client;
use ::kube::api::{Api, DynamicObject, ListParams};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use super::error::ApiFailure;
use super::jsonpath::{JsonPath, text_of};
use super::object::ObjectRef;
use super::poll::{self, Check};

/// A wait that did not end in the awaited state.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error(
        "timed out after {waited:.1?} waiting for {what}; last seen: {last_seen}. \
         Check the object with kubectl describe, or allow a longer timeout"
    )]
    Timeout {
        what: String,
        waited: Duration,
        last_seen: String,
    },
    #[error("gave up waiting for {what}: {reason}")]
    Failed { what: String, reason: String },
}

/// Turns a failed read into "keep polling" (transient, or not there yet) or "give up".
fn on_api_error<T>(e: &::kube::Error) -> Check<T> {
    let f = ApiFailure::from_kube(e);
    if f.is_auth() {
        Check::Fail(format!(
            "the API server refused the read ({f}); the credentials lack RBAC permission"
        ))
    } else {
        Check::NotYet(format!("read failed: {f}"))
    }
}

/// What `kubectl rollout status deployment/NAME` would say; `Ok` once it would exit 0.
pub(crate) fn rollout_state(d: &Deployment) -> Result<(), Check<()>> {
    let generation = d.metadata.generation.unwrap_or(0);
    let Some(status) = &d.status else {
        return Err(Check::NotYet("no status yet".into()));
    };
    let observed = status.observed_generation.unwrap_or(0);
    if generation > observed {
        return Err(Check::NotYet(format!(
            "waiting for the spec update to be observed (generation {generation}, observed {observed})"
        )));
    }
    if let Some(c) = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Progressing")
        && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    {
        return Err(Check::Fail(format!(
            "its progress deadline was exceeded: {}",
            c.message.as_deref().unwrap_or("")
        )));
    }
    let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let updated = status.updated_replicas.unwrap_or(0);
    let replicas = status.replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    if updated < want {
        return Err(Check::NotYet(format!(
            "{updated} of {want} new replicas updated"
        )));
    }
    if replicas > updated {
        return Err(Check::NotYet(format!(
            "{} old replicas pending termination",
            replicas - updated
        )));
    }
    if available < updated {
        return Err(Check::NotYet(format!(
            "{available} of {updated} updated replicas available"
        )));
    }
    Ok(())
}

/// Waits until Deployment `namespace/name` has rolled out, with `kubectl rollout status`'s
/// rules (observedGeneration, updated, old and available replicas). Fails at once when the
/// Deployment's progress deadline is exceeded.
pub async fn rollout(
    client: &Client,
    namespace: &str,
    name: &str,
    timeout: Duration,
) -> Result<(), WaitError> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let what = format!("the rollout of Deployment {namespace}/{name}");
    poll::until(&what, timeout, || {
        let api = api.clone();
        async move {
            match api.get_opt(name).await {
                Ok(Some(d)) => match rollout_state(&d) {
                    Ok(()) => Check::Done(()),
                    Err(c) => c,
                },
                Ok(None) => Check::NotYet("the Deployment does not exist".into()),
                Err(e) => on_api_error(&e),
            }
        }
    })
    .await
}

/// Waits until every Deployment in `namespace` has rolled out (the scenario step
/// `wait: {rollout: all}`); the timeout is for all of them together.
pub async fn rollout_all(
    client: &Client,
    namespace: &str,
    timeout: Duration,
) -> Result<(), WaitError> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let what = format!("the rollout of every Deployment in namespace {namespace}");
    poll::until(&what, timeout, || {
        let api = api.clone();
        async move {
            let list = match api.list(&ListParams::default()).await {
                Ok(l) => l,
                Err(e) => return on_api_error(&e),
            };
            let mut pending = Vec::new();
            for d in &list.items {
                let name = d.metadata.name.as_deref().unwrap_or("?");
                match rollout_state(d) {
                    Ok(()) => {}
                    Err(Check::Fail(r)) => return Check::Fail(format!("Deployment {name}: {r}")),
                    Err(Check::NotYet(s)) => pending.push(format!("{name}: {s}")),
                    Err(Check::Done(())) => {}
                }
            }
            if pending.is_empty() {
                Check::Done(())
            } else {
                Check::NotYet(pending.join("; "))
            }
        }
    })
    .await
}

fn pod_ready(p: &Pod) -> bool {
    p.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Why a pod is not Ready, in the words `kubectl get pods` uses (phase, or a container's
/// waiting reason such as `ErrImagePull`).
fn pod_state(p: &Pod) -> String {
    let name = p.metadata.name.as_deref().unwrap_or("?");
    let status = p.status.as_ref();
    let waiting = status
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten()
        .find_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone());
    let phase = status
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Pending".into());
    match waiting {
        Some(w) => format!("{name}: {phase} ({w})"),
        None => format!("{name}: {phase}, not Ready"),
    }
}

/// Waits until at least one pod matches `selector` (a label selector) and all matching pods
/// that are not being deleted are Ready; returns them.
pub async fn pods_ready(
    pods: &Api<Pod>,
    selector: &str,
    timeout: Duration,
) -> Result<Vec<Pod>, WaitError> {
    let ns = pods.namespace().unwrap_or("all namespaces").to_string();
    let what = format!("pods matching `{selector}` in {ns} to be Ready");
    let lp = ListParams::default().labels(selector);
    poll::until(&what, timeout, || {
        let (pods, lp) = (pods.clone(), lp.clone());
        async move {
            let list = match pods.list(&lp).await {
                Ok(l) => l,
                Err(e) => return on_api_error(&e),
            };
            let live: Vec<Pod> = list
                .items
                .into_iter()
                .filter(|p| p.metadata.deletion_timestamp.is_none())
                .collect();
            if live.is_empty() {
                return Check::NotYet("no matching pod".into());
            }
            let not_ready: Vec<String> = live
                .iter()
                .filter(|p| !pod_ready(p))
                .map(pod_state)
                .collect();
            if not_ready.is_empty() {
                Check::Done(live)
            } else {
                Check::NotYet(not_ready.join("; "))
            }
        }
    })
    .await
}

/// Whether `obj`'s condition `type_` has `status`, counting only a condition (or status)
/// that has observed the object's current generation.
pub(crate) fn condition_state(obj: &Value, type_: &str, status: &str) -> Result<(), String> {
    let generation = obj["metadata"]["generation"].as_i64();
    let Some(c) = obj["status"]["conditions"]
        .as_array()
        // kubectl wait matches the condition type case-insensitively (`condition=programmed`).
        .and_then(|cs| {
            cs.iter().find(|c| {
                c["type"]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case(type_))
            })
        })
    else {
        return Err(format!("no {type_} condition yet"));
    };
    let observed = c["observedGeneration"]
        .as_i64()
        .or_else(|| obj["status"]["observedGeneration"].as_i64());
    if let (Some(g), Some(o)) = (generation, observed)
        && o < g
    {
        return Err(format!(
            "{type_}={} observed generation {o}, the object is at {g}",
            text_of(&c["status"])
        ));
    }
    if c["status"]
        .as_str()
        .is_some_and(|s| s.eq_ignore_ascii_case(status))
    {
        Ok(())
    } else {
        let reason = c["reason"].as_str().unwrap_or("");
        let message = c["message"].as_str().unwrap_or("");
        Err(format!(
            "{type_}={} ({reason}: {message})",
            text_of(&c["status"])
        ))
    }
}

/// Waits until `object` has condition `type_` with `status` (`"True"` for `kubectl wait
/// --for=condition=X`), observed at its current generation; returns the object.
pub async fn condition(
    client: &Client,
    object: &ObjectRef,
    type_: &str,
    status: &str,
    timeout: Duration,
) -> Result<DynamicObject, WaitError> {
    let what = format!("{object} to have condition {type_}={status}");
    until(client, object, &what, timeout, |v| {
        condition_state(v, type_, status)
    })
    .await
}

/// Waits until the values `path` selects in `object` include `expected` (as kubectl's
/// `--for=jsonpath='{path}'=expected` does); with `expected = None`, until it selects
/// anything.
pub async fn json_path(
    client: &Client,
    object: &ObjectRef,
    path: &JsonPath,
    expected: Option<&str>,
    timeout: Duration,
) -> Result<DynamicObject, WaitError> {
    let what = match expected {
        Some(e) => format!("{object} to have {} = {e:?}", path.as_str()),
        None => format!("{object} to have {}", path.as_str()),
    };
    until(client, object, &what, timeout, |v| {
        let got = path.select_text(v);
        match expected {
            None if !got.is_empty() => Ok(()),
            Some(e) if got.iter().any(|g| g == e) => Ok(()),
            _ if got.is_empty() => Err(format!("{} selects nothing", path.as_str())),
            _ => Err(format!("{} = {}", path.as_str(), got.join(", "))),
        }
    })
    .await
}

/// Waits until `pred` accepts `object` (as JSON); `pred` says what it saw when it does not.
/// The object not existing yet counts as "not yet".
pub(crate) async fn until(
    client: &Client,
    object: &ObjectRef,
    what: &str,
    timeout: Duration,
    pred: impl Fn(&Value) -> Result<(), String>,
) -> Result<DynamicObject, WaitError> {
    let api = object.api(client.clone());
    let pred = &pred;
    poll::until(what, timeout, || {
        let api = api.clone();
        async move {
            match api.get_opt(&object.name).await {
                Ok(Some(obj)) => {
                    let v = match serde_json::to_value(&obj) {
                        Ok(v) => v,
                        Err(e) => return Check::NotYet(format!("unreadable object: {e}")),
                    };
                    match pred(&v) {
                        Ok(()) => Check::Done(obj),
                        Err(seen) => Check::NotYet(seen),
                    }
                }
                Ok(None) => Check::NotYet(format!("{object} does not exist")),
                Err(e) => on_api_error(&e),
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_count_only_at_the_current_generation() {
        let mut v = json!({"metadata": {"generation": 2}, "status": {"conditions": [
            {"type": "Programmed", "status": "True", "observedGeneration": 1}]}});
        assert!(
            condition_state(&v, "Programmed", "True")
                .unwrap_err()
                .contains("observed generation 1")
        );
        v["status"]["conditions"][0]["observedGeneration"] = json!(2);
        assert_eq!(condition_state(&v, "Programmed", "True"), Ok(()));
        assert!(condition_state(&v, "Accepted", "True").is_err());
        // Without a per-condition generation, status.observedGeneration decides.
        let v = json!({"metadata": {"generation": 3}, "status": {"observedGeneration": 2,
            "conditions": [{"type": "Available", "status": "True"}]}});
        assert!(condition_state(&v, "Available", "True").is_err());
        let v = json!({"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "R", "message": "m"}]}});
        assert_eq!(
            condition_state(&v, "Ready", "True").unwrap_err(),
            "Ready=False (R: m)"
        );
    }

    fn deployment(v: Value) -> Deployment {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn rollout_follows_kubectl() {
        let d = deployment(
            json!({"metadata": {"generation": 2}, "spec": {"replicas": 2, "selector": {}, "template": {}},
            "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2}}),
        );
        assert!(matches!(rollout_state(&d), Err(Check::NotYet(s)) if s.contains("spec update")));
        let d = deployment(
            json!({"metadata": {"generation": 2}, "spec": {"replicas": 2, "selector": {}, "template": {}},
            "status": {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 2, "availableReplicas": 2}}),
        );
        assert!(matches!(rollout_state(&d), Err(Check::NotYet(s)) if s.contains("old replicas")));
        let d = deployment(
            json!({"metadata": {"generation": 2}, "spec": {"replicas": 2, "selector": {}, "template": {}},
            "status": {"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 1}}),
        );
        assert!(matches!(rollout_state(&d), Err(Check::NotYet(s)) if s.contains("1 of 2")));
        let d = deployment(
            json!({"metadata": {"generation": 1}, "spec": {"selector": {}, "template": {}},
            "status": {"observedGeneration": 1, "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}}),
        );
        assert!(matches!(rollout_state(&d), Err(Check::Fail(_))));
        let d = deployment(
            json!({"metadata": {"generation": 1}, "spec": {"replicas": 1, "selector": {}, "template": {}},
            "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "availableReplicas": 1}}),
        );
        assert!(rollout_state(&d).is_ok());
    }
}
