//! Ordering within columns: iterated barycenter sweeps (Sugiyama et al. 1981), keeping the
//! order with the fewest crossings seen, so a sweep can never make a graph worse than its
//! input order.
//!
//! Works on "slots": a node or a dummy point where an edge passes through a column it
//! skips, so long edges are ordered (and routed) like the others.

/// Slots in columns and the segments joining slots of adjacent columns.
pub(super) struct Layered {
    /// Slot ids per column, top to bottom.
    pub columns: Vec<Vec<usize>>,
    /// `(left, right)`: `left` in some column c, `right` in c + 1.
    pub segments: Vec<(usize, usize)>,
    pub column_of: Vec<usize>,
    /// Tie-break for equal barycenters: a label, then a unique number, so the order never
    /// depends on anything but the graph.
    pub keys: Vec<(String, usize)>,
}

impl Layered {
    /// Reorders the columns by `passes` down-and-up sweeps.
    pub fn order(&mut self, passes: usize) {
        let n = self.column_of.len();
        let (mut left, mut right) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        for &(l, r) in &self.segments {
            right[l].push(r);
            left[r].push(l);
        }
        let mut pos = self.positions();
        let mut best = (self.crossings_with(&pos), self.columns.clone());
        for _ in 0..passes {
            if best.0 == 0 {
                break;
            }
            let down = 1..self.columns.len();
            let up = (0..self.columns.len().saturating_sub(1)).rev();
            for (c, nbrs) in down.map(|c| (c, &left)).chain(up.map(|c| (c, &right))) {
                self.reorder(c, nbrs, &mut pos);
            }
            for c in 0..self.columns.len() {
                self.transpose(c, [&left, &right], &mut pos);
            }
            let now = self.crossings_with(&pos);
            if now < best.0 {
                best = (now, self.columns.clone());
            }
        }
        self.columns = best.1;
    }

    /// Each slot's index within its column.
    fn positions(&self) -> Vec<usize> {
        let mut pos = vec![0; self.column_of.len()];
        for col in &self.columns {
            for (i, &s) in col.iter().enumerate() {
                pos[s] = i;
            }
        }
        pos
    }

    fn reorder(&mut self, c: usize, nbrs: &[Vec<usize>], pos: &mut [usize]) {
        let keyed: Vec<(f64, usize)> = self.columns[c]
            .iter()
            .map(|&s| {
                let ns = &nbrs[s];
                // A slot with no neighbour on that side stays where it is.
                let bary = if ns.is_empty() {
                    pos[s] as f64
                } else {
                    ns.iter().map(|&o| pos[o] as f64).sum::<f64>() / ns.len() as f64
                };
                (bary, s)
            })
            .collect();
        let mut sorted = keyed;
        sorted.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then_with(|| self.keys[a.1].cmp(&self.keys[b.1]))
        });
        self.columns[c] = sorted.into_iter().map(|(_, s)| s).collect();
        for (i, &s) in self.columns[c].iter().enumerate() {
            pos[s] = i;
        }
    }

    /// Swaps neighbours of column `c` while a swap alone removes crossings (the
    /// "transpose" step of Gansner et al. 1993): barycenters cannot see a crossing two
    /// slots with the same average make. A few rounds at most, each O(edges).
    fn transpose(&mut self, c: usize, sides: [&[Vec<usize>]; 2], pos: &mut [usize]) {
        let cost = |upper: usize, lower: usize, pos: &[usize]| -> usize {
            sides
                .iter()
                .map(|nbrs| {
                    let (a, b) = (&nbrs[upper], &nbrs[lower]);
                    a.iter()
                        .map(|&x| b.iter().filter(|&&y| pos[x] > pos[y]).count())
                        .sum::<usize>()
                })
                .sum()
        };
        for _ in 0..4 {
            let mut improved = false;
            for i in 0..self.columns[c].len().saturating_sub(1) {
                let (u, v) = (self.columns[c][i], self.columns[c][i + 1]);
                if cost(v, u, pos) < cost(u, v, pos) {
                    self.columns[c].swap(i, i + 1);
                    pos[u] = i + 1;
                    pos[v] = i;
                    improved = true;
                }
            }
            if !improved {
                break;
            }
        }
    }

    /// Segment pairs that cross, over all gaps: O(E log V) by counting inversions.
    fn crossings_with(&self, pos: &[usize]) -> usize {
        let mut by_gap: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.columns.len()];
        for &(l, r) in &self.segments {
            by_gap[self.column_of[l]].push((pos[l], pos[r]));
        }
        let mut total = 0;
        for (c, mut segs) in by_gap.into_iter().enumerate() {
            if segs.len() < 2 {
                continue;
            }
            segs.sort_unstable();
            let mut seen = Fenwick::new(self.columns.get(c + 1).map_or(0, Vec::len));
            for (i, &(_, r)) in segs.iter().enumerate() {
                // Earlier segments start higher (or at the same slot, then end no lower):
                // those ending strictly lower cross this one.
                total += i - seen.count_up_to(r);
                seen.add(r);
            }
        }
        total
    }
}

/// Counts of positions seen so far, with prefix sums in O(log n).
struct Fenwick(Vec<usize>);

impl Fenwick {
    fn new(n: usize) -> Self {
        Fenwick(vec![0; n + 1])
    }
    fn add(&mut self, i: usize) {
        let mut i = i + 1;
        while i < self.0.len() {
            self.0[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    /// How many seen positions are `<= i`.
    fn count_up_to(&self, i: usize) -> usize {
        let (mut i, mut sum) = ((i + 1).min(self.0.len() - 1), 0);
        while i > 0 {
            sum += self.0[i];
            i -= i & i.wrapping_neg();
        }
        sum
    }
}
