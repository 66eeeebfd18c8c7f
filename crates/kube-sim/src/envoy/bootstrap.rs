//! The bootstrap an Envoy starts with: Istio's node identity and an ADS cluster pointing at the
//! simulated istiod.
//!
//! The shape follows istio/istio `tools/packaging/common/envoy_bootstrap.json` (rendered by
//! `pkg/bootstrap/config.go`): `node` with the id `<type>~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`
//! and the metadata pilot-agent collects (`pkg/model/proxy` `NodeMetadata`); `dynamic_resources`
//! with CDS and LDS over ADS, `set_node_on_first_message_only` and `initial_fetch_timeout: 0s`;
//! the `xds-grpc` static cluster speaking HTTP/2. Where istio-proxy dials pilot-agent's Unix
//! socket (`./etc/istio/proxy/XDS`), which forwards to istiod, this Envoy dials the simulator's
//! ADS port on loopback directly. Istio's stats sinks, tracing and the `prometheus_stats`
//! listener are left out: they need Istio's extensions or serve nothing the harness reads.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use serde_json::{Value, json};

/// `sidecar` or `router`, the first field of the node id (`pilot/pkg/model/context.go`
/// `NodeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProxyKind {
    /// A sidecar-injected pod's istio-proxy.
    Sidecar,
    /// A gateway pod (ingress or a Gateway API gateway).
    Router,
}

impl ProxyKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ProxyKind::Sidecar => "sidecar",
            ProxyKind::Router => "router",
        }
    }
}

/// Who a proxy is: what pilot-agent puts in the bootstrap's `node`.
#[derive(Debug, Clone)]
pub(crate) struct ProxyIdentity {
    pub kind: ProxyKind,
    /// The pod IP (here a loopback address), `INSTANCE_IPS`.
    pub ip: IpAddr,
    pub pod: String,
    pub namespace: String,
    /// The pod's labels, `LABELS`.
    pub labels: BTreeMap<String, String>,
    /// The owning workload (Deployment) name, `WORKLOAD_NAME`.
    pub workload: String,
    pub service_account: String,
    /// The Istio release the proxy claims, `ISTIO_VERSION`.
    pub istio_version: String,
}

impl ProxyIdentity {
    /// `<type>~<ip>~<pod>.<ns>~<ns>.svc.cluster.local` (pilot-agent `ServiceNode()`,
    /// `pilot/pkg/model/context.go`).
    pub(crate) fn node_id(&self) -> String {
        format!(
            "{}~{}~{}.{}~{}.svc.cluster.local",
            self.kind.as_str(),
            self.ip,
            self.pod,
            self.namespace,
            self.namespace
        )
    }

    /// `node.cluster`: the canonical service and namespace (`pkg/bootstrap/config.go`
    /// `serviceClusterOrDefault`: `<app label or workload>.<ns>`).
    fn service_cluster(&self) -> String {
        let app = self
            .labels
            .get("service.istio.io/canonical-name")
            .or_else(|| self.labels.get("app.kubernetes.io/name"))
            .or_else(|| self.labels.get("app"))
            .unwrap_or(&self.workload);
        format!("{app}.{}", self.namespace)
    }

    /// The node metadata Istio's bootstrap carries, with the fields istiod reads.
    fn metadata(&self) -> Value {
        json!({
            "NAME": self.pod,
            "NAMESPACE": self.namespace,
            "CLUSTER_ID": "Kubernetes",
            "MESH_ID": "cluster.local",
            "ISTIO_VERSION": self.istio_version,
            "INSTANCE_IPS": self.ip.to_string(),
            "LABELS": self.labels,
            "WORKLOAD_NAME": self.workload,
            "SERVICE_ACCOUNT": self.service_account,
            "INTERCEPTION_MODE": "REDIRECT",
            "OWNER": format!("kubernetes://apis/apps/v1/namespaces/{}/deployments/{}", self.namespace, self.workload),
        })
    }
}

/// The name of the static cluster that reaches the ADS server, as Istio names it.
pub(crate) const XDS_CLUSTER: &str = "xds-grpc";

/// The bootstrap of a proxy whose config comes over ADS from `ads` (a loopback address).
/// The admin interface listens on `admin_ip` with a kernel-picked port.
pub(crate) fn ads_bootstrap(id: &ProxyIdentity, ads: SocketAddr, admin_ip: IpAddr) -> Value {
    let over_ads = json!({"ads": {}, "initial_fetch_timeout": "0s", "resource_api_version": "V3"});
    json!({
        "node": {
            "id": id.node_id(),
            "cluster": id.service_cluster(),
            "metadata": id.metadata(),
        },
        "admin": {
            "address": {"socket_address": {"address": admin_ip.to_string(), "port_value": 0}},
        },
        "dynamic_resources": {
            "lds_config": over_ads,
            "cds_config": over_ads,
            "ads_config": {
                "api_type": "GRPC",
                "set_node_on_first_message_only": true,
                "transport_api_version": "V3",
                "grpc_services": [{"envoy_grpc": {"cluster_name": XDS_CLUSTER}}],
            },
        },
        "static_resources": {
            "clusters": [{
                "name": XDS_CLUSTER,
                "type": "STATIC",
                "connect_timeout": "1s",
                "load_assignment": {
                    "cluster_name": XDS_CLUSTER,
                    "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"socket_address": {
                        "address": ads.ip().to_string(), "port_value": ads.port(),
                    }}}}]}],
                },
                "typed_extension_protocol_options": {
                    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                        "explicit_http_config": {"http2_protocol_options": {}},
                    },
                },
            }],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_id_has_istios_shape() {
        let id = ProxyIdentity {
            kind: ProxyKind::Sidecar,
            ip: "127.0.0.10".parse().unwrap(),
            pod: "sleep-7d9c".into(),
            namespace: "sample".into(),
            labels: [("app".to_string(), "sleep".to_string())].into(),
            workload: "sleep".into(),
            service_account: "sleep".into(),
            istio_version: "1.27.9".into(),
        };
        assert_eq!(
            id.node_id(),
            "sidecar~127.0.0.10~sleep-7d9c.sample~sample.svc.cluster.local"
        );
        let b = ads_bootstrap(
            &id,
            "127.0.0.1:15010".parse().unwrap(),
            "127.0.0.1".parse().unwrap(),
        );
        assert_eq!(b["node"]["cluster"], "sleep.sample");
        assert_eq!(b["node"]["metadata"]["NAMESPACE"], "sample");
        assert_eq!(
            b["static_resources"]["clusters"][0]["load_assignment"]["endpoints"][0]["lb_endpoints"]
                [0]["endpoint"]["address"]["socket_address"]["port_value"],
            15010
        );
    }
}
