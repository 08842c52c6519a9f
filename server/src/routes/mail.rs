//! Service mailboxes (客服邮箱): admins set them up, change, delete and
//! test them. Passwords go in, never out.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use fieldesk_core::Role;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::email::mailbox::{ConnectionCheck, ConnectionTest, Mailbox, MailboxBody};
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
