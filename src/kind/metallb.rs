//! MetalLB address pool for a kind cluster, so `type: LoadBalancer` Services (every Gateway's
//! generated Service) get an address reachable from the host.
//!
//! The addresses follow Istio CI (istio/istio `common/scripts/kind_provisioner.sh`,
//! `install_metallb` + `cidr_to_ips`): from the docker `kind` network's IPv4 subnet, list the
//! host addresses from index 1000 to 2000 (or the last quarter of a subnet with at most 2000
//! addresses), keep the last 100, and give the cluster 20 of them. Its loop reads index 1 before
//! each shift, so it takes entries 1..=20 of those 100, not 0..20; kept here so a harness
//! cluster and an Istio CI cluster on the same network pick the same addresses. For
//! 172.18.0.0/16 that is 172.18.7.110-172.18.7.129 (the `.255.200-.255.250` range seen in kind
//! and MetalLB docs is a different, documentation-only convention).

use std::net::Ipv4Addr;

/// Addresses per cluster (`for i in {0..19}` in `install_metallb`).
pub(crate) const POOL_SIZE: u32 = 20;
/// `tail -n 100` in `install_metallb`.
const TAIL: u32 = 100;
/// `cidr_to_ips` skips the first 1000 hosts ("likely to be allocated already") when the subnet
/// has more than 2000 addresses, and takes the next 1000.
const SKIP: u32 = 1000;
const LARGE: u32 = 2000;

pub(crate) const POOL_NAME: &str = "default-pool";
pub(crate) const L2_NAME: &str = "default-l2";
pub(crate) const NAMESPACE: &str = "metallb-system";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum MetallbError {
    #[error("{0:?} is not an IPv4 CIDR (a.b.c.d/n)")]
    NotCidr(String),
    #[error("subnet {subnet} is too small for a MetalLB pool of {POOL_SIZE} addresses")]
    TooSmall { subnet: String },
}

/// The first and last address of the pool, inclusive; the pool is contiguous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AddressRange {
    pub first: Ipv4Addr,
    pub last: Ipv4Addr,
}

impl std::fmt::Display for AddressRange {
    /// MetalLB's range syntax, `first-last`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

/// The pool Istio CI would give a cluster on `subnet` (`172.18.0.0/16`).
pub(crate) fn pool_for_subnet(subnet: &str) -> Result<AddressRange, MetallbError> {
    let not_cidr = || MetallbError::NotCidr(subnet.to_string());
    let (addr, prefix) = subnet.trim().split_once('/').ok_or_else(not_cidr)?;
    let addr: Ipv4Addr = addr.parse().map_err(|_| not_cidr())?;
    let prefix: u32 = prefix.parse().map_err(|_| not_cidr())?;
    if prefix > 32 {
        return Err(not_cidr());
    }
    let size: u64 = 1u64 << (32 - prefix);
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    let network = u32::from(addr) & mask;

    // Python's `ip_network(...).hosts()`: all but the network and broadcast addresses, except
    // for /31 and /32, where every address is a host.
    let (first_host, hosts) = if prefix >= 31 {
        (u64::from(network), size)
    } else {
        (u64::from(network) + 1, size - 2)
    };
    let (start, end) = if size > u64::from(LARGE) {
        (u64::from(SKIP), u64::from(LARGE))
    } else {
        // `int(net_len / 4 * 3), net_len`
        (size * 3 / 4, size)
    };
    let end = end.min(hosts);
    let candidates = end.saturating_sub(start);
    let tail_start = start + candidates.saturating_sub(u64::from(TAIL));
    // Entries 1..=POOL_SIZE of the tail.
    if end < tail_start + 1 + u64::from(POOL_SIZE) {
        return Err(MetallbError::TooSmall {
            subnet: subnet.to_string(),
        });
    }
    let first = first_host + tail_start + 1;
    let last = first + u64::from(POOL_SIZE) - 1;
    let to_addr = |n: u64| u32::try_from(n).map(Ipv4Addr::from).map_err(|_| not_cidr());
    Ok(AddressRange {
        first: to_addr(first)?,
        last: to_addr(last)?,
    })
}

/// The `IPAddressPool` and `L2Advertisement` (metallb.io/v1beta1) for `subnet`, as one YAML
/// stream to apply after MetalLB's own manifest. Names match Istio CI's.
pub(crate) fn manifest_for_subnet(subnet: &str) -> Result<String, MetallbError> {
    let range = pool_for_subnet(subnet)?;
    Ok(format!(
        "\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: {POOL_NAME}
  namespace: {NAMESPACE}
spec:
  addresses:
  - {range}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: {L2_NAME}
  namespace: {NAMESPACE}
spec:
  ipAddressPools:
  - {POOL_NAME}
"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(subnet: &str) -> String {
        pool_for_subnet(subnet).expect("pool").to_string()
    }

    #[test]
    fn docker_default_kind_network() {
        // hosts()[1901..=1920] of 172.18.0.0/16 = 172.18.0.1 + 1901 ..
        assert_eq!(range("172.18.0.0/16"), "172.18.7.110-172.18.7.129");
        assert_eq!(range("172.19.0.0/16"), "172.19.7.110-172.19.7.129");
        // Not the network address: masked first.
        assert_eq!(range("172.18.0.1/16"), "172.18.7.110-172.18.7.129");
    }

    #[test]
    fn small_subnets_use_the_last_quarter() {
        // /24: hosts 1..254, start 192 -> .193..=.254 (62 entries), entries 1..=20.
        assert_eq!(range("10.1.2.0/24"), "10.1.2.194-10.1.2.213");
        // /21 = 2048 > 2000: the large rule; 10.0.0.1 + 1901.
        assert_eq!(range("10.0.0.0/21"), "10.0.7.110-10.0.7.129");
        // /22 = 1024: start 768, hosts 1022 -> 254 candidates, tail of 100 from 922.
        assert_eq!(range("10.0.0.0/22"), "10.0.3.156-10.0.3.175");
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "",
            "172.18.0.0",
            "172.18.0.0/33",
            "fc00::/64",
            "x/16",
            "1.2.3/8",
        ] {
            assert!(
                matches!(pool_for_subnet(bad), Err(MetallbError::NotCidr(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            pool_for_subnet("10.0.0.0/27"),
            Err(MetallbError::TooSmall { .. })
        ));
    }

    #[test]
    fn manifest_parses_back() {
        let yaml = manifest_for_subnet("172.18.0.0/16").expect("manifest");
        let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&yaml).expect("YAML stream");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0]["kind"], "IPAddressPool");
        assert_eq!(docs[0]["metadata"]["namespace"], "metallb-system");
        assert_eq!(docs[0]["spec"]["addresses"][0], "172.18.7.110-172.18.7.129");
        assert_eq!(docs[1]["kind"], "L2Advertisement");
        assert_eq!(docs[1]["spec"]["ipAddressPools"][0], "default-pool");
    }
}
