//! `curl -K -`: the harness's batch mode, one `--next` group per request.

use std::sync::Arc;

use super::super as w;
use super::support::*;
use w::NetError;

fn net() -> Arc<FakeNet> {
    Arc::new(
        FakeNet::new()
            .route(
                "a:80",
                Behaviour::Respond(text_response(
                    200,
                    &[("content-type", "text/plain")],
                    "line1\nEND\n\u{0}\u{ff}",
                )),
            )
            .route("b:80", Behaviour::Respond(fault_abort()))
            .route("c:80", Behaviour::Fail(NetError::ConnectionRefused)),
    )
}

#[tokio::test]
async fn batch_config_with_next_groups() {
    let config = b"# one request per group\n\
url = \"http://a/x\"\n\
write-out = \"\\n@@END %{http_code} %{size_download} %{exitcode}@@\\n\"\n\
next\n\
url = \"http://b/y\"\n\
header = \"X-Probe: 2\"\n\
write-out = \"\\n@@END %{http_code} %{size_download} %{exitcode}@@\\n\"\n\
next\n\
--url http://c/z\n\
-w \"\\n@@END %{http_code} %{size_download} %{exitcode}@@\\n\"\n";
    let net = net();
    let r = curl_stdin(&net, &["-sS", "-K", "-"], Some(config)).await;
    let mut want = Vec::new();
    want.extend_from_slice(b"line1\nEND\n\x00\xc3\xbf\n@@END 200 13 0@@\n");
    want.extend_from_slice(b"fault filter abort\n@@END 500 18 0@@\n");
    want.extend_from_slice(b"\n@@END 000 0 7@@\n");
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&want)
    );
    assert_eq!(r.stdout, want);
    assert_eq!(
        r.stderr,
        "curl: (7) Failed to connect to c port 80 after 0 ms: Could not connect to server\n"
    );
    assert_eq!(r.code(), 7);
    let reqs = net.requests();
    assert_eq!(reqs.len(), 3);
    assert!(
        reqs[1]
            .headers
            .contains(&("X-Probe".to_string(), "2".to_string()))
    );
    assert!(!reqs[0].headers.iter().any(|(k, _)| k == "X-Probe"));
}

#[tokio::test]
async fn config_errors_stop_everything() {
    let net = net();
    let help = "curl: try 'curl --help' or 'curl --manual' for more information\n";
    let config = b"url = http://a/\nbogus = 1\nurl = http://b/\n";
    let r = curl_stdin(&net, &["-K", "-"], Some(config)).await;
    assert_eq!(r.code(), 26);
    assert_eq!(
        r.stderr,
        format!(
            "curl: <stdin>:2: 'bogus' is unknown\ncurl: cannot read config from '-'\ncurl: option -K: error encountered when reading a file\n{help}"
        )
    );
    assert!(net.requests().is_empty());
    // -s hides curl's own error lines (even with -S) but not the final help line.
    let r = curl_stdin(&net, &["-sS", "-K", "-"], Some(config)).await;
    assert_eq!(
        (r.code(), r.stderr.clone()),
        (
            26,
            format!("curl: option -K: error encountered when reading a file\n{help}")
        )
    );
    // Leading blanks make the option name empty in curl 8.13+ ("url" becomes its value).
    let r = curl_stdin(&net, &["-K", "-"], Some(b"  url = http://a/\n")).await;
    assert_eq!(
        r.stderr,
        format!(
            "Warning: -:1: warning: '' uses unquoted whitespace. This may cause \nWarning: side-effects. Consider double quotes.\ncurl: <stdin>:1: '' is unknown\ncurl: cannot read config from '-'\ncurl: option -K: error encountered when reading a file\n{help}"
        )
    );
    let r = curl_stdin(&net, &["--config", "-"], Some(b"insecure yes\n")).await;
    assert_eq!(
        r.stderr,
        format!("curl: -:1: 'insecure' had unsupported trailing garbage\ncurl: cannot read config from '-'\ncurl: option --config: error encountered when reading a file\n{help}")
            .replace("-:1:", "<stdin>:1:")
    );
    // "silent yes" turns -s on before the error is found, which then hides the error.
    let r = curl_stdin(&net, &["--config", "-"], Some(b"silent yes\n")).await;
    assert_eq!(
        r.stderr,
        format!("curl: option --config: error encountered when reading a file\n{help}")
    );
}

#[tokio::test]
async fn config_quoting_and_warnings() {
    let net = net();
    let config = b"url: http://b/ trailing\n-o /dev/null\n-w \"a\\tb\\x%{http_code}\"\n";
    let r = curl_stdin(&net, &["-K", "-", "-S"], Some(config)).await;
    assert!(r.stderr.starts_with(
        "Warning: -:1: warning: 'url' uses unquoted whitespace. This may cause \nWarning: side-effects. Consider double quotes.\n"
    ), "{:?}", r.stderr);
    assert_eq!(r.out(), "a\tbx500");
}

#[tokio::test]
async fn stdin_is_read_once() {
    let net = net();
    // No stdin at all (kubectl exec without -i): an empty config, so no URL.
    let r = curl_stdin(&net, &["-s", "-K", "-"], None).await;
    assert_eq!(r.code(), 2);
    // -d @- after -K - finds stdin already consumed and posts an empty body.
    let r = curl_stdin(
        &net,
        &["-s", "-K", "-", "-d", "@-"],
        Some(b"url = http://b/\n"),
    )
    .await;
    assert_eq!(r.code(), 0);
    let req = net.requests().pop().unwrap_or_else(|| panic!("no request"));
    assert_eq!((req.method.as_str(), req.body.len()), ("POST", 0));
}

#[tokio::test]
async fn trailing_next_leaves_an_empty_operation() {
    let net = net();
    let r = curl_stdin(&net, &["-s", "-K", "-"], Some(b"url = http://b/\nnext\n")).await;
    assert_eq!(r.out(), "fault filter abort");
    assert_eq!(
        r.stderr,
        "curl: (2) no URL specified\ncurl: try 'curl --help' or 'curl --manual' for more information\n"
    );
    assert_eq!(r.code(), 2);
}
