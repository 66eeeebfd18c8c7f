//! The mesh source end to end: the blog's sample apps applied with `harness::kube::apply`,
//! waited on, and a batch of 200 requests from the sleep pod in one curl run.

use std::time::{Duration, Instant};

use base64::Engine;
use harness::kube::{exec_batch, versions, wait};
use harness::traffic::{CurlMode, MeshSource, Request, Sample, TransportErrorKind, curl_batch};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;

use super::support::{Env, SETTLE, WAIT, fixture, profile};

/// `sample` with helloworld v1/v2, httpbin and sleep, rolled out; returns the sleep pod.
async fn mesh_apps(env: &mut Env) -> String {
    env.namespace("sample", true).await;
    for f in [
        "helloworld.yaml",
        "helloworld-versions.yaml",
        "sleep.yaml",
        "httpbin.yaml",
    ] {
        env.apply(&fixture(f), "sample").await;
    }
    wait::rollout_all(&env.client, "sample", WAIT)
        .await
        .unwrap();
    let pods: Api<Pod> = Api::namespaced(env.client.clone(), "sample");
    let sleep = wait::pods_ready(&pods, "app=sleep", WAIT).await.unwrap();
    tokio::time::sleep(SETTLE).await;
    sleep[0].metadata.name.clone().unwrap()
}

/// Bodies and header values with everything a config file could trip on.
const TRICKY: &[&str] = &[
    "plain",
    "say \"hi\"",
    "back\\slash\\\\double",
    "line\nbreak\r\nand\ttab\x0bvt",
    "# not a comment",
    "  leading and trailing  ",
    "=:= separators",
    "%{http_code} \\n not a write-out",
    "\u{e9}t\u{e9} \u{1F600}",
    "",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_200_requests_from_the_sleep_pod() {
    let mut env = Env::start(profile()).await;
    let sleep = mesh_apps(&mut env).await;
    let pods: Api<Pod> = Api::namespaced(env.client.clone(), "sample");

    let mut reqs = Vec::new();
    for i in 0..200 {
        let r = match i % 20 {
            0 => Request::get("http://helloworld.sample:5000/nope"),
            1 => Request::get("http://no-such-service.sample:5000/hello")
                .timeout(Duration::from_secs(5)),
            2..=5 => {
                let t = TRICKY[(i / 20) % TRICKY.len()];
                Request::get("http://httpbin.sample:8000/anything")
                    .method(if i % 2 == 0 { "PUT" } else { "POST" })
                    .header("Content-Type", "application/octet-stream")
                    .header("X-Tricky", t.replace(['\n', '\r', '\x0b'], " "))
                    .body(t.as_bytes().to_vec())
            }
            6 => Request::get("http://httpbin.sample:8000/get").method("HEAD"),
            7 => Request::to_host("httpbin.sample:8000", "/status/503"),
            8 => Request::get("http://httpbin.sample:8000/anything/[x]{y}?q=a%20b")
                .header("Content-Type", "application/octet-stream")
                // Control bytes; not invalid UTF-8, which the simulated curl's config reader
                // replaces (real curl passes config bytes through; reported).
                .body(vec![0x7f, b'"', b'\\', 1, 2, 3, b'\n', 0x1b]),
            _ => Request::get("http://helloworld.sample:5000/hello"),
        };
        reqs.push(r);
    }
    let src = MeshSource::new(pods.clone(), sleep.clone(), Some("sleep".into()));
    let t0 = Instant::now();
    let batch = src.send(&reqs).await.unwrap();
    let took = t0.elapsed();
    eprintln!("TIMING: 200 requests in one exec took {took:?}");
    assert_eq!(batch.parsed.missing(), 0, "{:?}", batch.parsed.problem);
    assert_eq!(batch.parsed.problem, None);

    let (mut v1, mut v2) = (0, 0);
    for (i, (req, res)) in reqs.iter().zip(&batch.parsed.results).enumerate() {
        let res = res.as_ref().unwrap();
        match i % 20 {
            0 => {
                let r = res.response().unwrap_or_else(|| panic!("{i}: {res:?}"));
                assert_eq!(r.status, 404, "{i}: {r:?}");
            }
            1 => {
                let e = res
                    .transport_error()
                    .unwrap_or_else(|| panic!("{i}: {res:?}"));
                assert_eq!(e.kind, TransportErrorKind::Resolve, "{e:?}");
                assert_eq!(e.curl_exit, Some(6));
                assert!(e.message.contains("no-such-service.sample"), "{e:?}");
            }
            2..=5 | 8 => {
                let r = res.response().unwrap_or_else(|| panic!("{i}: {res:?}"));
                assert_eq!(r.status, 200, "{i}: {}", r.body.text());
                let v: serde_json::Value = serde_json::from_slice(&r.body.kept).unwrap();
                let data = v["data"].as_str().unwrap();
                let sent = req.body.clone().unwrap_or_default();
                // go-httpbin echoes an empty body as "", others as a data: URL.
                let b64 = data
                    .strip_prefix("data:application/octet-stream;base64,")
                    .unwrap_or(data);
                // go-httpbin encodes with the URL-safe alphabet.
                let echoed = base64::engine::general_purpose::URL_SAFE
                    .decode(b64)
                    .unwrap();
                assert_eq!(echoed, sent, "{i}: the body arrived byte for byte");
                assert_eq!(v["method"], req.method.as_str());
                if let Some((_, t)) = req.headers.iter().find(|(n, _)| n == "X-Tricky") {
                    let got = v["headers"]["X-Tricky"][0].as_str().unwrap_or_default();
                    // Header values lose leading and trailing white space on the way.
                    assert_eq!(got, t.trim(), "{i}: {v}");
                }
                if i % 20 == 8 {
                    assert!(
                        v["url"]
                            .as_str()
                            .unwrap()
                            .contains("/anything/[x]{y}?q=a%20b"),
                        "{v}"
                    );
                }
            }
            6 => {
                let r = res.response().unwrap();
                assert_eq!((r.status, r.body.total), (200, 0), "{r:?}");
                assert!(r.header("content-type").is_some(), "{r:?}");
            }
            7 => assert_eq!(res.response().map(|r| r.status), Some(503), "{res:?}"),
            _ => {
                let r = res.response().unwrap_or_else(|| panic!("{i}: {res:?}"));
                assert_eq!(r.status, 200);
                assert_eq!(
                    r.header("server"),
                    Some("envoy"),
                    "through the sidecar: {r:?}"
                );
                let text = r.body.text();
                if text.contains("Hello version: v1") {
                    v1 += 1;
                } else if text.contains("Hello version: v2") {
                    v2 += 1;
                } else {
                    panic!("{i}: {text}");
                }
            }
        }
    }
    assert_eq!(v1 + v2, 200 - 10 * 9);
    assert!(v1 > 0 && v2 > 0, "both versions answer: v1 {v1}, v2 {v2}");

    // The same batch's exec, with the parts separated: one curl, stdin config, exit code of
    // the last transfer.
    let b = curl_batch(&reqs[..2]).unwrap();
    let stdin = b.stdin().expect("the config goes on stdin");
    let out = exec_batch(&pods, &sleep, Some("sleep"), b.argv(), stdin, WAIT)
        .await
        .unwrap();
    assert_eq!(
        out.exit,
        harness::kube::ExitStatus::Code(6),
        "the last transfer's result"
    );
    let p = b.parse(&out.stdout, &out.stderr, &out.exit);
    assert!(matches!(&p.results[0], Some(Sample::Response(r)) if r.status == 404));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("curl: (6)"),
        "-S shows errors"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_exec_stream_keeps_the_complete_transfers() {
    let mut p = profile();
    p.chaos.exec_cut_share = 1.0;
    let mut env = Env::start(p).await;
    let sleep = mesh_apps(&mut env).await;
    let pods: Api<Pod> = Api::namespaced(env.client.clone(), "sample");
    let reqs = vec![Request::get("http://helloworld.sample:5000/hello"); 50];
    let src = MeshSource::new(pods, sleep, Some("sleep".into()));
    let batch = src.send(&reqs).await.unwrap();
    let parsed = batch.parsed;
    assert!(parsed.missing() > 0, "the stream was cut: {parsed:?}");
    let why = parsed.problem.clone().unwrap();
    assert!(why.contains("broke after"), "{why}");
    let done = 50 - parsed.missing();
    // The complete transfers are a prefix, and each is a real response.
    assert!(
        parsed.results[..done]
            .iter()
            .all(|r| matches!(r, Some(Sample::Response(x)) if x.status == 200)),
        "{parsed:?}"
    );
    assert!(
        batch.took < Duration::from_secs(5),
        "a cut stream ends the exec at once: {:?}",
        batch.took
    );
}

/// The mode the runner picks, from the API server's version as the harness reads it.
async fn detected_mode(env: &Env) -> CurlMode {
    let v = versions::kubernetes(&env.client).await.unwrap();
    CurlMode::for_kubernetes(Some(&v))
}

/// Kubernetes 1.29 speaks only `v4.channel.k8s.io`: kube-rs closes the WebSocket at stdin EOF,
/// so curl reads its options from argv instead. A batch of 300 with every value that could
/// trip a command line (more than one exec URL holds, so it is split) comes back complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubernetes_1_29_sends_complete_batches_in_argv_mode() {
    let mut p = profile();
    p.kubernetes.minor = 29;
    let mut env = Env::start(p).await;
    let mode = detected_mode(&env).await;
    assert_eq!(mode, CurlMode::Argv);
    let sleep = mesh_apps(&mut env).await;
    let pods: Api<Pod> = Api::namespaced(env.client.clone(), "sample");

    let tricky = [
        "$(touch /tmp/pwned) `id` ${HOME}",
        "--next --url http://evil/ -K -",
        "-",
        "say \"hi\" 'there' \\",
        "  spaces  ",
    ];
    let reqs: Vec<Request> = (0..300)
        .map(|i| match i % 10 {
            0 => Request::get("http://helloworld.sample:5000/nope"),
            1 => {
                let t = tricky[(i / 10) % tricky.len()];
                Request::get("http://httpbin.sample:8000/anything")
                    .method("PUT")
                    .header("X-Tricky", t)
                    .body(format!("{t}\nline two"))
            }
            _ => Request::get("http://helloworld.sample:5000/hello"),
        })
        .collect();
    // What argv mode avoids: with the config on stdin the output is lost.
    let stdin = MeshSource::new(pods.clone(), sleep.clone(), Some("sleep".into()))
        .mode(CurlMode::Stdin)
        .send(&reqs[..50])
        .await
        .unwrap();
    assert!(stdin.parsed.missing() > 0, "{:?}", stdin.parsed);
    let src = MeshSource::new(pods, sleep, Some("sleep".into())).mode(mode);
    let batch = src.send(&reqs).await.unwrap();
    assert_eq!(batch.parsed.missing(), 0, "{:?}", batch.parsed.problem);
    assert_eq!(batch.parsed.problem, None);
    let (mut hello, mut not_found) = (0, 0);
    for (i, (req, res)) in reqs.iter().zip(&batch.parsed.results).enumerate() {
        let r = res
            .as_ref()
            .and_then(Sample::response)
            .unwrap_or_else(|| panic!("{i}: {res:?}"));
        match i % 10 {
            0 => {
                assert_eq!(r.status, 404, "{i}");
                not_found += 1;
            }
            1 => {
                assert_eq!(r.status, 200, "{i}: {}", r.body.text());
                let v: serde_json::Value = serde_json::from_slice(&r.body.kept).unwrap();
                let (_, t) = &req.headers[0];
                assert_eq!(v["headers"]["X-Tricky"][0], t.trim(), "{i}: {v}");
                assert_eq!(v["method"], "PUT");
                let sent = req.body.clone().unwrap();
                let data = v["data"].as_str().unwrap();
                let b64 = data
                    .strip_prefix("data:application/octet-stream;base64,")
                    .unwrap_or(data);
                let echoed = base64::engine::general_purpose::URL_SAFE.decode(b64);
                // go-httpbin echoes form bodies as text; compare whichever it chose.
                match echoed {
                    Ok(b) if b == sent => {}
                    _ => assert_eq!(data.as_bytes(), sent.as_slice(), "{i}: {v}"),
                }
            }
            _ => {
                assert_eq!(r.status, 200, "{i}");
                assert!(r.body.text().contains("Hello version: v"), "{i}");
                hello += 1;
            }
        }
    }
    assert_eq!((hello, not_found), (240, 30));
}

/// From 1.30 the exec protocol closes stdin alone: the config stays on stdin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubernetes_1_33_keeps_the_config_on_stdin() {
    let mut env = Env::start(profile()).await;
    let mode = detected_mode(&env).await;
    assert_eq!(mode, CurlMode::Stdin);
    let sleep = mesh_apps(&mut env).await;
    let pods: Api<Pod> = Api::namespaced(env.client.clone(), "sample");
    let reqs = vec![Request::get("http://helloworld.sample:5000/hello"); 50];
    let b = curl_batch(&reqs).unwrap();
    assert_eq!(b.argv(), ["curl", "-q", "-sS", "-K", "-"]);
    let src = MeshSource::new(pods, sleep, Some("sleep".into())).mode(mode);
    let batch = src.send(&reqs).await.unwrap();
    assert_eq!(batch.parsed.missing(), 0, "{:?}", batch.parsed.problem);
}
