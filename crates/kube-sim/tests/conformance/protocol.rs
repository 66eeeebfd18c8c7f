//! Wire-level behaviour a client can rely on: authentication, Status errors for bad requests,
//! and robustness against arbitrary request bodies.

use super::support::Sim;

fn insecure_client() -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_credentials_get_401_status() {
    let sim = Sim::start().await;
    let base = format!("https://{}", sim.sim().addr());
    let c = insecure_client();
    let r = c
        .get(format!("{base}/api/v1/namespaces"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let status: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["reason"], "Unauthorized");
    // Version and health stay public, as on kube-apiserver.
    assert_eq!(
        c.get(format!("{base}/version"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
}

mod fuzz {
    //! Arbitrary requests over the wire: the server answers every one, never panics or hangs,
    //! and every error is a `Status` with a matching code.

    use std::sync::OnceLock;

    use proptest::prelude::*;

    pub(super) struct Shared {
        runtime: tokio::runtime::Runtime,
        base: String,
        client: reqwest::Client,
        _sim: kube_sim::SimCluster,
    }

    fn shared() -> &'static Shared {
        static SHARED: OnceLock<Shared> = OnceLock::new();
        SHARED.get_or_init(|| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let sim = runtime.block_on(async {
                kube_sim::SimCluster::start(
                    super::super::support::fast_profile(),
                    "127.0.0.1:0".parse().unwrap(),
                )
                .await
                .unwrap()
            });
            let kc = sim.kubeconfig();
            let identity = client_identity(&kc);
            let client = reqwest::Client::builder()
                .danger_accept_invalid_certs(true)
                .identity(identity)
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap();
            Shared {
                base: format!("https://{}", sim.addr()),
                runtime,
                client,
                _sim: sim,
            }
        })
    }

    /// The admin client certificate and key from the kubeconfig, as one PEM identity.
    pub(super) fn client_identity(kubeconfig: &str) -> reqwest::Identity {
        use base64::Engine;
        let field = |name: &str| {
            let line = kubeconfig
                .lines()
                .find(|l| l.trim_start().starts_with(name))
                .unwrap();
            let b64 = line.split_once(": ").unwrap().1.trim();
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap()
        };
        let mut pem = field("client-certificate-data");
        pem.extend(field("client-key-data"));
        reqwest::Identity::from_pem(&pem).unwrap()
    }

    pub(super) fn shared_for_tests() -> &'static Shared {
        shared()
    }

    impl Shared {
        /// One request; the status code and the body as JSON (null if it is not JSON).
        pub(super) fn request(
            &self,
            method: &str,
            path: &str,
            media: &str,
            body: &str,
        ) -> (u16, serde_json::Value) {
            self.runtime.block_on(async {
                let mut req = self
                    .client
                    .request(method.parse().unwrap(), format!("{}{}", self.base, path))
                    .body(body.to_string());
                if !media.is_empty() {
                    req = req.header("Content-Type", media);
                }
                let resp = req.send().await.unwrap();
                let code = resp.status().as_u16();
                let text = resp.text().await.unwrap_or_default();
                (
                    code,
                    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
                )
            })
        }
    }

    fn path() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("/api/v1/namespaces".to_string()),
            Just("/api/v1/namespaces/default/configmaps".to_string()),
            Just("/api/v1/namespaces/default/configmaps/fuzz".to_string()),
            Just("/apis/apps/v1/namespaces/default/deployments".to_string()),
            Just("/apis/apps/v1/namespaces/default/deployments/fuzz".to_string()),
            Just("/apis/apps/v1/namespaces/default/deployments/fuzz/status".to_string()),
            Just("/apis/apiextensions.k8s.io/v1/customresourcedefinitions".to_string()),
            Just("/api/v1/namespaces/default/pods/fuzz/exec?command=echo".to_string()),
            "/[a-z0-9/._~%-]{0,40}".prop_map(|s| s),
        ]
    }

    fn content_type() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            Just("application/json"),
            Just("application/yaml"),
            Just("application/apply-patch+yaml"),
            Just("application/merge-patch+json"),
            Just("application/strategic-merge-patch+json"),
            Just("application/json-patch+json"),
            Just("text/plain"),
            Just("application/vnd.kubernetes.protobuf"),
        ]
    }

    fn body() -> impl Strategy<Value = Vec<u8>> {
        let json_like = prop_oneof![
            Just(br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fuzz"},"data":{"a":"b"}}"#.to_vec()),
            Just(br#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"fuzz"},"spec":{"replicas":"x"}}"#.to_vec()),
            Just(br#"[{"op":"replace","path":"/data/a","value":1},{"op":"test","path":"/x","value":2}]"#.to_vec()),
            Just(b"a: [b, {c: *d}]\n&e f: g".to_vec()),
            Just("[".repeat(5000).into_bytes()),
        ];
        prop_oneof![json_like, proptest::collection::vec(any::<u8>(), 0..512)]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn every_request_gets_an_answer_and_errors_are_statuses(
            method in prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("PATCH"), Just("DELETE")],
            path in path(),
            media in content_type(),
            query in prop_oneof![Just(""), Just("?fieldManager=fuzz"), Just("?fieldManager=fuzz&force=true"), Just("?watch=true&timeoutSeconds=1"), Just("?labelSelector=a%20in%20(b"), Just("?limit=1&continue=%%%")],
            body in body(),
        ) {
            let s = shared();
            let (code, text) = s.runtime.block_on(async {
                let url = format!("{}{}{}", s.base, path, query);
                let req = s.client
                    .request(method.parse().unwrap(), url)
                    .header("Content-Type", media)
                    .body(body.clone());
                let resp = req.send().await.expect("the server answers");
                let code = resp.status().as_u16();
                (code, resp.text().await.unwrap_or_default())
            });
            prop_assert!(code != 0);
            if code >= 400 {
                let status: serde_json::Value = serde_json::from_str(&text)
                    .map_err(|e| TestCaseError::fail(format!("{code} body is not JSON ({e}): {text}")))?;
                prop_assert_eq!(&status["kind"], "Status", "{}", text);
                prop_assert_eq!(status["code"].as_u64(), Some(u64::from(code)), "{}", text);
            }
        }
    }
}

/// The HTTP status and Status reason kube-apiserver gives for each kind of bad request.
#[test]
fn bad_requests_get_the_apiservers_status_and_reason() {
    let s = fuzz::shared_for_tests();
    let cases: &[(&str, &str, &str, &str, u16, &str)] = &[
        (
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "application/json",
            "{not json",
            400,
            "BadRequest",
        ),
        (
            "GET",
            "/apis/no.such.group/v1/things",
            "",
            "",
            404,
            "NotFound",
        ),
        (
            "GET",
            "/api/v1/namespaces/default/nosuchplural",
            "",
            "",
            404,
            "NotFound",
        ),
        (
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "text/plain",
            "x",
            415,
            "UnsupportedMediaType",
        ),
        (
            "PATCH",
            "/api/v1/namespaces/default/configmaps/x",
            "application/apply-patch+yaml",
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"#,
            422,
            "Invalid",
        ),
        (
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "application/json",
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Not_A_Name"}}"#,
            422,
            "Invalid",
        ),
        (
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "application/json",
            r#"{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}}"#,
            400,
            "BadRequest",
        ),
        (
            "PATCH",
            "/apis/networking.istio.io/v1/namespaces/default/virtualservices/x?fieldManager=m",
            "application/strategic-merge-patch+json",
            "{}",
            415,
            "UnsupportedMediaType",
        ),
        (
            "PATCH",
            "/api/v1/namespaces/default/configmaps/x?force=true",
            "application/merge-patch+json",
            "{}",
            422,
            "Invalid",
        ),
        (
            "GET",
            "/api/v1/namespaces/nosuch/configmaps/x",
            "",
            "",
            404,
            "NotFound",
        ),
        (
            "POST",
            "/api/v1/namespaces/nosuch/configmaps",
            "application/json",
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"#,
            404,
            "NotFound",
        ),
    ];
    for (method, path, media, body, code, reason) in cases {
        let (got, status) = s.request(method, path, media, body);
        assert_eq!(got, *code, "{method} {path}: {status}");
        assert_eq!(status["reason"], *reason, "{method} {path}: {status}");
        assert_eq!(status["kind"], "Status");
    }
    // The missing fieldManager is reported on PatchOptions, as kube-apiserver does.
    let (_, status) = s.request(
        "PATCH",
        "/api/v1/namespaces/default/configmaps/x",
        "application/apply-patch+yaml",
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"#,
    );
    assert_eq!(
        status["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
    );
    // A strategic merge patch of a custom resource: the 415 lists the patch types it serves
    // (kube-apiserver's installer.go), not the body formats of a create.
    let (_, status) = s.request(
        "PATCH",
        "/apis/networking.istio.io/v1/namespaces/default/virtualservices/x?fieldManager=m",
        "application/strategic-merge-patch+json",
        "{}",
    );
    assert_eq!(
        status["message"],
        "the body of the request was in an unknown format - accepted media types include: \
         application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    );
}

/// A watch from a position older than the kept history gets an ERROR event with 410 Expired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_from_a_compacted_position_is_expired() {
    let sim = Sim::start().await;
    for i in 0..20_100 {
        let name = format!("c{i}");
        kube_sim::testing::put_object(
            sim.sim(),
            "",
            "configmaps",
            "default",
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}}),
        );
    }
    let client = sim.client().await;
    let req = http::Request::get(
        "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=5&timeoutSeconds=2",
    )
    .body(Vec::new())
    .unwrap();
    let text = client.request_text(req).await.unwrap();
    let event: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(event["type"], "ERROR");
    assert_eq!(event["object"]["code"], 410);
    assert_eq!(event["object"]["reason"], "Expired");
}

/// The chaos knobs: injected API errors are Statuses with the configured codes, and cut exec
/// streams end without a status frame.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_knobs_inject_errors_and_cut_exec_streams() {
    let mut p = super::support::fast_profile();
    p.chaos.error_share = 0.5;
    p.chaos.error_codes = vec![429, 503];
    let sim = Sim::with_profile(p).await;
    let base = format!("https://{}", sim.sim().addr());
    let c = insecure_client();
    let mut codes = std::collections::BTreeMap::new();
    for _ in 0..200 {
        // Unauthenticated, so that the 401 of a served request is told apart from an injected error.
        let r = c
            .get(format!("{base}/api/v1/namespaces"))
            .send()
            .await
            .unwrap();
        *codes.entry(r.status().as_u16()).or_insert(0) += 1;
    }
    // Unauthorised requests are refused before chaos applies, like authentication before
    // admission on a real server: so chaos never shows here.
    assert_eq!(codes.get(&401), Some(&200), "{codes:?}");
    // With the admin certificate, about half the requests get an injected 429 or 503 Status.
    let admin = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .identity(fuzz::client_identity(&sim.sim().kubeconfig()))
        .build()
        .unwrap();
    let mut injected = std::collections::BTreeMap::new();
    for _ in 0..200 {
        let r = admin
            .get(format!("{base}/api/v1/namespaces/default/configmaps"))
            .send()
            .await
            .unwrap();
        let code = r.status().as_u16();
        if code != 200 {
            let status: serde_json::Value = r.json().await.unwrap();
            assert_eq!(status["code"], code);
        }
        *injected.entry(code).or_insert(0) += 1;
    }
    let errors =
        injected.get(&429).copied().unwrap_or(0) + injected.get(&503).copied().unwrap_or(0);
    // Binomial(200, 0.5): outside 60..140 with probability < 1e-8.
    assert!((60..=140).contains(&errors), "{injected:?}");
    assert_eq!(
        injected
            .keys()
            .filter(|k| ![200, 429, 503].contains(*k))
            .count(),
        0,
        "{injected:?}"
    );
    // Health and version stay reliable.
    for _ in 0..50 {
        assert_eq!(
            admin
                .get(format!("{base}/version"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
}

/// Server-side dry run is refused with a clear message, never persisted.
#[test]
fn server_side_dry_run_is_refused_not_persisted() {
    let s = fuzz::shared_for_tests();
    let body = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dry"}}"#;
    let (code, status) = s.request(
        "POST",
        "/api/v1/namespaces/default/configmaps?dryRun=All",
        "application/json",
        body,
    );
    assert_eq!(code, 400, "{status}");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("dryRun=All is not supported")
    );
    let (code, _) = s.request("GET", "/api/v1/namespaces/default/configmaps/dry", "", "");
    assert_eq!(code, 404);
}
