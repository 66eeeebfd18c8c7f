//! Requests: from an in-mesh pod (`from` + `url`) or through a Gateway API gateway (`via` +
//! `host` + `path`). Every value that reaches curl is checked here for control characters, so
//! the runner can pass it in curl's stdin configuration without quoting tricks.

use serde_saphyr::Location;

use super::build::Ctx;
use super::model::{GatewayRef, Method, PodRef, Request, Route, WorkloadKind};
use super::raw::{RawFrom, RawRequest, RawVia, S};
use super::template::Template;
use super::values::{check_header_name, check_object_name, parse_method};

/// A request from `requests:` (with its name) or written in place under `send:`.
pub(crate) fn build(
    ctx: &mut Ctx,
    name: Option<String>,
    r: &RawRequest,
    at: Location,
) -> Option<Request> {
    let route = match (&r.from, &r.via) {
        (Some(_), Some(via)) => {
            let d = ctx
                .error(
                    via.referenced,
                    "a request has either `from` (a pod) or `via` (a gateway), not both",
                )
                .help("use two requests");
            ctx.push(d);
            None
        }
        (Some(from), None) => from_pod(ctx, r, from),
        (None, Some(via)) => via_gateway(ctx, r, via),
        (None, None) => {
            let d = ctx
                .error(at, "a request needs `from` or `via`")
                .help("`from: {pod: <ns>/deployment/<name>}` with `url:`, or `via: {gateway: <ns>/<gateway>}` with `host:` and `path:`");
            ctx.push(d);
            None
        }
    };
    let method = match &r.method {
        Some(m) => match parse_method(&m.value) {
            Ok(m) => Some(m),
            Err(e) => {
                ctx.push(ctx.error(m.referenced, e));
                None
            }
        },
        None => Some(Method::Get),
    };
    let mut headers = Vec::new();
    let mut headers_ok = true;
    if let Some(hs) = &r.headers {
        for (k, v) in &hs.value.0 {
            if let Err(e) = check_header_name(&k.value) {
                ctx.push(ctx.error(k.referenced, e));
                headers_ok = false;
            }
            match ctx.template(v, "a header value") {
                Some(t) => headers.push((k.value.clone(), t)),
                None => headers_ok = false,
            }
        }
    }
    Some(Request {
        name,
        route: route?,
        method: method?,
        headers: headers_ok.then_some(headers)?,
    })
}

/// Reports `field` as out of place for this kind of request.
fn not_here(ctx: &mut Ctx, field: &Option<S<String>>, name: &str, why: &str) -> bool {
    match field {
        Some(f) => {
            let d = ctx.error(f.referenced, format!("`{name}` {why}"));
            ctx.push(d);
            false
        }
        None => true,
    }
}

fn from_pod(ctx: &mut Ctx, r: &RawRequest, from: &S<RawFrom>) -> Option<Route> {
    let mut ok = not_here(
        ctx,
        &r.host,
        "host",
        "goes with `via`; with `from`, put the host in the URL",
    );
    ok &= not_here(
        ctx,
        &r.path,
        "path",
        "goes with `via`; with `from`, put the path in the URL",
    );
    let pod = match &from.value.pod {
        Some(p) => pod_ref(ctx, p),
        None => {
            ctx.missing(
                from.referenced,
                "pod",
                "e.g. `pod: sample/deployment/sleep`",
            );
            None
        }
    };
    let container = match &from.value.container {
        Some(c) => match check_object_name(&c.value, "container") {
            Ok(()) => Some(Some(c.value.clone())),
            Err(e) => {
                ctx.push(ctx.error(c.referenced, e));
                None
            }
        },
        None => Some(None),
    };
    let url = match &r.url {
        Some(u) => {
            let t = ctx.template(u, "the URL");
            if t.is_some() && !(u.value.starts_with("http://") || u.value.starts_with("https://")) {
                let d = ctx
                    .error(
                        u.referenced,
                        "the URL must start with `http://` or `https://`",
                    )
                    .help("e.g. `url: \"http://helloworld.${ns.sample}:5000/hello\"`");
                ctx.push(d);
                None
            } else {
                t
            }
        }
        None => {
            ctx.missing(
                from.referenced,
                "url",
                "a request `from` a pod needs `url:` next to `from:`",
            );
            None
        }
    };
    if !ok {
        return None;
    }
    Some(Route::FromPod {
        pod: pod?,
        container: container?,
        url: url?,
    })
}

/// `<ns-alias>/deployment/<name>` or `<ns-alias>/pod/<name>`.
fn pod_ref(ctx: &mut Ctx, p: &S<String>) -> Option<PodRef> {
    let parts: Vec<&str> = p.value.split('/').collect();
    let [ns, kind, name] = parts.as_slice() else {
        let d = ctx
            .error(p.referenced, format!("`{}` does not name a pod", p.value))
            .help("write `<namespace alias>/deployment/<name>` or `<namespace alias>/pod/<name>`");
        ctx.push(d);
        return None;
    };
    let kind = match *kind {
        "deployment" | "deploy" => Some(WorkloadKind::Deployment),
        "pod" => Some(WorkloadKind::Pod),
        other => {
            let d = ctx
                .error(p.referenced, format!("`{other}` is not a workload kind"))
                .help("use `deployment` (any ready pod of it) or `pod`");
            ctx.push(d);
            None
        }
    };
    let alias = ctx.alias(ns, p.referenced);
    if let Err(e) = check_object_name(name, "workload name") {
        ctx.push(ctx.error(p.referenced, e));
        return None;
    }
    Some(PodRef {
        namespace: alias?,
        kind: kind?,
        name: name.to_string(),
    })
}

fn via_gateway(ctx: &mut Ctx, r: &RawRequest, via: &S<RawVia>) -> Option<Route> {
    let ok = not_here(
        ctx,
        &r.url,
        "url",
        "goes with `from`; with `via`, write `host:` and `path:`",
    );
    let gateway = match &via.value.gateway {
        Some(g) => match g.value.split_once('/') {
            Some((ns, name)) => {
                let alias = ctx.alias(ns, g.referenced);
                match check_object_name(name, "gateway name") {
                    Ok(()) => alias.map(|namespace| GatewayRef {
                        namespace,
                        name: name.to_string(),
                    }),
                    Err(e) => {
                        ctx.push(ctx.error(g.referenced, e));
                        None
                    }
                }
            }
            None => {
                let d = ctx
                    .error(g.referenced, format!("`{}` does not name a gateway", g.value))
                    .help("write `<namespace alias>/<Gateway name>`, e.g. `sample-ingress/example-gateway`");
                ctx.push(d);
                None
            }
        },
        None => {
            ctx.missing(
                via.referenced,
                "gateway",
                "e.g. `gateway: sample-ingress/example-gateway`",
            );
            None
        }
    };
    let port = match &via.value.port {
        Some(p) if (1..=65535).contains(&p.value) => u16::try_from(p.value).ok(),
        Some(p) => {
            ctx.push(ctx.error(
                p.referenced,
                format!("port {} is not between 1 and 65535", p.value),
            ));
            None
        }
        None => Some(80),
    };
    let host = match &r.host {
        Some(h) => {
            let t = ctx.template(h, "the host");
            if h.value.contains(['/', ' ']) || h.value.is_empty() {
                ctx.push(ctx.error(
                    h.referenced,
                    "`host` is a host name, e.g. `httpbin.example.com`",
                ));
                None
            } else {
                t
            }
        }
        None => {
            ctx.missing(
                via.referenced,
                "host",
                "a request `via` a gateway needs `host:` (the Host header) next to `via:`",
            );
            None
        }
    };
    let path = match &r.path {
        Some(p) => {
            let t = ctx.template(p, "the path");
            if p.value.starts_with('/') {
                t
            } else {
                ctx.push(ctx.error(p.referenced, "`path` must start with `/`"));
                None
            }
        }
        None => Template::parse("/", &[]).ok(),
    };
    if !ok {
        return None;
    }
    Some(Route::ViaGateway {
        gateway: gateway?,
        port: port?,
        host: host?,
        path: path?,
    })
}
