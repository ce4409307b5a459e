//! Live metrics from a Prometheus-compatible server (Prometheus, Thanos, Mimir, Cortex,
//! VictoriaMetrics): `--prometheus URL`.
//!
//! The memory series and the limits are fetched with `query_range`, split into windows of at
//! most 11,000 points per series, a few requests at a time, and assembled into one Prometheus
//! `query_range` JSON document: the very dump `--save` writes. The commands read that document
//! with the same parser as a dump file, so a live result and the result of its saved dump are
//! the same by construction.
//!
//! - `query`: the window, its step and sub-windows, the PromQL.
//! - `client`: HTTP, authentication, timeouts, retries.
//! - `fleet`: every container of a selection, listed first and fetched in batches of pods.
//! - `kills`: the OOM-killed containers of a window, from kube-state-metrics and cAdvisor.

mod client;
pub mod fleet;
pub mod kills;
mod query;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use miette::miette;
use serde_json::{Value, json};

use crate::cli::PrometheusArgs;
use client::{Client, Connection, FetchError, Matrix};
use fleet::Batch;
use query::Range;

/// The metric name limit series carry in the assembled dump: the one the dump parser joins to
/// the memory series, whichever source the limit came from.
const LIMIT_METRIC: &str = "container_spec_memory_limit_bytes";

/// What was fetched.
#[derive(Debug)]
pub struct Fetched {
    /// The server's URL without credentials: the "file" the results come from.
    pub source: String,
    /// Everything fetched, as a Prometheus `query_range` JSON response.
    pub dump: Vec<u8>,
    /// Why the result may be incomplete: windows that failed, the server's own warnings.
    pub warnings: Vec<String>,
}

/// The memory series read when `--metric` does not name another: what the kubelet's cAdvisor
/// reports and what the OOM killer's cgroup accounting follows.
pub const DEFAULT_MEMORY_METRIC: &str = "container_memory_working_set_bytes";

/// Fetches the memory series (and their limits) that `args` select; `None` without
/// `--prometheus`. An `Err` is a usage error or an unusable source (exit code 2).
pub fn fetch(args: &PrometheusArgs) -> miette::Result<Option<Fetched>> {
    let Some(source) = Source::new(args)? else { return Ok(None) };
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        // A closed stderr is no reason to stop (and `commands` is above this module).
        let _ = writeln!(
            std::io::stderr().lock(),
            "querying {} ({}, {} per series)…",
            source.client.display_url,
            oom_core::text::count(3 * source.range.windows().len(), "request", "requests"),
            oom_core::text::count(source.range.points(), "point", "points")
        );
    }
    let fetched = source.assemble(None, source.concurrency).map_err(Failure::into_report)?;
    if let Some(path) = &args.save {
        std::fs::write(path, &fetched.dump)
            .map_err(|e| miette!("--save {}: {e}", path.display()))?;
    }
    Ok(Some(fetched))
}

/// A server, the window, and what to read from it: `--prometheus` and the flags around it.
#[derive(Debug)]
pub struct Source {
    client: Client,
    range: Range,
    metric: String,
    namespace: Option<String>,
    selector: Option<String>,
    concurrency: usize,
}

/// Why an assembly failed: the whole source (stop), or this part only (report, go on).
#[derive(Debug)]
pub enum Failure {
    /// Unreachable, rejected query or credentials: nothing else will work either.
    Source(miette::Report),
    /// Nothing came back for this selection (every window failed, or no series).
    Selection(miette::Report),
}

impl Failure {
    pub fn into_report(self) -> miette::Report {
        match self {
            Self::Source(report) | Self::Selection(report) => report,
        }
    }
}

impl Source {
    /// The source `args` name; `None` without `--prometheus`. An `Err` is a usage error.
    pub fn new(args: &PrometheusArgs) -> miette::Result<Option<Self>> {
        let Some(url) = &args.prometheus else { return Ok(None) };
        let connection = connection(url, args)?;
        let range = range(args, now())?;
        let metric = args.metric.as_deref().unwrap_or(DEFAULT_MEMORY_METRIC);
        query::check_metric_name(metric).map_err(|e| miette!("{e}"))?;
        let selector =
            args.selector.as_deref().map(query::selector_matchers).transpose().map_err(|e| {
                miette!(help = "write PromQL label matchers, e.g. '{app=\"api\"}'", "{e}")
            })?;
        let client = Client::new(connection).map_err(|e| miette!("{e}"))?;
        Ok(Some(Self {
            client,
            range,
            metric: metric.to_owned(),
            namespace: args.namespace.clone(),
            selector,
            concurrency: usize::from(args.concurrency),
        }))
    }

    /// The server's URL without credentials.
    pub fn display_url(&self) -> &str {
        &self.client.display_url
    }

    /// The window, as RFC 3339 times.
    pub fn window(&self) -> (String, String) {
        let time = |t: i64| oom_core::metrics::format_time(t as f64);
        (time(self.range.start), time(self.range.end))
    }

    /// Points per series over the window.
    pub fn points(&self) -> i64 {
        self.range.points()
    }

    /// Fetches the memory series of the selection (narrowed to `batch` when given) and their
    /// limits, and assembles them into one Prometheus `query_range` JSON document.
    fn assemble(&self, batch: Option<&Batch>, concurrency: usize) -> Result<Fetched, Failure> {
        let client = &self.client;
        let range = self.range;
        let metric = self.metric.as_str();
        // A batch is one namespace's pods: its exact name, and those pods.
        let namespace_literal = batch.map(|b| query::regex_literal(&b.namespace));
        let namespace = namespace_literal.as_deref().or(self.namespace.as_deref());
        let pods = batch.map(|b| query::pods_matcher(b.pods.iter().map(String::as_str)));
        let selector = match (&self.selector, &pods) {
            (Some(selector), Some(pods)) => Some(format!("{selector}, {pods}")),
            (selector, pods) => selector.clone().or_else(|| pods.clone()),
        };
        let memory_query = query::memory_query(metric, namespace, selector.as_deref());
        let [ksm_query, cadvisor_query] = query::limit_queries(namespace, pods.as_deref());
        let windows = range.windows();
        let mut jobs = Vec::new();
        for query in [&memory_query, &ksm_query, &cadvisor_query] {
            jobs.extend(windows.iter().map(|window| (query.as_str(), *window)));
        }
        let outcomes = run_jobs(client, &jobs, concurrency);

        let mut warnings = Vec::new();
        // Taken by value: the samples move from the responses into the document, never copied.
        let mut outcomes = outcomes.into_iter();
        let memory: Vec<_> = outcomes.by_ref().take(windows.len()).collect();
        let ksm: Vec<_> = outcomes.by_ref().take(windows.len()).collect();
        let cadvisor: Vec<_> = outcomes.collect();
        let mut memory_series: BTreeMap<BTreeMap<String, String>, Vec<Value>> = BTreeMap::new();
        let mut memory_failures = 0;
        for (window, outcome) in windows.iter().zip(memory) {
            match outcome {
                Some(Ok(matrix)) => {
                    warnings
                        .extend(matrix.warnings.iter().map(|w| format!("the server warns: {w}")));
                    append(&mut memory_series, matrix.result, metric);
                }
                Some(Err(error)) if error.is_fatal() => {
                    return Err(Failure::Source(fatal(&error, &memory_query)));
                }
                Some(Err(error)) => {
                    memory_failures += 1;
                    warnings.push(format!(
                        "partial result: {} to {} is missing: {error}",
                        oom_core::metrics::format_time(window.start as f64),
                        oom_core::metrics::format_time(window.end as f64)
                    ));
                }
                None => memory_failures += 1,
            }
        }
        if memory_failures == windows.len() {
            let detail = warnings.pop().unwrap_or_else(|| "no window could be fetched".into());
            return Err(Failure::Selection(miette!(
                "{} gave no memory series: {detail}",
                client.display_url
            )));
        }
        if memory_series.is_empty() {
            return Err(Failure::Selection(miette!(
                help = "check --metric, --namespace and --selector, and that the window is \
                        within the server's retention",
                "no series: {} has no `{}` between {} and {} for\n  {memory_query}",
                client.display_url,
                metric,
                oom_core::metrics::format_time(range.start as f64),
                oom_core::metrics::format_time(range.end as f64),
            )));
        }
        let mut limits = |outcomes: Vec<Option<Result<Matrix, FetchError>>>| {
            let mut series = BTreeMap::new();
            for outcome in outcomes {
                match outcome {
                    Some(Ok(matrix)) => append(&mut series, matrix.result, LIMIT_METRIC),
                    Some(Err(error)) => warnings.push(format!("memory limits not read: {error}")),
                    None => {}
                }
            }
            series
        };
        let ksm_limits = limits(ksm);
        let cadvisor_limits = limits(cadvisor);
        warnings.dedup();

        let containers: std::collections::BTreeSet<_> =
            memory_series.keys().map(container).collect();
        let mut result: Vec<Value> = Vec::with_capacity(memory_series.len() * 2);
        let mut limited = std::collections::BTreeSet::new();
        for (labels, values) in ksm_limits.into_iter().chain(cadvisor_limits) {
            let key = container(&labels);
            if containers.contains(&key) && limited.insert(key) {
                result.push(json!({"metric": labels, "values": values}));
            }
        }
        let series_count = memory_series.len();
        for (labels, values) in memory_series {
            result.push(json!({"metric": labels, "values": values}));
        }
        let document = json!({
            "status": "success",
            "data": {"resultType": "matrix", "result": result},
            "oom_lint": {
                "source": client.display_url,
                "start": oom_core::metrics::format_time(range.start as f64),
                "end": oom_core::metrics::format_time(range.end as f64),
                "step_seconds": range.step,
                "queries": {"memory": memory_query, "limits": [ksm_query, cadvisor_query]},
                "series": series_count,
                "warnings": warnings,
            },
        });
        let dump = serde_json::to_vec(&document).map_err(|e| Failure::Selection(miette!("{e}")))?;
        Ok(Fetched { source: client.display_url.clone(), dump, warnings })
    }
}

/// Runs the requests, at most `concurrency` at once; stops starting new ones after a failure
/// of the whole source (unreachable, rejected query). `None` for requests never sent.
fn run_jobs(
    client: &Client,
    jobs: &[(&str, Range)],
    concurrency: usize,
) -> Vec<Option<Result<Matrix, FetchError>>> {
    let outcomes: Vec<Mutex<Option<Result<Matrix, FetchError>>>> =
        jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..concurrency.clamp(1, jobs.len().max(1)) {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some((query, range)) = jobs.get(index) else { break };
                    let outcome = client.query_range(query, *range);
                    if outcome.as_ref().is_err_and(FetchError::is_fatal) {
                        stop.store(true, Ordering::Relaxed);
                    }
                    if let Some(slot) = outcomes.get(index)
                        && let Ok(mut slot) = slot.lock()
                    {
                        *slot = Some(outcome);
                    }
                }
            });
        }
    });
    outcomes.into_iter().map(|slot| slot.into_inner().ok().flatten()).collect()
}

/// Appends a window's series to those of the earlier windows (same labels, same series).
fn append(
    into: &mut BTreeMap<BTreeMap<String, String>, Vec<Value>>,
    result: Vec<Value>,
    name: &str,
) {
    for mut series in result {
        let mut labels: BTreeMap<String, String> = series
            .get("metric")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned())).collect()
            })
            .unwrap_or_default();
        labels.insert("__name__".to_owned(), name.to_owned());
        let values = match series.get_mut("values").map(Value::take) {
            Some(Value::Array(values)) => values,
            _ => Vec::new(),
        };
        let entry = into.entry(labels).or_default();
        if entry.is_empty() {
            *entry = values;
        } else {
            entry.extend(values);
        }
    }
}

/// `(namespace, pod, container)`: what joins a limit to its memory series.
fn container(labels: &BTreeMap<String, String>) -> [String; 3] {
    ["namespace", "pod", "container"].map(|key| labels.get(key).cloned().unwrap_or_default())
}

fn fatal(error: &FetchError, query: &str) -> miette::Report {
    match error {
        FetchError::Rejected { status: 400 | 422, .. } => miette!(
            help = "check --selector, --namespace and --metric (PromQL label matchers such as \
                    '{app=\"api\"}')",
            "{error}\n  query: {query}"
        ),
        FetchError::Rejected { status: 401 | 403, .. } => miette!(
            help = "authenticate with --bearer-token-file, --bearer-token-env, --basic-auth-env \
                    (and --header 'X-Scope-OrgID: tenant' for Mimir or Cortex)",
            "{error}"
        ),
        FetchError::Rejected { status: 404, .. } => miette!(
            help = "give the URL the API is under, without /api/v1 (e.g. \
                    https://mimir.example/prometheus)",
            "{error}"
        ),
        FetchError::Unreachable { detail, .. } if detail.contains("certificate") => miette!(
            help = "when the server's certificate is signed by a private CA, give that CA's PEM \
                    bundle with --ca-file",
            "{error}"
        ),
        _ => miette!("{error}"),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The window of `--since`/`--start`/`--end`/`--step`, snapped to the step.
fn range(args: &PrometheusArgs, now: i64) -> miette::Result<Range> {
    let time = |flag: &str, text: &str| {
        oom_core::metrics::parse_time(text)
            .map(|t| t.floor() as i64)
            .map_err(|e| miette!(help = "write RFC 3339, e.g. 2026-04-24T14:00:00Z", "{flag}: {e}"))
    };
    let duration =
        |flag: &str, text: &str| query::parse_duration(text).map_err(|e| miette!("{flag}: {e}"));
    let end = args.end.as_deref().map(|t| time("--end", t)).transpose()?.unwrap_or(now);
    let start = match (&args.start, &args.since) {
        (Some(start), _) => time("--start", start)?,
        (None, Some(since)) => end - duration("--since", since)?,
        (None, None) => end - query::DEFAULT_SINCE,
    };
    let step = args.step.as_deref().map(|s| duration("--step", s)).transpose()?;
    query::plan(start, end, step).map_err(|e| miette!("{e}"))
}

/// Server, credentials, headers and limits of the requests, from the flags.
fn connection(url: &str, args: &PrometheusArgs) -> miette::Result<Connection> {
    let url = url.trim().trim_end_matches('/');
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(miette!(
            help = "e.g. http://prometheus:9090",
            "--prometheus `{}` is not an http:// or https:// URL",
            client::redact(url)
        ));
    }
    let secret_from_env = |flag: &str, var: &str| {
        std::env::var(var).map_err(|_| miette!("{flag}: the environment variable {var} is not set"))
    };
    let mut authorization = None;
    if let Some(path) = &args.bearer_token_file {
        let token = std::fs::read_to_string(path)
            .map_err(|e| miette!("--bearer-token-file {}: {e}", path.display()))?;
        authorization = Some(bearer(token.trim(), "--bearer-token-file")?);
    }
    if let Some(var) = &args.bearer_token_env {
        let token = secret_from_env("--bearer-token-env", var)?;
        authorization = Some(bearer(token.trim(), "--bearer-token-env")?);
    }
    let basic = match (&args.basic_auth, &args.basic_auth_env) {
        (Some(value), _) => Some(value.clone()),
        (None, Some(var)) => Some(secret_from_env("--basic-auth-env", var)?),
        (None, None) => None,
    };
    if let Some(basic) = basic {
        if authorization.is_some() {
            return Err(miette!("give either a bearer token or basic auth, not both"));
        }
        if !basic.contains(':') {
            return Err(miette!("basic auth must be user:password (the value is not shown)"));
        }
        authorization = Some(client::basic_authorization(&basic));
    }
    let mut headers = Vec::new();
    for header in &args.header {
        let (name, value) = header
            .split_once(':')
            .map(|(n, v)| (n.trim(), v.trim()))
            .filter(|(n, _)| !n.is_empty() && n.bytes().all(is_token_byte))
            .ok_or_else(|| {
                miette!(
                    help = "e.g. --header 'X-Scope-OrgID: tenant-a'",
                    "--header: expected `Name: value`"
                )
            })?;
        if value.bytes().any(|b| b.is_ascii_control()) {
            return Err(miette!("--header {name}: the value has control characters"));
        }
        headers.push((name.to_owned(), value.to_owned()));
    }
    let ca_pem = match &args.ca_file {
        None => None,
        Some(path) => {
            Some(std::fs::read(path).map_err(|e| miette!("--ca-file {}: {e}", path.display()))?)
        }
    };
    let timeout = query::parse_duration(&args.timeout).map_err(|e| miette!("--timeout: {e}"))?;
    Ok(Connection {
        base_url: url.to_owned(),
        authorization,
        headers,
        ca_pem,
        timeout: Duration::from_secs(u64::try_from(timeout).unwrap_or(60)),
        retries: args.retries,
    })
}

fn bearer(token: &str, flag: &str) -> miette::Result<String> {
    if token.is_empty() || token.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        return Err(miette!("{flag}: the token is empty or has spaces or control characters"));
    }
    Ok(format!("Bearer {token}"))
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> PrometheusArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            live: PrometheusArgs,
        }
        let mut argv = vec!["x", "--prometheus", "http://u:p@localhost:9090/"];
        argv.extend_from_slice(extra);
        match Wrapper::try_parse_from(argv) {
            Ok(wrapper) => wrapper.live,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn window_from_since_or_start_end() {
        let range = range(&args(&["--since", "3d"]), 1_000_000).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((range.end, range.step), (999_960, 60));
        assert_eq!(range.start, 999_960 - 3 * 86_400 + 60);
        let range = range_of(&[
            "--start",
            "2026-04-24T00:00:00Z",
            "--end",
            "2026-04-25T00:00:00Z",
            "--step",
            "30s",
        ]);
        assert_eq!(range.points(), 2_881);
        assert!(super::range(&args(&["--since", "3x"]), 0).is_err());
    }

    fn range_of(extra: &[&str]) -> Range {
        range(&args(extra), 0).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn headers_and_auth() {
        let built = connection(
            "http://h:9090/",
            &args(&["--header", "X-Scope-OrgID: team-a", "--basic-auth", "u:p"]),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(built.base_url, "http://h:9090");
        assert_eq!(built.headers, [("X-Scope-OrgID".to_owned(), "team-a".to_owned())]);
        assert_eq!(built.authorization.as_deref(), Some("Basic dTpw"));
        assert!(connection("http://h", &args(&["--header", "no colon"])).is_err());
        assert!(connection("h:9090", &args(&[])).is_err());
        let missing = connection("http://h", &args(&["--bearer-token-env", "OOM_LINT_UNSET_VAR"]));
        assert!(missing.is_err_and(|e| e.to_string().contains("OOM_LINT_UNSET_VAR")));
    }
}
