//! Envoy processes owned by the simulator.
//!
//! An [`EnvoyProcess`] is one Envoy started from a bootstrap file in its own temp directory,
//! with its admin interface on a loopback port the kernel picks (read back through
//! `--admin-address-path`). It never outlives the simulator:
//! - dropping it kills and reaps it;
//! - the kernel kills it when the simulator dies, even by SIGKILL: the child asks for
//!   `PR_SET_PDEATHSIG` before it execs. That signal follows the *thread* that forked, not
//!   the process (prctl(2)), so every Envoy is forked by one spawner thread that lives as long
//!   as the process; forking from a tokio worker or a test thread would kill Envoy when that
//!   thread ends.
//!
//! It stays in the simulator's process group (no `setsid`/`process_group`), so a Ctrl-C on the
//! terminal reaches it too.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::binary::EnvoyBinary;
use super::logs::LogBuffer;

/// How many bytes of log lines each Envoy keeps.
const LOG_CAP: usize = 512 * 1024;

/// Why an Envoy could not be started or did not become ready.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EnvoyProcessError {
    /// The temp directory or bootstrap file could not be written.
    #[error("failed to write the bootstrap of Envoy `{name}`")]
    Bootstrap {
        name: String,
        #[source]
        source: std::io::Error,
    },
    /// The binary could not be executed.
    #[error("failed to start Envoy `{name}` ({})", binary.display())]
    Spawn {
        name: String,
        binary: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Envoy exited during start-up (a bad bootstrap, usually); the log tail says why.
    #[error("Envoy `{name}` exited during start-up ({status}); its log ends with:\n{log_tail}")]
    Exited {
        name: String,
        status: String,
        log_tail: String,
    },
    /// The admin interface did not answer `/ready` with 200 in time.
    #[error("Envoy `{name}` was not ready within {waited:?} (last: {last})")]
    NotReady {
        name: String,
        waited: Duration,
        last: String,
    },
}

/// One running Envoy.
#[derive(Debug)]
pub(crate) struct EnvoyProcess {
    name: String,
    child: Child,
    dir: tempfile::TempDir,
    logs: LogBuffer,
    admin: Option<SocketAddr>,
}

impl EnvoyProcess {
    /// Starts Envoy with `bootstrap` (JSON, written to `bootstrap.json` in a fresh temp
    /// directory). `name` is for logs and errors (e.g. `sleep-7d9c.sample`). Must be called
    /// inside a tokio runtime: the log readers are tasks.
    pub(crate) fn spawn(
        binary: &EnvoyBinary,
        name: &str,
        bootstrap: &serde_json::Value,
    ) -> Result<Self, EnvoyProcessError> {
        let io_err = |source| EnvoyProcessError::Bootstrap {
            name: name.to_string(),
            source,
        };
        let dir = tempfile::Builder::new()
            .prefix("kube-sim-envoy-")
            .tempdir()
            .map_err(io_err)?;
        let config = dir.path().join("bootstrap.json");
        std::fs::write(&config, bootstrap.to_string()).map_err(io_err)?;
        let mut cmd = Command::new(&binary.path);
        cmd.args(envoy_args(&config, &admin_path(dir.path())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child =
            spawn_on_spawner_thread(cmd).map_err(|source| EnvoyProcessError::Spawn {
                name: name.to_string(),
                binary: binary.path.clone(),
                source,
            })?;
        let logs = LogBuffer::new(LOG_CAP);
        for stream in [
            child.stdout.take().map(OwnedFd::from),
            child.stderr.take().map(OwnedFd::from),
        ]
        .into_iter()
        .flatten()
        {
            match tokio::net::unix::pipe::Receiver::from_owned_fd(stream) {
                Ok(rx) => {
                    tokio::spawn(logs.clone().copy_from(rx));
                }
                Err(e) => tracing::warn!(envoy = name, "cannot read Envoy's output: {e}"),
            }
        }
        tracing::debug!(envoy = name, pid = child.id(), version = %binary.version, "Envoy started");
        Ok(EnvoyProcess {
            name: name.to_string(),
            child,
            dir,
            logs,
            admin: None,
        })
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Envoy's stdout and stderr so far (the newest [`LOG_CAP`] bytes).
    pub(crate) fn logs(&self) -> String {
        self.logs.contents()
    }

    /// The admin address, once [`EnvoyProcess::wait_ready`] or
    /// [`EnvoyProcess::wait_admin`] saw it.
    pub(crate) fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin
    }

    /// Waits until Envoy has written its admin address, and returns it.
    pub(crate) async fn wait_admin(
        &mut self,
        timeout: Duration,
    ) -> Result<SocketAddr, EnvoyProcessError> {
        let t0 = Instant::now();
        let path = admin_path(self.dir.path());
        loop {
            if let Some(a) = self.admin {
                return Ok(a);
            }
            self.check_running()?;
            if let Ok(text) = tokio::fs::read_to_string(&path).await
                && let Ok(addr) = text.trim().parse::<SocketAddr>()
            {
                self.admin = Some(addr);
                continue;
            }
            if t0.elapsed() > timeout {
                return Err(self.not_ready(t0, "no admin address written".into()));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits until the admin's `/ready` answers 200 (`LIVE`): the server finished its initial
    /// fetches (source/server/admin/server_info_handler.cc `handlerReady`).
    pub(crate) async fn wait_ready(&mut self, timeout: Duration) -> Result<(), EnvoyProcessError> {
        let t0 = Instant::now();
        let admin = self.wait_admin(timeout).await?;
        loop {
            self.check_running()?;
            let last = match http_get(admin, "/ready").await {
                Ok((200, _)) => return Ok(()),
                Ok((status, body)) => format!("{status} {}", body.trim()),
                Err(e) => e.to_string(),
            };
            if t0.elapsed() > timeout {
                return Err(self.not_ready(t0, last));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// GET on the admin interface: the status and body.
    pub(crate) async fn admin_get(&mut self, path: &str) -> std::io::Result<(u16, String)> {
        let admin = self
            .admin
            .ok_or_else(|| std::io::Error::other("the admin address is not known yet"))?;
        http_get(admin, path).await
    }

    fn check_running(&mut self) -> Result<(), EnvoyProcessError> {
        match self.child.try_wait() {
            Ok(Some(status)) => Err(EnvoyProcessError::Exited {
                name: self.name.clone(),
                status: status.to_string(),
                log_tail: tail(&self.logs.contents(), 20),
            }),
            _ => Ok(()),
        }
    }

    fn not_ready(&self, t0: Instant, last: String) -> EnvoyProcessError {
        EnvoyProcessError::NotReady {
            name: self.name.clone(),
            waited: t0.elapsed(),
            last,
        }
    }
}

impl Drop for EnvoyProcess {
    fn drop(&mut self) {
        // SIGKILL: the simulator owns no state in Envoy worth a graceful drain, and a drop must
        // not wait for one.
        let _ = self.child.kill();
        let _ = self.child.wait();
        tracing::debug!(envoy = self.name, "Envoy stopped");
    }
}

/// Envoy's command line (source/server/options_impl.cc).
fn envoy_args(config: &Path, admin_path: &Path) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "-c".into(),
        config.into(),
        "--admin-address-path".into(),
        admin_path.into(),
    ];
    args.extend(
        [
            // No hot-restart shared memory or domain socket, so no `--base-id` to keep apart:
            // any number of Envoys run side by side.
            "--disable-hot-restart",
            // One worker: a pod's Envoy serves a handful of connections, and the machine runs
            // dozens of them.
            "--concurrency",
            "1",
            // pilot-agent's default `--proxyLogLevel` (pilot/cmd/pilot-agent/app/cmd.go).
            "--log-level",
            "warning",
            // Drain briefly when stopped (pilot-agent passes ProxyConfig's drainDuration, 45 s:
            // nothing here waits for that).
            "--drain-time-s",
            "1",
        ]
        .map(OsString::from),
    );
    args
}

fn admin_path(dir: &Path) -> PathBuf {
    dir.join("admin-address")
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A minimal HTTP/1.1 GET (one request, `Connection: close`; Envoy answers 1.0 with 426) to Envoy's admin on loopback: the status code and body.
pub(crate) async fn http_get(admin: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = tokio::net::TcpStream::connect(admin).await?;
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {admin}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    let text = String::from_utf8_lossy(&buf);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {head:?}")))?;
    Ok((status, body.to_string()))
}

/// A spawn request for the spawner thread.
type SpawnJob = (Command, mpsc::Sender<std::io::Result<Child>>);

/// Forks `cmd` on the spawner thread with the parent-death signal set in the child.
fn spawn_on_spawner_thread(cmd: Command) -> std::io::Result<Child> {
    static SPAWNER: OnceLock<Option<mpsc::Sender<SpawnJob>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnJob>();
        let started = std::thread::Builder::new()
            .name("envoy-spawner".into())
            // Never joined: it must outlive every Envoy, so it lives as long as the process.
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(spawn_with_parent_death_signal(&mut cmd));
                }
            });
        match started {
            Ok(_) => Some(tx),
            Err(e) => {
                tracing::error!("cannot start the Envoy spawner thread: {e}");
                None
            }
        }
    });
    let gone = || std::io::Error::other("the Envoy spawner thread is gone");
    let spawner = spawner.as_ref().ok_or_else(gone)?;
    let (reply, result) = mpsc::channel();
    spawner.send((cmd, reply)).map_err(|_| gone())?;
    result.recv().map_err(|_| gone())?
}

#[cfg(target_os = "linux")]
fn spawn_with_parent_death_signal(cmd: &mut Command) -> std::io::Result<Child> {
    use std::os::unix::process::CommandExt;
    let parent = rustix::process::getpid();
    // SAFETY: the closure runs between fork and exec in the child and only makes two raw
    // system calls (prctl, getppid); it allocates nothing and takes no locks.
    unsafe {
        cmd.pre_exec(move || {
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL))?;
            // The parent may have died between fork and prctl: then no signal will come.
            if rustix::process::getppid() != Some(parent) {
                return Err(std::io::Error::other("the simulator exited"));
            }
            Ok(())
        })
    };
    cmd.spawn()
}

/// Elsewhere there is no parent-death signal: Drop is the only guard.
#[cfg(not(target_os = "linux"))]
fn spawn_with_parent_death_signal(cmd: &mut Command) -> std::io::Result<Child> {
    cmd.spawn()
}
