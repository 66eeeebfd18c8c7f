//! Running a command in a container: argv only (never a shell), optional stdin stream, exit code
//! and bounded output.

use std::time::Duration;

use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use futures::StreamExt;
use tokio::io::{AsyncRead, AsyncWriteExt};

use super::{Docker, DockerError, Result};

/// Bytes kept per output stream by [`Docker::exec`]; the rest is counted, not kept, so a chatty
/// command cannot exhaust memory.
pub(crate) const DEFAULT_EXEC_OUTPUT_LIMIT: usize = 1 << 20;

/// How long to wait, after the output closes, for Docker to record the exit code.
const EXIT_CODE_WAIT: Duration = Duration::from_secs(10);

/// What a finished command left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    pub exit_code: i64,
    /// The first `limit` bytes of stdout.
    pub stdout: Vec<u8>,
    /// The first `limit` bytes of stderr.
    pub stderr: Vec<u8>,
    /// Bytes of stdout beyond the limit, dropped.
    pub stdout_dropped: u64,
    /// Bytes of stderr beyond the limit, dropped.
    pub stderr_dropped: u64,
}

impl ExecOutput {
    pub fn success(&self) -> bool {
        self.exit_code == 0
    }

    pub fn stdout_lossy(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_lossy(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// A byte buffer that keeps a prefix and counts the rest.
struct Capped {
    buf: Vec<u8>,
    limit: usize,
    dropped: u64,
}

impl Capped {
    fn new(limit: usize) -> Capped {
        Capped {
            buf: Vec::new(),
            limit,
            dropped: 0,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        let room = self.limit.saturating_sub(self.buf.len());
        let keep = room.min(bytes.len());
        self.buf.extend_from_slice(&bytes[..keep]);
        self.dropped += (bytes.len() - keep) as u64;
    }
}

impl Docker {
    /// Runs `argv` in `container`, feeding `stdin` to it when given (then closing it so the
    /// command sees EOF), and waits for it to finish.
    ///
    /// A non-zero exit is not an error here: the caller reads [`ExecOutput::exit_code`].
    pub async fn exec<S, R>(
        &self,
        container: &str,
        argv: &[S],
        stdin: Option<R>,
    ) -> Result<ExecOutput>
    where
        S: AsRef<str>,
        R: AsyncRead + Unpin + Send,
    {
        self.exec_limited(container, argv, stdin, DEFAULT_EXEC_OUTPUT_LIMIT)
            .await
    }

    /// [`Docker::exec`] keeping at most `limit` bytes of each output stream.
    pub async fn exec_limited<S, R>(
        &self,
        container: &str,
        argv: &[S],
        stdin: Option<R>,
        limit: usize,
    ) -> Result<ExecOutput>
    where
        S: AsRef<str>,
        R: AsyncRead + Unpin + Send,
    {
        let argv: Vec<String> = argv.iter().map(|a| a.as_ref().to_string()).collect();
        let shown = argv.join(" ");
        let container_err = |action: &'static str| {
            let container = container.to_string();
            move |source| DockerError::Container {
                container,
                action,
                source,
            }
        };
        if argv.is_empty() {
            return Err(DockerError::CommandFailed {
                container: container.to_string(),
                argv: shown,
                exit_code: -1,
                stderr: "empty argv".into(),
            });
        }
        tracing::debug!(container, argv = %shown, stdin = stdin.is_some(), "docker exec");

        let created = self
            .api
            .create_exec(
                container,
                CreateExecOptions::<String> {
                    attach_stdin: Some(stdin.is_some()),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    tty: Some(false),
                    cmd: Some(argv),
                    ..Default::default()
                },
            )
            .await
            .map_err(container_err("create exec"))?;
        let started = self
            .api
            .start_exec(
                &created.id,
                Some(StartExecOptions {
                    detach: false,
                    tty: false,
                    output_capacity: Some(64 * 1024),
                }),
            )
            .await
            .map_err(container_err("start exec"))?;
        let StartExecResults::Attached {
            mut output,
            mut input,
        } = started
        else {
            return Err(DockerError::CommandFailed {
                container: container.to_string(),
                argv: shown,
                exit_code: -1,
                stderr: "Docker started the exec detached".into(),
            });
        };

        // Feed and drain at once: a command that writes while reading would otherwise stall
        // once the pipe buffers fill.
        let feed = async {
            match stdin {
                Some(mut reader) => {
                    let copied = tokio::io::copy(&mut reader, &mut input).await;
                    // Half-close: Docker then closes the command's stdin.
                    let closed = input.shutdown().await;
                    copied.and(closed.map(|()| 0)).map(|_| ())
                }
                None => Ok(()),
            }
        };
        let drain = async {
            let mut stdout = Capped::new(limit);
            let mut stderr = Capped::new(limit);
            while let Some(item) = output.next().await {
                match item {
                    Ok(LogOutput::StdOut { message } | LogOutput::Console { message }) => {
                        stdout.push(&message)
                    }
                    Ok(LogOutput::StdErr { message }) => stderr.push(&message),
                    Ok(LogOutput::StdIn { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok((stdout, stderr))
        };
        let (fed, drained) = tokio::join!(feed, drain);
        let (stdout, stderr) = drained.map_err(container_err("read exec output"))?;

        let exit_code = self.exit_code(container, &created.id).await?;
        if let Err(source) = fed {
            // A command that fails early stops reading; its exit code is the real story then.
            if exit_code == 0 {
                return Err(DockerError::ExecStdin {
                    container: container.to_string(),
                    argv: shown,
                    source,
                });
            }
            tracing::warn!(container, argv = %shown, error = %source, "stdin not fully written");
        }
        Ok(ExecOutput {
            exit_code,
            stdout: stdout.buf,
            stderr: stderr.buf,
            stdout_dropped: stdout.dropped,
            stderr_dropped: stderr.dropped,
        })
    }

    /// Polls the exec until Docker marks it finished; the output stream can close a moment
    /// before the exit code is recorded.
    async fn exit_code(&self, container: &str, exec_id: &str) -> Result<i64> {
        let deadline = tokio::time::Instant::now() + EXIT_CODE_WAIT;
        loop {
            let inspect =
                self.api
                    .inspect_exec(exec_id)
                    .await
                    .map_err(|source| DockerError::Container {
                        container: container.to_string(),
                        action: "inspect exec",
                        source,
                    })?;
            if inspect.running != Some(true)
                && let Some(code) = inspect.exit_code
            {
                return Ok(code);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(DockerError::CommandFailed {
                    container: container.to_string(),
                    argv: exec_id.to_string(),
                    exit_code: -1,
                    stderr: format!(
                        "output closed but no exit code after {}s",
                        EXIT_CODE_WAIT.as_secs()
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::testkit::TestRun;

    #[test]
    fn capped_keeps_prefix_and_counts_rest() {
        let mut c = Capped::new(4);
        c.push(b"abc");
        c.push(b"defg");
        assert_eq!(c.buf, b"abcd");
        assert_eq!(c.dropped, 3);
    }

    #[tokio::test]
    async fn exec_with_stdin_exit_code_and_bounded_output() {
        let Some(run) = TestRun::start("exec").await else {
            return;
        };
        let image = run.node_image().await;
        let node = run.run_node(&image, &run.cluster_name(), "worker").await;

        // Stdin reaches the command and EOF ends it.
        let input: &[u8] = b"hello from the harness\n";
        let out = run
            .docker
            .exec(&node, &["cat"], Some(input))
            .await
            .expect("exec cat");
        assert!(out.success(), "{out:?}");
        assert_eq!(out.stdout, input);

        // A stdin larger than any pipe or socket buffer streams through whole.
        let big = vec![b'x'; 8 << 20];
        let out = run
            .docker
            .exec(&node, &["wc", "-c"], Some(big.as_slice()))
            .await
            .expect("exec wc");
        assert_eq!(out.stdout_lossy().trim(), (8 << 20).to_string());

        // Argv is passed as is: no shell splits or expands it.
        let out = run
            .docker
            .exec(&node, &["echo", "a  b", "$HOME"], None::<&[u8]>)
            .await
            .expect("exec echo");
        assert_eq!(out.stdout_lossy(), "a  b $HOME\n");

        // Exit code and stderr.
        let out = run
            .docker
            .exec(&node, &["sh", "-c", "echo oops >&2; exit 7"], None::<&[u8]>)
            .await
            .expect("exec sh");
        assert_eq!(out.exit_code, 7);
        assert_eq!(out.stderr_lossy(), "oops\n");

        // Output beyond the limit is counted, not kept.
        let out = run
            .docker
            .exec_limited(
                &node,
                &["head", "-c", "100000", "/bin/busybox"],
                None::<&[u8]>,
                1000,
            )
            .await
            .expect("exec head");
        assert_eq!(out.stdout.len(), 1000);
        assert_eq!(out.stdout_dropped, 99_000);

        // A missing binary is an exit code (126/127 from the runtime), not a hang.
        let out = run
            .docker
            .exec(&node, &["/no/such/binary"], None::<&[u8]>)
            .await
            .expect("exec missing");
        assert_ne!(out.exit_code, 0);
    }
}
