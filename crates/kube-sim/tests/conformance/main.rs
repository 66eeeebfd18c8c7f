//! The simulated cluster against the real clients: the kubectl binaries installed on the
//! machine, kube-rs, raw HTTP, and the seed blog's walkthrough. One test binary, one module per
//! client.

mod blog;
mod kube_client;
mod kubectl;
mod protocol;
mod support;
