//! curl's own stderr messages: `errorf`, `warnf`, `notef`, `helpf` (src/tool_msgs.c),
//! including their quirks: `-s` hides errors and warnings even with `-S` (voutf checks
//! `silent` again), and long messages are wrapped at the terminal width, 79 columns when
//! stdin is not a terminal (src/terminal.c).

/// Buffered stderr text produced while curl parses its arguments.
#[derive(Debug, Clone)]
pub(super) struct Stderr {
    pub buf: Vec<u8>,
    pub silent: bool,
    pub show_error: bool,
    pub verbose: bool,
    pub columns: usize,
    /// "curl: try 'curl --help' or 'curl --manual' ..." (both images build the manual).
    pub manual: bool,
}

impl Default for Stderr {
    fn default() -> Self {
        Stderr {
            buf: Vec::new(),
            silent: false,
            show_error: false,
            verbose: false,
            columns: 79,
            manual: true,
        }
    }
}

impl Stderr {
    /// `errorf`: "curl: " messages, shown unless `-s`.
    pub(super) fn errorf(&mut self, msg: &str) {
        if !self.silent || self.show_error {
            self.voutf("curl: ", msg);
        }
    }

    /// `warnf`: "Warning: " messages, shown unless `-s`.
    pub(super) fn warnf(&mut self, msg: &str) {
        self.voutf("Warning: ", msg);
    }

    /// `notef`: "Note: " messages, shown only with `-v`.
    pub(super) fn notef(&mut self, msg: &str) {
        if self.verbose {
            self.voutf("Note: ", msg);
        }
    }

    /// `helpf`: always shown, followed by the pointer to `--help`.
    pub(super) fn helpf(&mut self, msg: Option<&str>) {
        if let Some(m) = msg {
            self.buf.extend_from_slice(b"curl: ");
            self.buf.extend_from_slice(m.as_bytes());
            self.buf.push(b'\n');
        }
        if self.manual {
            self.buf.extend_from_slice(
                b"curl: try 'curl --help' or 'curl --manual' for more information\n",
            );
        } else {
            self.buf
                .extend_from_slice(b"curl: try 'curl --help' for more information\n");
        }
    }

    /// A limitation of the simulator (not a curl behaviour): always shown.
    pub(super) fn simulator(&mut self, msg: &str) {
        self.buf.extend_from_slice(b"curl: [simulator] ");
        self.buf.extend_from_slice(msg.as_bytes());
        self.buf.push(b'\n');
    }

    pub(super) fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    fn voutf(&mut self, prefix: &str, msg: &str) {
        if self.silent {
            return;
        }
        self.buf
            .extend_from_slice(&wrap(prefix, msg.as_bytes(), self.columns));
    }
}

/// The line wrapping of `voutf`: cut at the last blank that fits, keeping the blank at the
/// end of the line, or hard at the width when there is none.
pub(super) fn wrap(prefix: &str, msg: &[u8], columns: usize) -> Vec<u8> {
    let width = columns.saturating_sub(prefix.len()).max(2);
    let mut out = Vec::with_capacity(msg.len() + prefix.len() + 2);
    let mut rest = msg;
    while !rest.is_empty() {
        out.extend_from_slice(prefix.as_bytes());
        if rest.len() > width {
            let mut cut = width - 1;
            while cut > 0 && !matches!(rest[cut], b' ' | b'\t') {
                cut -= 1;
            }
            if cut == 0 {
                cut = width - 1;
            }
            out.extend_from_slice(&rest[..=cut]);
            out.push(b'\n');
            rest = &rest[cut + 1..];
        } else {
            out.extend_from_slice(rest);
            out.push(b'\n');
            rest = &[];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_like_voutf() {
        let msg = "-:1: warning: 'url' uses unquoted whitespace. This may cause side-effects. Consider double quotes.";
        let text = String::from_utf8(wrap("Warning: ", msg.as_bytes(), 79)).unwrap();
        assert_eq!(
            text,
            "Warning: -:1: warning: 'url' uses unquoted whitespace. This may cause \nWarning: side-effects. Consider double quotes.\n"
        );
    }

    #[test]
    fn silent_hides_errors_even_with_show_error() {
        let mut e = Stderr {
            silent: true,
            show_error: true,
            ..Stderr::default()
        };
        e.errorf("x");
        e.warnf("y");
        assert!(e.buf.is_empty());
        e.helpf(Some("option -K: error encountered when reading a file"));
        assert_eq!(
            String::from_utf8(e.take()).unwrap(),
            "curl: option -K: error encountered when reading a file\ncurl: try 'curl --help' or 'curl --manual' for more information\n"
        );
    }
}
