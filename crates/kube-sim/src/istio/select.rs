//! Which VirtualService a proxy uses: the per-gateway list order, the sidecar's one-VS-per-host rule,
//! and the gateway's merging of every VS into one virtual host per hostname.

use super::cluster::ServiceInfo;
use super::host;
use super::model::{HttpMatch, HttpRoute, IstioGateway, Origin, VirtualService};
use super::profile::MeshPrecedence;
use super::push::PushContext;

/// `PushContext.VirtualServicesForGateway` (pilot/pkg/model/push_context.go, consumer override from 1.19):
/// VSes exported only to the proxy's namespace, then those exported to it, then public ones with
/// gateway-semantics VSes from the proxy's namespace first; within a group, creation order.
pub(crate) fn virtual_services_for_gateway<'a>(
    push: &'a PushContext,
    proxy_ns: &str,
    gateway: &str,
) -> Vec<&'a VirtualService> {
    let binds = |vs: &VirtualService| vs.gateway_names().iter().any(|g| g == gateway);
    let mut private = vec![];
    let mut exported = vec![];
    let mut public = vec![];
    for vs in push.virtual_services.iter().filter(|v| binds(v)) {
        // initVirtualServices: no exportTo means the mesh default (`*`).
        let e = &vs.export_to;
        if e.is_empty() || e.iter().any(|x| x == "*") {
            public.push(vs);
        } else if e.iter().any(|x| x == "~") {
            continue;
        } else {
            let own = vs.meta.namespace.as_str();
            if e.iter().any(|x| x == "." || x == own) && proxy_ns == own {
                private.push(vs);
            } else if e.iter().any(|x| x == proxy_ns && x != own) {
                exported.push(vs);
            }
        }
    }
    let consumer = |vs: &&VirtualService| vs.gateway_semantics() && vs.meta.namespace == proxy_ns;
    let mut res = private;
    res.extend(exported);
    match push.profile.deviations.mesh_precedence {
        MeshPrecedence::Istio => {
            res.extend(public.iter().filter(|v| consumer(v)));
            res.extend(public.iter().filter(|v| !consumer(v)));
        }
        // Deviation: user VirtualServices before generated ones.
        MeshPrecedence::UserVirtualServiceWins => {
            res.extend(public.iter().filter(|v| v.origin == Origin::User));
            res.extend(public.iter().filter(|v| v.origin != Origin::User));
        }
    }
    res
}

/// A route as built for one listener port and gateway, with the matches that survived filtering.
#[derive(Debug, Clone)]
pub(crate) struct BuiltRoute<'a> {
    /// The VirtualService it came from.
    pub(crate) vs: &'a VirtualService,
    /// The route.
    pub(crate) route: &'a HttpRoute,
    /// The matches for this port and gateway (empty = match all).
    pub(crate) matches: Vec<&'a HttpMatch>,
}

impl BuiltRoute<'_> {
    /// `IsCatchAllRoute` (route.go): prefix `/` or regex `.*` with no header or query matches.
    pub(crate) fn is_catch_all(&self) -> bool {
        use super::model::StringMatch;
        match self.matches.as_slice() {
            [] => true,
            [m] => {
                let path_all = match &m.uri {
                    None => true,
                    Some(StringMatch::Prefix(p)) => p == "/",
                    Some(StringMatch::Regex(r)) => r.as_str() == ".*",
                    Some(StringMatch::Exact(_)) => false,
                };
                path_all
                    && m.headers.is_empty()
                    && m.without_headers.is_empty()
                    && m.query_params.is_empty()
                    && m.method.is_none()
                    && m.authority.is_none()
            }
            _ => false,
        }
    }
}

/// `BuildHTTPRoutesForVirtualService` (route.go): keep matches for this port and gateway; drop routes
/// whose matches all go.
pub(crate) fn build_routes<'a>(
    vs: &'a VirtualService,
    port: u16,
    gateway: &str,
) -> Vec<BuiltRoute<'a>> {
    let mut out = vec![];
    for r in &vs.http {
        if r.matches.is_empty() {
            out.push(BuiltRoute {
                vs,
                route: r,
                matches: vec![],
            });
            continue;
        }
        let kept: Vec<&HttpMatch> = r
            .matches
            .iter()
            .filter(|m| m.port.is_none_or(|p| p == u32::from(port)))
            .filter(|m| m.gateways.is_empty() || m.gateways.iter().any(|g| g == gateway))
            .collect();
        if !kept.is_empty() {
            out.push(BuiltRoute {
                vs,
                route: r,
                matches: kept,
            });
        }
    }
    out
}

/// The VirtualService a sidecar uses for a Service port, if any (`BuildSidecarVirtualHostWrapper`,
/// `buildSidecarVirtualHostsForVirtualService` in route.go; a later VS for the same host:port is
/// dropped as "duplicate domain from virtual service" in httproute.go).
pub(crate) fn sidecar_virtual_service<'a>(
    push: &'a PushContext,
    proxy_ns: &str,
    svc: &ServiceInfo,
    port: u16,
) -> Option<(&'a VirtualService, Vec<BuiltRoute<'a>>)> {
    for vs in virtual_services_for_gateway(push, proxy_ns, "mesh") {
        let applies = vs.hosts.iter().any(|h| {
            let h = h.to_ascii_lowercase();
            if host::is_wildcard(&h) {
                // Gateway-semantics wildcard hosts are never matched to registry services.
                !vs.gateway_semantics() && host::matches(&h, &svc.hostname)
            } else {
                h == svc.hostname
            }
        });
        if !applies {
            continue;
        }
        let routes = build_routes(vs, port, "mesh");
        if routes.is_empty() {
            continue;
        }
        // Gateway semantics: only routes from the proxy's namespace or the destination's namespace.
        if vs.gateway_semantics()
            && svc.namespace != vs.meta.namespace
            && proxy_ns != vs.meta.namespace
        {
            continue;
        }
        return Some((vs, routes));
    }
    None
}

/// One virtual host of a gateway's route configuration `http.<port>`.
#[derive(Debug, Clone)]
pub(crate) struct GatewayVhost<'a> {
    /// The domain (the VS host ∩ server host).
    pub(crate) domain: String,
    /// Routes in order, catch-alls last.
    pub(crate) routes: Vec<BuiltRoute<'a>>,
}

/// The gateway servers bound to a gateway pod on a port: generated Gateways whose gateway-service is a
/// Service selecting the pod, and user Gateways whose selector matches its labels
/// (`mergeGateways` in push_context.go).
pub(crate) fn gateways_for_proxy<'a>(
    push: &'a PushContext,
    pod_ns: &str,
    pod_labels: &std::collections::BTreeMap<String, String>,
) -> Vec<&'a IstioGateway> {
    push.gateways
        .iter()
        .filter(|g| match g.origin {
            Origin::Generated => g
                .meta
                .annotations
                .get(super::model::GATEWAY_SERVICE)
                .is_some_and(|svcs| {
                    svcs.split(',').any(|h| {
                        push.registry.service_by_host(h).is_some_and(|s| {
                            s.namespace == pod_ns
                                && s.selector.as_ref().is_some_and(|sel| {
                                    super::snapshot::labels_match(sel, pod_labels)
                                })
                        })
                    })
                }),
            Origin::User => {
                !g.selector.is_empty() && super::snapshot::labels_match(&g.selector, pod_labels)
            }
        })
        .collect()
}

/// `buildGatewayHTTPRouteConfig` (pilot/pkg/networking/core/gateway.go): every VS bound to a server on
/// this port whose hosts intersect the server's is appended to that host's virtual host; then
/// `SortVHostRoutes` moves catch-alls last. `None` when no HTTP server listens on the port.
pub(crate) fn gateway_vhosts<'a>(
    push: &'a PushContext,
    proxy_ns: &str,
    gateways: &[&'a IstioGateway],
    port: u16,
) -> Option<Vec<GatewayVhost<'a>>> {
    let mut any_server = false;
    let mut vhosts: Vec<GatewayVhost<'a>> = vec![];
    for g in gateways {
        let gname = format!("{}/{}", g.meta.namespace, g.meta.name);
        for server in &g.servers {
            if server.port.number != u32::from(port) || server.port.protocol != "HTTP" {
                continue;
            }
            any_server = true;
            for vs in virtual_services_for_gateway(push, proxy_ns, &gname) {
                let server_hosts = host::names_for_namespace(&server.hosts, &vs.meta.namespace);
                let vs_hosts: Vec<String> =
                    vs.hosts.iter().map(|h| h.to_ascii_lowercase()).collect();
                let hosts = host::intersection(&server_hosts, &vs_hosts);
                if hosts.is_empty() {
                    continue;
                }
                let routes = build_routes(vs, port, &gname);
                for h in hosts {
                    match vhosts.iter_mut().find(|v| v.domain == h) {
                        Some(v) => v.routes.extend(routes.iter().cloned()),
                        None => vhosts.push(GatewayVhost {
                            domain: h,
                            routes: routes.clone(),
                        }),
                    }
                }
            }
        }
    }
    if !any_server {
        return None;
    }
    for v in &mut vhosts {
        let (normal, catch_all): (Vec<_>, Vec<_>) = std::mem::take(&mut v.routes)
            .into_iter()
            .partition(|r| !r.is_catch_all());
        v.routes = normal;
        v.routes.extend(catch_all);
    }
    Some(vhosts)
}
