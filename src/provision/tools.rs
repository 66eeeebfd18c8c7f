//! Finding the command-line tools a real cluster needs: from PATH when the one there is
//! suitable, else the pinned, verified download.
//!
//! `kind` only has to be new enough for the pinned node images. `istioctl` must be exactly the
//! Istio version under test, because `istioctl install` installs its own version: a different
//! istioctl on PATH would silently test the wrong Istio.
//!
//! Tools are run with an argument vector (never a shell), killed when dropped, and with a
//! timeout, so a hung tool cannot hang the run.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::download::{Artifact, DownloadError, Downloader};
use super::pins::{self, Platform};

/// Where a resolved tool came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ToolOrigin {
    /// Found on the search path.
    Path,
    /// Downloaded (or reused from the download cache).
    Downloaded,
}

/// A tool ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolvedTool {
    pub path: PathBuf,
    /// The version it reports, e.g. `v0.30.0` for kind or `1.27.3` for istioctl.
    pub version: String,
    pub origin: ToolOrigin,
}

/// Why a tool could not be resolved or run. Messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error(
        "{found}, and {tool} {version} could not be downloaded from {url}: {source}; \
         install {tool} {version} or put it on PATH"
    )]
    Unavailable {
        tool: &'static str,
        version: String,
        url: String,
        /// What was on PATH, e.g. "kind is not on PATH".
        found: String,
        #[source]
        source: DownloadError,
    },
    #[error(
        "the downloaded {tool} at {path} reports version {actual:?}, not {expected}; \
         delete it from the cache and run again"
    )]
    WrongDownload {
        tool: &'static str,
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error("could not run {program}: {reason}")]
    Run { program: String, reason: String },
    #[error(transparent)]
    Platform(#[from] pins::UnsupportedPlatform),
}

/// A semantic version as the tools print it (`v0.30.0`, `0.31.0-alpha.3+abc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    /// `false` for pre-releases, so that `0.30.0-alpha < 0.30.0` in the derived order.
    pub release: bool,
}

impl Version {
    /// Parses `[v]MAJOR.MINOR.PATCH[-pre][+build]`.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let s = s.trim().trim_start_matches('v');
        let core_end = s.find(['-', '+']).unwrap_or(s.len());
        let release = !s[core_end..].starts_with('-');
        let mut parts = s[..core_end].split('.');
        let version = Self {
            major: parts.next()?.parse().ok()?,
            minor: parts.next()?.parse().ok()?,
            patch: parts.next()?.parse().ok()?,
            release,
        };
        parts.next().is_none().then_some(version)
    }
}

/// The version in `kind version` output: `kind v0.30.0 go1.24.6 linux/amd64`
/// (kind `pkg/cmd/kind/version/version.go`, `DisplayVersion`).
pub(crate) fn parse_kind_version(output: &str) -> Option<&str> {
    let mut words = output.split_whitespace();
    while let Some(word) = words.next() {
        if word == "kind" {
            return words.next().filter(|v| Version::parse(v).is_some());
        }
    }
    None
}

/// The client version in `istioctl version --remote=false --short` output:
/// `client version: 1.27.3` (istio `pkg/version/cobra.go`, the `short` branch, 1.24-1.28).
pub(crate) fn parse_istioctl_version(output: &str) -> Option<&str> {
    output.lines().find_map(|line| {
        line.trim()
            .strip_prefix("client version:")
            .map(str::trim)
            .filter(|v| !v.is_empty())
    })
}

/// The first executable file called `name` in a `PATH`-style list of directories.
pub(crate) fn find_executable(name: &str, search_path: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(search_path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Runs `program args…` without a shell and returns its stdout. Fails on spawn errors, a
/// non-zero exit (with the end of stderr), or when it outlives `timeout` (it is then killed).
pub(crate) async fn run_tool(
    program: &Path,
    args: &[&str],
    timeout: Duration,
) -> Result<String, ToolError> {
    let describe = || format!("{} {}", program.display(), args.join(" "));
    let run_err = |reason: String| ToolError::Run {
        program: describe(),
        reason,
    };
    let mut attempts = 0;
    let child = loop {
        let spawned = tokio::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn();
        match spawned {
            // A file just written can be briefly "busy" while another thread's fork still holds
            // its descriptor (ETXTBSY); retrying shortly is the usual remedy.
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && attempts < 5 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(20 * attempts)).await;
            }
            Err(e) => return Err(run_err(e.to_string())),
            Ok(child) => break child,
        }
    };
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| run_err(format!("no answer within {timeout:?}; it was killed")))?
        .map_err(|e| run_err(e.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: String = stderr
            .trim()
            .lines()
            .rev()
            .take(5)
            .collect::<Vec<_>>()
            .join(" | ");
        return Err(run_err(format!("{} ({tail})", output.status)));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Resolves tools for one platform, looking in a given search path.
#[derive(Debug, Clone)]
pub(crate) struct ToolResolver<'a> {
    downloader: &'a Downloader,
    platform: Platform,
    search_path: Option<OsString>,
    timeout: Duration,
}

impl<'a> ToolResolver<'a> {
    /// Searches the process's `PATH`.
    pub(crate) fn new(downloader: &'a Downloader, platform: Platform) -> Self {
        Self {
            downloader,
            platform,
            search_path: std::env::var_os("PATH"),
            timeout: Duration::from_secs(30),
        }
    }

    /// Searches `path` instead of `$PATH` (`None`: look nowhere, always download).
    #[cfg(test)]
    pub(crate) fn with_search_path(mut self, path: Option<OsString>) -> Self {
        self.search_path = path;
        self
    }

    /// kind from PATH if it is at least [`pins::KIND_MIN_VERSION`], else the pinned download.
    pub(crate) async fn kind(&self) -> Result<ResolvedTool, ToolError> {
        self.kind_from(pins::KIND_MIN_VERSION, &pins::kind_artifact(self.platform))
            .await
    }

    /// kind from PATH if it is at least `min_version`, else `artifact` (e.g. from a mirror).
    pub(crate) async fn kind_from(
        &self,
        min_version: &str,
        artifact: &Artifact,
    ) -> Result<ResolvedTool, ToolError> {
        let min = Version::parse(min_version).ok_or_else(|| ToolError::Run {
            program: "kind".into(),
            reason: format!("the minimum version {min_version:?} is not a version"),
        })?;
        let found = match self.on_path("kind") {
            None => "kind is not on PATH".to_owned(),
            Some(path) => match run_tool(&path, &["version"], self.timeout).await {
                Ok(out) => match parse_kind_version(&out) {
                    Some(v) if Version::parse(v).is_some_and(|v| v >= min) => {
                        tracing::debug!(path = %path.display(), version = v, "using kind from PATH");
                        return Ok(ResolvedTool {
                            path,
                            version: v.to_owned(),
                            origin: ToolOrigin::Path,
                        });
                    }
                    Some(v) => format!(
                        "kind on PATH ({}) is {v}, older than {min_version}",
                        path.display()
                    ),
                    None => format!(
                        "kind on PATH ({}) printed no version ({:?})",
                        path.display(),
                        out.trim()
                    ),
                },
                Err(e) => format!("kind on PATH is unusable: {e}"),
            },
        };
        tracing::info!("{found}; using kind {}", artifact.version);
        let path = self.download("kind", artifact, &found).await?;
        let out = run_tool(&path, &["version"], self.timeout).await?;
        let actual = parse_kind_version(&out).unwrap_or_default().to_owned();
        if Version::parse(&actual) != Version::parse(&artifact.version) {
            return Err(ToolError::WrongDownload {
                tool: "kind",
                path,
                expected: artifact.version.clone(),
                actual,
            });
        }
        Ok(ResolvedTool {
            path,
            version: actual,
            origin: ToolOrigin::Downloaded,
        })
    }

    /// istioctl of exactly `istio_version` (e.g. `1.27.3`): from PATH if that is the version it
    /// reports, else downloaded.
    pub(crate) async fn istioctl(&self, istio_version: &str) -> Result<ResolvedTool, ToolError> {
        self.istioctl_from(
            istio_version,
            &pins::istioctl_artifact(istio_version, self.platform),
        )
        .await
    }

    /// istioctl of exactly `istio_version`, downloading `artifact` if PATH has another one.
    pub(crate) async fn istioctl_from(
        &self,
        istio_version: &str,
        artifact: &Artifact,
    ) -> Result<ResolvedTool, ToolError> {
        let wanted = istio_version.trim().trim_start_matches('v');
        // `--remote=false` keeps istioctl from contacting a cluster; `--short` prints only
        // "client version: X" (both flags exist in 1.24-1.28, istio `pkg/version/cobra.go`).
        let args = ["version", "--remote=false", "--short"];
        let found = match self.on_path("istioctl") {
            None => "istioctl is not on PATH".to_owned(),
            Some(path) => match run_tool(&path, &args, self.timeout).await {
                Ok(out) => match parse_istioctl_version(&out) {
                    Some(v) if v == wanted => {
                        tracing::debug!(path = %path.display(), version = v, "using istioctl from PATH");
                        return Ok(ResolvedTool {
                            path,
                            version: v.to_owned(),
                            origin: ToolOrigin::Path,
                        });
                    }
                    Some(v) => format!(
                        "istioctl on PATH ({}) is {v}, not {wanted} (it would install Istio {v})",
                        path.display()
                    ),
                    None => format!(
                        "istioctl on PATH ({}) printed no version ({:?})",
                        path.display(),
                        out.trim()
                    ),
                },
                Err(e) => format!("istioctl on PATH is unusable: {e}"),
            },
        };
        tracing::info!("{found}; using istioctl {wanted}");
        let path = self.download("istioctl", artifact, &found).await?;
        let out = run_tool(&path, &args, self.timeout).await?;
        let actual = parse_istioctl_version(&out).unwrap_or_default().to_owned();
        if actual != wanted {
            return Err(ToolError::WrongDownload {
                tool: "istioctl",
                path,
                expected: wanted.to_owned(),
                actual,
            });
        }
        Ok(ResolvedTool {
            path,
            version: actual,
            origin: ToolOrigin::Downloaded,
        })
    }

    fn on_path(&self, name: &str) -> Option<PathBuf> {
        find_executable(name, self.search_path.as_deref()?)
    }

    async fn download(
        &self,
        tool: &'static str,
        artifact: &Artifact,
        found: &str,
    ) -> Result<PathBuf, ToolError> {
        self.downloader
            .fetch(artifact)
            .await
            .map_err(|source| ToolError::Unavailable {
                tool,
                version: artifact.version.clone(),
                url: artifact.url.clone(),
                found: found.to_owned(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::super::download::Archive;
    use super::super::download::Checksum;
    use super::super::testkit::{Reply, TestServer, file_artifact, quiet, sha256_hex, tar_gz};
    use super::*;

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        path
    }

    fn linux() -> Platform {
        Platform {
            os: pins::Os::Linux,
            arch: pins::Arch::Amd64,
        }
    }

    #[test]
    fn versions_parse_and_order() {
        let v = |s| Version::parse(s).expect(s);
        assert!(v("v0.30.0") >= v("0.30.0"));
        assert!(v("v0.31.0-alpha.1+abc") > v("v0.30.0"));
        assert!(v("v0.30.0-alpha") < v("v0.30.0"));
        assert!(v("v0.29.9") < v("v0.30.0"));
        assert!(Version::parse("1.2").is_none());
        assert!(Version::parse("1.2.3.4").is_none());
        assert_eq!(
            parse_kind_version("kind v0.30.0 go1.24.6 linux/amd64\n"),
            Some("v0.30.0")
        );
        assert_eq!(parse_kind_version("kind version 0.8"), None);
        assert_eq!(
            parse_istioctl_version("client version: 1.27.3\n"),
            Some("1.27.3")
        );
        assert_eq!(parse_istioctl_version("1.27.3"), None);
        assert_eq!(
            parse_istioctl_version("warning: x\nclient version: 1.28-dev\n"),
            Some("1.28-dev")
        );
        assert_eq!(parse_istioctl_version("client version:\n"), None);
        assert_eq!(parse_istioctl_version(""), None);
    }

    #[test]
    fn find_executable_skips_non_executables() {
        let a = tempfile::tempdir().expect("tempdir");
        let b = tempfile::tempdir().expect("tempdir");
        std::fs::write(a.path().join("kind"), "not executable").expect("write");
        let exe = script(b.path(), "kind", "true");
        let path = std::env::join_paths([a.path(), b.path()]).expect("join");
        assert_eq!(find_executable("kind", &path), Some(exe));
        assert_eq!(find_executable("istioctl", &path), None);
    }

    #[tokio::test]
    async fn run_tool_times_out_and_reports_failures() {
        let dir = tempfile::tempdir().expect("tempdir");
        let slow = script(dir.path(), "slow", "exec sleep 30");
        let err = run_tool(&slow, &[], Duration::from_millis(200))
            .await
            .expect_err("timeout");
        assert!(err.to_string().contains("killed"), "{err}");
        let failing = script(dir.path(), "failing", "echo boom >&2; exit 3");
        let err = run_tool(&failing, &["x"], Duration::from_secs(5))
            .await
            .expect_err("exit 3");
        assert!(err.to_string().contains("boom"), "{err}");
    }

    #[tokio::test]
    async fn kind_on_path_new_enough_is_used_without_download() {
        let bin = tempfile::tempdir().expect("tempdir");
        let cache = tempfile::tempdir().expect("tempdir");
        let kind = script(
            bin.path(),
            "kind",
            "echo 'kind v0.31.0 go1.25.0 linux/amd64'",
        );
        let server = TestServer::start(vec![]).await;
        let dl = quiet(cache.path());
        let resolver = ToolResolver::new(&dl, linux())
            .with_search_path(Some(bin.path().as_os_str().to_owned()));
        let art = file_artifact(
            format!("{}/kind", server.base),
            Checksum::Sha256(sha256_hex(b"x").into()),
        );
        let tool = resolver.kind_from("v0.30.0", &art).await.expect("kind");
        assert_eq!(tool.path, kind);
        assert_eq!(tool.version, "v0.31.0");
        assert_eq!(tool.origin, ToolOrigin::Path);
        assert_eq!(server.count(), 0);
    }

    #[tokio::test]
    async fn old_kind_on_path_is_replaced_by_the_verified_download() {
        let bin = tempfile::tempdir().expect("tempdir");
        let cache = tempfile::tempdir().expect("tempdir");
        script(bin.path(), "kind", "echo 'kind v0.20.0 go1.20 linux/amd64'");
        let body = "#!/bin/sh\necho 'kind v0.30.0 go1.24.6 linux/amd64'\n";
        let server = TestServer::start(vec![("/v0.30.0/kind-linux-amd64", Reply::ok(body))]).await;
        let dl = quiet(cache.path());
        let resolver = ToolResolver::new(&dl, linux())
            .with_search_path(Some(bin.path().as_os_str().to_owned()));
        let art = pins::kind_artifact_at(&server.base, "v0.30.0", linux());
        let art = Artifact {
            checksum: Checksum::Sha256(sha256_hex(body.as_bytes()).into()),
            ..art
        };
        let tool = resolver.kind_from("v0.30.0", &art).await.expect("kind");
        assert_eq!(tool.origin, ToolOrigin::Downloaded);
        assert_eq!(tool.version, "v0.30.0");
        assert_eq!(
            tool.path,
            cache.path().join("kind/v0.30.0/linux-amd64/kind")
        );
    }

    #[tokio::test]
    async fn missing_kind_that_cannot_be_downloaded_says_what_to_do() {
        let cache = tempfile::tempdir().expect("tempdir");
        let empty = tempfile::tempdir().expect("tempdir");
        let server = TestServer::start(vec![]).await;
        let dl = quiet(cache.path());
        let resolver = ToolResolver::new(&dl, linux())
            .with_search_path(Some(empty.path().as_os_str().to_owned()));
        let art = pins::kind_artifact_at(&server.base, "v0.30.0", linux());
        let err = resolver.kind_from("v0.30.0", &art).await.expect_err("404");
        let msg = err.to_string();
        assert!(msg.starts_with("kind is not on PATH, and kind v0.30.0 could not be downloaded from http://127.0.0.1:"), "{msg}");
        assert!(msg.contains("HTTP 404"), "{msg}");
        assert!(
            msg.ends_with("install kind v0.30.0 or put it on PATH"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn istioctl_on_path_is_used_only_for_the_exact_version() {
        let bin = tempfile::tempdir().expect("tempdir");
        let cache = tempfile::tempdir().expect("tempdir");
        // The stand-in insists on the exact flags the resolver must pass.
        let istioctl = script(
            bin.path(),
            "istioctl",
            r#"[ "$1 $2 $3" = "version --remote=false --short" ] || exit 9; echo "client version: 1.27.3""#,
        );
        let tgz = tar_gz(&[(
            "istio-1.26.3/bin/istioctl",
            b"#!/bin/sh\necho 'client version: 1.26.3'\n",
        )]);
        let server = TestServer::start(vec![(
            "/1.26.3/istio-1.26.3-linux-amd64.tar.gz",
            Reply::ok(tgz.clone()),
        )])
        .await;
        let dl = quiet(cache.path());
        let resolver = ToolResolver::new(&dl, linux())
            .with_search_path(Some(bin.path().as_os_str().to_owned()));

        let art = pins::istioctl_artifact_at(&server.base, "1.27.3", linux());
        let tool = resolver
            .istioctl_from("1.27.3", &art)
            .await
            .expect("same version");
        assert_eq!((tool.path, tool.origin), (istioctl, ToolOrigin::Path));
        assert_eq!(server.count(), 0);

        let art = pins::istioctl_artifact_at(&server.base, "1.26.3", linux());
        assert_eq!(
            art.archive,
            Some(Archive::TarGz {
                member: "istio-1.26.3/bin/istioctl".into()
            })
        );
        let art = Artifact {
            checksum: Checksum::Sha256(sha256_hex(&tgz).into()),
            ..art
        };
        let tool = resolver
            .istioctl_from("1.26.3", &art)
            .await
            .expect("download");
        assert_eq!(tool.origin, ToolOrigin::Downloaded);
        assert_eq!(tool.version, "1.26.3");
        assert_eq!(
            tool.path,
            cache.path().join("istioctl/1.26.3/linux-amd64/istioctl")
        );
    }

    #[tokio::test]
    async fn istioctl_download_of_another_version_is_refused() {
        let cache = tempfile::tempdir().expect("tempdir");
        let tgz = tar_gz(&[(
            "istio-1.28.3/bin/istioctl",
            b"#!/bin/sh\necho 'client version: 1.28.2'\n",
        )]);
        let server = TestServer::start(vec![(
            "/1.28.3/istio-1.28.3-linux-amd64.tar.gz",
            Reply::ok(tgz.clone()),
        )])
        .await;
        let dl = quiet(cache.path());
        let resolver = ToolResolver::new(&dl, linux()).with_search_path(None);
        let art = Artifact {
            checksum: Checksum::Sha256(sha256_hex(&tgz).into()),
            ..pins::istioctl_artifact_at(&server.base, "1.28.3", linux())
        };
        let err = resolver
            .istioctl_from("1.28.3", &art)
            .await
            .expect_err("wrong");
        assert!(matches!(err, ToolError::WrongDownload { .. }), "{err:?}");
    }
}
