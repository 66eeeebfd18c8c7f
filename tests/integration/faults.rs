//! CI-sized fault injection (`benches/faults.rs` runs it many times): the shipped scenarios
//! with one seed, with and without chaos; every verdict must be the same.
//!
//! Statistical note: each run spends the run budget alpha = 1e-3 on false failures, so a
//! correct harness fails this test with probability at most 2e-3 (either run failing a step by
//! chance); it is never retried.

use std::path::Path;

use super::faults_suite::{Chaos, compare_seed};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verdicts_do_not_change_under_api_faults_and_pod_restarts() {
    let paths = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")];
    let seed = 1;
    let c = compare_seed(
        &paths,
        seed,
        // Fewer restarts than the bench's default: each costs a convergence wait, and CI time
        // is short; the bench measures the denser setting.
        &Chaos {
            pod_restart_every_ms: 10_000,
            // Discovery is ~20 requests that must all succeed; at 5% a try fails 64% of the
            // time and twelve tries still fail 0.5% (the bench measures 5%).
            error_share: 0.02,
            ..Chaos::default()
        },
        harness::stats::DEFAULT_RUN_ALPHA,
    )
    .await
    .unwrap_or_else(|e| panic!("a run could not be made: {e}"));
    println!(
        "faults (seed {seed}): {} steps, faults injected {:?}, verdict changes {}, false failures {}, errors {}, transport errors {} (fault-free {})",
        c.steps,
        c.faults,
        c.changes.len(),
        c.false_failures,
        c.errors,
        c.transport_errors,
        c.baseline_transport_errors
    );
    assert!(c.faults.total() > 0, "no fault was injected");
    assert!(
        c.faults.pod_restarts > 0,
        "no pod was restarted: {:?}",
        c.faults
    );
    assert!(
        c.baseline_not_passed.is_empty(),
        "the fault-free run did not pass: {:#?}",
        c.baseline_not_passed
    );
    assert!(
        c.changes.is_empty(),
        "verdicts changed under faults: {:#?}",
        c.changes
    );
}

/// With every exec stream cut, no traffic step may reach a verdict: the transfers a cut batch
/// did complete are never counted, the batch is sent again, and the step ends in an error that
/// says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_batch_is_never_counted() {
    use harness::report::StepOutcome;
    let paths =
        vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mesh/httproute-weighted-split")];
    let mut profile = super::faults_suite::base_profile(3);
    profile.chaos.exec_cut_share = 1.0;
    // Servers take a little time per request, so that the first output (where the cut falls)
    // never holds the whole batch.
    profile.pods.processing_time_scale = 0.1;
    let (report, faults) = super::faults_suite::run_once(&paths, profile, 3, 1e-3).await;
    let report = report.expect("the run is made");
    let steps: Vec<_> = report.scenarios.iter().flat_map(|s| &s.steps).collect();
    assert!(!steps.is_empty());
    for st in &steps {
        assert!(
            st.verdict.is_none(),
            "{}: a verdict from cut batches",
            st.name
        );
        assert!(
            matches!(&st.outcome, StepOutcome::Error { reason } if reason.contains("batches in a row")),
            "{}: {:?}",
            st.name,
            st.outcome
        );
        // The errored step still reports what it saw: eight broken batches, with an example.
        assert!(
            st.transport_errors >= 8,
            "{}: {}",
            st.name,
            st.transport_errors
        );
        assert!(
            st.examples
                .iter()
                .any(|e| e.outcome == "broken batch (sent again)"),
            "{}: {:?}",
            st.name,
            st.examples
        );
    }
    // Eight cut batches per traffic step, each sent again.
    assert!(faults.exec_cuts >= 8 * steps.len() as u64, "{faults:?}");
}
