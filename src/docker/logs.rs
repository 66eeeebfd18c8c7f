//! Container logs saved to a file, for failure artifacts.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptionsBuilder;
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use super::{Docker, DockerError, Result};

/// Bytes of log kept per container by [`Docker::logs`]. The first half and the last half are
/// kept: startup and the moments before the failure are what a reader needs.
pub(crate) const DEFAULT_LOG_LIMIT: u64 = 16 << 20;

/// Where a container's log went and how much of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogArtifact {
    pub path: PathBuf,
    /// Log bytes written (not counting the truncation marker).
    pub bytes_written: u64,
    /// Log bytes left out from the middle.
    pub bytes_omitted: u64,
}

impl Docker {
    /// Writes `container`'s stdout and stderr log, with timestamps, to `dest` (parent
    /// directories created), keeping at most [`DEFAULT_LOG_LIMIT`] bytes.
    pub async fn logs(&self, container: &str, dest: &Path) -> Result<LogArtifact> {
        self.logs_limited(container, dest, DEFAULT_LOG_LIMIT).await
    }

    /// [`Docker::logs`] with an explicit byte limit.
    pub async fn logs_limited(
        &self,
        container: &str,
        dest: &Path,
        limit: u64,
    ) -> Result<LogArtifact> {
        let file_err = |source| DockerError::File {
            path: dest.to_path_buf(),
            source,
        };
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent).await.map_err(file_err)?;
        }
        let mut file = tokio::fs::File::create(dest).await.map_err(file_err)?;

        let options = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .timestamps(true)
            .follow(false)
            .build();
        let mut stream = self.api.logs(container, Some(options));

        let head_limit = limit / 2;
        let tail_limit = usize::try_from(limit - head_limit).unwrap_or(usize::MAX);
        let mut head_written = 0u64;
        let mut tail: VecDeque<u8> = VecDeque::new();
        let mut omitted = 0u64;
        while let Some(item) = stream.next().await {
            let message = match item {
                Ok(
                    LogOutput::StdOut { message }
                    | LogOutput::StdErr { message }
                    | LogOutput::Console { message },
                ) => message,
                Ok(LogOutput::StdIn { .. }) => continue,
                Err(source) => {
                    return Err(DockerError::Container {
                        container: container.to_string(),
                        action: "read logs",
                        source,
                    });
                }
            };
            let mut rest: &[u8] = &message;
            if head_written < head_limit {
                let room = usize::try_from(head_limit - head_written).unwrap_or(usize::MAX);
                let (now, later) = rest.split_at(room.min(rest.len()));
                file.write_all(now).await.map_err(file_err)?;
                head_written += now.len() as u64;
                rest = later;
            }
            tail.extend(rest);
            if tail.len() > tail_limit {
                let excess = tail.len() - tail_limit;
                tail.drain(..excess);
                omitted += excess as u64;
            }
        }
        if omitted > 0 {
            let marker = format!("\n[... {omitted} bytes of log omitted by the harness ...]\n");
            file.write_all(marker.as_bytes()).await.map_err(file_err)?;
        }
        let (front, back) = tail.as_slices();
        file.write_all(front).await.map_err(file_err)?;
        file.write_all(back).await.map_err(file_err)?;
        file.flush().await.map_err(file_err)?;
        let artifact = LogArtifact {
            path: dest.to_path_buf(),
            bytes_written: head_written + tail.len() as u64,
            bytes_omitted: omitted,
        };
        tracing::debug!(container, path = %dest.display(), bytes = artifact.bytes_written, "saved container log");
        Ok(artifact)
    }
}

#[cfg(test)]
mod tests {
    use crate::docker::testkit::TestRun;

    #[tokio::test]
    async fn logs_written_to_file_and_bounded() {
        let Some(run) = TestRun::start("logs").await else {
            return;
        };
        let image = run.node_image().await;
        // A container that logs to both streams and then idles.
        let node = run
            .run_container(
                &image,
                &[
                    "sh",
                    "-c",
                    "echo first-line; echo to-stderr >&2; i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done; echo last-line; exec sleep 3600",
                ],
            )
            .await;
        // Wait until the last line is logged.
        let dir = tempfile::tempdir().expect("tempdir");
        let full = dir.path().join("nested/full.log");
        let mut artifact = None;
        for _ in 0..100 {
            let a = run.docker.logs(&node, &full).await.expect("logs");
            let text = std::fs::read_to_string(&full).expect("read log");
            if text.contains("last-line") {
                artifact = Some((a, text));
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let (artifact, text) = artifact.expect("log never showed last-line");
        assert_eq!(artifact.bytes_omitted, 0);
        assert!(
            text.contains("first-line") && text.contains("to-stderr"),
            "{text}"
        );
        // Timestamps are on: every line starts with the year.
        assert!(text.lines().all(|l| l.starts_with("20")), "{text}");

        let bounded = dir.path().join("bounded.log");
        let artifact = run
            .docker
            .logs_limited(&node, &bounded, 2000)
            .await
            .expect("bounded logs");
        let text = std::fs::read_to_string(&bounded).expect("read log");
        assert_eq!(artifact.bytes_written, 2000);
        assert!(artifact.bytes_omitted > 0);
        assert!(text.contains("first-line"), "head kept: {text}");
        assert!(text.contains("last-line"), "tail kept: {text}");
        assert!(text.contains("bytes of log omitted"), "{text}");
    }
}
