//! What the two Python servers (helloworld and kong/httpbin, Flask 3 on werkzeug 3 under
//! gunicorn) share: how a request's headers reach the app, the standard error pages, and
//! the headers gunicorn puts on every response.

use bytes::Bytes;

use super::super::net::HttpVersion;
use super::{InboundRequest, OutboundResponse};

/// The request headers as Flask's `request.headers` yields them: gunicorn turns each name
/// into an upper-case `HTTP_*` environ key, drops names containing `_` (gunicorn >= 22
/// `header_map = "drop"`), joins repeated headers with `,`, and werkzeug's EnvironHeaders
/// title-cases the key back (`x-b3-traceid` -> `X-B3-Traceid`).
pub(super) fn environ_headers(req: &InboundRequest) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in &req.headers {
        if name.contains('_') {
            continue;
        }
        let key = py_title(&name.to_ascii_uppercase());
        let value = value.trim().to_string();
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => {
                slot.1.push(',');
                slot.1.push_str(&value);
            }
            None => out.push((key, value)),
        }
    }
    out
}

/// Python `str.title()`: a cased character after an uncased one is upper-cased, the rest
/// lower-cased (digits are uncased, so `b3t` -> `B3T`).
pub(super) fn py_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        if c.is_alphabetic() {
            if prev_cased {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            prev_cased = true;
        } else {
            out.push(c);
            prev_cased = false;
        }
    }
    out
}

/// A werkzeug HTTPException page (werkzeug/exceptions.py HTTPException.get_body).
pub(super) fn error_page(code: u16) -> (u16, String) {
    let (name, description) = match code {
        400 => (
            "Bad Request",
            "The browser (or proxy) sent a request that this server could not understand.",
        ),
        404 => (
            "Not Found",
            "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
        ),
        405 => (
            "Method Not Allowed",
            "The method is not allowed for the requested URL.",
        ),
        _ => (
            "Internal Server Error",
            "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.",
        ),
    };
    let code = if matches!(code, 400 | 404 | 405) {
        code
    } else {
        500
    };
    (
        code,
        format!(
            "<!doctype html>\n<html lang=en>\n<title>{code} {name}</title>\n<h1>{name}</h1>\n<p>{description}</p>\n"
        ),
    )
}

/// `text/html; charset=utf-8`, Flask's default mimetype for string responses.
pub(super) const HTML: &str = "text/html; charset=utf-8";

/// A complete gunicorn response: `Server`, `Date` and `Connection` first
/// (gunicorn/http/wsgi.py Response.default_headers), then the app's headers; no body for
/// HEAD, whose `Content-Length` werkzeug still computes.
pub(super) fn gunicorn_response(
    req: &InboundRequest,
    status: u16,
    app_headers: Vec<(String, String)>,
    body: impl Into<Bytes>,
) -> OutboundResponse {
    let body: Bytes = body.into();
    let close = match req.header("connection") {
        Some(v) if v.eq_ignore_ascii_case("close") => true,
        Some(v) if v.eq_ignore_ascii_case("keep-alive") => false,
        _ => req.http_version == HttpVersion::Http10,
    };
    let mut headers = vec![
        ("Server".to_string(), "gunicorn".to_string()),
        ("Date".to_string(), req.date()),
        (
            "Connection".to_string(),
            if close { "close" } else { "keep-alive" }.to_string(),
        ),
    ];
    headers.extend(app_headers);
    OutboundResponse {
        status,
        reason: None,
        headers,
        body: if req.method == "HEAD" {
            Bytes::new()
        } else {
            body
        },
        processing: std::time::Duration::ZERO,
    }
}

/// The app headers werkzeug writes for a body: `Content-Type` then `Content-Length`.
pub(super) fn content_headers(content_type: &str, len: usize) -> Vec<(String, String)> {
    vec![
        ("Content-Type".into(), content_type.into()),
        ("Content-Length".into(), len.to_string()),
    ]
}

/// A routing outcome common to Flask apps.
pub(super) enum Routed<T> {
    Found(T),
    /// Flask's automatic OPTIONS answer for a known route.
    Options(&'static str),
    MethodNotAllowed(&'static str),
    NotFound,
}

/// Flask adds HEAD to GET routes and answers OPTIONS itself (flask/sansio/scaffold.py).
pub(super) fn route<T>(
    method: &str,
    found: Option<(T, &'static [&'static str], &'static str)>,
) -> Routed<T> {
    match found {
        None => Routed::NotFound,
        Some((t, methods, allow)) => {
            let m = method.to_ascii_uppercase();
            if methods.contains(&m.as_str()) || (m == "HEAD" && methods.contains(&"GET")) {
                Routed::Found(t)
            } else if m == "OPTIONS" {
                Routed::Options(allow)
            } else {
                Routed::MethodNotAllowed(allow)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_cases_like_python() {
        assert_eq!(py_title("X-B3-TRACEID"), "X-B3-Traceid");
        assert_eq!(py_title("USER-AGENT"), "User-Agent");
        assert_eq!(py_title("X-ENVOY-ATTEMPT-COUNT"), "X-Envoy-Attempt-Count");
        assert_eq!(py_title("ABC2DEF"), "Abc2Def");
    }

    #[test]
    fn not_found_page() {
        let (code, body) = error_page(404);
        assert_eq!(code, 404);
        assert_eq!(body.len(), 207);
        assert!(
            body.starts_with("<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n")
        );
    }
}
