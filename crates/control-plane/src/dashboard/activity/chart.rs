//! Stacked bars per hour by decision over the last 24 h, as SVG geometry for `activity/list.html`.

use std::collections::BTreeMap;

use time::OffsetDateTime;

pub const HOURS: i64 = 24;
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 160.0;

pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub bars: Vec<Bar>,
    pub max: i64,
    pub total: i64,
    /// Decisions present, with their CSS class, for the legend.
    pub legend: Vec<(String, &'static str)>,
}

pub struct Bar {
    pub x: f64,
    pub width: f64,
    pub label: String,
    pub segments: Vec<Segment>,
}

pub struct Segment {
    pub y: f64,
    pub height: f64,
    pub class: &'static str,
    pub title: String,
}

pub fn decision_class(decision: &str) -> &'static str {
    match decision {
        "allowed" | "approved" => "d-allowed",
        "denied" | "approval_denied" | "hidden" => "d-denied",
        "rate_limited" => "d-limited",
        "approval_requested" | "approval_expired" => "d-approval",
        _ => "d-error",
    }
}

/// `points`: (bucket start, decision, count) as `audit_timeseries` answers, hourly buckets since
/// `start` (the start of the first hour).
pub fn build(points: &[(OffsetDateTime, String, i64)], start: OffsetDateTime) -> Chart {
    let mut hours: Vec<BTreeMap<String, i64>> = vec![BTreeMap::new(); HOURS as usize];
    let mut legend: Vec<(String, &'static str)> = Vec::new();
    for (time, decision, count) in points {
        let index = (*time - start).whole_hours();
        if let Some(hour) = usize::try_from(index).ok().and_then(|index| hours.get_mut(index)) {
            *hour.entry(decision.clone()).or_default() += count;
        }
        if !legend.iter().any(|(name, _)| name == decision) {
            legend.push((decision.clone(), decision_class(decision)));
        }
    }
    legend.sort();
    let max = hours
        .iter()
        .map(|hour| hour.values().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = WIDTH / HOURS as f64;
    let bars = hours
        .iter()
        .enumerate()
        .map(|(index, hour)| {
            let at = start + time::Duration::hours(index as i64);
            let mut y = HEIGHT;
            let segments = hour
                .iter()
                .map(|(decision, count)| {
                    let height = HEIGHT * (*count as f64) / (max as f64);
                    y -= height;
                    Segment {
                        y,
                        height,
                        class: decision_class(decision),
                        title: format!("{:02}:00 UTC · {decision}: {count}", at.hour()),
                    }
                })
                .collect();
            Bar {
                x: index as f64 * slot + 1.0,
                width: slot - 2.0,
                label: format!("{:02}", at.hour()),
                segments,
            }
        })
        .collect();
    Chart {
        width: WIDTH,
        height: HEIGHT,
        bars,
        max,
        total: points.iter().map(|(_, _, count)| count).sum(),
        legend,
    }
}
