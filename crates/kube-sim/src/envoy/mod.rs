//! Real Envoy for the simulated cluster's data plane (issue 12): which binary runs for an
//! Istio minor ([`binary`]), the bootstrap that points it at the simulated istiod's ADS server
//! ([`bootstrap`]), and the processes themselves ([`process`]), which never outlive the
//! simulator. Not wired into the cluster yet.

mod binary;
mod bootstrap;
mod logs;
mod process;
#[cfg(test)]
pub(crate) mod tests;

pub(crate) use binary::{EnvoyBinary, EnvoyBinaryError, EnvoyPin, locate};
pub(crate) use bootstrap::{ProxyIdentity, ProxyKind, ads_bootstrap};
pub(crate) use logs::LogBuffer;
pub(crate) use process::{EnvoyProcess, EnvoyProcessError, http_get};
