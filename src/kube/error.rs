//! What the API server (or the way to it) said, reduced to words a person can act on.
//!
//! Every error of this module carries the resource it was about and the server's message, but
//! never anything from the kubeconfig: kube-rs errors are rendered through [`ApiFailure`],
//! which keeps the HTTP status, the reason and the message, and scrubs anything that looks
//! like a bearer token from transport messages.

use std::fmt;

/// A failed call to the API server: the Status it answered with, or why there was no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    /// The HTTP status of the `Status` answer; `None` when no answer came (connection, TLS,
    /// timeout, a body that was not JSON).
    pub code: Option<u16>,
    /// The `Status.reason` (`NotFound`, `Invalid`, `Forbidden`...); empty when absent.
    pub reason: String,
    /// The server's message, or the transport error's.
    pub message: String,
}

impl ApiFailure {
    /// Reduces a kube-rs error to its status, reason and message.
    pub fn from_kube(e: &::kube::Error) -> Self {
        match e {
            ::kube::Error::Api(s) => Self {
                code: Some(s.code),
                reason: s.reason.clone(),
                message: s.message.clone(),
            },
            other => Self {
                code: None,
                reason: String::new(),
                message: redact(&error_chain(other)),
            },
        }
    }

    /// 404: the object (or its kind) does not exist.
    pub fn is_not_found(&self) -> bool {
        self.code == Some(404)
    }

    /// Failures that retrying the same call later may cure: no answer at all, 429, 5xx, and
    /// 409 conflicts of concurrent writers.
    pub fn is_transient(&self) -> bool {
        match self.code {
            None => true,
            Some(c) => c == 429 || c == 409 || c >= 500,
        }
    }

    /// 401/403: waiting will not help; the credentials or RBAC must change.
    pub fn is_auth(&self) -> bool {
        matches!(self.code, Some(401 | 403))
    }
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.reason.is_empty()) {
            (Some(code), false) => write!(f, "{code} {}: {}", self.reason, self.message),
            (Some(code), true) => write!(f, "{code}: {}", self.message),
            (None, _) => write!(f, "no answer from the API server: {}", self.message),
        }
    }
}

/// An error and its sources, joined with `: ` (kube-rs puts the useful part in the sources).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Removes what could be a credential from a message: the word after `Bearer`/`Basic` and
/// the value of `token=`/`password=`.
pub(crate) fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut hide_next = false;
    for (i, word) in message.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if hide_next {
            out.push_str("[redacted]");
            hide_next = false;
            continue;
        }
        let lower = word.to_ascii_lowercase();
        if lower == "bearer" || lower == "basic" {
            hide_next = true;
            out.push_str(word);
        } else if let Some(eq) = ["token=", "password=", "access_token="]
            .iter()
            .find_map(|k| lower.find(k).map(|at| at + k.len()))
        {
            out.push_str(&word[..eq]);
            out.push_str("[redacted]");
        } else {
            out.push_str(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_what_looks_like_a_credential() {
        assert_eq!(
            redact("Authorization: Bearer abc.def failed"),
            "Authorization: Bearer [redacted] failed"
        );
        assert_eq!(redact("url?token=s3cr3t&x=1"), "url?token=[redacted]");
        assert_eq!(redact("plain message"), "plain message");
    }

    #[test]
    fn renders_status_failures() {
        let f = ApiFailure {
            code: Some(404),
            reason: "NotFound".into(),
            message: "pods \"x\" not found".into(),
        };
        assert_eq!(f.to_string(), "404 NotFound: pods \"x\" not found");
        assert!(f.is_not_found() && !f.is_transient());
    }
}
