//! Gateway API → internal Istio config: one Istio Gateway per listener, one VirtualService per
//! (parent key, hostname), and the facts the status writer needs.
//!
//! Follows `pilot/pkg/config/kube/gateway/gateway_collection.go` (`GatewayCollection`),
//! `conversion.go` (`buildListener`, `convertHTTPRoute`, `buildDestination`, `referenceAllowed`,
//! `extractParentReferenceInfo`, `sortHTTPRoutes`) and `route_collections.go` (`HTTPRouteCollection`,
//! `mergeHTTPRoutes`), 1.22 to 1.28. The API server's CRD defaults (rule `matches`, parentRef
//! group/kind, backendRef kind, `allowedRoutes`) are applied here because the simulated CRDs carry none.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::cluster::{DOMAIN, Registry};
use super::host;
use super::model::{
    Destination, DirectResponse, GATEWAY_SEMANTICS, GATEWAY_SERVICE, HeaderOps, Headers, HttpMatch,
    HttpRoute, IstioGateway, Meta, Origin, PARENTS, PortSelector, ROUTE_SEMANTICS, Redirect,
    Rewrite, RouteDestination, Server, ServerPort, StringMatch, VirtualService,
};
use super::profile::IstioProfile;
use super::regex::SafeRegex;
use super::snapshot::{
    GATEWAY_GROUP, Obj, Snapshot, arr_at, at, int_of, label_selector_matches, str_at, string_list,
};
use super::version::{KUBERNETES_GATEWAY_NAME, VersionRules};

/// The controller name of the `istio` GatewayClass (`features.ManagedGatewayController`).
pub(crate) const ISTIO_CONTROLLER: &str = "istio.io/gateway-controller";
/// The controller of `istio-remote` (`constants.UnmanagedGatewayController`).
pub(crate) const UNMANAGED_CONTROLLER: &str = "istio.io/unmanaged-gateway";

/// A condition failure: reason and message (`ConfigError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigError {
    /// Condition reason.
    pub reason: String,
    /// Condition message.
    pub message: String,
}

fn cerr(reason: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        reason: reason.to_string(),
        message: message.into(),
    }
}

/// One listener's status inputs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ListenerReport {
    /// Listener name.
    pub name: String,
    /// Supported kinds after intersecting with `allowedRoutes.kinds`.
    pub supported_kinds: Vec<(String, String)>,
    /// Whether every listed kind is supported (else ResolvedRefs=False/InvalidRouteKinds).
    pub kinds_valid: bool,
    /// Accepted=False cause.
    pub accepted_error: Option<ConfigError>,
    /// Routes attached to this listener.
    pub attached_routes: i64,
}

/// One Kubernetes Gateway's status inputs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GatewayReport {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `metadata.generation`.
    pub generation: i64,
    /// `istio-remote`: report but do not program.
    pub unmanaged: bool,
    /// Service hostnames the gateway binds to.
    pub services: Vec<String>,
    /// Servers, one per listener.
    pub servers: Vec<Server>,
    /// Listeners.
    pub listeners: Vec<ListenerReport>,
    /// Soft error from address extraction.
    pub gateway_error: Option<ConfigError>,
    /// `spec.addresses` (echoed for unmanaged gateways).
    pub spec_addresses: Vec<Value>,
    /// `networking.istio.io/address-type` override.
    pub address_type_override: Option<String>,
    /// Existing `status.addresses` (never removed once set).
    pub existing_addresses: Vec<Value>,
}

/// One parent's result for route status.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParentResult {
    /// The parentRef as the API server stores it (defaults applied).
    pub reference: Value,
    /// `parentRefString` (for ordering and merging).
    pub key: String,
    /// Accepted=False cause (reason is NotAllowedByListeners, NoMatchingListenerHostname, NoMatchingParent).
    pub denied: Option<ConfigError>,
    /// ResolvedRefs=False cause.
    pub route_error: Option<ConfigError>,
}

/// One HTTPRoute's status inputs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RouteReport {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `metadata.generation`.
    pub generation: i64,
    /// Per (parent, section) results; merged per parentRef by the status writer.
    pub parents: Vec<ParentResult>,
}

/// Everything the Gateway API controller produces.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Conversion {
    /// Internal Istio Gateways.
    pub gateways: Vec<IstioGateway>,
    /// Generated VirtualServices.
    pub virtual_services: Vec<VirtualService>,
    /// Gateway status inputs.
    pub gateway_reports: Vec<GatewayReport>,
    /// HTTPRoute status inputs.
    pub route_reports: Vec<RouteReport>,
    /// GatewayClasses with an Istio controller: (name, generation).
    pub classes: Vec<(String, i64)>,
}

#[derive(Debug, Clone)]
struct ParentInfo {
    gateway: (String, String),
    internal_name: String,
    allowed_kinds: Vec<(String, String)>,
    hostnames: Vec<String>,
    original_hostname: String,
    section_name: String,
    port: i64,
    protocol: String,
}

/// The class of a Gateway: its controller, from the cluster or Istio's builtin classes
/// (`gatewayclass_collection.go` `fetchClass`, `deploymentcontroller.go` `getBuiltinClasses`).
pub(super) fn class_controller(s: &Snapshot, rules: &VersionRules, class: &str) -> Option<String> {
    if let Some(c) = s
        .list(GATEWAY_GROUP, "GatewayClass")
        .find(|c| c.name() == class)
    {
        return Some(str_at(c.value(), &["spec", "controllerName"]).to_string());
    }
    match class {
        "istio" => Some(ISTIO_CONTROLLER.to_string()),
        "istio-remote" if rules.remote_gateway_class => Some(UNMANAGED_CONTROLLER.to_string()),
        _ => None,
    }
}

fn known_controller(rules: &VersionRules, c: &str) -> bool {
    c == ISTIO_CONTROLLER || (rules.remote_gateway_class && c == UNMANAGED_CONTROLLER)
}

/// `getDefaultName`: `<gw>-<class>` unless overridden by `gateway.istio.io/name-override`.
pub(super) fn gateway_service_name(gw: Obj<'_>) -> String {
    match gw.annotation("gateway.istio.io/name-override") {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => format!("{}-{}", gw.name(), str_at(gw.spec(), &["gatewayClassName"])),
    }
}

/// `generateSupportedKinds` (conditions.go): HTTP/HTTPS listeners support HTTPRoute and GRPCRoute.
fn supported_kinds(l: &Value) -> (Vec<(String, String)>, bool) {
    let supported: Vec<(String, String)> = match str_at(l, &["protocol"]) {
        "HTTP" | "HTTPS" => vec![
            (GATEWAY_GROUP.into(), "HTTPRoute".into()),
            (GATEWAY_GROUP.into(), "GRPCRoute".into()),
        ],
        "TCP" => vec![(GATEWAY_GROUP.into(), "TCPRoute".into())],
        "TLS" if str_at(l, &["tls", "mode"]) == "Passthrough" => {
            vec![(GATEWAY_GROUP.into(), "TLSRoute".into())]
        }
        "TLS" => vec![(GATEWAY_GROUP.into(), "TCPRoute".into())],
        _ => vec![],
    };
    let kinds = arr_at(l, &["allowedRoutes", "kinds"]);
    if kinds.is_empty() {
        return (supported, true);
    }
    let listed: Vec<(String, String)> = kinds
        .iter()
        .map(|k| {
            let g = at(k, &["group"])
                .and_then(Value::as_str)
                .unwrap_or(GATEWAY_GROUP);
            (g.to_string(), str_at(k, &["kind"]).to_string())
        })
        .collect();
    let inter: Vec<(String, String)> = supported
        .into_iter()
        .filter(|s| listed.contains(s))
        .collect();
    let valid = inter.len() == listed.len();
    (inter, valid)
}

/// `listenerProtocolToIstio` with `PILOT_ENABLE_ALPHA_GATEWAY_API=false` (the default).
fn listener_protocol(p: &str) -> Result<String, String> {
    match p {
        "HTTP" | "HTTPS" => Ok(p.to_string()),
        "TLS" | "TCP" => Err(format!(
            "protocol {p:?} is supported, but only when PILOT_ENABLE_ALPHA_GATEWAY_API=true is configured"
        )),
        "HBONE" => Err(format!(
            "protocol {p:?} is only supported for waypoint proxies"
        )),
        _ => {
            let up = p.to_ascii_uppercase();
            if ["HTTP", "HTTPS", "TLS", "TCP", "HBONE"].contains(&up.as_str()) {
                Err(format!(
                    "protocol {p:?} is unsupported. hint: {up:?} (uppercase) may be supported"
                ))
            } else {
                Err(format!("protocol {p:?} is unsupported"))
            }
        }
    }
}

/// `buildHostnameMatch` / `namespacesFromSelector`: `<ns>/<hostname>` per allowed namespace.
fn hostname_match(s: &Snapshot, local_ns: &str, l: &Value) -> Vec<String> {
    let hostname = at(l, &["hostname"]).and_then(Value::as_str).unwrap_or("*");
    let from = at(l, &["allowedRoutes", "namespaces", "from"])
        .and_then(Value::as_str)
        .unwrap_or("Same");
    let namespaces: Vec<String> = match from {
        "All" => vec!["*".into()],
        "Selector" => match at(l, &["allowedRoutes", "namespaces", "selector"]) {
            None => vec!["*".into()],
            Some(sel) => {
                let mut v: Vec<String> = s
                    .list("", "Namespace")
                    .filter(|n| {
                        let mut labels = n.labels();
                        labels.insert("kubernetes.io/metadata.name".into(), n.name().into());
                        label_selector_matches(sel, &labels)
                    })
                    .map(|n| n.name().to_string())
                    .collect();
                v.sort();
                v
            }
        },
        _ => vec![local_ns.to_string()],
    };
    let resp: Vec<String> = namespaces
        .iter()
        .filter(|n| !n.is_empty())
        .map(|n| format!("{n}/{hostname}"))
        .collect();
    if resp.is_empty() {
        vec![format!("~/{hostname}")]
    } else {
        resp
    }
}

/// `IsManaged`: Istio deploys the gateway unless it names an existing address.
fn is_managed(spec: &Value) -> bool {
    let addrs = arr_at(spec, &["addresses"]);
    match addrs {
        [] => true,
        [a] => matches!(str_at(a, &["type"]), "" | "IPAddress"),
        _ => false,
    }
}

/// `extractGatewayServices`.
fn gateway_services(gw: Obj<'_>) -> (Vec<String>, Option<ConfigError>) {
    let spec = gw.spec();
    let ns = gw.namespace();
    if is_managed(spec) {
        return (
            vec![format!("{}.{ns}.svc.{DOMAIN}", gateway_service_name(gw))],
            None,
        );
    }
    let mut out = vec![];
    let mut skipped = vec![];
    for a in arr_at(spec, &["addresses"]) {
        let t = str_at(a, &["type"]);
        let value = str_at(a, &["value"]);
        if !t.is_empty() && t != "Hostname" {
            skipped.push(value.to_string());
            continue;
        }
        if value.contains('.') {
            out.push(value.to_string());
        } else {
            out.push(format!("{value}.{ns}.svc.{DOMAIN}"));
        }
    }
    let err = (!skipped.is_empty()).then(|| {
        cerr(
            "UnsupportedAddress",
            format!(
                "only Hostname is supported, ignoring [{}]",
                skipped.join(" ")
            ),
        )
    });
    (out, err)
}

struct Ctx<'a> {
    s: &'a Snapshot,
    reg: &'a Registry,
    rules: VersionRules,
    gamma: bool,
    gateway_routes: bool,
}

/// Runs the Gateway API controller over a snapshot.
pub(super) fn convert(s: &Snapshot, reg: &Registry, profile: &IstioProfile) -> Conversion {
    let ctx = Ctx {
        s,
        reg,
        rules: profile.version.rules(),
        gamma: profile.deviations.gamma,
        gateway_routes: profile.deviations.gateway_routes,
    };
    let mut out = Conversion::default();
    for c in s.list(GATEWAY_GROUP, "GatewayClass") {
        if known_controller(&ctx.rules, str_at(c.value(), &["spec", "controllerName"])) {
            out.classes.push((c.name().to_string(), c.generation()));
        }
    }
    let mut parents: Vec<ParentInfo> = vec![];
    for gw in s.list(GATEWAY_GROUP, "Gateway") {
        gateway(&ctx, gw, &mut out, &mut parents);
    }
    routes(&ctx, &parents, &mut out);
    out
}

fn gateway(ctx: &Ctx<'_>, gw: Obj<'_>, out: &mut Conversion, parents: &mut Vec<ParentInfo>) {
    let spec = gw.spec();
    let class = str_at(spec, &["gatewayClassName"]);
    let Some(controller) = class_controller(ctx.s, &ctx.rules, class) else {
        return; // another controller's gateway: no status
    };
    if !known_controller(&ctx.rules, &controller) {
        return;
    }
    let ns = gw.namespace();
    let mut report = GatewayReport {
        namespace: ns.to_string(),
        name: gw.name().to_string(),
        generation: gw.generation(),
        unmanaged: controller == UNMANAGED_CONTROLLER,
        services: vec![],
        servers: vec![],
        listeners: vec![],
        gateway_error: None,
        spec_addresses: arr_at(spec, &["addresses"]).to_vec(),
        address_type_override: gw
            .annotation("networking.istio.io/address-type")
            .map(str::to_string),
        existing_addresses: arr_at(gw.value(), &["status", "addresses"]).to_vec(),
    };
    if report.unmanaged {
        out.gateway_reports.push(report);
        return;
    }
    let (services, err) = gateway_services(gw);
    report.services = services;
    report.gateway_error = err;
    if report.services.is_empty() && report.gateway_error.is_some() {
        out.gateway_reports.push(report);
        return;
    }
    for l in arr_at(spec, &["listeners"]) {
        let lname = str_at(l, &["name"]);
        let protocol = str_at(l, &["protocol"]);
        let (kinds, kinds_valid) = supported_kinds(l);
        let (proto, accepted_error) = match listener_protocol(protocol) {
            Ok(p) => (p, None),
            Err(m) => (String::new(), Some(cerr("UnsupportedProtocol", m))),
        };
        let port = int_of(at(l, &["port"])).unwrap_or(0);
        let server = Server {
            port: ServerPort {
                number: u32::try_from(port).unwrap_or(0),
                protocol: proto,
                name: "default".into(),
            },
            hosts: hostname_match(ctx.s, ns, l),
        };
        let internal = ctx.rules.internal_gateway_name(gw.name(), lname);
        let mut annotations = BTreeMap::new();
        annotations.insert(
            PARENTS.to_string(),
            format!("Gateway/{}/{lname}.{ns}", gw.name()),
        );
        annotations.insert(GATEWAY_SEMANTICS.to_string(), "gateway".to_string());
        annotations.insert(GATEWAY_SERVICE.to_string(), report.services.join(","));
        out.gateways.push(IstioGateway {
            meta: Meta {
                name: internal.clone(),
                namespace: ns.to_string(),
                creation: gw.creation(),
                creation_raw: gw.creation_raw().to_string(),
                annotations,
                ..Meta::default()
            },
            selector: BTreeMap::new(),
            servers: vec![server.clone()],
            origin: Origin::Generated,
            raw_spec: None,
        });
        parents.push(ParentInfo {
            gateway: (ns.to_string(), gw.name().to_string()),
            internal_name: format!("{ns}/{internal}"),
            allowed_kinds: kinds.clone(),
            hostnames: server.hosts.clone(),
            original_hostname: str_at(l, &["hostname"]).to_string(),
            section_name: lname.to_string(),
            port,
            protocol: protocol.to_string(),
        });
        report.servers.push(server);
        report.listeners.push(ListenerReport {
            name: lname.to_string(),
            supported_kinds: kinds,
            kinds_valid,
            accepted_error,
            attached_routes: 0,
        });
    }
    out.gateway_reports.push(report);
}

/// A parentRef with the CRD defaults applied, as the API server stores it.
fn defaulted_parent_ref(r: &Value) -> Value {
    let mut v = r.clone();
    if let Some(m) = v.as_object_mut() {
        m.entry("group").or_insert(json!(GATEWAY_GROUP));
        m.entry("kind").or_insert(json!("Gateway"));
    }
    v
}

/// `parentRefString` (conversion.go).
fn parent_ref_string(r: &Value, local_ns: &str) -> String {
    let g = at(r, &["group"])
        .and_then(Value::as_str)
        .unwrap_or(GATEWAY_GROUP);
    let k = at(r, &["kind"])
        .and_then(Value::as_str)
        .unwrap_or("Gateway");
    let port = int_of(at(r, &["port"])).unwrap_or(0);
    let ns = at(r, &["namespace"])
        .and_then(Value::as_str)
        .unwrap_or(local_ns);
    format!(
        "{g}/{k}/{}/{}/{port}.{ns}",
        str_at(r, &["name"]),
        str_at(r, &["sectionName"])
    )
}

#[derive(Debug, Clone)]
struct RouteParentRef {
    internal_name: String,
    mesh: bool,
    hostname: String,
    banned: Vec<String>,
    denied: Option<ConfigError>,
    reference: Value,
    gateway: Option<(String, String, String)>,
    service: Option<(String, String)>,
    port: Option<i64>,
}

impl RouteParentRef {
    /// `hostnameAllowedByIsolation` (conversion.go).
    fn hostname_allowed(&self, route_host: &str) -> bool {
        let ours = self.hostname.as_str();
        if !ours.is_empty() && !host::is_wildcard(ours) {
            return true;
        }
        if !ours.is_empty() && !host::matches(route_host, ours) {
            return false;
        }
        for check in &self.banned {
            if ours.len() > check.len() {
                continue;
            }
            if host::subset_of(route_host, check) {
                return false;
            }
        }
        true
    }
}

fn route_hostnames(spec: &Value) -> Vec<String> {
    string_list(at(spec, &["hostnames"]))
}

/// `extractParentReferenceInfo` + `referenceAllowed`.
fn parent_refs(ctx: &Ctx<'_>, parents: &[ParentInfo], route: Obj<'_>) -> Vec<RouteParentRef> {
    let local_ns = route.namespace();
    let hostnames = {
        let h = route_hostnames(route.spec());
        if h.is_empty() {
            vec!["*".to_string()]
        } else {
            h
        }
    };
    let mut out = vec![];
    for r in arr_at(route.spec(), &["parentRefs"]) {
        let group = at(r, &["group"])
            .and_then(Value::as_str)
            .unwrap_or(GATEWAY_GROUP);
        let kind = at(r, &["kind"])
            .and_then(Value::as_str)
            .unwrap_or("Gateway");
        let name = str_at(r, &["name"]);
        let ns = at(r, &["namespace"])
            .and_then(Value::as_str)
            .unwrap_or(local_ns);
        let section = str_at(r, &["sectionName"]);
        let port = int_of(at(r, &["port"]));
        let reference = defaulted_parent_ref(r);
        if group.is_empty() && kind == "Service" {
            // Mesh (GAMMA) parent: `meshParentKey`; the Service must exist.
            if !ctx.gamma {
                continue; // deviation: GAMMA off ignores Service parents entirely
            }
            let denied = ctx.reg.service(ns, name).is_none().then(|| {
                cerr(
                    "NoMatchingParent",
                    format!("parent service: {name:?} not found"),
                )
            });
            out.push(RouteParentRef {
                internal_name: "mesh".into(),
                mesh: true,
                hostname: String::new(),
                banned: vec![],
                denied,
                reference,
                gateway: None,
                service: Some((ns.to_string(), name.to_string())),
                port,
            });
            continue;
        }
        if group != GATEWAY_GROUP || kind != "Gateway" {
            continue; // unsupported parent (ServiceEntry, ListenerSet): not modelled, ignored
        }
        if !ctx.gateway_routes {
            continue; // deviation: Gateway parents ignored entirely
        }
        let current: Vec<&ParentInfo> = parents
            .iter()
            .filter(|p| p.gateway.0 == ns && p.gateway.1 == name)
            .collect();
        for p in &current {
            let banned: Vec<String> = current
                .iter()
                .filter(|o| {
                    o.section_name != p.section_name && o.port == p.port && o.protocol == p.protocol
                })
                .map(|o| o.original_hostname.clone())
                .filter(|h| *h != p.original_hostname)
                .collect();
            let denied = reference_allowed(p, section, port, &hostnames, local_ns);
            out.push(RouteParentRef {
                internal_name: p.internal_name.clone(),
                mesh: false,
                hostname: p.original_hostname.clone(),
                banned,
                denied,
                reference: reference.clone(),
                gateway: Some((ns.to_string(), name.to_string(), p.section_name.clone())),
                service: None,
                port,
            });
        }
    }
    out.sort_by_key(|p| parent_ref_string(&p.reference, local_ns));
    out
}

fn reference_allowed(
    p: &ParentInfo,
    section: &str,
    port: Option<i64>,
    hostnames: &[String],
    local_ns: &str,
) -> Option<ConfigError> {
    if let Some(port) = port
        && port != 0
        && port != p.port
    {
        return Some(cerr("NoMatchingParent", format!("port {port} not found")));
    }
    if !section.is_empty() && section != p.section_name {
        return Some(cerr(
            "NoMatchingParent",
            format!("sectionName {section:?} not found"),
        ));
    }
    if !p.hostnames.is_empty() {
        let mut matched = false;
        let mut host_matched = false;
        'out: for rh in hostnames {
            for ph in &p.hostnames {
                let (pns, phost) = ph.split_once('/').unwrap_or(("*", ph.as_str()));
                let hm = host::matches(phost, rh);
                host_matched |= hm;
                if hm && (pns == "*" || pns == local_ns) {
                    matched = true;
                    break 'out;
                }
            }
        }
        if !matched {
            return Some(if host_matched {
                cerr(
                    "NotAllowedByListeners",
                    format!(
                        "hostnames matched parent hostname {:?}, but namespace {local_ns:?} is not allowed by the parent",
                        p.original_hostname
                    ),
                )
            } else {
                cerr(
                    "NoMatchingListenerHostname",
                    format!(
                        "no hostnames matched parent hostname {:?}",
                        p.original_hostname
                    ),
                )
            });
        }
    }
    let allowed = p
        .allowed_kinds
        .iter()
        .any(|(g, k)| g == GATEWAY_GROUP && k == "HTTPRoute");
    if !allowed {
        return Some(cerr(
            "NotAllowedByListeners",
            format!("kind {GATEWAY_GROUP}/v1beta1/HTTPRoute is not allowed"),
        ));
    }
    None
}

fn reference_grant_allows(s: &Snapshot, from_ns: &str, to_ns: &str, to_name: &str) -> bool {
    s.list(GATEWAY_GROUP, "ReferenceGrant")
        .filter(|g| g.namespace() == to_ns)
        .any(|g| {
            let from_ok = arr_at(g.spec(), &["from"]).iter().any(|f| {
                str_at(f, &["group"]) == GATEWAY_GROUP
                    && str_at(f, &["kind"]) == "HTTPRoute"
                    && str_at(f, &["namespace"]) == from_ns
            });
            let to_ok = arr_at(g.spec(), &["to"]).iter().any(|t| {
                str_at(t, &["group"]).is_empty()
                    && str_at(t, &["kind"]) == "Service"
                    && at(t, &["name"])
                        .and_then(Value::as_str)
                        .is_none_or(|n| n == to_name)
            });
            from_ok && to_ok
        })
}

/// `buildDestination`: `Err` is a hard error, `Ok((dest, Some(e)))` a soft (invalid backend) one.
fn build_destination(
    ctx: &Ctx<'_>,
    b: &Value,
    route_ns: &str,
    enforce_grant: bool,
) -> Result<(Destination, Option<ConfigError>), ConfigError> {
    let group = str_at(b, &["group"]);
    let kind = at(b, &["kind"])
        .and_then(Value::as_str)
        .unwrap_or("Service");
    let name = str_at(b, &["name"]);
    let to_ns = at(b, &["namespace"]).and_then(Value::as_str);
    if enforce_grant
        && let Some(to_ns) = to_ns
        && to_ns != route_ns
        && !reference_grant_allows(ctx.s, route_ns, to_ns, name)
    {
        return Ok((
            Destination::default(),
            Some(cerr(
                "RefNotPermitted",
                format!(
                    "backendRef {name}/{to_ns} not accessible to a HTTPRoute in namespace {route_ns:?} (missing a ReferenceGrant?)"
                ),
            )),
        ));
    }
    let ns = to_ns.unwrap_or(route_ns);
    if !(group.is_empty() && kind == "Service") {
        return Ok((
            Destination::default(),
            Some(cerr(
                "InvalidKind",
                format!("referencing unsupported backendRef: group {group:?} kind {kind:?}"),
            )),
        ));
    }
    if name.contains('.') {
        return Err(cerr(
            "InvalidDestination",
            "service name invalid; the name of the Service must be used, not the hostname.",
        ));
    }
    let hostname = format!("{name}.{ns}.svc.{DOMAIN}");
    let soft = ctx
        .reg
        .service(ns, name)
        .is_none()
        .then(|| cerr("BackendNotFound", format!("backend({hostname}) not found")));
    let Some(port) = int_of(at(b, &["port"])) else {
        return Err(cerr("InvalidDestination", "port is required in backendRef"));
    };
    Ok((
        Destination {
            host: hostname,
            subset: None,
            port: u32::try_from(port)
                .ok()
                .map(|number| PortSelector { number }),
        },
        soft,
    ))
}

fn header_filter(f: Option<&Value>) -> HeaderOps {
    let Some(f) = f else {
        return HeaderOps::default();
    };
    let to_map = |key: &str| -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        for h in arr_at(f, &[key]) {
            let k = str_at(h, &["name"]).to_ascii_lowercase();
            m.entry(k)
                .or_insert_with(|| str_at(h, &["value"]).to_string());
        }
        m
    };
    HeaderOps {
        set: to_map("set"),
        add: to_map("add"),
        remove: string_list(at(f, &["remove"])),
    }
}

fn string_match(t: &str, v: &str) -> Result<StringMatch, ConfigError> {
    match t {
        "" | "Exact" => Ok(StringMatch::Exact(v.to_string())),
        "RegularExpression" => Ok(StringMatch::Regex(SafeRegex::new(v))),
        other => Err(cerr(
            "InvalidConfiguration",
            format!("unknown type: {other:?} is not supported HeaderMatch type"),
        )),
    }
}

/// `createURIMatch` + headers/query/method: one Gateway API match → one Istio match.
fn convert_match(m: &Value) -> Result<HttpMatch, ConfigError> {
    let path = at(m, &["path"]);
    let tp = path
        .and_then(|p| at(p, &["type"]))
        .and_then(Value::as_str)
        .unwrap_or("PathPrefix");
    let value = path
        .and_then(|p| at(p, &["value"]))
        .and_then(Value::as_str)
        .unwrap_or("/");
    let uri = match tp {
        "PathPrefix" => {
            // "When specified, a trailing `/` is ignored."
            let v = if value != "/" {
                value.strip_suffix('/').unwrap_or(value)
            } else {
                value
            };
            StringMatch::Prefix(v.to_string())
        }
        "Exact" => StringMatch::Exact(value.to_string()),
        "RegularExpression" => StringMatch::Regex(SafeRegex::new(value)),
        other => {
            return Err(cerr(
                "InvalidConfiguration",
                format!("unknown type: {other:?} is not supported Path match type"),
            ));
        }
    };
    let mut headers = BTreeMap::new();
    for h in arr_at(m, &["headers"]) {
        headers.insert(
            str_at(h, &["name"]).to_string(),
            string_match(str_at(h, &["type"]), str_at(h, &["value"]))?,
        );
    }
    let mut query_params = BTreeMap::new();
    for q in arr_at(m, &["queryParams"]) {
        query_params.insert(
            str_at(q, &["name"]).to_string(),
            string_match(str_at(q, &["type"]), str_at(q, &["value"]))?,
        );
    }
    Ok(HttpMatch {
        uri: Some(uri),
        headers,
        query_params,
        method: at(m, &["method"])
            .and_then(Value::as_str)
            .map(|s| StringMatch::Exact(s.to_string())),
        ..HttpMatch::default()
    })
}

/// `convertHTTPRoute` for one rule split to one match. `Err` = hard error (no route).
fn convert_rule(
    ctx: &Ctx<'_>,
    rule: &Value,
    m: &Value,
    route: Obj<'_>,
    pos: usize,
    enforce_grant: bool,
) -> Result<(HttpRoute, Option<ConfigError>), ConfigError> {
    let name = match at(rule, &["name"]).and_then(Value::as_str) {
        Some(n) => n.to_string(),
        None => format!("{}.{}.{pos}", route.namespace(), route.name()),
    };
    let mut vs = HttpRoute {
        name,
        matches: vec![convert_match(m)?],
        ..HttpRoute::default()
    };
    let mut soft = None;
    for f in arr_at(rule, &["filters"]) {
        match str_at(f, &["type"]) {
            "RequestHeaderModifier" => {
                vs.headers.request = header_filter(at(f, &["requestHeaderModifier"]))
            }
            "ResponseHeaderModifier" => {
                vs.headers.response = header_filter(at(f, &["responseHeaderModifier"]))
            }
            "RequestRedirect" => {
                let r = at(f, &["requestRedirect"]).unwrap_or(&Value::Null);
                vs.redirect = Some(Redirect {
                    uri: str_at(r, &["path", "replaceFullPath"]).to_string(),
                    authority: str_at(r, &["hostname"]).to_string(),
                    scheme: str_at(r, &["scheme"]).to_string(),
                    port: int_of(at(r, &["port"])).and_then(|p| u32::try_from(p).ok()),
                    redirect_code: int_of(at(r, &["statusCode"]))
                        .and_then(|p| u32::try_from(p).ok())
                        .unwrap_or(302),
                });
            }
            "URLRewrite" => {
                let r = at(f, &["urlRewrite"]).unwrap_or(&Value::Null);
                let uri = match str_at(r, &["path", "type"]) {
                    "ReplaceFullPath" => str_at(r, &["path", "replaceFullPath"]),
                    "ReplacePrefixMatch" => str_at(r, &["path", "replacePrefixMatch"]),
                    _ => "",
                };
                vs.rewrite = Some(Rewrite {
                    uri: uri.to_string(),
                    authority: str_at(r, &["hostname"]).to_string(),
                });
            }
            "RequestMirror" | "CORS" => {} // accepted; mirroring and CORS are not modelled
            other => {
                return Err(cerr(
                    "InvalidFilter",
                    format!("unsupported filter type {other:?}"),
                ));
            }
        }
    }
    let backends = arr_at(rule, &["backendRefs"]);
    let weight = |b: &Value| int_of(at(b, &["weight"])).unwrap_or(1);
    let weight_sum: i64 = backends.iter().map(weight).sum();
    if weight_sum == 0 && vs.redirect.is_none() {
        // "The spec requires us to return 500 when there are no >0 weight backends".
        vs.direct_response = Some(DirectResponse {
            status: 500,
            body: None,
        });
        return Ok((vs, None));
    }
    let active: Vec<&Value> = backends.iter().filter(|b| weight(b) != 0).collect();
    let single = active.len() == 1;
    for b in active {
        let (dest, err) = build_destination(ctx, b, route.namespace(), enforce_grant)?;
        if err.is_some() {
            soft = err;
        }
        let mut headers = Headers::default();
        for f in arr_at(b, &["filters"]) {
            match str_at(f, &["type"]) {
                "RequestHeaderModifier" => {
                    headers.request = header_filter(at(f, &["requestHeaderModifier"]))
                }
                "ResponseHeaderModifier" => {
                    headers.response = header_filter(at(f, &["responseHeaderModifier"]))
                }
                other => {
                    return Err(cerr(
                        "InvalidFilter",
                        format!("unsupported filter type {other:?}"),
                    ));
                }
            }
        }
        vs.route.push(RouteDestination {
            destination: dest,
            weight: if single {
                0
            } else {
                i32::try_from(weight(b)).unwrap_or(0)
            },
            headers,
        });
    }
    Ok((vs, soft))
}

/// `convertRules` in `computeRoute`: a hard error drops every route.
fn convert_rules(
    ctx: &Ctx<'_>,
    route: Obj<'_>,
    mesh: bool,
) -> (Vec<HttpRoute>, Option<ConfigError>) {
    let default_rules = [json!({})];
    let rules = match at(route.spec(), &["rules"]).and_then(Value::as_array) {
        Some(r) => r.as_slice(),
        None => &default_rules[..],
    };
    let default_match = [json!({"path": {"type": "PathPrefix", "value": "/"}})];
    let mut routes = vec![];
    let mut error = None;
    for (n, rule) in rules.iter().enumerate() {
        let matches = match at(rule, &["matches"]).and_then(Value::as_array) {
            Some(m) if !m.is_empty() => m.as_slice(),
            _ => &default_match[..],
        };
        for m in matches {
            match convert_rule(ctx, rule, m, route, n, !mesh) {
                Ok((r, e)) => {
                    if e.is_some() {
                        error = e;
                    }
                    routes.push(r);
                }
                Err(e) => return (vec![], Some(e)),
            }
        }
    }
    (routes, error)
}

/// `augmentPortMatch`: a Service parentRef port restricts every route to that port.
fn augment_port(routes: &[HttpRoute], port: u32) -> Vec<HttpRoute> {
    routes
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if r.matches.is_empty() {
                r.matches.push(HttpMatch::default());
            }
            for m in &mut r.matches {
                m.port = Some(port);
            }
            r
        })
        .collect()
}

fn uri_rank(m: &HttpMatch) -> (i32, i64) {
    match &m.uri {
        Some(StringMatch::Exact(s)) => (3, s.len() as i64),
        Some(StringMatch::Prefix(s)) => (2, s.len() as i64),
        Some(StringMatch::Regex(s)) => (1, s.as_str().len() as i64),
        None => (-1, 0),
    }
}

/// `sortHTTPRoutes` (conversion.go): Gateway API precedence, stable.
pub(super) fn sort_http_routes(routes: &mut [HttpRoute]) {
    routes.sort_by(|a, b| {
        let (Some(m1), Some(m2)) = (a.matches.first(), b.matches.first()) else {
            return match (a.matches.is_empty(), b.matches.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                _ => Ordering::Less,
            };
        };
        let (r1, l1) = uri_rank(m1);
        let (r2, l2) = uri_rank(m2);
        r2.cmp(&r1)
            .then(l2.cmp(&l1))
            .then(m2.method.is_some().cmp(&m1.method.is_some()))
            .then(m2.headers.len().cmp(&m1.headers.len()))
            .then(m2.query_params.len().cmp(&m1.query_params.len()))
    });
}

struct KeyedVs {
    key: String,
    vs: VirtualService,
}

fn routes(ctx: &Ctx<'_>, parents: &[ParentInfo], out: &mut Conversion) {
    let mut http_routes: Vec<Obj<'_>> = ctx.s.list(GATEWAY_GROUP, "HTTPRoute").collect();
    // sortConfigByCreationTime: creation, namespace, name.
    http_routes.sort_by(|a, b| {
        a.creation()
            .cmp(&b.creation())
            .then(a.namespace().cmp(b.namespace()))
            .then(a.name().cmp(b.name()))
    });
    let mut keyed: Vec<KeyedVs> = vec![];
    let mut attach: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    for route in http_routes {
        let refs = parent_refs(ctx, parents, route);
        let need_mesh = refs.iter().any(|r| r.mesh);
        let need_gw = refs.iter().any(|r| !r.mesh);
        let (mesh_routes, mesh_err) = if need_mesh {
            convert_rules(ctx, route, true)
        } else {
            (vec![], None)
        };
        let (gw_routes, gw_err) = if need_gw {
            convert_rules(ctx, route, false)
        } else {
            (vec![], None)
        };
        out.route_reports.push(RouteReport {
            namespace: route.namespace().to_string(),
            name: route.name().to_string(),
            generation: route.generation(),
            parents: refs
                .iter()
                .map(|r| ParentResult {
                    reference: r.reference.clone(),
                    key: parent_ref_string(&r.reference, route.namespace()),
                    denied: r.denied.clone(),
                    route_error: if r.mesh {
                        mesh_err.clone()
                    } else {
                        gw_err.clone()
                    },
                })
                .collect(),
        });
        let mut filtered: Vec<&RouteParentRef> =
            refs.iter().filter(|r| r.denied.is_none()).collect();
        filtered.sort_by(|a, b| a.internal_name.cmp(&b.internal_name));
        let mut count = 0;
        for parent in filtered {
            if let Some((ns, name, section)) = &parent.gateway {
                *attach
                    .entry((ns.clone(), name.clone(), section.clone()))
                    .or_default() += 1;
            }
            let mut route_key = parent.internal_name.clone();
            let mut hosts = route_hostnames(route.spec());
            if hosts.is_empty() {
                hosts = vec!["*".into()];
            }
            let mut routes = gw_routes.clone();
            if parent.mesh {
                routes = mesh_routes.clone();
                route_key = route.namespace().to_string();
                if let Some(p) = parent.port.and_then(|p| u32::try_from(p).ok()) {
                    routes = augment_port(&routes, p);
                    route_key += &format!("/{p}");
                }
                if let Some((ns, name)) = &parent.service {
                    hosts = vec![format!("{name}.{ns}.svc.{DOMAIN}")];
                }
            }
            if routes.is_empty() {
                continue;
            }
            for h in hosts {
                if !parent.hostname_allowed(&h) {
                    continue;
                }
                let key = format!("{route_key}/{h}");
                let name = format!("{}-{count}-{KUBERNETES_GATEWAY_NAME}", route.name());
                // ≤1.25 (conversion.go buildHTTPVirtualServices) moves the counter only for a new VS;
                // the krt collections (1.26+, route_collections.go) count every VS.
                if ctx.rules.krt_route_collections || !keyed.iter().any(|k| k.key == key) {
                    count += 1;
                }
                let mut annotations = BTreeMap::new();
                annotations.insert(ROUTE_SEMANTICS.to_string(), "gateway".to_string());
                annotations.insert(
                    PARENTS.to_string(),
                    format!("HTTPRoute/{}.{}", route.name(), route.namespace()),
                );
                let mut sorted = routes.clone();
                sort_http_routes(&mut sorted);
                keyed.push(KeyedVs {
                    key,
                    vs: VirtualService {
                        meta: Meta {
                            name,
                            namespace: route.namespace().to_string(),
                            creation: route.creation(),
                            creation_raw: route.creation_raw().to_string(),
                            annotations,
                            ..Meta::default()
                        },
                        hosts: vec![h.clone()],
                        gateways: vec![parent.internal_name.clone()],
                        http: sorted,
                        export_to: vec![],
                        origin: Origin::Generated,
                        raw_spec: None,
                    },
                });
            }
        }
    }
    for g in &mut out.gateway_reports {
        for l in &mut g.listeners {
            l.attached_routes = attach
                .get(&(g.namespace.clone(), g.name.clone(), l.name.clone()))
                .copied()
                .unwrap_or(0);
        }
    }
    out.virtual_services = merge(keyed, ctx.rules.vs_names_from_key);
}

/// `mergeHTTPRoutes` (route_collections.go): one VS per key; the oldest route's VS is the base, the
/// others' routes are appended, then Gateway API precedence is re-applied.
fn merge(keyed: Vec<KeyedVs>, names_from_key: bool) -> Vec<VirtualService> {
    let mut groups: Vec<(String, Vec<VirtualService>)> = vec![];
    for k in keyed {
        match groups.iter_mut().find(|(key, _)| *key == k.key) {
            Some((_, v)) => v.push(k.vs),
            None => groups.push((k.key, vec![k.vs])),
        }
    }
    groups
        .into_iter()
        .filter_map(|(key, mut vss)| {
            // Inputs are already in (creation, namespace, name) order (sortRoutesByCreationTime).
            let mut base = vss.first()?.clone();
            for other in vss.drain(1..) {
                base.http.extend(other.http);
                if let (Some(p), Some(o)) = (
                    base.meta.annotations.get(PARENTS).cloned(),
                    other.meta.annotations.get(PARENTS),
                ) {
                    base.meta
                        .annotations
                        .insert(PARENTS.to_string(), format!("{p},{o}"));
                }
            }
            sort_http_routes(&mut base.http);
            if names_from_key {
                base.meta.name = key.replace('/', "~");
            }
            Some(base)
        })
        .collect()
}
