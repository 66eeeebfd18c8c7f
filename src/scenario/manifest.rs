//! Manifest files: found relative to the scenario, read once, their templates checked, their
//! YAML parsed (with placeholder values), and every object checked for the few things the
//! harness relies on: `apiVersion`, `kind`, `metadata.name`, and a namespace that is one of the
//! scenario's (`${ns.<alias>}`), never a literal one that would escape the run's isolation.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

use super::build::Ctx;
use super::diagnostics::{Diagnostic, Pos, SourceFile, one_of, with_suggestion, yaml_error};
use super::model::{Manifest, NsAlias, ObjectRef};
use super::raw::{MAX_FILE_BYTES, S, yaml_options};
use super::template::{Bindings, Template};

/// What a file is used for: a patch body is one document of any shape the patch type allows;
/// everything else is a list of Kubernetes objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Use {
    Objects,
    MergePatch,
    JsonPatch,
}

/// Manifests already read for this scenario (`None`: it failed, and that was reported once).
#[derive(Debug, Default)]
pub(crate) struct Cache(HashMap<(PathBuf, Use), Option<Manifest>>);

/// Kinds that live outside namespaces (so they need no `namespace:`).
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "GatewayClass",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PriorityClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
];

/// Whether objects of `kind` are namespaced (everything not known to be cluster-scoped).
pub(crate) fn is_namespaced(kind: &str) -> bool {
    !CLUSTER_SCOPED.contains(&kind)
}

/// Kubernetes objects are read without `deny_unknown_fields`: they have many fields the
/// harness does not care about, and the API server validates them.
#[derive(Debug, Deserialize)]
struct RawObject {
    #[serde(rename = "apiVersion")]
    api_version: Option<S<String>>,
    kind: Option<S<String>>,
    metadata: Option<S<RawMeta>>,
}

#[derive(Debug, Deserialize)]
struct RawMeta {
    name: Option<S<String>>,
    namespace: Option<S<String>>,
}

/// Placeholder values as long as the references they replace, so that parse errors in a
/// rendered manifest point at the right column of the file.
fn placeholder_bindings(aliases: &[&str]) -> Bindings {
    Bindings::new(
        aliases
            .iter()
            .map(|a| (a.to_string(), format!("{a}-zzzzz")))
            .collect(),
        "zzzzzzzzz".into(),
        "v999999999999999".into(),
    )
}

/// Joins `written` to the scenario's directory and removes `.` and `..` lexically, so that
/// messages show `fixtures/apps/sleep.yaml` rather than `scenarios/mesh/x/../../../fixtures/...`.
pub(crate) fn resolve(dir: &Path, written: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in dir.join(written).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                if matches!(last, Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Reads and checks the manifest written as `written` in the scenario file.
pub(crate) fn load(ctx: &mut Ctx, written: &S<String>, usage: Use) -> Option<Manifest> {
    if written.value.trim().is_empty() {
        ctx.push(ctx.error(written.referenced, "empty file path"));
        return None;
    }
    let path = resolve(&ctx.dir, &written.value);
    if let Some(known) = ctx.manifests.0.get(&(path.clone(), usage)) {
        return known.clone();
    }
    let loaded = read_and_check(ctx, written, &path, usage);
    ctx.manifests.0.insert((path, usage), loaded.clone());
    loaded
}

fn read_and_check(ctx: &mut Ctx, written: &S<String>, path: &Path, usage: Use) -> Option<Manifest> {
    let text = match read_text(path) {
        Ok(t) => t,
        Err(ReadError::Missing) => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let siblings = sibling_names(path);
            let message = format!(
                "manifest `{}` not found (looked for {})",
                written.value,
                path.display()
            );
            let message = match name {
                Some(n) => with_suggestion(message, &n, siblings.iter().map(String::as_str)),
                None => message,
            };
            let d = ctx
                .error(written.referenced, message)
                .help("paths are relative to the directory of the scenario file");
            ctx.push(d);
            return None;
        }
        Err(ReadError::Other(e)) => {
            ctx.push(ctx.error(
                written.referenced,
                format!("cannot read manifest {}: {e}", path.display()),
            ));
            return None;
        }
    };
    let src = SourceFile::new(path, text);
    let owned_aliases = ctx.aliases.clone();
    let aliases: Vec<&str> = owned_aliases.iter().map(String::as_str).collect();
    let template = match Template::parse(&src.text, &aliases) {
        Ok(t) => t,
        Err(errors) => {
            for e in errors {
                let pos = src
                    .pos_of_byte(e.offset)
                    .with_len(u32::try_from(e.len).unwrap_or(1));
                ctx.push(src.error(Some(pos), e.message).help(e.help));
            }
            return None;
        }
    };
    let Ok(rendered) = template.render(&placeholder_bindings(&aliases)) else {
        return None;
    };
    let rsrc = SourceFile::new(path, rendered);
    let objects = match usage {
        Use::Objects => check_objects(ctx, &src, &rsrc, &aliases)?,
        Use::MergePatch | Use::JsonPatch => {
            check_patch_body(ctx, &src, &rsrc, usage)?;
            Vec::new()
        }
    };
    Some(Manifest {
        path: path.to_path_buf(),
        template,
        objects,
    })
}

enum ReadError {
    Missing,
    Other(String),
}

fn read_text(path: &Path) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::Missing,
        _ => ReadError::Other(e.to_string()),
    })?;
    if meta.is_dir() {
        return Err(ReadError::Other("it is a directory".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::Other(format!(
            "it is larger than {} MiB",
            MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    let bytes = read_bounded(path).map_err(ReadError::Other)?;
    String::from_utf8(bytes).map_err(|_| ReadError::Other("it is not UTF-8 text".into()))
}

/// Reads a regular file of at most [`MAX_FILE_BYTES`]: devices and pipes are refused
/// (`apply: /dev/zero` must not hang the loader), and the read is bounded whatever the
/// metadata said.
pub(crate) fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "it is larger than {} MiB",
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    Ok(bytes)
}

/// File names next to `path`, for "did you mean".
pub(crate) fn sibling_names(path: &Path) -> Vec<String> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Errors from the rendered text keep the original file's text for the quoted line.
fn rendered_error(src: &SourceFile, rsrc: &SourceFile, e: &serde_saphyr::Error) -> Diagnostic {
    let d = yaml_error(rsrc, e);
    match d.pos {
        Some(p) => {
            let mut fixed = src.error(Some(p), d.message.clone());
            fixed.help = d.help;
            fixed
        }
        None => d,
    }
}

fn check_objects(
    ctx: &mut Ctx,
    src: &SourceFile,
    rsrc: &SourceFile,
    aliases: &[&str],
) -> Option<Vec<ObjectRef>> {
    let docs: Vec<S<RawObject>> =
        match serde_saphyr::from_str_multiple_with_options(&rsrc.text, yaml_options()) {
            Ok(d) => d,
            Err(e) => {
                ctx.push(rendered_error(src, rsrc, &e));
                return None;
            }
        };
    if docs.is_empty() {
        ctx.push(src.error(Some(Pos::new(1, 1)), "the manifest holds no object"));
        return None;
    }
    let before = ctx.errors.len();
    let mut objects = Vec::new();
    for doc in docs {
        let at = doc.referenced;
        let field = |ctx: &mut Ctx, v: Option<S<String>>, name: &str| -> Option<String> {
            match v {
                Some(s) if !s.value.trim().is_empty() => Some(s.value),
                _ => {
                    ctx.push(
                        src.error_at(at, format!("object without `{name}`"))
                            .help("every document needs apiVersion, kind and metadata.name"),
                    );
                    None
                }
            }
        };
        let api_version = field(ctx, doc.value.api_version, "apiVersion");
        let kind_span = doc.value.kind.as_ref().map(|k| k.referenced);
        let kind = field(ctx, doc.value.kind, "kind");
        let (name, namespace) = match doc.value.metadata {
            Some(m) => (m.value.name, m.value.namespace),
            None => (None, None),
        };
        let name = field(ctx, name, "metadata.name");
        if kind.as_deref() == Some("Namespace") {
            let d = src
                .error_at(kind_span.unwrap_or(at), "a manifest must not create namespaces")
                .help("declare namespaces under `namespaces:` in the scenario file: they get a per-run suffix and are deleted afterwards");
            ctx.push(d);
        }
        let namespace = namespace.and_then(|ns| object_namespace(ctx, src, &ns, aliases));
        if let (Some(api_version), Some(kind), Some(name)) = (api_version, kind, name) {
            objects.push(ObjectRef {
                api_version,
                kind,
                name,
                namespace,
            });
        }
    }
    (ctx.errors.len() == before).then_some(objects)
}

/// `metadata.namespace` must be `${ns.<alias>}` (rendered here as `<alias>-zzzzz`).
fn object_namespace(
    ctx: &mut Ctx,
    src: &SourceFile,
    ns: &S<String>,
    aliases: &[&str],
) -> Option<NsAlias> {
    if let Some(alias) = aliases
        .iter()
        .find(|a| ns.value.strip_prefix(**a) == Some("-zzzzz"))
    {
        return Some(NsAlias(alias.to_string()));
    }
    let message = with_suggestion(
        format!(
            "namespace `{}` is not one of this scenario's namespaces",
            ns.value
        ),
        &ns.value,
        aliases.iter().copied(),
    );
    let help = if aliases.is_empty() {
        "declare it under `namespaces:` and write `${ns.<alias>}`, or leave metadata.namespace out"
            .to_string()
    } else {
        format!(
            "real namespace names get a per-run suffix: write {}, or leave metadata.namespace out",
            one_of(
                &aliases
                    .iter()
                    .map(|a| format!("${{ns.{a}}}"))
                    .collect::<Vec<_>>()
            )
        )
    };
    ctx.push(src.error_at(ns.referenced, message).help(help));
    None
}

fn check_patch_body(ctx: &mut Ctx, src: &SourceFile, rsrc: &SourceFile, usage: Use) -> Option<()> {
    let body: S<serde_json::Value> =
        match serde_saphyr::from_str_with_options(&rsrc.text, yaml_options()) {
            Ok(b) => b,
            Err(e) => {
                ctx.push(rendered_error(src, rsrc, &e));
                return None;
            }
        };
    let ok = match (&body.value, usage) {
        (serde_json::Value::Object(_), Use::MergePatch) => true,
        (serde_json::Value::Array(ops), Use::JsonPatch) => ops.iter().all(|op| {
            op.get("op").is_some_and(|v| v.is_string())
                && op.get("path").is_some_and(|v| v.is_string())
        }),
        _ => false,
    };
    if ok {
        return Some(());
    }
    let (message, help) = match usage {
        Use::JsonPatch => (
            "a JSON patch must be a list of operations",
            "e.g. `- {op: replace, path: /spec/selector, value: {...}}`",
        ),
        _ => (
            "a merge patch must be a mapping",
            "write the fields to change, e.g. `spec: {selector: {...}}`; `null` removes a key",
        ),
    };
    ctx.push(src.error_at(body.referenced, message).help(help));
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_lexically() {
        assert_eq!(
            resolve(
                Path::new("scenarios/mesh/x"),
                "../../../fixtures/apps/sleep.yaml"
            ),
            PathBuf::from("fixtures/apps/sleep.yaml")
        );
        assert_eq!(
            resolve(Path::new("a"), "../../b.yaml"),
            PathBuf::from("../b.yaml")
        );
        assert_eq!(
            resolve(Path::new("/w/s"), "./m.yaml"),
            PathBuf::from("/w/s/m.yaml")
        );
    }
}
