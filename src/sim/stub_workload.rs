//! TEMPORARY stand-in until the workload models land.
use std::sync::Arc;
use bytes::Bytes;
use futures::future::BoxFuture;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

#[derive(Debug, Clone, PartialEq)]
pub enum ImageKind { Busybox }
impl ImageKind {
    pub fn from_reference(r: &str) -> Option<Self> {
        r.contains("busybox").then_some(ImageKind::Busybox)
    }
}
pub struct PodContext { pub pod_name: String }
pub struct OutboundRequest;
pub struct InboundResponse;
pub enum NetError { Refused }
pub trait Network: Send + Sync {
    fn request(&self, req: OutboundRequest) -> BoxFuture<'_, Result<InboundResponse, NetError>>;
}
pub struct ProcessContext { pub pod_name: String, pub namespace: String, pub hostname: String, pub env: Vec<(String, String)>, pub net: Arc<dyn Network> }
pub struct ProcessIo { pub stdin: Option<Box<dyn AsyncRead + Send + Unpin>>, pub stdout: Box<dyn AsyncWrite + Send + Unpin>, pub stderr: Box<dyn AsyncWrite + Send + Unpin> }
#[derive(Debug)]
pub enum ExecOutcome { Exited(i32), NotFound { message: String } }
pub async fn exec(_i: &ImageKind, _c: &ProcessContext, argv: &[String], mut io: ProcessIo) -> ExecOutcome {
    match argv.first().map(String::as_str) {
        Some("echo") => { let _ = io.stdout.write_all(format!("{}\n", argv[1..].join(" ")).as_bytes()).await; ExecOutcome::Exited(0) }
        Some("true") => ExecOutcome::Exited(0),
        Some("false") => ExecOutcome::Exited(1),
        Some("cat") => { if let Some(mut i) = io.stdin { let mut b = Vec::new(); let _ = i.read_to_end(&mut b).await; let _ = io.stdout.write_all(&b).await; } ExecOutcome::Exited(0) }
        _ => ExecOutcome::NotFound { message: "not found".into() },
    }
}
pub fn startup_log(_i: &ImageKind, _p: &PodContext, _now: &str) -> Vec<String> { vec![] }
pub fn listening_ports(_i: &ImageKind, _e: &[(String, String)]) -> Vec<u16> { vec![] }
pub fn _unused(_: Bytes) {}
