//! A small runner for the external tools the kind path needs (`kind`, `istioctl`).
//!
//! Why not a shell: arguments are argv vectors, so a cluster name or a path with spaces cannot
//! turn into another command. Why an explicit environment: the child starts from an empty
//! environment plus [`PASSTHROUGH_ENV`], and `KUBECONFIG` always points at the isolated file of
//! this run, so a tool can never fall back to the user's `~/.kube/config` and touch a bystander
//! cluster (Istio CI does the same with a per-cluster kubeconfig under `$ARTIFACTS`,
//! istio/istio `common/scripts/kind_provisioner.sh`).
//!
//! Output is read line by line and forwarded to `tracing`; only a bounded amount is kept:
//! stdout (what callers parse) up to [`MAX_STDOUT`], and the last [`STDERR_TAIL_LINES`] lines of
//! stderr for the error message.

use std::collections::{BTreeMap, VecDeque};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio::task::JoinHandle;

/// Variables copied from the harness's environment into every child: what `kind` needs to find
/// and talk to Docker (or Podman), proxies, and temp/home directories. Nothing else leaks in;
/// in particular not `KUBECONFIG`, which is always set explicitly.
pub(crate) const PASSTHROUGH_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "TMPDIR",
    "XDG_RUNTIME_DIR",
    "DOCKER_HOST",
    "DOCKER_CONFIG",
    "DOCKER_CONTEXT",
    "DOCKER_TLS_VERIFY",
    "DOCKER_CERT_PATH",
    // kind reads this to pick podman/nerdctl (kind `pkg/cluster/provider.go`).
    "KIND_EXPERIMENTAL_PROVIDER",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
];

/// Stdout kept for the caller to parse (`kind get clusters`, `istioctl version`): plenty for
/// those, and a runaway tool cannot exhaust memory.
pub(crate) const MAX_STDOUT: usize = 1 << 20;
/// Stderr lines kept for the error message.
pub(crate) const STDERR_TAIL_LINES: usize = 40;
/// A single line longer than this is cut (the rest is dropped, not kept for the next line).
const MAX_LINE: usize = 4096;
/// After a kill, how long the output readers may still drain. A grandchild that inherited the
/// pipes can keep them open after the direct child died; the readers are aborted after this.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// One invocation of an external tool. Build it, then [`ToolCommand::run`] it.
#[derive(Debug, Clone)]
pub(crate) struct ToolCommand {
    program: PathBuf,
    args: Vec<OsString>,
    env: BTreeMap<OsString, OsString>,
    timeout: Duration,
}

/// What a successful run produced.
#[derive(Debug, Clone)]
pub(crate) struct ToolOutput {
    /// Stdout, lossily decoded, at most [`MAX_STDOUT`] bytes.
    pub stdout: String,
}

/// Why a tool run failed. Every variant names the command (binary + args) so a log line or a
/// report says what to rerun by hand; exit-code mapping (2 = run could not be made) is the
/// caller's business.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("failed to start `{command}`")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{command}` failed ({status}); stderr tail:\n{stderr_tail}")]
    Failed {
        command: String,
        status: ExitStatus,
        stderr_tail: String,
    },
    #[error(
        "`{command}` did not finish within {timeout:?} and was killed; stderr tail:\n{stderr_tail}"
    )]
    Timeout {
        command: String,
        timeout: Duration,
        stderr_tail: String,
    },
    #[error("failed to wait for `{command}`")]
    Wait {
        command: String,
        #[source]
        source: std::io::Error,
    },
}

impl CommandError {
    /// The stderr tail, when the tool ran at all.
    pub fn stderr_tail(&self) -> Option<&str> {
        match self {
            Self::Failed { stderr_tail, .. } | Self::Timeout { stderr_tail, .. } => {
                Some(stderr_tail)
            }
            Self::Spawn { .. } | Self::Wait { .. } => None,
        }
    }
}

impl ToolCommand {
    /// A command for `program` whose `KUBECONFIG` is `kubeconfig` (the run's isolated file).
    pub(crate) fn new(program: impl Into<PathBuf>, kubeconfig: &Path, timeout: Duration) -> Self {
        let mut env = BTreeMap::new();
        for name in PASSTHROUGH_ENV {
            if let Some(value) = std::env::var_os(name) {
                env.insert(OsString::from(name), value);
            }
        }
        env.insert(
            OsString::from("KUBECONFIG"),
            kubeconfig.as_os_str().to_owned(),
        );
        Self {
            program: program.into(),
            args: Vec::new(),
            env,
            timeout,
        }
    }

    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets one more variable (after the pass-through ones; `KUBECONFIG` cannot be replaced here,
    /// so the isolation holds whatever a caller adds).
    #[cfg(test)]
    pub(crate) fn env(mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        if name.as_ref() != "KUBECONFIG" {
            self.env
                .insert(name.as_ref().to_owned(), value.as_ref().to_owned());
        }
        self
    }

    /// The tool's short name for log fields (`kind`, `istioctl`).
    fn tool_name(&self) -> String {
        self.program
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.program.to_string_lossy().into_owned())
    }

    fn spawn(&self) -> std::io::Result<tokio::process::Child> {
        Command::new(&self.program)
            .args(&self.args)
            .env_clear()
            .envs(&self.env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A dropped future (Ctrl-C, a cancelled run) must not leave `kind create` running.
            .kill_on_drop(true)
            .spawn()
    }

    /// Runs the command to completion. A non-zero exit, a timeout (the child is killed) or a
    /// failure to start are errors that name the command.
    pub(crate) async fn run(&self) -> Result<ToolOutput, CommandError> {
        let command = self.to_string();
        let tool = self.tool_name();
        tracing::info!(%command, "running");
        let mut attempt = 0;
        let mut child = loop {
            match self.spawn() {
                Ok(child) => break child,
                // ETXTBSY: another thread forked while the binary was still open for writing (a
                // tool just downloaded or written); it clears as soon as that child execs.
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && attempt < 5 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(source) => return Err(CommandError::Spawn { command, source }),
            }
        };

        let stdout = child.stdout.take().map(|out| {
            let sink = Sink::Keep {
                buf: String::new(),
                limit: MAX_STDOUT,
            };
            spawn_reader(out, tool.clone(), Stream::Stdout, true, sink)
        });
        let stderr = child.stderr.take().map(|err| {
            let sink = Sink::Tail(VecDeque::with_capacity(STDERR_TAIL_LINES));
            spawn_reader(err, tool.clone(), Stream::Stderr, true, sink)
        });

        let waited = tokio::time::timeout(self.timeout, child.wait()).await;
        let status = match waited {
            Ok(Ok(status)) => Some(status),
            Ok(Err(source)) => {
                return Err(CommandError::Wait { command, source });
            }
            Err(_elapsed) => {
                tracing::warn!(%command, timeout = ?self.timeout, "timed out; killing");
                // `kill` sends SIGKILL and reaps the child; an error means it already exited.
                if let Err(error) = child.kill().await {
                    tracing::debug!(%command, %error, "kill after timeout");
                }
                None
            }
        };

        let stdout = drain(stdout).await;
        let stderr_tail = drain(stderr).await;
        match status {
            None => Err(CommandError::Timeout {
                command,
                timeout: self.timeout,
                stderr_tail,
            }),
            Some(status) if !status.success() => Err(CommandError::Failed {
                command,
                status,
                stderr_tail,
            }),
            Some(_) => Ok(ToolOutput { stdout }),
        }
    }
}

/// `kind create cluster --name x ...`: the program and args as one would type them (lossy for
/// non-UTF-8, quoted where a shell would need it). For messages, never executed.
impl fmt::Display for ToolCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&quote(&self.program.to_string_lossy()))?;
        for arg in &self.args {
            write!(f, " {}", quote(&arg.to_string_lossy()))?;
        }
        Ok(())
    }
}

fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[derive(Debug, Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Self::Stdout => "stdout",
            Self::Stderr => "stderr",
        }
    }
}

/// What a reader keeps of its stream.
enum Sink {
    /// Everything, up to `limit` bytes.
    Keep { buf: String, limit: usize },
    /// The last [`STDERR_TAIL_LINES`] lines.
    Tail(VecDeque<String>),
}

impl Sink {
    fn push(&mut self, line: &str) {
        match self {
            Self::Keep { buf, limit } => {
                if buf.len() + line.len() < *limit {
                    buf.push_str(line);
                    buf.push('\n');
                }
            }
            Self::Tail(lines) => {
                if lines.len() == STDERR_TAIL_LINES {
                    lines.pop_front();
                }
                lines.push_back(line.to_string());
            }
        }
    }

    fn finish(self) -> String {
        match self {
            Self::Keep { buf, .. } => buf,
            Self::Tail(lines) => Vec::from(lines).join("\n"),
        }
    }
}

fn spawn_reader<R>(
    reader: R,
    tool: String,
    stream: Stream,
    log: bool,
    mut sink: Sink,
) -> JoinHandle<String>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut emit = |bytes: &[u8]| {
            let text = String::from_utf8_lossy(bytes);
            let line = text.trim_end_matches('\r');
            if log {
                tracing::info!(target: "harness::tool", tool = %tool, stream = stream.name(), "{line}");
            }
            sink.push(line);
        };
        read_lines(reader, &mut emit).await;
        sink.finish()
    })
}

/// Splits a byte stream into lines without unbounded buffering: a line longer than
/// [`MAX_LINE`] is cut and the rest of it skipped.
async fn read_lines<R: AsyncRead + Unpin>(mut reader: R, emit: &mut impl FnMut(&[u8])) {
    let mut chunk = [0u8; 8192];
    let mut line: Vec<u8> = Vec::new();
    let mut overlong = false;
    loop {
        let n = match reader.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for &b in &chunk[..n] {
            if b == b'\n' {
                emit(&line);
                line.clear();
                overlong = false;
            } else if line.len() < MAX_LINE {
                line.push(b);
            } else if !overlong {
                overlong = true;
                line.extend_from_slice(" [line truncated]".as_bytes());
            }
        }
    }
    if !line.is_empty() {
        emit(&line);
    }
}

/// Waits for a reader, at most [`DRAIN_GRACE`]; what it kept, or nothing if it hung.
async fn drain(reader: Option<JoinHandle<String>>) -> String {
    let Some(mut handle) = reader else {
        return String::new();
    };
    match tokio::time::timeout(DRAIN_GRACE, &mut handle).await {
        Ok(Ok(text)) => text,
        Ok(Err(_join)) => String::new(),
        Err(_elapsed) => {
            handle.abort();
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::testutil::{StandIn, read_record};

    const T: Duration = Duration::from_secs(20);

    #[tokio::test]
    async fn passes_argv_verbatim_and_isolated_kubeconfig() {
        let stand_in = StandIn::new("kind", "exit 0");
        let kubeconfig = stand_in.dir().join("kubeconfig");
        let out = ToolCommand::new(stand_in.path(), &kubeconfig, T)
            .args(["get", "clusters", "a b", "$(touch /tmp/x)"])
            .run()
            .await
            .expect("stand-in runs");
        assert_eq!(out.stdout, "");
        let rec = read_record(&stand_in);
        assert_eq!(rec.argv, ["get", "clusters", "a b", "$(touch /tmp/x)"]);
        assert_eq!(rec.kubeconfig, kubeconfig.to_string_lossy());
    }

    #[tokio::test]
    async fn env_is_explicit() {
        let stand_in = StandIn::new("kind", "env > \"$REC/env\"");
        let kubeconfig = stand_in.dir().join("kubeconfig");
        ToolCommand::new(stand_in.path(), &kubeconfig, T)
            .env("KUBECONFIG", "/home/someone/.kube/config")
            .run()
            .await
            .expect("stand-in runs");
        let env = std::fs::read_to_string(stand_in.record_dir().join("env")).expect("env file");
        let names: Vec<&str> = env
            .lines()
            .filter_map(|l| l.split_once('=').map(|(n, _)| n))
            .collect();
        for name in &names {
            assert!(
                *name == "KUBECONFIG"
                    || *name == "REC"
                    || *name == "PWD"
                    || *name == "SHLVL"
                    || *name == "_"
                    || PASSTHROUGH_ENV.contains(name),
                "unexpected variable {name} reached the child"
            );
        }
        let line = format!("KUBECONFIG={}", kubeconfig.display());
        assert!(env.lines().any(|l| l == line), "{env}");
    }

    #[tokio::test]
    async fn failure_names_command_and_stderr_tail() {
        let stand_in = StandIn::new(
            "kind",
            "i=0; while [ $i -lt 60 ]; do echo \"noise $i\" >&2; i=$((i+1)); done\n\
             echo 'ERROR: failed to create cluster: node(s) already exist' >&2; exit 1",
        );
        let kubeconfig = stand_in.dir().join("kubeconfig");
        let err = ToolCommand::new(stand_in.path(), &kubeconfig, T)
            .args(["create", "cluster", "--name", "harness"])
            .run()
            .await
            .expect_err("exit 1 is an error");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!(
                "`{} create cluster --name harness` failed",
                stand_in.path().display()
            )),
            "{msg}"
        );
        assert!(msg.contains("node(s) already exist"), "{msg}");
        let tail = err.stderr_tail().expect("tail");
        assert_eq!(tail.lines().count(), STDERR_TAIL_LINES);
        assert!(!tail.contains("noise 0\n"), "only the tail is kept");
        assert!(matches!(err, CommandError::Failed { status, .. } if status.code() == Some(1)));
    }

    #[tokio::test]
    async fn timeout_kills_the_child() {
        // `exec` so the killed pid is the sleeping process itself; the pid file proves it is gone.
        let stand_in = StandIn::new(
            "kind",
            "echo started >&2; echo $$ > \"$REC/pid\"; exec sleep 30",
        );
        let kubeconfig = stand_in.dir().join("kubeconfig");
        let started = std::time::Instant::now();
        let err = ToolCommand::new(stand_in.path(), &kubeconfig, Duration::from_millis(1500))
            .arg("create")
            .run()
            .await
            .expect_err("times out");
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(matches!(err, CommandError::Timeout { .. }), "{err}");
        assert!(err.to_string().contains("started"), "{err}");
        let pid = std::fs::read_to_string(stand_in.record_dir().join("pid")).expect("pid file");
        let alive = std::path::Path::new(&format!("/proc/{}", pid.trim())).exists();
        assert!(!alive, "child {pid} still running");
    }

    #[tokio::test]
    async fn missing_binary_is_a_spawn_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = ToolCommand::new(dir.path().join("kind"), &dir.path().join("kc"), T)
            .arg("version")
            .run()
            .await
            .expect_err("no such binary");
        assert!(matches!(err, CommandError::Spawn { .. }));
        assert!(err.to_string().contains("kind version"), "{err}");
    }

    #[tokio::test]
    async fn long_lines_are_cut() {
        let stand_in = StandIn::new(
            "kind",
            "head -c 100000 /dev/zero | tr '\\0' x; echo; echo done",
        );
        let kubeconfig = stand_in.dir().join("kubeconfig");
        let out = ToolCommand::new(stand_in.path(), &kubeconfig, T)
            .run()
            .await
            .expect("runs");
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].len() < MAX_LINE + 32);
        assert_eq!(lines[1], "done");
    }

    #[test]
    fn display_quotes_like_a_shell() {
        let cmd = ToolCommand::new("/usr/bin/kind", Path::new("/tmp/kc"), T).args([
            "export",
            "logs",
            "/tmp/a dir",
            "--name",
            "it's",
        ]);
        assert_eq!(
            cmd.to_string(),
            r"/usr/bin/kind export logs '/tmp/a dir' --name 'it'\''s'"
        );
    }
}
