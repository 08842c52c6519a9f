//! The `/api` router and its OpenAPI document.

mod auth;
mod chat;
mod dispatch;
mod divisions;
mod groups;
mod health;
mod identity;
mod knowledge;
mod mail;
mod mall;
mod photos;
mod security;
mod shop;
mod sync;
mod templates;
mod users;
pub(crate) mod work_orders;
mod workbench;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header::{CACHE_CONTROL, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::routing::{delete, get, post, put};
use fieldesk_core::ErrorCode;
use fieldesk_core::email::outgoing;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{ApiError, localize_errors};
use crate::state::AppState;
use crate::{portal, visitor_ws, ws};

#[derive(OpenApi)]
#[openapi(
    info(title = "Fieldesk API", description = "Fieldesk server REST and WebSocket API."),
    paths(
        health::health,
        auth::login,
        auth::logout,
        users::me,
        users::list,
        users::get_one,
        ws::connect,
        chat::get_status,
        chat::set_status,
        chat::agents,
        chat::list,
        chat::history,
        chat::send,
        chat::accept,
        chat::transfer,
        chat::end,
        chat::read,
        chat::survey,
        chat::get_settings,
        chat::put_settings,
        identity::status,
        identity::new_secret,
        identity::remove_secret,
        identity::link,
        identity::unlink,
        groups::list,
        groups::create,
        groups::update,
        groups::delete,
        mail::list,
        mail::get,
        mail::create,
        mail::update,
        mail::delete,
        mail::test,
        mail::quarantine,
        mail::retry,
        mail::reply,
        mail::compose,
        mail::parts,
        mail::senders,
        mail::html,
        mail::attachment,
        knowledge::list,
        knowledge::create,
        knowledge::update,
        knowledge::delete,
        work_orders::create,
        work_orders::list,
        work_orders::get_one,
        work_orders::related,
        work_orders::dispatch,
        work_orders::update,
        work_orders::auto_dispatch,
        work_orders::set_target,
        work_orders::crew,
        dispatch::get_settings,
        dispatch::put_settings,
        dispatch::providers,
        dispatch::create_provider,
        dispatch::update_provider,
        dispatch::profiles,
        dispatch::put_profile,
        dispatch::regions,
        dispatch::save_region,
        dispatch::rules,
        dispatch::create_rule,
        dispatch::update_rule,
        dispatch::delete_rule,
        templates::device_fields,
        templates::set_device_fields,
        templates::list,
        templates::create,
        templates::update,
        sync::push,
        sync::pull,
        photos::put,
        photos::get,
        divisions::list,
        workbench::mine,
        workbench::book,
        workbench::create,
        workbench::update,
        workbench::clone,
        workbench::delete,
        workbench::assign,
        workbench::preview,
        workbench::quick_replies,
        workbench::create_reply,
        workbench::update_reply,
        workbench::delete_reply,
        workbench::order,
        workbench::create_group,
        workbench::rename_group,
        workbench::delete_group,
        workbench::set_channels,
        security::mine,
        security::end_one,
        security::end_all,
        security::user_sessions,
        security::end_user_sessions,
        security::set_disabled,
        security::set_role,
        security::get_policy,
        security::put_policy,
        security::events,
        mall::get_settings,
        mall::put_settings,
        mall::items,
        mall::create_item,
        mall::update_item,
        mall::photo,
        mall::price_lists,
        mall::create_price_list,
        mall::update_price_list,
        mall::set_tier,
        mall::provider_tiers,
        mall::locations,
        mall::create_location,
        mall::update_location,
        mall::stock,
        mall::set_stock,
        mall::orders,
        mall::order,
        mall::ship,
        mall::act,
        mall::shipment_event,
        mall::offers,
        mall::checkout,
        mall::pay,
        mall::cancel,
        mall::device_parts,
        mall::work_order_parts,
        mall::propose,
        mall::withdraw,
        shop::info,
        shop::signup,
        shop::resend,
        shop::verify,
        shop::signin,
        shop::signout,
        shop::me,
        shop::offers,
        shop::categories,
        shop::offer,
        shop::photo,
        shop::checkout,
        shop::orders,
        shop::order,
        shop::pay,
        shop::act,
        shop::webhook,
        shop::live,
        shop::proposals,
        shop::proposal,
        shop::approve,
        shop::decline,
        shop::devices,
        visitor_ws::connect,
        openapi_json,
    ),
    components(schemas(
        fieldesk_core::event::ServerEvent,
        fieldesk_core::event::ClientMessage,
        fieldesk_core::layout::App,
    )),
    modifiers(&BearerAuth, &ErrorAnswers),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every operation may also answer with an error body: 400/415/422 for a
/// malformed request, 401 without a live session, 408 when too slow,
/// 413 when too large, 429 when throttled, 5xx on a failure.
struct ErrorAnswers;

impl Modify for ErrorAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = ResponseBuilder::new()
            .description(
                "An error: `{code, message}` with a stable code and a localized message \
                 (400/415/422 malformed, 401 no live session, 403 not allowed, 404 not found, \
                 408 too slow, 413 too large, 429 throttled with Retry-After, 5xx failure).",
            )
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                op.responses
                    .responses
                    .entry("default".to_owned())
                    .or_insert_with(|| error.clone().into());
            }
        }
    }
}

/// The OpenAPI 3.1 document of this server, generated from the code.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta",
    responses((status = 200, description = "OpenAPI document", content_type = "application/json")))]
async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound)
}

/// Writes every 403 answer to a signed-in caller into their tenant's
/// security event log (what they tried: method and path).
async fn audit_forbidden(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let token = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| crate::auth::token_hash(t.trim()));
    let what = format!("{} {}", req.method(), req.uri().path());
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let client = peer.map(|p| {
        crate::perimeter::client_ip(p, req.headers(), &state.settings.trusted_proxies).to_string()
    });
    let res = next.run(req).await;
    if res.status() == StatusCode::FORBIDDEN
        && let Some(hash) = token
        && let Ok(Some(session)) = state.store.session(&hash).await
        && let Ok(Some(user)) = state.store.user(session.tenant_id, session.user_id).await
    {
        state
            .security
            .record(
                session.tenant_id,
                fieldesk_core::security::SecurityEventKind::Forbidden,
                &user.username,
                client.as_deref().unwrap_or_default(),
                what,
            )
            .await;
    }
    res
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health::health))
        .route("/openapi.json", get(openapi_json))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(users::me))
        .route("/users", get(users::list))
        .route("/users/{id}", get(users::get_one))
        .route("/users/{id}/sessions", get(security::user_sessions))
        .route(
            "/users/{id}/sessions/end",
            post(security::end_user_sessions),
        )
        .route("/users/{id}/disabled", put(security::set_disabled))
        .route("/users/{id}/role", put(security::set_role))
        .route("/sessions", get(security::mine))
        .route("/sessions/end-all", post(security::end_all))
        .route("/sessions/{id}", delete(security::end_one))
        .route(
            "/security/settings",
            get(security::get_policy).put(security::put_policy),
        )
        .route("/security/events", get(security::events))
        .route("/ws", get(ws::connect))
        .route("/chat/status", get(chat::get_status).put(chat::set_status))
        .route("/chat/agents", get(chat::agents))
        .route("/chat/conversations", get(chat::list))
        .route(
            "/chat/conversations/{id}/messages",
            get(chat::history).post(chat::send),
        )
        .route("/chat/conversations/{id}/accept", post(chat::accept))
        .route("/chat/conversations/{id}/transfer", post(chat::transfer))
        .route("/chat/conversations/{id}/end", post(chat::end))
        .route("/chat/conversations/{id}/read", post(chat::read))
        .route("/chat/conversations/{id}/survey", get(chat::survey))
        .route(
            "/chat/conversations/{id}/customer",
            put(identity::link).delete(identity::unlink),
        )
        .route("/chat/identity", get(identity::status))
        .route(
            "/chat/identity/secret",
            post(identity::new_secret).delete(identity::remove_secret),
        )
        .route(
            "/chat/settings",
            get(chat::get_settings).put(chat::put_settings),
        )
        .route("/groups", get(groups::list).post(groups::create))
        .route("/groups/{id}", put(groups::update).delete(groups::delete))
        .route("/mail/mailboxes", get(mail::list).post(mail::create))
        .route("/mail/mailboxes/test", post(mail::test))
        .route("/mail/quarantine", get(mail::quarantine))
        .route("/mail/quarantine/{id}/retry", post(mail::retry))
        .route(
            "/mail/conversations/{id}/reply",
            post(mail::reply).layer(DefaultBodyLimit::max(outgoing::MAX_BODY_BYTES)),
        )
        .route(
            "/mail/compose",
            post(mail::compose).layer(DefaultBodyLimit::max(outgoing::MAX_BODY_BYTES)),
        )
        .route("/mail/senders", get(mail::senders))
        .route("/mail/conversations/{id}/mails", get(mail::parts))
        .route(
            "/mail/conversations/{id}/messages/{message}/html",
            get(mail::html),
        )
        .route(
            "/mail/conversations/{id}/messages/{message}/attachments/{sha256}",
            get(mail::attachment),
        )
        .route(
            "/mail/mailboxes/{id}",
            get(mail::get).put(mail::update).delete(mail::delete),
        )
        .route(
            "/knowledge/articles",
            get(knowledge::list).post(knowledge::create),
        )
        .route(
            "/knowledge/articles/{id}",
            put(knowledge::update).delete(knowledge::delete),
        )
        .route(
            "/work-orders",
            get(work_orders::list).post(work_orders::create),
        )
        .route("/work-orders/related", get(work_orders::related))
        .route(
            "/work-orders/{id}",
            get(work_orders::get_one).put(work_orders::update),
        )
        .route("/work-orders/{id}/dispatch", post(work_orders::dispatch))
        .route(
            "/work-orders/{id}/auto-dispatch",
            post(work_orders::auto_dispatch),
        )
        .route("/work-orders/{id}/target", post(work_orders::set_target))
        .route("/work-orders/{id}/crew", post(work_orders::crew))
        .route(
            "/dispatch/settings",
            get(dispatch::get_settings).put(dispatch::put_settings),
        )
        .route(
            "/dispatch/providers",
            get(dispatch::providers).post(dispatch::create_provider),
        )
        .route("/dispatch/providers/{id}", put(dispatch::update_provider))
        .route("/dispatch/profiles", get(dispatch::profiles))
        .route("/dispatch/profiles/{kind}/{id}", put(dispatch::put_profile))
        .route(
            "/dispatch/regions",
            get(dispatch::regions).post(dispatch::save_region),
        )
        .route(
            "/dispatch/rules",
            get(dispatch::rules).post(dispatch::create_rule),
        )
        .route(
            "/dispatch/rules/{id}",
            put(dispatch::update_rule).delete(dispatch::delete_rule),
        )
        .route(
            "/device-fields",
            get(templates::device_fields).put(templates::set_device_fields),
        )
        .route("/templates", get(templates::list).post(templates::create))
        .route("/templates/{id}", put(templates::update))
        .route(
            "/sync/push",
            post(sync::push).layer(DefaultBodyLimit::max(fieldesk_core::sync::MAX_PUSH_BYTES)),
        )
        .route("/sync/pull", get(sync::pull))
        .route("/divisions", get(divisions::list))
        .route("/workbench", get(workbench::mine))
        .route("/layouts", get(workbench::book).post(workbench::create))
        .route("/layouts/assignments", put(workbench::assign))
        .route("/layouts/preview", get(workbench::preview))
        .route(
            "/layouts/{id}",
            put(workbench::update).delete(workbench::delete),
        )
        .route("/layouts/{id}/clone", post(workbench::clone))
        .route(
            "/quick-replies",
            get(workbench::quick_replies).post(workbench::create_reply),
        )
        .route("/quick-replies/order", put(workbench::order))
        .route("/quick-replies/channels", put(workbench::set_channels))
        .route(
            "/quick-replies/{id}",
            put(workbench::update_reply).delete(workbench::delete_reply),
        )
        .route("/quick-reply-groups/{tier}", post(workbench::create_group))
        .route(
            "/quick-reply-groups/{tier}/{id}",
            put(workbench::rename_group).delete(workbench::delete_group),
        )
        .route(
            "/photos/{id}",
            get(photos::get)
                .put(photos::put)
                .layer(DefaultBodyLimit::max(
                    fieldesk_core::standard_operation::MAX_PHOTO_BYTES,
                )),
        )
        .route(
            "/mall/settings",
            get(mall::get_settings).put(mall::put_settings),
        )
        .route("/mall/items", get(mall::items).post(mall::create_item))
        .route("/mall/items/{id}", put(mall::update_item))
        .route("/mall/photos/{id}", get(mall::photo))
        .route(
            "/mall/price-lists",
            get(mall::price_lists).post(mall::create_price_list),
        )
        .route("/mall/price-lists/{id}", put(mall::update_price_list))
        .route("/mall/providers", get(mall::provider_tiers))
        .route("/mall/providers/{id}/tier", put(mall::set_tier))
        .route(
            "/mall/locations",
            get(mall::locations).post(mall::create_location),
        )
        .route("/mall/locations/{id}", put(mall::update_location))
        .route("/mall/stock", get(mall::stock).put(mall::set_stock))
        .route("/mall/orders", get(mall::orders))
        .route("/mall/orders/{id}", get(mall::order))
        .route("/mall/orders/{id}/ship", post(mall::ship))
        .route("/mall/orders/{id}/actions", post(mall::act))
        .route("/mall/orders/{id}/pay", post(mall::pay))
        .route("/mall/orders/{id}/cancel", post(mall::cancel))
        .route("/mall/shipments/{id}/events", post(mall::shipment_event))
        .route("/mall/offers", get(mall::offers))
        .route("/mall/checkout", post(mall::checkout))
        .route(
            "/mall/work-orders/{work_order}/devices/{device}/parts",
            get(mall::device_parts),
        )
        .route(
            "/mall/work-orders/{work_order}/parts",
            get(mall::work_order_parts),
        )
        .route("/mall/proposals", post(mall::propose))
        .route("/mall/proposals/{id}/withdraw", post(mall::withdraw))
        .route("/shop/webhooks/test", post(shop::webhook))
        .route("/shop/{tenant}", get(shop::info))
        .route("/shop/{tenant}/signup", post(shop::signup))
        .route("/shop/{tenant}/resend", post(shop::resend))
        .route("/shop/{tenant}/verify", post(shop::verify))
        .route("/shop/{tenant}/signin", post(shop::signin))
        .route("/shop/{tenant}/signout", post(shop::signout))
        .route("/shop/{tenant}/me", get(shop::me))
        .route("/shop/{tenant}/offers", get(shop::offers))
        .route("/shop/{tenant}/offers/{id}", get(shop::offer))
        .route("/shop/{tenant}/categories", get(shop::categories))
        .route("/shop/{tenant}/photos/{id}", get(shop::photo))
        .route("/shop/{tenant}/checkout", post(shop::checkout))
        .route("/shop/{tenant}/orders", get(shop::orders))
        .route("/shop/{tenant}/orders/{id}", get(shop::order))
        .route("/shop/{tenant}/orders/{id}/pay", post(shop::pay))
        .route("/shop/{tenant}/orders/{id}/actions", post(shop::act))
        .route("/shop/{tenant}/ws", get(shop::live))
        .route("/shop/{tenant}/proposals", get(shop::proposals))
        .route("/shop/{tenant}/proposals/{id}", get(shop::proposal))
        .route("/shop/{tenant}/proposals/{id}/approve", post(shop::approve))
        .route("/shop/{tenant}/proposals/{id}/decline", post(shop::decline))
        .route("/shop/{tenant}/devices", get(shop::devices))
        .route("/visitor/{tenant}/ws", get(visitor_ws::connect))
        .fallback(not_found);
    let chat_window = Router::new()
        .route("/embed.js", get(portal::embed))
        .route("/assets/{name}", get(portal::asset))
        .route("/{tenant}", get(portal::page));
    let request_timeout = state.settings.limits.request_timeout;
    let api = api.layer(SetResponseHeaderLayer::if_not_present(
        CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ));
    Router::new()
        .nest("/api", api)
        .nest("/chat", chat_window)
        // The customer portal's parts mall: the same bundle, its shop page.
        .route("/shop/{tenant}", get(portal::page))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(state.settings.body_limit))
        // A slow body (handlers read it) or a slow answer ends with a
        // localized 408; WebSocket upgrades answer at once, so their
        // connections are not cut.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            audit_forbidden,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            localize_errors,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
