//! kube-rs against `SimCluster`: discovery, server-side apply of dynamic objects, watchers and
//! `await_condition`, exec with stdin and exit status, and port-forward.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, AttachParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::discovery::{ApiResource, Discovery, Scope};
use kube::runtime::{WatchStreamExt, conditions, wait::await_condition, watcher};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::support::Sim;

fn ns_obj(name: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

async fn apply_dynamic(
    client: &kube::Client,
    discovery: &Discovery,
    doc: serde_json::Value,
) -> DynamicObject {
    let obj: DynamicObject = serde_json::from_value(doc).unwrap();
    let gvk = kube::api::GroupVersionKind::try_from(obj.types.as_ref().unwrap()).unwrap();
    let (ar, caps) = discovery.resolve_gvk(&gvk).expect("kind is discoverable");
    let api: Api<DynamicObject> = match caps.scope {
        Scope::Namespaced => Api::namespaced_with(
            client.clone(),
            obj.metadata.namespace.as_deref().unwrap(),
            &ar,
        ),
        Scope::Cluster => Api::all_with(client.clone(), &ar),
    };
    let name = obj.metadata.name.clone().unwrap();
    api.patch(
        &name,
        &PatchParams::apply("e2e-harness").force(),
        &Patch::Apply(&obj),
    )
    .await
    .unwrap()
}

/// A namespace with a one-replica Deployment `box` of `image` sleeping forever, rolled out.
async fn busybox_like_pod(client: &kube::Client, ns: &str, image: &str) -> (Api<Pod>, String) {
    let discovery = Discovery::new(client.clone()).run().await.unwrap();
    apply_dynamic(client, &discovery, ns_obj(ns)).await;
    apply_dynamic(client, &discovery, deployment(ns, "box", image)).await;
    rolled_out_pod(client, ns, "box").await
}

/// Waits for a Deployment's rollout and returns the pods API of its namespace and its first pod.
async fn rolled_out_pod(client: &kube::Client, ns: &str, name: &str) -> (Api<Pod>, String) {
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), ns);
    tokio::time::timeout(
        Duration::from_secs(20),
        await_condition(deploys, name, conditions::is_deployment_completed()),
    )
    .await
    .expect("the rollout completes")
    .unwrap();
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let pod = pods.list(&Default::default()).await.unwrap().items[0]
        .metadata
        .name
        .clone()
        .unwrap();
    (pods, pod)
}

fn deployment(ns: &str, name: &str, image: &str) -> serde_json::Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image, "command": ["sleep", "infinity"]}]}}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_and_server_side_apply_of_dynamic_objects() {
    let sim = Sim::start().await;
    let client = sim.client().await;
    let discovery = Discovery::new(client.clone()).run().await.unwrap();
    let deploy = discovery
        .resolve_gvk(&kube::api::GroupVersionKind::gvk(
            "apps",
            "v1",
            "Deployment",
        ))
        .unwrap();
    assert_eq!(deploy.0.plural, "deployments");
    assert_eq!(deploy.1.scope, Scope::Namespaced);
    apply_dynamic(&client, &discovery, ns_obj("sample")).await;
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}});
    apply_dynamic(&client, &discovery, crd).await;
    // The kind is served at once: a fresh discovery finds it and applies an instance.
    let discovery = Discovery::new(client.clone()).run().await.unwrap();
    let g = apply_dynamic(
        &client,
        &discovery,
        json!({"apiVersion": "example.com/v1", "kind": "Gadget",
        "metadata": {"name": "g1", "namespace": "sample"}, "spec": {"color": "blue"}}),
    )
    .await;
    assert_eq!(g.data["spec"]["color"], "blue");
    assert_eq!(g.metadata.generation, Some(1));
    let managers: Vec<_> = g
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .map(|m| m.manager)
        .collect();
    assert_eq!(managers, vec![Some("e2e-harness".to_string())]);
    // A spec change bumps the generation; the same apply again changes nothing.
    let g2 = apply_dynamic(
        &client,
        &discovery,
        json!({"apiVersion": "example.com/v1", "kind": "Gadget",
        "metadata": {"name": "g1", "namespace": "sample"}, "spec": {"color": "red"}}),
    )
    .await;
    assert_eq!(g2.metadata.generation, Some(2));
    let g3 = apply_dynamic(
        &client,
        &discovery,
        json!({"apiVersion": "example.com/v1", "kind": "Gadget",
        "metadata": {"name": "g1", "namespace": "sample"}, "spec": {"color": "red"}}),
    )
    .await;
    assert_eq!(g3.metadata.resource_version, g2.metadata.resource_version);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_and_await_condition_see_a_rollout() {
    let sim = Sim::start().await;
    let client = sim.client().await;
    let discovery = Discovery::new(client.clone()).run().await.unwrap();
    apply_dynamic(&client, &discovery, ns_obj("w")).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "w");
    let mut seen = watcher(pods.clone(), watcher::Config::default())
        .applied_objects()
        .boxed();
    apply_dynamic(&client, &discovery, deployment("w", "app", "busybox")).await;
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "w");
    let done = tokio::time::timeout(
        Duration::from_secs(20),
        await_condition(deploys, "app", conditions::is_deployment_completed()),
    )
    .await
    .expect("rollout completes")
    .unwrap()
    .unwrap();
    assert_eq!(done.status.unwrap().available_replicas, Some(1));
    let first = tokio::time::timeout(Duration::from_secs(10), seen.try_next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(first.metadata.name.unwrap().starts_with("app-"));
    let running = pods.list(&Default::default()).await.unwrap();
    let pod = running.items[0].metadata.name.clone().unwrap();
    tokio::time::timeout(
        Duration::from_secs(10),
        await_condition(pods, &pod, conditions::is_pod_running()),
    )
    .await
    .unwrap()
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_with_stdin_and_exit_status() {
    let sim = Sim::start().await;
    let client = sim.client().await;
    let (pods, pod) = busybox_like_pod(&client, "x", "busybox:1.36").await;

    let mut p = pods
        .exec(
            &pod,
            ["cat"],
            &AttachParams::default().stdin(true).stderr(true),
        )
        .await
        .unwrap();
    let mut stdin = p.stdin().unwrap();
    let mut stdout = p.stdout().unwrap();
    let status = p.take_status().unwrap();
    stdin.write_all(b"ping\n").await.unwrap();
    // A split simplex pipe signals EOF on shutdown, not on drop.
    stdin.shutdown().await.unwrap();
    let mut out = String::new();
    // Read while the status is pending: the pipes are small (rust-k8s.md 1.2).
    let (read, status) = tokio::join!(stdout.read_to_string(&mut out), status);
    read.unwrap();
    assert_eq!(out, "ping\n");
    assert_eq!(status.unwrap().status.as_deref(), Some("Success"));

    let mut p = pods
        .exec(&pod, ["false"], &AttachParams::default())
        .await
        .unwrap();
    let status = p.take_status().unwrap().await.unwrap();
    assert_eq!(status.reason.as_deref(), Some("NonZeroExitCode"));
    let code = status.details.unwrap().causes.unwrap()[0].message.clone();
    assert_eq!(code.as_deref(), Some("1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_crud_conflicts_and_not_found() {
    let sim = Sim::start().await;
    let client = sim.client().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "c"}, "data": {"a": "1"}})).unwrap();
    let created = cms.create(&PostParams::default(), &cm).await.unwrap();
    let err = cms.create(&PostParams::default(), &cm).await.unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 409 && s.reason == "AlreadyExists"),
        "{err:?}"
    );
    let mut stale = created.clone();
    stale.data = Some([("a".to_string(), "2".to_string())].into());
    cms.replace("c", &PostParams::default(), &stale)
        .await
        .unwrap();
    // The same resourceVersion again is now stale.
    let err = cms
        .replace("c", &PostParams::default(), &stale)
        .await
        .unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 409 && s.reason == "Conflict"),
        "{err:?}"
    );
    let err = cms.get("missing").await.unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 404 && s.message == "configmaps \"missing\" not found"),
        "{err:?}"
    );
    let listed = cms
        .list(&kube::api::ListParams::default().fields("metadata.name=c"))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert!(
        listed
            .metadata
            .resource_version
            .is_some_and(|rv| !rv.is_empty())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_resources_are_discoverable_by_api_resource() {
    let sim = Sim::start().await;
    let client = sim.client().await;
    let ar = ApiResource::erase::<ConfigMap>(&());
    let api: Api<DynamicObject> = Api::all_with(client, &ar);
    // Every namespace gets its kube-root-ca.crt from the controller, which runs after the
    // namespaces exist (eventually, as on a real cluster): poll with a deadline.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let all = api.list(&Default::default()).await.unwrap();
        let roots = all
            .items
            .iter()
            .filter(|o| o.metadata.name.as_deref() == Some("kube-root-ca.crt"))
            .count();
        if roots >= 4 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {roots} kube-root-ca.crt after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A port-forward carries bytes both ways to the process listening in the pod.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_forward_reaches_the_pods_server() {
    let sim = Sim::start().await;
    let client = sim.client().await;
    let discovery = Discovery::new(client.clone()).run().await.unwrap();
    apply_dynamic(&client, &discovery, ns_obj("pf")).await;
    apply_dynamic(
        &client,
        &discovery,
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "hello", "namespace": "pf"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "hello"}},
                "template": {"metadata": {"labels": {"app": "hello"}},
                    "spec": {"containers": [{"name": "hello", "image": "docker.io/istio/examples-helloworld-v1:1.0",
                        "ports": [{"containerPort": 5000}]}]}}}}),
    )
    .await;
    let (pods, pod) = rolled_out_pod(&client, "pf", "hello").await;

    let mut pf = pods.portforward(&pod, &[5000]).await.unwrap();
    let mut stream = pf.take_stream(5000).unwrap();
    stream
        .write_all(b"GET /hello HTTP/1.1\r\nHost: localhost:5000\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.contains(&format!("Hello version: v1, instance: {pod}")),
        "{text}"
    );
    drop(stream);
    pf.abort();

    // Nothing listens on 6000: the kubelet's error comes on the port's error channel.
    let mut pf = pods.portforward(&pod, &[6000]).await.unwrap();
    let err = pf.take_error(6000).unwrap();
    let message = tokio::time::timeout(Duration::from_secs(10), err)
        .await
        .unwrap();
    assert!(message.is_some_and(|m| m.contains("connection refused")));
    pf.abort();

    // The server's startup lines are in the container log.
    let logs = pods.logs(&pod, &Default::default()).await.unwrap();
    assert!(logs.contains("Listening at: http://[::]:5000"), "{logs}");
}

/// With `chaos.exec_cut_share: 1`, every exec stream breaks after its first output and no
/// status ever arrives: the client sees a broken stream, not an exit code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_exec_streams_carry_no_status() {
    let mut p = super::support::fast_profile();
    p.chaos.exec_cut_share = 1.0;
    let sim = Sim::with_profile(p).await;
    let client = sim.client().await;
    let (pods, pod) = busybox_like_pod(&client, "cut", "busybox").await;
    let mut p = pods
        .exec(&pod, ["echo", "hi"], &AttachParams::default())
        .await
        .unwrap();
    let mut stdout = p.stdout().unwrap();
    let status = p.take_status().unwrap();
    // kube-rs ends the status future on the broken stream; its stdout pipe never reaches EOF
    // then (a split simplex only ends on shutdown), so read what arrived with a deadline.
    let status = tokio::time::timeout(Duration::from_secs(10), status)
        .await
        .expect("the status future ends");
    assert!(status.is_none(), "no status frame after a cut: {status:?}");
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(5), stdout.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&buf[..n], b"hi\n");
}

/// A Kubernetes 1.29 server speaks v4 for exec: commands without stdin work as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_on_a_1_29_server_uses_v4() {
    let mut p = super::support::fast_profile();
    p.kubernetes.minor = 29;
    let sim = Sim::with_profile(p).await;
    let client = sim.client().await;
    let (pods, pod) = busybox_like_pod(&client, "old", "busybox").await;
    let mut p = pods
        .exec(&pod, ["echo", "hi"], &AttachParams::default())
        .await
        .unwrap();
    let mut stdout = p.stdout().unwrap();
    let status = p.take_status().unwrap();
    let mut out = String::new();
    let (read, status) = tokio::join!(stdout.read_to_string(&mut out), status);
    read.unwrap();
    assert_eq!(out, "hi\n");
    assert_eq!(status.and_then(|s| s.status).as_deref(), Some("Success"));
}
