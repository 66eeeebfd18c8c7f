//! Integration tests of `harness::kube` and `harness::traffic` against the simulated cluster,
//! which they reach only through a kubeconfig, as they would a real one.

mod ingress;
mod kube_ops;
mod mesh;
mod support;
