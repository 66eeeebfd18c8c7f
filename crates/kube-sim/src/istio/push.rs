//! istiod's view of the cluster at one moment (`model.PushContext`): the service registry, the
//! internal Gateways and VirtualServices (generated and user-written) and DestinationRules.
//!
//! A proxy that has not yet received a push keeps routing with the PushContext it last got; the
//! lead's propagation runtime decides which one each proxy uses.

use super::cluster::{DOMAIN, Registry};
use super::convert::{Conversion, convert};
use super::model::{DestinationRule, IstioGateway, VirtualService};
use super::profile::IstioProfile;
use super::snapshot::{NETWORKING_GROUP, Snapshot};
use super::version::VersionRules;

/// istiod's computed configuration.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PushContext {
    /// The profile the push was computed with.
    pub profile: IstioProfile,
    /// The version's switches.
    pub rules: VersionRules,
    /// Services and pods (EDS).
    pub registry: Registry,
    /// Istio Gateways: generated ones first, then user ones.
    pub gateways: Vec<IstioGateway>,
    /// Every VirtualService after short-name resolution, sorted by (creation, name, namespace)
    /// (`sortConfigByCreationTime` in `pilot/pkg/model/config.go`).
    pub virtual_services: Vec<VirtualService>,
    /// DestinationRules with resolved hosts.
    pub destination_rules: Vec<DestinationRule>,
    /// The Gateway API controller's output (status inputs).
    pub conversion: Conversion,
}

/// `ResolveShortnameToFQDN` (pilot/pkg/model/config.go): a name without a dot gets
/// `.<namespace>.svc.cluster.local`; `*`, IPs and dotted names are kept.
pub(super) fn resolve_shortname(h: &str, namespace: &str) -> String {
    if h.is_empty() || h == "*" || h.contains('.') || h.contains(':') {
        return h.to_string();
    }
    format!("{h}.{namespace}.svc.{DOMAIN}")
}

/// `resolveGatewayName` (pilot/pkg/model/config.go).
pub(super) fn resolve_gateway_name(g: &str, namespace: &str) -> String {
    if g == "mesh" {
        return g.to_string();
    }
    match g.split_once('/') {
        Some((".", name)) => format!("{namespace}/{name}"),
        Some(_) => g.to_string(),
        None => match g.split_once('.') {
            None => format!("{namespace}/{g}"),
            // Legacy FQDN name.ns[.svc...] -> ns/name.
            Some((name, rest)) => {
                let ns = rest.split('.').next().unwrap_or(rest);
                format!("{ns}/{name}")
            }
        },
    }
}

/// `resolveVirtualServiceShortnames` (pilot/pkg/model/virtualservice.go); skipped for gateway semantics.
fn resolve_vs(mut vs: VirtualService) -> VirtualService {
    if vs.gateway_semantics() {
        return vs;
    }
    let ns = vs.meta.namespace.clone();
    for h in &mut vs.hosts {
        *h = resolve_shortname(h, &ns);
    }
    for g in &mut vs.gateways {
        *g = resolve_gateway_name(g, &ns);
    }
    for r in &mut vs.http {
        for m in &mut r.matches {
            for g in &mut m.gateways {
                *g = resolve_gateway_name(g, &ns);
            }
        }
        for d in &mut r.route {
            d.destination.host = resolve_shortname(&d.destination.host, &ns);
        }
    }
    vs
}

/// Computes istiod's view of a snapshot (cheap enough to redo on every change).
pub(crate) fn compute(snapshot: &Snapshot, profile: &IstioProfile) -> PushContext {
    let registry = Registry::from_snapshot(snapshot);
    let conversion = convert(snapshot, &registry, profile);
    let mut gateways = conversion.gateways.clone();
    for g in snapshot.list(NETWORKING_GROUP, "Gateway") {
        let mut gw = IstioGateway::from_obj(g);
        let ns = gw.meta.namespace.clone();
        for s in &mut gw.servers {
            for h in &mut s.hosts {
                *h = match h.split_once('/') {
                    Some((".", host)) => format!("{ns}/{host}"),
                    Some(_) => h.clone(),
                    None => format!("*/{h}"),
                };
            }
        }
        gateways.push(gw);
    }
    let mut virtual_services: Vec<VirtualService> = conversion.virtual_services.clone();
    virtual_services.extend(
        snapshot
            .list(NETWORKING_GROUP, "VirtualService")
            .map(VirtualService::from_obj),
    );
    let mut virtual_services: Vec<VirtualService> =
        virtual_services.into_iter().map(resolve_vs).collect();
    // mergeVirtualServicesIfNeeded → sortConfigByCreationTime: creation, then name, then namespace.
    virtual_services.sort_by(|a, b| {
        a.meta
            .creation
            .cmp(&b.meta.creation)
            .then(a.meta.name.cmp(&b.meta.name))
            .then(a.meta.namespace.cmp(&b.meta.namespace))
    });
    let destination_rules = snapshot
        .list(NETWORKING_GROUP, "DestinationRule")
        .map(|o| {
            let mut dr = DestinationRule::from_obj(o);
            dr.host = resolve_shortname(&dr.host, &dr.meta.namespace);
            dr
        })
        .collect();
    PushContext {
        profile: profile.clone(),
        rules: profile.version.rules(),
        registry,
        gateways,
        virtual_services,
        destination_rules,
        conversion,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(
            resolve_shortname("helloworld", "sample"),
            "helloworld.sample.svc.cluster.local"
        );
        assert_eq!(
            resolve_shortname("helloworld.sample", "x"),
            "helloworld.sample"
        );
        assert_eq!(resolve_gateway_name("gw", "ns"), "ns/gw");
        assert_eq!(resolve_gateway_name("./gw", "ns"), "ns/gw");
        assert_eq!(
            resolve_gateway_name("gw.other.svc.cluster.local", "ns"),
            "other/gw"
        );
        assert_eq!(resolve_gateway_name("mesh", "ns"), "mesh");
    }
}
