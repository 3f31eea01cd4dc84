//! gosuri/uitable as Helm configures it (`uitable.New()`, cells joined by
//! a tab, `MaxColWidth` when set): the layout of `helm list`, `helm
//! history` and `helm dependency list`.  Not Go's standard library, but a
//! Go package whose exact padding Helm's output depends on; it sits here
//! so the offline actions and the printers share one copy
//! (`capstan_printer::table` re-exports it).

/// Resize a cell as uitable does (pad right, or cut with `...`).
fn resize(s: &str, width: usize) -> String {
    let len = s.chars().count();
    if len == width {
        return s.to_string();
    }
    if len < width {
        return format!("{s}{}", " ".repeat(width - len));
    }
    let mut out = String::new();
    for (w, c) in s.chars().enumerate() {
        out.push(c);
        if (w + 1) as isize >= width as isize - 3 {
            break;
        }
    }
    out.push_str("...");
    out
}

/// The table's text without a final newline (uitable's `String()`);
/// `max_col_width` 0 means no limit.
pub fn table(rows: &[Vec<String>], max_col_width: usize) -> String {
    let mut widths: Vec<usize> = Vec::new();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if widths.len() <= i {
                widths.push(0);
            }
            let mut w = c.chars().count();
            if max_col_width != 0 && w > max_col_width {
                w = max_col_width;
            }
            widths[i] = widths[i].max(w);
        }
    }
    rows.iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, c)| {
                    if widths[i] > 0 {
                        resize(c, widths[i])
                    } else {
                        c.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uitable_cells() {
        assert_eq!(resize("abc", 5), "abc  ");
        assert_eq!(resize("abcdefghijkl", 10), "abcdefg...");
        let t = table(
            &[
                vec!["NAME".into(), "V".into()],
                vec!["x".into(), "1.0.0".into()],
            ],
            80,
        );
        assert_eq!(t, "NAME\tV    \nx   \t1.0.0");
    }
}
