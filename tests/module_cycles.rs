//! No import cycles between modules, in `oom-lint/src` and `oom-core/src`: at the top level and
//! among the siblings inside each folder. The same analysis as `module-graph.py` (shared tools):
//!
//! - a module is a file or folder under `src/` (`rules/mod.rs` is `rules`, `lib.rs` the root);
//! - module `a` depends on module `b` when a file under `a` names `crate::b` (a path, or an item
//!   of a `use crate::{b, c::d}` group), or `super::b` from a file whose parent module holds `b`;
//!   the edge belongs to the folder the two have in common (a sibling of `rules::x` is
//!   `rules::y`; `rules::x` naming `crate::finding` is `rules` → `finding` at the top level);
//! - comments (`//` to the end of the line) and everything after the first `#[cfg(test)]` of a
//!   file are ignored, and names that are not modules of the crate (an item of a parent) too;
//! - a cycle is a strongly connected component of two or more modules (Tarjan).
//!
//! It is text-based: a name in a string can add an edge, so open the code before believing one.
//! `super::` is resolved as Rust does (from `f/x.rs` it is `f`, from `f/mod.rs` the parent of
//! `f`), `use super::{a, b}` groups count like `crate::` ones.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModulePath = Vec<String>;

/// One folder's graph: sibling → siblings it names, and the files that name each edge.
#[derive(Default)]
struct Graph {
    edges: BTreeMap<String, BTreeSet<String>>,
    named_in: BTreeMap<(String, String), BTreeSet<String>>,
}

#[derive(Debug, PartialEq)]
struct Cycle {
    /// `(top level)` or the folder's module path (`commands`, `report::human`).
    folder: String,
    modules: Vec<String>,
    /// `(from, to, files naming it)`, for the edges inside the cycle.
    edges: Vec<(String, String, Vec<String>)>,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `rules/mod.rs` → `[rules]`, `rules/x.rs` → `[rules, x]`, `lib.rs` → `[]`.
fn module_path(relative: &str) -> ModulePath {
    let mut parts: ModulePath =
        relative.trim_end_matches(".rs").split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|last| ["mod", "lib", "main"].contains(&last.as_str())) {
        parts.pop();
    }
    parts
}

/// The text the analysis reads: no `//` comments, nothing from the first `#[cfg(test)]` on.
fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("//") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        rest = &rest[rest.find('\n').unwrap_or(rest.len())..];
    }
    out.push_str(rest);
    if let Some(at) = out.find("#[cfg(test)]") {
        out.truncate(at);
    }
    out
}

/// The paths named after `keyword::` (`crate` or `super`): `crate::a::b` gives `[a, b]`, and
/// `crate::a::{b, c::d as e, self}` gives `[a]`, `[a, b]` and `[a, c, d]`.
fn named_paths(code: &str, keyword: &str) -> Vec<ModulePath> {
    let lead = format!("{keyword}::");
    let mut found = Vec::new();
    let (mut path_end, mut group_end) = (0, 0);
    for (at, _) in code.match_indices(&lead) {
        // `super::super::x` is one path, not also `super::x`.
        if at < path_end || code[..at].chars().next_back().is_some_and(is_word) {
            continue;
        }
        let mut rest = &code[at + lead.len()..];
        let mut words = ModulePath::new();
        let mut after_separator = true;
        loop {
            let word_len = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
            if word_len == 0 {
                break;
            }
            words.push(rest[..word_len].to_owned());
            rest = &rest[word_len..];
            after_separator = rest.starts_with("::");
            if !after_separator {
                break;
            }
            rest = &rest["::".len()..];
        }
        if !words.is_empty() {
            found.push(words.clone());
        }
        let group_at = code.len() - rest.len();
        path_end = group_at;
        if !(after_separator && rest.starts_with('{') && at >= group_end) {
            continue;
        }
        let Some(close) = rest.find('}') else { continue };
        group_end = group_at + close + 1;
        for item in rest[1..close].split(',') {
            let item = item.trim().split(" as ").next().unwrap_or("").trim();
            if !item.is_empty() && item != "self" {
                found.push(
                    words.iter().cloned().chain(item.split("::").map(str::to_owned)).collect(),
                );
            }
        }
    }
    found
}

/// Every `.rs` file under `dir`, as `(path relative to src with '/', text)`, sorted.
fn rust_files(src: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path();
        if path.is_dir() {
            rust_files(src, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let relative = path.strip_prefix(src).unwrap_or(&path).components();
            let relative: Vec<_> = relative.map(|c| c.as_os_str().to_string_lossy()).collect();
            out.push((relative.join("/"), String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
}

/// The graphs of a crate's `src/`, by folder (`[]` is the top level).
fn graphs(src: &Path) -> BTreeMap<ModulePath, Graph> {
    let mut files = Vec::new();
    rust_files(src, src, &mut files);
    files.sort();
    let modules: BTreeSet<ModulePath> = files.iter().map(|(rel, _)| module_path(rel)).collect();
    let mut graphs: BTreeMap<ModulePath, Graph> = BTreeMap::new();
    for (relative, text) in &files {
        let me = module_path(relative);
        let Some((_, parent)) = me.split_last() else { continue };
        let code = code(text);
        let mut targets = named_paths(&code, "crate");
        for path in named_paths(&code, "super") {
            targets.push(parent.iter().cloned().chain(path).collect());
        }
        for target in targets {
            let depth = me.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if depth >= me.len() || depth >= target.len() {
                continue; // a module naming itself, or its own parent or child
            }
            let prefix = &target[..=depth];
            if !modules.iter().any(|m| m.len() > depth && m[..=depth] == *prefix) {
                continue; // not a module of this crate (an item of the parent, say)
            }
            let (from, to) = (me[depth].clone(), target[depth].clone());
            let graph = graphs.entry(me[..depth].to_vec()).or_default();
            graph.edges.entry(from.clone()).or_default().insert(to.clone());
            graph.edges.entry(to.clone()).or_default();
            graph.named_in.entry((from, to)).or_default().insert(relative.clone());
        }
    }
    graphs
}

/// Strongly connected components of two or more nodes (Tarjan), each sorted.
fn components(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(state: &mut State<'a>, v: &'a str) {
        let next = state.index.len();
        state.index.insert(v, next);
        state.low.insert(v, next);
        state.stack.push(v);
        state.on_stack.insert(v);
        for w in state.edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !state.index.contains_key(w) {
                visit(state, w);
                let low = state.low[v].min(state.low[w]);
                state.low.insert(v, low);
            } else if state.on_stack.contains(w) {
                let low = state.low[v].min(state.index[w]);
                state.low.insert(v, low);
            }
        }
        if state.low[v] == state.index[v] {
            let mut component = Vec::new();
            while let Some(w) = state.stack.pop() {
                state.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                state.out.push(component);
            }
        }
    }
    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.out
}

fn cycles(src: &Path) -> Vec<Cycle> {
    let mut out = Vec::new();
    for (folder, graph) in graphs(src) {
        for modules in components(&graph.edges) {
            let mut edges = Vec::new();
            for from in &modules {
                for to in graph.edges[from].iter().filter(|to| modules.contains(to)) {
                    let files =
                        graph.named_in[&(from.clone(), to.clone())].iter().cloned().collect();
                    edges.push((from.clone(), to.clone(), files));
                }
            }
            let folder = if folder.is_empty() { "(top level)".into() } else { folder.join("::") };
            out.push(Cycle { folder, modules, edges });
        }
    }
    out
}

/// The cycles as `module-graph.py` prints them.
fn render(src: &Path, cycles: &[Cycle]) -> String {
    let mut out = String::new();
    for cycle in cycles {
        out.push_str(&format!("cycle in {}: {}\n", cycle.folder, cycle.modules.join(" , ")));
        for (from, to, files) in &cycle.edges {
            out.push_str(&format!("    {from} -> {to}   (named in {})\n", files.join(", ")));
        }
    }
    out.push_str(&format!("{} cycle(s) in {}\n", cycles.len(), src.display()));
    out
}

fn assert_no_cycle(crate_src: &str) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate_src);
    assert!(src.join("lib.rs").is_file(), "{} is not a crate's src", src.display());
    let cycles = cycles(&src);
    assert!(
        cycles.is_empty(),
        "module import cycles in {crate_src}: each module below names the next through \
         `crate::`/`super::`, around to itself; break an edge (move the shared item down)\n{}",
        render(Path::new(crate_src), &cycles)
    );
}

#[test]
fn oom_core_has_no_module_cycle() {
    assert_no_cycle("oom-core/src");
}

#[test]
fn oom_lint_has_no_module_cycle() {
    assert_no_cycle("oom-lint/src");
}

fn fake_crate(files: &[(&str, &str)]) -> PathBuf {
    let src = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("module-cycles-{}", std::process::id()))
        .join("src");
    let _ = std::fs::remove_dir_all(&src);
    for (path, text) in files {
        let path = src.join(path);
        let parent = path.parent().unwrap_or(&src);
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    }
    src
}

#[test]
fn a_deliberate_back_edge_is_reported() {
    let src = fake_crate(&[
        ("lib.rs", "pub mod a;\npub mod b;\npub mod c;\npub mod d;\npub mod e;\npub mod f;\n"),
        // a → b → a: the back edge is b naming a.
        ("a.rs", "use crate::b::Thing;\n// crate::c in a comment is no edge\n"),
        ("b.rs", "pub struct Thing;\npub fn f() { crate::a::g() }\n"),
        // c names a, and a names c only in its tests: no cycle.
        ("c.rs", "use crate::a;\n#[cfg(test)]\nmod tests { use crate::c; }\n"),
        // d ↔ e through a `use` group, with `as` and `self`.
        ("d.rs", "use crate::{\n    self as root,\n    e::Item as Other,\n};\n"),
        ("e.rs", "pub struct Item;\nuse crate::d;\n"),
        // Inside f/: x names y through `super::`, y names x through `crate::f::x`; the parent's
        // items (`super::Shared`) are no modules.
        ("f/mod.rs", "pub mod x;\npub mod y;\npub struct Shared;\n"),
        ("f/x.rs", "use super::{Shared, y::Y};\n"),
        ("f/y.rs", "pub struct Y;\nuse crate::f::x;\nuse super::Shared;\n"),
    ]);
    let found = cycles(&src);
    let files = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    let edge = |from: &str, to: &str, named_in: &[&str]| (from.into(), to.into(), files(named_in));
    let expected = vec![
        Cycle {
            folder: "(top level)".into(),
            modules: files(&["a", "b"]),
            edges: vec![edge("a", "b", &["a.rs"]), edge("b", "a", &["b.rs"])],
        },
        Cycle {
            folder: "(top level)".into(),
            modules: files(&["d", "e"]),
            edges: vec![edge("d", "e", &["d.rs"]), edge("e", "d", &["e.rs"])],
        },
        Cycle {
            folder: "f".into(),
            modules: files(&["x", "y"]),
            edges: vec![edge("x", "y", &["f/x.rs"]), edge("y", "x", &["f/y.rs"])],
        },
    ];
    assert_eq!(found, expected, "\n{}", render(&src, &found));
    let report = render(Path::new("src"), &found);
    assert!(report.contains("cycle in (top level): a , b\n    a -> b   (named in a.rs)\n"));
    assert!(report.ends_with("3 cycle(s) in src\n"), "{report}");

    // Without the back edges, nothing is reported.
    std::fs::write(src.join("b.rs"), "pub struct Thing;\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(src.join("e.rs"), "pub struct Item;\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(src.join("f/y.rs"), "pub struct Y;\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cycles(&src), vec![], "{}", render(&src, &cycles(&src)));
}

#[test]
fn paths_are_read_from_the_code_outside_comments_and_tests() {
    let paths = |text: &str, keyword: &str| named_paths(&code(text), keyword);
    let p = |parts: &[&str]| parts.iter().map(|s| (*s).to_owned()).collect::<ModulePath>();
    assert_eq!(paths("use crate::a::b::C;", "crate"), vec![p(&["a", "b", "C"])]);
    assert_eq!(
        paths("use crate::a::{b, c::d as e, self};", "crate"),
        vec![p(&["a"]), p(&["a", "b"]), p(&["a", "c", "d"])]
    );
    assert_eq!(paths("$crate::x; my_crate::y; // crate::z", "crate"), vec![p(&["x"])]);
    assert_eq!(paths("x(); #[cfg(test)] use crate::t;", "crate"), Vec::<ModulePath>::new());
    assert_eq!(
        paths("use super::{Hit, usage::f};", "super"),
        vec![p(&["Hit"]), p(&["usage", "f"])]
    );
    assert_eq!(paths("super::super::x()", "super"), vec![p(&["super", "x"])]);
    assert_eq!(module_path("rules/mod.rs"), p(&["rules"]));
    assert_eq!(module_path("rules/x.rs"), p(&["rules", "x"]));
    assert_eq!(module_path("lib.rs"), p(&[]));
}
