//! Request bodies in the Kubernetes protobuf encoding (`application/vnd.kubernetes.protobuf`),
//! decoded into the JSON the simulated API server stores.
//!
//! Why: from kubectl 1.32 on, client-go's typed clients send built-in kinds as protobuf and
//! never fall back to JSON (checked against kubectl 1.27-1.33: 1.31 and older send JSON). That
//! covers every `kubectl create <kind>` subcommand, `create token`, `auth can-i`/`whoami`,
//! `autoscale`, `debug` (its Pod), and the typed pod delete of `drain --disable-eviction` (a
//! `DeleteOptions` body under `v1`). Commands that go through the resource builder (`apply`,
//! `create -f`, `delete`, `run`, `expose`, `scale`, patches) still send JSON.
//!
//! The simulator stores JSON, so the body is turned into exactly the JSON kube-apiserver would
//! have produced by unmarshalling it into the Go struct and rendering that with
//! `encoding/json`: JSON names and `omitempty` from the Go struct tags, base64 for `[]byte`,
//! RFC 3339 for `metav1.Time`, numbers or strings for `IntOrString`, `null` for nil pointers
//! and slices without `omitempty`. The test vectors check this against the JSON kubectl 1.27
//! sends for the same commands.
//!
//! The decoder is pure and bounded: one schema-driven walk (`message.rs`) over static tables
//! (`tables.rs`, transcribed from the upstream `generated.proto` and `types.go` files), with
//! limits on body size, nesting and output size, and no panics on any input.

mod message;
mod schema;
mod tables;
mod wire;

use serde_json::{Map, Value};

use self::message::{Budget, decode_message};
use self::schema::Message;
use self::wire::{Reader, WireType};

/// The media type this module decodes.
pub(crate) const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// Bodies larger than this are refused: kube-apiserver's default limit on a write request's
/// body (3 MiB).
pub(crate) const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// The envelope's magic prefix, `k8s\0` (apimachinery
/// pkg/runtime/serializer/protobuf/protobuf.go, `protoEncodingPrefix`).
const MAGIC: [u8; 4] = *b"k8s\0";

/// Why a protobuf body could not be turned into JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ProtobufError {
    /// The body is not a well-formed envelope or message: answer 400 BadRequest.
    #[error("unable to decode protobuf body: {0}")]
    Invalid(String),
    /// Larger than [`MAX_BODY_BYTES`]: answer 413 RequestEntityTooLarge.
    #[error(
        "unable to decode protobuf body: {size} bytes is larger than the limit of {MAX_BODY_BYTES}"
    )]
    TooLarge { size: usize },
    /// A well-formed envelope for a kind this module has no schema for: answer 415
    /// UnsupportedMediaType, so the client can retry as JSON.
    #[error(
        "protobuf request bodies of kind {kind} in {api_version} are not supported by the \
         simulated API server; send application/json, or one of: {}",
        supported_list()
    )]
    UnsupportedKind { api_version: String, kind: String },
}

impl ProtobufError {
    /// The HTTP status the API server should answer with.
    pub(crate) fn status_code(&self) -> u16 {
        match self {
            Self::Invalid(_) => 400,
            Self::TooLarge { .. } => 413,
            Self::UnsupportedKind { .. } => 415,
        }
    }
}

/// Decodes a `k8s\0` + `runtime.Unknown` body into the object's JSON, `apiVersion` and
/// `kind` included (taken from the envelope's `typeMeta`, which Go clients always fill).
#[cfg(test)]
pub(crate) fn decode(body: &[u8]) -> Result<Value, ProtobufError> {
    decode_with_defaults(body, "", "")
}

/// [`decode`], with the `apiVersion` and `kind` the request URL implies used where the
/// envelope leaves them empty, as kube-apiserver's decoder does (`copyKindDefaults`).
pub(crate) fn decode_with_defaults(
    body: &[u8],
    default_api_version: &str,
    default_kind: &str,
) -> Result<Value, ProtobufError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ProtobufError::TooLarge { size: body.len() });
    }
    let invalid = |reason: String| ProtobufError::Invalid(reason);
    let data = match body.strip_prefix(&MAGIC) {
        None if body.is_empty() => return Err(invalid("empty data".to_owned())),
        None => {
            return Err(invalid(
                "provided data does not appear to be a protobuf message, expected prefix \
                 [107 56 115 0]"
                    .to_owned(),
            ));
        }
        Some([]) => return Err(invalid("empty body".to_owned())),
        Some(data) => data,
    };
    let envelope = Envelope::parse(data).map_err(|e| invalid(format!("runtime.Unknown: {e}")))?;
    let api_version = or_default(envelope.api_version, default_api_version);
    let kind = or_default(envelope.kind, default_kind);
    if kind.is_empty() {
        return Err(invalid(
            "Object 'Kind' is missing in the envelope's typeMeta".to_owned(),
        ));
    }
    if api_version.is_empty() {
        return Err(invalid(format!(
            "Object 'apiVersion' is missing in the envelope's typeMeta (kind {kind})"
        )));
    }
    let Some(schema) = lookup(&api_version, &kind) else {
        return Err(ProtobufError::UnsupportedKind { api_version, kind });
    };
    let fields = decode_message(schema, envelope.raw, &mut Budget::new())
        .map_err(|f| invalid(format!("{api_version} {kind}: {}", f.describe())))?;
    let mut object = Map::new();
    object.insert("apiVersion".to_owned(), Value::String(api_version));
    object.insert("kind".to_owned(), Value::String(kind));
    object.extend(fields);
    Ok(Value::Object(object))
}

/// Whether [`decode`] has a schema for this kind (the server answers 415 otherwise).
#[cfg(test)]
pub(crate) fn supports(api_version: &str, kind: &str) -> bool {
    lookup(api_version, kind).is_some()
}

/// The `(apiVersion, kind)` pairs [`decode`] handles. `DeleteOptions` is listed once as
/// `meta.k8s.io/v1` but is accepted under every apiVersion, see [`supports`].
pub(crate) fn supported_kinds() -> impl Iterator<Item = (&'static str, &'static str)> {
    tables::KINDS.iter().map(|&(v, k, _)| (v, k))
}

fn supported_list() -> String {
    supported_kinds()
        .map(|(v, k)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn lookup(api_version: &str, kind: &str) -> Option<&'static Message> {
    // A typed client encodes DeleteOptions under its own group version (client-go encodes
    // with the client's GroupVersion, and every group registers DeleteOptions), so `v1`,
    // `apps/v1`, ... all carry the same meta/v1 message.
    if kind == "DeleteOptions" && !api_version.is_empty() {
        return Some(&tables::META_V1_DELETE_OPTIONS);
    }
    tables::KINDS
        .iter()
        .find(|&&(v, k, _)| v == api_version && k == kind)
        .map(|&(_, _, m)| m)
}

fn or_default(value: String, default: &str) -> String {
    if value.is_empty() {
        default.to_owned()
    } else {
        value
    }
}

/// `runtime.Unknown` (apimachinery pkg/runtime/generated.proto): `typeMeta = 1`
/// (`runtime.TypeMeta {apiVersion = 1, kind = 2}`), `raw = 2`, `contentEncoding = 3`,
/// `contentType = 4`. Like Go's serializer, the content fields are read but not acted on:
/// `raw` is always unmarshalled as the protobuf message of the kind.
struct Envelope<'a> {
    api_version: String,
    kind: String,
    raw: &'a [u8],
}

impl<'a> Envelope<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, String> {
        let mut envelope = Envelope {
            api_version: String::new(),
            kind: String::new(),
            raw: &[],
        };
        let mut r = Reader::new(data);
        while !r.is_empty() {
            let (number, wire) = r.key()?;
            match number {
                1 => {
                    let mut meta = Reader::new(len_field(wire, &mut r, "typeMeta")?);
                    while !meta.is_empty() {
                        let (number, wire) = meta.key()?;
                        match number {
                            1 => {
                                envelope.api_version = string_field(wire, &mut meta, "apiVersion")?
                            }
                            2 => envelope.kind = string_field(wire, &mut meta, "kind")?,
                            _ => meta.skip(wire)?,
                        }
                    }
                }
                2 => envelope.raw = len_field(wire, &mut r, "raw")?,
                3 => drop(len_field(wire, &mut r, "contentEncoding")?),
                4 => drop(len_field(wire, &mut r, "contentType")?),
                _ => r.skip(wire)?,
            }
        }
        Ok(envelope)
    }
}

fn len_field<'a>(wire: WireType, r: &mut Reader<'a>, name: &str) -> Result<&'a [u8], String> {
    if wire != WireType::Len {
        return Err(format!(
            "wrong wire type {} for field {name} (expected 2)",
            wire.number()
        ));
    }
    r.len_delimited()
}

fn string_field(wire: WireType, r: &mut Reader<'_>, name: &str) -> Result<String, String> {
    Ok(String::from_utf8_lossy(len_field(wire, r, name)?).into_owned())
}

#[cfg(test)]
mod tests;
