//! Hostname matching as in `pkg/config/host/name.go` and `names.go`.

/// Whether a hostname is a wildcard (`*` or `*.x`).
pub(crate) fn is_wildcard(h: &str) -> bool {
    h.starts_with('*')
}

/// `Name.Matches`: a bidirectional wildcard match.
pub(crate) fn matches(n: &str, o: &str) -> bool {
    match (is_wildcard(n), is_wildcard(o)) {
        (true, true) => {
            if n.len() < o.len() {
                o[1..].ends_with(&n[1..])
            } else {
                n[1..].ends_with(&o[1..])
            }
        }
        (true, false) => o.ends_with(&n[1..]),
        (false, true) => n.ends_with(&o[1..]),
        (false, false) => n == o,
    }
}

/// `Name.SubsetOf`: every host `n` matches is also matched by `o`.
pub(super) fn subset_of(n: &str, o: &str) -> bool {
    if n == o {
        return true;
    }
    if is_wildcard(o) {
        if is_wildcard(n) {
            return n.len() >= o.len() && n[1..].ends_with(&o[1..]);
        }
        return n.ends_with(&o[1..]);
    }
    false
}

/// `Names.Intersection`: the more specific of each matching pair.
pub(super) fn intersection(a: &[String], b: &[String]) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for x in a {
        for y in b {
            let pick = if subset_of(x, y) {
                x
            } else if subset_of(y, x) {
                y
            } else {
                continue;
            };
            if !out.contains(pick) {
                out.push(pick.clone());
            }
        }
    }
    out
}

/// `host.NamesForNamespace`: the server hosts (`ns/host`) visible to configs in `namespace`.
pub(super) fn names_for_namespace(hosts: &[String], namespace: &str) -> Vec<String> {
    hosts
        .iter()
        .filter_map(|h| match h.split_once('/') {
            Some((ns, host)) if ns == "*" || ns == namespace => Some(host.to_string()),
            Some(_) => None,
            None => Some(h.clone()),
        })
        .collect()
}

/// Envoy virtual-host domain matching: exact, then the longest `*.suffix`/`*suffix`, then `*`.
/// Returns the index of the chosen domain list.
pub(super) fn pick_vhost(domains: &[Vec<String>], authority: &str) -> Option<usize> {
    let host = authority.to_ascii_lowercase();
    if let Some(i) = domains.iter().position(|d| d.contains(&host)) {
        return Some(i);
    }
    let mut best: Option<(usize, usize)> = None;
    for (i, d) in domains.iter().enumerate() {
        for x in d {
            if let Some(suffix) = x.strip_prefix('*')
                && !suffix.is_empty()
                && host.ends_with(suffix)
                && host.len() > suffix.len()
                && best.is_none_or(|(_, l)| suffix.len() > l)
            {
                best = Some((i, suffix.len()));
            }
        }
    }
    if let Some((i, _)) = best {
        return Some(i);
    }
    domains.iter().position(|d| d.iter().any(|x| x == "*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_rules() {
        assert!(matches("*.example.com", "httpbin.example.com"));
        assert!(matches("*", "a.b"));
        assert!(!matches("a.com", "b.com"));
        assert!(subset_of("httpbin.example.com", "*.example.com"));
        assert!(!subset_of("*.example.com", "httpbin.example.com"));
        assert_eq!(
            intersection(&["*.example.com".into()], &["httpbin.example.com".into()]),
            vec!["httpbin.example.com".to_string()]
        );
        assert_eq!(
            intersection(&["*.example.com".into()], &["*".into()]),
            vec!["*.example.com".to_string()]
        );
        assert_eq!(
            names_for_namespace(&["ns/a".into(), "*/b".into(), "other/c".into()], "ns"),
            vec!["a".to_string(), "b".to_string()]
        );
        let d = vec![
            vec!["*.example.com".to_string()],
            vec!["a.example.com".to_string()],
        ];
        assert_eq!(pick_vhost(&d, "A.example.com"), Some(1));
        assert_eq!(pick_vhost(&d, "b.example.com"), Some(0));
        assert_eq!(pick_vhost(&d, "example.org"), None);
    }
}
