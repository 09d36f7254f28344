//! Property tests: the decoder returns an error, never a panic, for any input, and whatever it
//! accepts survives a round trip through the encoder.

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::protocol::value::{Number, Type, Value};

fn rule_type() -> Type {
    Type::object([("n", Type::Number), ("d", Type::Dynamic)])
}

fn resource_type() -> Type {
    Type::object([
        ("id", Type::String),
        ("tags", Type::map(Type::String)),
        ("rules", Type::list(rule_type())),
        ("ports", Type::set(Type::Number)),
        ("pair", Type::Tuple(vec![Type::Bool, Type::Number])),
    ])
}

fn sample_types() -> Vec<Type> {
    vec![
        Type::String,
        Type::Number,
        Type::Bool,
        Type::Dynamic,
        Type::list(Type::String),
        Type::set(Type::Number),
        Type::map(Type::Bool),
        Type::Tuple(vec![Type::String, Type::Dynamic]),
        resource_type(),
    ]
}

/// Valid encodings to mutate, each with the type it was written for.
fn sample_encodings() -> Vec<(Type, Vec<u8>)> {
    let rule = Value::object([
        (
            "n",
            Value::Number(Number::parse("-12.5e-3").expect("valid")),
        ),
        (
            "d",
            Value::Dynamic(
                Type::list(Type::String),
                Box::new(Value::List(vec![Value::string("x"), Value::Unknown])),
            ),
        ),
    ]);
    let resource = Value::object([
        ("id", Value::string("rule-1")),
        (
            "tags",
            Value::Map([("env".to_owned(), Value::string("prod"))].into()),
        ),
        ("rules", Value::List(vec![rule, Value::Null])),
        (
            "ports",
            Value::Set(vec![Value::number_i64(443), Value::number_i64(-70_000)]),
        ),
        (
            "pair",
            Value::Tuple(vec![Value::Bool(true), Value::Unknown]),
        ),
    ]);
    let mut samples = vec![(resource_type(), resource)];
    samples.push((
        Type::Dynamic,
        Value::Dynamic(resource_type(), Box::new(samples[0].1.clone())),
    ));
    samples.push((
        Type::Number,
        Value::Number(Number::parse("12345678901234567890123.25").expect("valid")),
    ));
    let mut encodings: Vec<(Type, Vec<u8>)> = samples
        .into_iter()
        .map(|(ty, value)| {
            let bytes = encode_msgpack(&value, &ty).expect("sample fits its type");
            (ty, bytes)
        })
        .collect();
    // A refined unknown, so mutations reach the refinement parser.
    encodings.push((
        Type::String,
        vec![0xc7, 0x05, 0x0c, 0x82, 0x01, 0xc2, 0x05, 0x01],
    ));
    encodings
}

/// Decodes input and, when it is accepted, checks that it re-encodes to an equal value.
fn check_decode(bytes: &[u8], ty: &Type) -> Result<(), TestCaseError> {
    let Ok(value) = decode_msgpack(bytes, ty) else {
        return Ok(());
    };
    prop_assert!(
        value.conforms_to(ty).is_ok(),
        "decoded value does not conform"
    );
    let encoded = encode_msgpack(&value, ty);
    prop_assert!(encoded.is_ok(), "re-encoding failed: {:?}", encoded);
    let encoded = encoded.unwrap_or_default();
    let decoded = decode_msgpack(&encoded, ty);
    prop_assert!(decoded.is_ok(), "re-decoding failed: {:?}", decoded);
    prop_assert_eq!(decoded.unwrap_or(Value::Null), value);
    Ok(())
}

/// One change to a byte string: replace, insert or cut at a position taken modulo its length.
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, u8),
    Truncate(usize),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Replace(at, byte)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Insert(at, byte)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    match *edit {
        Edit::Replace(at, byte) if !bytes.is_empty() => {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        Edit::Insert(at, byte) => {
            let at = at % (bytes.len() + 1);
            bytes.insert(at, byte);
        }
        Edit::Truncate(at) if !bytes.is_empty() => bytes.truncate(at % bytes.len()),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decode_random_bytes_never_panics(
        bytes in vec(any::<u8>(), 0..96),
        type_index in 0..9usize,
    ) {
        let types = sample_types();
        check_decode(&bytes, &types[type_index % types.len()])?;
    }

    #[test]
    fn decode_mutated_encodings_never_panics(
        sample_index in 0..4usize,
        edits in vec(edit_strategy(), 1..4),
    ) {
        let samples = sample_encodings();
        let (ty, mut bytes) = samples[sample_index % samples.len()].clone();
        for edit in &edits {
            apply(&mut bytes, edit);
        }
        check_decode(&bytes, &ty)?;
    }
}

#[test]
fn sample_encodings_decode_unchanged() {
    for (ty, bytes) in sample_encodings() {
        let decoded = decode_msgpack(&bytes, &ty);
        assert!(decoded.is_ok(), "{ty}: {decoded:?}");
    }
}
