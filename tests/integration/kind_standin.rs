//! `--cluster kind`, `harness up` and `harness down` end to end with a stand-in `kind` on PATH:
//! the stand-in records its argv and "creates a cluster" by starting `harness sim serve` with
//! the kubeconfig path kind was given. Everything else is real: the Docker engine check
//! (bollard), kind's version probe, the config file, the isolated kubeconfig, the install step
//! finding Gateway API and Istio present, the scenarios, and the teardown. Needs Docker; skips
//! with a printed reason without it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use super::support::skip;

/// The stand-in: paths are baked in because the harness runs tools with a scrubbed
/// environment (only PATH, HOME and Docker's variables pass).
fn write_standin(dir: &Path, profile: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    let state = dir.join("state");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(state.join("clusters")).unwrap();
    let script = format!(
        r#"#!/bin/sh
state='{state}'
harness='{harness}'
profile='{profile}'
printf '%s\n' "$*" >> "$state/argv.log"
if [ "$1" = version ]; then echo "kind v0.30.0 go1.24.6 linux/amd64"; exit 0; fi
cmd="$1 $2"; shift; shift
name=kind; kubeconfig=""; config=""; pos=""
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="$2"; shift 2;;
    --kubeconfig) kubeconfig="$2"; shift 2;;
    --config) config="$2"; shift 2;;
    --image|--wait) shift 2;;
    *) pos="$1"; shift;;
  esac
done
case "$cmd" in
  "get clusters")
    if [ -z "$(ls "$state/clusters")" ]; then echo "No kind clusters found." >&2; fi
    ls "$state/clusters";;
  "create cluster")
    if [ -e "$state/clusters/$name" ]; then echo "ERROR: node(s) already exist for a cluster with the name \"$name\"" >&2; exit 1; fi
    cp "$config" "$state/config-$name.yaml"
    "$harness" sim serve --kubeconfig "$state/kc-$name" --sim-profile "$profile" > "$state/serve-$name.log" 2>&1 &
    echo $! > "$state/clusters/$name"
    i=0; while ! grep -q ready "$state/serve-$name.log" 2>/dev/null; do i=$((i+1)); [ $i -gt 100 ] && exit 1; sleep 0.1; done
    cp "$state/kc-$name" "$kubeconfig";;
  "export kubeconfig")
    [ -e "$state/clusters/$name" ] || {{ echo "ERROR: unknown cluster \"$name\"" >&2; exit 1; }}
    cp "$state/kc-$name" "$kubeconfig";;
  "delete cluster")
    if [ -e "$state/clusters/$name" ]; then kill "$(cat "$state/clusters/$name")"; rm "$state/clusters/$name"; fi;;
  "export logs")
    mkdir -p "$pos" && echo "stand-in node logs" > "$pos/kind-version.txt";;
  *) echo "stand-in kind: unexpected $cmd" >&2; exit 3;;
esac
"#,
        state = state.display(),
        harness = env!("CARGO_BIN_EXE_harness"),
        profile = profile.display(),
    );
    let path = bin.join("kind");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

struct Standin {
    dir: tempfile::TempDir,
    path_env: std::ffi::OsString,
}

impl Standin {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = write_standin(dir.path(), Path::new(kube_sim::testing::FAST_PROFILE_PATH));
        let mut paths = vec![bin];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        Self {
            path_env: std::env::join_paths(paths).unwrap(),
            dir,
        }
    }

    fn harness(&self, args: &[&str]) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_harness"));
        c.current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("PATH", &self.path_env)
            .env("HARNESS_CACHE_DIR", self.dir.path().join("cache"))
            .env("TMPDIR", self.tmp())
            .args(args)
            .kill_on_drop(true)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn tmp(&self) -> PathBuf {
        let t = self.dir.path().join("tmp");
        std::fs::create_dir_all(&t).unwrap();
        t
    }

    fn argv(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("state/argv.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn clusters(&self) -> Vec<String> {
        std::fs::read_dir(self.dir.path().join("state/clusters"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }
}

async fn docker_available(test: &str) -> bool {
    match harness::docker::Docker::connect().await {
        Ok(_) => true,
        Err(e) => {
            skip(test, &format!("no Docker engine: {e}"));
            false
        }
    }
}

async fn output(mut c: tokio::process::Command) -> (i32, String, String) {
    let out = tokio::time::timeout(Duration::from_secs(120), c.output())
        .await
        .expect("the harness finished in time")
        .expect("the harness ran");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_creates_a_kind_cluster_tests_it_and_deletes_it() {
    if !docker_available("a_run_creates_a_kind_cluster_tests_it_and_deletes_it").await {
        return;
    }
    let s = Standin::new();
    let (code, out, err) = output(s.harness(&[
        "run",
        "scenarios/ingress/httproute-get",
        "--cluster",
        "kind",
        "--kind-name",
        "standin-a",
        "--istio",
        "1.28",
        "--no-preload",
        "--load-balancer",
        "none",
    ]))
    .await;
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.contains("PASS  httproute-get :: httproute-serves-get"),
        "{out}"
    );
    assert!(out.contains("kind cluster standin-a deleted"), "{out}");
    let argv = s.argv();
    let create = argv
        .iter()
        .find(|a| a.starts_with("create cluster"))
        .expect("kind create ran");
    // Istio 1.28 supports Kubernetes up to 1.34: the newest pinned node image, by digest.
    assert!(
        create.starts_with("create cluster --name standin-a --image kindest/node:v1.34.0@sha256:"),
        "{create}"
    );
    assert!(create.contains(" --wait 180s"), "{create}");
    let kubeconfig = create
        .split_once("--kubeconfig ")
        .map(|(_, r)| r.split_whitespace().next().unwrap().to_string())
        .unwrap();
    assert!(
        kubeconfig.starts_with(s.tmp().to_str().unwrap()),
        "an isolated kubeconfig in a temp dir, not the user's: {kubeconfig}"
    );
    assert!(
        !Path::new(&kubeconfig).exists(),
        "the temp kubeconfig is removed"
    );
    assert!(
        argv.iter()
            .any(|a| a.starts_with("delete cluster --name standin-a"))
    );
    assert!(s.clusters().is_empty(), "the cluster is gone");
    let config = std::fs::read_to_string(s.dir.path().join("state/config-standin-a.yaml")).unwrap();
    assert!(
        config.contains("kind.x-k8s.io/v1alpha4") && config.contains("/tmp/kind-cluster-etcd"),
        "{config}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(s.tmp()).unwrap().collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_keeps_a_cluster_that_runs_reuse_and_down_deletes() {
    if !docker_available("up_keeps_a_cluster_that_runs_reuse_and_down_deletes").await {
        return;
    }
    let s = Standin::new();
    let kc = s.dir.path().join("up.kubeconfig");
    let (code, out, err) = output(s.harness(&[
        "up",
        "--kind-name",
        "standin-b",
        "--no-preload",
        "--load-balancer",
        "none",
        "--kubeconfig-out",
        kc.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert_eq!(s.clusters(), vec!["standin-b".to_string()]);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kc).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the kubeconfig holds a private key");
    }
    let run = |reuse: bool| {
        let mut args = vec![
            "run",
            "scenarios/ingress/httproute-get",
            "--cluster",
            "kind",
            "--kind-name",
            "standin-b",
            "--no-preload",
            "--load-balancer",
            "none",
        ];
        if reuse {
            args.push("--reuse");
        }
        s.harness(&args)
    };
    // Without --reuse an existing cluster is not touched.
    let (code, _, err) = output(run(false)).await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("already exists") && err.contains("--reuse"),
        "{err}"
    );
    let (code, out, err) = output(run(true)).await;
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("left as it was found"), "{out}");
    assert_eq!(
        s.clusters(),
        vec!["standin-b".to_string()],
        "a reused cluster stays"
    );
    assert!(!s.argv().iter().any(|a| a.starts_with("delete")));
    let (code, out, _) = output(s.harness(&["down", "--kind-name", "standin-b"])).await;
    assert_eq!(code, 0);
    assert!(out.contains("kind cluster standin-b deleted"), "{out}");
    assert!(s.clusters().is_empty());
    let (code, out, _) = output(s.harness(&["down", "--kind-name", "standin-b"])).await;
    assert_eq!(code, 0);
    assert!(out.contains("no kind cluster named standin-b"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_deletes_the_cluster_it_created() {
    if !docker_available("an_interrupted_run_deletes_the_cluster_it_created").await {
        return;
    }
    let s = Standin::new();
    let child = s
        .harness(&[
            "run",
            "scenarios",
            "--cluster",
            "kind",
            "--kind-name",
            "standin-c",
            "--no-preload",
            "--load-balancer",
            "none",
        ])
        .spawn()
        .unwrap();
    // Interrupt once the cluster exists and scenarios are under way.
    let t0 = std::time::Instant::now();
    while s.clusters().is_empty() {
        assert!(t0.elapsed() < Duration::from_secs(30), "no cluster created");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pid = child.id().unwrap() as i32;
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("stopped in time")
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("deleted kind cluster standin-c"), "{err}");
    assert!(s.clusters().is_empty(), "the cluster is deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_docker_or_no_kind_is_exit_2_with_what_to_do() {
    let s = Standin::new();
    let mut c = s.harness(&["run", "scenarios", "--cluster", "kind"]);
    c.env("DOCKER_HOST", "unix:///nonexistent/docker.sock");
    let (code, _, err) = output(c).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("start Docker"), "{err}");
    if !docker_available("no_docker_or_no_kind_is_exit_2_with_what_to_do (no kind part)").await {
        return;
    }
    // No kind on PATH, and the download (through a mirror that refuses) impossible.
    let empty = s.dir.path().join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let mut c = s.harness(&["run", "scenarios", "--cluster", "kind"]);
    c.env("PATH", &empty)
        .env("HARNESS_DOWNLOAD_MIRROR", "http://127.0.0.1:9");
    let (code, _, err) = output(c).await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("kind is not on PATH")
            && err.contains("http://127.0.0.1:9/github.com/kubernetes-sigs/kind/")
            && err.contains("put it on PATH"),
        "{err}"
    );
    let cached: Vec<_> = walk(&s.dir.path().join("cache"));
    assert!(
        cached.is_empty(),
        "nothing half-written in the cache: {cached:?}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                files.extend(walk(&p));
            } else {
                files.push(p);
            }
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_fails_before_a_cluster_is_made() {
    if !docker_available("bad_input_fails_before_a_cluster_is_made").await {
        return;
    }
    let s = Standin::new();
    let (code, _, err) = output(s.harness(&[
        "run",
        "scenarios",
        "--cluster",
        "kind",
        "--kind-name",
        "standin-d",
        "--alpha",
        "7",
    ]))
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("alpha") || err.contains("budget"), "{err}");
    assert!(
        !s.argv().iter().any(|a| a.starts_with("create")),
        "no cluster for a run that cannot be made: {:?}",
        s.argv()
    );
}
