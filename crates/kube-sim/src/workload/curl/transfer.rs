//! One curl transfer: build the request from the operation's options, send it through the
//! pod's network with curl's timeouts, follow redirects with `-L`, write headers and body
//! where they go, and record everything `--write-out` can report.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use super::super::json::base64;
use super::super::net::{
    ConnectTarget, ConnectionInfo, HttpVersion, InboundResponse, NetError, Network,
    OutboundRequest, reason_phrase,
};
use super::super::process::ProcessIo;
use super::CurlBuild;
use super::config::{Global, HttpReq, Operation};
use super::errors::CurlCode;
use super::url::Url;

/// libcurl's connect timeout when none is set (lib/connect.h DEFAULT_CONNECT_TIMEOUT).
const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 300_000;

/// The last response of a transfer, as `--write-out` sees it.
#[derive(Debug, Clone, Default)]
pub(super) struct ResponseMeta {
    pub status: u16,
    pub version: HttpVersion,
    pub headers: Vec<(String, String)>,
}

/// Timings from the start of the transfer (curl's CURLINFO_*_TIME_T).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Times {
    pub namelookup: Duration,
    pub connect: Duration,
    pub pretransfer: Duration,
    pub posttransfer: Duration,
    pub starttransfer: Duration,
    pub total: Duration,
    pub redirect: Duration,
}

/// Everything known about a finished transfer.
#[derive(Debug, Clone)]
pub(super) struct TransferInfo {
    /// The URL as given (after globbing): `%{url}`.
    pub url: String,
    pub urlnum: u64,
    pub xfer_id: u64,
    pub effective_url: Option<String>,
    pub scheme: Option<String>,
    pub method: String,
    pub response: Option<ResponseMeta>,
    pub size_download: u64,
    pub size_header: u64,
    pub size_request: u64,
    pub size_upload: u64,
    pub num_redirects: u32,
    pub redirect_url: Option<String>,
    pub remote: Option<SocketAddr>,
    pub local: Option<SocketAddr>,
    pub conn_id: Option<u64>,
    pub num_connects: u32,
    pub times: Times,
    pub result: CurlCode,
    /// libcurl's error buffer; empty when the error has no specific text.
    pub errmsg: String,
    pub filename_effective: Option<String>,
    pub referer: Option<String>,
}

impl TransferInfo {
    fn new(url: &str, urlnum: u64, xfer_id: u64) -> TransferInfo {
        TransferInfo {
            url: url.to_string(),
            urlnum,
            xfer_id,
            effective_url: None,
            scheme: None,
            method: "GET".into(),
            response: None,
            size_download: 0,
            size_header: 0,
            size_request: 0,
            size_upload: 0,
            num_redirects: 0,
            redirect_url: None,
            remote: None,
            local: None,
            conn_id: None,
            num_connects: 0,
            times: Times::default(),
            result: CurlCode::Ok,
            errmsg: String::new(),
            filename_effective: None,
            referer: None,
        }
    }

    fn fail(&mut self, code: CurlCode, msg: impl Into<String>) {
        self.result = code;
        self.errmsg = msg.into();
    }
}

/// curl's connection cache: one kept-alive connection per (scheme, host, port, target),
/// shared by all transfers of the process (src/tool_operate.c shares CURL_LOCK_DATA_CONNECT).
#[derive(Debug, Default)]
pub(super) struct Connections {
    next_id: u64,
    open: Vec<(String, u64)>,
}

impl Connections {
    fn checkout(&mut self, key: &str) -> ConnectionInfo {
        if let Some(i) = self.open.iter().position(|(k, _)| k == key) {
            let (_, id) = self.open.remove(i);
            return ConnectionInfo { id, reused: true };
        }
        let id = self.next_id;
        self.next_id += 1;
        ConnectionInfo { id, reused: false }
    }

    fn checkin(&mut self, key: String, id: u64) {
        self.open.push((key, id));
    }
}

/// Where a transfer's output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Dest {
    Stdout,
    Stderr,
    Null,
    /// A file the model cannot write (there is no container file system).
    File(String),
}

impl Dest {
    pub(super) fn from_name(name: Option<&str>) -> Dest {
        match name {
            None | Some("-") | Some("/dev/stdout") | Some("/proc/self/fd/1") => Dest::Stdout,
            Some("/dev/stderr") | Some("/proc/self/fd/2") => Dest::Stderr,
            Some("/dev/null") => Dest::Null,
            Some(f) => Dest::File(f.to_string()),
        }
    }
}

/// What a transfer needs from its surroundings.
pub(super) struct Env<'a> {
    pub build: CurlBuild,
    pub global: &'a Global,
    pub net: &'a dyn Network,
    pub io: &'a mut ProcessIo,
    pub conns: &'a mut Connections,
}

impl Env<'_> {
    async fn write(&mut self, dest: &Dest, bytes: &[u8]) -> Result<(), CurlCode> {
        let ok = match dest {
            Dest::Stdout => self.io.out(bytes).await,
            Dest::Stderr => self.io.err(bytes).await,
            Dest::Null => true,
            Dest::File(_) => false,
        };
        if ok {
            Ok(())
        } else {
            Err(CurlCode::WriteError)
        }
    }

    async fn verbose(&mut self, text: &str) {
        if self.global.verbose {
            self.io.err(text.as_bytes()).await;
        }
    }
}

/// Perform one transfer of `url` (already globbed).
pub(super) async fn perform(
    env: &mut Env<'_>,
    op: &Operation,
    url_input: &str,
    outfile: Option<&str>,
    urlnum: u64,
    xfer_id: u64,
    get_fields: Option<&[u8]>,
) -> TransferInfo {
    let start = Instant::now();
    let mut info = TransferInfo::new(url_input, urlnum, xfer_id);
    info.filename_effective = outfile.map(str::to_string);
    info.referer = op.referer.clone();
    let dest = Dest::from_name(outfile);
    let header_dest = op.dump_header.as_deref().map(|d| Dest::from_name(Some(d)));

    // -G: the data becomes the query (src/tool_operate.c append2query).
    let url_text = match get_fields {
        Some(fields) if !fields.is_empty() => {
            let fields = String::from_utf8_lossy(fields);
            let (base, frag) = match url_input.split_once('#') {
                Some((b, f)) => (b.to_string(), Some(f)),
                None => (url_input.to_string(), None),
            };
            let sep = if base.contains('?') { '&' } else { '?' };
            let mut u = format!("{base}{sep}{fields}");
            if let Some(f) = frag {
                u.push('#');
                u.push_str(f);
            }
            u
        }
        _ => url_input.to_string(),
    };
    // %{url} reports the URL with the -G query appended (tool_operate.c append2query).
    info.url = url_text.clone();
    let mut url = match Url::parse(&url_text, op.path_as_is) {
        Ok(u) => u,
        Err(e) => {
            info.fail(
                CurlCode::UrlMalformat,
                format!("URL rejected: {}", e.text()),
            );
            info.times.total = start.elapsed();
            return info;
        }
    };

    let mut method = op.custom_request.clone().unwrap_or_else(|| {
        match op.httpreq {
            HttpReq::Head => "HEAD",
            HttpReq::SimplePost => "POST",
            _ => "GET",
        }
        .to_string()
    });
    let head = op.no_body;
    let mut body: Option<Bytes> = if get_fields.is_some() {
        None
    } else {
        op.postdata.as_ref().map(|d| Bytes::from(d.clone()))
    };
    let first_host = url.host_name().to_ascii_lowercase();

    loop {
        info.effective_url = Some(url.to_effective());
        info.scheme = Some(url.scheme.clone());
        info.method = method.clone();
        match url.scheme.as_str() {
            "http" | "https" => {}
            "ftp" | "ftps" | "file" | "dict" | "gopher" | "gophers" | "imap" | "imaps" | "ldap"
            | "ldaps" | "mqtt" | "pop3" | "pop3s" | "rtsp" | "scp" | "sftp" | "smb" | "smbs"
            | "smtp" | "smtps" | "telnet" | "tftp" | "ws" | "wss" => {
                info.fail(
                    CurlCode::UnsupportedProtocol,
                    format!(
                        "[simulator] the {} protocol is not modelled by the simulator",
                        url.scheme
                    ),
                );
                break;
            }
            other => {
                // lib/url.c findprotocol
                info.fail(
                    CurlCode::UnsupportedProtocol,
                    format!("Protocol \"{other}\" not supported"),
                );
                break;
            }
        }

        let same_host = url.host_name().eq_ignore_ascii_case(&first_host);
        let headers = request_headers(
            env.build,
            op,
            &url,
            &method,
            body.as_ref(),
            same_host || info.num_redirects == 0,
        );
        let request_size = request_head_size(&method, &url, &headers, op.http10);
        info.size_request += request_size as u64;
        info.size_upload = body.as_ref().map_or(0, |b| b.len() as u64);

        let host = url.host_name().to_string();
        let port = url.effective_port();
        let connect_to = connect_override(op, &host, port);
        let key = format!(
            "{}://{}:{}>{:?}",
            url.scheme,
            host.to_ascii_lowercase(),
            port,
            connect_to
        );
        let conn = env.conns.checkout(&key);
        info.conn_id = Some(conn.id);
        if !conn.reused {
            info.num_connects += 1;
        }
        if conn.reused {
            env.verbose(&format!(
                "* Re-using existing http: connection with host {host}\n"
            ))
            .await;
        } else {
            env.verbose(&format!(
                "*   Trying {host}:{port}...\n* Connected to {host} port {port}\n* using HTTP/1.x\n"
            ))
            .await;
        }
        if env.global.verbose {
            let mut v = format!(
                "> {method} {} HTTP/1.{}\r\n",
                url.request_target(),
                if op.http10 { 0 } else { 1 }
            );
            for (k, val) in &headers {
                v.push_str(&format!("> {k}: {val}\r\n"));
            }
            v.push_str("> \r\n* Request completely sent off\n");
            env.verbose(&v).await;
        }

        let req = OutboundRequest {
            scheme: url.scheme.clone(),
            host: host.clone(),
            port,
            method: method.clone(),
            path_and_query: url.request_target(),
            headers: headers.clone(),
            body: body.clone().unwrap_or_default(),
            connect_to,
            connection: conn,
        };
        let sent_at = start.elapsed();
        info.times.namelookup = sent_at;
        info.times.connect = sent_at;
        info.times.pretransfer = sent_at;
        info.times.posttransfer = sent_at;

        let fut = env.net.request(req);
        // A deadline beyond what the clock can represent is no deadline.
        let deadline = (op.timeout_ms > 0)
            .then(|| start.checked_add(Duration::from_millis(op.timeout_ms)))
            .flatten();
        let outcome = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, fut).await.ok(),
            None => Some(fut.await),
        };
        let response = match outcome {
            None => {
                // lib/multi.c multi_handle_timeout, after the connection was made
                info.fail(
                    CurlCode::OperationTimedout,
                    format!(
                        "Operation timed out after {} milliseconds with 0 bytes received",
                        start.elapsed().as_millis()
                    ),
                );
                info.times = Times {
                    total: start.elapsed(),
                    ..info.times
                };
                return info;
            }
            Some(Err(e)) => {
                net_error(env, op, &mut info, e, &host, port, start).await;
                info.times.total = start.elapsed();
                if info.result != CurlCode::CouldntResolveHost
                    && info.result != CurlCode::CouldntConnect
                    && info.result != CurlCode::OperationTimedout
                {
                    // connected, then failed
                } else {
                    info.times.connect = Duration::ZERO;
                    info.times.pretransfer = Duration::ZERO;
                    info.times.posttransfer = Duration::ZERO;
                    if info.result == CurlCode::CouldntResolveHost {
                        info.times.namelookup = Duration::ZERO;
                    }
                }
                return info;
            }
            Some(Ok(r)) => r,
        };
        info.times.starttransfer = start.elapsed();
        info.remote = response.remote_addr;
        info.local = response.local_addr;
        let keep = !response.closes_connection();

        // Header block: written with -i/-I, dumped with -D, shown with -v.
        let block = header_block(&response);
        info.size_header += block.len() as u64;
        info.response = Some(ResponseMeta {
            status: response.status,
            version: response.http_version,
            headers: response.headers.clone(),
        });
        if env.global.verbose {
            let text = String::from_utf8_lossy(&block);
            let mut v = String::new();
            for line in text.split_inclusive("\r\n") {
                v.push_str("< ");
                v.push_str(line);
            }
            env.verbose(&v).await;
        }
        if op.show_headers
            && let Err(code) = env.write(&dest, &block).await
        {
            write_failed(&mut info, code, &dest, block.len());
            return info;
        }
        if let Some(hd) = &header_dest {
            let _ = env.write(hd, &block).await;
        }

        let status = response.status;
        let location = response.header("location").map(str::to_string);
        if op.follow
            && matches!(status, 301 | 302 | 303 | 307 | 308)
            && let Some(loc) = location.as_deref()
        {
            if op.max_redirs >= 0 && i64::from(info.num_redirects) >= op.max_redirs {
                // lib/http.c Curl_follow
                info.fail(
                    CurlCode::TooManyRedirects,
                    format!("Maximum ({}) redirects followed", op.max_redirs),
                );
                if keep {
                    env.conns.checkin(key, conn.id);
                }
                break;
            }
            match url.join(loc, op.path_as_is) {
                Ok(next) => {
                    if keep {
                        env.conns.checkin(key, conn.id);
                    }
                    env.verbose(&format!(
                        "* Connection #{} to host {host} left intact\n* Issue another request to this URL: '{}'\n",
                        conn.id,
                        next.to_effective()
                    ))
                    .await;
                    // lib/http.c Curl_follow: 303 turns anything but HEAD into GET, 301/302
                    // turn POST into GET; a -X method is kept.
                    if op.custom_request.is_none()
                        && ((status == 303 && method != "HEAD")
                            || (matches!(status, 301 | 302) && method == "POST"))
                    {
                        method = "GET".into();
                        body = None;
                    }
                    info.num_redirects += 1;
                    info.times.redirect = start.elapsed();
                    url = next;
                    continue;
                }
                Err(e) => {
                    info.fail(
                        CurlCode::UrlMalformat,
                        format!("URL rejected: {}", e.text()),
                    );
                    break;
                }
            }
        }
        if matches!(status, 300..=399)
            && let Some(loc) = location.as_deref()
        {
            info.redirect_url = url.join(loc, op.path_as_is).ok().map(|u| u.to_effective());
        }

        if op.fail && status >= 400 {
            // lib/http.c http_should_fail
            info.fail(
                CurlCode::HttpReturnedError,
                format!("The requested URL returned error: {status}"),
            );
            info.times.total = start.elapsed();
            return info;
        }

        let body_bytes = if head || method == "HEAD" {
            Bytes::new()
        } else {
            response.body.clone()
        };
        if (!body_bytes.is_empty() || matches!(dest, Dest::File(_)))
            && let Err(code) = env.write(&dest, &body_bytes).await
        {
            write_failed(&mut info, code, &dest, body_bytes.len());
            info.times.total = start.elapsed();
            return info;
        }
        info.size_download = body_bytes.len() as u64;
        if keep {
            env.conns.checkin(key, conn.id);
        }
        env.verbose(&format!(
            "* Connection #{} to host {host} left intact\n",
            conn.id
        ))
        .await;
        break;
    }
    info.times.total = start.elapsed();
    info
}

fn write_failed(info: &mut TransferInfo, code: CurlCode, dest: &Dest, len: usize) {
    match dest {
        Dest::File(f) => info.fail(
            code,
            format!(
                "[simulator] cannot write to '{f}': the simulated container has no file system (use -o /dev/null or -o -)"
            ),
        ),
        _ => info.fail(
            code,
            format!("Failure writing output to destination, passed {len} returned 0"),
        ),
    }
}

async fn net_error(
    env: &mut Env<'_>,
    op: &Operation,
    info: &mut TransferInfo,
    e: NetError,
    host: &str,
    port: u16,
    start: Instant,
) {
    match e {
        // lib/hostip.c Curl_resolver_error
        NetError::ResolveHost(_) => info.fail(
            CurlCode::CouldntResolveHost,
            format!("Could not resolve host: {host}"),
        ),
        // lib/cf-ip-happy.c (8.x) / lib/connect.c (7.x)
        NetError::ConnectionRefused => info.fail(
            CurlCode::CouldntConnect,
            format!(
                "Failed to connect to {host} port {port} after {} ms: {}",
                start.elapsed().as_millis(),
                CurlCode::CouldntConnect.strerror(env.build.flavor)
            ),
        ),
        NetError::Unreachable => {
            let connect_ms = if op.connect_timeout_ms > 0 {
                op.connect_timeout_ms
            } else {
                DEFAULT_CONNECT_TIMEOUT_MS
            };
            let ms = if op.timeout_ms > 0 {
                connect_ms.min(op.timeout_ms)
            } else {
                connect_ms
            };
            match start.checked_add(Duration::from_millis(ms)) {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending::<()>().await,
            }
            // lib/multi.c multi_handle_timeout while MSTATE_CONNECTING
            info.fail(
                CurlCode::OperationTimedout,
                format!(
                    "Connection timed out after {} milliseconds",
                    start.elapsed().as_millis()
                ),
            );
        }
        // lib/cf-socket.c: "Recv failure: %s" with strerror(ECONNRESET)
        NetError::ConnectionReset => info.fail(
            CurlCode::RecvError,
            "Recv failure: Connection reset by peer",
        ),
        // lib/http.c
        NetError::EmptyReply => info.fail(CurlCode::GotNothing, "Empty reply from server"),
    }
    let _ = env;
}

/// `--resolve host:port:addr` and `--connect-to host:port:target:tport` for this host.
fn connect_override(op: &Operation, host: &str, port: u16) -> Option<ConnectTarget> {
    for entry in &op.resolve {
        let entry = entry.strip_prefix('+').unwrap_or(entry);
        let mut parts = entry.splitn(3, ':');
        let (Some(h), Some(p), Some(addr)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if (h == "*" || h.eq_ignore_ascii_case(host)) && p.parse::<u16>().ok() == Some(port) {
            let addr = addr.split(',').next().unwrap_or(addr);
            let addr = addr.trim_start_matches('[').trim_end_matches(']');
            return Some(ConnectTarget {
                host: addr.to_string(),
                port,
            });
        }
    }
    for entry in &op.connect_to {
        let parts: Vec<&str> = entry.splitn(4, ':').collect();
        if parts.len() != 4 {
            continue;
        }
        let host_ok = parts[0].is_empty() || parts[0].eq_ignore_ascii_case(host);
        let port_ok = parts[1].is_empty() || parts[1].parse::<u16>().ok() == Some(port);
        if host_ok && port_ok {
            return Some(ConnectTarget {
                host: if parts[2].is_empty() {
                    host.to_string()
                } else {
                    parts[2].to_string()
                },
                port: parts[3].parse().unwrap_or(port),
            });
        }
    }
    None
}

/// A custom header line as curl sends it (lib/http.c Curl_add_custom_headers):
/// `Name: value` is sent, `Name:` removes an internal header, `Name;` sends it empty, and a
/// line with neither `:` nor a trailing `;` is ignored.
enum Custom {
    Send(String, String),
    Remove(String),
    Ignore,
}

fn classify(line: &str) -> Custom {
    match line.split_once(':') {
        Some((name, value)) => {
            let name = name.trim().to_string();
            let value = value.trim_start_matches([' ', '\t']).trim_end().to_string();
            if value.is_empty() {
                Custom::Remove(name)
            } else {
                Custom::Send(name, value)
            }
        }
        None => match line.trim_end().strip_suffix(';') {
            Some(name) if !name.trim().is_empty() => {
                Custom::Send(name.trim().to_string(), String::new())
            }
            _ => Custom::Ignore,
        },
    }
}

/// The request headers in curl's order: Host, Authorization, User-Agent, Referer, Accept,
/// Accept-Encoding, the custom headers, then Content-Length and Content-Type for a body
/// (lib/http.c Curl_http).
fn request_headers(
    build: CurlBuild,
    op: &Operation,
    url: &Url,
    _method: &str,
    body: Option<&Bytes>,
    custom_host_applies: bool,
) -> Vec<(String, String)> {
    let custom: Vec<Custom> = op.headers.iter().map(|h| classify(h)).collect();
    let mentioned = |name: &str| {
        custom.iter().any(|c| match c {
            Custom::Send(n, _) | Custom::Remove(n) => n.eq_ignore_ascii_case(name),
            Custom::Ignore => false,
        })
    };
    let custom_value = |name: &str| {
        custom.iter().find_map(|c| match c {
            Custom::Send(n, v) if n.eq_ignore_ascii_case(name) => Some(v.clone()),
            _ => None,
        })
    };
    let mut h: Vec<(String, String)> = Vec::new();
    match custom_value("host") {
        Some(v) if custom_host_applies => h.push(("Host".into(), v)),
        _ => {
            if !(custom_host_applies && mentioned("host")) {
                h.push(("Host".into(), url.host_header()));
            }
        }
    }
    if !mentioned("authorization") {
        let userinfo = op.user.clone().or_else(|| {
            url.user
                .as_ref()
                .map(|u| format!("{u}:{}", url.password.clone().unwrap_or_default()))
        });
        if let Some(ui) = userinfo {
            let ui = if ui.contains(':') {
                ui
            } else {
                format!("{ui}:")
            };
            h.push((
                "Authorization".into(),
                format!("Basic {}", base64(ui.as_bytes(), false)),
            ));
        }
    }
    if !mentioned("user-agent") {
        match &op.user_agent {
            Some(ua) if ua.is_empty() => {}
            Some(ua) => h.push(("User-Agent".into(), ua.clone())),
            None => h.push(("User-Agent".into(), build.user_agent())),
        }
    }
    if let Some(r) = &op.referer
        && !mentioned("referer")
    {
        h.push(("Referer".into(), r.clone()));
    }
    if !mentioned("accept") {
        let accept = if op.json { "application/json" } else { "*/*" };
        h.push(("Accept".into(), accept.into()));
    }
    for c in &custom {
        if let Custom::Send(n, v) = c
            && !n.eq_ignore_ascii_case("host")
        {
            h.push((n.clone(), v.clone()));
        }
    }
    if let Some(b) = body {
        if !mentioned("content-length") {
            h.push(("Content-Length".into(), b.len().to_string()));
        }
        if !mentioned("content-type") {
            let ct = if op.json {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            };
            h.push(("Content-Type".into(), ct.into()));
        }
    }
    h
}

fn request_head_size(method: &str, url: &Url, headers: &[(String, String)], http10: bool) -> usize {
    let line = format!(
        "{method} {} HTTP/1.{}\r\n",
        url.request_target(),
        if http10 { 0 } else { 1 }
    );
    line.len()
        + headers
            .iter()
            .map(|(k, v)| k.len() + v.len() + 4)
            .sum::<usize>()
        + 2
}

/// The status line and headers as received, with CRLFs, as `-i` prints them.
fn header_block(r: &InboundResponse) -> Vec<u8> {
    let mut s = format!(
        "{} {} {}\r\n",
        r.http_version.status_line_token(),
        r.status,
        r.reason
            .as_deref()
            .unwrap_or_else(|| reason_phrase(r.status))
    );
    for (k, v) in &r.headers {
        s.push_str(k);
        s.push_str(": ");
        s.push_str(v);
        s.push_str("\r\n");
    }
    s.push_str("\r\n");
    s.into_bytes()
}
