//! Real Envoy processes: start, readiness, and that none outlives its owner. Each test prints
//! `SKIPPED` when the Envoy of the default profile is not installed (`ci/install-envoy.sh`).

use std::io::BufRead;
use std::time::{Duration, Instant};

use serde_json::json;

use super::*;

/// The Envoy of the default profile's Istio minor, or `None` after printing why the test skips.
pub(crate) fn envoy_or_skip(test: &str) -> Option<EnvoyBinary> {
    match locate(crate::istio::IstioVersion::DEFAULT.minor) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!("SKIPPED {test}: {e}");
            None
        }
    }
}

/// A bootstrap with only the admin interface: Envoy is ready as soon as it runs.
fn admin_only() -> serde_json::Value {
    json!({
        "node": {"id": "sidecar~127.0.0.1~test.default~default.svc.cluster.local", "cluster": "test.default"},
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}},
    })
}

/// Whether a process is still alive (a zombie counts as dead: it runs nothing).
pub(crate) fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !matches!(
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.trim_start().chars().next()),
            Some('Z' | 'X')
        ),
        Err(_) => false,
    }
}

#[tokio::test]
async fn envoy_starts_and_its_admin_answers_ready() {
    let Some(bin) = envoy_or_skip("envoy_starts_and_its_admin_answers_ready") else {
        return;
    };
    let t0 = Instant::now();
    let mut envoy = EnvoyProcess::spawn(&bin, "test.default", &admin_only()).expect("spawn");
    envoy
        .wait_ready(Duration::from_secs(20))
        .await
        .expect("ready");
    eprintln!("envoy {} start to ready: {:?}", bin.version, t0.elapsed());
    let admin = envoy.admin_addr().expect("admin address");
    assert!(admin.ip().is_loopback(), "{admin}");
    let (status, body) = envoy.admin_get("/server_info").await.expect("server_info");
    assert_eq!(status, 200);
    assert!(body.contains(&bin.version), "{body}");
}

#[tokio::test]
async fn a_bad_bootstrap_is_an_error_with_envoys_message() {
    let Some(bin) = envoy_or_skip("a_bad_bootstrap_is_an_error_with_envoys_message") else {
        return;
    };
    let mut envoy = EnvoyProcess::spawn(&bin, "bad", &json!({"no_such_field": 1})).expect("spawn");
    let err = envoy
        .wait_ready(Duration::from_secs(20))
        .await
        .expect_err("must fail");
    assert!(matches!(err, EnvoyProcessError::Exited { .. }), "{err}");
    assert!(err.to_string().contains("no_such_field"), "{err}");
}

#[tokio::test]
async fn dropping_the_process_kills_envoy() {
    let Some(bin) = envoy_or_skip("dropping_the_process_kills_envoy") else {
        return;
    };
    let mut envoy = EnvoyProcess::spawn(&bin, "drop.default", &admin_only()).expect("spawn");
    envoy
        .wait_ready(Duration::from_secs(20))
        .await
        .expect("ready");
    let pid = envoy.pid();
    assert!(alive(pid));
    drop(envoy);
    assert!(!alive(pid), "Envoy {pid} survived its drop");
}

/// The environment variable that turns [`orphan_helper`] into the helper process.
const HELPER_ENV: &str = "KUBE_SIM_ENVOY_ORPHAN_HELPER";

/// Run as a child of [`a_sigkilled_owner_leaves_no_envoy`] (this test binary re-invoked with
/// [`HELPER_ENV`]): starts an Envoy, prints its pid, and waits to be killed. Without the
/// variable it does nothing.
#[tokio::test]
async fn orphan_helper() {
    if std::env::var_os(HELPER_ENV).is_none() {
        return;
    }
    let Some(bin) = envoy_or_skip("orphan_helper") else {
        return;
    };
    let mut envoy = EnvoyProcess::spawn(&bin, "orphan.default", &admin_only()).expect("spawn");
    envoy
        .wait_ready(Duration::from_secs(20))
        .await
        .expect("ready");
    println!("ENVOY_PID={}", envoy.pid());
    // Killed by the parent long before this ends; the bound only keeps a lost helper finite.
    tokio::time::sleep(Duration::from_secs(60)).await;
}

#[test]
fn a_sigkilled_owner_leaves_no_envoy() {
    if envoy_or_skip("a_sigkilled_owner_leaves_no_envoy").is_none() {
        return;
    }
    let exe = std::env::current_exe().expect("test executable");
    let mut helper = std::process::Command::new(exe)
        .args([
            "envoy::tests::orphan_helper",
            "--exact",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(HELPER_ENV, "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("helper");
    let stdout = helper.stdout.take().expect("stdout");
    let pid = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        // libtest prints `test <name> ... ` before the test's own output, on the same line.
        .find_map(|l| {
            l.split_once("ENVOY_PID=")
                .and_then(|(_, p)| p.trim().parse::<u32>().ok())
        });
    // Child::kill is SIGKILL: the helper gets no chance to run a destructor.
    helper.kill().expect("SIGKILL the helper");
    helper.wait().expect("reap the helper");
    let pid = pid.expect("the helper printed no Envoy pid");
    let t0 = Instant::now();
    while alive(pid) && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let gone_after = t0.elapsed();
    assert!(!alive(pid), "Envoy {pid} outlived its SIGKILLed owner");
    // Dead is enough; also give init a moment to reap the zombie so that `pgrep` after the
    // tests is empty.
    while std::path::Path::new(&format!("/proc/{pid}")).exists()
        && t0.elapsed() < Duration::from_secs(5)
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    eprintln!("Envoy {pid} gone {gone_after:?} after its owner's SIGKILL");
}
