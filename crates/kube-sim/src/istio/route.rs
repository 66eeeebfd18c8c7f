//! The data plane: how one request is handled by the client's sidecar, by kube-proxy (no sidecar), or
//! by a gateway's Envoy.
//!
//! Follows Envoy's router and fault filter as Istio configures them: route selection by virtual host
//! and first matching route (`pilot/pkg/networking/core/route/route.go` `TranslateRouteMatch`), the
//! fault filter (`source/extensions/filters/http/fault/fault_filter.cc`: delay drawn first, then abort,
//! independently, per request), weighted clusters, a random ready endpoint, local replies (404 NR with an
//! empty body, 503 `no healthy upstream`), and the `server` header (`GetProxyHeadersFromProxyConfig` in
//! `pilot/pkg/networking/core/httproute.go`: OVERWRITE with `envoy` on sidecar outbound, `istio-envoy`
//! on sidecar inbound and gateways).

use std::collections::BTreeMap;
use std::time::Duration;

use rand::Rng;

use super::cluster::{DOMAIN, Endpoint, PodInfo, ServiceInfo};
use super::host;
use super::model::{Fraction, HeaderOps, HttpMatch, Percent, RouteDestination, StringMatch};
use super::push::PushContext;
use super::select::{self, BuiltRoute};
use super::snapshot::{GATEWAY_GROUP, Snapshot, arr_at, str_at};

/// The body of every fault abort (`fault_filter.cc` `sendLocalReply(..., "fault filter abort", ...)`).
pub(crate) const ABORT_BODY: &str = "fault filter abort";
/// The body of Envoy's 503 without endpoints.
pub(crate) const NO_HEALTHY_UPSTREAM: &str = "no healthy upstream";

/// Where a request comes from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Origin {
    /// A pod with an injected sidecar: its outbound Envoy handles the request.
    Sidecar {
        /// Pod namespace.
        namespace: String,
        /// Pod name.
        pod_name: String,
        /// Pod labels (for `sourceLabels` matches).
        labels: BTreeMap<String, String>,
    },
    /// A pod without a sidecar (or the node): kube-proxy picks an endpoint.
    Plain {
        /// Client namespace.
        namespace: String,
    },
    /// A request arriving at a Gateway API gateway's Envoy (ingress through its address).
    GatewayProxy {
        /// The Gateway's namespace.
        namespace: String,
        /// The Gateway's name.
        gateway_name: String,
    },
}

/// Where DNS sent the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A Service's cluster IP and port.
    Service {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// Port dialled.
        port: u16,
    },
    /// A pod IP and port.
    Pod {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// Port dialled.
        port: u16,
    },
    /// A Gateway's `status.addresses` value (its load balancer).
    Gateway {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// Port dialled.
        port: u16,
    },
}

/// The request line and headers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RequestHead {
    /// The Host header (may include `:port`).
    pub authority: String,
    /// Where the connection goes.
    pub target: Target,
    /// Method.
    pub method: String,
    /// Path with query string.
    pub path: String,
    /// Other request headers (names in any case).
    pub headers: Vec<(String, String)>,
}

/// Header edits to apply in order: remove, then set (overwrite), then append.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct HeaderEdits {
    /// Names to remove (lower case).
    pub remove: Vec<String>,
    /// Overwrite or create.
    pub set: Vec<(String, String)>,
    /// Append.
    pub add: Vec<(String, String)>,
}

impl HeaderEdits {
    fn push_ops(&mut self, ops: &HeaderOps) {
        self.remove
            .extend(ops.remove.iter().map(|h| h.to_ascii_lowercase()));
        self.set.extend(
            ops.set
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone())),
        );
        self.add.extend(
            ops.add
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone())),
        );
    }

    /// Applies the edits to a header list.
    pub(crate) fn apply(&self, headers: &mut Vec<(String, String)>) {
        headers.retain(|(k, _)| !self.remove.contains(&k.to_ascii_lowercase()));
        for (k, v) in &self.set {
            headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
            headers.push((k.clone(), v.clone()));
        }
        headers.extend(self.add.iter().cloned());
    }
}

/// What the response's `server` header is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServerHeader {
    /// Envoy overwrites it with this value.
    Overwrite(&'static str),
    /// The upstream application's own header passes through.
    Upstream,
}

/// A request forwarded to a pod.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Forward {
    /// Fault delay before forwarding.
    pub delay: Option<Duration>,
    /// The pod (namespace, name).
    pub pod: (String, String),
    /// The port on the pod.
    pub port: u16,
    /// Path (after rewrites) as the upstream sees it.
    pub path: String,
    /// Host header as the upstream sees it.
    pub authority: String,
    /// Edits to the request headers as the upstream sees them (route filters and what Envoy adds:
    /// `x-forwarded-proto`, `x-request-id`, `x-envoy-attempt-count`, `x-forwarded-client-cert` between
    /// sidecars, `x-envoy-internal`/`x-forwarded-for` at a gateway). No `x-b3-*`: Istio 1.22 removed
    /// the default Zipkin tracing (release note drop-default-tracing.yaml).
    pub request_edits: HeaderEdits,
    /// The response `server` header.
    pub server: ServerHeader,
    /// Whether Envoy adds `x-envoy-upstream-service-time` (the lead fills in the milliseconds).
    pub upstream_service_time: bool,
    /// Edits to the response headers (route filters).
    pub response_edits: HeaderEdits,
    /// `<namespace>/<name>` of the VirtualService whose route was used, if any.
    pub virtual_service: Option<String>,
}

/// The outcome of routing one request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Decision {
    /// The fault filter aborted the request: body exactly [`ABORT_BODY`], `text/plain`.
    Abort {
        /// Status (the VS's `httpStatus`, or the profile's deviation).
        status: u16,
        /// `fault filter abort`.
        body: &'static str,
        /// `content-length`, `content-type`, `server`.
        headers: Vec<(String, String)>,
        /// A fault delay that fired first.
        delay: Option<Duration>,
    },
    /// Sent to a pod.
    Forward(Box<Forward>),
    /// A direct response or redirect configured on the route.
    Direct {
        /// Status.
        status: u16,
        /// Body.
        body: String,
        /// Headers (`server`, `location` for redirects).
        headers: Vec<(String, String)>,
    },
    /// No route matched: 404 with an empty body (response flag NR).
    NoRoute {
        /// `content-length: 0`, `server`.
        headers: Vec<(String, String)>,
    },
    /// No ready endpoint: 503 `no healthy upstream` (flag UH).
    NoHealthyUpstream {
        /// `content-length`, `content-type`, `server`.
        headers: Vec<(String, String)>,
    },
    /// The route names a cluster that does not exist (unknown host, port or subset): 503, empty body (NC).
    ClusterNotFound {
        /// `content-length: 0`, `server`.
        headers: Vec<(String, String)>,
    },
    /// Nothing listens on the address and port.
    ConnectionRefused,
}

/// DNS as a pod in `client_namespace` sees it (search path `<ns>.svc.cluster.local svc.cluster.local
/// cluster.local`), plus Gateway status addresses. `port` is the URL's port.
pub(crate) fn resolve_host(
    snapshot: &Snapshot,
    client_namespace: &str,
    host: &str,
    port: u16,
) -> Option<Target> {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    for gw in snapshot.list(GATEWAY_GROUP, "Gateway") {
        if arr_at(gw.value(), &["status", "addresses"])
            .iter()
            .any(|a| str_at(a, &["value"]) == h)
        {
            return Some(Target::Gateway {
                namespace: gw.namespace().to_string(),
                name: gw.name().to_string(),
                port,
            });
        }
    }
    let candidates = [
        format!("{h}.{client_namespace}.svc.{DOMAIN}"),
        format!("{h}.svc.{DOMAIN}"),
        format!("{h}.{DOMAIN}"),
        h.clone(),
    ];
    for c in candidates {
        if let Some(rest) = c.strip_suffix(&format!(".svc.{DOMAIN}"))
            && let Some((name, ns)) = rest.split_once('.')
            && !ns.contains('.')
            && snapshot.get("", "Service", ns, name).is_some()
        {
            return Some(Target::Service {
                namespace: ns.to_string(),
                name: name.to_string(),
                port,
            });
        }
    }
    for p in snapshot.list("", "Pod") {
        if str_at(p.value(), &["status", "podIP"]) == h && !h.is_empty() {
            return Some(Target::Pod {
                namespace: p.namespace().to_string(),
                name: p.name().to_string(),
                port,
            });
        }
    }
    for s in snapshot.list("", "Service") {
        if str_at(s.spec(), &["clusterIP"]) == h && !h.is_empty() {
            return Some(Target::Service {
                namespace: s.namespace().to_string(),
                name: s.name().to_string(),
                port,
            });
        }
    }
    None
}

fn local_headers(server: &'static str, body: &str) -> Vec<(String, String)> {
    let mut h = vec![("content-length".to_string(), body.len().to_string())];
    if !body.is_empty() {
        h.push(("content-type".to_string(), "text/plain".to_string()));
    }
    h.push(("server".to_string(), server.to_string()));
    h
}

fn header<'a>(req: &'a RequestHead, name: &str) -> Option<&'a str> {
    if name.eq_ignore_ascii_case(":authority") || name.eq_ignore_ascii_case("host") {
        return Some(req.authority.as_str());
    }
    if name.eq_ignore_ascii_case(":method") {
        return Some(req.method.as_str());
    }
    req.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

struct Client<'a> {
    namespace: &'a str,
    labels: &'a BTreeMap<String, String>,
}

/// The proxy making the upstream call: its namespace and service account (for XFCC).
struct Caller<'a> {
    ns: &'a str,
    sa: &'a str,
}

/// Envoy route matching for one Istio match (`TranslateRouteMatch`).
fn match_one(
    m: &HttpMatch,
    req: &RequestHead,
    gateway_semantics: bool,
    client: &Client<'_>,
) -> bool {
    let (path, query) = req.path.split_once('?').unwrap_or((req.path.as_str(), ""));
    if let Some(uri) = &m.uri {
        let (p, u) = if m.ignore_uri_case {
            (path.to_ascii_lowercase(), lower(uri))
        } else {
            (path.to_string(), uri.clone())
        };
        let ok = match &u {
            StringMatch::Exact(e) => p == *e,
            // path_separated_prefix for gateway semantics (route.go), else a plain prefix.
            StringMatch::Prefix(pre) if gateway_semantics && pre != "/" => {
                let pre = pre.trim_end_matches('/');
                p == pre || p.starts_with(&format!("{pre}/"))
            }
            other => other.matches(&p),
        };
        if !ok {
            return false;
        }
    }
    for (name, sm) in &m.headers {
        if !header(req, name).is_some_and(|v| sm.matches(v)) {
            return false;
        }
    }
    for (name, sm) in &m.without_headers {
        if sm.matches(header(req, name).unwrap_or("")) {
            return false;
        }
    }
    if let Some(method) = &m.method
        && !method.matches(&req.method)
    {
        return false;
    }
    if let Some(a) = &m.authority
        && !a.matches(&req.authority)
    {
        return false;
    }
    for (name, sm) in &m.query_params {
        let value = query
            .split('&')
            .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
            .find(|(k, _)| k == name)
            .map(|(_, v)| v);
        if !value.is_some_and(|v| sm.matches(v)) {
            return false;
        }
    }
    if !super::snapshot::labels_match(&m.source_labels, client.labels) {
        return false;
    }
    if let Some(ns) = &m.source_namespace
        && ns != client.namespace
    {
        return false;
    }
    true
}

fn lower(s: &StringMatch) -> StringMatch {
    match s {
        StringMatch::Exact(x) => StringMatch::Exact(x.to_ascii_lowercase()),
        StringMatch::Prefix(x) => StringMatch::Prefix(x.to_ascii_lowercase()),
        StringMatch::Regex(x) => StringMatch::Regex(x.clone()),
    }
}

fn first_match<'a>(
    routes: &'a [BuiltRoute<'a>],
    req: &RequestHead,
    client: &Client<'_>,
) -> Option<&'a BuiltRoute<'a>> {
    routes.iter().find(|r| {
        let gs = r.vs.gateway_semantics();
        r.matches.is_empty() || r.matches.iter().any(|m| match_one(m, req, gs, client))
    })
}

/// Which proxy handles the request and how it names itself.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Proxy {
    SidecarOutbound,
    Gateway,
}

impl Proxy {
    fn server(self) -> &'static str {
        match self {
            Proxy::SidecarOutbound => "envoy",
            Proxy::Gateway => "istio-envoy",
        }
    }
}

fn uuid(rng: &mut impl Rng) -> String {
    let b: [u8; 16] = rng.random();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-4{}-{}{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        ["8", "9", "a", "b"][usize::from(b[8] & 3)],
        &h[17..20],
        &h[20..32]
    )
}

/// Picks a destination by weight, applying the profile's weight skew.
fn pick_destination<'a>(
    push: &PushContext,
    dests: &'a [RouteDestination],
    rng: &mut impl Rng,
) -> Option<&'a RouteDestination> {
    match dests {
        [] => None,
        [one] => Some(one),
        many => {
            let total: f64 = many.iter().map(|d| f64::from(d.weight.max(0))).sum();
            let mut shares: Vec<f64> = if total > 0.0 {
                many.iter()
                    .map(|d| f64::from(d.weight.max(0)) / total)
                    .collect()
            } else {
                vec![1.0 / many.len() as f64; many.len()]
            };
            let skew = push.profile.deviations.weight_skew;
            if skew != 0.0 {
                // Deviation: move `skew` of the share to (or from) the first destination.
                let p0 = shares[0];
                let new0 = (p0 + skew).clamp(0.0, 1.0);
                let rest = 1.0 - p0;
                for s in shares.iter_mut().skip(1) {
                    *s = if rest > 0.0 {
                        *s / rest * (1.0 - new0)
                    } else {
                        0.0
                    };
                }
                shares[0] = new0;
            }
            let mut x: f64 = rng.random();
            for (d, s) in many.iter().zip(shares) {
                if x < s {
                    return Some(d);
                }
                x -= s;
            }
            many.last()
        }
    }
}

/// `destinationRule` lookup: the proxy's namespace, then the service's, then `istio-system`.
fn subset_labels<'a>(
    push: &'a PushContext,
    proxy_ns: &str,
    svc: &ServiceInfo,
    subset: &str,
) -> Option<&'a BTreeMap<String, String>> {
    for ns in [proxy_ns, svc.namespace.as_str(), "istio-system"] {
        if let Some(dr) = push
            .destination_rules
            .iter()
            .find(|d| d.meta.namespace == ns && host::matches(&d.host, &svc.hostname))
        {
            return dr.subsets.get(subset);
        }
    }
    None
}

struct Upstream {
    endpoint: Endpoint,
    pod_sidecar: bool,
    pod_router: bool,
    pod_sa: String,
}

enum Pick {
    Ok(Upstream),
    NoHealthy,
    NotFound,
}

fn pick_endpoint(
    push: &PushContext,
    proxy_ns: &str,
    svc: &ServiceInfo,
    port: u16,
    subset: Option<&str>,
    rng: &mut impl Rng,
) -> Pick {
    let Some(sp) = svc.port(port) else {
        return Pick::NotFound;
    };
    let labels = match subset {
        Some(s) => match subset_labels(push, proxy_ns, svc, s) {
            Some(l) => Some(l),
            None => return Pick::NotFound,
        },
        None => None,
    };
    let eps = push.registry.endpoints(svc, sp, labels);
    if eps.is_empty() {
        return Pick::NoHealthy;
    }
    let e = eps[rng.random_range(0..eps.len())].clone();
    let pod = push.registry.pod(&e.namespace, &e.pod);
    Pick::Ok(Upstream {
        pod_sidecar: pod.is_some_and(|p| p.sidecar),
        pod_router: pod.is_some_and(|p| p.router),
        pod_sa: pod.map(|p| p.service_account.clone()).unwrap_or_default(),
        endpoint: e,
    })
}

/// Routes one request. Deterministic given the rng.
pub(crate) fn route(
    push: &PushContext,
    from: &Origin,
    req: &RequestHead,
    rng: &mut impl Rng,
) -> Decision {
    match from {
        Origin::GatewayProxy {
            namespace,
            gateway_name,
        } => {
            let port = match &req.target {
                Target::Gateway { port, .. }
                | Target::Service { port, .. }
                | Target::Pod { port, .. } => *port,
            };
            let pods: Vec<&PodInfo> = push
                .registry
                .pods
                .iter()
                .filter(|p| {
                    p.namespace == *namespace
                        && p.ready
                        && p.labels.get("gateway.networking.k8s.io/gateway-name")
                            == Some(gateway_name)
                })
                .collect();
            if pods.is_empty() {
                return Decision::ConnectionRefused;
            }
            let pod = pods[rng.random_range(0..pods.len())];
            via_gateway(push, pod, port, req, rng)
        }
        Origin::Plain { namespace } => plain(push, namespace, req, rng),
        Origin::Sidecar {
            namespace,
            pod_name,
            labels,
        } => sidecar(push, namespace, pod_name, labels, req, rng),
    }
}

fn plain(push: &PushContext, _client_ns: &str, req: &RequestHead, rng: &mut impl Rng) -> Decision {
    match &req.target {
        Target::Service {
            namespace,
            name,
            port,
        } => {
            let Some(svc) = push.registry.service(namespace, name) else {
                return Decision::ConnectionRefused;
            };
            match pick_endpoint(push, "", svc, *port, None, rng) {
                Pick::Ok(up) => to_pod(push, up, req, rng),
                _ => Decision::ConnectionRefused, // kube-proxy rejects a Service without endpoints
            }
        }
        Target::Pod {
            namespace,
            name,
            port,
        } => match push.registry.pod(namespace, name) {
            Some(p) if p.ready => to_pod(
                push,
                Upstream {
                    endpoint: Endpoint {
                        namespace: namespace.clone(),
                        pod: name.clone(),
                        port: *port,
                    },
                    pod_sidecar: p.sidecar,
                    pod_router: p.router,
                    pod_sa: p.service_account.clone(),
                },
                req,
                rng,
            ),
            _ => Decision::ConnectionRefused,
        },
        Target::Gateway {
            namespace, name, ..
        } => route(
            push,
            &Origin::GatewayProxy {
                namespace: namespace.clone(),
                gateway_name: name.clone(),
            },
            req,
            rng,
        ),
    }
}

/// A plain (non-Envoy) connection reaching a pod: its inbound sidecar or gateway Envoy, if any.
fn to_pod(push: &PushContext, up: Upstream, req: &RequestHead, rng: &mut impl Rng) -> Decision {
    if up.pod_router
        && let Some(p) = push.registry.pod(&up.endpoint.namespace, &up.endpoint.pod)
    {
        return via_gateway(push, p, up.endpoint.port, req, rng);
    }
    let mut edits = HeaderEdits::default();
    if up.pod_sidecar {
        // The inbound sidecar's HCM adds these (no mTLS from a plain client: no XFCC).
        edits.set.push(("x-forwarded-proto".into(), "http".into()));
        edits.set.push(("x-request-id".into(), uuid(rng)));
    }
    Decision::Forward(Box::new(Forward {
        delay: None,
        pod: (up.endpoint.namespace, up.endpoint.pod),
        port: up.endpoint.port,
        path: req.path.clone(),
        authority: req.authority.clone(),
        request_edits: edits,
        server: if up.pod_sidecar {
            ServerHeader::Overwrite("istio-envoy")
        } else {
            ServerHeader::Upstream
        },
        upstream_service_time: false,
        response_edits: HeaderEdits::default(),
        virtual_service: None,
    }))
}

/// The Envoy domains a sidecar generates for a Service port, as seen from `proxy_ns`.
fn sidecar_domains(svc: &ServiceInfo, port: u16, proxy_ns: &str) -> Vec<String> {
    let mut names = vec![
        svc.hostname.clone(),
        format!("{}.{}.svc", svc.name, svc.namespace),
        format!("{}.{}", svc.name, svc.namespace),
    ];
    if svc.namespace == proxy_ns {
        names.push(svc.name.clone());
    }
    if !svc.cluster_ip.is_empty() {
        names.push(svc.cluster_ip.clone());
    }
    let mut out = vec![];
    for n in names {
        out.push(format!("{n}:{port}"));
        out.push(n);
    }
    out
}

fn sidecar(
    push: &PushContext,
    ns: &str,
    pod: &str,
    labels: &BTreeMap<String, String>,
    req: &RequestHead,
    rng: &mut impl Rng,
) -> Decision {
    let port = match &req.target {
        Target::Service { port, .. } | Target::Pod { port, .. } | Target::Gateway { port, .. } => {
            *port
        }
    };
    let client = Client {
        namespace: ns,
        labels,
    };
    let sa = push
        .registry
        .pod(ns, pod)
        .map(|p| p.service_account.as_str())
        .unwrap_or("default");
    let caller = Caller { ns, sa };
    // Route configuration for the port: one vhost per Service with an HTTP port of this number.
    let services: Vec<&ServiceInfo> = push
        .registry
        .services
        .iter()
        .filter(|s| s.port(port).is_some_and(|p| p.http_or_sniffed()))
        .collect();
    let domains: Vec<Vec<String>> = services
        .iter()
        .map(|s| sidecar_domains(s, port, ns))
        .collect();
    let Some(i) = host::pick_vhost(&domains, &req.authority) else {
        // The `allow_any` vhost: PassthroughCluster to the original destination.
        return passthrough(push, req, rng);
    };
    let svc = services[i];
    match select::sidecar_virtual_service(push, ns, svc, port) {
        None => forward_to(
            push,
            Proxy::SidecarOutbound,
            &caller,
            svc,
            port,
            None,
            None,
            req,
            rng,
            None,
        ),
        Some((_vs, routes)) => {
            let Some(r) = first_match(&routes, req, &client) else {
                return Decision::NoRoute {
                    headers: local_headers("envoy", ""),
                };
            };
            apply_route(push, Proxy::SidecarOutbound, &caller, r, port, req, rng)
        }
    }
}

fn passthrough(push: &PushContext, req: &RequestHead, rng: &mut impl Rng) -> Decision {
    let d = plain(push, "", req, rng);
    match d {
        Decision::Forward(mut f) => {
            f.server = ServerHeader::Overwrite("envoy");
            f.upstream_service_time = true;
            Decision::Forward(f)
        }
        other => other,
    }
}

fn via_gateway(
    push: &PushContext,
    pod: &PodInfo,
    port: u16,
    req: &RequestHead,
    rng: &mut impl Rng,
) -> Decision {
    let gws = select::gateways_for_proxy(push, &pod.namespace, &pod.labels);
    let Some(vhosts) = select::gateway_vhosts(push, &pod.namespace, &gws, port) else {
        return Decision::ConnectionRefused;
    };
    // IgnorePortInHostMatching: the Host's port is ignored.
    let authority = req
        .authority
        .rsplit_once(':')
        .filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
        .map(|(h, _)| h)
        .unwrap_or(&req.authority);
    let domains: Vec<Vec<String>> = vhosts.iter().map(|v| vec![v.domain.clone()]).collect();
    let Some(i) = host::pick_vhost(&domains, authority) else {
        return Decision::NoRoute {
            headers: local_headers("istio-envoy", ""),
        };
    };
    let client = Client {
        namespace: &pod.namespace,
        labels: &pod.labels,
    };
    let Some(r) = first_match(&vhosts[i].routes, req, &client) else {
        return Decision::NoRoute {
            headers: local_headers("istio-envoy", ""),
        };
    };
    let caller = Caller {
        ns: &pod.namespace,
        sa: &pod.service_account,
    };
    apply_route(push, Proxy::Gateway, &caller, r, port, req, rng)
}

fn rewrite_path(r: &BuiltRoute<'_>, req: &RequestHead) -> String {
    let Some(rw) = r.route.rewrite.as_ref().filter(|rw| !rw.uri.is_empty()) else {
        return req.path.clone();
    };
    let (path, query) = match req.path.split_once('?') {
        Some((p, q)) => (p, format!("?{q}")),
        None => (req.path.as_str(), String::new()),
    };
    let matched = r
        .matches
        .iter()
        .find_map(|m| m.uri.clone())
        .unwrap_or(StringMatch::Prefix("/".into()));
    let new = match matched {
        StringMatch::Prefix(p) if path.starts_with(p.as_str()) => {
            let rest = &path[p.len()..];
            if r.vs.gateway_semantics() && rw.uri == "/" {
                format!("/{}", rest.trim_start_matches('/'))
            } else {
                format!("{}{rest}", rw.uri)
            }
        }
        _ => rw.uri.clone(),
    };
    format!("{new}{query}")
}

fn apply_route(
    push: &PushContext,
    proxy: Proxy,
    caller: &Caller<'_>,
    r: &BuiltRoute<'_>,
    port: u16,
    req: &RequestHead,
    rng: &mut impl Rng,
) -> Decision {
    let server = proxy.server();
    // Fault filter: delay first, then an independent abort draw (fault_filter.cc decodeHeaders).
    let mut delay = None;
    if let Some(f) = &r.route.fault {
        if let Some(d) = &f.delay {
            let frac = match (d.percentage, d.percent) {
                (Some(p), _) => Fraction::from_percent(Some(p)),
                (None, Some(p)) => Fraction {
                    numerator: p,
                    denominator: 100,
                },
                (None, None) => Fraction::from_percent(None),
            };
            if frac.draw(rng) {
                delay = Some(d.fixed_delay);
            }
        }
        if let Some(a) = &f.abort {
            let scaled = a.percentage.map(|p| Percent {
                value: p.value * push.profile.deviations.abort_share_scale,
            });
            if Fraction::from_percent(scaled).draw(rng) {
                let status = push
                    .profile
                    .deviations
                    .abort_status
                    .unwrap_or(u16::try_from(a.http_status).unwrap_or(500));
                return Decision::Abort {
                    status,
                    body: ABORT_BODY,
                    headers: local_headers(server, ABORT_BODY),
                    delay,
                };
            }
        }
    }
    if let Some(d) = &r.route.direct_response {
        let body = d.body.clone().unwrap_or_default();
        return Decision::Direct {
            status: u16::try_from(d.status).unwrap_or(500),
            headers: local_headers(server, &body),
            body,
        };
    }
    if let Some(rd) = &r.route.redirect {
        let scheme = if rd.scheme.is_empty() {
            "http"
        } else {
            &rd.scheme
        };
        let authority = if rd.authority.is_empty() {
            req.authority.clone()
        } else {
            rd.authority.clone()
        };
        let path = if rd.uri.is_empty() {
            req.path.clone()
        } else {
            rd.uri.clone()
        };
        let mut headers = local_headers(server, "");
        headers.push(("location".into(), format!("{scheme}://{authority}{path}")));
        return Decision::Direct {
            status: u16::try_from(rd.redirect_code).unwrap_or(301),
            body: String::new(),
            headers,
        };
    }
    let Some(dest) = pick_destination(push, &r.route.route, rng) else {
        return Decision::ClusterNotFound {
            headers: local_headers(server, ""),
        };
    };
    let Some(svc) = push.registry.service_by_host(&dest.destination.host) else {
        return Decision::ClusterNotFound {
            headers: local_headers(server, ""),
        };
    };
    let dport = match dest.destination.port {
        Some(p) => u16::try_from(p.number).unwrap_or(0),
        None if svc.ports.len() == 1 => svc.ports[0].port,
        None => port,
    };
    let mut edits = HeaderEdits::default();
    edits.push_ops(&dest.headers.request);
    edits.push_ops(&r.route.headers.request);
    let mut resp = HeaderEdits::default();
    resp.push_ops(&dest.headers.response);
    resp.push_ops(&r.route.headers.response);
    let mut path_req = req.clone();
    path_req.path = rewrite_path(r, req);
    if let Some(rw) = r
        .route
        .rewrite
        .as_ref()
        .filter(|rw| !rw.authority.is_empty())
    {
        path_req.authority = rw.authority.clone();
    }
    forward_to(
        push,
        proxy,
        caller,
        svc,
        dport,
        dest.destination.subset.as_deref(),
        delay,
        &path_req,
        rng,
        Some((
            edits,
            resp,
            format!("{}/{}", r.vs.meta.namespace, r.vs.meta.name),
        )),
    )
}

#[allow(clippy::too_many_arguments)]
fn forward_to(
    push: &PushContext,
    proxy: Proxy,
    caller: &Caller<'_>,
    svc: &ServiceInfo,
    port: u16,
    subset: Option<&str>,
    delay: Option<Duration>,
    req: &RequestHead,
    rng: &mut impl Rng,
    route_edits: Option<(HeaderEdits, HeaderEdits, String)>,
) -> Decision {
    let server = proxy.server();
    let up = match pick_endpoint(push, caller.ns, svc, port, subset, rng) {
        Pick::Ok(up) => up,
        Pick::NoHealthy => {
            return Decision::NoHealthyUpstream {
                headers: local_headers(server, NO_HEALTHY_UPSTREAM),
            };
        }
        Pick::NotFound => {
            return Decision::ClusterNotFound {
                headers: local_headers(server, ""),
            };
        }
    };
    if up.pod_router
        && proxy == Proxy::SidecarOutbound
        && let Some(p) = push.registry.pod(&up.endpoint.namespace, &up.endpoint.pod)
    {
        // A sidecar sending to a gateway Service (one hop only: a gateway never re-enters a gateway): the gateway's Envoy routes next.
        let d = via_gateway(push, p, up.endpoint.port, req, rng);
        return match d {
            Decision::Forward(mut f) => {
                f.server = ServerHeader::Overwrite(server);
                f.delay = f.delay.or(delay);
                Decision::Forward(f)
            }
            other => other,
        };
    }
    let (mut edits, resp, vs) = match route_edits {
        Some((e, r, vs)) => (e, r, Some(vs)),
        None => (HeaderEdits::default(), HeaderEdits::default(), None),
    };
    // What Envoy adds on the way (HCM defaults as Istio configures them).
    edits.set.push(("x-forwarded-proto".into(), "http".into()));
    edits.set.push(("x-request-id".into(), uuid(rng)));
    edits.set.push(("x-envoy-attempt-count".into(), "1".into()));
    if proxy == Proxy::Gateway {
        // use_remote_address on gateways: the client (a private address) is internal.
        edits.set.push(("x-envoy-internal".into(), "true".into()));
        edits
            .add
            .push(("x-forwarded-for".into(), "10.244.0.1".into()));
    }
    if up.pod_sidecar && proxy == Proxy::SidecarOutbound {
        // mTLS between sidecars: the server's inbound adds XFCC (APPEND_FORWARD).
        edits.set.push((
            "x-forwarded-client-cert".into(),
            format!(
                "By=spiffe://{DOMAIN}/ns/{}/sa/{};Hash=0000000000000000000000000000000000000000000000000000000000000000;Subject=\"\";URI=spiffe://{DOMAIN}/ns/{}/sa/{}",
                up.endpoint.namespace, up.pod_sa, caller.ns, caller.sa
            ),
        ));
    }
    Decision::Forward(Box::new(Forward {
        delay,
        pod: (up.endpoint.namespace, up.endpoint.pod),
        port: up.endpoint.port,
        path: req.path.clone(),
        authority: req.authority.clone(),
        request_edits: edits,
        server: ServerHeader::Overwrite(server),
        upstream_service_time: true,
        response_edits: resp,
        virtual_service: vs,
    }))
}
