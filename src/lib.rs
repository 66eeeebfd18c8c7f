//! `harness`: an end-to-end traffic conformance harness for Istio and Kubernetes Gateway API.
//!
//! The library holds everything; the `harness` binary only parses arguments and maps errors to
//! exit codes. [`sim`] is the simulated cluster that lets the harness be built and tested on
//! machines that cannot run a real one.

pub mod cli;
pub mod cluster;
pub mod docker;
pub mod exit;
pub mod install;
pub mod kind;
pub mod kube;
pub mod provision;
pub mod report;
pub mod run;
pub mod scenario;
pub mod stats;
pub mod traffic;
