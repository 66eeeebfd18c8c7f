//! The blog's scenarios, version by version, and one test per deviation.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::*;

fn pod(ns: &str, name: &str, labels: Value, sidecar: bool, ip: &str) -> Value {
    let mut containers = vec![json!({"name": "app", "ports": [{"containerPort": 5000}]})];
    if sidecar {
        containers.push(json!({"name": "istio-proxy", "args": ["proxy", "sidecar"]}));
    }
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels, "creationTimestamp": "2024-01-01T00:00:00Z"},
        "spec": {"containers": containers, "serviceAccountName": name.split('-').next().unwrap_or("default")},
        "status": {"podIP": ip, "conditions": [{"type": "Ready", "status": "True"}]}})
}

/// The blog's sample namespace and Services, shared with the xDS generator's tests.
pub(crate) const MESH: &str = r#"
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

const HTTPROUTE: &str = r#"
apiVersion: gateway.networking.k8s.io/v1beta1
kind: HTTPRoute
metadata: {name: helloworld, namespace: sample, generation: 1, creationTimestamp: "2024-01-01T00:01:00Z"}
spec:
  parentRefs:
  - {group: "", kind: Service, name: helloworld, port: 5000}
  rules:
  - backendRefs:
    - {name: helloworld-v1, port: 5000}
"#;

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
      kinds:
      - kind: HTTPRoute
      - kind: VirtualService
        group: networking.istio.io
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
"#;

fn headers_vs(gateway: &str) -> Value {
    json!({"apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
        "metadata": {"name": "httpbin-headers", "namespace": "sample-ingress", "creationTimestamp": "2024-01-01T00:05:00Z"},
        "spec": {"hosts": ["httpbin.example.com"], "gateways": [gateway],
            "http": [{"match": [{"uri": {"exact": "/headers"}}],
                "fault": {"abort": {"percentage": {"value": 50}, "httpStatus": 500}},
                "route": [{"destination": {"host": "httpbin", "port": {"number": 8000}}}]}]}})
}

fn yaml(s: &str) -> Vec<Value> {
    serde_saphyr::from_multiple::<Value>(s).unwrap_or_default()
}

fn mesh_objects(route: bool, vs: bool) -> Vec<Value> {
    let mut o = yaml(MESH);
    o.push(pod(
        "sample",
        "helloworld-v1-78b9f5c87f-szgcq",
        json!({"app": "helloworld", "version": "v1"}),
        true,
        "10.244.0.11",
    ));
    o.push(pod(
        "sample",
        "helloworld-v2-54dddc5567-nqcrq",
        json!({"app": "helloworld", "version": "v2"}),
        true,
        "10.244.0.12",
    ));
    o.push(pod(
        "sample",
        "sleep-78ff5975c6-gv888",
        json!({"app": "sleep"}),
        true,
        "10.244.0.13",
    ));
    if route {
        o.extend(yaml(HTTPROUTE));
    }
    if vs {
        o.extend(yaml(FAULT_VS));
    }
    o
}

/// The ingress objects plus what istiod deploys (and the pod the lead's controllers would make).
fn ingress_objects(p: &IstioProfile, lb: bool, extra: Vec<Value>) -> Vec<Value> {
    let mut o = yaml(INGRESS);
    let mut httpbin = pod(
        "sample-ingress",
        "httpbin-1",
        json!({"app": "httpbin", "version": "v1"}),
        false,
        "10.244.1.10",
    );
    httpbin["spec"]["containers"][0]["ports"] = json!([{"containerPort": 8080}]);
    o.push(httpbin);
    let snap = Snapshot::new(o.iter().cloned().map(Arc::new));
    for mut d in gateway_deployments(&snap, p) {
        if d["kind"] == "Deployment" {
            let labels = d["spec"]["template"]["metadata"]["labels"].clone();
            let mut gp = pod(
                "sample-ingress",
                "example-gateway-istio-6d4f8b9c7-x1",
                labels,
                false,
                "10.244.1.20",
            );
            gp["spec"]["containers"] = d["spec"]["template"]["spec"]["containers"].clone();
            o.push(gp);
        }
        if d["kind"] == "Service" {
            d["spec"]["clusterIP"] = json!("10.96.1.20");
            if lb {
                d["status"] = json!({"loadBalancer": {"ingress": [{"ip": "127.0.0.2"}]}});
            }
        }
        o.push(d);
    }
    o.extend(extra);
    o
}

fn profile(minor: u32) -> IstioProfile {
    IstioProfile {
        version: IstioVersion::new(1, minor, 0),
        ..IstioProfile::default()
    }
}

fn snap(objs: &[Value]) -> Snapshot {
    Snapshot::new(objs.iter().cloned().map(Arc::new))
}

fn sleep_origin() -> Origin {
    Origin::Sidecar {
        namespace: "sample".into(),
        pod_name: "sleep-78ff5975c6-gv888".into(),
        labels: [("app".to_string(), "sleep".to_string())].into(),
    }
}

fn hello_req(s: &Snapshot) -> RequestHead {
    RequestHead {
        authority: "helloworld.sample:5000".into(),
        target: resolve_host(s, "sample", "helloworld.sample", 5000).expect("resolves"),
        method: "GET".into(),
        path: "/hello".into(),
        headers: vec![],
    }
}

fn ingress_req(path: &str, host: &str) -> RequestHead {
    RequestHead {
        authority: host.into(),
        target: Target::Gateway {
            namespace: "sample-ingress".into(),
            name: "example-gateway".into(),
            port: 80,
        },
        method: "GET".into(),
        path: path.into(),
        headers: vec![],
    }
}

fn gw_origin() -> Origin {
    Origin::GatewayProxy {
        namespace: "sample-ingress".into(),
        gateway_name: "example-gateway".into(),
    }
}

/// Counts decisions: (aborts, forwards by pod name).
fn sample(
    push: &PushContext,
    from: &Origin,
    req: &RequestHead,
    n: usize,
    seed: u64,
) -> (usize, BTreeMap<String, usize>, Vec<Decision>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut aborts = 0;
    let mut pods = BTreeMap::new();
    let mut other = vec![];
    for _ in 0..n {
        match route(push, from, req, &mut rng) {
            Decision::Abort { .. } => aborts += 1,
            Decision::Forward(f) => *pods.entry(f.pod.1).or_insert(0) += 1,
            d => other.push(d),
        }
    }
    (aborts, pods, other)
}

/// Exact two-sided binomial test p-value (sum of outcomes no more likely than k).
fn binom_p(k: usize, n: usize, p: f64) -> f64 {
    let mut lnf = vec![0.0f64; n + 1];
    for i in 1..=n {
        lnf[i] = lnf[i - 1] + (i as f64).ln();
    }
    let pmf = |i: usize| {
        (lnf[n] - lnf[i] - lnf[n - i] + i as f64 * p.ln() + (n - i) as f64 * (1.0 - p).ln()).exp()
    };
    let pk = pmf(k);
    (0..=n)
        .map(pmf)
        .filter(|x| *x <= pk * (1.0 + 1e-7))
        .sum::<f64>()
        .min(1.0)
}

#[test]
fn names_per_version() {
    for minor in 22..=28 {
        let p = profile(minor);
        let push = compute(
            &snap(&ingress_objects(&p, true, mesh_objects(true, false))),
            &p,
        );
        let gw = &push.conversion.gateways[0].meta.name;
        let mesh_vs: Vec<&str> = push
            .conversion
            .virtual_services
            .iter()
            .map(|v| v.meta.name.as_str())
            .collect();
        if minor <= 27 {
            assert_eq!(
                gw,
                "example-gateway-istio-autogenerated-k8s-gateway-default"
            );
        } else {
            assert_eq!(
                gw,
                "example-gateway~istio-autogenerated-k8s-gateway~default"
            );
        }
        if minor <= 26 {
            assert!(
                mesh_vs.contains(&"helloworld-0-istio-autogenerated-k8s-gateway"),
                "{minor}: {mesh_vs:?}"
            );
            assert!(mesh_vs.contains(&"httpbin-get-0-istio-autogenerated-k8s-gateway"));
        } else {
            assert!(
                mesh_vs.contains(&"sample~5000~helloworld.sample.svc.cluster.local"),
                "{mesh_vs:?}"
            );
            let ing = if minor == 27 {
                "sample-ingress~example-gateway-istio-autogenerated-k8s-gateway-default~httpbin.example.com"
            } else {
                "sample-ingress~example-gateway~istio-autogenerated-k8s-gateway~default~httpbin.example.com"
            };
            assert!(mesh_vs.contains(&ing), "{mesh_vs:?}");
        }
    }
    let p = IstioProfile {
        version: IstioVersion::new(1, 26, 2),
        ..IstioProfile::default()
    };
    let push = compute(&snap(&mesh_objects(true, false)), &p);
    assert_eq!(
        push.conversion.virtual_services[0].meta.name,
        "sample~5000~helloworld.sample.svc.cluster.local"
    );
}

#[test]
fn httproute_shadows_virtualservice_on_every_version() {
    for minor in 22..=28 {
        let p = profile(minor);
        for vs_older in [false, true] {
            let mut objs = mesh_objects(true, true);
            if vs_older {
                for o in &mut objs {
                    if o["kind"] == "VirtualService" {
                        o["metadata"]["creationTimestamp"] = json!("2023-01-01T00:00:00Z");
                    }
                }
            }
            let s = snap(&objs);
            let push = compute(&s, &p);
            let (aborts, pods, other) = sample(&push, &sleep_origin(), &hello_req(&s), 200, 1);
            assert_eq!(aborts, 0, "{minor}");
            assert!(other.is_empty());
            assert_eq!(
                pods.keys().collect::<Vec<_>>(),
                vec!["helloworld-v1-78b9f5c87f-szgcq"],
                "{minor}"
            );
        }
    }
}

#[test]
fn virtualservice_applies_after_route_delete() {
    let p = IstioProfile::default();
    let s = snap(&mesh_objects(false, true));
    let push = compute(&s, &p);
    let mut rng = StdRng::seed_from_u64(7);
    let mut saw_abort = false;
    let mut saw_v2 = false;
    for _ in 0..50 {
        match route(&push, &sleep_origin(), &hello_req(&s), &mut rng) {
            Decision::Abort {
                status,
                body,
                headers,
                ..
            } => {
                assert_eq!((status, body), (500, "fault filter abort"));
                assert!(headers.contains(&("server".into(), "envoy".into())));
                assert!(headers.contains(&("content-type".into(), "text/plain".into())));
                assert!(headers.contains(&("content-length".into(), "18".into())));
                saw_abort = true;
            }
            Decision::Forward(f) => {
                assert_eq!(f.pod.1, "helloworld-v2-54dddc5567-nqcrq");
                assert_eq!(f.server, ServerHeader::Overwrite("envoy"));
                assert!(
                    f.request_edits
                        .set
                        .iter()
                        .any(|(k, v)| k == "x-forwarded-client-cert"
                            && v.contains("URI=spiffe://cluster.local/ns/sample/sa/sleep"))
                );
                saw_v2 = true;
            }
            d => panic!("unexpected {d:?}"),
        }
    }
    assert!(saw_abort && saw_v2);
    // Without any routing config, the Service balances across v1 and v2.
    let s = snap(&mesh_objects(false, false));
    let (_, pods, _) = sample(&compute(&s, &p), &sleep_origin(), &hello_req(&s), 200, 3);
    assert_eq!(pods.len(), 2);
}

#[test]
fn abort_share_is_binomial_half_and_scaled() {
    let s = snap(&mesh_objects(false, true));
    let push = compute(&s, &IstioProfile::default());
    let (aborts, _, _) = sample(&push, &sleep_origin(), &hello_req(&s), 10_000, 42);
    assert!(binom_p(aborts, 10_000, 0.5) > 1e-6, "aborts {aborts}");
    let mut p = IstioProfile::default();
    p.deviations.abort_share_scale = 0.5;
    let push = compute(&s, &p);
    let (aborts, _, _) = sample(&push, &sleep_origin(), &hello_req(&s), 10_000, 43);
    assert!(binom_p(aborts, 10_000, 0.25) > 1e-6, "aborts {aborts}");
    assert!(binom_p(aborts, 10_000, 0.5) < 1e-6);
}

#[test]
fn deviation_abort_status() {
    let s = snap(&mesh_objects(false, true));
    let mut p = IstioProfile::default();
    p.deviations.abort_status = Some(503);
    let push = compute(&s, &p);
    let mut rng = StdRng::seed_from_u64(1);
    let statuses: Vec<u16> = (0..40)
        .filter_map(
            |_| match route(&push, &sleep_origin(), &hello_req(&s), &mut rng) {
                Decision::Abort { status, .. } => Some(status),
                _ => None,
            },
        )
        .collect();
    assert!(!statuses.is_empty() && statuses.iter().all(|s| *s == 503));
}

#[test]
fn deviations_mesh_precedence_and_gamma() {
    let s = snap(&mesh_objects(true, true));
    for p in [
        IstioProfile {
            deviations: Deviations {
                mesh_precedence: MeshPrecedence::UserVirtualServiceWins,
                ..Deviations::default()
            },
            ..IstioProfile::default()
        },
        IstioProfile {
            deviations: Deviations {
                gamma: false,
                ..Deviations::default()
            },
            ..IstioProfile::default()
        },
    ] {
        let push = compute(&s, &p);
        let (aborts, pods, _) = sample(&push, &sleep_origin(), &hello_req(&s), 200, 5);
        assert!(aborts > 0);
        assert!(!pods.contains_key("helloworld-v1-78b9f5c87f-szgcq"));
    }
    let p = IstioProfile {
        deviations: Deviations {
            gamma: false,
            ..Deviations::default()
        },
        ..IstioProfile::default()
    };
    let push = compute(&s, &p);
    assert!(
        statuses(&push, &s, "2024-01-01T00:00:00Z")
            .iter()
            .all(|u| u.kind != "HTTPRoute")
    );
}

#[test]
fn deviation_weight_skew() {
    let mut objs = mesh_objects(false, false);
    objs.extend(yaml(r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: split, namespace: sample}
spec:
  parentRefs: [{group: "", kind: Service, name: helloworld, port: 5000}]
  rules:
  - backendRefs: [{name: helloworld-v1, port: 5000, weight: 90}, {name: helloworld-v2, port: 5000, weight: 10}]
"#));
    let s = snap(&objs);
    let (_, pods, _) = sample(
        &compute(&s, &IstioProfile::default()),
        &sleep_origin(),
        &hello_req(&s),
        10_000,
        9,
    );
    let v2 = pods
        .get("helloworld-v2-54dddc5567-nqcrq")
        .copied()
        .unwrap_or(0);
    assert!(binom_p(v2, 10_000, 0.1) > 1e-6, "v2 {v2}");
    let mut p = IstioProfile::default();
    p.deviations.weight_skew = 0.05;
    let (_, pods, _) = sample(&compute(&s, &p), &sleep_origin(), &hello_req(&s), 10_000, 9);
    let v2 = pods
        .get("helloworld-v2-54dddc5567-nqcrq")
        .copied()
        .unwrap_or(0);
    assert!(
        binom_p(v2, 10_000, 0.1) < 1e-6 && binom_p(v2, 10_000, 0.05) > 1e-6,
        "v2 {v2}"
    );
}

#[test]
fn ingress_routes_and_binding_per_version() {
    for minor in [22, 24, 27, 28] {
        let p = profile(minor);
        let dash = "sample-ingress/example-gateway-istio-autogenerated-k8s-gateway-default";
        let objs = ingress_objects(&p, true, vec![headers_vs(dash)]);
        let s = snap(&objs);
        let push = compute(&s, &p);
        let mut rng = StdRng::seed_from_u64(11);
        match route(
            &push,
            &gw_origin(),
            &ingress_req("/get", "httpbin.example.com"),
            &mut rng,
        ) {
            Decision::Forward(f) => {
                assert_eq!((f.pod.1.as_str(), f.port), ("httpbin-1", 8080));
                assert_eq!(f.server, ServerHeader::Overwrite("istio-envoy"));
            }
            d => panic!("{minor}: {d:?}"),
        }
        assert!(matches!(
            route(
                &push,
                &gw_origin(),
                &ingress_req("/getx", "httpbin.example.com"),
                &mut rng
            ),
            Decision::NoRoute { .. }
        ));
        assert!(matches!(
            route(
                &push,
                &gw_origin(),
                &ingress_req("/status/200", "httpbin.example.com"),
                &mut rng
            ),
            Decision::NoRoute { .. }
        ));
        assert!(matches!(
            route(
                &push,
                &gw_origin(),
                &ingress_req("/get", "other.example.org"),
                &mut rng
            ),
            Decision::NoRoute { .. }
        ));
        let (aborts, pods, other) = sample(
            &push,
            &gw_origin(),
            &ingress_req("/headers", "httpbin.example.com:80"),
            200,
            12,
        );
        if minor <= 27 {
            assert!(
                aborts > 50 && pods.get("httpbin-1").copied().unwrap_or(0) > 50,
                "{minor}"
            );
        } else {
            // 1.28: the dash name is no longer the internal gateway; nothing binds /headers.
            assert_eq!((aborts, pods.len(), other.len()), (0, 0, 200));
            let tilde = "sample-ingress/example-gateway~istio-autogenerated-k8s-gateway~default";
            assert!(validate(&headers_vs(tilde), &p.version, &p).is_err());
            let mut accept = p.clone();
            accept.deviations.internal_gateway_binding = InternalGatewayBinding::Accept;
            assert!(validate(&headers_vs(tilde), &p.version, &accept).is_ok());
            let objs = ingress_objects(&accept, true, vec![headers_vs(tilde)]);
            let push = compute(&snap(&objs), &accept);
            let (aborts, _, _) = sample(
                &push,
                &gw_origin(),
                &ingress_req("/headers", "httpbin.example.com"),
                200,
                12,
            );
            assert!(aborts > 50);
        }
    }
}

#[test]
fn selector_gateway_matches_pods_until_1_23() {
    let user_gw = yaml(
        r#"
apiVersion: networking.istio.io/v1alpha3
kind: Gateway
metadata: {name: example-gateway, namespace: sample-ingress}
spec:
  selector: {istio.io/gateway-name: example-gateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*.example.com"]
"#,
    );
    let mut vs = headers_vs("example-gateway");
    vs["spec"]["http"][0]["fault"] = Value::Null;
    for (minor, binds) in [(23, true), (24, false)] {
        let p = profile(minor);
        let mut extra = user_gw.clone();
        extra.push(vs.clone());
        let push = compute(&snap(&ingress_objects(&p, true, extra)), &p);
        let mut rng = StdRng::seed_from_u64(2);
        let d = route(
            &push,
            &gw_origin(),
            &ingress_req("/headers", "httpbin.example.com"),
            &mut rng,
        );
        assert_eq!(matches!(d, Decision::Forward(_)), binds, "{minor}: {d:?}");
    }
}

#[test]
fn gateway_and_route_status() {
    let p = IstioProfile::default();
    let now = "2024-01-01T00:10:00Z";
    let s = snap(&ingress_objects(&p, true, vec![]));
    let push = compute(&s, &p);
    let st = statuses(&push, &s, now);
    let gw = st.iter().find(|u| u.kind == "Gateway").unwrap();
    assert_eq!(
        gw.status["addresses"],
        json!([{"type": "IPAddress", "value": "127.0.0.2"}])
    );
    let conds = gw.status["conditions"].as_array().unwrap();
    assert_eq!(conds[1]["type"], "Programmed");
    assert_eq!(conds[1]["status"], "True");
    assert_eq!(
        conds[1]["message"],
        "Resource programmed, assigned to service(s) example-gateway-istio.sample-ingress.svc.cluster.local:80"
    );
    assert_eq!(conds[1]["observedGeneration"], 1);
    let l = &gw.status["listeners"][0];
    assert_eq!(l["attachedRoutes"], 1);
    assert_eq!(
        l["supportedKinds"],
        json!([{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"}])
    );
    let rr = l["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "ResolvedRefs")
        .unwrap();
    assert_eq!(
        (rr["status"].as_str(), rr["reason"].as_str()),
        (Some("False"), Some("InvalidRouteKinds"))
    );
    let hr = st.iter().find(|u| u.kind == "HTTPRoute").unwrap();
    let parent = &hr.status["parents"][0];
    assert_eq!(parent["parentRef"]["kind"], "Gateway");
    assert_eq!(parent["conditions"][0]["message"], "Route was valid");
    assert_eq!(parent["conditions"][1]["reason"], "ResolvedRefs");
    // Without a load balancer: AddressNotAssigned and no address.
    let s = snap(&ingress_objects(&p, false, vec![]));
    let st = statuses(&compute(&s, &p), &s, now);
    let gw = st.iter().find(|u| u.kind == "Gateway").unwrap();
    assert!(gw.status.get("addresses").is_none());
    let c = &gw.status["conditions"][1];
    assert_eq!(
        (c["status"].as_str(), c["reason"].as_str()),
        (Some("False"), Some("AddressNotAssigned"))
    );
    assert_eq!(
        c["message"],
        "Assigned to service(s) example-gateway-istio.sample-ingress.svc.cluster.local:80, but failed to assign to all requested addresses: address pending for hostname \"example-gateway-istio.sample-ingress.svc.cluster.local\""
    );
    // Stable: writing the status back and recomputing later keeps lastTransitionTime.
    let mut objs = ingress_objects(&p, false, vec![]);
    for o in &mut objs {
        if o["kind"] == "Gateway" {
            o["status"] = gw.status.clone();
        }
    }
    let s2 = snap(&objs);
    let st2 = statuses(&compute(&s2, &p), &s2, "2030-01-01T00:00:00Z");
    assert_eq!(
        st2.iter().find(|u| u.kind == "Gateway").unwrap().status,
        gw.status
    );
    // ClusterIP annotation: the Service hostname is the address.
    let mut objs = yaml(INGRESS);
    for o in &mut objs {
        if o["kind"] == "Gateway" {
            o["metadata"]["annotations"] = json!({"networking.istio.io/service-type": "ClusterIP"});
        }
    }
    let d = gateway_deployments(&snap(&objs), &p);
    assert_eq!(
        d.iter().find(|o| o["kind"] == "Service").unwrap()["spec"]["type"],
        "ClusterIP"
    );
}

#[test]
fn deployment_objects_per_version() {
    for (minor, legacy) in [(23, true), (24, false)] {
        let p = profile(minor);
        let d = gateway_deployments(&snap(&yaml(INGRESS)), &p);
        assert_eq!(d.len(), 3);
        assert!(
            d.iter()
                .all(|o| o["metadata"]["name"] == "example-gateway-istio")
        );
        assert!(
            d.iter()
                .all(|o| o["metadata"]["ownerReferences"][0]["uid"] == "gw-uid")
        );
        let dep = d.iter().find(|o| o["kind"] == "Deployment").unwrap();
        let labels = &dep["spec"]["template"]["metadata"]["labels"];
        assert_eq!(
            labels["gateway.networking.k8s.io/gateway-name"],
            "example-gateway"
        );
        assert_eq!(labels.get("istio.io/gateway-name").is_some(), legacy);
        assert_eq!(labels.get("gateway.istio.io/managed").is_some(), !legacy);
        let svc = d.iter().find(|o| o["kind"] == "Service").unwrap();
        assert_eq!(svc["spec"]["type"], "LoadBalancer");
        assert_eq!(
            svc["spec"]["ports"][1],
            json!({"name": "default", "port": 80, "protocol": "TCP", "appProtocol": "http"})
        );
    }
}

#[test]
fn configz_install_and_dns() {
    let p = IstioProfile::default();
    let s = snap(&ingress_objects(&p, true, mesh_objects(true, false)));
    let push = compute(&s, &p);
    let z = configz(&push, &s);
    let names: Vec<&str> = z
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["metadata"]["name"].as_str())
        .collect();
    assert!(names.contains(&"example-gateway-istio-autogenerated-k8s-gateway-default"));
    assert!(names.contains(&"sample~5000~helloworld.sample.svc.cluster.local"));
    let vs = z
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["metadata"]["name"] == "sample~5000~helloworld.sample.svc.cluster.local")
        .unwrap();
    assert_eq!(vs["apiVersion"], "networking.istio.io/v1");
    assert_eq!(
        vs["metadata"]["annotations"]["internal.istio.io/route-semantics"],
        "gateway"
    );
    assert_eq!(vs["spec"]["http"][0]["match"][0]["port"], 5000);
    assert_eq!(vs["spec"]["gateways"], json!(["mesh"]));
    let install = minimal_install(&p);
    assert!(install.iter().any(|o| o["kind"] == "Deployment"
        && o["spec"]["template"]["spec"]["containers"][0]["image"]
            == "docker.io/istio/pilot:1.27.9"));
    assert_eq!(gateway_classes(&profile(22)).len(), 1);
    assert_eq!(gateway_classes(&p).len(), 2);
    for h in [
        "helloworld",
        "helloworld.sample",
        "helloworld.sample.svc.cluster.local",
    ] {
        assert_eq!(
            resolve_host(&s, "sample", h, 5000),
            Some(Target::Service {
                namespace: "sample".into(),
                name: "helloworld".into(),
                port: 5000
            })
        );
    }
    assert_eq!(resolve_host(&s, "other", "helloworld", 5000), None);
    let mut objs = ingress_objects(&p, true, vec![]);
    let st = statuses(
        &compute(&snap(&objs), &p),
        &snap(&objs),
        "2024-01-01T00:00:00Z",
    );
    for o in &mut objs {
        if o["kind"] == "Gateway" {
            o["status"] = st
                .iter()
                .find(|u| u.kind == "Gateway")
                .unwrap()
                .status
                .clone();
        }
    }
    assert!(matches!(
        resolve_host(&snap(&objs), "default", "127.0.0.2", 80),
        Some(Target::Gateway { .. })
    ));
    // A port nothing listens on at the gateway.
    let push = compute(&snap(&objs), &p);
    let mut req = ingress_req("/get", "httpbin.example.com");
    req.target = Target::Gateway {
        namespace: "sample-ingress".into(),
        name: "example-gateway".into(),
        port: 8080,
    };
    assert_eq!(
        route(&push, &gw_origin(), &req, &mut StdRng::seed_from_u64(0)),
        Decision::ConnectionRefused
    );
}

#[test]
fn no_endpoint_gives_503_and_garbage_never_panics() {
    let mut objs = mesh_objects(false, true);
    objs.retain(|o| !(o["kind"] == "Pod" && o["metadata"]["labels"]["version"] == "v2"));
    let s = snap(&objs);
    let push = compute(&s, &IstioProfile::default());
    let mut rng = StdRng::seed_from_u64(3);
    let mut saw = false;
    for _ in 0..20 {
        if let Decision::NoHealthyUpstream { headers } =
            route(&push, &sleep_origin(), &hello_req(&s), &mut rng)
        {
            assert!(headers.contains(&("content-length".into(), "19".into())));
            saw = true;
        }
    }
    assert!(saw);
    let garbage = vec![
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": 1}, "spec": {"parentRefs": "x", "rules": [1, {"matches": [{"path": 3}], "backendRefs": [{"weight": "a"}]}]}}),
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {}, "spec": {"gatewayClassName": "istio", "listeners": [{"port": "x"}, 5]}}),
        json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "spec": {"hosts": [1], "http": [{"route": "x", "match": [{"uri": 5}]}]}}),
        json!({"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "spec": {"servers": [{"port": {"number": -1}}]}}),
        json!({"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": 70000}]}}),
    ];
    let s = snap(&garbage);
    let p = IstioProfile::default();
    let push = compute(&s, &p);
    let _ = statuses(&push, &s, "x");
    let _ = gateway_deployments(&s, &p);
    let _ = configz(&push, &s);
    for g in &garbage {
        let _ = validate(g, &p.version, &p);
    }
}
