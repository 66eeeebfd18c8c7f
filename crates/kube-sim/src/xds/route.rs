//! VirtualService HTTP routes → Envoy `Route`s, as `pilot/pkg/networking/core/route/route.go` builds them
//! (`BuildHTTPRoutesForVirtualService`, `translateRoute`, `TranslateRouteMatch`, `TranslateFault`,
//! `ApplyRedirect`, `ApplyDirectResponse`, `applyHTTPRouteDestination`), with the retry policy of
//! `route/retry/retry.go`.

use std::collections::BTreeMap;
use std::time::Duration;

use envoy_types::pb::envoy::config::core::v3::{
    DataSource, HeaderValue, HeaderValueOption, Metadata, data_source,
    header_value_option::HeaderAppendAction,
};
use envoy_types::pb::envoy::config::route::v3::{
    Decorator, DirectResponseAction, HeaderMatcher, QueryParameterMatcher, RedirectAction,
    RetryPolicy, Route, RouteAction, RouteMatch, WeightedCluster, header_matcher,
    query_parameter_matcher, redirect_action, retry_policy, route, route_action, route_match,
    weighted_cluster,
};
use envoy_types::pb::envoy::extensions::filters::common::fault::v3::{
    FaultDelay as EnvoyFaultDelay, fault_delay,
};
use envoy_types::pb::envoy::extensions::filters::http::fault::v3::{
    FaultAbort as EnvoyFaultAbort, HttpFault, fault_abort,
};
use envoy_types::pb::envoy::extensions::retry::host::previous_hosts::v3::PreviousHostsPredicate;
use envoy_types::pb::envoy::r#type::matcher::v3::{
    RegexMatchAndSubstitute, RegexMatcher, StringMatcher, string_matcher,
};
use envoy_types::pb::envoy::r#type::v3::{FractionalPercent, fractional_percent};
use envoy_types::pb::google::protobuf::{
    self as pbwkt, BoolValue, Struct, UInt32Value, Value as PbValue, value,
};
use envoy_types::util::pack_any;
use serde_json::Value;

use crate::istio::PushContext;
use crate::istio::cluster::PodInfo;
use crate::istio::model::{
    Fault, Fraction, HeaderOps, Headers, HttpMatch, HttpRoute, Percent, StringMatch, VirtualService,
};

use super::subset_key;
use super::warn::Warnings;

/// The HTTP filter name the per-route fault config is keyed by (`wellknown.Fault`).
pub(super) const FAULT_FILTER: &str = "envoy.filters.http.fault";
/// The per-route CORS key (`wellknown.CORS`).
pub(super) const CORS_FILTER: &str = "envoy.filters.http.cors";

/// How the routes are being built: for a sidecar's outbound port or a gateway server port.
#[derive(Debug, Clone, Copy)]
pub(super) struct RouteCtx<'a> {
    /// The push.
    pub(super) push: &'a PushContext,
    /// The proxy the routes are for (its labels and namespace filter matches).
    pub(super) proxy: &'a PodInfo,
    /// The listener port (`listenPort`).
    pub(super) port: u16,
    /// Gateway names the routes are built for (`mesh` for a sidecar).
    pub(super) gateway: &'a str,
}

/// `Notimeout` (route.go): a zero duration, meaning no route timeout.
pub(super) fn no_timeout() -> pbwkt::Duration {
    pbwkt::Duration {
        seconds: 0,
        nanos: 0,
    }
}

/// A std duration as a protobuf one.
pub(super) fn pb_duration(d: Duration) -> pbwkt::Duration {
    pbwkt::Duration {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(d.subsec_nanos()).unwrap_or(0),
    }
}

/// `BuildHTTPRoutesForVirtualService` (route.go): one route per (http route, match) that survives the
/// port and source filters; stops after a catch-all. `raw` is the VS's `spec.http` as written (user VSes),
/// for the fields the model does not parse (retries, derivePort, uriRegexRewrite).
pub(super) fn routes_for_virtual_service(
    ctx: RouteCtx<'_>,
    vs: &VirtualService,
    warnings: &mut Warnings,
) -> Vec<Route> {
    let raw = raw_http(vs);
    let mut out = vec![];
    for (i, http) in vs.http.iter().enumerate() {
        let raw_route = raw.get(i).copied();
        let mut catch_all = false;
        if http.matches.is_empty() {
            out.push(translate_route(ctx, vs, http, None, raw_route, i, warnings));
            catch_all = true;
        } else {
            for m in &http.matches {
                if !match_applies(ctx, m) {
                    continue;
                }
                let r = translate_route(ctx, vs, http, Some(m), raw_route, i, warnings);
                let all = is_catch_all(&r);
                out.push(r);
                // route.go: routes are matched in order, nothing after a catch-all is reachable.
                if all {
                    catch_all = true;
                    break;
                }
            }
        }
        if catch_all {
            break;
        }
    }
    out
}

/// The routes of one gateway-bound http route whose matches survived the port and gateway filters
/// (`select::gateway_vhosts`); empty `matches` = the route has none.
pub(super) fn routes_for_http(
    ctx: RouteCtx<'_>,
    vs: &VirtualService,
    http: &HttpRoute,
    matches: &[&HttpMatch],
    warnings: &mut Warnings,
) -> Vec<Route> {
    let index = vs
        .http
        .iter()
        .position(|h| std::ptr::eq(h, http))
        .unwrap_or(0);
    let raw = raw_http(vs).get(index).copied();
    if matches.is_empty() {
        return vec![translate_route(ctx, vs, http, None, raw, index, warnings)];
    }
    matches
        .iter()
        .filter(|m| match_applies(ctx, m))
        .map(|m| translate_route(ctx, vs, http, Some(m), raw, index, warnings))
        .collect()
}

/// The user's `spec.http` entries, aligned with the model's (non-objects are skipped by both).
fn raw_http(vs: &VirtualService) -> Vec<&Value> {
    vs.raw_spec
        .as_ref()
        .and_then(|s| s.get("http"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter(|r| r.is_object()).collect())
        .unwrap_or_default()
}

/// translateRoute's port filter and `sourceMatchHTTP` (route.go): gateways named in the match, else
/// source labels (a subset of the proxy's) and source namespace.
fn match_applies(ctx: RouteCtx<'_>, m: &HttpMatch) -> bool {
    if m.port.is_some_and(|p| p != u32::from(ctx.port)) {
        return false;
    }
    if !m.gateways.is_empty() {
        return m.gateways.iter().any(|g| g == ctx.gateway);
    }
    let labels_ok = m
        .source_labels
        .iter()
        .all(|(k, v)| ctx.proxy.labels.get(k) == Some(v));
    labels_ok
        && m.source_namespace
            .as_ref()
            .is_none_or(|n| *n == ctx.proxy.namespace)
}

/// `IsCatchAllRoute` (route.go): prefix `/` (or path-separated `/`) or regex `.*`, no header or query
/// matchers.
pub(super) fn is_catch_all(r: &Route) -> bool {
    let Some(m) = &r.r#match else {
        return false;
    };
    let path_all = match &m.path_specifier {
        Some(route_match::PathSpecifier::Prefix(p)) => p == "/",
        Some(route_match::PathSpecifier::PathSeparatedPrefix(p)) => p == "/",
        Some(route_match::PathSpecifier::SafeRegex(r)) => r.regex == ".*",
        _ => false,
    };
    path_all && m.headers.is_empty() && m.query_parameters.is_empty()
}

/// `translateRoute` (route.go).
fn translate_route(
    ctx: RouteCtx<'_>,
    vs: &VirtualService,
    http: &HttpRoute,
    m: Option<&HttpMatch>,
    raw: Option<&Value>,
    index: usize,
    warnings: &mut Warnings,
) -> Route {
    let name = match m {
        Some(m) if !m.name.is_empty() => format!("{}.{}", http.name, m.name),
        _ => http.name.clone(),
    };
    let mut out = Route {
        name,
        r#match: Some(translate_match(vs, m)),
        metadata: Some(config_metadata(vs)),
        ..Default::default()
    };
    let authority = apply_headers(&mut out, &http.headers);
    if let Some(rd) = &http.redirect {
        apply_redirect(
            &mut out,
            rd,
            raw,
            ctx.port,
            vs.gateway_semantics(),
            warnings,
            vs,
        );
    } else if let Some(d) = &http.direct_response {
        // ApplyDirectResponse (route.go).
        out.action = Some(route::Action::DirectResponse(DirectResponseAction {
            status: d.status,
            body: d.body.as_ref().map(|b| DataSource {
                specifier: Some(data_source::Specifier::InlineString(b.clone())),
                ..Default::default()
            }),
            ..Default::default()
        }));
    } else {
        apply_destination(ctx, &mut out, vs, http, raw, index, authority, warnings);
    }
    out.decorator = Some(Decorator {
        operation: route_operation(&out, &vs.meta.name, ctx.port),
        ..Default::default()
    });
    if let Some(f) = &http.fault {
        out.typed_per_filter_config
            .insert(FAULT_FILTER.to_string(), pack_any(translate_fault(f)));
    }
    out
}

/// `util.BuildConfigInfoMetadata` (pilot/pkg/networking/util/util.go): `istio.config` names the VS.
fn config_metadata(vs: &VirtualService) -> Metadata {
    let path = format!(
        "/apis/networking.istio.io/v1/namespaces/{}/virtual-service/{}",
        vs.meta.namespace, vs.meta.name
    );
    let mut fields = std::collections::HashMap::new();
    fields.insert(
        "config".to_string(),
        PbValue {
            kind: Some(value::Kind::StringValue(path)),
        },
    );
    let mut md = Metadata::default();
    md.filter_metadata
        .insert("istio".to_string(), Struct { fields });
    md
}

/// `GetRouteOperation` (route.go): `host:port/path` for a single cluster, else `vs:port/path`.
fn route_operation(r: &Route, vs_name: &str, port: u16) -> String {
    let path = match r.r#match.as_ref().and_then(|m| m.path_specifier.as_ref()) {
        Some(route_match::PathSpecifier::Prefix(p)) => format!("{p}*"),
        Some(route_match::PathSpecifier::Path(p)) => p.clone(),
        Some(route_match::PathSpecifier::SafeRegex(r)) => r.regex.clone(),
        _ => "/*".to_string(),
    };
    if let Some(route::Action::Route(a)) = &r.action
        && let Some(route_action::ClusterSpecifier::Cluster(c)) = &a.cluster_specifier
    {
        let parts: Vec<&str> = c.split('|').collect();
        if let [_, p, _, h] = parts.as_slice() {
            return format!("{h}:{p}{path}");
        }
    }
    format!("{vs_name}:{port}{path}")
}

/// `TranslateRouteMatch` (route.go).
pub(super) fn translate_match(vs: &VirtualService, m: Option<&HttpMatch>) -> RouteMatch {
    let mut out = RouteMatch {
        path_specifier: Some(route_match::PathSpecifier::Prefix("/".into())),
        ..Default::default()
    };
    let Some(m) = m else {
        return out;
    };
    for (name, sm) in &m.headers {
        out.headers.push(header_matcher(name, sm));
    }
    for (name, sm) in &m.without_headers {
        let mut h = header_matcher(name, sm);
        h.invert_match = true;
        // treat_missing_header_as_empty conflicts with present_match.
        if !present_match(sm) {
            h.treat_missing_header_as_empty = true;
        }
        out.headers.push(h);
    }
    // route.go: "guarantee ordering of headers".
    out.headers.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(uri) = &m.uri {
        out.path_specifier = Some(match uri {
            StringMatch::Exact(p) => route_match::PathSpecifier::Path(p.clone()),
            // Gateway semantics: a non-`/` prefix is path-separated, trailing `/` trimmed.
            StringMatch::Prefix(p) if vs.gateway_semantics() && p != "/" => {
                route_match::PathSpecifier::PathSeparatedPrefix(
                    p.strip_suffix('/').unwrap_or(p).to_string(),
                )
            }
            StringMatch::Prefix(p) => route_match::PathSpecifier::Prefix(p.clone()),
            StringMatch::Regex(r) => route_match::PathSpecifier::SafeRegex(regex(r.as_str())),
        });
    }
    out.case_sensitive = Some(BoolValue {
        value: !m.ignore_uri_case,
    });
    if let Some(meth) = &m.method {
        out.headers.push(header_matcher(":method", meth));
    }
    if let Some(a) = &m.authority {
        out.headers.push(header_matcher(":authority", a));
    }
    for (name, sm) in &m.query_params {
        out.query_parameters.push(QueryParameterMatcher {
            name: name.clone(),
            query_parameter_match_specifier: Some(if present_match(sm) {
                query_parameter_matcher::QueryParameterMatchSpecifier::PresentMatch(true)
            } else {
                query_parameter_matcher::QueryParameterMatchSpecifier::StringMatch(
                    string_matcher_of(sm),
                )
            }),
        });
    }
    out
}

fn regex(r: &str) -> RegexMatcher {
    RegexMatcher {
        regex: r.to_string(),
        ..Default::default()
    }
}

/// `canBeConvertedToPresentMatch` (route.go): regex `*` means "present".
fn present_match(sm: &StringMatch) -> bool {
    matches!(sm, StringMatch::Regex(r) if r.as_str() == "*")
}

/// `util.ConvertToEnvoyMatch` (pilot/pkg/networking/util/util.go).
fn string_matcher_of(sm: &StringMatch) -> StringMatcher {
    StringMatcher {
        match_pattern: Some(match sm {
            StringMatch::Exact(e) => string_matcher::MatchPattern::Exact(e.clone()),
            StringMatch::Prefix(p) => string_matcher::MatchPattern::Prefix(p.clone()),
            StringMatch::Regex(r) => string_matcher::MatchPattern::SafeRegex(regex(r.as_str())),
        }),
        ..Default::default()
    }
}

/// `translateHeaderMatch` (route.go).
fn header_matcher(name: &str, sm: &StringMatch) -> HeaderMatcher {
    HeaderMatcher {
        name: name.to_string(),
        header_match_specifier: Some(if present_match(sm) {
            header_matcher::HeaderMatchSpecifier::PresentMatch(true)
        } else {
            header_matcher::HeaderMatchSpecifier::StringMatch(string_matcher_of(sm))
        }),
        ..Default::default()
    }
}

/// `translateAppendHeaders` (route.go): `set` overwrites, `add` appends, sorted by key; `:`-headers and
/// `host` are not sent as header operations, the authority becomes a host rewrite.
fn header_options(
    map: &BTreeMap<String, String>,
    append: bool,
) -> (Vec<HeaderValueOption>, Option<String>) {
    let mut authority = None;
    let mut out = vec![];
    for (k, v) in map {
        if k.eq_ignore_ascii_case(":authority") || k.eq_ignore_ascii_case("host") {
            authority = Some(v.clone());
        }
        if k.starts_with(':') || k.eq_ignore_ascii_case("host") {
            continue;
        }
        out.push(HeaderValueOption {
            header: Some(HeaderValue {
                key: k.clone(),
                value: v.clone(),
                ..Default::default()
            }),
            append_action: if append {
                HeaderAppendAction::AppendIfExistsOrAdd as i32
            } else {
                HeaderAppendAction::OverwriteIfExistsOrAdd as i32
            },
            ..Default::default()
        });
    }
    (out, authority)
}

/// `TranslateHeadersOperations` (route.go) for one direction.
struct HeaderOpsOut {
    add: Vec<HeaderValueOption>,
    remove: Vec<String>,
    authority: Option<String>,
}

fn translate_ops(ops: &HeaderOps) -> HeaderOpsOut {
    let (mut add, set_auth) = header_options(&ops.set, false);
    let (more, add_auth) = header_options(&ops.add, true);
    add.extend(more);
    HeaderOpsOut {
        add,
        remove: ops
            .remove
            .iter()
            .filter(|k| !k.starts_with(':') && !k.eq_ignore_ascii_case("host"))
            .cloned()
            .collect(),
        // `set` wins over `add`.
        authority: set_auth.or(add_auth),
    }
}

/// Route-level header operations; returns the authority to rewrite to, if any.
fn apply_headers(out: &mut Route, h: &Headers) -> Option<String> {
    let req = translate_ops(&h.request);
    let resp = translate_ops(&h.response);
    out.request_headers_to_add.extend(req.add);
    out.request_headers_to_remove.extend(req.remove);
    out.response_headers_to_add.extend(resp.add);
    out.response_headers_to_remove.extend(resp.remove);
    req.authority
}

/// `ApplyRedirect` (route.go), with the port from `port` or `derivePort: FROM_REQUEST_PORT`.
fn apply_redirect(
    out: &mut Route,
    rd: &crate::istio::model::Redirect,
    raw: Option<&Value>,
    listen_port: u16,
    gateway_semantics: bool,
    warnings: &mut Warnings,
    vs: &VirtualService,
) {
    let mut action = RedirectAction {
        host_redirect: rd.authority.clone(),
        path_rewrite_specifier: Some(redirect_action::PathRewriteSpecifier::PathRedirect(
            rd.uri.clone(),
        )),
        ..Default::default()
    };
    if gateway_semantics && let Some(rest) = rd.uri.strip_prefix("%PREFIX()%") {
        action.path_rewrite_specifier = Some(redirect_action::PathRewriteSpecifier::PrefixRewrite(
            rest.to_string(),
        ));
    }
    if !rd.scheme.is_empty() {
        action.scheme_rewrite_specifier = Some(
            redirect_action::SchemeRewriteSpecifier::SchemeRedirect(rd.scheme.clone()),
        );
    }
    let derive = raw
        .and_then(|r| r.pointer("/redirect/derivePort"))
        .and_then(Value::as_str);
    let has_port = rd.port.is_some() || derive.is_some();
    if let Some(p) = rd.port {
        action.port_redirect = p;
    } else if derive == Some("FROM_REQUEST_PORT") {
        // Envoy cannot derive the port; routes are built per listener port, so that is the request's.
        action.port_redirect = u32::from(listen_port);
    }
    if has_port {
        // No explicit :80 for http (TLS servers are not generated, so https is only a scheme).
        let scheme = if rd.scheme.is_empty() {
            "http"
        } else {
            rd.scheme.as_str()
        };
        if (action.port_redirect == 80 && scheme == "http")
            || (action.port_redirect == 443 && scheme == "https")
        {
            action.port_redirect = 0;
        }
    }
    use redirect_action::RedirectResponseCode as C;
    let code = match rd.redirect_code {
        0 | 301 => C::MovedPermanently,
        302 => C::Found,
        303 => C::SeeOther,
        307 => C::TemporaryRedirect,
        308 => C::PermanentRedirect,
        other => {
            // route.go logs and leaves the route without an action (Envoy then rejects nothing but the
            // route does nothing useful); we report it.
            warnings.push(
                vs,
                "spec.http[].redirect.redirectCode",
                format!(
                    "redirect code {other} is not supported by istiod; the route has no action"
                ),
            );
            return;
        }
    };
    action.response_code = code as i32;
    out.action = Some(route::Action::Redirect(action));
}

/// `GetDestinationCluster` (route.go): the destination's port, else the Service's only port, else the
/// listener port.
fn destination_cluster(
    push: &PushContext,
    d: &crate::istio::model::Destination,
    listen_port: u16,
) -> String {
    let svc = push.registry.service_by_host(&d.host);
    let port = match (d.port, svc) {
        (Some(p), _) => u16::try_from(p.number).unwrap_or(listen_port),
        (None, Some(s)) if s.ports.len() == 1 => s.ports[0].port,
        _ => listen_port,
    };
    subset_key(port, d.subset.as_deref().unwrap_or(""), &d.host)
}

/// `applyHTTPRouteDestination` (route.go).
#[allow(clippy::too_many_arguments)]
fn apply_destination(
    ctx: RouteCtx<'_>,
    out: &mut Route,
    vs: &VirtualService,
    http: &HttpRoute,
    raw: Option<&Value>,
    index: usize,
    mut authority: Option<String>,
    warnings: &mut Warnings,
) {
    let mut action = RouteAction::default();
    set_timeout(&mut action, http.timeout);
    if vs.gateway_semantics() {
        // Gateway API: invalid backends answer 500.
        action.cluster_not_found_response_code =
            route_action::ClusterNotFoundResponseCode::InternalServerError as i32;
    }
    if let Some(rw) = &http.rewrite {
        let regex_rewrite = raw.and_then(|r| r.pointer("/rewrite/uriRegexRewrite"));
        if let Some(rr) = regex_rewrite {
            action.regex_rewrite = Some(RegexMatchAndSubstitute {
                pattern: Some(regex(
                    rr.get("match").and_then(Value::as_str).unwrap_or_default(),
                )),
                substitution: rr
                    .get("rewrite")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            });
        } else if !rw.uri.is_empty() {
            let psp = match out.r#match.as_ref().and_then(|m| m.path_specifier.as_ref()) {
                Some(route_match::PathSpecifier::PathSeparatedPrefix(p)) => p.clone(),
                _ => String::new(),
            };
            if vs.gateway_semantics() && rw.uri == "/" {
                // Remove the prefix, keeping a `/` when the whole path goes.
                action.regex_rewrite = Some(RegexMatchAndSubstitute {
                    pattern: Some(regex(&format!("^{}(/?)(.*)", ::regex::escape(&psp)))),
                    substitution: r"/\2".to_string(),
                });
            } else {
                action.prefix_rewrite = rw.uri.clone();
            }
        }
        if !rw.authority.is_empty() {
            authority = Some(rw.authority.clone());
        }
    }
    if let Some(a) = authority {
        action.host_rewrite_specifier =
            Some(route_action::HostRewriteSpecifier::HostRewriteLiteral(a));
    }
    if http.route.len() == 1 {
        let d = &http.route[0];
        action.cluster_specifier = Some(route_action::ClusterSpecifier::Cluster(
            destination_cluster(ctx.push, &d.destination, ctx.port),
        ));
        // processDestination: destination headers are appended to the route's.
        let req = translate_ops(&d.headers.request);
        let resp = translate_ops(&d.headers.response);
        out.request_headers_to_add.extend(req.add);
        out.request_headers_to_remove.extend(req.remove);
        out.response_headers_to_add.extend(resp.add);
        out.response_headers_to_remove.extend(resp.remove);
        if let Some(a) = req.authority
            && action.host_rewrite_specifier.is_none()
        {
            action.host_rewrite_specifier =
                Some(route_action::HostRewriteSpecifier::HostRewriteLiteral(a));
        }
    } else {
        let mut clusters = vec![];
        for d in &http.route {
            // Zero-weight destinations are ignored when there are others.
            if d.weight == 0 {
                continue;
            }
            let req = translate_ops(&d.headers.request);
            let resp = translate_ops(&d.headers.response);
            clusters.push(weighted_cluster::ClusterWeight {
                name: destination_cluster(ctx.push, &d.destination, ctx.port),
                weight: Some(UInt32Value {
                    value: u32::try_from(d.weight).unwrap_or(0),
                }),
                request_headers_to_add: req.add,
                request_headers_to_remove: req.remove,
                response_headers_to_add: resp.add,
                response_headers_to_remove: resp.remove,
                host_rewrite_specifier: req.authority.map(
                    weighted_cluster::cluster_weight::HostRewriteSpecifier::HostRewriteLiteral,
                ),
                ..Default::default()
            });
        }
        action.cluster_specifier = Some(route_action::ClusterSpecifier::WeightedClusters(
            WeightedCluster {
                clusters,
                ..Default::default()
            },
        ));
    }
    let retries = raw.and_then(|r| r.get("retries"));
    action.retry_policy = convert_retry(retries, vs, index, warnings);
    out.action = Some(route::Action::Route(action));
}

/// `setTimeout` (route.go): the VS timeout or `0s` (none); the gRPC timeout cap istiod puts in the
/// deprecated `max_grpc_timeout` goes into its replacement, `max_stream_duration`.
pub(super) fn set_timeout(action: &mut RouteAction, timeout: Option<Duration>) {
    let t = timeout.map(pb_duration).unwrap_or_else(no_timeout);
    action.max_stream_duration = Some(route_action::MaxStreamDuration {
        grpc_timeout_header_max: Some(t),
        ..Default::default()
    });
    action.timeout = Some(t);
}

/// `xdsfilters.RetryPreviousHosts` (pilot/pkg/xds/filters/filters.go).
fn previous_hosts() -> retry_policy::RetryHostPredicate {
    retry_policy::RetryHostPredicate {
        name: "envoy.retry_host_predicates.previous_hosts".into(),
        config_type: Some(retry_policy::retry_host_predicate::ConfigType::TypedConfig(
            pack_any(PreviousHostsPredicate::default()),
        )),
    }
}

/// `DefaultPolicy` (route/retry/retry.go): 2 retries on connect-failure, refused-stream, unavailable,
/// cancelled and 503, other hosts preferred.
pub(super) fn default_retry_policy() -> RetryPolicy {
    RetryPolicy {
        num_retries: Some(UInt32Value { value: 2 }),
        retry_on: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"
            .into(),
        retriable_status_codes: vec![503],
        retry_host_predicate: vec![previous_hosts()],
        host_selection_retry_max_attempts: 5,
        ..Default::default()
    }
}

/// `ConvertPolicy` (route/retry/retry.go): no `retries` → the default; `attempts: 0` → none; else the
/// default with the user's attempts, retryOn (numbers become retriable status codes), perTryTimeout,
/// retryIgnorePreviousHosts.
fn convert_retry(
    retries: Option<&Value>,
    vs: &VirtualService,
    index: usize,
    warnings: &mut Warnings,
) -> Option<RetryPolicy> {
    let mut out = default_retry_policy();
    let Some(r) = retries.filter(|r| r.is_object()) else {
        return Some(out);
    };
    let attempts = r.get("attempts").and_then(Value::as_i64).unwrap_or(0);
    if attempts <= 0 {
        return None;
    }
    out.num_retries = Some(UInt32Value {
        value: u32::try_from(attempts).unwrap_or(u32::MAX),
    });
    if let Some(on) = r
        .get("retryOn")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        let mut codes = vec![];
        let mut names = vec![];
        for part in on.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.parse::<u32>() {
                Ok(c) if (100..=599).contains(&c) => codes.push(c),
                _ => names.push(part),
            }
        }
        let mut on = names.join(",");
        if !codes.is_empty() && !on.contains("retriable-status-codes") {
            on.push_str(",retriable-status-codes");
        }
        out.retry_on = on;
        out.retriable_status_codes = codes;
    }
    if let Some(t) = r
        .get("perTryTimeout")
        .and_then(Value::as_str)
        .and_then(crate::istio::model::parse_duration)
    {
        out.per_try_timeout = Some(pb_duration(t));
    }
    if let Some(b) = r.get("retryIgnorePreviousHosts").and_then(Value::as_bool) {
        out.retry_host_predicate = if b { vec![previous_hosts()] } else { vec![] };
    }
    for key in ["retryRemoteLocalities", "backoff"] {
        if r.get(key).is_some() {
            warnings.push(
                vs,
                &format!("spec.http[{index}].retries.{key}"),
                "not translated by the simulator's xDS generator".into(),
            );
        }
    }
    Some(out)
}

/// `translatePercentToFractionalPercent` (route.go), MILLION denominator.
fn fractional(p: Option<Percent>) -> FractionalPercent {
    let f = Fraction::from_percent(p);
    FractionalPercent {
        numerator: f.numerator,
        denominator: fractional_percent::DenominatorType::Million as i32,
    }
}

/// `TranslateFault` (route.go): delay (percentage, or the deprecated integer percent over HUNDRED) and
/// abort with its percentage; an absent percentage is 0 (never).
pub(super) fn translate_fault(f: &Fault) -> HttpFault {
    let mut out = HttpFault::default();
    if let Some(d) = &f.delay {
        let percentage = match (d.percentage, d.percent) {
            (Some(p), _) => fractional(Some(p)),
            (None, Some(n)) => FractionalPercent {
                numerator: n,
                denominator: fractional_percent::DenominatorType::Hundred as i32,
            },
            (None, None) => fractional(None),
        };
        out.delay = Some(EnvoyFaultDelay {
            fault_delay_secifier: Some(fault_delay::FaultDelaySecifier::FixedDelay(pb_duration(
                d.fixed_delay,
            ))),
            percentage: Some(percentage),
        });
    }
    if let Some(a) = &f.abort {
        out.abort = Some(EnvoyFaultAbort {
            error_type: Some(fault_abort::ErrorType::HttpStatus(a.http_status)),
            percentage: Some(fractional(a.percentage)),
            ..Default::default()
        });
    }
    out
}

/// `BuildDefaultHTTPOutboundRoute` (route.go): the route to the Service when no VirtualService applies:
/// prefix `/`, no timeout, the default retry policy.
pub(super) fn default_outbound_route(cluster: &str, operation: String) -> Route {
    let mut action = RouteAction {
        cluster_specifier: Some(route_action::ClusterSpecifier::Cluster(cluster.to_string())),
        retry_policy: Some(default_retry_policy()),
        ..Default::default()
    };
    set_timeout(&mut action, None);
    Route {
        name: "default".into(),
        r#match: Some(RouteMatch {
            path_specifier: Some(route_match::PathSpecifier::Prefix("/".into())),
            ..Default::default()
        }),
        decorator: Some(Decorator {
            operation,
            ..Default::default()
        }),
        action: Some(route::Action::Route(action)),
        ..Default::default()
    }
}
