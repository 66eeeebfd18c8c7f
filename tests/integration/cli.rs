//! `harness sim serve` as a user runs it: one ready line, a working kubeconfig, a clean stop on
//! SIGTERM that removes the temporary kubeconfig, and exit 2 for a bad profile.

use std::path::PathBuf;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

use super::support::{kubectl_dispatcher, ok, skip};

fn harness() -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_harness"));
    c.kill_on_drop(true);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prints_one_ready_line_and_stops_cleanly() {
    let mut child = harness()
        .args(["sim", "serve"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        line.starts_with("simulated cluster ready at https://127.0.0.1:"),
        "{line}"
    );
    let kubeconfig = PathBuf::from(line.rsplit_once("kubeconfig: ").unwrap().1);
    assert!(kubeconfig.is_file());
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kubeconfig).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the kubeconfig holds a private key");
    }
    if let Some(bin) = kubectl_dispatcher() {
        let cache = tempfile::tempdir().unwrap();
        let mut c = tokio::process::Command::new(bin);
        c.env("KUBECONFIG", &kubeconfig)
            .env("KUBECACHEDIR", cache.path())
            .args(["get", "namespace", "kube-system", "-o", "name"]);
        assert_eq!(ok(c).await.trim(), "namespace/kube-system");
    } else {
        skip(
            "serve_prints_one_ready_line_and_stops_cleanly (kubectl part)",
            "no kubectl on PATH",
        );
    }
    // SIGTERM: a clean stop, exit 0, the temporary kubeconfig gone.
    let pid = child.id().unwrap() as i32;
    assert_eq!(send_sigterm(pid), 0);
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(!kubeconfig.exists(), "temporary kubeconfig removed");
}

/// SIGTERM through the `kill` command (no libc dependency in tests).
fn send_sigterm(pid: i32) -> i32 {
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .map(|s| s.code().unwrap_or(1))
        .unwrap_or(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_profile_is_exit_2_with_the_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile.yaml");
    std::fs::write(
        &profile,
        "kubernetes: {minor: 33}\nistio: {versoin: \"1.27\"}\n",
    )
    .unwrap();
    let out = harness()
        .args(["sim", "serve", "--sim-profile"])
        .arg(&profile)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("versoin") && stderr.contains("profile.yaml"),
        "{stderr}"
    );
}

/// `harness validate`: the shipped scenarios are valid (exit 0); the broken corpus gives exit 2
/// with file:line:column for every file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_reports_every_broken_file_with_its_location() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let ok = harness()
        .arg("validate")
        .arg(root.join("scenarios"))
        .output()
        .await
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let broken_dir = root.join("tests/data/scenarios/broken");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&broken_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "a corpus of broken files");
    let out = harness()
        .arg("validate")
        .args(&files)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Every diagnostic starts `path:line:column: message` (the path may be a manifest the
    // scenario names), and every file had at least one.
    let headers: Vec<&str> = stderr.lines().filter(|l| l.starts_with('/')).collect();
    assert!(!headers.is_empty(), "{stderr}");
    for h in &headers {
        let mut parts = h.splitn(4, ':');
        let (_, line, col) = (parts.next(), parts.next(), parts.next());
        assert!(
            line.is_some_and(|n| n.parse::<u32>().is_ok())
                && col.is_some_and(|n| n.parse::<u32>().is_ok()),
            "not file:line:column: {h}"
        );
    }
    assert!(
        stderr
            .trim_end()
            .ends_with(&format!("in {} files", files.len())),
        "{stderr}"
    );
}

/// SIGINT in the middle of `harness run` against a real (here: separately served) cluster:
/// exit 130, and none of the run's namespaces are left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_run_removes_its_namespaces() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let mut server = harness()
        .args(["sim", "serve", "--kubeconfig"])
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    tokio::time::timeout(std::time::Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
        .unwrap();
    let run = harness()
        .args(["run", "--cluster", "current", "--kubeconfig"])
        .arg(&kubeconfig)
        .arg(root.join("scenarios/mesh"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let it create its namespaces and start the setup.
    let client = super::support::client_for(&kubeconfig).await;
    let namespaces: kube::Api<k8s_openapi::api::core::v1::Namespace> = kube::Api::all(client);
    let labelled = kube::api::ListParams::default().labels("harness.io/run");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while namespaces.list(&labelled).await.unwrap().items.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the run created no namespace"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let pid = run.id().unwrap() as i32;
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), run.wait_with_output())
        .await
        .expect("the run stops within a bound")
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("removed 1 namespaces"), "{stderr}");
    assert!(
        namespaces.list(&labelled).await.unwrap().items.is_empty(),
        "no namespace of the run is left"
    );
    let _ = server.kill().await;
}
