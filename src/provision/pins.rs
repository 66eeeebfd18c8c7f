//! The versions of everything a real cluster is built from, pinned with their checksums.
//!
//! A nightly run must be reproducible: the same harness commit has to create the same cluster
//! tomorrow, so every download is named by an exact version and verified by a sha256 that was
//! read from a source other than the download server. Every sha256 below was found published
//! upstream or pinned by another project (the source is cited next to it) and, where possible,
//! cross-checked against a second one. A version without such a value would use
//! [`Checksum::Published`] (the checksum file upstream publishes next to the asset) and say so.
//!
//! To bump a pin, change the version and its checksums together, and cite where they came from.

use std::fmt;

use super::download::{Archive, Artifact, Checksum};

/// An operating system the pinned tools are published for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Os {
    Linux,
    Darwin,
}

impl Os {
    /// The name in kind's and Gateway API's asset names (`linux`, `darwin`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Os::Linux => "linux",
            Os::Darwin => "darwin",
        }
    }

    /// The name in Istio's asset names: Istio says `osx` for macOS
    /// (istio/istio `release/downloadIstioCandidate.sh`, `OSEXT="osx"`).
    pub(crate) fn istio_name(self) -> &'static str {
        match self {
            Os::Linux => "linux",
            Os::Darwin => "osx",
        }
    }
}

/// A CPU architecture the pinned tools are published for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Arch {
    Amd64,
    Arm64,
}

impl Arch {
    /// The Go name used in every asset name (`amd64`, `arm64`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Arch::Amd64 => "amd64",
            Arch::Arm64 => "arm64",
        }
    }
}

/// The platform a binary is downloaded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Platform {
    pub os: Os,
    pub arch: Arch,
}

/// The machine is not one the tools are published for.
#[derive(Debug, thiserror::Error)]
#[error(
    "unsupported platform {os}/{arch}: kind and istioctl are pinned for linux and macOS on \
     x86_64 and aarch64 only; install kind and istioctl yourself and put them on PATH"
)]
pub struct UnsupportedPlatform {
    pub os: String,
    pub arch: String,
}

impl Platform {
    /// The platform this process runs on.
    pub(crate) fn current() -> Result<Self, UnsupportedPlatform> {
        Self::from_rust(std::env::consts::OS, std::env::consts::ARCH)
    }

    /// Maps Rust's `std::env::consts::{OS, ARCH}` names to the Go names assets use.
    pub(crate) fn from_rust(os: &str, arch: &str) -> Result<Self, UnsupportedPlatform> {
        let unsupported = || UnsupportedPlatform {
            os: os.to_owned(),
            arch: arch.to_owned(),
        };
        let os = match os {
            "linux" => Os::Linux,
            "macos" => Os::Darwin,
            _ => return Err(unsupported()),
        };
        let arch = match arch {
            "x86_64" => Arch::Amd64,
            "aarch64" => Arch::Arm64,
            _ => return Err(unsupported()),
        };
        Ok(Self { os, arch })
    }

    /// The cache directory component, `<os>-<arch>`.
    pub(crate) fn dir_name(self) -> String {
        format!("{}-{}", self.os.as_str(), self.arch.as_str())
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os.as_str(), self.arch.as_str())
    }
}

/// A sha256 per platform.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlatformSha256 {
    pub os: Os,
    pub arch: Arch,
    pub sha256: &'static str,
}

fn sha_for(table: &[PlatformSha256], platform: Platform) -> Option<&'static str> {
    table
        .iter()
        .find(|p| p.os == platform.os && p.arch == platform.arch)
        .map(|p| p.sha256)
}

/// A Kubernetes minor version, e.g. 1.33.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct KubeMinor {
    pub major: u32,
    pub minor: u32,
}

impl KubeMinor {
    pub(crate) const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }

    /// Parses `1.33`, `v1.33` or `1.33.4` (the patch is ignored).
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let mut parts = s.trim().trim_start_matches('v').split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(Self { major, minor })
    }
}

impl fmt::Display for KubeMinor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The kind binary pinned for provisioning.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KindPin {
    /// The release tag, e.g. `v0.30.0`.
    pub version: &'static str,
    /// sha256 of `kind-<os>-<arch>` per platform.
    pub binaries: &'static [PlatformSha256],
}

/// kind v0.30.0 (2025-08-27). The sha256 values are the ones kind publishes as
/// `kind-<os>-<arch>.sha256sum` (`hack/release/build/cross.sh`: `shasum -a 256 "$f" > "$f".sha256sum`),
/// as pinned in cert-manager/makefile-modules `modules/tools/00_mod.mk` (commit 99b162a,
/// "kind=v0.30.0"); linux/amd64 and linux/arm64 also match several independent install scripts.
pub(crate) const KIND: KindPin = KindPin {
    version: "v0.30.0",
    binaries: &[
        PlatformSha256 {
            os: Os::Linux,
            arch: Arch::Amd64,
            sha256: "517ab7fc89ddeed5fa65abf71530d90648d9638ef0c4cde22c2c11f8097b8889",
        },
        PlatformSha256 {
            os: Os::Linux,
            arch: Arch::Arm64,
            sha256: "7ea2de9d2d190022ed4a8a4e3ac0636c8a455e460b9a13ccf19f15d07f4f00eb",
        },
        PlatformSha256 {
            os: Os::Darwin,
            arch: Arch::Amd64,
            sha256: "4f0b6e3b88bdc66d922c08469f05ef507d4903dd236e6319199bb9c868eed274",
        },
        PlatformSha256 {
            os: Os::Darwin,
            arch: Arch::Arm64,
            sha256: "ceaf40df1d1551c481fb50e3deb5c3deecad5fd599df5469626b70ddf52a1518",
        },
    ],
};

/// The oldest kind accepted from PATH: node images built for a kind release are only
/// guaranteed to work with that release or newer (kind release notes, "Images pre-built for
/// this release"), and the newest images below were built for [`KIND`].
pub(crate) const KIND_MIN_VERSION: &str = KIND.version;

/// A `kindest/node` image for one Kubernetes minor, pinned by digest.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NodeImage {
    pub minor: KubeMinor,
    /// `kindest/node:<version>@sha256:<digest>`, as listed in the kind release notes.
    pub image: &'static str,
}

/// Node images per Kubernetes minor, newest first.
///
/// 1.31-1.34: kind v0.30.0 release notes (1.34.0 is also `pkg/apis/config/defaults/image.go` at
/// tag v0.30.0). 1.30: kind v0.29.0 release notes (v0.30.0 ships no 1.30 image). 1.29: kind
/// v0.27.0 release notes (the last release with a 1.29 image). The same digests appear in many
/// pinned configurations (e.g. the "Pre-built images for Kind v0.30/v0.29/v0.27" tables that
/// projects copy from the release pages).
pub(crate) const NODE_IMAGES: &[NodeImage] = &[
    NodeImage {
        minor: KubeMinor::new(1, 34),
        image: "kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a",
    },
    NodeImage {
        minor: KubeMinor::new(1, 33),
        image: "kindest/node:v1.33.4@sha256:25a6018e48dfcaee478f4a59af81157a437f15e6e140bf103f85a2e7cd0cbbf2",
    },
    NodeImage {
        minor: KubeMinor::new(1, 32),
        image: "kindest/node:v1.32.8@sha256:abd489f042d2b644e2d033f5c2d900bc707798d075e8186cb65e3f1367a9d5a1",
    },
    NodeImage {
        minor: KubeMinor::new(1, 31),
        image: "kindest/node:v1.31.12@sha256:0f5cc49c5e73c0c2bb6e2df56e7df189240d83cf94edfa30946482eb08ec57d2",
    },
    NodeImage {
        minor: KubeMinor::new(1, 30),
        image: "kindest/node:v1.30.13@sha256:397209b3d947d154f6641f2d0ce8d473732bd91c87d9575ade99049aa33cd648",
    },
    NodeImage {
        minor: KubeMinor::new(1, 29),
        image: "kindest/node:v1.29.14@sha256:8703bd94ee24e51b778d5556ae310c6c0fa67d761fae6379c8e0bb480e6fea29",
    },
];

/// The node image for a Kubernetes minor, if one is pinned.
pub(crate) fn node_image(minor: KubeMinor) -> Option<&'static NodeImage> {
    NODE_IMAGES.iter().find(|n| n.minor == minor)
}

/// An inclusive range of Kubernetes minors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KubeRange {
    pub min: KubeMinor,
    pub max: KubeMinor,
}

impl KubeRange {
    pub(crate) fn contains(&self, minor: KubeMinor) -> bool {
        self.min <= minor && minor <= self.max
    }
}

/// One Istio release: its istioctl download and what it is paired with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IstioPin {
    /// The exact patch release, e.g. `1.27.3`.
    pub version: &'static str,
    /// The `sigs.k8s.io/gateway-api` version in this release's go.mod, the CRDs it is built and
    /// tested against (istio-facts.md section 6; istio/istio go.mod at the tag).
    pub gateway_api: &'static str,
    /// The Kubernetes minors istio.io's support matrix lists for this minor
    /// (istio.io "Supported Releases", as mirrored by endoflife.date `products/istio.md`).
    pub kubernetes: KubeRange,
    /// sha256 of the release archive `istio-<v>-<os>-<arch>.tar.gz` per platform.
    pub archives: &'static [PlatformSha256],
}

/// Istio releases, one patch per minor, oldest first.
///
/// istioctl is taken from the full release archive `istio-<v>-<osx|linux>-<arch>.tar.gz`
/// (entry `istio-<v>/bin/istioctl`) rather than the smaller `istioctl-<v>-…tar.gz`, because
/// that is the archive whose sha256 values are pinned independently: cert-manager/makefile-modules
/// `modules/tools/00_mod.mk`, which downloads exactly that archive and entry, at the commits
/// named per entry. The patch chosen per minor is the one that file pinned.
pub(crate) const ISTIO: &[IstioPin] = &[
    // makefile-modules e9cbfe7 ("istioctl=1.24.0").
    IstioPin {
        version: "1.24.0",
        gateway_api: "v1.2.0",
        kubernetes: KubeRange {
            min: KubeMinor::new(1, 28),
            max: KubeMinor::new(1, 31),
        },
        archives: &[
            PlatformSha256 {
                os: Os::Linux,
                arch: Arch::Amd64,
                sha256: "b6a07dfb3112f24b174c92bb23b71ba2373114d04e70f079b45cf7c46943ca7e",
            },
            PlatformSha256 {
                os: Os::Linux,
                arch: Arch::Arm64,
                sha256: "25b44d36f91337545cddd342e4ccc5686dd8f283916d4eaf0d9efdfe84bd057f",
            },
            PlatformSha256 {
                os: Os::Darwin,
                arch: Arch::Amd64,
                sha256: "00b0f321c1e300465a10584e6f4ffa362ff4b11ee655e94dd8985d61c808a16f",
            },
            PlatformSha256 {
                os: Os::Darwin,
                arch: Arch::Arm64,
                sha256: "21ece4d2882decccc2ed3f14df078f1fc9fccc3048a7e65371a84d7aabce1912",
            },
        ],
    },
    // makefile-modules b0f1d46 ("istioctl=1.25.1").
    IstioPin {
        version: "1.25.1",
        gateway_api: "v1.2.1",
        kubernetes: KubeRange {
            min: KubeMinor::new(1, 29),
            max: KubeMinor::new(1, 32),
        },
        archives: &[
            PlatformSha256 {
                os: Os::Linux,
                arch: Arch::Amd64,
                sha256: "dcdd18d94e398b49221c33d723a2d0bf2d022e795655dd7ce22b8b98a8982a8c",
            },
            PlatformSha256 {
                os: Os::Linux,
                arch: Arch::Arm64,
                sha256: "aec291d524239822779abc1ec53f141740d693b5a125599e8d6a92c0d443559f",
            },
            PlatformSha256 {
                os: Os::Darwin,
                arch: Arch::Amd64,
                sha256: "fc2424008654bc2172ebe7646d5af68fd511b0a049f92216b1859d8a0b62d36d",
            },
            PlatformSha256 {
                os: Os::Darwin,
                arch: Arch::Arm64,
                sha256: "503e3af5d9d713b464dd33ca3308f52843e835804e55a2da8b30f1959b5bb45c",
            },
        ],
    },
    // makefile-modules 9c0b850 ("istioctl=1.26.3").
    IstioPin {
        version: "1.26.3",
        gateway_api: "v1.3.0",
        kubernetes: KubeRange {
            min: KubeMinor::new(1, 29),
            max: KubeMinor::new(1, 33),
        },
        archives: &[
            PlatformSha256 {
                os: Os::Linux,
                arch: Arch::Amd64,
                sha256: "9e06c5d947a66f2765ed5cf1a1a63b4e92542173a2cf0240387938bcd5b6b19f",
            },
            PlatformSha256 {
                os: Os::Linux,
                arch: Arch::Arm64,
                sha256: "5b772c5b9282658fe4f6a23af0892ec92c1c7425b1e419d6d37f5bfccf202fe2",
            },
            PlatformSha256 {
                os: Os::Darwin,
                arch: Arch::Amd64,
                sha256: "d89283b99a42f620e2d6f321cbfff7222baf89119225a31a0d810427536b385d",
            },
            PlatformSha256 {
                os: Os::Darwin,
                arch: Arch::Arm64,
                sha256: "530343166336641d4f95286b71267b191ca660132a15942781f616cf5d762fa0",
            },
        ],
    },
    // makefile-modules ce0306b ("istioctl=1.27.3").
    IstioPin {
        version: "1.27.3",
        gateway_api: "v1.3.0",
        kubernetes: KubeRange {
            min: KubeMinor::new(1, 29),
            max: KubeMinor::new(1, 33),
        },
        archives: &[
            PlatformSha256 {
                os: Os::Linux,
                arch: Arch::Amd64,
                sha256: "55670d7472548b71e495ebc1184e8d90bcc34f7897d7e570c57a33fa5e6eb25d",
            },
            PlatformSha256 {
                os: Os::Linux,
                arch: Arch::Arm64,
                sha256: "1ff44e1b90e3fa432bada81e566fd3282878be8f1dd88f82c0221a5b56480d63",
            },
            PlatformSha256 {
                os: Os::Darwin,
                arch: Arch::Amd64,
                sha256: "ec1064b244f1ff8601053545469fd2bfecdda7de65ec0fa04e0e760c4c40fbe0",
            },
            PlatformSha256 {
                os: Os::Darwin,
                arch: Arch::Arm64,
                sha256: "6b51382defc02ad460c12052e3214e1f9763ff3a7bb73694ec032f5260842dd3",
            },
        ],
    },
    // makefile-modules c2806b1 ("istioctl=1.28.3").
    IstioPin {
        version: "1.28.3",
        gateway_api: "v1.4.0",
        kubernetes: KubeRange {
            min: KubeMinor::new(1, 30),
            max: KubeMinor::new(1, 34),
        },
        archives: &[
            PlatformSha256 {
                os: Os::Linux,
                arch: Arch::Amd64,
                sha256: "48d8bbe5879b121d47a553d5fbe55c19d53cfaecaa0634c86366da72ced38ac2",
            },
            PlatformSha256 {
                os: Os::Linux,
                arch: Arch::Arm64,
                sha256: "6e364e372d99886631e6f841c314d13abd549a7c5be1f89417c13f0dd6fbc4a1",
            },
            PlatformSha256 {
                os: Os::Darwin,
                arch: Arch::Amd64,
                sha256: "028a6d8d0c054c87ceefc47e8269a71136f26e9221339e471b73da5dde1d6929",
            },
            PlatformSha256 {
                os: Os::Darwin,
                arch: Arch::Arm64,
                sha256: "748da8498069348065611a7b38132e3f43cd4851b8b8f35c59531f38de944410",
            },
        ],
    },
];

/// The pinned release for an exact Istio version (`1.27.3`) or a minor (`1.27`).
pub(crate) fn istio(version: &str) -> Option<&'static IstioPin> {
    let version = version.trim().trim_start_matches('v');
    ISTIO.iter().find(|p| {
        p.version == version
            || p.version
                .rsplit_once('.')
                .is_some_and(|(minor, _)| minor == version)
    })
}

/// The Gateway API `standard-install.yaml` release asset, pinned per version.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GatewayApiPin {
    pub version: &'static str,
    pub standard_install_sha256: &'static str,
}

/// sha256 of `standard-install.yaml` per release: kubernetes-sigs/kubespray
/// `roles/kubespray_defaults/vars/main/checksums.yml` (`gateway_api_standard_crds_checksums`).
/// Each value was also reproduced here by running the tag's own `hack/build-install-yaml.sh`
/// with the release year. Gateway API publishes no checksum file for these assets, and it has
/// rewritten a release asset before (v1.4.1, kubespray PR #13006), so only pinned values work.
pub(crate) const GATEWAY_API: &[GatewayApiPin] = &[
    GatewayApiPin {
        version: "v1.2.0",
        standard_install_sha256: "38ed055bb25dc580c0366899c0bed9b9e92dfcd1c180a569133f3946026cf102",
    },
    GatewayApiPin {
        version: "v1.2.1",
        standard_install_sha256: "97598bf6ab3b33b9b5c5432bdd24de091e4e9c3aa0575ebb0710a2a19cd64d64",
    },
    GatewayApiPin {
        version: "v1.3.0",
        standard_install_sha256: "78796d5c51450fc55d8dc8092ba8137f8c807982d7508d7875d5c537a24082b9",
    },
    GatewayApiPin {
        version: "v1.4.0",
        standard_install_sha256: "6a4029e661446d64add866a00ecdc40c14219b68777ab614c5cdaac0adb481f1",
    },
];

/// The pinned Gateway API release, if there is one.
pub(crate) fn gateway_api(version: &str) -> Option<&'static GatewayApiPin> {
    GATEWAY_API.iter().find(|p| p.version == version)
}

/// The MetalLB native (L2, no FRR) manifest at a release tag.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MetalLbPin {
    pub version: &'static str,
    pub manifest_sha256: &'static str,
    /// The images the manifest deploys, to pre-load into kind nodes.
    pub images: &'static [&'static str],
}

/// MetalLB v0.15.2: the sha256 of the git blob `config/manifests/metallb-native.yaml` at tag
/// v0.15.2 of metallb/metallb (raw.githubusercontent.com serves the blob as is), the same value
/// another project records as that URL's "Upstream SHA-256"; images from that file's `image:`.
pub(crate) const METALLB: MetalLbPin = MetalLbPin {
    version: "v0.15.2",
    manifest_sha256: "a1b04c376fb39c93265f551fe23716a3ae6e09b790edb3bf257d3fc784c35a18",
    images: &[
        "quay.io/metallb/controller:v0.15.2",
        "quay.io/metallb/speaker:v0.15.2",
    ],
};

/// The pinned kind binary for a platform.
pub(crate) fn kind_artifact(platform: Platform) -> Artifact {
    kind_artifact_at(
        "https://github.com/kubernetes-sigs/kind/releases/download",
        KIND.version,
        platform,
    )
}

/// kind `version` from a release mirror at `base` (`<base>/<version>/kind-<os>-<arch>`).
/// Verified by the pinned sha256 when `version` is [`KIND`]'s, otherwise by the published
/// `kind-<os>-<arch>.sha256sum` next to it.
pub(crate) fn kind_artifact_at(base: &str, version: &str, platform: Platform) -> Artifact {
    let asset = format!("kind-{}-{}", platform.os.as_str(), platform.arch.as_str());
    let url = format!("{}/{version}/{asset}", base.trim_end_matches('/'));
    let checksum = match sha_for(KIND.binaries, platform) {
        Some(sha) if version == KIND.version => Checksum::Sha256(sha.into()),
        _ => Checksum::Published {
            url: format!("{url}.sha256sum"),
        },
    };
    Artifact {
        name: "kind".into(),
        version: version.into(),
        platform: Some(platform),
        url,
        checksum,
        file_name: "kind".into(),
        executable: true,
        archive: None,
    }
}

/// istioctl `version` for a platform, from the Istio release archive.
pub(crate) fn istioctl_artifact(version: &str, platform: Platform) -> Artifact {
    istioctl_artifact_at(
        "https://github.com/istio/istio/releases/download",
        version,
        platform,
    )
}

/// istioctl `version` from a release mirror at `base`
/// (`<base>/<v>/istio-<v>-<os>-<arch>.tar.gz`). Verified by the pinned sha256 when the exact
/// version is in [`ISTIO`], otherwise by Istio's published `<asset>.sha256` next to it.
pub(crate) fn istioctl_artifact_at(base: &str, version: &str, platform: Platform) -> Artifact {
    let version = version.trim().trim_start_matches('v');
    let asset = format!(
        "istio-{version}-{}-{}.tar.gz",
        platform.os.istio_name(),
        platform.arch.as_str()
    );
    let url = format!("{}/{version}/{asset}", base.trim_end_matches('/'));
    let pinned = ISTIO
        .iter()
        .find(|p| p.version == version)
        .and_then(|p| sha_for(p.archives, platform));
    let checksum = match pinned {
        Some(sha) => Checksum::Sha256(sha.into()),
        None => Checksum::Published {
            url: format!("{url}.sha256"),
        },
    };
    Artifact {
        name: "istioctl".into(),
        version: version.into(),
        platform: Some(platform),
        url,
        checksum,
        file_name: "istioctl".into(),
        executable: true,
        archive: Some(Archive::TarGz {
            member: format!("istio-{version}/bin/istioctl"),
        }),
    }
}

/// Gateway API `standard-install.yaml` for a pinned version, or `None` when the version is not
/// pinned (upstream publishes no checksum to verify it by).
pub(crate) fn gateway_api_artifact(version: &str) -> Option<Artifact> {
    let pin = gateway_api(version)?;
    Some(Artifact {
        name: "gateway-api".into(),
        version: pin.version.into(),
        platform: None,
        url: format!(
            "https://github.com/kubernetes-sigs/gateway-api/releases/download/{}/standard-install.yaml",
            pin.version
        ),
        checksum: Checksum::Sha256(pin.standard_install_sha256.into()),
        file_name: "standard-install.yaml".into(),
        executable: false,
        archive: None,
    })
}

/// The pinned MetalLB native manifest.
pub(crate) fn metallb_artifact() -> Artifact {
    Artifact {
        name: "metallb".into(),
        version: METALLB.version.into(),
        platform: None,
        url: format!(
            "https://raw.githubusercontent.com/metallb/metallb/{}/config/manifests/metallb-native.yaml",
            METALLB.version
        ),
        checksum: Checksum::Sha256(METALLB.manifest_sha256.into()),
        file_name: "metallb-native.yaml".into(),
        executable: false,
        archive: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_sha256(s: &str) -> bool {
        s.len() == 64
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }

    #[test]
    fn platform_maps_rust_names_and_rejects_others() {
        let p = Platform::from_rust("macos", "aarch64").expect("supported");
        assert_eq!((p.os, p.arch), (Os::Darwin, Arch::Arm64));
        assert_eq!(p.dir_name(), "darwin-arm64");
        let err = Platform::from_rust("windows", "x86_64").expect_err("unsupported");
        assert!(err.to_string().contains("put them on PATH"), "{err}");
        assert!(Platform::from_rust("linux", "riscv64").is_err());
    }

    #[test]
    fn every_pinned_value_is_a_lowercase_sha256() {
        let mut all: Vec<&str> = KIND.binaries.iter().map(|p| p.sha256).collect();
        all.extend(
            ISTIO
                .iter()
                .flat_map(|i| i.archives.iter().map(|p| p.sha256)),
        );
        all.extend(GATEWAY_API.iter().map(|g| g.standard_install_sha256));
        all.push(METALLB.manifest_sha256);
        for n in NODE_IMAGES {
            let (_, digest) = n.image.split_once("@sha256:").expect("digest");
            all.push(digest);
            let tag = n
                .image
                .strip_prefix("kindest/node:")
                .and_then(|t| t.split_once('@'));
            let (kubernetes, _) = tag.expect("kindest/node:<version>@sha256:<digest>");
            assert_eq!(KubeMinor::parse(kubernetes), Some(n.minor));
        }
        for s in all {
            assert!(is_sha256(s), "{s}");
        }
    }

    #[test]
    fn every_platform_is_pinned_for_kind_and_each_istio() {
        for os in [Os::Linux, Os::Darwin] {
            for arch in [Arch::Amd64, Arch::Arm64] {
                let p = Platform { os, arch };
                assert!(matches!(kind_artifact(p).checksum, Checksum::Sha256(_)));
                for i in ISTIO {
                    let a = istioctl_artifact(i.version, p);
                    assert!(matches!(a.checksum, Checksum::Sha256(_)), "{}", a.url);
                }
            }
        }
    }

    #[test]
    fn istio_pairs_with_a_pinned_gateway_api_and_pinned_node_images() {
        for i in ISTIO {
            assert!(
                gateway_api_artifact(i.gateway_api).is_some(),
                "{}",
                i.version
            );
            // At least the newest supported minor that kind has an image for.
            assert!(
                NODE_IMAGES.iter().any(|n| i.kubernetes.contains(n.minor)),
                "{}",
                i.version
            );
        }
        for m in 29..=33 {
            assert!(node_image(KubeMinor::new(1, m)).is_some(), "1.{m}");
        }
    }

    #[test]
    fn istio_lookup_by_patch_or_minor() {
        assert_eq!(istio("1.27").map(|p| p.version), Some("1.27.3"));
        assert_eq!(istio("1.28.3").map(|p| p.gateway_api), Some("v1.4.0"));
        assert!(istio("1.23").is_none());
        assert!(istio("1.2").is_none());
    }

    #[test]
    fn urls_follow_upstream_asset_names() {
        let mac = Platform {
            os: Os::Darwin,
            arch: Arch::Amd64,
        };
        assert_eq!(
            istioctl_artifact("1.27.3", mac).url,
            "https://github.com/istio/istio/releases/download/1.27.3/istio-1.27.3-osx-amd64.tar.gz"
        );
        assert_eq!(
            kind_artifact(mac).url,
            "https://github.com/kubernetes-sigs/kind/releases/download/v0.30.0/kind-darwin-amd64"
        );
        // An unpinned version falls back to the checksum file Istio publishes next to it.
        match istioctl_artifact("1.27.9", mac).checksum {
            Checksum::Published { url } => assert!(url.ends_with("osx-amd64.tar.gz.sha256")),
            other => panic!("{other:?}"),
        }
        match kind_artifact_at("https://mirror.example/kind", "v0.31.0", mac).checksum {
            Checksum::Published { url } => {
                assert_eq!(
                    url,
                    "https://mirror.example/kind/v0.31.0/kind-darwin-amd64.sha256sum"
                )
            }
            other => panic!("{other:?}"),
        }
    }
}
