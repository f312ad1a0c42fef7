//! ARCHITECTURE.md's walk-throughs ("Adding an aggregate", "Adding a route") stay true: every
//! file they name exists and holds the name given beside it, and every test they name exists.

use std::path::{Path, PathBuf};

const ARCHITECTURE: &str = include_str!("../../ARCHITECTURE.md");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

/// The text of the sections headed `## {title}`.
fn section(title: &str) -> &'static str {
    let (_, rest) = ARCHITECTURE
        .split_once(&format!("## {title}\n"))
        .unwrap_or_else(|| panic!("ARCHITECTURE.md has no section {title:?}"));
    rest.split("\n## ").next().unwrap_or(rest)
}

/// The spans between backticks.
fn quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// Every source file under the workspace's crates and tests.
fn sources() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                out.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out
}

#[test]
fn the_walk_throughs_name_files_and_names_that_exist() {
    let sources = sources();
    let mut checked = 0;
    for title in ["Adding an aggregate", "Adding a route"] {
        let text = section(title);
        for item in text.split("\n- ").skip(1) {
            let spans = quoted(item);
            // `path`, `name`: the name is in that file.
            for pair in spans.windows(2) {
                let (path, name) = (pair[0], pair[1]);
                let is_file =
                    path.contains('/') && (path.ends_with(".rs") || path.ends_with(".md"));
                if !is_file || name.contains('/') {
                    continue;
                }
                let file = root().join(path);
                let body = std::fs::read_to_string(&file)
                    .unwrap_or_else(|_| panic!("{title}: {path} does not exist"));
                assert!(body.contains(name), "{title}: {path} holds no {name:?}");
                checked += 1;
            }
            // A test named (snake case with underscores, no path): some source defines it.
            for name in spans.iter().filter(|s| {
                s.contains('_') && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            }) {
                let defined = sources
                    .iter()
                    .any(|(_, body)| body.contains(&format!("fn {name}(")));
                assert!(defined, "{title}: no test or function {name}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 15, "only {checked} references checked");
}
