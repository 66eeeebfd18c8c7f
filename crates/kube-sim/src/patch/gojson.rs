//! JSON text as Go's `encoding/json` (and jsoniter's standard-library mode) writes it.
//!
//! Strings the real apiserver builds from JSON (FieldsV1 `k:`/`v:` keys, the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation, manager identifiers)
//! escape `<`, `>`, `&`, U+2028 and U+2029, and sort object keys. serde_json sorts keys
//! (no `preserve_order`) but does not escape HTML, so the escapes are added here.

use serde_json::Value;

/// Compact JSON of `v` with Go's HTML-safe escapes and object keys sorted.
pub(crate) fn to_string(v: &Value) -> String {
    let mut sorted = String::new();
    write_sorted(v, &mut sorted);
    escape_html(&sorted)
}

/// Writes `v` with object keys sorted whatever the `Map` ordering feature of serde_json.
fn write_sorted(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(child) = m.get(k) {
                    write_sorted(child, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// These characters only occur inside JSON strings, so a plain replace is safe.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `value.ToString` rendering used in SMD path strings (`[name="app"]`, `[=80]`).
pub(crate) fn go_value_string(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::String(s) => Value::String(s.clone()).to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_value_string).collect();
            format!("[{}]", parts.join(","))
        }
        // structured-merge-diff: maps print as concatenated `k=v` pairs.
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}={}", go_value_string(v)))
            .collect(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_html_and_sorts() {
        assert_eq!(
            to_string(&json!({"b": "<a&b>", "a": [1, true, null]})),
            r#"{"a":[1,true,null],"b":"\u003ca\u0026b\u003e"}"#
        );
    }

    #[test]
    fn go_value_strings() {
        assert_eq!(go_value_string(&json!("app")), "\"app\"");
        assert_eq!(go_value_string(&json!(80)), "80");
        assert_eq!(go_value_string(&json!([1, "x"])), "[1,\"x\"]");
    }
}
