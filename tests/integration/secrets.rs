//! Credentials stay secret: a run with debug logging, JUnit, JSON and artifacts against
//! `harness sim serve` prints and writes none of the kubeconfig's credentials; the temporary
//! kubeconfig of `--cluster sim` is private (0600 from creation) and gone afterwards; a client
//! certificate from another cluster's CA is refused.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine;

use super::support::{harness, serve_sim};

/// The secret fields of a kubeconfig: as written (base64) and decoded, plus every line of the
/// PEM bodies (a log could print a PEM without its armour, or one line of it).
fn secrets(kubeconfig: &str) -> Vec<String> {
    let mut found = Vec::new();
    for field in ["client-certificate-data", "client-key-data", "token"] {
        for line in kubeconfig.lines() {
            let Some(v) = line.trim_start().strip_prefix(&format!("{field}: ")) else {
                continue;
            };
            let v = v.trim().to_string();
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&v) {
                let pem = String::from_utf8_lossy(&bytes).into_owned();
                found.extend(
                    pem.lines()
                        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
                        .map(str::to_string),
                );
            }
            found.push(v);
        }
    }
    assert!(
        found.len() >= 4,
        "the kubeconfig has a client certificate and key"
    );
    found
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn assert_clean(what: &str, text: &str, secrets: &[String]) {
    assert!(
        !text.contains("PRIVATE KEY"),
        "{what} holds a private key in PEM"
    );
    for s in secrets {
        assert!(
            !text.contains(s.as_str()),
            "{what} holds a credential ({}...)",
            &s[..8.min(s.len())]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credential_reaches_output_reports_or_artifacts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A deviation that makes a step fail, so that diagnostics and artifacts are written too.
    let mut served = serve_sim(&kube_sim::testing::fast_profile_yaml_with_deviations(
        "abort_status: 503",
    ))
    .await;
    let (dir, kubeconfig) = (&served.dir, served.kubeconfig.clone());
    let secrets = secrets(&std::fs::read_to_string(&kubeconfig).unwrap());
    let (junit, json, artifacts) = (
        dir.path().join("junit.xml"),
        dir.path().join("report.json"),
        dir.path().join("artifacts"),
    );
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        harness()
            .args(["run", "--cluster", "current", "--kubeconfig"])
            .arg(&kubeconfig)
            .arg("--junit")
            .arg(&junit)
            .arg("--json")
            .arg(&json)
            .arg("--artifacts")
            .arg(&artifacts)
            .arg(root.join("scenarios/ingress/virtualservice-internal-gateway"))
            .env("HARNESS_LOG", "debug")
            .output(),
    )
    .await
    .expect("the run ends within 120 s")
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the deviation fails a step\n{stdout}\n{stderr}"
    );
    assert!(stderr.lines().count() > 10, "debug logging is on: {stderr}");
    assert_clean("stdout", &stdout, &secrets);
    assert_clean("stderr", &stderr, &secrets);
    let mut written = vec![junit, json];
    written.extend(files_under(&artifacts));
    for f in &written {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        assert_clean(&f.display().to_string(), &text, &secrets);
    }
    println!(
        "secrets: {} credential strings, searched in stdout, {} lines of debug stderr and {} files: none found",
        secrets.len(),
        stderr.lines().count(),
        written.len()
    );
    let _ = served.child.kill().await;
}

/// `--cluster sim` writes its kubeconfig into a private temporary directory and removes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_temporary_kubeconfig_is_private_and_removed() {
    use std::os::unix::fs::PermissionsExt;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let mut run = harness()
        .args(["run", "--cluster", "sim"])
        .arg(root.join("scenarios/ingress/httproute-get"))
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let kubeconfig = loop {
        let found = files_under(tmp.path())
            .into_iter()
            .find(|p| p.file_name().is_some_and(|n| n == "kubeconfig"));
        if let Some(k) = found {
            break k;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no kubeconfig appeared"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&kubeconfig), 0o600, "{}", kubeconfig.display());
    // Its directory is the owner's alone, too.
    assert_eq!(mode(kubeconfig.parent().unwrap()), 0o700);
    let status = tokio::time::timeout(Duration::from_secs(120), run.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

/// A client certificate signed by another cluster's CA does not authenticate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_client_certificate_is_refused() {
    use kube_sim::{SimCluster, SimProfile};
    let addr = "127.0.0.1:0".parse().unwrap();
    let ours = SimCluster::start(SimProfile::default(), addr)
        .await
        .unwrap();
    let theirs = SimCluster::start(SimProfile::default(), addr)
        .await
        .unwrap();
    let identity = reqwest::Identity::from_pem(theirs.admin_identity_pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .identity(identity)
        .build()
        .unwrap();
    let r = client
        .get(format!("https://{}/api/v1/namespaces", ours.addr()))
        .send()
        .await;
    match r {
        Ok(resp) => assert_eq!(resp.status(), 401),
        // Refused in the TLS handshake: just as good.
        Err(e) => assert!(e.is_connect() || e.is_request(), "{e}"),
    }
}
