//! Envoy `safe_regex` matching: an RE2 pattern that must match the whole value (Envoy's
//! `Regex::Utility::parseStdRegex`/`CompiledGoogleReMatcher` call `RE2::FullMatch`), compiled once
//! when the configuration is read, with the `regex` crate. Also the webhook's check of a pattern
//! (`validateStringMatchRegexp` / `validateStringRegexp`, pkg/config/validation/validation.go).
//!
//! # `regex` crate versus RE2
//!
//! Sources: RE2's syntax page (github.com/google/re2/wiki/Syntax) and the `regex` crate's syntax
//! docs (docs.rs/regex, "Syntax"); Go's `regexp` (the webhook) follows RE2. Both engines run in
//! linear time and agree on what Istio users write in `HTTPMatchRequest` and HTTPRoute
//! `RegularExpression` matches: literals, `.`, classes with ranges and negation, `[[:alpha:]]`,
//! `\pL`, groups `(…)`/`(?:…)`/`(?P<n>…)`, alternation, `* + ? {n} {n,} {n,m}` and their lazy
//! forms, `^ $ \A \z \b`, and the flags `(?i) (?m) (?s) (?U)`. They differ here, and the
//! simulator follows the `regex` crate:
//! - `\d \w \s \b` are ASCII in RE2, Unicode-aware here (`\d` matches `٣`). Paths are
//!   percent-encoded ASCII, so this shows only in header values with non-ASCII text.
//! - RE2 accepts `\Q…\E` (literal text) and `\C` (any byte); here they are syntax errors, so
//!   the webhook model denies a VirtualService Istio would admit.
//! - RE2 caps a repeat count at 1000 (`a{1001}` is "invalid repeat count" in Go); here the only
//!   cap is the compiled size (10 MiB), so `a{1001}` is accepted and `(a{1000}){1000}` refused.
//! - Inside a class, `&&`, `--` and `~~` are set operations here and plain characters in RE2.
//! - `(?x)` (verbose mode) exists only here.
//! - Error texts: Go says e.g. ``error parsing regexp: missing closing ): `(` ``; the model keeps
//!   Go's frame and puts the `regex` crate's description in it (`unclosed group`).

use std::fmt;

use regex::Regex;
use serde::Serialize;

/// Istio's limit on a pattern's length, standing in for Envoy's RE2 program size limit
/// (`validateStringRegexp`).
const MAX_PATTERN_LEN: usize = 1024;

/// A compiled `safe_regex` matcher. Equality and serialisation use the pattern as written.
#[derive(Clone)]
pub(crate) struct SafeRegex {
    pattern: String,
    /// `^(?:pattern)$`, or why the engine refused the pattern.
    full: Result<Regex, String>,
}

impl SafeRegex {
    /// Compiles `pattern` for full matches. A pattern the engine refuses is kept with its error
    /// and matches nothing: Envoy NACKs a route configuration holding it and keeps serving the
    /// previous one (istio/istio#49993 for HTTPRoutes, which nothing validates); the simulator
    /// only drops the match. VirtualServices never get here with one: the webhook denies them.
    pub(crate) fn new(pattern: &str) -> Self {
        Self {
            pattern: pattern.to_string(),
            full: compile_full(pattern),
        }
    }

    /// The pattern as written in the configuration.
    pub(crate) fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Whether the whole of `value` matches.
    pub(crate) fn is_match(&self, value: &str) -> bool {
        self.full.as_ref().is_ok_and(|re| re.is_match(value))
    }

    /// Why the engine refused the pattern, if it did.
    #[cfg(test)]
    pub(crate) fn error(&self) -> Option<&str> {
        self.full.as_ref().err().map(String::as_str)
    }
}

/// Checks the pattern alone first: wrapping an unbalanced pattern such as `a)|(b` would make it
/// valid and change its meaning.
fn compile_full(pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| describe(&e))?;
    Regex::new(&format!("^(?:{pattern})$")).map_err(|e| describe(&e))
}

/// The one-line description of a `regex` error (its last line; the others draw the pattern).
fn describe(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text.lines().last().unwrap_or_default();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

/// The webhook's verdict on a regex `StringMatch` at `field` (`"uri"`, `"headers"`, ...):
/// `validateStringMatchRegexp`, worded as Istio does.
pub(crate) fn webhook_error(field: &str, pattern: &str) -> Option<String> {
    let field = serde_json::Value::String(field.to_string());
    if pattern.is_empty() {
        return Some(format!("{field}: regex string match should not be empty"));
    }
    if pattern.len() > MAX_PATTERN_LEN {
        return Some(format!(
            "{field}: regex is too large, max length allowed is {MAX_PATTERN_LEN}"
        ));
    }
    let err = Regex::new(pattern).err()?;
    Some(format!(
        "{field}: error parsing regexp: {}: `{pattern}`; Istio uses RE2 style regex-based match \
         (https://github.com/google/re2/wiki/Syntax)",
        describe(&err)
    ))
}

impl fmt::Debug for SafeRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SafeRegex").field(&self.pattern).finish()
    }
}

impl PartialEq for SafeRegex {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern
    }
}

impl Eq for SafeRegex {}

impl Serialize for SafeRegex {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.pattern)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_match(pattern: &str, input: &str) -> bool {
        SafeRegex::new(pattern).is_match(input)
    }

    #[test]
    fn basics() {
        assert!(full_match("/get.*", "/get/x"));
        assert!(!full_match("/get", "/getx"));
        assert!(full_match("/(a|bc)+/?", "/abca/"));
        assert!(full_match("[a-z0-9-]{3,5}", "ab-9"));
        assert!(!full_match("[^/]+", "a/b"));
        assert!(full_match(r"/v\d+/.*", "/v12/x"));
        assert!(full_match(".*", ""));
        assert!(full_match("^/x$", "/x"));
        assert!(!full_match("(", "("));
        assert!(!full_match("a{2,1}", "aa"));
        assert!(full_match("(a*)*b", "aaab"));
        assert!(!full_match("(a*)*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    }

    /// The full match is of the whole pattern: alternation does not escape the anchors, and an
    /// unbalanced pattern is not made valid by the wrapping group.
    #[test]
    fn anchoring_is_of_the_whole_pattern() {
        assert!(!full_match("/a|/b", "/a/x"));
        assert!(full_match("/a|/b", "/b"));
        let wrapped = SafeRegex::new("a)|(b");
        assert_eq!(wrapped.error(), Some("unopened group"));
        assert!(!wrapped.is_match("a)|(b"));
    }

    /// Linear time: what defeated the old backtracking matcher's step limit now just matches.
    #[test]
    fn no_catastrophic_backtracking() {
        let long = format!("{}b", "a".repeat(20_000));
        assert!(full_match("(a*)*b", &long));
        assert!(full_match("(a|aa)+b", &long));
    }

    #[test]
    fn refused_patterns_match_nothing_and_say_why() {
        for (p, why) in [
            ("(", "unclosed group"),
            (
                "(?=x)",
                "look-around, including look-ahead and look-behind, is not supported",
            ),
            (r"\Qa\E", "unrecognized escape sequence"),
        ] {
            let re = SafeRegex::new(p);
            assert_eq!(re.error(), Some(why), "{p}");
            assert!(!re.is_match(p));
        }
    }

    #[test]
    fn webhook_messages() {
        assert_eq!(webhook_error("uri", "/a.*"), None);
        assert_eq!(
            webhook_error("uri", "").as_deref(),
            Some(r#""uri": regex string match should not be empty"#)
        );
        assert_eq!(
            webhook_error("headers", &"a".repeat(1025)).as_deref(),
            Some(r#""headers": regex is too large, max length allowed is 1024"#)
        );
        assert_eq!(
            webhook_error("uri", "/(").as_deref(),
            Some(
                "\"uri\": error parsing regexp: unclosed group: `/(`; Istio uses RE2 style \
                 regex-based match (https://github.com/google/re2/wiki/Syntax)"
            )
        );
    }
}
