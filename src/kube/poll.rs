//! Polling with a deadline that remembers what it last saw.
//!
//! Waits poll with GETs rather than watches: a poll survives an API server restart, a
//! closed watch or a `410 Gone` without special cases, works the same on every cluster,
//! and costs little for the handful of objects a scenario waits on. Each check is itself
//! bounded by the deadline, so a hanging request cannot stretch a wait.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use super::wait::WaitError;

/// What one look at the cluster found.
#[derive(Debug)]
pub(crate) enum Check<T> {
    /// The awaited state, with what the wait returns.
    Done(T),
    /// Not yet; the text says what was seen (kept for the timeout message).
    NotYet(String),
    /// It will never happen (a rollout whose progress deadline passed, RBAC refusing reads).
    Fail(String),
}

const FIRST_INTERVAL: Duration = Duration::from_millis(50);
const MAX_INTERVAL: Duration = Duration::from_secs(1);

/// Calls `check` until it is done, fails, or `timeout` passes; the timeout error names
/// `what` and the last thing seen.
pub(crate) async fn until<T, F, Fut>(
    what: &str,
    timeout: Duration,
    mut check: F,
) -> Result<T, WaitError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Check<T>>,
{
    let start = Instant::now();
    let deadline = start + timeout;
    let mut interval = FIRST_INTERVAL;
    let mut last_seen = String::from("nothing yet (no check finished)");
    loop {
        match tokio::time::timeout_at(deadline, check()).await {
            Ok(Check::Done(v)) => {
                tracing::debug!(
                    what,
                    waited_ms = start.elapsed().as_millis() as u64,
                    "wait done"
                );
                return Ok(v);
            }
            Ok(Check::Fail(reason)) => {
                return Err(WaitError::Failed {
                    what: what.to_string(),
                    reason,
                });
            }
            Ok(Check::NotYet(seen)) => {
                if seen != last_seen {
                    tracing::trace!(what, seen = %seen, "still waiting");
                }
                last_seen = seen;
            }
            Err(_) => {}
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(WaitError::Timeout {
                what: what.to_string(),
                waited: start.elapsed(),
                last_seen,
            });
        }
        tokio::time::sleep_until((now + interval).min(deadline)).await;
        interval = (interval * 3 / 2).min(MAX_INTERVAL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn times_out_with_the_last_thing_seen() {
        let mut n = 0;
        let r: Result<(), _> = until("the answer", Duration::from_millis(300), || {
            n += 1;
            let seen = format!("try {n}");
            async move { Check::NotYet(seen) }
        })
        .await;
        let e = r.unwrap_err().to_string();
        assert!(e.contains("the answer") && e.contains("try"), "{e}");
    }

    #[tokio::test]
    async fn a_hanging_check_cannot_stretch_the_wait() {
        let r: Result<(), _> = until("x", Duration::from_millis(200), || async {
            std::future::pending::<Check<()>>().await
        })
        .await;
        assert!(matches!(r, Err(WaitError::Timeout { .. })));
    }

    #[tokio::test]
    async fn returns_what_the_check_found() {
        let mut n = 0;
        let r = until("three tries", Duration::from_secs(10), || {
            n += 1;
            let done = n == 3;
            async move {
                if done {
                    Check::Done(7)
                } else {
                    Check::NotYet("not yet".into())
                }
            }
        })
        .await;
        assert_eq!(r.unwrap(), 7);
    }
}
