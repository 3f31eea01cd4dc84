//! Parse results made on a helper thread, sent back to the set's thread.

use crate::ast::Tree;
use crate::Error;

/// The result of one parse made on the helper thread of
/// [`Template::parse_batch`](super::Template::parse_batch) or
/// [`Template::parse_pipelined`](super::Template::parse_pipelined).
/// Made only by [`HelperParse::new`], which checks (in debug builds) the
/// invariant that lets the trees cross threads.
pub(super) struct HelperParse {
    result: Result<SentTrees, Box<Error>>,
    /// What [`crate::ast::ownership::sole_owner`] found wrong, reported on
    /// the receiving thread: a panic on the helper would only make the
    /// caller parse that file again.
    #[cfg(debug_assertions)]
    shared: Option<String>,
}

/// Trees of one parse, on their way to another thread.
struct SentTrees(Vec<Tree>);

// SAFETY: trees hold `Rc`s, which are `!Send` because two threads must not
// share one reference count.  Every `Rc` in a parse result was created by
// that one `parse` call from plain `&str` input (the text is copied into a
// fresh `Rc`, names are interned per parse, functions are plain indices
// into the set's table), and the parser holding the other clones is
// dropped before the result leaves the thread.  So each reference count
// moves to the receiving thread whole, and nothing on the helper thread
// touches it afterwards.  Debug builds verify this for every result
// (`ast::ownership::sole_owner`, which walks every field of every node
// type, so a new field does not compile until it is checked).
unsafe impl Send for SentTrees {}

// Errors cross threads without help.
const _: fn() = || {
    fn send<T: Send>() {}
    send::<Box<Error>>();
};

impl HelperParse {
    /// Wrap the result of a parse made on this thread, once the parser is
    /// gone, for sending to the thread that owns the set.
    pub(super) fn new(result: Result<Vec<Tree>, Box<Error>>) -> HelperParse {
        #[cfg(debug_assertions)]
        let shared = match &result {
            Ok(trees) => crate::ast::ownership::sole_owner(trees).err(),
            Err(_) => None,
        };
        HelperParse {
            result: result.map(SentTrees),
            #[cfg(debug_assertions)]
            shared,
        }
    }

    /// The parse result, on the receiving thread.
    pub(super) fn into_result(self) -> Result<Vec<Tree>, Box<Error>> {
        #[cfg(debug_assertions)]
        if let Some(shared) = self.shared {
            panic!("parse trees sent across threads share an Rc: {shared}");
        }
        self.result.map(|SentTrees(trees)| trees)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::FuncRef;

    fn parse(text: &str) -> Vec<Tree> {
        let lookup = |n: &str| crate::builtins::Builtin::from_name(n).map(FuncRef::Builtin);
        crate::parse::parse("t", text, &lookup).expect("parses")
    }

    /// Every node type and every kind of shared `Rc` the parser makes.
    const EVERY_NODE: &str = r#"text {{/* c */}}{{ .Values.a.b }}{{ $x := .a }}{{ $x.b.c }}
{{ if eq .a "s" }}{{ .a }}{{ else if .b }}b{{ else }}{{ `raw` }}{{ end }}
{{ with $y := (len .l) }}{{ $y }}{{ end }}{{ range $i, $e := .l }}{{ break }}{{ continue }}{{ end }}
{{ define "d" }}{{ template "d" . }}{{ template "e" }}{{ end }}{{ block "b" . }}{{ 1.5 }} {{ 0x1F }} {{ 'c' }} {{ 1i }}{{ end }}
{{ (index .m "k").x.y }} {{ nil | print }} {{ true }} {{ . }} {{ print "s" "s" .Values.a.b }}"#;

    #[test]
    fn parse_results_own_every_rc() {
        let trees = parse(EVERY_NODE);
        assert!(trees.len() >= 3, "the sample defines templates");
        assert_eq!(crate::ast::ownership::sole_owner(&trees), Ok(()));
        let sent = HelperParse::new(Ok(trees));
        assert!(sent.into_result().is_ok());
    }

    #[test]
    fn an_rc_shared_outside_the_trees_is_found() {
        let trees = parse(EVERY_NODE);
        let text = trees[0].text.clone();
        let found = crate::ast::ownership::sole_owner(&trees).unwrap_err();
        assert!(found.contains("a tree's text"), "{found}");
        drop(text);
        assert_eq!(crate::ast::ownership::sole_owner(&trees), Ok(()));

        let ident = trees
            .iter()
            .flat_map(|t| &t.root.nodes)
            .find_map(|n| match n {
                Node::Action(a) => match &a.pipe.cmds[0].args[0] {
                    Arg::Field { ident, .. } if ident.len() > 1 => Some(ident),
                    _ => None,
                },
                _ => None,
            })
            .expect("a field path");
        let part = ident[1].clone();
        let found = crate::ast::ownership::sole_owner(&trees).unwrap_err();
        assert!(found.contains("a path element"), "{found}");
        drop(part);
        let weak = std::rc::Rc::downgrade(ident);
        let found = crate::ast::ownership::sole_owner(&trees).unwrap_err();
        assert!(found.contains("1 weak"), "{found}");
        drop(weak);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "share an Rc")]
    fn a_shared_rc_is_reported_on_the_receiving_side() {
        let trees = parse("{{ .a }}");
        let _kept = trees[0].parse_name.clone();
        let _ = HelperParse::new(Ok(trees)).into_result();
    }

    use crate::ast::{Arg, Node};
}
