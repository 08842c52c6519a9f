//! The parts mall in the app: admins run it (switch, catalog, prices,
//! tiers, locations, stock), the warehouse fulfils orders, and service
//! providers' admins and engineers buy on their provider's account.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fieldesk_core::api::ErrorBody;
use fieldesk_core::mall::catalog::{Item, ItemBody};
use fieldesk_core::mall::order::OrderEvent;
use fieldesk_core::mall::price::{PriceList, PriceListBody, ProviderTier, TierBody};
use fieldesk_core::mall::proposal::{DeviceParts, Proposal, ProposalBody, WorkOrderParts};
use fieldesk_core::mall::{
    Buyer, CheckoutBody, Location, LocationBody, MallSettings, Offer, Order, PayBody, ShipBody,
    ShipmentEventBody, StaffActionBody, StockBody, StockLevel,
};
use fieldesk_core::{ErrorCode, Role};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiError, request_locale};
use crate::mall::{BuyerRef, ShopQuery};
use crate::state::AppState;

fn runs(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Role::runs_mall)
}

fn fulfils(caller: &Caller) -> Result<(), ApiError> {
    caller.require(|r| r.fulfils_mall_orders() || r.runs_mall())
}

/// The provider account a staff buyer buys on.
async fn provider_buyer(state: &AppState, caller: &Caller) -> Result<BuyerRef, ApiError> {
    let (provider_id, audience) = state.mall.provider_of(&caller.user).await?;
    Ok(BuyerRef {
        tenant_id: caller.tenant_id(),
        buyer: Buyer::Provider {
            provider_id,
            user_id: caller.user.id,
        },
        audience,
    })
}

/// The mall's switch and choices (admins and the warehouse read them;
/// admins change them).
#[utoipa::path(get, path = "/api/mall/settings", tag = "mall", security(("bearer" = [])),
    responses((status = 200, body = MallSettings), (status = 403, body = ErrorBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<MallSettings>, ApiError> {
    fulfils(&caller)?;
    Ok(Json(state.mall.settings(caller.tenant_id()).await?))
}

#[utoipa::path(put, path = "/api/mall/settings", tag = "mall", security(("bearer" = [])),
    request_body = MallSettings,
    responses((status = 200, body = MallSettings), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<MallSettings>,
) -> Result<Json<MallSettings>, ApiError> {
    runs(&caller)?;
    Ok(Json(state.mall.put_settings(&caller.user, body).await?))
}

/// Every item, on sale or not (admins and the warehouse).
#[utoipa::path(get, path = "/api/mall/items", tag = "mall", security(("bearer" = [])),
    params(ShopQuery),
    responses((status = 200, body = Vec<Item>), (status = 403, body = ErrorBody)))]
pub async fn items(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ShopQuery>,
) -> Result<Json<Vec<Item>>, ApiError> {
    fulfils(&caller)?;
    Ok(Json(state.mall.all_items(&caller.user, q).await?))
}

/// A new part or service (admins); a SKU the tenant has is a conflict.
#[utoipa::path(post, path = "/api/mall/items", tag = "mall", security(("bearer" = [])),
    request_body = ItemBody,
    responses((status = 201, body = Item), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn create_item(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<ItemBody>,
) -> Result<(StatusCode, Json<Item>), ApiError> {
    runs(&caller)?;
    let item = state.mall.save_item(&caller.user, None, body).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

#[utoipa::path(put, path = "/api/mall/items/{id}", tag = "mall", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ItemBody,
    responses((status = 200, body = Item), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_item(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ItemBody>,
) -> Result<Json<Item>, ApiError> {
    runs(&caller)?;
    Ok(Json(
        state.mall.save_item(&caller.user, Some(id), body).await?,
    ))
}

/// An item's photo (uploaded with `PUT /api/photos/{id}`): any item's
/// for admins and the warehouse, an item on sale's for a provider's people.
#[utoipa::path(get, path = "/api/mall/photos/{id}", tag = "mall", security(("bearer" = [])),
    params(("id" = String, Path, description = "lowercase hex SHA-256")),
    responses((status = 200, description = "the image (PNG or JPEG)"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn photo(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(|r| r.runs_mall() || r.fulfils_mall_orders() || r.buys_for_provider())?;
    let image = state.mall.staff_item_photo(&caller.user, id).await?;
    Ok(image_response(image, "private, max-age=86400"))
}

/// An image under its SHA-256 (never changes: cacheable for as long as
/// `cache` says), served as the type it was verified to be on upload.
pub fn image_response((content_type, bytes): (String, Vec<u8>), cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache.to_owned()),
        ],
        bytes,
    )
        .into_response()
}

#[utoipa::path(get, path = "/api/mall/price-lists", tag = "mall", security(("bearer" = [])),
    responses((status = 200, body = Vec<PriceList>), (status = 403, body = ErrorBody)))]
pub async fn price_lists(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PriceList>>, ApiError> {
    runs(&caller)?;
    Ok(Json(state.mall.price_lists(&caller.user).await?))
}

#[utoipa::path(post, path = "/api/mall/price-lists", tag = "mall", security(("bearer" = [])),
    request_body = PriceListBody,
    responses((status = 201, body = PriceList), (status = 400, body = ErrorBody)))]
pub async fn create_price_list(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<PriceListBody>,
) -> Result<(StatusCode, Json<PriceList>), ApiError> {
    runs(&caller)?;
    let list = state.mall.save_price_list(&caller.user, None, body).await?;
    Ok((StatusCode::CREATED, Json(list)))
}

#[utoipa::path(put, path = "/api/mall/price-lists/{id}", tag = "mall", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PriceListBody,
    responses((status = 200, body = PriceList), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn update_price_list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<PriceListBody>,
) -> Result<Json<PriceList>, ApiError> {
    runs(&caller)?;
    Ok(Json(
        state
            .mall
            .save_price_list(&caller.user, Some(id), body)
            .await?,
    ))
}

/// `PUT /api/mall/providers/{id}/tier`.
/// A provider's price tier (none: list prices).
#[utoipa::path(put, path = "/api/mall/providers/{id}/tier", tag = "mall", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TierBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_tier(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<TierBody>,
) -> Result<StatusCode, ApiError> {
    runs(&caller)?;
    state
        .mall
        .set_provider_tier(&caller.user, id, body.tier)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every service provider with its price tier.
#[utoipa::path(get, path = "/api/mall/providers", tag = "mall", security(("bearer" = [])),
    responses((status = 200, body = Vec<ProviderTier>), (status = 403, body = ErrorBody)))]
pub async fn provider_tiers(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ProviderTier>>, ApiError> {
    runs(&caller)?;
    Ok(Json(state.mall.provider_tiers(&caller.user).await?))
}

#[utoipa::path(get, path = "/api/mall/locations", tag = "mall", security(("bearer" = [])),
    responses((status = 200, body = Vec<Location>), (status = 403, body = ErrorBody)))]
pub async fn locations(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Location>>, ApiError> {
    caller.require(|r| r.fulfils_mall_orders() || r.runs_mall() || r.buys_for_provider())?;
    Ok(Json(state.mall.locations(&caller.user).await?))
}

#[utoipa::path(post, path = "/api/mall/locations", tag = "mall", security(("bearer" = [])),
    request_body = LocationBody,
    responses((status = 201, body = Location), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn create_location(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<LocationBody>,
) -> Result<(StatusCode, Json<Location>), ApiError> {
    runs(&caller)?;
    let location = state.mall.save_location(&caller.user, None, body).await?;
    Ok((StatusCode::CREATED, Json(location)))
}

#[utoipa::path(put, path = "/api/mall/locations/{id}", tag = "mall", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = LocationBody,
    responses((status = 200, body = Location), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn update_location(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<LocationBody>,
) -> Result<Json<Location>, ApiError> {
    runs(&caller)?;
    Ok(Json(
        state
            .mall
            .save_location(&caller.user, Some(id), body)
            .await?,
    ))
}

/// `GET /api/mall/stock?items=1,2,3`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StockQuery {
    /// Item ids, comma-separated.
    pub items: String,
}

#[utoipa::path(get, path = "/api/mall/stock", tag = "mall", security(("bearer" = [])),
    params(StockQuery),
    responses((status = 200, body = Vec<StockLevel>), (status = 400, body = ErrorBody)))]
pub async fn stock(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<StockQuery>,
) -> Result<Json<Vec<StockLevel>>, ApiError> {
    fulfils(&caller)?;
    let ids = q
        .items
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<i64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ApiError::new(ErrorCode::BadRequest))?;
    if ids.len() > 500 {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    Ok(Json(state.mall.stock(&caller.user, ids).await?))
}

/// Counts a part at a location (admins and the warehouse).
#[utoipa::path(put, path = "/api/mall/stock", tag = "mall", security(("bearer" = [])),
    request_body = StockBody,
    responses((status = 200, body = StockLevel), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn set_stock(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<StockBody>,
) -> Result<Json<StockLevel>, ApiError> {
    fulfils(&caller)?;
    Ok(Json(state.mall.set_stock(&caller.user, body).await?))
}

/// `GET /api/mall/orders?before=&work_order=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OrdersQuery {
    #[serde(default)]
    pub before: Option<i64>,
    /// A work order's mall orders.
    #[serde(default)]
    pub work_order: Option<i64>,
}

/// Orders: every one for the warehouse, the provider's own for its
/// people; newest first, 50 a page.
#[utoipa::path(get, path = "/api/mall/orders", tag = "mall", security(("bearer" = [])),
    params(OrdersQuery),
    responses((status = 200, body = Vec<Order>), (status = 403, body = ErrorBody)))]
pub async fn orders(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OrdersQuery>,
) -> Result<Json<Vec<Order>>, ApiError> {
    let before = q.before.unwrap_or(0);
    if caller.user.role.fulfils_mall_orders() {
        return Ok(Json(
            state
                .mall
                .all_orders(caller.tenant_id(), q.work_order, before)
                .await?,
        ));
    }
    let who = provider_buyer(&state, &caller).await?;
    let mut list = state.mall.orders_of(&who, before).await?;
    if let Some(wo) = q.work_order {
        list.retain(|o| o.work_order_id == Some(wo));
    }
    Ok(Json(list))
}

#[utoipa::path(get, path = "/api/mall/orders/{id}", tag = "mall", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Order), (status = 404, body = ErrorBody)))]
pub async fn order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Order>, ApiError> {
    if caller.user.role.fulfils_mall_orders() {
        return Ok(Json(state.mall.staff_order(caller.tenant_id(), id).await?));
    }
    let who = provider_buyer(&state, &caller).await?;
    Ok(Json(state.mall.order_of(&who, id).await?))
}

/// Ships an order (the warehouse): carrier, tracking number, URL, and
/// the lines (none: everything left). Carrier `test` plays its events.
#[utoipa::path(post, path = "/api/mall/orders/{id}/ship", tag = "mall", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ShipBody,
    responses((status = 200, body = Order), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn ship(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ShipBody>,
) -> Result<Json<Order>, ApiError> {
    fulfils(&caller)?;
    Ok(Json(state.mall.ship(caller.tenant_id(), id, body).await?))
}

/// Marks a transfer paid, starts picking, cancels (refunding what was
/// paid), takes a return back, refunds it (the warehouse).
#[utoipa::path(post, path = "/api/mall/orders/{id}/actions", tag = "mall", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = StaffActionBody,
    responses((status = 200, body = Order), (status = 409, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<StaffActionBody>,
) -> Result<Json<Order>, ApiError> {
    fulfils(&caller)?;
    Ok(Json(
        state
            .mall
            .staff_act(caller.tenant_id(), id, body.action)
            .await?,
    ))
}

/// A carrier's event entered by hand (the warehouse).
#[utoipa::path(post, path = "/api/mall/shipments/{id}/events", tag = "mall", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ShipmentEventBody,
    responses((status = 200, body = Order), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn shipment_event(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ShipmentEventBody>,
) -> Result<Json<Order>, ApiError> {
    fulfils(&caller)?;
    state.mall.enabled(caller.tenant_id()).await?;
    Ok(Json(
        state
            .mall
            .shipment_event(caller.tenant_id(), id, body.status)
            .await?,
    ))
}

/// The catalog at the provider's tier price (provider admins and their
/// engineers).
#[utoipa::path(get, path = "/api/mall/offers", tag = "mall", security(("bearer" = [])),
    params(ShopQuery),
    responses((status = 200, body = Vec<Offer>), (status = 403, body = ErrorBody)))]
pub async fn offers(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<ShopQuery>,
) -> Result<Json<Vec<Offer>>, ApiError> {
    let who = provider_buyer(&state, &caller).await?;
    Ok(Json(
        state
            .mall
            .offers(who.tenant_id, &who.audience, q, request_locale(&headers))
            .await?,
    ))
}

/// Checkout on the provider's account (an `Idempotency-Key` header is
/// required: the same key and body answer the first order).
#[utoipa::path(post, path = "/api/mall/checkout", tag = "mall", security(("bearer" = [])),
    request_body = CheckoutBody,
    params(("Idempotency-Key" = String, Header)),
    responses((status = 201, body = Order), (status = 200, body = Order, description = "a repeat"),
        (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn checkout(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Json(body): Json<CheckoutBody>,
) -> Result<(StatusCode, Json<Order>), ApiError> {
    let who = provider_buyer(&state, &caller).await?;
    super::shop::place(&state, &who, &headers, body).await
}

/// Pays one of the provider's orders.
#[utoipa::path(post, path = "/api/mall/orders/{id}/pay", tag = "mall", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PayBody,
    responses((status = 200, body = Order), (status = 402, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn pay(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<PayBody>,
) -> Result<Json<Order>, ApiError> {
    let who = provider_buyer(&state, &caller).await?;
    Ok(Json(state.mall.pay(&who, id, body).await?))
}

/// Cancels one of the provider's orders (before picking).
#[utoipa::path(post, path = "/api/mall/orders/{id}/cancel", tag = "mall", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Order), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Order>, ApiError> {
    let who = provider_buyer(&state, &caller).await?;
    Ok(Json(
        state.mall.buyer_act(&who, id, OrderEvent::Cancel).await?,
    ))
}

/// The parts that fit a device of a work order the caller may see, at
/// the customer's price (and the caller's provider's price beside).
#[utoipa::path(get, path = "/api/mall/work-orders/{work_order}/devices/{device}/parts",
    tag = "mall", security(("bearer" = [])),
    params(("work_order" = i64, Path), ("device" = i64, Path)),
    responses((status = 200, body = DeviceParts), (status = 404, body = ErrorBody)))]
pub async fn device_parts(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((work_order, device)): Path<(i64, i64)>,
) -> Result<Json<DeviceParts>, ApiError> {
    Ok(Json(
        state
            .mall
            .device_parts(&caller.user, work_order, device, request_locale(&headers))
            .await?,
    ))
}

/// A work order's proposals and the orders for its parts.
#[utoipa::path(get, path = "/api/mall/work-orders/{work_order}/parts", tag = "mall",
    security(("bearer" = [])), params(("work_order" = i64, Path)),
    responses((status = 200, body = WorkOrderParts), (status = 404, body = ErrorBody)))]
pub async fn work_order_parts(
    State(state): State<AppState>,
    caller: Caller,
    Path(work_order): Path<i64>,
) -> Result<Json<WorkOrderParts>, ApiError> {
    Ok(Json(
        state
            .mall
            .work_order_parts(&caller.user, work_order)
            .await?,
    ))
}

/// Sends the customer a proposal for a work order's device (an
/// `Idempotency-Key` header is required); they get its link by email and
/// in the portal.
#[utoipa::path(post, path = "/api/mall/proposals", tag = "mall", security(("bearer" = [])),
    request_body = ProposalBody, params(("Idempotency-Key" = String, Header)),
    responses((status = 201, body = Proposal), (status = 200, body = Proposal, description = "a repeat"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn propose(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Json(body): Json<ProposalBody>,
) -> Result<(StatusCode, Json<Proposal>), ApiError> {
    let canonical = serde_json::to_vec(&body).expect("serializes");
    let (created, proposal) = state
        .mall
        .propose(
            &caller.user,
            super::shop::idempotency_key(&headers),
            &canonical,
            body,
            request_locale(&headers),
        )
        .await?;
    Ok((super::shop::created_or_ok(created), Json(proposal)))
}

/// Takes back an open proposal (its sender or a dispatcher).
#[utoipa::path(post, path = "/api/mall/proposals/{id}/withdraw", tag = "mall",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Proposal), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Proposal>, ApiError> {
    Ok(Json(state.mall.withdraw(&caller.user, id).await?))
}
