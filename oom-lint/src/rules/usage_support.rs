//! Shared by the rules that compare manifests with observed usage (`check --metrics`).

use oom_core::leak::Analysis;

use super::{CheckContext, memory_anchor};
use crate::engine::model::{Container, Pod};
use crate::engine::yaml::Node;
use crate::settings::Settings;

/// The observed usage of a container and its memory limit, when both are known.
pub struct Observed<'a> {
    /// The series analysed against `limit_bytes`, as `analyze --limit` would.
    pub analysis: &'a Analysis,
    pub limit_bytes: u64,
    pub anchor: &'a Node,
}

pub fn observed<'a>(
    pod: &'a Pod<'a>,
    container: &'a Container<'a>,
    context: &'a CheckContext<'a>,
) -> Option<Observed<'a>> {
    let seen = context.observed(container)?;
    let (limit_bytes, _) = pod.memory_limit(container)?;
    Some(Observed { analysis: &seen.analysis, limit_bytes, anchor: memory_anchor(container) })
}

/// `size`'s answer for the observed peak and average (for a leak too: today's peak is what the
/// container needs right now).
pub fn peak_recommendation(
    analysis: &Analysis,
    settings: &Settings,
) -> Option<oom_core::sizing::Recommendation> {
    oom_core::sizing::recommend(
        analysis.peak_bytes,
        analysis.average_bytes,
        &settings.sizing_policy(),
    )
    .ok()
}
