//! From the raw file to a [`Scenario`]: the scenario-level checks, and the context every other
//! check shares (the file for messages, the declared names, the manifests read so far).
//!
//! Checks never stop at the first problem: each records a diagnostic and carries on with what
//! it could make sense of, so `harness validate` reports everything at once.

use std::collections::HashSet;
use std::path::PathBuf;

use serde_saphyr::Location;

use super::diagnostics::{Diagnostic, SourceFile, one_of, with_suggestion};
use super::manifest::{self, Use};
use super::model::{
    Action, MAX_ALIAS_LEN, Namespace, NsAlias, Request, Scenario, SetupStep, Timeouts, Tuning,
};
use super::outcome::{self, Outcomes};
use super::raw::{RawAction, RawPaths, RawScenario, RawWhen, S};
use super::requests;
use super::steps;
use super::template::Template;
use super::values::{check_label_key, check_label_value, check_name, is_dns_label, parse_duration};
use super::version::VersionReq;

/// What the checks of one scenario file share.
pub(crate) struct Ctx {
    /// The scenario file.
    pub src: SourceFile,
    /// Its directory: manifest paths are relative to it.
    pub dir: PathBuf,
    /// Problems found so far, in any file.
    pub errors: Vec<Diagnostic>,
    /// Declared namespace aliases.
    pub aliases: Vec<String>,
    /// The top-level `namespace:`.
    pub default_ns: Option<NsAlias>,
    /// Manifests read so far.
    pub manifests: manifest::Cache,
    /// Manifests applied by setup or earlier steps (a delete must name one of them).
    pub applied: Vec<PathBuf>,
    /// Declared outcome names, in order, with the location of each key.
    pub outcomes: Vec<(String, Location)>,
    /// Outcome names some expectation lists.
    pub used_outcomes: HashSet<String>,
    /// Named requests, with whether some step sends them.
    pub requests: Vec<(String, Location, Option<Request>, bool)>,
    /// The versions the scenario runs on.
    pub scope: VersionReq,
    /// Scenario-wide statistical defaults.
    pub tuning: Tuning,
    /// Scenario-wide time limits.
    pub timeouts: Timeouts,
}

impl Ctx {
    pub(super) fn new(src: SourceFile) -> Self {
        let dir = src.path.parent().map(PathBuf::from).unwrap_or_default();
        Ctx {
            src,
            dir,
            errors: Vec::new(),
            aliases: Vec::new(),
            default_ns: None,
            manifests: manifest::Cache::default(),
            applied: Vec::new(),
            outcomes: Vec::new(),
            used_outcomes: HashSet::new(),
            requests: Vec::new(),
            scope: VersionReq::any(),
            tuning: steps::default_tuning(),
            timeouts: Timeouts::default(),
        }
    }

    /// A diagnostic at `loc` in the scenario file.
    pub(super) fn error(&self, loc: Location, message: impl Into<String>) -> Diagnostic {
        self.src.error_at(loc, message)
    }

    /// Records a diagnostic.
    pub(super) fn push(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }

    /// Records "missing field" at the mapping that lacks it.
    pub(super) fn missing(&mut self, at: Location, field: &str, help: &str) {
        let d = self
            .error(at, format!("missing field `{field}`"))
            .help(help);
        self.push(d);
    }

    /// The declared alias `written`, or an error with the near miss.
    pub(super) fn alias(&mut self, written: &str, at: Location) -> Option<NsAlias> {
        if self.aliases.iter().any(|a| a == written) {
            return Some(NsAlias(written.to_string()));
        }
        let message = with_suggestion(
            format!("namespace `{written}` is not declared"),
            written,
            self.aliases.iter().map(String::as_str),
        );
        let help = if self.aliases.is_empty() {
            "declare it under `namespaces:`".to_string()
        } else {
            format!("declared namespaces: {}", one_of(&self.aliases))
        };
        self.push(self.error(at, message).help(help));
        None
    }

    /// A templated one-line value from the scenario file (URL, host, path, header value).
    pub(super) fn template(&mut self, written: &S<String>, what: &str) -> Option<Template> {
        let text = &written.value;
        if let Err((i, message)) = super::values::check_no_control(text, what) {
            let pos = self.src.pos_in_scalar(written.referenced, i, 1);
            self.push(self.src.error(pos, message));
            return None;
        }
        let aliases: Vec<&str> = self.aliases.iter().map(String::as_str).collect();
        match Template::parse(text, &aliases) {
            Ok(t) => Some(t),
            Err(errors) => {
                for e in errors {
                    let chars = text[..e.offset.min(text.len())].chars().count();
                    let pos = self.src.pos_in_scalar(written.referenced, chars, e.len);
                    let d = self.src.error(pos, e.message).help(e.help);
                    self.push(d);
                }
                None
            }
        }
    }

    /// `when: {istio: "..."}` as a range (every version when absent).
    pub(super) fn when(&mut self, when: Option<&S<RawWhen>>) -> VersionReq {
        let Some(w) = when else {
            return VersionReq::any();
        };
        let Some(istio) = &w.value.istio else {
            self.missing(
                w.referenced,
                "istio",
                "write the Istio versions, e.g. `when: {istio: \">=1.24\"}`",
            );
            return VersionReq::any();
        };
        match istio.value.parse::<VersionReq>() {
            Ok(r) => r,
            Err(e) => {
                let pos = self.src.pos_in_scalar(istio.referenced, e.offset, e.len);
                let d = self.src.error(pos, e.message).help(
                    "ranges: `>=1.24`, `<1.28`, `>=1.22, <1.28`, `1.22 - 1.27` (inclusive), `1.27`, `*`",
                );
                self.push(d);
                VersionReq::any()
            }
        }
    }

    /// The manifests of `apply:` or `delete:`, checked.
    pub(super) fn paths(
        &mut self,
        paths: &S<RawPaths>,
        usage: Use,
    ) -> Vec<(S<String>, Option<super::model::Manifest>)> {
        let written: Vec<S<String>> = match &paths.value {
            RawPaths::One(p) => vec![S::new(p.clone(), paths.referenced, paths.defined)],
            RawPaths::Many(v) => v.clone(),
        };
        if written.is_empty() {
            self.push(self.error(paths.referenced, "empty list of manifests"));
        }
        written
            .into_iter()
            .map(|w| {
                let m = manifest::load(self, &w, usage);
                (w, m)
            })
            .collect()
    }
}

/// Checks a parsed scenario file and builds the scenario, or returns every problem found.
pub(crate) fn scenario(ctx: &mut Ctx, raw: S<RawScenario>) -> Option<Scenario> {
    let at = raw.referenced;
    let r = raw.value;
    let name = match &r.name {
        Some(n) => {
            if let Err(e) = check_name(&n.value, "scenario name") {
                ctx.push(ctx.error(n.referenced, e));
            }
            n.value.clone()
        }
        None => {
            ctx.missing(
                at,
                "name",
                "name the scenario, e.g. `name: route-precedence`",
            );
            String::new()
        }
    };
    let description = required_text(
        ctx,
        r.description.as_ref(),
        at,
        "description",
        "say in a sentence or two what the scenario shows",
    );
    let source = required_text(
        ctx,
        r.source.as_ref(),
        at,
        "source",
        "say where the behaviour comes from: a blog post, an issue, the Istio source",
    );
    ctx.scope = ctx.when(r.when.as_ref());
    let namespaces = namespaces(ctx, &r);
    if let Some(ns) = &r.namespace {
        ctx.default_ns = ctx.alias(&ns.value, ns.referenced);
    }
    let (base_timeouts, base_tuning) = (ctx.timeouts, ctx.tuning);
    ctx.timeouts = steps::timeouts(ctx, base_timeouts, r.timeouts.as_ref());
    ctx.tuning = steps::tuning(ctx, base_tuning, r.stats.as_ref());
    let outcomes = match &r.outcomes {
        Some(o) => outcome::build(ctx, o),
        None => Outcomes::default(),
    };
    if let Some(reqs) = &r.requests {
        for (key, req) in &reqs.value.0 {
            if let Err(e) = check_name(&key.value, "request name") {
                ctx.push(ctx.error(key.referenced, e));
            }
            let built = requests::build(ctx, Some(key.value.clone()), &req.value, req.referenced);
            ctx.requests
                .push((key.value.clone(), key.referenced, built, false));
        }
    }
    let setup = match &r.setup {
        Some(list) => list
            .value
            .iter()
            .filter_map(|a| setup_step(ctx, a))
            .collect(),
        None => Vec::new(),
    };
    let steps = match &r.steps {
        Some(list) if !list.value.is_empty() => steps::build_all(ctx, &list.value),
        Some(list) => {
            ctx.push(ctx.error(list.referenced, "a scenario needs at least one step"));
            Vec::new()
        }
        None => {
            ctx.missing(
                at,
                "steps",
                "add the steps that change the cluster and check traffic",
            );
            Vec::new()
        }
    };
    unused(ctx);
    if !ctx.errors.is_empty() {
        return None;
    }
    Some(Scenario {
        name,
        name_pos: r
            .name
            .as_ref()
            .and_then(|n| super::diagnostics::Pos::from_location(n.referenced)),
        description,
        source,
        file: ctx.src.path.clone(),
        when: ctx.scope.clone(),
        concurrent: r.concurrent.as_ref().is_none_or(|c| c.value),
        namespaces,
        setup,
        outcomes,
        steps,
    })
}

fn required_text(
    ctx: &mut Ctx,
    v: Option<&S<String>>,
    at: Location,
    field: &str,
    help: &str,
) -> String {
    match v {
        Some(s) if !s.value.trim().is_empty() => s.value.trim().to_string(),
        Some(s) => {
            ctx.push(
                ctx.error(s.referenced, format!("`{field}` is empty"))
                    .help(help),
            );
            String::new()
        }
        None => {
            ctx.missing(at, field, help);
            String::new()
        }
    }
}

fn namespaces(ctx: &mut Ctx, r: &RawScenario) -> Vec<Namespace> {
    let Some(list) = &r.namespaces else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, ns) in &list.value.0 {
        if !is_dns_label(&key.value, MAX_ALIAS_LEN) {
            let d = ctx.error(
                key.referenced,
                format!(
                    "namespace alias `{}` must be lower-case letters, digits and `-`, at most {MAX_ALIAS_LEN} characters",
                    super::values::printable(&key.value)
                ),
            )
            .help("the real name is `<alias>-<run id>` and must fit in 63 characters");
            ctx.push(d);
            continue;
        }
        let mut labels = Vec::new();
        if let Some(ls) = &ns.value.labels {
            for (k, v) in &ls.0 {
                if let Err(e) = check_label_key(&k.value) {
                    ctx.push(ctx.error(k.referenced, e));
                }
                if let Err(e) = check_label_value(&v.value) {
                    ctx.push(ctx.error(v.referenced, e));
                }
                labels.push((k.value.clone(), v.value.clone()));
            }
        }
        ctx.aliases.push(key.value.clone());
        out.push(Namespace {
            alias: NsAlias(key.value.clone()),
            labels,
        });
    }
    out
}

fn setup_step(ctx: &mut Ctx, a: &S<RawAction>) -> Option<SetupStep> {
    let at = a.referenced;
    let r = &a.value;
    let namespace = match &r.namespace {
        Some(ns) => ctx.alias(&ns.value, ns.referenced),
        None => ctx.default_ns.clone(),
    };
    let given = [
        r.apply.as_ref().map(|s| s.referenced),
        r.delete.as_ref().map(|s| s.referenced),
        r.patch.as_ref().map(|s| s.referenced),
        r.wait.as_ref().map(|s| s.referenced),
    ];
    let mut present = given.iter().flatten();
    let Some(_) = present.next() else {
        let d = ctx
            .error(
                at,
                "a setup entry needs one of `apply`, `delete`, `patch` or `wait`",
            )
            .help("e.g. `- apply: ../../../fixtures/apps/sleep.yaml`");
        ctx.push(d);
        return None;
    };
    if let Some(second) = present.next() {
        let d = ctx.error(*second, "a setup entry does one thing").help(
            "split it into two entries: `apply`, `delete`, `patch` and `wait` each get their own",
        );
        ctx.push(d);
        return None;
    }
    let is_wait = r.wait.is_some();
    let timeout = match &r.timeout {
        Some(t) => match parse_duration(&t.value) {
            Ok(d) => d,
            Err(e) => {
                ctx.push(ctx.error(t.referenced, e));
                ctx.timeouts.apply
            }
        },
        None if is_wait => ctx.timeouts.wait,
        None => ctx.timeouts.apply,
    };
    let action = if let Some(w) = &r.wait {
        Action::Wait(steps::wait(
            ctx,
            &w.value,
            w.referenced,
            namespace.as_ref(),
        )?)
    } else {
        Action::Change(steps::change(
            ctx,
            r.apply.as_ref(),
            r.delete.as_ref(),
            r.patch.as_ref(),
            namespace.as_ref(),
        )?)
    };
    Some(SetupStep {
        action,
        namespace,
        timeout,
        line: u32::try_from(at.line()).unwrap_or(0),
    })
}

/// Everything declared must be used: an outcome no expectation lists, or a request no step
/// sends, is almost always a typo elsewhere. Checked only when nothing else is wrong, since
/// other errors (a misspelt outcome in an expectation) usually explain it.
fn unused(ctx: &mut Ctx) {
    if !ctx.errors.is_empty() {
        return;
    }
    let outcomes = std::mem::take(&mut ctx.outcomes);
    for (name, at) in &outcomes {
        if !ctx.used_outcomes.contains(name) {
            let d = ctx
                .error(
                    *at,
                    format!("outcome `{name}` is not used by any expectation"),
                )
                .help("list it with share 0 where it must not happen, or remove it");
            ctx.push(d);
        }
    }
    ctx.outcomes = outcomes;
    let requests = std::mem::take(&mut ctx.requests);
    for (name, at, _, used) in &requests {
        if !used {
            let d = ctx
                .error(*at, format!("request `{name}` is not sent by any step"))
                .help(format!(
                    "send it from a step with `send: {name}`, or remove it"
                ));
            ctx.push(d);
        }
    }
    ctx.requests = requests;
}
