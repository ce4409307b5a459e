//! Results → text, one emitter per format: `check`'s findings (human, JSON, SARIF, GitHub
//! annotations) and `analyze`'s verdicts (human, JSON, SVG).

pub mod analyze;
pub mod check;
