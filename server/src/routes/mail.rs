//! Service mailboxes (客服邮箱): admins set them up, change, delete and
//! test them. Passwords go in, never out.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use fieldesk_core::Role;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::chat::ChatMessage;
use fieldesk_core::email::html::MailHtml;
use fieldesk_core::email::mailbox::{ConnectionCheck, ConnectionTest, Mailbox, MailboxBody};
use fieldesk_core::email::outgoing::{ComposeBody, ReplyBody};
use fieldesk_core::email::part::{MailPart, Sender};
use fieldesk_core::email::quarantine::{QuarantinedMail, RetryOutcome};

use crate::auth::Caller;
use crate::error::{ApiError, request_locale};
use crate::perimeter::ClientAddr;
use crate::state::AppState;

/// The tenant's service mailboxes (admins).
#[utoipa::path(get, path = "/api/mail/mailboxes", tag = "mail", security(("bearer" = [])),
    responses((status = 200, body = Vec<Mailbox>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Mailbox>>, ApiError> {
    caller.require(Role::manages_mailboxes)?;
    Ok(Json(state.mail.mailboxes(caller.tenant_id()).await?))
}

/// One mailbox (admins).
#[utoipa::path(get, path = "/api/mail/mailboxes/{id}", tag = "mail", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Mailbox), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Mailbox>, ApiError> {
    caller.require(Role::manages_mailboxes)?;
    Ok(Json(state.mail.mailbox(caller.tenant_id(), id).await?))
}

/// Sets up a mailbox (admins; both passwords needed); an address the
/// tenant has already is a conflict.
#[utoipa::path(post, path = "/api/mail/mailboxes", tag = "mail", security(("bearer" = [])),
    request_body = MailboxBody,
    responses((status = 201, body = Mailbox), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ClientAddr(client): ClientAddr,
    Json(body): Json<MailboxBody>,
) -> Result<(StatusCode, Json<Mailbox>), ApiError> {
    caller.require(Role::manages_mailboxes)?;
    let created = state
        .mail
        .create(&caller.user, &body, &client.to_string())
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Changes a mailbox (admins); a password left out (`null`) stays.
#[utoipa::path(put, path = "/api/mail/mailboxes/{id}", tag = "mail", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = MailboxBody,
    responses((status = 200, body = Mailbox), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ClientAddr(client): ClientAddr,
    Path(id): Path<i64>,
    Json(body): Json<MailboxBody>,
) -> Result<Json<Mailbox>, ApiError> {
    caller.require(Role::manages_mailboxes)?;
    Ok(Json(
        state
            .mail
            .update(&caller.user, id, &body, &client.to_string())
            .await?,
    ))
}

/// Deletes a mailbox (admins); the mail it received stays.
#[utoipa::path(delete, path = "/api/mail/mailboxes/{id}", tag = "mail", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ClientAddr(client): ClientAddr,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::manages_mailboxes)?;
    state
        .mail
        .delete(&caller.user, id, &client.to_string())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs in to the SMTP and the IMAP server with these settings, each on
/// its own, and says in the caller's language what failed (admins).
/// With `id`, passwords left out are the saved mailbox's.
#[utoipa::path(post, path = "/api/mail/mailboxes/test", tag = "mail", security(("bearer" = [])),
    request_body = ConnectionTest,
    responses((status = 200, body = ConnectionCheck), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Json(test): Json<ConnectionTest>,
) -> Result<Json<ConnectionCheck>, ApiError> {
    caller.require(Role::manages_mailboxes)?;
    let locale = request_locale(&headers);
    Ok(Json(
        state
            .mail
            .test_connection(caller.tenant_id(), test.id, &test.body, locale)
            .await?,
    ))
}

/// Mail that could not be read, with why (admins).
#[utoipa::path(get, path = "/api/mail/quarantine", tag = "mail", security(("bearer" = [])),
    responses((status = 200, body = Vec<QuarantinedMail>), (status = 403, body = ErrorBody)))]
pub async fn quarantine(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<QuarantinedMail>>, ApiError> {
    caller.require(Role::manages_mailboxes)?;
    Ok(Json(state.mail.quarantine(caller.tenant_id()).await?))
}

/// Reads a quarantined mail again (admins): into its conversation, or
/// still held with the new reason.
#[utoipa::path(post, path = "/api/mail/quarantine/{id}/retry", tag = "mail",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = RetryOutcome), (status = 404, body = ErrorBody)))]
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<RetryOutcome>, ApiError> {
    caller.require(Role::manages_mailboxes)?;
    Ok(Json(state.mail.retry(caller.tenant_id(), id).await?))
}

/// Replies in an email conversation the caller serves: queued, then sent
/// over the mailbox's SMTP (a retry with the same `client_id` sends
/// nothing twice).
#[utoipa::path(post, path = "/api/mail/conversations/{id}/reply", tag = "mail",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReplyBody,
    responses((status = 200, body = ChatMessage), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReplyBody>,
) -> Result<Json<ChatMessage>, ApiError> {
    caller.require(Role::serves_chat)?;
    Ok(Json(state.mail.reply(&caller.user, id, &body).await?))
}

/// Starts an email conversation: a new mail from one of the tenant's
/// mailboxes (or an alias) to any address, served by the caller.
#[utoipa::path(post, path = "/api/mail/compose", tag = "mail", security(("bearer" = [])),
    request_body = ComposeBody,
    responses((status = 200, body = ChatMessage), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn compose(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<ComposeBody>,
) -> Result<Json<ChatMessage>, ApiError> {
    caller.require(Role::serves_chat)?;
    Ok(Json(state.mail.compose(&caller.user, &body).await?))
}

/// The mails of an email conversation: headers, where sent mail is, what
/// each holds.
#[utoipa::path(get, path = "/api/mail/conversations/{id}/mails", tag = "mail",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<MailPart>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn parts(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<MailPart>>, ApiError> {
    Ok(Json(state.mail.parts(&caller.user, id).await?))
}

/// A mail's HTML, sanitized on import, for a sandboxed frame: `cid:`
/// images inline, remote images counted and not loaded.
#[utoipa::path(get, path = "/api/mail/conversations/{id}/messages/{message}/html", tag = "mail",
    security(("bearer" = [])), params(("id" = i64, Path), ("message" = i64, Path)),
    responses((status = 200, body = MailHtml), (status = 404, body = ErrorBody)))]
pub async fn html(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, message)): Path<(i64, i64)>,
) -> Result<Json<MailHtml>, ApiError> {
    Ok(Json(state.mail.html(&caller.user, id, message).await?))
}

/// An attachment of a mail: always a download, never rendered.
#[utoipa::path(get, path = "/api/mail/conversations/{id}/messages/{message}/attachments/{sha256}",
    tag = "mail", security(("bearer" = [])),
    params(("id" = i64, Path), ("message" = i64, Path), ("sha256" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream"),
        (status = 404, body = ErrorBody)))]
pub async fn attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, message, sha256)): Path<(i64, i64, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let (filename, content_type, bytes) = state
        .mail
        .attachment(&caller.user, id, message, &sha256)
        .await?;
    // RFC 6266: an ASCII fallback and the UTF-8 name.
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let content_type = if content_type.parse::<axum::http::HeaderValue>().is_ok() {
        content_type
    } else {
        "application/octet-stream".to_owned()
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    ))
}

/// The mailboxes the caller may send from, and as which addresses.
#[utoipa::path(get, path = "/api/mail/senders", tag = "mail", security(("bearer" = [])),
    responses((status = 200, body = Vec<Sender>), (status = 403, body = ErrorBody)))]
pub async fn senders(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Sender>>, ApiError> {
    caller.require(Role::serves_chat)?;
    Ok(Json(state.mail.senders(caller.tenant_id()).await?))
}
