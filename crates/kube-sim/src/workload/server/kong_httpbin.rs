//! `docker.io/kong/httpbin` (Kong/httpbin httpbin/core.py and helpers.py, Flask 3.1):
//! compact, key-sorted JSON with a trailing newline; header values are strings; the
//! "environment" headers a proxy adds (X-Forwarded-For/-Proto/-Port, X-Request-Id, Via, ...)
//! are hidden from `/headers`, `/get` and `/anything` unless the query has `show_env`;
//! `origin` is the whole X-Forwarded-For value, else the peer address.

use std::time::Duration;

use bytes::Bytes;

use super::super::json::{Json, NumberStyle, base64};
use super::werkzeug::{self, HTML, Routed, content_headers, environ_headers, gunicorn_response};
use super::{InboundRequest, OutboundResponse, parse_query};

/// helpers.py ENV_HEADERS, compared with werkzeug's title-cased names.
const ENV_HEADERS: &[&str] = &[
    "X-Varnish",
    "X-Request-Start",
    "X-Heroku-Queue-Depth",
    "X-Real-Ip",
    "X-Forwarded-Proto",
    "X-Forwarded-Protocol",
    "X-Forwarded-Ssl",
    "X-Heroku-Queue-Wait-Time",
    "X-Forwarded-For",
    "X-Heroku-Dynos-In-Use",
    "X-Forwarded-Port",
    "X-Request-Id",
    "Via",
    "Total-Route-Time",
    "Connect-Time",
];

const JSON_TYPE: &str = "application/json";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Route {
    Index,
    Get,
    Headers,
    Ip,
    UserAgent,
    Uuid,
    Anything,
    WithBody,
    Status,
    Delay,
}

const GET: &[&str] = &["GET"];
const ANY: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "TRACE"];
const POST: &[&str] = &["POST"];
const PUT: &[&str] = &["PUT"];
const PATCH: &[&str] = &["PATCH"];
const DELETE: &[&str] = &["DELETE"];
const ALLOW_GET: &str = "GET, HEAD, OPTIONS";
const ALLOW_ANY: &str = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, TRACE";

pub(super) fn serve(req: &InboundRequest) -> OutboundResponse {
    let path = req.path();
    let single_segment = |prefix: &str| {
        path.strip_prefix(prefix)
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
    };
    let found: Option<(Route, &'static [&'static str], &'static str)> = match path {
        "/" => Some((Route::Index, GET, ALLOW_GET)),
        "/get" => Some((Route::Get, GET, ALLOW_GET)),
        "/headers" => Some((Route::Headers, GET, ALLOW_GET)),
        "/ip" => Some((Route::Ip, GET, ALLOW_GET)),
        "/user-agent" => Some((Route::UserAgent, GET, ALLOW_GET)),
        "/uuid" => Some((Route::Uuid, GET, ALLOW_GET)),
        "/anything" => Some((Route::Anything, ANY, ALLOW_ANY)),
        "/post" => Some((Route::WithBody, POST, "OPTIONS, POST")),
        "/put" => Some((Route::WithBody, PUT, "OPTIONS, PUT")),
        "/patch" => Some((Route::WithBody, PATCH, "OPTIONS, PATCH")),
        "/delete" => Some((Route::WithBody, DELETE, "DELETE, OPTIONS")),
        p if p.len() > "/anything/".len() && p.starts_with("/anything/") => {
            Some((Route::Anything, ANY, ALLOW_ANY))
        }
        _ if single_segment("/status/").is_some() => Some((Route::Status, ANY, ALLOW_ANY)),
        _ if single_segment("/delay/").is_some() => Some((Route::Delay, ANY, ALLOW_ANY)),
        _ => None,
    };
    let (status, mut headers, body, processing) = match werkzeug::route(&req.method, found) {
        Routed::Found(route) => match respond(route, req, path) {
            Some(r) => r,
            None => page(500),
        },
        Routed::Options(allow) => {
            let mut h = content_headers(HTML, 0);
            h.push(("Allow".into(), allow.into()));
            (200, h, Bytes::new(), Duration::ZERO)
        }
        Routed::MethodNotAllowed(allow) => {
            let (s, mut h, b, d) = page(405);
            h.push(("Allow".into(), allow.into()));
            (s, h, b, d)
        }
        Routed::NotFound => page(404),
    };
    // core.py set_cors_headers (after_request, so error pages get it too)
    headers.push((
        "Access-Control-Allow-Origin".into(),
        req.header("origin").unwrap_or("*").to_string(),
    ));
    headers.push(("Access-Control-Allow-Credentials".into(), "true".into()));
    if req.method.eq_ignore_ascii_case("OPTIONS") {
        headers.push((
            "Access-Control-Allow-Methods".into(),
            "GET, POST, PUT, DELETE, PATCH, OPTIONS".into(),
        ));
        headers.push(("Access-Control-Max-Age".into(), "3600".into()));
        if let Some(h) = req.header("access-control-request-headers") {
            headers.push(("Access-Control-Allow-Headers".into(), h.to_string()));
        }
    }
    if !matches!(status, 204 | 304)
        && !(100..200).contains(&status)
        && !headers.iter().any(|(k, _)| k == "Content-Length")
    {
        headers.push(("Content-Length".into(), body.len().to_string()));
    }
    let mut r = gunicorn_response(req, status, headers, body);
    r.processing = processing;
    r
}

type Parts = (u16, Vec<(String, String)>, Bytes, Duration);

fn page(code: u16) -> Parts {
    let (code, body) = werkzeug::error_page(code);
    (
        code,
        content_headers(HTML, body.len()),
        Bytes::from(body),
        Duration::ZERO,
    )
}

fn json_response(value: Json) -> Parts {
    let body = format!("{}\n", value.to_python_compact());
    (
        200,
        content_headers(JSON_TYPE, body.len()),
        Bytes::from(body),
        Duration::ZERO,
    )
}

/// The route's answer; `None` for an unhandled exception (a 500 page).
fn respond(route: Route, req: &InboundRequest, path: &str) -> Option<Parts> {
    let d = Dict::new(req);
    Some(match route {
        Route::Index => {
            let body = "<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>httpbin.org</title></head>\n<body>[simulator] the flasgger UI of kong/httpbin is not modelled</body>\n</html>\n";
            (
                200,
                content_headers(HTML, body.len()),
                Bytes::from(body),
                Duration::ZERO,
            )
        }
        Route::Get => json_response(d.pick(&["url", "args", "headers", "origin"])),
        Route::Headers => json_response(d.pick(&["headers"])),
        Route::Ip => json_response(Json::Obj(vec![("origin".into(), d.origin.clone())])),
        Route::UserAgent => {
            let ua = d
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
                .map_or(Json::Null, |(_, v)| Json::str(v.clone()));
            json_response(Json::Obj(vec![("user-agent".into(), ua)]))
        }
        Route::Uuid => json_response(Json::Obj(vec![("uuid".into(), Json::str(uuid4()))])),
        Route::Anything => json_response(d.pick(&[
            "url", "args", "headers", "origin", "method", "form", "data", "files", "json",
        ])),
        Route::WithBody => json_response(d.pick(&[
            "url", "args", "form", "data", "origin", "headers", "files", "json",
        ])),
        Route::Status => status(req, path.strip_prefix("/status/").unwrap_or("")),
        Route::Delay => {
            let raw = path.strip_prefix("/delay/").unwrap_or("");
            // min(float(delay), 10); float() failing or time.sleep() refusing NaN or a
            // negative value is an unhandled exception.
            let v: f64 = raw.trim().parse().ok()?;
            let v = if v.is_nan() { v } else { v.min(10.0) };
            if v.is_nan() || v < 0.0 {
                return None;
            }
            let mut parts = json_response(
                d.pick(&["url", "args", "form", "data", "origin", "headers", "files"]),
            );
            parts.3 = Duration::from_secs_f64(v);
            parts
        }
    })
}

/// `/status/<codes>`: one code, or a weighted random choice of `code[:weight],...`
/// (core.py view_status_code, helpers.py status_code).
fn status(req: &InboundRequest, codes: &str) -> Parts {
    let invalid = || {
        let body = "Invalid status code";
        (
            400,
            content_headers(HTML, body.len()),
            Bytes::from(body),
            Duration::ZERO,
        )
    };
    let code: u16 = if !codes.contains(',') {
        match codes.trim().parse::<i64>() {
            Ok(c) if (100..=999).contains(&c) => c as u16,
            _ => return invalid(),
        }
    } else {
        let mut choices: Vec<(u16, f64)> = Vec::new();
        for choice in codes.split(',') {
            let (c, w) = match choice.split_once(':') {
                Some((c, w)) => (c, w.trim().parse::<f64>().ok()),
                None => (choice, Some(1.0)),
            };
            match (
                c.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|c| (100..=999).contains(c)),
                w,
            ) {
                (Some(c), Some(w)) => choices.push((c as u16, w)),
                _ => return invalid(),
            }
        }
        weighted_choice(&choices)
    };
    let _ = req;
    let redirect = vec![("location".to_string(), "/redirect/1".to_string())];
    let headers: Vec<(String, String)> = match code {
        301 | 302 | 303 | 305 | 307 => redirect,
        401 => vec![(
            "WWW-Authenticate".into(),
            "Basic realm=\"Fake Realm\"".into(),
        )],
        407 => vec![(
            "Proxy-Authenticate".into(),
            "Basic realm=\"Fake Realm\"".into(),
        )],
        402 => vec![("x-more-info".into(), "http://vimeo.com/22053820".into())],
        418 => vec![(
            "x-more-info".into(),
            "http://tools.ietf.org/html/rfc2324".into(),
        )],
        204 | 304 => Vec::new(),
        _ => vec![("Content-Type".into(), HTML.into())],
    };
    (code, headers, Bytes::new(), Duration::ZERO)
}

/// random.random()-weighted choice (httpbin/utils.py weighted_choice).
fn weighted_choice(choices: &[(u16, f64)]) -> u16 {
    let total: f64 = choices.iter().map(|(_, w)| w.max(0.0)).sum();
    let mut r = random_unit() * total;
    for (c, w) in choices {
        r -= w.max(0.0);
        if r < 0.0 {
            return *c;
        }
    }
    choices.last().map_or(200, |(c, _)| *c)
}

pub(super) fn random_u64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

pub(super) fn uuid4() -> String {
    let a = random_u64();
    let b = random_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        (b >> 48) & 0x3fff | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// helpers.py get_dict: every field it can report, computed once.
struct Dict {
    url: Json,
    args: Json,
    form: Json,
    data: Json,
    origin: Json,
    headers: Vec<(String, String)>,
    headers_json: Json,
    json: Json,
    method: Json,
}

impl Dict {
    fn new(req: &InboundRequest) -> Dict {
        let query = parse_query(req.query(), false);
        let show_env = query.iter().any(|(k, _)| k == "show_env");
        let env_headers = environ_headers(req);
        let headers: Vec<(String, String)> = env_headers
            .iter()
            .filter(|(k, _)| show_env || !ENV_HEADERS.contains(&k.as_str()))
            .cloned()
            .collect();
        let headers_json = Json::Obj(
            headers
                .iter()
                .map(|(k, v)| (k.clone(), Json::str(v.clone())))
                .collect(),
        );
        let xff = env_headers
            .iter()
            .find(|(k, _)| k == "X-Forwarded-For")
            .map(|(_, v)| v.clone());
        let origin = Json::str(xff.unwrap_or_else(|| req.peer.ip().to_string()));
        let content_type = req
            .header("content-type")
            .map(|c| {
                c.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        let is_form = content_type == "application/x-www-form-urlencoded"
            || content_type == "multipart/form-data";
        let form = if content_type == "application/x-www-form-urlencoded" {
            semiflatten(&parse_query(&String::from_utf8_lossy(&req.body), false))
        } else {
            Json::Obj(Vec::new())
        };
        let raw: &[u8] = if is_form { &[] } else { &req.body };
        let data = match std::str::from_utf8(raw) {
            Ok(s) => Json::str(s),
            Err(_) => Json::str(format!(
                "data:application/octet-stream;base64,{}",
                base64(raw, false)
            )),
        };
        let json = serde_json::from_slice::<serde_json::Value>(raw)
            .map(|v| Json::from_serde(&v, NumberStyle::Python))
            .unwrap_or(Json::Null);
        // helpers.py get_url: request.url with the X-Forwarded-Proto scheme.
        let scheme = req
            .header("x-forwarded-proto")
            .or_else(|| req.header("x-forwarded-protocol"))
            .map(str::to_string)
            .or_else(|| (req.header("x-forwarded-ssl") == Some("on")).then(|| "https".into()))
            .unwrap_or_else(|| "http".into());
        let host = req.header("host").unwrap_or("");
        let url = Json::str(format!("{scheme}://{host}{}", req.path_and_query));
        Dict {
            url,
            args: semiflatten(&query),
            form,
            data,
            origin,
            headers,
            headers_json,
            json,
            method: Json::str(req.method.clone()),
        }
    }

    fn pick(&self, keys: &[&str]) -> Json {
        Json::Obj(
            keys.iter()
                .map(|k| {
                    let v = match *k {
                        "url" => self.url.clone(),
                        "args" => self.args.clone(),
                        "form" => self.form.clone(),
                        "data" => self.data.clone(),
                        "origin" => self.origin.clone(),
                        "headers" => self.headers_json.clone(),
                        "files" => Json::Obj(Vec::new()),
                        "json" => self.json.clone(),
                        "method" => self.method.clone(),
                        _ => Json::Null,
                    };
                    ((*k).to_string(), v)
                })
                .collect(),
        )
    }
}

/// helpers.py semiflatten: one value stays a string, several become a list.
fn semiflatten(pairs: &[(String, String)]) -> Json {
    let mut keys: Vec<&str> = Vec::new();
    for (k, _) in pairs {
        if !keys.contains(&k.as_str()) {
            keys.push(k);
        }
    }
    Json::Obj(
        keys.into_iter()
            .map(|k| {
                let vals: Vec<Json> = pairs
                    .iter()
                    .filter(|(n, _)| n == k)
                    .map(|(_, v)| Json::str(v.clone()))
                    .collect();
                let v = if vals.len() == 1 {
                    vals.into_iter().next().unwrap_or(Json::Null)
                } else {
                    Json::Arr(vals)
                };
                (k.to_string(), v)
            })
            .collect(),
    )
}
