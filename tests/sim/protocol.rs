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
    let base = format!("https://{}", sim.sim.addr());
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
