//! kind operations as argv vectors, and [`KindCluster`], which remembers whether this run
//! created the cluster and so whether the run may delete it.
//!
//! Flags checked against kubernetes-sigs/kind `pkg/cmd/kind/{create/cluster/createcluster.go,
//! delete/cluster/deletecluster.go, export/kubeconfig/kubeconfig.go, export/logs/logs.go,
//! get/clusters/clusters.go}`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::command::{CommandError, ToolCommand};
use super::config::{ClusterConfig, ConfigError};

/// The cluster name when none is given.
pub(crate) const DEFAULT_CLUSTER_NAME: &str = "harness";
/// `--wait` for the control plane; Istio CI uses `--wait=180s` (`kind_provisioner.sh`).
pub(crate) const DEFAULT_WAIT: Duration = Duration::from_secs(180);
/// On top of `--wait`: pulling the node image (about 1 GB) is not covered by `--wait`.
const CREATE_SLACK: Duration = Duration::from_secs(600);
/// Listing, exporting a kubeconfig, deleting: seconds normally; this bounds a hung Docker.
const SHORT_TIMEOUT: Duration = Duration::from_secs(120);
/// `kind export logs` copies journals and container logs from every node.
const LOGS_TIMEOUT: Duration = Duration::from_secs(300);

/// Why a kind operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KindError {
    #[error("invalid kind cluster name {name:?}: kind accepts only ^[a-z0-9.-]+$")]
    InvalidName { name: String },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("failed to create kind cluster {name:?}{hint}")]
    Create {
        name: String,
        /// With `--retain` the failed nodes stay for debugging; says how to remove them.
        hint: String,
        #[source]
        source: CommandError,
    },
    #[error("no kind cluster named {name:?} to reuse (found: {found:?})")]
    NotFound { name: String, found: Vec<String> },
    #[error("failed to {what} kind cluster {name:?}")]
    Op {
        what: &'static str,
        name: String,
        #[source]
        source: CommandError,
    },
    #[error("failed to list kind clusters")]
    List(#[source] CommandError),
}

/// The `kind` binary and the isolated kubeconfig every call writes to or reads from.
#[derive(Debug, Clone)]
pub(crate) struct Kind {
    binary: PathBuf,
    kubeconfig: PathBuf,
}

impl Kind {
    /// `binary` is the path to `kind` (resolved by the caller); `kubeconfig` is the run's own
    /// file, never the user's.
    pub(crate) fn new(binary: impl Into<PathBuf>, kubeconfig: impl Into<PathBuf>) -> Self {
        Self {
            binary: binary.into(),
            kubeconfig: kubeconfig.into(),
        }
    }

    fn command(&self, timeout: Duration) -> ToolCommand {
        ToolCommand::new(&self.binary, &self.kubeconfig, timeout)
    }

    /// `kind get clusters`: names on stdout; "No kind clusters found." goes to stderr.
    pub(crate) fn get_clusters_command(&self) -> ToolCommand {
        self.command(SHORT_TIMEOUT).args(["get", "clusters"])
    }

    /// `kind create cluster --name N --image I --config F --kubeconfig K --wait 180s [--retain]`.
    pub(crate) fn create_command(&self, options: &CreateOptions, config: &Path) -> ToolCommand {
        let mut args: Vec<OsString> = vec![
            "create".into(),
            "cluster".into(),
            "--name".into(),
            options.name.clone().into(),
            "--image".into(),
            options.node_image.clone().into(),
            "--config".into(),
            config.into(),
            "--kubeconfig".into(),
            self.kubeconfig.clone().into(),
            // A Go duration; whole seconds are enough.
            "--wait".into(),
            format!("{}s", options.wait.as_secs()).into(),
        ];
        if options.retain {
            args.push("--retain".into());
        }
        self.command(options.wait + CREATE_SLACK).args(args)
    }

    /// `kind export kubeconfig --name N --kubeconfig K`: writes the cluster's credentials into
    /// the isolated file (not printed, unlike `kind get kubeconfig`, so they never reach a log).
    pub(crate) fn export_kubeconfig_command(&self, name: &str) -> ToolCommand {
        self.command(SHORT_TIMEOUT)
            .args(["export", "kubeconfig", "--name", name, "--kubeconfig"])
            .arg(&self.kubeconfig)
    }

    /// `kind delete cluster --name N --kubeconfig K`; idempotent in kind ("like rm -f").
    pub(crate) fn delete_command(&self, name: &str) -> ToolCommand {
        self.command(SHORT_TIMEOUT)
            .args(["delete", "cluster", "--name", name, "--kubeconfig"])
            .arg(&self.kubeconfig)
    }

    /// `kind export logs DIR --name N`.
    pub(crate) fn export_logs_command(&self, name: &str, dir: &Path) -> ToolCommand {
        self.command(LOGS_TIMEOUT)
            .args(["export", "logs"])
            .arg(dir)
            .args(["--name", name])
    }

    /// The existing clusters' names.
    pub(crate) async fn get_clusters(&self) -> Result<Vec<String>, KindError> {
        let out = self
            .get_clusters_command()
            .run()
            .await
            .map_err(KindError::List)?;
        Ok(out
            .stdout
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect())
    }
}

/// How to create a cluster.
#[derive(Debug, Clone)]
pub(crate) struct CreateOptions {
    pub name: String,
    /// A pinned node image (`kindest/node:vX.Y.Z@sha256:...`); pins live with the caller.
    pub node_image: String,
    pub workers: usize,
    pub wait: Duration,
    /// `--retain`: keep the nodes when creation fails, for debugging.
    pub retain: bool,
    /// `--keep-cluster`: do not delete the cluster this run created.
    pub keep: bool,
}

impl CreateOptions {
    pub(crate) fn new(name: impl Into<String>, node_image: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            node_image: node_image.into(),
            workers: 0,
            wait: DEFAULT_WAIT,
            retain: false,
            keep: false,
        }
    }
}

/// Where the cluster came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Created by this run: deleted at the end unless kept.
    Created,
    /// Existed before: never deleted by the run.
    Reused,
}

/// What [`KindCluster::finish`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Teardown {
    Deleted,
    /// Created by this run and kept (`--keep-cluster`).
    Kept,
    /// Not this run's to delete.
    LeftAsFound,
}

/// A kind cluster in use by this run. Call [`KindCluster::finish`] at the end: deletion runs a
/// process, which cannot happen in `Drop`; a forgotten `finish` is logged.
#[derive(Debug)]
pub(crate) struct KindCluster {
    kind: Kind,
    name: String,
    origin: Origin,
    keep: bool,
    finished: bool,
}

impl KindCluster {
    /// Creates the cluster from [`ClusterConfig::istio_ci`]; the config file is written in
    /// `config_dir` and removed once kind has read it.
    pub(crate) async fn create(
        kind: Kind,
        options: &CreateOptions,
        config_dir: &Path,
    ) -> Result<Self, KindError> {
        validate_name(&options.name)?;
        let config =
            ClusterConfig::istio_ci(&options.node_image, options.workers).write_to(config_dir)?;
        kind.create_command(options, config.path())
            .run()
            .await
            .map_err(|source| KindError::Create {
                name: options.name.clone(),
                hint: if options.retain {
                    format!(
                        " (nodes retained; remove with `kind delete cluster --name {}`)",
                        options.name
                    )
                } else {
                    String::new()
                },
                source,
            })?;
        tracing::info!(cluster = %options.name, "kind cluster created");
        Ok(Self {
            kind,
            name: options.name.clone(),
            origin: Origin::Created,
            keep: options.keep,
            finished: false,
        })
    }

    /// Uses an existing cluster: checks it exists and exports its kubeconfig into the isolated
    /// file. The run never deletes it.
    pub(crate) async fn reuse(kind: Kind, name: &str) -> Result<Self, KindError> {
        validate_name(name)?;
        let found = kind.get_clusters().await?;
        Self::reuse_listed(kind, name, found).await
    }

    async fn reuse_listed(kind: Kind, name: &str, found: Vec<String>) -> Result<Self, KindError> {
        if !found.iter().any(|c| c == name) {
            return Err(KindError::NotFound {
                name: name.to_string(),
                found,
            });
        }
        kind.export_kubeconfig_command(name)
            .run()
            .await
            .map_err(|source| KindError::Op {
                what: "export the kubeconfig of",
                name: name.to_string(),
                source,
            })?;
        tracing::info!(cluster = %name, "reusing existing kind cluster");
        Ok(Self {
            kind,
            name: name.to_string(),
            origin: Origin::Reused,
            keep: true,
            finished: false,
        })
    }

    /// Reuses the cluster named in `options` if it exists, else creates it.
    #[cfg(test)]
    pub(crate) async fn create_or_reuse(
        kind: Kind,
        options: &CreateOptions,
        config_dir: &Path,
    ) -> Result<Self, KindError> {
        validate_name(&options.name)?;
        let found = kind.get_clusters().await?;
        if found.contains(&options.name) {
            Self::reuse_listed(kind, &options.name, found).await
        } else {
            Self::create(kind, options, config_dir).await
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    #[cfg(test)]
    pub(crate) fn origin(&self) -> Origin {
        self.origin
    }

    /// Whether this run created the cluster.
    pub(crate) fn created(&self) -> bool {
        self.origin == Origin::Created
    }

    /// Whether [`KindCluster::finish`] will delete the cluster.
    pub(crate) fn will_delete(&self) -> bool {
        self.created() && !self.keep
    }

    /// `kind export logs DIR --name N`, for the run's artifacts.
    pub(crate) async fn export_logs(&self, dir: &Path) -> Result<(), KindError> {
        self.kind
            .export_logs_command(&self.name, dir)
            .run()
            .await
            .map(|_| ())
            .map_err(|source| KindError::Op {
                what: "export logs of",
                name: self.name.clone(),
                source,
            })
    }

    /// Deletes the cluster if this run created it and was not asked to keep it.
    pub(crate) async fn finish(mut self) -> Result<Teardown, KindError> {
        self.finished = true;
        match (self.origin, self.keep) {
            (Origin::Reused, _) => Ok(Teardown::LeftAsFound),
            (Origin::Created, true) => {
                tracing::info!(cluster = %self.name, "keeping kind cluster (--keep-cluster)");
                Ok(Teardown::Kept)
            }
            (Origin::Created, false) => {
                self.kind
                    .delete_command(&self.name)
                    .run()
                    .await
                    .map_err(|source| KindError::Op {
                        what: "delete",
                        name: self.name.clone(),
                        source,
                    })?;
                tracing::info!(cluster = %self.name, "kind cluster deleted");
                Ok(Teardown::Deleted)
            }
        }
    }
}

impl Drop for KindCluster {
    fn drop(&mut self) {
        if !self.finished && self.will_delete() {
            tracing::warn!(
                cluster = %self.name,
                "kind cluster created by this run was not deleted; run `kind delete cluster --name {}`",
                self.name
            );
        }
    }
}

/// kind's own rule (`pkg/internal/apis/config/validate.go`, `^[a-z0-9.-]+$`), checked before any
/// call, plus no leading `-` so a name can never read as a flag.
pub(crate) fn validate_name(name: &str) -> Result<(), KindError> {
    let ok = !name.is_empty()
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(KindError::InvalidName {
            name: name.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::testutil::{StandIn, read_record, records};

    const IMAGE: &str = "kindest/node:v1.33.1@sha256:abc";

    /// A `kind` stand-in that knows the clusters in `existing` (one per line) and writes a fake
    /// kubeconfig where `--kubeconfig` points, like kind does.
    fn kind_stand_in(existing: &[&str]) -> StandIn {
        let listing: String = existing.iter().map(|c| format!("echo {c}\n")).collect();
        let body = format!(
            r#"case "$1 $2" in
  "get clusters")
{listing}    [ -z "{none}" ] || echo "No kind clusters found." >&2 ;;
  "create cluster"|"export kubeconfig") printf 'apiVersion: v1\nkind: Config\n' > "$KUBECONFIG" ;;
esac
exit 0"#,
            none = if existing.is_empty() { "none" } else { "" },
        );
        StandIn::new("kind", &body)
    }

    fn isolated(stand_in: &StandIn) -> PathBuf {
        stand_in.dir().join("kubeconfig")
    }

    #[tokio::test]
    async fn create_argv_config_and_delete() {
        let stand_in = kind_stand_in(&[]);
        let kubeconfig = isolated(&stand_in);
        let kind = Kind::new(stand_in.path(), &kubeconfig);
        let mut options = CreateOptions::new("harness", IMAGE);
        options.workers = 1;
        let config_dir = tempfile::tempdir().expect("tempdir");
        let cluster = KindCluster::create(kind, &options, config_dir.path())
            .await
            .expect("created");
        assert!(cluster.created());
        assert!(cluster.will_delete());
        assert!(kubeconfig.exists(), "kind wrote the isolated kubeconfig");
        assert_eq!(
            std::fs::read_dir(config_dir.path()).expect("dir").count(),
            0,
            "config file removed after create"
        );
        assert_eq!(cluster.finish().await.expect("deleted"), Teardown::Deleted);

        let calls = records(&stand_in);
        assert_eq!(calls.len(), 2);
        let create = &calls[0];
        let config_path = &create.argv[7];
        assert!(config_path.starts_with(&config_dir.path().display().to_string()));
        let k = kubeconfig.display().to_string();
        assert_eq!(
            create.argv,
            [
                "create",
                "cluster",
                "--name",
                "harness",
                "--image",
                IMAGE,
                "--config",
                config_path.as_str(),
                "--kubeconfig",
                k.as_str(),
                "--wait",
                "180s",
            ]
        );
        assert_eq!(create.kubeconfig, k);
        let config = create.config.as_deref().expect("config copied");
        crate::kind::config::tests::check_istio_ci_yaml(config, IMAGE, 1);

        assert_eq!(
            calls[1].argv,
            [
                "delete",
                "cluster",
                "--name",
                "harness",
                "--kubeconfig",
                k.as_str()
            ]
        );
        assert_eq!(calls[1].kubeconfig, k);
    }

    #[tokio::test]
    async fn retain_only_when_asked_and_kept_cluster_not_deleted() {
        let stand_in = kind_stand_in(&[]);
        let kind = Kind::new(stand_in.path(), isolated(&stand_in));
        let mut options = CreateOptions::new("keepme", IMAGE);
        options.retain = true;
        options.keep = true;
        options.wait = Duration::from_secs(90);
        let dir = tempfile::tempdir().expect("tempdir");
        let cluster = KindCluster::create(kind, &options, dir.path())
            .await
            .expect("created");
        assert!(!cluster.will_delete());
        assert_eq!(cluster.finish().await.expect("kept"), Teardown::Kept);
        let calls = records(&stand_in);
        assert_eq!(calls.len(), 1, "no delete call");
        assert_eq!(&calls[0].argv[10..], ["--wait", "90s", "--retain"]);
    }

    #[tokio::test]
    async fn reused_cluster_is_never_deleted() {
        let stand_in = kind_stand_in(&["other", "harness"]);
        let kubeconfig = isolated(&stand_in);
        let kind = Kind::new(stand_in.path(), &kubeconfig);
        let options = CreateOptions::new("harness", IMAGE);
        let dir = tempfile::tempdir().expect("tempdir");
        let cluster = KindCluster::create_or_reuse(kind, &options, dir.path())
            .await
            .expect("reused");
        assert_eq!(cluster.origin(), Origin::Reused);
        assert!(!cluster.will_delete());
        assert_eq!(cluster.finish().await.expect("ok"), Teardown::LeftAsFound);

        let k = kubeconfig.display().to_string();
        let argv: Vec<Vec<String>> = records(&stand_in).into_iter().map(|r| r.argv).collect();
        assert_eq!(
            argv,
            [
                vec!["get", "clusters"],
                vec![
                    "export",
                    "kubeconfig",
                    "--name",
                    "harness",
                    "--kubeconfig",
                    k.as_str()
                ],
            ]
        );
        assert!(kubeconfig.exists());
    }

    #[tokio::test]
    async fn reuse_of_a_missing_cluster_fails_without_side_effects() {
        let stand_in = kind_stand_in(&[]);
        let kind = Kind::new(stand_in.path(), isolated(&stand_in));
        let err = KindCluster::reuse(kind, "harness")
            .await
            .expect_err("absent");
        assert!(matches!(err, KindError::NotFound { .. }), "{err}");
        assert_eq!(read_record(&stand_in).argv, ["get", "clusters"]);
    }

    #[tokio::test]
    async fn get_clusters_parses_stdout_only() {
        let stand_in = kind_stand_in(&[]);
        let kind = Kind::new(stand_in.path(), isolated(&stand_in));
        assert!(kind.get_clusters().await.expect("lists").is_empty());
        let stand_in = kind_stand_in(&["a", "b.c"]);
        let kind = Kind::new(stand_in.path(), isolated(&stand_in));
        assert_eq!(kind.get_clusters().await.expect("lists"), ["a", "b.c"]);
    }

    #[tokio::test]
    async fn export_logs_argv() {
        let stand_in = kind_stand_in(&["harness"]);
        let kind = Kind::new(stand_in.path(), isolated(&stand_in));
        let cluster = KindCluster::reuse(kind, "harness").await.expect("reused");
        let logs = stand_in.dir().join("logs dir");
        cluster.export_logs(&logs).await.expect("exported");
        let calls = records(&stand_in);
        let last = calls.last().expect("a call");
        let l = logs.display().to_string();
        assert_eq!(
            last.argv,
            ["export", "logs", l.as_str(), "--name", "harness"]
        );
    }

    #[tokio::test]
    async fn create_failure_names_command_and_stderr() {
        let stand_in = StandIn::new(
            "kind",
            "echo 'ERROR: failed to create cluster: could not find a log line' >&2; exit 1",
        );
        let kind = Kind::new(stand_in.path(), isolated(&stand_in));
        let mut options = CreateOptions::new("harness", IMAGE);
        options.retain = true;
        let dir = tempfile::tempdir().expect("tempdir");
        let err = KindCluster::create(kind, &options, dir.path())
            .await
            .expect_err("fails");
        let chain = format!(
            "{err}: {}",
            std::error::Error::source(&err).expect("source")
        );
        assert!(
            chain.contains("failed to create kind cluster \"harness\""),
            "{chain}"
        );
        assert!(
            chain.contains("kind delete cluster --name harness"),
            "{chain}"
        );
        assert!(
            chain.contains("create cluster --name harness --image"),
            "{chain}"
        );
        assert!(chain.contains("could not find a log line"), "{chain}");
    }

    #[test]
    fn names_are_validated() {
        for good in ["harness", "a.b-1"] {
            validate_name(good).expect("valid");
        }
        for bad in ["", "-x", "Upper", "a b", "a_b", "x;rm"] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }
}
