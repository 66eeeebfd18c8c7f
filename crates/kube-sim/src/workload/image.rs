//! Image references and what each image contains.
//!
//! A real cluster without registry access can only run images it already has; the simulator
//! knows exactly the images below and nothing else, so an unknown reference becomes
//! `ErrImagePull` in the caller, as on a kind node without network.

use super::coreutils::{Flavor, Util};
use super::curl::{CurlBuild, CurlFlavor};

/// Which helloworld image: the version is baked in at build time (`--build-arg
/// service_version`, istio samples/helloworld/src/build_service.sh).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum HelloworldVersion {
    V1,
    V2,
}

impl HelloworldVersion {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HelloworldVersion::V1 => "v1",
            HelloworldVersion::V2 => "v2",
        }
    }
}

/// A curl release number, taken from the `curlimages/curl` tag (`:8.16.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct CurlVersion {
    pub major: u16,
    pub minor: u16,
    pub patch: u16,
}

impl CurlVersion {
    /// The release the emulation follows (pinned by istio samples/curl/curl.yaml in 1.28).
    pub(crate) const MODELLED: CurlVersion = CurlVersion {
        major: 8,
        minor: 16,
        patch: 0,
    };

    fn parse_tag(tag: &str) -> Option<CurlVersion> {
        let mut parts = tag.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(CurlVersion {
            major,
            minor,
            patch,
        })
    }
}

impl std::fmt::Display for CurlVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// An image the simulator can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ImageKind {
    /// `docker.io/istio/examples-helloworld-v1|v2` (or `registry.istio.io/release/...`):
    /// python:3.12-slim (Debian bookworm) + Flask under gunicorn, and curl 7.88.1
    /// (istio samples/helloworld/src/Dockerfile installs it).
    Helloworld(HelloworldVersion),
    /// `curlimages/curl` (the sleep/curl sample): Alpine, busybox applets, curl at
    /// /usr/bin/curl, user `curl_user` (curl/curl-container create_base_image.sh). Behaviour
    /// follows curl 8.16.0 whatever the tag; the tag only changes the version curl reports.
    Curl(CurlVersion),
    /// `docker.io/kong/httpbin`: Ubuntu jammy, Flask 3 httpbin under gunicorn on :80
    /// (Kong/httpbin Dockerfile).
    KongHttpbin,
    /// `mccutchen/go-httpbin` (docker.io or ghcr.io): one Go binary on distroless/base, :8080
    /// (go-httpbin Dockerfile).
    GoHttpbin,
    /// `busybox`: every applet in /bin, nothing else.
    Busybox,
    /// `registry.k8s.io/pause`: the single static `/pause` binary.
    Pause,
}

impl ImageKind {
    /// Recognise an image reference the way a container runtime names it: with or without
    /// registry (default `docker.io`, `library/` for official images), tag and digest.
    /// Unknown or malformed references are `None`.
    pub(crate) fn from_reference(reference: &str) -> Option<ImageKind> {
        if reference.is_empty() || reference.len() > 1024 {
            return None;
        }
        let without_digest = match reference.split_once('@') {
            Some((name, digest)) => {
                if !valid_digest(digest) {
                    return None;
                }
                name
            }
            None => reference,
        };
        let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match without_digest[last_slash..].rfind(':') {
            Some(i) => (
                &without_digest[..last_slash + i],
                Some(&without_digest[last_slash + i + 1..]),
            ),
            None => (without_digest, None),
        };
        if let Some(tag) = tag
            && !valid_tag(tag)
        {
            return None;
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first, rest.to_string())
            }
            _ => ("docker.io", name.to_string()),
        };
        if !valid_path(&path) {
            return None;
        }
        let registry = match registry {
            "index.docker.io" | "registry-1.docker.io" => "docker.io",
            other => other,
        };
        let path = if registry == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        match (registry, path.as_str()) {
            ("docker.io", "istio/examples-helloworld-v1")
            | ("registry.istio.io", "release/examples-helloworld-v1") => {
                Some(ImageKind::Helloworld(HelloworldVersion::V1))
            }
            ("docker.io", "istio/examples-helloworld-v2")
            | ("registry.istio.io", "release/examples-helloworld-v2") => {
                Some(ImageKind::Helloworld(HelloworldVersion::V2))
            }
            ("docker.io", "curlimages/curl") | ("quay.io", "curl/curl") => Some(ImageKind::Curl(
                tag.and_then(CurlVersion::parse_tag)
                    .unwrap_or(CurlVersion::MODELLED),
            )),
            ("docker.io", "kong/httpbin") => Some(ImageKind::KongHttpbin),
            ("docker.io" | "ghcr.io", "mccutchen/go-httpbin") => Some(ImageKind::GoHttpbin),
            ("docker.io", "library/busybox") => Some(ImageKind::Busybox),
            ("registry.k8s.io" | "k8s.gcr.io", "pause") => Some(ImageKind::Pause),
            _ => None,
        }
    }

    /// The image config's `Env`, in order (the runtime puts it under the pod's env).
    pub(crate) fn image_env(&self) -> Vec<(String, String)> {
        let pairs: &[(&str, &str)] = match self {
            // python:3.12.1-slim prepends /usr/local/bin to the Debian default; the sample's
            // Dockerfile sets SERVICE_VERSION from its build arg.
            ImageKind::Helloworld(_) => &[
                (
                    "PATH",
                    "/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                ),
                ("LANG", "C.UTF-8"),
                ("PYTHON_VERSION", "3.12.1"),
            ],
            ImageKind::Curl(_) => &[("PATH", DEFAULT_PATH), ("CURL_CA_BUNDLE", "/cacert.pem")],
            ImageKind::KongHttpbin => &[
                (
                    "PATH",
                    "/httpbin/.local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                ),
                ("LC_ALL", "C.UTF-8"),
                ("LANG", "C.UTF-8"),
                ("HOME", "/httpbin"),
            ],
            ImageKind::GoHttpbin => &[
                ("PATH", DEFAULT_PATH),
                ("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"),
            ],
            ImageKind::Busybox => &[("PATH", DEFAULT_PATH)],
            ImageKind::Pause => &[],
        };
        let mut env: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        if let ImageKind::Helloworld(v) = self {
            env.push(("SERVICE_VERSION".into(), v.as_str().into()));
        }
        env
    }

    /// The home directory of the image's user, which runc puts in `HOME` when the
    /// environment has none (runc libcontainer/init_linux.go).
    pub(crate) fn user_home(&self) -> &'static str {
        match self {
            ImageKind::Curl(_) => "/home/curl_user",
            ImageKind::KongHttpbin => "/nonexistent",
            ImageKind::Pause => "/",
            _ => "/root",
        }
    }

    /// The image's working directory (relative executable paths resolve against it).
    pub(crate) fn workdir(&self) -> &'static str {
        match self {
            ImageKind::Curl(_) => "/home/curl_user",
            ImageKind::Helloworld(_) => "/opt/microservices",
            ImageKind::KongHttpbin => "/httpbin",
            _ => "/",
        }
    }

    /// True for images built on a merged-/usr distribution, where /bin -> /usr/bin.
    fn usr_merged(&self) -> bool {
        matches!(self, ImageKind::Helloworld(_) | ImageKind::KongHttpbin)
    }

    /// The program at absolute `path` in the image, after symlinks, or `None`.
    pub(crate) fn program_at(&self, path: &str) -> Option<Program> {
        let path = if self.usr_merged() {
            if let Some(rest) = path.strip_prefix("/bin/") {
                format!("/usr/bin/{rest}")
            } else if let Some(rest) = path.strip_prefix("/sbin/") {
                format!("/usr/sbin/{rest}")
            } else {
                path.to_string()
            }
        } else {
            path.to_string()
        };
        let (dir, name) = path.rsplit_once('/')?;
        let dir = if dir.is_empty() { "/" } else { dir };
        match self {
            ImageKind::Curl(version) => {
                if path == "/usr/bin/curl" {
                    return Some(Program::Curl(CurlBuild {
                        version: *version,
                        flavor: CurlFlavor::CurlImages,
                    }));
                }
                if path == "/entrypoint.sh" {
                    return Some(Program::Unmodelled);
                }
                busybox_applet(dir, name, ALPINE_LAYOUT)
            }
            ImageKind::Busybox => busybox_applet(dir, name, BUSYBOX_IMAGE_LAYOUT),
            ImageKind::Helloworld(_) => match (dir, name) {
                ("/usr/bin", "curl") => Some(Program::Curl(CurlBuild {
                    version: CurlVersion {
                        major: 7,
                        minor: 88,
                        patch: 1,
                    },
                    flavor: CurlFlavor::DebianBookworm,
                })),
                ("/usr/local/bin", "python" | "python3" | "python3.12" | "pip" | "gunicorn") => {
                    Some(Program::Unmodelled)
                }
                _ => gnu_tool(dir, name),
            },
            ImageKind::KongHttpbin => match (dir, name) {
                ("/usr/bin", "python3" | "python3.10" | "pip3") => Some(Program::Unmodelled),
                ("/httpbin/.local/bin", "pipenv") => Some(Program::Unmodelled),
                _ => gnu_tool(dir, name),
            },
            ImageKind::GoHttpbin => match (dir, name) {
                ("/bin", "go-httpbin") => Some(Program::GoHttpbin),
                ("/bin", "go-httpbin.test") => Some(Program::Unmodelled),
                _ => None,
            },
            ImageKind::Pause => (path == "/pause").then_some(Program::Pause),
        }
    }
}

/// The runtime's default `PATH` (containerd oci/spec.go defaultUnixEnv), also the value
/// Alpine, busybox and distroless images set.
pub(crate) const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What runs when an executable is started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Program {
    Util(Util, Flavor),
    Curl(CurlBuild),
    GoHttpbin,
    Pause,
    /// Present in the image, but its behaviour is not modelled.
    Unmodelled,
}

struct AppletLayout {
    bin: &'static [&'static str],
    usr_bin: &'static [&'static str],
}

// Alpine's busybox package installs its applets under /bin and /usr/bin
// (aports main/busybox busybox.links); the modelled ones are mapped to their Util.
const ALPINE_LAYOUT: AppletLayout = AppletLayout {
    bin: &[
        "arch", "ash", "base64", "busybox", "cat", "chgrp", "chmod", "chown", "cp", "date", "dd",
        "df", "dmesg", "echo", "egrep", "false", "fgrep", "getopt", "grep", "gunzip", "gzip",
        "hostname", "kill", "link", "ln", "login", "ls", "mkdir", "mknod", "mktemp", "more",
        "mount", "mv", "netstat", "nice", "pidof", "ping", "ping6", "ps", "pwd", "rm", "rmdir",
        "sed", "sh", "sleep", "stat", "stty", "su", "sync", "tar", "touch", "true", "umount",
        "uname", "usleep", "watch", "zcat",
    ],
    usr_bin: &[
        "[",
        "[[",
        "awk",
        "basename",
        "cut",
        "dirname",
        "du",
        "env",
        "expr",
        "find",
        "free",
        "head",
        "id",
        "less",
        "md5sum",
        "nc",
        "nslookup",
        "printf",
        "seq",
        "sha256sum",
        "sort",
        "tail",
        "tee",
        "test",
        "time",
        "timeout",
        "top",
        "tr",
        "uniq",
        "uptime",
        "wc",
        "wget",
        "which",
        "whoami",
        "xargs",
        "yes",
    ],
};

// The busybox image links every applet into /bin (docker-library/busybox).
const BUSYBOX_IMAGE_LAYOUT: AppletLayout = AppletLayout {
    bin: &[
        "[",
        "[[",
        "arch",
        "ash",
        "awk",
        "base64",
        "basename",
        "busybox",
        "cat",
        "chgrp",
        "chmod",
        "chown",
        "cp",
        "cut",
        "date",
        "dd",
        "df",
        "dirname",
        "dmesg",
        "du",
        "echo",
        "env",
        "expr",
        "false",
        "find",
        "free",
        "getopt",
        "grep",
        "gunzip",
        "gzip",
        "head",
        "hostname",
        "id",
        "kill",
        "less",
        "ln",
        "ls",
        "md5sum",
        "mkdir",
        "mktemp",
        "more",
        "mount",
        "mv",
        "nc",
        "netstat",
        "nslookup",
        "pidof",
        "ping",
        "printf",
        "ps",
        "pwd",
        "rm",
        "rmdir",
        "sed",
        "seq",
        "sh",
        "sha256sum",
        "sleep",
        "sort",
        "stat",
        "tail",
        "tar",
        "tee",
        "test",
        "time",
        "timeout",
        "top",
        "touch",
        "tr",
        "true",
        "umount",
        "uname",
        "uniq",
        "uptime",
        "usleep",
        "wc",
        "wget",
        "which",
        "whoami",
        "xargs",
        "yes",
        "zcat",
    ],
    usr_bin: &[],
};

fn busybox_applet(dir: &str, name: &str, layout: AppletLayout) -> Option<Program> {
    let present = match dir {
        "/bin" => layout.bin.contains(&name),
        "/usr/bin" => layout.usr_bin.contains(&name),
        _ => false,
    };
    if !present {
        return None;
    }
    Some(match Util::from_name(name) {
        Some(util) => Program::Util(util, Flavor::Busybox),
        None => Program::Unmodelled,
    })
}

// Debian bookworm / Ubuntu jammy base: coreutils, dash, bash, hostname, grep, sed... all in
// /usr/bin after the /usr merge.
const GNU_USR_BIN: &[&str] = &[
    "[",
    "awk",
    "base64",
    "basename",
    "bash",
    "cat",
    "chgrp",
    "chmod",
    "chown",
    "cp",
    "cut",
    "dash",
    "date",
    "dd",
    "df",
    "dirname",
    "du",
    "echo",
    "env",
    "expr",
    "false",
    "find",
    "grep",
    "gzip",
    "head",
    "hostname",
    "id",
    "kill",
    "ln",
    "ls",
    "md5sum",
    "mkdir",
    "mktemp",
    "mv",
    "nice",
    "printf",
    "ps",
    "pwd",
    "readlink",
    "realpath",
    "rm",
    "rmdir",
    "sed",
    "seq",
    "sh",
    "sha256sum",
    "sleep",
    "sort",
    "stat",
    "tail",
    "tar",
    "tee",
    "test",
    "timeout",
    "touch",
    "tr",
    "true",
    "uname",
    "uniq",
    "wc",
    "which",
    "whoami",
    "xargs",
    "yes",
];

fn gnu_tool(dir: &str, name: &str) -> Option<Program> {
    if dir != "/usr/bin" || !GNU_USR_BIN.contains(&name) {
        return None;
    }
    Some(match Util::from_name(name) {
        Some(util) => Program::Util(util, Flavor::Gnu),
        None => Program::Unmodelled,
    })
}

fn valid_path(path: &str) -> bool {
    // distribution/reference: lower-case alphanumeric components joined by [._-] and '/'.
    !path.is_empty()
        && path.split('/').all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
                && c.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        })
}

fn valid_tag(tag: &str) -> bool {
    // distribution/reference: [\w][\w.-]{0,127}
    !tag.is_empty()
        && tag.len() <= 128
        && tag
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

fn valid_digest(digest: &str) -> bool {
    match digest.split_once(':') {
        Some((alg, hex)) => {
            !alg.is_empty()
                && alg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+._-".contains(&b))
                && hex.len() >= 32
                && hex.bytes().all(|b| b.is_ascii_hexdigit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_sample_references() {
        use HelloworldVersion::*;
        let cases = [
            (
                "docker.io/istio/examples-helloworld-v1:1.0",
                Some(ImageKind::Helloworld(V1)),
            ),
            (
                "istio/examples-helloworld-v2",
                Some(ImageKind::Helloworld(V2)),
            ),
            (
                "registry.istio.io/release/examples-helloworld-v2:1.0",
                Some(ImageKind::Helloworld(V2)),
            ),
            (
                "curlimages/curl",
                Some(ImageKind::Curl(CurlVersion::MODELLED)),
            ),
            (
                "docker.io/curlimages/curl:8.5.0",
                Some(ImageKind::Curl(CurlVersion {
                    major: 8,
                    minor: 5,
                    patch: 0,
                })),
            ),
            ("docker.io/kong/httpbin", Some(ImageKind::KongHttpbin)),
            (
                "docker.io/mccutchen/go-httpbin:v2.15.0",
                Some(ImageKind::GoHttpbin),
            ),
            ("ghcr.io/mccutchen/go-httpbin", Some(ImageKind::GoHttpbin)),
            ("busybox:1.36", Some(ImageKind::Busybox)),
            ("docker.io/library/busybox", Some(ImageKind::Busybox)),
            ("registry.k8s.io/pause:3.10", Some(ImageKind::Pause)),
            (
                "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                Some(ImageKind::Busybox),
            ),
            ("docker.io/istio/proxyv2:1.28.0", None),
            ("quay.io/kong/httpbin", None),
            ("Busybox", None),
            ("busybox:", None),
            ("", None),
        ];
        for (reference, want) in cases {
            assert_eq!(ImageKind::from_reference(reference), want, "{reference}");
        }
    }

    #[test]
    fn executables_follow_the_image() {
        let curl = ImageKind::Curl(CurlVersion::MODELLED);
        assert!(matches!(
            curl.program_at("/usr/bin/curl"),
            Some(Program::Curl(_))
        ));
        assert!(matches!(
            curl.program_at("/bin/sleep"),
            Some(Program::Util(Util::Sleep, Flavor::Busybox))
        ));
        assert_eq!(curl.program_at("/usr/bin/sleep"), None);
        assert_eq!(curl.program_at("/bin/sh"), Some(Program::Unmodelled));
        let hello = ImageKind::Helloworld(HelloworldVersion::V1);
        assert!(matches!(
            hello.program_at("/bin/sleep"),
            Some(Program::Util(Util::Sleep, Flavor::Gnu))
        ));
        assert!(matches!(
            hello.program_at("/usr/bin/curl"),
            Some(Program::Curl(_))
        ));
        assert_eq!(ImageKind::GoHttpbin.program_at("/bin/sh"), None);
        assert_eq!(ImageKind::KongHttpbin.program_at("/usr/bin/curl"), None);
        assert_eq!(ImageKind::Busybox.program_at("/usr/bin/env"), None);
    }
}
