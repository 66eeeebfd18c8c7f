//! The seed blog's commands, in order, with the real kubectl against the simulated cluster, for
//! the Istio versions where they behave differently (research/istio-facts.md 1a, 1c, 2a).

use std::path::{Path, PathBuf};
use std::time::Duration;

use kube_sim::SimProfile;

use super::support::{Sim, fast_profile, kubectl_dispatcher, ok, run, skip};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/apps")
        .join(name)
}

fn blog(name: &str) -> PathBuf {
    super::support::blog_dir().join(name)
}

/// Fast pods and config propagation bounded well under the settle time the tests wait.
fn profile(istio: &str) -> SimProfile {
    let mut p = fast_profile();
    p.pods.processing_time_scale = 0.0;
    p.istio.version = istio.parse().unwrap();
    p.istio.propagation.debounce_ms = 20;
    p.istio.propagation.proxy_delay_min_ms = 10;
    p.istio.propagation.proxy_delay_max_ms = 50;
    p
}

/// How long a change may take to be computed and reach every proxy before a test fails.
const CONVERGE: Duration = Duration::from_secs(20);

struct Blog {
    sim: Sim,
    bin: PathBuf,
}

impl Blog {
    async fn start(istio: &str) -> Option<Self> {
        let bin = kubectl_dispatcher()?;
        Some(Self {
            sim: Sim::with_profile(profile(istio)).await,
            bin,
        })
    }

    fn k(&self, args: &[&str]) -> tokio::process::Command {
        let mut c = self.sim.kubectl(&self.bin);
        c.args(args);
        c
    }

    async fn apply(&self, ns: &str, file: &Path) -> super::support::Output {
        let v0 = self.config_version();
        let o = run(self.k(&["apply", "-n", ns, "-f", file.to_str().unwrap()])).await;
        if o.code == 0 {
            self.converge(v0).await;
        }
        o
    }

    fn config_version(&self) -> u64 {
        kube_sim::testing::mesh_config_version(self.sim.sim())
    }

    /// Waits until istiod computed a config after `v0` and every proxy acked its latest push
    /// (what a harness reads from `/debug/syncz`), rather than sleeping a fixed time that a
    /// loaded CI machine might outlast. Proxies the profile keeps stale are not waited for.
    async fn converge(&self, v0: u64) {
        let deadline = tokio::time::Instant::now() + CONVERGE;
        loop {
            let computed = self.config_version() > v0;
            let synced = kube_sim::testing::proxies_synced(self.sim.sim());
            if computed && synced {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no convergence within {CONVERGE:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `kubectl create ns` (a protobuf body from kubectl 1.32 on).
    async fn namespace(&self, ns: &str) {
        ok(self.k(&["create", "namespace", ns])).await;
    }

    /// The blog's mesh setup: `sample` labelled for injection, helloworld (+ the per-version
    /// Services) and sleep, rolled out.
    async fn mesh_apps(&self) {
        self.namespace("sample").await;
        ok(self.k(&["label", "namespace", "sample", "istio-injection=enabled"])).await;
        let files = [
            fixture("helloworld.yaml"),
            fixture("helloworld-versions.yaml"),
            fixture("sleep.yaml"),
        ];
        let mut args = vec!["apply", "-n", "sample"];
        for f in &files {
            args.extend(["-f", f.to_str().unwrap()]);
        }
        ok(self.k(&args)).await;
        self.rollout("sample").await;
    }

    async fn rollout(&self, ns: &str) {
        ok(self.k(&[
            "wait",
            "-n",
            ns,
            "--for=condition=Available",
            "deployment",
            "--all",
            "--timeout=30s",
        ]))
        .await;
        // New pods' proxies and endpoints are part of istiod's next config.
        let v0 = self.config_version();
        self.converge(v0.saturating_sub(1)).await;
    }

    /// The blog's `kubectl exec ... -- curl -s helloworld.sample:5000/hello`, `n` requests in
    /// one curl run; one line per response.
    async fn hello(&self, n: usize) -> Vec<String> {
        let mut args = vec![
            "exec",
            "-n",
            "sample",
            "-c",
            "sleep",
            "deployment/sleep",
            "--",
            "curl",
            "-s",
            "-w",
            "\\n",
        ];
        let url = "helloworld.sample:5000/hello";
        args.extend(std::iter::repeat_n(url, n));
        let out = ok(self.k(&args)).await;
        out.lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn ingress_host(&self, status: &str) -> String {
        status.trim().to_string()
    }
}

fn count(lines: &[String], needle: &str) -> usize {
    lines.iter().filter(|l| l.contains(needle)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesh_route_rules_1_27() {
    let Some(b) = Blog::start("1.27").await else {
        return skip("mesh_route_rules_1_27", "no kubectl on PATH");
    };
    b.namespace("sample").await;
    ok(b.k(&["label", "namespace", "sample", "istio-injection=enabled"])).await;
    ok(b.k(&[
        "apply",
        "-n",
        "sample",
        "-f",
        fixture("helloworld.yaml").to_str().unwrap(),
        "-f",
        fixture("helloworld-versions.yaml").to_str().unwrap(),
    ]))
    .await;
    ok(b.k(&[
        "apply",
        "-n",
        "sample",
        "-f",
        fixture("sleep.yaml").to_str().unwrap(),
    ]))
    .await;
    b.rollout("sample").await;
    let pods = ok(b.k(&[
        "get",
        "pods",
        "-n",
        "sample",
        "-o",
        "jsonpath={range .items[*]}{.spec.containers[*].name}{\"\\n\"}{end}",
    ]))
    .await;
    assert!(
        pods.lines().all(|l| l.ends_with("istio-proxy")),
        "every pod has a sidecar:\n{pods}"
    );

    // The HTTPRoute with a Service parent sends everything to v1.
    assert_eq!(b.apply("sample", &blog("httproute-v1.yaml")).await.code, 0);
    let r = b.hello(20).await;
    assert_eq!(count(&r, "Hello version: v1"), 20, "{r:?}");

    // The fault VirtualService for the same host is shadowed by the HTTPRoute.
    assert_eq!(b.apply("sample", &blog("fault-vs.yaml")).await.code, 0);
    let r = b.hello(20).await;
    assert_eq!(count(&r, "Hello version: v1"), 20, "{r:?}");

    // Without the HTTPRoute the VirtualService applies: aborts and v2, never v1.
    let v0 = b.config_version();
    ok(b.k(&["delete", "-n", "sample", "httproute", "helloworld"])).await;
    b.converge(v0).await;
    let r = b.hello(60).await;
    let (aborts, v2) = (
        count(&r, "fault filter abort"),
        count(&r, "Hello version: v2"),
    );
    assert_eq!(aborts + v2, 60, "{r:?}");
    // P(no abort or no v2 | share 0.5) = 2 * 0.5^60: never by chance.
    assert!(aborts > 0 && v2 > 0, "{r:?}");
}

async fn ingress_base(b: &Blog) -> String {
    b.namespace("sample-ingress").await;
    ok(b.k(&[
        "apply",
        "-n",
        "sample-ingress",
        "-f",
        fixture("httpbin.yaml").to_str().unwrap(),
    ]))
    .await;
    assert_eq!(
        b.apply("sample-ingress", &blog("ingress-gateway.yaml"))
            .await
            .code,
        0
    );
    ok(b.k(&[
        "wait",
        "-n",
        "sample-ingress",
        "--for=condition=programmed",
        "gateways.gateway.networking.k8s.io",
        "example-gateway",
        "--timeout=30s",
    ]))
    .await;
    b.rollout("sample-ingress").await;
    let addr = ok(b.k(&[
        "get",
        "gateways.gateway.networking.k8s.io",
        "example-gateway",
        "-n",
        "sample-ingress",
        "-ojsonpath={.status.addresses[0].value}",
    ]))
    .await;
    b.ingress_host(&addr)
}

async fn status_of(host: &str, path: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("http://{host}{path}"))
        .header("Host", "httpbin.example.com")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingress_gateway_and_internal_binding_1_27() {
    let Some(b) = Blog::start("1.27").await else {
        return skip(
            "ingress_gateway_and_internal_binding_1_27",
            "no kubectl on PATH",
        );
    };
    let host = ingress_base(&b).await;
    assert!(
        host.starts_with("127."),
        "a loopback load-balancer address: {host}"
    );
    assert_eq!(status_of(&host, "/get").await, 200);
    assert_eq!(status_of(&host, "/headers").await, 404);

    // Up to 1.27 a VirtualService can bind to the generated gateway's internal name.
    let applied = b
        .apply("sample-ingress", &blog("vs-internal-dash.yaml"))
        .await;
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let mut codes = Vec::new();
    for _ in 0..40 {
        codes.push(status_of(&host, "/headers").await);
    }
    assert!(codes.iter().all(|c| *c == 200 || *c == 500), "{codes:?}");
    assert!(codes.contains(&200) && codes.contains(&500), "{codes:?}");
    assert_eq!(status_of(&host, "/get").await, 200);

    // The never-shipped `gateway.networking.k8s.io:` syntax is rejected by the webhook.
    let rejected = b
        .apply("sample-ingress", &blog("vs-k8s-gateway-syntax.yaml"))
        .await;
    assert_ne!(rejected.code, 0);
    assert!(
        rejected
            .stderr
            .contains("admission webhook \"validation.istio.io\" denied the request")
            && rejected
                .stderr
                .contains("gateway.networking.k8s.io:example-gateway.default"),
        "{}",
        rejected.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_binding_is_gone_in_1_28() {
    let Some(b) = Blog::start("1.28").await else {
        return skip("internal_binding_is_gone_in_1_28", "no kubectl on PATH");
    };
    let host = ingress_base(&b).await;
    assert_eq!(status_of(&host, "/get").await, 200);
    // The 1.28 internal name uses `~`, which the webhook refuses in a user VirtualService.
    let tilde = b
        .apply("sample-ingress", &blog("vs-internal-tilde.yaml"))
        .await;
    assert_ne!(tilde.code, 0);
    assert!(
        tilde.stderr.contains("invalid value for gateway name"),
        "{}",
        tilde.stderr
    );
    // The old dash name is a valid name that no gateway has any more: nothing binds.
    assert_eq!(
        b.apply("sample-ingress", &blog("vs-internal-dash.yaml"))
            .await
            .code,
        0
    );
    for _ in 0..10 {
        assert_eq!(status_of(&host, "/headers").await, 404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_load_balancer_the_gateway_has_no_address() {
    let Some(bin) = kubectl_dispatcher() else {
        return skip(
            "without_a_load_balancer_the_gateway_has_no_address",
            "no kubectl on PATH",
        );
    };
    let mut p = profile("1.27");
    p.istio.load_balancer = false;
    let b = Blog {
        sim: Sim::with_profile(p).await,
        bin,
    };
    b.namespace("sample-ingress").await;
    assert_eq!(
        b.apply("sample-ingress", &blog("ingress-gateway.yaml"))
            .await
            .code,
        0
    );
    let reason = ok(b.k(&[
        "get",
        "gateways.gateway.networking.k8s.io",
        "example-gateway",
        "-n",
        "sample-ingress",
        "-ojsonpath={.status.conditions[?(@.type==\"Programmed\")].reason}",
    ]))
    .await;
    assert_eq!(reason, "AddressNotAssigned");
    let waited = run(b.k(&[
        "wait",
        "-n",
        "sample-ingress",
        "--for=condition=programmed",
        "gateways.gateway.networking.k8s.io",
        "example-gateway",
        "--timeout=2s",
    ]))
    .await;
    assert_ne!(waited.code, 0, "Programmed stays False on bare kind");

    // Only a port-forward to the gateway pod reaches it.
    use k8s_openapi::api::core::v1::Pod;
    ok(b.k(&[
        "apply",
        "-n",
        "sample-ingress",
        "-f",
        fixture("httpbin.yaml").to_str().unwrap(),
    ]))
    .await;
    b.rollout("sample-ingress").await;
    let pods: kube::Api<Pod> = kube::Api::namespaced(b.sim.client().await, "sample-ingress");
    let text = http_via_port_forward(
        &pods,
        "gateway.networking.k8s.io/gateway-name=example-gateway",
        80,
        "httpbin.example.com",
        "/get",
    )
    .await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("server: istio-envoy"),
        "{text}"
    );
}

/// The pods of a generated gateway carry `istio.io/gateway-name` up to 1.23 only, so an Istio
/// `Gateway` selecting it binds there and binds nothing from 1.24 on.
async fn selector_binding(istio: &str) -> u16 {
    let b = Blog::start(istio).await.expect("checked by the caller");
    let host = ingress_base(&b).await;
    let applied = b
        .apply("sample-ingress", &blog("istio-gateway-selector.yaml"))
        .await;
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    status_of(&host, "/headers").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn istio_gateway_selector_binds_until_1_23_only() {
    if kubectl_dispatcher().is_none() {
        return skip(
            "istio_gateway_selector_binds_until_1_23_only",
            "no kubectl on PATH",
        );
    }
    assert_eq!(selector_binding("1.23").await, 200);
    assert_eq!(selector_binding("1.24").await, 404);
}

/// istiod's sync status, read the way `istioctl proxy-status` does, through a port-forward to
/// the istiod pod's monitoring port.
async fn syncz(b: &Blog) -> serde_json::Value {
    use k8s_openapi::api::core::v1::Pod;
    let client = b.sim.client().await;
    let pods: kube::Api<Pod> = kube::Api::namespaced(client, "istio-system");
    let text = http_via_port_forward(&pods, "app=istiod", 15014, "localhost", "/debug/syncz").await;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("syncz is JSON ({e}): {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_status_through_istiod_and_config_that_never_arrives() {
    let Some(bin) = kubectl_dispatcher() else {
        return skip(
            "sync_status_through_istiod_and_config_that_never_arrives",
            "no kubectl on PATH",
        );
    };
    // Normal propagation; config that never arrives; one stale proxy (the sleep client's).
    for (never, stale) in [(false, None), (true, None), (false, Some("sample/sleep"))] {
        let mut p = profile("1.27");
        p.istio.propagation.never = never;
        p.istio.deviations.stale_proxy = stale.map(str::to_string);
        let never = never || stale.is_some();
        let b = Blog {
            sim: Sim::with_profile(p).await,
            bin: bin.clone(),
        };
        b.mesh_apps().await;
        b.apply("sample", &blog("httproute-v1.yaml")).await;
        let doc = syncz(&b).await;
        let sleep = doc
            .as_array()
            .and_then(|a| {
                a.iter().find(|p| {
                    p["proxy"]
                        .as_str()
                        .is_some_and(|id| id.starts_with("sleep-"))
                })
            })
            .unwrap_or_else(|| panic!("the sleep proxy is listed: {doc}"))
            .clone();
        let synced = sleep["route_acked"] == sleep["route_sent"];
        let r = b.hello(30).await;
        if never {
            assert!(!synced, "the route push is sent but never acked: {sleep}");
            // The sidecar still has the config from before the HTTPRoute: both versions answer.
            assert!(count(&r, "Hello version: v2") > 0, "{r:?}");
        } else {
            assert!(synced, "{sleep}");
            assert_eq!(count(&r, "Hello version: v1"), 30, "{r:?}");
        }
    }
}

/// 10,000 requests through the whole stack (curl in the sleep pod, its sidecar, the fault
/// filter) abort with a share consistent with the VirtualService's 50%, and with the scaled
/// share under the `abort_share_scale` deviation: exact two-sided binomial tests at 1e-6.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_share_over_10000_requests() {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::AttachParams;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some(bin) = kubectl_dispatcher() else {
        return skip("abort_share_over_10000_requests", "no kubectl on PATH");
    };
    for (scale, expected) in [(1.0, 0.5), (0.5, 0.25)] {
        let mut p = profile("1.27");
        p.istio.deviations.abort_share_scale = scale;
        let b = Blog {
            sim: Sim::with_profile(p).await,
            bin: bin.clone(),
        };
        b.mesh_apps().await;
        b.apply("sample", &blog("fault-vs.yaml")).await;

        let client = b.sim.client().await;
        let pods: kube::Api<Pod> = kube::Api::namespaced(client, "sample");
        let sleep = pods
            .list(&kube::api::ListParams::default().labels("app=sleep"))
            .await
            .unwrap()
            .items[0]
            .metadata
            .name
            .clone()
            .unwrap();
        let n = 10_000u64;
        let config: String = (0..n)
            .map(|_| "url = \"http://helloworld.sample:5000/hello\"\noutput = \"/dev/null\"\nwrite-out = \"%{http_code}\\n\"\nnext\n")
            .collect::<String>()
            .trim_end_matches("next\n")
            .to_string();
        let mut proc = pods
            .exec(
                &sleep,
                ["curl", "-s", "-K", "-"],
                &AttachParams::default()
                    .container("sleep")
                    .stdin(true)
                    .stderr(false),
            )
            .await
            .unwrap();
        let mut stdin = proc.stdin().unwrap();
        let mut stdout = proc.stdout().unwrap();
        let status = proc.take_status().unwrap();
        let writer = async move {
            stdin.write_all(config.as_bytes()).await.unwrap();
            stdin.shutdown().await.unwrap();
        };
        let mut out = String::new();
        let (_, read, status) = tokio::join!(writer, stdout.read_to_string(&mut out), status);
        read.unwrap();
        assert_eq!(status.and_then(|s| s.status), Some("Success".into()));
        let codes: Vec<&str> = out.lines().collect();
        assert_eq!(codes.len() as u64, n);
        let aborts = codes.iter().filter(|c| **c == "500").count() as u64;
        assert_eq!(
            aborts + codes.iter().filter(|c| **c == "200").count() as u64,
            n,
            "only 200 and 500"
        );
        let p_value = super::support::binomial_p_value(aborts, n, expected);
        assert!(
            p_value > 1e-6,
            "{aborts} aborts of {n}: p = {p_value} against {expected}"
        );
        if scale < 1.0 {
            let against_unscaled = super::support::binomial_p_value(aborts, n, 0.5);
            assert!(
                against_unscaled < 1e-6,
                "the scaled share is told apart from 0.5: p = {against_unscaled}"
            );
        }
    }
}

/// One HTTP/1.1 GET through a kube-rs port-forward to the first pod matching `selector`; the raw
/// response text.
async fn http_via_port_forward(
    pods: &kube::Api<k8s_openapi::api::core::v1::Pod>,
    selector: &str,
    port: u16,
    host: &str,
    path: &str,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let pod = pods
        .list(&kube::api::ListParams::default().labels(selector))
        .await
        .unwrap()
        .items[0]
        .metadata
        .name
        .clone()
        .unwrap();
    let mut pf = pods.portforward(&pod, &[port]).await.unwrap();
    let mut s = pf.take_stream(port).unwrap();
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    String::from_utf8_lossy(&raw).into_owned()
}
