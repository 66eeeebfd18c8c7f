//! curl from the command line: the blog's commands, every error exit, output options.

use std::sync::Arc;
use std::time::Duration;

use super::super as w;
use super::support::*;
use w::NetError;
use w::image::HelloworldVersion;

const V1_POD: &str = "helloworld-v1-78b9f5c87f-szgcq";

fn sample_net() -> Arc<FakeNet> {
    let (image, pod) = helloworld_pod(HelloworldVersion::V1, V1_POD);
    Arc::new(
        FakeNet::new()
            .route("helloworld.sample:5000", Behaviour::Serve(image, pod))
            .route("aborting:5000", Behaviour::Respond(fault_abort()))
            .route("refused:80", Behaviour::Fail(NetError::ConnectionRefused))
            .route("reset:80", Behaviour::Fail(NetError::ConnectionReset))
            .route("empty:80", Behaviour::Fail(NetError::EmptyReply))
            .route("blackhole:80", Behaviour::Fail(NetError::Unreachable))
            .route(
                "slow:80",
                Behaviour::Delay(
                    Duration::from_secs(5),
                    Box::new(Behaviour::Respond(text_response(200, &[], "late"))),
                ),
            )
            .route(
                "missing:80",
                Behaviour::Respond(text_response(
                    404,
                    &[("content-type", "text/plain")],
                    "nope\n",
                )),
            )
            .route(
                "redir:80",
                Behaviour::Respond(text_response(
                    302,
                    &[("location", "/final"), ("content-length", "0")],
                    "",
                )),
            ),
    )
}

#[tokio::test]
async fn blog_route_rule_command() {
    // kubectl exec -n sample -c sleep deployment/sleep -- curl -sS helloworld.sample:5000/hello
    let net = sample_net();
    let r = curl(&net, &["-sS", "helloworld.sample:5000/hello"]).await;
    assert_eq!(r.out(), format!("Hello version: v1, instance: {V1_POD}\n"));
    assert_eq!(r.stderr, "");
    assert_eq!(r.code(), 0);
    let req = &net.requests()[0];
    assert_eq!(
        (req.scheme.as_str(), req.host.as_str(), req.port),
        ("http", "helloworld.sample", 5000)
    );
    assert_eq!(req.path_and_query, "/hello");
    assert_eq!(
        req.headers,
        [
            ("Host".to_string(), "helloworld.sample:5000".to_string()),
            ("User-Agent".to_string(), "curl/8.16.0".to_string()),
            ("Accept".to_string(), "*/*".to_string()),
        ]
    );
}

#[tokio::test]
async fn fault_abort_body_has_no_newline() {
    let net = sample_net();
    let r = curl(&net, &["-s", "aborting:5000/hello"]).await;
    assert_eq!(r.out(), "fault filter abort");
    assert_eq!((r.code(), r.stderr.as_str()), (0, ""));
}

#[tokio::test]
async fn error_messages_and_exit_codes() {
    let net = sample_net();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["-sS", "http://nope.sample:5000/"],
            6,
            "curl: (6) Could not resolve host: nope.sample\n",
        ),
        (
            &["-sS", "refused"],
            7,
            "curl: (7) Failed to connect to refused port 80 after 0 ms: Could not connect to server\n",
        ),
        (
            &["-sS", "reset"],
            56,
            "curl: (56) Recv failure: Connection reset by peer\n",
        ),
        (
            &["-sS", "empty"],
            52,
            "curl: (52) Empty reply from server\n",
        ),
        (
            &["-sS", "-f", "missing"],
            22,
            "curl: (22) The requested URL returned error: 404\n",
        ),
        (
            &["-sS", "http://a b/"],
            3,
            "curl: (3) URL rejected: Malformed input to a URL function\n",
        ),
        (
            &["-sS", "http://h:70000/"],
            3,
            "curl: (3) URL rejected: Port number was not a decimal number between 0 and 65535\n",
        ),
        (
            &["-sS", "http://"],
            3,
            "curl: (3) URL rejected: No host part in the URL\n",
        ),
        (
            &["-sS", "foo://x/"],
            1,
            "curl: (1) Protocol \"foo\" not supported\n",
        ),
        (
            &["-sSL", "--max-redirs", "0", "redir"],
            47,
            "curl: (47) Maximum (0) redirects followed\n",
        ),
    ];
    for (args, code, stderr) in cases {
        let r = curl(&net, args).await;
        assert_eq!(
            (r.code(), r.stderr.as_str(), r.out().as_str()),
            (*code, *stderr, ""),
            "{args:?}"
        );
        // -s alone hides the message but keeps the exit code
        let quiet: Vec<&str> = args
            .iter()
            .map(|a| {
                if *a == "-sS" {
                    "-s"
                } else if *a == "-sSL" {
                    "-sL"
                } else {
                    a
                }
            })
            .collect();
        let r = curl(&net, &quiet).await;
        assert_eq!((r.code(), r.stderr.as_str()), (*code, ""), "{quiet:?}");
    }
}

#[tokio::test]
async fn max_time_fires_on_a_delayed_response() {
    let net = sample_net();
    let r = curl(&net, &["-sS", "-m", "0.2", "slow"]).await;
    assert_eq!(r.code(), 28);
    let ms: u64 = r
        .stderr
        .strip_prefix("curl: (28) Operation timed out after ")
        .and_then(|s| s.strip_suffix(" milliseconds with 0 bytes received\n"))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    assert!((200..400).contains(&ms), "{}", r.stderr);
}

#[tokio::test]
async fn connect_timeout_on_an_unanswered_syn() {
    let net = sample_net();
    let r = curl(&net, &["-sS", "--connect-timeout", "0.1", "blackhole"]).await;
    assert_eq!(r.code(), 28);
    assert!(
        r.stderr
            .starts_with("curl: (28) Connection timed out after 1"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.ends_with(" milliseconds\n"));
}

#[tokio::test]
async fn last_transfer_decides_the_exit_code() {
    let net = sample_net();
    let r = curl(&net, &["-sS", "nope", "helloworld.sample:5000/hello"]).await;
    assert_eq!(r.code(), 0);
    assert_eq!(r.stderr, "curl: (6) Could not resolve host: nope\n");
    assert_eq!(r.out(), format!("Hello version: v1, instance: {V1_POD}\n"));
    let r = curl(&net, &["-sS", "helloworld.sample:5000/hello", "nope"]).await;
    assert_eq!(r.code(), 6);
}

#[tokio::test]
async fn write_out_variables() {
    let net = sample_net();
    let r = curl(
        &net,
        &[
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{response_code} %{size_download} %{url_effective} %{content_type} %{exitcode} [%{errormsg}] %{method} %{num_headers} %header{content-type} %%\\n",
            "helloworld.sample:5000/hello",
        ],
    )
    .await;
    assert_eq!(
        r.out(),
        "200 200 60 http://helloworld.sample:5000/hello text/html; charset=utf-8 0 [] GET 5 text/html; charset=utf-8 %\n"
    );
    let r = curl(
        &net,
        &["-s", "-w", "%{http_code} %{exitcode} %{errormsg}\n", "nope"],
    )
    .await;
    assert_eq!(r.out(), "000 6 Could not resolve host: nope\n");
    assert_eq!(r.code(), 6);
    let r = curl(
        &net,
        &[
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{bogus}%{onerror}x\n",
            "missing",
        ],
    )
    .await;
    assert_eq!(r.stderr, "curl: unknown --write-out variable: 'bogus'\n");
    assert_eq!(r.out(), "");
    let r = curl(
        &net,
        &["-s", "-o", "/dev/null", "-w", "%{time_total}", "missing"],
    )
    .await;
    let t = r.out();
    assert!(
        t.len() == 8 && t.starts_with("0.") && t[2..].bytes().all(|b| b.is_ascii_digit()),
        "{t}"
    );
}

#[tokio::test]
async fn write_out_json_and_header_json() {
    let net = sample_net();
    let r = curl(
        &net,
        &[
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{header_json}",
            "aborting:5000/x",
        ],
    )
    .await;
    assert_eq!(
        r.out(),
        "{\"content-length\":[\"18\"],\n\"content-type\":[\"text/plain\"],\n\"date\":[\"Thu, 27 Nov 2025 09:48:05 GMT\"],\n\"server\":[\"envoy\"]\n}"
    );
    let r = curl(
        &net,
        &["-s", "-o", "/dev/null", "-w", "%{json}", "aborting:5000/x"],
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&r.out()).unwrap_or_default();
    assert_eq!(v["http_code"], 500);
    assert_eq!(v["url_effective"], "http://aborting:5000/x");
    assert_eq!(v["errormsg"], serde_json::Value::Null);
    assert_eq!(v["url.port"], "5000");
    assert!(
        v["curl_version"]
            .as_str()
            .unwrap_or("")
            .starts_with("libcurl/8.16.0")
    );
}

#[tokio::test]
async fn include_and_head_print_headers() {
    let net = sample_net();
    let r = curl(&net, &["-si", "aborting:5000/"]).await;
    assert_eq!(
        r.out(),
        "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 18\r\ncontent-type: text/plain\r\ndate: Thu, 27 Nov 2025 09:48:05 GMT\r\nserver: envoy\r\n\r\nfault filter abort"
    );
    let r = curl(
        &net,
        &["-sI", "-HHost:httpbin.example.com", "aborting:5000/get"],
    )
    .await;
    assert!(r.out().ends_with("server: envoy\r\n\r\n"), "{}", r.out());
    let req = net.requests().pop().unwrap_or_else(|| panic!("no request"));
    assert_eq!(req.method, "HEAD");
    assert_eq!(
        req.headers[0],
        ("Host".to_string(), "httpbin.example.com".to_string())
    );
}

#[tokio::test]
async fn follows_redirects_with_location() {
    let net = Arc::new(FakeNet::new().route(
        "redir:80",
        Behaviour::Sequence(vec![
            Behaviour::Respond(text_response(302, &[("location", "/final")], "moved")),
            Behaviour::Respond(text_response(200, &[], "done")),
        ]),
    ));
    let r = curl(
        &net,
        &["-sL", "-w", " %{num_redirects} %{url_effective}", "redir"],
    )
    .await;
    assert_eq!(r.out(), "done 1 http://redir/final");
    let reqs = net.requests();
    assert_eq!(reqs[1].path_and_query, "/final");
    assert_eq!(reqs[0].connection.id, reqs[1].connection.id);
    assert!(reqs[1].connection.reused);
}

#[tokio::test]
async fn progress_meter_without_silent() {
    let net = sample_net();
    let r = curl(&net, &["aborting:5000/"]).await;
    assert_eq!(r.out(), "fault filter abort");
    assert!(r.stderr.starts_with(
        "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\r100    18  100    18    0     0"
    ), "{:?}", r.stderr);
    let r = curl(&net, &["nope"]).await;
    assert!(
        r.stderr
            .ends_with("--:--:-- --:--:-- --:--:--     0curl: (6) Could not resolve host: nope\n"),
        "{:?}",
        r.stderr
    );
}

#[tokio::test]
async fn option_errors() {
    let net = sample_net();
    let help = "curl: try 'curl --help' or 'curl --manual' for more information\n";
    let r = curl(&net, &["--bogus", "x"]).await;
    assert_eq!(
        (r.code(), r.stderr.clone()),
        (2, format!("curl: option --bogus: is unknown\n{help}"))
    );
    let r = curl(&net, &["-s", "-w"]).await;
    assert_eq!(
        (r.code(), r.stderr.clone()),
        (2, format!("curl: option -w: requires parameter\n{help}"))
    );
    let r = curl(&net, &["-s", "-m", "abc", "x"]).await;
    assert_eq!(
        (r.code(), r.stderr.clone()),
        (
            2,
            format!("curl: option -m: expected a proper numerical parameter\n{help}")
        )
    );
    let r = curl(&net, &["-s"]).await;
    assert_eq!(
        (r.code(), r.stderr.clone()),
        (2, format!("curl: (2) no URL specified\n{help}"))
    );
    let r = curl(&net, &[]).await;
    assert_eq!((r.code(), r.stderr.clone()), (2, help.to_string()));
    let r = curl(&net, &["--next", "x"]).await;
    assert_eq!(
        (r.code(), r.stderr.clone()),
        (
            2,
            format!(
                "curl: missing URL before --next\ncurl: option --next: is badly used here\n{help}"
            )
        )
    );
    let r = curl(&net, &["-s", "--no-max-time", "x"]).await;
    assert_eq!(
        r.stderr,
        format!(
            "curl: option --no-max-time: the given option cannot be reversed with a --no- prefix\n{help}"
        )
    );
    let r = curl(&net, &["-sI", "-d", "x", "helloworld.sample:5000/"]).await;
    assert_eq!(r.code(), 2);
    assert_eq!(r.stderr, "");
    let r = curl(&net, &["-I", "-d", "x", "helloworld.sample:5000/"]).await;
    assert_eq!(
        r.stderr,
        "Warning: You can only select one HTTP request method! You asked for both POST \nWarning: (-d, --data) and HEAD (-I, --head).\n"
    );
}

#[tokio::test]
async fn globbing_expands_urls() {
    let net = sample_net();
    let r = curl(
        &net,
        &[
            "-s",
            "-w",
            "%{urlnum}:%{url} ",
            "-o",
            "/dev/null",
            "aborting:5000/{a,b}/[1-2]",
        ],
    )
    .await;
    assert_eq!(
        r.out(),
        "0:aborting:5000/a/1 0:aborting:5000/a/2 0:aborting:5000/b/1 0:aborting:5000/b/2 "
    );
    let r = curl(&net, &["-sS", "aborting:5000/{a"]).await;
    assert_eq!(
        (r.code(), r.stderr.as_str()),
        (
            3,
            "curl: (3) unmatched brace in URL position 15:\naborting:5000/{a\n              ^\n"
        )
    );
    let r = curl(
        &net,
        &[
            "-sg",
            "-w",
            "%{http_code}",
            "-o",
            "/dev/null",
            "aborting:5000/{a",
        ],
    )
    .await;
    assert_eq!(r.out(), "500");
}

#[tokio::test]
async fn post_data_and_custom_headers() {
    let net = sample_net();
    let r = curl(
        &net,
        &[
            "-s",
            "-d",
            "a=1",
            "-d",
            "b=2",
            "-H",
            "X-Test: yes",
            "-H",
            "Accept:",
            "-H",
            "X-Empty;",
            "-A",
            "probe/1",
            "aborting:5000/p",
        ],
    )
    .await;
    assert_eq!(r.code(), 0);
    let req = net.requests().pop().unwrap_or_else(|| panic!("no request"));
    assert_eq!(req.method, "POST");
    assert_eq!(&req.body[..], b"a=1&b=2");
    let names: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Host", "aborting:5000"),
            ("User-Agent", "probe/1"),
            ("X-Test", "yes"),
            ("X-Empty", ""),
            ("Content-Length", "7"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ]
    );
}

#[tokio::test]
async fn output_to_a_file_fails_clearly() {
    let net = sample_net();
    let r = curl(&net, &["-sS", "-o", "/tmp/out", "aborting:5000/"]).await;
    assert_eq!(r.code(), 23);
    assert!(
        r.stderr
            .starts_with("curl: (23) [simulator] cannot write to '/tmp/out'"),
        "{}",
        r.stderr
    );
}

#[tokio::test]
async fn helloworld_image_ships_curl_7_88() {
    let net = sample_net();
    let image = w::ImageKind::Helloworld(HelloworldVersion::V2);
    let r = exec_with(&image, net.clone(), &["curl", "-sS", "refused"], None).await;
    assert_eq!(
        (r.code(), r.stderr.as_str()),
        (
            7,
            "curl: (7) Failed to connect to refused port 80 after 0 ms: Couldn't connect to server\n"
        )
    );
    let r = exec_with(
        &image,
        net.clone(),
        &["curl", "-s", "-w", "%{conn_id}", "aborting:5000/"],
        None,
    )
    .await;
    assert_eq!(r.stderr, "curl: unknown --write-out variable: 'conn_id'\n");
    assert_eq!(
        net.requests().pop().map(|r| r.headers[1].1.clone()),
        Some("curl/7.88.1".to_string())
    );
}

#[tokio::test]
async fn huge_timeouts_do_not_overflow_the_clock() {
    let net = sample_net();
    let r = curl(
        &net,
        &[
            "-sS",
            "-m",
            "9223372036854774",
            "--connect-timeout",
            "9223372036854774",
            "aborting:5000/",
        ],
    )
    .await;
    assert_eq!((r.code(), r.out().as_str()), (0, "fault filter abort"));
}
