//! The customer portal's API (`/api/shop/{tenant}/…`): customers sign
//! up, verify their address, sign in, browse, check out, pay and follow
//! their orders — live on `/api/shop/{tenant}/ws`. Customer tokens open
//! only these routes; staff tokens open none of them. The payment
//! providers' webhooks come in at `/api/shop/webhooks/{provider}`.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::mall::catalog::Category;
use fieldesk_core::mall::customer::{
    Customer, CustomerSession, SigninBody, SignupBody, VerifyBody,
};
use fieldesk_core::mall::order::OrderEvent;
use fieldesk_core::mall::price::Audience;
use fieldesk_core::mall::proposal::{ApproveBody, CustomerDevice, CustomerProposal, Proposal};
use fieldesk_core::mall::{
    Buyer, CheckoutBody, CustomerAction, CustomerActionBody, Offer, Order, PayBody, ShopInfo,
    ShopLive,
};
use fieldesk_core::{ErrorCode, Locale};
use serde::Deserialize;

use crate::error::{ApiError, request_locale};
use crate::hub::{BuyerTopic, FeedItem};
use crate::mall::{BuyerRef, ShopQuery, Shopper, WEBHOOK_SIGNATURE};
use crate::perimeter::ClientAddr;
use crate::state::AppState;

/// The tenant of a shop path (unknown: 404).
async fn tenant_id(state: &AppState, slug: &str) -> Result<i64, ApiError> {
    Ok(state
        .store
        .tenant_by_slug(slug)
        .await?
        .ok_or(ApiError::new(ErrorCode::UnknownTenant))?
        .id)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

/// The signed-in customer of this shop (a staff token, another shop's
/// customer or none: 401).
async fn shopper(state: &AppState, slug: &str, headers: &HeaderMap) -> Result<Shopper, ApiError> {
    let tenant = tenant_id(state, slug).await?;
    let token = bearer(headers).ok_or(ApiError::new(ErrorCode::Unauthorized))?;
    state
        .mall
        .shopper(token)
        .await?
        .filter(|s| s.tenant_id == tenant)
        .ok_or(ApiError::new(ErrorCode::SessionExpired))
}

fn buyer(s: &Shopper) -> BuyerRef {
    BuyerRef {
        tenant_id: s.tenant_id,
        buyer: Buyer::Customer {
            customer_id: s.customer.id,
        },
        audience: Audience::Customers,
    }
}

/// The shop's name, currency and payment methods ("not enabled" when
/// the tenant has not switched the mall on).
#[utoipa::path(get, path = "/api/shop/{tenant}", tag = "shop",
    params(("tenant" = String, Path)),
    responses((status = 200, body = ShopInfo), (status = 404, body = ErrorBody)))]
pub async fn info(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<ShopInfo>, ApiError> {
    let tenant = state
        .store
        .tenant_by_slug(&slug)
        .await?
        .ok_or(ApiError::new(ErrorCode::UnknownTenant))?;
    let settings = state.mall.enabled(tenant.id).await?;
    Ok(Json(ShopInfo {
        name: tenant.name,
        currency: settings.currency,
        payment_methods: settings.payment_methods,
    }))
}

/// Signs up; a code goes to the address (verify it to sign in).
#[utoipa::path(post, path = "/api/shop/{tenant}/signup", tag = "shop",
    params(("tenant" = String, Path)), request_body = SignupBody,
    responses((status = 201, body = Customer), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn signup(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Json(body): Json<SignupBody>,
) -> Result<(StatusCode, Json<Customer>), ApiError> {
    let tenant = tenant_id(&state, &slug).await?;
    let created = state
        .mall
        .signup(tenant, body, request_locale(&headers))
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `POST /api/shop/{tenant}/resend`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResendBody {
    pub email: String,
}

/// Mails a new code if the address has an unverified account (the
/// answer is the same either way).
#[utoipa::path(post, path = "/api/shop/{tenant}/resend", tag = "shop",
    params(("tenant" = String, Path)), request_body = ResendBody,
    responses((status = 202), (status = 429, body = ErrorBody)))]
pub async fn resend(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Json(body): Json<ResendBody>,
) -> Result<StatusCode, ApiError> {
    let tenant = tenant_id(&state, &slug).await?;
    state.mall.resend_code(tenant, &body.email).await?;
    Ok(StatusCode::ACCEPTED)
}

/// The code from the mail: verifies the address and signs in.
#[utoipa::path(post, path = "/api/shop/{tenant}/verify", tag = "shop",
    params(("tenant" = String, Path)), request_body = VerifyBody,
    responses((status = 200, body = CustomerSession), (status = 400, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Json(body): Json<VerifyBody>,
) -> Result<Json<CustomerSession>, ApiError> {
    let tenant = tenant_id(&state, &slug).await?;
    Ok(Json(state.mall.verify(tenant, body).await?))
}

#[utoipa::path(post, path = "/api/shop/{tenant}/signin", tag = "shop",
    params(("tenant" = String, Path)), request_body = SigninBody,
    responses((status = 200, body = CustomerSession), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "email_not_verified"),
        (status = 429, body = ErrorBody)))]
pub async fn signin(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientAddr(client): ClientAddr,
    Json(body): Json<SigninBody>,
) -> Result<Json<CustomerSession>, ApiError> {
    let tenant = tenant_id(&state, &slug).await?;
    Ok(Json(
        state
            .mall
            .signin(tenant, &slug, body, client, &state.throttle)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/shop/{tenant}/signout", tag = "shop",
    params(("tenant" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn signout(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let s = shopper(&state, &slug, &headers).await?;
    state.mall.signout(&s).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/shop/{tenant}/me", tag = "shop",
    params(("tenant" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Customer), (status = 401, body = ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Customer>, ApiError> {
    Ok(Json(shopper(&state, &slug, &headers).await?.customer))
}

/// The categories of the items on sale, with how many each has.
#[utoipa::path(get, path = "/api/shop/{tenant}/categories", tag = "shop",
    params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<Category>), (status = 404, body = ErrorBody)))]
pub async fn categories(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Vec<Category>>, ApiError> {
    let tenant = tenant_id(&state, &slug).await?;
    Ok(Json(state.mall.categories(tenant).await?))
}

/// Items on sale at the customers' price beside the list price; with
/// `model`, the parts that fit a device of it; with `category`, those of
/// it. Browsing needs no sign-in.
#[utoipa::path(get, path = "/api/shop/{tenant}/offers", tag = "shop",
    params(("tenant" = String, Path), ShopQuery),
    responses((status = 200, body = Vec<Offer>), (status = 404, body = ErrorBody)))]
pub async fn offers(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Query(q): Query<ShopQuery>,
) -> Result<Json<Vec<Offer>>, ApiError> {
    let tenant = tenant_id(&state, &slug).await?;
    Ok(Json(
        state
            .mall
            .offers(tenant, &Audience::Customers, q, locale_of(&headers))
            .await?,
    ))
}

/// A photo of an item on sale (no sign-in: the catalog is public).
#[utoipa::path(get, path = "/api/shop/{tenant}/photos/{id}", tag = "shop",
    params(("tenant" = String, Path), ("id" = String, Path, description = "lowercase hex SHA-256")),
    responses((status = 200, description = "the image (PNG or JPEG)"),
        (status = 404, body = ErrorBody, description = "no item on sale shows it, or the mall is off")))]
pub async fn photo(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let tenant = tenant_id(&state, &slug).await?;
    let image = state.mall.shop_item_photo(tenant, id).await?;
    Ok(super::mall::image_response(
        image,
        "public, max-age=31536000, immutable",
    ))
}

#[utoipa::path(get, path = "/api/shop/{tenant}/offers/{id}", tag = "shop",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = Offer), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn offer(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Result<Json<Offer>, ApiError> {
    let tenant = tenant_id(&state, &slug).await?;
    Ok(Json(
        state
            .mall
            .offer(tenant, &Audience::Customers, id, locale_of(&headers))
            .await?,
    ))
}

fn locale_of(headers: &HeaderMap) -> Locale {
    request_locale(headers)
}

/// Checkout with an `Idempotency-Key`; answers 201 with a new order, 200
/// with the one that key made before.
pub(super) async fn place(
    state: &AppState,
    who: &BuyerRef,
    headers: &HeaderMap,
    body: CheckoutBody,
) -> Result<(StatusCode, Json<Order>), ApiError> {
    // The body's fingerprint as parsed: the same order in other spacing
    // or key order is the same request.
    let canonical = serde_json::to_vec(&body).expect("serializes");
    let (created, order) = state
        .mall
        .checkout(who, idempotency_key(headers), &canonical, body)
        .await?;
    Ok((created_or_ok(created), Json(order)))
}

/// The `Idempotency-Key` header, trimmed.
pub(super) fn idempotency_key(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// 201 for what a request made now, 200 for a repeat's first answer.
pub(super) fn created_or_ok(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

#[utoipa::path(post, path = "/api/shop/{tenant}/checkout", tag = "shop",
    params(("tenant" = String, Path), ("Idempotency-Key" = String, Header)),
    security(("bearer" = [])), request_body = CheckoutBody,
    responses((status = 201, body = Order), (status = 200, body = Order, description = "a repeat"),
        (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn checkout(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Json(body): Json<CheckoutBody>,
) -> Result<(StatusCode, Json<Order>), ApiError> {
    let s = shopper(&state, &slug, &headers).await?;
    place(&state, &buyer(&s), &headers, body).await
}

/// `?before=`: the page below that order id.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    #[serde(default)]
    pub before: Option<i64>,
}

#[utoipa::path(get, path = "/api/shop/{tenant}/orders", tag = "shop",
    params(("tenant" = String, Path), PageQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<Order>), (status = 401, body = ErrorBody)))]
pub async fn orders(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Result<Json<Vec<Order>>, ApiError> {
    let s = shopper(&state, &slug, &headers).await?;
    Ok(Json(
        state
            .mall
            .orders_of(&buyer(&s), q.before.unwrap_or(0))
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/shop/{tenant}/orders/{id}", tag = "shop",
    params(("tenant" = String, Path), ("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Order), (status = 404, body = ErrorBody)))]
pub async fn order(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Result<Json<Order>, ApiError> {
    let s = shopper(&state, &slug, &headers).await?;
    Ok(Json(state.mall.order_of(&buyer(&s), id).await?))
}

/// Pays an order (the test card decides; a manual payment waits for the
/// shop).
#[utoipa::path(post, path = "/api/shop/{tenant}/orders/{id}/pay", tag = "shop",
    params(("tenant" = String, Path), ("id" = i64, Path)), security(("bearer" = [])),
    request_body = PayBody,
    responses((status = 200, body = Order), (status = 402, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn pay(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Json(body): Json<PayBody>,
) -> Result<Json<Order>, ApiError> {
    let s = shopper(&state, &slug, &headers).await?;
    Ok(Json(state.mall.pay(&buyer(&s), id, body).await?))
}

#[utoipa::path(post, path = "/api/shop/{tenant}/orders/{id}/actions", tag = "shop",
    params(("tenant" = String, Path), ("id" = i64, Path)), security(("bearer" = [])),
    request_body = CustomerActionBody,
    responses((status = 200, body = Order), (status = 409, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Json(body): Json<CustomerActionBody>,
) -> Result<Json<Order>, ApiError> {
    let s = shopper(&state, &slug, &headers).await?;
    let event = match body.action {
        CustomerAction::Cancel => OrderEvent::Cancel,
        CustomerAction::Complete => OrderEvent::Completed,
        CustomerAction::Return => OrderEvent::ReturnRequested,
    };
    Ok(Json(state.mall.buyer_act(&buyer(&s), id, event).await?))
}

/// The test payment provider's webhook (signed with the tenant's secret
/// in `Fieldesk-Signature`; applied once per payment and status).
#[utoipa::path(post, path = "/api/shop/webhooks/test", tag = "shop",
    request_body(content = String, content_type = "application/json"),
    params(("Fieldesk-Signature" = String, Header)),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let signature = headers.get(WEBHOOK_SIGNATURE).and_then(|v| v.to_str().ok());
    state.mall.webhook(signature, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The first frame of the live socket.
#[derive(Debug, Deserialize)]
struct Hello {
    token: String,
}

fn text(frame: &ShopLive) -> Message {
    Message::Text(serde_json::to_string(frame).expect("serializes").into())
}

/// Upgrades to the customer's live order feed: the first frame is
/// `{"token": …}`, then every change of their orders arrives as
/// `{"type":"order","order":…}`.
#[utoipa::path(get, path = "/api/shop/{tenant}/ws", tag = "shop",
    params(("tenant" = String, Path)),
    responses((status = 101, description = "switching to the live order feed"),
        (status = 404, body = ErrorBody)))]
pub async fn live(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let tenant = tenant_id(&state, &slug).await?;
    state.mall.enabled(tenant).await?;
    let upgrade = upgrade.map_err(|_| ApiError::new(ErrorCode::BadRequest))?;
    Ok(upgrade
        .max_message_size(4096)
        .on_upgrade(move |socket| run_live(socket, state, tenant)))
}

async fn run_live(mut socket: WebSocket, state: AppState, tenant: i64) {
    let hello = tokio::time::timeout(Duration::from_secs(10), socket.recv()).await;
    let token = match hello {
        Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str::<Hello>(&t).ok().map(|h| h.token),
        _ => None,
    };
    let shopper = match token {
        Some(t) => state.mall.shopper(&t).await.ok().flatten(),
        None => None,
    };
    let Some(shopper) = shopper.filter(|s| s.tenant_id == tenant) else {
        let _ = socket
            .send(text(&ShopLive::Error {
                code: ErrorCode::SessionExpired,
            }))
            .await;
        return;
    };
    let mut feed = state.hub.subscribe_buyer(BuyerTopic {
        tenant_id: tenant,
        customer_id: shopper.customer.id,
    });
    if socket.send(text(&ShopLive::Ready)).await.is_err() {
        return;
    }
    let mut shutdown = state.shutdown.clone();
    loop {
        tokio::select! {
            item = feed.recv() => {
                let frame = match &item {
                    Some(FeedItem::Event(order)) => text(&ShopLive::Order {
                        order: Box::new(order.clone()),
                    }),
                    Some(FeedItem::Lagged) => text(&ShopLive::Resync),
                    None => return,
                };
                if socket.send(frame).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                _ => {}
            },
            _ = shutdown.changed() => return,
        }
    }
}

/// The proposals engineers sent the signed-in customer, newest first,
/// with their items at the customer's price now.
#[utoipa::path(get, path = "/api/shop/{tenant}/proposals", tag = "shop",
    params(("tenant" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<CustomerProposal>), (status = 401, body = ErrorBody)))]
pub async fn proposals(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Vec<CustomerProposal>>, ApiError> {
    let s = shopper(&state, &slug, &headers).await?;
    Ok(Json(
        state
            .mall
            .customer_proposals(&s, request_locale(&headers))
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/shop/{tenant}/proposals/{id}", tag = "shop",
    params(("tenant" = String, Path), ("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = CustomerProposal), (status = 404, body = ErrorBody)))]
pub async fn proposal(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Result<Json<CustomerProposal>, ApiError> {
    let s = shopper(&state, &slug, &headers).await?;
    Ok(Json(
        state
            .mall
            .customer_proposal(&s, id, request_locale(&headers))
            .await?,
    ))
}

/// Approves a proposal: the customer's checkout of exactly its lines
/// (an `Idempotency-Key` header is required), linked to its work order.
#[utoipa::path(post, path = "/api/shop/{tenant}/proposals/{id}/approve", tag = "shop",
    params(("tenant" = String, Path), ("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    security(("bearer" = [])), request_body = ApproveBody,
    responses((status = 201, body = Order), (status = 200, body = Order, description = "a repeat"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Json(body): Json<ApproveBody>,
) -> Result<(StatusCode, Json<Order>), ApiError> {
    let s = shopper(&state, &slug, &headers).await?;
    let canonical = serde_json::to_vec(&body).expect("serializes");
    let (created, order) = state
        .mall
        .approve(
            &s,
            &buyer(&s),
            id,
            idempotency_key(&headers),
            &canonical,
            body,
        )
        .await?;
    Ok((created_or_ok(created), Json(order)))
}

#[utoipa::path(post, path = "/api/shop/{tenant}/proposals/{id}/decline", tag = "shop",
    params(("tenant" = String, Path), ("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Proposal), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn decline(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Result<Json<Proposal>, ApiError> {
    let s = shopper(&state, &slug, &headers).await?;
    Ok(Json(state.mall.decline(&s, id).await?))
}

/// The devices of the customer's work orders (the parts for each are
/// `GET …/offers?model=`).
#[utoipa::path(get, path = "/api/shop/{tenant}/devices", tag = "shop",
    params(("tenant" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<CustomerDevice>), (status = 401, body = ErrorBody)))]
pub async fn devices(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Vec<CustomerDevice>>, ApiError> {
    let s = shopper(&state, &slug, &headers).await?;
    Ok(Json(state.mall.customer_devices(&s).await?))
}
