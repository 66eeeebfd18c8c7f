//! The one schema-driven decoder: protobuf message bytes + a [`Message`] table -> the JSON
//! object `encoding/json` would render for the Go struct those bytes unmarshal into.
//!
//! Values are decoded straight into a `serde_json::Map`, which also gives protobuf's merge
//! semantics for free: a singular message field that occurs twice is decoded into the same
//! object (as Go's generated `Unmarshal` does), a repeated field appends, a map entry inserts
//! (last key wins), and a scalar overwrites.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};

use super::schema::{Field, Message, Shape, Ty};
use super::wire::{Reader, WireType};

/// Messages nested deeper than this are refused. The deepest path in the tables (a
/// Deployment's pod template down to a probe's HTTP header) is about a dozen levels.
pub(super) const MAX_DEPTH: usize = 64;

/// Output values (fields, list items, map entries) one body may produce. Input size alone
/// does not bound memory: an empty nested message costs two bytes on the wire but a whole
/// JSON object in memory, so a 3 MiB body of them would expand roughly fifty-fold.
pub(super) const MAX_VALUES: usize = 250_000;

/// `time.Time{}`, Go's zero time (0001-01-01T00:00:00Z), in Unix seconds: `metav1.Time`
/// renders it as JSON `null`.
const GO_ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// Why decoding failed, and where: the path is collected innermost-first while the error
/// propagates out, so the message can say `spec.containers[0].ports[1].containerPort`.
#[derive(Debug)]
pub(super) struct Failure {
    reason: String,
    path: Vec<String>,
}

impl Failure {
    fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            path: Vec::new(),
        }
    }

    fn at(mut self, segment: String) -> Self {
        self.path.push(segment);
        self
    }

    /// `reason`, or `field a.b[0].c: reason`.
    pub(super) fn describe(&self) -> String {
        if self.path.is_empty() {
            return self.reason.clone();
        }
        let mut path: String = self.path.iter().rev().map(String::as_str).collect();
        if path.starts_with('.') {
            path.remove(0);
        }
        format!("field {path}: {}", self.reason)
    }
}

impl From<String> for Failure {
    fn from(reason: String) -> Self {
        Self::new(reason)
    }
}

/// Per-body budget of output values, see [`MAX_VALUES`].
pub(super) struct Budget {
    values_left: usize,
}

impl Budget {
    pub(super) fn new() -> Self {
        Self {
            values_left: MAX_VALUES,
        }
    }

    fn spend(&mut self) -> Result<(), Failure> {
        self.values_left = self
            .values_left
            .checked_sub(1)
            .ok_or_else(|| Failure::new(format!("more than {MAX_VALUES} values in one object")))?;
        Ok(())
    }
}

/// Decodes a whole message of type `msg` into a fresh JSON object.
pub(super) fn decode_message(
    msg: &'static Message,
    data: &[u8],
    budget: &mut Budget,
) -> Result<Map<String, Value>, Failure> {
    let mut out = Map::new();
    decode_into(msg, data, &mut out, budget, 0)?;
    Ok(out)
}

fn decode_into(
    msg: &'static Message,
    data: &[u8],
    out: &mut Map<String, Value>,
    budget: &mut Budget,
    depth: usize,
) -> Result<(), Failure> {
    if depth > MAX_DEPTH {
        return Err(Failure::new(format!(
            "messages nested more than {MAX_DEPTH} deep"
        )));
    }
    let mut r = Reader::new(data);
    while !r.is_empty() {
        let (number, wire) = r.key()?;
        match msg.field(number) {
            Some(field) => {
                decode_field(msg, field, wire, &mut r, out, budget, depth).map_err(|f| {
                    if field.shape == Shape::Inline {
                        f
                    } else {
                        f.at(format!(".{}", field.json))
                    }
                })?
            }
            // Unknown to the table (newer or alpha): Go skips these too.
            None => r.skip(wire)?,
        }
    }
    for field in msg.fields.iter().filter(|f| f.null_when_absent) {
        if !out.contains_key(field.json) {
            out.insert(field.json.to_owned(), Value::Null);
        }
    }
    Ok(())
}

fn decode_field(
    msg: &Message,
    field: &Field,
    wire: WireType,
    r: &mut Reader<'_>,
    out: &mut Map<String, Value>,
    budget: &mut Budget,
    depth: usize,
) -> Result<(), Failure> {
    match (field.shape, field.ty) {
        (Shape::Inline, Ty::Msg(sub)) => {
            let bytes = expect_len(msg, field, wire, r)?;
            decode_into(sub, bytes, out, budget, depth + 1)
        }
        // `schema::inline` only ever builds `Ty::Msg`.
        (Shape::Inline, _) => Ok(r.skip(wire)?),
        (Shape::Single | Shape::OmitZero, Ty::Msg(sub)) => {
            let bytes = expect_len(msg, field, wire, r)?;
            budget.spend()?;
            let slot = out
                .entry(field.json)
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            match slot {
                Value::Object(obj) => decode_into(sub, bytes, obj, budget, depth + 1),
                _ => Ok(()),
            }
        }
        (Shape::Single | Shape::OmitZero, ty) => {
            let value = decode_value(msg, field, ty, wire, r, budget, depth)?;
            if field.shape == Shape::OmitZero && is_go_zero(&value) {
                out.remove(field.json);
            } else {
                out.insert(field.json.to_owned(), value);
            }
            Ok(())
        }
        (Shape::List, ty) => {
            let slot = out
                .entry(field.json)
                .or_insert_with(|| Value::Array(Vec::new()));
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            let Value::Array(items) = slot else {
                return Ok(());
            };
            if wire == WireType::Len && matches!(ty, Ty::Bool | Ty::Int32 | Ty::Int64) {
                // Packed repeated varints: Go's generated code accepts both encodings.
                let mut packed = Reader::new(r.len_delimited()?);
                while !packed.is_empty() {
                    budget.spend()?;
                    items.push(varint_value(ty, packed.varint()?));
                }
                return Ok(());
            }
            let index = items.len();
            let value = decode_value(msg, field, ty, wire, r, budget, depth)
                .map_err(|f| f.at(format!("[{index}]")))?;
            items.push(value);
            Ok(())
        }
        (Shape::Map, ty) => {
            let entry = expect_len(msg, field, wire, r)?;
            let (key, value) = decode_map_entry(msg, field, ty, entry, budget, depth)?;
            let slot = out
                .entry(field.json)
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(obj) = slot {
                obj.insert(key, value);
            }
            Ok(())
        }
    }
}

/// One map entry message: key = 1, value = 2. A missing key is `""` and a missing value is
/// the Go zero value, as in go-to-protobuf's generated map code.
fn decode_map_entry(
    msg: &Message,
    field: &Field,
    ty: Ty,
    entry: &[u8],
    budget: &mut Budget,
    depth: usize,
) -> Result<(String, Value), Failure> {
    let mut r = Reader::new(entry);
    let mut key = String::new();
    let mut value = None;
    while !r.is_empty() {
        let (number, wire) = r.key()?;
        match number {
            1 => key = lossy(expect_len(msg, field, wire, &mut r)?),
            2 => {
                let v = decode_value(msg, field, ty, wire, &mut r, budget, depth)
                    .map_err(|f| f.at(format!("[{key:?}]")))?;
                value = Some(v);
            }
            _ => r.skip(wire)?,
        }
    }
    budget.spend()?;
    Ok((key, value.unwrap_or_else(|| go_zero(ty))))
}

/// One value of type `ty` whose key was just read.
fn decode_value(
    msg: &Message,
    field: &Field,
    ty: Ty,
    wire: WireType,
    r: &mut Reader<'_>,
    budget: &mut Budget,
    depth: usize,
) -> Result<Value, Failure> {
    budget.spend()?;
    if let Ty::Bool | Ty::Int32 | Ty::Int64 = ty {
        if wire != WireType::Varint {
            return Err(wrong_wire_type(msg, field, wire, WireType::Varint));
        }
        return Ok(varint_value(ty, r.varint()?));
    }
    let bytes = expect_len(msg, field, wire, r)?;
    Ok(match ty {
        Ty::String => Value::String(lossy(bytes)),
        Ty::Bytes => Value::String(BASE64.encode(bytes)),
        Ty::Msg(sub) => {
            let mut obj = Map::new();
            decode_into(sub, bytes, &mut obj, budget, depth + 1)?;
            Value::Object(obj)
        }
        Ty::Time => time(bytes)?,
        Ty::Quantity => quantity(bytes)?,
        Ty::IntOrString => int_or_string(bytes)?,
        Ty::FieldsV1 => fields_v1(bytes)?,
        Ty::StringList => string_list(bytes)?,
        Ty::Bool | Ty::Int32 | Ty::Int64 => Value::Null,
    })
}

/// Go's generated code narrows a varint to the field's type by truncation.
fn varint_value(ty: Ty, raw: u64) -> Value {
    match ty {
        Ty::Bool => Value::Bool(raw != 0),
        Ty::Int32 => Value::from(raw as u32 as i32),
        _ => Value::from(raw as i64),
    }
}

fn expect_len<'a>(
    msg: &Message,
    field: &Field,
    wire: WireType,
    r: &mut Reader<'a>,
) -> Result<&'a [u8], Failure> {
    if wire != WireType::Len {
        return Err(wrong_wire_type(msg, field, wire, WireType::Len));
    }
    Ok(r.len_delimited()?)
}

fn wrong_wire_type(msg: &Message, field: &Field, got: WireType, want: WireType) -> Failure {
    Failure::new(format!(
        "wrong wire type {} for field {} of {} (expected {})",
        got.number(),
        field.number,
        msg.name,
        want.number()
    ))
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What `omitempty` drops for the value types [`Shape::OmitZero`] is generated for: `""`,
/// `0`, `false`, an empty `[]byte` (base64 `""`), and a zero `metav1.Time` (`null`).
fn is_go_zero(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_i64() == Some(0),
        Value::String(s) => s.is_empty(),
        Value::Array(_) | Value::Object(_) => false,
    }
}

/// The JSON of a Go zero value of `ty`, for map entries without a value.
fn go_zero(ty: Ty) -> Value {
    match ty {
        Ty::Bool => Value::Bool(false),
        Ty::Int32 | Ty::Int64 | Ty::IntOrString => Value::from(0),
        Ty::String | Ty::Bytes => Value::String(String::new()),
        Ty::Msg(_) => Value::Object(Map::new()),
        Ty::Quantity => Value::String("0".to_owned()),
        Ty::Time | Ty::FieldsV1 | Ty::StringList => Value::Null,
    }
}

/// Reads the fields of a small special message, calling `on_field` for each known number;
/// unknown numbers are skipped.
fn each_field<'a>(
    bytes: &'a [u8],
    mut on_field: impl FnMut(u64, WireType, &mut Reader<'a>) -> Result<bool, String>,
) -> Result<(), String> {
    let mut r = Reader::new(bytes);
    while !r.is_empty() {
        let (number, wire) = r.key()?;
        if !on_field(number, wire, &mut r)? {
            r.skip(wire)?;
        }
    }
    Ok(())
}

fn want(wire: WireType, expected: WireType, what: &str) -> Result<(), String> {
    if wire == expected {
        Ok(())
    } else {
        Err(format!(
            "wrong wire type {} for {what} (expected {})",
            wire.number(),
            expected.number()
        ))
    }
}

/// `metav1.Time` (apimachinery pkg/apis/meta/v1/time_proto.go): empty bytes are the zero
/// time; otherwise a `Timestamp {seconds = 1, nanos = 2}` whose nanos Go discards. Its
/// `MarshalJSON` (time.go) writes RFC 3339 in UTC at second precision, or `null` when zero.
fn time(bytes: &[u8]) -> Result<Value, String> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let mut seconds: i64 = 0;
    each_field(bytes, |number, wire, r| match number {
        1 => {
            want(wire, WireType::Varint, "Timestamp.seconds")?;
            seconds = r.varint()? as i64;
            Ok(true)
        }
        2 => {
            want(wire, WireType::Varint, "Timestamp.nanos")?;
            r.varint()?;
            Ok(true)
        }
        _ => Ok(false),
    })?;
    if seconds == GO_ZERO_TIME_UNIX {
        return Ok(Value::Null);
    }
    rfc3339_seconds(seconds)
        .map(Value::String)
        .ok_or_else(|| format!("timestamp {seconds} is outside the years 0000 to 9999"))
}

/// `2006-01-02T15:04:05Z` for Unix `seconds`, or `None` outside four-digit years.
fn rfc3339_seconds(seconds: i64) -> Option<String> {
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return None;
    }
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    ))
}

/// Proleptic Gregorian (year, month, day) of a count of days since 1970-01-01, by the
/// era-based algorithm (400-year eras of 146 097 days). Exact for every `i64` day count
/// that `seconds / 86 400` can produce.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `resource.Quantity` (apimachinery pkg/api/resource/quantity_proto.go): `{string = 1}`,
/// parsed with `ParseQuantity` and rendered in JSON as its canonical string. Go clients
/// marshal `Quantity.String()`, which is already canonical, so the string passes through;
/// it is still checked against `ParseQuantity`'s grammar so a malformed one is a 400, as
/// in kube-apiserver. An absent string is the zero Quantity, `"0"`.
fn quantity(bytes: &[u8]) -> Result<Value, String> {
    let mut text = None;
    each_field(bytes, |number, wire, r| {
        if number != 1 {
            return Ok(false);
        }
        want(wire, WireType::Len, "Quantity.string")?;
        text = Some(lossy(r.len_delimited()?));
        Ok(true)
    })?;
    let Some(text) = text else {
        return Ok(Value::String("0".to_owned()));
    };
    check_quantity(&text)?;
    Ok(Value::String(text))
}

/// `ParseQuantity`'s syntax: `[+-]digits[.digits]` then a binary-SI (`Ki`..`Ei`),
/// decimal-SI (`n u m "" k M G T P E`) or exponent (`e3`, `E-2`) suffix.
fn check_quantity(text: &str) -> Result<(), String> {
    const FORMAT: &str = "quantities must match the regular expression \
         '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let number_len = unsigned
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(number_len);
    let digits = number.chars().filter(char::is_ascii_digit).count();
    if digits == 0 || number.matches('.').count() > 1 {
        return Err(format!("{FORMAT}: {text:?}"));
    }
    const SI: [&str; 16] = [
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E",
    ];
    let si = SI.contains(&suffix);
    let exponent = suffix
        .strip_prefix(['e', 'E'])
        .map(|e| e.strip_prefix(['+', '-']).unwrap_or(e))
        .is_some_and(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()));
    let suffix_ok = si || exponent;
    if suffix_ok {
        Ok(())
    } else {
        Err(format!("unable to parse quantity's suffix: {text:?}"))
    }
}

/// `intstr.IntOrString` (apimachinery pkg/util/intstr/generated.proto): `{type = 1, intVal
/// = 2, strVal = 3}`; its `MarshalJSON` (intstr.go) writes `intVal` for type 0 and `strVal`
/// for type 1 and fails for any other type.
fn int_or_string(bytes: &[u8]) -> Result<Value, String> {
    let (mut kind, mut int_val, mut str_val) = (0_i64, 0_i32, String::new());
    each_field(bytes, |number, wire, r| {
        match number {
            1 => {
                want(wire, WireType::Varint, "IntOrString.type")?;
                kind = r.varint()? as i64;
            }
            2 => {
                want(wire, WireType::Varint, "IntOrString.intVal")?;
                int_val = r.varint()? as u32 as i32;
            }
            3 => {
                want(wire, WireType::Len, "IntOrString.strVal")?;
                str_val = lossy(r.len_delimited()?);
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    match kind {
        0 => Ok(Value::from(int_val)),
        1 => Ok(Value::String(str_val)),
        other => Err(format!("impossible IntOrString.Type {other}")),
    }
}

/// `metav1.FieldsV1` (apimachinery pkg/apis/meta/v1/generated.proto): `{Raw = 1}` holding
/// the JSON field set, which `MarshalJSON` emits verbatim (`null` when absent), so it must
/// parse as JSON.
fn fields_v1(bytes: &[u8]) -> Result<Value, String> {
    let mut raw = None;
    each_field(bytes, |number, wire, r| {
        if number != 1 {
            return Ok(false);
        }
        want(wire, WireType::Len, "FieldsV1.Raw")?;
        raw = Some(r.len_delimited()?);
        Ok(true)
    })?;
    match raw {
        None => Ok(Value::Null),
        Some(raw) => serde_json::from_slice(raw).map_err(|e| format!("FieldsV1 is not JSON: {e}")),
    }
}

/// A Go `[]string` named type that the proto wraps as `{repeated string items = 1}`
/// (authentication/v1 `ExtraValue`): JSON is the bare list, `null` when empty (nil slice).
fn string_list(bytes: &[u8]) -> Result<Value, String> {
    let mut items = Vec::new();
    each_field(bytes, |number, wire, r| {
        if number != 1 {
            return Ok(false);
        }
        want(wire, WireType::Len, "items")?;
        items.push(Value::String(lossy(r.len_delimited()?)));
        Ok(true)
    })?;
    Ok(if items.is_empty() {
        Value::Null
    } else {
        Value::Array(items)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(rfc3339_seconds(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            rfc3339_seconds(1_704_164_645).as_deref(),
            Some("2024-01-02T03:04:05Z")
        );
        assert_eq!(
            rfc3339_seconds(951_782_400).as_deref(),
            Some("2000-02-29T00:00:00Z")
        );
        assert_eq!(rfc3339_seconds(-1).as_deref(), Some("1969-12-31T23:59:59Z"));
        assert_eq!(
            rfc3339_seconds(253_402_300_799).as_deref(),
            Some("9999-12-31T23:59:59Z")
        );
        assert_eq!(rfc3339_seconds(253_402_300_800), None);
        assert_eq!(
            rfc3339_seconds(GO_ZERO_TIME_UNIX).as_deref(),
            Some("0001-01-01T00:00:00Z")
        );
        assert_eq!(rfc3339_seconds(i64::MIN), None);
        assert_eq!(rfc3339_seconds(i64::MAX), None);
    }

    #[test]
    fn time_zero_forms_are_null() {
        assert_eq!(time(&[]), Ok(Value::Null));
        // seconds = -62135596800 (Go's zero time), sign-extended to ten bytes.
        let mut zero = vec![0x08];
        let mut v = GO_ZERO_TIME_UNIX as u64;
        while v >= 0x80 {
            zero.push((v as u8) | 0x80);
            v >>= 7;
        }
        zero.push(v as u8);
        assert_eq!(time(&zero), Ok(Value::Null));
        // nanos are dropped, as time_proto.go does.
        assert_eq!(
            time(&[0x08, 0x01, 0x10, 0x05]),
            Ok(Value::from("1970-01-01T00:00:01Z"))
        );
    }

    #[test]
    fn quantity_grammar() {
        for ok in [
            "0", "1", "100m", "1.5Gi", "+3", "-2k", "1e3", "2E-2", "1.", ".5", "10Ei",
        ] {
            assert!(check_quantity(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Gi", "1Gb", "1.2.3", "1e", "abc", "1 Gi", "1ki"] {
            assert!(check_quantity(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn int_or_string_types() {
        assert_eq!(int_or_string(&[]), Ok(Value::from(0)));
        assert_eq!(
            int_or_string(&[0x08, 0x00, 0x10, 0x50]),
            Ok(Value::from(80))
        );
        assert_eq!(
            int_or_string(&[0x08, 0x01, 0x1a, 0x04, b'h', b't', b't', b'p']),
            Ok(Value::from("http"))
        );
        assert!(int_or_string(&[0x08, 0x02]).is_err());
    }
}
