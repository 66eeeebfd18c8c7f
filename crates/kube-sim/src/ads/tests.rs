//! The ADS server against a real Envoy: a valid listener is ACKed and serves HTTP, an invalid
//! one is NACKed with Envoy's message, a valid one again is ACKed. Prints `SKIPPED` when the
//! default profile's Envoy is not installed (`ci/install-envoy.sh`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use envoy_types::pb::envoy::config::core::v3::{
    Address, DataSource, SocketAddress, address, data_source, socket_address,
};
use envoy_types::pb::envoy::config::listener::v3::{Filter, FilterChain, Listener, filter};
use envoy_types::pb::envoy::config::route::v3::{
    DirectResponseAction, Route, RouteConfiguration, RouteMatch, VirtualHost, route, route_match,
};
use envoy_types::pb::envoy::extensions::filters::http::router::v3::Router;
use envoy_types::pb::envoy::extensions::filters::network::http_connection_manager::v3::{
    HttpConnectionManager, HttpFilter, http_connection_manager, http_filter,
};
use envoy_types::pb::google::protobuf::Any;
use prost::{Message, Name};

use super::*;
use crate::envoy::{EnvoyProcess, ProxyIdentity, ProxyKind, ads_bootstrap, http_get, locate};

const LDS: &str = "type.googleapis.com/envoy.config.listener.v3.Listener";
const CDS: &str = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

fn any<M: Message + Name>(m: &M) -> Any {
    Any {
        type_url: M::type_url(),
        value: m.encode_to_vec(),
    }
}

/// A listener on `port` answering every request with `status` and `body`; `bad_filter` adds
/// an HTTP filter no Envoy has, which Envoy must reject.
fn listener(port: u16, body: &str, bad_filter: bool) -> Any {
    let route = Route {
        r#match: Some(RouteMatch {
            path_specifier: Some(route_match::PathSpecifier::Prefix("/".into())),
            ..Default::default()
        }),
        action: Some(route::Action::DirectResponse(DirectResponseAction {
            status: 200,
            body: Some(DataSource {
                specifier: Some(data_source::Specifier::InlineString(body.into())),
                ..Default::default()
            }),
            ..Default::default()
        })),
        ..Default::default()
    };
    let mut http_filters = Vec::new();
    if bad_filter {
        http_filters.push(HttpFilter {
            name: "sim.no_such_filter".into(),
            config_type: Some(http_filter::ConfigType::TypedConfig(Any {
                type_url: "type.googleapis.com/sim.NoSuchFilter".into(),
                value: Vec::new(),
            })),
            ..Default::default()
        });
    }
    http_filters.push(HttpFilter {
        name: "envoy.filters.http.router".into(),
        config_type: Some(http_filter::ConfigType::TypedConfig(
            any(&Router::default()),
        )),
        ..Default::default()
    });
    let hcm = HttpConnectionManager {
        stat_prefix: "test".into(),
        route_specifier: Some(http_connection_manager::RouteSpecifier::RouteConfig(
            RouteConfiguration {
                name: "test".into(),
                virtual_hosts: vec![VirtualHost {
                    name: "all".into(),
                    domains: vec!["*".into()],
                    routes: vec![route],
                    ..Default::default()
                }],
                ..Default::default()
            },
        )),
        http_filters,
        ..Default::default()
    };
    any(&Listener {
        name: format!("127.0.0.1_{port}"),
        address: Some(Address {
            address: Some(address::Address::SocketAddress(SocketAddress {
                address: "127.0.0.1".into(),
                port_specifier: Some(socket_address::PortSpecifier::PortValue(port.into())),
                ..Default::default()
            })),
        }),
        filter_chains: vec![FilterChain {
            filters: vec![Filter {
                name: "envoy.filters.network.http_connection_manager".into(),
                config_type: Some(filter::ConfigType::TypedConfig(any(&hcm))),
            }],
            ..Default::default()
        }],
        ..Default::default()
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn identity() -> ProxyIdentity {
    ProxyIdentity {
        kind: ProxyKind::Sidecar,
        ip: "127.0.0.1".parse().expect("ip"),
        pod: "sleep-7d9c".into(),
        namespace: "sample".into(),
        labels: [("app".to_string(), "sleep".to_string())].into(),
        workload: "sleep".into(),
        service_account: "sleep".into(),
        istio_version: "1.27.9".into(),
    }
}

/// GETs `/` on `addr` until it answers `want` (the listener binds after the ACK).
async fn get_until(addr: SocketAddr, want: &str) -> (u16, String) {
    let t0 = Instant::now();
    loop {
        let got = http_get(addr, "/").await;
        match got {
            Ok((s, b)) if b == want || t0.elapsed() > Duration::from_secs(10) => return (s, b),
            Err(e) if t0.elapsed() > Duration::from_secs(10) => panic!("GET {addr}: {e}"),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

fn lds(p: &[ProxyXds]) -> Option<TypeSync> {
    p.first().and_then(|p| p.types.get(LDS).cloned())
}

/// The default profile's Envoy and the one of Istio 1.30 (`ci/install-envoy.sh` installs
/// both); a missing one is skipped with a line saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_envoy_acks_a_listener_nacks_a_bad_one_and_acks_again() {
    let test = "real_envoy_acks_a_listener_nacks_a_bad_one_and_acks_again";
    for minor in [crate::istio::IstioVersion::DEFAULT.minor, 30] {
        match locate(minor) {
            Ok(bin) => ack_nack_ack(&bin).await,
            Err(e) => eprintln!("SKIPPED {test} (Istio 1.{minor}): {e}"),
        }
    }
}

async fn ack_nack_ack(bin: &crate::envoy::EnvoyBinary) {
    let port = free_port();
    let target: SocketAddr = ([127, 0, 0, 1], port).into();
    let source = Arc::new(StaticSource::default());
    source.set(CDS, Vec::new());
    source.set(LDS, vec![listener(port, "first", false)]);
    let ads = AdsServer::start(source.clone(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("ADS server");
    let id = identity();
    let bootstrap = ads_bootstrap(&id, ads.addr(), "127.0.0.1".parse().expect("ip"));
    let t0 = Instant::now();
    let mut envoy = EnvoyProcess::spawn(bin, &id.node_id(), &bootstrap).expect("spawn");

    // 1. The valid listener: ACKed, and it answers.
    let (snap, ok) = ads
        .tracker()
        .wait_for(Duration::from_secs(20), |p| {
            lds(p).is_some_and(|t| t.synced())
        })
        .await;
    assert!(ok, "no LDS ACK: {snap:#?}\n{}", envoy.logs());
    eprintln!(
        "envoy {} start to first LDS ACK: {:?}",
        bin.version,
        t0.elapsed()
    );
    let proxy = &snap[0];
    assert_eq!(proxy.node.raw, id.node_id());
    assert_eq!(proxy.metadata["NAMESPACE"], "sample");
    assert!(
        proxy.types.get(CDS).is_some_and(TypeSync::synced),
        "{proxy:#?}"
    );
    let first = lds(&snap).expect("lds");
    assert!(
        first.nonce_acked.starts_with(&first.version_sent),
        "{first:#?}"
    );
    envoy
        .wait_ready(Duration::from_secs(20))
        .await
        .expect("ready");
    assert_eq!(get_until(target, "first").await, (200, "first".to_string()));

    // 2. An invalid listener: NACKed with Envoy's reason; Envoy keeps the first one.
    source.set(LDS, vec![listener(port, "bad", true)]);
    let (snap, ok) = ads
        .tracker()
        .wait_for(Duration::from_secs(20), |p| {
            lds(p).is_some_and(|t| t.nack.as_ref().is_some_and(|n| n.nonce == t.nonce_sent))
        })
        .await;
    assert!(ok, "no LDS NACK: {snap:#?}");
    let nacked = lds(&snap).expect("lds");
    let nack = nacked.nack.clone().expect("nack");
    eprintln!("NACK message: {}", nack.message);
    assert!(
        nack.message.contains("sim.NoSuchFilter") || nack.message.contains("sim.no_such_filter"),
        "{nack:#?}"
    );
    assert_eq!(nack.version_kept, first.version_sent);
    assert_eq!(
        nacked.nonce_acked, first.nonce_acked,
        "a NACK is not an ACK"
    );
    assert_eq!(get_until(target, "first").await, (200, "first".to_string()));

    // 3. Valid again: ACKed, the NACK cleared, the new body served.
    source.set(LDS, vec![listener(port, "second", false)]);
    let (snap, ok) = ads
        .tracker()
        .wait_for(Duration::from_secs(20), |p| {
            lds(p).is_some_and(|t| {
                t.synced() && t.nack.is_none() && t.nonce_sent != nacked.nonce_sent
            })
        })
        .await;
    assert!(ok, "no ACK after the NACK: {snap:#?}");
    assert_eq!(
        get_until(target, "second").await,
        (200, "second".to_string())
    );

    drop(envoy);
    // The stream ends with Envoy, and the proxy leaves the table as it leaves istiod's.
    let (snap, ok) = ads
        .tracker()
        .wait_for(Duration::from_secs(10), <[ProxyXds]>::is_empty)
        .await;
    assert!(ok, "the proxy stayed connected: {snap:#?}");
}
