//! What a failed step's report carries for a post-mortem: the namespace's pods and events,
//! istiod's configuration for it, and the proxies' sync status. Failures to read them are
//! reported in place, never instead of the step's outcome.

use kube::api::Api;

use crate::report::Section;

/// What a post-mortem needs first: the namespace's pods with their phase and readiness, and its
/// last events. Failures to read them are reported in place.
pub(super) async fn diagnostics(client: &kube::Client, ns: &str) -> Vec<Section> {
    use k8s_openapi::api::core::v1::{Event, Pod};
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let pods_text = match pods.list(&Default::default()).await {
        Ok(list) => list
            .items
            .iter()
            .map(|p| {
                let st = p.status.as_ref();
                let ready = st
                    .and_then(|s| s.container_statuses.as_ref())
                    .map(|cs| format!("{}/{}", cs.iter().filter(|c| c.ready).count(), cs.len()))
                    .unwrap_or_default();
                let phase = st.and_then(|s| s.phase.as_deref()).unwrap_or("Unknown");
                format!(
                    "{} {phase} {ready}",
                    p.metadata.name.as_deref().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Err(e) => format!("cannot list pods: {e}"),
    };
    let events: Api<Event> = Api::namespaced(client.clone(), ns);
    let events_text = match events.list(&Default::default()).await {
        Ok(list) => {
            let n = list.items.len();
            list.items
                .iter()
                .skip(n.saturating_sub(20))
                .map(|e| {
                    format!(
                        "{} {} {}: {}",
                        e.type_.as_deref().unwrap_or_default(),
                        e.reason.as_deref().unwrap_or_default(),
                        e.involved_object.name.as_deref().unwrap_or_default(),
                        e.message.as_deref().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        Err(e) => format!("cannot list events: {e}"),
    };
    let configz = super::converge::configz_excerpt(client, ns)
        .await
        .unwrap_or_else(|e| format!("cannot read istiod's /debug/configz: {e}"));
    let syncz = super::converge::syncz_text(client)
        .await
        .unwrap_or_else(|e| format!("cannot read istiod's /debug/syncz: {e}"));
    vec![
        Section {
            title: format!("pods in {ns}"),
            text: pods_text,
        },
        Section {
            title: format!("events in {ns}"),
            text: events_text,
        },
        Section {
            title: format!("istiod configuration for {ns} (/debug/configz)"),
            text: configz,
        },
        Section {
            title: "proxy sync status (/debug/syncz)".into(),
            text: syncz,
        },
    ]
}
