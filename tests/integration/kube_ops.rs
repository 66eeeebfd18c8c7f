//! apply, delete, waits, exec and version detection against the simulated cluster.

use std::time::Duration;

use harness::kube::ApplyError;
use harness::kube::{
    ExitStatus, JsonPath, apply, delete, delete_namespace, exec_batch, versions, wait,
};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::Api;

use super::support::{Env, WAIT, blog, fixture, profile};

const CRD_AND_INSTANCE: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
spec:
  size: 3
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  namespace: other
data:
  k: "v # not a comment"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crd_and_its_instances_in_one_batch_then_delete() {
    let mut env = Env::start(profile()).await;
    env.namespace("one", false).await;
    env.namespace("other", false).await;
    let applied = env.apply(CRD_AND_INSTANCE, "one").await;
    let names: Vec<String> = applied.iter().map(ToString::to_string).collect();
    assert_eq!(
        names,
        [
            "CustomResourceDefinition.apiextensions.k8s.io widgets.example.com",
            "Widget.example.com one/w1",
            "ConfigMap other/cm"
        ]
    );
    assert_eq!(applied[1].generation, Some(1));
    assert!(applied[1].uid.is_some());
    // The object's own namespace wins over the default.
    let cms: Api<ConfigMap> = Api::namespaced(env.client.clone(), "other");
    assert_eq!(
        cms.get("cm").await.unwrap().data.unwrap()["k"],
        "v # not a comment"
    );

    // Re-applying a changed spec bumps the generation; the same spec does not.
    let again = env
        .apply(&CRD_AND_INSTANCE.replace("size: 3", "size: 4"), "one")
        .await;
    assert_eq!(again[1].generation, Some(2));
    assert_eq!(
        env.apply(&CRD_AND_INSTANCE.replace("size: 3", "size: 4"), "one")
            .await[1]
            .generation,
        Some(2)
    );

    // Waiting on a field of the new kind with the JSONPath helper.
    let path = JsonPath::parse("{.spec.size}").unwrap();
    wait::json_path(&env.client, &again[1].object, &path, Some("4"), WAIT)
        .await
        .unwrap();

    let objects: Vec<_> = applied.iter().map(|a| a.object.clone()).collect();
    delete(&env.client, &objects[1..], WAIT).await.unwrap();
    assert!(cms.get_opt("cm").await.unwrap().is_none());
    // Deleting what is gone is fine.
    delete(&env.client, &objects[1..], WAIT).await.unwrap();
    delete_namespace(&env.client, "other", WAIT).await.unwrap();
    delete_namespace(&env.client, "other", WAIT).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejections_and_unknown_kinds_are_distinct_errors() {
    let mut env = Env::start(profile()).await;
    env.namespace("sample-ingress", false).await;
    let yaml = format!(
        "{}---\n{}",
        fixture("sleep.yaml"),
        blog("vs-k8s-gateway-syntax.yaml")
    );
    let failure = apply(
        &env.client,
        &mut env.discovery,
        yaml.as_str(),
        "sample-ingress",
    )
    .await
    .unwrap_err();
    assert_eq!(
        failure.applied.len(),
        3,
        "what came before the rejection is reported: {:?}",
        failure.applied
    );
    match &failure.error {
        ApplyError::AdmissionDenied {
            object,
            by,
            message,
        } => {
            assert_eq!(
                object,
                "VirtualService.networking.istio.io sample-ingress/httpbin-k8s-syntax"
            );
            assert_eq!(by, "admission webhook \"validation.istio.io\"");
            assert!(
                message.contains("gateway.networking.k8s.io:example-gateway.default"),
                "{message}"
            );
        }
        other => panic!("not an admission denial: {other}"),
    }
    assert!(
        failure
            .error
            .rejection_message()
            .unwrap()
            .contains("denied the request")
    );
    let text = failure.to_string();
    assert!(text.contains("denied by admission webhook"), "{text}");

    let unknown = "apiVersion: nothing.example.com/v1\nkind: Gizmo\nmetadata: {name: g}\n";
    let e = apply(&env.client, &mut env.discovery, unknown, "sample-ingress")
        .await
        .unwrap_err();
    assert!(matches!(e.error, ApplyError::UnknownKind { .. }), "{e}");
    assert!(e.to_string().contains("install the CRD"), "{e}");

    // The API server's own validation (422 Invalid) is a rejection too, but not admission.
    let bad = CRD_AND_INSTANCE
        .split("---")
        .next()
        .unwrap()
        .replace("name: widgets.example.com", "name: wrong.example.com");
    let e = apply(
        &env.client,
        &mut env.discovery,
        bad.as_str(),
        "sample-ingress",
    )
    .await
    .unwrap_err();
    match &e.error {
        ApplyError::Invalid { object, message } => {
            assert!(object.contains("wrong.example.com"), "{object}");
            assert!(message.contains("must be spec.names.plural"), "{message}");
        }
        other => panic!("not Invalid: {other}"),
    }
    assert!(e.error.rejection_message().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_say_what_they_waited_for_and_what_they_saw() {
    let mut env = Env::start(profile()).await;
    env.namespace("sample", false).await;
    let applied = env.apply(&fixture("helloworld.yaml"), "sample").await;
    wait::rollout(&env.client, "sample", "helloworld-v1", WAIT)
        .await
        .unwrap();
    let deployment = &applied[1].object;
    wait::condition(&env.client, deployment, "Available", "True", WAIT)
        .await
        .unwrap();

    let e = wait::condition(
        &env.client,
        deployment,
        "Frobnicated",
        "True",
        Duration::from_millis(300),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("Deployment.apps sample/helloworld-v1 to have condition Frobnicated=True"),
        "{e}"
    );
    assert!(e.contains("last seen: no Frobnicated condition yet"), "{e}");

    let e = wait::rollout(&env.client, "sample", "missing", Duration::from_millis(300))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Deployment sample/missing") && e.contains("does not exist"),
        "{e}"
    );

    // An image nobody can pull: the wait names the pod's state. A Deployment of its own, so
    // that the old, ready v1 pod (still there while a rollout replaces it) cannot match.
    let broken = fixture("helloworld.yaml")
        .replace("examples-helloworld-v1:1.0", "does-not-exist:0")
        .replace("helloworld-v1", "helloworld-broken")
        .replace("version: v1", "version: broken");
    env.apply(&broken, "sample").await;
    let pods: Api<Pod> = Api::namespaced(env.client.clone(), "sample");
    let e = wait::pods_ready(
        &pods,
        "app=helloworld,version=broken",
        Duration::from_secs(2),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("pods matching `app=helloworld,version=broken` in sample"),
        "{e}"
    );
    assert!(e.contains("ErrImagePull"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_reports_exit_codes_and_start_failures() {
    let mut env = Env::start(profile()).await;
    env.namespace("sample", false).await;
    env.apply(&fixture("sleep.yaml"), "sample").await;
    let pods: Api<Pod> = Api::namespaced(env.client.clone(), "sample");
    let pod = wait::pods_ready(&pods, "app=sleep", WAIT).await.unwrap()[0]
        .metadata
        .name
        .clone()
        .unwrap();
    let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    let out = exec_batch(&pods, &pod, None, &argv(&["curl", "--bogus"]), b"", WAIT)
        .await
        .unwrap();
    assert_eq!(out.exit, ExitStatus::Code(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bogus"));

    // Large stdin through the 1 KiB-default pipes, large stdout back: a config with 300
    // write-outs that each print 1 KiB.
    let mut cfg = String::new();
    for i in 0..300 {
        if i > 0 {
            cfg.push_str("next\n");
        }
        cfg.push_str(&format!(
            "url = \"http://no-such-host.sample/{i}\"\nwrite-out = \"{}\\n\"\n",
            "x".repeat(1024)
        ));
    }
    let out = exec_batch(
        &pods,
        &pod,
        Some("sleep"),
        &argv(&["curl", "-s", "-K", "-"]),
        cfg.as_bytes(),
        WAIT,
    )
    .await
    .unwrap();
    assert_eq!(out.exit, ExitStatus::Code(6));
    assert_eq!(out.stdout.len(), 300 * 1025);

    let e = exec_batch(&pods, &pod, Some("nope"), &argv(&["curl"]), b"", WAIT)
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("sample/") && text.contains("container nope"),
        "{text}"
    );
    let e = exec_batch(&pods, "no-such-pod", None, &argv(&["curl"]), b"", WAIT)
        .await
        .unwrap_err();
    assert_eq!(e.failure.code, Some(404), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detects_versions() {
    let mut p = profile();
    p.kubernetes.minor = 31;
    p.istio.version = "1.28".parse().unwrap();
    let env = Env::start(p).await;
    let k = versions::kubernetes(&env.client).await.unwrap();
    assert_eq!((k.major, k.minor), (1, 31));
    let istio = versions::istio(&env.client).await.unwrap();
    assert_eq!(istio.version.minor_version(), (1, 28), "{istio:?}");
    assert_eq!(istio.deployment, "istiod");
    let gw = versions::gateway_api(&env.client).await.unwrap();
    assert_eq!(gw.version.to_string(), "1.4.0");
    assert_eq!(gw.channel, "experimental");

    let mut p = profile();
    p.istio.gateway_api.installed = false;
    let env = Env::start(p).await;
    let e = versions::gateway_api(&env.client).await.unwrap_err();
    assert!(e.to_string().contains("not installed"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_and_waits_ride_out_api_errors() {
    let mut p = profile();
    p.chaos.error_share = 0.05;
    p.chaos.error_codes = vec![503, 500];
    let mut env = Env::start(p).await;
    env.namespace("sample", true).await;
    for f in ["helloworld.yaml", "helloworld-versions.yaml", "sleep.yaml"] {
        env.apply(&fixture(f), "sample").await;
    }
    wait::rollout_all(&env.client, "sample", WAIT)
        .await
        .unwrap();
}
