//! Per-proxy xDS sync state and istiod's `/debug/syncz` JSON (`pilot/pkg/xds/debug.go` `Syncz`,
//! `SyncStatus`, `ResourceStatus`; 1.24+ adds `resources`), plus the status words
//! `istioctl proxy-status` prints (`istioctl/pkg/writer/pilot/status.go`, `pilot/pkg/xds/statusgen.go`:
//! SYNCED when the last nonce sent was acked, STALE otherwise, NOT SENT when nothing was sent).

use serde_json::{Map, Value, json};

use super::version::IstioVersion;

/// The xDS types istiod tracks per proxy.
pub(crate) const TYPE_URLS: [(&str, &str); 4] = [
    (
        "cluster",
        "type.googleapis.com/envoy.config.cluster.v3.Cluster",
    ),
    (
        "listener",
        "type.googleapis.com/envoy.config.listener.v3.Listener",
    ),
    (
        "route",
        "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
    ),
    (
        "endpoint",
        "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
    ),
];

/// One xDS type's state on one proxy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct XdsState {
    /// The last nonce sent (`<pushVersion><uuid>`), empty when nothing was sent.
    pub nonce_sent: String,
    /// The last nonce the proxy acked.
    pub nonce_acked: String,
    /// When the last push was sent (RFC 3339).
    pub last_sent: String,
}

#[cfg(test)]
/// What `istioctl proxy-status` shows for one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SyncStatus {
    /// The last push was acked.
    Synced,
    /// A push is in flight or was never acked.
    Stale,
    /// Nothing was sent.
    NotSent,
}

#[cfg(test)]
impl SyncStatus {
    /// The word `istioctl proxy-status` prints.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Synced => "SYNCED",
            SyncStatus::Stale => "STALE",
            SyncStatus::NotSent => "NOT SENT",
        }
    }
}

#[cfg(test)]
impl XdsState {
    /// `statusgen.go`: NOT_SENT, SYNCED (acked == sent) or STALE.
    pub(crate) fn status(&self) -> SyncStatus {
        if self.nonce_sent.is_empty() {
            SyncStatus::NotSent
        } else if self.nonce_acked == self.nonce_sent {
            SyncStatus::Synced
        } else {
            SyncStatus::Stale
        }
    }
}

/// One connected proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProxySync {
    /// `<pod>.<namespace>`.
    pub proxy_id: String,
    /// `sidecar` or `router`.
    pub proxy_type: String,
    /// CDS, LDS, RDS, EDS in [`TYPE_URLS`] order.
    pub xds: [XdsState; 4],
}

/// A nonce for a push: `<pushVersion><uuid>` where pushVersion is `<RFC3339>/<counter>`.
pub(crate) fn nonce(push_time: &str, counter: u64, rng: &mut impl rand::Rng) -> String {
    let b: [u8; 16] = rng.random();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{push_time}/{counter}{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The `/debug/syncz` body: a JSON array of `SyncStatus` objects.
pub(crate) fn syncz(proxies: &[ProxySync], v: &IstioVersion) -> Value {
    let with_resources = v.minor >= 24;
    let list: Vec<Value> = proxies
        .iter()
        .map(|p| {
            let mut o = Map::new();
            o.insert("cluster_id".into(), json!("Kubernetes"));
            o.insert("proxy".into(), json!(p.proxy_id));
            o.insert("proxy_type".into(), json!(p.proxy_type));
            o.insert("istio_version".into(), json!(v.to_string()));
            for ((short, _), x) in TYPE_URLS.iter().zip(&p.xds) {
                if !x.nonce_sent.is_empty() {
                    o.insert(format!("{short}_sent"), json!(x.nonce_sent));
                }
                if !x.nonce_acked.is_empty() {
                    o.insert(format!("{short}_acked"), json!(x.nonce_acked));
                }
            }
            if with_resources {
                let mut res = Map::new();
                for ((_, url), x) in TYPE_URLS.iter().zip(&p.xds) {
                    if x.nonce_sent.is_empty() {
                        continue;
                    }
                    res.insert(
                        (*url).to_string(),
                        json!({"sent": x.nonce_sent, "acked": x.nonce_acked, "sentTime": x.last_sent}),
                    );
                }
                if !res.is_empty() {
                    o.insert("resources".into(), Value::Object(res));
                }
            }
            Value::Object(o)
        })
        .collect();
    Value::Array(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_words_and_shape() {
        let synced = XdsState {
            nonce_sent: "a".into(),
            nonce_acked: "a".into(),
            last_sent: "2025-01-01T00:00:00Z".into(),
        };
        let stale = XdsState {
            nonce_sent: "b".into(),
            nonce_acked: "a".into(),
            last_sent: String::new(),
        };
        assert_eq!(synced.status().as_str(), "SYNCED");
        assert_eq!(stale.status().as_str(), "STALE");
        assert_eq!(XdsState::default().status().as_str(), "NOT SENT");
        let p = ProxySync {
            proxy_id: "sleep-1.sample".into(),
            proxy_type: "sidecar".into(),
            xds: [synced.clone(), synced.clone(), stale, XdsState::default()],
        };
        let j = syncz(&[p], &IstioVersion::DEFAULT);
        assert_eq!(j[0]["proxy"], "sleep-1.sample");
        assert_eq!(j[0]["route_sent"], "b");
        assert!(j[0].get("endpoint_sent").is_none());
        assert_eq!(j[0]["resources"].as_object().map(|m| m.len()), Some(3));
        let mut rng = rand::rng();
        assert!(nonce("2025-01-01T00:00:00Z", 3, &mut rng).starts_with("2025-01-01T00:00:00Z/3"));
    }
}
