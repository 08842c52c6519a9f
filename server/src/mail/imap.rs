//! Signing in to a mailbox's IMAP server: plain, STARTTLS or TLS (rustls,
//! the Mozilla roots), and what went wrong when it fails, as a code the
//! admin can act on and the server's own words.

use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use fieldesk_core::ErrorCode;
use fieldesk_core::email::mailbox::{Security, ServerSettings};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// How long connecting (and each step of signing in) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection, encrypted or not.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Io for T {}

pub type Session = async_imap::Session<Box<dyn Io>>;

/// Why a mail server could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct Failure {
    pub code: ErrorCode,
    /// What the server (or the network) said.
    pub detail: String,
}

impl Failure {
    pub fn new(code: ErrorCode, detail: impl ToString) -> Self {
        Failure {
            code,
            detail: detail.to_string(),
        }
    }
}

/// TLS as every mail connection uses it: rustls with the ring provider
/// and the Mozilla roots (no system store, no OpenSSL).
pub fn tls_config() -> Arc<rustls::ClientConfig> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("rustls' default protocol versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    Arc::new(config)
}

fn tls_connector() -> tokio_rustls::TlsConnector {
    tokio_rustls::TlsConnector::from(tls_config())
}

async fn tls<S: Io + 'static>(stream: S, host: &str) -> Result<Box<dyn Io>, Failure> {
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| Failure::new(ErrorCode::MailTlsFailed, e))?;
    let stream = tls_connector()
        .connect(name, stream)
        .await
        .map_err(|e| Failure::new(ErrorCode::MailTlsFailed, e))?;
    Ok(Box::new(stream))
}

async fn within<T>(
    what: &str,
    f: impl std::future::Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    tokio::time::timeout(CONNECT_TIMEOUT, f)
        .await
        .unwrap_or_else(|_| {
            Err(Failure::new(
                ErrorCode::MailUnreachable,
                format!(
                    "no answer while {what} within {} s",
                    CONNECT_TIMEOUT.as_secs()
                ),
            ))
        })
}

fn refused(e: impl ToString) -> Failure {
    Failure::new(ErrorCode::MailServerRefused, e)
}

/// Connects to one of `addrs` (the allowed addresses of `s.host`, see
/// [`crate::outbound::Outbound::resolve`]) and signs in; certificates are
/// checked against `s.host`.
pub async fn sign_in(
    s: &ServerSettings,
    addrs: &[SocketAddr],
    password: &str,
) -> Result<Session, Failure> {
    let tcp = within("connecting", async {
        TcpStream::connect(addrs)
            .await
            .map_err(|e| Failure::new(ErrorCode::MailUnreachable, e))
    })
    .await?;
    let client = within("greeting", async {
        let stream: Box<dyn Io> = match s.security {
            Security::Tls => tls(tcp, &s.host).await?,
            Security::None | Security::StartTls => Box::new(tcp),
        };
        let mut client = async_imap::Client::new(stream);
        client
            .read_response()
            .await
            .map_err(refused)?
            .ok_or_else(|| refused("closed before its greeting"))?;
        if s.security != Security::StartTls {
            return Ok(client);
        }
        client
            .run_command_and_check_ok("STARTTLS", None)
            .await
            .map_err(|e| Failure::new(ErrorCode::MailTlsFailed, e))?;
        let secured = tls(client.into_inner(), &s.host).await?;
        Ok(async_imap::Client::new(secured))
    })
    .await?;
    within("signing in", async {
        client
            .login(&s.user, password)
            .await
            .map_err(|(e, _)| match e {
                async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text) => {
                    Failure::new(ErrorCode::MailAuthFailed, text)
                }
                other => refused(other),
            })
    })
    .await
}

/// Selects `folder`; its absence is [`ErrorCode::MailFolderMissing`].
pub async fn select(
    session: &mut Session,
    folder: &str,
) -> Result<async_imap::types::Mailbox, Failure> {
    within("opening the folder", async {
        session.select(folder).await.map_err(|e| match e {
            async_imap::error::Error::No(text) => Failure::new(ErrorCode::MailFolderMissing, text),
            other => refused(other),
        })
    })
    .await
}
