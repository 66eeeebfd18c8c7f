//! istio samples/helloworld/src/app.py: Flask under `gunicorn -b [::]:5000 -k gevent`.
//!
//! `GET /hello` answers `Hello version: <SERVICE_VERSION>, instance: <HOSTNAME>\n` after a
//! CPU-bound loop of 10^6 square roots; `GET /health` answers `Helloworld is healthy`;
//! anything else is Flask's 404 (or 405 for another method on a known path).

use std::time::Duration;

use super::super::image::HelloworldVersion;
use super::werkzeug::{self, HTML, Routed, content_headers, gunicorn_response};
use super::{InboundRequest, OutboundResponse, PodContext};

/// CPython's 10^6-iteration `math.sqrt` loop in `hello()`: about a tenth of a second on a
/// CI runner's core.
pub(super) const HELLO_CPU_TIME: Duration = Duration::from_millis(100);

#[derive(Clone, Copy)]
enum Route {
    Hello,
    Health,
}

const GET: &[&str] = &["GET"];
const ALLOW_GET: &str = "GET, HEAD, OPTIONS";

pub(super) fn serve(
    version: HelloworldVersion,
    pod: &PodContext,
    req: &InboundRequest,
) -> OutboundResponse {
    let found = match req.path() {
        "/hello" => Some((Route::Hello, GET, ALLOW_GET)),
        "/health" => Some((Route::Health, GET, ALLOW_GET)),
        _ => None,
    };
    match werkzeug::route(&req.method, found) {
        Routed::Found(Route::Hello) => {
            // os.environ.get(...) prints None when unset; the image sets SERVICE_VERSION and
            // the runtime sets HOSTNAME, so the fallbacks are what a real pod has anyway.
            let env = |k: &str| {
                pod.env
                    .iter()
                    .rev()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
            };
            let service_version = env("SERVICE_VERSION").unwrap_or_else(|| version.as_str().into());
            let instance = env("HOSTNAME").unwrap_or_else(|| pod.hostname.clone());
            let body = format!("Hello version: {service_version}, instance: {instance}\n");
            let mut r = gunicorn_response(req, 200, content_headers(HTML, body.len()), body);
            r.processing = HELLO_CPU_TIME;
            r
        }
        Routed::Found(Route::Health) => {
            let body = "Helloworld is healthy";
            gunicorn_response(req, 200, content_headers(HTML, body.len()), body)
        }
        Routed::Options(allow) => {
            let mut h = content_headers(HTML, 0);
            h.push(("Allow".into(), allow.into()));
            gunicorn_response(req, 200, h, "")
        }
        Routed::MethodNotAllowed(allow) => {
            let (code, body) = werkzeug::error_page(405);
            let mut h = content_headers(HTML, body.len());
            h.push(("Allow".into(), allow.into()));
            gunicorn_response(req, code, h, body)
        }
        Routed::NotFound => {
            let (code, body) = werkzeug::error_page(404);
            gunicorn_response(req, code, content_headers(HTML, body.len()), body)
        }
    }
}
