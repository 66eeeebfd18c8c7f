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

pub(super) fn build(requests: &[Request], token: String) -> Result<CurlBatch, RequestError> {
    let mut cfg = Vec::new();
    for (index, r) in requests.iter().enumerate() {
        r.check(index)?;
        let fail = |what: &str, e: super::quote::QuoteError| RequestError {
            index,
            problem: format!("{what}: {e}"),
        };
        if index > 0 {
            push_switch(&mut cfg, "next");
        }
        push_line(&mut cfg, "url", r.url().as_bytes()).map_err(|e| fail("the URL", e))?;
        // The URL as written: no `[]{}` globbing, no dot-segment squashing, no proxy from the
        // pod's environment.
        push_switch(&mut cfg, "globoff");
        push_switch(&mut cfg, "path-as-is");
        push_line(&mut cfg, "noproxy", b"*").map_err(|e| fail("noproxy", e))?;
        // Headers go to stdout before the body; %{size_header} says how many bytes they are.
        push_switch(&mut cfg, "include");
        let secs = format!("{:.3}", r.timeout.as_secs_f64());
        push_line(&mut cfg, "max-time", secs.as_bytes()).map_err(|e| fail("max-time", e))?;
        let has_body = r.body.is_some();
        if r.method.eq_ignore_ascii_case("HEAD") {
            // `-X HEAD` would wait for a body that never comes; `--head` is curl's HEAD.
            push_switch(&mut cfg, "head");
        } else if !(r.method == "GET" && !has_body || r.method == "POST" && has_body) {
            push_line(&mut cfg, "request", r.method.as_bytes())
                .map_err(|e| fail("the method", e))?;
        }
        if let super::super::request::Target::Host { host, .. } = &r.target
            && !r
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("host"))
        {
            let h = format!("Host: {host}");
            push_line(&mut cfg, "header", h.as_bytes()).map_err(|e| fail("the Host header", e))?;
        }
        for (name, value) in &r.headers {
            // `Name;` is curl's way to send a header with an empty value (`Name:` removes it).
            let h = if value.is_empty() {
                format!("{name};")
            } else {
                format!("{name}: {value}")
            };
            push_line(&mut cfg, "header", h.as_bytes())
                .map_err(|e| fail(&format!("header {name}"), e))?;
        }
        if let Some(body) = &r.body {
            if !r
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("expect"))
            {
                // No `Expect: 100-continue` pause on large bodies.
                push_line(&mut cfg, "header", b"Expect:").map_err(|e| fail("Expect", e))?;
            }
            // `--data-raw`: the bytes as given, no `@file` meaning, no newline stripping.
            push_line(&mut cfg, "data-raw", body).map_err(|e| fail("the body", e))?;
        }
        push_line(&mut cfg, "write-out", write_out(&token, index).as_bytes())
            .map_err(|e| fail("write-out", e))?;
    }
    Ok(CurlBatch {
        argv: ARGV.iter().map(|s| s.to_string()).collect(),
        stdin: cfg,
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
        let text = String::from_utf8(b.stdin.clone()).unwrap();
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
        assert!(!String::from_utf8_lossy(&b.stdin).contains("request ="));
        let b = build(&[Request::get("http://a/").method("HEAD")], "t".into()).unwrap();
        assert!(String::from_utf8_lossy(&b.stdin).contains("\nhead\n"));
        let b = build(&[Request::get("http://a/").method("POST")], "t".into()).unwrap();
        assert!(String::from_utf8_lossy(&b.stdin).contains("request = \"POST\""));
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
