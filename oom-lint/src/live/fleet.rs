//! A fleet scan: every container of a selection, however many, in bounded memory.
//!
//! The selection is listed first from the index (`/api/v1/series`: label sets, no samples), then
//! fetched in batches of one namespace's pods (`namespace="…", pod=~"a|b|…"`), each batch
//! assembled into the same `query_range` document a single fetch gives. A batch is handed to the
//! caller's `work` on the thread that fetched it and dropped once `work` returns, so at most one
//! batch per worker is ever held; only what `work` returns (a summary per container) is kept.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use miette::miette;

use super::{Failure, Fetched, Source, fatal, query};

/// Points fetched per batch (summed over its containers): ~100,000 points are a few tens of
/// MiB as JSON and as parsed series, so memory stays bounded whatever the fleet's size while a
/// batch is still big enough for the request overhead not to matter.
const BATCH_POINTS: i64 = 100_000;

/// At most this many containers per batch, whatever the window: the pod regex of a batch stays
/// short enough for any server's query length limit.
const MAX_BATCH_CONTAINERS: usize = 200;

/// One namespace's pods, fetched together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub namespace: String,
    pub pods: Vec<String>,
    /// The containers of these pods in the listing.
    pub containers: usize,
}

/// What the listing found.
#[derive(Debug)]
pub struct Listing {
    /// `(namespace, pod, container)` of every memory series of the selection.
    pub containers: usize,
    pub batches: Vec<Batch>,
}

/// Time spent, summed over the workers (so it can exceed the wall time).
#[derive(Debug, Default, Clone, Copy)]
pub struct Timings {
    /// Listing the series.
    pub listing: Duration,
    /// Requests, JSON decoding and assembling the batches' documents.
    pub fetch: Duration,
    /// The caller's `work` on the batches (parsing the documents, the analysis).
    pub work: Duration,
}

/// A batch that could not be fetched: the scan goes on without it.
#[derive(Debug)]
pub struct BatchFailure {
    pub batch: Batch,
    pub message: String,
}

impl Source {
    /// Lists the containers of the selection over the window and splits them into batches.
    pub fn list(&self) -> miette::Result<(Listing, Duration)> {
        let started = Instant::now();
        let namespace = self.namespace.as_deref();
        let selector = query::memory_selector(&self.metric, namespace, self.selector.as_deref());
        let listed = self.client.series(&selector, self.range).map_err(|error| {
            if error.is_fatal() { fatal(&error, &selector) } else { miette!("{error}") }
        })?;
        let mut pods: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut seen = std::collections::BTreeSet::new();
        for labels in &listed {
            let get = |key: &str| labels.get(key).cloned().unwrap_or_default();
            let (namespace, pod, container) = (get("namespace"), get("pod"), get("container"));
            if pod.is_empty() || container.is_empty() || container == "POD" {
                continue;
            }
            if seen.insert((namespace.clone(), pod.clone(), container)) {
                *pods.entry((namespace, pod)).or_default() += 1;
            }
        }
        let per_batch = usize::try_from(BATCH_POINTS / self.range.points().max(1))
            .unwrap_or(1)
            .clamp(1, MAX_BATCH_CONTAINERS);
        Ok((
            Listing { containers: seen.len(), batches: batches(pods, per_batch) },
            started.elapsed(),
        ))
    }

    /// Fetches every batch (at most `--concurrency` requests at once) and runs `work` on each,
    /// on as many threads as there are cores (or more, when `--concurrency` is higher); `each`
    /// gets the results in the calling thread as they come (for progress and the summary).
    /// Batches that fail are reported to `each` and the scan goes on; an `Err` is a failure of
    /// the whole source (unreachable, credentials refused, query rejected).
    pub fn scan<R: Send>(
        &self,
        batches: &[Batch],
        work: impl Fn(&Batch, Fetched) -> R + Sync,
        mut each: impl FnMut(Result<R, BatchFailure>),
    ) -> miette::Result<Timings> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = cores.max(self.concurrency).min(batches.len()).max(1);
        let requests = Semaphore::new(self.concurrency.max(1));
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let fatal: Mutex<Option<miette::Report>> = Mutex::new(None);
        let fetch_nanos = AtomicUsize::new(0);
        let work_nanos = AtomicUsize::new(0);
        // One result waiting per worker at most: a slow consumer slows the workers down.
        let (sender, receiver) = mpsc::sync_channel::<Result<R, BatchFailure>>(workers);
        let add = |counter: &AtomicUsize, since: Instant| {
            let nanos = usize::try_from(since.elapsed().as_nanos()).unwrap_or(usize::MAX);
            counter.fetch_add(nanos, Ordering::Relaxed);
        };
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let sender = sender.clone();
                let (requests, next, stop, fatal, work) = (&requests, &next, &stop, &fatal, &work);
                let (fetch_nanos, work_nanos) = (&fetch_nanos, &work_nanos);
                scope.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(batch) = batches.get(index) else { break };
                        let started = Instant::now();
                        let fetched = {
                            let _permit = requests.acquire();
                            // Within a batch, its requests go one after the other: the
                            // batches are what runs side by side.
                            self.assemble(Some(batch), 1)
                        };
                        add(fetch_nanos, started);
                        let outcome = match fetched {
                            Ok(fetched) => {
                                let started = Instant::now();
                                let result = work(batch, fetched);
                                add(work_nanos, started);
                                Ok(result)
                            }
                            Err(Failure::Source(report)) => {
                                stop.store(true, Ordering::Relaxed);
                                if let Ok(mut slot) = fatal.lock() {
                                    slot.get_or_insert(report);
                                }
                                break;
                            }
                            Err(Failure::Selection(report)) => Err(BatchFailure {
                                batch: batch.clone(),
                                message: report.to_string(),
                            }),
                        };
                        if sender.send(outcome).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(sender);
            for outcome in receiver {
                each(outcome);
            }
        });
        if let Some(report) = fatal.into_inner().ok().flatten() {
            return Err(report);
        }
        let nanos = |counter: AtomicUsize| Duration::from_nanos(counter.into_inner() as u64);
        Ok(Timings { listing: Duration::ZERO, fetch: nanos(fetch_nanos), work: nanos(work_nanos) })
    }
}

/// Splits the pods (with their container counts) into batches of one namespace each, of at
/// most `per_batch` containers (a pod with more is a batch of its own); pods stay whole.
fn batches(pods: BTreeMap<(String, String), usize>, per_batch: usize) -> Vec<Batch> {
    let mut out: Vec<Batch> = Vec::new();
    for ((namespace, pod), containers) in pods {
        match out.last_mut() {
            Some(last)
                if last.namespace == namespace && last.containers + containers <= per_batch =>
            {
                last.pods.push(pod);
                last.containers += containers;
            }
            _ => out.push(Batch { namespace, pods: vec![pod], containers }),
        }
    }
    out
}

/// At most `permits` holders at once.
struct Semaphore {
    free: Mutex<usize>,
    released: Condvar,
}

struct Permit<'s>(&'s Semaphore);

impl Semaphore {
    fn new(permits: usize) -> Self {
        Self { free: Mutex::new(permits), released: Condvar::new() }
    }

    fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while *free == 0 {
            free = self.released.wait(free).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *free -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut free = self.0.free.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *free += 1;
        self.0.released.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_keep_pods_whole_and_namespaces_apart() {
        let pods: BTreeMap<(String, String), usize> = [
            (("a", "p1"), 2),
            (("a", "p2"), 2),
            (("a", "p3"), 1),
            (("a", "big"), 5),
            (("b", "q1"), 1),
        ]
        .into_iter()
        .map(|((n, p), c)| ((n.to_owned(), p.to_owned()), c))
        .collect();
        let batches = batches(pods, 4);
        let shape: Vec<(&str, Vec<&str>, usize)> = batches
            .iter()
            .map(|b| {
                (b.namespace.as_str(), b.pods.iter().map(String::as_str).collect(), b.containers)
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                ("a", vec!["big"], 5),
                ("a", vec!["p1", "p2"], 4),
                ("a", vec!["p3"], 1),
                ("b", vec!["q1"], 1),
            ]
        );
    }

    #[test]
    fn the_semaphore_bounds_holders() {
        let semaphore = Semaphore::new(2);
        let inside = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    let _permit = semaphore.acquire();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    inside.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert!(most.load(Ordering::SeqCst) <= 2);
    }
}
