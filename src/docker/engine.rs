//! What the engine offers, checked against what a kind cluster run needs.

use super::{Docker, DockerError, Result};

/// Minimum engine resources for a run (kind nodes share the engine's CPUs and memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirements {
    pub min_cpus: u32,
    pub min_memory_bytes: u64,
}

/// Facts about the engine, kept for the run report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineInfo {
    /// Engine release, e.g. `20.10.24+dfsg1`.
    pub server_version: String,
    /// API version in use after negotiation, e.g. `1.41`.
    pub api_version: String,
    /// CPUs the engine sees (its VM's on Docker Desktop).
    pub cpus: u32,
    /// Memory the engine sees, in bytes.
    pub memory_bytes: u64,
    pub operating_system: String,
    pub kernel_version: String,
    /// `systemd` or `cgroupfs`: kind nodes run their own systemd and care.
    pub cgroup_driver: String,
    /// `1` or `2`.
    pub cgroup_version: String,
}

impl Docker {
    /// Reads the engine's version and resources.
    pub async fn engine_info(&self) -> Result<EngineInfo> {
        let info = self.api.info().await.map_err(|source| DockerError::Api {
            action: "info",
            source,
        })?;
        let text = |v: Option<String>| v.unwrap_or_default();
        Ok(EngineInfo {
            server_version: text(info.server_version),
            api_version: self.api.client_version().to_string(),
            cpus: info
                .ncpu
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or_default(),
            memory_bytes: info
                .mem_total
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or_default(),
            operating_system: text(info.operating_system),
            kernel_version: text(info.kernel_version),
            cgroup_driver: info
                .cgroup_driver
                .map(|d| d.to_string())
                .unwrap_or_default(),
            cgroup_version: info
                .cgroup_version
                .map(|v| v.to_string())
                .unwrap_or_default(),
        })
    }

    /// Reads the engine's facts and fails with the numbers when it is too small.
    pub async fn check(&self, req: &Requirements) -> Result<EngineInfo> {
        let info = self.engine_info().await?;
        if info.cpus < req.min_cpus || info.memory_bytes < req.min_memory_bytes {
            return Err(DockerError::InsufficientResources {
                cpus: info.cpus,
                memory_bytes: info.memory_bytes,
                min_cpus: req.min_cpus,
                min_memory_bytes: req.min_memory_bytes,
            });
        }
        tracing::info!(
            server_version = %info.server_version,
            api_version = %info.api_version,
            cpus = info.cpus,
            memory_bytes = info.memory_bytes,
            "Docker engine meets requirements"
        );
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::testkit::TestRun;

    #[tokio::test]
    async fn modest_requirements_pass_and_report_the_engine() {
        let Some(run) = TestRun::start("engine-ok").await else {
            return;
        };
        let info = run
            .docker
            .check(&Requirements {
                min_cpus: 1,
                min_memory_bytes: 64 << 20,
            })
            .await
            .expect("this engine has a CPU and 64 MiB");
        assert!(info.cpus >= 1);
        assert!(!info.server_version.is_empty());
        // Negotiated down to the engine's API, not bollard's newer default.
        let engine_api = run
            .docker
            .api()
            .version()
            .await
            .expect("version")
            .api_version;
        assert_eq!(Some(info.api_version.clone()), engine_api);
    }

    #[tokio::test]
    async fn huge_requirements_fail_with_numbers() {
        let Some(run) = TestRun::start("engine-huge").await else {
            return;
        };
        let err = run
            .docker
            .check(&Requirements {
                min_cpus: 4096,
                min_memory_bytes: 1 << 50,
            })
            .await
            .expect_err("no engine here has 4096 CPUs");
        match &err {
            DockerError::InsufficientResources {
                cpus,
                min_cpus,
                min_memory_bytes,
                ..
            } => {
                assert_eq!(*min_cpus, 4096);
                assert_eq!(*min_memory_bytes, 1 << 50);
                assert!(*cpus >= 1);
            }
            other => panic!("unexpected error {other:?}"),
        }
        let text = err.to_string();
        assert!(text.contains("4096 CPUs"), "{text}");
        assert!(text.contains("1048576.0 GiB"), "{text}");
    }
}
