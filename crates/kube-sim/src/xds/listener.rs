//! Listeners and their HTTP connection managers (`pilot/pkg/networking/core/listener.go`,
//! `listener_builder.go`, `httproute.go` `GetProxyHeadersFromProxyConfig`).

use envoy_types::pb::envoy::config::core::v3::TrafficDirection;
use envoy_types::pb::envoy::config::listener::v3::{
    Filter, FilterChain, FilterChainMatch, Listener, ListenerFilter, filter, listener_filter,
};
use envoy_types::pb::envoy::config::route::v3::{
    Decorator, RetryPolicy, Route, RouteAction, RouteConfiguration, RouteMatch, VirtualHost, route,
    route_action, route_match,
};
use envoy_types::pb::envoy::extensions::filters::http::cors::v3::Cors;
use envoy_types::pb::envoy::extensions::filters::http::fault::v3::HttpFault;
use envoy_types::pb::envoy::extensions::filters::http::router::v3::Router;
use envoy_types::pb::envoy::extensions::filters::listener::original_dst::v3::OriginalDst;
use envoy_types::pb::envoy::extensions::filters::network::http_connection_manager::v3::{
    HttpConnectionManager, HttpFilter, Rds, http_connection_manager, http_filter,
};
use envoy_types::pb::envoy::extensions::filters::network::tcp_proxy::v3::{TcpProxy, tcp_proxy};
use envoy_types::pb::google::protobuf::{Any, BoolValue, UInt32Value};
use envoy_types::util::pack_any;

use crate::istio::PushContext;
use crate::istio::cluster::PodInfo;

use super::cluster::{PASSTHROUGH, ads, inbound_ports, socket};
use super::route::{CORS_FILTER, FAULT_FILTER, no_timeout};

/// The port iptables sends outbound traffic to (`virtualOutbound`).
pub(super) const VIRTUAL_OUTBOUND_PORT: u16 = 15001;
/// The port iptables sends inbound traffic to (`virtualInbound`).
pub(super) const VIRTUAL_INBOUND_PORT: u16 = 15006;

fn http_filter(name: &str, config: Any) -> HttpFilter {
    HttpFilter {
        name: name.to_string(),
        config_type: Some(http_filter::ConfigType::TypedConfig(config)),
        ..Default::default()
    }
}

/// The HTTP filters of an outbound or gateway HCM that upstream Envoy has: CORS, fault, router
/// (`buildHTTPConnectionManager` in listener.go; Istio's own filters — metadata exchange, stats,
/// authn/authz — are not part of upstream Envoy and are left out).
fn outbound_http_filters() -> Vec<HttpFilter> {
    vec![
        http_filter(CORS_FILTER, pack_any(Cors::default())),
        http_filter(FAULT_FILTER, pack_any(HttpFault::default())),
        http_filter("envoy.filters.http.router", pack_any(Router::default())),
    ]
}

/// How an HCM gets its routes.
pub(super) enum Routes {
    /// RDS over ADS with this route configuration name.
    Rds(String),
    /// An inline route configuration (inbound).
    Inline(Box<RouteConfiguration>),
}

/// What differs between the HCMs istiod builds.
pub(super) struct HcmOptions {
    /// `stat_prefix`.
    pub(super) stat_prefix: String,
    /// `server_name` (empty = Envoy's default `envoy`, as on sidecar outbound).
    pub(super) server_name: &'static str,
    /// Gateways use the remote address (`use_remote_address: true`).
    pub(super) use_remote_address: bool,
    /// Inbound appends/forwards XFCC.
    pub(super) inbound: bool,
}

/// An HTTP connection manager as a network filter.
pub(super) fn hcm(routes: Routes, opts: HcmOptions) -> Filter {
    let route_specifier = match routes {
        Routes::Rds(name) => http_connection_manager::RouteSpecifier::Rds(Rds {
            config_source: Some(ads()),
            route_config_name: name,
        }),
        Routes::Inline(rc) => http_connection_manager::RouteSpecifier::RouteConfig(*rc),
    };
    let http_filters = if opts.inbound {
        vec![http_filter(
            "envoy.filters.http.router",
            pack_any(Router::default()),
        )]
    } else {
        outbound_http_filters()
    };
    let h = HttpConnectionManager {
        stat_prefix: opts.stat_prefix,
        route_specifier: Some(route_specifier),
        http_filters,
        server_name: opts.server_name.to_string(),
        use_remote_address: opts.use_remote_address.then_some(BoolValue { value: true }),
        forward_client_cert_details: if opts.inbound {
            http_connection_manager::ForwardClientCertDetails::AppendForward as i32
        } else {
            0
        },
        ..Default::default()
    };
    Filter {
        name: "envoy.filters.network.http_connection_manager".into(),
        config_type: Some(filter::ConfigType::TypedConfig(pack_any(h))),
    }
}

/// `0.0.0.0_<port>`: istiod's outbound listener for a port (not bound: iptables and
/// `virtualOutbound` deliver connections to it).
pub(super) fn outbound_listener(port: u16) -> Listener {
    Listener {
        name: format!("0.0.0.0_{port}"),
        address: Some(socket("0.0.0.0", port)),
        filter_chains: vec![FilterChain {
            filters: vec![hcm(
                Routes::Rds(port.to_string()),
                HcmOptions {
                    stat_prefix: format!("outbound_0.0.0.0_{port}"),
                    // GetProxyHeadersFromProxyConfig: outbound keeps Envoy's `envoy`.
                    server_name: "",
                    use_remote_address: false,
                    inbound: false,
                },
            )],
            ..Default::default()
        }],
        bind_to_port: Some(BoolValue { value: false }),
        traffic_direction: TrafficDirection::Outbound as i32,
        ..Default::default()
    }
}

fn tcp_passthrough(cluster: &str) -> Filter {
    Filter {
        name: "envoy.filters.network.tcp_proxy".into(),
        config_type: Some(filter::ConfigType::TypedConfig(pack_any(TcpProxy {
            stat_prefix: cluster.to_string(),
            cluster_specifier: Some(tcp_proxy::ClusterSpecifier::Cluster(cluster.to_string())),
            ..Default::default()
        }))),
    }
}

fn original_dst() -> ListenerFilter {
    ListenerFilter {
        name: "envoy.filters.listener.original_dst".into(),
        config_type: Some(listener_filter::ConfigType::TypedConfig(pack_any(
            OriginalDst::default(),
        ))),
        ..Default::default()
    }
}

/// `virtualOutbound` (listener_builder.go `buildVirtualOutboundListener`): 15001, original destination,
/// unknown destinations pass through.
fn virtual_outbound() -> Listener {
    Listener {
        name: "virtualOutbound".into(),
        address: Some(socket("0.0.0.0", VIRTUAL_OUTBOUND_PORT)),
        use_original_dst: Some(BoolValue { value: true }),
        filter_chains: vec![FilterChain {
            name: "PassthroughFilterChain".into(),
            filters: vec![tcp_passthrough(PASSTHROUGH)],
            ..Default::default()
        }],
        traffic_direction: TrafficDirection::Outbound as i32,
        ..Default::default()
    }
}

/// `BuildDefaultHTTPInboundRoute` (route.go): no timeout, and from 1.24 retries only
/// `reset-before-request`.
fn inbound_route(cluster: &str, port: u16) -> Route {
    Route {
        name: "default".into(),
        r#match: Some(RouteMatch {
            path_specifier: Some(route_match::PathSpecifier::Prefix("/".into())),
            ..Default::default()
        }),
        decorator: Some(Decorator {
            operation: format!("{cluster}:{port}/*"),
            ..Default::default()
        }),
        action: Some(route::Action::Route(RouteAction {
            cluster_specifier: Some(route_action::ClusterSpecifier::Cluster(cluster.into())),
            timeout: Some(no_timeout()),
            max_stream_duration: Some(route_action::MaxStreamDuration {
                max_stream_duration: Some(no_timeout()),
                grpc_timeout_header_max: Some(no_timeout()),
                ..Default::default()
            }),
            retry_policy: Some(RetryPolicy {
                retry_on: "reset-before-request".into(),
                num_retries: Some(UInt32Value { value: 2 }),
                ..Default::default()
            }),
            ..Default::default()
        })),
        ..Default::default()
    }
}

/// `virtualInbound` (listener_builder.go, `buildInboundHTTPFilterChain`): 15006, one filter chain per
/// port the app serves, each an inbound HCM (`istio-envoy`, APPEND_FORWARD) with its inline route to
/// `inbound|<port>||`.
fn virtual_inbound(ports: &[u16]) -> Listener {
    let chains = ports
        .iter()
        .map(|&port| {
            let cluster = format!("inbound|{port}||");
            let rc = RouteConfiguration {
                name: cluster.clone(),
                virtual_hosts: vec![VirtualHost {
                    name: format!("inbound|http|{port}"),
                    domains: vec!["*".into()],
                    routes: vec![inbound_route(&cluster, port)],
                    ..Default::default()
                }],
                validate_clusters: Some(BoolValue { value: false }),
                ..Default::default()
            };
            FilterChain {
                name: format!("0.0.0.0_{port}"),
                filter_chain_match: Some(FilterChainMatch {
                    destination_port: Some(UInt32Value {
                        value: u32::from(port),
                    }),
                    ..Default::default()
                }),
                filters: vec![hcm(
                    Routes::Inline(Box::new(rc)),
                    HcmOptions {
                        stat_prefix: format!("inbound_0.0.0.0_{port}"),
                        server_name: "istio-envoy",
                        use_remote_address: false,
                        inbound: true,
                    },
                )],
                ..Default::default()
            }
        })
        .collect();
    Listener {
        name: "virtualInbound".into(),
        address: Some(socket("0.0.0.0", VIRTUAL_INBOUND_PORT)),
        listener_filters: vec![original_dst()],
        filter_chains: chains,
        traffic_direction: TrafficDirection::Inbound as i32,
        ..Default::default()
    }
}

/// A sidecar's listeners: one outbound listener per route configuration (port), `virtualOutbound`,
/// `virtualInbound`.
pub(super) fn sidecar_listeners(
    push: &PushContext,
    pod: &PodInfo,
    routes: &[RouteConfiguration],
) -> Vec<Listener> {
    let mut out: Vec<Listener> = routes
        .iter()
        .filter_map(|r| r.name.parse::<u16>().ok())
        .map(outbound_listener)
        .collect();
    out.push(virtual_outbound());
    // Istio adds inbound passthrough chains; without them a pod serving no port has no chain, and
    // Envoy rejects a listener without filter chains.
    let ports = inbound_ports(push, pod);
    if !ports.is_empty() {
        out.push(virtual_inbound(&ports));
    }
    out
}
