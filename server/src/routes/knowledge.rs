//! Knowledge spaces (知识空间): the articles the AI agent answers from.
//! Everyone who serves chat may read them; admins and supervisors edit.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::knowledge::{Article, ArticleInput};
use fieldesk_core::{ErrorCode, Role};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

fn validate(input: &ArticleInput) -> Result<(), ApiError> {
    let ok = !input.title.trim().is_empty()
        && input.title.chars().count() <= 200
        && !input.body.trim().is_empty()
        && input.body.chars().count() <= 20_000
        && !input.space.trim().is_empty()
        && input.space.chars().count() <= 100
        && input.tags.len() <= 20
        && input.tags.iter().all(|t| t.chars().count() <= 50);
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::BadRequest))
    }
}

/// The tenant's articles, by space and title.
#[utoipa::path(get, path = "/api/knowledge/articles", tag = "knowledge", security(("bearer" = [])),
    responses((status = 200, body = Vec<Article>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Article>>, ApiError> {
    caller.require(Role::serves_chat)?;
    Ok(Json(state.store.articles(caller.tenant_id()).await?))
}

/// Adds an article; the AI agent can quote it at once.
#[utoipa::path(post, path = "/api/knowledge/articles", tag = "knowledge", security(("bearer" = [])),
    request_body = ArticleInput,
    responses((status = 201, body = Article), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<ArticleInput>,
) -> Result<(StatusCode, Json<Article>), ApiError> {
    caller.require(Role::oversees_chat)?;
    validate(&input)?;
    let article = state
        .store
        .create_article(caller.tenant_id(), input)
        .await?;
    Ok((StatusCode::CREATED, Json(article)))
}

/// Replaces an article.
#[utoipa::path(put, path = "/api/knowledge/articles/{id}", tag = "knowledge", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ArticleInput,
    responses((status = 200, body = Article), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(input): Json<ArticleInput>,
) -> Result<Json<Article>, ApiError> {
    caller.require(Role::oversees_chat)?;
    validate(&input)?;
    Ok(Json(
        state
            .store
            .update_article(caller.tenant_id(), id, input)
            .await?,
    ))
}

/// Removes an article.
#[utoipa::path(delete, path = "/api/knowledge/articles/{id}", tag = "knowledge", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::oversees_chat)?;
    state.store.delete_article(caller.tenant_id(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
