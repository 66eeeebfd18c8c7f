//! Istio's validating webhook (`validation.istio.io`) for the objects the harness applies.
//!
//! Follows `pkg/webhooks/validation/server/server.go` (`configuration is invalid: %v`),
//! `pkg/config/validation/validation.go` (`ValidateVirtualService`, `validateGatewayNames`,
//! `ValidateGateway`, `validateHTTPFaultInjection*`, `validatePercentage`, `validateHTTPStatus`,
//! `validateWeight`), `pkg/config/validation/virtualservice.go` (`validateHTTPRoute`,
//! `validateHTTPRouteConflict`) and `pkg/config/validation/agent/validation.go` (`ValidateFQDN`,
//! `ValidateWildcardDomain`). Errors combine as hashicorp/go-multierror prints them: one plain error
//! as itself, otherwise `N errors occurred:\n\t* a\n\t* b\n\n`.

use serde_json::Value;

use super::model::{http_route_from, parse_duration};
use super::profile::{Deviations, GatewayApiReference, InternalGatewayBinding, IstioProfile};
use super::snapshot::{NETWORKING_GROUP, Obj, arr_at, at, group_of, int_of, str_at, string_list};
use super::version::{IstioVersion, KUBERNETES_GATEWAY_NAME};

/// The webhook refused the object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("admission webhook \"validation.istio.io\" denied the request: {reason}")]
pub(crate) struct Denial {
    /// `configuration is invalid: ...` (what follows the webhook prefix).
    pub reason: String,
}

/// Accumulated errors, keeping go-multierror's shape.
#[derive(Debug, Default)]
struct Errs {
    items: Vec<String>,
    multi: bool,
}

impl Errs {
    fn push(&mut self, e: impl Into<String>) {
        if !self.items.is_empty() {
            self.multi = true;
        }
        self.items.push(e.into());
    }
    /// A sub-result built with `multierror.Append(nil, e)` is a multierror even with one item.
    fn extend(&mut self, other: Errs) {
        if other.items.is_empty() {
            return;
        }
        if other.multi || !self.items.is_empty() {
            self.multi = true;
        }
        self.items.extend(other.items);
    }
    fn multi_one(e: impl Into<String>) -> Errs {
        Errs {
            items: vec![e.into()],
            multi: true,
        }
    }
    fn render(&self) -> Option<String> {
        match (self.items.as_slice(), self.multi) {
            ([], _) => None,
            ([one], false) => Some(one.clone()),
            ([one], true) => Some(format!("1 error occurred:\n\t* {one}\n\n")),
            (many, _) => Some(format!(
                "{} errors occurred:\n\t{}\n\n",
                many.len(),
                many.iter()
                    .map(|e| format!("* {e}"))
                    .collect::<Vec<_>>()
                    .join("\n\t")
            )),
        }
    }
}

/// `labels.IsDNS1123Label`.
pub(super) fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// `labels.IsWildcardDNS1123Label`: `*`, or `*`/`*-` followed by a label.
fn is_wildcard_label(s: &str) -> bool {
    if s == "*" {
        return true;
    }
    let rest = s
        .strip_prefix("*-")
        .or_else(|| s.strip_prefix('*'))
        .unwrap_or(s);
    s.len() <= 63 && is_dns1123_label(rest)
}

fn dns1123_preconditions(name: &str) -> Result<(), String> {
    if name.len() > 255 {
        return Err(format!("domain name {name:?} too long (max 255)"));
    }
    if name.is_empty() {
        return Err("empty domain name not allowed".into());
    }
    Ok(())
}

fn validate_dns1123_labels(domain: &str) -> Result<(), String> {
    let parts: Vec<&str> = domain.split('.').collect();
    let tld = parts.last().copied().unwrap_or("");
    if !tld.is_empty() && tld.parse::<i64>().is_ok() {
        return Err(format!(
            "domain name {domain:?} invalid (top level domain {tld:?} cannot be all-numeric)"
        ));
    }
    for (i, label) in parts.iter().enumerate() {
        if i == parts.len() - 1 && label.is_empty() {
            return Ok(());
        }
        if !is_dns1123_label(label) {
            return Err(format!(
                "domain name {domain:?} invalid (label {label:?} invalid)"
            ));
        }
    }
    Ok(())
}

/// `agent.ValidateFQDN`.
fn validate_fqdn(name: &str) -> Result<(), String> {
    dns1123_preconditions(name)?;
    validate_dns1123_labels(name)
}

/// `agent.ValidateWildcardDomain`.
fn validate_wildcard_domain(domain: &str) -> Result<(), String> {
    dns1123_preconditions(domain)?;
    let (first, rest) = match domain.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (domain, None),
    };
    if !is_wildcard_label(first) {
        return Err(format!(
            "domain name {domain:?} invalid (label {first:?} invalid)"
        ));
    }
    match rest {
        Some(r) => validate_dns1123_labels(r),
        None => Ok(()),
    }
}

fn is_internal_gateway_name(name: &str) -> bool {
    name.contains(KUBERNETES_GATEWAY_NAME)
}

/// `validateGatewayNames`, with the profile's internal-binding deviation.
fn validate_gateway_names(
    names: &[String],
    gateway_semantics: bool,
    deviations: &Deviations,
    errs: &mut Errs,
    warnings: &mut Vec<String>,
) {
    let binding = deviations.internal_gateway_binding;
    for g in names {
        if deviations.gateway_api_reference == GatewayApiReference::Accept
            && g.starts_with("gateway.networking.k8s.io:")
        {
            continue; // deviation: the istio#47101 syntax passes the webhook
        }
        let Some((ns, name)) = g.split_once('/') else {
            if g.contains('.') {
                let parts: Vec<&str> = g.split('.').collect();
                let recommended = format!("{}/{}", parts.get(1).unwrap_or(&""), parts[0]);
                warnings.push(format!(
                    "using legacy gatewayName format {g:?}; prefer the <namespace>/<name> format: {recommended:?}"
                ));
            }
            if let Err(e) = validate_fqdn(g) {
                errs.push(e);
            }
            return;
        };
        if ns.is_empty() || name.is_empty() {
            errs.push("config namespace and gateway name cannot be empty");
        }
        if !is_dns1123_label(ns) {
            errs.push(format!("invalid value for namespace: {ns:?}"));
        }
        let invalid = match binding {
            InternalGatewayBinding::Version => !is_dns1123_label(name) && !gateway_semantics,
            // Deviation: let internal names (including the 1.28 `~` form) through on every version.
            InternalGatewayBinding::Accept => {
                !is_dns1123_label(name) && !gateway_semantics && !is_internal_gateway_name(name)
            }
            // Deviation: refuse any internal gateway name, with the 1.28 message.
            InternalGatewayBinding::Reject => {
                (!is_dns1123_label(name) || is_internal_gateway_name(name)) && !gateway_semantics
            }
        };
        if invalid {
            errs.push(format!("invalid value for gateway name: {name:?}"));
        }
    }
}

fn validate_percentage(p: Option<&Value>) -> Option<String> {
    let v = at(p?, &["value"]).and_then(Value::as_f64).unwrap_or(0.0);
    if !(0.0..=100.0).contains(&v) || (v > 0.0 && v < 0.0001) {
        return Some(format!(
            "percentage {} is neither 0.0, nor in range [0.0001, 100.0]",
            go_float(v)
        ));
    }
    None
}

/// Go's `%v` for a float64.
fn go_float(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e21 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn validate_fault(f: &Value, errs: &mut Errs, warnings: &mut Vec<String>) {
    let abort = at(f, &["abort"]);
    let delay = at(f, &["delay"]);
    let mut sub = Errs::default();
    if abort.is_none() && delay.is_none() {
        sub = Errs::multi_one("HTTP fault injection must have an abort and/or a delay");
    }
    if let Some(a) = abort {
        if let Some(e) = validate_percentage(at(a, &["percentage"])) {
            sub.push(e);
        }
        if let Some(s) = int_of(at(a, &["httpStatus"])) {
            if !(200..=600).contains(&s) {
                sub.push(format!("HTTP status {s} is not in range 200-599"));
            }
        } else if at(a, &["http2Error"]).is_some() {
            sub.push("HTTP/2 abort fault injection not supported yet");
        } else if at(a, &["grpcStatus"]).is_none() {
            warnings.push("abort configured, but error type not set".into());
        }
    }
    if let Some(d) = delay {
        if let Some(e) = validate_percentage(at(d, &["percentage"])) {
            sub.push(e);
        }
        if let Some(fd) = at(d, &["fixedDelay"]).and_then(Value::as_str) {
            match parse_duration(fd) {
                Some(dur) if dur.as_millis() >= 1 => {}
                _ => sub.push("duration must be greater than 1ms"),
            }
        }
    }
    errs.extend(sub);
}

fn validate_http_route(
    r: &Value,
    gateway_semantics: bool,
    errs: &mut Errs,
    warnings: &mut Vec<String>,
) {
    let has = |k: &str| at(r, &[k]).is_some_and(|v| !v.is_null());
    let routes = arr_at(r, &["route"]);
    if has("redirect") {
        if !routes.is_empty() {
            errs.push("HTTP route cannot contain both route and redirect");
        }
        if has("fault") {
            errs.push("HTTP route cannot contain both fault and redirect");
        }
    } else if has("directResponse") && !routes.is_empty() {
        errs.push("HTTP route cannot contain both route and direct_response");
    } else if routes.is_empty() && !has("delegate") && !has("directResponse") {
        errs.push("HTTP route, redirect or direct_response is required");
    }
    for m in arr_at(r, &["match"]) {
        validate_match_regexes(m, errs);
    }
    if let Some(f) = at(r, &["fault"]).filter(|f| !f.is_null()) {
        validate_fault(f, errs, warnings);
    }
    let mut sub = Errs::default();
    let mut total: i64 = 0;
    for d in routes {
        if at(d, &["destination"]).is_none() {
            sub = {
                let mut s = sub;
                if s.items.is_empty() {
                    s = Errs::multi_one("destination is required");
                } else {
                    s.push("destination is required");
                }
                s
            };
            continue;
        }
        let h = str_at(d, &["destination", "host"]);
        if !gateway_semantics {
            if h == "*" {
                sub.push(format!("invalid destination host {h}"));
            } else if let Err(e) = validate_wildcard_domain(h) {
                sub.push(e);
            }
        }
        let w = int_of(at(d, &["weight"])).unwrap_or(0);
        if w < 0 {
            sub.push(format!("weight {w} < 0"));
        }
        total += w;
    }
    if routes.len() > 1 && total == 0 {
        sub.push("total destination weight = 0");
    }
    errs.extend(sub);
}

/// The regex checks of `validateHTTPRouteMatchRequest` (virtualservice.go), in its order: every
/// `regex` StringMatch must be a non-empty RE2 pattern of at most 1024 bytes. Header names are
/// visited in sorted order (Go's map order is random). A `withoutHeaders` regex of `*` is not a
/// regex but Istio's "header present" spelling, so it is skipped as Istio does.
fn validate_match_regexes(m: &Value, errs: &mut Errs) {
    let mut check = |field: &str, sm: Option<&Value>| {
        if let Some(pattern) = sm.and_then(|sm| at(sm, &["regex"])).and_then(Value::as_str)
            && let Some(e) = super::regex::webhook_error(field, pattern)
        {
            errs.push(e);
        }
    };
    let by_name = |key: &str| {
        let mut entries: Vec<(&String, &Value)> = at(m, &[key])
            .and_then(Value::as_object)
            .map(|o| o.iter().collect())
            .unwrap_or_default();
        entries.sort_by_key(|&(name, _)| name);
        entries.into_iter().map(|(_, v)| v)
    };
    for h in by_name("headers") {
        check("headers", Some(h));
    }
    for h in by_name("withoutHeaders") {
        if str_at(h, &["regex"]) != "*" {
            check("withoutHeaders", Some(h));
        }
    }
    for field in ["uri", "scheme", "method", "authority"] {
        check(field, at(m, &[field]));
    }
    for q in by_name("queryParams") {
        check("queryParams", Some(q));
    }
}

/// `ValidateVirtualService`.
fn validate_virtual_service(o: Obj<'_>, profile: &IstioProfile) -> (Errs, Vec<String>) {
    let spec = o.spec();
    let mut errs = Errs::default();
    let mut warnings = vec![];
    let hosts = string_list(at(spec, &["hosts"]));
    let gateways = string_list(at(spec, &["gateways"]));
    if hosts.is_empty() && !gateways.is_empty() {
        errs.push("delegate virtual service must have no gateways specified");
    }
    let gateway_semantics = o.annotation("internal.istio.io/route-semantics") == Some("gateway");
    let applies_to_gateway = !gateways.is_empty() && gateways.iter().any(|g| g != "mesh");
    let applies_to_mesh = gateways.is_empty() || !applies_to_gateway;
    if !gateways.is_empty() {
        validate_gateway_names(
            &gateways,
            gateway_semantics,
            &profile.deviations,
            &mut errs,
            &mut warnings,
        );
    }
    for h in &hosts {
        if h.parse::<std::net::IpAddr>().is_ok() {
            continue;
        }
        if let Err(e) = validate_wildcard_domain(h) {
            errs.push(e);
        } else if applies_to_mesh && h == "*" {
            errs.push(
                "wildcard host * is not allowed for virtual services bound to the mesh gateway",
            );
        }
    }
    let http = arr_at(spec, &["http"]);
    if http.is_empty() && arr_at(spec, &["tcp"]).is_empty() && arr_at(spec, &["tls"]).is_empty() {
        errs.push("http, tcp or tls must be provided in virtual service");
    }
    for r in http {
        if r.is_null() {
            errs.push("http route may not be null");
            continue;
        }
        // Parsing first proves the route is usable by the model (wrong types read as absent).
        let _ = http_route_from(r);
        validate_http_route(r, gateway_semantics, &mut errs, &mut warnings);
    }
    (errs, warnings)
}

/// `ValidateGateway` (servers and hosts).
fn validate_gateway(o: Obj<'_>) -> (Errs, Vec<String>) {
    let mut errs = Errs::default();
    let servers = arr_at(o.spec(), &["servers"]);
    if servers.is_empty() {
        errs.push("gateway must have at least one server");
    }
    for s in servers {
        if string_list(at(s, &["hosts"])).is_empty() {
            errs.push("server config must contain at least one host");
        }
        match int_of(at(s, &["port", "number"])) {
            Some(n) if (1..=65535).contains(&n) => {}
            Some(n) => errs.push(format!("port number {n} must be in the range 1..65535")),
            None => errs.push("port is required"),
        }
    }
    (errs, vec![])
}

/// `ValidateDestinationRule` (host).
fn validate_destination_rule(o: Obj<'_>) -> (Errs, Vec<String>) {
    let mut errs = Errs::default();
    if let Err(e) = validate_wildcard_domain(str_at(o.spec(), &["host"])) {
        errs.push(e);
    }
    (errs, vec![])
}

/// What the webhook says about an object on create or update: `Ok(warnings)` or a denial with the real
/// message. Objects outside the webhook's groups are allowed without warnings.
pub(crate) fn validate(
    obj: &Value,
    _v: &IstioVersion,
    profile: &IstioProfile,
) -> Result<Vec<String>, Denial> {
    let o = Obj(obj);
    if group_of(str_at(obj, &["apiVersion"])) != NETWORKING_GROUP {
        return Ok(vec![]);
    }
    let (errs, warnings) = match str_at(obj, &["kind"]) {
        "VirtualService" => validate_virtual_service(o, profile),
        "Gateway" => validate_gateway(o),
        "DestinationRule" => validate_destination_rule(o),
        _ => (Errs::default(), vec![]),
    };
    match errs.render() {
        None => Ok(warnings),
        Some(m) => Err(Denial {
            reason: format!("configuration is invalid: {m}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vs(gateway: &str) -> Value {
        json!({"apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
            "metadata": {"name": "httpbin-headers", "namespace": "sample-ingress"},
            "spec": {"hosts": ["httpbin.example.com"], "gateways": [gateway],
                "http": [{"match": [{"uri": {"exact": "/headers"}}],
                    "fault": {"abort": {"percentage": {"value": 50}, "httpStatus": 500}},
                    "route": [{"destination": {"host": "httpbin", "port": {"number": 8000}}}]}]}})
    }

    #[test]
    fn blog_gateway_names() {
        let p27 = IstioProfile::default();
        let v27 = IstioVersion::new(1, 27, 0);
        let err = validate(
            &vs("gateway.networking.k8s.io:example-gateway.default"),
            &v27,
            &p27,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "admission webhook \"validation.istio.io\" denied the request: configuration is invalid: \
             domain name \"gateway.networking.k8s.io:example-gateway.default\" invalid (label \"io:example-gateway\" invalid)"
        );
        assert!(
            validate(
                &vs("sample-ingress/example-gateway-istio-autogenerated-k8s-gateway-default"),
                &v27,
                &p27
            )
            .is_ok()
        );
        let tilde = "sample-ingress/example-gateway~istio-autogenerated-k8s-gateway~default";
        let err = validate(&vs(tilde), &v27, &p27).unwrap_err();
        assert_eq!(
            err.reason,
            "configuration is invalid: invalid value for gateway name: \"example-gateway~istio-autogenerated-k8s-gateway~default\""
        );
        let mut accept = p27.clone();
        accept.deviations.internal_gateway_binding = InternalGatewayBinding::Accept;
        assert!(validate(&vs(tilde), &v27, &accept).is_ok());
        let mut reject = p27.clone();
        reject.deviations.internal_gateway_binding = InternalGatewayBinding::Reject;
        assert!(
            validate(
                &vs("sample-ingress/example-gateway-istio-autogenerated-k8s-gateway-default"),
                &v27,
                &reject
            )
            .is_err()
        );
    }

    #[test]
    fn legacy_name_warns_then_fails() {
        let mut obj = vs("example-gateway.default");
        obj["spec"]["gateways"] = json!(["example-gateway.default"]);
        let w = validate(&obj, &IstioVersion::DEFAULT, &IstioProfile::default()).unwrap();
        assert_eq!(
            w,
            vec!["using legacy gatewayName format \"example-gateway.default\"; prefer the <namespace>/<name> format: \"default/example-gateway\"".to_string()]
        );
    }

    #[test]
    fn faults_and_multierrors() {
        let p = IstioProfile::default();
        let v = IstioVersion::DEFAULT;
        let mut obj = vs("mesh");
        obj["spec"]["http"][0]["fault"] =
            json!({"abort": {"percentage": {"value": 150}, "httpStatus": 700}});
        let e = validate(&obj, &v, &p).unwrap_err();
        assert_eq!(
            e.reason,
            "configuration is invalid: 2 errors occurred:\n\t* percentage 150 is neither 0.0, nor in range [0.0001, 100.0]\n\t* HTTP status 700 is not in range 200-599\n\n"
        );
        obj["spec"]["http"][0]["fault"] = json!({});
        let e = validate(&obj, &v, &p).unwrap_err();
        assert_eq!(
            e.reason,
            "configuration is invalid: 1 error occurred:\n\t* HTTP fault injection must have an abort and/or a delay\n\n"
        );
        let mut mesh_star = vs("mesh");
        mesh_star["spec"]["gateways"] = json!([]);
        mesh_star["spec"]["hosts"] = json!(["*"]);
        assert!(validate(&mesh_star, &v, &p).is_err());
        let other = json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute"});
        assert_eq!(validate(&other, &v, &p), Ok(vec![]));
        let ns_bad =
            json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "spec": "x"});
        assert!(validate(&ns_bad, &v, &p).is_err());
    }

    /// `validateHTTPRouteMatchRequest`: invalid, empty and oversized regexes are denied where
    /// they appear; `withoutHeaders: {x: {regex: "*"}}` is Istio's "present" spelling.
    #[test]
    fn regex_matches_are_checked() {
        let p = IstioProfile::default();
        let v = IstioVersion::DEFAULT;
        let mut obj = vs("mesh");
        obj["spec"]["http"][0]["match"] = json!([{
            "uri": {"regex": "/v[0-9]+/.*"},
            "headers": {"x-b": {"regex": "a|b"}},
            "withoutHeaders": {"x-present": {"regex": "*"}},
        }]);
        assert_eq!(validate(&obj, &v, &p), Ok(vec![]));
        obj["spec"]["http"][0]["match"] = json!([{"uri": {"regex": "/(x"}}]);
        assert_eq!(
            validate(&obj, &v, &p).unwrap_err().reason,
            "configuration is invalid: \"uri\": error parsing regexp: unclosed group: `/(x`; \
             Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)"
        );
        obj["spec"]["http"][0]["match"] = json!([{
            "queryParams": {"q": {"regex": ""}},
            "headers": {"x-b": {"regex": "*"}, "x-a": {"exact": "1"}},
        }]);
        let e = validate(&obj, &v, &p).unwrap_err().reason;
        assert!(e.starts_with("configuration is invalid: 2 errors occurred:\n\t* \"headers\": error parsing regexp: repetition operator missing expression: `*`;"), "{e}");
        assert!(
            e.ends_with("\n\t* \"queryParams\": regex string match should not be empty\n\n"),
            "{e}"
        );
    }
}
