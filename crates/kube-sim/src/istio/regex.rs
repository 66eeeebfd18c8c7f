//! A small RE2-subset matcher for Envoy `safe_regex` (full-match) semantics.
//!
//! Supports literals, `.`, classes (`[a-z]`, `[^/]`, `\d \w \s` and negations), groups (`(...)`,
//! `(?:...)`), alternation, `* + ? {n} {n,} {n,m}` (lazy suffix accepted), and `^`/`$`. A pattern
//! outside this subset, or a match that takes too many steps, matches nothing (documented as not
//! modelled in `mod.rs`).

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Start,
    End,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    _src: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn alt(&mut self) -> Option<Node> {
        let mut branches = vec![self.concat()?];
        while self.peek() == Some('|') {
            self.pos += 1;
            branches.push(self.concat()?);
        }
        Some(if branches.len() == 1 {
            branches.pop()?
        } else {
            Node::Alt(branches)
        })
    }

    fn concat(&mut self) -> Option<Node> {
        let mut items = vec![];
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.quantified(atom)?);
        }
        Some(Node::Concat(items))
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.chars[start..self.pos]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    fn quantified(&mut self, atom: Node) -> Option<Node> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.pos += 1;
                let min = self.number()?;
                let max = if self.peek() == Some(',') {
                    self.pos += 1;
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number()?)
                    }
                } else {
                    Some(min)
                };
                if self.peek() != Some('}') || max.is_some_and(|m| m < min) || min > 1000 {
                    return None;
                }
                (min, max)
            }
            _ => return Some(atom),
        };
        self.pos += 1;
        if self.peek() == Some('?') {
            self.pos += 1; // lazy: same match/no-match outcome for a full match
        }
        Some(Node::Repeat(Box::new(atom), min, max))
    }

    fn escape_class(c: char) -> Option<(Vec<(char, char)>, bool)> {
        let digits = vec![('0', '9')];
        let word = vec![('0', '9'), ('A', 'Z'), ('a', 'z'), ('_', '_')];
        let space = vec![(' ', ' '), ('\t', '\r')];
        Some(match c {
            'd' => (digits, false),
            'D' => (digits, true),
            'w' => (word, false),
            'W' => (word, true),
            's' => (space, false),
            'S' => (space, true),
            _ => return None,
        })
    }

    fn escaped_char(c: char) -> Option<char> {
        match c {
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            c if c.is_ascii_punctuation() => Some(c),
            _ => None,
        }
    }

    fn atom(&mut self) -> Option<Node> {
        let c = self.peek()?;
        self.pos += 1;
        Some(match c {
            '.' => Node::Any,
            '^' => Node::Start,
            '$' => Node::End,
            '(' => {
                if self.chars.get(self.pos..self.pos + 2) == Some(&['?', ':']) {
                    self.pos += 2;
                } else if self.peek() == Some('?') {
                    return None; // named groups and flags are not modelled
                }
                let inner = self.alt()?;
                if self.peek() != Some(')') {
                    return None;
                }
                self.pos += 1;
                inner
            }
            '[' => self.class()?,
            '\\' => {
                let e = self.peek()?;
                self.pos += 1;
                if let Some((ranges, neg)) = Self::escape_class(e) {
                    Node::Class(ranges, neg)
                } else {
                    Node::Char(Self::escaped_char(e)?)
                }
            }
            '*' | '+' | '?' | '{' | ')' => return None,
            c => Node::Char(c),
        })
    }

    fn class(&mut self) -> Option<Node> {
        let mut neg = false;
        if self.peek() == Some('^') {
            neg = true;
            self.pos += 1;
        }
        let mut ranges = vec![];
        let mut first = true;
        loop {
            let c = self.peek()?;
            self.pos += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = if c == '\\' {
                let e = self.peek()?;
                self.pos += 1;
                if let Some((r, false)) = Self::escape_class(e) {
                    ranges.extend(r);
                    continue;
                }
                Self::escaped_char(e)?
            } else {
                c
            };
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|c| *c != ']') {
                self.pos += 1;
                let hi = self.peek()?;
                self.pos += 1;
                if hi < lo {
                    return None;
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Some(Node::Class(ranges, neg))
    }
}

struct Matcher<'a> {
    input: &'a [char],
    steps: u32,
}

const MAX_STEPS: u32 = 200_000;

impl Matcher<'_> {
    fn m(&mut self, node: &Node, pos: usize, k: &mut dyn FnMut(&mut Self, usize) -> bool) -> bool {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return false;
        }
        match node {
            Node::Char(c) => self.input.get(pos) == Some(c) && k(self, pos + 1),
            Node::Any => self.input.get(pos).is_some_and(|c| *c != '\n') && k(self, pos + 1),
            Node::Class(ranges, neg) => match self.input.get(pos) {
                Some(c) => {
                    let inside = ranges.iter().any(|(lo, hi)| lo <= c && c <= hi);
                    inside != *neg && k(self, pos + 1)
                }
                None => false,
            },
            Node::Start => pos == 0 && k(self, pos),
            Node::End => pos == self.input.len() && k(self, pos),
            Node::Concat(items) => self.seq(items, pos, k),
            Node::Alt(branches) => branches.iter().any(|b| self.m(b, pos, k)),
            Node::Repeat(inner, min, max) => self.rep(inner, *min, *max, 0, pos, k),
        }
    }

    fn seq(
        &mut self,
        items: &[Node],
        pos: usize,
        k: &mut dyn FnMut(&mut Self, usize) -> bool,
    ) -> bool {
        match items.split_first() {
            None => k(self, pos),
            Some((first, rest)) => self.m(first, pos, &mut |s: &mut Self, p| s.seq(rest, p, k)),
        }
    }

    fn rep(
        &mut self,
        inner: &Node,
        min: u32,
        max: Option<u32>,
        count: u32,
        pos: usize,
        k: &mut dyn FnMut(&mut Self, usize) -> bool,
    ) -> bool {
        if max.is_none_or(|m| count < m) {
            let more = self.m(inner, pos, &mut |s: &mut Self, p| {
                // A zero-width iteration cannot make progress; stop repeating.
                p != pos && s.rep(inner, min, max, count + 1, p, k)
            });
            if more {
                return true;
            }
        }
        count >= min && k(self, pos)
    }
}

/// Whether `input` fully matches the RE2 `pattern` (within the supported subset).
pub(super) fn full_match(pattern: &str, input: &str) -> bool {
    let mut p = Parser {
        chars: pattern.chars().collect(),
        pos: 0,
        _src: pattern,
    };
    let Some(node) = p.alt() else {
        return false;
    };
    if p.pos != p.chars.len() {
        return false;
    }
    let input: Vec<char> = input.chars().collect();
    let len = input.len();
    let mut m = Matcher {
        input: &input,
        steps: 0,
    };
    m.m(&node, 0, &mut |_, p| p == len)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
