//! Verified, cached downloads of release artifacts (tools and manifests).
//!
//! Every download is checked against a sha256 before it reaches the cache: either a value pinned
//! in [`super::pins`] or the checksum file upstream publishes next to the asset. A file only
//! enters the cache by an atomic rename of a fully written, fsynced and verified temporary file in
//! the same directory, so an interrupted or corrupt transfer never leaves a half file that a later
//! run would trust.
//!
//! Cache layout: `<cache>/<artifact name>/<version>/<os>-<arch>/<file>` (`any` instead of
//! `<os>-<arch>` for platform-independent manifests). A file extracted from an archive has a
//! sidecar `<file>.sha256` in `sha256sum` format recording its own sha256 and that of the
//! verified archive it came from, so a later run can reuse it without downloading the archive.

use std::borrow::Cow;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{IsTerminal, Read};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ring::digest::{Context, SHA256};
use tempfile::NamedTempFile;
use tokio::io::AsyncWriteExt;

use super::pins::Platform;

/// How a download is verified. There is deliberately no "unverified" variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Checksum {
    /// A sha256 (lowercase hex) pinned in this project.
    Sha256(Cow<'static, str>),
    /// The sha256 is read from the checksum file upstream publishes at `url` (`sha256sum`
    /// format: `<hex>  <file name>` lines, or a bare `<hex>`). It is fetched on every use, so a
    /// cached file is only reused while it matches what upstream publishes now.
    Published { url: String },
}

/// How the downloaded file relates to the file that is cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Archive {
    /// The download is a `.tar.gz`; the checksum is the archive's, and only the regular-file
    /// entry at `member` (a relative path) is extracted into the cache.
    TarGz { member: String },
}

/// One file to download, where it goes in the cache and how it is verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Artifact {
    /// Cache directory name, e.g. `kind`.
    pub name: String,
    /// e.g. `v0.30.0`.
    pub version: String,
    /// `None` for platform-independent files such as manifests.
    pub platform: Option<Platform>,
    pub url: String,
    pub checksum: Checksum,
    /// The file name in the cache (the extracted member's name for archives).
    pub file_name: String,
    /// Mode 0755 instead of 0644.
    pub executable: bool,
    pub archive: Option<Archive>,
}

impl Artifact {
    /// The directory the file is cached in.
    pub(crate) fn cache_dir(&self, cache: &Path) -> PathBuf {
        let platform = self
            .platform
            .map_or_else(|| "any".to_owned(), Platform::dir_name);
        cache.join(&self.name).join(&self.version).join(platform)
    }

    /// Where the file is cached.
    #[cfg(test)]
    pub(crate) fn cache_path(&self, cache: &Path) -> PathBuf {
        self.cache_dir(cache).join(&self.file_name)
    }

    /// The last URL path segment: the name upstream's checksum files use.
    fn asset_name(&self) -> &str {
        asset_name(&self.url)
    }
}

fn asset_name(url: &str) -> &str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/').next().unwrap_or(path)
}

/// Why an artifact could not be provided. Every message names the URL or path and what to do.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error(
        "no cache directory: none of HARNESS_CACHE_DIR, XDG_CACHE_HOME or HOME is set; \
         set HARNESS_CACHE_DIR to a writable directory"
    )]
    NoCacheDir,
    #[error(
        "cannot use {path} for the download cache: {source}; set HARNESS_CACHE_DIR to a writable directory"
    )]
    Cache {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("could not build the HTTP client")]
    Client(#[source] reqwest::Error),
    #[error(
        "could not download {url}: {source}; check the network or a proxy (HTTPS_PROXY), then run again"
    )]
    Request {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error(
        "{url} answered HTTP {status}; check that this version exists upstream and that the URL is reachable"
    )]
    Status {
        url: String,
        status: reqwest::StatusCode,
    },
    #[error(
        "the transfer of {url} was interrupted after {received} of {} bytes{}; nothing was cached, run again",
        expected.map_or_else(|| "?".to_owned(), |n| n.to_string()),
        cause.as_ref().map_or_else(String::new, |c| format!(" ({c})"))
    )]
    Interrupted {
        url: String,
        received: u64,
        expected: Option<u64>,
        cause: Option<String>,
    },
    #[error(
        "sha256 mismatch for {url}: expected {expected}, got {actual}; nothing was cached. \
         Run again (a proxy or a broken transfer can corrupt a download); if it persists, upstream \
         changed the file: check the release page and update the pin in src/provision/pins.rs"
    )]
    ChecksumMismatch {
        url: String,
        expected: String,
        actual: String,
    },
    #[error(
        "the pinned sha256 {value:?} for {url} is not 64 lowercase hex digits; fix src/provision/pins.rs"
    )]
    InvalidPin { url: String, value: String },
    #[error("the checksum file {url} has no sha256 for {asset}; check the release page")]
    ChecksumFile { url: String, asset: String },
    #[error("the archive from {url} is unusable: {reason}; nothing was cached")]
    Archive { url: String, reason: String },
    #[error("could not write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Whether to draw a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// On stderr when stderr is a terminal (not in CI logs or tests).
    Auto,
    /// Never (the unit tests).
    #[cfg(test)]
    Hidden,
}

/// Network settings for a [`Downloader`].
#[derive(Debug, Clone)]
pub(crate) struct DownloadOptions {
    pub connect_timeout: Duration,
    /// The longest wait for the next bytes of a response; a stalled transfer fails after it
    /// instead of hanging the run (a whole-request timeout would fail slow but live links).
    pub read_timeout: Duration,
    pub progress: Progress,
    /// A mirror that serves every upstream URL under `<mirror>/<host>/<path>`, for networks
    /// without access to GitHub; the pinned checksums still decide. `Downloader::new` reads it
    /// from `$HARNESS_DOWNLOAD_MIRROR`.
    pub mirror: Option<String>,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(15),
            read_timeout: Duration::from_secs(60),
            progress: Progress::Auto,
            mirror: None,
        }
    }
}

/// `https://host/path` as served by `mirror` (`<mirror>/host/path`); other URLs unchanged.
pub(crate) fn mirrored(mirror: Option<&str>, url: &str) -> String {
    match (mirror, url.strip_prefix("https://")) {
        (Some(m), Some(rest)) if !m.is_empty() => format!("{}/{rest}", m.trim_end_matches('/')),
        _ => url.to_string(),
    }
}

/// The download cache directory: `$HARNESS_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/istio-gateway-harness`, else `$HOME/.cache/istio-gateway-harness`.
pub(crate) fn default_cache_dir() -> Result<PathBuf, DownloadError> {
    cache_dir_from(|key| std::env::var_os(key)).ok_or(DownloadError::NoCacheDir)
}

/// [`default_cache_dir`] with the environment passed in, so it can be tested without mutating
/// the process environment. Empty values count as unset (the XDG spec says so).
pub(crate) fn cache_dir_from(env: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let get = |key: &str| env(key).filter(|v| !v.is_empty()).map(PathBuf::from);
    get("HARNESS_CACHE_DIR")
        .or_else(|| get("XDG_CACHE_HOME").map(|p| p.join("istio-gateway-harness")))
        .or_else(|| get("HOME").map(|p| p.join(".cache").join("istio-gateway-harness")))
}

/// Downloads artifacts into a cache directory, verifying each one.
#[derive(Debug, Clone)]
pub(crate) struct Downloader {
    client: reqwest::Client,
    cache_dir: PathBuf,
    progress: Progress,
    mirror: Option<String>,
}

impl Downloader {
    /// A downloader with [`DownloadOptions::default`] and the mirror from
    /// `$HARNESS_DOWNLOAD_MIRROR`.
    pub(crate) fn new(cache_dir: impl Into<PathBuf>) -> Result<Self, DownloadError> {
        Self::with_options(
            cache_dir,
            DownloadOptions {
                mirror: std::env::var("HARNESS_DOWNLOAD_MIRROR")
                    .ok()
                    .filter(|m| !m.is_empty()),
                ..DownloadOptions::default()
            },
        )
    }

    pub(crate) fn with_options(
        cache_dir: impl Into<PathBuf>,
        options: DownloadOptions,
    ) -> Result<Self, DownloadError> {
        let client = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .read_timeout(options.read_timeout)
            .user_agent(concat!("istio-gateway-harness/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(DownloadError::Client)?;
        Ok(Self {
            client,
            cache_dir: cache_dir.into(),
            progress: options.progress,
            mirror: options.mirror,
        })
    }

    /// The verified file in the cache, downloading it first unless a verified copy is there.
    pub(crate) async fn fetch(&self, artifact: &Artifact) -> Result<PathBuf, DownloadError> {
        let mirrored_artifact;
        let artifact = match self.mirror.as_deref() {
            Some(m) => {
                let mut a = artifact.clone();
                a.url = mirrored(Some(m), &a.url);
                if let Checksum::Published { url } = &mut a.checksum {
                    *url = mirrored(Some(m), url);
                }
                mirrored_artifact = a;
                &mirrored_artifact
            }
            None => artifact,
        };
        let dir = artifact.cache_dir(&self.cache_dir);
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|source| DownloadError::Cache {
                path: dir.clone(),
                source,
            })?;
        let expected = self.expected_sha256(artifact).await?;
        let target = dir.join(&artifact.file_name);
        if cached_is_valid(artifact, &target, &expected).await {
            tracing::debug!(path = %target.display(), "using cached {}", artifact.name);
            return Ok(target);
        }

        tracing::info!(url = %artifact.url, "downloading {} {}", artifact.name, artifact.version);
        let download = self.download_verified(artifact, &dir, &expected).await?;
        match &artifact.archive {
            None => {
                install(download, &target, artifact.executable).await?;
            }
            Some(Archive::TarGz { member }) => {
                let (file, file_sha) =
                    extract_member(download, member, &dir, &artifact.url).await?;
                install(file, &target, artifact.executable).await?;
                let sidecar = format!(
                    "{file_sha}  {}\n{expected}  {}\n",
                    artifact.file_name,
                    artifact.asset_name()
                );
                let sidecar_tmp = write_temp(&dir, sidecar.into_bytes()).await?;
                install(sidecar_tmp, &sidecar_path(&target), false).await?;
            }
        }
        sync_dir(&dir).await;
        Ok(target)
    }

    /// The sha256 the download must have: the pin, or the value upstream publishes.
    async fn expected_sha256(&self, artifact: &Artifact) -> Result<String, DownloadError> {
        match &artifact.checksum {
            Checksum::Sha256(value) => {
                if is_sha256_hex(value) {
                    Ok(value.to_string())
                } else {
                    Err(DownloadError::InvalidPin {
                        url: artifact.url.clone(),
                        value: value.to_string(),
                    })
                }
            }
            Checksum::Published { url } => {
                // Checksum files are a line per asset; refuse anything large.
                const LIMIT: usize = 64 * 1024;
                let response = self.get(url).await?;
                let mut body = Vec::new();
                let mut stream = response.bytes_stream();
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk.map_err(|source| DownloadError::Request {
                        url: url.clone(),
                        source,
                    })?;
                    body.extend_from_slice(&chunk);
                    if body.len() > LIMIT {
                        break;
                    }
                }
                let asset = artifact.asset_name();
                parse_checksum_file(&String::from_utf8_lossy(&body), asset).ok_or_else(|| {
                    DownloadError::ChecksumFile {
                        url: url.clone(),
                        asset: asset.to_owned(),
                    }
                })
            }
        }
    }

    async fn get(&self, url: &str) -> Result<reqwest::Response, DownloadError> {
        let response =
            self.client
                .get(url)
                .send()
                .await
                .map_err(|source| DownloadError::Request {
                    url: url.to_owned(),
                    source,
                })?;
        let status = response.status();
        if !status.is_success() {
            return Err(DownloadError::Status {
                url: url.to_owned(),
                status,
            });
        }
        Ok(response)
    }

    /// Streams the URL into a temporary file in `dir`, hashing as it goes. On any error the
    /// temporary file is dropped, which deletes it.
    async fn download_verified(
        &self,
        artifact: &Artifact,
        dir: &Path,
        expected: &str,
    ) -> Result<NamedTempFile, DownloadError> {
        let url = &artifact.url;
        let response = self.get(url).await?;
        let length = response.content_length();
        let temp = NamedTempFile::with_prefix_in(".download-", dir).map_err(|source| {
            DownloadError::Cache {
                path: dir.to_owned(),
                source,
            }
        })?;
        let io_err = |source| DownloadError::Io {
            path: temp.path().to_owned(),
            source,
        };
        let mut file = tokio::fs::File::from_std(temp.as_file().try_clone().map_err(io_err)?);
        let bar = self.progress_bar(length, &artifact.name);
        let mut hash = Context::new(&SHA256);
        let mut received: u64 = 0;
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                bar.abandon();
                // A body error mid-stream is a cut connection or an idle timeout.
                DownloadError::Interrupted {
                    url: url.clone(),
                    received,
                    expected: length,
                    cause: Some(error_chain(&e)),
                }
            })?;
            hash.update(&chunk);
            file.write_all(&chunk).await.map_err(io_err)?;
            received += chunk.len() as u64;
            bar.set_position(received);
        }
        bar.finish_and_clear();
        if length.is_some_and(|n| n != received) {
            return Err(DownloadError::Interrupted {
                url: url.clone(),
                received,
                expected: length,
                cause: None,
            });
        }
        let actual = hex::encode(hash.finish().as_ref());
        if actual != expected {
            return Err(DownloadError::ChecksumMismatch {
                url: url.clone(),
                expected: expected.to_owned(),
                actual,
            });
        }
        file.flush().await.map_err(io_err)?;
        file.sync_all().await.map_err(io_err)?;
        tracing::debug!(%url, bytes = received, sha256 = %actual, "verified download");
        Ok(temp)
    }

    fn progress_bar(&self, length: Option<u64>, name: &str) -> ProgressBar {
        let visible = self.progress == Progress::Auto && std::io::stderr().is_terminal();
        if !visible {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(length, ProgressDrawTarget::stderr());
        let template = if length.is_some() {
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
        } else {
            "{spinner} {msg} {bytes} {bytes_per_sec}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(format!("downloading {name}"));
        bar
    }
}

/// Finds the sha256 for `asset` in a checksum file: the line naming it (`<hex>  <name>`,
/// `<hex> *<name>`, or a path ending in it), else the only bare `<hex>` line.
pub(crate) fn parse_checksum_file(text: &str, asset: &str) -> Option<String> {
    let mut hashes = Vec::new();
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        let Some(hash) = parts.next().map(str::to_ascii_lowercase) else {
            continue;
        };
        if !is_sha256_hex(&hash) {
            continue;
        }
        match parts.next().map(|n| n.trim_start_matches('*')) {
            Some(name) if name == asset || name.rsplit('/').next() == Some(asset) => {
                return Some(hash);
            }
            // A line for another asset is never used for this one.
            Some(_) => {}
            None => hashes.push(hash),
        }
    }
    match hashes.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    }
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        let _ = write!(s, ": {inner}");
        cur = inner.source();
    }
    s
}

fn sidecar_path(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

/// sha256 of a file, or `None` if it cannot be read.
async fn sha256_file(path: PathBuf) -> Option<String> {
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(path).ok()?;
        let mut hash = Context::new(&SHA256);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf).ok()?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
        }
        Some(hex::encode(hash.finish().as_ref()))
    })
    .await
    .ok()
    .flatten()
}

/// Whether the cached file can be used without a request.
async fn cached_is_valid(artifact: &Artifact, target: &Path, expected: &str) -> bool {
    if !tokio::fs::try_exists(target).await.unwrap_or(false) {
        return false;
    }
    let Some(actual) = sha256_file(target.to_owned()).await else {
        return false;
    };
    let valid = match &artifact.archive {
        None => actual == expected,
        Some(Archive::TarGz { .. }) => {
            // The file must be the one extracted from an archive with the expected sha256.
            let Ok(sidecar) = tokio::fs::read_to_string(sidecar_path(target)).await else {
                return false;
            };
            parse_checksum_file(&sidecar, &artifact.file_name).as_deref() == Some(&actual)
                && parse_checksum_file(&sidecar, artifact.asset_name()).as_deref() == Some(expected)
        }
    };
    if !valid {
        tracing::info!(path = %target.display(), "cached file does not match its checksum; downloading it again");
    }
    valid
}

/// fsyncs, sets the mode and renames the temporary file onto `target` atomically.
async fn install(
    temp: NamedTempFile,
    target: &Path,
    executable: bool,
) -> Result<(), DownloadError> {
    let target = target.to_owned();
    tokio::task::spawn_blocking(move || {
        let io_err = |source| DownloadError::Io {
            path: target.clone(),
            source,
        };
        temp.as_file().sync_all().map_err(io_err)?;
        set_mode(temp.as_file(), executable).map_err(io_err)?;
        temp.persist(&target).map_err(|e| io_err(e.error))?;
        Ok(())
    })
    .await
    .map_err(|e| DownloadError::Io {
        path: PathBuf::new(),
        source: std::io::Error::other(e),
    })?
}

#[cfg(unix)]
fn set_mode(file: &std::fs::File, executable: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if executable { 0o755 } else { 0o644 };
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &std::fs::File, _executable: bool) -> std::io::Result<()> {
    Ok(())
}

/// Makes the renames durable; best effort, as not every filesystem supports it.
async fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    {
        let dir = dir.to_owned();
        let _ = tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all()).await;
    }
    #[cfg(not(unix))]
    let _ = dir;
}

async fn write_temp(dir: &Path, bytes: Vec<u8>) -> Result<NamedTempFile, DownloadError> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut temp = NamedTempFile::with_prefix_in(".download-", &dir).map_err(|source| {
            DownloadError::Cache {
                path: dir.clone(),
                source,
            }
        })?;
        std::io::Write::write_all(&mut temp, &bytes).map_err(|source| DownloadError::Io {
            path: temp.path().to_owned(),
            source,
        })?;
        Ok(temp)
    })
    .await
    .map_err(|e| DownloadError::Io {
        path: PathBuf::new(),
        source: std::io::Error::other(e),
    })?
}

/// Extracts the regular-file entry `member` of a verified `.tar.gz` into a new temporary file
/// in `dir`, returning it with its sha256. Rejects the archive if any entry path is absolute or
/// has `..`: a verified archive should never contain one, so it is not the expected file.
async fn extract_member(
    archive: NamedTempFile,
    member: &str,
    dir: &Path,
    url: &str,
) -> Result<(NamedTempFile, String), DownloadError> {
    let dir = dir.to_owned();
    let member = member.to_owned();
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || extract_member_blocking(&archive, &member, &dir, &url))
        .await
        .map_err(|e| DownloadError::Io {
            path: PathBuf::new(),
            source: std::io::Error::other(e),
        })?
}

fn extract_member_blocking(
    archive: &NamedTempFile,
    member: &str,
    dir: &Path,
    url: &str,
) -> Result<(NamedTempFile, String), DownloadError> {
    let bad = |reason: String| DownloadError::Archive {
        url: url.to_owned(),
        reason,
    };
    let reader = archive.reopen().map_err(|source| DownloadError::Io {
        path: archive.path().to_owned(),
        source,
    })?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(
        reader,
    )));
    let entries = tar
        .entries()
        .map_err(|e| bad(format!("not a tar.gz: {e}")))?;
    let wanted = Path::new(member);
    let mut found: Option<(NamedTempFile, String)> = None;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(format!("corrupt tar.gz: {e}")))?;
        let path = entry
            .path()
            .map_err(|e| bad(format!("unreadable entry path: {e}")))?
            .into_owned();
        if path.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        }) {
            return Err(bad(format!(
                "entry {} has an absolute or `..` path",
                path.display()
            )));
        }
        if path != wanted || found.is_some() {
            continue;
        }
        if !entry.header().entry_type().is_file() {
            return Err(bad(format!("{member} is not a regular file")));
        }
        let mut temp = NamedTempFile::with_prefix_in(".extract-", dir).map_err(|source| {
            DownloadError::Cache {
                path: dir.to_owned(),
                source,
            }
        })?;
        let mut hash = Context::new(&SHA256);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|e| bad(format!("corrupt entry {member}: {e}")))?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
            std::io::Write::write_all(&mut temp, &buf[..n]).map_err(|source| {
                DownloadError::Io {
                    path: temp.path().to_owned(),
                    source,
                }
            })?;
        }
        found = Some((temp, hex::encode(hash.finish().as_ref())));
    }
    found.ok_or_else(|| bad(format!("it has no entry {member}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::testkit::{Reply, TestServer, file_artifact, quiet, sha256_hex, tar_gz};
    use tokio::net::TcpListener;

    #[test]
    fn a_mirror_serves_upstream_urls_under_their_host() {
        let u =
            "https://github.com/kubernetes-sigs/kind/releases/download/v0.30.0/kind-linux-amd64";
        assert_eq!(
            mirrored(Some("http://127.0.0.1:8080/m/"), u),
            "http://127.0.0.1:8080/m/github.com/kubernetes-sigs/kind/releases/download/v0.30.0/kind-linux-amd64"
        );
        assert_eq!(mirrored(None, u), u);
        assert_eq!(mirrored(Some(""), u), u);
    }

    #[tokio::test]
    async fn a_mirrored_download_is_still_verified_by_the_pin() {
        let body = b"kind binary".to_vec();
        let server = TestServer::start(vec![("/github.com/tool", Reply::ok(body.clone()))]).await;
        let cache = tempfile::tempdir().unwrap();
        let downloader = Downloader::with_options(
            cache.path(),
            DownloadOptions {
                progress: Progress::Hidden,
                mirror: Some(server.base.clone()),
                ..DownloadOptions::default()
            },
        )
        .unwrap();
        let good = file_artifact(
            "https://github.com/tool".into(),
            Checksum::Sha256(sha256_hex(&body).into()),
        );
        let path = downloader.fetch(&good).await.unwrap();
        assert_eq!(std::fs::read(path).unwrap(), body);
        let bad = Artifact {
            version: "v2".into(),
            ..file_artifact(
                "https://github.com/tool".into(),
                Checksum::Sha256(sha256_hex(b"other").into()),
            )
        };
        assert!(matches!(
            downloader.fetch(&bad).await,
            Err(DownloadError::ChecksumMismatch { .. })
        ));
    }

    /// Files in `dir` other than the expected ones (left-over temporaries).
    fn names_in(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    #[tokio::test]
    async fn good_checksum_is_cached_executable_and_reused_without_a_request() {
        let body = b"#!/bin/sh\necho hi\n".to_vec();
        let server = TestServer::start(vec![("/tool", Reply::ok(body.clone()))]).await;
        let cache = tempfile::tempdir().expect("tempdir");
        let dl = quiet(cache.path());
        let art = file_artifact(
            format!("{}/tool", server.base),
            Checksum::Sha256(sha256_hex(&body).into()),
        );
        let path = dl.fetch(&art).await.expect("fetch");
        assert_eq!(path, cache.path().join("tool/v1.0.0/linux-amd64/tool"));
        assert_eq!(std::fs::read(&path).expect("read"), body);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o755);
        }
        assert_eq!(server.count(), 1);
        let again = dl.fetch(&art).await.expect("cached");
        assert_eq!(again, path);
        assert_eq!(server.count(), 1, "a verified cached file needs no request");
        assert_eq!(names_in(path.parent().expect("dir")), vec!["tool"]);
    }

    #[tokio::test]
    async fn a_corrupted_cached_file_is_replaced() {
        let body = b"right".to_vec();
        let server = TestServer::start(vec![("/tool", Reply::ok(body.clone()))]).await;
        let cache = tempfile::tempdir().expect("tempdir");
        let dl = quiet(cache.path());
        let art = file_artifact(
            format!("{}/tool", server.base),
            Checksum::Sha256(sha256_hex(&body).into()),
        );
        let path = art.cache_path(cache.path());
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, b"wrong").expect("write");
        dl.fetch(&art).await.expect("fetch");
        assert_eq!(std::fs::read(&path).expect("read"), body);
        assert_eq!(server.count(), 1);
    }

    #[tokio::test]
    async fn bad_checksum_is_an_error_and_leaves_the_cache_untouched() {
        let server = TestServer::start(vec![("/tool", Reply::ok(b"evil".to_vec()))]).await;
        let cache = tempfile::tempdir().expect("tempdir");
        let dl = quiet(cache.path());
        let good = sha256_hex(b"good");
        let art = file_artifact(
            format!("{}/tool", server.base),
            Checksum::Sha256(good.clone().into()),
        );
        // A stale file that does not match either: it must survive a failed download.
        let path = art.cache_path(cache.path());
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, b"stale").expect("write");
        let err = dl.fetch(&art).await.expect_err("mismatch");
        match &err {
            DownloadError::ChecksumMismatch {
                url,
                expected,
                actual,
            } => {
                assert!(url.ends_with("/tool"));
                assert_eq!(expected, &good);
                assert_eq!(actual, &sha256_hex(b"evil"));
            }
            other => panic!("{other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("nothing was cached") && msg.contains("pins.rs"),
            "{msg}"
        );
        assert_eq!(std::fs::read(&path).expect("read"), b"stale");
        assert_eq!(names_in(path.parent().expect("dir")), vec!["tool"]);
    }

    #[tokio::test]
    async fn interrupted_transfer_is_an_error_and_leaves_nothing() {
        let body = b"only part of it".to_vec();
        let reply = Reply {
            status: 200,
            announced_len: Some(body.len() + 1000),
            body,
        };
        let server = TestServer::start(vec![("/tool", reply)]).await;
        let cache = tempfile::tempdir().expect("tempdir");
        let dl = quiet(cache.path());
        let art = file_artifact(
            format!("{}/tool", server.base),
            Checksum::Sha256(sha256_hex(b"whatever").into()),
        );
        let err = dl.fetch(&art).await.expect_err("interrupted");
        assert!(
            matches!(err, DownloadError::Interrupted { expected: Some(n), .. } if n > 1000),
            "{err:?}"
        );
        assert!(err.to_string().contains("run again"), "{err}");
        let dir = art.cache_dir(cache.path());
        assert!(names_in(&dir).is_empty(), "{:?}", names_in(&dir));
    }

    #[tokio::test]
    async fn http_404_names_the_url() {
        let server = TestServer::start(vec![]).await;
        let cache = tempfile::tempdir().expect("tempdir");
        let dl = quiet(cache.path());
        let url = format!("{}/missing", server.base);
        let art = file_artifact(url.clone(), Checksum::Sha256(sha256_hex(b"x").into()));
        let err = dl.fetch(&art).await.expect_err("404");
        assert!(
            matches!(&err, DownloadError::Status { status, .. } if status.as_u16() == 404),
            "{err:?}"
        );
        assert!(err.to_string().contains(&url), "{err}");
        assert!(names_in(&art.cache_dir(cache.path())).is_empty());
    }

    #[tokio::test]
    async fn connection_refused_is_a_request_error_naming_the_url() {
        // Bind then drop a listener to get a port nothing listens on.
        let port = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let cache = tempfile::tempdir().expect("tempdir");
        let url = format!("http://127.0.0.1:{port}/tool");
        let art = file_artifact(url.clone(), Checksum::Sha256(sha256_hex(b"x").into()));
        let err = quiet(cache.path()).fetch(&art).await.expect_err("refused");
        assert!(matches!(err, DownloadError::Request { .. }), "{err:?}");
        assert!(err.to_string().contains(&url));
    }

    #[tokio::test]
    async fn published_checksum_file_is_fetched_and_used() {
        let body = b"kind binary".to_vec();
        let sums = format!(
            "{}  kind-linux-amd64\n",
            sha256_hex(&body).to_ascii_uppercase()
        );
        let server = TestServer::start(vec![
            ("/v1/kind-linux-amd64", Reply::ok(body.clone())),
            ("/v1/kind-linux-amd64.sha256sum", Reply::ok(sums)),
            ("/v1/other", Reply::ok(b"other".to_vec())),
            (
                "/v1/other.sha256sum",
                Reply::ok(format!("{}  kind-linux-amd64\n", sha256_hex(&body))),
            ),
        ])
        .await;
        let cache = tempfile::tempdir().expect("tempdir");
        let dl = quiet(cache.path());
        let url = format!("{}/v1/kind-linux-amd64", server.base);
        let art = file_artifact(
            url.clone(),
            Checksum::Published {
                url: format!("{url}.sha256sum"),
            },
        );
        let path = dl.fetch(&art).await.expect("fetch");
        assert_eq!(std::fs::read(path).expect("read"), body);
        assert_eq!(server.count(), 2);
        // Reuse costs only the checksum file.
        dl.fetch(&art).await.expect("cached");
        assert_eq!(server.count(), 3);

        // A checksum file that names only another asset is not used for this one.
        let other = file_artifact(
            format!("{}/v1/other", server.base),
            Checksum::Published {
                url: format!("{}/v1/other.sha256sum", server.base),
            },
        );
        let err = dl.fetch(&other).await.expect_err("no checksum for it");
        assert!(matches!(err, DownloadError::ChecksumFile { .. }), "{err:?}");
        assert!(err.to_string().contains("has no sha256 for other"), "{err}");
    }

    #[test]
    fn checksum_files_in_upstream_formats() {
        let h1 = "a".repeat(64);
        let h2 = "b".repeat(64);
        assert_eq!(parse_checksum_file(&h1, "x"), Some(h1.clone()));
        let multi = format!("{h1}  kind-linux-amd64\n{h2} *bin/kind-darwin-arm64\n");
        assert_eq!(parse_checksum_file(&multi, "kind-darwin-arm64"), Some(h2));
        assert_eq!(parse_checksum_file(&multi, "kind-linux-amd64"), Some(h1));
        assert_eq!(parse_checksum_file(&multi, "nope"), None);
        assert_eq!(parse_checksum_file("not a hash  x\n", "x"), None);
    }

    #[test]
    fn cache_dir_precedence() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        assert_eq!(
            cache_dir_from(env(&[("HARNESS_CACHE_DIR", "/c"), ("HOME", "/h")])),
            Some(PathBuf::from("/c"))
        );
        assert_eq!(
            cache_dir_from(env(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")])),
            Some(PathBuf::from("/x/istio-gateway-harness"))
        );
        assert_eq!(
            cache_dir_from(env(&[("XDG_CACHE_HOME", ""), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.cache/istio-gateway-harness"))
        );
        assert_eq!(cache_dir_from(env(&[])), None);
    }

    fn archive_artifact(url: String, sha: String) -> Artifact {
        Artifact {
            archive: Some(Archive::TarGz {
                member: "istio-1.27.3/bin/istioctl".into(),
            }),
            file_name: "istioctl".into(),
            ..file_artifact(url, Checksum::Sha256(sha.into()))
        }
    }

    #[tokio::test]
    async fn tar_gz_member_is_extracted_and_reused_by_its_sidecar() {
        let tgz = tar_gz(&[
            ("istio-1.27.3/manifests/x.yaml", b"kind: X\n"),
            ("istio-1.27.3/bin/istioctl", b"#!/bin/sh\necho istioctl\n"),
        ]);
        let server = TestServer::start(vec![(
            "/istio-1.27.3-linux-amd64.tar.gz",
            Reply::ok(tgz.clone()),
        )])
        .await;
        let cache = tempfile::tempdir().expect("tempdir");
        let dl = quiet(cache.path());
        let art = archive_artifact(
            format!("{}/istio-1.27.3-linux-amd64.tar.gz", server.base),
            sha256_hex(&tgz),
        );
        let path = dl.fetch(&art).await.expect("fetch");
        assert_eq!(
            std::fs::read(&path).expect("read"),
            b"#!/bin/sh\necho istioctl\n"
        );
        let dir = path.parent().expect("dir");
        assert_eq!(names_in(dir), vec!["istioctl", "istioctl.sha256"]);
        dl.fetch(&art).await.expect("cached");
        assert_eq!(server.count(), 1);
        // Tampering with the extracted binary makes the next fetch download again.
        std::fs::write(&path, b"tampered").expect("write");
        dl.fetch(&art).await.expect("refetch");
        assert_eq!(server.count(), 2);
        assert_eq!(
            std::fs::read(&path).expect("read"),
            b"#!/bin/sh\necho istioctl\n"
        );
    }

    #[tokio::test]
    async fn tar_gz_with_a_traversal_entry_or_without_the_member_is_rejected() {
        let hostile = tar_gz(&[
            ("istio-1.27.3/bin/istioctl", b"ok"),
            ("../../escape", b"evil"),
        ]);
        let missing = tar_gz(&[("istio-1.27.3/bin/other", b"x")]);
        let server = TestServer::start(vec![
            ("/hostile.tar.gz", Reply::ok(hostile.clone())),
            ("/missing.tar.gz", Reply::ok(missing.clone())),
        ])
        .await;
        let cache = tempfile::tempdir().expect("tempdir");
        let dl = quiet(cache.path());

        let art = archive_artifact(
            format!("{}/hostile.tar.gz", server.base),
            sha256_hex(&hostile),
        );
        let err = dl.fetch(&art).await.expect_err("traversal");
        assert!(err.to_string().contains("../../escape"), "{err}");
        let dir = art.cache_dir(cache.path());
        assert!(names_in(&dir).is_empty(), "{:?}", names_in(&dir));
        assert!(!cache.path().join("tool/escape").exists());

        let art = archive_artifact(
            format!("{}/missing.tar.gz", server.base),
            sha256_hex(&missing),
        );
        let err = dl.fetch(&art).await.expect_err("missing");
        assert!(
            err.to_string()
                .contains("no entry istio-1.27.3/bin/istioctl"),
            "{err}"
        );
        assert!(names_in(&dir).is_empty());
    }

    #[test]
    fn progress_bar_is_hidden_when_asked() {
        let cache = tempfile::tempdir().expect("tempdir");
        assert!(quiet(cache.path()).progress_bar(Some(10), "x").is_hidden());
    }

    #[tokio::test]
    async fn an_invalid_pin_is_reported_before_any_request() {
        let server = TestServer::start(vec![]).await;
        let cache = tempfile::tempdir().expect("tempdir");
        let art = file_artifact(
            format!("{}/tool", server.base),
            Checksum::Sha256("ABC".into()),
        );
        let err = quiet(cache.path()).fetch(&art).await.expect_err("invalid");
        assert!(matches!(err, DownloadError::InvalidPin { .. }), "{err:?}");
        assert_eq!(server.count(), 0);
    }
}
