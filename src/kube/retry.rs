//! Retrying idempotent API calls (server-side apply, GET, DELETE) when the failure is one
//! that a moment later may not repeat: no answer, 429, 5xx. kube-rs already retries 429/503/504
//! a few times; this also covers 500 and dropped connections, which real API servers produce
//! during upgrades and the simulator produces under `chaos.error_share`.

use std::future::Future;
use std::time::Duration;

use super::error::ApiFailure;

const ATTEMPTS: u32 = 5;
const FIRST_DELAY: Duration = Duration::from_millis(100);

/// Runs `call` until it succeeds, fails permanently, or has failed transiently
/// [`ATTEMPTS`] times; `what` names the call in logs.
pub(crate) async fn idempotent<T, F, Fut>(what: &str, call: F) -> Result<T, ::kube::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ::kube::Error>>,
{
    idempotent_times(what, ATTEMPTS, call).await
}

/// [`idempotent`] with `attempts` tries and the delay capped at 2 s: for calls made of many
/// requests (discovery reads every API group), where one transient failure fails the whole.
pub(crate) async fn idempotent_times<T, F, Fut>(
    what: &str,
    attempts: u32,
    mut call: F,
) -> Result<T, ::kube::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ::kube::Error>>,
{
    const MAX_DELAY: Duration = Duration::from_secs(2);
    let mut delay = FIRST_DELAY;
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                let f = ApiFailure::from_kube(&e);
                // 409 is not transient for writes that are not applies; callers that can
                // retry a conflict do so themselves.
                if attempt >= attempts || !f.is_transient() || f.code == Some(409) {
                    return Err(e);
                }
                tracing::debug!(what, attempt, failure = %f, "retrying after a transient failure");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_DELAY);
                attempt += 1;
            }
        }
    }
}
