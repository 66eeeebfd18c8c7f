//! Per-run certificates and the admin kubeconfig, like the ones kind writes.
//!
//! A fresh CA signs one server certificate (for the loopback address the server listens on) and one
//! client certificate (`CN=kubernetes-admin`, `O=system:masters`, as kubeadm issues for kind's admin
//! kubeconfig). Nothing is written to disk except the kubeconfig, which is created with mode 0600.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Errors while making certificates or writing the kubeconfig.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("failed to generate a certificate")]
    Generate(#[from] rcgen::Error),
    #[error("failed to build the TLS configuration")]
    Rustls(#[from] rustls::Error),
    #[error("failed to build the client certificate verifier")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
    #[error("failed to write the kubeconfig to {path}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The certificates of one simulated cluster.
pub(crate) struct ClusterCredentials {
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    server_chain: Vec<CertificateDer<'static>>,
    server_key_der: Vec<u8>,
    client_cert_pem: String,
    client_key_pem: String,
}

impl ClusterCredentials {
    /// Generates a CA, a server certificate for `127.0.0.1`/`localhost` and the admin client
    /// certificate. ECDSA P-256 keeps this well under a millisecond each.
    pub(crate) fn generate() -> Result<Self, TlsError> {
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.distinguished_name = name(&[(DnType::CommonName, "kubernetes")]);
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::CrlSign,
        ];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, &ca_key);

        let server_key = KeyPair::generate()?;
        let mut server_params = CertificateParams::new(vec![
            "127.0.0.1".to_string(),
            "localhost".to_string(),
            "kubernetes".to_string(),
            "kubernetes.default".to_string(),
            "kubernetes.default.svc".to_string(),
            "kubernetes.default.svc.cluster.local".to_string(),
        ])?;
        server_params.distinguished_name = name(&[(DnType::CommonName, "kube-apiserver")]);
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server_params.signed_by(&server_key, &issuer)?;

        let client_key = KeyPair::generate()?;
        let mut client_params = CertificateParams::new(Vec::<String>::new())?;
        client_params.distinguished_name = name(&[
            (DnType::CommonName, "kubernetes-admin"),
            (DnType::OrganizationName, "system:masters"),
        ]);
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client_cert = client_params.signed_by(&client_key, &issuer)?;

        Ok(Self {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().clone(),
            server_chain: vec![server_cert.der().clone()],
            server_key_der: server_key.serialize_der(),
            client_cert_pem: client_cert.pem(),
            client_key_pem: client_key.serialize_pem(),
        })
    }

    /// The server's TLS configuration. Client certificates are requested but optional at the TLS
    /// layer, so that a request without one gets an HTTP 401 Status (as kube-apiserver answers)
    /// rather than a handshake failure.
    pub(crate) fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.ca_der.clone())?;
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            roots.into(),
            provider.clone(),
        )
        .allow_unauthenticated()
        .build()?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key_der.clone()));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_single_cert(self.server_chain.clone(), key)?;
        // HTTP/1.1 only: exec and port-forward upgrade the connection, which HTTP/2 cannot.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }

    /// The CA certificate in PEM, for clients that want to trust this cluster.
    pub(crate) fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The admin client certificate and key, concatenated PEM (what `reqwest::Identity::from_pem`
    /// takes), for tests and benchmarks that talk to the API server without a kubeconfig.
    pub(crate) fn admin_identity_pem(&self) -> String {
        format!("{}{}", self.client_cert_pem, self.client_key_pem)
    }

    /// A kubeconfig for the admin user, with every credential inline (base64 `*-data` fields).
    pub(crate) fn kubeconfig(&self, addr: SocketAddr, cluster_name: &str) -> String {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
        let context = format!("sim-{cluster_name}");
        format!(
            "apiVersion: v1\nkind: Config\npreferences: {{}}\nclusters:\n- name: {context}\n  cluster:\n    server: https://{addr}\n    certificate-authority-data: {ca}\nusers:\n- name: {context}\n  user:\n    client-certificate-data: {cert}\n    client-key-data: {key}\ncontexts:\n- name: {context}\n  context:\n    cluster: {context}\n    user: {context}\ncurrent-context: {context}\n",
            ca = b64(&self.ca_pem),
            cert = b64(&self.client_cert_pem),
            key = b64(&self.client_key_pem),
        )
    }

    /// Writes the kubeconfig with mode 0600: it holds the admin's private key.
    pub(crate) fn write_kubeconfig(
        &self,
        path: &Path,
        addr: SocketAddr,
        cluster_name: &str,
    ) -> Result<(), TlsError> {
        let text = self.kubeconfig(addr, cluster_name);
        write_private(path, text.as_bytes()).map_err(|source| TlsError::Write {
            path: path.display().to_string(),
            source,
        })
    }
}

fn name(parts: &[(DnType, &str)]) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    for (ty, value) in parts {
        dn.push(ty.clone(), *value);
    }
    dn
}

/// Writes a file readable by its owner only; the mode is set at creation, never widened.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}
