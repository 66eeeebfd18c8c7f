//! The real kubectl against `SimCluster`: apply (client- and server-side, default validation),
//! get, describe, wait, rollout status, logs, exec, delete. Skipped with a printed reason where
//! no kubectl is installed.

use std::path::PathBuf;

use super::support::{Sim, kubectl_dispatcher, kubectl_version, manifest, ok, run, skip};

async fn apply_flow(test: &str, bin: Option<PathBuf>, server_side: bool) {
    let Some(bin) = bin else {
        return skip(test, "this kubectl is not installed");
    };
    let sim = Sim::start().await;
    let k = || sim.kubectl(&bin);
    let file = manifest("multi.yaml");
    let apply = || {
        let mut c = k();
        c.arg("apply").arg("-f").arg(&file);
        if server_side {
            c.arg("--server-side");
        }
        c
    };
    // As on a real cluster, the Widget cannot be mapped before its CRD exists: the first
    // apply creates everything else and fails for the instance; the second creates it.
    let first = run(apply()).await;
    assert!(first.stdout.contains("namespace/demo"), "{}", first.stdout);
    assert!(
        first
            .stdout
            .contains("customresourcedefinition.apiextensions.k8s.io/widgets.example.com")
    );
    let second = ok(apply()).await;
    assert!(second.contains("widget.example.com/w1"), "{second}");
    let third = ok(apply()).await;
    for obj in [
        "namespace/demo",
        "deployment.apps/web",
        "service/web",
        "widget.example.com/w1",
    ] {
        let want = if server_side {
            format!("{obj} serverside-applied")
        } else {
            format!("{obj} unchanged")
        };
        assert!(third.contains(&want), "re-apply: want {want:?} in\n{third}");
    }

    let pods = ok({
        let mut c = k();
        c.args(["get", "pods", "-n", "demo", "-o", "name"]);
        c
    })
    .await;
    assert_eq!(
        pods.lines().filter(|l| l.starts_with("pod/web-")).count(),
        2,
        "{pods}"
    );
    let yaml = ok({
        let mut c = k();
        c.args(["get", "deploy", "web", "-n", "demo", "-o", "yaml"]);
        c
    })
    .await;
    assert!(
        yaml.contains("kind: Deployment") && yaml.contains("uid:"),
        "{yaml}"
    );
    let manager = if server_side {
        "manager: kubectl\n"
    } else {
        "manager: kubectl-client-side-apply"
    };
    let managed = ok({
        let mut c = k();
        c.args([
            "get",
            "deploy",
            "web",
            "-n",
            "demo",
            "-o",
            "yaml",
            "--show-managed-fields",
        ]);
        c
    })
    .await;
    assert!(
        managed.contains(manager),
        "managedFields name {manager:?}:\n{managed}"
    );
    let wd = ok({
        let mut c = k();
        c.args([
            "get",
            "wd",
            "w1",
            "-n",
            "demo",
            "-o",
            "jsonpath={.spec.size}",
        ]);
        c
    })
    .await;
    assert_eq!(wd, "3");

    ok({
        let mut c = k();
        c.args([
            "wait",
            "--for=condition=Available",
            "deploy/web",
            "-n",
            "demo",
            "--timeout=30s",
        ]);
        c
    })
    .await;
    ok({
        let mut c = k();
        c.args([
            "wait",
            "--for=jsonpath={.status.readyReplicas}=2",
            "deploy/web",
            "-n",
            "demo",
            "--timeout=30s",
        ]);
        c
    })
    .await;
    let rollout = ok({
        let mut c = k();
        c.args([
            "rollout",
            "status",
            "deploy/web",
            "-n",
            "demo",
            "--timeout=30s",
        ]);
        c
    })
    .await;
    assert!(rollout.contains("successfully rolled out"), "{rollout}");
    let describe = ok({
        let mut c = k();
        c.args(["describe", "deploy", "web", "-n", "demo"]);
        c
    })
    .await;
    assert!(
        describe.contains("2 desired | 2 updated | 2 total | 2 available"),
        "{describe}"
    );
    ok({
        let mut c = k();
        c.args(["logs", "deploy/web", "-n", "demo"]);
        c
    })
    .await;

    ok({
        let mut c = k();
        c.args(["delete", "deploy", "web", "-n", "demo", "--timeout=30s"]);
        c
    })
    .await;
    let gone = run({
        let mut c = k();
        c.args(["get", "deploy", "web", "-n", "demo"]);
        c
    })
    .await;
    assert_eq!(gone.code, 1);
    assert!(gone.stderr.contains("\"web\" not found"), "{}", gone.stderr);
    ok({
        let mut c = k();
        c.args(["delete", "namespace", "demo", "--timeout=30s"]);
        c
    })
    .await;
    let ns = run({
        let mut c = k();
        c.args(["get", "namespace", "demo"]);
        c
    })
    .await;
    assert!(
        ns.stderr.contains("namespaces \"demo\" not found"),
        "{}",
        ns.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatcher_client_side_apply_flow() {
    apply_flow(
        "dispatcher_client_side_apply_flow",
        kubectl_dispatcher(),
        false,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatcher_server_side_apply_flow() {
    apply_flow(
        "dispatcher_server_side_apply_flow",
        kubectl_dispatcher(),
        true,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_1_28_apply_flows() {
    apply_flow("kubectl_1_28_apply_flows", kubectl_version(28), false).await;
    apply_flow("kubectl_1_28_apply_flows", kubectl_version(28), true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_1_33_apply_flows() {
    apply_flow("kubectl_1_33_apply_flows", kubectl_version(33), false).await;
    apply_flow("kubectl_1_33_apply_flows", kubectl_version(33), true).await;
}

/// The dispatcher runs the client matching the server's `/version`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatcher_follows_the_server_version() {
    let Some(bin) = kubectl_dispatcher() else {
        return skip(
            "dispatcher_follows_the_server_version",
            "no kubectl on PATH",
        );
    };
    for minor in [28u32, 31] {
        let mut profile = super::support::fast_profile();
        profile.kubernetes.minor = minor;
        let sim = Sim::with_profile(profile).await;
        let out = ok(sim.kubectl_args(&bin, &["version", "-o", "json"])).await;
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["serverVersion"]["minor"], minor.to_string());
        if kubectl_version(minor).is_some() {
            assert_eq!(
                v["clientVersion"]["minor"],
                minor.to_string(),
                "the dispatcher picked kubectl.1.{minor}"
            );
        }
    }
}

/// Applies tests/data/manifests/multi.yaml (twice: its Widget needs the CRD to exist first, as
/// on a real cluster) and waits for the `web` Deployment.
async fn deploy_demo(sim: &Sim, bin: &std::path::Path) {
    let file = manifest("multi.yaml");
    let file = file.to_str().unwrap();
    let _ = run(sim.kubectl_args(bin, &["apply", "-f", file])).await;
    ok(sim.kubectl_args(bin, &["apply", "-f", file])).await;
    ok(sim.kubectl_args(
        bin,
        &[
            "wait",
            "--for=condition=Available",
            "deploy/web",
            "-n",
            "demo",
            "--timeout=30s",
        ],
    ))
    .await;
}

async fn exec_flow(minor: u32) {
    let test = format!("exec_with_kubectl_1_{minor}");
    let Some(bin) = kubectl_version(minor) else {
        return skip(&test, &format!("kubectl.1.{minor} is not installed"));
    };
    let sim = Sim::start().await;
    deploy_demo(&sim, &bin).await;
    let hi = ok(sim.kubectl_args(
        &bin,
        &["exec", "deploy/web", "-n", "demo", "--", "echo", "hi"],
    ))
    .await;
    assert_eq!(hi, "hi\n");
    let f = run(sim.kubectl_args(&bin, &["exec", "deploy/web", "-n", "demo", "--", "false"])).await;
    assert_eq!(f.code, 1, "{}", f.stderr);
    let mut cat = sim.kubectl(&bin);
    cat.args(["exec", "-i", "deploy/web", "-n", "demo", "--", "cat"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cat.spawn().unwrap();
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"line one\nline two\n").await.unwrap();
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "line one\nline two\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_with_kubectl_1_30() {
    exec_flow(30).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_with_kubectl_1_31() {
    exec_flow(31).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_with_kubectl_1_32() {
    exec_flow(32).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_with_kubectl_1_33() {
    exec_flow(33).await;
}

/// kubectl's SPDY transports get a Status that says what to use instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spdy_exec_and_port_forward_are_refused_clearly() {
    let (Some(old), Some(new)) = (kubectl_version(29), kubectl_version(33)) else {
        return skip(
            "spdy_exec_and_port_forward_are_refused_clearly",
            "kubectl 1.29 or 1.33 is not installed",
        );
    };
    let sim = Sim::start().await;
    deploy_demo(&sim, &new).await;
    let e = run(sim.kubectl_args(
        &old,
        &["exec", "deploy/web", "-n", "demo", "--", "echo", "hi"],
    ))
    .await;
    assert_ne!(e.code, 0);
    assert!(e.stderr.contains("over WebSocket only"), "{}", e.stderr);
    let pf = run(sim.kubectl_args(
        &new,
        &[
            "port-forward",
            "deploy/web",
            "-n",
            "demo",
            "18080:8080",
            "--pod-running-timeout=5s",
        ],
    ))
    .await;
    assert_ne!(pf.code, 0);
    assert!(
        pf.stderr.contains("port-forward") && pf.stderr.contains("WebSocket"),
        "{}",
        pf.stderr
    );
}

/// `kubectl create` sends protobuf bodies from 1.32 on (typed clients): the blog's
/// `kubectl create ns sample` and its neighbours work with every installed client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_create_with_protobuf_and_json_clients() {
    for minor in [28u32, 31, 32, 33] {
        let Some(bin) = kubectl_version(minor) else {
            skip(
                "kubectl_create_with_protobuf_and_json_clients",
                &format!("kubectl.1.{minor} is not installed"),
            );
            continue;
        };
        let sim = Sim::start().await;
        let k = |args: &[&str]| {
            let mut c = sim.kubectl(&bin);
            c.args(args);
            c
        };
        assert_eq!(
            ok(k(&["create", "namespace", "sample"])).await.trim(),
            "namespace/sample created"
        );
        ok(k(&[
            "create",
            "deployment",
            "web",
            "-n",
            "sample",
            "--image=busybox",
            "--",
            "sleep",
            "3600",
        ]))
        .await;
        ok(k(&[
            "create",
            "configmap",
            "c",
            "-n",
            "sample",
            "--from-literal=a=b",
        ]))
        .await;
        ok(k(&[
            "create",
            "secret",
            "generic",
            "s",
            "-n",
            "sample",
            "--from-literal=p=q",
        ]))
        .await;
        ok(k(&["create", "serviceaccount", "sa", "-n", "sample"])).await;
        assert_eq!(
            ok(k(&[
                "get",
                "secret",
                "s",
                "-n",
                "sample",
                "-o",
                "jsonpath={.data.p}"
            ]))
            .await,
            "cQ=="
        );
        assert_eq!(
            ok(k(&[
                "get",
                "cm",
                "c",
                "-n",
                "sample",
                "-o",
                "jsonpath={.data.a}"
            ]))
            .await,
            "b"
        );
        ok(k(&[
            "wait",
            "--for=condition=Available",
            "deploy/web",
            "-n",
            "sample",
            "--timeout=30s",
        ]))
        .await;
        let cmd = ok(k(&[
            "get",
            "deploy",
            "web",
            "-n",
            "sample",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].command}",
        ]))
        .await;
        assert_eq!(cmd, r#"["sleep","3600"]"#, "kubectl.1.{minor}");
    }
}
