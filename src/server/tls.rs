//! Automatic mutual TLS as go-plugin sets it up for Terraform.
//!
//! Terraform generates a fresh self-signed client certificate for every
//! provider process and passes it in `PLUGIN_CLIENT_CERT`. The provider
//! replies with a fresh self-signed server certificate of its own, sent in
//! the handshake line, and accepts only connections that present exactly the
//! client's certificate. The client certificate is ECDSA P-521 with SHA-512,
//! which *ring* cannot verify, so signatures are verified with aws-lc-rs and
//! everything else uses *ring* (see [`crypto_provider`]).

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// Failures while preparing the TLS side of the handshake.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// `PLUGIN_CLIENT_CERT` held no PEM certificate.
    #[error("PLUGIN_CLIENT_CERT does not contain a PEM certificate")]
    NoClientCertificate,
    /// `PLUGIN_CLIENT_CERT` was not valid PEM.
    #[error("PLUGIN_CLIENT_CERT is not valid PEM: {0}")]
    InvalidPem(#[source] std::io::Error),
    /// The server certificate could not be generated.
    #[error("generating the server certificate failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls rejected the configuration.
    #[error("building the TLS configuration failed: {0}")]
    Config(#[from] rustls::Error),
}

/// Returns the crypto provider every TLS object of the plugin server uses: *ring*
/// for key exchange, ciphers, randomness and the server's own key, and
/// aws-lc-rs only to verify signatures, because *ring* cannot verify the
/// client's P-521 certificate.
///
/// aws-lc-rs seeds its random number generator on first use, which took
/// most of the provider's start-up time. *ring* reads the operating system's
/// generator directly, so keeping randomness on it avoids that cost in every
/// provider process Terraform starts.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    let mut provider = rustls::crypto::ring::default_provider();
    provider.signature_verification_algorithms =
        rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
    Arc::new(provider)
}

/// A self-signed server certificate and its private key.
pub struct ServerIdentity {
    /// The certificate in DER form, as the handshake line carries it.
    pub certificate: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("certificate_len", &self.certificate.len())
            .finish_non_exhaustive()
    }
}

/// Generates a fresh certificate for the name `localhost`, which is the name
/// go-plugin's client verifies, valid from a little before now so that small
/// clock differences between processes do not matter.
///
/// # Errors
///
/// Returns [`TlsError::Generate`] when key generation or signing fails.
pub fn generate_server_identity() -> Result<ServerIdentity, TlsError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
        IsCa, KeyPair, KeyUsagePurpose,
    };

    let signer = RingSigner::generate()?;
    let pkcs8 = signer.pkcs8.clone();
    let key_pair = KeyPair::from_remote(Box::new(signer))?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "terraform-provider-workload");
    name.push(DnType::CommonName, "localhost");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let now = time_now();
    params.not_before = now - std::time::Duration::from_secs(30);
    params.not_after = now + std::time::Duration::from_secs(10 * 365 * 24 * 3600);
    let certificate = params.self_signed(&key_pair)?;

    Ok(ServerIdentity {
        certificate: certificate.der().clone(),
        key: PrivatePkcs8KeyDer::from(pkcs8),
    })
}

/// A P-256 key generated and used with *ring*, through which rcgen signs the
/// server certificate (see [`crypto_provider`] for why not aws-lc-rs).
struct RingSigner {
    pkcs8: Vec<u8>,
    key_pair: ring::signature::EcdsaKeyPair,
    random: ring::rand::SystemRandom,
}

impl RingSigner {
    fn generate() -> Result<RingSigner, TlsError> {
        use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

        let random = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &random)
            .map_err(|_| TlsError::Generate(rcgen::Error::RingUnspecified))?;
        let key_pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &random)
                .map_err(|err| {
                    TlsError::Generate(rcgen::Error::RingKeyRejected(err.to_string()))
                })?;
        Ok(RingSigner {
            pkcs8: pkcs8.as_ref().to_vec(),
            key_pair,
            random,
        })
    }
}

impl rcgen::RemoteKeyPair for RingSigner {
    fn public_key(&self) -> &[u8] {
        use ring::signature::KeyPair;
        self.key_pair.public_key().as_ref()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.key_pair
            .sign(&self.random, message)
            .map(|signature| signature.as_ref().to_vec())
            .map_err(|_| rcgen::Error::RingUnspecified)
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

fn time_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Parses the first certificate of a PEM bundle such as `PLUGIN_CLIENT_CERT`.
///
/// # Errors
///
/// Returns an error when the text is not PEM or contains no certificate.
pub fn parse_client_certificate(pem: &str) -> Result<CertificateDer<'static>, TlsError> {
    let mut reader = std::io::BufReader::new(pem.as_bytes());
    let first = rustls_pemfile::certs(&mut reader).next();
    match first {
        Some(Ok(cert)) => Ok(cert),
        Some(Err(err)) => Err(TlsError::InvalidPem(err)),
        None => Err(TlsError::NoClientCertificate),
    }
}

/// Builds the server configuration: TLS 1.2 or 1.3, ALPN `h2` (grpc-go 1.67
/// and later refuse TLS servers without it), and mandatory client
/// authentication with exactly `client_certificate`.
///
/// # Errors
///
/// Returns [`TlsError::Config`] when rustls rejects the key or the settings.
pub fn server_config(
    identity: &ServerIdentity,
    client_certificate: CertificateDer<'static>,
) -> Result<rustls::ServerConfig, TlsError> {
    let provider = crypto_provider();
    let verifier = Arc::new(PinnedClientCertificate {
        expected: client_certificate,
        provider: provider.clone(),
    });
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![identity.certificate.clone()],
            PrivateKeyDer::Pkcs8(identity.key.clone_key()),
        )?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Accepts only the one certificate Terraform handed over.
///
/// Path validation against the certificate as a trust anchor does not work
/// here: Terraform's certificate is both the end entity and a CA, which
/// WebPKI rejects as "CA used as end entity". Comparing the presented
/// certificate byte for byte is what go-plugin's trust model amounts to, and
/// the handshake signature check below still proves possession of the key.
#[derive(Debug)]
struct PinnedClientCertificate {
    expected: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for PinnedClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_identity_is_for_localhost() {
        let identity = generate_server_identity().expect("certificate generation");
        // The DER of a certificate for the name localhost contains the name.
        let der = identity.certificate.as_ref();
        assert!(der.windows(9).any(|w| w == b"localhost"));
    }

    #[test]
    fn client_certificate_requires_pem() {
        assert!(matches!(
            parse_client_certificate("not a certificate"),
            Err(TlsError::NoClientCertificate)
        ));
    }

    #[test]
    fn verify_schemes_include_p521() {
        let verifier = PinnedClientCertificate {
            expected: CertificateDer::from(vec![1, 2, 3]),
            provider: crypto_provider(),
        };
        assert!(verifier
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }
}
