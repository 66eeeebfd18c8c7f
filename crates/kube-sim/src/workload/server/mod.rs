//! The HTTP behaviour of the server images: which ports they listen on and what they answer,
//! byte for byte where a harness can observe it (status, headers, body, JSON layout).
//!
//! The cluster model hands [`serve`] a request as the server process receives it (after the
//! inbound sidecar, with the headers it added) and forwards the answer back; it also waits
//! [`OutboundResponse::processing`] before the answer leaves the server.

mod go_httpbin;
mod helloworld;
mod kong_httpbin;
mod werkzeug;

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use bytes::Bytes;

use super::clock::UtcTime;
use super::image::ImageKind;
use super::net::HttpVersion;

pub(crate) use go_httpbin::listen_addr as go_httpbin_listen_addr;

/// The pod a server runs in.
#[derive(Debug, Clone, Default)]
pub(crate) struct PodContext {
    pub hostname: String,
    /// The container's process environment (see `container_env`).
    pub env: Vec<(String, String)>,
    /// The container's `command` followed by its `args` from the pod spec; empty when the
    /// image's own entrypoint runs (both change where gunicorn binds).
    pub command: Vec<String>,
}

/// An HTTP request as the server process reads it from its socket.
#[derive(Debug, Clone)]
pub(crate) struct InboundRequest {
    pub method: String,
    /// The request target (`/get?x=1`).
    pub path_and_query: String,
    pub http_version: HttpVersion,
    /// Headers in received order, `Host` included, with whatever the sidecar added.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// The client address the server's socket sees (127.0.0.6 behind an Istio sidecar).
    pub peer: SocketAddr,
    /// When the request arrived (for the `Date` header).
    pub received_at: SystemTime,
}

impl InboundRequest {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn path(&self) -> &str {
        self.path_and_query
            .split_once('?')
            .map_or(self.path_and_query.as_str(), |(p, _)| p)
    }

    pub(crate) fn query(&self) -> &str {
        self.path_and_query.split_once('?').map_or("", |(_, q)| q)
    }

    pub(crate) fn date(&self) -> String {
        UtcTime::from_system(self.received_at).http_date()
    }
}

/// What the server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutboundResponse {
    pub status: u16,
    /// Reason phrase when it differs from the standard one.
    pub reason: Option<String>,
    /// Headers in the order the server writes them, with its spelling.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// How long the server works before the response leaves it (helloworld's CPU loop,
    /// httpbin's `/delay/N`). helloworld runs one gevent worker whose loop holds the CPU, so
    /// its requests are served one after another.
    pub processing: Duration,
}

impl OutboundResponse {
    #[cfg(test)]
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The TCP ports the image's server listens on, given the container's environment and
/// command (empty for images without a server).
pub(crate) fn listening_ports(
    image: &ImageKind,
    env: &[(String, String)],
    command: &[String],
) -> Vec<u16> {
    match image {
        // istio samples/helloworld/src/Dockerfile: gunicorn -b [::]:5000
        ImageKind::Helloworld(_) => vec![gunicorn_port(command, env).unwrap_or(5000)],
        // Kong/httpbin Dockerfile: gunicorn -b 0.0.0.0:80; Istio 1.22/1.23 override the
        // command with -b 0.0.0.0:8080.
        ImageKind::KongHttpbin => vec![gunicorn_port(command, env).unwrap_or(80)],
        // go-httpbin httpbin/cmd/cmd.go: -port flag, else $PORT, else 8080.
        ImageKind::GoHttpbin => vec![go_httpbin::listen_port(env, command)],
        ImageKind::Curl(_) | ImageKind::Busybox | ImageKind::Pause => Vec::new(),
    }
}

/// Where gunicorn binds when the container runs a gunicorn command: `-b/--bind`, else
/// `$PORT`, else 127.0.0.1:8000 (gunicorn/config.py Bind). `None` without a command.
pub(crate) fn gunicorn_bind(command: &[String], env: &[(String, String)]) -> Option<String> {
    if command.is_empty() {
        return None;
    }
    let mut bind = None;
    let mut it = command.iter();
    while let Some(a) = it.next() {
        if a == "-b" || a == "--bind" {
            bind = it.next().cloned();
        } else if let Some(v) = a.strip_prefix("--bind=") {
            bind = Some(v.to_string());
        } else if let Some(v) = a.strip_prefix("-b").filter(|v| !v.is_empty()) {
            bind = Some(v.to_string());
        }
    }
    Some(
        bind.unwrap_or_else(|| match env.iter().rev().find(|(k, _)| k == "PORT") {
            Some((_, p)) => format!("0.0.0.0:{p}"),
            None => "127.0.0.1:8000".into(),
        }),
    )
}

/// Where gunicorn binds in `pod`: its command's bind, else the image's default.
pub(crate) fn gunicorn_bind_for(pod: &PodContext, default: &str) -> String {
    gunicorn_bind(&pod.command, &pod.env).unwrap_or_else(|| default.to_string())
}

fn gunicorn_port(command: &[String], env: &[(String, String)]) -> Option<u16> {
    let bind = gunicorn_bind(command, env)?;
    bind.rsplit(':').next().and_then(|p| p.parse().ok())
}

/// The image's answer to `req`, or `None` for images that serve no HTTP.
pub(crate) fn serve(
    image: &ImageKind,
    pod: &PodContext,
    req: &InboundRequest,
) -> Option<OutboundResponse> {
    match image {
        ImageKind::Helloworld(v) => Some(helloworld::serve(*v, pod, req)),
        ImageKind::KongHttpbin => Some(kong_httpbin::serve(req)),
        ImageKind::GoHttpbin => Some(go_httpbin::serve(pod, req)),
        ImageKind::Curl(_) | ImageKind::Busybox | ImageKind::Pause => None,
    }
}

/// Decode a query string into (name, value) pairs: `&`-separated, `+` is a space, `%XX`
/// escapes (Go url.ParseQuery, werkzeug url_decode). `go` drops pairs holding `;` as Go
/// >= 1.17 does.
pub(crate) fn parse_query(q: &str, go: bool) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| !(go && p.contains(';')))
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
