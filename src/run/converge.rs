//! The convergence gate: after a change, no sample counts until istiod has pushed a new
//! configuration and every proxy acked it, read from istiod's `/debug/syncz` (the data behind
//! `istioctl proxy-status`) through a port-forward to the istiod pod's monitoring port, and then
//! a short settle window for the data plane. Istio writes route status when it computes config,
//! not when proxies have it, so resource status alone is not enough (DESIGN.md).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};

/// The last push each proxy was sent and acked, by proxy id.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct SyncState(BTreeMap<String, (String, String)>);

impl SyncState {
    fn from_syncz(doc: &serde_json::Value) -> Self {
        let mut m = BTreeMap::new();
        for p in doc.as_array().into_iter().flatten() {
            let id = p["proxy"].as_str().unwrap_or_default().to_string();
            let sent = p["route_sent"].as_str().unwrap_or_default().to_string();
            let acked = p["route_acked"].as_str().unwrap_or_default().to_string();
            m.insert(id, (sent, acked));
        }
        Self(m)
    }

    fn all_acked(&self) -> bool {
        self.0.values().all(|(sent, acked)| sent == acked)
    }

    /// Whether istiod pushed since `before`: a proxy that was there then was sent a push it
    /// was not sent then. A proxy that connected since is no evidence: it gets the config
    /// istiod holds when it connects, which need not include the change yet (seen: a sidecar
    /// that came up just after `before` opened the gate on a change that never propagated).
    fn pushed_since(&self, before: &SyncState) -> bool {
        if before.0.is_empty() {
            return !self.0.is_empty();
        }
        self.0
            .iter()
            .any(|(id, (sent, _))| before.0.get(id).is_some_and(|(b, _)| b != sent))
    }

    fn stale(&self) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(_, (s, a))| s != a)
            .map(|(id, _)| id.as_str())
            .collect()
    }
}

/// Why the gate did not open.
#[derive(Debug, thiserror::Error)]
pub(super) enum ConvergeError {
    #[error("cannot read istiod's sync status: {0}")]
    Syncz(String),
    #[error(
        "the configuration did not converge within {timeout:?}: proxies still STALE: {stale:?} (istiod's /debug/syncz); a step is not sampled before its change is in effect"
    )]
    Timeout {
        timeout: Duration,
        stale: Vec<String>,
    },
}

/// Reads of `/debug/syncz` tried before the gate gives up: the read is a LIST and a GET through
/// a port-forward, safe to repeat, and under API faults (429/5xx on the port-forward's upgrade,
/// a dropped tunnel) the next try usually works.
const SYNCZ_ATTEMPTS: u32 = 5;

async fn syncz(client: &kube::Client) -> Result<SyncState, ConvergeError> {
    let mut delay = Duration::from_millis(100);
    let mut attempt = 1;
    loop {
        match istiod_debug(client, "syncz").await {
            Ok(doc) => return Ok(SyncState::from_syncz(&doc)),
            Err(e) if attempt >= SYNCZ_ATTEMPTS => return Err(ConvergeError::Syncz(e)),
            Err(e) => {
                tracing::debug!(attempt, error = %e, "retrying the read of istiod's syncz");
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
        }
    }
}

/// One of istiod's debug documents (`/debug/<what>` on its monitoring port 15014), through a
/// port-forward to a running istiod pod.
pub(super) async fn istiod_debug(
    client: &kube::Client,
    what: &str,
) -> Result<serde_json::Value, String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), "istio-system");
    let list = pods
        .list(&ListParams::default().labels("app=istiod"))
        .await
        .map_err(|e| e.to_string())?;
    let pod = list
        .items
        .iter()
        .find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        .and_then(|p| p.metadata.name.clone())
        .ok_or_else(|| "no running istiod pod in istio-system".to_string())?;
    let pf = crate::kube::port_forward(&pods, &pod, 15014)
        .await
        .map_err(|e| e.to_string())?;
    let url = format!("http://{}/debug/{what}", pf.local_addr());
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?
        .get(url)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())
}

/// The Istio and Gateway API configuration istiod holds for `namespace` (its `/debug/configz`,
/// generated VirtualServices and Gateways included), one object per line, for a post-mortem.
pub(super) async fn configz_excerpt(
    client: &kube::Client,
    namespace: &str,
) -> Result<String, String> {
    let doc = istiod_debug(client, "configz").await?;
    let mut lines = Vec::new();
    for c in doc.as_array().into_iter().flatten() {
        let ns = c["metadata"]["namespace"].as_str().unwrap_or_default();
        if ns != namespace {
            continue;
        }
        let mut line = format!(
            "{} {ns}/{}: spec {}",
            c["kind"].as_str().unwrap_or("?"),
            c["metadata"]["name"].as_str().unwrap_or("?"),
            c["spec"]
        );
        if let Some(status) = c.get("status").filter(|s| !s.is_null()) {
            line.push_str(&format!(" status {status}"));
        }
        lines.push(truncate(line, 2000));
    }
    if lines.is_empty() {
        lines.push(format!("(istiod holds no configuration in {namespace})"));
    }
    Ok(lines.join("\n"))
}

/// istiod's per-proxy sync state (`/debug/syncz`), one proxy per line.
pub(super) async fn syncz_text(client: &kube::Client) -> Result<String, String> {
    let doc = istiod_debug(client, "syncz").await?;
    let state = SyncState::from_syncz(&doc);
    Ok(state
        .0
        .iter()
        .map(|(id, (sent, acked))| {
            let status = if sent == acked { "SYNCED" } else { "STALE" };
            format!("{id} {status} (route sent {sent}, acked {acked})")
        })
        .collect::<Vec<_>>()
        .join("\n"))
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str(" ...");
    }
    s
}

/// How long the gate waits for istiod to push anything at all before it takes "no push" to mean
/// the change reaches no proxy: istiod may hold a debounced push up to `PILOT_DEBOUNCE_MAX`
/// (10 s by default, pilot/pkg/features/tuning.go), so a shorter window opens the gate on
/// configuration no proxy has yet (seen: a 3 s window let a never-propagating change through
/// on a loaded machine).
pub(super) const NO_PUSH_QUIET: Duration = Duration::from_secs(11);

/// The sync state before a change.
pub(super) async fn before(client: &kube::Client) -> Result<SyncState, ConvergeError> {
    syncz(client).await
}

/// Waits until a push newer than `before` reached every proxy (or, when istiod pushes nothing
/// for the change within `quiet`, until every proxy is in sync), then settles.
pub(super) async fn wait(
    client: &kube::Client,
    before: &SyncState,
    timeout: Duration,
    quiet: Duration,
    settle: Duration,
) -> Result<(), ConvergeError> {
    let started = Instant::now();
    loop {
        let now = syncz(client).await?;
        let pushed = now.pushed_since(before) || started.elapsed() >= quiet;
        if pushed && now.all_acked() {
            tokio::time::sleep(settle).await;
            return Ok(());
        }
        if started.elapsed() >= timeout {
            return Err(ConvergeError::Timeout {
                timeout,
                stale: now.stale().into_iter().map(str::to_string).collect(),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pushes_and_acks_are_read_from_syncz() {
        let before = SyncState::from_syncz(
            &json!([{"proxy": "a.ns", "route_sent": "n1", "route_acked": "n1"}]),
        );
        let sent = SyncState::from_syncz(
            &json!([{"proxy": "a.ns", "route_sent": "n2", "route_acked": "n1"}]),
        );
        assert!(sent.pushed_since(&before) && !sent.all_acked());
        assert_eq!(sent.stale(), vec!["a.ns"]);
        let acked = SyncState::from_syncz(
            &json!([{"proxy": "a.ns", "route_sent": "n2", "route_acked": "n2"}]),
        );
        assert!(acked.pushed_since(&before) && acked.all_acked());
        assert!(!before.pushed_since(&before));
    }

    #[test]
    fn a_proxy_that_connected_since_is_no_push() {
        let before = SyncState::from_syncz(
            &json!([{"proxy": "a.ns", "route_sent": "n1", "route_acked": "n1"}]),
        );
        let joined = SyncState::from_syncz(&json!([
            {"proxy": "a.ns", "route_sent": "n1", "route_acked": "n1"},
            {"proxy": "b.ns", "route_sent": "n1", "route_acked": "n1"}
        ]));
        assert!(!joined.pushed_since(&before));
        // With no proxy before, the first ones to connect are all there is to wait for.
        assert!(joined.pushed_since(&SyncState::default()));
    }
}
