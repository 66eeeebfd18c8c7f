//! Integration tests of the simulated cluster against the real clients: the kubectl binaries
//! installed on the machine, and kube-rs. One test binary, one module per client.

mod blog;
mod cli;
mod faults;
mod faults_suite;
mod hostile;
mod interrupt;
mod kind_standin;
mod kube_client;
mod kubectl;
mod protocol;
mod secrets;
mod support;
