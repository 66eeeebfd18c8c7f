//! Steps: the change they make, what they wait for, what they send, and what each range of
//! Istio versions must show. Also the changes and waits that setup shares with steps, and the
//! statistical and timing settings (scenario defaults, step overrides).

use serde_saphyr::Location;

use crate::stats::{
    DEFAULT_BATCH_SIZE, DEFAULT_MAX_REQUESTS, DEFAULT_MIN_DEVIATION, DEFAULT_POWER, DesignKind,
    Expectation, StatsError, StepPolicy, UNMATCHED,
};

use super::build::Ctx;
use super::diagnostics::{one_of, with_suggestion};
use super::manifest::{self, Use};
use super::model::{
    Case, Change, Expected, Manifest, NsAlias, Patch, PatchKind, Request, Rollout, Step, Timeouts,
    Tuning, Wait,
};
use super::outcome;
use super::raw::{
    RawCase, RawExpect, RawPatch, RawPaths, RawSend, RawStats, RawStep, RawTimeouts, RawWait,
    RawWaits, S,
};
use super::requests;
use super::values::{check_name, check_object_name, parse_duration, parse_resource_name};
use super::version::VersionReq;

/// The statistics module's defaults, no alpha override.
pub(crate) fn default_tuning() -> Tuning {
    Tuning {
        alpha: None,
        min_deviation: DEFAULT_MIN_DEVIATION,
        power: DEFAULT_POWER,
        batch_size: DEFAULT_BATCH_SIZE,
        max_requests: DEFAULT_MAX_REQUESTS,
        design: DesignKind::Sequential,
    }
}

/// `base` with the settings of `raw`, each checked by the statistics module's own rules and
/// reported at its line.
pub(crate) fn tuning(ctx: &mut Ctx, base: Tuning, raw: Option<&S<RawStats>>) -> Tuning {
    let Some(raw) = raw else {
        return base;
    };
    let r = &raw.value;
    let mut t = base;
    let report =
        |ctx: &mut Ctx, at: Location, e: StatsError| ctx.push(ctx.error(at, e.to_string()));
    if let Some(a) = &r.alpha {
        match StepPolicy::new(a.value) {
            Ok(_) => t.alpha = Some(a.value),
            Err(e) => report(ctx, a.referenced, e),
        }
    }
    if let Some(d) = &r.min_deviation {
        match StepPolicy::default().with_min_deviation(d.value) {
            Ok(_) => t.min_deviation = d.value,
            Err(e) => report(ctx, d.referenced, e),
        }
    }
    if let Some(p) = &r.power {
        match StepPolicy::default().with_power(p.value) {
            Ok(_) => t.power = p.value,
            Err(e) => report(ctx, p.referenced, e),
        }
    }
    let max = r.max_requests.as_ref().map_or(t.max_requests, |m| m.value);
    let batch = r.batch_size.as_ref().map_or(t.batch_size, |b| b.value);
    let max_at = r
        .max_requests
        .as_ref()
        .map_or(raw.referenced, |m| m.referenced);
    let batch_at = r
        .batch_size
        .as_ref()
        .map_or(raw.referenced, |b| b.referenced);
    match StepPolicy::default()
        .with_batch_size(1)
        .and_then(|p| p.with_max_requests(max))
    {
        Err(e) => report(ctx, max_at, e),
        Ok(p) => match p.with_batch_size(batch) {
            Ok(_) => (t.max_requests, t.batch_size) = (max, batch),
            Err(e) => report(ctx, batch_at, e),
        },
    }
    if let Some(d) = &r.design {
        match d.value.as_str() {
            "sequential" => t.design = DesignKind::Sequential,
            "fixed" => t.design = DesignKind::Fixed,
            other => {
                let m = with_suggestion(
                    format!("unknown design `{other}`"),
                    other,
                    ["sequential", "fixed"],
                );
                let e = ctx
                    .error(d.referenced, m)
                    .help("`sequential` (stop as soon as the evidence is clear) or `fixed`");
                ctx.push(e);
            }
        }
    }
    t
}

/// `base` with the durations of `raw`.
pub(crate) fn timeouts(ctx: &mut Ctx, base: Timeouts, raw: Option<&S<RawTimeouts>>) -> Timeouts {
    let Some(raw) = raw else {
        return base;
    };
    let mut t = base;
    let r = &raw.value;
    for (field, slot) in [
        (&r.apply, &mut t.apply),
        (&r.wait, &mut t.wait),
        (&r.converge, &mut t.converge),
        (&r.send, &mut t.send),
    ] {
        if let Some(v) = field {
            match parse_duration(&v.value) {
                Ok(d) => *slot = d,
                Err(e) => ctx.push(ctx.error(v.referenced, e)),
            }
        }
    }
    t
}

/// A `wait:` entry.
pub(crate) fn wait(ctx: &mut Ctx, w: &RawWait, at: Location, ns: Option<&NsAlias>) -> Option<Wait> {
    if ns.is_none() {
        let d = ctx
            .error(at, "a wait needs a namespace")
            .help("set `namespace:` here or at the top of the scenario");
        ctx.push(d);
    }
    match (&w.rollout, &w.condition, &w.target) {
        (Some(_), Some(c), _) => {
            let d = ctx
                .error(
                    c.referenced,
                    "a wait is either `rollout` or `condition`, not both",
                )
                .help("use two waits");
            ctx.push(d);
            None
        }
        (Some(_), None, Some(t)) => {
            let d = ctx
                .error(t.referenced, "`target` goes with `condition`")
                .help("`rollout: all` or `rollout: <deployment>` waits for Deployments");
            ctx.push(d);
            None
        }
        (Some(r), None, None) => {
            let rollout = if r.value == "all" {
                Rollout::All
            } else if let Err(e) = check_object_name(&r.value, "deployment") {
                ctx.push(
                    ctx.error(r.referenced, e)
                        .help("`rollout: all` waits for every Deployment of the namespace"),
                );
                return None;
            } else {
                Rollout::Deployment(r.value.clone())
            };
            ns?;
            Some(Wait::Rollout(rollout))
        }
        (None, Some(c), target) => {
            let Some(t) = target else {
                ctx.missing(at, "target", "name the object, e.g. `target: gateways.gateway.networking.k8s.io/example-gateway`");
                return None;
            };
            let ok = c
                .value
                .chars()
                .next()
                .is_some_and(|ch| ch.is_ascii_alphabetic())
                && c.value.chars().all(|ch| ch.is_ascii_alphanumeric());
            if !ok {
                ctx.push(
                    ctx.error(
                        c.referenced,
                        format!("`{}` is not a condition type", c.value),
                    )
                    .help("e.g. `Programmed`, `Accepted`, `Available`"),
                );
                return None;
            }
            let target = match parse_resource_name(&t.value) {
                Ok(r) => r,
                Err(e) => {
                    ctx.push(ctx.error(t.referenced, e));
                    return None;
                }
            };
            ns?;
            Some(Wait::Condition {
                target,
                condition: c.value.clone(),
            })
        }
        (None, None, _) => {
            let d = ctx
                .error(at, "a wait needs `rollout` or `condition`")
                .help("`rollout: all`, or `condition: Programmed` with `target: gateways.gateway.networking.k8s.io/<name>`");
            ctx.push(d);
            None
        }
    }
}

/// Objects without a namespace need one from the step or the scenario.
fn needs_namespace(ctx: &mut Ctx, written: &S<String>, m: &Manifest, ns: Option<&NsAlias>) {
    if ns.is_some() {
        return;
    }
    if let Some(o) = m
        .objects()
        .iter()
        .find(|o| o.namespace().is_none() && manifest::is_namespaced(o.kind()))
    {
        let d = ctx
            .error(
                written.referenced,
                format!(
                    "`{}` has {}/{} without a namespace, and no `namespace:` applies here",
                    written.value,
                    o.kind(),
                    o.name()
                ),
            )
            .help("set `namespace:` on this entry or at the top of the scenario, or write `metadata.namespace: ${ns.<alias>}` in the manifest");
        ctx.push(d);
    }
}

/// `apply`, `delete` or `patch` (the caller made sure at least one is there).
pub(crate) fn change(
    ctx: &mut Ctx,
    apply: Option<&S<RawPaths>>,
    delete: Option<&S<RawPaths>>,
    patch: Option<&S<RawPatch>>,
    ns: Option<&NsAlias>,
) -> Option<Change> {
    let given: Vec<Location> = [
        apply.map(|s| s.referenced),
        delete.map(|s| s.referenced),
        patch.map(|s| s.referenced),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(second) = given.get(1) {
        let d = ctx
            .error(*second, "one change per step: `apply`, `delete` or `patch`")
            .help("split it into two steps");
        ctx.push(d);
        return None;
    }
    if let Some(paths) = apply {
        let mut out = Vec::new();
        for (w, m) in ctx.paths(paths, Use::Objects) {
            let m = m?;
            needs_namespace(ctx, &w, &m, ns);
            ctx.applied.push(m.path().to_path_buf());
            out.push(m);
        }
        return (!out.is_empty()).then_some(Change::Apply(out));
    }
    if let Some(paths) = delete {
        let mut out = Vec::new();
        for (w, m) in ctx.paths(paths, Use::Objects) {
            let m = m?;
            if !ctx.applied.iter().any(|p| p == m.path()) {
                let d = ctx
                    .error(w.referenced, format!("`{}` is deleted but no earlier entry applies it", w.value))
                    .help("a delete removes the objects of a manifest applied by setup or an earlier step");
                ctx.push(d);
            }
            needs_namespace(ctx, &w, &m, ns);
            out.push(m);
        }
        return (!out.is_empty()).then_some(Change::Delete(out));
    }
    let p = patch?;
    let r = &p.value;
    let target = match &r.target {
        Some(t) => match parse_resource_name(&t.value) {
            Ok(n) => Some(n),
            Err(e) => {
                ctx.push(ctx.error(t.referenced, e));
                None
            }
        },
        None => {
            ctx.missing(
                p.referenced,
                "target",
                "name the object, e.g. `target: gateways.networking.istio.io/example-gateway`",
            );
            None
        }
    };
    let kind = match r.kind.as_ref().map(|k| (k.value.as_str(), k.referenced)) {
        None | Some(("merge", _)) => Some(PatchKind::Merge),
        Some(("json", _)) => Some(PatchKind::Json),
        Some(("strategic", _)) => Some(PatchKind::Strategic),
        Some((other, at)) => {
            let m = with_suggestion(
                format!("unknown patch type `{other}`"),
                other,
                ["merge", "json", "strategic"],
            );
            ctx.push(ctx.error(at, m).help(
                "`merge` (JSON merge patch, the default), `json` (JSON patch) or `strategic`",
            ));
            None
        }
    };
    if ns.is_none() {
        let d = ctx
            .error(p.referenced, "a patch needs a namespace")
            .help("set `namespace:` here or at the top of the scenario");
        ctx.push(d);
    }
    let body = match &r.file {
        Some(f) => {
            let usage = if kind == Some(PatchKind::Json) {
                Use::JsonPatch
            } else {
                Use::MergePatch
            };
            manifest::load(ctx, f, usage)
        }
        None => {
            ctx.missing(p.referenced, "file", "put the patch body in a YAML file next to the scenario, e.g. `file: selector-patch.yaml`");
            None
        }
    };
    ns?;
    Some(Change::Patch(Patch {
        target: target?,
        kind: kind?,
        body: body?,
    }))
}

/// Every step, with names checked for uniqueness.
pub(crate) fn build_all(ctx: &mut Ctx, raw: &[S<RawStep>]) -> Vec<Step> {
    let mut names: Vec<(String, u64)> = Vec::new();
    let mut out = Vec::new();
    for s in raw {
        if let Some(n) = &s.value.name {
            if let Some((_, line)) = names.iter().find(|(x, _)| *x == n.value) {
                let d = ctx
                    .error(
                        n.referenced,
                        format!("step name `{}` is already used at line {line}", n.value),
                    )
                    .help("step names identify steps in reports; make them unique");
                ctx.push(d);
            }
            names.push((n.value.clone(), n.referenced.line()));
        }
        if let Some(step) = step(ctx, s) {
            out.push(step);
        }
    }
    out
}

fn step(ctx: &mut Ctx, raw: &S<RawStep>) -> Option<Step> {
    let at = raw.referenced;
    let r = &raw.value;
    let name = match &r.name {
        Some(n) => {
            if let Err(e) = check_name(&n.value, "step name") {
                ctx.push(ctx.error(n.referenced, e));
            }
            Some(n.value.clone())
        }
        None => {
            ctx.missing(
                at,
                "name",
                "name the step, e.g. `name: httproute-routes-to-v1`",
            );
            None
        }
    };
    let own_when = ctx.when(r.when.as_ref());
    let when = match own_when.intersect(&ctx.scope) {
        Some(w) => w,
        None => {
            let loc = r.when.as_ref().map_or(at, |w| w.referenced);
            let d = ctx.error(
                loc,
                format!(
                    "this step never runs: it holds for Istio {own_when}, the scenario for {}",
                    ctx.scope
                ),
            );
            ctx.push(d);
            return None;
        }
    };
    let namespace = match &r.namespace {
        Some(ns) => ctx.alias(&ns.value, ns.referenced),
        None => ctx.default_ns.clone(),
    };
    let has_change = r.apply.is_some() || r.delete.is_some() || r.patch.is_some();
    let change = if has_change {
        Some(change(
            ctx,
            r.apply.as_ref(),
            r.delete.as_ref(),
            r.patch.as_ref(),
            namespace.as_ref(),
        ))
    } else {
        None
    };
    let waits: Vec<Option<Wait>> = match &r.wait {
        None => Vec::new(),
        Some(w) => match &w.value {
            RawWaits::One(one) => vec![wait(ctx, one, w.referenced, namespace.as_ref())],
            RawWaits::Many(list) => list
                .iter()
                .map(|x| wait(ctx, &x.value, x.referenced, namespace.as_ref()))
                .collect(),
        },
    };
    let send = r.send.as_ref().map(|s| (send(ctx, s), s.referenced));
    if !has_change && r.send.is_none() && r.wait.is_none() {
        let d = ctx
            .error(at, "this step does nothing")
            .help("a step applies, deletes or patches manifests, waits, and/or sends requests");
        ctx.push(d);
    }
    let tuning = {
        let base = ctx.tuning;
        tuning(ctx, base, r.stats.as_ref())
    };
    if let (Some(s), None) = (&r.stats, &r.send) {
        let d = ctx
            .error(
                s.referenced,
                "`stats` on a step that sends nothing has no effect",
            )
            .help("remove it, or add `send:` and `expect:` with shares");
        ctx.push(d);
    }
    let timeouts = {
        let base = ctx.timeouts;
        timeouts(ctx, base, r.timeouts.as_ref())
    };
    let change_kind = change.as_ref().map(|c| c.as_ref().map(kind_of));
    let cases = cases(
        ctx,
        &when,
        r.expect.as_ref(),
        send.as_ref(),
        change_kind,
        &tuning,
    )?;
    let change = match change {
        Some(c) => Some(c?),
        None => None,
    };
    let waits = waits.into_iter().collect::<Option<Vec<_>>>()?;
    Some(Step {
        name: name?,
        description: r.description.as_ref().map(|d| d.value.trim().to_string()),
        line: u32::try_from(at.line()).unwrap_or(0),
        when,
        namespace,
        change,
        waits,
        cases,
        tuning,
        timeouts,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChangeKind {
    Apply,
    Delete,
    Patch,
}

fn kind_of(c: &Change) -> ChangeKind {
    match c {
        Change::Apply(_) => ChangeKind::Apply,
        Change::Delete(_) => ChangeKind::Delete,
        Change::Patch(_) => ChangeKind::Patch,
    }
}

fn send(ctx: &mut Ctx, s: &S<RawSend>) -> Option<Request> {
    match &s.value {
        RawSend::Inline(req) => requests::build(ctx, None, req, s.referenced),
        RawSend::Named(name) => {
            if let Some(entry) = ctx.requests.iter_mut().find(|(n, ..)| n == name) {
                entry.3 = true;
                return entry.2.clone();
            }
            let names: Vec<String> = ctx.requests.iter().map(|(n, ..)| n.clone()).collect();
            let m = with_suggestion(
                format!("no request named `{name}` under `requests:`"),
                name,
                names.iter().map(String::as_str),
            );
            let help = if names.is_empty() {
                "declare it under `requests:`, or write the request here: `send: {from: ..., url: ...}`".to_string()
            } else {
                format!("declared requests: {}", one_of(&names))
            };
            ctx.push(ctx.error(s.referenced, m).help(help));
            None
        }
    }
}

/// The version cases of a step: at least one; none overlapping; together covering `when`.
fn cases(
    ctx: &mut Ctx,
    when: &VersionReq,
    expect: Option<&S<RawExpect>>,
    send: Option<&(Option<Request>, Location)>,
    change: Option<Option<ChangeKind>>,
    tuning: &Tuning,
) -> Option<Vec<Case>> {
    let Some(expect) = expect else {
        if let Some((_, send_at)) = send {
            let d = ctx
                .error(
                    *send_at,
                    "requests are sent but nothing is expected of them",
                )
                .help("add `expect: {shares: {<outcome>: <share>, ...}}`");
            ctx.push(d);
            return None;
        }
        return Some(vec![Case {
            when: when.clone(),
            expected: Expected::Applied,
        }]);
    };
    let raw_cases: Vec<(&RawCase, Location)> = match &expect.value {
        RawExpect::One(c) => vec![(c, expect.referenced)],
        RawExpect::Cases(list) => list.iter().map(|c| (&c.value, c.referenced)).collect(),
    };
    if raw_cases.is_empty() {
        ctx.push(ctx.error(expect.referenced, "empty list of expectations"));
        return None;
    }
    let mut out: Vec<(Case, Location)> = Vec::new();
    let mut ok = true;
    for (raw, case_at) in raw_cases {
        let own = ctx.when(raw.when.as_ref());
        let Some(case_when) = own.intersect(when) else {
            let loc = raw.when.as_ref().map_or(case_at, |w| w.referenced);
            let d = ctx.error(
                loc,
                format!(
                    "this case never applies: it holds for Istio {own}, the step runs on {when}"
                ),
            );
            ctx.push(d);
            ok = false;
            continue;
        };
        for (other, other_at) in &out {
            if let Some(both) = other.when.intersect(&case_when) {
                let d = ctx
                    .error(
                        raw.when.as_ref().map_or(case_at, |w| w.referenced),
                        format!(
                            "this case overlaps the case at line {} (both hold for Istio {both})",
                            other_at.line()
                        ),
                    )
                    .help("each Istio version must have exactly one expectation");
                ctx.push(d);
                ok = false;
            }
        }
        match expected(ctx, raw, case_at, send, change, tuning) {
            Some(expected) => out.push((
                Case {
                    when: case_when,
                    expected,
                },
                case_at,
            )),
            None => ok = false,
        }
    }
    if ok {
        let parts: Vec<&VersionReq> = out.iter().map(|(c, _)| &c.when).collect();
        if let Some(gap) = VersionReq::first_gap(when, &parts) {
            let d = ctx
                .error(expect.referenced, format!("no expectation for Istio {gap}"))
                .help(format!(
                    "add a case `- when: {{istio: \"{gap}\"}}`, or restrict the step with `when:` (the step runs on {when})"
                ));
            ctx.push(d);
            ok = false;
        }
    }
    ok.then(|| out.into_iter().map(|(c, _)| c).collect())
}

fn expected(
    ctx: &mut Ctx,
    raw: &RawCase,
    at: Location,
    send: Option<&(Option<Request>, Location)>,
    change: Option<Option<ChangeKind>>,
    tuning: &Tuning,
) -> Option<Expected> {
    match (&raw.shares, &raw.rejected) {
        (Some(_), Some(r)) => {
            let d = ctx
                .error(r.referenced, "a case expects either `shares` or `rejected`, not both")
                .help("a rejected change sends nothing; use version cases if it depends on the version");
            ctx.push(d);
            None
        }
        (None, Some(r)) => {
            match change {
                Some(Some(ChangeKind::Apply | ChangeKind::Patch)) | Some(None) => {}
                Some(Some(ChangeKind::Delete)) | None => {
                    let d = ctx
                        .error(r.referenced, "only an `apply` or a `patch` can be rejected")
                        .help("`rejected` expects the step's change to fail admission (e.g. Istio's validating webhook)");
                    ctx.push(d);
                    return None;
                }
            }
            let m = outcome::text_match(ctx, r)?;
            Some(Expected::Rejected(m))
        }
        (Some(shares), None) => {
            let Some((request, _)) = send else {
                let d = ctx
                    .error(
                        shares.referenced,
                        "`shares` without `send`: there are no responses to count",
                    )
                    .help("add `send:` to the step");
                ctx.push(d);
                return None;
            };
            let mut pairs = Vec::new();
            let mut ok = true;
            for (name, share) in &shares.value.0 {
                if name.value == UNMATCHED {
                    let d = ctx.error(name.referenced, StatsError::ReservedClass.to_string());
                    ctx.push(d);
                    ok = false;
                    continue;
                }
                if ctx.outcomes.iter().any(|(n, _)| *n == name.value) {
                    ctx.used_outcomes.insert(name.value.clone());
                    pairs.push((name.value.clone(), share.value));
                } else {
                    let names: Vec<String> = ctx.outcomes.iter().map(|(n, _)| n.clone()).collect();
                    let m = with_suggestion(
                        format!("unknown outcome `{}`", name.value),
                        &name.value,
                        names.iter().map(String::as_str),
                    );
                    let help = if names.is_empty() {
                        "declare outcomes under `outcomes:`".to_string()
                    } else {
                        format!("declared outcomes: {}", one_of(&names))
                    };
                    ctx.push(ctx.error(name.referenced, m).help(help));
                    ok = false;
                }
            }
            if !ok {
                return None;
            }
            let expectation = match Expectation::new(pairs) {
                Ok(e) => e,
                Err(e) => {
                    // Point at the share at fault when there is one.
                    let at = match &e {
                        StatsError::InvalidShare { class, .. } => shares
                            .value
                            .0
                            .iter()
                            .find(|(n, _)| n.value == *class)
                            .map_or(shares.referenced, |(_, v)| v.referenced),
                        _ => shares.referenced,
                    };
                    ctx.push(ctx.error(at, e.to_string()));
                    return None;
                }
            };
            let positive = expectation.positive().count() as u64;
            if positive > tuning.max_requests {
                let e = StatsError::TooManyClasses {
                    positive: positive as usize,
                    max_requests: tuning.max_requests,
                };
                ctx.push(ctx.error(shares.referenced, e.to_string()));
                return None;
            }
            Some(Expected::Traffic {
                request: request.clone()?,
                expectation,
            })
        }
        (None, None) => {
            if send.is_some() {
                let d = ctx
                    .error(
                        at,
                        "this case expects nothing of the requests the step sends",
                    )
                    .help("add `shares: {<outcome>: <share>, ...}` or `rejected: {contains: ...}`");
                ctx.push(d);
                return None;
            }
            if change.is_none() {
                let d = ctx
                    .error(at, "this case expects nothing")
                    .help("add `shares:` (with `send:` on the step) or `rejected:`");
                ctx.push(d);
                return None;
            }
            Some(Expected::Applied)
        }
    }
}
