use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use super::*;

fn hash_of(number: &Number) -> u64 {
    let mut hasher = DefaultHasher::new();
    number.hash(&mut hasher);
    hasher.finish()
}

#[test]
fn parse_then_display_is_canonical() {
    let cases = [
        ("zero", "0", "0"),
        ("negative zero", "-0.0", "0"),
        ("integer", "12", "12"),
        ("plus sign", "+7", "7"),
        ("leading zeros", "007", "7"),
        ("negative fraction", "-0.5", "-0.5"),
        ("one tenth", "0.1", "0.1"),
        ("trailing zeros", "1.2500", "1.25"),
        ("integral with point", "3.0", "3"),
        ("positive exponent", "1.5e3", "1500"),
        ("negative exponent", "15E-4", "0.0015"),
        ("bare fraction", ".5", "0.5"),
        ("bare point suffix", "5.", "5"),
        (
            "above u64",
            "12345678901234567890123",
            "12345678901234567890123",
        ),
        (
            "many fraction digits",
            "-3.14159265358979323846264338327950288",
            "-3.14159265358979323846264338327950288",
        ),
        ("twenty padding zeros", "1e20", "100000000000000000000"),
        ("large power of ten", "1e21", "1e21"),
        ("large with digits", "-1.25e30", "-1.25e30"),
        ("twenty leading zeros", "1e-21", "0.000000000000000000001"),
        ("small power of ten", "1e-22", "1e-22"),
        ("small with digits", "3.75e-40", "3.75e-40"),
        ("short input stays short", "1e9999", "1e9999"),
        ("positive infinity", "+Inf", "+Inf"),
        ("negative infinity", "-inf", "-Inf"),
    ];
    for (name, text, expected) in cases {
        let number = Number::parse(text).unwrap_or_else(|error| panic!("case {name}: {error}"));
        assert_eq!(number.to_string(), expected, "case {name}");
    }
}

#[test]
fn parse_rejects_invalid_text() {
    let cases = [
        ("empty", ""),
        ("sign only", "-"),
        ("point only", "."),
        ("letters", "12a"),
        ("two points", "1.2.3"),
        ("empty exponent", "1e"),
        ("space", " 1"),
        ("hex", "0x10"),
        ("nan", "NaN"),
        ("huge exponent", "1e10001"),
        ("tiny exponent", "1e-10001"),
        ("overflowing exponent", "1e99999999999999999999999"),
    ];
    for (name, text) in cases {
        assert!(Number::parse(text).is_err(), "case {name} parsed: {text:?}");
    }
}

#[test]
fn integer_conversions_check_range() {
    let cases: [(&str, &str, Option<i64>, Option<u64>); 8] = [
        ("zero", "0", Some(0), Some(0)),
        ("negative", "-42", Some(-42), None),
        ("exponent form", "2e3", Some(2000), Some(2000)),
        ("i64 min", "-9223372036854775808", Some(i64::MIN), None),
        ("above i64", "9223372036854775808", None, Some(1 << 63)),
        ("u64 max", "18446744073709551615", None, Some(u64::MAX)),
        ("above u64", "18446744073709551616", None, None),
        ("fraction", "1.5", None, None),
    ];
    for (name, text, signed, unsigned) in cases {
        let number = Number::parse(text).expect("test input is valid");
        assert_eq!(number.as_i64(), signed, "case {name} as i64");
        assert_eq!(number.as_u64(), unsigned, "case {name} as u64");
    }
}

#[test]
fn constructors_match_parsed_text() {
    assert_eq!(
        Number::from_i64(i64::MIN).to_string(),
        "-9223372036854775808"
    );
    assert_eq!(
        Number::from_i64(-120),
        Number::parse("-1.2e2").expect("valid")
    );
    assert_eq!(
        Number::from_u64(u64::MAX).to_string(),
        "18446744073709551615"
    );
    assert!(Number::from_i64(5).is_integer());
    assert!(!Number::parse("0.5").expect("valid").is_integer());
    assert!(!Number::infinity(false).is_integer());
}

#[test]
fn from_f64_is_exact() {
    let cases = [
        ("zero", 0.0, "0"),
        ("negative zero", -0.0, "0"),
        ("half", 0.5, "0.5"),
        ("integer", 1234.0, "1234"),
        (
            "one tenth",
            0.1,
            "0.1000000000000000055511151231257827021181583404541015625",
        ),
        (
            "two to the 64",
            18446744073709551616.0,
            "18446744073709551616",
        ),
        ("negative quarter", -0.25, "-0.25"),
        (
            "float32 tenth",
            f64::from(0.1f32),
            "0.100000001490116119384765625",
        ),
    ];
    for (name, float, expected) in cases {
        let number = Number::from_f64(float).expect("finite input");
        assert_eq!(number.to_string(), expected, "case {name}");
    }
    assert_eq!(Number::from_f64(f64::NAN), None);
    assert_eq!(
        Number::from_f64(f64::NEG_INFINITY),
        Some(Number::infinity(true))
    );
}

#[test]
fn from_f64_handles_extremes() {
    let max = Number::from_f64(f64::MAX).expect("finite input");
    assert_eq!(max.to_string().len(), 309);
    assert!(max.to_string().starts_with("17976931348623157"));
    let tiny = Number::from_f64(f64::from_bits(1)).expect("finite input");
    let text = tiny.to_string();
    assert!(text.starts_with("4.9406564584124654"), "{text}");
    assert!(text.ends_with("625e-324"), "{text}");
    // 2^-1074 has 751 significant digits, all kept.
    assert_eq!(text.len(), 751 + 1 + 5);
    assert_eq!(Number::parse(&text).expect("own output parses"), tiny);
    assert_eq!(tiny.to_f64_lossy(), f64::from_bits(1));
}

#[test]
fn display_output_parses_back() {
    let inputs = [
        "0",
        "-7",
        "0.1",
        "1e20",
        "1e21",
        "-4.5e-25",
        "123.456e50",
        "9e-10000",
        "1e9999",
    ];
    for text in inputs {
        let number = Number::parse(text).expect("valid");
        let reparsed = Number::parse(&number.to_string()).expect("output parses");
        assert_eq!(reparsed, number, "input {text}");
    }
}

#[test]
fn equality_and_hash_are_numeric() {
    let pairs = [
        ("trailing zero", "1", "1.0"),
        ("exponent", "100", "1e2"),
        ("signed zero", "0", "-0"),
        ("fraction", "0.50", "5e-1"),
    ];
    for (name, left, right) in pairs {
        let left = Number::parse(left).expect("valid");
        let right = Number::parse(right).expect("valid");
        assert_eq!(left, right, "case {name}");
        assert_eq!(hash_of(&left), hash_of(&right), "case {name} hash");
    }
    assert_ne!(
        Number::parse("0.1").expect("valid"),
        Number::from_f64(0.1).expect("finite")
    );
}

#[test]
fn ordering_is_numeric() {
    let ascending = [
        "-Inf",
        "-1e20",
        "-2",
        "-1.5",
        "-0.001",
        "0",
        "0.0001",
        "0.1",
        "0.11",
        "1",
        "1.01",
        "9",
        "10",
        "12345678901234567890123",
        "+Inf",
    ];
    let numbers: Vec<Number> = ascending
        .iter()
        .map(|text| Number::parse(text).expect("valid"))
        .collect();
    for (index, pair) in numbers.windows(2).enumerate() {
        assert!(
            pair[0] < pair[1],
            "{} < {}",
            ascending[index],
            ascending[index + 1]
        );
    }
    let mut shuffled = numbers.clone();
    shuffled.reverse();
    shuffled.sort();
    assert_eq!(shuffled, numbers);
}

#[test]
fn lossy_float_is_nearest() {
    assert_eq!(Number::parse("0.1").expect("valid").to_f64_lossy(), 0.1);
    assert_eq!(Number::infinity(true).to_f64_lossy(), f64::NEG_INFINITY);
}
