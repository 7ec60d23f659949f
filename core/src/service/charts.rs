//! Chart data: a run's metric histories as downsampled series, ready for
//! `chart::LineChart`. Like `metric_history`, these reads take no actor: runs are read
//! by whoever reaches the run pages (the route's `Need`), so the caller checks.
use super::Registry;
use crate::chart::{downsample, Point, Series};
use crate::error::{Error, Result};
use crate::names::{Key, RunId};

/// A chart wider than this many points per series gains nothing on any screen.
pub const MAX_CHART_POINTS: usize = 5_000;

impl Registry {
    /// One series per key, in the order asked (x is the step, y the value), each reduced
    /// to at most `max_points` points by LTTB; `total` and `non_finite` count what was
    /// logged. A key never logged gives an empty series, so a chart can say so.
    pub async fn metric_series(
        &self,
        run: &RunId,
        keys: &[Key],
        max_points: usize,
    ) -> Result<Vec<Series>> {
        if !(3..=MAX_CHART_POINTS).contains(&max_points) {
            return Err(Error::invalid(format!(
                "A chart takes 3 to {MAX_CHART_POINTS} points per series, not {max_points}"
            )));
        }
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let history = self.metric_history(run, key).await?;
            let points = history.iter().map(|m| Point::new(m.step as f64, m.value));
            out.push(downsample(Series::new(key.as_str(), points), max_points));
        }
        Ok(out)
    }
}
