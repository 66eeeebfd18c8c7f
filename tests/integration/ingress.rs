//! The ingress source end to end: the blog's Gateway + HTTPRoute and httpbin in
//! `sample-ingress`, reached at the Gateway's address, and through a port-forward to the
//! gateway pod when there is no load balancer.

use std::time::Duration;

use harness::kube::{Applied, JsonPath, wait};
use harness::traffic::PROBE_TIMEOUT;
use harness::traffic::{Fallback, IngressSource, Request, Route, Sample};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;

use super::support::{Env, SETTLE, WAIT, blog, fixture, profile};

const SELECTOR: &str = "gateway.networking.k8s.io/gateway-name=example-gateway";

/// Applies httpbin and the gateway; returns the Gateway as applied.
async fn gateway(env: &mut Env) -> Applied {
    env.namespace("sample-ingress", false).await;
    env.apply(&fixture("httpbin.yaml"), "sample-ingress").await;
    let applied = env
        .apply(&blog("ingress-gateway.yaml"), "sample-ingress")
        .await;
    let gw = applied
        .into_iter()
        .find(|a| a.object.gvk.kind == "Gateway")
        .unwrap();
    wait::condition(&env.client, &gw.object, "Accepted", "True", WAIT)
        .await
        .unwrap();
    wait::rollout_all(&env.client, "sample-ingress", WAIT)
        .await
        .unwrap();
    gw
}

fn fallback(env: &Env) -> Fallback {
    Fallback {
        pods: Api::<Pod>::namespaced(env.client.clone(), "sample-ingress"),
        selector: SELECTOR.into(),
        port: 80,
    }
}

async fn statuses(src: &IngressSource) -> Vec<u16> {
    let reqs = [
        Request::to_host("httpbin.example.com", "/get"),
        Request::to_host("httpbin.example.com", "/headers"),
        Request::to_host("other.example.com", "/get"),
        Request::get("http://httpbin.example.com/get?x=1"),
    ];
    src.send_all(&reqs)
        .await
        .unwrap()
        .into_iter()
        .map(|s| match s {
            Sample::Response(r) => r.status,
            Sample::TransportError(e) => panic!("{e:?}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_gateway_address() {
    let mut env = Env::start(profile()).await;
    let gw = gateway(&mut env).await;
    wait::condition(&env.client, &gw.object, "Programmed", "True", WAIT)
        .await
        .unwrap();
    let path = JsonPath::parse("{.status.addresses[0].value}").unwrap();
    let obj = wait::json_path(&env.client, &gw.object, &path, None, WAIT)
        .await
        .unwrap();
    let addr = path
        .select_text(&serde_json::to_value(&obj).unwrap())
        .remove(0);
    tokio::time::sleep(SETTLE).await;

    let src = IngressSource::open(Some(&addr), 80, Some(fallback(&env)), PROBE_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(src.route(), &Route::Direct(format!("{addr}:80")));
    assert_eq!(statuses(&src).await, [200, 404, 404, 200]);
    let s = src
        .send(&Request::to_host("httpbin.example.com", "/get").header("X-Probe", "a \"b\""))
        .await
        .unwrap();
    let r = s.response().unwrap();
    assert_eq!(r.header("server"), Some("istio-envoy"), "{r:?}");
    let v: serde_json::Value = serde_json::from_slice(&r.body.kept).unwrap();
    assert_eq!(v["headers"]["X-Probe"][0], "a \"b\"", "{v}");
    assert_eq!(v["headers"]["Host"][0], "httpbin.example.com", "{v}");

    // Without a fallback, an unreachable address is an error that says so.
    let e = IngressSource::open(Some("127.0.0.1:9"), 80, None, Duration::from_millis(500))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not reachable"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_port_forward_without_a_load_balancer() {
    let mut p = profile();
    p.istio.load_balancer = false;
    let mut env = Env::start(p).await;
    let gw = gateway(&mut env).await;
    let e = wait::condition(
        &env.client,
        &gw.object,
        "Programmed",
        "True",
        Duration::from_millis(500),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("AddressNotAssigned"), "{e}");
    let pods: Api<Pod> = Api::namespaced(env.client.clone(), "sample-ingress");
    wait::pods_ready(&pods, SELECTOR, WAIT).await.unwrap();
    tokio::time::sleep(SETTLE).await;

    // No address at all, and an address nothing listens on: both fall back.
    for address in [None, Some("127.0.0.1:9")] {
        let src = IngressSource::open(
            address,
            80,
            Some(fallback(&env)),
            Duration::from_millis(500),
        )
        .await
        .unwrap();
        let Route::PortForward { pod, local } = src.route().clone() else {
            panic!("{:?}", src.route())
        };
        assert!(pod.starts_with("example-gateway-istio-"), "{pod}");
        assert_eq!(statuses(&src).await, [200, 404, 404, 200]);
        // Many requests over separate connections, each its own port-forward.
        for _ in 0..20 {
            let c = reqwest::Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap();
            let r = c
                .get(format!("http://{local}/get"))
                .header("Host", "httpbin.example.com")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
        drop(src);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            tokio::net::TcpStream::connect(local).await.is_err(),
            "the port-forward stops with its source"
        );
    }
}
