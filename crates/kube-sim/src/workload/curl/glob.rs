//! URL globbing: `{a,b}` sets and `[1-10:2]` / `[a-z]` ranges expand one URL argument into
//! several transfers (curl src/tool_urlglob.c), unless `-g`. Expansion is lazy: a glob is a
//! mixed-radix counter, so a huge range costs time, not memory.

/// One piece of a globbed URL.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Fixed(String),
    Set(Vec<String>),
    Num {
        min: u64,
        step: u64,
        count: u64,
        pad: usize,
    },
    Alpha {
        min: u8,
        step: u8,
        count: u64,
    },
}

impl Pattern {
    fn len(&self) -> u64 {
        match self {
            Pattern::Fixed(_) => 1,
            Pattern::Set(v) => v.len() as u64,
            Pattern::Num { count, .. } | Pattern::Alpha { count, .. } => *count,
        }
    }
}

/// A parsed URL glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Glob {
    patterns: Vec<Pattern>,
    total: u64,
}

/// A glob syntax error; `message` is the text after `curl: (3) `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GlobError {
    pub message: String,
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// 1-based column for error messages, advanced exactly where curl advances it.
    pos: usize,
}

fn fail(url: &str, what: &str, pos: usize) -> GlobError {
    let message = if pos > 0 {
        format!(
            "{what} in URL position {pos}:\n{url}\n{}^",
            " ".repeat(pos - 1)
        )
    } else {
        what.to_string()
    };
    GlobError { message }
}

impl Glob {
    /// A URL that is used as is (`-g`).
    pub(super) fn literal(url: &str) -> Glob {
        Glob {
            patterns: vec![Pattern::Fixed(url.to_string())],
            total: 1,
        }
    }

    pub(super) fn parse(url: &str) -> Result<Glob, GlobError> {
        let mut p = Parser {
            s: url.as_bytes(),
            i: 0,
            pos: 1,
        };
        let mut patterns = Vec::new();
        let mut total: u64 = 1;
        let mut literal: Vec<u8> = Vec::new();
        while p.i < p.s.len() {
            while p.i < p.s.len() && p.s[p.i] != b'{' {
                let c = p.s[p.i];
                if c == b'[' {
                    let skip = ipv6_literal_len(&p.s[p.i..])
                        .or_else(|| (p.s.get(p.i + 1) == Some(&b']')).then_some(2));
                    if let Some(n) = skip {
                        literal.extend_from_slice(&p.s[p.i..p.i + n]);
                        p.i += n;
                        continue;
                    }
                    break;
                }
                if c == b'}' || c == b']' {
                    return Err(fail(url, "unmatched close brace/bracket", p.pos));
                }
                if c == b'\\' && p.s.get(p.i + 1).is_some_and(|n| b"{[}]".contains(n)) {
                    p.i += 1;
                    p.pos += 1;
                }
                literal.push(p.s[p.i]);
                p.i += 1;
                p.pos += 1;
            }
            if !literal.is_empty() {
                patterns.push(Pattern::Fixed(
                    String::from_utf8_lossy(&literal).into_owned(),
                ));
                literal.clear();
            } else if p.i < p.s.len() {
                let open = p.s[p.i];
                p.i += 1;
                p.pos += 1;
                let pat = if open == b'{' {
                    p.set(url)?
                } else {
                    p.range(url)?
                };
                total = total
                    .checked_mul(pat.len())
                    .filter(|t| *t <= i64::MAX as u64)
                    .ok_or_else(|| fail(url, "range overflow", 0))?;
                patterns.push(pat);
            }
            if patterns.len() >= 256 {
                return Err(fail(url, "too many {} sets", p.pos));
            }
        }
        Ok(Glob { patterns, total })
    }

    /// Number of URLs the glob expands to.
    pub(super) fn count(&self) -> u64 {
        self.total
    }

    /// The `index`-th URL (0-based); the rightmost pattern varies fastest.
    pub(super) fn nth(&self, mut index: u64) -> String {
        let mut parts: Vec<String> = Vec::with_capacity(self.patterns.len());
        for pat in self.patterns.iter().rev() {
            let n = pat.len().max(1);
            let k = index % n;
            index /= n;
            parts.push(match pat {
                Pattern::Fixed(s) => s.clone(),
                Pattern::Set(v) => v.get(k as usize).cloned().unwrap_or_default(),
                Pattern::Num { min, step, pad, .. } => {
                    format!("{:0pad$}", min + k * step, pad = *pad)
                }
                Pattern::Alpha { min, step, .. } => {
                    char::from(min.saturating_add((k as u8).saturating_mul(*step))).to_string()
                }
            });
        }
        parts.reverse();
        parts.concat()
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn set(&mut self, url: &str) -> Result<Pattern, GlobError> {
        let open_pos = self.pos - 1;
        let start = self.i;
        let mut elems: Vec<String> = Vec::new();
        let mut cur: Vec<u8> = Vec::new();
        loop {
            match self.peek() {
                None => return Err(fail(url, "unmatched brace", open_pos)),
                Some(b'{' | b'[') => return Err(fail(url, "nested brace", self.pos)),
                Some(b'}') => {
                    if self.i == start {
                        return Err(fail(url, "empty string within braces", self.pos));
                    }
                    elems.push(String::from_utf8_lossy(&cur).into_owned());
                    self.i += 1;
                    return Ok(Pattern::Set(elems));
                }
                Some(b',') => {
                    elems.push(String::from_utf8_lossy(&cur).into_owned());
                    cur.clear();
                    self.i += 1;
                    self.pos += 1;
                }
                Some(b']') => return Err(fail(url, "unexpected close bracket", self.pos)),
                Some(c) => {
                    let mut c = c;
                    if c == b'\\' && self.s.get(self.i + 1).is_some() {
                        self.i += 1;
                        self.pos += 1;
                        c = self.s[self.i];
                    }
                    cur.push(c);
                    self.i += 1;
                    self.pos += 1;
                }
            }
        }
    }

    fn number(&mut self) -> Option<u64> {
        let start = self.i;
        let mut v: u64 = 0;
        while let Some(c) = self.peek().filter(u8::is_ascii_digit) {
            v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
            self.i += 1;
        }
        (self.i > start && v <= i64::MAX as u64).then_some(v)
    }

    fn range(&mut self, url: &str) -> Result<Pattern, GlobError> {
        let start = self.i;
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() => {
                let s = &self.s[self.i..];
                let mut step: u64 = 1;
                let mut ok = false;
                let (min, max) = (s[0], s.get(2).copied().unwrap_or(0));
                if s.get(1) == Some(&b'-') && s.len() > 3 {
                    ok = true;
                    match s[3] {
                        b':' => {
                            self.i += 4;
                            match self.number() {
                                Some(n) if n <= 256 && self.peek() == Some(b']') => {
                                    self.i += 1;
                                    step = n;
                                }
                                _ => step = 0,
                            }
                        }
                        b']' => self.i += 4,
                        _ => ok = false,
                    }
                }
                self.pos += self.i - start;
                if !ok
                    || step == 0
                    || (min == max && step != 1)
                    || (min != max
                        && (min > max || step > u64::from(max - min) || max - min > b'z' - b'a'))
                {
                    return Err(fail(url, "bad range", self.pos));
                }
                Ok(Pattern::Alpha {
                    min,
                    step: step as u8,
                    count: u64::from(max - min) / step + 1,
                })
            }
            Some(c) if c.is_ascii_digit() => {
                let pad = if c == b'0' {
                    self.s[self.i..]
                        .iter()
                        .take_while(|b| b.is_ascii_digit())
                        .count()
                } else {
                    0
                };
                let mut step = 0;
                let min = self.number().unwrap_or(0);
                let mut max = 0;
                if self.peek() == Some(b'-') {
                    self.i += 1;
                    while matches!(self.peek(), Some(b' ' | b'\t')) {
                        self.i += 1;
                    }
                    if let Some(m) = self.number() {
                        max = m;
                        if self.peek() == Some(b']') {
                            self.i += 1;
                            step = 1;
                        } else if self.peek() == Some(b':') {
                            self.i += 1;
                            if let Some(n) = self.number()
                                && self.peek() == Some(b']')
                            {
                                self.i += 1;
                                step = n;
                            }
                        }
                    }
                }
                self.pos += self.i - start;
                if step == 0
                    || (min == max && step != 1)
                    || (min != max && (min > max || step > max - min))
                {
                    return Err(fail(url, "bad range", self.pos));
                }
                Ok(Pattern::Num {
                    min,
                    step,
                    count: (max - min) / step + 1,
                    pad,
                })
            }
            _ => Err(fail(url, "bad range specification", self.pos)),
        }
    }
}

/// Length of an IPv6 literal (`[::1]`, `[fe80::1%25eth0]`) at the start of `s`, which the
/// glob parser copies through instead of reading a range (tool_urlglob.c peek_ipv6).
fn ipv6_literal_len(s: &[u8]) -> Option<usize> {
    let end = s.iter().position(|b| *b == b']')?;
    if end + 1 >= 128 {
        return None;
    }
    let inner = std::str::from_utf8(&s[1..end]).ok()?;
    let addr = inner.split('%').next()?;
    addr.parse::<std::net::Ipv6Addr>().ok()?;
    Some(end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(url: &str) -> Vec<String> {
        let g = Glob::parse(url).unwrap();
        (0..g.count()).map(|i| g.nth(i)).collect()
    }

    #[test]
    fn expands_sets_and_ranges() {
        assert_eq!(all("http://h/plain"), ["http://h/plain"]);
        assert_eq!(
            all("http://h/{a,b}/[1-2]"),
            [
                "http://h/a/1",
                "http://h/a/2",
                "http://h/b/1",
                "http://h/b/2"
            ]
        );
        assert_eq!(all("h/[08-10]"), ["h/08", "h/09", "h/10"]);
        assert_eq!(all("h/[a-e:2]"), ["h/a", "h/c", "h/e"]);
        assert_eq!(all("http://[::1]:8080/x"), ["http://[::1]:8080/x"]);
        assert_eq!(all("h/\\{x\\}"), ["h/{x}"]);
        assert_eq!(all("h/[]"), ["h/[]"]);
    }

    #[test]
    fn errors_point_at_the_column() {
        let e = Glob::parse("http://h/{a,b").unwrap_err();
        assert_eq!(
            e.message,
            "unmatched brace in URL position 10:\nhttp://h/{a,b\n         ^"
        );
        let e = Glob::parse("http://h/[5-1]").unwrap_err();
        assert_eq!(
            e.message,
            "bad range in URL position 15:\nhttp://h/[5-1]\n              ^"
        );
        let e = Glob::parse("http://h/a}").unwrap_err();
        assert_eq!(
            e.message,
            "unmatched close brace/bracket in URL position 11:\nhttp://h/a}\n          ^"
        );
        assert!(Glob::parse("h/[x]").is_err());
        assert!(Glob::parse("h/{}").is_err());
    }
}
