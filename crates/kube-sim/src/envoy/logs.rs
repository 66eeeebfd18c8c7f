//! The bounded log of one Envoy, read as its pod's `istio-proxy` container log.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// The newest lines Envoy wrote to stdout and stderr, at most `cap` bytes: a long-running
/// Envoy logs every config update, and the simulator keeps hundreds of them.
#[derive(Debug, Clone)]
pub(crate) struct LogBuffer {
    inner: Arc<Mutex<Lines>>,
}

#[derive(Debug)]
struct Lines {
    lines: VecDeque<String>,
    bytes: usize,
    cap: usize,
    dropped: u64,
}

impl LogBuffer {
    /// An empty buffer that keeps at most `cap` bytes of lines.
    pub(crate) fn new(cap: usize) -> Self {
        LogBuffer {
            inner: Arc::new(Mutex::new(Lines {
                lines: VecDeque::new(),
                bytes: 0,
                cap,
                dropped: 0,
            })),
        }
    }

    /// Appends one line (without its newline), dropping the oldest ones over the cap.
    pub(crate) fn push(&self, line: String) {
        let Ok(mut l) = self.inner.lock() else {
            return;
        };
        l.bytes += line.len() + 1;
        l.lines.push_back(line);
        while l.bytes > l.cap && l.lines.len() > 1 {
            if let Some(old) = l.lines.pop_front() {
                l.bytes -= old.len() + 1;
                l.dropped += 1;
            }
        }
    }

    /// The kept lines, newline-terminated, as `kubectl logs -c istio-proxy` prints them.
    pub(crate) fn contents(&self) -> String {
        let Ok(l) = self.inner.lock() else {
            return String::new();
        };
        let mut s = String::with_capacity(l.bytes);
        for line in &l.lines {
            s.push_str(line);
            s.push('\n');
        }
        s
    }

    /// Copies a stream into the buffer line by line until it ends (Envoy exited).
    pub(crate) async fn copy_from(self, stream: impl AsyncRead + Unpin) {
        // Bytes, not `lines()`: one invalid UTF-8 byte must not end the copy.
        let mut reader = BufReader::new(stream);
        let mut line = Vec::new();
        while let Ok(n) = reader.read_until(b'\n', &mut line).await {
            if n == 0 {
                break;
            }
            let text = String::from_utf8_lossy(&line);
            self.push(text.trim_end_matches(['\n', '\r']).to_string());
            line.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_lines_within_the_cap() {
        let b = LogBuffer::new(10);
        for i in 0..5 {
            b.push(format!("line{i}"));
        }
        assert_eq!(b.contents(), "line4\n");
        let b = LogBuffer::new(100);
        b.push("a".into());
        b.push("b".into());
        assert_eq!(b.contents(), "a\nb\n");
    }
}
