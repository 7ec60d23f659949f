//! The geometry of the holder timeline a model page draws: one lane per stage or alias,
//! one bar per tenure from when it began to when it ended (or to now), and date ticks
//! along the time axis. Pure numbers for an SVG; the component only draws them.
use super::{HoldKind, Holding};
use crate::names::Version;
use crate::time::Millis;
use serde::{Deserialize, Serialize};

/// Where the lane labels end and the time axis begins.
pub const LABEL_WIDTH: f64 = 110.0;
/// A lane's height and the gap below the axis.
pub const LANE_HEIGHT: f64 = 26.0;
const AXIS_HEIGHT: f64 = 22.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    /// `Production`, `@champion`, …
    pub label: String,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    pub lane: usize,
    pub version: Version,
    pub x: f64,
    pub width: f64,
    pub y: f64,
    pub from: Millis,
    pub to: Option<Millis>,
    pub moved_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub width: f64,
    pub height: f64,
    pub lanes: Vec<Lane>,
    pub bars: Vec<Bar>,
    /// (x, instant) of each tick, left to right.
    pub ticks: Vec<(f64, Millis)>,
}

/// Lays out `holdings` on a timeline `width` wide ending at `now`. Stage lanes come first
/// (Production, Staging, Archived), then aliases by name; a tenure too short to see is
/// drawn at least 2 units wide so it is never lost.
pub fn layout(holdings: &[Holding], now: Millis, width: f64) -> Timeline {
    const STAGES: [&str; 3] = ["Production", "Staging", "Archived"];
    let mut lanes: Vec<(u8, String)> = holdings
        .iter()
        .map(|h| match h.kind {
            HoldKind::Stage => (
                STAGES.iter().position(|s| *s == h.slot).unwrap_or(3) as u8,
                h.slot.clone(),
            ),
            HoldKind::Alias => (9, format!("@{}", h.slot)),
        })
        .collect();
    lanes.sort();
    lanes.dedup();
    let start = holdings.iter().map(|h| h.from).min().unwrap_or(now);
    let end = holdings
        .iter()
        .map(|h| h.to.unwrap_or(now))
        .max()
        .unwrap_or(now)
        .max(now);
    let span = (end - start).max(1) as f64;
    let plot = (width - LABEL_WIDTH).max(10.0);
    let x_of = |t: Millis| LABEL_WIDTH + (t - start) as f64 / span * plot;
    let lane_of = |h: &Holding| {
        let label = match h.kind {
            HoldKind::Stage => h.slot.clone(),
            HoldKind::Alias => format!("@{}", h.slot),
        };
        lanes.iter().position(|(_, l)| *l == label).unwrap_or(0)
    };
    let bars = holdings
        .iter()
        .map(|h| {
            let lane = lane_of(h);
            let x = x_of(h.from);
            let width = (x_of(h.to.unwrap_or(end)) - x).max(2.0);
            Bar {
                lane,
                version: h.version,
                x: round1(x),
                width: round1(width),
                y: lane as f64 * LANE_HEIGHT + 3.0,
                from: h.from,
                to: h.to,
                moved_by: h.moved_by.clone(),
            }
        })
        .collect();
    let ticks = (0..=4)
        .map(|i| {
            let t = start + ((end - start) as f64 * f64::from(i) / 4.0) as Millis;
            (round1(x_of(t)), t)
        })
        .collect();
    Timeline {
        width,
        height: lanes.len() as f64 * LANE_HEIGHT + AXIS_HEIGHT,
        lanes: lanes
            .into_iter()
            .enumerate()
            .map(|(i, (_, label))| Lane {
                label,
                y: i as f64 * LANE_HEIGHT,
            })
            .collect(),
        bars,
        ticks,
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::holders::HowMoved;

    fn hold(kind: HoldKind, slot: &str, v: i64, from: Millis, to: Option<Millis>) -> Holding {
        Holding {
            kind,
            slot: slot.into(),
            version: Version::new(v).unwrap(),
            from,
            to,
            moved_by: "bob".into(),
            how: HowMoved::Direct,
            request_id: None,
            ended_by: None,
        }
    }

    #[test]
    fn lanes_are_stages_then_aliases_and_bars_span_their_tenure() {
        let hs = [
            hold(HoldKind::Alias, "champion", 1, 0, Some(500)),
            hold(HoldKind::Stage, "Staging", 1, 0, Some(250)),
            hold(HoldKind::Stage, "Production", 1, 250, Some(500)),
            hold(HoldKind::Stage, "Production", 2, 500, None),
            hold(HoldKind::Alias, "champion", 2, 500, None),
        ];
        let t = layout(&hs, 1000, 1110.0);
        let labels: Vec<&str> = t.lanes.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["Production", "Staging", "@champion"]);
        // 1000 units of plot for 1000 ms: one unit per millisecond.
        let prod2 = &t.bars[3];
        assert_eq!((prod2.lane, prod2.x, prod2.width), (0, 610.0, 500.0));
        let staging = &t.bars[1];
        assert_eq!((staging.lane, staging.x, staging.width), (1, 110.0, 250.0));
        assert_eq!(t.ticks.first(), Some(&(110.0, 0)));
        assert_eq!(t.ticks.last(), Some(&(1110.0, 1000)));
        assert_eq!(t.height, 3.0 * LANE_HEIGHT + 22.0);
    }

    #[test]
    fn an_instant_tenure_is_still_visible_and_no_history_is_empty() {
        let hs = [hold(HoldKind::Stage, "Production", 1, 10, Some(10))];
        let t = layout(&hs, 1_000_000, 600.0);
        assert!(t.bars[0].width >= 2.0);
        let empty = layout(&[], 5, 600.0);
        assert!(empty.lanes.is_empty() && empty.bars.is_empty());
        assert!(empty.ticks.iter().all(|(x, _)| x.is_finite()));
    }
}
