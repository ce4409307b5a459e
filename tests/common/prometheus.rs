//! A real Prometheus for the live tests: a throwaway TSDB backfilled from OpenMetrics text with
//! `promtool tsdb create-blocks-from openmetrics`, served on a free loopback port (plain HTTP, or
//! HTTPS with a web config), killed on drop.
//!
//! Needs `prometheus` and `promtool` on the PATH (Debian: `apt-get install prometheus`; `.ci/run`
//! installs it). Without them the tests fail, saying so: they are never skipped silently.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("oom-lint-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A Prometheus serving a backfilled TSDB, killed on drop.
pub struct Prometheus {
    child: Child,
    pub url: String,
    _dir: TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn require(binary: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).map(|dir| dir.join(binary)).find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "`{binary}` is not installed: these tests run a real Prometheus. Install it with \
             `sudo apt-get install prometheus` (Debian/Ubuntu; it brings prometheus and promtool), \
             or put both binaries from a Prometheus release on the PATH."
        )
    })
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

impl Prometheus {
    /// Backfills `openmetrics` into a new TSDB and serves it over HTTP.
    pub fn start(openmetrics: &str) -> Self {
        Self::serve(openmetrics, None)
    }

    /// The same over HTTPS, with the certificate and key of `testdata/tls/` (`ca_pem` is the CA
    /// that signed them, trusted by the readiness check).
    pub fn start_tls(openmetrics: &str, tls_dir: &Path) -> Self {
        Self::serve(openmetrics, Some(tls_dir))
    }

    fn serve(openmetrics: &str, tls_dir: Option<&Path>) -> Self {
        let prometheus = require("prometheus");
        let promtool = require("promtool");
        let dir = TempDir::new("prometheus");
        let input = dir.0.join("series.om");
        let data = dir.0.join("data");
        let config = dir.0.join("prometheus.yml");
        std::fs::write(&input, openmetrics).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&config, "global:\n  scrape_interval: 1h\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let backfill = Command::new(&promtool)
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(&input)
            .arg(&data)
            .output()
            .unwrap_or_else(|e| panic!("promtool: {e}"));
        assert!(
            backfill.status.success(),
            "promtool tsdb create-blocks-from openmetrics failed:\n{}",
            String::from_utf8_lossy(&backfill.stderr)
        );
        let port = free_port();
        let mut command = Command::new(&prometheus);
        if let Some(tls) = tls_dir {
            let web = dir.0.join("web.yml");
            std::fs::write(
                &web,
                format!(
                    "tls_server_config:\n  cert_file: {}\n  key_file: {}\n",
                    tls.join("server.pem").display(),
                    tls.join("server.key").display()
                ),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            command.arg(format!("--web.config.file={}", web.display()));
        }
        let child = command
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg("--storage.tsdb.retention.time=100y")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", prometheus.display()));
        let scheme = if tls_dir.is_some() { "https" } else { "http" };
        let server = Self { child, url: format!("{scheme}://127.0.0.1:{port}"), _dir: dir };
        server.wait_ready(tls_dir);
        server
    }

    fn wait_ready(&self, tls_dir: Option<&Path>) {
        let deadline = Instant::now() + Duration::from_secs(90);
        let ready = format!("{}/-/ready", self.url);
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(dir) = tls_dir {
            let pem = std::fs::read(dir.join("ca.pem")).unwrap_or_else(|e| panic!("{e}"));
            let roots: Vec<_> = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            tls = tls.root_certs(ureq::tls::RootCerts::from(roots));
        }
        let agent: ureq::Agent =
            ureq::Agent::config_builder().tls_config(tls.build()).build().into();
        while Instant::now() < deadline {
            if agent.get(&ready).call().is_ok_and(|r| r.status() == 200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("Prometheus at {} was not ready within 90 s", self.url);
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// One HTTP/1.1 request as text (head and body), for the scripted servers that stand in for a
/// Prometheus where a real one cannot misbehave on demand.
pub fn read_request(stream: &mut std::net::TcpStream) -> String {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    head + &String::from_utf8_lossy(&body)
}
