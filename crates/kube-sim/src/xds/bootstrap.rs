//! A self-contained Envoy bootstrap from generated resources: RDS inlined into each HTTP connection
//! manager and EDS clusters made STATIC with their endpoints, so `envoy --mode validate` (and a test
//! Envoy without an ADS server) sees exactly what istiod's push holds.

use envoy_types::pb::envoy::config::bootstrap::v3::{Admin, Bootstrap, bootstrap};
use envoy_types::pb::envoy::config::cluster::v3::cluster;
use envoy_types::pb::envoy::config::core::v3::{Node, address};
use envoy_types::pb::envoy::config::listener::v3::{Listener, filter};
use envoy_types::pb::envoy::extensions::filters::network::http_connection_manager::v3::{
    HttpConnectionManager, http_connection_manager,
};
use envoy_types::pb::google::protobuf::BoolValue;
use envoy_types::util::pack_any;
use prost::Message;

use super::Generated;
use super::cluster::socket;
use super::listener::{VIRTUAL_INBOUND_PORT, VIRTUAL_OUTBOUND_PORT};

/// How the static bootstrap differs from the push.
#[derive(Debug, Clone, Default)]
pub(crate) struct StaticOptions {
    /// Bind every listener to this address (the simulator's stand-in for iptables capture): outbound
    /// listeners are then bound, `virtualOutbound`/`virtualInbound` dropped.
    pub(crate) bind: Option<String>,
    /// The node id (`sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local` in Istio).
    pub(crate) node_id: String,
}

/// Why a bootstrap cannot be built.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BootstrapError {
    /// A connection manager's config did not decode.
    #[error("listener {listener}: http connection manager does not decode")]
    Decode {
        /// The listener.
        listener: String,
        /// The prost error.
        #[source]
        source: prost::DecodeError,
    },
    /// An HCM names a route configuration the push lacks.
    #[error("listener {listener}: route configuration {route} is not in the push")]
    MissingRoute {
        /// The listener.
        listener: String,
        /// The route configuration name.
        route: String,
    },
}

fn inline_rds(l: &mut Listener, g: &Generated) -> Result<(), BootstrapError> {
    for chain in &mut l.filter_chains {
        for f in &mut chain.filters {
            let Some(filter::ConfigType::TypedConfig(any)) = &mut f.config_type else {
                continue;
            };
            if !any.type_url.ends_with("HttpConnectionManager") {
                continue;
            }
            let mut hcm =
                HttpConnectionManager::decode(any.value.as_slice()).map_err(|source| {
                    BootstrapError::Decode {
                        listener: l.name.clone(),
                        source,
                    }
                })?;
            if let Some(http_connection_manager::RouteSpecifier::Rds(rds)) = &hcm.route_specifier {
                let rc = g
                    .routes
                    .iter()
                    .find(|r| r.name == rds.route_config_name)
                    .ok_or_else(|| BootstrapError::MissingRoute {
                        listener: l.name.clone(),
                        route: rds.route_config_name.clone(),
                    })?;
                hcm.route_specifier = Some(http_connection_manager::RouteSpecifier::RouteConfig(
                    rc.clone(),
                ));
            }
            *any = pack_any(hcm);
        }
    }
    Ok(())
}

/// The bootstrap: static listeners and clusters, admin on `127.0.0.1:0`.
pub(crate) fn static_bootstrap(
    g: &Generated,
    opts: &StaticOptions,
) -> Result<Bootstrap, BootstrapError> {
    let mut listeners = vec![];
    for l in &g.listeners {
        let mut l = l.clone();
        inline_rds(&mut l, g)?;
        if let Some(ip) = &opts.bind {
            let port = match l.address.as_ref().and_then(|a| a.address.as_ref()) {
                Some(address::Address::SocketAddress(s)) => match s.port_specifier {
                    Some(envoy_types::pb::envoy::config::core::v3::socket_address::PortSpecifier::PortValue(p)) => p,
                    _ => 0,
                },
                _ => 0,
            };
            let port = u16::try_from(port).unwrap_or(0);
            if port == VIRTUAL_OUTBOUND_PORT || port == VIRTUAL_INBOUND_PORT {
                continue;
            }
            l.address = Some(socket(ip, port));
            l.bind_to_port = Some(BoolValue { value: true });
        }
        listeners.push(l);
    }
    let clusters = g
        .clusters
        .iter()
        .map(|c| {
            let mut c = c.clone();
            if c.eds_cluster_config.is_some() {
                c.eds_cluster_config = None;
                c.cluster_discovery_type = Some(cluster::ClusterDiscoveryType::Type(
                    cluster::DiscoveryType::Static as i32,
                ));
                c.load_assignment = g
                    .endpoints
                    .iter()
                    .find(|e| e.cluster_name == c.name)
                    .cloned();
            }
            c
        })
        .collect();
    Ok(Bootstrap {
        node: Some(Node {
            id: opts.node_id.clone(),
            cluster: "kube-sim".into(),
            ..Default::default()
        }),
        static_resources: Some(bootstrap::StaticResources {
            listeners,
            clusters,
            ..Default::default()
        }),
        admin: Some(Admin {
            address: Some(socket("127.0.0.1", 0)),
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// The bootstrap as binary protobuf (Envoy reads a `.pb` file as such).
pub(crate) fn encode(b: &Bootstrap) -> Vec<u8> {
    b.encode_to_vec()
}
