//! The mesh source end to end: the blog's sample apps applied with `harness::kube::apply`,
//! waited on, and a batch of 200 requests from the sleep pod in one curl run.

use std::time::{Duration, Instant};

use base64::Engine;
use harness::kube::{exec_batch, wait};
use harness::traffic::{MeshSource, Request, Sample, TransportErrorKind, curl_batch};
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
    let out = exec_batch(&pods, &sleep, Some("sleep"), b.argv(), b.stdin(), WAIT)
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
