//! A fleet scan against a local Prometheus: `fleet-scan CONTAINERS DAYS [CONCURRENCY]`.
//!
//! Generates CONTAINERS containers × DAYS days at one-minute resolution (1 % leaking, 1 % at
//! their limit, 2 % oversized, the rest steady; one namespace per 100 containers), backfills them
//! with `promtool tsdb create-blocks-from openmetrics`, serves them with `prometheus`, and runs
//! the release `oom-lint analyze --prometheus URL --namespace '.*' --format json --quiet` under
//! `/usr/bin/time -v`. Prints the wall time, the peak memory, and where the time went (listing,
//! fetching — requests, JSON decoding, assembly — and the analysis, as the scan's JSON reports
//! them), as a line for `benches/README.md`.
//!
//! Needs `prometheus`, `promtool` and `/usr/bin/time` (Debian: `apt-get install prometheus
//! time`), and the release binary: `cargo build --release` first. The work directory is under
//! the system temp dir and removed at the end (set `KEEP=1` to keep it).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MIB: f64 = 1_048_576.0;

fn main() {
    if let Err(message) = run() {
        eprintln!("fleet-scan: {message}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let containers: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1_000);
    let days: i64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(7);
    let concurrency: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(4);
    let oom_lint = std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("oom-lint");
    if !oom_lint.is_file() {
        return Err(format!(
            "{} is missing: run `cargo build --release` first",
            oom_lint.display()
        ));
    }
    let dir = std::env::temp_dir().join(format!("oom-lint-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = scan(&dir, &oom_lint, containers, days, concurrency);
    if std::env::var_os("KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn scan(
    dir: &Path,
    oom_lint: &Path,
    containers: usize,
    days: i64,
    concurrency: usize,
) -> Result<(), String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64;
    let end = now / 60 * 60 - 600;
    let start = end - days * 86_400;
    // One file per day: promtool (2.42) reads its whole input once per 2-hour block, so one
    // file of a week would be read 84 times over.
    let data = dir.join("data");
    let input = dir.join("day.om");
    let (mut samples, mut generating, mut backfilling) = (0, Duration::ZERO, Duration::ZERO);
    for day in 0..days {
        let from = start + day * 86_400;
        let to = (from + 86_400 - 60).min(end);
        let started = Instant::now();
        samples += generate(&input, containers, (start, end), from, to)?;
        generating += started.elapsed();
        let started = Instant::now();
        let backfill = Command::new("promtool")
            .args(["tsdb", "create-blocks-from", "openmetrics", "--quiet"])
            .arg(&input)
            .arg(&data)
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("promtool: {e} (apt-get install prometheus)"))?;
        if !backfill.status.success() {
            return Err(format!("promtool: {}", String::from_utf8_lossy(&backfill.stderr)));
        }
        backfilling += started.elapsed();
    }
    let _ = std::fs::remove_file(&input);
    eprintln!(
        "generated {samples} samples in {:.1} s, backfilled in {:.1} s",
        generating.as_secs_f64(),
        backfilling.as_secs_f64()
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, "global:\n  scrape_interval: 1h\n").map_err(|e| e.to_string())?;
    let mut server = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg("--storage.tsdb.retention.time=100y")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("prometheus: {e}"))?;
    let url = format!("http://127.0.0.1:{port}");
    let outcome = measure(&url, server.id(), oom_lint, containers, days, start, end, concurrency);
    let _ = server.kill();
    let _ = server.wait();
    outcome
}

/// CPU seconds (user + system) a process has used, from `/proc/PID/stat`.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces) in parentheses.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |index: usize| fields.get(index).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; 100 ticks/s.
    (ticks(11) + ticks(12)) / 100.0
}

#[allow(clippy::too_many_arguments)]
fn measure(
    url: &str,
    server: u32,
    oom_lint: &Path,
    containers: usize,
    days: i64,
    start: i64,
    end: i64,
    concurrency: usize,
) -> Result<(), String> {
    let ready = format!("{url}/-/ready");
    let deadline = Instant::now() + Duration::from_secs(600);
    while !ureq::get(&ready).call().is_ok_and(|r| r.status() == 200) {
        if Instant::now() > deadline {
            return Err(format!("{url} not ready within 10 minutes"));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let server_before = cpu_seconds(server);
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(oom_lint)
        .args(["analyze", "--prometheus", url, "--namespace", ".*", "--format", "json", "--quiet"])
        .args(["--start", &start.to_string(), "--end", &end.to_string()])
        .args(["--concurrency", &concurrency.to_string(), "--fail-on", "never"])
        .output()
        .map_err(|e| format!("/usr/bin/time: {e} (apt-get install time)"))?;
    let server_cpu = cpu_seconds(server) - server_before;
    let time = String::from_utf8_lossy(&output.stderr);
    let field = |name: &str| {
        time.lines()
            .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_owned()))
            .unwrap_or_default()
    };
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("oom-lint's output is not JSON ({e}): {time}"))?;
    let fleet = &report["fleet"];
    let seconds = &fleet["seconds"];
    let rows = report["rows"].as_array().map_or(0, Vec::len);
    let peak_kib: f64 = field("Maximum resident set size (kbytes):").parse().unwrap_or(0.0);
    let samples = rows as f64 * (days * 1_440 + 1) as f64;
    let analysis = seconds["analysis"].as_f64().unwrap_or(0.0);
    let seconds_of = |name: &str| field(name).parse::<f64>().unwrap_or(0.0);
    let own_cpu = seconds_of("User time (seconds):") + seconds_of("System time (seconds):");
    println!(
        "| {containers} × {days} d at 1 min, --concurrency {concurrency} | {rows} rows, {} errors | \
         wall {} | peak {:.0} MiB | oom-lint CPU {own_cpu:.1} s, Prometheus CPU {server_cpu:.1} s | \
         listing {:.2} s, fetch {:.1} s, analysis {:.1} s (summed over threads) | \
         {:.2} M samples/s analysed per thread |",
        report["errors"].as_array().map_or(0, Vec::len),
        field("Elapsed (wall clock) time (h:mm:ss or m:ss):"),
        peak_kib / 1024.0,
        seconds["listing"].as_f64().unwrap_or(0.0),
        seconds["fetch"].as_f64().unwrap_or(0.0),
        analysis,
        if analysis > 0.0 { samples / analysis / 1e6 } else { 0.0 },
    );
    println!(
        "leaks {}, limits reached {}, oversized {}",
        fleet["leaks"], fleet["limits_reached"], fleet["oversized"]
    );
    Ok(())
}

/// Writes the fleet's samples from `from` to `to` as OpenMetrics (the shapes span the whole
/// `window`); returns the number of memory samples.
fn generate(
    path: &PathBuf,
    containers: usize,
    window: (i64, i64),
    from: i64,
    to: i64,
) -> Result<u64, String> {
    let (start, end) = window;
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut samples = 0;
    let hours = (end - start) as f64 / 3_600.0;
    let memory = "container_memory_working_set_bytes";
    let write = |out: &mut BufWriter<std::fs::File>, text: std::fmt::Arguments<'_>| {
        out.write_fmt(text).map_err(|e| e.to_string())
    };
    write(&mut out, format_args!("# TYPE {memory} gauge\n"))?;
    let id =
        |index: usize| (format!("ns{:03}", index / 100), format!("app{index:05}-7d9f8b6c5d-x2k4p"));
    let limit = |index: usize| -> u64 {
        match index % 100 {
            2 | 3 => 8 << 30,
            _ => 1 << 30,
        }
    };
    for index in 0..containers {
        let (namespace, pod) = id(index);
        let base = 380.0 + (index % 17) as f64 * 10.0;
        for t in (from..=to).step_by(60) {
            let h = (t - start) as f64 / 3_600.0;
            let noise = ((t / 60 + index as i64) % 13) as f64 * 0.3 - 1.8;
            let mib = match index % 100 {
                // Leaks: to 90 % of the 1 GiB limit by the end.
                0 => base + (920.0 - base) * h / hours + noise,
                // At the limit: 97 % of 1 GiB, a burst now and then.
                1 => 990.0 + if (t / 60) % 97 < 3 { 4.0 } else { noise.abs() },
                _ => base + noise,
            };
            write(
                &mut out,
                format_args!(
                    "{memory}{{namespace=\"{namespace}\",pod=\"{pod}\",container=\"app\"}} {} {t}\n",
                    (mib * MIB).round()
                ),
            )?;
            samples += 1;
        }
    }
    let family = "kube_pod_container_resource_limits";
    write(&mut out, format_args!("# TYPE {family} gauge\n"))?;
    for index in 0..containers {
        let (namespace, pod) = id(index);
        for t in (from..=to).step_by(300) {
            write(
                &mut out,
                format_args!(
                    "{family}{{namespace=\"{namespace}\",pod=\"{pod}\",container=\"app\",\
                     resource=\"memory\",unit=\"byte\"}} {} {t}\n",
                    limit(index)
                ),
            )?;
        }
    }
    write(&mut out, format_args!("# EOF\n"))?;
    out.flush().map_err(|e| e.to_string())?;
    Ok(samples)
}
