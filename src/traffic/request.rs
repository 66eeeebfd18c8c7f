//! A request as a scenario describes it, independent of who sends it (curl in a pod, or the
//! harness itself towards a gateway), and the checks every sender needs.

use std::time::Duration;

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A full `http://` or `https://` URL; its host is also the `Host` header.
    Url(String),
    /// A `Host` header and a path (`/get?x=1`): the ingress source sends it to the gateway's
    /// address, the mesh source to `http://{host}{path}`.
    Host { host: String, path: String },
}

/// One HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// An HTTP method token (`GET`, `POST`, `PURGE`...).
    pub method: String,
    pub target: Target,
    /// Extra headers in order; a `Host` header here overrides the target's host.
    pub headers: Vec<(String, String)>,
    /// The body, sent as is (no Content-Type is added beyond what the sender adds itself: curl
    /// adds `application/x-www-form-urlencoded` for a body unless a Content-Type is given).
    pub body: Option<Vec<u8>>,
    /// Bounds the whole exchange (connect, send, receive).
    pub timeout: Duration,
}

/// The timeout of [`Request::get`] and [`Request::to_host`].
pub(super) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

impl Request {
    /// `GET url`.
    pub fn get(url: impl Into<String>) -> Self {
        Self {
            method: "GET".into(),
            target: Target::Url(url.into()),
            headers: vec![],
            body: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// `GET path` with `Host: host`.
    pub fn to_host(host: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            target: Target::Host {
                host: host.into(),
                path: path.into(),
            },
            ..Self::get("")
        }
    }

    pub fn method(mut self, m: impl Into<String>) -> Self {
        self.method = m.into();
        self
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn body(mut self, b: impl Into<Vec<u8>>) -> Self {
        self.body = Some(b.into());
        self
    }

    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// The URL a sender that resolves names itself uses (`http://{host}{path}` for a
    /// [`Target::Host`]).
    pub fn url(&self) -> String {
        match &self.target {
            Target::Url(u) => u.clone(),
            Target::Host { host, path } => format!("http://{host}{path}"),
        }
    }

    /// Checks what every sender needs: a method token, header names that are tokens, values
    /// without line breaks, a parsable http(s) URL, no body on HEAD, a positive timeout.
    pub fn check(&self, index: usize) -> Result<(), RequestError> {
        let bad = |problem: String| Err(RequestError { index, problem });
        if !is_token(&self.method) {
            return bad(format!(
                "method `{}` is not an HTTP token",
                self.method.escape_debug()
            ));
        }
        for (name, value) in &self.headers {
            if !is_token(name) {
                return bad(format!(
                    "header name `{}` is not an HTTP token",
                    name.escape_debug()
                ));
            }
            if value.contains(['\r', '\n', '\0']) {
                return bad(format!(
                    "the value of header `{name}` contains a line break or NUL"
                ));
            }
        }
        if let Target::Host { host, path } = &self.target {
            if host.is_empty()
                || host.contains(['/', '?', '#', '@'])
                || host.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return bad(format!(
                    "`{}` is not a host (name or address, optionally with :port)",
                    host.escape_debug()
                ));
            }
            if !path.starts_with('/') {
                return bad(format!(
                    "path `{}` must start with `/`",
                    path.escape_debug()
                ));
            }
        }
        let url = self.url();
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad(format!(
                "URL `{}` contains white space or control characters; percent-encode them",
                url.escape_debug()
            ));
        }
        match reqwest::Url::parse(&url) {
            Ok(u)
                if matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some_and(|h| !h.is_empty()) => {}
            Ok(_) => {
                return bad(format!(
                    "URL `{url}` is not an http:// or https:// URL with a host"
                ));
            }
            Err(e) => return bad(format!("URL `{url}` is malformed: {e}")),
        }
        if self.method.eq_ignore_ascii_case("HEAD") && self.body.is_some() {
            return bad("a HEAD request cannot have a body".into());
        }
        if self.timeout.is_zero() {
            return bad("the timeout must be positive".into());
        }
        Ok(())
    }
}

/// A request that cannot be sent as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("request {index}: {problem}")]
pub struct RequestError {
    /// Its position in the batch (0-based).
    pub index: usize,
    pub problem: String,
}

/// RFC 9110 `token`: what methods and header names are made of.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_what_senders_cannot_carry() {
        assert!(Request::get("http://a.b:5000/x?y=1").check(0).is_ok());
        assert!(
            Request::to_host("httpbin.example.com", "/get")
                .check(0)
                .is_ok()
        );
        let e = Request::get("http://a/")
            .method("GE T")
            .check(3)
            .unwrap_err();
        assert_eq!(e.index, 3);
        assert!(
            Request::get("http://a/")
                .header("X:Y", "v")
                .check(0)
                .is_err()
        );
        assert!(
            Request::get("http://a/")
                .header("@file", "v")
                .check(0)
                .is_err()
        );
        assert!(
            Request::get("http://a/")
                .header("X", "a\r\nB: c")
                .check(0)
                .is_err()
        );
        assert!(Request::get("ftp://a/").check(0).is_err());
        assert!(Request::get("http://a/b c").check(0).is_err());
        assert!(
            Request::get("http://a/")
                .method("HEAD")
                .body("x")
                .check(0)
                .is_err()
        );
        assert!(Request::to_host("a", "x").check(0).is_err());
        assert!(Request::to_host("a/b", "/x").check(0).is_err());
    }
}
