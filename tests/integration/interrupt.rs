//! Interrupting `harness run` against a served simulated cluster (`harness sim serve`, used as
//! `--cluster current`) at seeded random moments: each time the run must end within a bound
//! with 130 (SIGINT) or 143 (SIGTERM), or 0/1 when it finished first; leave no namespace
//! labelled `harness.io/run`, no process of its process group, no file in its `TMPDIR`; and
//! say what completed. A second signal must stop the cleanup at once and say what may be left.
//!
//! `HARNESS_INTERRUPT_RUNS` (default 6) sets the number of interruptions, and
//! `HARNESS_INTERRUPT_SEED` (default 7) their seed; the figures are printed at the end.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Namespace;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use super::support::{ServedSim, harness, serve_sim};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `harness sim serve` with a fast profile, and a client for it.
struct Served {
    _child: tokio::process::Child,
    _dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    namespaces: kube::Api<Namespace>,
}

async fn serve() -> Served {
    let ServedSim {
        child,
        dir,
        kubeconfig,
    } = serve_sim(kube_sim::testing::FAST_PROFILE_YAML).await;
    let client = super::support::client_for(&kubeconfig).await;
    Served {
        _child: child,
        _dir: dir,
        kubeconfig,
        namespaces: kube::Api::all(client),
    }
}

impl Served {
    /// `harness run` of the shipped scenarios in its own process group, with `tmp` as TMPDIR.
    fn run(&self, tmp: &Path) -> tokio::process::Child {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        harness()
            .args(["run", "--cluster", "current", "--kubeconfig"])
            .arg(&self.kubeconfig)
            .arg(root.join("scenarios"))
            .env("TMPDIR", tmp)
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    async fn leftovers(&self) -> Vec<String> {
        let labelled = kube::api::ListParams::default().labels("harness.io/run");
        self.namespaces
            .list(&labelled)
            .await
            .unwrap()
            .items
            .into_iter()
            .filter_map(|n| n.metadata.name)
            .collect()
    }

    /// Removes what a deliberately stopped cleanup left, so later checks start clean.
    async fn remove_leftovers(&self) {
        for n in self.leftovers().await {
            let _ = self.namespaces.delete(&n, &Default::default()).await;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.leftovers().await.is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn kill(pid: u32, signal: &str) {
    let ok = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill -{signal} {pid}");
}

/// Processes whose process group is `pgid` (the harness ran as its group's leader).
fn group_members(pgid: u32) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(pgid) {
            found.push(format!("{head})"));
        }
    }
    found
}

fn tmp_entries(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

struct Ended {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Waits (bounded) for the run to end and collects its output.
async fn ended(mut child: tokio::process::Child, since: Instant, bound: Duration) -> Ended {
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let status = tokio::time::timeout(bound, async {
        let (_, _, s) = tokio::join!(
            out.read_to_end(&mut stdout),
            err.read_to_end(&mut stderr),
            child.wait()
        );
        s
    })
    .await
    .unwrap_or_else(|_| panic!("the run did not end within {bound:?} of the signal"))
    .unwrap();
    Ended {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        took: since.elapsed(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_runs_leave_nothing_behind() {
    let runs: u32 = env_or("HARNESS_INTERRUPT_RUNS", 6);
    let seed: u64 = env_or("HARNESS_INTERRUPT_SEED", 7);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let served = serve().await;
    let (mut interrupted, mut finished, mut slowest) = (0, 0, Duration::ZERO);
    for i in 0..runs {
        let tmp = tempfile::tempdir().unwrap();
        let delay = Duration::from_millis(rng.random_range(300..6000));
        let (signal, want) = if rng.random_bool(0.5) {
            ("INT", 130)
        } else {
            ("TERM", 143)
        };
        let child = served.run(tmp.path());
        let pid = child.id().unwrap();
        tokio::time::sleep(delay).await;
        let sent = Instant::now();
        kill(pid, signal);
        let e = ended(child, sent, Duration::from_secs(60)).await;
        slowest = slowest.max(e.took);
        let what = format!(
            "run {i}: SIG{signal} after {delay:?}, exit {:?} in {:?}\nstdout:\n{}\nstderr:\n{}",
            e.code, e.took, e.stdout, e.stderr
        );
        match e.code {
            Some(c) if c == want => {
                interrupted += 1;
                assert!(
                    e.stderr.contains("completed before the interrupt:"),
                    "no report of what completed: {what}"
                );
                assert!(e.stderr.contains("removed "), "no cleanup: {what}");
            }
            Some(0 | 1) => finished += 1,
            _ => panic!("unexpected exit: {what}"),
        }
        assert_eq!(served.leftovers().await, Vec::<String>::new(), "{what}");
        assert_eq!(group_members(pid), Vec::<String>::new(), "{what}");
        assert_eq!(tmp_entries(tmp.path()), Vec::<String>::new(), "{what}");
    }
    println!(
        "interruptions: {runs} runs (seed {seed}): {interrupted} interrupted, {finished} finished first; slowest stop {slowest:?}; leftover namespaces 0, processes 0, temp files 0"
    );
}

/// A second signal during the cleanup stops at once and names what may be left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_stops_at_once() {
    let served = serve().await;
    let tmp = tempfile::tempdir().unwrap();
    let mut child = served.run(tmp.path());
    let pid = child.id().unwrap();
    // Interrupt once the run has namespaces, so that the cleanup has work to do.
    let deadline = Instant::now() + Duration::from_secs(20);
    while served.leftovers().await.is_empty() {
        assert!(Instant::now() < deadline, "the run created no namespace");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut err = BufReader::new(child.stderr.take().unwrap());
    kill(pid, "INT");
    let mut first = String::new();
    let mut stderr = String::new();
    // The first signal's notice comes first (HARNESS_LOG is unset: no log lines).
    while !first.starts_with("interrupted:") {
        first.clear();
        let n = tokio::time::timeout(Duration::from_secs(10), err.read_line(&mut first))
            .await
            .expect("the first signal is acknowledged")
            .unwrap();
        assert!(n > 0, "stderr ended before the notice: {stderr}");
        stderr.push_str(&first);
    }
    let sent = Instant::now();
    kill(pid, "INT");
    let mut rest = String::new();
    let status = tokio::time::timeout(Duration::from_secs(5), async {
        let _ = err.read_to_string(&mut rest).await;
        child.wait().await
    })
    .await
    .expect("a second signal stops the run within 5 s")
    .unwrap();
    stderr.push_str(&rest);
    let took = sent.elapsed();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("may be left") || stderr.contains("removed "),
        "neither stopped with what may be left nor cleaned up: {stderr}"
    );
    println!("second signal: exit 130 in {took:?}; stderr:\n{stderr}");
    assert_eq!(group_members(pid), Vec::<String>::new());
    served.remove_leftovers().await;
}
