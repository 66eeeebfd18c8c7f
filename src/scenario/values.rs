//! Small value formats of the scenario language: names, labels, durations, `kubectl`-style
//! object names, HTTP header names. Each parser returns a message that says what a valid
//! value looks like.

use std::time::Duration;

use super::model::{Method, ResourceName};

/// Scenario, step, outcome and request names: what Kubernetes calls a DNS label, so they can
/// appear in namespace names, JUnit test names and file names unchanged.
pub(crate) fn check_name(s: &str, what: &str) -> Result<(), String> {
    if is_dns_label(s, 63) {
        Ok(())
    } else {
        Err(format!(
            "{what} `{}` must be lower-case letters, digits and `-`, start and end with a letter or digit, at most 63 characters",
            printable(s)
        ))
    }
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most `max` characters.
pub(crate) fn is_dns_label(s: &str, max: usize) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= max
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// An object name (Deployment, Gateway, container): a DNS subdomain.
pub(crate) fn check_object_name(s: &str, what: &str) -> Result<(), String> {
    let ok = s.len() <= 253 && s.split('.').all(|l| is_dns_label(l, 63));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} `{}` is not a valid Kubernetes name (lower-case letters, digits, `-` and `.`)",
            printable(s)
        ))
    }
}

/// A label key (`[prefix/]name`) as Kubernetes accepts it.
pub(crate) fn check_label_key(s: &str) -> Result<(), String> {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    let prefix_ok =
        prefix.is_none_or(|p| p.len() <= 253 && p.split('.').all(|l| is_dns_label(l, 63)));
    if prefix_ok && is_label_value(name) && !name.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "label key `{}` is invalid: `[prefix/]name`, the name at most 63 letters, digits, `-`, `_` or `.`",
            printable(s)
        ))
    }
}

/// A label value: empty, or up to 63 letters, digits, `-`, `_`, `.`, starting and ending
/// with a letter or digit.
pub(crate) fn check_label_value(s: &str) -> Result<(), String> {
    if is_label_value(s) {
        Ok(())
    } else {
        Err(format!(
            "label value `{}` is invalid: at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit",
            printable(s)
        ))
    }
}

fn is_label_value(s: &str) -> bool {
    let b = s.as_bytes();
    b.is_empty()
        || (b.len() <= 63
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric())
}

/// The longest time limit: an hour is already far beyond any step of a traffic test.
const MAX_DURATION: Duration = Duration::from_secs(3600);

/// `500ms`, `30s`, `2m`: a whole number and a unit, above 0 and at most 1h.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| bad_duration(s))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => return Err(bad_duration(s)),
    };
    if d.is_zero() || d > MAX_DURATION {
        return Err(format!(
            "duration `{}` must be above 0 and at most 1h",
            printable(s)
        ));
    }
    Ok(d)
}

fn bad_duration(s: &str) -> String {
    format!(
        "`{}` is not a duration; write a whole number and a unit: `500ms`, `30s`, `2m`, `1h`",
        printable(s)
    )
}

/// `<resource>[.<group>]/<name>` as kubectl writes it, e.g.
/// `gateways.gateway.networking.k8s.io/example-gateway`, `deployment/sleep`.
pub(crate) fn parse_resource_name(s: &str) -> Result<ResourceName, String> {
    let bad = || {
        format!(
            "`{}` is not an object reference; write `<resource>[.<group>]/<name>`, e.g. `gateways.gateway.networking.k8s.io/example-gateway`",
            printable(s)
        )
    };
    let (res, name) = s.split_once('/').ok_or_else(bad)?;
    let (resource, group) = res.split_once('.').unwrap_or((res, ""));
    if !is_dns_label(resource, 63)
        || !(group.is_empty() || group.split('.').all(|l| is_dns_label(l, 63)))
    {
        return Err(bad());
    }
    check_object_name(name, "object name")?;
    Ok(ResourceName {
        resource: resource.to_string(),
        group: group.to_string(),
        name: name.to_string(),
    })
}

/// An HTTP header name (an RFC 9110 token).
pub(crate) fn check_header_name(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a valid HTTP header name",
            printable(s)
        ))
    }
}

/// Values sent to curl (URL, host, path, header values) must have no control characters: a
/// line break would end a line of curl's configuration and start another.
pub(crate) fn check_no_control(s: &str, what: &str) -> Result<(), (usize, String)> {
    match s.chars().position(char::is_control) {
        Some(i) => Err((
            i,
            format!(
                "{what} contains a control character (line break, tab, ...), which cannot be sent"
            ),
        )),
        None => Ok(()),
    }
}

/// GET, HEAD, POST, PUT, DELETE, PATCH or OPTIONS (any case).
pub(crate) fn parse_method(s: &str) -> Result<Method, String> {
    Ok(match s.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "PATCH" => Method::Patch,
        "OPTIONS" => Method::Options,
        _ => {
            return Err(format!(
                "unknown HTTP method `{}`; use GET, HEAD, POST, PUT, DELETE, PATCH or OPTIONS",
                printable(s)
            ));
        }
    })
}

/// `s` with control characters escaped, for messages.
pub(crate) fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_labels() {
        assert!(check_name("route-precedence", "name").is_ok());
        assert!(check_name("Route", "name").is_err());
        assert!(check_name("-a", "name").is_err());
        assert!(check_label_key("istio-injection").is_ok());
        assert!(check_label_key("istio.io/rev").is_ok());
        assert!(check_label_key("a/b/c").is_err());
        assert!(check_label_value("enabled").is_ok());
        assert!(check_label_value("").is_ok());
        assert!(check_label_value("-x").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("2h").is_err());
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("1.5s").is_err());
        assert!(parse_duration("99999999999999999999s").is_err());
    }

    #[test]
    fn resource_names() {
        let r = parse_resource_name("gateways.gateway.networking.k8s.io/example-gateway").unwrap();
        assert_eq!(
            (r.resource(), r.group(), r.name()),
            ("gateways", "gateway.networking.k8s.io", "example-gateway")
        );
        assert_eq!(parse_resource_name("deployment/sleep").unwrap().group(), "");
        assert!(parse_resource_name("sleep").is_err());
        assert!(parse_resource_name("Gateway/x").is_err());
    }

    #[test]
    fn wire_values() {
        assert!(check_header_name("x-request-id").is_ok());
        assert!(check_header_name("bad header").is_err());
        assert_eq!(check_no_control("a\nb", "url").unwrap_err().0, 1);
        assert_eq!(parse_method("get"), Ok(Method::Get));
        assert!(parse_method("FETCH").is_err());
    }
}
