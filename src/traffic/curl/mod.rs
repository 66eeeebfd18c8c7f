//! The mesh source's wire format: many requests in ONE curl run inside a pod, no shell.
//!
//! The argv is fixed (`curl -q -sS -K -`); every request is a group of options in a config
//! file written to curl's stdin, groups separated by `next`:
//!
//! ```text
//! url = "http://helloworld.sample:5000/hello"
//! globoff
//! path-as-is
//! noproxy = "*"
//! include
//! max-time = "10.000"
//! header = "X-Q: say \"hi\" \\ # now"
//! write-out = "\n<<hx5f0c… 0 %{exitcode} %{http_code} %{size_header} %{size_download} %{time_total} %{errormsg}hx5f0c…>>\n"
//! next
//! url = …
//! ```
//!
//! stdout is then, per request, the response headers (`include`), the body, and the
//! write-out line with a per-batch random token; the parser cuts headers and body by the
//! sizes curl reports, so bodies may hold any bytes (see [`parse`]). Transfers run one after
//! the other, reusing connections; a failed transfer does not stop the next (curl continues
//! unless `--fail-early`), and its `%{exitcode}` makes it a [`TransportError`].
//!
//! Minimum curl: 7.75.0 (the first with `%{exitcode}` and `%{errormsg}`); the sleep/curl
//! sample images ship 8.x. Values are quoted for curl's config parser by [`quote`]; a NUL byte
//! or a line over 10 MiB is refused before anything runs.
//!
//! [`TransportError`]: super::sample::TransportError

mod build;
mod parse;
pub mod quote;
#[cfg(test)]
mod tests;

pub use build::curl_batch;
pub use parse::{ParsedBatch, parse_curl_batch};

use crate::kube::exec::ExitStatus;

/// One curl run: the argv to exec and the config to write to its stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurlBatch {
    argv: Vec<String>,
    stdin: Vec<u8>,
    /// The per-batch delimiter in every write-out line.
    token: String,
    count: usize,
}

impl CurlBatch {
    /// `curl -q -sS -K -`: no shell, nothing from the scenario in it.
    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    /// The config file for stdin (bytes: bodies need not be UTF-8).
    pub fn stdin(&self) -> &[u8] {
        &self.stdin
    }

    /// How many requests the batch holds.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Cuts curl's output back into samples ([`parse_curl_batch`]).
    pub fn parse(&self, stdout: &[u8], stderr: &[u8], exit: &ExitStatus) -> ParsedBatch {
        parse_curl_batch(self, stdout, stderr, exit)
    }
}
