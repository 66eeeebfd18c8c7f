//! istiod's internal configuration: Istio Gateways, VirtualServices and DestinationRules, whether written
//! by users or generated from Gateway API objects.
//!
//! The shapes follow `istio.io/api/networking/v1alpha3` (`virtual_service.proto`, `gateway.proto`,
//! `destination_rule.proto`); they serialize to the same JSON field names, which is what configz shows.
//! Parsing from user objects is lenient: a field with a wrong type is treated as absent (the real
//! webhook rejects such objects first; see `validation.rs`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::regex::SafeRegex;
use super::snapshot::{Obj, arr_at, at, int_of, str_at, string_list, string_map};

/// Annotation marking a VirtualService with Gateway API semantics (`constants.InternalRouteSemantics`).
pub(super) const ROUTE_SEMANTICS: &str = "internal.istio.io/route-semantics";
/// Annotation marking a generated Gateway (`constants.InternalGatewaySemantics`).
pub(super) const GATEWAY_SEMANTICS: &str = "internal.istio.io/gateway-semantics";
/// Annotation naming the Service a generated Gateway binds to (`model.InternalGatewayServiceAnnotation`).
pub(crate) const GATEWAY_SERVICE: &str = "internal.istio.io/gateway-service";
/// Annotation naming the Gateway API parents (`constants.InternalParentNames`).
pub(super) const PARENTS: &str = "internal.istio.io/parents";

/// Metadata shared by all internal configs.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Meta {
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Creation time in Unix seconds (Kubernetes' 1 s resolution).
    pub creation: i64,
    /// `creationTimestamp` as written (for configz).
    pub creation_raw: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
    /// `metadata.generation`.
    pub generation: i64,
    /// `metadata.resourceVersion` (empty for generated configs).
    pub resource_version: String,
    /// `metadata.uid` (empty for generated configs).
    pub uid: String,
}

impl Meta {
    /// Metadata of a user object.
    pub(crate) fn from_obj(o: Obj<'_>) -> Meta {
        Meta {
            name: o.name().to_string(),
            namespace: o.namespace().to_string(),
            creation: o.creation(),
            creation_raw: o.creation_raw().to_string(),
            labels: o.labels(),
            annotations: o.annotations(),
            generation: o.generation(),
            resource_version: o.resource_version().to_string(),
            uid: o.uid().to_string(),
        }
    }
}

/// An Istio `StringMatch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum StringMatch {
    /// Exact string.
    Exact(String),
    /// Prefix.
    Prefix(String),
    /// RE2 regular expression (full match), compiled when the configuration is read.
    Regex(SafeRegex),
}

impl StringMatch {
    /// Parses `{exact|prefix|regex: ...}`.
    pub(crate) fn from_value(v: &Value) -> Option<StringMatch> {
        if let Some(s) = at(v, &["exact"]).and_then(Value::as_str) {
            return Some(StringMatch::Exact(s.to_string()));
        }
        if let Some(s) = at(v, &["prefix"]).and_then(Value::as_str) {
            return Some(StringMatch::Prefix(s.to_string()));
        }
        at(v, &["regex"])
            .and_then(Value::as_str)
            .map(|s| StringMatch::Regex(SafeRegex::new(s)))
    }

    /// Whether a value matches (Envoy `StringMatcher` semantics; regex is a full match).
    pub(crate) fn matches(&self, value: &str) -> bool {
        match self {
            StringMatch::Exact(e) => value == e,
            StringMatch::Prefix(p) => value.starts_with(p.as_str()),
            StringMatch::Regex(r) => r.is_match(value),
        }
    }
}

/// One `HTTPMatchRequest`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HttpMatch {
    /// Match name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Path match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<StringMatch>,
    /// Header matches (lower-case names).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, StringMatch>,
    /// Headers that must not match.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub without_headers: BTreeMap<String, StringMatch>,
    /// Query parameter matches.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub query_params: BTreeMap<String, StringMatch>,
    /// Method match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<StringMatch>,
    /// Authority (Host) match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority: Option<StringMatch>,
    /// Destination port the route applies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Gateways the match applies to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Client workload labels.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub source_labels: BTreeMap<String, String>,
    /// Client namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
    /// Case-insensitive path matching.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ignore_uri_case: bool,
}

/// Header manipulation for one direction.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub(crate) struct HeaderOps {
    /// Overwrite.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, String>,
    /// Append.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub add: BTreeMap<String, String>,
    /// Remove.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
}

impl HeaderOps {
    fn from_value(v: Option<&Value>) -> HeaderOps {
        let Some(v) = v else {
            return HeaderOps::default();
        };
        HeaderOps {
            set: string_map(at(v, &["set"])),
            add: string_map(at(v, &["add"])),
            remove: string_list(at(v, &["remove"])),
        }
    }

    /// Whether nothing is manipulated.
    pub(crate) fn is_empty(&self) -> bool {
        self.set.is_empty() && self.add.is_empty() && self.remove.is_empty()
    }
}

/// `Headers`: request and response manipulation.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub(crate) struct Headers {
    /// Request headers.
    #[serde(skip_serializing_if = "HeaderOps::is_empty")]
    pub request: HeaderOps,
    /// Response headers.
    #[serde(skip_serializing_if = "HeaderOps::is_empty")]
    pub response: HeaderOps,
}

impl Headers {
    fn from_value(v: Option<&Value>) -> Headers {
        Headers {
            request: HeaderOps::from_value(v.and_then(|v| at(v, &["request"]))),
            response: HeaderOps::from_value(v.and_then(|v| at(v, &["response"]))),
        }
    }
    /// Whether nothing is manipulated.
    pub(crate) fn is_empty(&self) -> bool {
        self.request.is_empty() && self.response.is_empty()
    }
}

/// A `Destination`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub(crate) struct Destination {
    /// Host (FQDN after short-name resolution).
    pub host: String,
    /// DestinationRule subset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// Port selector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
}

/// `PortSelector`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct PortSelector {
    /// Port number.
    pub number: u32,
}

/// An `HTTPRouteDestination`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub(crate) struct RouteDestination {
    /// Where to send.
    pub destination: Destination,
    /// Relative weight (0 = unset).
    #[serde(skip_serializing_if = "is_zero")]
    pub weight: i32,
    /// Per-destination header manipulation.
    #[serde(skip_serializing_if = "Headers::is_empty")]
    pub headers: Headers,
}

fn is_zero(v: &i32) -> bool {
    *v == 0
}

/// `HTTPFaultInjection.Abort` / `.Delay` percentage as written.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct Percent {
    /// 0 to 100.
    pub value: f64,
}

/// A fault delay.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FaultDelay {
    /// The fixed delay.
    #[serde(serialize_with = "ser_duration")]
    pub fixed_delay: Duration,
    /// `percentage` (takes precedence over the deprecated integer `percent`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Percent>,
    /// Deprecated integer percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<u32>,
}

/// A fault abort.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FaultAbort {
    /// HTTP status to return.
    pub http_status: u32,
    /// Share of requests; absent means 0 (never).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Percent>,
}

/// `HTTPFaultInjection`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub(crate) struct Fault {
    /// Delay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<FaultDelay>,
    /// Abort.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abort: Option<FaultAbort>,
}

/// Envoy's `FractionalPercent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fraction {
    /// Numerator.
    pub numerator: u32,
    /// Denominator (100 or 1,000,000).
    pub denominator: u32,
}

impl Fraction {
    /// `translatePercentToFractionalPercent` (pilot/pkg/networking/core/route/route.go): value*10000 over a
    /// million, truncated.
    pub(crate) fn from_percent(p: Option<Percent>) -> Fraction {
        let v = p.map(|p| p.value).unwrap_or(0.0);
        let n = (v * 10000.0).clamp(0.0, 1_000_000.0) as u32;
        Fraction {
            numerator: n,
            denominator: 1_000_000,
        }
    }

    /// Draws once: `random % denominator < numerator` (Envoy `evaluateFractionalPercent`).
    pub(super) fn draw(&self, rng: &mut impl rand::Rng) -> bool {
        let r: u64 = rng.random();
        (r % u64::from(self.denominator.max(1))) < u64::from(self.numerator)
    }
}

/// `HTTPDirectResponse`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct DirectResponse {
    /// Status code.
    pub status: u32,
    /// Body (string form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// `HTTPRedirect`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Redirect {
    /// Path replacement.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uri: String,
    /// Authority replacement.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub authority: String,
    /// Scheme replacement.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scheme: String,
    /// Port replacement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Status (default 301).
    pub redirect_code: u32,
}

/// `HTTPRewrite`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub(crate) struct Rewrite {
    /// Replaces the matched prefix (or the whole path for an exact match).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uri: String,
    /// Replaces the Host header.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub authority: String,
}

/// One `HTTPRoute` of a VirtualService.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HttpRoute {
    /// Route name (generated: `<ns>.<route>.<ruleIndex>` or the rule's name).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Matches (empty = match everything).
    #[serde(rename = "match", skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<HttpMatch>,
    /// Weighted destinations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<RouteDestination>,
    /// Redirect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect: Option<Redirect>,
    /// Direct response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direct_response: Option<DirectResponse>,
    /// Rewrite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<Rewrite>,
    /// Request timeout.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_duration"
    )]
    pub timeout: Option<Duration>,
    /// Fault injection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    /// Header manipulation.
    #[serde(skip_serializing_if = "Headers::is_empty")]
    pub headers: Headers,
}

fn ser_duration<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_duration(*d))
}

fn ser_opt_duration<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&format_duration(*d)),
        None => s.serialize_none(),
    }
}

/// Proto-JSON duration text (`1.500s`).
pub(super) fn format_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}.{:03}s", d.as_secs(), d.subsec_millis())
    }
}

/// Parses a proto-JSON duration (`1.5s`) or a Go/Gateway API duration (`100ms`, `1h2m3s`).
pub(crate) fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += n * mult;
        rest = &rest[unit_len..];
    }
    (total.is_finite() && total >= 0.0).then(|| Duration::from_secs_f64(total))
}

/// Where a config came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Written by a user (a `networking.istio.io` object).
    User,
    /// Generated from Gateway API objects.
    Generated,
}

/// A VirtualService.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VirtualService {
    /// Metadata.
    pub meta: Meta,
    /// Hosts (FQDNs after short-name resolution).
    pub hosts: Vec<String>,
    /// Gateways (`ns/name` after resolution, or `mesh`); empty means `mesh`.
    pub gateways: Vec<String>,
    /// HTTP routes.
    pub http: Vec<HttpRoute>,
    /// `exportTo`.
    pub export_to: Vec<String>,
    /// User or generated.
    pub origin: Origin,
    /// The user's spec as written (configz shows it).
    pub raw_spec: Option<Value>,
}

impl VirtualService {
    /// `model.UseGatewaySemantics`: the route-semantics annotation is `gateway`.
    pub(crate) fn gateway_semantics(&self) -> bool {
        self.meta
            .annotations
            .get(ROUTE_SEMANTICS)
            .map(String::as_str)
            == Some("gateway")
    }

    /// The gateways this VS binds to (`getGatewayNames`: none means `mesh`).
    pub(crate) fn gateway_names(&self) -> Vec<String> {
        if self.gateways.is_empty() {
            vec!["mesh".to_string()]
        } else {
            self.gateways.clone()
        }
    }

    /// The spec as JSON (the user's as written, or the generated one).
    pub(crate) fn spec_json(&self) -> Value {
        if let Some(r) = &self.raw_spec {
            return r.clone();
        }
        let mut m = serde_json::Map::new();
        m.insert("hosts".into(), serde_json::json!(self.hosts));
        if !self.gateways.is_empty() {
            m.insert("gateways".into(), serde_json::json!(self.gateways));
        }
        m.insert(
            "http".into(),
            serde_json::to_value(&self.http).unwrap_or(Value::Null),
        );
        Value::Object(m)
    }

    /// Parses a user VirtualService (no short-name resolution yet).
    pub(crate) fn from_obj(o: Obj<'_>) -> VirtualService {
        let spec = o.spec();
        VirtualService {
            meta: Meta::from_obj(o),
            hosts: string_list(at(spec, &["hosts"])),
            gateways: string_list(at(spec, &["gateways"])),
            http: arr_at(spec, &["http"])
                .iter()
                .filter(|r| r.is_object())
                .map(http_route_from)
                .collect(),
            export_to: string_list(at(spec, &["exportTo"])),
            origin: Origin::User,
            raw_spec: Some(spec.clone()),
        }
    }
}

fn match_map(v: Option<&Value>) -> BTreeMap<String, StringMatch> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    StringMatch::from_value(v).map(|s| (k.to_ascii_lowercase(), s))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn port_of(v: Option<&Value>) -> Option<u32> {
    int_of(v)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n > 0)
}

fn percent_of(v: Option<&Value>) -> Option<Percent> {
    let v = v?;
    let value = at(v, &["value"]).and_then(Value::as_f64).unwrap_or(0.0);
    Some(Percent { value })
}

/// Parses one user `HTTPRoute`.
pub(super) fn http_route_from(r: &Value) -> HttpRoute {
    let matches = arr_at(r, &["match"])
        .iter()
        .map(|m| HttpMatch {
            name: str_at(m, &["name"]).to_string(),
            uri: at(m, &["uri"]).and_then(StringMatch::from_value),
            headers: match_map(at(m, &["headers"])),
            without_headers: match_map(at(m, &["withoutHeaders"])),
            query_params: at(m, &["queryParams"])
                .and_then(Value::as_object)
                .map(|q| {
                    q.iter()
                        .filter_map(|(k, v)| StringMatch::from_value(v).map(|s| (k.clone(), s)))
                        .collect()
                })
                .unwrap_or_default(),
            method: at(m, &["method"]).and_then(StringMatch::from_value),
            authority: at(m, &["authority"]).and_then(StringMatch::from_value),
            port: port_of(at(m, &["port"])),
            gateways: string_list(at(m, &["gateways"])),
            source_labels: string_map(at(m, &["sourceLabels"])),
            source_namespace: at(m, &["sourceNamespace"])
                .and_then(Value::as_str)
                .map(str::to_string),
            ignore_uri_case: at(m, &["ignoreUriCase"]).and_then(Value::as_bool) == Some(true),
        })
        .collect();
    let route = arr_at(r, &["route"])
        .iter()
        .map(|d| RouteDestination {
            destination: Destination {
                host: str_at(d, &["destination", "host"]).to_string(),
                subset: at(d, &["destination", "subset"])
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                port: port_of(at(d, &["destination", "port", "number"]))
                    .map(|number| PortSelector { number }),
            },
            weight: int_of(at(d, &["weight"]))
                .and_then(|w| i32::try_from(w).ok())
                .unwrap_or(0),
            headers: Headers::from_value(at(d, &["headers"])),
        })
        .collect();
    let fault = at(r, &["fault"]).filter(|f| f.is_object()).map(|f| Fault {
        delay: at(f, &["delay"]).and_then(|d| {
            Some(FaultDelay {
                fixed_delay: parse_duration(at(d, &["fixedDelay"])?.as_str()?)?,
                percentage: percent_of(at(d, &["percentage"])),
                percent: int_of(at(d, &["percent"])).and_then(|p| u32::try_from(p).ok()),
            })
        }),
        abort: at(f, &["abort"]).and_then(|a| {
            Some(FaultAbort {
                http_status: u32::try_from(int_of(at(a, &["httpStatus"]))?).ok()?,
                percentage: percent_of(at(a, &["percentage"])),
            })
        }),
    });
    HttpRoute {
        name: str_at(r, &["name"]).to_string(),
        matches,
        route,
        redirect: at(r, &["redirect"])
            .filter(|v| v.is_object())
            .map(|v| Redirect {
                uri: str_at(v, &["uri"]).to_string(),
                authority: str_at(v, &["authority"]).to_string(),
                scheme: str_at(v, &["scheme"]).to_string(),
                port: port_of(at(v, &["port"])),
                redirect_code: port_of(at(v, &["redirectCode"])).unwrap_or(301),
            }),
        direct_response: at(r, &["directResponse"]).and_then(|v| {
            Some(DirectResponse {
                status: port_of(at(v, &["status"]))?,
                body: at(v, &["body", "string"])
                    .and_then(Value::as_str)
                    .map(str::to_string),
            })
        }),
        rewrite: at(r, &["rewrite"])
            .filter(|v| v.is_object())
            .map(|v| Rewrite {
                uri: str_at(v, &["uri"]).to_string(),
                authority: str_at(v, &["authority"]).to_string(),
            }),
        timeout: at(r, &["timeout"])
            .and_then(Value::as_str)
            .and_then(parse_duration),
        fault,
        headers: Headers::from_value(at(r, &["headers"])),
    }
}

/// One `Server` of an Istio Gateway.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Server {
    /// Port.
    pub port: ServerPort,
    /// `ns/host` patterns (a bare host means `*/host`).
    pub hosts: Vec<String>,
}

/// A server's `Port`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ServerPort {
    /// Port number.
    pub number: u32,
    /// Upper-case protocol (HTTP, HTTPS, TCP, TLS).
    pub protocol: String,
    /// Port name.
    pub name: String,
}

/// An Istio Gateway.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IstioGateway {
    /// Metadata.
    pub meta: Meta,
    /// Workload selector (user Gateways).
    pub selector: BTreeMap<String, String>,
    /// Servers.
    pub servers: Vec<Server>,
    /// User or generated.
    pub origin: Origin,
    /// The user's spec as written.
    pub raw_spec: Option<Value>,
}

impl IstioGateway {
    /// Parses a user `networking.istio.io` Gateway.
    pub(crate) fn from_obj(o: Obj<'_>) -> IstioGateway {
        let spec = o.spec();
        IstioGateway {
            meta: Meta::from_obj(o),
            selector: string_map(at(spec, &["selector"])),
            servers: arr_at(spec, &["servers"])
                .iter()
                .filter_map(|s| {
                    Some(Server {
                        port: ServerPort {
                            number: port_of(at(s, &["port", "number"]))?,
                            protocol: str_at(s, &["port", "protocol"]).to_ascii_uppercase(),
                            name: str_at(s, &["port", "name"]).to_string(),
                        },
                        hosts: string_list(at(s, &["hosts"])),
                    })
                })
                .collect(),
            origin: Origin::User,
            raw_spec: Some(spec.clone()),
        }
    }

    /// The spec as JSON.
    pub(crate) fn spec_json(&self) -> Value {
        if let Some(r) = &self.raw_spec {
            return r.clone();
        }
        serde_json::json!({"servers": self.servers})
    }
}

/// A DestinationRule (only what routing needs: subsets).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DestinationRule {
    /// Metadata.
    pub meta: Meta,
    /// `host` (FQDN after resolution).
    pub host: String,
    /// Subset name → labels.
    pub subsets: BTreeMap<String, BTreeMap<String, String>>,
    /// `exportTo`.
    pub export_to: Vec<String>,
    /// The spec as written.
    pub raw_spec: Value,
}

impl DestinationRule {
    /// Parses a DestinationRule.
    pub(crate) fn from_obj(o: Obj<'_>) -> DestinationRule {
        let spec = o.spec();
        DestinationRule {
            meta: Meta::from_obj(o),
            host: str_at(spec, &["host"]).to_string(),
            subsets: arr_at(spec, &["subsets"])
                .iter()
                .map(|s| {
                    (
                        str_at(s, &["name"]).to_string(),
                        string_map(at(s, &["labels"])),
                    )
                })
                .collect(),
            export_to: string_list(at(spec, &["exportTo"])),
            raw_spec: spec.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("0.5s"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("100ms"), Some(Duration::from_millis(100)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("x"), None);
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.500s");
    }

    #[test]
    fn fractions() {
        let f = Fraction::from_percent(Some(Percent { value: 50.0 }));
        assert_eq!(f.numerator, 500_000);
        assert_eq!(Fraction::from_percent(None).numerator, 0);
        assert_eq!(
            Fraction::from_percent(Some(Percent { value: 0.00015 })).numerator,
            1
        );
    }

    #[test]
    fn parses_a_route_leniently() {
        let r = http_route_from(&json!({
            "match": [{"uri": {"exact": "/headers"}, "headers": {"X-A": {"prefix": "b"}}, "port": "x"}],
            "fault": {"abort": {"percentage": {"value": 50}, "httpStatus": 500}},
            "route": [{"destination": {"host": "httpbin", "port": {"number": 8000}}, "weight": "w"}]
        }));
        assert_eq!(
            r.matches[0].uri,
            Some(StringMatch::Exact("/headers".into()))
        );
        assert!(r.matches[0].headers.contains_key("x-a"));
        assert_eq!(r.matches[0].port, None);
        assert_eq!(r.route[0].weight, 0);
        let abort = r.fault.unwrap().abort.unwrap();
        assert_eq!(abort.http_status, 500);
    }

    /// A regex StringMatch is an Envoy `safe_regex`: a full match, and it renders (configz) as
    /// the pattern written.
    #[test]
    fn regex_string_match_is_a_full_match() {
        let m = StringMatch::from_value(&json!({"regex": "/v[0-9]+"})).unwrap();
        assert!(m.matches("/v12"));
        assert!(!m.matches("/v12/x"));
        assert!(!m.matches("x/v12"));
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"regex": "/v[0-9]+"})
        );
    }
}
