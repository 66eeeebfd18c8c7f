//! Building one curl run for a batch of requests: an argv without a shell, and a config file
//! for stdin with one group of options per request.

use super::super::request::{Request, RequestError};
use super::CurlBatch;
use super::quote::{push_line, push_switch};

/// The argv: `-q` first (ignore any `.curlrc` in the image), silent but showing errors, the
/// config from stdin.
const ARGV: &[&str] = &["curl", "-q", "-sS", "-K", "-"];

/// Builds the curl run for `requests` with a fresh random delimiter.
pub fn curl_batch(requests: &[Request]) -> Result<CurlBatch, RequestError> {
    build(requests, format!("hx{:032x}", rand::random::<u128>()))
}

/// The write-out of request `index`: after the body, a line that only this batch can print,
/// with what the parser needs to cut the output exactly (sizes), classify it (exit code,
/// status) and report it (time, curl's message). `%{errormsg}` is last, closed by the token,
/// so whatever it contains cannot shift the fields.
pub(super) fn write_out(token: &str, index: usize) -> String {
    format!(
        "\n<<{token} {index} %{{exitcode}} %{{http_code}} %{{size_header}} %{{size_download}} %{{time_total}} %{{errormsg}}{token}>>\n"
    )
}

/// One option of a request's group: curl's long name, and its value unless it is a switch.
/// Both encodings write exactly these, in this order: `name = "value"` lines on stdin, or
/// `--name` `value` argv elements ([`super::argv`]).
pub(super) struct CurlOpt {
    pub name: &'static str,
    pub value: Option<Vec<u8>>,
    /// What the value is, for errors ("the URL", "header X-Q").
    pub what: String,
}

fn switch(name: &'static str) -> CurlOpt {
    CurlOpt {
        name,
        value: None,
        what: name.to_string(),
    }
}

fn opt(name: &'static str, value: impl Into<Vec<u8>>, what: impl Into<String>) -> CurlOpt {
    CurlOpt {
        name,
        value: Some(value.into()),
        what: what.into(),
    }
}

/// The options of request `index` of a batch with delimiter `token`, after [`Request::check`].
pub(super) fn request_options(
    r: &Request,
    token: &str,
    index: usize,
) -> Result<Vec<CurlOpt>, RequestError> {
    r.check(index)?;
    let mut opts = vec![opt("url", r.url(), "the URL")];
    // The URL as written: no `[]{}` globbing, no dot-segment squashing, no proxy from the
    // pod's environment.
    opts.push(switch("globoff"));
    opts.push(switch("path-as-is"));
    opts.push(opt("noproxy", "*", "noproxy"));
    // Headers go to stdout before the body; %{size_header} says how many bytes they are.
    opts.push(switch("include"));
    let secs = format!("{:.3}", r.timeout.as_secs_f64());
    opts.push(opt("max-time", secs, "max-time"));
    let has_body = r.body.is_some();
    if r.method.eq_ignore_ascii_case("HEAD") {
        // `-X HEAD` would wait for a body that never comes; `--head` is curl's HEAD.
        opts.push(switch("head"));
    } else if !(r.method == "GET" && !has_body || r.method == "POST" && has_body) {
        opts.push(opt("request", r.method.as_str(), "the method"));
    }
    if let super::super::request::Target::Host { host, .. } = &r.target
        && !r
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("host"))
    {
        opts.push(opt("header", format!("Host: {host}"), "the Host header"));
    }
    for (name, value) in &r.headers {
        // `Name;` is curl's way to send a header with an empty value (`Name:` removes it).
        let h = if value.is_empty() {
            format!("{name};")
        } else {
            format!("{name}: {value}")
        };
        opts.push(opt("header", h, format!("header {name}")));
    }
    if let Some(body) = &r.body {
        if !r
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("expect"))
        {
            // No `Expect: 100-continue` pause on large bodies.
            opts.push(opt("header", "Expect:", "Expect"));
        }
        // `--data-raw`: the bytes as given, no `@file` meaning, no newline stripping.
        opts.push(opt("data-raw", body.clone(), "the body"));
    }
    opts.push(opt("write-out", write_out(token, index), "write-out"));
    // `-H @file` and `-w @file` read a file. A header name is a token and the write-out
    // starts with a newline, so neither can start with `@`; this keeps it that way.
    if let Some(o) = opts.iter().find(|o| {
        matches!(o.name, "header" | "write-out")
            && o.value.as_deref().is_some_and(|v| v.starts_with(b"@"))
    }) {
        return Err(RequestError {
            index,
            problem: format!(
                "{} starts with `@`, which curl reads as a file name",
                o.what
            ),
        });
    }
    Ok(opts)
}

pub(super) fn build(requests: &[Request], token: String) -> Result<CurlBatch, RequestError> {
    let mut cfg = Vec::new();
    for (index, r) in requests.iter().enumerate() {
        if index > 0 {
            push_switch(&mut cfg, "next");
        }
        for o in request_options(r, &token, index)? {
            match &o.value {
                None => push_switch(&mut cfg, o.name),
                Some(v) => push_line(&mut cfg, o.name, v).map_err(|e| RequestError {
                    index,
                    problem: format!("{}: {e}", o.what),
                })?,
            }
        }
    }
    Ok(CurlBatch {
        argv: ARGV.iter().map(|s| s.to_string()).collect(),
        stdin: Some(cfg),
        token,
        count: requests.len(),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn writes_one_group_per_request() {
        let reqs = vec![
            Request::get("http://helloworld.sample:5000/hello"),
            Request::to_host("httpbin.example.com", "/anything")
                .method("PUT")
                .header("X-Q", "say \"hi\" \\ # now")
                .header("X-Empty", "")
                .body("a\nb")
                .timeout(Duration::from_millis(2500)),
        ];
        let b = build(&reqs, "hxTOKEN".into()).unwrap();
        assert_eq!(b.argv, ["curl", "-q", "-sS", "-K", "-"]);
        let text = String::from_utf8(b.stdin.clone().unwrap()).unwrap();
        let expected = r#"url = "http://helloworld.sample:5000/hello"
globoff
path-as-is
noproxy = "*"
include
max-time = "10.000"
write-out = "\n<<hxTOKEN 0 %{exitcode} %{http_code} %{size_header} %{size_download} %{time_total} %{errormsg}hxTOKEN>>\n"
next
url = "http://httpbin.example.com/anything"
globoff
path-as-is
noproxy = "*"
include
max-time = "2.500"
request = "PUT"
header = "Host: httpbin.example.com"
header = "X-Q: say \"hi\" \\ # now"
header = "X-Empty;"
header = "Expect:"
data-raw = "a\nb"
write-out = "\n<<hxTOKEN 1 %{exitcode} %{http_code} %{size_header} %{size_download} %{time_total} %{errormsg}hxTOKEN>>\n"
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn infers_methods_like_curl() {
        let b = build(
            &[Request::get("http://a/").method("POST").body("x")],
            "t".into(),
        )
        .unwrap();
        assert!(!String::from_utf8_lossy(b.stdin().unwrap()).contains("request ="));
        let b = build(&[Request::get("http://a/").method("HEAD")], "t".into()).unwrap();
        assert!(String::from_utf8_lossy(b.stdin().unwrap()).contains("\nhead\n"));
        let b = build(&[Request::get("http://a/").method("POST")], "t".into()).unwrap();
        assert!(String::from_utf8_lossy(b.stdin().unwrap()).contains("request = \"POST\""));
    }

    #[test]
    fn refuses_what_curl_cannot_carry() {
        let e = build(
            &[
                Request::get("http://a/"),
                Request::get("http://a/").body(b"a\0b".to_vec()),
            ],
            "t".into(),
        )
        .unwrap_err();
        assert_eq!(e.index, 1);
        assert!(e.problem.contains("NUL"), "{e}");
        assert!(build(&[Request::get("http://a/").header("X", "a\nb")], "t".into()).is_err());
    }

    #[test]
    fn tokens_differ_per_batch() {
        let a = curl_batch(&[Request::get("http://a/")]).unwrap();
        let b = curl_batch(&[Request::get("http://a/")]).unwrap();
        assert_ne!(a.token, b.token);
    }
}
