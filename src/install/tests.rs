//! The install sequencing against the simulated cluster used as a `current` cluster: what is
//! present is left alone (istioctl is never run), and missing Gateway API CRDs are downloaded
//! (from a loopback server, verified), applied and Established before istiod's GatewayClass is
//! waited for.

use std::time::Duration;

use super::*;
use crate::cluster::{ClusterHandle, ClusterKind, ClusterSpec};
use crate::provision::Platform;
use crate::provision::download::Checksum;
use crate::provision::testkit::{Reply, TestServer, quiet, sha256_hex};

/// A simulated cluster with `profile_yaml`, started as `harness run --cluster sim` starts it,
/// and a temp dir for the test's files.
struct Sim {
    cluster: ClusterHandle,
    dir: tempfile::TempDir,
}

impl Sim {
    async fn start(profile_yaml: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let profile = dir.path().join("profile.yaml");
        std::fs::write(&profile, profile_yaml).expect("profile written");
        let mut spec = ClusterSpec::new(ClusterKind::Sim);
        spec.sim_profile = Some(profile);
        let cluster = ClusterHandle::connect(&spec).await.expect("sim");
        Self { cluster, dir }
    }

    fn client(&self) -> Client {
        self.cluster.client().clone()
    }

    fn kubeconfig(&self) -> PathBuf {
        self.cluster
            .kubeconfig()
            .expect("a kubeconfig")
            .to_path_buf()
    }

    fn dir(&self) -> &Path {
        self.dir.path()
    }
}

async fn sim(profile_yaml: &str) -> (Sim, Client, PathBuf) {
    let sim = Sim::start(profile_yaml).await;
    let (client, kubeconfig) = (sim.client(), sim.kubeconfig());
    (sim, client, kubeconfig)
}

/// The Gateway API CRDs a cluster with Istio `istio` serves (standard channel), as a bundle
/// that applies to another cluster: what the server set (status, uid, resourceVersion,
/// managedFields) is left out, as in the release's `standard-install.yaml`.
async fn crd_bundle_of_a_cluster_with(istio: &str) -> String {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    let source = Sim::start(&format!(
        "istio: {{version: \"{istio}\", gateway_api: {{channel: standard}}}}\n"
    ))
    .await;
    let crds: kube::Api<CustomResourceDefinition> = kube::Api::all(source.client());
    let list = crds.list(&Default::default()).await.expect("CRDs listed");
    let docs: Vec<String> = list
        .items
        .into_iter()
        .filter(|c| c.spec.group == "gateway.networking.k8s.io")
        .map(|c| {
            let mut v = serde_json::to_value(&c).expect("a CRD serialises");
            v.as_object_mut().expect("an object").remove("status");
            let meta = &c.metadata;
            v["metadata"] = serde_json::json!({
                "name": meta.name,
                "annotations": meta.annotations,
                "labels": meta.labels,
            });
            serde_json::to_string(&v).expect("JSON")
        })
        .collect();
    assert!(
        !docs.is_empty(),
        "the source cluster serves Gateway API CRDs"
    );
    docs.join("\n---\n")
}

/// A stand-in istioctl that records that it ran: the tests prove it is not needed.
fn recording_istioctl(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("istioctl");
    let record = dir.join("istioctl-ran");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\nexit 1\n", record.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn plan(gateway_api: Artifact) -> InstallPlan {
    InstallPlan {
        istio: crate::provision::pins::istio("1.27").expect("pinned"),
        gateway_api,
        load_balancer: None,
        timeout: Duration::from_secs(20),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn present_pieces_are_left_alone() {
    let (sim, client, kubeconfig) = sim("pods: {start_delay_ms: 10}").await;
    let server = TestServer::start(vec![]).await;
    let downloader = quiet(&sim.dir().join("cache"));
    let bin = recording_istioctl(sim.dir());
    let tools = ToolResolver::new(&downloader, Platform::current().unwrap())
        .with_search_path(Some(bin.into_os_string()));
    let artifact = Artifact {
        url: format!("{}/standard-install.yaml", server.base),
        ..crate::provision::pins::gateway_api_artifact("v1.3.0").unwrap()
    };
    let installed = ensure(&client, &kubeconfig, &plan(artifact), &downloader, &tools)
        .await
        .expect("ensure");
    assert_eq!(installed.gateway_api, Action::Present("v1.3.0".into()));
    assert!(
        matches!(&installed.istio, Action::Present(v) if v.starts_with("1.27")),
        "{installed:?}"
    );
    assert_eq!(server.count(), 0, "nothing downloaded");
    assert!(
        !sim.dir().join("istioctl-ran").exists(),
        "istioctl must not run when istiod is present"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_gateway_api_crds_are_installed_before_the_gateway_class_is_awaited() {
    let (sim, client, kubeconfig) =
        sim("pods: {start_delay_ms: 10}\nistio: {gateway_api: {installed: false}}\n").await;
    assert!(matches!(
        versions::gateway_api(&client).await,
        Err(VersionError::GatewayApiNotFound { .. })
    ));
    // Made after the cluster settled: istiod must notice the CRDs themselves, with no pod or
    // namespace change to wake it (the simulator once missed that).
    let body = crd_bundle_of_a_cluster_with("1.27").await;
    let server = TestServer::start(vec![("/standard-install.yaml", Reply::ok(body.clone()))]).await;
    let downloader = quiet(&sim.dir().join("cache"));
    let bin = recording_istioctl(sim.dir());
    let tools = ToolResolver::new(&downloader, Platform::current().unwrap())
        .with_search_path(Some(bin.into_os_string()));
    let artifact = Artifact {
        url: format!("{}/standard-install.yaml", server.base),
        checksum: Checksum::Sha256(sha256_hex(body.as_bytes()).into()),
        ..crate::provision::pins::gateway_api_artifact("v1.3.0").unwrap()
    };
    let installed = ensure(
        &client,
        &kubeconfig,
        &plan(artifact.clone()),
        &downloader,
        &tools,
    )
    .await
    .expect("ensure");
    assert_eq!(installed.gateway_api, Action::Installed("v1.3.0".into()));
    let found = versions::gateway_api(&client).await.expect("installed");
    assert_eq!(found.channel, "standard");
    // A second run finds everything present and downloads nothing more.
    let again = ensure(&client, &kubeconfig, &plan(artifact), &downloader, &tools)
        .await
        .expect("ensure again");
    assert_eq!(again.gateway_api, Action::Present("v1.3.0".into()));
    assert_eq!(server.count(), 1);
    assert!(!sim.dir().join("istioctl-ran").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_checksum_stops_the_install_before_anything_is_applied() {
    let (sim, client, kubeconfig) =
        sim("pods: {start_delay_ms: 10}\nistio: {gateway_api: {installed: false}}\n").await;
    let body = crd_bundle_of_a_cluster_with("1.27").await;
    let server = TestServer::start(vec![("/standard-install.yaml", Reply::ok(body))]).await;
    let downloader = quiet(&sim.dir().join("cache"));
    let tools = ToolResolver::new(&downloader, Platform::current().unwrap())
        .with_search_path(Some(recording_istioctl(sim.dir()).into_os_string()));
    let artifact = Artifact {
        url: format!("{}/standard-install.yaml", server.base),
        checksum: Checksum::Sha256(sha256_hex(b"something else").into()),
        ..crate::provision::pins::gateway_api_artifact("v1.3.0").unwrap()
    };
    let e = ensure(&client, &kubeconfig, &plan(artifact), &downloader, &tools)
        .await
        .expect_err("checksum mismatch");
    assert!(matches!(e, InstallError::Download { .. }), "{e:?}");
    assert!(matches!(
        versions::gateway_api(&client).await,
        Err(VersionError::GatewayApiNotFound { .. })
    ));
}

#[test]
fn istio_images_follow_the_pin() {
    let pin = crate::provision::pins::istio("1.28").unwrap();
    let images = istio_images(pin);
    assert_eq!(
        images,
        vec![
            format!("docker.io/istio/pilot:{}", pin.version),
            format!("docker.io/istio/proxyv2:{}", pin.version)
        ]
    );
}
