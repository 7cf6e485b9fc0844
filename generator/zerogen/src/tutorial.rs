//! Tested tutorials: the fenced blocks of a Markdown page marked `step` are what a reader types,
//! in order. A `sh step` block is shell commands; a block with `step file=PATH` (any language)
//! is a file the reader writes, at `PATH` under the folder the commands are in at that point.
//! [`script`] turns them into one bash script, each step announced with its `file:line`, which
//! a test runs from an empty folder so the tutorial cannot rot.

use std::fmt::Write as _;

/// One step of a tutorial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Shell commands (a `sh step` block).
    Run {
        /// The line of the block's opening fence.
        line: usize,
        /// The commands.
        commands: String,
    },
    /// A file to write (a `step file=PATH` block).
    Write {
        /// The line of the block's opening fence.
        line: usize,
        /// Where, relative to the current folder.
        path: String,
        /// What.
        contents: String,
    },
}

/// The steps of a Markdown page, in order; an error names the line of a step block that is
/// not closed, has no `file=` and is not `sh`, or would write outside the current folder.
pub fn steps(markdown: &str) -> Result<Vec<Step>, String> {
    let mut out = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else { continue };
        let words: Vec<&str> = info.split_whitespace().collect();
        let mut body = String::new();
        let mut closed = false;
        for (_, inner) in lines.by_ref() {
            if inner.trim_start().starts_with("```") {
                closed = true;
                break;
            }
            body.push_str(inner);
            body.push('\n');
        }
        let line = i + 1;
        if !words.contains(&"step") {
            continue;
        }
        if !closed {
            return Err(format!("line {line}: the step's block is not closed"));
        }
        let file = words.iter().find_map(|w| w.strip_prefix("file="));
        match (words.first(), file) {
            (_, Some(path)) => {
                if path.is_empty() || path.starts_with('/') || path.split('/').any(|p| p == "..") {
                    return Err(format!(
                        "line {line}: `file={path}` must be a path inside the current folder"
                    ));
                }
                out.push(Step::Write { line, path: path.to_owned(), contents: body });
            }
            (Some(&"sh"), None) => out.push(Step::Run { line, commands: body }),
            _ => {
                return Err(format!(
                    "line {line}: a step is a `sh step` block or a `step file=PATH` block"
                ));
            }
        }
    }
    Ok(out)
}

/// One bash script doing the steps of `page` (its name in messages) in order: it stops at the
/// first failing command, after printing `::step PAGE:LINE` before each step.
pub fn script(page: &str, steps: &[Step]) -> String {
    let mut out = String::from("set -euo pipefail\n");
    for step in steps {
        match step {
            Step::Run { line, commands } => {
                let _ = write!(out, "echo '::step {page}:{line}'\n{commands}");
            }
            Step::Write { line, path, contents } => {
                // A delimiter the contents do not hold.
                let mut end = String::from("ZEROGEN_STEP_END");
                while contents.contains(&end) {
                    end.push('_');
                }
                let _ = write!(
                    out,
                    "echo '::step {page}:{line}'\nmkdir -p \"$(dirname '{path}')\"\n\
                     cat > '{path}' <<'{end}'\n{contents}{end}\n"
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn step_blocks_become_a_script_in_order_and_other_blocks_are_prose() {
        let page = "# T\n\n```sh step\nzerogen new app notes\ncd notes\n```\n\n```sh\nnot a step\n```\n\n\
                    ```rust step file=tests/mine.rs\nfn main() {}\n```\n";
        let found = steps(page).unwrap();
        assert_eq!(
            found,
            vec![
                Step::Run { line: 3, commands: "zerogen new app notes\ncd notes\n".into() },
                Step::Write {
                    line: 12,
                    path: "tests/mine.rs".into(),
                    contents: "fn main() {}\n".into()
                },
            ]
        );
        let script = script("docs/t.md", &found);
        assert!(
            script.starts_with(
                "set -euo pipefail\necho '::step docs/t.md:3'\nzerogen new app notes\n"
            )
        );
        assert!(script.contains(
            "cat > 'tests/mine.rs' <<'ZEROGEN_STEP_END'\nfn main() {}\nZEROGEN_STEP_END\n"
        ));
        assert!(!script.contains("not a step"));
        // Contents holding the delimiter get a longer one.
        let tricky =
            vec![Step::Write { line: 1, path: "a".into(), contents: "ZEROGEN_STEP_END\n".into() }];
        assert!(super::script("p", &tricky).contains("<<'ZEROGEN_STEP_END_'"));
    }

    #[test]
    fn bad_step_blocks_are_refused_at_their_line() {
        let unclosed = steps("text\n```sh step\nls\n").unwrap_err();
        assert!(unclosed.starts_with("line 2:") && unclosed.contains("not closed"), "{unclosed}");
        let no_file = steps("```rust step\nfn x() {}\n```\n").unwrap_err();
        assert!(no_file.starts_with("line 1:") && no_file.contains("file=PATH"), "{no_file}");
        for path in ["/etc/passwd", "../up.rs", ""] {
            let outside = steps(&format!("```rust step file={path}\nx\n```\n")).unwrap_err();
            assert!(outside.contains("inside the current folder"), "{outside}");
        }
    }
}
