//! The simulated istiod's ADS server (issue 12): state-of-the-world
//! `StreamAggregatedResources` over gRPC on loopback, fed by a [`ConfigSource`], tracking what
//! each connected Envoy ACKed or NACKed ([`SyncTracker`]) for `/debug/syncz`. Not wired into
//! the cluster yet.

mod node;
mod server;
mod source;
#[cfg(test)]
mod tests;
mod tracker;

pub(crate) use node::NodeId;
pub(crate) use server::{AdsError, AdsServer};
pub(crate) use source::{ConfigSource, PushVersion, StaticSource};
pub(crate) use tracker::{Nack, ProxyXds, SyncTracker, TypeSync};

/// The type URLs istiod serves, in the order it pushes them (pilot/pkg/xds/ads.go
/// `PushOrder`: clusters before the endpoints they use, listeners before their routes).
pub(crate) const PUSH_ORDER: [&str; 4] = [
    "type.googleapis.com/envoy.config.cluster.v3.Cluster",
    "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
    "type.googleapis.com/envoy.config.listener.v3.Listener",
    "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
];
