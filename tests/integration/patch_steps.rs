//! Patch steps against the simulated cluster: a JSON patch (RFC 6902) is sent as one and takes
//! effect, and a request the API server refuses as malformed is the harness's error (exit 2),
//! not a rejection by Istio (exit 1); the steps after it are not run.

use std::path::Path;

use harness::cluster::{ClusterKind, ClusterSpec};
use harness::report::StepOutcome;
use harness::run::{Events, RunOptions};
use kube_sim::testing::TestCluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_patch_steps_take_effect_and_malformed_requests_are_harness_errors() {
    let sim = TestCluster::start().await;
    let mut cluster = ClusterSpec::new(ClusterKind::Current);
    cluster.kubeconfig = Some(sim.kubeconfig());
    let options = RunOptions {
        paths: vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/scenarios/patches")],
        cluster,
        artifacts: None,
        alpha: 1e-3,
        jobs: 1,
        filter: None,
        keep_on_failure: false,
        run_label: harness::scenario::RunId::random().as_str().to_string(),
    };
    let report = harness::run::run(&options, Events::discard())
        .await
        .expect("the run is made");
    let steps = &report.scenarios[0].steps;
    let outcome = |name: &str| {
        &steps
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("step {name} in {steps:#?}"))
            .outcome
    };
    assert_eq!(outcome("all-to-v1"), &StepOutcome::Passed);
    assert_eq!(
        outcome("json-patch-moves-all-to-v2"),
        &StepOutcome::Passed,
        "{steps:#?}"
    );
    match outcome("strategic-patch-of-a-custom-resource") {
        StepOutcome::Error { reason } => {
            assert!(reason.starts_with("harness error: "), "{reason}");
            assert!(reason.contains("415"), "{reason}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
    match outcome("after-the-error") {
        StepOutcome::NotRun { reason } => {
            assert!(
                reason.contains("strategic-patch-of-a-custom-resource"),
                "{reason}"
            )
        }
        other => panic!("expected not run, got {other:?}"),
    }
    assert_eq!(report.exit_code(), harness::exit::RUN_ERROR);
}
