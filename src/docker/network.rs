//! The kind network's IPv4 subnets, from which MetalLB gets an address pool.

use std::fmt;
use std::net::Ipv4Addr;

use bollard::query_parameters::InspectNetworkOptions;

use super::error::status_code;
use super::{Docker, DockerError, Result};

/// The network kind attaches nodes to (kind: pkg/cluster/internal/providers/docker/network.go,
/// `fixedNetworkName`; kind itself lets KIND_EXPERIMENTAL_DOCKER_NETWORK override it).
pub(crate) const KIND_NETWORK: &str = "kind";

/// An IPv4 CIDR as Docker's IPAM reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Subnet {
    pub network: Ipv4Addr,
    pub prefix_len: u8,
}

impl Ipv4Subnet {
    /// Parses `a.b.c.d/n`; `None` for IPv6 or malformed text.
    pub fn parse(cidr: &str) -> Option<Ipv4Subnet> {
        let (addr, prefix) = cidr.trim().split_once('/')?;
        let network: Ipv4Addr = addr.parse().ok()?;
        let prefix_len: u8 = prefix.parse().ok()?;
        (prefix_len <= 32).then_some(Ipv4Subnet {
            network,
            prefix_len,
        })
    }
}

impl fmt::Display for Ipv4Subnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix_len)
    }
}

impl Docker {
    /// IPv4 subnets of the `kind` network.
    pub async fn kind_ipv4_subnets(&self) -> Result<Vec<Ipv4Subnet>> {
        self.network_ipv4_subnets(KIND_NETWORK).await
    }

    /// IPv4 subnets of a named Docker network, in IPAM order; an error when it has none (kind
    /// networks are dual-stack, so the IPv6 entry is skipped, not an error).
    pub async fn network_ipv4_subnets(&self, network: &str) -> Result<Vec<Ipv4Subnet>> {
        let inspect = self
            .api
            .inspect_network(network, None::<InspectNetworkOptions>)
            .await
            .map_err(|source| match status_code(&source) {
                Some(404) => DockerError::NetworkNotFound {
                    network: network.to_string(),
                },
                _ => DockerError::Network {
                    network: network.to_string(),
                    source,
                },
            })?;
        let configs = inspect.ipam.and_then(|i| i.config).unwrap_or_default();
        let subnets: Vec<Ipv4Subnet> = configs
            .iter()
            .filter_map(|c| c.subnet.as_deref().and_then(Ipv4Subnet::parse))
            .collect();
        if subnets.is_empty() {
            let ipam = configs
                .iter()
                .filter_map(|c| c.subnet.clone())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(DockerError::NoIpv4Subnet {
                network: network.to_string(),
                ipam,
            });
        }
        Ok(subnets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::testkit::TestRun;

    #[test]
    fn parses_ipv4_cidrs_only() {
        assert_eq!(
            Ipv4Subnet::parse("172.18.0.0/16"),
            Some(Ipv4Subnet {
                network: Ipv4Addr::new(172, 18, 0, 0),
                prefix_len: 16
            })
        );
        assert_eq!(Ipv4Subnet::parse("fc00:f853:ccd:e793::/64"), None);
        assert_eq!(Ipv4Subnet::parse("10.0.0.0/33"), None);
        assert_eq!(Ipv4Subnet::parse("10.0.0.0"), None);
    }

    #[tokio::test]
    async fn reads_subnet_of_a_created_network() {
        let Some(run) = TestRun::start("network").await else {
            return;
        };
        let (name, subnet) = run.create_network().await;
        let subnets = run
            .docker
            .network_ipv4_subnets(&name)
            .await
            .expect("inspect");
        assert_eq!(
            subnets.iter().map(ToString::to_string).collect::<Vec<_>>(),
            vec![subnet]
        );

        let err = run
            .docker
            .network_ipv4_subnets(&format!("{name}-absent"))
            .await
            .expect_err("no such network");
        assert!(
            matches!(err, DockerError::NetworkNotFound { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("create the kind cluster"), "{err}");
    }
}
