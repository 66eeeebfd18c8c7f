//! curl as the images ship it: curl 8.16.0 in `curlimages/curl` (the Istio sleep/curl
//! sample) and Debian's curl 7.88.1 in the helloworld image.
//!
//! The emulation follows curl's tool (src/tool_*.c) and libcurl where a harness can see the
//! difference: option and config-file parsing with curl's messages, URL globbing, serial
//! transfers with connection reuse, `-i/-I/-o/-D/-f/-L/-m/--connect-timeout`, the progress
//! meter, `--write-out`, the `curl: (N) message` lines and the exit code, which is the last
//! transfer's result.
//!
//! Simplified, and said so where it matters: there is no file system (only `/dev/null`,
//! `-` and `/dev/std*` can be written or read), transfers run serially even with
//! `--parallel`, TLS and proxies are not modelled, and curl 7.88 differs from 8.16 only in
//! its version, the "Couldn't" wording of two messages and the variables it knows.

mod args;
mod config;
mod config_file;
mod errors;
mod glob;
mod messages;
mod progress;
#[cfg(test)]
mod proptests;
mod transfer;
mod url;
mod writeout;

use std::time::SystemTime;

pub(crate) use errors::CurlCode;

use super::image::CurlVersion;
use super::process::{ProcessContext, ProcessIo};
use args::ParamError;
use config::{HttpReq, State, Stdin};
use glob::Glob;
use transfer::{Connections, Env};

/// Which distribution built the curl binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CurlFlavor {
    /// curl/curl-container's static Alpine build (curlimages/curl).
    CurlImages,
    /// Debian bookworm's curl package (7.88.1).
    DebianBookworm,
}

/// A curl binary: its version and who built it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct CurlBuild {
    pub version: CurlVersion,
    pub flavor: CurlFlavor,
}

impl CurlBuild {
    /// The default `User-Agent` (src/tool_operate.c: "curl/" CURL_VERSION).
    pub(crate) fn user_agent(&self) -> String {
        format!("curl/{}", self.version)
    }

    /// major*100+minor, to compare with the release that introduced a feature.
    pub(crate) fn version_code(&self) -> u32 {
        u32::from(self.version.major) * 100 + u32::from(self.version.minor)
    }

    /// `curl_version()`: libcurl and its libraries. The library versions are those of the
    /// distributions at the curl release, approximately.
    pub(crate) fn libcurl_version_line(&self) -> String {
        match self.flavor {
            CurlFlavor::CurlImages => format!(
                "libcurl/{} OpenSSL/3.5.4 zlib/1.3.1 brotli/1.1.0 zstd/1.5.7 libidn2/2.3.8 libpsl/0.21.5 libssh2/1.11.1 nghttp2/1.67.0",
                self.version
            ),
            CurlFlavor::DebianBookworm => format!(
                "libcurl/{} OpenSSL/3.0.15 zlib/1.2.13 brotli/1.0.9 zstd/1.5.4 libidn2/2.3.3 libpsl/0.21.2 (+libidn2/2.3.3) libssh2/1.10.0 nghttp2/1.52.0 librtmp/2.3 OpenLDAP/2.5.13",
                self.version
            ),
        }
    }

    /// `curl --version` (src/tool_help.c tool_version_info).
    fn version_text(&self) -> String {
        match self.flavor {
            CurlFlavor::CurlImages => format!(
                "curl {} (x86_64-pc-linux-musl) {}\nRelease-Date: 2025-09-10\nProtocols: dict file ftp ftps gopher gophers http https imap imaps ipfs ipns mqtt pop3 pop3s rtsp scp sftp smb smbs smtp smtps telnet tftp ws wss\nFeatures: alt-svc AsynchDNS brotli GSS-API HSTS HTTP2 HTTPS-proxy IDN IPv6 Kerberos Largefile libz NTLM PSL SPNEGO SSL threadsafe TLS-SRP UnixSockets zstd\n",
                self.version,
                self.libcurl_version_line()
            ),
            CurlFlavor::DebianBookworm => format!(
                "curl {} (x86_64-pc-linux-gnu) {}\nRelease-Date: 2023-02-20, security patched: 7.88.1-10+deb12u8\nProtocols: dict file ftp ftps gopher gophers http https imap imaps ldap ldaps mqtt pop3 pop3s rtmp rtsp scp sftp smb smbs smtp smtps telnet tftp\nFeatures: alt-svc AsynchDNS brotli GSS-API HSTS HTTP2 HTTPS-proxy IDN IPv6 Kerberos Largefile libz NTLM NTLM_WB PSL SPNEGO SSL threadsafe TLS-SRP UnixSockets zstd\n",
                self.version,
                self.libcurl_version_line()
            ),
        }
    }
}

/// Run curl with `args` (argv without argv[0]); returns the exit code.
pub(crate) async fn run(
    build: CurlBuild,
    ctx: &ProcessContext,
    args: &[String],
    io: &mut ProcessIo,
) -> i32 {
    let mut st = State::new(build, Stdin::new(io.stdin.take()));
    if let Some(c) = ctx
        .env_var("COLUMNS")
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|c| *c > 20 && *c < 10_000)
    {
        st.err.columns = c;
    }
    if args.is_empty() {
        // src/tool_operate.c operate: no arguments and no .curlrc URL.
        st.err.helpf(None);
        io.err(&st.err.take()).await;
        return CurlCode::FailedInit.code();
    }
    let parsed = args::parse_args(&mut st, args).await;
    io.err(&st.err.take()).await;
    if let Err(failure) = parsed {
        return match failure.error {
            ParamError::HelpRequested => {
                io.out(b"Usage: curl [options...] <url>\n[simulator] the simulated curl has no built-in help text; see https://curl.se/docs/manpage.html\n").await;
                0
            }
            ParamError::ManualRequested => {
                io.out(b"[simulator] the simulated curl has no built-in manual\n")
                    .await;
                0
            }
            ParamError::VersionRequested => {
                io.out(build.version_text().as_bytes()).await;
                0
            }
            error => {
                let reason = error.text();
                if let ParamError::Unsupported(_) = error {
                    let opt = failure.option.unwrap_or_default();
                    st.err.simulator(&format!("option {opt}: {reason}"));
                } else {
                    match failure.option.as_deref() {
                        Some(o) if o != ":" => st.err.helpf(Some(&format!("option {o}: {reason}"))),
                        _ => st.err.helpf(Some(&reason)),
                    }
                }
                io.err(&st.err.take()).await;
                // src/tool_operate.c operate: PARAM_READ_ERROR -> CURLE_READ_ERROR
                if error == ParamError::ReadError {
                    CurlCode::ReadError.code()
                } else {
                    CurlCode::FailedInit.code()
                }
            }
        };
    }
    transfers(&mut st, ctx, io).await.code()
}

/// Run every operation's transfers in order (src/tool_operate.c serial_transfers,
/// post_per_transfer).
async fn transfers(st: &mut State, ctx: &ProcessContext, io: &mut ProcessIo) -> CurlCode {
    let global = st.global.clone();
    let ops = std::mem::take(&mut st.ops);
    let mut conns = Connections::default();
    let mut xfer_id = 0u64;
    let mut returncode = CurlCode::Ok;
    for mut op in ops {
        if !op.has_url() {
            st.err.helpf(Some("(2) no URL specified"));
            io.err(&st.err.take()).await;
            return CurlCode::FailedInit;
        }
        // single_transfer: -d makes a POST, or the query with -G.
        let mut get_fields: Option<Vec<u8>> = None;
        if let Some(data) = op.postdata.clone() {
            let ok = if op.use_get {
                get_fields = Some(data);
                let req = if op.no_body {
                    HttpReq::Head
                } else {
                    HttpReq::Get
                };
                op.set_httpreq(req, &mut st.err)
            } else {
                op.set_httpreq(HttpReq::SimplePost, &mut st.err)
            };
            if !ok {
                io.err(&st.err.take()).await;
                return CurlCode::FailedInit;
            }
        }
        if let Some(m) = &op.custom_request {
            // src/tool_helpers.c customrequest_helper
            let inferred = match op.httpreq {
                HttpReq::Head => "HEAD",
                HttpReq::SimplePost => "POST",
                _ => "GET",
            };
            if m.eq_ignore_ascii_case(inferred) {
                st.err.notef(&format!(
                    "Unnecessary use of -X or --request, {inferred} is already inferred."
                ));
            } else if m.eq_ignore_ascii_case("head") {
                st.err.warnf("Setting custom HTTP method to HEAD with -X/--request may not work the way you want. Consider using -I/--head instead.");
            }
        }
        io.err(&st.err.take()).await;

        for (urlnum, node) in op.urls.iter().enumerate() {
            let Some(url) = node.url.as_deref() else {
                st.err.warnf("Got more output options than URLs");
                io.err(&st.err.take()).await;
                break;
            };
            let glob = if op.globoff {
                Glob::literal(url)
            } else {
                match Glob::parse(url) {
                    Ok(g) => g,
                    Err(e) => {
                        if !global.silent || global.show_error {
                            io.err(format!("curl: (3) {}\n", e.message).as_bytes())
                                .await;
                        }
                        return CurlCode::UrlMalformat;
                    }
                }
            };
            for k in 0..glob.count() {
                let target = glob.nth(k);
                let meter = !global.silent && !global.no_progress;
                if meter {
                    let head = format!(
                        "{}{}",
                        progress::HEADER,
                        progress::line(0, None, Default::default())
                    );
                    io.err(head.as_bytes()).await;
                }
                let info = {
                    let mut env = Env {
                        build: st.build,
                        global: &global,
                        net: ctx.net.as_ref(),
                        io,
                        conns: &mut conns,
                    };
                    transfer::perform(
                        &mut env,
                        &op,
                        &target,
                        node.outfile.as_deref(),
                        urlnum as u64,
                        xfer_id,
                        get_fields.as_deref(),
                    )
                    .await
                };
                xfer_id += 1;
                let mut result = info.result;
                if meter && result == CurlCode::Ok {
                    let expected = info.response.as_ref().and_then(|r| {
                        r.headers
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                            .and_then(|(_, v)| v.trim().parse::<u64>().ok())
                    });
                    let line = progress::line(info.size_download, expected, info.times.total);
                    io.err(format!("{line}\n").as_bytes()).await;
                }
                let show = !global.silent || global.show_error;
                if result != CurlCode::Ok {
                    if show {
                        let msg = if info.errmsg.is_empty() {
                            result.strerror(st.build.flavor).to_string()
                        } else {
                            info.errmsg.clone()
                        };
                        io.err(format!("curl: ({}) {msg}\n", result.code()).as_bytes())
                            .await;
                    }
                } else if op.fail_with_body {
                    let status = info.response.as_ref().map_or(0, |r| r.status);
                    if status >= 400 {
                        if show {
                            let msg = format!(
                                "curl: ({}) The requested URL returned error: {status}\n",
                                CurlCode::HttpReturnedError.code()
                            );
                            io.err(msg.as_bytes()).await;
                        }
                        result = CurlCode::HttpReturnedError;
                    }
                }
                if let Some(w) = &op.writeout {
                    let ctx_w = writeout::Context {
                        build: st.build,
                        info: &info,
                        result,
                        now: SystemTime::now(),
                    };
                    for (stream, bytes) in writeout::render(w, &ctx_w) {
                        match stream {
                            writeout::Stream::Stdout => io.out(&bytes).await,
                            _ => io.err(&bytes).await,
                        };
                    }
                }
                returncode = result;
                if result.is_fatal() || (result != CurlCode::Ok && global.fail_early) {
                    return result;
                }
            }
        }
    }
    returncode
}
