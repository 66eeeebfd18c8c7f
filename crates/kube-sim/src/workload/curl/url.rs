//! URL parsing as libcurl's URL API does it for the tool (lib/urlapi.c with
//! `CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME`), reduced to what HTTP transfers need:
//! scheme guessing, authority checks with curl's error codes, dot-segment removal, the
//! normalised URL (`%{url_effective}`) and relative redirect resolution.

/// A URL API failure (`CURLUcode`); its text follows "URL rejected: " in curl's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UrlError {
    MalformedInput,
    BadPortNumber,
    NoHost,
    BadHostname,
    BadIpv6,
    BadSlashes,
}

impl UrlError {
    /// `curl_url_strerror()` (lib/strerror.c).
    pub(super) fn text(self) -> &'static str {
        match self {
            UrlError::MalformedInput => "Malformed input to a URL function",
            UrlError::BadPortNumber => "Port number was not a decimal number between 0 and 65535",
            UrlError::NoHost => "No host part in the URL",
            UrlError::BadHostname => "Bad hostname",
            UrlError::BadIpv6 => "Bad IPv6 address",
            UrlError::BadSlashes => "Unsupported number of slashes following scheme",
        }
    }
}

/// libcurl's input limit (CURL_MAX_INPUT_LENGTH).
const MAX_INPUT: usize = 8_000_000;

/// A parsed URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Url {
    /// Lower case.
    pub scheme: String,
    pub user: Option<String>,
    pub password: Option<String>,
    /// As written; IPv6 literals keep their brackets here.
    pub host: String,
    /// The port written in the URL, if any.
    pub port: Option<u16>,
    /// Never empty.
    pub path: String,
    pub query: Option<String>,
    pub fragment: Option<String>,
}

impl Url {
    pub(super) fn parse(input: &str, path_as_is: bool) -> Result<Url, UrlError> {
        if input.len() > MAX_INPUT || input.bytes().any(|b| b <= 0x20 || b == 0x7f) {
            return Err(UrlError::MalformedInput);
        }
        let (scheme, rest, guessed) = match scheme_len(input) {
            Some(n) => {
                let rest = &input[n + 1..];
                let Some(rest) = rest.strip_prefix("//") else {
                    return Err(UrlError::BadSlashes);
                };
                (input[..n].to_ascii_lowercase(), rest, false)
            }
            None => (String::new(), input, true),
        };
        let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(auth_end);
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            Some(ui) => match ui.split_once(':') {
                Some((u, p)) => (Some(u.to_string()), Some(p.to_string())),
                None => (Some(ui.to_string()), None),
            },
            None => (None, None),
        };
        let (host, port_text) = split_host_port(hostport)?;
        let port = match port_text {
            None => None,
            Some("") if guessed => return Err(UrlError::BadPortNumber),
            Some("") => None,
            Some(p) => {
                if !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 5 {
                    return Err(UrlError::BadPortNumber);
                }
                Some(p.parse::<u16>().map_err(|_| UrlError::BadPortNumber)?)
            }
        };
        check_host(host)?;
        let scheme = if guessed { guess_scheme(host) } else { scheme };
        let (before_fragment, fragment) = match tail.split_once('#') {
            Some((a, f)) => (a, Some(f.to_string())),
            None => (tail, None),
        };
        let (path, query) = match before_fragment.split_once('?') {
            Some((p, q)) => (p, Some(q.to_string())),
            None => (before_fragment, None),
        };
        let path = if path.is_empty() { "/" } else { path };
        let path = if path_as_is {
            path.to_string()
        } else {
            remove_dot_segments(path)
        };
        Ok(Url {
            scheme,
            user,
            password,
            host: host.to_string(),
            port,
            path,
            query,
            fragment,
        })
    }

    /// The scheme's default port.
    pub(super) fn default_port(&self) -> u16 {
        match self.scheme.as_str() {
            "https" | "wss" => 443,
            "ftp" => 21,
            _ => 80,
        }
    }

    pub(super) fn effective_port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.default_port())
    }

    /// The host without IPv6 brackets, as curl resolves and reports it.
    pub(super) fn host_name(&self) -> &str {
        self.host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&self.host)
    }

    /// The `Host` header value: the port only when it is not the scheme's default
    /// (lib/http.c http_set_aptr_host).
    pub(super) fn host_header(&self) -> String {
        match self.port {
            Some(p) if p != self.default_port() => format!("{}:{p}", self.host),
            _ => self.host.clone(),
        }
    }

    /// Path and query, the HTTP request target.
    pub(super) fn request_target(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    /// The normalised URL libcurl reports as `CURLINFO_EFFECTIVE_URL` (no fragment).
    pub(super) fn to_effective(&self) -> String {
        let mut s = format!("{}://", self.scheme);
        if let Some(u) = &self.user {
            s.push_str(u);
            if let Some(p) = &self.password {
                s.push(':');
                s.push_str(p);
            }
            s.push('@');
        }
        s.push_str(&self.host);
        if let Some(p) = self.port {
            s.push_str(&format!(":{p}"));
        }
        s.push_str(&self.request_target());
        s
    }

    /// Resolve a `Location` value against this URL (RFC 3986 section 5.2, as curl does in
    /// lib/urlapi.c for relative redirects).
    pub(super) fn join(&self, location: &str, path_as_is: bool) -> Result<Url, UrlError> {
        let location = location.trim();
        if scheme_len(location).is_some() {
            return Url::parse(location, path_as_is);
        }
        if let Some(rest) = location.strip_prefix("//") {
            return Url::parse(&format!("{}://{rest}", self.scheme), path_as_is);
        }
        let mut base = self.clone();
        base.fragment = None;
        let (before_fragment, fragment) = match location.split_once('#') {
            Some((a, f)) => (a, Some(f.to_string())),
            None => (location, None),
        };
        let (path, query) = match before_fragment.split_once('?') {
            Some((p, q)) => (p, Some(q.to_string())),
            None => (before_fragment, None),
        };
        if path.is_empty() {
            if query.is_some() {
                base.query = query;
            }
        } else {
            let merged = if path.starts_with('/') {
                path.to_string()
            } else {
                let dir = match base.path.rfind('/') {
                    Some(i) => &base.path[..=i],
                    None => "/",
                };
                format!("{dir}{path}")
            };
            base.path = if path_as_is {
                merged
            } else {
                remove_dot_segments(&merged)
            };
            base.query = query;
        }
        base.fragment = fragment;
        if base.to_effective().bytes().any(|b| b <= 0x20 || b == 0x7f) {
            return Err(UrlError::MalformedInput);
        }
        Ok(base)
    }
}

/// Length of a leading `scheme:` followed by `/` (lib/urlapi.c Curl_is_absolute_url in
/// guessing mode), so `host:5000/x` is a host with a port, not a scheme.
fn scheme_len(url: &str) -> Option<usize> {
    let b = url.as_bytes();
    if !b.first()?.is_ascii_alphabetic() {
        return None;
    }
    let mut i = 1;
    while i < b.len() && i < 40 && (b[i].is_ascii_alphanumeric() || b"+-.".contains(&b[i])) {
        i += 1;
    }
    (b.get(i) == Some(&b':') && b.get(i + 1) == Some(&b'/')).then_some(i)
}

/// curl picks the scheme from a host name prefix when none is given (lib/urlapi.c).
fn guess_scheme(host: &str) -> String {
    let lower = host.to_ascii_lowercase();
    for (prefix, scheme) in [
        ("ftp.", "ftp"),
        ("dict.", "dict"),
        ("ldap.", "ldap"),
        ("imap.", "imap"),
        ("smtp.", "smtp"),
        ("pop3.", "pop3"),
    ] {
        if lower.starts_with(prefix) {
            return scheme.into();
        }
    }
    "http".into()
}

fn split_host_port(hostport: &str) -> Result<(&str, Option<&str>), UrlError> {
    if hostport.starts_with('[') {
        let end = hostport.find(']').ok_or(UrlError::BadIpv6)?;
        let host = &hostport[..=end];
        let after = &hostport[end + 1..];
        return match after.strip_prefix(':') {
            Some(p) => Ok((host, Some(p))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(UrlError::BadPortNumber),
        };
    }
    Ok(match hostport.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (hostport, None),
    })
}

/// lib/urlapi.c hostname_check.
fn check_host(host: &str) -> Result<(), UrlError> {
    if host.is_empty() {
        return Err(UrlError::NoHost);
    }
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or(UrlError::BadIpv6)?;
        let addr = inner.split('%').next().unwrap_or("");
        return addr
            .parse::<std::net::Ipv6Addr>()
            .map(|_| ())
            .map_err(|_| UrlError::BadIpv6);
    }
    if host
        .chars()
        .any(|c| " \r\n\t/:#?!@{}[]\\$'\"^`*<>=;,+&()%".contains(c))
    {
        return Err(UrlError::BadHostname);
    }
    Ok(())
}

/// RFC 3986 section 5.2.4.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    let mut trailing_slash = false;
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => trailing_slash = i == last,
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                trailing_slash = i == last;
            }
            s => {
                out.push(s);
                trailing_slash = false;
            }
        }
    }
    let mut joined = out.join("/");
    if !joined.starts_with('/') {
        joined.insert(0, '/');
    }
    if trailing_slash && !joined.ends_with('/') {
        joined.push('/');
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_http_and_keeps_port() {
        let u = Url::parse("helloworld.sample:5000/hello", false).unwrap();
        assert_eq!(u.scheme, "http");
        assert_eq!(u.host, "helloworld.sample");
        assert_eq!(u.effective_port(), 5000);
        assert_eq!(u.to_effective(), "http://helloworld.sample:5000/hello");
        assert_eq!(u.host_header(), "helloworld.sample:5000");
        let u = Url::parse("http://httpbin.example.com", false).unwrap();
        assert_eq!(u.to_effective(), "http://httpbin.example.com/");
        assert_eq!(u.host_header(), "httpbin.example.com");
    }

    #[test]
    fn rejects_like_curl() {
        assert_eq!(
            Url::parse("http://a b/", false),
            Err(UrlError::MalformedInput)
        );
        assert_eq!(Url::parse("http://", false), Err(UrlError::NoHost));
        assert_eq!(
            Url::parse("http://h:99999/", false),
            Err(UrlError::BadPortNumber)
        );
        assert_eq!(
            Url::parse("http://h:x/", false),
            Err(UrlError::BadPortNumber)
        );
        assert_eq!(
            Url::parse("h:", false).map(|u| u.host),
            Err(UrlError::BadPortNumber)
        );
        assert_eq!(
            Url::parse("h:/x", false).map(|u| u.host),
            Err(UrlError::BadSlashes)
        );
        assert_eq!(Url::parse("http://a$b/", false), Err(UrlError::BadHostname));
        assert_eq!(Url::parse("http://[::1/", false), Err(UrlError::BadIpv6));
        assert!(Url::parse("http://[::1]:8080/x", false).is_ok());
    }

    #[test]
    fn dot_segments_and_join() {
        let u = Url::parse("http://h/a/b/../c/./d?q=1#f", false).unwrap();
        assert_eq!(u.request_target(), "/a/c/d?q=1");
        assert_eq!(
            u.join("../x", false).unwrap().to_effective(),
            "http://h/a/x"
        );
        assert_eq!(
            u.join("/get", false).unwrap().to_effective(),
            "http://h/get"
        );
        assert_eq!(
            u.join("//other:81/p", false).unwrap().to_effective(),
            "http://other:81/p"
        );
        assert_eq!(
            u.join("https://x/y", false).unwrap().to_effective(),
            "https://x/y"
        );
        assert_eq!(
            u.join("?z", false).unwrap().to_effective(),
            "http://h/a/c/d?z"
        );
    }
}
