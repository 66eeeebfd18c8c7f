//! Writing values into a curl config file (`-K`), exactly as curl's parser
//! (src/tool_parsecfg.c) reads them back.
//!
//! A line is `option = "value"`. Inside double quotes curl takes every byte literally up to
//! the next unescaped `"`, and a backslash escapes the next byte: `\t \n \r \v` stand for the
//! control characters and any other escaped byte for itself. So `\` and `"` are escaped, the
//! four control characters are written as escapes (a raw newline would end the line), and
//! everything else (`#`, spaces, `=`, non-UTF-8 bytes) is written as is. A NUL byte cannot be
//! represented (curl reads lines with `fgets` and stops at it), nor can a line longer than
//! curl's limit.

/// curl's config line limit (tool_parsecfg.c `MAX_CONFIG_LINE_LENGTH`, 10 MiB).
pub(crate) const MAX_LINE: usize = 10 * 1024 * 1024;

/// A value curl's config file cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum QuoteError {
    #[error("it contains a NUL byte, which a curl config file cannot carry")]
    Nul,
    #[error("it makes a config line of {0} bytes, more than curl's limit of 10 MiB")]
    TooLong(usize),
}

/// Appends `option = "value"\n` to `out`.
pub(crate) fn push_line(out: &mut Vec<u8>, option: &str, value: &[u8]) -> Result<(), QuoteError> {
    let start = out.len();
    out.extend_from_slice(option.as_bytes());
    out.extend_from_slice(b" = \"");
    for &b in value {
        match b {
            0 => {
                out.truncate(start);
                return Err(QuoteError::Nul);
            }
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x0b => out.extend_from_slice(b"\\v"),
            other => out.push(other),
        }
    }
    out.extend_from_slice(b"\"\n");
    let len = out.len() - start;
    if len > MAX_LINE {
        out.truncate(start);
        return Err(QuoteError::TooLong(len));
    }
    Ok(())
}

/// Appends a bare `option\n` (a boolean switch, or `next`).
pub(crate) fn push_switch(out: &mut Vec<u8>, option: &str) {
    out.extend_from_slice(option.as_bytes());
    out.push(b'\n');
}

/// curl's reading of a quoted value (tool_parsecfg.c `unslashquote`), for tests.
#[cfg(test)]
pub(crate) fn unslashquote(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
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
                o => o,
            });
        } else {
            out.push(s[i]);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Parses one line the way curl does: option, separator, quoted value.
    fn read_back(line: &[u8]) -> (String, Vec<u8>) {
        let eq = line.iter().position(|b| *b == b' ').unwrap();
        let option = String::from_utf8(line[..eq].to_vec()).unwrap();
        assert_eq!(&line[eq..eq + 4], b" = \"");
        (option, unslashquote(&line[eq + 4..]))
    }

    #[test]
    fn escapes_what_curl_interprets() {
        let mut out = Vec::new();
        push_line(&mut out, "data-raw", b"a\"b\\c\nd\re\tf\x0bg # h=i").unwrap();
        assert_eq!(out, b"data-raw = \"a\\\"b\\\\c\\nd\\re\\tf\\vg # h=i\"\n");
        assert_eq!(push_line(&mut out, "x", b"a\0b"), Err(QuoteError::Nul));
        assert_eq!(
            out.iter().filter(|b| **b == b'\n').count(),
            1,
            "a refused value leaves nothing"
        );
    }

    proptest! {
        #[test]
        fn any_value_without_nul_reads_back(value in proptest::collection::vec(1u8..=255, 0..300)) {
            let mut out = Vec::new();
            push_line(&mut out, "header", &value).unwrap();
            prop_assert_eq!(out.iter().filter(|b| **b == b'\n').count(), 1);
            prop_assert_eq!(*out.last().unwrap(), b'\n');
            let (opt, back) = read_back(&out[..out.len() - 1]);
            prop_assert_eq!(opt, "header");
            prop_assert_eq!(back, value);
        }
    }
}
