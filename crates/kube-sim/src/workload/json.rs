//! JSON as the server images serialise it, byte for byte.
//!
//! The two httpbin images differ in more than their values: go-httpbin writes Go's
//! `json.Encoder` output with a two-space indent (`httpbin/helpers.go mustMarshalJSON`),
//! kong/httpbin writes Flask's compact, key-sorted, ASCII-only `jsonify` output. A harness
//! that compares bodies sees the difference, so the serialisers are exact.

/// A JSON value. Objects keep their insertion order; whoever builds one from a Go map or
/// a Python dict sorts it (or lets [`Json::to_python_compact`] sort it).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    /// Already formatted number.
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    pub(super) fn str(s: impl Into<String>) -> Json {
        Json::Str(s.into())
    }

    /// Go `json.Encoder` with `SetIndent("", "  ")` and `SetEscapeHTML(false)`, including
    /// the trailing newline `Encode` writes.
    pub(super) fn to_go_indented(&self) -> String {
        let mut out = String::new();
        self.write_go(&mut out, 0);
        out.push('\n');
        out
    }

    fn write_go(&self, out: &mut String, depth: usize) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) => out.push_str(n),
            Json::Str(s) => go_string(out, s),
            Json::Arr(items) if items.is_empty() => out.push_str("[]"),
            Json::Obj(items) if items.is_empty() => out.push_str("{}"),
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline_indent(out, depth + 1);
                    item.write_go(out, depth + 1);
                }
                newline_indent(out, depth);
                out.push(']');
            }
            Json::Obj(items) => {
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline_indent(out, depth + 1);
                    go_string(out, k);
                    out.push_str(": ");
                    v.write_go(out, depth + 1);
                }
                newline_indent(out, depth);
                out.push('}');
            }
        }
    }

    /// Python `json.dumps(obj, sort_keys=True, ensure_ascii=True, separators=(",", ":"))`,
    /// which is what Flask >= 2.3 `jsonify` produces outside debug mode
    /// (flask/json/provider.py DefaultJSONProvider); no trailing newline.
    pub(super) fn to_python_compact(&self) -> String {
        let mut out = String::new();
        self.write_python(&mut out);
        out
    }

    fn write_python(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) => out.push_str(n),
            Json::Str(s) => python_string(out, s),
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_python(out);
                }
                out.push(']');
            }
            Json::Obj(items) => {
                let mut sorted: Vec<&(String, Json)> = items.iter().collect();
                // Python sorts str keys by code point, which is UTF-8 byte order.
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                out.push('{');
                for (i, (k, v)) in sorted.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    python_string(out, k);
                    out.push(':');
                    v.write_python(out);
                }
                out.push('}');
            }
        }
    }
}

fn newline_indent(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

// Go encoding/json encode.go appendString (Go >= 1.22 writes \b and \f short forms).
fn go_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

// CPython Lib/json/encoder.py py_encode_basestring_ascii.
fn python_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", unit));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whose rules turn parsed JSON numbers back into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberStyle {
    /// Go decodes every number into float64 (encoding/json floatEncoder).
    Go,
    /// Python keeps integers and floats apart (float repr).
    Python,
}

impl Json {
    /// Convert a parsed JSON document the way the server's JSON library round-trips it.
    /// Go decodes objects into maps, so their keys come out sorted.
    pub(super) fn from_serde(v: &serde_json::Value, style: NumberStyle) -> Json {
        match v {
            serde_json::Value::Null => Json::Null,
            serde_json::Value::Bool(b) => Json::Bool(*b),
            serde_json::Value::Number(n) => Json::Num(match style {
                NumberStyle::Go => go_float(n.as_f64().unwrap_or(0.0)),
                NumberStyle::Python => match (n.as_i64(), n.as_u64()) {
                    (Some(i), _) => i.to_string(),
                    (_, Some(u)) => u.to_string(),
                    _ => python_float(n.as_f64().unwrap_or(0.0)),
                },
            }),
            serde_json::Value::String(s) => Json::Str(s.clone()),
            serde_json::Value::Array(a) => {
                Json::Arr(a.iter().map(|x| Json::from_serde(x, style)).collect())
            }
            serde_json::Value::Object(o) => {
                let mut items: Vec<(String, Json)> = o
                    .iter()
                    .map(|(k, x)| (k.clone(), Json::from_serde(x, style)))
                    .collect();
                if style == NumberStyle::Go {
                    items.sort_by(|a, b| a.0.cmp(&b.0));
                }
                Json::Obj(items)
            }
        }
    }
}

/// Go encoding/json floatEncoder: shortest digits, fixed notation unless the magnitude is
/// below 1e-6 or at least 1e21, where `e` notation has a one-digit negative exponent.
pub(crate) fn go_float(f: f64) -> String {
    if !f.is_finite() {
        return "null".into();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        if e < 0 {
            format!("{m}e-{}", -e)
        } else {
            format!("{m}e+{e:02}")
        }
    } else {
        format!("{f}")
    }
}

/// CPython float repr: shortest digits, fixed notation with a `.0` for exponents in
/// [-4, 16), else `1e+16` / `1.5e-05`.
pub(crate) fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let exp = f.abs().log10().floor() as i32;
    if (-4..16).contains(&exp) {
        let s = format!("{f}");
        if s.contains('.') { s } else { format!("{s}.0") }
    } else {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    }
}

/// Standard base64 with padding (RFC 4648 section 4); `url_safe` selects section 5.
pub(crate) fn base64(data: &[u8], url_safe: bool) -> String {
    let table: &[u8; 64] = if url_safe {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(char::from(table[(n >> 18) as usize & 63]));
        out.push(char::from(table[(n >> 12) as usize & 63]));
        out.push(if chunk.len() > 1 {
            char::from(table[(n >> 6) as usize & 63])
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            char::from(table[n as usize & 63])
        } else {
            '='
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Json {
        Json::Obj(vec![
            (
                "headers".into(),
                Json::Obj(vec![
                    ("Host".into(), Json::Arr(vec![Json::str("a")])),
                    ("Accept".into(), Json::Arr(vec![])),
                ]),
            ),
            ("args".into(), Json::Obj(vec![])),
            ("x".into(), Json::str("é\u{1F600}<&>\u{2028}\u{1}")),
        ])
    }

    #[test]
    fn go_indented() {
        assert_eq!(
            sample().to_go_indented(),
            "{\n  \"headers\": {\n    \"Host\": [\n      \"a\"\n    ],\n    \"Accept\": []\n  },\n  \"args\": {},\n  \"x\": \"é\u{1F600}<&>\\u2028\\u0001\"\n}\n"
        );
    }

    #[test]
    fn python_compact_sorted_ascii() {
        assert_eq!(
            sample().to_python_compact(),
            "{\"args\":{},\"headers\":{\"Accept\":[],\"Host\":[\"a\"]},\"x\":\"\\u00e9\\ud83d\\ude00<&>\\u2028\\u0001\"}"
        );
    }

    #[test]
    fn numbers_round_trip_like_go_and_python() {
        assert_eq!(go_float(1.0), "1");
        assert_eq!(go_float(1.5), "1.5");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(1e-7), "1e-7");
        assert_eq!(python_float(1.0), "1.0");
        assert_eq!(python_float(1e16), "1e+16");
        assert_eq!(python_float(1.5e-5), "1.5e-05");
        assert_eq!(python_float(0.1), "0.1");
    }

    #[test]
    fn base64_both_alphabets() {
        assert_eq!(base64(b"", false), "");
        assert_eq!(base64(b"f", false), "Zg==");
        assert_eq!(base64(b"fo", false), "Zm8=");
        assert_eq!(base64(b"foo", false), "Zm9v");
        assert_eq!(base64(&[0xfb, 0xff], false), "+/8=");
        assert_eq!(base64(&[0xfb, 0xff], true), "-_8=");
    }
}
