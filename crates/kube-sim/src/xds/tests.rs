//! The blog's cases through the generator: the key facts of each push, `envoy --mode validate` on each
//! push as a static bootstrap, and real traffic through Envoy for the 50% abort.
//!
//! Envoy is looked up through `KUBE_SIM_ENVOY`, then `envoy` on PATH; without one the Envoy tests
//! print `SKIPPED <test>: <reason>` and pass.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use envoy_types::pb::envoy::config::route::v3::{
    RouteConfiguration, VirtualHost, redirect_action, route, route_action, route_match,
};
use envoy_types::pb::envoy::extensions::filters::http::fault::v3::{HttpFault, fault_abort};
use envoy_types::pb::envoy::r#type::v3::fractional_percent::DenominatorType;
use prost::Message;
use serde_json::{Value, json};

use crate::istio::{IstioProfile, IstioVersion, Snapshot, compute, gateway_deployments};

use super::bootstrap::{StaticOptions, encode, static_bootstrap};
use super::route::FAULT_FILTER;
use super::{Generated, ProxyId, generate};

const MESH: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: sample, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: helloworld, namespace: sample, labels: {app: helloworld, service: helloworld}}
spec: {clusterIP: 10.96.0.10, selector: {app: helloworld}, ports: [{name: http, port: 5000}]}
---
apiVersion: v1
kind: Service
metadata: {name: helloworld-v1, namespace: sample}
spec: {clusterIP: 10.96.0.11, selector: {app: helloworld, version: v1}, ports: [{name: http, port: 5000}]}
---
apiVersion: v1
kind: Service
metadata: {name: helloworld-v2, namespace: sample}
spec: {clusterIP: 10.96.0.12, selector: {app: helloworld, version: v2}, ports: [{name: http, port: 5000}]}
---
apiVersion: v1
kind: Service
metadata: {name: sleep, namespace: sample}
spec: {clusterIP: 10.96.0.13, selector: {app: sleep}, ports: [{name: http, port: 80}]}
"#;

/// The blog's fault-vs.yaml.
const FAULT_VS: &str = r#"
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: helloworld, namespace: sample, creationTimestamp: "2024-01-01T00:02:00Z"}
spec:
  hosts: [helloworld]
  http:
  - route:
    - destination: {host: helloworld-v2, port: {number: 5000}}
    fault:
      abort:
        percentage: {value: 50}
        httpStatus: 500
"#;

/// scenarios/mesh/httproute-weighted-split: 80/20.
const WEIGHTS: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: helloworld, namespace: sample, generation: 1, creationTimestamp: "2024-01-01T00:01:00Z"}
spec:
  parentRefs:
  - {group: "", kind: Service, name: helloworld, port: 5000}
  rules:
  - backendRefs:
    - {name: helloworld-v1, port: 5000, weight: 80}
    - {name: helloworld-v2, port: 5000, weight: 20}
"#;

/// A timeout, explicit retries, a redirect with a port, header manipulation and a direct response.
const MISC_VS: &str = r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: helloworld, namespace: sample, creationTimestamp: "2024-01-01T00:02:00Z"}
spec:
  hosts: [helloworld]
  http:
  - name: moved
    match: [{uri: {prefix: /old}}]
    redirect: {uri: /new, authority: helloworld-v1.sample, port: 5000, redirectCode: 302}
  - name: gone
    match: [{uri: {exact: /gone}, headers: {x-env: {regex: "te.t"}}}]
    directResponse: {status: 410, body: {string: gone}}
  - name: slow
    timeout: 0.5s
    retries: {attempts: 3, retryOn: "gateway-error,503", perTryTimeout: 0.2s}
    headers:
      request: {set: {x-a: "1"}, remove: [x-b]}
      response: {add: {x-c: "2"}}
    mirror: {host: helloworld-v1}
    route:
    - destination: {host: helloworld-v2, port: {number: 5000}}
"#;

const INGRESS: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: sample-ingress}
---
apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: sample-ingress, labels: {app: httpbin, service: httpbin}}
spec: {clusterIP: 10.96.1.10, selector: {app: httpbin}, ports: [{name: http, port: 8000, targetPort: 8080}]}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: Gateway
metadata: {name: example-gateway, namespace: sample-ingress, generation: 1, uid: gw-uid, creationTimestamp: "2024-01-01T00:03:00Z"}
spec:
  gatewayClassName: istio
  listeners:
  - name: default
    hostname: "*.example.com"
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces: {from: All}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: HTTPRoute
metadata: {name: httpbin-get, namespace: sample-ingress, generation: 1, creationTimestamp: "2024-01-01T00:04:00Z"}
spec:
  parentRefs:
  - name: example-gateway
  hostnames: ["httpbin.example.com"]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /get}
    backendRefs:
    - {name: httpbin, port: 8000}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: httpbin-headers, namespace: sample-ingress, creationTimestamp: "2024-01-01T00:05:00Z"}
spec:
  hosts: ["httpbin.example.com"]
  gateways: [sample-ingress/example-gateway-istio-autogenerated-k8s-gateway-default]
  http:
  - match: [{uri: {exact: /headers}}]
    fault: {abort: {percentage: {value: 50}, httpStatus: 500}}
    route:
    - destination: {host: httpbin, port: {number: 8000}}
"#;

fn yaml(s: &str) -> Vec<Value> {
    serde_saphyr::from_multiple::<Value>(s).unwrap_or_default()
}

fn pod(ns: &str, name: &str, labels: Value, sidecar: bool, ip: &str, port: u16) -> Value {
    let mut containers = vec![json!({"name": "app", "ports": [{"containerPort": port}]})];
    if sidecar {
        containers.push(json!({"name": "istio-proxy", "args": ["proxy", "sidecar"]}));
    }
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels, "creationTimestamp": "2024-01-01T00:00:00Z"},
        "spec": {"containers": containers},
        "status": {"podIP": ip, "conditions": [{"type": "Ready", "status": "True"}]}})
}

fn profile() -> IstioProfile {
    IstioProfile {
        version: IstioVersion::new(1, 27, 0),
        ..IstioProfile::default()
    }
}

fn mesh(extra: &str) -> Vec<Value> {
    let mut o = yaml(MESH);
    o.push(pod(
        "sample",
        "helloworld-v1-0",
        json!({"app": "helloworld", "version": "v1"}),
        true,
        "10.244.0.11",
        5000,
    ));
    o.push(pod(
        "sample",
        "helloworld-v2-0",
        json!({"app": "helloworld", "version": "v2"}),
        true,
        "10.244.0.12",
        5000,
    ));
    o.push(pod(
        "sample",
        "sleep-0",
        json!({"app": "sleep"}),
        true,
        "10.244.0.13",
        80,
    ));
    o.extend(yaml(extra));
    o
}

fn sleep_push(objects: &[Value]) -> Generated {
    let snap = Snapshot::new(objects.iter().cloned().map(Arc::new));
    let push = compute(&snap, &profile());
    generate(
        &push,
        &ProxyId {
            namespace: "sample".into(),
            pod: "sleep-0".into(),
        },
    )
    .expect("sleep has a sidecar")
}

/// The ingress objects, the Deployment istiod deploys for the Gateway and a pod of it.
fn gateway_push() -> Generated {
    let p = profile();
    let mut o = yaml(INGRESS);
    o.push(pod(
        "sample-ingress",
        "httpbin-0",
        json!({"app": "httpbin"}),
        false,
        "10.244.1.10",
        8080,
    ));
    let snap = Snapshot::new(o.iter().cloned().map(Arc::new));
    for mut d in gateway_deployments(&snap, &p) {
        if d["kind"] == "Deployment" {
            let labels = d["spec"]["template"]["metadata"]["labels"].clone();
            let mut gp = pod("sample-ingress", "gw-0", labels, false, "10.244.1.20", 80);
            gp["spec"]["containers"] = d["spec"]["template"]["spec"]["containers"].clone();
            o.push(gp);
        }
        if d["kind"] == "Service" {
            d["spec"]["clusterIP"] = json!("10.96.1.20");
        }
        o.push(d);
    }
    let snap = Snapshot::new(o.iter().cloned().map(Arc::new));
    let push = compute(&snap, &p);
    generate(
        &push,
        &ProxyId {
            namespace: "sample-ingress".into(),
            pod: "gw-0".into(),
        },
    )
    .expect("the gateway pod runs istio-proxy")
}

fn route_config<'a>(g: &'a Generated, name: &str) -> &'a RouteConfiguration {
    g.routes
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no route configuration {name}"))
}

fn vhost<'a>(rc: &'a RouteConfiguration, name: &str) -> &'a VirtualHost {
    rc.virtual_hosts
        .iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no virtual host {name}"))
}

fn action(r: &envoy_types::pb::envoy::config::route::v3::Route) -> &route_action::ClusterSpecifier {
    match &r.action {
        Some(route::Action::Route(a)) => a.cluster_specifier.as_ref().expect("a cluster"),
        other => panic!("not a route action: {other:?}"),
    }
}

fn route_action_of(
    r: &envoy_types::pb::envoy::config::route::v3::Route,
) -> &envoy_types::pb::envoy::config::route::v3::RouteAction {
    match &r.action {
        Some(route::Action::Route(a)) => a,
        other => panic!("not a route action: {other:?}"),
    }
}

const HW: &str = "helloworld.sample.svc.cluster.local";

#[test]
fn fault_virtual_service() {
    let g = sleep_push(&mesh(FAULT_VS));
    let rc = route_config(&g, "5000");
    assert_eq!(
        rc.validate_clusters,
        Some(envoy_types::pb::google::protobuf::BoolValue { value: false })
    );
    let vh = vhost(rc, &format!("{HW}:5000"));
    for d in [
        HW,
        "helloworld.sample.svc.cluster.local:5000",
        "helloworld.sample.svc",
        "helloworld.sample:5000",
        "helloworld",
        "helloworld:5000",
        "10.96.0.10",
        "10.96.0.10:5000",
    ] {
        assert!(
            vh.domains.iter().any(|x| x == d),
            "domain {d} in {:?}",
            vh.domains
        );
    }
    assert_eq!(
        rc.virtual_hosts.last().map(|v| v.name.as_str()),
        Some("allow_any")
    );
    let [r] = vh.routes.as_slice() else {
        panic!("one route: {:?}", vh.routes)
    };
    assert_eq!(
        action(r),
        &route_action::ClusterSpecifier::Cluster(
            "outbound|5000||helloworld-v2.sample.svc.cluster.local".into()
        )
    );
    let any = &r.typed_per_filter_config[FAULT_FILTER];
    let f = HttpFault::decode(any.value.as_slice()).expect("decodes");
    let abort = f.abort.expect("abort");
    assert_eq!(
        abort.error_type,
        Some(fault_abort::ErrorType::HttpStatus(500))
    );
    let pct = abort.percentage.expect("percentage");
    assert_eq!(
        (pct.numerator, pct.denominator),
        (500_000, DenominatorType::Million as i32)
    );
    let a = route_action_of(r);
    assert_eq!(a.timeout.map(|t| (t.seconds, t.nanos)), Some((0, 0)));
    let retry = a.retry_policy.as_ref().expect("default retry policy");
    assert_eq!(retry.num_retries.map(|n| n.value), Some(2));
    assert_eq!(
        retry.retry_on,
        "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"
    );
    assert_eq!(retry.retriable_status_codes, vec![503]);
    assert_eq!(retry.host_selection_retry_max_attempts, 5);
    assert_eq!(
        retry.retry_host_predicate[0].name,
        "envoy.retry_host_predicates.previous_hosts"
    );
    // Clusters and endpoints.
    for c in [
        "outbound|5000||helloworld.sample.svc.cluster.local",
        "outbound|5000||helloworld-v2.sample.svc.cluster.local",
        "outbound|80||sleep.sample.svc.cluster.local",
        "PassthroughCluster",
        "BlackHoleCluster",
        "inbound|80||",
    ] {
        assert!(g.clusters.iter().any(|x| x.name == c), "cluster {c}");
    }
    let cla = g
        .endpoints
        .iter()
        .find(|e| e.cluster_name == format!("outbound|5000||{HW}"))
        .expect("endpoints");
    assert_eq!(cla.endpoints[0].lb_endpoints.len(), 2);
    let names: Vec<&str> = g.listeners.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "0.0.0.0_80",
            "0.0.0.0_5000",
            "virtualOutbound",
            "virtualInbound"
        ]
    );
    assert!(g.untranslated.is_empty(), "{:?}", g.untranslated);
}

#[test]
fn default_route_without_virtual_service() {
    let g = sleep_push(&mesh(""));
    let vh = vhost(route_config(&g, "5000"), &format!("{HW}:5000"));
    assert_eq!(vh.routes[0].name, "default");
    assert_eq!(
        action(&vh.routes[0]),
        &route_action::ClusterSpecifier::Cluster(format!("outbound|5000||{HW}"))
    );
    // The short name is only for clients in the service's namespace.
    assert!(vh.domains.iter().any(|d| d == "helloworld"));
}

#[test]
fn httproute_weights() {
    let g = sleep_push(&mesh(WEIGHTS));
    let vh = vhost(route_config(&g, "5000"), &format!("{HW}:5000"));
    let route_action::ClusterSpecifier::WeightedClusters(w) = action(&vh.routes[0]) else {
        panic!("weighted clusters expected")
    };
    let got: Vec<(&str, u32)> = w
        .clusters
        .iter()
        .map(|c| (c.name.as_str(), c.weight.map(|w| w.value).unwrap_or(0)))
        .collect();
    assert_eq!(
        got,
        [
            ("outbound|5000||helloworld-v1.sample.svc.cluster.local", 80),
            ("outbound|5000||helloworld-v2.sample.svc.cluster.local", 20)
        ]
    );
    // Gateway semantics: invalid backends answer 500.
    assert_eq!(
        route_action_of(&vh.routes[0]).cluster_not_found_response_code,
        route_action::ClusterNotFoundResponseCode::InternalServerError as i32
    );
}

#[test]
fn timeout_retries_redirect_direct_headers() {
    let g = sleep_push(&mesh(MISC_VS));
    let vh = vhost(route_config(&g, "5000"), &format!("{HW}:5000"));
    let names: Vec<&str> = vh.routes.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["moved", "gone", "slow"]);
    let Some(route::Action::Redirect(rd)) = &vh.routes[0].action else {
        panic!("redirect expected")
    };
    assert_eq!(rd.port_redirect, 5000);
    assert_eq!(rd.host_redirect, "helloworld-v1.sample");
    assert_eq!(
        rd.response_code,
        redirect_action::RedirectResponseCode::Found as i32
    );
    let Some(route::Action::DirectResponse(d)) = &vh.routes[1].action else {
        panic!("direct response expected")
    };
    assert_eq!(d.status, 410);
    let m = vh.routes[1].r#match.as_ref().expect("match");
    assert_eq!(
        m.path_specifier,
        Some(route_match::PathSpecifier::Path("/gone".into()))
    );
    assert_eq!(m.headers[0].name, "x-env");
    let slow = &vh.routes[2];
    let a = route_action_of(slow);
    assert_eq!(
        a.timeout.map(|t| (t.seconds, t.nanos)),
        Some((0, 500_000_000))
    );
    let retry = a.retry_policy.as_ref().expect("retries");
    assert_eq!(retry.num_retries.map(|n| n.value), Some(3));
    assert_eq!(retry.retry_on, "gateway-error,retriable-status-codes");
    assert_eq!(retry.retriable_status_codes, vec![503]);
    assert_eq!(retry.per_try_timeout.map(|t| t.nanos), Some(200_000_000));
    assert_eq!(
        slow.request_headers_to_add[0]
            .header
            .as_ref()
            .map(|h| h.key.as_str()),
        Some("x-a")
    );
    assert_eq!(slow.request_headers_to_remove, vec!["x-b".to_string()]);
    assert_eq!(slow.response_headers_to_add.len(), 1);
    // Mirroring is reported, not dropped.
    assert!(
        g.untranslated
            .iter()
            .any(|u| u.object == "VirtualService/sample/helloworld"
                && u.field == "spec.http[2].mirror"),
        "{:?}",
        g.untranslated
    );
}

#[test]
fn gateway_routes() {
    let g = gateway_push();
    let names: Vec<&str> = g.listeners.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["0.0.0.0_80"]);
    let rc = route_config(&g, "http.80");
    assert!(rc.ignore_port_in_host_matching);
    let vh = vhost(rc, "httpbin.example.com:80");
    assert_eq!(vh.domains, ["httpbin.example.com"]);
    let paths: Vec<_> = vh
        .routes
        .iter()
        .map(|r| r.r#match.as_ref().and_then(|m| m.path_specifier.clone()))
        .collect();
    assert_eq!(
        paths,
        [
            Some(route_match::PathSpecifier::PathSeparatedPrefix(
                "/get".into()
            )),
            Some(route_match::PathSpecifier::Path("/headers".into())),
        ]
    );
    assert!(
        vh.routes[1]
            .typed_per_filter_config
            .contains_key(FAULT_FILTER)
    );
    assert_eq!(
        action(&vh.routes[0]),
        &route_action::ClusterSpecifier::Cluster(
            "outbound|8000||httpbin.sample-ingress.svc.cluster.local".into()
        )
    );
}

/// The pinned Envoy of Istio 1.`istio_minor` (crate::envoy::binary's lookup: what
/// `ci/install-envoy.sh` installs, or `KUBE_SIM_ENVOY`); `None` after saying why.
fn envoy_binary(test: &str, istio_minor: u32) -> Option<PathBuf> {
    match crate::envoy::locate(istio_minor) {
        Ok(b) => Some(b.path),
        Err(e) => {
            eprintln!("SKIPPED {test}: {e}");
            None
        }
    }
}

fn write_bootstrap(g: &Generated, opts: &StaticOptions) -> (tempfile::TempDir, PathBuf) {
    let b = static_bootstrap(g, opts).expect("bootstrap");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bootstrap.pb");
    std::fs::write(&path, encode(&b)).expect("write");
    (dir, path)
}

/// `envoy --mode validate` of the config as a static bootstrap, by the Envoy of the default
/// profile (Istio 1.27: 1.36.4) and of Istio 1.30 (1.38.3).
fn validate(test: &str, g: &Generated) {
    for istio_minor in [27, 30] {
        if let Some(envoy) = envoy_binary(test, istio_minor) {
            validate_with(test, g, &envoy);
        }
    }
}

fn validate_with(test: &str, g: &Generated, envoy: &Path) {
    let (_dir, path) = write_bootstrap(
        g,
        &StaticOptions {
            node_id: "sidecar~10.244.0.13~sleep-0.sample~sample.svc.cluster.local".into(),
            ..Default::default()
        },
    );
    let out = Command::new(envoy)
        .args([
            "--mode",
            "validate",
            "--disable-hot-restart",
            "-l",
            "warn",
            "-c",
        ])
        .arg(&path)
        .output()
        .expect("envoy runs");
    assert!(
        out.status.success(),
        "{test}: envoy rejects the config:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn envoy_validates_the_blog_cases() {
    validate("fault", &sleep_push(&mesh(FAULT_VS)));
    validate("weights", &sleep_push(&mesh(WEIGHTS)));
    validate("default", &sleep_push(&mesh("")));
    validate("misc", &sleep_push(&mesh(MISC_VS)));
    validate("gateway", &gateway_push());
}

/// Kills the Envoy when the test ends, whatever happens.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A keep-alive HTTP/1.1 upstream that answers `200 ok` to everything.
fn upstream() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut r = BufReader::new(match s.try_clone() {
                    Ok(c) => c,
                    Err(_) => return,
                });
                let mut w = s;
                loop {
                    let mut len = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if r.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; len];
                    if r.read_exact(&mut body).is_err()
                        || w.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                            .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    port
}

/// Reads one response; returns its status.
fn read_response(r: &mut BufReader<TcpStream>) -> Option<u16> {
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let status = line.split_whitespace().nth(1)?.parse().ok()?;
    let mut len = 0usize;
    loop {
        line.clear();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(status)
}

/// The exact two-sided binomial acceptance region with `alpha/2` in each tail.
fn binomial_interval(n: u64, p: f64, alpha: f64) -> (u64, u64) {
    let mut log_pmf = vec![0.0f64; usize::try_from(n).unwrap_or(0) + 1];
    log_pmf[0] = n as f64 * (1.0 - p).ln();
    for k in 0..n {
        let i = usize::try_from(k).unwrap_or(0);
        log_pmf[i + 1] = log_pmf[i] + ((n - k) as f64 / (k + 1) as f64).ln() + (p / (1.0 - p)).ln();
    }
    let pmf: Vec<f64> = log_pmf.iter().map(|l| l.exp()).collect();
    let (mut lo, mut acc) = (0u64, 0.0);
    for (k, q) in pmf.iter().enumerate() {
        if acc + q > alpha / 2.0 {
            lo = k as u64;
            break;
        }
        acc += q;
    }
    let (mut hi, mut acc) = (n, 0.0);
    for (k, q) in pmf.iter().enumerate().rev() {
        if acc + q > alpha / 2.0 {
            hi = k as u64;
            break;
        }
        acc += q;
    }
    (lo, hi)
}

/// The blog's 50% abort through a real Envoy configured with the generated push: 10,000 requests give
/// an abort share inside the exact 99.9% binomial interval.
#[test]
fn envoy_aborts_half_of_10000_requests() {
    let test = "envoy_aborts_half_of_10000_requests";
    let Some(envoy) = envoy_binary(test, 30) else {
        return;
    };
    let app = upstream();
    let listen = free_port();
    // The mesh on loopback: helloworld's port is the listener port, the pods' app port the upstream.
    let objects = yaml(&format!(
        r#"
apiVersion: v1
kind: Service
metadata: {{name: helloworld, namespace: sample}}
spec: {{clusterIP: 10.96.0.10, selector: {{app: helloworld}}, ports: [{{name: http, port: {listen}, targetPort: {app}}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: helloworld-v2, namespace: sample}}
spec: {{clusterIP: 10.96.0.12, selector: {{app: helloworld, version: v2}}, ports: [{{name: http, port: {listen}, targetPort: {app}}}]}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: helloworld, namespace: sample}}
spec:
  hosts: [helloworld]
  http:
  - route:
    - destination: {{host: helloworld-v2}}
    fault: {{abort: {{percentage: {{value: 50}}, httpStatus: 500}}}}
"#
    ));
    let mut objects = objects;
    objects.push(pod(
        "sample",
        "helloworld-v2-0",
        json!({"app": "helloworld", "version": "v2"}),
        false,
        "127.0.0.1",
        app,
    ));
    objects.push(pod(
        "sample",
        "sleep-0",
        json!({"app": "sleep"}),
        true,
        "127.0.0.1",
        80,
    ));
    let g = sleep_push(&objects);
    let (_dir, path) = write_bootstrap(
        &g,
        &StaticOptions {
            bind: Some("127.0.0.1".into()),
            node_id: "sidecar~127.0.0.1~sleep-0.sample~sample.svc.cluster.local".into(),
        },
    );
    let child = Command::new(&envoy)
        .args([
            "--disable-hot-restart",
            "-l",
            "error",
            "--concurrency",
            "1",
            "-c",
        ])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("envoy starts");
    let _reaper = Reaper(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    let stream = loop {
        match TcpStream::connect(("127.0.0.1", listen)) {
            Ok(s) => break s,
            Err(e) if Instant::now() > deadline => panic!("envoy never listened: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let n = 10_000u64;
    let mut counts: BTreeMap<u16, u64> = BTreeMap::new();
    let req = format!("GET /hello HTTP/1.1\r\nhost: helloworld.sample:{listen}\r\n\r\n");
    // One connection, one request at a time (Envoy does not pipeline HTTP/1.1).
    let _ = stream.set_nodelay(true);
    let mut w = stream.try_clone().expect("clone");
    let mut r = BufReader::new(stream);
    for _ in 0..n {
        w.write_all(req.as_bytes()).expect("send");
        let s = read_response(&mut r).expect("a response");
        *counts.entry(s).or_default() += 1;
    }
    let aborts = counts.get(&500).copied().unwrap_or(0);
    let ok = counts.get(&200).copied().unwrap_or(0);
    assert_eq!(aborts + ok, n, "only 500 and 200 expected: {counts:?}");
    let (lo, hi) = binomial_interval(n, 0.5, 0.001);
    eprintln!("{test}: {aborts} aborts of {n}, 99.9% interval [{lo}, {hi}]");
    assert!(
        (lo..=hi).contains(&aborts),
        "{aborts} aborts of {n} outside the 99.9% interval [{lo}, {hi}]"
    );
}

#[test]
fn binomial_interval_is_exact() {
    // n = 10,000, p = 0.5: P(X ≤ 4835) ≈ 4.7e-4 < 5e-4 < P(X ≤ 4836).
    let (lo, hi) = binomial_interval(10_000, 0.5, 0.001);
    assert_eq!(lo + hi, 10_000);
    assert!((4830..=4840).contains(&lo), "{lo}");
}
