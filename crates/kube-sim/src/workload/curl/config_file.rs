//! `-K/--config FILE` (`-` is stdin): curl 8.16's config syntax (src/tool_parsecfg.c).
//!
//! Each line is `option [=|:] value` or `-x value` / `--long value`. Blank lines and lines
//! whose first non-blank is `#` are skipped (and not counted in error line numbers). A value
//! in double quotes may hold blanks and the escapes `\t \n \r \v` (any other escaped
//! character stands for itself); an unquoted value ends at the first white space, with a
//! warning when more text follows. Leading blanks before the option are NOT skipped by
//! 8.13+ (the option name is then empty and "is unknown"). `next` starts a new operation.
//! The first bad line stops parsing and fails the whole run (exit 26).

use futures::future::BoxFuture;

use super::args::{Flow, getparameter};
use super::config::State;

/// curl's line limit (MAX_CONFIG_LINE_LENGTH).
const MAX_LINE: usize = 10 * 1024 * 1024;

/// `fgets` reads at most this many bytes at a time (tool_parsecfg.c get_line's buffer).
const FGETS_CHUNK: usize = 127;

enum Line {
    Text(Vec<u8>),
    Eof,
    TooLong,
}

/// Reads lines the way tool_parsecfg.c `get_line` does with `fgets`: a NUL byte ends the
/// current fgets chunk (the rest of that chunk is lost), and a chunk that starts with NUL
/// ends the file.
struct LineReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl LineReader<'_> {
    fn get_line(&mut self) -> Line {
        let mut buf: Vec<u8> = Vec::new();
        loop {
            if self.pos >= self.data.len() {
                return if buf.is_empty() {
                    Line::Eof
                } else {
                    Line::Text(buf)
                };
            }
            let window = &self.data[self.pos..self.data.len().min(self.pos + FGETS_CHUNK)];
            let chunk_len = window
                .iter()
                .position(|b| *b == b'\n')
                .map_or(window.len(), |i| i + 1);
            let chunk = &window[..chunk_len];
            self.pos += chunk_len;
            let rlen = chunk.iter().position(|b| *b == 0).unwrap_or(chunk.len());
            if rlen == 0 {
                return Line::Eof;
            }
            if buf.len() + rlen > MAX_LINE {
                return Line::TooLong;
            }
            buf.extend_from_slice(&chunk[..rlen]);
            if chunk[rlen - 1] == b'\n' {
                buf.pop();
                return Line::Text(buf);
            }
            if self.pos >= self.data.len() {
                return Line::Text(buf);
            }
        }
    }

    /// `my_get_line`: skips empty, blank-only and comment lines.
    fn next_line(&mut self) -> Line {
        loop {
            match self.get_line() {
                Line::Text(l) => {
                    let first = l.iter().find(|b| !matches!(b, b' ' | b'\t'));
                    match first {
                        None | Some(b'#') => continue,
                        Some(_) => return Line::Text(l),
                    }
                }
                other => return other,
            }
        }
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Parse `filename` into `st`; false when it could not be read or a line was bad
/// (the caller then reports "cannot read config from ...").
pub(super) fn parse_config<'a>(
    st: &'a mut State,
    filename: &'a str,
    depth: u8,
) -> BoxFuture<'a, bool> {
    Box::pin(async move {
        let Some(data) = st.read_file(filename).await else {
            return false;
        };
        let mut reader = LineReader {
            data: &data,
            pos: 0,
        };
        let mut lineno = 0u64;
        loop {
            let line = match reader.next_line() {
                Line::Text(l) => l,
                Line::Eof => return true,
                Line::TooLong => return false,
            };
            lineno += 1;
            let dashed = line.first() == Some(&b'-');
            let is_sep = |b: u8| !dashed && (b == b'=' || b == b':');
            let mut i = 0;
            while i < line.len() && !is_blank(line[i]) && !is_sep(line[i]) {
                i += 1;
            }
            let option = String::from_utf8_lossy(&line[..i]).into_owned();
            if i < line.len() {
                i += 1; // the terminator itself
            }
            while i < line.len() && (is_blank(line[i]) || is_sep(line[i])) {
                i += 1;
            }
            let param: Option<String> = if line.get(i) == Some(&b'"') {
                Some(String::from_utf8_lossy(&unslashquote(&line[i + 1..])).into_owned())
            } else {
                let start = i;
                while i < line.len() && !is_space(line[i]) {
                    i += 1;
                }
                let value = &line[start..i];
                if i < line.len() {
                    let mut j = i + 1;
                    while j < line.len() && is_blank(line[j]) {
                        j += 1;
                    }
                    if !matches!(line.get(j), None | Some(b'\r' | b'\n' | b'#')) {
                        st.err.warnf(&format!(
                            "{filename}:{lineno}: warning: '{option}' uses unquoted whitespace. This may cause side-effects. Consider double quotes."
                        ));
                    }
                }
                (!value.is_empty()).then(|| String::from_utf8_lossy(value).into_owned())
            };

            let parsed = getparameter(st, &option, param.as_deref(), depth).await;
            let mut result = parsed.result;
            if result.is_ok() && param.as_deref().is_some_and(|p| !p.is_empty()) && !parsed.used_arg
            {
                result = Err(super::args::ParamError::GotExtraParameter);
            }
            match result {
                Ok(Flow::Next) => {
                    if st.op().has_url() {
                        st.ops.push(Default::default());
                    }
                }
                Ok(Flow::Continue) => {}
                Err(e) if e.is_request() => {}
                Err(e) => {
                    let shown = if filename == "-" { "<stdin>" } else { filename };
                    if let super::args::ParamError::Unsupported(_) = e {
                        st.err
                            .simulator(&format!("{shown}:{lineno}: '{option}' {}", e.text()));
                    } else {
                        st.err
                            .errorf(&format!("{shown}:{lineno}: '{option}' {}", e.text()));
                    }
                    return false;
                }
            }
        }
    })
}

/// The quoted value up to the closing quote, with curl's escapes (tool_parsecfg.c
/// unslashquote).
fn unslashquote(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() && s[i] != b'"' {
        if s[i] == b'\\' {
            i += 1;
            let Some(&c) = s.get(i) else { break };
            out.push(match c {
                b't' => b'\t',
                b'n' => b'\n',
                b'r' => b'\r',
                b'v' => 0x0b,
                other => other,
            });
            i += 1;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(data: &[u8]) -> Vec<String> {
        let mut r = LineReader { data, pos: 0 };
        let mut v = Vec::new();
        while let Line::Text(l) = r.next_line() {
            v.push(String::from_utf8_lossy(&l).into_owned());
        }
        v
    }

    #[test]
    fn reads_lines_like_fgets() {
        assert_eq!(lines(b"a\n\n  \n# c\n  # d\nb"), ["a", "b"]);
        assert_eq!(lines(b"a\r\nb\n"), ["a\r", "b"]);
        let long = format!("url = \"{}\"\n", "x".repeat(300));
        assert_eq!(lines(long.as_bytes()), [long.trim_end()]);
        // NUL drops the rest of its 127-byte chunk; a chunk starting with NUL ends the file.
        assert_eq!(lines(b"ab\0cd\nef\n"), ["abef"]);
        assert_eq!(lines(b"x\n\0y\nz\n"), ["x"]);
    }

    #[test]
    fn unquotes_like_curl() {
        assert_eq!(unslashquote(br#"a\tb\"c\\d\qe" tail"#), b"a\tb\"c\\dqe");
        assert_eq!(unslashquote(b"%{http_code}\\n"), b"%{http_code}\n");
    }
}
