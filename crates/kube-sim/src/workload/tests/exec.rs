//! `kubectl exec` in each image: executables, missing ones, the small utilities.

use std::sync::Arc;
use std::time::Duration;

use super::super as w;
use super::support::*;
use w::image::HelloworldVersion;
use w::{ExecOutcome, ImageKind};

fn net() -> Arc<FakeNet> {
    Arc::new(FakeNet::new())
}

fn not_found_message(outcome: &ExecOutcome) -> String {
    match outcome {
        ExecOutcome::NotFound { message } => message.clone(),
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn missing_executable_reports_containerd_error() {
    let r = exec_with(&curl_image(), net(), &["bash", "-c", "true"], None).await;
    let msg = not_found_message(&r.outcome);
    let id = msg
        .strip_prefix("failed to exec in container: failed to start exec \"")
        .and_then(|s| s.split_once('"'))
        .map(|(id, _)| id.to_string())
        .unwrap_or_default();
    assert_eq!(id.len(), 64);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        msg,
        format!(
            "failed to exec in container: failed to start exec \"{id}\": OCI runtime exec failed: exec failed: unable to start container process: exec: \"bash\": executable file not found in $PATH: unknown"
        )
    );
    assert_eq!(
        r.outcome.kubelet_status_message(),
        Some(format!(
            "Internal error occurred: error executing command in container: {msg}"
        ))
    );
    let r = exec_with(&ImageKind::GoHttpbin, net(), &["/bin/sh"], None).await;
    assert!(
        not_found_message(&r.outcome)
            .ends_with(": exec: \"/bin/sh\": stat /bin/sh: no such file or directory: unknown")
    );
    let r = exec_with(&ImageKind::KongHttpbin, net(), &["curl", "x"], None).await;
    assert!(
        not_found_message(&r.outcome)
            .contains("exec: \"curl\": executable file not found in $PATH")
    );
}

#[tokio::test]
async fn sleep_sample_command() {
    // samples/sleep/sleep.yaml: command ["/bin/sleep", "infinity"]
    let img = curl_image();
    let run = exec_with(&img, net(), &["/bin/sleep", "infinity"], None);
    assert!(
        tokio::time::timeout(Duration::from_millis(100), run)
            .await
            .is_err()
    );
    let started = std::time::Instant::now();
    let r = exec_with(&curl_image(), net(), &["sleep", "0.05"], None).await;
    assert_eq!(r.code(), 0);
    assert!(started.elapsed() >= Duration::from_millis(50));
    let r = exec_with(&curl_image(), net(), &["sleep", "abc"], None).await;
    assert_eq!(
        (r.code(), r.stderr.as_str()),
        (1, "sleep: invalid number 'abc'\n")
    );
    let hello = ImageKind::Helloworld(HelloworldVersion::V1);
    let r = exec_with(&hello, net(), &["/bin/sleep", "abc"], None).await;
    assert_eq!(
        (r.code(), r.stderr.as_str()),
        (
            1,
            "/bin/sleep: invalid time interval \u{2018}abc\u{2019}\nTry '/bin/sleep --help' for more information.\n"
        )
    );
}

#[tokio::test]
async fn cat_streams_stdin_and_reports_missing_files() {
    let r = exec_with(&curl_image(), net(), &["cat"], Some(b"abc\x00def")).await;
    assert_eq!((r.stdout.as_slice(), r.code()), (&b"abc\x00def"[..], 0));
    let r = exec_with(
        &curl_image(),
        net(),
        &["cat", "/nope", "/etc/hostname"],
        None,
    )
    .await;
    assert_eq!(r.out(), format!("{SLEEP_POD}\n"));
    assert_eq!(
        (r.code(), r.stderr.as_str()),
        (1, "cat: can't open '/nope': No such file or directory\n")
    );
    let r = exec_with(&ImageKind::KongHttpbin, net(), &["cat", "/nope"], None).await;
    assert_eq!(r.stderr, "cat: /nope: No such file or directory\n");
}

#[tokio::test]
async fn echo_hostname_env_true_false_printf() {
    let img = curl_image();
    let r = exec_with(&img, net(), &["echo", "-n", "a", "b"], None).await;
    assert_eq!(r.out(), "a b");
    let r = exec_with(&img, net(), &["hostname"], None).await;
    assert_eq!(r.out(), format!("{SLEEP_POD}\n"));
    let r = exec_with(&img, net(), &["env"], None).await;
    assert_eq!(
        r.out(),
        format!(
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nHOSTNAME={SLEEP_POD}\nCURL_CA_BUNDLE=/cacert.pem\nHOME=/home/curl_user\n"
        )
    );
    let r = exec_with(&img, net(), &["env", "-i", "A=1", "env"], None).await;
    assert_eq!(r.out(), "A=1\n");
    let r = exec_with(&img, net(), &["env", "nosuch"], None).await;
    assert_eq!(
        (r.code(), r.stderr.as_str()),
        (
            127,
            "env: can't execute 'nosuch': No such file or directory\n"
        )
    );
    assert_eq!(exec_with(&img, net(), &["true"], None).await.code(), 0);
    assert_eq!(
        exec_with(&img, net(), &["/bin/false"], None).await.code(),
        1
    );
    let r = exec_with(&img, net(), &["printf", "%s=%03d\\n", "x", "7"], None).await;
    assert_eq!(r.out(), "x=007\n");
    let r = exec_with(&img, net(), &["sh", "-c", "echo hi"], None).await;
    assert_eq!(r.code(), 126);
    assert!(r.stderr.contains("[simulator] sh exists in this image"));
}

#[tokio::test]
async fn images_without_tools() {
    let r = exec_with(&ImageKind::Busybox, net(), &["/usr/bin/env"], None).await;
    assert!(matches!(r.outcome, ExecOutcome::NotFound { .. }));
    let r = exec_with(&ImageKind::Busybox, net(), &["env", "-i"], None).await;
    assert_eq!((r.code(), r.out()), (0, String::new()));
    let pause = exec_with(&ImageKind::Pause, net(), &["/pause"], None);
    assert!(
        tokio::time::timeout(Duration::from_millis(50), pause)
            .await
            .is_err()
    );
    let r = exec_with(&ImageKind::GoHttpbin, net(), &["/bin/go-httpbin"], None).await;
    assert_eq!(r.code(), 1);
    assert!(r.stderr.contains(
        "level=ERROR msg=\"error: listen tcp 0.0.0.0:8080: bind: address already in use\""
    ));
}

#[test]
fn exec_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let img = curl_image();
    let ctx = ctx_for(&img, net());
    let argv = vec!["true".to_string()];
    let io = w::ProcessIo {
        stdin: None,
        stdout: Box::new(Capture::default()),
        stderr: Box::new(Capture::default()),
    };
    let fut = w::exec(&img, &ctx, &argv, io);
    assert_send(&fut);
}
