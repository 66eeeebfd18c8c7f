//! `mccutchen/go-httpbin` v2.15 (httpbin/httpbin.go, handlers.go, helpers.go,
//! middleware.go): Go 1.22 ServeMux routing, Go's canonical header names, header values as
//! JSON arrays, two-space-indented JSON, `origin` = first X-Forwarded-For hop or the peer
//! `ip:port`, CORS headers on every response and OPTIONS answered for any path.

use std::time::Duration;

use bytes::Bytes;

use super::super::json::{Json, NumberStyle, base64};
use super::kong_httpbin::{random_u64, uuid4};
use super::{InboundRequest, OutboundResponse, PodContext, parse_query};

const JSON_TYPE: &str = "application/json; charset=utf-8";
const TEXT_TYPE: &str = "text/plain; charset=utf-8";
const HTML_TYPE: &str = "text/html; charset=utf-8";

/// httpbin.go DefaultMaxDuration.
const MAX_DURATION: Duration = Duration::from_secs(10);

/// `$HOST:$PORT` or the defaults, as the startup log line prints it (cmd.go).
pub(crate) fn listen_addr(env: &[(String, String)]) -> String {
    let get = |k: &str| {
        env.iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let host = get("HOST").unwrap_or("0.0.0.0");
    let port = get("PORT")
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(8080);
    format!("{host}:{port}")
}

/// The `-port` flag, else `$PORT`, else 8080 (cmd.go loadConfig).
pub(super) fn listen_port(env: &[(String, String)], command: &[String]) -> u16 {
    let mut it = command.iter();
    while let Some(a) = it.next() {
        let flag = a.trim_start_matches('-');
        if a.starts_with('-') {
            if let Some(v) = flag.strip_prefix("port=") {
                if let Ok(p) = v.parse() {
                    return p;
                }
            } else if flag == "port"
                && let Some(p) = it.next().and_then(|v| v.parse().ok())
            {
                return p;
            }
        }
    }
    listen_addr(env)
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080)
}

/// Go's textproto.CanonicalMIMEHeaderKey: names with bytes outside the token set are kept.
pub(super) fn canonical_key(name: &str) -> String {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if !name.bytes().all(token) {
        return name.to_string();
    }
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Route {
    Index,
    Get,
    Anything,
    WithBody,
    Headers,
    Ip,
    UserAgent,
    Uuid,
    Hostname,
    Status,
    Delay,
}

pub(super) fn serve(pod: &PodContext, req: &InboundRequest) -> OutboundResponse {
    let mut headers: Vec<(String, String)> = vec![
        (
            "Access-Control-Allow-Origin".into(),
            req.header("origin").unwrap_or("*").to_string(),
        ),
        ("Access-Control-Allow-Credentials".into(), "true".into()),
    ];
    // middleware.go preflight answers OPTIONS before routing.
    if req.method == "OPTIONS" {
        headers.push((
            "Access-Control-Allow-Methods".into(),
            "GET, POST, HEAD, PUT, DELETE, PATCH, OPTIONS".into(),
        ));
        headers.push(("Access-Control-Max-Age".into(), "3600".into()));
        if let Some(h) = req.header("access-control-request-headers") {
            headers.push(("Access-Control-Allow-Headers".into(), h.to_string()));
        }
        return finish(req, 200, headers, Bytes::new(), Duration::ZERO);
    }
    let path = req.path();
    let segment = |prefix: &str| {
        path.strip_prefix(prefix)
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
    };
    // (route, methods it is registered for; empty = any)
    let found: Option<(Route, &[&str])> = match path {
        "/" => Some((Route::Index, &["GET"])),
        "/get" => Some((Route::Get, &["GET"])),
        "/head" => Some((Route::Get, &["HEAD"])),
        "/post" => Some((Route::WithBody, &["POST"])),
        "/put" => Some((Route::WithBody, &["PUT"])),
        "/patch" => Some((Route::WithBody, &["PATCH"])),
        "/delete" => Some((Route::WithBody, &["DELETE"])),
        "/anything" => Some((Route::Anything, &[])),
        p if p.starts_with("/anything/") => Some((Route::Anything, &[])),
        "/headers" => Some((Route::Headers, &[])),
        "/ip" => Some((Route::Ip, &[])),
        "/user-agent" => Some((Route::UserAgent, &[])),
        "/uuid" => Some((Route::Uuid, &[])),
        "/hostname" => Some((Route::Hostname, &[])),
        _ if segment("/status/").is_some() => Some((Route::Status, &[])),
        _ if segment("/delay/").is_some() => Some((Route::Delay, &[])),
        _ => None,
    };
    let Some((route, methods)) = found else {
        return go_error(req, headers, 404, "404 page not found", None);
    };
    // A GET pattern also matches HEAD (net/http ServeMux).
    let allowed = methods.is_empty()
        || methods.contains(&req.method.as_str())
        || (req.method == "HEAD" && methods.contains(&"GET"));
    if !allowed {
        let mut allow: Vec<&str> = methods.to_vec();
        if allow.contains(&"GET") {
            allow.push("HEAD");
        }
        return go_error(
            req,
            headers,
            405,
            "Method Not Allowed",
            Some(allow.join(", ")),
        );
    }
    match route {
        Route::Index => {
            let body = "<!DOCTYPE html>\n<html>\n<head><title>go-httpbin</title></head>\n<body>[simulator] the go-httpbin index page is not modelled</body>\n</html>\n";
            headers.push(("Content-Type".into(), HTML_TYPE.into()));
            finish(req, 200, headers, Bytes::from(body), Duration::ZERO)
        }
        Route::Get => json(req, headers, 200, no_body_response(req)),
        Route::Anything if req.method == "HEAD" => json(req, headers, 200, no_body_response(req)),
        Route::Anything | Route::WithBody => match body_response(req) {
            Ok(v) => json(req, headers, 200, v),
            Err(detail) => error_json(
                req,
                headers,
                400,
                &format!("error parsing request body: {detail}"),
            ),
        },
        Route::Headers => json(
            req,
            headers,
            200,
            Json::Obj(vec![("headers".into(), request_headers(req))]),
        ),
        Route::Ip => json(
            req,
            headers,
            200,
            Json::Obj(vec![("origin".into(), Json::str(client_ip(req)))]),
        ),
        Route::UserAgent => json(
            req,
            headers,
            200,
            Json::Obj(vec![(
                "user-agent".into(),
                Json::str(req.header("user-agent").unwrap_or("")),
            )]),
        ),
        Route::Uuid => json(
            req,
            headers,
            200,
            Json::Obj(vec![("uuid".into(), Json::str(uuid4()))]),
        ),
        Route::Hostname => {
            let real = pod
                .env
                .iter()
                .rev()
                .find(|(k, _)| k == "USE_REAL_HOSTNAME")
                .is_some_and(|(_, v)| v == "1" || v == "true");
            let name = if real {
                pod.hostname.clone()
            } else {
                "go-httpbin".into()
            };
            json(
                req,
                headers,
                200,
                Json::Obj(vec![("hostname".into(), Json::str(name))]),
            )
        }
        Route::Status => status(req, headers, path.strip_prefix("/status/").unwrap_or("")),
        Route::Delay => {
            let raw = path.strip_prefix("/delay/").unwrap_or("");
            match parse_bounded_duration(raw) {
                Err(e) => error_json(req, headers, 400, &format!("invalid duration: {e}")),
                Ok(d) => {
                    headers.push((
                        "Server-Timing".into(),
                        format!(
                            "initial_delay;dur={:.2};desc=\"initial delay\"",
                            d.as_secs_f64() * 1e3
                        ),
                    ));
                    match body_response(req) {
                        Ok(v) => {
                            let mut r = json(req, headers, 200, v);
                            r.processing = d;
                            r
                        }
                        Err(detail) => error_json(
                            req,
                            headers,
                            400,
                            &format!("error parsing request body: {detail}"),
                        ),
                    }
                }
            }
        }
    }
}

/// Write the response as net/http does: the handler's headers sorted by name, then `Date`
/// and a computed `Content-Length` (not for HEAD, 1xx, 204, 304).
fn finish(
    req: &InboundRequest,
    status: u16,
    mut headers: Vec<(String, String)>,
    body: Bytes,
    processing: Duration,
) -> OutboundResponse {
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    headers.push(("Date".into(), req.date()));
    let body_allowed = !(100..200).contains(&status) && status != 204 && status != 304;
    let head = req.method == "HEAD";
    if body_allowed && !head && !headers.iter().any(|(k, _)| k == "Content-Length") {
        headers.push(("Content-Length".into(), body.len().to_string()));
    }
    OutboundResponse {
        status,
        reason: None,
        headers,
        body: if head || !body_allowed {
            Bytes::new()
        } else {
            body
        },
        processing,
    }
}

fn json(
    req: &InboundRequest,
    mut headers: Vec<(String, String)>,
    status: u16,
    v: Json,
) -> OutboundResponse {
    headers.push(("Content-Type".into(), JSON_TYPE.into()));
    finish(
        req,
        status,
        headers,
        Bytes::from(v.to_go_indented()),
        Duration::ZERO,
    )
}

/// helpers.go writeError: `{"status_code": N, "error": StatusText, "detail": ...}`.
fn error_json(
    req: &InboundRequest,
    headers: Vec<(String, String)>,
    code: u16,
    detail: &str,
) -> OutboundResponse {
    let v = Json::Obj(vec![
        ("status_code".into(), Json::Num(code.to_string())),
        (
            "error".into(),
            Json::str(super::super::net::reason_phrase(code)),
        ),
        ("detail".into(), Json::str(detail)),
    ]);
    json(req, headers, code, v)
}

/// net/http Error: plain text, nosniff, the message and a newline.
fn go_error(
    req: &InboundRequest,
    mut headers: Vec<(String, String)>,
    code: u16,
    msg: &str,
    allow: Option<String>,
) -> OutboundResponse {
    if let Some(a) = allow {
        headers.push(("Allow".into(), a));
    }
    headers.push(("Content-Type".into(), TEXT_TYPE.into()));
    headers.push(("X-Content-Type-Options".into(), "nosniff".into()));
    finish(
        req,
        code,
        headers,
        Bytes::from(format!("{msg}\n")),
        Duration::ZERO,
    )
}

/// helpers.go getRequestHeaders: `r.Header` (canonical names, one array per name) plus
/// `Host` from `r.Host`; Go keeps the keys sorted when it encodes the map.
fn request_headers(req: &InboundRequest) -> Json {
    let mut map: Vec<(String, Vec<String>)> = Vec::new();
    let mut host = String::new();
    for (name, value) in &req.headers {
        let key = canonical_key(name);
        if key == "Host" {
            if host.is_empty() {
                host = value.trim().to_string();
            }
            continue;
        }
        match map.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1.push(value.trim().to_string()),
            None => map.push((key, vec![value.trim().to_string()])),
        }
    }
    map.push(("Host".into(), vec![host]));
    map.sort_by(|a, b| a.0.cmp(&b.0));
    Json::Obj(
        map.into_iter()
            .map(|(k, vs)| (k, Json::Arr(vs.into_iter().map(Json::Str).collect())))
            .collect(),
    )
}

/// helpers.go getClientIP.
fn client_ip(req: &InboundRequest) -> String {
    for h in [
        "fly-client-ip",
        "cf-connecting-ip",
        "fastly-client-ip",
        "true-client-ip",
    ] {
        if let Some(v) = req.header(h).filter(|v| !v.is_empty()) {
            return v.to_string();
        }
    }
    if let Some(xff) = req.header("x-forwarded-for").filter(|v| !v.is_empty()) {
        return xff.split(',').next().unwrap_or("").trim().to_string();
    }
    req.peer.to_string()
}

/// helpers.go getURL.
fn url(req: &InboundRequest) -> String {
    let scheme = req
        .header("x-forwarded-proto")
        .filter(|v| !v.is_empty())
        .or_else(|| req.header("x-forwarded-protocol").filter(|v| !v.is_empty()))
        .map(str::to_string)
        .or_else(|| (req.header("x-forwarded-ssl") == Some("on")).then(|| "https".into()))
        .unwrap_or_else(|| "http".into());
    let host = req.header("host").unwrap_or("");
    format!("{scheme}://{host}{}", req.path_and_query)
}

/// `url.Values` as JSON: sorted keys, every value an array.
fn values_json(pairs: &[(String, String)]) -> Json {
    let mut keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    Json::Obj(
        keys.into_iter()
            .map(|k| {
                let vals = pairs
                    .iter()
                    .filter(|(n, _)| n == k)
                    .map(|(_, v)| Json::str(v.clone()))
                    .collect();
                (k.to_string(), Json::Arr(vals))
            })
            .collect(),
    )
}

fn no_body_response(req: &InboundRequest) -> Json {
    Json::Obj(vec![
        ("args".into(), values_json(&parse_query(req.query(), true))),
        ("headers".into(), request_headers(req)),
        ("method".into(), Json::str(req.method.clone())),
        ("origin".into(), Json::str(client_ip(req))),
        ("url".into(), Json::str(url(req))),
    ])
}

/// handlers.go RequestWithBody with helpers.go parseBody.
fn body_response(req: &InboundRequest) -> Result<Json, String> {
    let content_type = req
        .header("content-type")
        .map(|c| c.split(';').next().unwrap_or("").to_string())
        .unwrap_or_default();
    let body = &req.body;
    let mut data = Json::str("");
    let mut form = Json::Obj(Vec::new());
    let mut json_value = Json::Null;
    if !body.is_empty() {
        data = Json::str(String::from_utf8_lossy(body).into_owned());
        match content_type.as_str() {
            "text/html" | "text/plain" => {}
            "application/x-www-form-urlencoded" => {
                form = values_json(&parse_query(&String::from_utf8_lossy(body), true));
            }
            "multipart/form-data" => {
                return Err("[simulator] multipart bodies are not modelled".into());
            }
            "application/json" => match serde_json::from_slice::<serde_json::Value>(body) {
                Ok(v) => json_value = Json::from_serde(&v, NumberStyle::Go),
                Err(e) => {
                    return Err(if e.is_eof() {
                        "unexpected EOF".into()
                    } else {
                        let c = String::from_utf8_lossy(body)
                            .chars()
                            .find(|c| !c.is_whitespace())
                            .unwrap_or(' ');
                        format!("invalid character '{c}' looking for beginning of value")
                    });
                }
            },
            other => {
                let ct = if other.is_empty() {
                    "application/octet-stream"
                } else {
                    other
                };
                data = Json::str(format!("data:{ct};base64,{}", base64(body, true)));
            }
        }
    }
    Ok(Json::Obj(vec![
        ("args".into(), values_json(&parse_query(req.query(), true))),
        ("headers".into(), request_headers(req)),
        ("method".into(), Json::str(req.method.clone())),
        ("origin".into(), Json::str(client_ip(req))),
        ("url".into(), Json::str(url(req))),
        ("data".into(), data),
        ("files".into(), Json::Obj(Vec::new())),
        ("form".into(), form),
        ("json".into(), json_value),
    ]))
}

/// handlers.go Status and doStatus: `text/plain` and an empty body, except the special
/// cases' headers (and 418's body); `a,b:w` picks one at random by weight.
fn status(req: &InboundRequest, mut headers: Vec<(String, String)>, raw: &str) -> OutboundResponse {
    let code = if !raw.contains(',') {
        match parse_status(raw) {
            Ok(c) => c,
            Err(e) => return error_json(req, headers, 400, &e),
        }
    } else {
        let mut choices: Vec<(u16, f64)> = Vec::new();
        for pair in raw.split(',') {
            let (c, w) = pair.split_once(':').unwrap_or((pair, "1"));
            let Ok(w) = w.parse::<f64>() else {
                return error_json(
                    req,
                    headers,
                    400,
                    &format!("invalid weight value: {}", go_quote(w)),
                );
            };
            let Ok(c) = c.parse::<i64>() else {
                return error_json(
                    req,
                    headers,
                    400,
                    &format!("invalid choice value: {}", go_quote(c)),
                );
            };
            choices.push((c.clamp(0, 999) as u16, w));
        }
        let total: f64 = choices.iter().map(|(_, w)| *w).sum();
        let mut r = (random_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let mut pick = choices.last().map_or(200, |(c, _)| *c);
        for (c, w) in &choices {
            r -= w;
            if r < 0.0 {
                pick = *c;
                break;
            }
        }
        pick
    };
    headers.push(("Content-Type".into(), TEXT_TYPE.into()));
    let mut body = Bytes::new();
    match code {
        300 | 308 => headers.push(("Location".into(), "/image/jpeg".into())),
        301 | 302 | 303 | 305 | 307 => headers.push(("Location".into(), "/redirect/1".into())),
        401 => headers.push((
            "Www-Authenticate".into(),
            "Basic realm=\"Fake Realm\"".into(),
        )),
        407 => headers.push((
            "Proxy-Authenticate".into(),
            "Basic realm=\"Fake Realm\"".into(),
        )),
        402 => headers.push(("X-More-Info".into(), "http://vimeo.com/22053820".into())),
        418 => {
            headers.push((
                "X-More-Info".into(),
                "http://tools.ietf.org/html/rfc2324".into(),
            ));
            body = Bytes::from_static(b"I'm a teapot!");
        }
        _ => {}
    }
    finish(req, code, headers, body, Duration::ZERO)
}

/// helpers.go parseStatusCode with strconv.Atoi's error text.
fn parse_status(raw: &str) -> Result<u16, String> {
    let valid = !raw.is_empty()
        && raw
            .strip_prefix(['+', '-'])
            .unwrap_or(raw)
            .bytes()
            .all(|b| b.is_ascii_digit())
        && raw.len() > usize::from(raw.starts_with(['+', '-']));
    if !valid {
        return Err(format!(
            "invalid status code: {}: strconv.Atoi: parsing {}: invalid syntax",
            go_quote(raw),
            go_quote(raw)
        ));
    }
    let Ok(code) = raw.parse::<i64>() else {
        return Err(format!(
            "invalid status code: {}: strconv.Atoi: parsing {}: value out of range",
            go_quote(raw),
            go_quote(raw)
        ));
    };
    if !(100..=599).contains(&code) {
        return Err(format!(
            "invalid status code: {code} not in range [100, 599]"
        ));
    }
    Ok(code as u16)
}

/// Go `%q` for the strings these errors quote.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// helpers.go parseBoundedDuration(input, 0, MaxDuration): a Go duration or seconds.
fn parse_bounded_duration(raw: &str) -> Result<Duration, String> {
    let nanos: i128 = match go_parse_duration(raw) {
        Some(n) => n,
        None => match raw.parse::<f64>() {
            // time.Duration(n*1000) * time.Millisecond
            Ok(f) if f.is_finite() => ((f * 1000.0) as i64 as i128) * 1_000_000,
            _ => {
                return Err(format!(
                    "strconv.ParseFloat: parsing {}: invalid syntax",
                    go_quote(raw)
                ));
            }
        },
    };
    let max = MAX_DURATION.as_nanos() as i128;
    if nanos > max {
        return Err(format!(
            "duration {} longer than {}",
            go_duration(nanos),
            go_duration(max)
        ));
    }
    if nanos < 0 {
        return Err(format!("duration {} shorter than 0s", go_duration(nanos)));
    }
    Ok(Duration::from_nanos(nanos as u64))
}

/// time.ParseDuration: `[-+]` then `<decimal><unit>` repeated; `None` when invalid.
fn go_parse_duration(s: &str) -> Option<i128> {
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if num_len == 0 {
            return None;
        }
        let value: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(rest.len(), |(i, _)| i);
        let scale: f64 = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += value * scale;
    }
    if total > 9.2e18 {
        return None;
    }
    Some(if neg { -(total as i128) } else { total as i128 })
}

/// time.Duration.String.
fn go_duration(nanos: i128) -> String {
    let neg = nanos < 0;
    let n = nanos.unsigned_abs();
    let s = if n == 0 {
        "0s".to_string()
    } else if n < 1_000 {
        format!("{n}ns")
    } else if n < 1_000_000 {
        format!("{}µs", trim_fraction(n, 1_000))
    } else if n < 1_000_000_000 {
        format!("{}ms", trim_fraction(n, 1_000_000))
    } else {
        let secs_total = n / 1_000_000_000;
        let frac = n % 1_000_000_000;
        let h = secs_total / 3600;
        let m = (secs_total % 3600) / 60;
        let sec = secs_total % 60;
        let sec_text = trim_fraction(sec * 1_000_000_000 + frac, 1_000_000_000);
        if h > 0 {
            format!("{h}h{m}m{sec_text}s")
        } else if m > 0 {
            format!("{m}m{sec_text}s")
        } else {
            format!("{sec_text}s")
        }
    };
    if neg { format!("-{s}") } else { s }
}

fn trim_fraction(v: u128, unit: u128) -> String {
    let whole = v / unit;
    let frac = v % unit;
    if frac == 0 {
        return whole.to_string();
    }
    let width = unit.to_string().len() - 1;
    let digits = format!("{frac:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_keys() {
        assert_eq!(canonical_key("x-b3-traceid"), "X-B3-Traceid");
        assert_eq!(
            canonical_key("x-envoy-attempt-count"),
            "X-Envoy-Attempt-Count"
        );
        assert_eq!(canonical_key("USER-AGENT"), "User-Agent");
        assert_eq!(canonical_key("bad header"), "bad header");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_bounded_duration("1"), Ok(Duration::from_secs(1)));
        assert_eq!(
            parse_bounded_duration("1.5"),
            Ok(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_bounded_duration("250ms"),
            Ok(Duration::from_millis(250))
        );
        assert_eq!(
            parse_bounded_duration("11").unwrap_err(),
            "duration 11s longer than 10s"
        );
        assert_eq!(
            parse_bounded_duration("1m").unwrap_err(),
            "duration 1m0s longer than 10s"
        );
        assert_eq!(
            parse_bounded_duration("abc").unwrap_err(),
            "strconv.ParseFloat: parsing \"abc\": invalid syntax"
        );
        assert_eq!(go_duration(1_500_000), "1.5ms");
    }

    #[test]
    fn status_errors() {
        assert_eq!(
            parse_status("abc").unwrap_err(),
            "invalid status code: \"abc\": strconv.Atoi: parsing \"abc\": invalid syntax"
        );
        assert_eq!(
            parse_status("600").unwrap_err(),
            "invalid status code: 600 not in range [100, 599]"
        );
        assert_eq!(parse_status("503"), Ok(503));
    }
}
