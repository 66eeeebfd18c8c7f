//! A minimal `/openapi/v2` in protobuf (gnostic's `openapi_v2.Document`), the only encoding
//! kubectl accepts there. kubectl 1.27 and 1.28 validate `apply` input against v2 and not v3:
//! a `patch` operation per kind with the `x-kubernetes-group-version-kind` extension and a
//! `fieldValidation` query parameter tells them to leave validation to the server
//! (cli-runtime query_param_verifier.go), and no definitions means no client-side schema.
//!
//! Field numbers follow google/gnostic-models openapiv2/OpenAPIv2.proto.

use crate::profile::KubernetesProfile;
use crate::registry::Registry;

/// The content type kube-openapi answers with: the one client-go asks for
/// (`...spec.v2@v1.0+protobuf`) with the `@` turned into `.`, which Go's mime parser accepts.
pub(crate) const CONTENT_TYPE: &str = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

fn varint(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A length-delimited field (strings and embedded messages).
fn field(number: u32, payload: &[u8], out: &mut Vec<u8>) {
    varint(u64::from(number << 3 | 2), out);
    varint(payload.len() as u64, out);
    out.extend_from_slice(payload);
}

fn message(fields: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (n, payload) in fields {
        field(*n, payload, &mut out);
    }
    out
}

fn s(v: &str) -> Vec<u8> {
    v.as_bytes().to_vec()
}

fn patch_operation(group: &str, version: &str, kind: &str) -> Vec<u8> {
    // QueryParameterSubSchema{in=2, name=4, type=6} in NonBodyParameter(3) in Parameter(2)
    // in ParametersItem(1).
    let query = message(&[(2, s("query")), (4, s("fieldValidation")), (6, s("string"))]);
    let parameter = message(&[(1, message(&[(2, message(&[(3, query)]))]))]);
    // NamedAny{name=1, value=Any{yaml=2}}.
    let gvk_yaml = format!("group: \"{group}\"\nkind: {kind}\nversion: {version}\n");
    let extension = message(&[
        (1, s("x-kubernetes-group-version-kind")),
        (2, message(&[(2, s(&gvk_yaml))])),
    ]);
    // Operation{parameters=8, vendor_extension=13}.
    message(&[(8, parameter), (13, extension)])
}

/// The protobuf document.
pub(crate) fn document(reg: &Registry, k: &KubernetesProfile) -> Vec<u8> {
    let mut paths = Vec::new();
    for t in reg.all() {
        let base = t.gv_path();
        let path = if t.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", t.plural)
        } else {
            format!("{base}/{}/{{name}}", t.plural)
        };
        // NamedPathItem{name=1, value=PathItem{patch=8}}.
        let item = message(&[(8, patch_operation(&t.group, &t.version, &t.kind))]);
        field(2, &message(&[(1, s(&path)), (2, item)]), &mut paths);
    }
    let info = message(&[(1, s("Kubernetes")), (2, s(&k.git_version()))]);
    // Document{swagger=1, info=2, paths=8}.
    message(&[(1, s("2.0")), (2, info), (8, paths)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_fields_encode_like_protobuf() {
        let mut v = Vec::new();
        varint(300, &mut v);
        assert_eq!(v, [0xac, 0x02]);
        assert_eq!(message(&[(1, s("2.0"))]), [0x0a, 0x03, b'2', b'.', b'0']);
    }

    #[test]
    fn every_kind_has_a_patch_path() {
        let reg = Registry::builtin();
        let doc = document(&reg, &KubernetesProfile::default());
        let text = String::from_utf8_lossy(&doc);
        assert!(text.contains("/apis/apps/v1/namespaces/{namespace}/deployments/{name}"));
        assert!(text.contains("kind: Namespace"));
        assert!(text.contains("fieldValidation"));
    }
}
