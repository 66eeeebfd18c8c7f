//! The server images' answers and ports.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::super as w;
use w::image::HelloworldVersion;
use w::{HttpVersion, ImageKind, InboundRequest, OutboundResponse, PodContext};

fn at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_764_236_885)
}

fn req(method: &str, target: &str, headers: &[(&str, &str)]) -> InboundRequest {
    InboundRequest {
        method: method.into(),
        path_and_query: target.into(),
        http_version: HttpVersion::Http11,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: Bytes::new(),
        peer: "127.0.0.6:41234".parse().unwrap_or_else(|_| panic!("addr")),
        received_at: at(),
    }
}

fn pod(image: &ImageKind, name: &str) -> PodContext {
    PodContext {
        hostname: name.into(),
        env: w::container_env(image, name, &[]),
        command: Vec::new(),
    }
}

fn serve(image: &ImageKind, r: &InboundRequest) -> OutboundResponse {
    w::serve(image, &pod(image, "p-1"), r).unwrap_or_else(|| panic!("no server"))
}

fn body(r: &OutboundResponse) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// Headers as the sidecar delivers them (lower case, Envoy's additions).
const MESH: &[(&str, &str)] = &[
    ("host", "httpbin:8000"),
    ("user-agent", "curl/8.16.0"),
    ("accept", "*/*"),
    ("x-forwarded-proto", "http"),
    ("x-request-id", "4bd6c4a0-1c1d-4d5e-9f3e-5f6a7b8c9d0e"),
    ("x-envoy-attempt-count", "1"),
    ("x-b3-traceid", "abc"),
    (
        "x-forwarded-client-cert",
        "By=spiffe://cluster.local/ns/sample/sa/httpbin",
    ),
];

#[test]
fn ports() {
    let hello = ImageKind::Helloworld(HelloworldVersion::V1);
    assert_eq!(w::listening_ports(&hello, &[], &[]), [5000]);
    assert_eq!(w::listening_ports(&ImageKind::KongHttpbin, &[], &[]), [80]);
    let cmd: Vec<String> = [
        "gunicorn",
        "-b",
        "0.0.0.0:8080",
        "httpbin:app",
        "-k",
        "gevent",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(
        w::listening_ports(&ImageKind::KongHttpbin, &[], &cmd),
        [8080]
    );
    assert_eq!(w::listening_ports(&ImageKind::GoHttpbin, &[], &[]), [8080]);
    assert_eq!(
        w::listening_ports(
            &ImageKind::GoHttpbin,
            &[("PORT".into(), "9000".into())],
            &[]
        ),
        [9000]
    );
    assert!(w::listening_ports(&ImageKind::Busybox, &[], &[]).is_empty());
    assert!(
        w::serve(
            &ImageKind::Pause,
            &PodContext::default(),
            &req("GET", "/", &[])
        )
        .is_none()
    );
}

#[test]
fn helloworld_answers() {
    let image = ImageKind::Helloworld(HelloworldVersion::V2);
    let p = pod(&image, "helloworld-v2-54dddc5567-nqcrq");
    let r = w::serve(
        &image,
        &p,
        &req("GET", "/hello?x=1", &[("host", "helloworld:5000")]),
    )
    .unwrap_or_else(|| panic!());
    assert_eq!(r.status, 200);
    assert_eq!(
        body(&r),
        "Hello version: v2, instance: helloworld-v2-54dddc5567-nqcrq\n"
    );
    assert_eq!(
        r.headers,
        [
            ("Server".to_string(), "gunicorn".to_string()),
            (
                "Date".to_string(),
                "Thu, 27 Nov 2025 09:48:05 GMT".to_string()
            ),
            ("Connection".to_string(), "keep-alive".to_string()),
            (
                "Content-Type".to_string(),
                "text/html; charset=utf-8".to_string()
            ),
            ("Content-Length".to_string(), "60".to_string()),
        ]
    );
    assert_eq!(r.processing, Duration::from_millis(100));
    let r = serve(&image, &req("GET", "/health", &[]));
    assert_eq!(
        (r.status, body(&r)),
        (200, "Helloworld is healthy".to_string())
    );
    let r = serve(&image, &req("GET", "/", &[]));
    assert_eq!(r.status, 404);
    assert!(body(&r).contains("<title>404 Not Found</title>"));
    let r = serve(&image, &req("POST", "/hello", &[]));
    assert_eq!(
        (r.status, r.header("allow")),
        (405, Some("GET, HEAD, OPTIONS"))
    );
    let r = serve(&image, &req("HEAD", "/hello", &[]));
    assert_eq!(
        (r.status, r.body.len(), r.header("content-length")),
        (200, 0, Some("33"))
    );
}

#[test]
fn kong_httpbin_headers_are_strings_without_proxy_headers() {
    let r = serve(&ImageKind::KongHttpbin, &req("GET", "/headers", MESH));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        body(&r),
        "{\"headers\":{\"Accept\":\"*/*\",\"Host\":\"httpbin:8000\",\"User-Agent\":\"curl/8.16.0\",\"X-B3-Traceid\":\"abc\",\"X-Envoy-Attempt-Count\":\"1\",\"X-Forwarded-Client-Cert\":\"By=spiffe://cluster.local/ns/sample/sa/httpbin\"}}\n"
    );
    let names: Vec<&str> = r.headers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "Server",
            "Date",
            "Connection",
            "Content-Type",
            "Content-Length",
            "Access-Control-Allow-Origin",
            "Access-Control-Allow-Credentials"
        ]
    );
    let r = serve(
        &ImageKind::KongHttpbin,
        &req(
            "GET",
            "/get?a=1&a=2&b=x",
            &[("host", "h"), ("x-forwarded-for", "1.2.3.4, 5.6.7.8")],
        ),
    );
    assert_eq!(
        body(&r),
        "{\"args\":{\"a\":[\"1\",\"2\"],\"b\":\"x\"},\"headers\":{\"Host\":\"h\"},\"origin\":\"1.2.3.4, 5.6.7.8\",\"url\":\"http://h/get?a=1&a=2&b=x\"}\n"
    );
    let r = serve(&ImageKind::KongHttpbin, &req("GET", "/status/503", &[]));
    assert_eq!(
        (r.status, r.body.len(), r.header("content-length")),
        (503, 0, Some("0"))
    );
    let r = serve(&ImageKind::KongHttpbin, &req("GET", "/status/abc", &[]));
    assert_eq!(
        (r.status, body(&r)),
        (400, "Invalid status code".to_string())
    );
    let r = serve(&ImageKind::KongHttpbin, &req("GET", "/delay/abc", &[]));
    assert_eq!(r.status, 500);
    let r = serve(&ImageKind::KongHttpbin, &req("GET", "/delay/30", &[]));
    assert_eq!((r.status, r.processing), (200, Duration::from_secs(10)));
}

#[test]
fn go_httpbin_headers_are_arrays() {
    let r = serve(&ImageKind::GoHttpbin, &req("GET", "/headers", MESH));
    assert_eq!(r.status, 200);
    assert_eq!(
        body(&r),
        "{\n  \"headers\": {\n    \"Accept\": [\n      \"*/*\"\n    ],\n    \"Host\": [\n      \"httpbin:8000\"\n    ],\n    \"User-Agent\": [\n      \"curl/8.16.0\"\n    ],\n    \"X-B3-Traceid\": [\n      \"abc\"\n    ],\n    \"X-Envoy-Attempt-Count\": [\n      \"1\"\n    ],\n    \"X-Forwarded-Client-Cert\": [\n      \"By=spiffe://cluster.local/ns/sample/sa/httpbin\"\n    ],\n    \"X-Forwarded-Proto\": [\n      \"http\"\n    ],\n    \"X-Request-Id\": [\n      \"4bd6c4a0-1c1d-4d5e-9f3e-5f6a7b8c9d0e\"\n    ]\n  }\n}\n"
    );
    let names: Vec<&str> = r.headers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "Access-Control-Allow-Credentials",
            "Access-Control-Allow-Origin",
            "Content-Type",
            "Date",
            "Content-Length"
        ]
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let r = serve(&ImageKind::GoHttpbin, &req("GET", "/get", &[("host", "h")]));
    assert_eq!(
        body(&r),
        "{\n  \"args\": {},\n  \"headers\": {\n    \"Host\": [\n      \"h\"\n    ]\n  },\n  \"method\": \"GET\",\n  \"origin\": \"127.0.0.6:41234\",\n  \"url\": \"http://h/get\"\n}\n"
    );
    let r = serve(&ImageKind::GoHttpbin, &req("GET", "/status/418", &[]));
    assert_eq!((r.status, body(&r)), (418, "I'm a teapot!".to_string()));
    let r = serve(&ImageKind::GoHttpbin, &req("POST", "/get", &[]));
    assert_eq!(
        (r.status, body(&r), r.header("allow")),
        (405, "Method Not Allowed\n".to_string(), Some("GET, HEAD"))
    );
    let r = serve(&ImageKind::GoHttpbin, &req("GET", "/nope", &[]));
    assert_eq!(
        (r.status, body(&r), r.header("content-length")),
        (404, "404 page not found\n".to_string(), Some("19"))
    );
    let r = serve(&ImageKind::GoHttpbin, &req("GET", "/status/200", &[]));
    assert_eq!(
        (
            r.status,
            r.header("content-type"),
            r.header("content-length")
        ),
        (200, Some("text/plain; charset=utf-8"), Some("0"))
    );
    let r = serve(&ImageKind::GoHttpbin, &req("HEAD", "/get", &[]));
    assert_eq!(
        (r.status, r.body.len(), r.header("content-length")),
        (200, 0, None)
    );
    let r = serve(&ImageKind::GoHttpbin, &req("GET", "/delay/abc", &[]));
    assert_eq!(r.status, 400);
    assert!(body(&r).contains(
        "\"detail\": \"invalid duration: strconv.ParseFloat: parsing \\\"abc\\\": invalid syntax\""
    ));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..Default::default() })]

    #[test]
    fn servers_never_panic(
        method in "(GET|HEAD|POST|OPTIONS|[A-Z]{1,7})",
        path in "/[ -~]{0,40}",
        headers in proptest::collection::vec(("[!-~]{1,20}", "[ -~]{0,30}"), 0..6),
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        ct in "(application/json|application/x-www-form-urlencoded|text/plain|[a-z/]{0,12})",
    ) {
        let mut r = req(&method, &path, &[]);
        r.headers = headers;
        r.headers.push(("content-type".into(), ct));
        r.body = Bytes::from(body);
        for image in [ImageKind::Helloworld(HelloworldVersion::V1), ImageKind::KongHttpbin, ImageKind::GoHttpbin] {
            let out = w::serve(&image, &pod(&image, "p"), &r);
            proptest::prop_assert!(out.is_some());
        }
    }
}
