//! `harness run` writes its JUnit and JSON reports on every exit path: stopped by SIGINT in the
//! middle of a run (the finished steps as they ended, the rest marked not run) and unable to
//! reach its cluster (one errored `cluster-setup` test case naming the cause).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use tokio::io::{AsyncBufReadExt, BufReader};

use super::support::harness;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn junit(path: &Path) -> Report {
    let xml = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no JUnit report {}: {e}", path.display()));
    Report::deserialize_from_str(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"))
}

fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no JSON report {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// `harness run scenarios --cluster sim --junit j.xml --json r.json`, stopped by SIGINT once a
/// step has passed. The simulator's default profile takes minutes over the suite, so the signal
/// lands mid-run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_mid_run_writes_the_finished_steps_and_marks_the_rest_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let (j, r) = (dir.path().join("j.xml"), dir.path().join("r.json"));
    let mut child = harness()
        .current_dir(root())
        .args(["run", "scenarios", "--cluster", "sim", "--junit"])
        .arg(&j)
        .arg("--json")
        .arg(&r)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    // `PASS  <scenario> :: <step> ...`: the first step that ran and passed.
    let passed = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = stdout.next_line().await.unwrap() {
            seen.push_str(&line);
            seen.push('\n');
            if let Some(rest) = line.strip_prefix("PASS  ") {
                let (scenario, step) = rest.split_once(" :: ").unwrap();
                let step = step.split_whitespace().next().unwrap();
                return (scenario.to_string(), step.to_string());
            }
        }
        panic!("the run ended before a step passed:\n{seen}");
    })
    .await
    .expect("a step passes within 120 s");
    let pid = child.id().unwrap();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = stdout.next_line().await.unwrap() {
            seen.push_str(&line);
            seen.push('\n');
        }
        child.wait().await.unwrap()
    })
    .await
    .expect("the run stops within 60 s of SIGINT");
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        use tokio::io::AsyncReadExt;
        let _ = e.read_to_string(&mut stderr).await;
    }
    let what = format!("stdout:\n{seen}\nstderr:\n{stderr}");
    assert_eq!(status.code(), Some(130), "{what}");

    let planned: usize = harness::scenario::load(&[root().join("scenarios")])
        .unwrap()
        .iter()
        .map(|s| s.steps().len())
        .sum();
    let why = "not run: the run was interrupted by SIGINT";

    // JSON: the signal, every planned step, the one seen passing as it ended, the others either
    // finished or not run because of the interruption.
    let report = json(&r);
    assert_eq!(report["interrupted"], "SIGINT", "{what}");
    let steps: Vec<(String, &serde_json::Value)> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|sc| {
            let name = sc["name"].as_str().unwrap().to_string();
            sc["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |st| (name.clone(), st))
        })
        .collect();
    assert_eq!(steps.len(), planned, "every planned step is in the report");
    let (scenario, step) = &passed;
    let seen_step = steps
        .iter()
        .find(|(sc, st)| sc == scenario && st["name"] == step.as_str())
        .unwrap_or_else(|| panic!("{scenario} :: {step} is not in the JSON report"));
    assert_eq!(seen_step.1["outcome"]["result"], "passed");
    let not_run: Vec<_> = steps
        .iter()
        .filter(|(_, st)| st["outcome"]["result"] == "not_run")
        .collect();
    assert!(!not_run.is_empty(), "the run was stopped mid-way: {what}");
    for (_, st) in &not_run {
        assert_eq!(st["outcome"]["reason"], why);
    }
    let stats = &report["stats"];
    assert_eq!(stats["not_run"], not_run.len());
    assert!(stats["passed"].as_u64().unwrap() >= 1, "{stats}");

    // JUnit: the same steps, the passed one a success, the not-run ones skipped with the reason.
    let junit = junit(&j);
    let cases: Vec<_> = junit
        .test_suites
        .iter()
        .flat_map(|s| s.test_cases.iter().map(move |c| (s.name.as_str(), c)))
        .collect();
    assert_eq!(cases.len(), planned);
    let (_, passed_case) = cases
        .iter()
        .find(|(sc, c)| sc == scenario && c.name.as_str() == step)
        .expect("the passed step is a test case");
    assert!(matches!(passed_case.status, TestCaseStatus::Success { .. }));
    let skipped_for_signal = cases
        .iter()
        .filter(|(_, c)| {
            matches!(&c.status, TestCaseStatus::Skipped { message: Some(m), .. } if m.as_str() == why)
        })
        .count();
    assert_eq!(skipped_for_signal, not_run.len());
    println!(
        "SIGINT after {scenario} :: {step} passed: {} of {planned} steps not run, exit 130",
        not_run.len()
    );
}

/// `harness run scenarios --cluster current --kubeconfig /nonexistent --junit j.xml`: exit 2,
/// and the JUnit report holds one errored test case that names the cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_that_cannot_be_reached_is_one_errored_test_case() {
    let dir = tempfile::tempdir().unwrap();
    let (j, r) = (dir.path().join("j.xml"), dir.path().join("r.json"));
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        harness()
            .current_dir(root())
            .args([
                "run",
                "scenarios",
                "--cluster",
                "current",
                "--kubeconfig",
                "/nonexistent",
                "--junit",
            ])
            .arg(&j)
            .arg("--json")
            .arg(&r)
            .output(),
    )
    .await
    .expect("ends within 60 s")
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/nonexistent"), "{stderr}");

    let junit = junit(&j);
    let cases: Vec<_> = junit
        .test_suites
        .iter()
        .flat_map(|s| &s.test_cases)
        .collect();
    assert_eq!(cases.len(), 1, "{junit:?}");
    assert_eq!(cases[0].name.as_str(), "cluster-setup");
    match &cases[0].status {
        TestCaseStatus::NonSuccess {
            kind: NonSuccessKind::Error,
            message: Some(m),
            ..
        } => assert!(
            m.contains("failed to read the kubeconfig /nonexistent"),
            "{m:?}"
        ),
        other => panic!("not an errored test case: {other:?}"),
    }

    let report = json(&r);
    assert_eq!(report["setup_error"]["stage"], "cluster-setup");
    assert!(
        report["setup_error"]["cause"]
            .as_str()
            .is_some_and(|c| c.contains("/nonexistent")),
        "{report}"
    );
    assert_eq!(report["cluster"]["kind"], "current");
}
