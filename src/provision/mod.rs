//! Provisioning inputs for real clusters: the pinned versions of kind, its node images, istioctl,
//! the Gateway API CRDs and MetalLB, and verified, cached downloads of them.
//!
//! - [`pins`]: what is used, with sha256 values from upstream sources (cited per entry).
//! - [`download`]: fetches an [`Artifact`] into the cache (`$HARNESS_CACHE_DIR`, else the XDG
//!   cache), always verified by sha256, never leaving a partial file behind.
//! - [`tools`]: finds `kind` and `istioctl` on PATH when suitable, else downloads them.
//!
//! Nothing here talks to a cluster; the kind backend builds on these.

pub(crate) mod download;
pub(crate) mod pins;
#[cfg(test)]
pub(crate) mod testkit;
pub(crate) mod tools;

pub(crate) use download::{Artifact, DownloadError, Downloader, default_cache_dir};
pub(crate) use pins::{IstioPin, KubeMinor, NodeImage, Platform, UnsupportedPlatform};
pub(crate) use tools::{ToolError, ToolResolver};
