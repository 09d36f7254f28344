use proptest::collection::vec;
use proptest::prelude::*;

use super::*;

fn number(text: &str) -> Value {
    Value::Number(Number::parse(text).expect("test number is valid"))
}

fn id_name_type() -> Type {
    Type::object([("id", Type::String), ("name", Type::String)])
}

fn rules_type() -> Type {
    Type::object([("rules", Type::list(Type::object([("port", Type::Number)])))])
}

/// Cases whose JSON text is exactly what the encoder writes, checked in both directions.
#[test]
fn json_round_trips_canonical_text() {
    let cases: Vec<(&str, Value, Type, &str)> = vec![
        ("null", Value::Null, Type::String, "null"),
        ("string", Value::string("hi"), Type::String, r#""hi""#),
        ("integer", number("42"), Type::Number, "42"),
        ("negative fraction", number("-0.5"), Type::Number, "-0.5"),
        ("one tenth", number("0.1"), Type::Number, "0.1"),
        (
            "integer above u64",
            number("12345678901234567890123"),
            Type::Number,
            "12345678901234567890123",
        ),
        ("bool", Value::Bool(true), Type::Bool, "true"),
        (
            "list",
            Value::List(vec![Value::string("a"), Value::Null]),
            Type::list(Type::String),
            r#"["a",null]"#,
        ),
        (
            "set",
            Value::Set(vec![number("1"), number("2")]),
            Type::set(Type::Number),
            "[1,2]",
        ),
        (
            "map",
            Value::Map(BTreeMap::from([
                ("b".to_owned(), Value::Bool(false)),
                ("a".to_owned(), Value::Bool(true)),
            ])),
            Type::map(Type::Bool),
            r#"{"a":true,"b":false}"#,
        ),
        (
            "object",
            Value::object([("id", Value::string("x")), ("name", Value::Null)]),
            id_name_type(),
            r#"{"id":"x","name":null}"#,
        ),
        (
            "nested objects",
            Value::object([(
                "rules",
                Value::List(vec![Value::object([("port", number("443"))])]),
            )]),
            rules_type(),
            r#"{"rules":[{"port":443}]}"#,
        ),
        (
            "tuple",
            Value::Tuple(vec![Value::string("a"), number("1")]),
            Type::Tuple(vec![Type::String, Type::Number]),
            r#"["a",1]"#,
        ),
        (
            "dynamic",
            Value::Dynamic(Type::list(Type::String), Box::new(Value::List(vec![]))),
            Type::Dynamic,
            r#"{"value":[],"type":["list","string"]}"#,
        ),
    ];
    for (name, value, ty, text) in cases {
        let encoded = encode_json(&value, &ty).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(
            String::from_utf8(encoded).unwrap(),
            text,
            "case {name} encoding"
        );
        let decoded =
            decode_json(text.as_bytes(), &ty).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(decoded, value, "case {name} decoding");
    }
}

/// Cases in forms that stored state may hold, which the encoder never writes.
#[test]
fn json_decodes_alternative_forms() {
    let cases: Vec<(&str, &str, Type, Value)> = vec![
        ("empty input", "", id_name_type(), Value::Null),
        (
            "missing attribute is null",
            r#"{"id":"x"}"#,
            id_name_type(),
            Value::object([("id", Value::string("x")), ("name", Value::Null)]),
        ),
        (
            "unknown key ignored",
            r#"{"id":"x","name":"y","retired":[1]}"#,
            id_name_type(),
            Value::object([("id", Value::string("x")), ("name", Value::string("y"))]),
        ),
        ("exponent literal", "1.5e3", Type::Number, number("1500")),
        ("trailing zeros", "1.50", Type::Number, number("1.5")),
        (
            "long fraction",
            "0.1000000000000000000000000001",
            Type::Number,
            number("0.1000000000000000000000000001"),
        ),
        ("number from text", r#""0.1""#, Type::Number, number("0.1")),
        (
            "string from number keeps text",
            "1.50",
            Type::String,
            Value::string("1.50"),
        ),
        (
            "string from bool",
            "false",
            Type::String,
            Value::string("false"),
        ),
        ("bool from text", r#""true""#, Type::Bool, Value::Bool(true)),
        (
            "dynamic without value",
            r#"{"type":"string"}"#,
            Type::Dynamic,
            Value::Dynamic(Type::String, Box::new(Value::Null)),
        ),
        (
            "dynamic with keys reversed",
            r#"{"type":"number","value":7}"#,
            Type::Dynamic,
            Value::Dynamic(Type::Number, Box::new(number("7"))),
        ),
        (
            "set in other order",
            "[2,1]",
            Type::set(Type::Number),
            Value::Set(vec![number("1"), number("2")]),
        ),
    ];
    for (name, text, ty, expected) in cases {
        let decoded =
            decode_json(text.as_bytes(), &ty).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(decoded, expected, "case {name}");
    }
}

#[test]
fn json_decode_reports_errors() {
    let cases: Vec<(&str, &str, Type, &str)> = vec![
        ("malformed", "{", id_name_type(), "invalid JSON"),
        ("trailing text", "1 2", Type::Number, "invalid JSON"),
        (
            "word for bool",
            r#""yes""#,
            Type::Bool,
            "bool required at (root), found string",
        ),
        (
            "array for object",
            "[]",
            id_name_type(),
            "object required at (root), found array",
        ),
        (
            "nested kind",
            r#"{"rules":[{"port":1},{"port":true}]}"#,
            rules_type(),
            "number required at .rules[1].port, found bool",
        ),
        (
            "tuple length",
            "[1]",
            Type::Tuple(vec![Type::Number, Type::Number]),
            "tuple of 2 elements required at (root), found 1",
        ),
        (
            "number text",
            r#""abc""#,
            Type::Number,
            "invalid number \"abc\" at (root)",
        ),
        (
            "dynamic without type",
            r#"{"value":1}"#,
            Type::Dynamic,
            "invalid type JSON at (root): a dynamic value needs a \"type\" key",
        ),
        (
            "dynamic bad type",
            r#"{"d":{"value":1,"type":"integer"}}"#,
            Type::object([("d", Type::Dynamic)]),
            "invalid type JSON at .d: unknown primitive type \"integer\"",
        ),
        (
            "plain value at dynamic",
            "1",
            Type::Dynamic,
            "dynamic required at (root), found number",
        ),
    ];
    for (name, text, ty, expected) in cases {
        match decode_json(text.as_bytes(), &ty) {
            Ok(value) => panic!("case {name} decoded to {value:?}"),
            Err(error) => assert!(
                error.to_string().contains(expected),
                "case {name}: {error} does not contain {expected:?}"
            ),
        }
    }
}

#[test]
fn json_limits_dynamic_nesting() {
    let mut text = "true".to_owned();
    for _ in 0..MAX_VALUE_DEPTH + 1 {
        text = format!(r#"{{"value":{text},"type":"dynamic"}}"#);
    }
    let error = decode_json(text.as_bytes(), &Type::Dynamic).unwrap_err();
    assert!(error.to_string().contains("nests deeper than"), "{error}");
}

#[test]
fn json_encode_reports_errors() {
    let cases: Vec<(&str, Value, Type, &str)> = vec![
        (
            "unknown attribute",
            Value::object([("id", Value::Unknown), ("name", Value::Null)]),
            id_name_type(),
            "unknown value at .id cannot be encoded as JSON",
        ),
        (
            "infinity",
            Value::List(vec![number("-Inf")]),
            Type::list(Type::Number),
            "infinite number at [0] cannot be encoded as JSON",
        ),
        (
            "missing attribute",
            Value::object([("id", Value::Null)]),
            id_name_type(),
            "missing attribute \"name\" at (root)",
        ),
        (
            "tuple length",
            Value::Tuple(vec![]),
            Type::Tuple(vec![Type::Bool]),
            "tuple of 1 elements required at (root), found 0",
        ),
        (
            "kind",
            Value::Bool(true),
            Type::String,
            "string required at (root), found bool",
        ),
    ];
    for (name, value, ty, expected) in cases {
        match encode_json(&value, &ty) {
            Ok(bytes) => panic!("case {name} encoded to {}", String::from_utf8_lossy(&bytes)),
            Err(error) => assert_eq!(error.to_string(), expected, "case {name}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn json_decode_random_text_never_panics(
        bytes in vec(prop::sample::select(b"[]{}\":,0123456789.eE+-truefalsnvlypgdmic \\".to_vec()), 0..64),
    ) {
        for ty in [Type::Dynamic, Type::list(Type::Number), Type::map(Type::String), id_name_type()] {
            if let Ok(value) = decode_json(&bytes, &ty) {
                prop_assert!(value.conforms_to(&ty).is_ok());
            }
        }
    }
}
