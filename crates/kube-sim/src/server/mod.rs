//! The simulated cluster's Kubernetes API server: HTTPS with per-run certificates, client
//! certificate authentication, and the routes of kube-apiserver that kubectl and kube-rs use.
//!
//! One HTTP/1.1 connection handler per TLS connection (hyper, with upgrades for exec and
//! port-forward); every request goes through [`dispatch`], which answers health, version,
//! discovery and OpenAPI itself and hands resource URLs to [`resources::handle`].

pub(crate) mod discovery;
pub(crate) mod http;
pub(crate) mod openapi_v2;
pub(crate) mod protobuf;
pub(crate) mod resources;
pub(crate) mod route;
pub(crate) mod status;
pub(crate) mod stream;
pub(crate) mod watch;

use std::sync::Arc;

use ::http::{Method, Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rand::Rng;
use tokio::net::TcpListener;
use tokio::sync::watch as signal;
use tokio_rustls::TlsAcceptor;

use self::http::{Body, Query, error_response, json_response, text_response};
use self::route::Route;
use self::status::ApiError;
use super::cluster::Cluster;

/// Serves the API until `shutdown` turns true. Each connection runs in its own task; a
/// connection that fails its TLS handshake is dropped quietly, as kube-apiserver logs and drops.
pub(crate) async fn serve(
    cluster: Arc<Cluster>,
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    mut shutdown: signal::Receiver<bool>,
) {
    let acceptor = TlsAcceptor::from(tls);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::debug!(error = %e, "accept failed");
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let cluster = cluster.clone();
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let tls = match acceptor.accept(tcp).await {
                Ok(t) => t,
                Err(e) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
            };
            let authenticated = tls
                .get_ref()
                .1
                .peer_certificates()
                .is_some_and(|c| !c.is_empty());
            let service = hyper::service::service_fn(move |req| {
                let cluster = cluster.clone();
                async move {
                    let (method, uri) = (req.method().clone(), req.uri().clone());
                    let resp = dispatch(&cluster, req, authenticated).await;
                    tracing::debug!(%method, %uri, status = resp.status().as_u16(), "request");
                    Ok::<_, std::convert::Infallible>(resp)
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), service)
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                }
                _ = conn_shutdown.changed() => {}
            }
        });
    }
}

/// Public paths that kube-apiserver serves to anonymous clients (system:public-info-viewer).
fn is_public(route: &Route) -> bool {
    matches!(route, Route::Version | Route::Health(_))
}

/// Routes one request.
pub(crate) async fn dispatch(
    cluster: &Arc<Cluster>,
    req: Request<Incoming>,
    authenticated: bool,
) -> Response<Body> {
    let route = route::parse(req.uri().path());
    if !authenticated && !is_public(&route) {
        return error_response(&ApiError::unauthorized());
    }
    if let Some(e) = chaos(cluster, &route) {
        return error_response(&e);
    }
    let query = Query::parse(req.uri().query());
    let get_only = |resp: Response<Body>| resp;
    if !matches!(route, Route::Resource(_))
        && req.method() != Method::GET
        && req.method() != Method::HEAD
    {
        return error_response(&ApiError::method_not_allowed(
            req.method().as_str(),
            status::Qualified {
                group: "",
                resource: "",
            },
        ));
    }
    let k = &cluster.profile.kubernetes;
    get_only(match route {
        Route::Version => json_response(200, &discovery::version(k)),
        Route::Health(_) => text_response(200, "ok"),
        Route::ApiVersions => json_response(200, &discovery::api_versions()),
        Route::ApiGroups => json_response(200, &discovery::api_groups(&cluster.registry())),
        Route::ApiGroup(g) => match discovery::api_group(&cluster.registry(), &g) {
            Some(v) => json_response(200, &v),
            None => error_response(&ApiError::path_not_found()),
        },
        Route::ResourceList { group, version } => {
            match discovery::resource_list(&cluster.registry(), &group, &version) {
                Some(v) => json_response(200, &v),
                None => error_response(&ApiError::path_not_found()),
            }
        }
        // kubectl asks for the v2 document in protobuf only.
        Route::OpenApiV2 => {
            let mut resp = Response::new(self::http::full(openapi_v2::document(
                &cluster.registry(),
                k,
            )));
            resp.headers_mut().insert(
                ::http::header::CONTENT_TYPE,
                ::http::HeaderValue::from_static(openapi_v2::CONTENT_TYPE),
            );
            resp
        }
        Route::OpenApiV3Root => {
            json_response(200, &discovery::openapi_v3_root(&cluster.registry()))
        }
        Route::OpenApiV3 { group, version } => {
            match discovery::openapi_v3_gv(&cluster.registry(), k, &group, &version) {
                Some(v) => json_response(200, &v),
                None => error_response(&ApiError::path_not_found()),
            }
        }
        Route::Resource(rp) => resources::handle(cluster, req, rp, query).await,
        Route::NotFound => error_response(&ApiError::path_not_found()),
    })
}

/// The profile's injected API errors (off by default). Health and version stay reliable, as
/// kubectl's dispatcher and readiness checks need them.
fn chaos(cluster: &Cluster, route: &Route) -> Option<ApiError> {
    let c = &cluster.profile.chaos;
    if c.error_share <= 0.0 || is_public(route) || c.error_codes.is_empty() {
        return None;
    }
    let (hit, code) = cluster.with_rng(|rng| {
        (
            rng.random_bool(c.error_share),
            c.error_codes[rng.random_range(0..c.error_codes.len())],
        )
    });
    if !hit {
        return None;
    }
    cluster.faults().api_error();
    Some(match code {
        429 => ApiError::too_many_requests(),
        503 => ApiError::service_unavailable(),
        _ => ApiError::internal("injected by the simulator's chaos profile"),
    })
}
