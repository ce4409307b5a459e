//! The daily (and weekly) cycle removed from the floors before the trend test, fitted jointly
//! with the trend by harmonic regression ([`crate::trend::seasonal_fit`]).

use crate::leak::Thresholds;
use crate::leak::segments::{BIC_MARGIN, best_hinge};
use crate::leak::segments::{best_step, staircase};
use crate::trend::{
    Break, Seasonal, cycle_fit, cycle_fit_with_shift, ols, seasonal_fit, seasonal_fit_with_break,
};

/// The cycle to remove from `floors` (at `hours`), if one explains enough of them, and whether
/// it includes the weekly period.
///
/// - The daily period is fitted when the window spans [`Thresholds::seasonal_min_cycles`] days;
///   the weekly one is added when the window spans as many weeks *and* it explains a further
///   [`Thresholds::seasonal_min_explained_share`] of what the daily cycle left, since a week's
///   harmonics over less than two weeks can as well fit a trend or a shift.
/// - The trend it is fitted with is a line, or one that breaks once (a line and a level shift,
///   or flat then a line: [`crate::trend::seasonal_fit_with_break`]) when that leaves less than
///   [`Thresholds::level_shift_max_residual_share`] of the line's error: a deploy's rise under
///   a daily cycle is then not shared between a line and the cycle (and read as growth), nor a
///   leak's onset read as part of a cycle.
/// - A cycle that explains less than [`Thresholds::seasonal_min_explained_share`] of what the
///   trend left, or fits worse than two levels alone or than a staircase of three, is not
///   removed.
pub(super) fn find_cycle(
    hours: &[f64],
    floors: &[f64],
    window_hours: f64,
    t: &Thresholds,
) -> Option<(Seasonal, bool)> {
    let spans = |period: f64| period > 0.0 && window_hours >= t.seasonal_min_cycles * period;
    let daily = spans(t.daily_period_hours)
        .then(|| Fits::new(hours, floors, &[t.daily_period_hours], t))
        .flatten();
    // Judged with the richest trend (a line and a shift), so the week's harmonics are not
    // credited with a shift that the daily fit alone could not explain.
    let weekly = spans(t.weekly_period_hours)
        .then(|| Fits::new(hours, floors, &[t.daily_period_hours, t.weekly_period_hours], t))
        .flatten()
        .filter(|both| {
            daily.as_ref().is_none_or(|day| {
                both.richest_sse() < (1.0 - t.seasonal_min_explained_share) * day.richest_sse()
            })
        });
    let (fit, is_weekly) = match (weekly, daily) {
        (Some(both), _) => (both.chosen(t)?, true),
        (None, Some(day)) => (day.chosen(t)?, false),
        (None, None) => return None,
    };
    (fit.explained_share >= t.seasonal_min_explained_share
        // A one-time level shift is not a cycle: keep it when two levels fit better; nor are
        // two stacked shifts (a staircase of flat levels), which a cycle and one break would
        // otherwise share between them.
        && best_step(floors).0 > fit.residual_sse
        && staircase(hours, floors, t).is_none_or(|(sse, _)| sse > fit.residual_sse))
    .then_some((fit, is_weekly))
}

/// The cycle of some periods fitted with a line, and with a trend that breaks once.
struct Fits {
    line: Option<Seasonal>,
    broken: Option<Seasonal>,
}

impl Fits {
    fn new(hours: &[f64], floors: &[f64], periods: &[f64], t: &Thresholds) -> Option<Self> {
        let line = seasonal_fit(hours, floors, periods, t.seasonal_harmonics);
        let broken = seasonal_fit_with_break(
            hours,
            floors,
            periods,
            t.seasonal_harmonics,
            t.breakpoint_margin,
        )
        .map(|broken| broken.seasonal);
        (line.is_some() || broken.is_some()).then_some(Self { line, broken })
    }

    /// The squared error of the richest fit.
    fn richest_sse(&self) -> f64 {
        self.broken.as_ref().or(self.line.as_ref()).map_or(f64::INFINITY, |f| f.residual_sse)
    }

    /// The fit with a broken trend when it leaves less than
    /// [`Thresholds::level_shift_max_residual_share`] of the line's error, else the line's.
    fn chosen(self, t: &Thresholds) -> Option<Seasonal> {
        let line_sse = self.line.as_ref().map_or(f64::INFINITY, |l| l.residual_sse);
        match self.broken {
            Some(broken) if broken.residual_sse < t.level_shift_max_residual_share * line_sse => {
                Some(broken)
            }
            broken => self.line.or(broken),
        }
    }
}

/// Whether a window shorter than a day (`hours`, its `floors`) rises the way the daily cycle
/// would: a single daily harmonic with a constant (three parameters) fits within
/// [`BIC_MARGIN`] of the better of a line and a hinge, and its trough stays above zero (memory
/// cannot cycle below nothing). The series alone cannot then tell growth from the cycle.
pub(super) fn daily_cycle_explains(hours: &[f64], floors: &[f64], t: &Thresholds) -> bool {
    let n = hours.len().min(floors.len());
    if n < 2 * 3 || t.daily_period_hours <= 0.0 {
        return false;
    }
    let Some(cycle) = cycle_fit(hours, floors, &[t.daily_period_hours], 1) else {
        return false;
    };
    let mean = floors.iter().sum::<f64>() / n as f64;
    let amplitude = cycle.component.iter().fold(0.0f64, |m, c| m.max(c.abs()));
    if mean - amplitude < 0.0 {
        return false;
    }
    let nf = n as f64;
    let bic = |sse: f64, parameters: f64| {
        nf * (sse.max(f64::MIN_POSITIVE) / nf).ln() + parameters * nf.ln()
    };
    let line = ols(hours, floors);
    let sse_line: f64 =
        hours.iter().zip(floors).map(|(x, y)| (y - line.intercept - line.slope * x).powi(2)).sum();
    let (sse_hinge, _, _) = best_hinge(hours, floors, t.breakpoint_margin);
    let growth = bic(sse_line, 2.0).min(bic(sse_hinge, 3.0));
    bic(cycle.residual_sse, 3.0) <= growth + BIC_MARGIN
}

/// The level shift (index of its first bucket, size in bytes) by which a window shorter than a
/// day rises under the daily cycle rather than by growth: a constant, one upward shift and a
/// single daily harmonic (five parameters with the break) fit better by [`BIC_MARGIN`] than
/// every growth with or without the cycle — a line, a hinge, a line and a shift — and than the
/// cycle alone; the shift is material ([`Thresholds::growth_min_relative`] of `level`) and the
/// cycle's trough stays above zero. Growth must lose *with* the cycle as well: a leak's ramp
/// under a cycle is fitted by a shift and the cycle better than by a line without it. A deploy's
/// shift between a daily trough and crest is then neither growth nor a rise the cycle alone
/// explains; what the cycle does around it, less than a day cannot tell from growth.
pub(super) fn shift_under_daily_cycle(
    hours: &[f64],
    floors: &[f64],
    level: f64,
    t: &Thresholds,
) -> Option<(usize, f64)> {
    let n = hours.len().min(floors.len());
    if n < 2 * 6 || t.daily_period_hours <= 0.0 {
        return None;
    }
    let (hours, floors) = (&hours[..n], &floors[..n]);
    let period = [t.daily_period_hours];
    let margin = t.breakpoint_margin;
    let (fit, at, size) = cycle_fit_with_shift(hours, floors, &period, 1, margin)?;
    let mean = floors.iter().sum::<f64>() / n as f64;
    let amplitude = fit.component.iter().fold(0.0f64, |m, c| m.max(c.abs()));
    // Only a rise is in question (a fall and a cycle make no leak), and only a material one.
    if size < t.growth_min_relative * level.abs().max(f64::EPSILON) || mean - amplitude < 0.0 {
        return None;
    }
    let nf = n as f64;
    let bic = |sse: f64, parameters: f64| {
        nf * (sse.max(f64::MIN_POSITIVE) / nf).ln() + parameters * nf.ln()
    };
    // A line and a shift (four parameters with the break), or a hinge (three), without a cycle.
    let broken =
        seasonal_fit_with_break(hours, floors, &[], 0, margin).map_or(f64::INFINITY, |b| {
            let shift = matches!(b.kind, Break::Shift { .. });
            bic(b.seasonal.residual_sse, if shift { 4.0 } else { 3.0 })
        });
    // With the cycle: a hinge under it is growth, which must lose; a line and a shift under it
    // holds our fit plus a slope, which must not earn its parameter (the slope, not the cycle,
    // would then be the rise after the shift).
    let (hinge_cycle, line_shift_cycle) =
        match seasonal_fit_with_break(hours, floors, &period, 1, margin) {
            Some(b) if matches!(b.kind, Break::Shift { .. }) => {
                (f64::INFINITY, bic(b.seasonal.residual_sse, 6.0))
            }
            Some(b) => (bic(b.seasonal.residual_sse, 5.0), f64::INFINITY),
            None => (f64::INFINITY, f64::INFINITY),
        };
    let line = ols(hours, floors);
    let sse_line: f64 =
        hours.iter().zip(floors).map(|(x, y)| (y - line.intercept - line.slope * x).powi(2)).sum();
    let (sse_hinge, _, _) = best_hinge(hours, floors, margin);
    let cycle = cycle_fit(hours, floors, &period, 1).map_or(f64::INFINITY, |c| c.residual_sse);
    let line_cycle =
        seasonal_fit(hours, floors, &period, 1).map_or(f64::INFINITY, |f| f.residual_sse);
    let others = [
        bic(sse_line, 2.0),
        bic(sse_hinge, 3.0),
        bic(cycle, 3.0),
        bic(line_cycle, 4.0),
        broken,
        hinge_cycle,
    ];
    let best_other = others.iter().copied().fold(f64::INFINITY, f64::min);
    let shifted = bic(fit.residual_sse, 5.0);
    (shifted + BIC_MARGIN <= best_other && shifted <= line_shift_cycle + BIC_MARGIN)
        .then_some((at, size))
}
