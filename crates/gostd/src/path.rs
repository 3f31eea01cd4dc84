//! Go's `path.Clean` and `path.Join` (slash-separated; `filepath` on Unix
//! is the same).  Chart file names, OCI repository paths, pull
//! destinations and Sprig's path functions all go through these, so they
//! live once, here.

/// `path.Clean`: the shortest equivalent path by lexical processing.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if matches!(out.last(), Some(l) if *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// `path.Join`: the non-empty elements joined by `/`, then cleaned; all
/// empty gives "".
pub fn join(parts: &[&str]) -> String {
    let kept: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    if kept.is_empty() {
        return String::new();
    }
    clean(&kept.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_and_join_as_go() {
        assert_eq!(clean(""), ".");
        assert_eq!(clean("/a/../b/./c//d/"), "/b/c/d");
        assert_eq!(clean("a/.."), ".");
        assert_eq!(clean("../../x/.."), "../..");
        assert_eq!(clean("/../x"), "/x");
        assert_eq!(join(&["", ""]), "");
        assert_eq!(join(&["a", ""]), "a");
        assert_eq!(join(&["", "b"]), "b");
        assert_eq!(
            join(&["127.0.0.1:5000/deps", "redis"]),
            "127.0.0.1:5000/deps/redis"
        );
        assert_eq!(join(&["a/b", "../c"]), "a/c");
    }
}
