//! A sidecar's outbound route configurations, one per HTTP service port, as
//! `pilot/pkg/networking/core/httproute.go` builds them (`buildSidecarOutboundHTTPRouteConfig`,
//! `BuildSidecarVirtualHostWrapper` in route.go, `generateVirtualHostDomains`).

use std::collections::BTreeSet;

use envoy_types::pb::envoy::config::route::v3::{
    Route, RouteAction, RouteConfiguration, RouteMatch, VirtualHost, route, route_action,
    route_match,
};
use envoy_types::pb::google::protobuf::BoolValue;

use crate::istio::PushContext;
use crate::istio::cluster::{PodInfo, ServiceInfo};
use crate::istio::select;

use super::cluster::PASSTHROUGH;
use super::route::{
    RouteCtx, default_outbound_route, no_timeout, routes_for_virtual_service, set_timeout,
};
use super::subset_key;
use super::warn::Warnings;

/// The HTTP (or sniffed) service port numbers of the mesh, each one outbound listener and route config.
pub(super) fn http_ports(push: &PushContext) -> BTreeSet<u16> {
    push.registry
        .services
        .iter()
        .flat_map(|s| s.ports.iter())
        .filter(|p| p.http_or_sniffed())
        .map(|p| p.port)
        .collect()
}

/// `generateVirtualHostDomains` (httproute.go): the FQDN, `name.ns.svc`, `name.ns`, the bare name from
/// the same namespace, and the ClusterIP, each without and with `:port`.
pub(super) fn domains(svc: &ServiceInfo, port: u16, proxy_ns: &str) -> Vec<String> {
    let mut names = vec![
        svc.hostname.clone(),
        format!("{}.{}.svc", svc.name, svc.namespace),
        format!("{}.{}", svc.name, svc.namespace),
    ];
    if svc.namespace == proxy_ns {
        names.push(svc.name.clone());
    }
    if !svc.cluster_ip.is_empty() && svc.cluster_ip != "None" {
        names.push(svc.cluster_ip.clone());
    }
    names
        .into_iter()
        .flat_map(|n| {
            let with_port = format!("{n}:{port}");
            [n, with_port]
        })
        .collect()
}

/// The route configurations of a sidecar, named by port (`"5000"`).
pub(super) fn route_configs(
    push: &PushContext,
    pod: &PodInfo,
    warnings: &mut Warnings,
) -> Vec<RouteConfiguration> {
    http_ports(push)
        .into_iter()
        .map(|port| route_config(push, pod, port, warnings))
        .collect()
}

fn route_config(
    push: &PushContext,
    pod: &PodInfo,
    port: u16,
    warnings: &mut Warnings,
) -> RouteConfiguration {
    let mut vhosts = vec![];
    for svc in push
        .registry
        .services
        .iter()
        .filter(|s| s.port(port).is_some_and(|p| p.http_or_sniffed()))
    {
        let ctx = RouteCtx {
            push,
            proxy: pod,
            port,
            gateway: "mesh",
        };
        // The first VirtualService for host:port wins; a later one is a "duplicate domain".
        let routes: Vec<Route> = select::sidecar_virtual_service(push, &pod.namespace, svc, port)
            .map(|(vs, _)| routes_for_virtual_service(ctx, vs, warnings))
            .unwrap_or_default();
        let routes = if routes.is_empty() {
            let cluster = subset_key(port, "", &svc.hostname);
            vec![default_outbound_route(
                &cluster,
                format!("{}:{port}/*", svc.hostname),
            )]
        } else {
            routes
        };
        vhosts.push(VirtualHost {
            name: format!("{}:{port}", svc.hostname),
            domains: domains(svc, port, &pod.namespace),
            routes,
            include_request_attempt_count: true,
            ..Default::default()
        });
    }
    vhosts.push(allow_any());
    RouteConfiguration {
        name: port.to_string(),
        virtual_hosts: vhosts,
        // httproute.go: clusters are not validated (a VS may name a host that has no cluster).
        validate_clusters: Some(BoolValue { value: false }),
        ..Default::default()
    }
}

/// `BuildCatchAllVirtualHost` with `ALLOW_ANY` (httproute.go): unknown hosts go to PassthroughCluster.
fn allow_any() -> VirtualHost {
    let mut action = RouteAction {
        cluster_specifier: Some(route_action::ClusterSpecifier::Cluster(PASSTHROUGH.into())),
        ..Default::default()
    };
    set_timeout(&mut action, None);
    action.timeout = Some(no_timeout());
    VirtualHost {
        name: "allow_any".into(),
        domains: vec!["*".into()],
        routes: vec![Route {
            name: "allow_any".into(),
            r#match: Some(RouteMatch {
                path_specifier: Some(route_match::PathSpecifier::Prefix("/".into())),
                ..Default::default()
            }),
            action: Some(route::Action::Route(action)),
            ..Default::default()
        }],
        include_request_attempt_count: true,
        ..Default::default()
    }
}
