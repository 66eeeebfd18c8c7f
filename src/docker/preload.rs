//! Image preload into kind nodes, as `kind load docker-image` does it
//! (kind: pkg/cmd/kind/load/docker-image/docker-image.go): make sure the image is on the host,
//! skip nodes whose containerd already has that image ID, `docker save` it once, and stream the
//! archive into `ctr images import` on each remaining node.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

use bollard::query_parameters::CreateImageOptionsBuilder;
use futures::{StreamExt, TryStreamExt};
use tokio::io::AsyncWriteExt;

use super::error::status_code;
use super::{Docker, DockerError, KindNode, NodeRole, Result, snapshotter};

/// Limits on pulling a missing image, so a host without registry access fails in bounded time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreloadOptions {
    /// The whole pull of one image.
    pub pull_timeout: Duration,
    /// The longest silence between two progress messages.
    pub pull_stall_timeout: Duration,
}

impl Default for PreloadOptions {
    fn default() -> Self {
        PreloadOptions {
            pull_timeout: Duration::from_secs(600),
            pull_stall_timeout: Duration::from_secs(120),
        }
    }
}

/// What happened to one image on one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadOutcome {
    /// Imported now.
    Loaded,
    /// containerd on the node already had this image ID under this name.
    AlreadyPresent,
}

/// One image on one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageLoad {
    pub image: String,
    /// The host's image ID (`sha256:...`).
    pub image_id: String,
    pub node: String,
    pub outcome: LoadOutcome,
}

/// The `ctr` argv kind runs with the archive on stdin (kind: pkg/cluster/nodeutils/util.go,
/// `LoadImageArchive`): the CRI's `k8s.io` namespace, so the kubelet sees the image.
pub(super) fn import_argv(snapshotter: &str) -> Vec<String> {
    [
        "ctr",
        "--namespace=k8s.io",
        "images",
        "import",
        "--all-platforms",
        "--digests",
    ]
    .into_iter()
    .map(String::from)
    .chain([format!("--snapshotter={snapshotter}"), "-".to_string()])
    .collect()
}

impl Docker {
    /// Preloads `images` into the internal nodes (all but the external load balancer, as kind's
    /// `ListInternalNodes`) of kind cluster `cluster`.
    pub async fn preload_into_cluster<S: AsRef<str>>(
        &self,
        cluster: &str,
        images: &[S],
        options: &PreloadOptions,
    ) -> Result<Vec<ImageLoad>> {
        let nodes: Vec<KindNode> = self
            .kind_nodes(cluster)
            .await?
            .into_iter()
            .filter(|n| n.role != NodeRole::ExternalLoadBalancer)
            .collect();
        if nodes.is_empty() {
            return Err(DockerError::NoNodes {
                cluster: cluster.to_string(),
            });
        }
        self.preload_images(&nodes, images, options).await
    }

    /// Preloads each image (duplicates once) into each of `nodes`.
    pub async fn preload_images<S: AsRef<str>>(
        &self,
        nodes: &[KindNode],
        images: &[S],
        options: &PreloadOptions,
    ) -> Result<Vec<ImageLoad>> {
        let mut seen = BTreeSet::new();
        let mut report = Vec::new();
        let mut snapshotters: HashMap<String, String> = HashMap::new();
        for image in images.iter().map(AsRef::as_ref) {
            if !seen.insert(image) {
                continue;
            }
            let image_id = self.ensure_image(image, options).await?;
            let mut missing = Vec::new();
            for node in nodes {
                if self.node_image_id(&node.name, image).await.as_deref() == Some(&image_id) {
                    tracing::info!(image, node = %node.name, "image already present on node");
                    report.push(ImageLoad {
                        image: image.to_string(),
                        image_id: image_id.clone(),
                        node: node.name.clone(),
                        outcome: LoadOutcome::AlreadyPresent,
                    });
                } else {
                    missing.push(node);
                }
            }
            if missing.is_empty() {
                continue;
            }
            for node in &missing {
                if !snapshotters.contains_key(&node.name) {
                    let found = self.node_snapshotter(&node.name).await?;
                    snapshotters.insert(node.name.clone(), found);
                }
            }

            // Saved once to disk, then streamed to each node: never whole in memory, and the
            // engine exports it only once however many nodes there are.
            let dir = tempfile::Builder::new()
                .prefix("harness-image-")
                .tempdir()
                .map_err(|source| DockerError::File {
                    path: std::env::temp_dir(),
                    source,
                })?;
            let archive = dir.path().join("image.tar");
            let size = self.export_image_to(image, &archive).await?;
            tracing::info!(
                image,
                bytes = size,
                nodes = missing.len(),
                "loading image into nodes"
            );

            let loads = missing.iter().map(|node| {
                let snapshotter = snapshotters
                    .get(&node.name)
                    .map(String::as_str)
                    .unwrap_or("overlayfs");
                self.import_archive(&node.name, snapshotter, &archive)
            });
            futures::future::try_join_all(loads).await?;
            report.extend(missing.iter().map(|node| ImageLoad {
                image: image.to_string(),
                image_id: image_id.clone(),
                node: node.name.clone(),
                outcome: LoadOutcome::Loaded,
            }));
        }
        Ok(report)
    }

    /// The host's image ID for `image`, pulling it first when it is missing.
    pub async fn ensure_image(&self, image: &str, options: &PreloadOptions) -> Result<String> {
        match self.api.inspect_image(image).await {
            Ok(found) => return Ok(found.id.unwrap_or_default()),
            Err(e) if status_code(&e) == Some(404) => {}
            Err(source) => {
                return Err(DockerError::Image {
                    image: image.to_string(),
                    action: "inspect",
                    source,
                });
            }
        }
        tracing::info!(image, "image not on the host, pulling");
        self.pull(image, options).await?;
        let found = self
            .api
            .inspect_image(image)
            .await
            .map_err(|source| DockerError::Image {
                image: image.to_string(),
                action: "inspect after pull",
                source,
            })?;
        Ok(found.id.unwrap_or_default())
    }

    /// Pulls with progress logged per layer status change, within the option's time bounds.
    async fn pull(&self, image: &str, options: &PreloadOptions) -> Result<()> {
        let unavailable = |reason: String| DockerError::ImageUnavailable {
            image: image.to_string(),
            reason,
        };
        let request = CreateImageOptionsBuilder::default()
            .from_image(image)
            .build();
        let mut stream = self.api.create_image(Some(request), None, None);
        let mut last_status: HashMap<String, String> = HashMap::new();
        let pull = async {
            loop {
                let next = tokio::time::timeout(options.pull_stall_timeout, stream.next())
                    .await
                    .map_err(|_| {
                        unavailable(format!(
                            "no progress for {}s",
                            options.pull_stall_timeout.as_secs()
                        ))
                    })?;
                let Some(item) = next else { return Ok(()) };
                let info = item.map_err(|e| unavailable(e.to_string()))?;
                let layer = info.id.unwrap_or_default();
                let status = info.status.unwrap_or_default();
                if last_status.get(&layer) != Some(&status) {
                    tracing::info!(image, layer = %layer, status = %status, "pull");
                    last_status.insert(layer, status);
                } else if let Some(detail) = info.progress_detail {
                    tracing::debug!(image, current = ?detail.current, total = ?detail.total, "pull progress");
                }
            }
        };
        tokio::time::timeout(options.pull_timeout, pull)
            .await
            .map_err(|_| {
                unavailable(format!(
                    "not finished after {}s",
                    options.pull_timeout.as_secs()
                ))
            })?
    }

    /// The image ID the node's CRI has for `image`, as kind's `nodeutils.ImageID` reads it
    /// with `crictl inspecti`; `None` when absent or unreadable (then we load).
    async fn node_image_id(&self, node: &str, image: &str) -> Option<String> {
        let out = self
            .exec(node, &["crictl", "inspecti", image], None::<&[u8]>)
            .await
            .ok()?;
        if !out.success() {
            return None;
        }
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        json.pointer("/status/id")?.as_str().map(String::from)
    }

    /// The node's containerd snapshotter, from `containerd config dump` (kind: `getSnapshotter`).
    async fn node_snapshotter(&self, node: &str) -> Result<String> {
        let out = self
            .exec(node, &["containerd", "config", "dump"], None::<&[u8]>)
            .await?;
        if !out.success() {
            return Err(DockerError::Snapshotter {
                container: node.to_string(),
                reason: format!(
                    "`containerd config dump` exited with {}: {}",
                    out.exit_code,
                    out.stderr_lossy().trim()
                ),
            });
        }
        snapshotter::parse(&out.stdout_lossy()).map_err(|reason| DockerError::Snapshotter {
            container: node.to_string(),
            reason,
        })
    }

    /// Streams `docker save` of one image into `dest`; returns its size in bytes.
    pub async fn export_image_to(&self, image: &str, dest: &Path) -> Result<u64> {
        let file_err = |source| DockerError::File {
            path: dest.to_path_buf(),
            source,
        };
        let mut file = tokio::fs::File::create(dest).await.map_err(file_err)?;
        let mut stream = self.api.export_image(image);
        let mut size = 0u64;
        while let Some(chunk) = stream
            .try_next()
            .await
            .map_err(|source| DockerError::Image {
                image: image.to_string(),
                action: "export",
                source,
            })?
        {
            file.write_all(&chunk).await.map_err(file_err)?;
            size += chunk.len() as u64;
        }
        file.flush().await.map_err(file_err)?;
        Ok(size)
    }

    /// Runs kind's `ctr images import` in `node` with the archive on stdin.
    async fn import_archive(&self, node: &str, snapshotter: &str, archive: &Path) -> Result<()> {
        let file = tokio::fs::File::open(archive)
            .await
            .map_err(|source| DockerError::File {
                path: archive.to_path_buf(),
                source,
            })?;
        let argv = import_argv(snapshotter);
        let out = self.exec(node, &argv, Some(file)).await?;
        if !out.success() {
            return Err(DockerError::CommandFailed {
                container: node.to_string(),
                argv: argv.join(" "),
                exit_code: out.exit_code,
                stderr: out.stderr_lossy().trim().to_string(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::testkit::TestRun;

    #[test]
    fn argv_matches_kind() {
        assert_eq!(
            import_argv("overlayfs"),
            [
                "ctr",
                "--namespace=k8s.io",
                "images",
                "import",
                "--all-platforms",
                "--digests",
                "--snapshotter=overlayfs",
                "-"
            ]
        );
    }

    #[tokio::test]
    async fn preload_streams_the_saved_image_into_nodes_that_lack_it() {
        let Some(run) = TestRun::start("preload").await else {
            return;
        };
        let node_image = run.node_image().await;
        let payload = run.payload_image().await;
        let cluster = run.cluster_name();
        let cp = run.run_node(&node_image, &cluster, "control-plane").await;
        let worker = run.run_node(&node_image, &cluster, "worker").await;
        // An external load balancer never gets images.
        let lb = run
            .run_node(&node_image, &cluster, "external-load-balancer")
            .await;

        // The worker's stand-in crictl reports the payload as already present with the host's ID.
        let host_id = run
            .docker
            .api()
            .inspect_image(&payload)
            .await
            .expect("inspect payload")
            .id
            .expect("image id");
        let out = run
            .docker
            .exec(
                &worker,
                &["sh", "-c", "cat > /etc/harness-crictl-id"],
                Some(host_id.as_bytes()),
            )
            .await
            .expect("seed crictl");
        assert!(out.success(), "{out:?}");

        // The expected byte count: the engine's docker-save archive of the payload.
        let dir = tempfile::tempdir().expect("tempdir");
        let expected = run
            .docker
            .export_image_to(&payload, &dir.path().join("expected.tar"))
            .await
            .expect("export");
        assert!(expected > 0);

        let report = run
            .docker
            .preload_into_cluster(
                &cluster,
                &[payload.as_str(), payload.as_str()],
                &PreloadOptions::default(),
            )
            .await
            .expect("preload");
        let summary: Vec<(&str, LoadOutcome)> = report
            .iter()
            .map(|l| (l.node.as_str(), l.outcome))
            .collect();
        assert_eq!(
            summary,
            vec![
                (worker.as_str(), LoadOutcome::AlreadyPresent),
                (cp.as_str(), LoadOutcome::Loaded)
            ]
        );
        assert!(report.iter().all(|l| l.image_id == host_id));

        // The control plane's stand-in ctr saw kind's argv and the whole archive.
        let argv = run.read_file(&cp, "/tmp/ctr.argv").await;
        assert_eq!(argv.lines().collect::<Vec<_>>(), import_argv("overlayfs"));
        let bytes = run.read_file(&cp, "/tmp/ctr.stdin-bytes").await;
        assert_eq!(bytes.trim().parse::<u64>().ok(), Some(expected));
        // Nodes that were skipped or are load balancers never ran ctr.
        for other in [&worker, &lb] {
            let out = run
                .docker
                .exec(other, &["test", "-e", "/tmp/ctr.argv"], None::<&[u8]>)
                .await
                .expect("exec test");
            assert_eq!(out.exit_code, 1, "ctr ran on {other}");
        }
    }

    #[tokio::test]
    async fn missing_image_fails_clearly_and_in_bounded_time() {
        let Some(run) = TestRun::start("pull").await else {
            return;
        };
        // A registry on a loopback port where nothing listens: the pull fails at once, and
        // no traffic leaves the machine.
        let image = format!("localhost:1/harness-test-missing:{}", run.id);
        let options = PreloadOptions {
            pull_timeout: Duration::from_secs(60),
            pull_stall_timeout: Duration::from_secs(30),
        };
        let started = std::time::Instant::now();
        let err = run
            .docker
            .ensure_image(&image, &options)
            .await
            .expect_err("nothing to pull from");
        assert!(started.elapsed() < Duration::from_secs(60));
        assert!(
            matches!(err, DockerError::ImageUnavailable { .. }),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains(&image) && text.contains("docker load"),
            "{text}"
        );
    }
}
