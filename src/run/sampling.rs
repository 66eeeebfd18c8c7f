//! The sampling loop of a traffic step: send batches as the sequential decision asks for them,
//! count only batches sent while the cluster stood still, classify every response, keep
//! transport errors apart, and stop at a verdict or at a bound.
//!
//! The loop talks to the cluster only through [`BatchSource`], so that its subtlest rules
//! (broken batches re-sent, batches during a pod restart discarded, the limits that end a step)
//! are unit-tested with scripted batches; `super::traffic` implements it for a real cluster.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use crate::report::Example;
use crate::stats::{Counts, Decider, Expectation, Progress, Verdict};
use crate::traffic::{Response, Sample};

/// What sending one batch gave.
#[derive(Debug)]
pub(super) enum Batch {
    /// One sample per request (a response or a per-request transport error).
    Samples(Vec<Sample>),
    /// Nothing that may be counted, and why: the exec could not start for a transient reason,
    /// or its stream was cut or timed out before every transfer was reported. The transfers
    /// that did complete are not a random sample of the batch (a stream cut after its first
    /// output keeps short responses more often than long ones), so none counts; the batch is
    /// sent again. (A stream cut after every transfer was reported, sizes checked, loses
    /// nothing: that batch counts.)
    Broken(String),
}

/// The pods of the scenario's namespaces as a batch sees them: a restart or a pod that is not
/// ready during a batch means some responses came from a cluster in transition (503s while an
/// endpoint is gone, a reset connection), so such a batch is broken, not counted. Summed
/// restart counts plus the names of pods not ready, compared before and after each batch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct PodEpoch {
    pub(super) restarts: u64,
    pub(super) not_ready: Vec<String>,
}

impl PodEpoch {
    /// Why a batch sent between `self` and `after` cannot count, if it cannot.
    fn disturbed(&self, after: &PodEpoch) -> Option<String> {
        if after.restarts != self.restarts {
            return Some(format!(
                "a container restarted during the batch (restarts {} -> {})",
                self.restarts, after.restarts
            ));
        }
        let down: Vec<&String> = self.not_ready.iter().chain(&after.not_ready).collect();
        (!down.is_empty()).then(|| format!("pods not ready during the batch: {down:?}"))
    }

    fn all_ready(&self) -> bool {
        self.not_ready.is_empty()
    }
}

/// Where a traffic step's batches come from, and how it sees the scenario's pods.
pub(super) trait BatchSource {
    /// Sends `n` copies of the step's request.
    fn send(&self, n: usize) -> impl Future<Output = Result<Batch, String>> + Send;
    /// The scenario's pods now.
    fn pods(&self) -> impl Future<Output = Result<PodEpoch, String>> + Send;
    /// Waits (bounded) until the pods are ready again and the proxies caught up with them.
    fn settle(&self) -> impl Future<Output = ()> + Send;
}

/// Batches discarded because pods restarted or were not ready, per step, before it gives up.
const DISTURBED_PER_STEP: u32 = 20;

/// Broken batches in a row before the step gives up (an exec cut share of 0.2 makes eight in a
/// row a 3e-6 event).
const BROKEN_IN_A_ROW: u32 = 8;

/// What a traffic step found.
#[derive(Debug)]
pub(super) struct TrafficResult {
    pub verdict: Verdict,
    pub evidence: Evidence,
}

/// Why a traffic step reached no verdict, with what it saw on the way.
#[derive(Debug)]
pub(super) struct TrafficFailure {
    pub reason: String,
    pub evidence: Evidence,
}

impl TrafficFailure {
    pub(super) fn before_sending(reason: String) -> Self {
        Self {
            reason,
            evidence: Evidence::default(),
        }
    }
}

/// Why an example was kept.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum ExampleKind {
    /// A response classified as an outcome the step expects none of.
    Unexpected(String),
    /// A batch that did not count and was sent again.
    BrokenBatch,
    /// A request that got no HTTP response.
    TransportError,
}

impl ExampleKind {
    fn label(&self) -> &str {
        match self {
            ExampleKind::Unexpected(outcome) => outcome,
            ExampleKind::BrokenBatch => "broken batch (sent again)",
            ExampleKind::TransportError => "transport error",
        }
    }
}

/// What a step saw besides its counts: transport errors (requests and broken batches) and one
/// example, with a count, of each thing that went other than expected.
#[derive(Debug, Default)]
pub(super) struct Evidence {
    pub transport_errors: u64,
    examples: BTreeMap<ExampleKind, Example>,
}

impl Evidence {
    fn keep(&mut self, kind: ExampleKind, status: Option<u16>, text: &str) {
        let e = self.examples.entry(kind).or_insert_with_key(|k| Example {
            outcome: k.label().to_string(),
            status,
            body: text.chars().take(300).collect(),
            count: 0,
        });
        e.count += 1;
    }

    fn broken_batch(&mut self, why: &str) {
        self.transport_errors += 1;
        self.keep(ExampleKind::BrokenBatch, None, why);
    }

    fn transport_error(&mut self, message: &str) {
        self.transport_errors += 1;
        self.keep(ExampleKind::TransportError, None, message);
    }

    fn unexpected(&mut self, outcome: &str, r: &Response, body: &str) {
        self.keep(
            ExampleKind::Unexpected(outcome.to_string()),
            Some(r.status),
            body,
        );
    }

    fn transport_example(&self) -> Option<&str> {
        self.examples
            .get(&ExampleKind::TransportError)
            .map(|e| e.body.as_str())
    }

    /// The examples, for the step's report.
    pub(super) fn into_examples(self) -> Vec<Example> {
        self.examples.into_values().collect()
    }
}

/// How responses are sorted into outcomes.
pub(super) type Classify<'a> = &'a (dyn Fn(&Response, &str) -> String + Sync);

/// Samples from `source` until `decider` decides. `last` is the scenario's last reading of its
/// pods (the previous step's end): the first batch compares with it, so a restart just before
/// the step is waited out too; it holds this step's last reading on return.
pub(super) async fn sample(
    source: &impl BatchSource,
    classify: Classify<'_>,
    expectation: &Expectation,
    mut decider: Decider,
    last: &mut Option<PodEpoch>,
) -> Result<TrafficResult, TrafficFailure> {
    let mut evidence = Evidence::default();
    let fail = |reason: String, evidence: Evidence| TrafficFailure { reason, evidence };
    let mut broken_in_a_row = 0u32;
    let mut disturbed_batches = 0u32;
    let mut fresh_reading = true;
    loop {
        let n = (decider.next_batch() as usize).max(1);
        // The state the previous batch ended in is this one's start: one pod list per batch.
        let before = match last.take() {
            Some(l) if !fresh_reading => l,
            earlier => match steady_start(source, earlier).await {
                Ok(e) => e,
                Err(e) => return Err(fail(e, evidence)),
            },
        };
        fresh_reading = false;
        let sent = match source.send(n).await {
            Ok(b) => b,
            Err(e) => return Err(fail(e, evidence)),
        };
        let after = match source.pods().await {
            Ok(e) => e,
            Err(e) => return Err(fail(e, evidence)),
        };
        let disturbed = before.disturbed(&after);
        *last = Some(after);
        // A batch sent while the cluster was in transition is discarded and the cause waited
        // out; it does not count toward the broken-in-a-row limit, which is about the
        // transport (its own, larger limit stops a cluster whose pods never settle).
        let samples = match (sent, disturbed) {
            (_, Some(why)) => {
                source.settle().await;
                fresh_reading = true;
                disturbed_batches += 1;
                evidence.broken_batch(&why);
                if disturbed_batches > DISTURBED_PER_STEP {
                    return Err(fail(
                        format!(
                            "{disturbed_batches} batches were sent while pods restarted or were not ready; the last: {why}"
                        ),
                        evidence,
                    ));
                }
                continue;
            }
            (Batch::Broken(why), None) => {
                evidence.broken_batch(&why);
                broken_in_a_row += 1;
                if broken_in_a_row >= BROKEN_IN_A_ROW {
                    return Err(fail(
                        format!(
                            "{broken_in_a_row} batches in a row could not be sent or came back incomplete; the last: {why}"
                        ),
                        evidence,
                    ));
                }
                tracing::debug!(why = %why, "broken batch, sending it again");
                tokio::time::sleep(Duration::from_millis(100) * broken_in_a_row).await;
                continue;
            }
            (Batch::Samples(s), None) => {
                broken_in_a_row = 0;
                s
            }
        };
        let counts = count(&samples, classify, expectation, &mut evidence);
        if counts.total() == 0 {
            let reason = format!(
                "no HTTP response in a batch of {n}: {} transport errors so far{}",
                evidence.transport_errors,
                evidence
                    .transport_example()
                    .map(|e| format!(" (e.g. {e})"))
                    .unwrap_or_default()
            );
            return Err(fail(reason, evidence));
        }
        match decider.observe(&counts) {
            Progress::Continue(d) => decider = d,
            Progress::Decided(verdict) => {
                return Ok(TrafficResult {
                    verdict: *verdict,
                    evidence,
                });
            }
        }
    }
}

/// The pods at the start of a batch that cannot reuse the previous batch's end: read afresh,
/// and when a pod is not ready or restarted since `earlier`, waited out first (a restart may
/// still be on its way to the proxies).
async fn steady_start(
    source: &impl BatchSource,
    earlier: Option<PodEpoch>,
) -> Result<PodEpoch, String> {
    let now = source.pods().await?;
    let moved = earlier.is_some_and(|e| e.restarts != now.restarts);
    if now.all_ready() && !moved {
        return Ok(now);
    }
    source.settle().await;
    source.pods().await
}

/// Classifies a batch's responses; transport errors and responses of outcomes the step
/// expects none of are kept as evidence.
fn count(
    samples: &[Sample],
    classify: Classify<'_>,
    expectation: &Expectation,
    evidence: &mut Evidence,
) -> Counts {
    let mut counts = Counts::new();
    for s in samples {
        match s {
            Sample::Response(r) => {
                let body = r.body.text();
                let outcome = classify(r, &body);
                counts.record(&outcome);
                if expectation.share(&outcome) == 0.0 {
                    evidence.unexpected(&outcome, r, &body);
                }
            }
            Sample::TransportError(t) => evidence.transport_error(&t.message),
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;
    use crate::stats::{StepPolicy, plan};
    use crate::traffic::{Body, TransportError, TransportErrorKind};

    /// What the scripted cluster does for each call, in order.
    #[derive(Debug)]
    enum Script {
        /// A batch whose responses have these statuses.
        Statuses(Vec<u16>),
        /// A batch whose every request failed at the transport.
        Refused,
        Broken(&'static str),
        Pods {
            restarts: u64,
            not_ready: usize,
        },
    }

    #[derive(Default)]
    struct Scripted {
        sends: Mutex<VecDeque<Script>>,
        pods: Mutex<VecDeque<Script>>,
        /// Pods reading when the script has none left: all ready, no restarts.
        settles: Mutex<u32>,
        sent: Mutex<Vec<usize>>,
    }

    impl Scripted {
        fn new(sends: Vec<Script>, pods: Vec<Script>) -> Self {
            Self {
                sends: Mutex::new(sends.into()),
                pods: Mutex::new(pods.into()),
                ..Default::default()
            }
        }
    }

    fn response(status: u16) -> Sample {
        Sample::Response(Response {
            status,
            headers: vec![],
            body: Body::from_bytes(b""),
            elapsed: None,
        })
    }

    impl BatchSource for Scripted {
        async fn send(&self, n: usize) -> Result<Batch, String> {
            self.sent.lock().unwrap().push(n);
            let next = self.sends.lock().unwrap().pop_front();
            Ok(match next {
                Some(Script::Statuses(s)) => {
                    Batch::Samples(s.iter().cycle().take(n).map(|&c| response(c)).collect())
                }
                Some(Script::Refused) => Batch::Samples(
                    (0..n)
                        .map(|_| {
                            Sample::TransportError(TransportError {
                                kind: TransportErrorKind::Connect,
                                curl_exit: Some(7),
                                message: "Connection refused".into(),
                                elapsed: None,
                            })
                        })
                        .collect(),
                ),
                Some(Script::Broken(why)) => Batch::Broken(why.into()),
                Some(other) => panic!("not a batch: {other:?}"),
                None => Batch::Samples((0..n).map(|_| response(200)).collect()),
            })
        }

        async fn pods(&self) -> Result<PodEpoch, String> {
            Ok(match self.pods.lock().unwrap().pop_front() {
                Some(Script::Pods {
                    restarts,
                    not_ready,
                }) => PodEpoch {
                    restarts,
                    not_ready: (0..not_ready).map(|i| format!("ns/pod-{i}")).collect(),
                },
                Some(other) => panic!("not a pod reading: {other:?}"),
                None => PodEpoch::default(),
            })
        }

        async fn settle(&self) {
            *self.settles.lock().unwrap() += 1;
        }
    }

    fn by_status(r: &Response, _: &str) -> String {
        match r.status {
            200 => "ok".into(),
            500 => "abort".into(),
            _ => "unmatched".into(),
        }
    }

    /// A deterministic expectation: every response `ok`.
    fn all_ok() -> (Expectation, Decider) {
        let e = Expectation::new([("ok", 1.0)]).unwrap();
        let policy = StepPolicy::new(1e-3).unwrap().with_batch_size(10).unwrap();
        let d = Decider::new(&plan(&e, &policy).unwrap());
        (e, d)
    }

    async fn run(source: &Scripted) -> Result<TrafficResult, TrafficFailure> {
        let (e, d) = all_ok();
        let mut last = None;
        sample(source, &by_status, &e, d, &mut last).await
    }

    fn pods(restarts: u64, not_ready: usize) -> Script {
        Script::Pods {
            restarts,
            not_ready,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_broken_batch_is_sent_again_and_never_counted() {
        let source = Scripted::new(vec![Script::Broken("exec stream cut")], vec![]);
        let r = run(&source).await.expect("a verdict");
        assert!(r.verdict.passed());
        assert_eq!(r.evidence.transport_errors, 1);
        let examples = r.evidence.into_examples();
        assert_eq!(examples.len(), 1);
        assert_eq!(examples[0].outcome, "broken batch (sent again)");
        assert_eq!(examples[0].body, "exec stream cut");
        // Only the batches that counted make up the verdict's n.
        let sent = source.sent.lock().unwrap().clone();
        assert!(sent.len() >= 2, "{sent:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn eight_broken_batches_in_a_row_end_the_step() {
        let source = Scripted::new(
            (0..BROKEN_IN_A_ROW)
                .map(|_| Script::Broken("cut"))
                .collect(),
            vec![],
        );
        let f = run(&source).await.expect_err("no verdict");
        assert!(f.reason.starts_with("8 batches in a row"), "{}", f.reason);
        assert_eq!(f.evidence.transport_errors, 8);
    }

    #[tokio::test(start_paused = true)]
    async fn a_good_batch_resets_the_broken_count() {
        let mut script = Vec::new();
        for _ in 0..(BROKEN_IN_A_ROW - 1) {
            script.push(Script::Broken("cut"));
        }
        script.push(Script::Statuses(vec![200]));
        for _ in 0..(BROKEN_IN_A_ROW - 1) {
            script.push(Script::Broken("cut"));
        }
        let source = Scripted::new(script, vec![]);
        assert!(run(&source).await.expect("a verdict").verdict.passed());
    }

    /// A batch during which a container restarted is discarded even though every response
    /// came back (the 500s from the restart must not fail a deterministic step), the pods are
    /// waited for, and the discard does not count toward the broken-in-a-row limit.
    #[tokio::test(start_paused = true)]
    async fn a_batch_during_a_restart_is_discarded() {
        let source = Scripted::new(
            vec![Script::Statuses(vec![500])],
            // Before the first batch, after it (a restart), then steady.
            vec![pods(0, 0), pods(1, 0)],
        );
        let r = run(&source).await.expect("a verdict");
        assert!(r.verdict.passed(), "{:?}", r.verdict.summary);
        assert!(*source.settles.lock().unwrap() >= 1);
        let examples = r.evidence.into_examples();
        assert!(
            examples
                .iter()
                .any(|e| e.outcome == "broken batch (sent again)" && e.body.contains("restarted")),
            "{examples:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn pods_that_never_settle_end_the_step() {
        let mut readings = Vec::new();
        for _ in 0..=(2 * DISTURBED_PER_STEP + 2) {
            readings.push(pods(0, 1));
            readings.push(pods(0, 1));
        }
        let source = Scripted::new(vec![], readings);
        let f = run(&source).await.expect_err("no verdict");
        assert!(
            f.reason
                .contains("batches were sent while pods restarted or were not ready"),
            "{}",
            f.reason
        );
    }

    /// A restart between the previous step's last reading and this step's first batch is
    /// waited out before anything is sent.
    #[tokio::test(start_paused = true)]
    async fn a_restart_before_the_step_is_waited_out() {
        let source = Scripted::new(vec![], vec![pods(3, 0)]);
        let (e, d) = all_ok();
        let mut last = Some(PodEpoch {
            restarts: 2,
            not_ready: vec![],
        });
        let r = sample(&source, &by_status, &e, d, &mut last).await;
        assert!(r.expect("a verdict").verdict.passed());
        assert_eq!(*source.settles.lock().unwrap(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_batch_without_any_response_is_an_error_with_its_example() {
        let source = Scripted::new(vec![Script::Refused], vec![]);
        let f = run(&source).await.expect_err("no verdict");
        assert!(f.reason.contains("no HTTP response"), "{}", f.reason);
        assert!(f.reason.contains("Connection refused"), "{}", f.reason);
        assert_eq!(f.evidence.transport_errors, 10);
    }

    /// An unexpected outcome fails a deterministic step and is shown as an example.
    #[tokio::test(start_paused = true)]
    async fn unexpected_responses_are_kept_as_examples() {
        let source = Scripted::new(vec![Script::Statuses(vec![200, 500])], vec![]);
        let r = run(&source).await.expect("a verdict");
        assert!(!r.verdict.passed());
        let examples = r.evidence.into_examples();
        assert_eq!(examples.len(), 1);
        assert_eq!(examples[0].outcome, "abort");
        assert_eq!(examples[0].status, Some(500));
        assert_eq!(examples[0].count, 5);
    }
}
