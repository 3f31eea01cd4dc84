//! The line diff helm-diff has used since v3.15.9 (`diff/lcs.go`).
//!
//! Where several minimal diffs exist, scripts comparing output depend on
//! which one is printed, so this follows helm-diff's choices exactly: the
//! common prefix and suffix are trimmed as aryann/difflib trims them (the
//! suffix scan stops one short of the prefix on both sides), the middle is
//! split Hirschberg-style at the *first* column that maximises the forward
//! plus backward LCS, and a single remaining line matches its *last*
//! occurrence.  Classic difflib, Myers and GNU diff pick differently.

/// What a diff line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delta {
    /// In both (printed `  X`).
    Common,
    /// Only in the old text (`- X`).
    LeftOnly,
    /// Only in the new text (`+ X`).
    RightOnly,
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub payload: String,
    pub delta: Delta,
}

impl Record {
    fn new(payload: &str, delta: Delta) -> Record {
        Record {
            payload: payload.to_string(),
            delta,
        }
    }
}

/// Diff two line sequences.
pub fn diff_lines(a: &[&str], b: &[&str]) -> Vec<Record> {
    let mut start = 0;
    while start < a.len() && start < b.len() && a[start] == b[start] {
        start += 1;
    }
    let mut end = 0;
    // difflib's `i > start && j > start` on signed indices.
    let (mut i, mut j) = (a.len() as isize - 1, b.len() as isize - 1);
    while i > start as isize && j > start as isize && a[i as usize] == b[j as usize] {
        i -= 1;
        j -= 1;
        end += 1;
    }
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 4);
    out.extend(a[..start].iter().map(|s| Record::new(s, Delta::Common)));
    hirschberg(&a[start..a.len() - end], &b[start..b.len() - end], &mut out);
    out.extend(
        a[a.len() - end..]
            .iter()
            .map(|s| Record::new(s, Delta::Common)),
    );
    out
}

fn hirschberg(a: &[&str], b: &[&str], out: &mut Vec<Record>) {
    let (n, m) = (a.len(), b.len());
    if n == 0 {
        out.extend(b.iter().map(|s| Record::new(s, Delta::RightOnly)));
        return;
    }
    if m == 0 {
        out.extend(a.iter().map(|s| Record::new(s, Delta::LeftOnly)));
        return;
    }
    if n == 1 {
        single_row(a[0], b, out);
        return;
    }
    let mid = n / 2;
    let forward = lcs_row(a[..mid].iter().copied(), b.iter().copied(), m);
    let backward = lcs_row(a[mid..].iter().rev().copied(), b.iter().rev().copied(), m);
    let mut split = 0;
    let mut best: isize = -1;
    for j in 0..=m {
        // backward[k] = LCS(a[mid..], b[m-k..]); column j wants k = m - j.
        let score = (forward[j] + backward[m - j]) as isize;
        if score > best {
            best = score;
            split = j;
        }
    }
    hirschberg(&a[..mid], &b[..split], out);
    hirschberg(&a[mid..], &b[split..], out);
}

fn single_row(elem: &str, b: &[&str], out: &mut Vec<Record>) {
    match b.iter().rposition(|s| *s == elem) {
        Some(found) => {
            out.extend(b[..found].iter().map(|s| Record::new(s, Delta::RightOnly)));
            out.push(Record::new(elem, Delta::Common));
            out.extend(
                b[found + 1..]
                    .iter()
                    .map(|s| Record::new(s, Delta::RightOnly)),
            );
        }
        None => {
            out.push(Record::new(elem, Delta::LeftOnly));
            out.extend(b.iter().map(|s| Record::new(s, Delta::RightOnly)));
        }
    }
}

/// Last row of the LCS table: `row[j] = LCS(a, b[..j])`.
fn lcs_row<'a>(
    a: impl Iterator<Item = &'a str>,
    b: impl Iterator<Item = &'a str> + Clone,
    m: usize,
) -> Vec<usize> {
    let mut prev = vec![0usize; m + 1];
    let mut curr = vec![0usize; m + 1];
    for ai in a {
        for (j, bj) in b.clone().enumerate() {
            curr[j + 1] = if ai == bj {
                prev[j] + 1
            } else if prev[j + 1] >= curr[j] {
                prev[j + 1]
            } else {
                curr[j]
            };
        }
        std::mem::swap(&mut prev, &mut curr);
        curr.iter_mut().for_each(|c| *c = 0);
    }
    prev
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(a: &str, b: &str) -> String {
        let a: Vec<&str> = a.split('\n').collect();
        let b: Vec<&str> = b.split('\n').collect();
        diff_lines(&a, &b)
            .iter()
            .map(|r| {
                let p = match r.delta {
                    Delta::Common => ' ',
                    Delta::LeftOnly => '-',
                    Delta::RightOnly => '+',
                };
                format!("{p}{}", r.payload)
            })
            .collect::<Vec<_>>()
            .join("|")
    }

    #[test]
    fn equal_and_empty() {
        assert_eq!(show("a\nb", "a\nb"), " a| b");
        assert_eq!(show("", "a\nb"), "-|+a|+b");
        assert_eq!(show("a\nb", ""), "-a|-b|+");
    }

    #[test]
    fn single_line_matches_its_last_occurrence() {
        // Middle after trimming: [x] vs [a, x, b, x, c]... prefix/suffix
        // differ, so the whole sequences reach single_row.
        assert_eq!(show("x", "a\nx\nb\nx\nc"), "+a|+x|+b| x|+c");
    }

    #[test]
    fn tie_break_first_split_column() {
        // Two minimal diffs exist: helm-diff keeps the first `b` of the
        // new text matched by the left half.
        assert_eq!(show("a\nb\nc", "b\nc\nb"), "-a| b| c|+b");
        assert_eq!(show("a\nb", "b\na"), "-a| b|+a");
        assert_eq!(show("x\ny\nx", "y\nx\ny"), "-x| y| x|+y");
    }

    /// Vectors from an independent port of helm-diff's `lcs.go` (run
    /// outside this repository), on random small inputs where several
    /// minimal diffs exist.
    #[test]
    fn tie_break_vectors() {
        for (a, b, want) in [
            ("a\nb\nc", "a", " a|-b|-c"),
            ("a\nb\nc\na\nc", "a\na", " a|-b|-c| a|-c"),
            ("b\na\na\na", "b\na\nc\na\na", " b| a|+c| a| a"),
            ("c\nc\na\nc\nc\nb", "a", "-c|-c| a|-c|-c|-b"),
            ("c", "b\nb", "-c|+b|+b"),
            ("c\na", "b\nc\nc\na\na", "+b|+c| c|+a| a"),
            ("c\nc\na\nb\na", "c\na\nc\na\nc", " c|-c| a|-b|+c| a|+c"),
            ("b\nc", "b\nb\nb\nc\nb", " b|+b|+b| c|+b"),
        ] {
            assert_eq!(show(a, b), want, "{a:?} -> {b:?}");
        }
    }

    /// Every diff is an edit script from one side to the other that keeps
    /// a longest common subsequence (checked against a full DP table).
    #[test]
    fn diffs_are_valid_and_minimal() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..2000 {
            let la = next(9) as usize;
            let lb = next(9) as usize;
            let a: Vec<String> = (0..la)
                .map(|_| ["x", "y", "z", ""][next(4) as usize].to_string())
                .collect();
            let b: Vec<String> = (0..lb)
                .map(|_| ["x", "y", "z", ""][next(4) as usize].to_string())
                .collect();
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            let b: Vec<&str> = b.iter().map(String::as_str).collect();
            let d = diff_lines(&a, &b);
            let left: Vec<&str> = d
                .iter()
                .filter(|r| r.delta != Delta::RightOnly)
                .map(|r| r.payload.as_str())
                .collect();
            let right: Vec<&str> = d
                .iter()
                .filter(|r| r.delta != Delta::LeftOnly)
                .map(|r| r.payload.as_str())
                .collect();
            assert_eq!((left, right), (a.clone(), b.clone()));
            let mut t = vec![vec![0usize; b.len() + 1]; a.len() + 1];
            for i in 0..a.len() {
                for j in 0..b.len() {
                    t[i + 1][j + 1] = if a[i] == b[j] {
                        t[i][j] + 1
                    } else {
                        t[i][j + 1].max(t[i + 1][j])
                    };
                }
            }
            let common = d.iter().filter(|r| r.delta == Delta::Common).count();
            assert_eq!(common, t[a.len()][b.len()], "{a:?} {b:?}");
        }
    }

    #[test]
    fn suffix_scan_stops_short_of_prefix() {
        // difflib's `i > start && j > start`: the first line is never
        // taken as common suffix.
        assert_eq!(show("a", "b\na"), "+b| a");
        assert_eq!(show("k\na", "k\nb\na"), " k|+b| a");
    }
}
