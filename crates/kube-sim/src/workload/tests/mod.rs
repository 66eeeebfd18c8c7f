//! Behaviour tests of the workload model: the blog's commands and curl's error paths,
//! exec in each image, the server images' answers, and parser robustness.

mod curl_cli;
mod curl_config;
mod exec;
mod servers;
mod support;
