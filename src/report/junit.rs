//! JUnit XML through quick-junit (the library of cargo-nextest): a testsuite per scenario, a
//! testcase per step, the evidence as properties, and on failure the distribution table,
//! examples and diagnostics in the failure's description.

use std::path::PathBuf;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::model::{RunReport, StepOutcome, StepReport};
use super::reporter::{ReportError, Reporter};

fn properties(step: &StepReport) -> Vec<Property> {
    let mut props = Vec::new();
    if let Some(v) = &step.verdict {
        props.push(Property::new("n", v.requests.to_string()));
        props.push(Property::new("test", v.test.describe()));
        props.push(Property::new("alpha", format!("{:e}", v.alpha)));
        props.push(Property::new("power", format!("{:.4}", v.power)));
        props.push(Property::new(
            "min_deviation",
            format!("{}", v.min_deviation),
        ));
        if let Some(p) = v.p_value {
            props.push(Property::new("p_value", format!("{p:e}")));
        }
        for c in &v.outcomes {
            props.push(Property::new(
                format!("count.{}", c.outcome),
                c.count.to_string(),
            ));
            props.push(Property::new(
                format!("expected.{}", c.outcome),
                format!("{}", c.expected_share),
            ));
            props.push(Property::new(
                format!("observed.{}", c.outcome),
                format!("{:.4}", c.observed_share),
            ));
            props.push(Property::new(
                format!("interval.{}", c.outcome),
                format!(
                    "[{:.4}, {:.4}] ({}% Wilson)",
                    c.wilson.lower,
                    c.wilson.upper,
                    c.wilson.confidence * 100.0
                ),
            ));
        }
    }
    if step.transport_errors > 0 {
        props.push(Property::new(
            "transport_errors",
            step.transport_errors.to_string(),
        ));
    }
    if let Some(a) = &step.artifact {
        props.push(Property::new("artifact", a.clone()));
    }
    props
}

/// The distribution, examples and diagnostics, as plain text.
fn description(step: &StepReport) -> String {
    let mut text = String::new();
    if let Some(v) = &step.verdict {
        text.push_str(&format!(
            "{}\n\noutcome          count  observed  expected  interval\n",
            v.summary
        ));
        for c in &v.outcomes {
            text.push_str(&format!(
                "{:<16} {:>5}  {:>8.4}  {:>8.4}  [{:.4}, {:.4}]\n",
                c.outcome,
                c.count,
                c.observed_share,
                c.expected_share,
                c.wilson.lower,
                c.wilson.upper
            ));
        }
    }
    for e in &step.examples {
        text.push_str(&format!(
            "\nexample {} (x{}): status {} body {:?}\n",
            e.outcome,
            e.count,
            e.status.map_or("-".to_string(), |s| s.to_string()),
            e.body
        ));
    }
    for s in &step.diagnostics {
        text.push_str(&format!("\n== {} ==\n{}\n", s.title, s.text));
    }
    text
}

/// What every suite says about the run: cluster, versions, simulator profile, settings, and
/// how the run ended when it did not complete.
fn run_properties(report: &RunReport) -> Vec<Property> {
    let v = &report.cluster.versions;
    let mut props = vec![
        Property::new("cluster.kind", report.cluster.kind.clone()),
        Property::new("cluster.name", report.cluster.name.clone()),
        Property::new("kubernetes", v.kubernetes.clone().unwrap_or_default()),
        Property::new("istio", v.istio.clone().unwrap_or_default()),
        Property::new("gateway_api", v.gateway_api.clone().unwrap_or_default()),
    ];
    if let Some(sim) = &report.cluster.sim {
        props.push(Property::new("sim.profile", sim.profile.clone()));
        props.push(Property::new("sim.deviations", sim.deviations.join("; ")));
    }
    props.push(Property::new("run_alpha", format!("{:e}", report.alpha)));
    if let Some(signal) = report.interrupted {
        props.push(Property::new("interrupted", signal.name()));
    }
    if let Some(dir) = &report.artifacts {
        props.push(Property::new("artifacts", dir.clone()));
    }
    props
}

fn status(st: &StepReport) -> TestCaseStatus {
    match &st.outcome {
        StepOutcome::Passed => TestCaseStatus::success(),
        // A step never reached is skipped in JUnit's terms; its message says why.
        StepOutcome::Skipped { reason } | StepOutcome::NotRun { reason } => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(reason.clone());
            s
        }
        StepOutcome::Failed { reason } | StepOutcome::Error { reason } => {
            let kind = if matches!(st.outcome, StepOutcome::Failed { .. }) {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut s = TestCaseStatus::non_success(kind);
            s.set_message(reason.clone());
            s.set_description(description(st));
            s
        }
    }
}

/// The JUnit document: a testsuite per scenario and a testcase per step; for a run that could
/// not be made, one suite `harness` with one errored testcase named after the stage that
/// failed (`cluster-setup`, `input-check`), so that CI shows the cause where it shows tests.
pub(crate) fn to_junit(report: &RunReport) -> Report {
    let mut junit = Report::new("harness");
    junit.set_time(report.duration);
    if let Some(e) = &report.setup_error {
        let mut suite = TestSuite::new("harness");
        suite.add_properties(run_properties(report));
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
        s.set_message(e.cause.clone());
        s.set_description(format!(
            "the run could not be made ({}): {}",
            e.stage.name(),
            e.cause
        ));
        let mut case = TestCase::new(e.stage.name(), s);
        case.set_classname("harness");
        suite.add_test_case(case);
        junit.add_test_suite(suite);
        return junit;
    }
    for sc in &report.scenarios {
        let mut suite = TestSuite::new(sc.name.clone());
        suite.set_time(sc.duration);
        suite.add_properties(run_properties(report));
        suite.add_property(Property::new("source", sc.source.clone()));
        for st in &sc.steps {
            let mut case = TestCase::new(st.name.clone(), status(st));
            case.set_classname(sc.name.clone());
            case.set_time(st.duration);
            case.add_properties(properties(st));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit
}

/// Writes [`to_junit`] to a file (atomically) at the end of the run, however it ended.
pub(crate) struct JunitReporter {
    path: PathBuf,
}

impl JunitReporter {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self { path }
    }
}

impl Reporter for JunitReporter {
    fn finish(&mut self, report: &RunReport) -> Result<(), ReportError> {
        let xml = to_junit(report)
            .to_string()
            .map_err(|e| ReportError::Serialize {
                what: "JUnit",
                source: Box::new(e),
            })?;
        super::write_atomically(&self.path, &xml).map_err(|source| ReportError::Write {
            what: "JUnit",
            path: self.path.clone(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::report::model::{ClusterInfo, Example, ScenarioReport, Section};

    fn report(outcome: StepOutcome) -> RunReport {
        RunReport {
            cluster: ClusterInfo {
                kind: "sim".into(),
                name: "harness".into(),
                ..Default::default()
            },
            alpha: 1e-3,
            started: "2026-11-27T10:00:00Z".into(),
            duration: Duration::from_secs(3),
            interrupted: None,
            setup_error: None,
            artifacts: Some("artifacts".into()),
            teardown: None,
            scenarios: vec![ScenarioReport {
                name: "mesh/precedence".into(),
                description: "d".into(),
                source: "seed blog".into(),
                file: "scenarios/mesh/precedence/scenario.yaml".into(),
                duration: Duration::from_secs(2),
                steps: vec![StepReport {
                    name: "vs-takes-over".into(),
                    outcome,
                    duration: Duration::from_secs(1),
                    verdict: None,
                    transport_errors: 2,
                    examples: vec![Example {
                        outcome: "unmatched".into(),
                        status: Some(503),
                        body: "no healthy upstream".into(),
                        count: 3,
                    }],
                    diagnostics: vec![Section {
                        title: "events".into(),
                        text: "Warning BackOff".into(),
                    }],
                    artifact: Some("artifacts/mesh/precedence/vs-takes-over.txt".into()),
                }],
            }],
        }
    }

    #[test]
    fn failures_carry_reason_examples_and_diagnostics() {
        let r = report(StepOutcome::Failed {
            reason: "abort share 0.31, expected 0.5".into(),
        });
        let xml = to_junit(&r).to_string().unwrap();
        assert!(xml.contains("<testsuite name=\"mesh/precedence\""), "{xml}");
        assert!(
            xml.contains("<failure message=\"abort share 0.31, expected 0.5\""),
            "{xml}"
        );
        assert!(
            xml.contains("no healthy upstream") && xml.contains("Warning BackOff"),
            "{xml}"
        );
        assert!(
            xml.contains("name=\"artifact\" value=\"artifacts/mesh/precedence/vs-takes-over.txt\"")
                && xml.contains("name=\"artifacts\" value=\"artifacts\""),
            "{xml}"
        );
        assert_eq!(r.exit_code(), 1);
        let back = Report::deserialize_from_str(&xml).unwrap();
        assert_eq!(back.test_suites.len(), 1);
    }

    #[test]
    fn exit_codes_tell_failure_from_error() {
        assert_eq!(report(StepOutcome::Passed).exit_code(), 0);
        assert_eq!(
            report(StepOutcome::Error {
                reason: "timeout".into()
            })
            .exit_code(),
            2
        );
        let mut r = report(StepOutcome::Passed);
        r.interrupted = Some(crate::exit::Signal::Interrupt);
        assert_eq!(
            r.exit_code(),
            130,
            "a signal's own code, as the shell reports it"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json["scenarios"][0]["steps"][0]["outcome"]["result"],
            "passed"
        );
        assert_eq!(json["duration"], 3.0);
    }

    #[test]
    fn console_and_markdown_name_the_step() {
        let r = report(StepOutcome::Failed {
            reason: "x|y".into(),
        });
        let line = crate::report::step_line("mesh/precedence", &r.scenarios[0].steps[0]);
        assert!(
            line.starts_with("FAIL  mesh/precedence :: vs-takes-over"),
            "{line}"
        );
        assert!(line.contains("transport-errors=2"));
        let md = crate::report::markdown::to_markdown(&r);
        assert!(
            md.contains("| mesh/precedence | vs-takes-over | ❌ fail |"),
            "{md}"
        );
        assert!(md.contains("x\\|y"), "pipes are escaped: {md}");
        assert!(crate::report::console::summary_line(&r).ends_with("(exit 1)"));
    }
}
