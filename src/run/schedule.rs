//! Which scenarios run at the same time under `--jobs N`.
//!
//! Each scenario lives in its own namespaces, so most can share a cluster. Some cannot: an
//! Istio `Gateway` with a `selector` applies to matching gateway pods in every namespace, so
//! while it exists it changes what other scenarios' gateways serve. Such scenarios say
//! `concurrent: false` (docs/scenarios.md), and run alone: nothing else runs while one of them
//! does. They run first, one after the other (as chainsaw orders its non-concurrent tests),
//! then the others run `jobs` at a time.

use std::future::Future;

use futures::StreamExt;

/// Runs `run` on every item, the items for which `concurrent` is false each alone and the
/// others up to `jobs` at a time; returns the results in the items' order.
pub(super) async fn run_all<T, R, Fut>(
    items: Vec<T>,
    concurrent: impl Fn(&T) -> bool,
    jobs: usize,
    run: impl Fn(T) -> Fut,
) -> Vec<R>
where
    Fut: Future<Output = R>,
{
    let (shared, alone): (Vec<_>, Vec<_>) = items
        .into_iter()
        .enumerate()
        .partition(|(_, item)| concurrent(item));
    let mut results = Vec::with_capacity(shared.len() + alone.len());
    for (i, item) in alone {
        results.push((i, run(item).await));
    }
    let run = &run;
    let parallel: Vec<(usize, R)> = futures::stream::iter(
        shared
            .into_iter()
            .map(|(i, item)| async move { (i, run(item).await) }),
    )
    .buffer_unordered(jobs.max(1))
    .collect()
    .await;
    results.extend(parallel);
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;

    /// What the test's fake scenarios record: how many ran at once, and at each start and end
    /// of a non-concurrent one, how many others were running.
    #[derive(Default)]
    struct Log {
        running: usize,
        max_running: usize,
        alone_saw_others: Vec<String>,
        order: Vec<String>,
    }

    async fn fake(log: &Mutex<Log>, name: &str, concurrent: bool) -> String {
        // Checks, for a non-concurrent item, that it is the only one running.
        let check = |l: &mut Log, when: &str| {
            if !concurrent && l.running != 1 {
                let seen = format!("{when} {name}: {} running", l.running);
                l.alone_saw_others.push(seen);
            }
        };
        {
            let mut l = log.lock().unwrap();
            l.running += 1;
            l.max_running = l.max_running.max(l.running);
            l.order.push(format!("start {name}"));
            check(&mut l, "start");
        }
        // Several await points, so that anything scheduled beside it would interleave.
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            check(&mut log.lock().unwrap(), "during");
        }
        let mut l = log.lock().unwrap();
        check(&mut l, "end");
        l.running -= 1;
        l.order.push(format!("end {name}"));
        name.to_string()
    }

    /// `--jobs 4` with two concurrent scenarios and one that is not: the concurrent ones
    /// overlap, the other runs with nothing beside it, and results keep the input order.
    #[tokio::test]
    async fn a_non_concurrent_scenario_runs_alone() {
        let log = Mutex::new(Log::default());
        let items = vec![("a", true), ("selector", false), ("b", true)];
        let out = run_all(items, |(_, c)| *c, 4, |(n, c)| fake(&log, n, c)).await;
        assert_eq!(out, ["a", "selector", "b"]);
        let log = log.into_inner().unwrap();
        assert!(
            log.alone_saw_others.is_empty(),
            "{:?}",
            log.alone_saw_others
        );
        assert_eq!(
            log.max_running, 2,
            "a and b ran in parallel: {:?}",
            log.order
        );
        assert_eq!(log.running, 0);
    }

    #[tokio::test]
    async fn jobs_bound_the_concurrent_ones() {
        let log = Mutex::new(Log::default());
        let items: Vec<(&str, bool)> = ["a", "b", "c", "d", "e"]
            .into_iter()
            .map(|n| (n, true))
            .chain([("x", false), ("y", false)])
            .collect();
        let out = run_all(items, |(_, c)| *c, 2, |(n, c)| fake(&log, n, c)).await;
        assert_eq!(out, ["a", "b", "c", "d", "e", "x", "y"]);
        let log = log.into_inner().unwrap();
        assert!(
            log.alone_saw_others.is_empty(),
            "{:?}",
            log.alone_saw_others
        );
        assert_eq!(log.max_running, 2);
    }
}
