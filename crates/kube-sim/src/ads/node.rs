//! The proxy on the other end of a stream, from its first request's `node`.

use std::fmt;

/// An Istio node id, `<type>~<ip>~<pod>.<ns>~<domain>` (pilot/pkg/model/context.go
/// `ParseServiceNodeWithMetadata`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct NodeId {
    /// The whole id as Envoy sent it.
    pub raw: String,
    /// `sidecar` or `router`.
    pub kind: String,
    pub ip: String,
    pub pod: String,
    pub namespace: String,
}

impl NodeId {
    /// Parses an id; `None` for one that is not of Istio's shape (istiod refuses such streams).
    pub(crate) fn parse(raw: &str) -> Option<NodeId> {
        let parts: Vec<&str> = raw.split('~').collect();
        let [kind, ip, pod_ns, _domain] = parts.as_slice() else {
            return None;
        };
        if !matches!(*kind, "sidecar" | "router") {
            return None;
        }
        let (pod, namespace) = pod_ns.split_once('.')?;
        if pod.is_empty() || namespace.is_empty() {
            return None;
        }
        Some(NodeId {
            raw: raw.to_string(),
            kind: (*kind).to_string(),
            ip: (*ip).to_string(),
            pod: pod.to_string(),
            namespace: namespace.to_string(),
        })
    }

    /// `<pod>.<namespace>`, the proxy id `/debug/syncz` and `istioctl proxy-status` show.
    pub(crate) fn proxy_id(&self) -> String {
        format!("{}.{}", self.pod, self.namespace)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_istio_node_ids() {
        let n =
            NodeId::parse("sidecar~127.0.0.10~sleep-7d9c.sample~sample.svc.cluster.local").unwrap();
        assert_eq!((n.kind.as_str(), n.ip.as_str()), ("sidecar", "127.0.0.10"));
        assert_eq!(n.proxy_id(), "sleep-7d9c.sample");
        assert!(NodeId::parse("envoy-1").is_none());
        assert!(NodeId::parse("ztunnel~1~a.b~c").is_none());
        assert!(NodeId::parse("sidecar~1~nodot~c").is_none());
    }
}
