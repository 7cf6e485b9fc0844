//! The registry of diagnostic codes: one definition per code, from which the reference page
//! `docs/reference/diagnostics.md` is generated.
//!
//! Ranges: `Z01xx` spec tables, `Z02xx` generated files, `Z03xx` the gate (ledger rows,
//! tests, docs, evidence). A code is never reused for a different meaning.

/// A stable diagnostic code with its documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code {
    /// The stable identifier, e.g. `Z0101`.
    pub id: &'static str,
    /// A kebab-case name, e.g. `tsv-syntax`.
    pub name: &'static str,
    /// What the code means, one sentence.
    pub summary: &'static str,
    /// The default help line shown with every finding of this code.
    pub help: &'static str,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $konst:ident = $id:literal, $name:literal, $summary:literal, $help:literal; )*) => {
        $(
            $(#[$doc])*
            pub const $konst: Code = Code { id: $id, name: $name, summary: $summary, help: $help };
        )*
        /// Every code, in code order.
        pub const ALL: &[Code] = &[$($konst),*];
    };
}

codes! {
    /// A TSV line could not be read as a record of the table.
    TSV_SYNTAX = "Z0101", "tsv-syntax",
        "A TSV line does not have the number of tab-separated fields its header declares.",
        "separate fields with exactly one tab; start comment lines with `#`";
    /// The header row does not match the table kind.
    TSV_HEADER = "Z0102", "tsv-header",
        "The header row lacks a required column, names an unknown column, or repeats one.",
        "use the columns listed in the table's reference page, in any order";
    /// A value does not parse as its column's type.
    FIELD_TYPE = "Z0103", "field-type",
        "A value cannot be read as the type its column requires (number, boolean, list).",
        "write the value in the form the table's reference page gives for this column";
    /// A value violates the table's JSON Schema.
    SCHEMA = "Z0104", "schema-violation",
        "A value is outside the allowed set, pattern or range declared in the table's JSON Schema.",
        "see generated/schemas/ for the allowed values of this column";
    /// Two rows share a key that must be unique.
    DUPLICATE_KEY = "Z0105", "duplicate-key",
        "Two rows of a table share a name or id that must be unique.",
        "rename or remove one of the rows";
    /// A reference to another table does not resolve.
    UNRESOLVED_REFERENCE = "Z0106", "unresolved-reference",
        "A value names a row of another table (or of the same one) that does not exist.",
        "add the referenced row or correct the name";
    /// A TOML file is not valid TOML or does not match its kind.
    TOML_SYNTAX = "Z0107", "toml-invalid",
        "A TOML table is not valid TOML or has a key of the wrong type, an unknown key or a missing one.",
        "compare the file with the table's reference page; unknown keys are rejected";
    /// A value is well-typed but makes no sense in context.
    INVALID_VALUE = "Z0108", "invalid-value",
        "A value is well-typed but breaks a rule of its table (a bad field list, path or limit).",
        "read the message for the rule that is broken";
    /// A table the project must have is absent.
    TABLE_MISSING = "Z0109", "table-missing",
        "A spec table that the project requires does not exist or cannot be read.",
        "restore the file; `zerogen generate` needs every framework table";

    /// A generated file differs from what the generator emits now.
    GENERATED_STALE = "Z0201", "generated-stale",
        "A generated file differs from what `zerogen generate` emits from the current spec tables.",
        "run `zerogen generate` and commit the result; never edit generated files by hand";
    /// A generated file does not exist.
    GENERATED_MISSING = "Z0202", "generated-missing",
        "A file that `zerogen generate` emits does not exist.",
        "run `zerogen generate` and commit the result";
    /// A file under generated/ that the generator does not emit.
    GENERATED_ORPHAN = "Z0203", "generated-orphan",
        "A file under `generated/` is not emitted by the generator any more.",
        "delete the file, or restore the spec row that produced it";

    /// A ledger row's source file does not exist.
    SOURCE_MISSING = "Z0301", "source-missing",
        "The source file named by a ledger row does not exist.",
        "point `source` at an existing file as `path#symbol`";
    /// A ledger row's source symbol is not defined in its file.
    SYMBOL_MISSING = "Z0302", "symbol-missing",
        "The source file exists but does not define the symbol the ledger row names.",
        "name a fn, struct, enum, trait, const, static, mod, type, macro_rules or `Type::method` defined in the file";
    /// A source file cannot be parsed.
    SOURCE_UNPARSABLE = "Z0303", "source-unparsable",
        "A source file named by a ledger row does not parse, so its symbols cannot be checked.",
        "fix the syntax error reported by the compiler";
    /// A named test does not exist.
    TEST_MISSING = "Z0304", "test-missing",
        "A test named by a ledger row does not exist in its file.",
        "name a `#[test]`/`#[tokio::test]` function (Rust) or a `test(\"name\")` call (JS) as `path#name`";
    /// A named test is absent from the test report.
    TEST_NOT_RUN = "Z0305", "test-not-run",
        "A test named by a ledger row did not run in the test report given with `--test-report`.",
        "make sure the test is not filtered out or skipped";
    /// A named test failed in the test report.
    TEST_FAILED = "Z0306", "test-failed",
        "A test named by a ledger row failed in the test report given with `--test-report`.",
        "fix the test or the code it tests";
    /// A docs page does not exist.
    DOCS_MISSING = "Z0307", "docs-missing",
        "The documentation page named by a ledger row does not exist.",
        "point `docs` at an existing page as `page#anchor`";
    /// A docs anchor does not exist.
    ANCHOR_MISSING = "Z0308", "anchor-missing",
        "The documentation page exists but has no heading or `id` with the anchor the row names.",
        "add a heading whose slug is the anchor, or an explicit `id=` attribute";
    /// An evidence file or row does not exist.
    EVIDENCE_MISSING = "Z0309", "evidence-missing",
        "The evidence file or row named by a ledger row does not exist.",
        "run the benchmark with `--record` to write the evidence row";
    /// A measurement misses its budget.
    BUDGET_EXCEEDED = "Z0310", "budget-exceeded",
        "An evidence row's measured value does not meet the budget that `spec/budgets.tsv` sets for it.",
        "make it faster or smaller, or change the budget in a reviewed commit";
    /// Evidence was recorded against sources that changed since.
    EVIDENCE_STALE = "Z0311", "evidence-stale",
        "The sources an evidence row measured have changed since it was recorded, so it proves nothing now.",
        "re-run the benchmark with `--record` and commit the new evidence";
    /// A row lacks a field its status requires.
    ROW_INCOMPLETE = "Z0312", "row-incomplete",
        "A ledger row lacks a field that its status requires (experimental: source, tests, docs; stable: also evidence).",
        "fill in the field, or lower the row's status to `planned` or `experimental`";
    /// A ledger id is malformed.
    ROW_ID_INVALID = "Z0313", "row-id-invalid",
        "A ledger row id is not lowercase dot-separated words (`[a-z0-9][a-z0-9_-]*` segments).",
        "rename the id, e.g. `gate.check.source`";
    /// Two ledger rows share an id.
    ROW_ID_DUPLICATE = "Z0314", "row-id-duplicate",
        "Two ledger rows, in the same file or in different ledgers, share an id.",
        "ids are global across `release/*.tsv`: rename one of the rows";
    /// A surface declared in a spec table has no ledger row.
    SURFACE_UNCOVERED = "Z0315", "surface-uncovered",
        "A wire message, component, budget or security key declared in a spec table has no ledger row.",
        "add a ledger row with the id given in the message (status `planned` is enough to start)";
    /// A baseline entry matches no current finding.
    BASELINE_STALE = "Z0316", "baseline-stale",
        "An entry of the baseline file matches no current finding: the debt it excused is gone.",
        "re-write the baseline with `--write-baseline` so it only excuses existing debt";
    /// A reference field is not of the `path#anchor` form.
    REFERENCE_MALFORMED = "Z0317", "reference-malformed",
        "A ledger reference is not of the form `path#name` with a repository-relative path.",
        "write `path/to/file#name`; separate several tests with `,`";
    /// A file of an app is where the app's layout does not allow it.
    APP_LAYOUT = "Z0318", "app-layout",
        "A file of an app is where the layout does not allow it: a template outside `web/`, a test fixture or test under `web/`, or a web import in the domain (`src/`).",
        "templates and assets live under `web/`, fixtures and tests under `tests/`, and `src/` stays free of `zero_live`, `axum` and `tower`";
    /// A documentation link points at a page, file or heading that does not exist.
    DOC_LINK = "Z0319", "doc-link-broken",
        "A link in the documentation points at a page or file that does not exist, or at a heading the page does not have.",
        "fix the path (relative to the page) or the anchor (the heading's GitHub-style slug)";
    /// An evidence row's digest does not match its values: it was edited by hand.
    EVIDENCE_TAMPERED = "Z0320", "evidence-tampered",
        "An evidence row's values no longer match the digest `zero-bench --record` wrote over them and its sources' hash: the row was edited after it was recorded.",
        "never edit evidence; re-run the benchmark with `--record` and commit what it writes";
    /// A ledger row's source file was not among the sources its evidence measured.
    EVIDENCE_UNCOVERED = "Z0321", "evidence-uncovered",
        "A ledger row's own source file is not among the sources its evidence hashed, so changing that source would leave the evidence looking fresh.",
        "add the file (or its folder) to the suite's sources in zero-bench and record again, or point the row at the code that is measured";
    /// A budget row's evidence measures another budget, or none.
    BUDGET_MISMATCH = "Z0322", "budget-mismatch",
        "A `budget.X` ledger row names an evidence row that does not measure budget X.",
        "point the row at the evidence row whose `budget` column is X";
    /// Evidence is not the median of enough independent runs.
    EVIDENCE_RUNS = "Z0323", "evidence-too-few-runs",
        "An evidence row is the median of fewer than 5 independent runs, so one lucky or unlucky run decides it.",
        "record with `zero-bench <suite> --record` (5 fresh processes by default)";
    /// A `failing` row's evidence meets its budget, or it has no ADR.
    FAILING_STATUS = "Z0324", "failing-status",
        "A row marked `failing` must name an ADR (`docs/adr/...`) that explains the miss, and its evidence must still miss the budget.",
        "give the row's `docs` an ADR anchor, or, when the budget is met again, set the status back to `experimental` or `stable`";
    /// A row's test never reaches its source.
    TEST_UNRELATED = "Z0325", "test-unrelated",
        "A test named by a row never reaches the row's source: a test in the source's file calls neither the symbol, nor a method of its type, nor a function of the file it calls; a test elsewhere is in no package that depends on the source's and runs no binary that does; a JavaScript test neither imports the file nor drives a binary that serves it.",
        "name a test that calls the source (or runs its binary), or point the row at the source the test exercises";

    /// A tag is not closed before the end of the file.
    TPL_UNTERMINATED_TAG = "Z0401", "tpl-unterminated-tag",
        "A start or end tag is not closed with `>` before the end of the template.",
        "close the tag with `>` (or `/>` for a component or void element)";
    /// A `{` has no matching `}`, or a `}` has no `{`.
    TPL_UNBALANCED_BRACE = "Z0402", "tpl-unbalanced-brace",
        "An interpolation `{` has no matching `}`, or a `}` in text has no opening `{`.",
        "close the expression with `}`; write `{{` or `}}` for a literal brace";
    /// A comment is not closed.
    TPL_UNTERMINATED_COMMENT = "Z0403", "tpl-unterminated-comment",
        "A `<!--` comment is not closed with `-->` before the end of the template.",
        "close the comment with `-->`";
    /// An attribute is malformed.
    TPL_BAD_ATTRIBUTE = "Z0404", "tpl-bad-attribute",
        "An attribute has an invalid name, an `=` without a value, an unterminated quoted value, or an unquoted value holding a quote, `<`, `=` or a backtick.",
        "write `name`, `name=\"value\"` or `name={expr}`";
    /// An end tag does not match the open element.
    TPL_MISMATCHED_TAG = "Z0410", "tpl-mismatched-tag",
        "An end tag names another element than the one that is open.",
        "close the inner element first, or fix the end tag's name";
    /// An element is never closed.
    TPL_UNCLOSED_TAG = "Z0411", "tpl-unclosed-tag",
        "An element is opened but never closed before its parent ends or the template ends.",
        "add the end tag";
    /// An end tag closes nothing.
    TPL_STRAY_END_TAG = "Z0412", "tpl-stray-end-tag",
        "An end tag has no open element to close.",
        "remove the end tag, or add the start tag it belongs to";
    /// An end tag on a void element.
    TPL_VOID_END_TAG = "Z0413", "tpl-void-end-tag",
        "A void element such as `<br>` or `<input>` has an end tag; void elements never have content.",
        "remove the end tag";
    /// Nesting that a browser would silently rewrite.
    TPL_INVALID_NESTING = "Z0414", "tpl-invalid-nesting",
        "Elements are nested in a way the HTML parser rewrites (a block in `<p>`, `<a>` in `<a>`, `<tr>` outside a table section), so the page would not match the template.",
        "move the element out, or use an element that may contain it";
    /// An attribute is given twice.
    TPL_DUPLICATE_ATTRIBUTE = "Z0415", "tpl-duplicate-attribute",
        "An element or component has the same attribute twice; browsers keep the first silently.",
        "remove one of them";
    /// An unknown `:directive`.
    TPL_UNKNOWN_DIRECTIVE = "Z0416", "tpl-unknown-directive",
        "An attribute starting with `:` is not a directive the compiler knows (`:if`, `:for`, `:key`, `:colocated`, `:attrs`), or a directive is used where it does not apply.",
        "use `:if={cond}`, `:for={pat in iter}` with `:key={key}`, or `:colocated` on a <style> or <script>";
    /// An unknown `z-` binding.
    TPL_UNKNOWN_BINDING = "Z0417", "tpl-unknown-binding",
        "An attribute starting with `z-` is not an event binding or option the live client supports.",
        "see docs/reference/templates.md#bindings for the supported bindings";
    /// An inline event handler.
    TPL_INLINE_HANDLER = "Z0418", "tpl-inline-handler",
        "An `on*=` attribute is an inline script, which a strict Content-Security-Policy blocks and which invites injection.",
        "use a `z-` binding (e.g. `z-click`) or a hook";
    /// A script URL.
    TPL_UNSAFE_URL = "Z0419", "tpl-unsafe-url",
        "A URL attribute (`href`, `src`, `action`, ...) uses a scheme that runs script, such as `javascript:`.",
        "link to a path or an https URL; run code through a `z-` binding";
    /// Inline script or style.
    TPL_INLINE_ASSET = "Z0420", "tpl-inline-asset",
        "A `<script>` or `<style>` block is not marked `:colocated`, so it would be inline and blocked by the CSP.",
        "mark it `<style :colocated>` / `<script :colocated>` to extract it into a hashed asset";
    /// An expression is not valid Rust.
    TPL_INVALID_EXPRESSION = "Z0421", "tpl-invalid-expression",
        "The code inside `{...}` or a directive is not a valid Rust expression (or pattern for `:for`).",
        "fix the Rust syntax; the position points into the expression";
    /// A `:for`/`:key` is malformed or misplaced.
    TPL_BAD_LOOP = "Z0422", "tpl-bad-loop",
        "A `:for` is not `pattern in iterable`, or `:key` appears without `:for`.",
        "write `:for={item in items} :key={item.id}` on the repeated element";
    /// An unknown component.
    TPL_UNKNOWN_COMPONENT = "Z0423", "tpl-unknown-component",
        "A `<.name>` or `<module::name>` tag names no component known to the compiler.",
        "declare the component, or fix its name";
    /// A required component attribute is missing.
    TPL_MISSING_ATTR = "Z0424", "tpl-missing-attr",
        "A component is used without an attribute it requires.",
        "pass the attribute";
    /// An attribute the component does not declare.
    TPL_UNKNOWN_ATTR = "Z0425", "tpl-unknown-attr",
        "A component is given an attribute it does not declare and it does not pass global attributes through.",
        "remove the attribute or declare it on the component";
    /// A static attribute value of the wrong type.
    TPL_ATTR_TYPE = "Z0426", "tpl-attr-type",
        "A literal attribute value does not fit the attribute's declared type (bool, number, or one of an enum's values).",
        "pass a value of the declared type, or an expression `{...}`";
    /// A slot given twice.
    TPL_DUPLICATE_SLOT = "Z0427", "tpl-duplicate-slot",
        "A slot that is not declared `multiple` is filled more than once.",
        "fill the slot once, or declare it `multiple`";
    /// A slot the component does not declare.
    TPL_UNKNOWN_SLOT = "Z0428", "tpl-unknown-slot",
        "A `<:name>` slot is not declared by the component it is in, or is outside any component.",
        "use one of the component's slots";
    /// A required slot is missing.
    TPL_MISSING_SLOT = "Z0429", "tpl-missing-slot",
        "A component is used without filling a slot it requires.",
        "add the slot";
    /// A non-void element written self-closing.
    TPL_SELF_CLOSING_ELEMENT = "Z0430", "tpl-self-closing-element",
        "A non-void HTML element is written `<div/>`; HTML ignores the `/`, so the element would stay open.",
        "write `<div></div>`";
    /// A component declared in Rust that the template compiler cannot bind.
    TPL_COMPONENT_DECL = "Z0431", "tpl-component-decl",
        "A `component!` declaration in a Rust file registered with the build names no struct in that file, or a field of the struct has a shape components do not support (a slot whose attributes type is not a struct of the same file, a second `Attrs` field, a tuple struct, more than one lifetime).",
        "declare the component as `pub struct Name<'a> { attr: T, inner_block: Slot<'a>, rest: Attrs<'a> }` next to its `component!`";
    /// rustc rejected code generated from a template expression.
    TPL_RUST_ERROR = "Z0432", "tpl-rust-error",
        "rustc found an error (usually a type error) in an expression of a template; `zerogen templates cargo-check` reports it at the template's line and column instead of in the generated file.",
        "fix the expression in the template; rustc's own notes follow";
}

/// Looks a code up by its id (`Z0101`) or its name (`tsv-syntax`).
pub fn lookup(key: &str) -> Option<Code> {
    ALL.iter().copied().find(|c| c.id == key || c.name == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_documented() {
        let mut previous = "";
        for code in ALL {
            assert!(code.id > previous, "{} is out of order or repeated", code.id);
            previous = code.id;
            assert!(code.id.len() == 5 && code.id.starts_with('Z'), "{}", code.id);
            assert!(code.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", code.name);
            assert!(code.summary.ends_with('.'), "{} summary is a sentence", code.id);
            assert!(!code.help.ends_with('.'), "{} help is a fragment", code.id);
            assert_eq!(lookup(code.id), Some(*code), "{} is found by its id", code.id);
            assert_eq!(lookup(code.name), Some(*code), "{} is found by its name", code.id);
        }
        let names: std::collections::BTreeSet<_> = ALL.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), ALL.len(), "names are unique");
    }

    #[test]
    fn lookup_by_id_or_name() {
        assert_eq!(lookup("Z0101"), Some(TSV_SYNTAX));
        assert_eq!(lookup("evidence-stale"), Some(EVIDENCE_STALE));
        assert_eq!(lookup("Z9999"), None);
    }
}
