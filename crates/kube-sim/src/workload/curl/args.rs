//! curl's option parser: the long/short option table, `getparameter` (one option with its
//! argument, from the command line or a config file) and `parse_args` (the command line),
//! following src/tool_getparam.c of curl 8.16: exact long names only (no abbreviations),
//! `--no-` for booleans, `--opt=value`, bundled short options, `--` ends options.

use super::config::{HttpReq, State};
use super::config_file::parse_config;

/// How an option takes its argument (tool_getparam.h ARG_*).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    None,
    Bool,
    Str,
    File,
}

/// What an option does in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Config,
    ConnectTimeout,
    ConnectTo,
    Data,
    DataBinary,
    DataRaw,
    DataUrlencode,
    Json,
    DumpHeader,
    Fail,
    FailEarly,
    FailWithBody,
    Get,
    Globoff,
    Head,
    Header,
    Help,
    Http10,
    ShowHeaders,
    Location,
    Manual,
    MaxRedirs,
    MaxTime,
    Next,
    Output,
    Parallel,
    PathAsIs,
    ProgressMeter,
    ProgressBar,
    Referer,
    Request,
    Resolve,
    ShowError,
    Silent,
    Url,
    User,
    UserAgent,
    Verbose,
    Version,
    WriteOut,
    Compressed,
    /// Accepted with no effect on the model (TLS, IP family, socket and buffering options).
    Ignored,
    /// A real curl option the simulator does not model.
    Unsupported,
}

struct Def {
    long: &'static str,
    short: Option<char>,
    kind: Kind,
    opt: Opt,
}

const fn d(long: &'static str, short: Option<char>, kind: Kind, opt: Opt) -> Def {
    Def {
        long,
        short,
        kind,
        opt,
    }
}

// The subset of curl's option table (tool_getparam.c aliases[]) the model knows.
const OPTIONS: &[Def] = &[
    d("abstract-unix-socket", None, Kind::File, Opt::Unsupported),
    d("alpn", None, Kind::Bool, Opt::Ignored),
    d("anyauth", None, Kind::Bool, Opt::Unsupported),
    d("append", Some('a'), Kind::Bool, Opt::Unsupported),
    d("basic", None, Kind::Bool, Opt::Ignored),
    d("buffer", Some('N'), Kind::Bool, Opt::Ignored),
    d("cacert", None, Kind::File, Opt::Ignored),
    d("capath", None, Kind::File, Opt::Ignored),
    d("cert", Some('E'), Kind::File, Opt::Unsupported),
    d("compressed", None, Kind::Bool, Opt::Compressed),
    d("config", Some('K'), Kind::File, Opt::Config),
    d("connect-timeout", None, Kind::Str, Opt::ConnectTimeout),
    d("connect-to", None, Kind::Str, Opt::ConnectTo),
    d("continue-at", Some('C'), Kind::Str, Opt::Unsupported),
    d("cookie", Some('b'), Kind::Str, Opt::Unsupported),
    d("cookie-jar", Some('c'), Kind::Str, Opt::Unsupported),
    d("create-dirs", None, Kind::Bool, Opt::Ignored),
    d("data", Some('d'), Kind::Str, Opt::Data),
    d("data-ascii", None, Kind::Str, Opt::Data),
    d("data-binary", None, Kind::Str, Opt::DataBinary),
    d("data-raw", None, Kind::Str, Opt::DataRaw),
    d("data-urlencode", None, Kind::Str, Opt::DataUrlencode),
    d("digest", None, Kind::Bool, Opt::Unsupported),
    d("disable", Some('q'), Kind::Bool, Opt::Ignored),
    d("dns-servers", None, Kind::Str, Opt::Unsupported),
    d("doh-url", None, Kind::Str, Opt::Unsupported),
    d("dump-header", Some('D'), Kind::File, Opt::DumpHeader),
    d("fail", Some('f'), Kind::Bool, Opt::Fail),
    d("fail-early", None, Kind::Bool, Opt::FailEarly),
    d("fail-with-body", None, Kind::Bool, Opt::FailWithBody),
    d("form", Some('F'), Kind::Str, Opt::Unsupported),
    d("form-string", None, Kind::Str, Opt::Unsupported),
    d("get", Some('G'), Kind::Bool, Opt::Get),
    d("globoff", Some('g'), Kind::Bool, Opt::Globoff),
    d("head", Some('I'), Kind::Bool, Opt::Head),
    d("header", Some('H'), Kind::Str, Opt::Header),
    d("help", Some('h'), Kind::Str, Opt::Help),
    d("http1.0", Some('0'), Kind::None, Opt::Http10),
    d("http1.1", None, Kind::None, Opt::Ignored),
    d("http2", None, Kind::None, Opt::Unsupported),
    d("http2-prior-knowledge", None, Kind::None, Opt::Unsupported),
    d("http3", None, Kind::None, Opt::Unsupported),
    d("include", None, Kind::Bool, Opt::ShowHeaders),
    d("insecure", Some('k'), Kind::Bool, Opt::Ignored),
    d("interface", None, Kind::Str, Opt::Unsupported),
    d("ipv4", Some('4'), Kind::None, Opt::Ignored),
    d("ipv6", Some('6'), Kind::None, Opt::Ignored),
    d("json", None, Kind::Str, Opt::Json),
    d("keepalive", None, Kind::Bool, Opt::Ignored),
    d("keepalive-time", None, Kind::Str, Opt::Ignored),
    d("limit-rate", None, Kind::Str, Opt::Unsupported),
    d("local-port", None, Kind::Str, Opt::Unsupported),
    d("location", Some('L'), Kind::Bool, Opt::Location),
    d("location-trusted", None, Kind::Bool, Opt::Location),
    d("manual", Some('M'), Kind::Bool, Opt::Manual),
    d("max-filesize", None, Kind::Str, Opt::Unsupported),
    d("max-redirs", None, Kind::Str, Opt::MaxRedirs),
    d("max-time", Some('m'), Kind::Str, Opt::MaxTime),
    d("negotiate", None, Kind::Bool, Opt::Unsupported),
    d("netrc", Some('n'), Kind::Bool, Opt::Unsupported),
    d("next", Some(':'), Kind::None, Opt::Next),
    d("noproxy", None, Kind::Str, Opt::Ignored),
    d("ntlm", None, Kind::Bool, Opt::Unsupported),
    d("oauth2-bearer", None, Kind::Str, Opt::Unsupported),
    d("output", Some('o'), Kind::File, Opt::Output),
    d("output-dir", None, Kind::Str, Opt::Unsupported),
    d("parallel", Some('Z'), Kind::Bool, Opt::Parallel),
    d("parallel-immediate", None, Kind::Bool, Opt::Ignored),
    d("parallel-max", None, Kind::Str, Opt::Ignored),
    d("path-as-is", None, Kind::Bool, Opt::PathAsIs),
    d("post301", None, Kind::Bool, Opt::Unsupported),
    d("post302", None, Kind::Bool, Opt::Unsupported),
    d("post303", None, Kind::Bool, Opt::Unsupported),
    d("progress-bar", Some('#'), Kind::Bool, Opt::ProgressBar),
    d("progress-meter", None, Kind::Bool, Opt::ProgressMeter),
    d("proto", None, Kind::Str, Opt::Unsupported),
    d("proto-default", None, Kind::Str, Opt::Unsupported),
    d("proxy", Some('x'), Kind::Str, Opt::Unsupported),
    d("proxy-user", Some('U'), Kind::Str, Opt::Unsupported),
    d("range", Some('r'), Kind::Str, Opt::Unsupported),
    d("rate", None, Kind::Str, Opt::Unsupported),
    d("raw", None, Kind::Bool, Opt::Ignored),
    d("referer", Some('e'), Kind::Str, Opt::Referer),
    d(
        "remote-header-name",
        Some('J'),
        Kind::Bool,
        Opt::Unsupported,
    ),
    d("remote-name", Some('O'), Kind::Bool, Opt::Unsupported),
    d("remote-name-all", None, Kind::Bool, Opt::Unsupported),
    d("remote-time", Some('R'), Kind::Bool, Opt::Unsupported),
    d("request", Some('X'), Kind::Str, Opt::Request),
    d("resolve", None, Kind::Str, Opt::Resolve),
    d("retry", None, Kind::Str, Opt::Unsupported),
    d("retry-all-errors", None, Kind::Bool, Opt::Unsupported),
    d("retry-connrefused", None, Kind::Bool, Opt::Unsupported),
    d("retry-delay", None, Kind::Str, Opt::Unsupported),
    d("retry-max-time", None, Kind::Str, Opt::Unsupported),
    d("show-error", Some('S'), Kind::Bool, Opt::ShowError),
    d("show-headers", Some('i'), Kind::Bool, Opt::ShowHeaders),
    d("silent", Some('s'), Kind::Bool, Opt::Silent),
    d("socks5", None, Kind::Str, Opt::Unsupported),
    d("socks5-hostname", None, Kind::Str, Opt::Unsupported),
    d("speed-limit", Some('Y'), Kind::Str, Opt::Unsupported),
    d("speed-time", Some('y'), Kind::Str, Opt::Unsupported),
    d("stderr", None, Kind::File, Opt::Unsupported),
    d("styled-output", None, Kind::Bool, Opt::Ignored),
    d("tcp-fastopen", None, Kind::Bool, Opt::Ignored),
    d("tcp-nodelay", None, Kind::Bool, Opt::Ignored),
    d("time-cond", Some('z'), Kind::Str, Opt::Unsupported),
    d("tlsv1", Some('1'), Kind::None, Opt::Ignored),
    d("tlsv1.2", None, Kind::None, Opt::Ignored),
    d("tlsv1.3", None, Kind::None, Opt::Ignored),
    d("trace", None, Kind::File, Opt::Unsupported),
    d("trace-ascii", None, Kind::File, Opt::Unsupported),
    d("trace-time", None, Kind::Bool, Opt::Ignored),
    d("unix-socket", None, Kind::File, Opt::Unsupported),
    d("upload-file", Some('T'), Kind::File, Opt::Unsupported),
    d("url", None, Kind::Str, Opt::Url),
    d("url-query", None, Kind::Str, Opt::Unsupported),
    d("user", Some('u'), Kind::Str, Opt::User),
    d("user-agent", Some('A'), Kind::Str, Opt::UserAgent),
    d("variable", None, Kind::Str, Opt::Unsupported),
    d("verbose", Some('v'), Kind::Bool, Opt::Verbose),
    d("version", Some('V'), Kind::Bool, Opt::Version),
    d("write-out", Some('w'), Kind::Str, Opt::WriteOut),
];

/// A parameter error (tool_getparam.h ParameterError), or a request that ends parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ParamError {
    Unknown,
    RequiresParameter,
    BadUse,
    BadNumeric,
    NumberTooLarge,
    NoPrefix,
    ReadError,
    BlankString,
    GotExtraParameter,
    HelpRequested,
    ManualRequested,
    VersionRequested,
    /// A real option the simulator does not model.
    Unsupported(String),
}

impl ParamError {
    /// `param2text()` (src/tool_helpers.c).
    pub(super) fn text(&self) -> String {
        match self {
            ParamError::GotExtraParameter => "had unsupported trailing garbage".into(),
            ParamError::Unknown => "is unknown".into(),
            ParamError::RequiresParameter => "requires parameter".into(),
            ParamError::BadUse => "is badly used here".into(),
            ParamError::BadNumeric => "expected a proper numerical parameter".into(),
            ParamError::NoPrefix => {
                "the given option cannot be reversed with a --no- prefix".into()
            }
            ParamError::NumberTooLarge => "too large number".into(),
            ParamError::ReadError => "error encountered when reading a file".into(),
            ParamError::BlankString => "blank argument where content is expected".into(),
            ParamError::Unsupported(_) => "is not modelled by the simulator".into(),
            ParamError::HelpRequested
            | ParamError::ManualRequested
            | ParamError::VersionRequested => "unknown error".into(),
        }
    }

    /// Help, manual and version end parsing without being errors.
    pub(super) fn is_request(&self) -> bool {
        matches!(
            self,
            ParamError::HelpRequested | ParamError::ManualRequested | ParamError::VersionRequested
        )
    }
}

/// What the caller must do after an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    Continue,
    /// `--next`: start a new operation.
    Next,
}

/// The result of `getparameter` and whether it consumed `nextarg`.
pub(super) struct Parsed {
    pub result: Result<Flow, ParamError>,
    pub used_arg: bool,
}

/// Maximum nesting of `-K` inside config files.
const MAX_CONFIG_DEPTH: u8 = 8;

/// Parse one option `flag` (`-x`, `--long`, or a bare long name from a config file) with
/// its possible argument.
pub(super) async fn getparameter(
    st: &mut State,
    flag: &str,
    nextarg: Option<&str>,
    depth: u8,
) -> Parsed {
    let mut used_arg = false;
    let mut toggle = true;
    let is_long = !flag.starts_with('-') || flag.starts_with("--");
    if is_long {
        let mut word = flag.strip_prefix("--").unwrap_or(flag);
        let mut noflagged = false;
        if let Some(rest) = word.strip_prefix("no-") {
            word = rest;
            toggle = false;
            noflagged = true;
        } else if word.starts_with("expand-") {
            return Parsed {
                result: Err(ParamError::Unsupported(format!("--{word}"))),
                used_arg,
            };
        }
        let (name, arg, consume) = match word.split_once('=') {
            Some((n, v)) => (n, Some(v), false),
            None => (word, nextarg, true),
        };
        let Some(def) = OPTIONS.iter().find(|o| o.long == name) else {
            return Parsed {
                result: Err(ParamError::Unknown),
                used_arg,
            };
        };
        if noflagged && def.kind != Kind::Bool {
            return Parsed {
                result: Err(ParamError::NoPrefix),
                used_arg,
            };
        }
        let result = if matches!(def.kind, Kind::Str | Kind::File) {
            match arg {
                None if def.opt == Opt::Help => Err(ParamError::HelpRequested),
                None => Err(ParamError::RequiresParameter),
                Some(a) => {
                    used_arg = consume;
                    file_warning(st, def, a);
                    apply_arg(st, def, a, depth).await
                }
            }
        } else {
            apply_flag(st, def, toggle)
        };
        return Parsed { result, used_arg };
    }

    // One dash: a run of short options, the last may take an argument.
    let letters: Vec<char> = flag[1..].chars().collect();
    if letters.is_empty() {
        return Parsed {
            result: Err(ParamError::Unknown),
            used_arg,
        };
    }
    let mut i = 0;
    let mut result = Ok(Flow::Continue);
    while i < letters.len() {
        let letter = letters[i];
        let Some(def) = OPTIONS.iter().find(|o| o.short == Some(letter)) else {
            result = Err(ParamError::Unknown);
            break;
        };
        // -N is "--no-buffer" (ARG_NO).
        let toggle = letter != 'N';
        if matches!(def.kind, Kind::Str | Kind::File) {
            let attached: String = letters[i + 1..].iter().collect();
            let arg = if !attached.is_empty() {
                Some(attached.as_str())
            } else if def.opt == Opt::Help {
                result = Err(ParamError::HelpRequested);
                break;
            } else {
                match nextarg {
                    Some(a) => {
                        used_arg = true;
                        Some(a)
                    }
                    None => None,
                }
            };
            let Some(a) = arg else {
                result = Err(ParamError::RequiresParameter);
                break;
            };
            file_warning(st, def, a);
            result = apply_arg(st, def, a, depth).await;
            break;
        }
        result = apply_flag(st, def, toggle);
        if result.is_err() {
            break;
        }
        i += 1;
    }
    Parsed { result, used_arg }
}

/// "The filename argument '-x' looks like a flag." (getparameter)
fn file_warning(st: &mut State, def: &Def, arg: &str) {
    if def.kind == Kind::File && arg.starts_with('-') && arg.len() > 1 {
        st.err
            .warnf(&format!("The filename argument '{arg}' looks like a flag."));
    }
}

fn apply_flag(st: &mut State, def: &Def, toggle: bool) -> Result<Flow, ParamError> {
    match def.opt {
        Opt::Next => return Ok(Flow::Next),
        Opt::Silent => {
            st.global.silent = toggle;
            st.err.silent = toggle;
        }
        Opt::ShowError => {
            st.global.show_error = toggle;
            st.err.show_error = toggle;
        }
        Opt::Verbose => {
            st.global.verbose = toggle;
            st.err.verbose = toggle;
        }
        Opt::FailEarly => st.global.fail_early = toggle,
        Opt::Parallel => st.global.parallel = toggle,
        Opt::ProgressMeter => st.global.no_progress = !toggle,
        // -# draws a bar instead of the meter; the model draws nothing.
        Opt::ProgressBar => st.global.no_progress = toggle,
        Opt::Fail | Opt::FailWithBody => {
            let op = st.op();
            if def.opt == Opt::Fail {
                op.fail = toggle;
            } else {
                op.fail_with_body = toggle;
            }
            if op.fail && op.fail_with_body {
                st.err
                    .errorf("You must select either --fail or --fail-with-body, not both.");
                return Err(ParamError::BadUse);
            }
        }
        Opt::ShowHeaders => st.op().show_headers = toggle,
        Opt::Head => {
            let op = st.op();
            op.no_body = toggle;
            op.show_headers = toggle;
            let req = if toggle { HttpReq::Head } else { HttpReq::Get };
            let op = st.ops.last_mut().ok_or(ParamError::BadUse)?;
            if !op.set_httpreq(req, &mut st.err) {
                return Err(ParamError::BadUse);
            }
        }
        Opt::Get => st.op().use_get = toggle,
        Opt::Globoff => st.op().globoff = toggle,
        Opt::Location => st.op().follow = toggle,
        Opt::PathAsIs => st.op().path_as_is = toggle,
        Opt::Http10 => st.op().http10 = true,
        Opt::Compressed => {
            if toggle {
                let h = compressed_header(st.build);
                st.op().headers.push(h);
            }
        }
        Opt::Manual => return Err(ParamError::ManualRequested),
        Opt::Version => {
            if toggle {
                return Err(ParamError::VersionRequested);
            }
        }
        Opt::Ignored => {}
        Opt::Unsupported => return Err(ParamError::Unsupported(format!("--{}", def.long))),
        _ => return Err(ParamError::Unknown),
    }
    Ok(Flow::Continue)
}

fn compressed_header(build: super::CurlBuild) -> String {
    // The encodings each build decodes (curlimages has brotli and zstd; so does Debian's).
    let _ = build;
    "Accept-Encoding: deflate, gzip, br, zstd".into()
}

/// `getstr(..., DENY_BLANK)`.
fn non_blank(arg: &str) -> Result<String, ParamError> {
    if arg.is_empty() {
        Err(ParamError::BlankString)
    } else {
        Ok(arg.to_string())
    }
}

async fn apply_arg(st: &mut State, def: &Def, arg: &str, depth: u8) -> Result<Flow, ParamError> {
    match def.opt {
        Opt::Url => {
            if let Some(file) = arg.strip_prefix('@') {
                let data = st.read_file(file).await.ok_or(ParamError::ReadError)?;
                for line in config_lines(&data) {
                    st.op().add_url(line);
                }
            } else {
                let url = non_blank(arg)?;
                st.op().add_url(url);
            }
        }
        Opt::Output => {
            let f = non_blank(arg)?;
            st.op().add_output(f);
        }
        Opt::Header => {
            if let Some(file) = arg.strip_prefix('@') {
                let Some(data) = st.read_file(file).await else {
                    st.err.errorf(&format!("Failed to open {file}"));
                    return Err(ParamError::ReadError);
                };
                for line in config_lines(&data) {
                    st.op().headers.push(line);
                }
            } else {
                st.op().headers.push(arg.to_string());
            }
        }
        Opt::WriteOut => {
            if let Some(file) = arg.strip_prefix('@') {
                let Some(data) = st.read_file(file).await else {
                    st.err.errorf(&format!("Failed to open {file}"));
                    return Err(ParamError::ReadError);
                };
                // file2string drops CR and LF bytes.
                let text: Vec<u8> = data
                    .into_iter()
                    .filter(|b| *b != b'\r' && *b != b'\n')
                    .collect();
                st.op().writeout = Some(String::from_utf8_lossy(&text).into_owned());
            } else {
                st.op().writeout = Some(arg.to_string());
            }
        }
        Opt::Data | Opt::DataBinary | Opt::DataRaw | Opt::Json | Opt::DataUrlencode => {
            let chunk: Vec<u8> = if def.opt == Opt::DataUrlencode {
                data_urlencode(st, arg).await?
            } else if let (Some(file), false) = (arg.strip_prefix('@'), def.opt == Opt::DataRaw) {
                let Some(data) = st.read_file(file).await else {
                    st.err.errorf(&format!("Failed to open {file}"));
                    return Err(ParamError::ReadError);
                };
                if matches!(def.opt, Opt::DataBinary | Opt::Json) {
                    data
                } else {
                    data.into_iter()
                        .filter(|b| *b != b'\r' && *b != b'\n')
                        .collect()
                }
            } else {
                arg.as_bytes().to_vec()
            };
            let op = st.op();
            if def.opt == Opt::Json {
                op.json = true;
            }
            let data = op.postdata.get_or_insert_with(Vec::new);
            if !data.is_empty() && def.opt != Opt::Json {
                data.push(b'&');
            }
            data.extend_from_slice(&chunk);
        }
        Opt::Request => st.op().custom_request = Some(non_blank(arg)?),
        Opt::UserAgent => st.op().user_agent = Some(arg.to_string()),
        Opt::Referer => st.op().referer = Some(arg.split(";auto").next().unwrap_or("").to_string()),
        Opt::User => st.op().user = Some(arg.to_string()),
        Opt::Resolve => st.op().resolve.push(arg.to_string()),
        Opt::ConnectTo => st.op().connect_to.push(arg.to_string()),
        Opt::DumpHeader => st.op().dump_header = Some(non_blank(arg)?),
        Opt::MaxTime => st.op().timeout_ms = secs_to_ms(arg)?,
        Opt::ConnectTimeout => st.op().connect_timeout_ms = secs_to_ms(arg)?,
        Opt::MaxRedirs => {
            let n = str_to_num(arg)?;
            if n < -1 {
                return Err(ParamError::BadNumeric);
            }
            st.op().max_redirs = n;
        }
        Opt::Config => {
            let ok = depth < MAX_CONFIG_DEPTH && parse_config(st, arg, depth + 1).await;
            if !ok {
                st.err.errorf(&format!("cannot read config from '{arg}'"));
                return Err(ParamError::ReadError);
            }
        }
        Opt::Help => return Err(ParamError::HelpRequested),
        Opt::Ignored => {}
        Opt::Unsupported => return Err(ParamError::Unsupported(format!("--{}", def.long))),
        _ => return Err(ParamError::Unknown),
    }
    Ok(Flow::Continue)
}

/// Lines of a `@file` list: blank and `#` lines skipped (tool_parsecfg.c my_get_line).
fn config_lines(data: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(data)
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| {
            let t = l.trim_start_matches([' ', '\t']);
            !t.is_empty() && !t.starts_with('#')
        })
        .map(str::to_string)
        .collect()
}

/// `--data-urlencode` forms: `content`, `=content`, `name=content`, `@file`,
/// `name@file` (src/tool_getparam.c data_urlencode).
async fn data_urlencode(st: &mut State, arg: &str) -> Result<Vec<u8>, ParamError> {
    let eq = arg.find('=');
    let at = arg.find('@');
    let (name, content): (&str, Vec<u8>) = match (eq, at) {
        (Some(e), a) if a.is_none_or(|a| e < a) => (&arg[..e], arg.as_bytes()[e + 1..].to_vec()),
        (_, Some(a)) => {
            let file = &arg[a + 1..];
            let Some(data) = st.read_file(file).await else {
                st.err.errorf(&format!("Failed to open {file}"));
                return Err(ParamError::ReadError);
            };
            (&arg[..a], data)
        }
        _ => ("", arg.as_bytes().to_vec()),
    };
    let mut out: Vec<u8> = Vec::new();
    if !name.is_empty() {
        out.extend_from_slice(name.as_bytes());
        out.push(b'=');
    }
    for b in content {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    Ok(out)
}

/// Seconds with optional decimals to milliseconds (src/tool_paramhlp.c secs2ms): digits
/// must come first; what follows the number is ignored.
pub(super) fn secs_to_ms(s: &str) -> Result<u64, ParamError> {
    const MAX_SECS: u64 = (i64::MAX as u64) / 1000 - 1;
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(ParamError::BadNumeric);
    }
    let secs: u64 = s[..digits].parse().map_err(|_| ParamError::BadNumeric)?;
    if secs > MAX_SECS {
        return Err(ParamError::BadNumeric);
    }
    let mut ms = 0u64;
    if let Some(rest) = s[digits..].strip_prefix('.') {
        let frac_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if frac_len == 0 {
            return Err(ParamError::NumberTooLarge);
        }
        // Only the first three decimals matter.
        let frac = &rest[..frac_len.min(3)];
        let scale = 10u64.pow(3 - frac.len() as u32);
        ms = frac
            .parse::<u64>()
            .map_err(|_| ParamError::NumberTooLarge)?
            * scale;
    }
    Ok(secs * 1000 + ms)
}

/// A whole decimal number, optionally negative (src/tool_paramhlp.c str2num).
fn str_to_num(s: &str) -> Result<i64, ParamError> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParamError::BadNumeric);
    }
    let v: i64 = digits.parse().map_err(|_| ParamError::BadNumeric)?;
    Ok(if neg { -v } else { v })
}

/// A failed command line: the error and the argument it happened at.
pub(super) struct ArgsFailure {
    pub error: ParamError,
    pub option: Option<String>,
}

/// Parse the command line (src/tool_getparam.c parse_args).
pub(super) async fn parse_args(st: &mut State, args: &[String]) -> Result<(), ArgsFailure> {
    let mut still_flags = true;
    let mut i = 0;
    while i < args.len() {
        let orig = args[i].as_str();
        let failed = |error| ArgsFailure {
            error,
            option: Some(orig.to_string()),
        };
        if still_flags && orig.starts_with('-') {
            if orig == "--" {
                still_flags = false;
                i += 1;
                continue;
            }
            let next = args.get(i + 1).map(String::as_str);
            let parsed = getparameter(st, orig, next, 0).await;
            match parsed.result {
                Ok(Flow::Next) => {
                    if st.op().has_url() {
                        st.ops.push(Default::default());
                    } else {
                        st.err.errorf("missing URL before --next");
                        return Err(failed(ParamError::BadUse));
                    }
                }
                Ok(Flow::Continue) => {
                    if parsed.used_arg {
                        i += 1;
                    }
                }
                Err(e) => return Err(failed(e)),
            }
        } else {
            let parsed = getparameter(st, "--url", Some(orig), 0).await;
            if let Err(e) = parsed.result {
                return Err(failed(e));
            }
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secs2ms_like_curl() {
        assert_eq!(secs_to_ms("5"), Ok(5000));
        assert_eq!(secs_to_ms("0.5"), Ok(500));
        assert_eq!(secs_to_ms("1.25"), Ok(1250));
        assert_eq!(secs_to_ms("2.0009"), Ok(2000));
        assert_eq!(secs_to_ms("3s"), Ok(3000));
        assert_eq!(secs_to_ms("x"), Err(ParamError::BadNumeric));
        assert_eq!(secs_to_ms("-1"), Err(ParamError::BadNumeric));
        assert_eq!(secs_to_ms("1."), Err(ParamError::NumberTooLarge));
    }
}
