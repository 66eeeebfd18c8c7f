//! What curl's command line and config files configure: global settings and the list of
//! operations (`--next` starts a new one), as in curl src/tool_cfgable.h.

use tokio::io::{AsyncRead, AsyncReadExt};

use super::CurlBuild;
use super::messages;

/// Settings that apply to the whole run, whichever `--next` group sets them
/// (curl's `struct GlobalConfig`).
#[derive(Debug, Default, Clone)]
pub(super) struct Global {
    pub silent: bool,
    pub show_error: bool,
    pub verbose: bool,
    pub fail_early: bool,
    pub parallel: bool,
    pub no_progress: bool,
}

/// How the request method was chosen (curl `HttpReq`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) enum HttpReq {
    #[default]
    Unspec,
    Get,
    Head,
    SimplePost,
}

impl HttpReq {
    /// The names in "You can only select one HTTP request method!" (src/tool_helpers.c).
    pub(super) fn describe(self) -> &'static str {
        match self {
            HttpReq::Unspec => "",
            HttpReq::Get => "GET (-G, --get)",
            HttpReq::Head => "HEAD (-I, --head)",
            HttpReq::SimplePost => "POST (-d, --data)",
        }
    }
}

/// One URL of an operation and the output file paired with it by position.
#[derive(Debug, Default, Clone)]
pub(super) struct UrlNode {
    pub url: Option<String>,
    pub outfile: Option<String>,
}

/// One `--next`-separated group of options and URLs (curl's `struct OperationConfig`).
#[derive(Debug, Clone)]
pub(super) struct Operation {
    pub urls: Vec<UrlNode>,
    pub headers: Vec<String>,
    pub writeout: Option<String>,
    pub postdata: Option<Vec<u8>>,
    pub json: bool,
    pub custom_request: Option<String>,
    pub httpreq: HttpReq,
    pub show_headers: bool,
    pub no_body: bool,
    pub fail: bool,
    pub fail_with_body: bool,
    pub timeout_ms: u64,
    pub connect_timeout_ms: u64,
    pub follow: bool,
    pub max_redirs: i64,
    pub user_agent: Option<String>,
    pub referer: Option<String>,
    pub user: Option<String>,
    pub resolve: Vec<String>,
    pub connect_to: Vec<String>,
    pub globoff: bool,
    pub use_get: bool,
    pub path_as_is: bool,
    pub dump_header: Option<String>,
    pub http10: bool,
}

impl Default for Operation {
    fn default() -> Self {
        Operation {
            urls: Vec::new(),
            headers: Vec::new(),
            writeout: None,
            postdata: None,
            json: false,
            custom_request: None,
            httpreq: HttpReq::Unspec,
            show_headers: false,
            no_body: false,
            fail: false,
            fail_with_body: false,
            timeout_ms: 0,
            connect_timeout_ms: 0,
            follow: false,
            // src/tool_cfgable.c config_init: maxredirs = DEFAULT_MAXREDIRS (50)
            max_redirs: 50,
            user_agent: None,
            referer: None,
            user: None,
            resolve: Vec::new(),
            connect_to: Vec::new(),
            globoff: false,
            use_get: false,
            path_as_is: false,
            dump_header: None,
            http10: false,
        }
    }
}

impl Operation {
    /// The operation has at least one URL (needed before `--next`).
    pub(super) fn has_url(&self) -> bool {
        self.urls.first().is_some_and(|n| n.url.is_some())
    }

    /// Fill the first URL node without a URL, or append one (src/tool_getparam.c add_url).
    pub(super) fn add_url(&mut self, url: String) {
        match self.urls.iter_mut().find(|n| n.url.is_none()) {
            Some(node) => node.url = Some(url),
            None => self.urls.push(UrlNode {
                url: Some(url),
                outfile: None,
            }),
        }
    }

    /// Pair an output file with the first URL node that has none (parse_output).
    pub(super) fn add_output(&mut self, file: String) {
        match self.urls.iter_mut().find(|n| n.outfile.is_none()) {
            Some(node) => node.outfile = Some(file),
            None => self.urls.push(UrlNode {
                url: None,
                outfile: Some(file),
            }),
        }
    }

    /// Record the request method, warning on a conflict (src/tool_helpers.c SetHTTPrequest).
    pub(super) fn set_httpreq(&mut self, req: HttpReq, err: &mut messages::Stderr) -> bool {
        if self.httpreq == HttpReq::Unspec || self.httpreq == req {
            self.httpreq = req;
            return true;
        }
        err.warnf(&format!(
            "You can only select one HTTP request method! You asked for both {} and {}.",
            req.describe(),
            self.httpreq.describe()
        ));
        false
    }
}

/// The largest config, `-d @-`, `-H @-` or `-w @-` input read from stdin; beyond it the
/// read fails like an unreadable file. (curl's own limit is 10 MB per config line.)
pub(super) const STDIN_CAP: usize = 16 * 1024 * 1024;

/// The process's stdin, readable once: curl reads it to the end for the first `@-`/`-K -`
/// and later readers see end-of-file.
pub(super) struct Stdin {
    reader: Option<Box<dyn AsyncRead + Send + Unpin>>,
}

/// Reading stdin failed or exceeded [`STDIN_CAP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("stdin could not be read")]
pub(super) struct StdinError;

impl Stdin {
    pub(super) fn new(reader: Option<Box<dyn AsyncRead + Send + Unpin>>) -> Stdin {
        Stdin { reader }
    }

    /// Everything left on stdin (empty when absent or already read).
    pub(super) async fn read_all(&mut self) -> Result<Vec<u8>, StdinError> {
        let Some(mut reader) = self.reader.take() else {
            return Ok(Vec::new());
        };
        let mut data = Vec::new();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) => return Ok(data),
                Ok(n) => {
                    if data.len() + n > STDIN_CAP {
                        return Err(StdinError);
                    }
                    data.extend_from_slice(&buf[..n]);
                }
                Err(_) => return Err(StdinError),
            }
        }
    }
}

/// Everything the argument and config parsers build.
pub(super) struct State {
    pub build: CurlBuild,
    pub global: Global,
    /// Never empty; options apply to the last one.
    pub ops: Vec<Operation>,
    pub stdin: Stdin,
    /// Messages printed while parsing, in order.
    pub err: messages::Stderr,
}

impl State {
    pub(super) fn new(build: CurlBuild, stdin: Stdin) -> State {
        State {
            build,
            global: Global::default(),
            ops: vec![Operation::default()],
            stdin,
            err: messages::Stderr::default(),
        }
    }

    /// The operation options currently apply to (curl's `global->last`).
    pub(super) fn op(&mut self) -> &mut Operation {
        if self.ops.is_empty() {
            self.ops.push(Operation::default());
        }
        let last = self.ops.len() - 1;
        &mut self.ops[last]
    }

    /// Read a file named by an option argument. The model has no file system: only
    /// `-` / `/dev/stdin` (stdin) and `/dev/null` (empty) can be read.
    pub(super) async fn read_file(&mut self, name: &str) -> Option<Vec<u8>> {
        match name {
            "-" | "/dev/stdin" | "/proc/self/fd/0" => self.stdin.read_all().await.ok(),
            "/dev/null" => Some(Vec::new()),
            _ => None,
        }
    }
}
