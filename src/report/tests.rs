//! Every reporter fed one scripted sequence of events (no cluster), then each way a run ends:
//! completed, interrupted by a signal, not made at all. What each writes is read back.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::console::ConsoleOut;
use super::model::Versions;
use super::*;
use crate::exit::Signal;
use crate::run::{Planned, PlannedScenario, RunEvent, ScenarioId};

/// A writer tests read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The reporters of a run, writing into `dir` and into captured console streams.
struct Outputs {
    out: Captured,
    err: Captured,
    junit: PathBuf,
    json: PathBuf,
    markdown: PathBuf,
}

impl Outputs {
    fn new(dir: &Path) -> Self {
        Self {
            out: Captured::default(),
            err: Captured::default(),
            junit: dir.join("junit.xml"),
            json: dir.join("report.json"),
            markdown: dir.join("summary.md"),
        }
    }

    fn reporters(&self) -> Reporters {
        let settings = RunSettings { alpha: 1e-3 };
        let asked = ClusterInfo {
            kind: "sim".into(),
            name: "sim".into(),
            ..Default::default()
        };
        let mut r = Reporters::new(RunRecord::new(settings, asked));
        r.add(ConsoleReporter::new(
            ConsoleOut::Plain(Box::new(self.out.clone())),
            Box::new(self.err.clone()),
        ))
        .add(JunitReporter::new(self.junit.clone()))
        .add(JsonReporter::new(self.json.clone()))
        .add(MarkdownReporter::new(self.markdown.clone()));
        r
    }

    fn junit(&self) -> quick_junit::Report {
        let xml = std::fs::read_to_string(&self.junit).unwrap();
        quick_junit::Report::deserialize_from_str(&xml).unwrap()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(&self.json).unwrap()).unwrap()
    }

    fn markdown(&self) -> String {
        std::fs::read_to_string(&self.markdown).unwrap()
    }
}

fn id(name: &str) -> ScenarioId {
    ScenarioId {
        name: name.into(),
        file: format!("scenarios/{name}/scenario.yaml"),
    }
}

/// Two scenarios: `mesh/a` with steps a1, a2 and `mesh/b` with b1.
fn planned() -> Planned {
    let scenario = |name: &str, steps: &[&str]| PlannedScenario {
        id: id(name),
        description: format!("{name} described"),
        source: "seed blog".into(),
        steps: steps.iter().map(|s| s.to_string()).collect(),
    };
    Planned {
        scenarios: vec![
            scenario("mesh/a", &["a1", "a2"]),
            scenario("mesh/b", &["b1"]),
        ],
    }
}

fn cluster() -> ClusterInfo {
    ClusterInfo {
        kind: "sim".into(),
        name: "sim@127.0.0.1:4000".into(),
        versions: Versions {
            kubernetes: Some("1.33".into()),
            istio: Some("1.27.9".into()),
            gateway_api: Some("v1.3.0".into()),
            gateway_api_channel: Some("experimental".into()),
        },
        sim: Some(SimInfo {
            profile: "broken.yaml".into(),
            deviations: vec!["abort_status: 503".into()],
        }),
    }
}

fn step(name: &str, outcome: StepOutcome) -> StepReport {
    StepReport {
        name: name.into(),
        outcome,
        duration: Duration::from_millis(1500),
        verdict: None,
        transport_errors: 0,
        examples: Vec::new(),
        diagnostics: Vec::new(),
        artifact: None,
    }
}

/// The run up to the middle of `mesh/a`: a1 passed, a2 under way, `mesh/b` not started.
fn until_a2(r: &mut Reporters) {
    let events = [
        RunEvent::RunPlanned { planned: planned() },
        RunEvent::RunStarted { cluster: cluster() },
        RunEvent::ScenarioStarted {
            scenario: id("mesh/a"),
            steps: vec!["a1".into(), "a2".into()],
        },
        RunEvent::StepStarted {
            scenario: id("mesh/a"),
            step: "a1".into(),
        },
        RunEvent::StepFinished {
            scenario: id("mesh/a"),
            report: Box::new(step("a1", StepOutcome::Passed)),
        },
        RunEvent::StepStarted {
            scenario: id("mesh/a"),
            step: "a2".into(),
        },
    ];
    for e in &events {
        r.event(e);
    }
}

fn outcome_of<'r>(report: &'r RunReport, scenario: &str, step: &str) -> &'r StepOutcome {
    &report
        .scenarios
        .iter()
        .find(|s| s.name == scenario)
        .and_then(|s| s.steps.iter().find(|st| st.name == step))
        .unwrap_or_else(|| panic!("no step {scenario} :: {step}"))
        .outcome
}

#[test]
fn an_interrupted_run_keeps_finished_steps_and_marks_the_rest_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let o = Outputs::new(dir.path());
    let mut r = o.reporters();
    until_a2(&mut r);
    let (report, errors) = r.finish(RunEnd::Interrupted(Signal::Interrupt));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.exit_code(), 130);
    assert_eq!(
        report.stats(),
        RunStats {
            passed: 1,
            not_run: 2,
            ..Default::default()
        }
    );
    let why = "not run: the run was interrupted by SIGINT";
    for (scenario, step) in [("mesh/a", "a2"), ("mesh/b", "b1")] {
        assert_eq!(
            outcome_of(&report, scenario, step),
            &StepOutcome::NotRun { reason: why.into() }
        );
    }
    assert_eq!(outcome_of(&report, "mesh/a", "a1"), &StepOutcome::Passed);

    // Console: the cluster, the scenario start and the step as they happened, then the summary;
    // what completed on stderr.
    let out = o.out.text();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("cluster sim@127.0.0.1:4000 (sim): Kubernetes 1.33, Istio 1.27.9")
            && lines[0].contains("simulator profile broken.yaml, deviations: abort_status: 503"),
        "{out}"
    );
    assert_eq!(lines[1], "START mesh/a (2 steps)");
    assert!(lines[2].starts_with("PASS  mesh/a :: a1"), "{out}");
    assert!(
        lines[3]
            .contains("3 steps in 2 scenarios: 1 passed, 0 failed, 0 errors, 0 skipped, 2 not run")
            && lines[3].ends_with("; interrupted by SIGINT (exit 130)"),
        "{out}"
    );
    assert_eq!(
        o.err.text(),
        "completed before the interrupt: 1 steps (1 passed, 0 failed, 0 errors, 0 skipped) in 1 scenarios; 2 steps not run\n"
    );

    // JUnit: every planned step is a test case; the finished one as it ended, the others
    // skipped with the reason; the run's facts as properties.
    let junit = o.junit();
    let cases: Vec<(String, String, Option<String>)> = junit
        .test_suites
        .iter()
        .flat_map(|s| &s.test_cases)
        .map(|c| {
            let (kind, message) = match &c.status {
                quick_junit::TestCaseStatus::Success { .. } => ("success", None),
                quick_junit::TestCaseStatus::Skipped { message, .. } => {
                    ("skipped", message.as_ref().map(|m| m.to_string()))
                }
                quick_junit::TestCaseStatus::NonSuccess { .. } => ("non-success", None),
            };
            (c.name.to_string(), kind.to_string(), message)
        })
        .collect();
    let skipped = |name: &str| {
        (
            name.to_string(),
            "skipped".to_string(),
            Some(why.to_string()),
        )
    };
    assert_eq!(
        cases,
        [
            ("a1".to_string(), "success".to_string(), None),
            skipped("a2"),
            skipped("b1")
        ]
    );
    let props: Vec<(String, String)> = junit.test_suites[0]
        .properties
        .iter()
        .map(|p| (p.name.to_string(), p.value.to_string()))
        .collect();
    for want in [
        ("interrupted", "SIGINT"),
        ("sim.profile", "broken.yaml"),
        ("sim.deviations", "abort_status: 503"),
        ("istio", "1.27.9"),
    ] {
        assert!(
            props.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {props:?}"
        );
    }

    // JSON: the counts, the signal, every step.
    let json = o.json();
    assert_eq!(json["interrupted"], "SIGINT");
    assert_eq!(json["stats"]["passed"], 1);
    assert_eq!(json["stats"]["not_run"], 2);
    assert_eq!(json["cluster"]["sim"]["deviations"][0], "abort_status: 503");
    assert_eq!(
        json["scenarios"][0]["steps"][1]["outcome"]["result"],
        "not_run"
    );
    assert_eq!(json["scenarios"][1]["description"], "mesh/b described");

    // Markdown: the rows and the interruption.
    let md = o.markdown();
    assert!(md.contains("| mesh/a | a1 | ✅ pass |"), "{md}");
    assert!(md.contains("| mesh/b | b1 | ⏹ not run |"), "{md}");
    assert!(
        md.contains("Interrupted by SIGINT: 2 steps did not run."),
        "{md}"
    );
    assert!(md.contains("simulator profile `broken.yaml`, deviations: `abort_status: 503`"));
}

/// A signal while the cluster is still being made: nothing started, everything planned is
/// reported not run, against the cluster as asked for.
#[test]
fn a_run_interrupted_before_the_cluster_names_every_planned_step() {
    let dir = tempfile::tempdir().unwrap();
    let o = Outputs::new(dir.path());
    let mut r = o.reporters();
    r.event(&RunEvent::RunPlanned { planned: planned() });
    let (report, errors) = r.finish(RunEnd::Interrupted(Signal::Terminate));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.exit_code(), 143);
    assert_eq!(report.stats().not_run, 3);
    assert_eq!(report.cluster.name, "sim");
    assert_eq!(o.json()["interrupted"], "SIGTERM");
    assert_eq!(
        o.junit()
            .test_suites
            .iter()
            .map(|s| s.test_cases.len())
            .sum::<usize>(),
        3
    );
}

#[test]
fn a_set_up_failure_is_one_errored_case_naming_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let o = Outputs::new(dir.path());
    let mut r = o.reporters();
    r.event(&RunEvent::RunPlanned { planned: planned() });
    let cause = "failed to reach the cluster: failed to read the kubeconfig /nonexistent";
    let (report, errors) = r.finish(RunEnd::SetupFailed(SetupError {
        stage: SetupStage::ClusterSetup,
        cause: cause.into(),
    }));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.exit_code(), crate::exit::RUN_ERROR);

    let junit = o.junit();
    assert_eq!(junit.test_suites.len(), 1);
    let cases = &junit.test_suites[0].test_cases;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].name.as_str(), "cluster-setup");
    match &cases[0].status {
        quick_junit::TestCaseStatus::NonSuccess { kind, message, .. } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Error);
            assert_eq!(message.as_ref().map(|m| m.as_str()), Some(cause));
        }
        other => panic!("not an error: {other:?}"),
    }

    let json = o.json();
    assert_eq!(json["setup_error"]["stage"], "cluster-setup");
    assert_eq!(json["setup_error"]["cause"], cause);
    assert_eq!(json["stats"]["passed"], 0);
    assert_eq!(json["scenarios"].as_array().map(Vec::len), Some(0));

    let md = o.markdown();
    assert!(
        md.contains(&format!(
            "**The run could not be made** (cluster-setup): {cause}"
        )),
        "{md}"
    );
    // The console adds nothing: the caller printed the error with its causes.
    assert_eq!((o.out.text(), o.err.text()), (String::new(), String::new()));
}

/// A completed run: the reporters write the runner's report (with what the runner added after
/// the events: artifacts, teardown), not the record of events.
#[test]
fn a_completed_run_writes_the_runners_report() {
    let dir = tempfile::tempdir().unwrap();
    let o = Outputs::new(dir.path());
    let mut r = o.reporters();
    until_a2(&mut r);
    let mut a2 = step(
        "a2",
        StepOutcome::Failed {
            reason: "abort share 0.31, expected 0.5".into(),
        },
    );
    a2.artifact = Some("artifacts/mesh_a/a2.txt".into());
    let scenario = |name: &str, steps| ScenarioReport {
        name: name.into(),
        description: String::new(),
        source: String::new(),
        file: String::new(),
        duration: Duration::from_secs(2),
        steps,
    };
    let finished = RunReport {
        cluster: cluster(),
        alpha: 1e-3,
        started: "2026-12-02T10:00:00Z".into(),
        duration: Duration::from_secs(4),
        scenarios: vec![
            scenario("mesh/a", vec![step("a1", StepOutcome::Passed), a2]),
            scenario(
                "mesh/b",
                vec![step(
                    "b1",
                    StepOutcome::Skipped {
                        reason: "Istio 1.27.9 is outside 1.28-".into(),
                    },
                )],
            ),
        ],
        interrupted: None,
        setup_error: None,
        artifacts: Some("artifacts".into()),
        teardown: Some("kind cluster x deleted".into()),
    };
    let (report, errors) = r.finish(RunEnd::Completed(Box::new(finished)));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.exit_code(), crate::exit::SCENARIO_FAILED);
    let out = o.out.text();
    assert!(
        out.ends_with("3 steps in 2 scenarios: 1 passed, 1 failed, 0 errors, 1 skipped in 4.0s (exit 1)\nkind cluster x deleted\n"),
        "{out}"
    );
    assert_eq!(o.err.text(), "");
    let json = o.json();
    assert_eq!(
        json["scenarios"][0]["steps"][1]["artifact"],
        "artifacts/mesh_a/a2.txt"
    );
    assert_eq!(json["stats"]["failed"], 1);
    assert_eq!(json["interrupted"], serde_json::Value::Null);
    let xml = std::fs::read_to_string(&o.junit).unwrap();
    assert!(
        xml.contains("<failure message=\"abort share 0.31, expected 0.5\""),
        "{xml}"
    );
}

/// A report that cannot be written is an error the caller sees, and the other reporters still
/// write theirs; a step summary that cannot be appended to is only a warning.
#[test]
fn a_report_that_cannot_be_written_is_an_error_and_the_others_still_write() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = Outputs::new(dir.path());
    o.junit = dir.path().join("missing-dir/junit.xml");
    o.markdown = dir.path().join("missing-dir/summary.md");
    let mut r = o.reporters();
    until_a2(&mut r);
    let (_, errors) = r.finish(RunEnd::Interrupted(Signal::Interrupt));
    let fatal: Vec<String> = errors
        .iter()
        .filter(|e| e.is_fatal())
        .map(ToString::to_string)
        .collect();
    assert_eq!(fatal.len(), 1, "{errors:?}");
    assert!(
        fatal[0].starts_with("failed to write the JUnit report")
            && fatal[0].contains("missing-dir"),
        "{fatal:?}"
    );
    assert_eq!(
        errors.len(),
        2,
        "the step summary's failure is reported too"
    );
    assert_eq!(o.json()["interrupted"], "SIGINT");
}
