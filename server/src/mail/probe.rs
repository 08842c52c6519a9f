//! "Test connection": sign in to the SMTP server and to the IMAP server
//! (and open the folder), each on its own, and say in the admin's
//! language what failed, with the server's answer.

use fieldesk_core::email::mailbox::{Check, Security, ServerSettings};
use fieldesk_core::i18n::Catalog;
use fieldesk_core::{ErrorCode, Locale};

use crate::outbound::{Outbound, OutboundError};
use std::net::SocketAddr;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, Tokio1Executor};

use super::imap::{self, CONNECT_TIMEOUT, Failure};

pub type Outcome = Result<(), Failure>;

pub trait IntoCheck {
    fn into_check(self, catalog: &Catalog, locale: Locale) -> Check;
}

impl IntoCheck for Outcome {
    fn into_check(self, catalog: &Catalog, locale: Locale) -> Check {
        match self {
            Ok(()) => Check {
                ok: true,
                code: None,
                message: None,
                detail: None,
            },
            Err(f) => Check {
                ok: false,
                code: Some(f.code),
                message: Some(catalog.message(locale, f.code.message_key())),
                detail: Some(f.detail),
            },
        }
    }
}

/// The transport for a mailbox's SMTP settings, to `addr` (an allowed
/// address of `s.host`); certificates are checked against `s.host`.
pub fn smtp_transport(
    s: &ServerSettings,
    addr: SocketAddr,
    password: &str,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, Failure> {
    let params = || {
        TlsParameters::new(s.host.clone()).map_err(|e| Failure::new(ErrorCode::MailTlsFailed, e))
    };
    let tls = match s.security {
        Security::None => Tls::None,
        Security::StartTls => Tls::Required(params()?),
        Security::Tls => Tls::Wrapper(params()?),
    };
    Ok(
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(addr.ip().to_string())
            .port(addr.port())
            .tls(tls)
            .hello_name(ClientId::Domain("fieldesk.invalid".to_owned()))
            .credentials(Credentials::new(s.user.clone(), password.to_owned()))
            .timeout(Some(CONNECT_TIMEOUT))
            .build(),
    )
}

/// What an SMTP failure means for the admin.
pub fn smtp_failure(e: &lettre::transport::smtp::Error) -> Failure {
    let code = if let Some(status) = e.status() {
        let status = status.to_string();
        // 530 authentication required, 534/535 credentials refused.
        if matches!(status.as_str(), "530" | "534" | "535" | "454") {
            ErrorCode::MailAuthFailed
        } else {
            ErrorCode::MailServerRefused
        }
    } else if e.is_tls() {
        ErrorCode::MailTlsFailed
    } else if e.is_client() || e.is_response() {
        ErrorCode::MailServerRefused
    } else {
        ErrorCode::MailUnreachable
    };
    Failure::new(code, e)
}

pub async fn smtp(s: &ServerSettings, addrs: &[SocketAddr], password: &str) -> Outcome {
    let transport = smtp_transport(s, addrs[0], password)?;
    match transport.test_connection().await {
        Ok(true) => Ok(()),
        Ok(false) => Err(Failure::new(
            ErrorCode::MailServerRefused,
            "the server did not answer NOOP",
        )),
        Err(e) => Err(smtp_failure(&e)),
    }
}

pub async fn imap(
    s: &ServerSettings,
    addrs: &[SocketAddr],
    password: &str,
    folder: &str,
) -> Outcome {
    let mut session = imap::sign_in(s, addrs, password).await?;
    imap::select(&mut session, folder).await?;
    let _ = session.logout().await;
    Ok(())
}

/// The addresses a mailbox's server may be reached at: a name that does
/// not resolve is unreachable, a private address refused unless the
/// operator allowed them (as for every endpoint a tenant chooses).
pub async fn resolve(outbound: &Outbound, s: &ServerSettings) -> Result<Vec<SocketAddr>, Failure> {
    outbound
        .resolve(&s.host, s.port)
        .await
        .map_err(|e| match e {
            OutboundError::NotAllowed(_) => Failure::new(ErrorCode::EndpointNotAllowed, e),
            _ => Failure::new(ErrorCode::MailUnreachable, e),
        })
}
