//! Registry-format documentation pages rendered from the schemas and the example files.
//!
//! The Terraform Registry publishes `docs/index.md` and `docs/resources/<name>.md` in the layout
//! that HashiCorp's Go documentation generator writes: front matter, a title, the description,
//! Example Usage, a `## Schema` section grouped into Required, Optional and Read-Only, and
//! Import. That generator needs a Go provider, so this module writes the same layout from
//! [`provider_schema`] and [`resources::registry`] plus these files under the repository root:
//!
//! | File | Used for |
//! | --- | --- |
//! | `examples/provider/provider.tf` | Example Usage of the provider page |
//! | `examples/resources/<type>/resource.tf` | Example Usage of a resource page (required) |
//! | `examples/resources/<type>/import.sh` | Import section of a resource page (optional) |
//! | `docs/templates/provider-guide.md` | hand-written sections of the provider page |
//! | `docs/templates/resources/<name>-notes.md` | hand-written notes on a resource (optional) |
//!
//! The provider guide may contain the placeholder `{{environment_variables}}`, which becomes a
//! table of the provider's environment variables. `tests/docs.rs` fails when a committed page
//! differs from a fresh render and rewrites the pages when `WORKLOAD_UPDATE_DOCS=1` is set.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use crate::protocol::schema::{Attribute, AttributeType, Block, BlockNesting, Mode, ObjectNesting};
use crate::protocol::value::Type;
use crate::provider::{provider_schema, ENV_API_KEY, ENV_ENDPOINT, ENV_INSECURE, ENV_REGION};
use crate::resources;

/// The provider's local name, which prefixes every resource type name.
pub const PROVIDER_NAME: &str = "workload";

/// The placeholder in the provider guide that becomes the environment variable table.
pub const ENVIRONMENT_PLACEHOLDER: &str = "{{environment_variables}}";

/// The provider's environment variables: the variable, the attribute it sets, and
/// what it accepts.
const ENVIRONMENT_VARIABLES: [(&str, &str, &str); 4] = [
    (
        ENV_ENDPOINT,
        "endpoint",
        "the API base URL, including `/api`",
    ),
    (ENV_REGION, "region", "a Cloud One region such as `us-1`"),
    (ENV_API_KEY, "api_key", "the API key"),
    (
        ENV_INSECURE,
        "insecure",
        "`true`, `false`, `1`, `0`, `yes` or `no`",
    ),
];

/// A failure to render the documentation pages.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An example or template file could not be read.
    #[error("failed to read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The file system failure.
        #[source]
        source: io::Error,
    },
    /// A resource type name does not start with the provider's local name.
    #[error("resource type {type_name} does not start with `{PROVIDER_NAME}_`")]
    TypeName {
        /// The resource type name.
        type_name: String,
    },
    /// A template contains a `{{...}}` sequence that is not a known placeholder.
    #[error("unknown placeholder {placeholder} in {path}")]
    Placeholder {
        /// The template file.
        path: PathBuf,
        /// The unknown sequence.
        placeholder: String,
    },
}

/// One rendered page and where it belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The path relative to the repository root, such as `docs/resources/im_rule.md`.
    pub path: PathBuf,
    /// The Markdown text.
    pub contents: String,
}

/// Renders every page: `docs/index.md` and one `docs/resources/<name>.md` per resource type.
///
/// # Errors
///
/// Returns [`Error::Read`] when a required example or template is missing or unreadable,
/// [`Error::TypeName`] for a resource type outside the provider's namespace and
/// [`Error::Placeholder`] for an unknown placeholder in a template.
pub fn render_pages(root: &Path) -> Result<Vec<Page>, Error> {
    let example = read(&root.join("examples/provider/provider.tf"))?;
    let guide_path = root.join("docs/templates/provider-guide.md");
    let guide = expand_guide(&read(&guide_path)?, &guide_path)?;
    let mut pages = vec![Page {
        path: PathBuf::from("docs/index.md"),
        contents: render_provider_page(&example, &guide),
    }];

    for (type_name, resource) in resources::registry() {
        let name = page_name(type_name)?;
        let examples = root.join("examples/resources").join(type_name);
        let example = read(&examples.join("resource.tf"))?;
        let import = read_optional(&examples.join("import.sh"))?;
        let notes_path = root
            .join("docs/templates/resources")
            .join(format!("{name}-notes.md"));
        let notes = read_optional(&notes_path)?;
        let page = ResourcePage {
            type_name,
            block: &resource.schema().block,
            example: &example,
            notes: notes.as_deref(),
            import: import.as_deref(),
        };
        pages.push(Page {
            path: PathBuf::from("docs/resources").join(format!("{name}.md")),
            contents: page.render(),
        });
    }
    Ok(pages)
}

/// Renders `docs/index.md` from the provider schema, its example and the hand-written guide.
pub fn render_provider_page(example: &str, guide: &str) -> String {
    let block = provider_schema().block;
    let mut page = front_matter(
        &format!("{PROVIDER_NAME} Provider"),
        None,
        &block.description,
    );
    let _ = write!(page, "# {PROVIDER_NAME} Provider\n\n");
    push_paragraph(&mut page, &block.description);
    push_example(&mut page, example);
    push_paragraph(&mut page, guide);
    page.push_str(&render_schema(&block));
    page
}

/// The inputs of one resource page.
#[derive(Debug)]
pub struct ResourcePage<'a> {
    /// The full type name, such as `workload_im_rule`.
    pub type_name: &'a str,
    /// The resource schema's top-level block.
    pub block: &'a Block,
    /// The example configuration.
    pub example: &'a str,
    /// Hand-written notes placed after the example, if any.
    pub notes: Option<&'a str>,
    /// The import command example, if the resource supports import.
    pub import: Option<&'a str>,
}

impl ResourcePage<'_> {
    /// Renders the page.
    pub fn render(&self) -> String {
        let title = format!(
            "{} Resource - terraform-provider-{PROVIDER_NAME}",
            self.type_name
        );
        let mut page = front_matter(&title, Some(""), &self.block.description);
        let _ = write!(page, "# {} (Resource)\n\n", self.type_name);
        push_paragraph(&mut page, &self.block.description);
        push_example(&mut page, self.example);
        if let Some(notes) = self.notes {
            push_paragraph(&mut page, notes);
        }
        page.push_str(&render_schema(self.block));
        if let Some(import) = self.import {
            page.push_str("\n## Import\n\nImport is supported using the following syntax:\n\n");
            let _ = write!(page, "```shell\n{}\n```\n", import.trim_end());
        }
        page
    }
}

/// Returns the page name of a resource type: its name without the provider prefix.
///
/// # Errors
///
/// Returns [`Error::TypeName`] when the name does not start with `workload_`.
pub fn page_name(type_name: &str) -> Result<&str, Error> {
    type_name
        .strip_prefix(PROVIDER_NAME)
        .and_then(|rest| rest.strip_prefix('_'))
        .filter(|rest| !rest.is_empty())
        .ok_or_else(|| Error::TypeName {
            type_name: type_name.to_string(),
        })
}

/// Renders the markdown table of the provider's environment variables.
pub fn environment_table() -> String {
    let mut table = String::from("| Variable | Sets | Value |\n| --- | --- | --- |\n");
    for (variable, attribute, value) in ENVIRONMENT_VARIABLES {
        let _ = writeln!(table, "| `{variable}` | `{attribute}` | {value} |");
    }
    table
}

/// The documentation group of an attribute or nested block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// The configuration must set it.
    Required,
    /// The configuration may set it.
    Optional,
    /// Only the provider sets it.
    ReadOnly,
}

impl Group {
    const ALL: [Group; 3] = [Group::Required, Group::Optional, Group::ReadOnly];

    /// Returns the group of an attribute with this mode.
    pub fn of_mode(mode: Mode) -> Group {
        match mode {
            Mode::Required => Group::Required,
            Mode::Optional | Mode::OptionalComputed => Group::Optional,
            Mode::Computed => Group::ReadOnly,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Group::Required => "Required",
            Group::Optional => "Optional",
            Group::ReadOnly => "Read-Only",
        }
    }
}

/// One line of a schema listing, before it is written out.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    name: String,
    group: Group,
    label: String,
    description: String,
    /// The nested schema this entry links to, if any.
    nested: Option<Nested>,
}

/// A nested schema rendered below the top-level groups.
#[derive(Debug, Clone, PartialEq)]
struct Nested {
    /// The anchor, such as `nestedatt--module_status`.
    anchor: String,
    /// The dotted attribute path shown in the heading.
    path: String,
    entries: Vec<Entry>,
}

/// Renders the `## Schema` section of a block, with the nested schemas after it.
pub fn render_schema(block: &Block) -> String {
    let entries = block_entries(block, "");
    let mut text = String::from("<!-- schema rendered by src/docs.rs -->\n## Schema\n");
    let mut pending = Vec::new();
    for group in Group::ALL {
        let members: Vec<&Entry> = entries.iter().filter(|e| e.group == group).collect();
        if members.is_empty() {
            continue;
        }
        let _ = write!(text, "\n### {}\n\n", group.title());
        for entry in members {
            push_entry(&mut text, entry, &mut pending);
        }
    }

    // Nested schemas follow in the order their parents link to them, so that a reader who
    // follows a link finds the children of that schema next.
    let mut index = 0;
    while index < pending.len() {
        let nested: Nested = pending[index].clone();
        index += 1;
        let _ = write!(
            text,
            "\n<a id=\"{}\"></a>\n### Nested Schema for `{}`\n",
            nested.anchor, nested.path
        );
        for group in Group::ALL {
            let members: Vec<&Entry> = nested.entries.iter().filter(|e| e.group == group).collect();
            if members.is_empty() {
                continue;
            }
            let _ = write!(text, "\n{}:\n\n", group.title());
            for entry in members {
                push_entry(&mut text, entry, &mut pending);
            }
        }
    }
    text
}

fn push_entry(text: &mut String, entry: &Entry, pending: &mut Vec<Nested>) {
    let _ = write!(text, "- `{}` ({})", entry.name, entry.label);
    let description = entry.description.trim();
    if !description.is_empty() {
        // Continuation lines are indented so that they stay inside the list item.
        let _ = write!(text, " {}", description.replace('\n', "\n  "));
    }
    if let Some(nested) = &entry.nested {
        let _ = write!(text, " (see [below for nested schema](#{}))", nested.anchor);
        pending.push(nested.clone());
    }
    text.push('\n');
}

/// Lists the attributes and nested blocks of `block`, in schema order. `prefix` is the anchor
/// path of the enclosing attribute, empty at the top level.
fn block_entries(block: &Block, prefix: &str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = block
        .attributes
        .iter()
        .map(|attribute| attribute_entry(attribute, prefix))
        .collect();
    for nested in &block.blocks {
        let path = join_path(prefix, &nested.type_name);
        let mut label = match nested.nesting {
            BlockNesting::Single | BlockNesting::Group => "Block".to_string(),
            BlockNesting::List => "Block List".to_string(),
            BlockNesting::Set => "Block Set".to_string(),
            BlockNesting::Map => "Block Map".to_string(),
        };
        if nested.min_items > 0 {
            let _ = write!(label, ", Min: {}", nested.min_items);
        }
        if nested.max_items > 0 {
            let _ = write!(label, ", Max: {}", nested.max_items);
        }
        entries.push(Entry {
            name: nested.type_name.clone(),
            group: if nested.min_items > 0 {
                Group::Required
            } else {
                Group::Optional
            },
            label,
            description: nested.block.description.clone(),
            nested: Some(Nested {
                anchor: format!("nestedblock--{}", path.replace('.', "--")),
                path: path.clone(),
                entries: block_entries(&nested.block, &path),
            }),
        });
    }
    entries
}

fn attribute_entry(attribute: &Attribute, prefix: &str) -> Entry {
    let group = Group::of_mode(attribute.mode);
    let path = join_path(prefix, &attribute.name);
    let (mut label, nested_entries) = match &attribute.ty {
        AttributeType::Nested(object) => {
            let label = match object.nesting {
                ObjectNesting::Single => "Attributes",
                ObjectNesting::List => "Attributes List",
                ObjectNesting::Set => "Attributes Set",
                ObjectNesting::Map => "Attributes Map",
            };
            let entries = object
                .attributes
                .iter()
                .map(|child| attribute_entry(child, &path))
                .collect();
            (label.to_string(), Some(entries))
        }
        AttributeType::Plain(ty) => (type_label(ty), object_entries(ty, group)),
    };
    if attribute.sensitive {
        label.push_str(", Sensitive");
    }
    if attribute.deprecated {
        label.push_str(", Deprecated");
    }
    Entry {
        name: attribute.name.clone(),
        group,
        label,
        description: attribute.description.clone(),
        nested: nested_entries.map(|entries| Nested {
            anchor: format!("nestedatt--{}", path.replace('.', "--")),
            path,
            entries,
        }),
    }
}

/// Lists the attributes of an object type (or of the objects in a collection type) for a
/// nested schema. They have no descriptions and share the group of the attribute that contains
/// them.
fn object_entries(ty: &Type, group: Group) -> Option<Vec<Entry>> {
    match ty {
        Type::Object(attributes) => Some(
            attributes
                .iter()
                .map(|(name, ty)| Entry {
                    name: name.clone(),
                    group,
                    label: type_label(ty),
                    description: String::new(),
                    nested: None,
                })
                .collect(),
        ),
        Type::List(element) | Type::Set(element) | Type::Map(element) => {
            object_entries(element, group)
        }
        _ => None,
    }
}

/// Returns the label the Registry shows for a type, such as `String` or `Set of Number`.
pub fn type_label(ty: &Type) -> String {
    match ty {
        Type::String => "String".to_string(),
        Type::Number => "Number".to_string(),
        Type::Bool => "Boolean".to_string(),
        Type::Dynamic => "Dynamic".to_string(),
        Type::List(element) => format!("List of {}", type_label(element)),
        Type::Set(element) => format!("Set of {}", type_label(element)),
        Type::Map(element) => format!("Map of {}", type_label(element)),
        Type::Object(_) => "Object".to_string(),
        Type::Tuple(_) => "Tuple".to_string(),
    }
}

fn join_path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Renders the YAML front matter. Resource pages carry a subcategory, the provider page none.
/// The description is a literal block scalar, so it needs no escaping beyond indentation.
fn front_matter(title: &str, subcategory: Option<&str>, description: &str) -> String {
    let mut text = format!("---\npage_title: \"{title}\"\n");
    if let Some(subcategory) = subcategory {
        let _ = writeln!(text, "subcategory: \"{subcategory}\"");
    }
    text.push_str("description: |-\n");
    for line in description.trim().lines() {
        let _ = writeln!(text, "  {line}");
    }
    text.push_str("---\n\n");
    text
}

fn push_paragraph(page: &mut String, text: &str) {
    let text = text.trim();
    if !text.is_empty() {
        page.push_str(text);
        page.push_str("\n\n");
    }
}

fn push_example(page: &mut String, example: &str) {
    let _ = write!(
        page,
        "## Example Usage\n\n```terraform\n{}\n```\n\n",
        example.trim_end()
    );
}

/// Replaces the placeholders of the provider guide.
fn expand_guide(template: &str, path: &Path) -> Result<String, Error> {
    let expanded = template.replace(ENVIRONMENT_PLACEHOLDER, environment_table().trim_end());
    if let Some(start) = expanded.find("{{") {
        let rest = &expanded[start..];
        let end = rest.find("}}").map_or(rest.len(), |end| end + 2);
        return Err(Error::Placeholder {
            path: path.to_path_buf(),
            placeholder: rest[..end].to_string(),
        });
    }
    Ok(expanded)
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn read_optional(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::schema::{NestedBlock, NestedObject};

    fn attribute(name: &str, mode: Mode) -> Attribute {
        Attribute::new(name, Type::String, mode, &format!("The {name}."))
    }

    fn block(attributes: Vec<Attribute>) -> Block {
        Block {
            attributes,
            blocks: vec![],
            description: String::new(),
            deprecated: false,
        }
    }

    #[test]
    fn group_of_mode_cases() {
        let cases = [
            ("required", Mode::Required, Group::Required),
            ("optional", Mode::Optional, Group::Optional),
            ("optional computed", Mode::OptionalComputed, Group::Optional),
            ("computed", Mode::Computed, Group::ReadOnly),
        ];
        for (name, mode, expected) in cases {
            assert_eq!(Group::of_mode(mode), expected, "case {name}");
        }
    }

    #[test]
    fn type_label_cases() {
        let cases = [
            ("string", Type::String, "String"),
            ("number", Type::Number, "Number"),
            ("bool", Type::Bool, "Boolean"),
            ("list", Type::List(Box::new(Type::String)), "List of String"),
            ("set", Type::Set(Box::new(Type::Number)), "Set of Number"),
            ("map", Type::Map(Box::new(Type::Bool)), "Map of Boolean"),
            (
                "nested list",
                Type::List(Box::new(Type::List(Box::new(Type::String)))),
                "List of List of String",
            ),
            ("object", Type::Object(Default::default()), "Object"),
        ];
        for (name, ty, expected) in cases {
            assert_eq!(type_label(&ty), expected, "case {name}");
        }
    }

    #[test]
    fn schema_groups_attributes_in_order() {
        let schema = block(vec![
            attribute("id", Mode::Computed),
            attribute("name", Mode::Required),
            attribute("severity", Mode::OptionalComputed),
            attribute("description", Mode::Optional),
            attribute("template", Mode::Required),
        ]);
        let expected = "<!-- schema rendered by src/docs.rs -->\n## Schema\n\n\
            ### Required\n\n- `name` (String) The name.\n- `template` (String) The template.\n\n\
            ### Optional\n\n- `severity` (String) The severity.\n\
            - `description` (String) The description.\n\n\
            ### Read-Only\n\n- `id` (String) The id.\n";
        assert_eq!(render_schema(&schema), expected);
    }

    #[test]
    fn schema_omits_empty_groups() {
        let text = render_schema(&block(vec![attribute("id", Mode::Computed)]));
        assert!(!text.contains("### Required"), "{text}");
        assert!(!text.contains("### Optional"), "{text}");
        assert!(text.contains("### Read-Only"), "{text}");
    }

    #[test]
    fn schema_marks_sensitive_attributes() {
        let text = render_schema(&block(vec![
            attribute("api_key", Mode::Optional).sensitive()
        ]));
        assert!(
            text.contains("- `api_key` (String, Sensitive) The api_key.\n"),
            "{text}"
        );
    }

    #[test]
    fn schema_links_nested_attributes() {
        let status = Attribute::nested(
            "module_status",
            NestedObject {
                attributes: vec![
                    attribute("status", Mode::Computed),
                    attribute("status_message", Mode::Computed),
                ],
                nesting: ObjectNesting::Single,
            },
            Mode::Computed,
            "The module status.",
        );
        let text = render_schema(&block(vec![status]));
        let expected = "### Read-Only\n\n- `module_status` (Attributes) The module status. \
            (see [below for nested schema](#nestedatt--module_status))\n\n\
            <a id=\"nestedatt--module_status\"></a>\n### Nested Schema for `module_status`\n\n\
            Read-Only:\n\n- `status` (String) The status.\n\
            - `status_message` (String) The status_message.\n";
        assert!(text.ends_with(expected), "{text}");
    }

    #[test]
    fn schema_links_object_types() {
        let object = Type::Object([("code".to_string(), Type::Number)].into_iter().collect());
        let attribute = Attribute::new(
            "errors",
            Type::List(Box::new(object)),
            Mode::Computed,
            "The errors.",
        );
        let text = render_schema(&block(vec![attribute]));
        assert!(
            text.contains("- `errors` (List of Object) The errors. (see [below for nested schema](#nestedatt--errors))"),
            "{text}"
        );
        assert!(text.contains("Read-Only:\n\n- `code` (Number)\n"), "{text}");
    }

    #[test]
    fn schema_groups_nested_blocks() {
        let mut schema = block(vec![]);
        schema.blocks = vec![
            NestedBlock {
                type_name: "timeouts".into(),
                block: block(vec![attribute("create", Mode::Optional)]),
                nesting: BlockNesting::Single,
                min_items: 0,
                max_items: 0,
            },
            NestedBlock {
                type_name: "target".into(),
                block: block(vec![attribute("host", Mode::Required)]),
                nesting: BlockNesting::List,
                min_items: 1,
                max_items: 1,
            },
        ];
        let text = render_schema(&schema);
        assert!(
            text.contains("### Required\n\n- `target` (Block List, Min: 1, Max: 1)"),
            "{text}"
        );
        assert!(
            text.contains("### Optional\n\n- `timeouts` (Block)"),
            "{text}"
        );
        assert!(
            text.contains("<a id=\"nestedblock--target\"></a>\n### Nested Schema for `target`\n\nRequired:\n\n- `host` (String) The host.\n"),
            "{text}"
        );
    }

    #[test]
    fn page_name_strips_provider_prefix() {
        let cases = [
            ("rule", "workload_im_rule", Some("im_rule")),
            ("other provider", "aws_instance", None),
            ("prefix only", "workload_", None),
            ("no separator", "workloadx", None),
        ];
        for (name, type_name, expected) in cases {
            assert_eq!(page_name(type_name).ok(), expected, "case {name}");
        }
    }

    #[test]
    fn guide_rejects_unknown_placeholder() {
        let result = expand_guide("Text {{region_list}} more", Path::new("guide.md"));
        assert!(
            matches!(result, Err(Error::Placeholder { ref placeholder, .. }) if placeholder == "{{region_list}}"),
            "{result:?}"
        );
    }

    #[test]
    fn guide_expands_environment_table() {
        let text = expand_guide(
            "Before\n\n{{environment_variables}}\n\nAfter",
            Path::new("g"),
        )
        .expect("the template holds only the known placeholder");
        for (variable, _, _) in ENVIRONMENT_VARIABLES {
            assert!(text.contains(&format!("| `{variable}` |")), "{text}");
        }
    }

    #[test]
    fn front_matter_indents_description() {
        let text = front_matter("workload_im_rule Resource", Some(""), "First.\nSecond.");
        assert_eq!(
            text,
            "---\npage_title: \"workload_im_rule Resource\"\nsubcategory: \"\"\n\
             description: |-\n  First.\n  Second.\n---\n\n"
        );
    }
}
