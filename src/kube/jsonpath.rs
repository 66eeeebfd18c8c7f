//! A small JSONPath, the part of kubectl's that waits use: `.a.b`, `['key.with.dots']`,
//! `[0]`, `[*]` and filters `[?(@.type=="Ready")]` (`==`/`!=` against a quoted string, a
//! number, `true`/`false`). Optional `$` and `{...}` wrappers are accepted.
//!
//! Scenario files name fields with it (`{.status.addresses[0].value}`), so a bad path must be
//! an error that points at the character, not a silent empty match.

use serde_json::Value;

/// A path that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad JSONPath `{path}` at character {at}: {message}")]
pub struct PathError {
    pub path: String,
    pub at: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(i64),
    All,
    Filter {
        field: Vec<String>,
        equal: bool,
        value: Value,
    },
}

/// A parsed path, reusable across polls.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    text: String,
    segs: Vec<Seg>,
}

impl JsonPath {
    /// Parses `path`.
    pub fn parse(path: &str) -> Result<Self, PathError> {
        let mut p = Parser {
            src: path,
            s: path.as_bytes(),
            i: 0,
        };
        let segs = p.parse()?;
        Ok(Self {
            text: path.to_string(),
            segs,
        })
    }

    /// Every value the path selects in `root` (empty when nothing matches).
    pub fn select<'a>(&self, root: &'a Value) -> Vec<&'a Value> {
        let mut cur = vec![root];
        for seg in &self.segs {
            let mut next = Vec::new();
            for v in cur {
                match seg {
                    Seg::Key(k) => next.extend(v.get(k.as_str())),
                    Seg::Index(i) => {
                        if let Some(a) = v.as_array() {
                            let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                            if idx >= 0 {
                                next.extend(a.get(idx as usize));
                            }
                        }
                    }
                    Seg::All => match v {
                        Value::Array(a) => next.extend(a.iter()),
                        Value::Object(o) => next.extend(o.values()),
                        _ => {}
                    },
                    Seg::Filter {
                        field,
                        equal,
                        value,
                    } => {
                        if let Some(a) = v.as_array() {
                            next.extend(a.iter().filter(|el| {
                                let got = field.iter().try_fold(*el, |acc, k| acc.get(k.as_str()));
                                (got == Some(value)) == *equal
                            }));
                        }
                    }
                }
            }
            cur = next;
        }
        cur
    }

    /// The selected values as kubectl prints them: strings bare, the rest as JSON.
    pub fn select_text(&self, root: &Value) -> Vec<String> {
        self.select(root).into_iter().map(text_of).collect()
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// A value as kubectl's jsonpath prints it.
pub(super) fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

struct Parser<'a> {
    src: &'a str,
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err<T>(&self, message: impl Into<String>) -> Result<T, PathError> {
        Err(PathError {
            path: self.src.to_string(),
            at: self.i,
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn parse(&mut self) -> Result<Vec<Seg>, PathError> {
        let braced = self.eat(b'{');
        self.eat(b'$');
        let mut segs = Vec::new();
        loop {
            match self.peek() {
                None => break,
                Some(b'}') if braced => {
                    self.i += 1;
                    if self.i != self.s.len() {
                        return self.err("text after the closing `}`");
                    }
                    return Ok(segs);
                }
                Some(b'.') => {
                    self.i += 1;
                    if self.eat(b'*') {
                        segs.push(Seg::All);
                    } else {
                        let name = self.name();
                        if name.is_empty() {
                            return self.err("expected a field name after `.`");
                        }
                        segs.push(Seg::Key(name));
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    segs.push(self.bracket()?);
                }
                Some(_) if segs.is_empty() && self.i == usize::from(braced) => {
                    // `status.phase` without the leading dot, as people often write it.
                    let name = self.name();
                    if name.is_empty() {
                        return self.err("expected `.`, `[` or a field name");
                    }
                    segs.push(Seg::Key(name));
                }
                Some(c) => return self.err(format!("unexpected `{}`", c as char)),
            }
        }
        if braced {
            return self.err("missing the closing `}`");
        }
        Ok(segs)
    }

    fn name(&mut self) -> String {
        let start = self.i;
        while let Some(c) = self.peek() {
            if matches!(c, b'.' | b'[' | b']' | b'}' | b'=' | b'!' | b')' | b' ') {
                break;
            }
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }

    fn quoted(&mut self) -> Result<String, PathError> {
        let q = self.peek().unwrap_or(b'\'');
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return self.err("unterminated string"),
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(c) => out.push(c),
                        None => return self.err("unterminated string"),
                    }
                    self.i += 1;
                }
                Some(c) if c == q => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn close(&mut self) -> Result<(), PathError> {
        if self.eat(b']') {
            Ok(())
        } else {
            self.err("expected `]`")
        }
    }

    fn bracket(&mut self) -> Result<Seg, PathError> {
        match self.peek() {
            Some(b'\'' | b'"') => {
                let k = self.quoted()?;
                self.close()?;
                Ok(Seg::Key(k))
            }
            Some(b'*') => {
                self.i += 1;
                self.close()?;
                Ok(Seg::All)
            }
            Some(b'?') => {
                self.i += 1;
                if !(self.eat(b'(') && self.eat(b'@')) {
                    return self.err("a filter reads `[?(@.field==\"value\")]`");
                }
                let mut field = Vec::new();
                while self.eat(b'.') {
                    let n = self.name();
                    if n.is_empty() {
                        return self.err("expected a field name");
                    }
                    field.push(n);
                }
                if field.is_empty() {
                    return self.err("expected `@.field`");
                }
                self.skip_blanks();
                let equal = if self.eat(b'=') && self.eat(b'=') {
                    true
                } else if self.eat(b'!') && self.eat(b'=') {
                    false
                } else {
                    return self.err("expected `==` or `!=`");
                };
                self.skip_blanks();
                let value = match self.peek() {
                    Some(b'\'' | b'"') => Value::String(self.quoted()?),
                    _ => {
                        let start = self.i;
                        while self.peek().is_some_and(|c| c != b')' && c != b' ') {
                            self.i += 1;
                        }
                        let raw = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                        match serde_json::from_str::<Value>(&raw) {
                            Ok(v @ (Value::Number(_) | Value::Bool(_) | Value::Null)) => v,
                            _ => {
                                return self.err(format!(
                                    "`{raw}` is not a quoted string, number or boolean"
                                ));
                            }
                        }
                    }
                };
                self.skip_blanks();
                if !self.eat(b')') {
                    return self.err("expected `)`");
                }
                self.close()?;
                Ok(Seg::Filter {
                    field,
                    equal,
                    value,
                })
            }
            _ => {
                let start = self.i;
                self.eat(b'-');
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                let raw = std::str::from_utf8(&self.s[start..self.i]).unwrap_or_default();
                let Ok(n) = raw.parse::<i64>() else {
                    return self.err("expected an index, `*`, a quoted key or a filter");
                };
                self.close()?;
                Ok(Seg::Index(n))
            }
        }
    }

    fn skip_blanks(&mut self) {
        while self.eat(b' ') {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sel(path: &str, v: &Value) -> Vec<String> {
        JsonPath::parse(path).unwrap().select_text(v)
    }

    #[test]
    fn selects_like_kubectl() {
        let v = json!({"metadata": {"annotations": {"gateway.networking.k8s.io/bundle-version": "v1.3.0"}},
            "status": {"addresses": [{"value": "127.0.0.5"}],
                       "conditions": [{"type": "Accepted", "status": "True"}, {"type": "Programmed", "status": "False", "observedGeneration": 2}]}});
        assert_eq!(sel("{.status.addresses[0].value}", &v), ["127.0.0.5"]);
        assert_eq!(
            sel(".status.conditions[?(@.type==\"Programmed\")].status", &v),
            ["False"]
        );
        assert_eq!(
            sel("$.status.conditions[?(@.type!='Programmed')].type", &v),
            ["Accepted"]
        );
        assert_eq!(
            sel(".status.conditions[?(@.observedGeneration==2)].type", &v),
            ["Programmed"]
        );
        assert_eq!(
            sel(".status.conditions[*].type", &v),
            ["Accepted", "Programmed"]
        );
        assert_eq!(sel(".status.conditions[-1].type", &v), ["Programmed"]);
        assert_eq!(
            sel(
                ".metadata.annotations['gateway.networking.k8s.io/bundle-version']",
                &v
            ),
            ["v1.3.0"]
        );
        assert_eq!(sel("status.addresses[0]", &v), [r#"{"value":"127.0.0.5"}"#]);
        assert!(sel(".status.nothing[3]", &v).is_empty());
    }

    #[test]
    fn bad_paths_point_at_the_problem() {
        for (p, at) in [
            (".a[", 3),
            ("{.a", 3),
            (".a[?(@.x=1)]", 9),
            (".a..b", 3),
            (".a[x]", 3),
        ] {
            let e = JsonPath::parse(p).unwrap_err();
            assert_eq!(e.at, at, "{p}: {e}");
        }
    }
}
