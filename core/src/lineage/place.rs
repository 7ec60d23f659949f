//! Vertical placement within the chosen order: each slot is pulled towards the centre of
//! the slots it is joined to, and the column keeps its order and its gaps. Each column
//! is solved exactly as a least-squares problem under those constraints (pool adjacent
//! violators: a run of slots that would collide moves as one block, centred on what its
//! members want), so a chain comes out straight and a fan centred on its source.

/// Top y of every slot, the highest at 0.
pub(super) fn place(
    columns: &[Vec<usize>],
    segments: &[(usize, usize)],
    heights: &[f64],
    gap: f64,
) -> Vec<f64> {
    let n = heights.len();
    let (mut left, mut right) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    for &(l, r) in segments {
        right[l].push(r);
        left[r].push(l);
    }
    let both: Vec<Vec<usize>> = (0..n)
        .map(|s| left[s].iter().chain(&right[s]).copied().collect())
        .collect();

    // Start from each column stacked from the top.
    let mut top = vec![0.0; n];
    for col in columns {
        let mut y = 0.0;
        for &s in col {
            top[s] = y;
            y += heights[s] + gap;
        }
    }
    let p = Placer { heights, gap };
    // Left to right after the sources, back with both sides, and once more forward: a
    // fixed number of sweeps, each exact for its column.
    for col in columns.iter().skip(1) {
        p.align(col, &left, &mut top);
    }
    for col in columns.iter().rev() {
        p.align(col, &both, &mut top);
    }
    for col in columns {
        p.align(col, &both, &mut top);
    }
    let lowest = top.iter().copied().fold(f64::INFINITY, f64::min);
    if lowest.is_finite() {
        for t in &mut top {
            *t -= lowest;
        }
    }
    top
}

struct Placer<'a> {
    heights: &'a [f64],
    gap: f64,
}

/// Consecutive slots placed together: `sum` adds, for each member, where it wants its
/// top minus its offset in the block, so the block's best top is `sum / count`.
struct Block {
    count: usize,
    sum: f64,
    height: f64,
}

impl Block {
    fn top(&self) -> f64 {
        self.sum / self.count as f64
    }
}

impl Placer<'_> {
    fn align(&self, col: &[usize], nbrs: &[Vec<usize>], top: &mut [f64]) {
        let h = self.heights;
        let wanted: Vec<f64> = col
            .iter()
            .map(|&s| match nbrs[s].as_slice() {
                // Nothing to lean on: stay.
                [] => top[s],
                ns => {
                    let centre =
                        ns.iter().map(|&o| top[o] + h[o] / 2.0).sum::<f64>() / ns.len() as f64;
                    centre - h[s] / 2.0
                }
            })
            .collect();
        let mut blocks: Vec<Block> = Vec::new();
        for (i, &s) in col.iter().enumerate() {
            blocks.push(Block {
                count: 1,
                sum: wanted[i],
                height: h[s],
            });
            while blocks.len() >= 2 {
                let last = &blocks[blocks.len() - 1];
                let prev = &blocks[blocks.len() - 2];
                if prev.top() + prev.height + self.gap <= last.top() {
                    break;
                }
                let last = blocks.pop().expect("two blocks");
                let prev = blocks.last_mut().expect("two blocks");
                let shift = prev.height + self.gap;
                prev.sum += last.sum - shift * last.count as f64;
                prev.count += last.count;
                prev.height += self.gap + last.height;
            }
        }
        let mut i = 0;
        for b in &blocks {
            let mut y = b.top();
            for &s in &col[i..i + b.count] {
                top[s] = y;
                y += h[s] + self.gap;
            }
            i += b.count;
        }
    }
}
