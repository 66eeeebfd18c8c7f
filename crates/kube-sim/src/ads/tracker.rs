//! What each connected Envoy was sent, ACKed and NACKed, per xDS type: the facts istiod's
//! `/debug/syncz` and `istioctl proxy-status` report (pilot/pkg/xds/debug.go `Syncz`,
//! pilot/pkg/model/context.go `WatchedResource`), here from the real Envoys' requests.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

use super::NodeId;

/// A rejected push, with Envoy's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Nack {
    /// The nonce of the response Envoy rejected.
    pub nonce: String,
    /// The version Envoy still runs (its request's `version_info`).
    pub version_kept: String,
    /// Envoy's `error_detail.message`.
    pub message: String,
    /// When the NACK arrived (RFC 3339).
    pub at: String,
}

/// One type's state on one stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TypeSync {
    /// `version_info` and nonce of the last response sent; empty before the first.
    pub version_sent: String,
    pub nonce_sent: String,
    pub sent_at: String,
    pub resources_sent: usize,
    /// The last nonce and version Envoy ACKed.
    pub nonce_acked: String,
    pub version_acked: String,
    /// The last NACK, cleared by the next ACK (istiod's `WatchedResource.NonceNacked`).
    pub nack: Option<Nack>,
}

impl TypeSync {
    /// Envoy ACKed the last response sent.
    pub(crate) fn synced(&self) -> bool {
        !self.nonce_sent.is_empty() && self.nonce_acked == self.nonce_sent
    }
}

/// One connected Envoy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProxyXds {
    /// `<pod>.<ns>-<n>`, istiod's connection id (pilot/pkg/xds/ads.go `connectionID`).
    pub conn_id: String,
    pub node: NodeId,
    /// The node metadata of the first request, as JSON.
    pub metadata: Value,
    pub connected_at: String,
    /// By type URL.
    pub types: BTreeMap<String, TypeSync>,
}

/// The shared table of streams; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct SyncTracker {
    proxies: Arc<Mutex<BTreeMap<String, ProxyXds>>>,
    changed: Arc<watch::Sender<u64>>,
}

impl Default for SyncTracker {
    fn default() -> Self {
        SyncTracker {
            proxies: Arc::default(),
            changed: Arc::new(watch::Sender::new(0)),
        }
    }
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

impl SyncTracker {
    /// Every connected proxy, by connection id.
    pub(crate) fn snapshot(&self) -> Vec<ProxyXds> {
        self.proxies
            .lock()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Waits until `done` holds for the table, or `timeout`; returns the last table seen and
    /// whether it held.
    pub(crate) async fn wait_for(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&[ProxyXds]) -> bool,
    ) -> (Vec<ProxyXds>, bool) {
        let mut rx = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            rx.borrow_and_update();
            let snap = self.snapshot();
            if done(&snap) {
                return (snap, true);
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                return (self.snapshot(), false);
            }
        }
    }

    fn update(&self, conn_id: &str, f: impl FnOnce(&mut ProxyXds)) {
        if let Ok(mut m) = self.proxies.lock()
            && let Some(p) = m.get_mut(conn_id)
        {
            f(p);
        }
        self.changed.send_modify(|n| *n += 1);
    }

    pub(super) fn connect(&self, conn_id: &str, node: NodeId, metadata: Value) {
        if let Ok(mut m) = self.proxies.lock() {
            m.insert(
                conn_id.to_string(),
                ProxyXds {
                    conn_id: conn_id.to_string(),
                    node,
                    metadata,
                    connected_at: now(),
                    types: BTreeMap::new(),
                },
            );
        }
        self.changed.send_modify(|n| *n += 1);
    }

    pub(super) fn disconnect(&self, conn_id: &str) {
        if let Ok(mut m) = self.proxies.lock() {
            m.remove(conn_id);
        }
        self.changed.send_modify(|n| *n += 1);
    }

    pub(super) fn sent(&self, conn_id: &str, type_url: &str, version: &str, nonce: &str, n: usize) {
        self.update(conn_id, |p| {
            let t = p.types.entry(type_url.to_string()).or_default();
            t.version_sent = version.to_string();
            t.nonce_sent = nonce.to_string();
            t.sent_at = now();
            t.resources_sent = n;
        });
    }

    pub(super) fn acked(&self, conn_id: &str, type_url: &str, nonce: &str, version: &str) {
        self.update(conn_id, |p| {
            let t = p.types.entry(type_url.to_string()).or_default();
            t.nonce_acked = nonce.to_string();
            t.version_acked = version.to_string();
            t.nack = None;
        });
    }

    pub(super) fn nacked(&self, conn_id: &str, type_url: &str, nack: Nack) {
        self.update(conn_id, |p| {
            p.types.entry(type_url.to_string()).or_default().nack = Some(nack);
        });
    }
}
