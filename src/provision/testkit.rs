//! What the provisioning and install unit tests share: a loopback HTTP server with canned
//! replies, a quiet downloader, artifacts and archives made on the spot.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ring::digest::SHA256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::download::{Artifact, Checksum, DownloadOptions, Downloader, Progress};
use super::pins::{Arch, Os, Platform};

/// A canned response of the test server.
#[derive(Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    /// A Content-Length larger than the body, to simulate a cut connection.
    pub announced_len: Option<usize>,
}

impl Reply {
    pub(crate) fn ok(body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            body: body.into(),
            announced_len: None,
        }
    }
}

/// A loopback HTTP/1.1 server with fixed routes that counts requests.
pub(crate) struct TestServer {
    pub base: String,
    pub requests: Arc<AtomicUsize>,
}

impl TestServer {
    pub(crate) async fn start(routes: Vec<(&str, Reply)>) -> Self {
        let routes: Arc<HashMap<String, Reply>> =
            Arc::new(routes.into_iter().map(|(p, r)| (p.to_owned(), r)).collect());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(AtomicUsize::new(0));
        let count = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let routes = routes.clone();
                let count = count.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    count.fetch_add(1, Ordering::SeqCst);
                    let text = String::from_utf8_lossy(&head);
                    let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let reply = routes.get(&path).cloned().unwrap_or(Reply {
                        status: 404,
                        body: b"not found".to_vec(),
                        announced_len: None,
                    });
                    let len = reply.announced_len.unwrap_or(reply.body.len());
                    let head = format!(
                        "HTTP/1.1 {} X\r\ncontent-length: {len}\r\nconnection: close\r\n\r\n",
                        reply.status
                    );
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(&reply.body).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Self {
            base: format!("http://{addr}"),
            requests,
        }
    }

    pub(crate) fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&SHA256, bytes).as_ref())
}

pub(crate) fn quiet(cache: &Path) -> Downloader {
    Downloader::with_options(
        cache,
        DownloadOptions {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(5),
            progress: Progress::Hidden,
            mirror: None,
        },
    )
    .expect("client")
}

pub(crate) fn file_artifact(url: String, checksum: Checksum) -> Artifact {
    Artifact {
        name: "tool".into(),
        version: "v1.0.0".into(),
        platform: Some(Platform {
            os: Os::Linux,
            arch: Arch::Amd64,
        }),
        url,
        checksum,
        file_name: "tool".into(),
        executable: true,
        archive: None,
    }
}

/// A `.tar.gz` of `(path, contents)` entries; paths are written raw so `..` can be tested.
pub(crate) fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(gz);
    for (path, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o755);
        header.set_entry_type(tar::EntryType::Regular);
        // set_path refuses `..`; write the name field directly to build a hostile archive.
        let name = &mut header.as_old_mut().name;
        name[..path.len()].copy_from_slice(path.as_bytes());
        header.set_cksum();
        builder.append(&header, *data).expect("append");
    }
    builder.into_inner().expect("tar").finish().expect("gz")
}
