//! Clusters and endpoints: `outbound|<port>|<subset>|<host>` over EDS for every service port and
//! DestinationRule subset, `PassthroughCluster`, `BlackHoleCluster`, and a sidecar's inbound clusters
//! (`pilot/pkg/networking/core/cluster.go`, `cluster_builder.go`; endpoints as
//! `pilot/pkg/xds/endpoints/endpoint_builder.go` builds them from the registry's ready pods).

use std::collections::BTreeMap;
use std::time::Duration;

use envoy_types::pb::envoy::config::cluster::v3::{Cluster, cluster};
use envoy_types::pb::envoy::config::core::v3::Address;
use envoy_types::pb::envoy::config::core::v3::{
    AggregatedConfigSource, ApiVersion, ConfigSource, HealthStatus, SocketAddress, address,
    config_source, socket_address,
};
use envoy_types::pb::envoy::config::endpoint::v3::{
    ClusterLoadAssignment, Endpoint, LbEndpoint, LocalityLbEndpoints, lb_endpoint,
};

use crate::istio::PushContext;
use crate::istio::cluster::{PodInfo, ServiceInfo, TargetPort};
use crate::istio::host;

use super::route::pb_duration;
use super::subset_key;

/// `util.PassthroughCluster`.
pub(super) const PASSTHROUGH: &str = "PassthroughCluster";
/// `util.BlackHoleCluster`.
pub(super) const BLACKHOLE: &str = "BlackHoleCluster";

/// MeshConfig `connectTimeout` default (10 s, `pkg/config/mesh/mesh.go` DefaultMeshConfig).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A socket address.
pub(super) fn socket(ip: &str, port: u16) -> Address {
    Address {
        address: Some(address::Address::SocketAddress(SocketAddress {
            address: ip.to_string(),
            port_specifier: Some(socket_address::PortSpecifier::PortValue(u32::from(port))),
            ..Default::default()
        })),
    }
}

/// `ads: {}` with the v3 API (istiod's EDS and RDS config source).
pub(super) fn ads() -> ConfigSource {
    ConfigSource {
        config_source_specifier: Some(config_source::ConfigSourceSpecifier::Ads(
            AggregatedConfigSource {},
        )),
        resource_api_version: ApiVersion::V3 as i32,
        ..Default::default()
    }
}

/// An EDS cluster (`buildOutboundClusters` → `buildCluster` with `DiscoveryType EDS`); the default
/// load balancer is LEAST_REQUEST (`cluster_builder.go` `applyLoadBalancer`).
fn eds_cluster(name: &str) -> Cluster {
    Cluster {
        name: name.to_string(),
        alt_stat_name: String::new(),
        cluster_discovery_type: Some(cluster::ClusterDiscoveryType::Type(
            cluster::DiscoveryType::Eds as i32,
        )),
        eds_cluster_config: Some(cluster::EdsClusterConfig {
            eds_config: Some(ads()),
            service_name: name.to_string(),
        }),
        connect_timeout: Some(pb_duration(CONNECT_TIMEOUT)),
        lb_policy: cluster::LbPolicy::LeastRequest as i32,
        ..Default::default()
    }
}

/// The DestinationRule subsets of a host, looked up as istiod does for the proxy: its own namespace,
/// then the service's, then the root namespace (`SidecarScope.DestinationRule`).
fn subsets<'a>(
    push: &'a PushContext,
    proxy_ns: &str,
    svc: &ServiceInfo,
) -> Option<&'a BTreeMap<String, BTreeMap<String, String>>> {
    for ns in [proxy_ns, svc.namespace.as_str(), "istio-system"] {
        if let Some(dr) = push
            .destination_rules
            .iter()
            .find(|d| d.meta.namespace == ns && host::matches(&d.host, &svc.hostname))
        {
            return Some(&dr.subsets);
        }
    }
    None
}

/// The ready endpoints of a service port (optionally a subset) as one locality
/// (`endpoint_builder.go`; no locality, weight 1, HEALTHY).
fn load_assignment(
    push: &PushContext,
    name: &str,
    svc: &ServiceInfo,
    port: u16,
    labels: Option<&BTreeMap<String, String>>,
) -> ClusterLoadAssignment {
    let mut lb = vec![];
    if let Some(sp) = svc.port(port) {
        for e in push.registry.endpoints(svc, sp, labels) {
            let Some(pod) = push.registry.pod(&e.namespace, &e.pod) else {
                continue;
            };
            lb.push(LbEndpoint {
                host_identifier: Some(lb_endpoint::HostIdentifier::Endpoint(Endpoint {
                    address: Some(socket(&pod.ip, e.port)),
                    ..Default::default()
                })),
                health_status: HealthStatus::Healthy as i32,
                load_balancing_weight: Some(envoy_types::pb::google::protobuf::UInt32Value {
                    value: 1,
                }),
                ..Default::default()
            });
        }
    }
    ClusterLoadAssignment {
        cluster_name: name.to_string(),
        endpoints: if lb.is_empty() {
            vec![]
        } else {
            vec![LocalityLbEndpoints {
                lb_endpoints: lb,
                ..Default::default()
            }]
        },
        ..Default::default()
    }
}

/// Every outbound cluster and its endpoints, plus Passthrough and BlackHole (`BuildClusters`).
pub(super) fn outbound(
    push: &PushContext,
    proxy: &PodInfo,
) -> (Vec<Cluster>, Vec<ClusterLoadAssignment>) {
    let mut clusters = vec![];
    let mut cla = vec![];
    for svc in &push.registry.services {
        let subsets = subsets(push, &proxy.namespace, svc);
        for p in &svc.ports {
            let name = subset_key(p.port, "", &svc.hostname);
            clusters.push(eds_cluster(&name));
            cla.push(load_assignment(push, &name, svc, p.port, None));
            // One cluster per subset (`buildOutboundSubsetClusters`).
            for (subset, labels) in subsets.into_iter().flatten() {
                let name = subset_key(p.port, subset, &svc.hostname);
                clusters.push(eds_cluster(&name));
                cla.push(load_assignment(push, &name, svc, p.port, Some(labels)));
            }
        }
    }
    clusters.push(passthrough());
    clusters.push(blackhole());
    (clusters, cla)
}

/// `buildDefaultPassthroughCluster` (cluster_builder.go): ORIGINAL_DST, CLUSTER_PROVIDED.
fn passthrough() -> Cluster {
    Cluster {
        name: PASSTHROUGH.into(),
        cluster_discovery_type: Some(cluster::ClusterDiscoveryType::Type(
            cluster::DiscoveryType::OriginalDst as i32,
        )),
        connect_timeout: Some(pb_duration(CONNECT_TIMEOUT)),
        lb_policy: cluster::LbPolicy::ClusterProvided as i32,
        ..Default::default()
    }
}

/// `buildBlackHoleCluster` (cluster_builder.go): STATIC with no endpoints.
fn blackhole() -> Cluster {
    Cluster {
        name: BLACKHOLE.into(),
        cluster_discovery_type: Some(cluster::ClusterDiscoveryType::Type(
            cluster::DiscoveryType::Static as i32,
        )),
        connect_timeout: Some(pb_duration(CONNECT_TIMEOUT)),
        ..Default::default()
    }
}

/// The ports a sidecar's app serves: the target ports of the Services selecting the pod.
pub(super) fn inbound_ports(push: &PushContext, pod: &PodInfo) -> Vec<u16> {
    let mut out: Vec<u16> = push
        .registry
        .services
        .iter()
        .filter(|s| s.namespace == pod.namespace)
        .filter(|s| {
            s.selector
                .as_ref()
                .is_some_and(|sel| sel.iter().all(|(k, v)| pod.labels.get(k) == Some(v)))
        })
        .flat_map(|s| s.ports.iter())
        .filter_map(|p| match &p.target {
            TargetPort::Number(n) => Some(*n),
            TargetPort::Name(name) => pod
                .container_ports
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, n)| *n),
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// `inbound|<port>||` for each port the app serves (`buildInboundClusters`). istiod makes these
/// ORIGINAL_DST with an upstream bind to 127.0.0.6; without iptables the simulator's app listens on the
/// pod's own address, so the cluster is STATIC to `<pod IP>:<port>`.
pub(super) fn inbound(push: &PushContext, pod: &PodInfo) -> Vec<Cluster> {
    inbound_ports(push, pod)
        .into_iter()
        .map(|port| {
            let name = format!("inbound|{port}||");
            Cluster {
                name: name.clone(),
                cluster_discovery_type: Some(cluster::ClusterDiscoveryType::Type(
                    cluster::DiscoveryType::Static as i32,
                )),
                connect_timeout: Some(pb_duration(CONNECT_TIMEOUT)),
                load_assignment: Some(ClusterLoadAssignment {
                    cluster_name: name,
                    endpoints: vec![LocalityLbEndpoints {
                        lb_endpoints: vec![LbEndpoint {
                            host_identifier: Some(lb_endpoint::HostIdentifier::Endpoint(
                                Endpoint {
                                    address: Some(socket(&pod.ip, port)),
                                    ..Default::default()
                                },
                            )),
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect()
}
