//! What the server images write to their container log (`kubectl logs`).
//!
//! Both Python images run gunicorn without `--access-logfile`, so they log only gunicorn's
//! startup lines (to stderr, gunicorn/glogging.py format) and never a line per request.
//! go-httpbin logs a startup line and one slog text line per request (httpbin/cmd/cmd.go,
//! httpbin/middleware.go StdLogObserver). curl, busybox and pause log nothing of their own.

use std::time::{Duration, SystemTime};

use super::clock::UtcTime;
use super::image::ImageKind;
use super::server::{InboundRequest, OutboundResponse, PodContext, go_httpbin_listen_addr};

/// The gunicorn releases in the images (helloworld's requirements.txt pins 22.x;
/// Kong/httpbin's Pipfile.lock 0.2.3 pins 23.0.0).
const HELLOWORLD_GUNICORN: &str = "22.0.0";
const KONG_GUNICORN: &str = "23.0.0";

/// The log lines a server container writes when it starts, stamped `now`.
pub(crate) fn startup_log(image: &ImageKind, pod: &PodContext, now: SystemTime) -> Vec<String> {
    let t = UtcTime::from_system(now);
    match image {
        ImageKind::Helloworld(_) => {
            let bind = super::server::gunicorn_bind_for(pod, "[::]:5000");
            gunicorn_startup(&t.gunicorn(), HELLOWORLD_GUNICORN, &bind, 1, 7)
        }
        ImageKind::KongHttpbin => {
            let bind = super::server::gunicorn_bind_for(pod, "0.0.0.0:80");
            // The image's CMD is `pipenv run gunicorn ...`: pipenv is PID 1. Istio 1.22/1.23
            // run gunicorn as the command directly.
            let (master, worker) = if pod.command.is_empty() {
                (7, 9)
            } else {
                (1, 7)
            };
            gunicorn_startup(&t.gunicorn(), KONG_GUNICORN, &bind, master, worker)
        }
        ImageKind::GoHttpbin => vec![format!(
            "time={} level=INFO msg=\"go-httpbin listening on http://{}\"",
            t.rfc3339_millis(),
            go_httpbin_listen_addr(&pod.env)
        )],
        ImageKind::Curl(_) | ImageKind::Busybox | ImageKind::Pause => Vec::new(),
    }
}

fn gunicorn_startup(ts: &str, version: &str, bind: &str, master: u32, worker: u32) -> Vec<String> {
    vec![
        format!("{ts} [{master}] [INFO] Starting gunicorn {version}"),
        format!("{ts} [{master}] [INFO] Listening at: http://{bind} ({master})"),
        format!("{ts} [{master}] [INFO] Using worker: gevent"),
        format!("{ts} [{worker}] [INFO] Booting worker with pid: {worker}"),
    ]
}

/// The access log line a server writes after answering `req` with `resp`, which took
/// `elapsed`; `None` for images that log no requests.
pub(crate) fn access_log_line(
    image: &ImageKind,
    req: &InboundRequest,
    resp: &OutboundResponse,
    now: SystemTime,
    elapsed: Duration,
) -> Option<String> {
    match image {
        ImageKind::GoHttpbin => Some(go_httpbin_line(req, resp, now, elapsed)),
        _ => None,
    }
}

/// middleware.go StdLogObserver through slog's TextHandler: INFO below 400, WARN for 4xx,
/// ERROR for 5xx; `size_bytes` counts body bytes written (0 for HEAD).
fn go_httpbin_line(
    req: &InboundRequest,
    resp: &OutboundResponse,
    now: SystemTime,
    elapsed: Duration,
) -> String {
    let level = match resp.status {
        500.. => "ERROR",
        400..=499 => "WARN",
        _ => "INFO",
    };
    // Duration.Seconds()*1e3, with Go's float rounding (0.123 ms prints as 0.12300000000000001).
    let ms = elapsed.as_secs_f64() * 1e3;
    let uri = req.path_and_query.as_str();
    let msg = format!("{} {} {} {:.1}ms", resp.status, req.method, uri, ms);
    let client_ip = client_ip_for_log(req);
    format!(
        "time={} level={level} msg={} status={} method={} uri={} size_bytes={} duration_ms={} user_agent={} client_ip={}",
        UtcTime::from_system(now).rfc3339_millis(),
        slog_value(&msg),
        resp.status,
        slog_value(&req.method),
        slog_value(uri),
        resp.body.len(),
        go_float_g(ms),
        slog_value(req.header("user-agent").unwrap_or("")),
        slog_value(&client_ip),
    )
}

fn client_ip_for_log(req: &InboundRequest) -> String {
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
    match req.header("x-forwarded-for").filter(|v| !v.is_empty()) {
        Some(x) => x.split(',').next().unwrap_or("").trim().to_string(),
        None => req.peer.to_string(),
    }
}

/// slog TextHandler: strings are quoted (strconv.Quote) when empty or holding a space,
/// `=`, `"` or a non-printable character.
fn slog_value(s: &str) -> String {
    let needs = s.is_empty()
        || s.chars()
            .any(|c| c == ' ' || c == '=' || c == '"' || c.is_control() || c == '\u{fffd}');
    if !needs {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// strconv.FormatFloat(f, 'g', -1, 64): shortest digits, `e` notation when the decimal
/// exponent is below -4 or at least 6 (strconv/ftoa.go uses precision 6 for shortest).
fn go_float_g(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let exp = f.abs().log10().floor() as i32;
    if (-4..6).contains(&exp) {
        format!("{f}")
    } else {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::super::net::HttpVersion;
    use super::*;
    use std::time::UNIX_EPOCH;

    fn at() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(1_764_236_885_123)
    }

    #[test]
    fn gunicorn_startup_lines() {
        let pod = PodContext::default();
        let lines = startup_log(
            &ImageKind::Helloworld(super::super::image::HelloworldVersion::V1),
            &pod,
            at(),
        );
        assert_eq!(
            lines,
            [
                "[2025-11-27 09:48:05 +0000] [1] [INFO] Starting gunicorn 22.0.0",
                "[2025-11-27 09:48:05 +0000] [1] [INFO] Listening at: http://[::]:5000 (1)",
                "[2025-11-27 09:48:05 +0000] [1] [INFO] Using worker: gevent",
                "[2025-11-27 09:48:05 +0000] [7] [INFO] Booting worker with pid: 7",
            ]
        );
    }

    #[test]
    fn go_httpbin_lines() {
        let pod = PodContext {
            env: vec![("PORT".into(), "9090".into())],
            ..Default::default()
        };
        assert_eq!(
            startup_log(&ImageKind::GoHttpbin, &pod, at()),
            [
                "time=2025-11-27T09:48:05.123Z level=INFO msg=\"go-httpbin listening on http://0.0.0.0:9090\""
            ]
        );
        let req = InboundRequest {
            method: "GET".into(),
            path_and_query: "/status/503".into(),
            http_version: HttpVersion::Http11,
            headers: vec![("user-agent".into(), "curl/8.16.0".into())],
            body: Default::default(),
            peer: "10.244.0.7:40000".parse().unwrap(),
            received_at: at(),
        };
        let resp = OutboundResponse {
            status: 503,
            reason: None,
            headers: vec![],
            body: Default::default(),
            processing: Duration::ZERO,
        };
        assert_eq!(
            access_log_line(
                &ImageKind::GoHttpbin,
                &req,
                &resp,
                at(),
                Duration::from_micros(123)
            )
            .unwrap(),
            "time=2025-11-27T09:48:05.123Z level=ERROR msg=\"503 GET /status/503 0.1ms\" status=503 method=GET uri=/status/503 size_bytes=0 duration_ms=0.12300000000000001 user_agent=curl/8.16.0 client_ip=10.244.0.7:40000"
        );
        assert_eq!(go_float_g(1.5e-5), "1.5e-05");
    }
}
