//! The layout's rules, read from the source (README "Architecture"): the top-level folders of
//! `src/` import each other one way only (no cycle crosses two folders), no source file holds
//! more than 600 lines of code, and only the access kernel scopes a transaction to an
//! organisation. Needs no database; fails with the file and line that broke a rule.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_CODE_LINES: usize = 600;

/// A source file as the rules see it: its top-level folder, its lines of code (non-blank, before
/// any `#[cfg(test)]` module) and the top-level folders it names as `crate::<folder>`.
struct Source {
    path: PathBuf,
    place: String,
    code_lines: usize,
    uses: Vec<(String, usize)>,
    text: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The line without its `//` comment and with string literals emptied, so a path in a comment
/// or a message is not an import.
fn code_of(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        match (in_string, c) {
            (false, '/') if chars.peek() == Some(&'/') => break,
            (false, '"') => in_string = true,
            (true, '\\') => {
                chars.next();
            }
            (true, '"') => in_string = false,
            (false, c) => out.push(c),
            (true, _) => {}
        }
    }
    out
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    let places: BTreeSet<String> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
        .collect();
    let mut out = Vec::new();
    for path in files {
        let relative = path.strip_prefix(&root).unwrap();
        let first = relative.components().next().unwrap().as_os_str().to_str().unwrap();
        let place = first.trim_end_matches(".rs").to_owned();
        let text = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut code_lines = 0;
        let mut uses = Vec::new();
        for (number, line) in lines.iter().enumerate() {
            let next = lines.get(number + 1).map(|l| l.trim_start()).unwrap_or("");
            if line.trim() == "#[cfg(test)]"
                && (next.starts_with("mod ") || next.starts_with("pub mod "))
            {
                break;
            }
            if !line.trim().is_empty() {
                code_lines += 1;
            }
            let code = code_of(line);
            for (at, _) in code.match_indices("crate::") {
                let named: String = code[at + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if places.contains(&named) && named != place {
                    uses.push((named, number + 1));
                }
            }
        }
        out.push(Source { path, place, code_lines, uses, text });
    }
    out
}

#[test]
fn no_source_file_holds_more_than_600_lines_of_code() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter(|s| s.code_lines > MAX_CODE_LINES)
        .map(|s| format!("{} ({} lines of code)", s.path.display(), s.code_lines))
        .collect();
    assert!(long.is_empty(), "split these by what they do: {long:#?}");
}

#[test]
fn imports_between_top_level_folders_go_one_way() {
    let sources = sources();
    // folder -> folder it imports -> first place that does it
    let mut graph: BTreeMap<&str, BTreeMap<&str, String>> = BTreeMap::new();
    for source in &sources {
        if source.place == "bin" || source.place == "main" || source.place == "lib" {
            continue;
        }
        for (named, line) in &source.uses {
            graph
                .entry(&source.place)
                .or_default()
                .entry(named)
                .or_insert_with(|| format!("{}:{line}", source.path.display()));
        }
    }
    // A depth-first search that reports the first cycle with the import behind each step.
    fn visit<'a>(
        node: &'a str,
        graph: &BTreeMap<&'a str, BTreeMap<&'a str, String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let cycle = &path[at..];
            return Some(
                cycle
                    .iter()
                    .zip(cycle.iter().cycle().skip(1))
                    .map(|(from, to)| format!("{from} -> {to} ({})", graph[from][to]))
                    .collect(),
            );
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flat_map(|edges| edges.keys()) {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(node, &graph, &mut path, &mut done) {
            panic!("an import cycle crosses top-level folders:\n{}", cycle.join("\n"));
        }
    }
}

#[test]
fn only_the_access_kernel_scopes_a_transaction_to_an_organisation() {
    let outside: Vec<String> = sources()
        .into_iter()
        .filter(|s| s.place != "access")
        .filter(|s| s.text.contains("set_config('app."))
        .map(|s| s.path.display().to_string())
        .collect();
    assert!(outside.is_empty(), "set the tenant scope through crate::access: {outside:#?}");
}

/// The kernel's doors (`access/doors.rs`) open a transaction before a `Ctx` exists, each for one
/// flow; only that flow's module may call it. The system context (`access/system.rs`) is for work
/// without a user, which only the host starts (and the benchmark, in `src/bin/`).
#[test]
fn doors_and_the_system_context_are_used_only_where_they_are_for() {
    const DOORS: &[(&str, &str)] = &[
        ("signing_in", "account/sign_in.rs"),
        ("rehashing_password", "account/sign_in.rs"),
        ("resetting_password", "account/reset.rs"),
        ("creating_first_super_admin", "platform/bootstrap.rs"),
        ("accepting_invitation", "team/invitations.rs"),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut misused = Vec::new();
    for source in sources() {
        if source.place == "access" {
            continue;
        }
        let relative = source.path.strip_prefix(&root).unwrap().to_str().unwrap().to_owned();
        for (number, line) in source.text.lines().enumerate() {
            let code = code_of(line);
            for (at, _) in code.match_indices("doors::") {
                let door: String = code[at + "doors::".len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                // `doors::{self, DoorTx}` and `doors::DoorTx` name the module or the type.
                if door.is_empty() || door == "DoorTx" || door == "self" {
                    continue;
                }
                let allowed = DOORS.iter().any(|(name, file)| *name == door && relative == *file);
                if !allowed {
                    misused.push(format!("{relative}:{}: doors::{door}", number + 1));
                }
            }
            if code.contains("SystemCtx") && !matches!(source.place.as_str(), "host" | "bin") {
                misused.push(format!("{relative}:{}: SystemCtx", number + 1));
            }
        }
    }
    assert!(misused.is_empty(), "a door or the system context used outside its flow: {misused:#?}");
}
