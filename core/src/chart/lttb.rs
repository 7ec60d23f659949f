//! Largest-Triangle-Three-Buckets downsampling (Steinarsson, "Downsampling Time Series for
//! Visual Representation", 2013): keeps the shape of a long curve, spikes included, in a
//! fixed number of points, in one pass.
use super::Point;

/// `points` (in increasing x) reduced to exactly `threshold` points, the first and the last
/// kept; unchanged when there are no more than `threshold` of them or `threshold < 3`.
///
/// Non-finite points never win a bucket nor enter a bucket's average, so one NaN cannot
/// hide the real extremes of its neighbours; a bucket with no finite point at all still
/// gives one (its first) so the length stays `threshold`. [`super::Series`] drops
/// non-finite points before downsampling, so charted series never contain any.
pub fn lttb(points: &[Point], threshold: usize) -> Vec<Point> {
    let n = points.len();
    if threshold < 3 || n <= threshold {
        return points.to_vec();
    }
    // The average of a bucket with no finite point falls back to the last finite point, so
    // the triangles still lean towards where the curve goes on.
    let last_finite = points.iter().rev().find(|p| p.is_finite()).copied();
    let mut anchor = points.iter().find(|p| p.is_finite()).copied();

    // Integer bucket bounds: float ones can lose the last inner point to rounding. u64,
    // since the browser build's usize is 32 bits.
    let (inner, buckets) = ((n - 2) as u64, (threshold - 2) as u64);
    let bucket_start = |i: usize| (i as u64 * inner / buckets) as usize + 1;

    let mut out = Vec::with_capacity(threshold);
    out.push(points[0]);
    for i in 0..threshold - 2 {
        let (start, end) = (bucket_start(i), bucket_start(i + 1));
        let next_end = if i + 2 == threshold - 1 {
            n
        } else {
            bucket_start(i + 2)
        };
        let next = finite_mean(&points[end..next_end]).or(last_finite);

        let bucket = &points[start..end];
        let pick = match (anchor, next) {
            (Some(a), Some(c)) => largest_triangle(bucket, a, c),
            _ => None,
        };
        let chosen = pick.unwrap_or(bucket[0]);
        if chosen.is_finite() {
            anchor = Some(chosen);
        }
        out.push(chosen);
    }
    out.push(points[n - 1]);
    out
}

fn finite_mean(points: &[Point]) -> Option<Point> {
    let (mut sx, mut sy, mut k) = (0.0, 0.0, 0usize);
    for p in points.iter().filter(|p| p.is_finite()) {
        sx += p.x;
        sy += p.y;
        k += 1;
    }
    (k > 0).then(|| Point::new(sx / k as f64, sy / k as f64))
}

/// The finite point of `bucket` making the largest triangle with `a` and `c` (the first
/// such on ties, so the result does not depend on float noise between equal candidates).
fn largest_triangle(bucket: &[Point], a: Point, c: Point) -> Option<Point> {
    let mut best: Option<(f64, Point)> = None;
    for &b in bucket.iter().filter(|p| p.is_finite()) {
        // Twice the area; the factor does not change which is largest.
        let area = ((a.x - c.x) * (b.y - a.y) - (a.x - b.x) * (c.y - a.y)).abs();
        if best.is_none_or(|(max, _)| area > max) {
            best = Some((area, b));
        }
    }
    best.map(|(_, p)| p)
}
