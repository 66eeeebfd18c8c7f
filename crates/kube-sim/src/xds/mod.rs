//! The xDS generator: what istiod would push to one proxy, as Envoy v3 messages.
//!
//! The main entry point is [`generate`]: a [`PushContext`] and a [`ProxyId`] (a sidecar-injected pod or
//! a gateway pod) give a [`Generated`] set of Listeners, RouteConfigurations, Clusters and
//! ClusterLoadAssignments, plus the [`Untranslated`] warnings for what the model holds but the
//! generator does not translate. Nothing is dropped silently: a field the generator skips is a warning.
//!
//! The messages are those of the `envoy-types` crate (prost types of the upstream Envoy API), which the
//! ADS server serves as they are. [`bootstrap::static_bootstrap`] turns a [`Generated`] into a
//! self-contained bootstrap (RDS inlined, EDS made static) for `envoy --mode validate` and for tests
//! that run Envoy without an ADS server.
//!
//! One module per concern, each rule citing the Istio source it follows:
//! - `route.rs`: VirtualService HTTP routes → Envoy routes (`pilot/pkg/networking/core/route/route.go`),
//!   retry policies (`route/retry/retry.go`);
//! - `sidecar.rs`: a sidecar's outbound route configurations per port (`httproute.go`);
//! - `gateway.rs`: a gateway's `http.<port>` route configurations (`gateway.go`);
//! - `cluster.rs`: clusters and endpoints (`cluster.go`, `cluster_builder.go`, `serviceregistry`);
//! - `listener.rs`: listeners and their HTTP connection managers (`listener.go`, `listener_builder.go`);
//! - `warn.rs`: the user fields the generator does not translate.
//!
//! Where the simulator has no iptables, the generated listeners keep istiod's shape (outbound listeners
//! with `bind_to_port: false`, `virtualOutbound`/`virtualInbound` with original-destination); binding
//! them to a pod's loopback address is the bootstrap's job ([`bootstrap::StaticOptions::bind`]).

pub(crate) mod bootstrap;
mod cluster;
mod gateway;
mod listener;
mod route;
mod sidecar;
mod warn;

#[cfg(test)]
mod tests;

use envoy_types::pb::envoy::config::cluster::v3::Cluster;
use envoy_types::pb::envoy::config::endpoint::v3::ClusterLoadAssignment;
use envoy_types::pb::envoy::config::listener::v3::Listener;
use envoy_types::pb::envoy::config::route::v3::RouteConfiguration;

use crate::istio::PushContext;

/// The proxy a push is for: a pod with an `istio-proxy` container (sidecar or gateway router).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProxyId {
    /// The pod's namespace.
    pub(crate) namespace: String,
    /// The pod's name.
    pub(crate) pod: String,
}

/// What istiod would send to one proxy.
#[derive(Debug, Clone, Default)]
pub(crate) struct Generated {
    /// LDS.
    pub(crate) listeners: Vec<Listener>,
    /// RDS.
    pub(crate) routes: Vec<RouteConfiguration>,
    /// CDS.
    pub(crate) clusters: Vec<Cluster>,
    /// EDS.
    pub(crate) endpoints: Vec<ClusterLoadAssignment>,
    /// What the model holds that these resources do not express.
    pub(crate) untranslated: Vec<Untranslated>,
}

/// A field of a config object the generator does not translate (reported, never dropped silently).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Untranslated {
    /// `<Kind>/<namespace>/<name>`.
    pub(crate) object: String,
    /// The field path, e.g. `spec.http[0].mirror`.
    pub(crate) field: String,
    /// Why it is not translated.
    pub(crate) reason: String,
}

/// Why a push cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum XdsError {
    /// The pod is not in the registry.
    #[error("pod {namespace}/{pod} is not in the service registry")]
    UnknownPod {
        /// Namespace.
        namespace: String,
        /// Name.
        pod: String,
    },
    /// The pod has no `istio-proxy`: istiod never pushes to it.
    #[error("pod {namespace}/{pod} has no istio-proxy container")]
    NoProxy {
        /// Namespace.
        namespace: String,
        /// Name.
        pod: String,
    },
}

/// Generates the resources istiod would push to `proxy`.
pub(crate) fn generate(push: &PushContext, proxy: &ProxyId) -> Result<Generated, XdsError> {
    let pod = push
        .registry
        .pod(&proxy.namespace, &proxy.pod)
        .ok_or_else(|| XdsError::UnknownPod {
            namespace: proxy.namespace.clone(),
            pod: proxy.pod.clone(),
        })?;
    if !pod.sidecar && !pod.router {
        return Err(XdsError::NoProxy {
            namespace: proxy.namespace.clone(),
            pod: proxy.pod.clone(),
        });
    }
    let mut out = Generated::default();
    let mut warnings = warn::Warnings::default();
    // Both kinds of proxy get every outbound cluster (no Sidecar resource scoping):
    // pilot/pkg/networking/core/cluster.go BuildClusters.
    let (clusters, endpoints) = cluster::outbound(push, pod);
    out.clusters = clusters;
    out.endpoints = endpoints;
    if pod.router {
        let (listeners, routes) = gateway::build(push, pod, &mut warnings);
        out.listeners = listeners;
        out.routes = routes;
    } else {
        out.routes = sidecar::route_configs(push, pod, &mut warnings);
        out.listeners = listener::sidecar_listeners(push, pod, &out.routes);
        out.clusters.extend(cluster::inbound(push, pod));
    }
    warnings.scan_user_objects(push, pod);
    out.untranslated = warnings.into_sorted();
    Ok(out)
}

/// `outbound|<port>|<subset>|<host>` (`model.BuildSubsetKey`, pilot/pkg/model/service.go).
pub(crate) fn subset_key(port: u16, subset: &str, host: &str) -> String {
    format!("outbound|{port}|{subset}|{host}")
}
