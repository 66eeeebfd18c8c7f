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
//! On Kubernetes before 1.30 the config does not go on stdin: [`CurlMode::Argv`] passes the same
//! options as argv elements (`curl -q -sS --url … --globoff … --next --url …`), see [`argv`].
//!
//! Minimum curl: 7.75.0 (the first with `%{exitcode}` and `%{errormsg}`); the sleep/curl
//! sample images ship 8.x. Values are quoted for curl's config parser by [`quote`]; a NUL byte
//! or a line over 10 MiB is refused before anything runs.
//!
//! [`TransportError`]: super::sample::TransportError

mod argv;
mod build;
mod parse;
pub(super) mod quote;
#[cfg(test)]
mod tests;

pub(crate) use argv::curl_argv_batches;
pub use build::curl_batch;
pub(crate) use parse::ParsedBatch;
pub use parse::parse_curl_batch;

use crate::kube::exec::ExitStatus;
use crate::kube::versions::Version;

/// How a batch's per-request options reach curl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurlMode {
    /// `curl -q -sS -K -` with a config file on stdin: no size limit, and request contents
    /// stay out of the exec URL (which API server audit logs record).
    Stdin,
    /// Every option an argv element, no stdin, batches split to keep the exec URL small. For
    /// API servers before 1.30: they speak only `v4.channel.k8s.io`, where a client ends stdin
    /// by closing the WebSocket, and curl's output after that is lost.
    Argv,
}

impl CurlMode {
    /// The mode for an API server of version `kubernetes`: stdin from 1.30 on (the first with
    /// `v5.channel.k8s.io`, which closes stdin alone), argv before, and argv when the version
    /// is unknown, since it works on every version.
    pub fn for_kubernetes(kubernetes: Option<&Version>) -> Self {
        match kubernetes {
            Some(v) if v.minor_version() >= (1, 30) => CurlMode::Stdin,
            _ => CurlMode::Argv,
        }
    }
}

/// One curl run: the argv to exec and the config to write to its stdin, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurlBatch {
    argv: Vec<String>,
    stdin: Option<Vec<u8>>,
    /// The per-batch delimiter in every write-out line.
    token: String,
    count: usize,
}

impl CurlBatch {
    /// `curl -q -sS -K -` (no shell, nothing from the scenario in it), or in
    /// [`CurlMode::Argv`] every option of every request, each value one element.
    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    /// The config file for stdin (bytes: bodies need not be UTF-8); `None` in
    /// [`CurlMode::Argv`], where curl gets no stdin.
    pub fn stdin(&self) -> Option<&[u8]> {
        self.stdin.as_deref()
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
