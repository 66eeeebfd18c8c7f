//! The protobuf wire format, read-only: varints, keys, length-delimited slices, and skipping
//! unknown fields. Every read is bounds-checked and returns an error instead of panicking; the
//! rules mirror the `Unmarshal`/`skipGenerated` functions that go-to-protobuf generates into
//! every `generated.pb.go` (e.g. kubernetes/api core/v1/generated.pb.go), so the same inputs
//! are rejected.

/// The wire type in the low three bits of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum WireType {
    Varint,
    Fixed64,
    Len,
    StartGroup,
    EndGroup,
    Fixed32,
}

impl WireType {
    fn from_bits(bits: u64) -> Result<Self, String> {
        Ok(match bits {
            0 => Self::Varint,
            1 => Self::Fixed64,
            2 => Self::Len,
            3 => Self::StartGroup,
            4 => Self::EndGroup,
            5 => Self::Fixed32,
            other => return Err(format!("illegal wireType {other}")),
        })
    }

    /// The number Go's error messages print for this wire type.
    pub(super) fn number(self) -> u8 {
        match self {
            Self::Varint => 0,
            Self::Fixed64 => 1,
            Self::Len => 2,
            Self::StartGroup => 3,
            Self::EndGroup => 4,
            Self::Fixed32 => 5,
        }
    }
}

/// The largest field number protobuf allows (2^29 - 1).
const MAX_FIELD_NUMBER: u64 = (1 << 29) - 1;

/// Groups nest only in unknown fields we skip; bound that nesting like message nesting.
const MAX_GROUP_DEPTH: usize = 64;

/// A cursor over one message's bytes.
pub(super) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// A base-128 varint of at most 10 bytes; bits past 64 are dropped, as Go does.
    pub(super) fn varint(&mut self) -> Result<u64, String> {
        let mut value: u64 = 0;
        for (i, &byte) in self.buf.iter().enumerate() {
            if i >= 10 {
                break;
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                self.buf = &self.buf[i + 1..];
                return Ok(value);
            }
        }
        if self.buf.len() >= 10 {
            Err("integer overflow in varint".to_owned())
        } else {
            Err("unexpected EOF in varint".to_owned())
        }
    }

    /// A field key: `(field number, wire type)`. A bare end-group and field number 0 are
    /// errors, as in the generated Go code.
    pub(super) fn key(&mut self) -> Result<(u64, WireType), String> {
        let key = self.varint()?;
        let number = key >> 3;
        let wire = WireType::from_bits(key & 7)?;
        if wire == WireType::EndGroup {
            return Err("wiretype end group for non-group".to_owned());
        }
        if number == 0 || number > MAX_FIELD_NUMBER {
            return Err(format!(
                "illegal tag {number} (wire type {})",
                wire.number()
            ));
        }
        Ok((number, wire))
    }

    /// The payload of a length-delimited field.
    pub(super) fn len_delimited(&mut self) -> Result<&'a [u8], String> {
        let len = self.varint()?;
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l <= self.buf.len())
            .ok_or_else(|| format!("length {len} runs past the end of the message"))?;
        let (head, tail) = self.buf.split_at(len);
        self.buf = tail;
        Ok(head)
    }

    fn take(&mut self, n: usize) -> Result<(), String> {
        if self.buf.len() < n {
            return Err("unexpected EOF in fixed-width field".to_owned());
        }
        self.buf = &self.buf[n..];
        Ok(())
    }

    /// Skips the value of a field whose key was just read, whatever its wire type; groups are
    /// skipped up to their matching end-group key.
    pub(super) fn skip(&mut self, wire: WireType) -> Result<(), String> {
        self.skip_nested(wire, 0)
    }

    fn skip_nested(&mut self, wire: WireType, depth: usize) -> Result<(), String> {
        match wire {
            WireType::Varint => self.varint().map(drop),
            WireType::Fixed64 => self.take(8),
            WireType::Fixed32 => self.take(4),
            WireType::Len => self.len_delimited().map(drop),
            WireType::EndGroup => Err("unexpected end of group".to_owned()),
            WireType::StartGroup => {
                if depth >= MAX_GROUP_DEPTH {
                    return Err("groups nested too deeply".to_owned());
                }
                loop {
                    let key = self.varint()?;
                    let inner = WireType::from_bits(key & 7)?;
                    if inner == WireType::EndGroup {
                        return Ok(());
                    }
                    self.skip_nested(inner, depth + 1)?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        assert_eq!(Reader::new(&[0x00]).varint(), Ok(0));
        assert_eq!(Reader::new(&[0x96, 0x01]).varint(), Ok(150));
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(Reader::new(&max).varint(), Ok(u64::MAX));
        assert!(Reader::new(&[0x80]).varint().is_err());
        assert!(Reader::new(&[0xff; 11]).varint().is_err());
    }

    #[test]
    fn keys_and_skips() {
        // field 1 varint 5, field 2 "ab", field 3 fixed32, field 4 fixed64, field 5 group
        // holding field 1 varint, then field 6 varint 7.
        let bytes = [
            0x08, 0x05, 0x12, 0x02, b'a', b'b', 0x1d, 1, 2, 3, 4, 0x21, 1, 2, 3, 4, 5, 6, 7, 8,
            0x2b, 0x08, 0x01, 0x2c, 0x30, 0x07,
        ];
        let mut r = Reader::new(&bytes);
        for expected in [1, 2, 3, 4, 5] {
            let (n, w) = r.key().unwrap();
            assert_eq!(n, expected);
            r.skip(w).unwrap();
        }
        assert_eq!(r.key(), Ok((6, WireType::Varint)));
        assert_eq!(r.varint(), Ok(7));
        assert!(r.is_empty());
    }

    #[test]
    fn bad_keys() {
        assert!(Reader::new(&[0x00]).key().is_err()); // field 0
        assert!(Reader::new(&[0x0c]).key().is_err()); // bare end group
        assert!(Reader::new(&[0x0e]).key().is_err()); // wire type 6
        assert!(Reader::new(&[0x0a, 0x05, 0x00]).len_delimited().is_err());
    }
}
