//! The typed rows of every table kind. Doc comments here become the descriptions in the JSON
//! Schemas and in the generated reference pages, so they are written for users.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Dot-separated lowercase identifier: `gate.check.wall`.
pub const DOTTED_ID: &str = r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$";
/// A snake_case name: `flash_group`.
pub const SNAKE_NAME: &str = r"^[a-z][a-z0-9_]*$";

/// A comma-separated list in one TSV field, e.g. `a.rs#one,a.rs#two`. Empty means none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommaList(pub Vec<String>);

impl CommaList {
    /// The items, trimmed, without empty ones.
    pub fn items(&self) -> &[String] {
        &self.0
    }

    /// True when the list has no items.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for CommaList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<CommaList, D::Error> {
        let text = String::deserialize(d)?;
        Ok(CommaList(
            text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        ))
    }
}

impl Serialize for CommaList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl JsonSchema for CommaList {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CommaList".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Comma-separated list in one TSV field; empty for none.",
            "type": "array",
            "items": { "type": "string", "minLength": 1 }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// spec/wire-protocol.tsv

/// Who sends a wire message.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Browser to server.
    ToServer,
    /// Server to browser.
    ToClient,
    /// Either way.
    Both,
}

/// One message kind of the live wire protocol (`spec/wire-protocol.tsv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WireMessage {
    /// The message kind as it appears in the `kind` field on the wire.
    #[schemars(pattern(SNAKE_NAME))]
    pub kind: String,
    /// Who sends it: `to_server`, `to_client` or `both`.
    pub direction: Direction,
    /// Payload fields as `name:type`, comma-separated; `name?:type` marks an optional field.
    /// Types: `string`, `bool`, `u32`, `u64`, `i64`, `f64`, `json`, `object`, `strings`.
    pub fields: String,
    /// The first protocol version that has this message.
    #[schemars(range(min = 1, max = 255))]
    pub since: u32,
    /// The largest encoded message of this kind the receiver accepts, in bytes.
    #[schemars(range(min = 64, max = 67108864))]
    pub max_bytes: u32,
    /// What the message does, one sentence.
    #[schemars(length(min = 1))]
    pub summary: String,
}

// ---------------------------------------------------------------------------------------------
// spec/budgets.tsv

/// The unit of a measured value.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Seconds.
    S,
    /// Milliseconds.
    Ms,
    /// Microseconds.
    Us,
    /// Nanoseconds.
    Ns,
    /// Mebibytes.
    Mib,
    /// Kibibytes.
    Kib,
    /// Bytes.
    Bytes,
    /// A dimensionless ratio (ours divided by a peer's or a baseline's).
    Ratio,
    /// A count.
    Count,
    /// Operations per second.
    OpsPerS,
}

impl Unit {
    /// The unit as written in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::S => "s",
            Unit::Ms => "ms",
            Unit::Us => "us",
            Unit::Ns => "ns",
            Unit::Mib => "mib",
            Unit::Kib => "kib",
            Unit::Bytes => "bytes",
            Unit::Ratio => "ratio",
            Unit::Count => "count",
            Unit::OpsPerS => "ops_per_s",
        }
    }
}

/// How a measurement is compared with its budget.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// The value must be at most the budget.
    Lte,
    /// The value must be at least the budget.
    Gte,
}

impl Comparison {
    /// Whether `value` meets `budget`.
    pub fn holds(self, value: f64, budget: f64) -> bool {
        match self {
            Comparison::Lte => value <= budget,
            Comparison::Gte => value >= budget,
        }
    }

    /// The operator as text, for messages.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Lte => "<=",
            Comparison::Gte => ">=",
        }
    }
}

/// A performance or size budget (`spec/budgets.tsv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Unique id; evidence rows name it in their `budget` column.
    #[schemars(pattern(DOTTED_ID))]
    pub id: String,
    /// What is measured, e.g. `wall` or `peak_rss`.
    #[schemars(pattern(SNAKE_NAME))]
    pub metric: String,
    /// The unit of the budget and of the evidence that meets it.
    pub unit: Unit,
    /// `lte`: the value must be at most the budget; `gte`: at least.
    pub comparison: Comparison,
    /// The limit.
    #[schemars(range(min = 0))]
    pub budget: f64,
    /// The benchmark that measures it, as `suite/case` of `zero-bench`.
    #[schemars(pattern(r"^[a-z0-9_-]+/[a-z0-9_.-]+$"))]
    pub bench: String,
    /// Why this budget exists, one sentence.
    #[schemars(length(min = 1))]
    pub summary: String,
}

// ---------------------------------------------------------------------------------------------
// spec/components.tsv, spec/component-attrs.tsv, spec/component-slots.tsv

/// A core component (`spec/components.tsv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// The component name as used in templates: `<.name>`.
    #[schemars(pattern(SNAKE_NAME))]
    pub name: String,
    /// The group it is listed under in the gallery, e.g. `forms`.
    #[schemars(pattern(SNAKE_NAME))]
    pub group: String,
    /// Whether unknown HTML attributes pass through to the root element (`global` attrs).
    pub global_attrs: bool,
    /// What the component renders, one sentence.
    #[schemars(length(min = 1))]
    pub summary: String,
}

/// The type of a component attribute.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AttrType {
    /// Text.
    String,
    /// `true` or `false`.
    Bool,
    /// A signed integer.
    Int,
    /// A floating-point number.
    Float,
    /// One of the values in the `values` column.
    Enum,
    /// A JS command built with `zero_live::js`.
    Js,
    /// A form field.
    Field,
    /// A form.
    Form,
    /// A list of items.
    List,
    /// Any Rust value that renders.
    Any,
}

/// An attribute of a core component (`spec/component-attrs.tsv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComponentAttr {
    /// The component it belongs to (a `name` in `components.tsv`).
    #[schemars(pattern(SNAKE_NAME))]
    pub component: String,
    /// The attribute name.
    #[schemars(pattern(r"^[a-z][a-z0-9_-]*$"))]
    pub name: String,
    /// The attribute type.
    #[serde(rename = "type")]
    pub ty: AttrType,
    /// Whether a template must pass it.
    pub required: bool,
    /// The default when not passed (empty: none). Must be one of `values` for an enum.
    pub default: Option<String>,
    /// The allowed values of an `enum` attribute, comma-separated.
    #[serde(default)]
    pub values: CommaList,
    /// What the attribute does, one sentence.
    #[schemars(length(min = 1))]
    pub doc: String,
}

/// A slot of a core component (`spec/component-slots.tsv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComponentSlot {
    /// The component it belongs to (a `name` in `components.tsv`).
    #[schemars(pattern(SNAKE_NAME))]
    pub component: String,
    /// The slot name as used in templates: `<:name>`; `inner_block` is the default slot.
    #[schemars(pattern(SNAKE_NAME))]
    pub name: String,
    /// Whether a template must fill it.
    pub required: bool,
    /// Whether it may be given more than once (e.g. table columns).
    pub multiple: bool,
    /// Attributes the slot itself takes, comma-separated `name:type`.
    #[serde(default)]
    pub attrs: CommaList,
    /// What the slot holds, one sentence.
    #[schemars(length(min = 1))]
    pub doc: String,
}

// ---------------------------------------------------------------------------------------------
// An app's spec/routes.tsv

/// HTTP method of a route.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET (and HEAD).
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

/// What a route serves.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    /// A live view, mounted over HTTP and then over the socket.
    Live,
    /// A plain HTTP handler.
    Http,
    /// A directory of static files.
    Static,
    /// A live package (`zerogen package`): its crate's views, served under the path.
    Mount,
}

/// A route of an app (`spec/routes.tsv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// HTTP method; live and static routes use `GET`.
    pub method: Method,
    /// Path below the scope, starting with `/`; `:name` segments are parameters, `*name` a tail.
    #[schemars(pattern(r"^/[A-Za-z0-9_./:*-]*$"))]
    pub path: String,
    /// `live`, `http`, `static` or `mount`.
    pub kind: RouteKind,
    /// The handler (Rust path such as `live::posts::Index`); for `static`, a directory; for
    /// `mount`, the package's crate (`kb`).
    #[schemars(length(min = 1))]
    pub target: String,
    /// The pipeline (ordered middleware stack) the route runs through.
    #[schemars(pattern(SNAKE_NAME))]
    pub pipeline: String,
    /// The scope (path prefix) the route lives in; `/` for none.
    #[schemars(pattern(r"^/[A-Za-z0-9_/-]*$"))]
    pub scope: String,
    /// The route name for generated path helpers (`post_path`); empty for none.
    pub name: Option<String>,
    /// The link's text in the app's main navigation (`Posts`), in table order; empty for none.
    /// Only a `GET` live, http or mount route without parameters can have one.
    #[serde(default)]
    pub nav: Option<String>,
}

impl Route {
    /// The full path: the scope, then the path (`/` for an empty one).
    pub fn full_path(&self) -> String {
        let path = format!("{}{}", self.scope.trim_end_matches('/'), self.path);
        if path.is_empty() { "/".to_owned() } else { path }
    }
}

/// A design token of an app's theme (`spec/theme.tsv`): a CSS custom property with its value
/// in the light and the dark scheme. `zerogen generate` writes `web/assets/theme.css` from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThemeToken {
    /// The property's name without `--`: `bg`, `accent-fg`, `radius`, `text-lg`.
    #[schemars(pattern(r"^[a-z][a-z0-9-]*$"))]
    pub token: String,
    /// Its value in the light scheme (a colour as `#rrggbb`, a length, a font list, ...).
    #[schemars(length(min = 1))]
    pub light: String,
    /// Its value in the dark scheme; empty for the light one.
    #[serde(default)]
    pub dark: Option<String>,
    /// What it is for (documentation only).
    #[serde(default, rename = "use")]
    pub use_: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// release/*.tsv (ledgers) and release/evidence/*.tsv

/// How far a ledger row's surface has come; decides what the gate demands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Designed, not built: nothing is demanded, and it is never counted as done.
    Planned,
    /// Built: source, tests and docs are demanded.
    Experimental,
    /// Supported: source, tests, docs and fresh evidence (where the kind needs it) are demanded.
    Stable,
    /// Built and measured, and known to miss its budget: source, tests, fresh evidence and docs
    /// that are an ADR (`docs/adr/...`) explaining the miss are demanded. The gate reports it in
    /// its summary instead of failing, and fails when the evidence meets the budget again.
    Failing,
}

impl Status {
    /// The status as written in ledgers.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::Experimental => "experimental",
            Status::Stable => "stable",
            Status::Failing => "failing",
        }
    }
}

/// One public surface and where its proof lives (`release/*.tsv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LedgerRow {
    /// Unique id across all ledgers, lowercase dot-separated.
    pub id: String,
    /// What sort of surface: `command`, `table`, `check`, `wire`, `component`, `budget`, ...
    #[schemars(pattern(r"^[a-z][a-z0-9-]*$"))]
    pub kind: String,
    /// Where it is defined, as `path#symbol` (`Type::method` allowed); empty while planned.
    pub source: Option<String>,
    /// Tests that prove it, as `path#test_name`, comma-separated.
    #[serde(default)]
    pub tests: CommaList,
    /// Where it is documented, as `page#anchor`.
    pub docs: Option<String>,
    /// Evidence rows, as `release/evidence/FILE.tsv#row_id`, comma-separated.
    #[serde(default)]
    pub evidence: CommaList,
    /// `planned`, `experimental`, `stable` or `failing`.
    pub status: Status,
}

/// One recorded measurement (`release/evidence/*.tsv`), written by `zero-bench --record`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRow {
    /// Unique id within the file; ledger rows name it as `FILE#id`.
    #[schemars(pattern(DOTTED_ID))]
    pub id: String,
    /// The benchmark suite.
    #[schemars(pattern(r"^[a-z0-9_-]+$"))]
    pub suite: String,
    /// The case within the suite.
    #[schemars(length(min = 1))]
    pub case: String,
    /// What was measured: `zerogate`, or a peer such as `sailfish`.
    #[schemars(length(min = 1))]
    pub subject: String,
    /// The metric, e.g. `wall` or `peak_rss`.
    #[schemars(pattern(SNAKE_NAME))]
    pub metric: String,
    /// The measured value: the median of `runs` independent runs.
    pub value: f64,
    /// The smallest of the runs' values.
    pub min: f64,
    /// The largest of the runs' values.
    pub max: f64,
    /// How many independent runs (fresh processes) the median is taken over.
    #[schemars(range(min = 1))]
    pub runs: u32,
    /// How many of the runs missed the row's budget (0 without a budget). A budget missed in two
    /// or more runs is missed, whatever the median says.
    pub misses: u32,
    /// The unit of `value`.
    pub unit: Unit,
    /// The budget this row proves (an `id` in `spec/budgets.tsv`); empty for context rows.
    pub budget: Option<String>,
    /// Source files and folders the measurement depends on, comma-separated.
    #[serde(default)]
    pub sources: CommaList,
    /// SHA-256 over the sources at recording time; a mismatch makes the row stale.
    #[schemars(pattern(r"^[0-9a-f]{64}$"))]
    pub hash: String,
    /// SHA-256 over the row's other columns (`recorded` aside) and `hash`: a hand-edited value
    /// no longer matches it (zerogate recomputes it).
    #[schemars(pattern(r"^[0-9a-f]{64}$"))]
    pub digest: String,
    /// When it was recorded (UTC, RFC 3339) and on what: free text for people.
    #[schemars(length(min = 1))]
    pub recorded: String,
}
