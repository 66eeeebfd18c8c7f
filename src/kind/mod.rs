//! The `--cluster kind` path: the kind and istioctl command lines, the kind cluster config, the
//! MetalLB pool, and the runner that executes them.
//!
//! Nothing here talks to Docker or a cluster directly; every action is an external tool run
//! through [`command::ToolCommand`] (argv only, explicit environment, isolated kubeconfig), so
//! the exact command lines are tested with recording stand-ins on machines without kind.
//!
//! The nightly CI (`ci/nightly.sh`, `.github/workflows/nightly.yml`) is checked against the
//! lists below by this module's tests.

pub(crate) mod cluster;
pub(crate) mod command;
pub(crate) mod config;
pub(crate) mod istioctl;
pub(crate) mod metallb;
#[cfg(test)]
mod testutil;

pub(crate) use cluster::{CreateOptions, Kind, KindCluster, KindError, Teardown};
pub(crate) use istioctl::{Istioctl, IstioctlError};

/// Istio minors the nightly workflow runs against, one matrix job each (1.24-1.28). The exact
/// patch release is the harness's pin for that minor (`provision::pins::ISTIO`), so bumping a pin
/// needs no CI change. Keep `.github/workflows/nightly.yml` equal to this; a test checks it.
#[cfg(test)]
pub(crate) const NIGHTLY_ISTIO_VERSIONS: &[&str] = &["1.24", "1.25", "1.26", "1.27", "1.28"];

/// The `harness run scenarios` flags `ci/nightly.sh` passes; a test fails if the script uses
/// another one, so a renamed flag breaks the build rather than the nightly run.
#[cfg(test)]
pub(crate) const NIGHTLY_HARNESS_FLAGS: &[&str] =
    &["--cluster", "--istio", "--junit", "--json", "--artifacts"];

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    /// The repository root, found from this file's path: `file!()` is relative to the package
    /// root in the real crate, and absolute when the module is compiled from another crate with
    /// `#[path]` (a scratch build), where `CARGO_MANIFEST_DIR` is that other crate.
    fn repo_root() -> PathBuf {
        let file = Path::new(file!());
        let this = if file.is_absolute() {
            file.to_path_buf()
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(file)
        };
        this.ancestors()
            .nth(3)
            .map(PathBuf::from)
            .unwrap_or_else(|| panic!("{} has no repository root", this.display()))
    }

    fn read(rel: &str) -> String {
        let path = repo_root().join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn workflow_matrix_matches_the_exported_versions() {
        let text = read(".github/workflows/nightly.yml");
        let workflow: serde_json::Value = serde_saphyr::from_str(&text).expect("workflow YAML");
        let on = &workflow["on"];
        assert!(on.get("schedule").is_some(), "nightly schedule");
        assert!(on.get("workflow_dispatch").is_some(), "manual trigger");
        let jobs = workflow["jobs"].as_object().expect("jobs");
        let mut seen = 0;
        for (name, job) in jobs {
            let Some(matrix) = job.pointer("/strategy/matrix/istio") else {
                continue;
            };
            seen += 1;
            let versions: Vec<&str> = matrix
                .as_array()
                .unwrap_or_else(|| panic!("job {name}: matrix.istio is a list"))
                .iter()
                .map(|v| {
                    v.as_str().unwrap_or_else(|| {
                        panic!("job {name}: quote {v} so YAML keeps it a string")
                    })
                })
                .collect();
            assert_eq!(versions, NIGHTLY_ISTIO_VERSIONS, "job {name}");
            let steps = job["steps"].as_array().expect("steps");
            let runs_script = steps.iter().any(|s| {
                s["run"]
                    .as_str()
                    .is_some_and(|r| r.contains("ci/nightly.sh"))
            });
            assert!(runs_script, "job {name} calls ci/nightly.sh");
            let uploads_always = steps.iter().any(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
                    && s["if"].as_str().is_some_and(|c| c.contains("always()"))
            });
            assert!(
                uploads_always,
                "job {name} uploads artifacts even on failure"
            );
        }
        assert_eq!(seen, 1, "one job with an istio matrix");
    }

    #[test]
    fn nightly_script_uses_only_known_harness_flags() {
        let script = read("ci/nightly.sh");
        assert!(script.starts_with("#!/usr/bin/env bash\n"));
        assert!(
            script.contains("\nset -Eeuo pipefail\n"),
            "strict mode, ERR trap in functions"
        );
        assert!(script.contains("cargo build --release --locked"));
        // The harness arguments live in one array so they can be read here.
        let start = script
            .find("harness_args=(")
            .expect("harness_args=( in ci/nightly.sh");
        let block = &script[start..];
        let block = &block[..block.find("\n)").expect("closing ) of harness_args")];
        let flags: Vec<&str> = block
            .split_whitespace()
            .filter(|w| w.starts_with("--"))
            .collect();
        for flag in &flags {
            assert!(
                NIGHTLY_HARNESS_FLAGS.contains(flag),
                "ci/nightly.sh passes {flag}, not in NIGHTLY_HARNESS_FLAGS"
            );
        }
        for flag in NIGHTLY_HARNESS_FLAGS {
            assert!(flags.contains(flag), "ci/nightly.sh does not pass {flag}");
        }
        assert!(block.contains("run scenarios"), "{block}");
    }

    #[test]
    fn nightly_versions_are_minors() {
        for v in NIGHTLY_ISTIO_VERSIONS {
            let parts: Vec<&str> = v.split('.').collect();
            assert_eq!(parts.len(), 2, "{v}");
            assert!(parts.iter().all(|p| p.parse::<u32>().is_ok()), "{v}");
        }
    }
}
