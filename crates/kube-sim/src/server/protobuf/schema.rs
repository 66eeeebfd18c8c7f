//! The shape of the schema tables in [`super::tables`]: one [`Message`] per protobuf message,
//! one [`Field`] per field number, saying what JSON the Go struct field renders as.
//!
//! The wire facts (field numbers, wire types, repeated/map) come from the `generated.proto`
//! files; the JSON facts (name, `omitempty`, pointer or value, embedded) come from the Go
//! struct tags in the matching `types.go`, because the apiserver's JSON is `encoding/json`
//! applied to the Go struct that the protobuf bytes were unmarshalled into.

/// A protobuf message and the Go struct it unmarshals into.
pub(super) struct Message {
    /// The Go/proto type name, used only in error paths.
    pub name: &'static str,
    /// Sorted by field number (a unit test checks this), so lookups can binary-search.
    pub fields: &'static [Field],
}

impl Message {
    /// The field with this number, or `None` for a field this schema does not know (newer
    /// than the tables, or alpha): the caller skips those, as Go's generated code does.
    pub(super) fn field(&self, number: u64) -> Option<&Field> {
        self.fields
            .binary_search_by_key(&number, |f| u64::from(f.number))
            .ok()
            .and_then(|i| self.fields.get(i))
    }
}

/// One field of a [`Message`].
pub(super) struct Field {
    pub number: u32,
    /// The JSON key; empty for [`Shape::Inline`].
    pub json: &'static str,
    pub ty: Ty,
    pub shape: Shape,
    /// A Go pointer, slice or map without `omitempty`: Go clients leave it off the wire when
    /// nil, and `encoding/json` renders nil as `null`, so an object that lacks it gets `null`.
    pub null_when_absent: bool,
}

/// How a field's occurrences on the wire become JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// A singular field rendered whenever it is on the wire: Go pointers (`*int32`, `*bool`,
    /// `*Struct`), value structs (which `omitempty` never drops), and value scalars without
    /// `omitempty`. A Go client always writes non-pointer fields, so "on the wire" is exactly
    /// when Go's JSON would render them.
    Single,
    /// A singular Go value field tagged `omitempty` (or `omitzero` for `metav1.Time`): Go
    /// clients write it even when it holds the zero value, and `encoding/json` then drops it,
    /// so the zero value is omitted here too.
    OmitZero,
    /// A Go embedded struct (`json:",inline"`): its fields are rendered into the parent object.
    Inline,
    /// A repeated field: each occurrence appends one item (varints may also come packed).
    List,
    /// A proto map (entries with key = 1, value = 2); Go map keys here are always strings.
    Map,
}

/// What one value of a field is.
#[derive(Clone, Copy)]
pub(super) enum Ty {
    Bool,
    Int32,
    Int64,
    /// Go `string` (and named string types): not UTF-8-checked by Go's decoder; `encoding/json`
    /// replaces invalid sequences with U+FFFD, as `String::from_utf8_lossy` does.
    String,
    /// Go `[]byte`: standard base64 with padding in JSON.
    Bytes,
    /// A nested struct, rendered as a JSON object.
    Msg(&'static Message),
    /// `metav1.Time`: the `Timestamp` message, RFC 3339 in JSON at second precision.
    Time,
    /// `resource.Quantity`: `{string = 1}`, a JSON string.
    Quantity,
    /// `intstr.IntOrString`: `{type = 1, intVal = 2, strVal = 3}`, a JSON number or string.
    IntOrString,
    /// `metav1.FieldsV1`: `{Raw = 1}` holding JSON, rendered as that JSON.
    FieldsV1,
    /// A Go `[]string` named type that the proto wraps as `{repeated string items = 1}`
    /// (authentication/v1 `ExtraValue`), rendered as the bare JSON list.
    StringList,
}

/// A field rendered whenever present ([`Shape::Single`]).
pub(super) const fn field(number: u32, json: &'static str, ty: Ty) -> Field {
    Field {
        number,
        json,
        ty,
        shape: Shape::Single,
        null_when_absent: false,
    }
}

/// A value field tagged `omitempty`/`omitzero` ([`Shape::OmitZero`]).
pub(super) const fn omit_zero(number: u32, json: &'static str, ty: Ty) -> Field {
    Field {
        number,
        json,
        ty,
        shape: Shape::OmitZero,
        null_when_absent: false,
    }
}

/// An embedded struct ([`Shape::Inline`]).
pub(super) const fn inline(number: u32, message: &'static Message) -> Field {
    Field {
        number,
        json: "",
        ty: Ty::Msg(message),
        shape: Shape::Inline,
        null_when_absent: false,
    }
}

/// A repeated field ([`Shape::List`]).
pub(super) const fn list(number: u32, json: &'static str, ty: Ty) -> Field {
    Field {
        number,
        json,
        ty,
        shape: Shape::List,
        null_when_absent: false,
    }
}

/// A `map<string, ty>` field ([`Shape::Map`]).
pub(super) const fn map(number: u32, json: &'static str, ty: Ty) -> Field {
    Field {
        number,
        json,
        ty,
        shape: Shape::Map,
        null_when_absent: false,
    }
}

/// A nil-able field without `omitempty`, rendered `null` when absent.
pub(super) const fn field_or_null(number: u32, json: &'static str, ty: Ty) -> Field {
    Field {
        null_when_absent: true,
        ..field(number, json, ty)
    }
}

/// A slice without `omitempty`, rendered `null` when it has no items.
pub(super) const fn list_or_null(number: u32, json: &'static str, ty: Ty) -> Field {
    Field {
        null_when_absent: true,
        ..list(number, json, ty)
    }
}
