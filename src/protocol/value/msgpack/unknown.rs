//! Unknown values on the wire: plain unknowns and the refinements Terraform 1.6 and later may
//! attach to them.
//!
//! Terraform writes a plain unknown as extension type 0 and a refined one as extension type 12
//! whose payload is a msgpack map from small integer keys to refinement values. Refinements
//! only narrow what the final value may be, so the provider checks their shape and drops them.
// NOTE: dropping refinements loses facts such as "not null" that a plan could pass on; the
// provider only ever emits plain unknowns, which Terraform always accepts.

use super::reader::{marker_kind, Numeric, ReadError, Reader};

/// Extension type code of an unknown value with refinements.
const REFINED_UNKNOWN_CODE: i8 = 12;

/// Largest refinement payload accepted, the same limit go-cty applies.
const MAX_REFINEMENT_BYTES: usize = 1024;

/// The bytes of a plain unknown value as Terraform writes it: fixext1, type 0, one zero byte.
pub(super) const PLAIN_UNKNOWN: [u8; 3] = [0xd4, 0x00, 0x00];

/// Reads an extension item as an unknown value, checking refinements if it carries any.
///
/// Any extension type counts as unknown, and payloads of one byte or less carry no
/// refinements, matching go-cty's reader.
pub(super) fn read_unknown(reader: &mut Reader<'_>) -> Result<(), ReadError> {
    let (code, payload) = reader.read_ext()?;
    if code != REFINED_UNKNOWN_CODE || payload.len() <= 1 {
        return Ok(());
    }
    if payload.len() > MAX_REFINEMENT_BYTES {
        return Err(ReadError::Invalid(format!(
            "unknown value refinements exceed {MAX_REFINEMENT_BYTES} bytes"
        )));
    }
    check_refinements(payload).map_err(|error| match error {
        ReadError::Truncated => ReadError::Invalid("truncated unknown value refinements".into()),
        ReadError::Unexpected { expected, marker } => ReadError::Invalid(format!(
            "unknown value refinement must be {expected}, found byte 0x{marker:02x}"
        )),
        invalid @ ReadError::Invalid(_) => invalid,
    })
}

/// Checks that a refinement payload is a map with integer keys whose known entries have the
/// documented shapes, and that nothing follows the map.
fn check_refinements(payload: &[u8]) -> Result<(), ReadError> {
    let mut reader = Reader::new(payload);
    for _ in 0..reader.read_map_len()? {
        let key = match reader.read_numeric()? {
            Numeric::Unsigned(key) => key,
            Numeric::Signed(key) => u64::try_from(key).unwrap_or(u64::MAX),
            Numeric::Float(_) => {
                return Err(ReadError::Invalid(
                    "refinement key must be an integer".into(),
                ))
            }
        };
        match key {
            // Definitely-not-null flag.
            1 => {
                reader.read_bool()?;
            }
            // String prefix.
            2 => {
                reader.read_text()?;
            }
            // Number bound: [number, inclusive].
            3 | 4 => {
                if reader.read_array_len()? != 2 {
                    return Err(ReadError::Invalid(
                        "number bound refinement must have 2 elements".into(),
                    ));
                }
                if marker_kind(reader.peek()?) == "string" {
                    reader.read_text()?;
                } else {
                    reader.read_numeric()?;
                }
                reader.read_bool()?;
            }
            // Collection length bound.
            5 | 6 => {
                reader.read_numeric()?;
            }
            // Later Terraform versions may add keys, which readers must ignore.
            _ => reader.skip_item(0)?,
        }
    }
    if reader.remaining() > 0 {
        return Err(ReadError::Invalid(
            "bytes follow the unknown value refinements".into(),
        ));
    }
    Ok(())
}
