//! The provider's schema model: what `terraform providers schema -json`
//! shows, and what the implied cty type of every value is derived from.

use std::collections::BTreeMap;

use super::value::Type;

/// The schema of a provider configuration or a resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The version recorded in state; bump it when stored state must be upgraded.
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

/// A block: attributes plus nested blocks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Block {
    /// Attributes, in the order the documentation lists them.
    pub attributes: Vec<Attribute>,
    /// Nested block types.
    pub blocks: Vec<NestedBlock>,
    /// Markdown description of the block.
    pub description: String,
    /// Whether the block is deprecated.
    pub deprecated: bool,
}

/// The party that sets an attribute: the user, the provider, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The configuration must set it.
    Required,
    /// The configuration may set it; null when it does not.
    Optional,
    /// The configuration may set it; the provider fills it when it does not.
    OptionalComputed,
    /// Only the provider sets it.
    Computed,
}

/// The type of an attribute: a cty type, or nested attributes.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeType {
    /// A plain cty type.
    Plain(Type),
    /// An object or collection of objects with attributes of their own.
    Nested(NestedObject),
}

/// One attribute of a block.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// The attribute name.
    pub name: String,
    /// Its type.
    pub ty: AttributeType,
    /// The party that sets it.
    pub mode: Mode,
    /// Markdown description, shown in docs and in `providers schema -json`.
    pub description: String,
    /// Whether Terraform hides the value in plan output.
    pub sensitive: bool,
    /// Whether the attribute is deprecated.
    pub deprecated: bool,
}

impl Attribute {
    /// Creates an attribute with a plain type.
    pub fn new(name: &str, ty: Type, mode: Mode, description: &str) -> Attribute {
        Attribute {
            name: name.to_string(),
            ty: AttributeType::Plain(ty),
            mode,
            description: description.to_string(),
            sensitive: false,
            deprecated: false,
        }
    }

    /// Creates an attribute with nested attributes.
    pub fn nested(name: &str, object: NestedObject, mode: Mode, description: &str) -> Attribute {
        Attribute {
            name: name.to_string(),
            ty: AttributeType::Nested(object),
            mode,
            description: description.to_string(),
            sensitive: false,
            deprecated: false,
        }
    }

    /// Returns the same attribute marked sensitive.
    #[must_use]
    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }

    /// Returns the cty type of this attribute's values.
    pub fn value_type(&self) -> Type {
        match &self.ty {
            AttributeType::Plain(ty) => ty.clone(),
            AttributeType::Nested(object) => object.value_type(),
        }
    }
}

/// The grouping of nested attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectNesting {
    /// A single object.
    Single,
    /// A list of objects.
    List,
    /// A set of objects.
    Set,
    /// A map of objects.
    Map,
}

/// Nested attributes, as used by `Attribute::nested`.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedObject {
    /// The attributes of each object.
    pub attributes: Vec<Attribute>,
    /// The grouping of the objects.
    pub nesting: ObjectNesting,
}

impl NestedObject {
    /// Returns the cty type of values of this nested object.
    pub fn value_type(&self) -> Type {
        let object = Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.value_type()))
                .collect(),
        );
        match self.nesting {
            ObjectNesting::Single => object,
            ObjectNesting::List => Type::List(Box::new(object)),
            ObjectNesting::Set => Type::Set(Box::new(object)),
            ObjectNesting::Map => Type::Map(Box::new(object)),
        }
    }
}

/// The grouping of nested blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockNesting {
    /// At most one block; null when absent.
    Single,
    /// Exactly one block; an object of nulls when absent.
    Group,
    /// Ordered blocks.
    List,
    /// Unordered blocks.
    Set,
    /// Blocks with one label each.
    Map,
}

/// A nested block type.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedBlock {
    /// The block type name.
    pub type_name: String,
    /// The block's contents.
    pub block: Block,
    /// The grouping of blocks of this type.
    pub nesting: BlockNesting,
    /// Minimum number of blocks, 0 for none.
    pub min_items: i64,
    /// Maximum number of blocks, 0 for no limit.
    pub max_items: i64,
}

impl Block {
    /// Returns the implied cty object type of values of this block.
    pub fn value_type(&self) -> Type {
        let mut attributes: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.value_type()))
            .collect();
        for nested in &self.blocks {
            let object = nested.block.value_type();
            let ty = match nested.nesting {
                BlockNesting::Single | BlockNesting::Group => object,
                BlockNesting::List => Type::List(Box::new(object)),
                BlockNesting::Set => Type::Set(Box::new(object)),
                BlockNesting::Map => Type::Map(Box::new(object)),
            };
            attributes.insert(nested.type_name.clone(), ty);
        }
        Type::Object(attributes)
    }

    /// Finds a top-level attribute by name.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

impl Schema {
    /// Returns the implied cty type of values of this schema.
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_value_type_includes_nested() {
        let block = Block {
            attributes: vec![
                Attribute::new("id", Type::String, Mode::Computed, "The ID."),
                Attribute::nested(
                    "status",
                    NestedObject {
                        attributes: vec![Attribute::new(
                            "message",
                            Type::String,
                            Mode::Computed,
                            "A message.",
                        )],
                        nesting: ObjectNesting::Single,
                    },
                    Mode::Computed,
                    "A status.",
                ),
            ],
            blocks: vec![NestedBlock {
                type_name: "timeouts".into(),
                block: Block::default(),
                nesting: BlockNesting::List,
                min_items: 0,
                max_items: 0,
            }],
            description: String::new(),
            deprecated: false,
        };
        let expected = Type::Object(BTreeMap::from([
            ("id".to_string(), Type::String),
            (
                "status".to_string(),
                Type::Object(BTreeMap::from([("message".to_string(), Type::String)])),
            ),
            (
                "timeouts".to_string(),
                Type::List(Box::new(Type::Object(BTreeMap::new()))),
            ),
        ]));
        assert_eq!(block.value_type(), expected);
    }
}
