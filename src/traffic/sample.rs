//! What one request produced: an HTTP response, or a transport error. A transport error is
//! never an HTTP outcome (a refused connection is not a 503), so the two are different
//! variants, and classification code has to treat them apart.

use std::borrow::Cow;
use std::time::Duration;

/// Bytes of a body kept for classification and reports; the total size is still counted.
pub(super) const BODY_KEEP: usize = 64 * 1024;

/// The result of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sample {
    Response(Response),
    TransportError(TransportError),
}

impl Sample {
    pub fn response(&self) -> Option<&Response> {
        match self {
            Sample::Response(r) => Some(r),
            Sample::TransportError(_) => None,
        }
    }

    pub fn transport_error(&self) -> Option<&TransportError> {
        match self {
            Sample::TransportError(e) => Some(e),
            Sample::Response(_) => None,
        }
    }
}

/// An HTTP response (any status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// The final response's headers in order, names as sent (1xx responses are skipped).
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// Time from start to the end of the transfer, when the sender measured it.
    pub elapsed: Option<Duration>,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A response body: its first [`BODY_KEEP`] bytes and its full size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body {
    pub kept: Vec<u8>,
    pub total: u64,
}

impl Body {
    /// Keeps the first [`BODY_KEEP`] bytes of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self {
            kept: bytes[..bytes.len().min(BODY_KEEP)].to_vec(),
            total: bytes.len() as u64,
        }
    }

    /// Appends a received chunk, keeping at most [`BODY_KEEP`] bytes.
    pub fn push(&mut self, chunk: &[u8]) {
        let room = BODY_KEEP.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
        self.total += chunk.len() as u64;
    }

    /// Whether [`Body::kept`] is the whole body.
    pub fn is_complete(&self) -> bool {
        self.kept.len() as u64 == self.total
    }

    /// The kept bytes as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.kept)
    }
}

/// Why no (complete) response came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    pub kind: TransportErrorKind,
    /// curl's exit code for this transfer, when curl sent it.
    pub curl_exit: Option<i32>,
    /// The sender's message (curl's `%{errormsg}`, or the HTTP client's error chain).
    pub message: String,
    pub elapsed: Option<Duration>,
}

/// Transport failures, by what a person would check next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportErrorKind {
    /// The host name did not resolve (DNS, or no such Service).
    Resolve,
    /// Nothing accepted the connection (refused, unreachable, connect timeout).
    Connect,
    /// The request's timeout passed before the response completed.
    Timeout,
    /// The connection broke while sending or receiving.
    Reset,
    /// The server closed the connection without any response.
    EmptyReply,
    Other,
}

impl TransportErrorKind {
    /// curl's exit codes (libcurl `CURLcode`): 5/6 resolve, 7 connect, 28 timeout, 52 empty
    /// reply, 55/56 send/receive failure.
    pub fn from_curl_exit(code: i32) -> Self {
        match code {
            5 | 6 => Self::Resolve,
            7 => Self::Connect,
            28 => Self::Timeout,
            52 => Self::EmptyReply,
            55 | 56 => Self::Reset,
            _ => Self::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_keep_a_bounded_prefix_and_the_size() {
        let mut b = Body::default();
        b.push(&vec![b'a'; BODY_KEEP - 1]);
        b.push(b"bcd");
        assert_eq!(b.kept.len(), BODY_KEEP);
        assert_eq!(b.total, BODY_KEEP as u64 + 2);
        assert!(!b.is_complete());
        assert_eq!(
            Body::from_bytes(b"xy"),
            Body {
                kept: b"xy".to_vec(),
                total: 2
            }
        );
    }
}
