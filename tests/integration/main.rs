//! The harness against the simulated cluster, reached only through a kubeconfig as a real one
//! would be: `harness::kube` and `harness::traffic` in-process, and the `harness` binary (CLI,
//! faults, interruption, hostile input, secrets, the stand-in kind). One test binary.

mod cli;
mod faults;
mod faults_suite;
mod hostile;
mod ingress;
mod interrupt;
mod kind_standin;
mod kube_ops;
mod mesh;
mod secrets;
mod support;
