use std::collections::BTreeMap;

use super::*;
use crate::protocol::value::{Number, Type, Value};

/// Parses space-separated hex bytes such as `"82 a2 69 64"`.
fn hex(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|byte| u8::from_str_radix(byte, 16).expect("test hex is valid"))
        .collect()
}

fn number(text: &str) -> Value {
    Value::Number(Number::parse(text).expect("test number is valid"))
}

fn strings(items: &[&str]) -> Vec<Value> {
    items.iter().map(|item| Value::string(*item)).collect()
}

fn id_name_type() -> Type {
    Type::object([("id", Type::String), ("name", Type::String)])
}

/// Cases whose bytes are exactly what the encoder writes, checked in both directions.
#[test]
fn msgpack_round_trips_canonical_bytes() {
    let cases: Vec<(&str, Value, Type, &str)> = vec![
        ("null string", Value::Null, Type::String, "c0"),
        ("null object", Value::Null, id_name_type(), "c0"),
        ("unknown string", Value::Unknown, Type::String, "d4 00 00"),
        (
            "unknown list",
            Value::Unknown,
            Type::list(Type::Bool),
            "d4 00 00",
        ),
        ("string", Value::string("hi"), Type::String, "a2 68 69"),
        ("empty string", Value::string(""), Type::String, "a0"),
        ("true", Value::Bool(true), Type::Bool, "c3"),
        ("false", Value::Bool(false), Type::Bool, "c2"),
        ("zero", number("0"), Type::Number, "00"),
        ("fixint max", number("127"), Type::Number, "7f"),
        ("uint8", number("128"), Type::Number, "cc 80"),
        ("uint16", number("256"), Type::Number, "cd 01 00"),
        ("uint32", number("65536"), Type::Number, "ce 00 01 00 00"),
        (
            "uint64 from i64",
            number("4294967296"),
            Type::Number,
            "cf 00 00 00 01 00 00 00 00",
        ),
        (
            "u64 max",
            number("18446744073709551615"),
            Type::Number,
            "cf ff ff ff ff ff ff ff ff",
        ),
        ("negative fixint", number("-1"), Type::Number, "ff"),
        ("negative fixint min", number("-32"), Type::Number, "e0"),
        ("int8", number("-33"), Type::Number, "d0 df"),
        ("int16", number("-129"), Type::Number, "d1 ff 7f"),
        ("int32", number("-32769"), Type::Number, "d2 ff ff 7f ff"),
        (
            "i64 min",
            number("-9223372036854775808"),
            Type::Number,
            "d3 80 00 00 00 00 00 00 00",
        ),
        (
            "integer above u64",
            number("12345678901234567890123"),
            Type::Number,
            "b7 31 32 33 34 35 36 37 38 39 30 31 32 33 34 35 36 37 38 39 30 31 32 33",
        ),
        (
            "one tenth as text",
            number("0.1"),
            Type::Number,
            "a3 30 2e 31",
        ),
        (
            "large power of ten as text",
            number("1e25"),
            Type::Number,
            "a4 31 65 32 35",
        ),
        (
            "negative half as text",
            number("-0.5"),
            Type::Number,
            "a4 2d 30 2e 35",
        ),
        (
            "positive infinity",
            number("+Inf"),
            Type::Number,
            "cb 7f f0 00 00 00 00 00 00",
        ),
        (
            "negative infinity",
            number("-Inf"),
            Type::Number,
            "cb ff f0 00 00 00 00 00 00",
        ),
        (
            "list of strings",
            Value::List(strings(&["a", "b"])),
            Type::list(Type::String),
            "92 a1 61 a1 62",
        ),
        (
            "empty list",
            Value::List(vec![]),
            Type::list(Type::String),
            "90",
        ),
        (
            "set of numbers",
            Value::Set(vec![number("1"), number("2")]),
            Type::set(Type::Number),
            "92 01 02",
        ),
        (
            "map of bools",
            Value::Map(BTreeMap::from([("a".to_owned(), Value::Bool(true))])),
            Type::map(Type::Bool),
            "81 a1 61 c3",
        ),
        (
            "object with unknown attribute",
            Value::object([("id", Value::Unknown), ("name", Value::string("x"))]),
            id_name_type(),
            "82 a2 69 64 d4 00 00 a4 6e 61 6d 65 a1 78",
        ),
        (
            "empty object",
            Value::object::<String>([]),
            Type::object::<String>([]),
            "80",
        ),
        (
            "nested objects",
            Value::object([(
                "rule",
                Value::object([("ids", Value::List(vec![number("7"), Value::Null]))]),
            )]),
            Type::object([("rule", Type::object([("ids", Type::list(Type::Number))]))]),
            "81 a4 72 75 6c 65 81 a3 69 64 73 92 07 c0",
        ),
        (
            "tuple",
            Value::Tuple(vec![Value::string("a"), number("1")]),
            Type::Tuple(vec![Type::String, Type::Number]),
            "92 a1 61 01",
        ),
        (
            "dynamic string",
            Value::Dynamic(Type::String, Box::new(Value::string("hi"))),
            Type::Dynamic,
            "92 c4 08 22 73 74 72 69 6e 67 22 a2 68 69",
        ),
        (
            "dynamic list in object",
            Value::object([(
                "d",
                Value::Dynamic(
                    Type::list(Type::Bool),
                    Box::new(Value::List(vec![Value::Bool(true)])),
                ),
            )]),
            Type::object([("d", Type::Dynamic)]),
            "81 a1 64 92 c4 0f 5b 22 6c 69 73 74 22 2c 22 62 6f 6f 6c 22 5d 91 c3",
        ),
        ("null dynamic", Value::Null, Type::Dynamic, "c0"),
        ("unknown dynamic", Value::Unknown, Type::Dynamic, "d4 00 00"),
    ];
    for (name, value, ty, bytes) in cases {
        let bytes = hex(bytes);
        let encoded = encode_msgpack(&value, &ty).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(encoded, bytes, "case {name} encoding");
        let decoded = decode_msgpack(&bytes, &ty).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(decoded, value, "case {name} decoding");
    }
}

/// Cases in forms Terraform or other encoders may send, which the encoder never writes.
#[test]
fn msgpack_decodes_alternative_forms() {
    let cases: Vec<(&str, &str, Type, Value)> = vec![
        ("empty input is null", "", Type::String, Value::Null),
        (
            "refined not null",
            "c7 03 0c 81 01 c2",
            Type::String,
            Value::Unknown,
        ),
        (
            "refined prefix",
            "c7 05 0c 81 02 a2 61 62",
            Type::String,
            Value::Unknown,
        ),
        (
            "refined bound",
            "c7 05 0c 81 03 92 00 c3",
            Type::Number,
            Value::Unknown,
        ),
        (
            "refined text bound",
            "c7 06 0c 81 04 92 a1 35 c2",
            Type::Number,
            Value::Unknown,
        ),
        (
            "refined length",
            "c7 05 0c 82 05 01 06 03",
            Type::list(Type::String),
            Value::Unknown,
        ),
        (
            "refined unknown key",
            "c7 04 0c 81 09 91 c0",
            Type::String,
            Value::Unknown,
        ),
        (
            "refined on dynamic",
            "c7 03 0c 81 01 c2",
            Type::Dynamic,
            Value::Unknown,
        ),
        ("other ext type", "d4 05 00", Type::Bool, Value::Unknown),
        (
            "empty ext payload",
            "c7 00 00",
            Type::String,
            Value::Unknown,
        ),
        ("refined one byte", "d4 0c 00", Type::String, Value::Unknown),
        (
            "fixext2 type 0",
            "d5 00 00 00",
            Type::String,
            Value::Unknown,
        ),
        (
            "unknown element",
            "92 a1 61 d4 00 00",
            Type::list(Type::String),
            Value::List(vec![Value::string("a"), Value::Unknown]),
        ),
        (
            "string from bin",
            "c4 02 68 69",
            Type::String,
            Value::string("hi"),
        ),
        (
            "string from str8",
            "d9 02 68 69",
            Type::String,
            Value::string("hi"),
        ),
        ("uint8 small", "cc 05", Type::Number, number("5")),
        ("uint16 small", "cd 00 05", Type::Number, number("5")),
        ("uint32 small", "ce 00 00 00 05", Type::Number, number("5")),
        (
            "uint64 small",
            "cf 00 00 00 00 00 00 00 05",
            Type::Number,
            number("5"),
        ),
        ("int8 positive", "d0 05", Type::Number, number("5")),
        ("int16 negative", "d1 ff fb", Type::Number, number("-5")),
        (
            "int32 negative",
            "d2 ff ff ff fb",
            Type::Number,
            number("-5"),
        ),
        (
            "int64 negative",
            "d3 ff ff ff ff ff ff ff fb",
            Type::Number,
            number("-5"),
        ),
        (
            "float64 half",
            "cb 3f e0 00 00 00 00 00 00",
            Type::Number,
            number("0.5"),
        ),
        (
            "float64 integral",
            "cb 40 00 00 00 00 00 00 00",
            Type::Number,
            number("2"),
        ),
        (
            "float64 one tenth exactly",
            "cb 3f b9 99 99 99 99 99 9a",
            Type::Number,
            number("0.1000000000000000055511151231257827021181583404541015625"),
        ),
        ("float32", "ca 3f c0 00 00", Type::Number, number("1.5")),
        (
            "float32 infinity",
            "ca ff 80 00 00",
            Type::Number,
            number("-Inf"),
        ),
        (
            "number from exponent text",
            "a3 31 65 33",
            Type::Number,
            number("1000"),
        ),
        (
            "number from bin text",
            "c4 03 30 2e 31",
            Type::Number,
            number("0.1"),
        ),
        (
            "dynamic with str type",
            "92 a8 22 73 74 72 69 6e 67 22 a2 68 69",
            Type::Dynamic,
            Value::Dynamic(Type::String, Box::new(Value::string("hi"))),
        ),
        (
            "dynamic holding null",
            "92 c4 08 22 73 74 72 69 6e 67 22 c0",
            Type::Dynamic,
            Value::Dynamic(Type::String, Box::new(Value::Null)),
        ),
        (
            "object keys unsorted",
            "82 a4 6e 61 6d 65 a1 78 c4 02 69 64 a1 79",
            id_name_type(),
            Value::object([("id", Value::string("y")), ("name", Value::string("x"))]),
        ),
        (
            "set in other order",
            "92 02 01",
            Type::set(Type::Number),
            Value::Set(vec![number("1"), number("2")]),
        ),
        (
            "array16 header",
            "dc 00 01 c3",
            Type::list(Type::Bool),
            Value::List(vec![Value::Bool(true)]),
        ),
        (
            "map32 header",
            "df 00 00 00 01 a1 6b c2",
            Type::map(Type::Bool),
            Value::Map(BTreeMap::from([("k".to_owned(), Value::Bool(false))])),
        ),
    ];
    for (name, bytes, ty, expected) in cases {
        let decoded =
            decode_msgpack(&hex(bytes), &ty).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(decoded, expected, "case {name}");
    }
}

#[test]
fn msgpack_decode_reports_errors() {
    let rules_type = Type::object([("rule_ids", Type::list(Type::Number))]);
    let cases: Vec<(&str, &str, Type, &str)> = vec![
        (
            "missing attribute",
            "81 a2 69 64 a1 78",
            id_name_type(),
            "missing attribute \"name\" at (root)",
        ),
        (
            "unsupported attribute",
            "83 a2 69 64 c0 a4 6e 61 6d 65 c0 a1 7a c0",
            id_name_type(),
            "unsupported attribute \"z\" at (root)",
        ),
        (
            "duplicate attribute",
            "82 a2 69 64 c0 a2 69 64 c0",
            id_name_type(),
            "duplicate key \"id\" at (root)",
        ),
        (
            "nested element kind",
            "81 a8 72 75 6c 65 5f 69 64 73 93 01 02 c3",
            rules_type.clone(),
            "number required at .rule_ids[2], found bool",
        ),
        (
            "short tuple",
            "91 01",
            Type::Tuple(vec![Type::Number, Type::Number]),
            "tuple of 2 elements required at (root), found 1",
        ),
        (
            "long tuple",
            "93 01 02 03",
            Type::Tuple(vec![Type::Number, Type::Number]),
            "tuple of 2 elements required at (root), found 3",
        ),
        (
            "trailing bytes",
            "c3 c3 c3",
            Type::Bool,
            "2 trailing bytes after the value",
        ),
        (
            "trailing after null",
            "c0 00",
            Type::String,
            "1 trailing bytes after the value",
        ),
        (
            "truncated list",
            "92 a1 61",
            Type::list(Type::String),
            "truncated input at [1]",
        ),
        (
            "truncated string",
            "a3 61",
            Type::String,
            "truncated input at (root)",
        ),
        (
            "truncated int",
            "cd 01",
            Type::Number,
            "truncated input at (root)",
        ),
        (
            "truncated ext",
            "c7 05 0c 81",
            Type::String,
            "truncated input at (root)",
        ),
        (
            "truncated array32 header",
            "dd 00 00",
            Type::list(Type::Bool),
            "truncated input at (root)",
        ),
        (
            "huge count without data",
            "dd ff ff ff ff",
            Type::list(Type::Bool),
            "truncated input at [0]",
        ),
        (
            "string for bool",
            "a1 61",
            Type::Bool,
            "bool required at (root), found string",
        ),
        (
            "map for list",
            "80",
            Type::list(Type::Bool),
            "list of bool required at (root), found map",
        ),
        (
            "unused marker",
            "c1",
            Type::String,
            "string required at (root), found the unused marker 0xc1",
        ),
        (
            "integer map key",
            "81 01 c3",
            Type::map(Type::Bool),
            "string required at (root), found integer",
        ),
        (
            "duplicate map key",
            "82 a1 6b c3 a1 6b c2",
            Type::map(Type::Bool),
            "duplicate key \"k\" at (root)",
        ),
        (
            "invalid UTF-8",
            "a1 ff",
            Type::String,
            "invalid msgpack at (root): string is not valid UTF-8",
        ),
        (
            "NaN",
            "cb 7f f8 00 00 00 00 00 00",
            Type::Number,
            "invalid number \"NaN\" at (root): not a number",
        ),
        (
            "number text",
            "a1 78",
            Type::Number,
            "invalid number \"x\" at (root): not a decimal number",
        ),
        (
            "dynamic of one element",
            "91 c0",
            Type::Dynamic,
            "invalid msgpack at (root): a dynamic value must be an array of 2 elements, found 1",
        ),
        (
            "dynamic bad type",
            "92 a4 22 78 78 22 c0",
            Type::Dynamic,
            "invalid type JSON at (root)",
        ),
        (
            "refinements not a map",
            "c7 02 0c 01 02",
            Type::String,
            "refinement must be a map",
        ),
        (
            "refinement trailing bytes",
            "c7 02 0c 80 00",
            Type::String,
            "bytes follow",
        ),
        (
            "refinement wrong kind",
            "c7 03 0c 81 01 01",
            Type::String,
            "refinement must be a bool",
        ),
        (
            "refinement float key",
            "c7 0b 0c 81 cb 00 00 00 00 00 00 00 00 c2",
            Type::String,
            "key must be an integer",
        ),
    ];
    for (name, bytes, ty, expected) in cases {
        match decode_msgpack(&hex(bytes), &ty) {
            Ok(value) => panic!("case {name} decoded to {value:?}"),
            Err(error) => assert!(
                error.to_string().contains(expected),
                "case {name}: {error:?} does not contain {expected:?}"
            ),
        }
    }
}

#[test]
fn msgpack_rejects_oversize_refinements() {
    let mut bytes = hex("c9 00 00 04 01 0c de 01 ff");
    bytes.resize(6 + 1025, 0xc0);
    let error = decode_msgpack(&bytes, &Type::String).unwrap_err();
    assert!(error.to_string().contains("exceed 1024 bytes"), "{error}");
}

#[test]
fn msgpack_limits_nesting_depth() {
    let nested = |depth: usize| -> (Vec<u8>, Type) {
        let mut ty = Type::Bool;
        let mut bytes = vec![0xc3];
        for _ in 0..depth {
            ty = Type::list(ty);
            bytes.insert(0, 0x91);
        }
        (bytes, ty)
    };
    let (bytes, ty) = nested(MAX_VALUE_DEPTH - 1);
    assert!(decode_msgpack(&bytes, &ty).is_ok());
    let (bytes, ty) = nested(MAX_VALUE_DEPTH);
    let error = decode_msgpack(&bytes, &ty).unwrap_err();
    assert!(error.to_string().contains("nests deeper than"), "{error}");

    // Dynamic wrappers add no path step but still count towards the limit.
    let wrapper = hex("92 a9 22 64 79 6e 61 6d 69 63 22");
    let mut bytes = wrapper.repeat(MAX_VALUE_DEPTH + 1);
    bytes.push(0xc3);
    let error = decode_msgpack(&bytes, &Type::Dynamic).unwrap_err();
    assert!(error.to_string().contains("nests deeper than"), "{error}");
}

#[test]
fn msgpack_encode_reports_errors() {
    let cases: Vec<(&str, Value, Type, &str)> = vec![
        (
            "string at number",
            Value::string("1"),
            Type::Number,
            "number required at (root), found string",
        ),
        (
            "missing attribute",
            Value::object([("id", Value::Null)]),
            id_name_type(),
            "missing attribute \"name\" at (root)",
        ),
        (
            "extra attribute",
            Value::object([
                ("id", Value::Null),
                ("name", Value::Null),
                ("x", Value::Null),
            ]),
            id_name_type(),
            "unsupported attribute \"x\" at (root)",
        ),
        (
            "tuple length",
            Value::Tuple(vec![]),
            Type::Tuple(vec![Type::Bool]),
            "tuple of 1 elements required at (root), found 0",
        ),
        (
            "plain value at dynamic",
            Value::Bool(true),
            Type::Dynamic,
            "dynamic required at (root), found bool",
        ),
        (
            "nested mismatch",
            Value::List(vec![
                Value::Null,
                Value::object([("id", Value::Bool(true)), ("name", Value::Null)]),
            ]),
            Type::list(id_name_type()),
            "string required at [1].id, found bool",
        ),
    ];
    for (name, value, ty, expected) in cases {
        match encode_msgpack(&value, &ty) {
            Ok(bytes) => panic!("case {name} encoded to {bytes:02x?}"),
            Err(error) => assert_eq!(error.to_string(), expected, "case {name}"),
        }
    }
}

#[test]
fn msgpack_keeps_decimal_precision() {
    let decoded = decode_msgpack(&hex("a3 30 2e 31"), &Type::Number).unwrap();
    assert_ne!(decoded, Value::Number(Number::from_f64(0.1).unwrap()));
    assert_eq!(
        encode_msgpack(&decoded, &Type::Number).unwrap(),
        hex("a3 30 2e 31")
    );
}
