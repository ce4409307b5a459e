//! The HTTP side: one `query_range` request with authentication, extra headers, a timeout, and
//! retries with exponential backoff on timeouts, 429 and 5xx.
//!
//! `ureq`: blocking (no async runtime for a handful of requests), rustls (no OpenSSL to build
//! or link, the same binary on every distribution), small.

use std::time::Duration;

use crate::live::query::Range;

/// Bodies larger than this are refused: a week of 10,000 containers at one minute is ~2 GiB of
/// JSON only when asked in one piece, which the windows and batches prevent.
const MAX_BODY: u64 = 2 << 30;

/// Waits between attempts: 0.5 s, 1 s, 2 s, ... at most this long.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// A server's `Retry-After` is honoured up to this long.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// How to reach and authenticate to the server.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// The base URL, before `/api/v1`.
    pub base_url: String,
    /// `Authorization` header value (`Bearer …`, `Basic …`); never printed.
    pub authorization: Option<String>,
    /// Extra headers (`X-Scope-OrgID`, ...).
    pub headers: Vec<(String, String)>,
    /// PEM bundle of certificate authorities to trust instead of the bundled web roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Per-request time limit.
    pub timeout: Duration,
    /// Attempts after the first on timeouts, 429 and 5xx.
    pub retries: u32,
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    /// Nothing listens there, or the name does not resolve: not worth retrying.
    #[error("cannot connect to {url}: {detail}")]
    Unreachable { url: String, detail: String },
    /// The server refused the request (4xx but 429): the query, the auth or the URL is wrong.
    #[error("{url} rejected the query (HTTP {status}): {message}")]
    Rejected { url: String, status: u16, message: String },
    /// Still failing after the retries (timeouts, 429, 5xx, broken responses).
    #[error("{url}: {message} (after {attempts} attempts)")]
    GaveUp { url: String, message: String, attempts: u32 },
}

impl FetchError {
    /// A failure of the whole source rather than of one window.
    pub fn is_fatal(&self) -> bool {
        matches!(self, Self::Unreachable { .. } | Self::Rejected { .. })
    }
}

/// The part of a successful response that matters: its series and the server's warnings
/// (Thanos and Mimir report partial responses there).
#[derive(Debug, Default)]
pub struct Matrix {
    pub result: Vec<serde_json::Value>,
    pub warnings: Vec<String>,
}

/// A configured client; cheap to share between threads.
#[derive(Debug)]
pub struct Client {
    agent: ureq::Agent,
    connection: Connection,
    /// The base URL without credentials, for messages.
    pub display_url: String,
}

impl Client {
    pub fn new(connection: Connection) -> Result<Self, String> {
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(pem) = &connection.ca_pem {
            let mut certificates = Vec::new();
            for item in ureq::tls::parse_pem(pem) {
                match item {
                    Ok(ureq::tls::PemItem::Certificate(certificate)) => {
                        certificates.push(certificate)
                    }
                    Ok(_) => {}
                    Err(error) => return Err(format!("--ca-file: {error}")),
                }
            }
            if certificates.is_empty() {
                return Err("--ca-file: no PEM certificate in the file".into());
            }
            tls = tls.root_certs(ureq::tls::RootCerts::from(certificates));
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(connection.timeout))
            .user_agent(concat!("oom-lint/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls.build())
            .build();
        let display_url = redact(&connection.base_url);
        Ok(Self { agent: config.new_agent(), connection, display_url })
    }

    /// `POST /api/v1/query_range` (a form body: long selectors stay out of URLs and logs),
    /// retried on timeouts, 429 and 5xx.
    pub fn query_range(&self, query: &str, range: Range) -> Result<Matrix, FetchError> {
        let form = [
            ("query", query.to_owned()),
            ("start", range.start.to_string()),
            ("end", range.end.to_string()),
            ("step", range.step.to_string()),
        ];
        self.request("query_range", &form, |body| parse_success(body, "matrix"))
    }

    /// `POST /api/v1/query`: an instant query at `time` (a vector of series with one value).
    pub fn query(&self, query: &str, time: i64) -> Result<Matrix, FetchError> {
        let form = [("query", query.to_owned()), ("time", time.to_string())];
        self.request("query", &form, |body| parse_success(body, "vector"))
    }

    /// `POST /api/v1/series`: the label sets of the series `selector` matches in the range,
    /// read from the index without their samples (what a fleet scan lists first).
    pub fn series(&self, selector: &str, range: Range) -> Result<Vec<Labels>, FetchError> {
        let form = [
            ("match[]", selector.to_owned()),
            ("start", range.start.to_string()),
            ("end", range.end.to_string()),
        ];
        self.request("series", &form, parse_series)
    }

    /// One API call with the retries: `parse` reads a 200 response (an unreadable one is
    /// retried too: a proxy cut it short).
    fn request<T>(
        &self,
        endpoint: &str,
        form: &[(&str, String)],
        parse: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<T, FetchError> {
        let url = format!("{}/api/v1/{endpoint}", self.connection.base_url.trim_end_matches('/'));
        let mut attempt = 0;
        loop {
            let (message, retry_after) = match self.attempt(&url, form, &parse) {
                Ok(value) => return Ok(value),
                Err(Attempt::Fatal(error)) => return Err(error),
                Err(Attempt::Retry { message, retry_after }) => (message, retry_after),
            };
            if attempt >= self.connection.retries {
                return Err(FetchError::GaveUp {
                    url: self.display_url.clone(),
                    message,
                    attempts: attempt + 1,
                });
            }
            std::thread::sleep(retry_after.unwrap_or_else(|| backoff(attempt)));
            attempt += 1;
        }
    }

    fn attempt<T>(
        &self,
        url: &str,
        form: &[(&str, String)],
        parse: &impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<T, Attempt> {
        let mut request = self.agent.post(url);
        if let Some(authorization) = &self.connection.authorization {
            request = request.header("Authorization", authorization);
        }
        for (name, value) in &self.connection.headers {
            request = request.header(name, value);
        }
        let response = match request.send_form(form.iter().map(|(k, v)| (*k, v.as_str()))) {
            Ok(response) => response,
            Err(error) => return Err(self.transport_error(error)),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
        let body = response.into_body().with_config().limit(MAX_BODY).read_to_vec();
        let body = match body {
            Ok(body) => body,
            Err(error) => return Err(self.transport_error(error)),
        };
        if status == 200 {
            return parse(&body).map_err(|message| Attempt::Retry {
                message: format!("unreadable response: {message}"),
                retry_after: None,
            });
        }
        let message = server_message(&body);
        if status == 429 || status >= 500 {
            return Err(Attempt::Retry {
                message: format!("HTTP {status}: {message}"),
                retry_after,
            });
        }
        Err(Attempt::Fatal(FetchError::Rejected { url: self.display_url.clone(), status, message }))
    }

    fn transport_error(&self, error: ureq::Error) -> Attempt {
        let unreachable = |detail: String| {
            Attempt::Fatal(FetchError::Unreachable { url: self.display_url.clone(), detail })
        };
        match error {
            ureq::Error::Timeout(what) => Attempt::Retry {
                message: format!(
                    "no answer within {} s ({what})",
                    self.connection.timeout.as_secs_f64()
                ),
                retry_after: None,
            },
            ureq::Error::HostNotFound => unreachable("the host name does not resolve".into()),
            ureq::Error::BadUri(detail) => unreachable(format!("not a valid URL ({detail})")),
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                unreachable("connection refused (is the server running, on that port?)".into())
            }
            // rustls' handshake failures come wrapped in I/O errors: a certificate that is not
            // trusted stays untrusted, however often it is retried.
            ureq::Error::Io(io)
                if io.kind() == std::io::ErrorKind::InvalidData
                    && io.to_string().contains("certificate") =>
            {
                unreachable(format!("TLS: {io}"))
            }
            ureq::Error::Tls(detail) => unreachable(format!("TLS: {detail}")),
            ureq::Error::Rustls(detail) => unreachable(format!("TLS: {detail}")),
            other => Attempt::Retry { message: other.to_string(), retry_after: None },
        }
    }
}

enum Attempt {
    Fatal(FetchError),
    Retry { message: String, retry_after: Option<Duration> },
}

/// 0.5 s × 2^attempt, at most [`MAX_BACKOFF`], with up to 25% jitter so that parallel requests
/// do not come back in step.
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(500).saturating_mul(1 << attempt.min(10)).min(MAX_BACKOFF);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    base + base.mul_f64(f64::from(nanos % 1_000) / 4_000.0)
}

/// A series' labels.
pub type Labels = std::collections::BTreeMap<String, String>;

/// `data` of a successful `/api/v1/series` response: one label set per series.
fn parse_series(body: &[u8]) -> Result<Vec<Labels>, String> {
    #[derive(serde::Deserialize)]
    struct Response {
        status: String,
        #[serde(default)]
        data: Vec<Labels>,
        #[serde(default)]
        error: Option<String>,
    }
    let response: Response = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if response.status != "success" {
        return Err(response.error.unwrap_or_else(|| format!("status `{}`", response.status)));
    }
    Ok(response.data)
}

/// `data.result` and `warnings` of a `"status": "success"` response whose result is of
/// `expected` type (`matrix` for ranges, `vector` for instant queries).
fn parse_success(body: &[u8], expected: &str) -> Result<Matrix, String> {
    #[derive(serde::Deserialize)]
    struct Response {
        status: String,
        #[serde(default)]
        data: Option<Data>,
        #[serde(default)]
        warnings: Vec<String>,
        #[serde(default)]
        error: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Data {
        #[serde(rename = "resultType")]
        result_type: String,
        result: Vec<serde_json::Value>,
    }
    let response: Response = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if response.status != "success" {
        return Err(response.error.unwrap_or_else(|| format!("status `{}`", response.status)));
    }
    let data = response.data.ok_or("no `data`")?;
    if data.result_type != expected {
        return Err(format!("a `{}` result where a {expected} was expected", data.result_type));
    }
    Ok(Matrix { result: data.result, warnings: response.warnings })
}

/// The server's own explanation: Prometheus' `error` field, else the start of the body.
fn server_message(body: &[u8]) -> String {
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body)
        && let Some(error) = json.get("error").and_then(|e| e.as_str())
    {
        return match json.get("errorType").and_then(|e| e.as_str()) {
            Some(kind) => format!("{kind}: {error}"),
            None => error.to_owned(),
        };
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "no explanation in the response".into();
    }
    let mut short: String = text.chars().take(500).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// The URL without `user:password@`, for messages and saved dumps.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// `Basic` credentials: base64 of `user:password` (RFC 7617).
pub fn basic_authorization(user_password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = user_password.as_bytes();
    let mut out = String::with_capacity(6 + bytes.len().div_ceil(3) * 4);
    out.push_str("Basic ");
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (index, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if index <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_is_rfc_7617() {
        assert_eq!(
            basic_authorization("Aladdin:open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(basic_authorization("a:b"), "Basic YTpi");
        assert_eq!(basic_authorization("ab:c"), "Basic YWI6Yw==");
    }

    #[test]
    fn credentials_never_reach_messages() {
        assert_eq!(
            redact("https://u:p@mimir.example/prometheus"),
            "https://mimir.example/prometheus"
        );
        assert_eq!(redact("http://127.0.0.1:9090"), "http://127.0.0.1:9090");
        assert_eq!(redact("http://h/a@b"), "http://h/a@b");
    }

    #[test]
    fn server_messages_prefer_prometheus_error_field() {
        let body = br#"{"status":"error","errorType":"bad_data","error":"1:5: parse error"}"#;
        assert_eq!(server_message(body), "bad_data: 1:5: parse error");
        assert_eq!(server_message(b"  upstream timed out \n"), "upstream timed out");
        assert!(
            parse_success(
                br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
                "matrix"
            )
            .is_err()
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(0) >= Duration::from_millis(500) && backoff(0) < Duration::from_secs(1));
        assert!(backoff(20) <= MAX_BACKOFF.mul_f64(1.25));
    }
}
