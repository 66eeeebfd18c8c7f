//! `kubectl exec` of an argv in a container: find the executable the way runc does, run the
//! modelled program, and report its exit code, or the runtime's error when there is no such
//! executable.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use super::image::{DEFAULT_PATH, ImageKind, Program};
use super::net::Network;
use super::{clock, coreutils, curl};

/// Who the process is and what it can reach.
#[derive(Clone)]
pub(crate) struct ProcessContext {
    /// The container's hostname (the pod name unless `spec.hostname` says otherwise).
    pub hostname: String,
    /// The process environment, in order, as [`container_env`] builds it.
    pub env: Vec<(String, String)>,
    /// The pod's network, for client programs.
    pub net: Arc<dyn Network>,
}

impl ProcessContext {
    /// Value of an environment variable.
    pub(crate) fn env_var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The exec session's streams. Output is written as it is produced; `stdin` is `None` when
/// the exec has no stdin (`kubectl exec` without `-i`), which a program reads as empty.
pub(crate) struct ProcessIo {
    pub stdin: Option<Box<dyn AsyncRead + Send + Unpin>>,
    pub stdout: Box<dyn AsyncWrite + Send + Unpin>,
    pub stderr: Box<dyn AsyncWrite + Send + Unpin>,
}

impl ProcessIo {
    /// Write to stdout; false when the reader went away.
    pub(crate) async fn out(&mut self, bytes: &[u8]) -> bool {
        write_flush(&mut self.stdout, bytes).await
    }

    /// Write to stderr; false when the reader went away.
    pub(crate) async fn err(&mut self, bytes: &[u8]) -> bool {
        write_flush(&mut self.stderr, bytes).await
    }
}

async fn write_flush(w: &mut (dyn AsyncWrite + Send + Unpin), bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return true;
    }
    w.write_all(bytes).await.is_ok() && w.flush().await.is_ok()
}

/// How an exec ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExecOutcome {
    /// The process ran and exited with this code (0-255).
    Exited(i32),
    /// The executable does not exist in the image. `message` is the CRI runtime's error,
    /// exactly as containerd 2.x with runc returns it (internal/cri/server/streaming.go,
    /// container_execsync.go, cmd/containerd-shim-runc-v2/process/exec.go, runc exec.go):
    ///
    /// `failed to exec in container: failed to start exec "<64 hex>": OCI runtime exec
    /// failed: exec failed: unable to start container process: exec: "foo": executable file
    /// not found in $PATH: unknown`
    ///
    /// The kubelet's streaming server wraps it (k8s.io/kubelet pkg/cri/streaming/
    /// remotecommand/exec.go) as `apierrors.NewInternalError(fmt.Errorf("error executing
    /// command in container: %v", err))`, i.e. a Status `{status: Failure, code: 500, reason:
    /// InternalError, message: "Internal error occurred: error executing command in container:
    /// <message>", details.causes[0].message: "error executing command in container:
    /// <message>"}` on the error channel; see [`ExecOutcome::kubelet_status_message`].
    /// client-go (tools/remotecommand errorDecoderV4) turns it into an error with that message,
    /// and kubectl prints `error: <status message>` on stderr and exits 1.
    NotFound { message: String },
}

impl ExecOutcome {
    /// The `message` of the Status the kubelet sends for a failed exec, `None` when the
    /// process ran (then the Status is Success or NonZeroExitCode).
    pub(crate) fn kubelet_status_message(&self) -> Option<String> {
        match self {
            ExecOutcome::Exited(_) => None,
            ExecOutcome::NotFound { message } => Some(format!(
                "Internal error occurred: error executing command in container: {message}"
            )),
        }
    }
}

/// Run `argv` in a container of `image`.
///
/// The future completes when the process exits; dropping it kills the process
/// (`sleep infinity` never completes on its own).
pub(crate) async fn exec(
    image: &ImageKind,
    ctx: &ProcessContext,
    argv: &[String],
    mut io: ProcessIo,
) -> ExecOutcome {
    let outcome = exec_in(*image, ctx, argv, &mut io).await;
    let _ = io.stdout.flush().await;
    let _ = io.stderr.flush().await;
    outcome
}

/// `exec` on borrowed streams, boxed so that `env CMD` can start a child.
pub(crate) fn exec_in<'a>(
    image: ImageKind,
    ctx: &'a ProcessContext,
    argv: &'a [String],
    io: &'a mut ProcessIo,
) -> BoxFuture<'a, ExecOutcome> {
    Box::pin(async move {
        let arg0 = argv.first().map(String::as_str).unwrap_or("");
        let program = match look_path(&image, ctx, arg0) {
            Ok(p) => p,
            Err(lookup_error) => {
                return ExecOutcome::NotFound {
                    message: format!(
                        "failed to exec in container: failed to start exec \"{}\": OCI runtime exec failed: exec failed: unable to start container process: {lookup_error}: unknown",
                        exec_id()
                    ),
                };
            }
        };
        let args = argv.get(1..).unwrap_or(&[]);
        let code = match program {
            Program::Util(util, flavor) => {
                coreutils::run(util, flavor, image, arg0, args, ctx, io).await
            }
            Program::Curl(build) => curl::run(build, ctx, args, io).await,
            Program::GoHttpbin => go_httpbin_second_instance(ctx, io).await,
            Program::Pause => pause(io).await,
            Program::Unmodelled => {
                let msg = format!(
                    "[simulator] {arg0} exists in this image, but the simulator does not model it\n"
                );
                io.err(msg.as_bytes()).await;
                126
            }
        };
        ExecOutcome::Exited(code)
    })
}

/// Go's `exec.LookPath`, which runc applies to `args[0]` (runc libcontainer/
/// setns_init_linux.go), with Go's error texts (os/exec/lp_unix.go).
fn look_path(image: &ImageKind, ctx: &ProcessContext, arg0: &str) -> Result<Program, String> {
    if arg0.contains('/') {
        let abs = if arg0.starts_with('/') {
            arg0.to_string()
        } else {
            format!("{}/{arg0}", image.workdir())
        };
        return image
            .program_at(&clean_path(&abs))
            .ok_or_else(|| format!("exec: \"{arg0}\": stat {arg0}: no such file or directory"));
    }
    if !arg0.is_empty() {
        let path = ctx.env_var("PATH").unwrap_or(DEFAULT_PATH);
        for dir in path.split(':') {
            let dir = if dir.is_empty() { "." } else { dir };
            let candidate = if dir.starts_with('/') {
                format!("{dir}/{arg0}")
            } else {
                format!("{}/{dir}/{arg0}", image.workdir())
            };
            if let Some(p) = image.program_at(&clean_path(&candidate)) {
                return Ok(p);
            }
        }
    }
    Err(format!(
        "exec: \"{arg0}\": executable file not found in $PATH"
    ))
}

/// Lexical path cleaning (`.`, `..`, repeated slashes).
fn clean_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// containerd names each exec with 32 random bytes in hex (internal/cri/util GenerateID).
fn exec_id() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let state = RandomState::new();
    (0..4u64)
        .map(|i| {
            let mut h = state.build_hasher();
            h.write_u64(n);
            h.write_u64(nanos);
            h.write_u64(i);
            format!("{:016x}", h.finish())
        })
        .collect()
}

/// The environment of a container's processes, in the runtime's order: the default `PATH`,
/// `HOSTNAME`, the image's `Env`, the pod spec's env (already expanded, service links
/// included), and `HOME` from the image user when still missing. A later value replaces an
/// earlier one in place (containerd oci.WithEnv, internal/cri/server/container_create.go;
/// runc sets HOME).
pub(crate) fn container_env(
    image: &ImageKind,
    hostname: &str,
    spec_env: &[(String, String)],
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = vec![("PATH".into(), DEFAULT_PATH.into())];
    let set = |env: &mut Vec<(String, String)>, k: &str, v: &str| match env
        .iter_mut()
        .find(|(name, _)| name == k)
    {
        Some(slot) => slot.1 = v.to_string(),
        None => env.push((k.to_string(), v.to_string())),
    };
    set(&mut env, "HOSTNAME", hostname);
    for (k, v) in image.image_env() {
        set(&mut env, &k, &v);
    }
    for (k, v) in spec_env {
        set(&mut env, k, v);
    }
    if !env.iter().any(|(k, _)| k == "HOME") {
        env.push(("HOME".into(), image.user_home().into()));
    }
    env
}

/// Starting /bin/go-httpbin again inside its own container: it logs that it listens, then
/// fails to bind the port the first instance holds (go-httpbin httpbin/cmd/cmd.go).
async fn go_httpbin_second_instance(ctx: &ProcessContext, io: &mut ProcessIo) -> i32 {
    let now = clock::UtcTime::from_system(SystemTime::now()).rfc3339_millis();
    let addr = super::server::go_httpbin_listen_addr(&ctx.env);
    let text = format!(
        "time={now} level=INFO msg=\"go-httpbin listening on http://{addr}\"\ntime={now} level=ERROR msg=\"error: listen tcp {addr}: bind: address already in use\"\n"
    );
    io.err(text.as_bytes()).await;
    1
}

/// /pause run a second time: it warns that it is not PID 1 and waits for a signal forever
/// (kubernetes build/pause/linux/pause.c).
async fn pause(io: &mut ProcessIo) -> i32 {
    io.err(b"Warning: pause should be the first process\n")
        .await;
    std::future::pending::<()>().await;
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_follows_runtime_order() {
        let env = container_env(
            &ImageKind::Curl(super::super::image::CurlVersion::MODELLED),
            "sleep-1",
            &[("FOO".into(), "bar".into()), ("PATH".into(), "/x".into())],
        );
        let keys: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["PATH", "HOSTNAME", "CURL_CA_BUNDLE", "FOO", "HOME"]);
        assert_eq!(env[0].1, "/x");
        assert_eq!(env[4].1, "/home/curl_user");
    }

    #[test]
    fn clean_paths() {
        assert_eq!(clean_path("/usr//bin/../bin/./curl"), "/usr/bin/curl");
        assert_eq!(clean_path("/../../x"), "/x");
    }
}
