//! Templates in manifests and request fields: `${ns.sample}`, `${run.id}`, `${istio.version}`.
//!
//! Every reference is checked when the scenario is loaded, so rendering before an apply only
//! substitutes. `$${` writes a literal `${`; a `$` followed by anything else is kept as is
//! (VirtualService regexes like `^/api$` need no escaping). The values substituted are namespace
//! names, the run id and a version number: none contains a line break, so a rendered manifest
//! keeps the line numbers of its file.

use std::collections::BTreeMap;
use std::fmt;

use super::diagnostics::did_you_mean;

/// One `${...}` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Var {
    /// `${ns.<alias>}`: the real (suffixed) name of a scenario namespace.
    Namespace(String),
    /// `${run.id}`: the per-run suffix shared by this scenario run's namespaces.
    RunId,
    /// `${istio.version}`: the Istio version under test, e.g. `1.27.3`.
    IstioVersion,
}

impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Var::Namespace(a) => write!(f, "ns.{a}"),
            Var::RunId => f.write_str("run.id"),
            Var::IstioVersion => f.write_str("istio.version"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Var(Var),
}

/// Text with checked `${...}` references, rendered with [`Bindings`] right before use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

/// A reference that cannot be resolved, with its byte offset in the templated text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Byte offset of the `$` in the text.
    pub offset: usize,
    /// Length of the reference in characters (for the caret).
    pub len: usize,
    /// What is wrong, with a suggestion when there is a near miss.
    pub message: String,
    /// What to write instead.
    pub help: String,
}

/// Rendering met a namespace alias the bindings do not know: the bindings were made for
/// another scenario.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no namespace is bound to the alias `{0}` (bindings from another scenario?)")]
pub struct UnboundAlias(pub String);

impl Template {
    /// Parses `text`, checking every reference against the scenario's namespace `aliases`.
    /// Returns every problem, not just the first.
    pub fn parse(text: &str, aliases: &[&str]) -> Result<Template, Vec<TemplateError>> {
        let mut parts = Vec::new();
        let mut errors = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        let mut consumed = 0;
        while let Some(i) = rest.find('$') {
            literal.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(tail) = after.strip_prefix("${") {
                literal.push_str("${");
                consumed += i + 3;
                rest = tail;
                continue;
            }
            let Some(body_and_tail) = after.strip_prefix('{') else {
                literal.push('$');
                consumed += i + 1;
                rest = after;
                continue;
            };
            let offset = consumed + i;
            let end = body_and_tail.find(['}', '\n']);
            match end {
                Some(e) if body_and_tail.as_bytes()[e] == b'}' => {
                    let body = &body_and_tail[..e];
                    match resolve(body, aliases) {
                        Ok(var) => {
                            if !literal.is_empty() {
                                parts.push(Part::Text(std::mem::take(&mut literal)));
                            }
                            parts.push(Part::Var(var));
                        }
                        Err((message, help)) => errors.push(TemplateError {
                            offset,
                            len: body.chars().count() + 3,
                            message,
                            help,
                        }),
                    }
                    consumed += i + 2 + e + 1;
                    rest = &body_and_tail[e + 1..];
                }
                _ => {
                    errors.push(TemplateError {
                        offset,
                        len: 2,
                        message: "unterminated `${`: no `}` on the same line".into(),
                        help: "close the reference, e.g. `${ns.sample}`, or write `$${` for a literal `${`"
                            .into(),
                    });
                    literal.push_str("${");
                    consumed += i + 2;
                    rest = body_and_tail;
                }
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        if errors.is_empty() {
            Ok(Template {
                source: text.to_string(),
                parts,
            })
        } else {
            Err(errors)
        }
    }

    /// The text as written, references unresolved.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The references, in order of appearance.
    pub fn vars(&self) -> impl Iterator<Item = &Var> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v),
            Part::Text(_) => None,
        })
    }

    /// The text with every reference replaced by its value.
    pub fn render(&self, bindings: &Bindings) -> Result<String, UnboundAlias> {
        let mut out = String::with_capacity(self.source.len());
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Var(v) => out.push_str(bindings.value(v)?),
            }
        }
        Ok(out)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn resolve(body: &str, aliases: &[&str]) -> Result<Var, (String, String)> {
    let mut known: Vec<String> = aliases.iter().map(|a| format!("ns.{a}")).collect();
    known.push("run.id".into());
    known.push("istio.version".into());
    let help = || {
        format!(
            "known references: {}",
            known
                .iter()
                .map(|k| format!("${{{k}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    match body {
        "run.id" => return Ok(Var::RunId),
        "istio.version" => return Ok(Var::IstioVersion),
        _ => {}
    }
    if let Some(alias) = body.strip_prefix("ns.")
        && aliases.contains(&alias)
    {
        return Ok(Var::Namespace(alias.to_string()));
    }
    let message = if let Some(alias) = body.strip_prefix("ns.") {
        let base = format!("`${{{body}}}` refers to no namespace of this scenario");
        match did_you_mean(alias, aliases.iter().copied()) {
            Some(s) => format!("{base}, did you mean `${{ns.{s}}}`?"),
            None => base,
        }
    } else {
        let base = format!("undefined reference `${{{body}}}`");
        match did_you_mean(body, known.iter().map(String::as_str)) {
            Some(s) => format!("{base}, did you mean `${{{s}}}`?"),
            None => base,
        }
    };
    let help = if body.starts_with("ns.") {
        format!(
            "declare the namespace under `namespaces:` in scenario.yaml; {}",
            help()
        )
    } else {
        help()
    };
    Err((message, help))
}

/// The values of every reference for one run of one scenario. Built by
/// [`super::Scenario::bindings`], so it knows exactly the scenario's namespaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bindings {
    namespaces: BTreeMap<String, String>,
    run_id: String,
    istio_version: String,
}

impl Bindings {
    pub(crate) fn new(
        namespaces: BTreeMap<String, String>,
        run_id: String,
        istio_version: String,
    ) -> Self {
        Bindings {
            namespaces,
            run_id,
            istio_version,
        }
    }

    /// The real namespace name for `alias`.
    pub fn namespace(&self, alias: &str) -> Option<&str> {
        self.namespaces.get(alias).map(String::as_str)
    }

    /// Every real namespace of the scenario.
    pub fn namespaces(&self) -> impl Iterator<Item = &str> {
        self.namespaces.values().map(String::as_str)
    }

    fn value(&self, var: &Var) -> Result<&str, UnboundAlias> {
        match var {
            Var::Namespace(a) => self.namespace(a).ok_or_else(|| UnboundAlias(a.clone())),
            Var::RunId => Ok(&self.run_id),
            Var::IstioVersion => Ok(&self.istio_version),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bindings() -> Bindings {
        Bindings::new(
            [("sample".to_string(), "sample-x1y2z3".to_string())].into(),
            "x1y2z3".into(),
            "1.27.3".into(),
        )
    }

    #[test]
    fn references_render() {
        let t = Template::parse(
            "host: helloworld.${ns.sample}:5000 # ${run.id} ${istio.version} $${ns.x} ^/a$",
            &["sample"],
        )
        .unwrap();
        assert_eq!(
            t.render(&bindings()).unwrap(),
            "host: helloworld.sample-x1y2z3:5000 # x1y2z3 1.27.3 ${ns.x} ^/a$"
        );
        assert_eq!(t.vars().count(), 3);
    }

    #[test]
    fn undefined_references_are_located_and_suggested() {
        let errs =
            Template::parse("a: ${ns.sampel}\nb: ${run.di}\nc: ${x", &["sample"]).unwrap_err();
        assert_eq!(errs.len(), 3);
        assert_eq!(errs[0].offset, 3);
        assert_eq!(
            errs[0].message,
            "`${ns.sampel}` refers to no namespace of this scenario, did you mean `${ns.sample}`?"
        );
        assert_eq!(
            errs[1].message,
            "undefined reference `${run.di}`, did you mean `${run.id}`?"
        );
        assert!(errs[2].message.starts_with("unterminated"));
    }

    #[test]
    fn multibyte_text_is_safe() {
        let t = Template::parse("é${ns.sample}ü$", &["sample"]).unwrap();
        assert_eq!(t.render(&bindings()).unwrap(), "ésample-x1y2z3ü$");
        let errs = Template::parse("é${ü", &[]).unwrap_err();
        assert_eq!(errs[0].offset, 2);
    }
}
