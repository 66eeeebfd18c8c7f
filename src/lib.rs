//! `harness`: an end-to-end traffic conformance harness for Istio and Kubernetes Gateway API.
//!
//! The library holds everything; the `harness` binary only calls [`cli::main`], which parses
//! arguments and maps errors to exit codes. The simulated cluster is the `kube-sim` crate.
//!
//! The public modules are what the binary, the integration and end-to-end tests and the benches
//! use, and each re-exports only that: [`run`] runs scenarios on a [`cluster`] and returns a
//! [`report`]; [`scenario`] loads scenario files; [`kube`] and [`traffic`] are the cluster
//! operations and request sources the tests drive directly; [`stats`] holds the run-wide alpha
//! and the calibration the bench runs; [`exit`] the exit codes; [`docker`] the engine check the
//! kind tests skip on. Every other module is private, and `unreachable_pub` (Cargo.toml) warns
//! about `pub` on anything not reachable from here.

pub mod cli;
pub mod cluster;
pub mod docker;
pub mod exit;
mod install;
mod kind;
pub mod kube;
mod provision;
pub mod report;
pub mod run;
pub mod scenario;
pub mod stats;
pub mod traffic;
