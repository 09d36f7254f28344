//! Conversions between the provider's own types and the generated wire
//! types: dynamic values, schemas and diagnostics.

use crate::protocol::schema::{
    Attribute, AttributeType, Block, BlockNesting, Mode, NestedBlock, ObjectNesting, Schema,
};
use crate::protocol::value::{self, Type, Value};
use crate::protocol::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};

use super::proto::tfplugin6 as wire;

/// Decodes a dynamic value of type `ty`; an absent value or one with
/// neither encoding set is null, as Terraform treats it.
///
/// # Errors
///
/// Returns an error diagnostic when the bytes do not decode as `ty`.
pub fn decode(
    dynamic: Option<&wire::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostic> {
    let Some(dynamic) = dynamic else {
        return Ok(Value::Null);
    };
    let decoded = if !dynamic.msgpack.is_empty() {
        value::decode_msgpack(&dynamic.msgpack, ty)
    } else if !dynamic.json.is_empty() {
        value::decode_json(&dynamic.json, ty)
    } else {
        return Ok(Value::Null);
    };
    decoded.map_err(|err| {
        Diagnostic::error(
            format!("Invalid {what} from Terraform"),
            format!(
                "The provider could not decode the {what} that Terraform sent: {err}. This \
                 usually means Terraform and the provider disagree about the schema; run \
                 `terraform init -upgrade` or report it to the provider maintainers."
            ),
        )
    })
}

/// Encodes a value of type `ty` as msgpack, the encoding Terraform prefers.
///
/// # Errors
///
/// Returns a provider-bug diagnostic when the value does not match the type.
pub fn encode(value: &Value, ty: &Type, what: &str) -> Result<wire::DynamicValue, Diagnostic> {
    value::encode_msgpack(value, ty)
        .map(|msgpack| wire::DynamicValue {
            msgpack,
            json: Vec::new(),
        })
        .map_err(|err| {
            Diagnostic::provider_bug(
                format!("Invalid {what} produced"),
                format!("The provider built a {what} that does not match its schema: {err}."),
            )
        })
}

/// Converts diagnostics to their wire form.
pub fn diagnostics(diagnostics: Diagnostics) -> Vec<wire::Diagnostic> {
    diagnostics.into_iter().map(diagnostic).collect()
}

fn diagnostic(diagnostic: Diagnostic) -> wire::Diagnostic {
    let severity = match diagnostic.severity {
        Severity::Error => wire::diagnostic::Severity::Error,
        Severity::Warning => wire::diagnostic::Severity::Warning,
    };
    wire::Diagnostic {
        severity: severity as i32,
        summary: diagnostic.summary,
        detail: diagnostic.detail,
        attribute: diagnostic.path.map(attribute_path),
    }
}

/// Converts an attribute path to its wire form.
pub fn attribute_path(path: AttributePath) -> wire::AttributePath {
    use wire::attribute_path::step::Selector;
    wire::AttributePath {
        steps: path
            .0
            .into_iter()
            .map(|step| wire::attribute_path::Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => Selector::AttributeName(name),
                    PathStep::Key(key) => Selector::ElementKeyString(key),
                    PathStep::Index(index) => Selector::ElementKeyInt(index),
                }),
            })
            .collect(),
    }
}

/// Converts a schema to its wire form.
pub fn schema(schema: &Schema) -> wire::Schema {
    wire::Schema {
        version: schema.version,
        block: Some(block(&schema.block, schema.version)),
    }
}

fn block(block: &Block, version: i64) -> wire::schema::Block {
    wire::schema::Block {
        version,
        attributes: block.attributes.iter().map(attribute).collect(),
        block_types: block.blocks.iter().map(nested_block).collect(),
        description: block.description.clone(),
        description_kind: wire::StringKind::Markdown as i32,
        deprecated: block.deprecated,
        deprecation_message: String::new(),
    }
}

fn attribute(attribute: &Attribute) -> wire::schema::Attribute {
    let (ty, nested_type) = match &attribute.ty {
        AttributeType::Plain(ty) => (ty.to_json_bytes(), None),
        AttributeType::Nested(object) => {
            let nesting = match object.nesting {
                ObjectNesting::Single => wire::schema::object::NestingMode::Single,
                ObjectNesting::List => wire::schema::object::NestingMode::List,
                ObjectNesting::Set => wire::schema::object::NestingMode::Set,
                ObjectNesting::Map => wire::schema::object::NestingMode::Map,
            };
            (
                Vec::new(),
                Some(wire::schema::Object {
                    attributes: object.attributes.iter().map(self::attribute).collect(),
                    nesting: nesting as i32,
                    ..Default::default()
                }),
            )
        }
    };
    wire::schema::Attribute {
        name: attribute.name.clone(),
        r#type: ty,
        nested_type,
        description: attribute.description.clone(),
        required: attribute.mode == Mode::Required,
        optional: matches!(attribute.mode, Mode::Optional | Mode::OptionalComputed),
        computed: matches!(attribute.mode, Mode::OptionalComputed | Mode::Computed),
        sensitive: attribute.sensitive,
        description_kind: wire::StringKind::Markdown as i32,
        deprecated: attribute.deprecated,
        write_only: false,
        deprecation_message: String::new(),
    }
}

fn nested_block(nested: &NestedBlock) -> wire::schema::NestedBlock {
    let nesting = match nested.nesting {
        BlockNesting::Single => wire::schema::nested_block::NestingMode::Single,
        BlockNesting::Group => wire::schema::nested_block::NestingMode::Group,
        BlockNesting::List => wire::schema::nested_block::NestingMode::List,
        BlockNesting::Set => wire::schema::nested_block::NestingMode::Set,
        BlockNesting::Map => wire::schema::nested_block::NestingMode::Map,
    };
    wire::schema::NestedBlock {
        type_name: nested.type_name.clone(),
        block: Some(block(&nested.block, 0)),
        nesting: nesting as i32,
        min_items: nested.min_items,
        max_items: nested.max_items,
    }
}
