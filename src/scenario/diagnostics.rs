//! Errors for people: every problem names the file, line and column, shows the source line with
//! a caret under the culprit, and suggests the near miss ("did you mean `expect`?").
//!
//! `harness validate` prints [`LoadErrors`] as it is; the CLI maps it to exit code 2 (the run
//! could not be made), never to 1 (Istio misbehaved).

use std::fmt;
use std::path::{Path, PathBuf};

use serde_saphyr::Location;

/// A position in a file: 1-based line and column, counted in characters, and the length of the
/// culprit (0 when unknown) so the caret can underline all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Characters to underline; 0 underlines one.
    pub len: u32,
}

impl Pos {
    /// A position without a length.
    pub const fn new(line: u32, column: u32) -> Self {
        Pos {
            line,
            column,
            len: 0,
        }
    }

    /// The same position with `len` characters to underline.
    pub const fn with_len(self, len: u32) -> Self {
        Pos { len, ..self }
    }

    /// Converts a serde-saphyr location; `None` when the parser did not know it.
    pub(crate) fn from_location(loc: Location) -> Option<Self> {
        if loc.line() == 0 || loc.column() == 0 {
            return None;
        }
        Some(Pos {
            line: clamp(loc.line()),
            column: clamp(loc.column()),
            len: clamp(loc.span().len()),
        })
    }
}

fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file at fault, as the user named it (or as discovery found it).
    pub file: PathBuf,
    /// Where in the file; `None` for problems with the file as a whole (missing, unreadable).
    pub pos: Option<Pos>,
    /// What is wrong, in one line; ends with "did you mean `x`?" when there is a near miss.
    pub message: String,
    /// What to do about it, when that is not obvious from the message.
    pub help: Option<String>,
    /// The source line at `pos`, kept so the error prints without re-reading the file.
    source_line: Option<String>,
}

impl Diagnostic {
    /// A problem with a whole file (no position).
    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            pos: None,
            message: message.into(),
            help: None,
            source_line: None,
        }
    }

    /// Adds a help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The line and column, for sorting (file-level problems first).
    pub(crate) fn sort_key(&self) -> (u32, u32) {
        self.pos.map_or((0, 0), |p| (p.line, p.column))
    }
}

/// The most characters of a source line quoted under a diagnostic, and how many of them come
/// before the caret when the line is cut.
const MAX_QUOTED: usize = 160;
const QUOTE_BEFORE: usize = 40;

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        match self.pos {
            Some(p) => writeln!(f, "{file}:{}:{}: {}", p.line, p.column, self.message)?,
            None => writeln!(f, "{file}: {}", self.message)?,
        }
        if let (Some(p), Some(line)) = (self.pos, &self.source_line) {
            let number = p.line.to_string();
            let gutter = " ".repeat(number.len());
            let width = line.chars().count();
            let start = (p.column as usize).saturating_sub(1).min(width);
            // A long line (a generated or hostile file may hold megabytes in one) is quoted as
            // a window around the caret.
            let from = if width > MAX_QUOTED {
                start.saturating_sub(QUOTE_BEFORE)
            } else {
                0
            };
            let to = (from + MAX_QUOTED).min(width);
            let (lead, tail) = (
                if from > 0 { "..." } else { "" },
                if to < width { "..." } else { "" },
            );
            // Tabs are shown as single spaces so that the caret lines up.
            let shown: String = line
                .chars()
                .skip(from)
                .take(to - from)
                .map(|c| if c == '\t' { ' ' } else { c })
                .collect();
            let len = (p.len as usize).clamp(1, (to.max(start + 1) - start).max(1));
            writeln!(f, "{number} | {lead}{shown}{tail}")?;
            writeln!(
                f,
                "{gutter} | {}{}",
                " ".repeat(lead.len() + start - from),
                "^".repeat(len)
            )?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "  = help: {help}")?;
        }
        Ok(())
    }
}

/// A file's text, kept while it is checked so that every diagnostic can quote its line.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    pub(super) fn new(path: &Path, text: String) -> Self {
        SourceFile {
            path: path.to_path_buf(),
            text,
        }
    }

    /// A diagnostic at `pos` (or for the whole file when `pos` is `None`).
    pub(super) fn error(&self, pos: Option<Pos>, message: impl Into<String>) -> Diagnostic {
        let source_line = pos.and_then(|p| self.line(p.line));
        Diagnostic {
            file: self.path.clone(),
            pos,
            message: message.into(),
            help: None,
            source_line,
        }
    }

    /// A diagnostic at a serde-saphyr location.
    pub(super) fn error_at(&self, loc: Location, message: impl Into<String>) -> Diagnostic {
        self.error(Pos::from_location(loc), message)
    }

    /// The text of 1-based line `n`, without its line break.
    pub(super) fn line(&self, n: u32) -> Option<String> {
        let index = usize::try_from(n).ok()?.checked_sub(1)?;
        self.text
            .split('\n')
            .nth(index)
            .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
    }

    /// The position of byte `offset` (clamped to the text, and to a character boundary).
    pub(super) fn pos_of_byte(&self, offset: usize) -> Pos {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Pos::new(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }

    /// The position of character `chars` inside a one-line scalar that starts at `start`: one
    /// more column when the scalar is quoted. Escapes before the culprit make it approximate.
    pub(super) fn pos_in_scalar(&self, start: Location, chars: usize, len: usize) -> Option<Pos> {
        let start = Pos::from_location(start)?;
        let quoted = self
            .line(start.line)
            .and_then(|l| l.chars().nth(start.column as usize - 1))
            .is_some_and(|c| c == '"' || c == '\'');
        let column = start.column as usize + chars + usize::from(quoted);
        Some(
            Pos::new(start.line, u32::try_from(column).unwrap_or(u32::MAX))
                .with_len(u32::try_from(len).unwrap_or(0)),
        )
    }
}

/// Every problem found in the scenario files that were loaded, in file order and, within a
/// file, by line. Its `Display` is what `harness validate` prints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadErrors {
    diagnostics: Vec<Diagnostic>,
}

impl LoadErrors {
    /// The problems, in print order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// True when nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.diagnostics.is_empty()
    }

    /// How many problems.
    pub fn len(&self) -> usize {
        self.diagnostics.len()
    }

    /// Adds problems, keeping files in the order they first appear and sorting each file's
    /// problems by position.
    pub(crate) fn extend(&mut self, more: impl IntoIterator<Item = Diagnostic>) {
        self.diagnostics.extend(more);
        let mut order: Vec<PathBuf> = Vec::new();
        for d in &self.diagnostics {
            if !order.contains(&d.file) {
                order.push(d.file.clone());
            }
        }
        self.diagnostics.sort_by_key(|d| {
            let file = order.iter().position(|p| *p == d.file).unwrap_or(0);
            (file, d.sort_key())
        });
        self.diagnostics.dedup();
    }
}

impl From<Vec<Diagnostic>> for LoadErrors {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        let mut errors = LoadErrors::default();
        errors.extend(diagnostics);
        errors
    }
}

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        let mut files: Vec<&Path> = self.diagnostics.iter().map(|d| d.file.as_path()).collect();
        files.dedup();
        files.sort();
        files.dedup();
        let n = self.diagnostics.len();
        write!(
            f,
            "\n{n} error{} in {} file{}",
            if n == 1 { "" } else { "s" },
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for LoadErrors {}

/// A YAML syntax or shape error from serde-saphyr, with the parser's message made
/// readable: unknown fields get a suggestion and the list of valid ones, number errors say
/// what was expected.
pub(crate) fn yaml_error(src: &SourceFile, err: &serde_saphyr::Error) -> Diagnostic {
    use serde_saphyr::{Error as E, MessageFormatter, UserMessageFormatter};
    let mut inner = err.without_snippet();
    while let E::AliasError { error, .. } = inner {
        inner = error.without_snippet();
    }
    let mut pos = err.location().and_then(Pos::from_location);
    let (message, help) = match inner {
        E::SerdeUnknownField {
            field, expected, ..
        } => {
            pos = pos.map(|p| p.with_len(u32::try_from(field.chars().count()).unwrap_or(1)));
            (
                with_suggestion(
                    format!("unknown field `{}`", printable(field)),
                    field,
                    expected.iter().copied(),
                ),
                Some(format!("expected {}", one_of(expected))),
            )
        }
        E::InvalidScalar { ty, .. } => {
            let what = match *ty {
                "f32" | "f64" | "floating point" => "a number",
                "bool" | "boolean" => "`true` or `false`",
                t if t.starts_with('u') => "a whole number, 0 or more",
                t if t.starts_with('i') => "a whole number",
                _ => "a scalar of another type",
            };
            (format!("expected {what}"), None)
        }
        // A list or mapping where a plain value belongs (serde-saphyr says "string scalar"
        // whatever the value's type).
        E::Unexpected {
            expected: "string scalar",
            ..
        } => (
            "expected a single value here, not a list or mapping".into(),
            None,
        ),
        E::DuplicateMappingKey { key, .. } => (
            match key {
                Some(k) => format!("duplicate key `{}`", printable(k)),
                None => "duplicate key".into(),
            },
            Some("each key may appear once in a mapping".into()),
        ),
        E::Budget { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. } => (
            "the YAML is too large or too deeply nested, or its aliases expand too far".into(),
            Some(format!(
                "hand-written files stay far below the limits; the parser said: {}",
                printable(&UserMessageFormatter.format_message(inner))
            )),
        ),
        E::Eof { .. } => (
            "the file is empty or ends too early".into(),
            Some("see docs/scenarios.md for the format".into()),
        ),
        other => (printable(&UserMessageFormatter.format_message(other)), None),
    };
    let d = src.error(pos, message);
    match help {
        Some(h) => d.help(h),
        None => d,
    }
}

/// `s` with control characters escaped, for messages.
fn printable(s: &str) -> String {
    super::values::printable(s)
}

/// The edit distance between two words (optimal string alignment: insertions, deletions,
/// substitutions and swaps of neighbours each cost 1), compared without case.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(&a.to_lowercase(), &b.to_lowercase())
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo: at most a
/// third of the word's length away (at least 1), and never the whole word.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let len = word.chars().count();
    let limit = (len / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit && *d < len.max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `message` followed by ", did you mean `x`?" when a candidate is close to `word`.
pub(crate) fn with_suggestion<'a>(
    message: String,
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    match did_you_mean(word, candidates) {
        Some(s) => format!("{message}, did you mean `{s}`?"),
        None => message,
    }
}

/// "`a`, `b` or `c`" for help lines.
pub(crate) fn one_of<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    match quoted.split_last() {
        None => "nothing".into(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_typos() {
        assert_eq!(edit_distance("expct", "expect"), 1);
        assert_eq!(edit_distance("exepct", "expect"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("Status", "status"), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggestions_are_close_words_only() {
        let fields = ["name", "when", "apply", "delete", "expect", "send"];
        assert_eq!(did_you_mean("expct", fields), Some("expect"));
        assert_eq!(did_you_mean("sned", fields), Some("send"));
        assert_eq!(did_you_mean("frobnicate", fields), None);
        assert_eq!(did_you_mean("x", fields), None);
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }

    #[test]
    fn display_quotes_the_line_and_underlines() {
        let src = SourceFile::new(Path::new("s.yaml"), "a: 1\n\tbad: 2\n".into());
        let d = src
            .error(Some(Pos::new(2, 2).with_len(3)), "unknown field `bad`")
            .help("remove it");
        assert_eq!(
            d.to_string(),
            "s.yaml:2:2: unknown field `bad`\n2 |  bad: 2\n  |  ^^^\n  = help: remove it\n"
        );
        assert_eq!(src.pos_of_byte(6), Pos::new(2, 2));
        let errors = LoadErrors::from(vec![d]);
        assert!(errors.to_string().ends_with("\n1 error in 1 file"));
    }
}
