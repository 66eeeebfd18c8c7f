//! Running one command in a pod's container over the exec WebSocket, with bytes on stdin, and
//! collecting its stdout, stderr and exit status.
//!
//! kube-rs hands the streams out as 1 KiB pipes fed by one message loop: stdout and stderr are
//! read while the status is awaited (reading after the status would deadlock once a pipe is
//! full), and stdin is shut down after writing (a split simplex pipe signals EOF only on
//! shutdown, not on drop). When the connection is cut without a status frame, kube-rs never
//! closes stdout, so the reads end with the status future (plus a short drain), and the result
//! says [`ExitStatus::StreamBroken`].

use std::time::Duration;

use ::kube::api::{Api, AttachParams};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

use super::error::{ApiFailure, error_chain};

/// Output kept per stream; more is read (so the command never blocks) but dropped, and a batch
/// that overflows is broken, not counted. 64 MiB holds a batch of 50 responses of 1 MiB with
/// room to spare and bounds memory against a backend that streams without end.
pub(crate) const MAX_OUTPUT: usize = 64 * 1024 * 1024;

/// The pipe sizes asked of kube-rs (its default is 1 KiB).
const PIPE: usize = 64 * 1024;

/// How long to keep reading buffered output after the status arrived or the stream ended.
const DRAIN: Duration = Duration::from_millis(200);

/// How the command ended, as far as the API server told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitStatus {
    /// The process exited with this code (0 on success).
    Code(i32),
    /// The kubelet reported a failure without an exit code (e.g. the executable was not
    /// found); `reason` and `message` are the Status's.
    Failed { reason: String, message: String },
    /// The stream ended without a status frame: the output may be incomplete.
    StreamBroken { detail: String },
    /// No status within the timeout; the output is what came until then. The remote process
    /// may still be running (closing an exec stream does not kill it on every runtime).
    TimedOut { after: Duration },
}

impl ExitStatus {
    /// True only for a clean exit 0.
    pub fn success(&self) -> bool {
        *self == ExitStatus::Code(0)
    }
}

/// What the command wrote and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit: ExitStatus,
    /// True when more than [`MAX_OUTPUT`] bytes came on a stream and the rest was dropped.
    pub truncated: bool,
}

/// The exec could not be started.
#[derive(Debug, thiserror::Error)]
#[error("cannot exec {command} in pod {namespace}/{pod}{}: {failure}. Check that the pod is Running and the container name is right", container.as_deref().map(|c| format!(" (container {c})")).unwrap_or_default())]
pub struct ExecError {
    pub namespace: String,
    pub pod: String,
    pub container: Option<String>,
    /// argv[0], not the whole command line (arguments may be long or private).
    pub command: String,
    pub failure: ApiFailure,
}

/// Runs `argv` in `pod` (optionally `container`), writes `stdin` to it and closes stdin,
/// and returns its output and exit status; `timeout` bounds the whole run (connect included).
pub async fn exec_batch(
    pods: &Api<Pod>,
    pod: &str,
    container: Option<&str>,
    argv: &[String],
    stdin: &[u8],
    timeout: Duration,
) -> Result<ExecOutput, ExecError> {
    exec_command(pods, pod, container, argv, Some(stdin), timeout).await
}

/// [`exec_batch`], or with `stdin: None` a command that gets no stdin at all.
///
/// Without stdin nothing has to be closed: on an API server older than 1.30, which speaks only
/// `v4.channel.k8s.io`, kube-rs can end stdin only by closing the whole WebSocket, and the
/// output still on its way is lost; a command without stdin keeps the socket open until the
/// status frame.
pub(crate) async fn exec_command(
    pods: &Api<Pod>,
    pod: &str,
    container: Option<&str>,
    argv: &[String],
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> Result<ExecOutput, ExecError> {
    let start = Instant::now();
    let deadline = start + timeout;
    let error = |failure: ApiFailure| ExecError {
        namespace: pods.namespace().unwrap_or_default().to_string(),
        pod: pod.to_string(),
        container: container.map(str::to_string),
        command: argv.first().cloned().unwrap_or_default(),
        failure,
    };
    let mut ap = AttachParams::default()
        .stdin(stdin.is_some())
        .stdout(true)
        .stderr(true)
        .max_stdin_buf_size(PIPE)
        .max_stdout_buf_size(PIPE)
        .max_stderr_buf_size(PIPE);
    if let Some(c) = container {
        ap = ap.container(c);
    }
    let mut proc = match tokio::time::timeout_at(deadline, pods.exec(pod, argv.to_vec(), &ap)).await
    {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return Err(error(ApiFailure::from_kube(&e))),
        Err(_) => {
            return Ok(ExecOutput {
                stdout: vec![],
                stderr: vec![],
                exit: ExitStatus::TimedOut {
                    after: start.elapsed(),
                },
                truncated: false,
            });
        }
    };
    let writer = match stdin {
        Some(bytes) => proc.stdin().map(|w| Some((w, bytes))),
        None => Some(None),
    };
    let (Some(writer), Some(mut out), Some(mut err), Some(status)) =
        (writer, proc.stdout(), proc.stderr(), proc.take_status())
    else {
        return Err(error(ApiFailure {
            code: None,
            reason: String::new(),
            message: "kube-rs returned no stdin/stdout/stderr/status for the exec".into(),
        }));
    };

    let write = async {
        if let Some((mut w, bytes)) = writer {
            if let Err(e) = w.write_all(bytes).await {
                tracing::debug!(error = %e, "stdin not fully written");
            }
            let _ = w.shutdown().await;
        }
    };
    let mut stdout = Sink::default();
    let mut stderr = Sink::default();
    // Only the status or the deadline end this select: the other branches are made to never
    // finish, so that a stream reaching EOF in the same poll cannot hide the status.
    let status = tokio::select! {
        s = status => Some(s),
        _ = forever(write) => None,
        _ = forever(stdout.fill(&mut out)) => None,
        _ = forever(stderr.fill(&mut err)) => None,
        _ = tokio::time::sleep_until(deadline) => None,
    };
    // What the message loop wrote before the status is in the pipes: read it to EOF, or for
    // a short while when the loop died without closing them.
    let _ = tokio::time::timeout(DRAIN, async {
        tokio::join!(stdout.fill(&mut out), stderr.fill(&mut err))
    })
    .await;
    let exit = match status {
        Some(Some(s)) => exit_status(&s),
        Some(None) => {
            let detail = match tokio::time::timeout(DRAIN, proc.join()).await {
                Ok(Err(e)) => error_chain(&e),
                _ => "the connection closed without a status frame".to_string(),
            };
            ExitStatus::StreamBroken { detail }
        }
        None => ExitStatus::TimedOut {
            after: start.elapsed(),
        },
    };
    tracing::debug!(
        pod,
        ms = start.elapsed().as_millis() as u64,
        stdout = stdout.buf.len(),
        ?exit,
        "exec finished"
    );
    Ok(ExecOutput {
        truncated: stdout.dropped || stderr.dropped,
        stdout: stdout.buf,
        stderr: stderr.buf,
        exit,
    })
}

/// Runs `f`, then never finishes.
async fn forever(f: impl std::future::Future<Output = ()>) {
    f.await;
    std::future::pending::<()>().await
}

/// A stream's output, capped at [`MAX_OUTPUT`].
#[derive(Default)]
struct Sink {
    buf: Vec<u8>,
    dropped: bool,
    eof: bool,
}

impl Sink {
    /// Reads until EOF (never returns before, unless the reader fails).
    async fn fill<R: AsyncRead + Unpin>(&mut self, r: &mut R) {
        let mut chunk = vec![0u8; 16 * 1024];
        while !self.eof {
            match r.read(&mut chunk).await {
                Ok(0) | Err(_) => self.eof = true,
                Ok(n) => {
                    let room = MAX_OUTPUT.saturating_sub(self.buf.len());
                    if n > room {
                        self.dropped = true;
                    }
                    self.buf.extend_from_slice(&chunk[..n.min(room)]);
                }
            }
        }
    }
}

/// The exit status a kubelet reports: `Success`, or `Failure` with reason `NonZeroExitCode`
/// and a cause `ExitCode` holding the code.
pub(crate) fn exit_status(s: &Status) -> ExitStatus {
    if s.status.as_deref() == Some("Success") {
        return ExitStatus::Code(0);
    }
    let code = s
        .details
        .as_ref()
        .and_then(|d| d.causes.as_ref())
        .into_iter()
        .flatten()
        .find(|c| c.reason.as_deref() == Some("ExitCode"))
        .and_then(|c| c.message.as_deref()?.trim().parse::<i32>().ok());
    match code {
        Some(c) if s.reason.as_deref() == Some("NonZeroExitCode") => ExitStatus::Code(c),
        _ => ExitStatus::Failed {
            reason: s.reason.clone().unwrap_or_default(),
            message: s.message.clone().unwrap_or_default(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exit_codes_from_the_status() {
        let s: Status = serde_json::from_value(serde_json::json!({"status": "Success"})).unwrap();
        assert_eq!(exit_status(&s), ExitStatus::Code(0));
        let s: Status = serde_json::from_value(serde_json::json!({"status": "Failure", "reason": "NonZeroExitCode",
            "message": "command terminated with non-zero exit code: error executing command [curl], exit code 6",
            "details": {"causes": [{"reason": "ExitCode", "message": "6"}]}}))
        .unwrap();
        assert_eq!(exit_status(&s), ExitStatus::Code(6));
        let s: Status = serde_json::from_value(
            serde_json::json!({"status": "Failure", "reason": "InternalError",
            "message": "executable file not found in $PATH"}),
        )
        .unwrap();
        assert!(
            matches!(exit_status(&s), ExitStatus::Failed { reason, .. } if reason == "InternalError")
        );
    }
}
