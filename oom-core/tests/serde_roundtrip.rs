//! With the `serde` feature, the public data types survive a trip through JSON.

#![cfg(feature = "serde")]

mod common;

use common::synthetic::{Kind, generate};
use oom_core::leak::{Analysis, AnalysisOptions, Classification, Thresholds, analyze};
use oom_core::quantity::Quantity;

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> T {
    let json = serde_json::to_string(value).unwrap_or_else(|e| panic!("serialize: {e}"));
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("deserialize: {e}\n{json}"))
}

/// Equal, numbers to within one unit in the last place: serde_json's default float parser may
/// be off by one ULP (its `float_roundtrip` feature makes it exact).
fn assert_same(a: &serde_json::Value, b: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            assert!(
                x == y || (x - y).abs() <= f64::EPSILON * x.abs().max(y.abs()),
                "{path}: {x} vs {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                assert_same(x, y, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>(), "{path}");
            for (key, x) in x {
                assert_same(x, &y[key], &format!("{path}.{key}"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

#[test]
fn an_analysis_round_trips() {
    for kind in [Kind::LeakAfterDeploy, Kind::LeakWithRestarts, Kind::Spike, Kind::Step] {
        let generated = generate(kind, 7, 4320);
        let analysis = analyze(&generated.series, &generated.events, &AnalysisOptions::default());
        let back: Analysis = round_trip(&analysis);
        assert_eq!(back.classification, analysis.classification, "{kind:?}");
        assert_eq!(back.recommendation, analysis.recommendation, "{kind:?}");
        assert_eq!(back.buckets.len(), analysis.buckets.len(), "{kind:?}");
        let json = |a: &Analysis| serde_json::to_value(a).unwrap_or_default();
        assert_same(&json(&back), &json(&analysis), &format!("{kind:?}"));
    }
    let leak = generate(Kind::LeakAfterDeploy, 7, 4320);
    let analysis = analyze(&leak.series, &leak.events, &AnalysisOptions::default());
    assert_eq!(analysis.classification, Classification::Leak);
    let json = serde_json::to_value(&analysis).unwrap_or_default();
    assert_eq!(json["classification"], "leak");
    assert!(json["recommendation"]["limit"].is_string(), "{json}");
}

#[test]
fn a_quantity_round_trips_as_its_text() {
    for text in ["512Mi", "1.5G", "129e6", "512m", "-1Gi", "0", "128974848"] {
        let quantity = Quantity::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(serde_json::to_value(&quantity).ok(), Some(serde_json::json!(text)));
        assert_eq!(round_trip(&quantity), quantity, "{text}");
    }
    // Numbers are read as YAML numbers are; texts must be valid quantities.
    let bytes: Result<Quantity, _> = serde_json::from_str("134217728");
    assert_eq!(bytes.ok().and_then(|q| q.bytes()), Some(134_217_728));
    assert!(serde_json::from_str::<Quantity>("\"512MB\"").is_err());
    assert!(serde_json::from_str::<Quantity>("true").is_err());
}

#[test]
fn options_fill_missing_fields_with_defaults() {
    let options: AnalysisOptions = serde_json::from_str(
        r#"{"limit_bytes": 1073741824, "thresholds": {"growth_max_p_value": 0.001}}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(options.limit_bytes, Some(1 << 30));
    assert_eq!(
        options.thresholds,
        Thresholds { growth_max_p_value: 0.001, ..Thresholds::default() }
    );
    assert_eq!(options.policy, AnalysisOptions::default().policy);
    assert_eq!(round_trip(&AnalysisOptions::default()), AnalysisOptions::default());
}
