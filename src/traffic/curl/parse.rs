//! Cutting a batch's stdout back into one sample per request.
//!
//! Per request curl prints `[headers][body]` (`--include`) and then the write-out line
//! `\n<<TOKEN i exit status size_header size_download time errormsg TOKEN>>\n`. The parser
//! walks the output from the front: a trailer is accepted only if its index is the next one
//! expected (or later) and the bytes before it are exactly `size_header + size_download`, so a
//! body that contains delimiter-like text, even a forged trailer, cannot shift the cut. Output
//! that ends early (a cut stream, a timeout) yields the complete transfers only.

use std::time::Duration;

use crate::kube::exec::ExitStatus;

use super::super::sample::{Body, Response, Sample, TransportError, TransportErrorKind};
use super::CurlBatch;

/// The samples of a batch, by request index; `None` where curl's output had no complete
/// result for the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedBatch {
    pub results: Vec<Option<Sample>>,
    /// Why some results are missing, or why curl as a whole failed (exit status, the end of
    /// curl's stderr); `None` when every request has a result.
    pub problem: Option<String>,
}

impl ParsedBatch {
    /// The samples that exist, in request order.
    pub fn samples(&self) -> impl Iterator<Item = &Sample> {
        self.results.iter().flatten()
    }

    /// How many requests have no result.
    pub fn missing(&self) -> usize {
        self.results.iter().filter(|r| r.is_none()).count()
    }
}

struct Trailer<'a> {
    index: usize,
    exit: i32,
    status: u16,
    size_header: usize,
    size_download: usize,
    time: Option<Duration>,
    errormsg: &'a [u8],
}

fn trailer(fields: &[u8]) -> Option<Trailer<'_>> {
    let mut it = fields.splitn(7, |b| *b == b' ');
    let mut num = || -> Option<&[u8]> { it.next() };
    let text = |b: &[u8]| std::str::from_utf8(b).ok().map(str::to_string);
    let index = text(num()?)?.parse().ok()?;
    let exit = text(num()?)?.parse().ok()?;
    let status = text(num()?)?.parse().ok()?;
    let size_header = text(num()?)?.parse().ok()?;
    let size_download = text(num()?)?.parse().ok()?;
    let time = text(num()?)?
        .parse::<f64>()
        .ok()
        .filter(|t| t.is_finite() && *t >= 0.0 && *t < 1e9)
        .map(Duration::from_secs_f64);
    let errormsg = it.next().unwrap_or_default();
    Some(Trailer {
        index,
        exit,
        status,
        size_header,
        size_download,
        time,
        errormsg,
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Parses `stdout` of `batch`'s curl run; `stderr` and `exit` explain missing results.
pub fn parse_curl_batch(
    batch: &CurlBatch,
    stdout: &[u8],
    stderr: &[u8],
    exit: &ExitStatus,
) -> ParsedBatch {
    let opener = format!("\n<<{} ", batch.token).into_bytes();
    let closer = format!("{}>>\n", batch.token).into_bytes();
    let mut results: Vec<Option<Sample>> = vec![None; batch.count];
    let mut next = 0usize;
    let mut pos = 0usize;
    let mut search = 0usize;
    while next < batch.count {
        let Some(o) = find(stdout, &opener, search) else {
            break;
        };
        let fields = o + opener.len();
        let Some(c) = find(stdout, &closer, fields) else {
            break;
        };
        let accepted = trailer(&stdout[fields..c]).filter(|t| {
            t.index >= next
                && t.index < batch.count
                && t.size_header.checked_add(t.size_download) == Some(o - pos)
        });
        match accepted {
            Some(t) => {
                let record = &stdout[pos..o];
                results[t.index] = Some(sample(&t, record));
                next = t.index + 1;
                pos = c + closer.len();
                search = pos;
            }
            // Delimiter-like bytes inside a body: look further.
            None => search = o + 1,
        }
    }
    let missing = results.iter().filter(|r| r.is_none()).count();
    ParsedBatch {
        problem: problem(missing, batch.count, stderr, exit),
        results,
    }
}

fn sample(t: &Trailer<'_>, record: &[u8]) -> Sample {
    let message = String::from_utf8_lossy(t.errormsg).trim().to_string();
    if t.exit != 0 {
        return Sample::TransportError(TransportError {
            kind: TransportErrorKind::from_curl_exit(t.exit),
            curl_exit: Some(t.exit),
            message: if message.is_empty() {
                format!("curl exit code {}", t.exit)
            } else {
                message
            },
            elapsed: t.time,
        });
    }
    if t.status == 0 {
        return Sample::TransportError(TransportError {
            kind: TransportErrorKind::Other,
            curl_exit: Some(0),
            message: "curl reported success but no HTTP status".into(),
            elapsed: t.time,
        });
    }
    let (head, body) = record.split_at(t.size_header);
    Sample::Response(Response {
        status: t.status,
        headers: headers(head),
        body: Body::from_bytes(body),
        elapsed: t.time,
    })
}

/// The header fields of the last response in `head` (1xx interim responses come first).
pub(super) fn headers(head: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(head);
    let mut last = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with("HTTP/") {
            current = Some(Vec::new());
        } else if line.is_empty() {
            if let Some(c) = current.take() {
                last = c;
            }
        } else if let Some(c) = current.as_mut()
            && let Some((n, v)) = line.split_once(':')
        {
            c.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    if let Some(c) = current {
        last = c;
    }
    last
}

fn tail(stderr: &[u8]) -> String {
    let t = String::from_utf8_lossy(&stderr[stderr.len().saturating_sub(600)..]);
    let t = t.trim();
    if t.is_empty() {
        "(no stderr)".into()
    } else {
        t.to_string()
    }
}

fn problem(missing: usize, count: usize, stderr: &[u8], exit: &ExitStatus) -> Option<String> {
    if missing == 0 {
        return None;
    }
    let done = count - missing;
    Some(match exit {
        ExitStatus::StreamBroken { detail } => {
            format!(
                "the exec stream broke after {done} of {count} transfers ({detail}); stderr: {}",
                tail(stderr)
            )
        }
        ExitStatus::TimedOut { after } => {
            format!("the batch timed out after {after:.1?} with {done} of {count} transfers done")
        }
        ExitStatus::Failed { reason, message } => {
            format!("the exec failed ({reason}: {message}) with {done} of {count} transfers done")
        }
        ExitStatus::Code(c) if done == 0 => {
            format!(
                "curl exited {c} before any transfer finished (2: bad option, 26: config unreadable, 126/127: no curl in the container); stderr: {}",
                tail(stderr)
            )
        }
        ExitStatus::Code(c) => {
            format!(
                "curl's output ended after {done} of {count} transfers (exit {c}); stderr: {}",
                tail(stderr)
            )
        }
    })
}
