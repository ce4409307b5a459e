//! `oom-lint size`: the sizing math on numbers given on the command line.

use miette::{IntoDiagnostic, miette};
use oom_core::quantity::{Quantity, format_human};
use oom_core::sizing::{Recommendation, SizingPolicy, recommend};
use serde::Serialize;

use crate::cli::{SizeArgs, SizeFormat};
use crate::exit::ExitStatus;

pub fn run(args: &SizeArgs) -> miette::Result<ExitStatus> {
    let peak = usage_bytes("--peak", &args.peak)?;
    let average = usage_bytes("--average", &args.average)?;
    let policy = SizingPolicy {
        headroom: args.headroom,
        heap_ratio: args.heap_ratio,
        alert_ratio: args.alert_ratio,
    };
    let recommendation = recommend(peak as f64, average as f64, &policy)
        .map_err(|e| miette!(help = "see `oom-lint size --help` for the rules", "{e}"))?;
    let text = match args.format {
        SizeFormat::Human => render_human(peak, average, &policy, &recommendation),
        SizeFormat::Json => render_json(peak, average, &policy, &recommendation)?,
    };
    super::write_stdout(text.as_bytes())?;
    Ok(ExitStatus::Clean)
}

/// The smallest memory a container can plausibly use: below it, a figure is a unit typo
/// (`512m` is milli-bytes, `1e3` is bytes), and sizing from it would recommend nonsense.
const MIN_PLAUSIBLE_USAGE: u64 = oom_core::metrics::MIN_PLAUSIBLE_PEAK_BYTES as u64;

/// A usage figure in bytes. Figures below [`MIN_PLAUSIBLE_USAGE`] (the threshold the metrics
/// parser applies to peaks) are refused, for the peak and the average alike: a request or limit
/// sized from bytes is nonsense, and the JVM heap derived from it would be too.
fn usage_bytes(flag: &str, text: &str) -> miette::Result<u64> {
    let quantity = Quantity::parse(text).map_err(|e| {
        miette!(
            help = "write a Kubernetes quantity such as 400Mi, 1.5Gi or 419430400 (bytes)",
            "{flag}: {e}"
        )
    })?;
    let bytes = quantity
        .bytes()
        .ok_or_else(|| miette!("{flag}: memory use cannot be negative (`{text}`)"))?;
    let number = &text.trim()[..text.trim().len() - quantity.suffix().len()];
    if quantity.is_sub_byte_unit() {
        let (unit, scale) = match quantity.suffix() {
            "m" => ("milli", 1e3),
            "u" => ("micro", 1e6),
            _ => ("nano", 1e9),
        };
        let exact = number.parse::<f64>().unwrap_or(0.0) / scale;
        if bytes < MIN_PLAUSIBLE_USAGE {
            // The error `check` gives for the same quantity in a manifest.
            return Err(miette!(
                help = format!("did you mean `{number}Mi`?"),
                "{flag}: `{text}` uses `{}` ({unit}): that is {exact} bytes, not {number} mebibytes",
                quantity.suffix()
            ));
        }
        super::write_stderr(&format!(
            "note: {flag}: `{text}` counts in {unit}bytes ({}), as the API server writes back \
             quantities that are not whole bytes",
            format_human(bytes)
        ));
    } else if bytes < MIN_PLAUSIBLE_USAGE {
        return Err(miette!(
            help = "write a quantity with its unit, such as 400Mi",
            "{flag}: `{text}` is {bytes} bytes, less than 1Mi: no container runs in that"
        ));
    }
    Ok(bytes)
}

fn render_human(peak: u64, average: u64, policy: &SizingPolicy, rec: &Recommendation) -> String {
    let percent = |ratio: f64| format!("{}%", (ratio * 1000.0).round() / 10.0);
    let alert_quantity = oom_core::quantity::format_bytes(
        (rec.alert.threshold_bytes as f64 / 1_048_576.0).round() as u64 * 1_048_576,
    );
    format!(
        "Observed: peak {peak_h}, steady-state average {average_h}\n\
         \n\
         \x20 request   {request:<9} the steady-state average\n\
         \x20 limit     {limit:<9} peak × {headroom}, rounded up to a friendly value\n\
         \x20 JVM heap  {xmx:<9} {heap} of the limit (off-heap memory needs the rest)\n\
         \x20 alert at  ≈{alert_quantity:<8} {alert_h}, {alert} of the limit\n\
         \n\
         Paste into the container spec:\n\
         \n\
         resources:\n\
         \x20 requests:\n\
         \x20   memory: {request}\n\
         \x20 limits:\n\
         \x20   memory: {limit}\n\
         \n\
         Prometheus alert expression:\n\
         \n\
         \x20 {promql}\n",
        peak_h = format_human(peak),
        average_h = format_human(average),
        request = rec.request,
        limit = rec.limit,
        headroom = policy.headroom,
        xmx = rec.jvm_heap.flag,
        heap = percent(policy.heap_ratio),
        alert_h = format_human(rec.alert.threshold_bytes),
        alert = percent(policy.alert_ratio),
        promql = rec.alert.promql,
    )
}

/// The `--format json` document. Adding fields is fine; renaming one breaks users.
#[derive(Serialize)]
struct SizeReport<'a> {
    version: u32,
    peak_bytes: u64,
    average_bytes: u64,
    headroom: f64,
    heap_ratio: f64,
    alert_ratio: f64,
    request_bytes: u64,
    limit_bytes: u64,
    request: &'a str,
    limit: &'a str,
    xmx: &'a str,
    xmx_bytes: u64,
    alert_bytes: u64,
    alert_promql: &'a str,
}

fn render_json(
    peak: u64,
    average: u64,
    policy: &SizingPolicy,
    rec: &Recommendation,
) -> miette::Result<String> {
    let report = SizeReport {
        version: 1,
        peak_bytes: peak,
        average_bytes: average,
        headroom: policy.headroom,
        heap_ratio: policy.heap_ratio,
        alert_ratio: policy.alert_ratio,
        request_bytes: rec.request_bytes,
        limit_bytes: rec.limit_bytes,
        request: &rec.request,
        limit: &rec.limit,
        xmx: &rec.jvm_heap.flag,
        xmx_bytes: rec.jvm_heap.max_heap_bytes,
        alert_bytes: rec.alert.threshold_bytes,
        alert_promql: &rec.alert.promql,
    };
    let mut text = serde_json::to_string_pretty(&report).into_diagnostic()?;
    text.push('\n');
    Ok(text)
}
