use super::*;

fn rule_type() -> Type {
    Type::object([
        ("name", Type::String),
        ("rule_ids", Type::list(Type::Number)),
    ])
}

#[test]
fn equality_ignores_set_order() {
    let cases = [
        (
            "reordered set",
            Value::Set(vec![Value::string("a"), Value::string("b")]),
            Value::Set(vec![Value::string("b"), Value::string("a")]),
            true,
        ),
        (
            "set multiplicity differs",
            Value::Set(vec![
                Value::string("a"),
                Value::string("a"),
                Value::string("b"),
            ]),
            Value::Set(vec![
                Value::string("a"),
                Value::string("b"),
                Value::string("b"),
            ]),
            false,
        ),
        (
            "set length differs",
            Value::Set(vec![Value::string("a")]),
            Value::Set(vec![Value::string("a"), Value::string("a")]),
            false,
        ),
        (
            "reordered list",
            Value::List(vec![Value::string("a"), Value::string("b")]),
            Value::List(vec![Value::string("b"), Value::string("a")]),
            false,
        ),
        (
            "nested set in object",
            Value::object([(
                "s",
                Value::Set(vec![Value::number_i64(1), Value::number_i64(2)]),
            )]),
            Value::object([(
                "s",
                Value::Set(vec![Value::number_i64(2), Value::number_i64(1)]),
            )]),
            true,
        ),
        (
            "numbers by value",
            Value::Number(Number::parse("1.0").expect("valid")),
            Value::number_i64(1),
            true,
        ),
        (
            "list is not tuple",
            Value::List(vec![]),
            Value::Tuple(vec![]),
            false,
        ),
        ("null is not unknown", Value::Null, Value::Unknown, false),
        (
            "dynamic types differ",
            Value::Dynamic(Type::String, Box::new(Value::string("1"))),
            Value::Dynamic(Type::Number, Box::new(Value::string("1"))),
            false,
        ),
    ];
    for (name, left, right, expected) in cases {
        assert_eq!(left == right, expected, "case {name}");
        assert_eq!(right == left, expected, "case {name} reversed");
    }
}

#[test]
fn accessors_look_through_dynamic() {
    let object = Value::object([
        ("name", Value::string("web")),
        ("enabled", Value::Bool(true)),
        ("count", Value::number_i64(3)),
        ("ids", Value::List(vec![Value::number_i64(1)])),
    ]);
    let wrapped = Value::Dynamic(
        Type::object([
            ("name", Type::String),
            ("enabled", Type::Bool),
            ("count", Type::Number),
            ("ids", Type::list(Type::Number)),
        ]),
        Box::new(object),
    );
    assert_eq!(wrapped.attr("name").and_then(Value::as_str), Some("web"));
    assert_eq!(wrapped.attr("enabled").and_then(Value::as_bool), Some(true));
    assert_eq!(
        wrapped.attr("count").and_then(Value::as_number),
        Some(&Number::from_i64(3))
    );
    assert_eq!(
        wrapped
            .attr("ids")
            .and_then(Value::elements)
            .map(<[Value]>::len),
        Some(1)
    );
    assert_eq!(wrapped.attr("missing"), None);
    assert_eq!(Value::string("x").attr("name"), None);
    assert!(Value::Dynamic(Type::String, Box::new(Value::Null)).is_null());
    assert!(Value::Dynamic(Type::String, Box::new(Value::Unknown)).is_unknown());
}

#[test]
fn wholly_known_finds_nested_unknowns() {
    let cases = [
        ("null", Value::Null, true),
        ("unknown", Value::Unknown, false),
        ("known list", Value::List(vec![Value::string("a")]), true),
        ("unknown in set", Value::Set(vec![Value::Unknown]), false),
        (
            "unknown attribute",
            Value::object([("a", Value::Unknown)]),
            false,
        ),
        (
            "unknown in dynamic",
            Value::Dynamic(
                Type::list(Type::String),
                Box::new(Value::List(vec![Value::Unknown])),
            ),
            false,
        ),
    ];
    for (name, value, expected) in cases {
        assert_eq!(value.is_wholly_known(), expected, "case {name}");
    }
    assert!(!Value::List(vec![Value::Unknown]).is_unknown());
}

#[test]
fn conforms_to_accepts_matching_values() {
    let cases = [
        ("null object", Value::Null, rule_type()),
        ("unknown string", Value::Unknown, Type::String),
        (
            "object with unknown list",
            Value::object([("name", Value::string("a")), ("rule_ids", Value::Unknown)]),
            rule_type(),
        ),
        (
            "tuple",
            Value::Tuple(vec![Value::Bool(false), Value::Null]),
            Type::Tuple(vec![Type::Bool, Type::String]),
        ),
        (
            "dynamic",
            Value::Dynamic(
                Type::map(Type::String),
                Box::new(Value::Map(BTreeMap::new())),
            ),
            Type::Dynamic,
        ),
    ];
    for (name, value, ty) in cases {
        if let Err(error) = value.conforms_to(&ty) {
            panic!("case {name}: {error}");
        }
    }
}

#[test]
fn conforms_to_names_failing_path() {
    let cases = [
        (
            "wrong element kind",
            Value::object([
                ("name", Value::string("a")),
                (
                    "rule_ids",
                    Value::List(vec![
                        Value::number_i64(1),
                        Value::number_i64(2),
                        Value::string("3"),
                    ]),
                ),
            ]),
            rule_type(),
            "number required at .rule_ids[2], found string",
        ),
        (
            "missing attribute",
            Value::object([("name", Value::string("a"))]),
            rule_type(),
            "missing attribute \"rule_ids\" at (root)",
        ),
        (
            "extra attribute",
            Value::object([
                ("name", Value::Null),
                ("rule_ids", Value::Null),
                ("other", Value::Null),
            ]),
            rule_type(),
            "unsupported attribute \"other\" at (root)",
        ),
        (
            "tuple length",
            Value::Tuple(vec![Value::Null]),
            Type::Tuple(vec![Type::String, Type::String]),
            "tuple of 2 elements required at (root), found 1",
        ),
        (
            "map element",
            Value::Map(BTreeMap::from([("k".to_owned(), Value::Bool(true))])),
            Type::map(Type::String),
            "string required at [\"k\"], found bool",
        ),
        (
            "plain value at dynamic",
            Value::string("x"),
            Type::Dynamic,
            "dynamic required at (root), found string",
        ),
        (
            "list at set",
            Value::List(vec![]),
            Type::set(Type::String),
            "set of string required at (root), found list",
        ),
    ];
    for (name, value, ty, expected) in cases {
        match value.conforms_to(&ty) {
            Ok(()) => panic!("case {name} conformed"),
            Err(error) => assert_eq!(error.to_string(), expected, "case {name}"),
        }
    }
}
