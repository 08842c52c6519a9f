//! Verified visitor identity: the admins' identity secret for the
//! embedding site, and an agent's explicit link of a conversation's
//! visitor to a customer.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fieldesk_core::Role;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::identity::{IdentitySecret, IdentityStatus, LinkCustomerBody};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::perimeter::ClientAddr;
use crate::state::AppState;

/// Whether the chat window's signed identities are verified (admins).
#[utoipa::path(get, path = "/api/chat/identity", tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = IdentityStatus), (status = 403, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<IdentityStatus>, ApiError> {
    caller.require(Role::manages_security)?;
    Ok(Json(state.chat.identity_status(caller.tenant_id()).await?))
}

/// A new identity secret for the embedding site, shown this once; the
/// previous secret stops verifying at once (admins).
#[utoipa::path(post, path = "/api/chat/identity/secret", tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = IdentitySecret), (status = 403, body = ErrorBody)))]
pub async fn new_secret(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    caller: Caller,
) -> Result<Json<IdentitySecret>, ApiError> {
    caller.require(Role::manages_security)?;
    let secret = state
        .chat
        .new_identity_secret(&caller.user, &client.to_string())
        .await?;
    Ok(Json(secret))
}

/// Stops verifying identities (admins); linked visitors stay linked.
#[utoipa::path(delete, path = "/api/chat/identity/secret", tag = "chat", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn remove_secret(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::manages_security)?;
    state
        .chat
        .remove_identity_secret(&caller.user, &client.to_string())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Links the conversation's visitor to the customer a work order names
/// (404 `unknown_customer` if none does; 409 `identity_signed` for a
/// visitor the embedding site verified).
#[utoipa::path(put, path = "/api/chat/conversations/{id}/customer", tag = "chat",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = LinkCustomerBody,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn link(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<LinkCustomerBody>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::serves_chat)?;
    state
        .chat
        .link_customer(&caller.user, id, Some(&body.name), &client.to_string())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes an agent's link of the conversation's visitor to a customer.
#[utoipa::path(delete, path = "/api/chat/conversations/{id}/customer", tag = "chat",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn unlink(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::serves_chat)?;
    state
        .chat
        .link_customer(&caller.user, id, None, &client.to_string())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
