//! The boundary between a process in a pod and the simulated cluster network.
//!
//! A client program (curl) hands one HTTP request to [`Network::request`]; the cluster model
//! (DNS, iptables capture, the Envoy sidecar, the target pod's server) decides what comes
//! back. Time is part of the answer: a fault delay is the future taking that long, which is
//! what lets curl's `--max-time` fire exactly as it does against a real cluster.

use std::net::SocketAddr;

use bytes::Bytes;
use futures::future::BoxFuture;

/// What a pod's network does with an outbound HTTP request.
pub(crate) trait Network: Send + Sync {
    /// Resolve, connect, send `req` and wait for the whole response.
    ///
    /// The future's duration is the time the exchange takes (connect plus time to the last
    /// byte); the caller applies its own timeouts by dropping the future.
    fn request(&self, req: OutboundRequest) -> BoxFuture<'_, Result<InboundResponse, NetError>>;
}

/// One HTTP request as the client puts it on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutboundRequest {
    /// `http` or `https`, lower case.
    pub scheme: String,
    /// The host as written in the URL (IPv6 literals without brackets); this is what the
    /// client resolves. The `Host` header is in `headers` and may differ (`-H Host:`).
    pub host: String,
    /// The TCP port connected to (the URL's, or the scheme's default).
    pub port: u16,
    pub method: String,
    /// Request target: path plus `?query`, never empty, never with a fragment.
    pub path_and_query: String,
    /// Request headers in the order sent, `Host` included.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// Where to connect instead of resolving `host` (curl `--resolve` / `--connect-to`).
    pub connect_to: Option<ConnectTarget>,
    /// The client's connection. Requests with the same `id` travel on one kept-alive TCP
    /// connection, which matters to connection-level load balancing (kube-proxy picks a
    /// backend per connection, Envoy per request).
    pub connection: ConnectionInfo,
}

/// An address override for the connection (`--resolve host:port:addr`,
/// `--connect-to host:port:target:tport`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConnectTarget {
    pub host: String,
    pub port: u16,
}

/// Identity of the client-side TCP connection a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct ConnectionInfo {
    /// Unique per client process, counted from 0 like curl's `%{conn_id}`.
    pub id: u64,
    /// True when an earlier request of the same process used this connection.
    pub reused: bool,
}

/// HTTP version of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) enum HttpVersion {
    Http10,
    #[default]
    Http11,
}

impl HttpVersion {
    /// The version token of a status line (`HTTP/1.1`), as curl `-i` prints it.
    pub(crate) fn status_line_token(self) -> &'static str {
        match self {
            HttpVersion::Http10 => "HTTP/1.0",
            HttpVersion::Http11 => "HTTP/1.1",
        }
    }

    /// curl's `%{http_version}` spelling (src/tool_writeout.c http_version[]).
    pub(crate) fn curl_name(self) -> &'static str {
        match self {
            HttpVersion::Http10 => "1",
            HttpVersion::Http11 => "1.1",
        }
    }
}

/// A complete HTTP response as the client receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InboundResponse {
    pub status: u16,
    /// Reason phrase; `None` means the standard one for `status`.
    pub reason: Option<String>,
    /// Response headers in received order, names as sent (Envoy sends lower case).
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub http_version: HttpVersion,
    /// The address the client was connected to (curl `%{remote_ip}`), if the model knows it.
    pub remote_addr: Option<SocketAddr>,
    /// The client's own address (curl `%{local_ip}`), if the model knows it.
    pub local_addr: Option<SocketAddr>,
}

impl InboundResponse {
    #[cfg(test)]
    /// An HTTP/1.1 response with the standard reason phrase and no address information.
    pub(crate) fn new(status: u16, headers: Vec<(String, String)>, body: impl Into<Bytes>) -> Self {
        InboundResponse {
            status,
            reason: None,
            headers,
            body: body.into(),
            http_version: HttpVersion::Http11,
            remote_addr: None,
            local_addr: None,
        }
    }

    /// First value of header `name`, compared case-insensitively.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the server asked to close the connection after this response.
    pub(crate) fn closes_connection(&self) -> bool {
        match self.header("connection") {
            Some(v) => v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")),
            None => self.http_version == HttpVersion::Http10,
        }
    }
}

/// Why a request got no HTTP response. Each maps to one curl exit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NetError {
    /// The name does not resolve (curl exit 6).
    #[error("could not resolve host: {0}")]
    ResolveHost(String),
    /// RST in answer to the SYN: nothing listens there (curl exit 7).
    #[error("connection refused")]
    ConnectionRefused,
    /// The SYN is never answered (a black-holed address). The client then waits out its
    /// connect timeout (curl exit 28); the future may return this at once. Only the tests'
    /// fake network produces it: the simulated mesh answers or refuses every connection, but
    /// curl's answer to it is part of the emulator.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "only the tests' network produces it")
    )]
    #[error("no answer to the connection attempt")]
    Unreachable,
    /// The peer reset the connection after it was established (curl exit 56). Only the
    /// tests' fake network produces it.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "only the tests' network produces it")
    )]
    #[error("connection reset by peer")]
    ConnectionReset,
    /// The peer closed the connection without sending a byte of response (curl exit 52).
    #[error("empty reply from server")]
    EmptyReply,
}

/// The standard reason phrase (RFC 9110), which Envoy, gunicorn and Go all send.
pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "Unknown",
    }
}
