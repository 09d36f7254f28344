//! Byte-level msgpack reading: markers, headers, payloads and skipping whole items.
//!
//! Every read checks the remaining input first, and length headers never size an allocation,
//! so hostile input can only produce an error.

/// A failure at the byte level, which the type-driven decoder turns into a `ValueError`
/// carrying its current path.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ReadError {
    /// The input ended early.
    Truncated,
    /// An item of another kind starts where `expected` is required.
    Unexpected {
        /// The required kind, such as "an array".
        expected: &'static str,
        /// The marker byte found instead.
        marker: u8,
    },
    /// The bytes are not well-formed msgpack.
    Invalid(String),
}

pub(super) const NIL: u8 = 0xc0;

/// Maximum nesting of msgpack items skipped or checked inside an unknown value's refinements.
const MAX_SKIP_DEPTH: usize = 32;

/// A cursor over msgpack bytes.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, position: 0 }
    }

    pub(super) fn remaining(&self) -> usize {
        self.bytes.len() - self.position
    }

    pub(super) fn peek(&self) -> Result<u8, ReadError> {
        self.bytes
            .get(self.position)
            .copied()
            .ok_or(ReadError::Truncated)
    }

    pub(super) fn take(&mut self, count: usize) -> Result<&'a [u8], ReadError> {
        if count > self.remaining() {
            return Err(ReadError::Truncated);
        }
        let slice = &self.bytes[self.position..self.position + count];
        self.position += count;
        Ok(slice)
    }

    fn take_array<const N: usize>(&mut self) -> Result<[u8; N], ReadError> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    pub(super) fn read_u8(&mut self) -> Result<u8, ReadError> {
        Ok(self.take_array::<1>()?[0])
    }

    fn read_u16(&mut self) -> Result<u16, ReadError> {
        Ok(u16::from_be_bytes(self.take_array()?))
    }

    fn read_u32(&mut self) -> Result<u32, ReadError> {
        Ok(u32::from_be_bytes(self.take_array()?))
    }

    fn read_u64(&mut self) -> Result<u64, ReadError> {
        Ok(u64::from_be_bytes(self.take_array()?))
    }

    /// Reads a 32-bit length field as `usize`.
    fn read_len32(&mut self) -> Result<usize, ReadError> {
        usize::try_from(self.read_u32()?)
            .map_err(|_| ReadError::Invalid("length exceeds address space".to_owned()))
    }

    /// Reads an array header and returns its element count.
    pub(super) fn read_array_len(&mut self) -> Result<usize, ReadError> {
        match self.read_u8()? {
            marker @ 0x90..=0x9f => Ok(usize::from(marker & 0x0f)),
            0xdc => Ok(usize::from(self.read_u16()?)),
            0xdd => self.read_len32(),
            marker => Err(unexpected("an array", marker)),
        }
    }

    /// Reads a map header and returns its entry count.
    pub(super) fn read_map_len(&mut self) -> Result<usize, ReadError> {
        match self.read_u8()? {
            marker @ 0x80..=0x8f => Ok(usize::from(marker & 0x0f)),
            0xde => Ok(usize::from(self.read_u16()?)),
            0xdf => self.read_len32(),
            marker => Err(unexpected("a map", marker)),
        }
    }

    /// Reads a str or bin item and returns its bytes, which cty treats alike.
    pub(super) fn read_str_or_bin(&mut self) -> Result<&'a [u8], ReadError> {
        let length = match self.read_u8()? {
            marker @ 0xa0..=0xbf => usize::from(marker & 0x1f),
            0xd9 | 0xc4 => usize::from(self.read_u8()?),
            0xda | 0xc5 => usize::from(self.read_u16()?),
            0xdb | 0xc6 => self.read_len32()?,
            marker => return Err(unexpected("a string", marker)),
        };
        self.take(length)
    }

    /// Reads a str or bin item as UTF-8 text.
    pub(super) fn read_text(&mut self) -> Result<&'a str, ReadError> {
        std::str::from_utf8(self.read_str_or_bin()?)
            .map_err(|_| ReadError::Invalid("string is not valid UTF-8".to_owned()))
    }

    /// Reads a bool item.
    pub(super) fn read_bool(&mut self) -> Result<bool, ReadError> {
        match self.read_u8()? {
            0xc2 => Ok(false),
            0xc3 => Ok(true),
            marker => Err(unexpected("a bool", marker)),
        }
    }

    /// Reads an extension header and payload, returning the type code and the payload.
    pub(super) fn read_ext(&mut self) -> Result<(i8, &'a [u8]), ReadError> {
        let length = match self.read_u8()? {
            0xd4 => 1,
            0xd5 => 2,
            0xd6 => 4,
            0xd7 => 8,
            0xd8 => 16,
            0xc7 => usize::from(self.read_u8()?),
            0xc8 => usize::from(self.read_u16()?),
            0xc9 => self.read_len32()?,
            marker => return Err(unexpected("an extension", marker)),
        };
        let code = i8::from_be_bytes([self.read_u8()?]);
        Ok((code, self.take(length)?))
    }

    /// Reads any integer or float item as a number in its msgpack form.
    pub(super) fn read_numeric(&mut self) -> Result<Numeric, ReadError> {
        let marker = self.read_u8()?;
        let numeric = match marker {
            0x00..=0x7f => Numeric::Unsigned(u64::from(marker)),
            0xe0..=0xff => Numeric::Signed(i64::from(i8::from_be_bytes([marker]))),
            0xcc => Numeric::Unsigned(u64::from(self.read_u8()?)),
            0xcd => Numeric::Unsigned(u64::from(self.read_u16()?)),
            0xce => Numeric::Unsigned(u64::from(self.read_u32()?)),
            0xcf => Numeric::Unsigned(self.read_u64()?),
            0xd0 => Numeric::Signed(i64::from(i8::from_be_bytes(self.take_array()?))),
            0xd1 => Numeric::Signed(i64::from(i16::from_be_bytes(self.take_array()?))),
            0xd2 => Numeric::Signed(i64::from(i32::from_be_bytes(self.take_array()?))),
            0xd3 => Numeric::Signed(i64::from_be_bytes(self.take_array()?)),
            0xca => Numeric::Float(f64::from(f32::from_be_bytes(self.take_array()?))),
            0xcb => Numeric::Float(f64::from_be_bytes(self.take_array()?)),
            marker => return Err(unexpected("a number", marker)),
        };
        Ok(numeric)
    }

    /// Skips one complete item of any kind, checking its structure.
    pub(super) fn skip_item(&mut self, depth: usize) -> Result<(), ReadError> {
        if depth >= MAX_SKIP_DEPTH {
            return Err(ReadError::Invalid(format!(
                "nesting deeper than {MAX_SKIP_DEPTH} levels"
            )));
        }
        match self.peek()? {
            NIL | 0xc2 | 0xc3 => {
                self.read_u8()?;
            }
            0x00..=0x7f | 0xe0..=0xff | 0xca..=0xd3 => {
                self.read_numeric()?;
            }
            0xa0..=0xbf | 0xc4..=0xc6 | 0xd9..=0xdb => {
                self.read_str_or_bin()?;
            }
            0xc7..=0xc9 | 0xd4..=0xd8 => {
                self.read_ext()?;
            }
            0x90..=0x9f | 0xdc | 0xdd => {
                for _ in 0..self.read_array_len()? {
                    self.skip_item(depth + 1)?;
                }
            }
            0x80..=0x8f | 0xde | 0xdf => {
                for _ in 0..self.read_map_len()? {
                    self.skip_item(depth + 1)?;
                    self.skip_item(depth + 1)?;
                }
            }
            marker => return Err(unexpected("a msgpack item", marker)),
        }
        Ok(())
    }
}

/// A number as msgpack stores it, before conversion to an exact decimal.
#[derive(Debug, PartialEq)]
pub(super) enum Numeric {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

/// Reports whether a marker byte starts an extension item.
pub(super) fn is_ext(marker: u8) -> bool {
    matches!(marker, 0xc7..=0xc9 | 0xd4..=0xd8)
}

/// Returns a short name for the kind of item a marker byte starts.
pub(super) fn marker_kind(marker: u8) -> &'static str {
    match marker {
        NIL => "nil",
        0xc2 | 0xc3 => "bool",
        0x00..=0x7f | 0xe0..=0xff | 0xcc..=0xd3 => "integer",
        0xca | 0xcb => "float",
        0xa0..=0xbf | 0xd9..=0xdb => "string",
        0xc4..=0xc6 => "binary",
        0x90..=0x9f | 0xdc | 0xdd => "array",
        0x80..=0x8f | 0xde | 0xdf => "map",
        0xc7..=0xc9 | 0xd4..=0xd8 => "extension",
        _ => "the unused marker 0xc1",
    }
}

fn unexpected(expected: &'static str, marker: u8) -> ReadError {
    ReadError::Unexpected { expected, marker }
}
