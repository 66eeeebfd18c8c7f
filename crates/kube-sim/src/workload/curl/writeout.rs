//! `-w/--write-out`: curl's variables, `%header{}`, `%time{}`, `%output{}`, `%{json}`,
//! `%{header_json}`, `\n`-style escapes and the handling of unknown variables, as
//! src/tool_writeout.c and src/tool_writeout_json.c do them.

use std::time::{Duration, SystemTime};

use super::super::clock::UtcTime;
use super::CurlBuild;
use super::errors::CurlCode;
use super::transfer::TransferInfo;
use super::url::Url;

/// Where a piece of write-out output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stream {
    Stdout,
    Stderr,
    /// `%output{file}`: the model has no file system, so this text is dropped.
    Discard,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Part {
    Scheme,
    User,
    Password,
    Options,
    Host,
    Port,
    Path,
    Query,
    Fragment,
    Zoneid,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Var {
    Certs,
    ConnId,
    ContentType,
    Errormsg,
    Exitcode,
    FilenameEffective,
    FtpEntryPath,
    HeaderJson,
    HttpCode,
    HttpConnect,
    HttpVersion,
    Json,
    LocalIp,
    LocalPort,
    Method,
    NumCerts,
    NumConnects,
    NumHeaders,
    NumRedirects,
    NumRetries,
    Onerror,
    ProxySslVerifyResult,
    ProxyUsed,
    RedirectUrl,
    Referer,
    RemoteIp,
    RemotePort,
    Scheme,
    SizeDownload,
    SizeHeader,
    SizeRequest,
    SizeUpload,
    SpeedDownload,
    SpeedUpload,
    SslVerifyResult,
    Stderr,
    Stdout,
    TimeAppconnect,
    TimeConnect,
    TimeNamelookup,
    TimePosttransfer,
    TimePretransfer,
    TimeQueue,
    TimeRedirect,
    TimeStarttransfer,
    TimeTotal,
    TlsEarlydata,
    Url,
    UrlPart(Part, bool),
    UrlEffective,
    Urlnum,
    XferId,
}

/// The variable table in curl's (alphabetical) order, with the release that added each
/// variable as major*100+minor (curl docs/cmdline-opts/write-out.md).
const VARS: &[(&str, Var, u32)] = &[
    ("certs", Var::Certs, 802),
    ("conn_id", Var::ConnId, 802),
    ("content_type", Var::ContentType, 709),
    ("errormsg", Var::Errormsg, 775),
    ("exitcode", Var::Exitcode, 775),
    ("filename_effective", Var::FilenameEffective, 726),
    ("ftp_entry_path", Var::FtpEntryPath, 715),
    ("header_json", Var::HeaderJson, 783),
    ("http_code", Var::HttpCode, 700),
    ("http_connect", Var::HttpConnect, 712),
    ("http_version", Var::HttpVersion, 750),
    ("json", Var::Json, 770),
    ("local_ip", Var::LocalIp, 729),
    ("local_port", Var::LocalPort, 729),
    ("method", Var::Method, 772),
    ("num_certs", Var::NumCerts, 802),
    ("num_connects", Var::NumConnects, 712),
    ("num_headers", Var::NumHeaders, 773),
    ("num_redirects", Var::NumRedirects, 712),
    ("num_retries", Var::NumRetries, 809),
    ("onerror", Var::Onerror, 775),
    ("proxy_ssl_verify_result", Var::ProxySslVerifyResult, 752),
    ("proxy_used", Var::ProxyUsed, 807),
    ("redirect_url", Var::RedirectUrl, 718),
    ("referer", Var::Referer, 776),
    ("remote_ip", Var::RemoteIp, 729),
    ("remote_port", Var::RemotePort, 729),
    ("response_code", Var::HttpCode, 718),
    ("scheme", Var::Scheme, 752),
    ("size_download", Var::SizeDownload, 700),
    ("size_header", Var::SizeHeader, 700),
    ("size_request", Var::SizeRequest, 700),
    ("size_upload", Var::SizeUpload, 700),
    ("speed_download", Var::SpeedDownload, 700),
    ("speed_upload", Var::SpeedUpload, 700),
    ("ssl_verify_result", Var::SslVerifyResult, 719),
    ("stderr", Var::Stderr, 763),
    ("stdout", Var::Stdout, 763),
    ("time_appconnect", Var::TimeAppconnect, 719),
    ("time_connect", Var::TimeConnect, 700),
    ("time_namelookup", Var::TimeNamelookup, 700),
    ("time_posttransfer", Var::TimePosttransfer, 810),
    ("time_pretransfer", Var::TimePretransfer, 700),
    ("time_queue", Var::TimeQueue, 806),
    ("time_redirect", Var::TimeRedirect, 712),
    ("time_starttransfer", Var::TimeStarttransfer, 700),
    ("time_total", Var::TimeTotal, 700),
    ("tls_earlydata", Var::TlsEarlydata, 811),
    ("url", Var::Url, 775),
    ("url.fragment", Var::UrlPart(Part::Fragment, false), 801),
    ("url.host", Var::UrlPart(Part::Host, false), 801),
    ("url.options", Var::UrlPart(Part::Options, false), 801),
    ("url.password", Var::UrlPart(Part::Password, false), 801),
    ("url.path", Var::UrlPart(Part::Path, false), 801),
    ("url.port", Var::UrlPart(Part::Port, false), 801),
    ("url.query", Var::UrlPart(Part::Query, false), 801),
    ("url.scheme", Var::UrlPart(Part::Scheme, false), 801),
    ("url.user", Var::UrlPart(Part::User, false), 801),
    ("url.zoneid", Var::UrlPart(Part::Zoneid, false), 801),
    ("url_effective", Var::UrlEffective, 700),
    ("urle.fragment", Var::UrlPart(Part::Fragment, true), 801),
    ("urle.host", Var::UrlPart(Part::Host, true), 801),
    ("urle.options", Var::UrlPart(Part::Options, true), 801),
    ("urle.password", Var::UrlPart(Part::Password, true), 801),
    ("urle.path", Var::UrlPart(Part::Path, true), 801),
    ("urle.port", Var::UrlPart(Part::Port, true), 801),
    ("urle.query", Var::UrlPart(Part::Query, true), 801),
    ("urle.scheme", Var::UrlPart(Part::Scheme, true), 801),
    ("urle.user", Var::UrlPart(Part::User, true), 801),
    ("urle.zoneid", Var::UrlPart(Part::Zoneid, true), 801),
    ("urlnum", Var::Urlnum, 775),
    ("xfer_id", Var::XferId, 802),
];

/// A variable's value, typed like curl's write functions.
enum Value {
    Str(Option<String>),
    Long(i64),
    /// `%{http_code}`: printed with `%03ld`.
    Code(i64),
    Off(i64),
    Time(Duration),
    /// Not a value (stream switches, json, ...).
    None,
}

/// What a write-out rendering needs besides the format.
pub(super) struct Context<'a> {
    pub build: CurlBuild,
    pub info: &'a TransferInfo,
    pub result: CurlCode,
    pub now: SystemTime,
}

/// Longest variable name curl accepts in `%{}` (MAX_WRITEOUT_NAME_LENGTH).
const MAX_NAME: usize = 24;

/// Render `format` for a finished transfer.
pub(super) fn render(format: &str, ctx: &Context<'_>) -> Vec<(Stream, Vec<u8>)> {
    let mut out: Vec<(Stream, Vec<u8>)> = Vec::new();
    let mut stream = Stream::Stdout;
    let mut cur: Vec<u8> = Vec::new();
    let f = format.as_bytes();
    let mut i = 0;
    let flush = |out: &mut Vec<(Stream, Vec<u8>)>, stream: Stream, cur: &mut Vec<u8>| {
        if !cur.is_empty() {
            out.push((stream, std::mem::take(cur)));
        }
    };
    while i < f.len() {
        let c = f[i];
        if c == b'%' && i + 1 < f.len() {
            let next = f[i + 1];
            if next == b'%' {
                cur.push(b'%');
                i += 2;
            } else if next == b'{' {
                let Some(end) = f[i..].iter().position(|b| *b == b'}').map(|p| p + i) else {
                    cur.extend_from_slice(b"%{");
                    i += 2;
                    continue;
                };
                let name = &format[i + 2..end];
                i = end + 1;
                let var = (name.len() <= MAX_NAME)
                    .then(|| {
                        VARS.iter()
                            .find(|(n, _, since)| *n == name && ctx.build.version_code() >= *since)
                    })
                    .flatten()
                    .map(|(_, v, _)| *v);
                match var {
                    None => {
                        flush(&mut out, stream, &mut cur);
                        out.push((
                            Stream::Stderr,
                            format!("curl: unknown --write-out variable: '{name}'\n").into_bytes(),
                        ));
                    }
                    Some(Var::Onerror) => {
                        if ctx.result == CurlCode::Ok {
                            break;
                        }
                    }
                    Some(Var::Stdout) => {
                        flush(&mut out, stream, &mut cur);
                        stream = Stream::Stdout;
                    }
                    Some(Var::Stderr) => {
                        flush(&mut out, stream, &mut cur);
                        stream = Stream::Stderr;
                    }
                    Some(Var::Json) => cur.extend_from_slice(json_all(ctx).as_bytes()),
                    Some(Var::HeaderJson) => cur.extend_from_slice(header_json(ctx).as_bytes()),
                    Some(v) => {
                        if let Some(text) = plain(value(v, ctx)) {
                            cur.extend_from_slice(text.as_bytes());
                        }
                    }
                }
            } else if f[i + 1..].starts_with(b"header{") {
                let start = i + 8;
                match f[start..].iter().position(|b| *b == b'}') {
                    Some(p) => {
                        let name = &format[start..start + p];
                        if name.len() < 256
                            && let Some(v) = header_value(ctx.info, name)
                        {
                            cur.extend_from_slice(v.as_bytes());
                        }
                        i = start + p + 1;
                    }
                    None => {
                        cur.extend_from_slice(b"%header{");
                        i = start;
                    }
                }
            } else if f[i + 1..].starts_with(b"time{") {
                let start = i + 6;
                match f[start..].iter().position(|b| *b == b'}') {
                    Some(p) => {
                        let fmt = &format[start..start + p];
                        let text = UtcTime::from_system(ctx.now).strftime(fmt);
                        cur.extend_from_slice(text.as_bytes());
                        i = start + p + 1;
                    }
                    None => {
                        cur.extend_from_slice(b"%time{");
                        i = start;
                    }
                }
            } else if f[i + 1..].starts_with(b"output{") {
                let mut start = i + 8;
                if f[start..].starts_with(b">>") {
                    start += 2;
                }
                match f[start..].iter().position(|b| *b == b'}') {
                    Some(p) => {
                        let file = &format[start..start + p];
                        flush(&mut out, stream, &mut cur);
                        stream = match file {
                            "/dev/stdout" => Stream::Stdout,
                            "/dev/stderr" => Stream::Stderr,
                            _ => Stream::Discard,
                        };
                        i = start + p + 1;
                    }
                    None => {
                        cur.extend_from_slice(b"%output{");
                        i = start;
                    }
                }
            } else {
                // Unknown %-sequence: both characters are printed.
                cur.push(c);
                cur.push(next);
                i += 2;
            }
        } else if c == b'\\' && i + 1 < f.len() {
            match f[i + 1] {
                b'r' => cur.push(b'\r'),
                b'n' => cur.push(b'\n'),
                b't' => cur.push(b'\t'),
                other => {
                    cur.push(b'\\');
                    cur.push(other);
                }
            }
            i += 2;
        } else {
            cur.push(c);
            i += 1;
        }
    }
    flush(&mut out, stream, &mut cur);
    out.retain(|(s, _)| *s != Stream::Discard);
    out
}

fn secs(d: Duration) -> String {
    format!("{}.{:06}", d.as_secs(), d.subsec_micros())
}

fn plain(v: Value) -> Option<String> {
    match v {
        Value::Str(s) => s,
        Value::Long(n) | Value::Off(n) => Some(n.to_string()),
        Value::Code(n) => Some(format!("{n:03}")),
        Value::Time(d) => Some(secs(d)),
        Value::None => None,
    }
}

fn header_value<'a>(info: &'a TransferInfo, name: &str) -> Option<&'a str> {
    info.response.as_ref().and_then(|r| {
        r.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    })
}

fn value(var: Var, ctx: &Context<'_>) -> Value {
    let info = ctx.info;
    let old = ctx.build.version_code() < 800;
    let status = info.response.as_ref().map_or(0, |r| i64::from(r.status));
    match var {
        Var::Certs | Var::FtpEntryPath => Value::Str(None),
        Var::ConnId => Value::Off(info.conn_id.map_or(-1, |i| i as i64)),
        Var::ContentType => Value::Str(header_value(info, "content-type").map(str::to_string)),
        Var::Errormsg => Value::Str((ctx.result != CurlCode::Ok).then(|| {
            if info.errmsg.is_empty() || info.result != ctx.result {
                ctx.result.strerror(ctx.build.flavor).to_string()
            } else {
                info.errmsg.clone()
            }
        })),
        Var::Exitcode => Value::Long(i64::from(ctx.result.code())),
        Var::FilenameEffective => Value::Str(info.filename_effective.clone()),
        Var::HttpCode => Value::Code(status),
        Var::HttpConnect => Value::Code(0),
        Var::HttpVersion => Value::Str(Some(
            info.response
                .as_ref()
                .map_or("0", |r| r.version.curl_name())
                .to_string(),
        )),
        Var::LocalIp => Value::Str(Some(
            info.local.map(|a| a.ip().to_string()).unwrap_or_default(),
        )),
        Var::LocalPort => Value::Long(info.local.map_or(0, |a| i64::from(a.port()))),
        Var::RemoteIp => Value::Str(Some(
            info.remote.map(|a| a.ip().to_string()).unwrap_or_default(),
        )),
        Var::RemotePort => Value::Long(info.remote.map_or(0, |a| i64::from(a.port()))),
        Var::Method => Value::Str(Some(info.method.clone())),
        Var::NumCerts
        | Var::NumRetries
        | Var::ProxySslVerifyResult
        | Var::ProxyUsed
        | Var::SslVerifyResult => Value::Long(0),
        Var::NumConnects => Value::Long(i64::from(info.num_connects)),
        Var::NumHeaders => {
            Value::Long(info.response.as_ref().map_or(0, |r| r.headers.len() as i64))
        }
        Var::NumRedirects => Value::Long(i64::from(info.num_redirects)),
        Var::RedirectUrl => Value::Str(info.redirect_url.clone()),
        Var::Referer => Value::Str(info.referer.clone()),
        // CURLINFO_SCHEME was upper case before curl 8.
        Var::Scheme => Value::Str(info.scheme.as_ref().map(|s| {
            if old {
                s.to_ascii_uppercase()
            } else {
                s.clone()
            }
        })),
        Var::SizeDownload => Value::Off(info.size_download as i64),
        Var::SizeHeader => Value::Long(info.size_header as i64),
        Var::SizeRequest => Value::Long(info.size_request as i64),
        Var::SizeUpload => Value::Off(info.size_upload as i64),
        Var::SpeedDownload => {
            let us = info.times.total.as_micros().max(1) as u64;
            Value::Off((info.size_download.saturating_mul(1_000_000) / us) as i64)
        }
        Var::SpeedUpload => {
            let us = info.times.total.as_micros().max(1) as u64;
            Value::Off((info.size_upload.saturating_mul(1_000_000) / us) as i64)
        }
        Var::TimeAppconnect | Var::TimeQueue => Value::Time(Duration::ZERO),
        Var::TimeConnect => Value::Time(info.times.connect),
        Var::TimeNamelookup => Value::Time(info.times.namelookup),
        Var::TimePosttransfer => Value::Time(info.times.posttransfer),
        Var::TimePretransfer => Value::Time(info.times.pretransfer),
        Var::TimeRedirect => Value::Time(info.times.redirect),
        Var::TimeStarttransfer => Value::Time(info.times.starttransfer),
        Var::TimeTotal => Value::Time(info.times.total),
        Var::TlsEarlydata => Value::Off(0),
        Var::Url => Value::Str(Some(info.url.clone())),
        Var::UrlEffective => Value::Str(Some(
            info.effective_url
                .clone()
                .unwrap_or_else(|| info.url.clone()),
        )),
        Var::UrlPart(part, effective) => {
            let source = if effective {
                info.effective_url.as_deref()
            } else {
                Some(info.url.as_str())
            };
            Value::Str(source.and_then(|u| url_part(u, part)))
        }
        Var::Urlnum => Value::Off(info.urlnum as i64),
        Var::XferId => Value::Off(info.xfer_id as i64),
        Var::HeaderJson | Var::Json | Var::Onerror | Var::Stderr | Var::Stdout => Value::None,
    }
}

/// A URL component as `curl_url_get(..., CURLU_DEFAULT_PORT)` returns it.
fn url_part(url: &str, part: Part) -> Option<String> {
    let u = Url::parse(url, true).ok()?;
    match part {
        Part::Scheme => Some(u.scheme.clone()),
        Part::User => u.user.clone(),
        Part::Password => u.password.clone(),
        Part::Options | Part::Zoneid => None,
        Part::Host => Some(u.host.clone()),
        Part::Port => Some(u.effective_port().to_string()),
        Part::Path => Some(u.path.clone()),
        Part::Query => u.query.clone(),
        Part::Fragment => u.fragment.clone(),
    }
}

/// curl's JSON string quoting (tool_writeout_json.c jsonquoted): no `\u` escapes above 0x1f.
fn json_quote(s: &str, lowercase: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 32 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if lowercase => out.push(c.to_ascii_lowercase()),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_all(ctx: &Context<'_>) -> String {
    let mut s = String::from("{");
    for (name, var, since) in VARS {
        if ctx.build.version_code() < *since {
            continue;
        }
        let v = value(*var, ctx);
        let text = match v {
            Value::None => continue,
            Value::Str(Some(t)) => json_quote(&t, false),
            Value::Str(None) => "null".into(),
            Value::Long(n) | Value::Off(n) | Value::Code(n) => n.to_string(),
            Value::Time(d) => secs(d),
        };
        s.push_str(&format!("\"{name}\":{text},"));
    }
    s.push_str("\"curl_version\":");
    s.push_str(&json_quote(&ctx.build.libcurl_version_line(), false));
    s.push('}');
    s
}

fn header_json(ctx: &Context<'_>) -> String {
    let mut s = String::from("{");
    let Some(resp) = ctx.info.response.as_ref() else {
        s.push_str("\n}");
        return s;
    };
    let mut seen: Vec<String> = Vec::new();
    for (name, _) in &resp.headers {
        let lower = name.to_ascii_lowercase();
        if seen.contains(&lower) {
            continue;
        }
        if !seen.is_empty() {
            s.push_str(",\n");
        }
        let values: Vec<String> = resp
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| json_quote(v.trim(), false))
            .collect();
        s.push_str(&json_quote(name, true));
        s.push_str(":[");
        s.push_str(&values.join(","));
        s.push(']');
        seen.push(lower);
    }
    s.push_str("\n}");
    s
}
