//! The customer portal's parts mall (`/shop/{tenant}`): browse and search
//! (Chinese or SKU, or a device's model from `?model=`), the cart (kept in
//! local storage), sign up with the emailed code and sign in, checkout
//! with an idempotency key kept until it is answered (a retry after a
//! lost answer cannot order twice), pay, and every order with its
//! timeline, live over the customer's socket.

mod api;
mod delivery;
mod proposals;

use fieldesk_core::Locale;
use fieldesk_core::mall::catalog::Category;
use fieldesk_core::mall::checkout::CartLine;
use fieldesk_core::mall::customer::{
    Customer, CustomerSession, SigninBody, SignupBody, VerifyBody,
};
use fieldesk_core::mall::money::Money;
use fieldesk_core::mall::order::OrderStatus;
use fieldesk_core::mall::proposal::{CustomerProposal, ProposalStatus};
use fieldesk_core::mall::{
    CheckoutBody, CustomerAction, CustomerActionBody, Offer, Order, PayBody, PaymentMethod,
    ShopInfo, ShopLive,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use crate::i18n::I18n;
use crate::storage::{load, save};
use api::{Call, Failure};

/// A line of the cart as kept in local storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Line {
    item_id: i64,
    sku: String,
    name: String,
    price: Money,
    list: Money,
    quantity: i64,
}

/// What the page shows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum View {
    Catalog,
    Cart,
    Orders,
    Order(i64),
    SignIn,
    SignUp,
    Verify,
    /// The devices of the customer's work orders.
    Devices,
    /// Proposals engineers sent, and one of them.
    Proposals,
    Proposal(i64),
}

#[derive(Clone, Copy)]
struct Shop {
    tenant: StoredValue<String>,
    i18n: I18n,
    info: RwSignal<Option<ShopInfo>>,
    view: RwSignal<View>,
    token: RwSignal<Option<String>>,
    customer: RwSignal<Option<Customer>>,
    cart: RwSignal<Vec<Line>>,
    offers: RwSignal<Vec<Offer>>,
    orders: RwSignal<Vec<Order>>,
    error: RwSignal<Option<String>>,
    /// The address the verification code went to.
    email: RwSignal<String>,
    busy: RwSignal<bool>,
    /// The device model the catalog shows parts for (`?model=`, or a
    /// device picked in "my devices").
    model: RwSignal<Option<String>>,
    /// The category the catalog shows (none: all), and the categories.
    category: RwSignal<Option<String>>,
    categories: RwSignal<Vec<Category>>,
    proposals: RwSignal<Vec<CustomerProposal>>,
    /// The proposal a link opened, shown once the customer signed in.
    pending: RwSignal<Option<i64>>,
}

fn query(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
        .filter(|v| !v.is_empty())
}

fn new_key() -> String {
    format!(
        "checkout-{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e12) as u64
    )
}

impl Shop {
    fn key(&self, what: &str) -> String {
        format!("fieldesk.shop.{}.{what}", self.tenant.get_value())
    }

    fn call(&self, method: &'static str, path: &str) -> Call<'static> {
        let tenant = self.tenant.get_value();
        Call {
            method,
            path: format!("/api/shop/{tenant}{path}"),
            token: self.token.get_untracked(),
            key: None,
            locale: self.i18n.locale.get_untracked(),
        }
    }

    fn offline(&self) -> String {
        self.i18n.t_untracked("error-server-unreachable")
    }

    fn fail(&self, f: Failure) {
        // A session that ended: sign in again.
        if matches!(
            f.code,
            Some(fieldesk_core::ErrorCode::SessionExpired | fieldesk_core::ErrorCode::Unauthorized)
        ) {
            self.signed_out();
            self.view.set(View::SignIn);
        }
        self.error.set(Some(f.message));
    }

    fn signed_out(&self) {
        self.token.set(None);
        self.customer.set(None);
        self.orders.set(vec![]);
        self.proposals.set(vec![]);
        save(&self.key("token"), None);
    }

    fn save_cart(&self) {
        let json = serde_json::to_string(&self.cart.get_untracked()).unwrap_or_default();
        save(&self.key("cart"), Some(&json));
        // Another cart is another checkout.
        save(&self.key("checkout-key"), None);
    }

    fn search(&self, q: String, model: Option<String>) {
        let me = *self;
        spawn_local(async move {
            let mut path = String::from("/offers?");
            let params = web_sys::UrlSearchParams::new().expect("params");
            if !q.trim().is_empty() {
                params.append("q", q.trim());
            }
            if let Some(m) = model {
                params.append("model", &m);
            }
            if let Some(c) = me.category.get_untracked() {
                params.append("category", &c);
            }
            path.push_str(&String::from(params.to_string()));
            match me
                .call("GET", &path)
                .send::<(), Vec<Offer>>(None, me.offline())
                .await
            {
                Ok(offers) => {
                    me.error.set(None);
                    me.offers.set(offers);
                }
                Err(f) => me.fail(f),
            }
        });
    }

    fn load_orders(&self) {
        let me = *self;
        if me.token.get_untracked().is_none() {
            return;
        }
        spawn_local(async move {
            match me
                .call("GET", "/orders")
                .send::<(), Vec<Order>>(None, me.offline())
                .await
            {
                Ok(orders) => me.orders.set(orders),
                Err(f) => me.fail(f),
            }
        });
    }

    fn load_proposals(&self) {
        let me = *self;
        if me.token.get_untracked().is_none() {
            return;
        }
        spawn_local(async move {
            match me
                .call("GET", "/proposals")
                .send::<(), Vec<CustomerProposal>>(None, me.offline())
                .await
            {
                Ok(list) => me.proposals.set(list),
                Err(f) => me.fail(f),
            }
        });
    }

    fn upsert(&self, order: Order) {
        self.orders
            .update(|all| match all.iter_mut().find(|o| o.id == order.id) {
                Some(o) => *o = order,
                None => all.insert(0, order),
            });
    }

    fn signed_in(&self, session: CustomerSession) {
        save(&self.key("token"), Some(&session.token));
        self.token.set(Some(session.token));
        self.i18n.locale.set(session.customer.locale);
        self.customer.set(Some(session.customer));
        self.error.set(None);
        self.load_orders();
        self.load_proposals();
        self.live();
        let next = match self.pending.get_untracked() {
            Some(id) => View::Proposal(id),
            None if self.cart.get_untracked().is_empty() => View::Catalog,
            None => View::Cart,
        };
        self.view.set(next);
    }

    /// The customer's live socket: changed orders as they change;
    /// reconnects after a drop.
    fn live(&self) {
        let Some(token) = self.token.get_untracked() else {
            return;
        };
        let url = crate::socket_url(&format!("/api/shop/{}/ws", self.tenant.get_value()));
        let Ok(socket) = web_sys::WebSocket::new(&url) else {
            return;
        };
        let me = *self;
        let hello = serde_json::json!({ "token": token }).to_string();
        let opened = socket.clone();
        let on_open = Closure::<dyn FnMut()>::new(move || {
            let _ = opened.send_with_str(&hello);
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        on_open.forget();
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let Some(text) = e.data().as_string() else {
                    return;
                };
                match serde_json::from_str::<ShopLive>(&text) {
                    Ok(ShopLive::Order { order }) => me.upsert(*order),
                    Ok(ShopLive::Resync) => me.load_orders(),
                    _ => {}
                }
            });
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let on_close = Closure::<dyn FnMut()>::new(move || {
            if me.token.get_untracked().is_some() {
                let again = Closure::<dyn FnMut()>::new(move || me.live());
                if let Some(w) = web_sys::window() {
                    let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                        again.as_ref().unchecked_ref(),
                        2000,
                    );
                }
                again.forget();
            }
        });
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        on_close.forget();
    }
}

/// `/shop/{tenant}`.
#[component]
pub fn ShopApp() -> impl IntoView {
    let tenant = crate::page_tenant();
    let first = query("lang")
        .and_then(|l| Locale::try_negotiate(&l))
        .or_else(|| {
            load(&format!("fieldesk.shop.{tenant}.lang")).and_then(|l| Locale::try_negotiate(&l))
        })
        .or_else(|| {
            web_sys::window()
                .and_then(|w| w.navigator().language())
                .map(|l| Locale::negotiate(&l))
        })
        .unwrap_or_default();
    let shop = Shop {
        tenant: StoredValue::new(tenant),
        i18n: I18n::new(first),
        info: RwSignal::new(None),
        view: RwSignal::new(View::Catalog),
        token: RwSignal::new(None),
        customer: RwSignal::new(None),
        cart: RwSignal::new(vec![]),
        offers: RwSignal::new(vec![]),
        orders: RwSignal::new(vec![]),
        error: RwSignal::new(None),
        email: RwSignal::new(String::new()),
        busy: RwSignal::new(false),
        model: RwSignal::new(query("model")),
        category: RwSignal::new(None),
        categories: RwSignal::new(vec![]),
        proposals: RwSignal::new(vec![]),
        pending: RwSignal::new(query("proposal").and_then(|p| p.parse().ok())),
    };
    let i18n = shop.i18n;
    shop.token.set(load(&shop.key("token")));
    shop.cart.set(
        load(&shop.key("cart"))
            .and_then(|c| serde_json::from_str(&c).ok())
            .unwrap_or_default(),
    );
    let model = shop.model.get_untracked();
    if let Some(id) = shop.pending.get_untracked() {
        shop.view.set(if shop.token.get_untracked().is_some() {
            View::Proposal(id)
        } else {
            View::SignIn
        });
    }
    spawn_local(async move {
        match shop
            .call("GET", "")
            .send::<(), ShopInfo>(None, shop.offline())
            .await
        {
            Ok(info) => {
                shop.info.set(Some(info));
                shop.search(String::new(), model);
                if let Ok(list) = shop
                    .call("GET", "/categories")
                    .send::<(), Vec<Category>>(None, shop.offline())
                    .await
                {
                    shop.categories.set(list);
                }
            }
            Err(f) => shop.error.set(Some(f.message)),
        }
        if shop.token.get_untracked().is_some() {
            match shop
                .call("GET", "/me")
                .send::<(), Customer>(None, shop.offline())
                .await
            {
                Ok(c) => {
                    shop.customer.set(Some(c));
                    shop.load_orders();
                    shop.load_proposals();
                    shop.live();
                }
                Err(_) => {
                    shop.signed_out();
                    if shop.pending.get_untracked().is_some() {
                        shop.view.set(View::SignIn);
                    }
                }
            }
        }
    });
    let nav = move |view: View, key: &'static str, testid: &'static str| {
        view! {
            <button class="tab" data-testid=testid class:active=move || shop.view.get() == view
                on:click=move |_| { shop.error.set(None); shop.view.set(view); if view == View::Orders { shop.load_orders(); } }>
                {move || i18n.t(key)}
            </button>
        }
    };
    view! {
        <div class="shop" data-testid="shop">
            <header class="chat-header">
                <h1 data-testid="shop-name">{move || shop.info.get().map(|i| i.name).unwrap_or_else(|| i18n.t("shop-title"))}</h1>
                <select class="language" data-testid="language-select" aria-label=move || i18n.t("language-label")
                    prop:value=move || i18n.locale.get().tag()
                    on:change=move |ev| {
                        let l = Locale::negotiate(&event_target_value(&ev));
                        save(&shop.key("lang"), Some(l.tag()));
                        i18n.locale.set(l);
                        shop.search(String::new(), shop.model.get_untracked());
                    }>
                    {Locale::ALL.into_iter().map(|l| {
                        let key = l.name_key();
                        view! { <option value=l.tag() selected=move || i18n.locale.get() == l>{move || i18n.t(key)}</option> }
                    }).collect_view()}
                </select>
            </header>
            <nav class="shop-nav">
                {nav(View::Catalog, "shop-catalog", "nav-catalog")}
                <button class="tab" data-testid="nav-cart" class:active=move || shop.view.get() == View::Cart
                    on:click=move |_| { shop.error.set(None); shop.view.set(View::Cart); }>
                    {move || i18n.t_with("shop-cart-count", &[("count", shop.cart.get().iter().map(|l| l.quantity).sum::<i64>().to_string())])}
                </button>
                <Show when=move || shop.customer.get().is_some()
                    fallback=move || view! { {nav(View::SignIn, "shop-sign-in", "nav-sign-in")} }>
                    {nav(View::Orders, "shop-orders", "nav-orders")}
                    {nav(View::Devices, "shop-my-devices", "nav-devices")}
                    <button class="tab" data-testid="nav-proposals"
                        class:active=move || matches!(shop.view.get(), View::Proposals | View::Proposal(_))
                        on:click=move |_| { shop.error.set(None); shop.load_proposals(); shop.view.set(View::Proposals); }>
                        {move || i18n.t_with("shop-proposals-count", &[("count", shop.proposals.get().iter()
                            .filter(|p| p.proposal.status == ProposalStatus::Open).count().to_string())])}
                    </button>
                    <span class="who" data-testid="shop-customer">{move || shop.customer.get().map(|c| c.name).unwrap_or_default()}</span>
                    <button class="link" data-testid="nav-sign-out" on:click=move |_| {
                        let call = shop.call("POST", "/signout");
                        spawn_local(async move { let _ = call.send::<(), ()>(None, String::new()).await; });
                        shop.signed_out();
                        shop.view.set(View::Catalog);
                    }>{move || i18n.t("shop-sign-out")}</button>
                </Show>
            </nav>
            <Show when=move || shop.error.get().is_some()>
                <div class="error" role="alert" data-testid="shop-error">{move || shop.error.get().unwrap_or_default()}</div>
            </Show>
            <main class="shop-main">
                {move || match shop.view.get() {
                    View::Catalog => view! { <Catalog shop=shop /> }.into_any(),
                    View::Cart => view! { <Cart shop=shop /> }.into_any(),
                    View::Orders => view! { <Orders shop=shop /> }.into_any(),
                    View::Order(id) => view! { <OrderView shop=shop id=id /> }.into_any(),
                    View::SignIn => view! { <SignIn shop=shop /> }.into_any(),
                    View::SignUp => view! { <SignUp shop=shop /> }.into_any(),
                    View::Verify => view! { <Verify shop=shop /> }.into_any(),
                    View::Devices => view! { <proposals::Devices shop=shop /> }.into_any(),
                    View::Proposals => view! { <proposals::Proposals shop=shop /> }.into_any(),
                    View::Proposal(id) => view! { <proposals::ProposalView shop=shop id=id /> }.into_any(),
                }}
            </main>
        </div>
    }
}

/// An amount and, when it differs, the list price struck through.
fn price_view(price: Money, list: Money, i18n: I18n) -> impl IntoView {
    view! {
        <span class="price" data-testid="offer-price">{price.display()}</span>
        <Show when=move || list != price>
            <span class="list-price" data-testid="offer-list-price">
                {move || i18n.t_with("shop-list-price", &[("price", list.display())])}
            </span>
        </Show>
    }
}

#[component]
fn Catalog(shop: Shop) -> impl IntoView {
    let i18n = shop.i18n;
    let q = RwSignal::new(String::new());
    view! {
        <form class="search" on:submit=move |ev| { ev.prevent_default(); shop.search(q.get_untracked(), shop.model.get_untracked()); }>
            <input data-testid="shop-search" type="search" placeholder=move || i18n.t("shop-search")
                prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev)) />
            <Show when=move || !shop.categories.with(Vec::is_empty)>
                <select data-testid="shop-category" aria-label=move || i18n.t("shop-category")
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        shop.category.set(Some(value).filter(|v| !v.is_empty()));
                        shop.search(q.get_untracked(), shop.model.get_untracked());
                    }>
                    <option value="" selected=move || shop.category.get().is_none()>{move || i18n.t("shop-all-categories")}</option>
                    {move || shop.categories.get().into_iter().map(|c| {
                        let name = c.name.clone();
                        let (value, chosen) = (name.clone(), name.clone());
                        view! {
                            <option value=value selected=move || shop.category.get().as_deref() == Some(chosen.as_str())>
                                {move || i18n.t_with("shop-category-count", &[("name", name.clone()), ("count", c.items.to_string())])}
                            </option>
                        }
                    }).collect_view()}
                </select>
            </Show>
            <button type="submit" data-testid="shop-search-go">{move || i18n.t("shop-search-go")}</button>
        </form>
        {move || shop.model.get().map(|m| view! {
            <p class="status-line" data-testid="shop-model">{move || i18n.t_with("shop-for-model", &[("model", m.clone())])}
                " "<button class="link" data-testid="shop-model-clear" on:click=move |_| {
                    shop.model.set(None);
                    shop.search(String::new(), None);
                }>{move || i18n.t("shop-all-parts")}</button></p>
        })}
        <ul class="offers">
            {move || {
                let offers = shop.offers.get();
                if offers.is_empty() {
                    return view! { <li class="status-line" data-testid="shop-empty">{i18n.t("shop-nothing-found")}</li> }.into_any();
                }
                offers.into_iter().map(|o| {
                    let line = Line {
                        item_id: o.item.id,
                        sku: o.item.body.sku.clone(),
                        name: o.name.clone(),
                        price: o.quote.price,
                        list: o.quote.list,
                        quantity: 1,
                    };
                    let sold_out = o.available == Some(0);
                    let available = o.available;
                    let original = o.item.body.original;
                    view! {
                        <li class="offer" data-testid="shop-offer" data-sku=o.item.body.sku.clone()>
                            <Photos tenant=shop.tenant.get_value() photos=o.item.body.photos.clone() name=o.name.clone() i18n />
                            <div class="offer-head">
                                <strong data-testid="offer-name">{o.name.clone()}</strong>
                                <Show when=move || original><span class="badge">{move || i18n.t("shop-original")}</span></Show>
                            </div>
                            <div class="muted">{o.item.body.sku.clone()}{(!o.description.is_empty()).then(|| format!(" · {}", o.description))}</div>
                            <div class="offer-foot">
                                {price_view(o.quote.price, o.quote.list, i18n)}
                                <span class="muted" data-testid="offer-available">{move || match available {
                                    Some(0) => i18n.t("shop-sold-out"),
                                    Some(n) => i18n.t_with("shop-available", &[("count", n.to_string())]),
                                    None => String::new(),
                                }}</span>
                                <button data-testid="offer-add" disabled=sold_out on:click=move |_| {
                                    let line = line.clone();
                                    shop.cart.update(|c| match c.iter_mut().find(|l| l.item_id == line.item_id) {
                                        Some(l) => { l.quantity += 1; l.price = line.price; l.list = line.list; }
                                        None => c.push(line),
                                    });
                                    shop.save_cart();
                                }>{move || i18n.t("shop-add")}</button>
                            </div>
                        </li>
                    }
                }).collect_view().into_any()
            }}
        </ul>
    }
}

/// An item's photos: the cover, and the others as thumbnails that show
/// in its place when chosen. Nothing when it has none.
#[component]
fn Photos(tenant: String, photos: Vec<String>, name: String, i18n: I18n) -> impl IntoView {
    if photos.is_empty() {
        return ().into_any();
    }
    let url = move |id: &str| format!("/api/shop/{tenant}/photos/{id}");
    let urls: Vec<String> = photos.iter().map(|id| url(id)).collect();
    let shown = RwSignal::new(0usize);
    let main = {
        let urls = urls.clone();
        move || urls[shown.get()].clone()
    };
    let count = urls.len();
    let thumbs = (count > 1).then(|| {
        urls.into_iter()
            .enumerate()
            .map(|(at, src)| {
                let label = {
                    let name = name.clone();
                    move || {
                        i18n.t_with(
                            "shop-photo-of",
                            &[
                                ("name", name.clone()),
                                ("n", (at + 1).to_string()),
                                ("count", count.to_string()),
                            ],
                        )
                    }
                };
                view! {
                    <button type="button" class="offer-thumb" data-testid="offer-photo-thumb"
                        class:chosen=move || shown.get() == at aria-label=label
                        on:click=move |_| shown.set(at)>
                        <img src=src alt="" loading="lazy" />
                    </button>
                }
            })
            .collect_view()
    });
    view! {
        <div class="offer-photos">
            <img class="offer-photo" data-testid="offer-photo" src=main alt=name.clone() loading="lazy" />
            {thumbs.map(|t| view! { <div class="offer-thumbs">{t}</div> })}
        </div>
    }
    .into_any()
}

fn total_of(lines: &[Line]) -> Option<Money> {
    let first = lines.first()?;
    Money::sum(
        first.price.currency,
        lines
            .iter()
            .filter_map(|l| l.price.times(u32::try_from(l.quantity).ok()?).ok()),
    )
    .ok()
}

#[component]
fn Cart(shop: Shop) -> impl IntoView {
    let i18n = shop.i18n;
    let form = delivery::DeliveryForm::new(shop);
    let place = move || {
        if shop.token.get_untracked().is_none() {
            shop.view.set(View::SignIn);
            return;
        }
        let lines = shop.cart.get_untracked();
        let body = CheckoutBody {
            lines: lines
                .iter()
                .map(|l| CartLine {
                    item_id: l.item_id,
                    quantity: l.quantity,
                    seen_price: Some(l.price),
                })
                .collect(),
            delivery: form.delivery(),
            payment: form.payment(),
            work_order_id: None,
            device_id: None,
        };
        // One key per cart: a retry after a lost answer answers the first order.
        let key = load(&shop.key("checkout-key")).unwrap_or_else(new_key);
        save(&shop.key("checkout-key"), Some(&key));
        let mut call = shop.call("POST", "/checkout");
        call.key = Some(key);
        shop.busy.set(true);
        spawn_local(async move {
            let answer = call.send::<_, Order>(Some(&body), shop.offline()).await;
            shop.busy.set(false);
            match answer {
                Ok(order) => {
                    shop.cart.set(vec![]);
                    shop.save_cart();
                    shop.error.set(None);
                    let id = order.id;
                    shop.upsert(order);
                    shop.view.set(View::Order(id));
                }
                Err(f) => {
                    // New prices: the cart shows them before paying.
                    if f.code == Some(fieldesk_core::ErrorCode::PriceChanged) {
                        save(&shop.key("checkout-key"), None);
                        refresh_prices(shop);
                    }
                    shop.fail(f);
                }
            }
        });
    };
    view! {
        <Show when=move || !shop.cart.get().is_empty()
            fallback=move || view! { <p class="status-line" data-testid="cart-empty">{i18n.t("shop-cart-empty")}</p> }>
            <ul class="cart">
                {move || shop.cart.get().into_iter().map(|l| {
                    let id = l.item_id;
                    view! {
                        <li class="cart-line" data-testid="cart-line">
                            <span class="grow">{l.name.clone()}" "<span class="muted">{l.sku.clone()}</span></span>
                            {price_view(l.price, l.list, i18n)}
                            <input class="quantity" type="number" min="1" max="999" data-testid="cart-quantity"
                                aria-label=move || i18n.t("shop-quantity")
                                prop:value=l.quantity.to_string()
                                on:change=move |ev| {
                                    let q = event_target_value(&ev).trim().parse::<i64>().unwrap_or(0);
                                    shop.cart.update(|c| {
                                        if q <= 0 { c.retain(|x| x.item_id != id) }
                                        else if let Some(x) = c.iter_mut().find(|x| x.item_id == id) { x.quantity = q }
                                    });
                                    shop.save_cart();
                                } />
                            <button class="link" data-testid="cart-remove" on:click=move |_| {
                                shop.cart.update(|c| c.retain(|x| x.item_id != id));
                                shop.save_cart();
                            }>{move || i18n.t("shop-remove")}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="total" data-testid="cart-total">{move || i18n.t_with("shop-total", &[("total", total_of(&shop.cart.get()).map(|m| m.display()).unwrap_or_default())])}</p>
            <form class="checkout" novalidate on:submit=move |ev| { ev.prevent_default(); place(); }>
                <delivery::DeliveryFields shop form prefix="checkout" />
                <button type="submit" data-testid="checkout-submit" disabled=move || shop.busy.get()>
                    {move || if shop.token.get().is_some() { i18n.t("shop-place-order") } else { i18n.t("shop-sign-in-to-order") }}
                </button>
            </form>
        </Show>
    }
}

/// The cart's prices as they are now (after a refused checkout).
fn refresh_prices(shop: Shop) {
    let lines = shop.cart.get_untracked();
    spawn_local(async move {
        for l in lines {
            let call = shop.call("GET", &format!("/offers/{}", l.item_id));
            if let Ok(o) = call.send::<(), Offer>(None, String::new()).await {
                shop.cart.update(|c| {
                    if let Some(x) = c.iter_mut().find(|x| x.item_id == l.item_id) {
                        x.price = o.quote.price;
                        x.list = o.quote.list;
                    }
                });
            }
        }
        let json = serde_json::to_string(&shop.cart.get_untracked()).unwrap_or_default();
        save(&shop.key("cart"), Some(&json));
    });
}

#[component]
fn Orders(shop: Shop) -> impl IntoView {
    let i18n = shop.i18n;
    view! {
        <ul class="orders">
            {move || {
                let orders = shop.orders.get();
                if orders.is_empty() {
                    return view! { <li class="status-line">{i18n.t("shop-no-orders")}</li> }.into_any();
                }
                orders.into_iter().map(|o| {
                    let id = o.id;
                    let status = o.status.message_key();
                    view! {
                        <li class="order-row" data-testid="order-row">
                            <button class="link" data-testid="order-open" on:click=move |_| shop.view.set(View::Order(id))>
                                {move || i18n.t_with("shop-order-number", &[("order", id.to_string())])}
                            </button>
                            <span data-testid="order-row-status">{move || i18n.t(&status)}</span>
                            <span>{o.total.display()}</span>
                        </li>
                    }
                }).collect_view().into_any()
            }}
        </ul>
    }
}

/// A moment in the page's language, in the browser's time zone.
fn when(at: i64, locale: Locale) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64 * 1000.0));
    String::from(d.to_locale_string(locale.tag(), &wasm_bindgen::JsValue::UNDEFINED))
}

#[component]
fn OrderView(shop: Shop, id: i64) -> impl IntoView {
    let i18n = shop.i18n;
    let order = Memo::new(move |_| shop.orders.get().into_iter().find(|o| o.id == id));
    let card = RwSignal::new(String::new());
    let act = move |action: CustomerAction| {
        let call = shop.call("POST", &format!("/orders/{id}/actions"));
        spawn_local(async move {
            match call
                .send::<_, Order>(Some(&CustomerActionBody { action }), shop.offline())
                .await
            {
                Ok(o) => {
                    shop.error.set(None);
                    shop.upsert(o)
                }
                Err(f) => shop.fail(f),
            }
        });
    };
    let pay = move || {
        let call = shop.call("POST", &format!("/orders/{id}/pay"));
        let body = PayBody {
            card: Some(card.get_untracked()).filter(|c| !c.trim().is_empty()),
        };
        shop.busy.set(true);
        spawn_local(async move {
            let answer = call.send::<_, Order>(Some(&body), shop.offline()).await;
            shop.busy.set(false);
            match answer {
                Ok(o) => {
                    shop.error.set(None);
                    shop.upsert(o)
                }
                Err(f) => {
                    shop.fail(f);
                    shop.load_orders()
                }
            }
        });
    };
    view! {
        {move || match order.get() {
            None => view! { <p class="status-line">{i18n.t("shop-loading")}</p> }.into_any(),
            Some(o) => {
                let status = o.status.message_key();
                let unpaid = o.status == OrderStatus::PendingPayment;
                let test = o.payment.method == PaymentMethod::Test;
                let cancellable = o.cancellable();
                let delivered = o.status == OrderStatus::Delivered;
                let returnable = matches!(o.status, OrderStatus::Delivered | OrderStatus::Completed);
                view! {
                    <section class="order" data-testid="order" data-order-id=o.id>
                        <h2>{i18n.t_with("shop-order-number", &[("order", o.id.to_string())])}</h2>
                        <p class="order-status">{i18n.t("shop-status")}" "<strong data-testid="order-status" data-status=o.status.as_str()>{i18n.t(&status)}</strong></p>
                        <ul class="cart">
                            {o.lines.iter().map(|l| view! {
                                <li class="cart-line" data-testid="order-line">
                                    <span class="grow">{l.name.get(i18n.locale.get_untracked()).to_owned()}" × "{l.quantity}</span>
                                    {price_view(l.unit_price, l.list_price, i18n)}
                                    <span>{l.total.display()}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                        <p class="total" data-testid="order-total">{i18n.t_with("shop-total", &[("total", o.total.display())])}</p>
                        <Show when=move || unpaid>
                            {if test {
                                view! {
                                    <form class="pay" novalidate on:submit=move |ev| { ev.prevent_default(); pay(); }>
                                        <label><span>{move || i18n.t("shop-card")}</span>
                                            <input data-testid="pay-card" inputmode="numeric" autocomplete="cc-number"
                                                prop:value=move || card.get() on:input=move |ev| card.set(event_target_value(&ev)) /></label>
                                        <p class="muted">{move || i18n.t("shop-test-cards")}</p>
                                        <button type="submit" data-testid="pay-submit" disabled=move || shop.busy.get()>{move || i18n.t("shop-pay")}</button>
                                    </form>
                                }.into_any()
                            } else {
                                view! { <p class="status-line" data-testid="pay-manual">{move || i18n.t("shop-pay-manual-help")}</p> }.into_any()
                            }}
                        </Show>
                        <div class="actions">
                            <Show when=move || cancellable>
                                <button class="secondary" data-testid="order-cancel" on:click=move |_| act(CustomerAction::Cancel)>{move || i18n.t("shop-cancel")}</button>
                            </Show>
                            <Show when=move || delivered>
                                <button data-testid="order-complete" on:click=move |_| act(CustomerAction::Complete)>{move || i18n.t("shop-confirm-receipt")}</button>
                            </Show>
                            <Show when=move || returnable>
                                <button class="secondary" data-testid="order-return" on:click=move |_| act(CustomerAction::Return)>{move || i18n.t("shop-request-return")}</button>
                            </Show>
                        </div>
                        {o.shipments.iter().map(|s| {
                            let label = format!("{} {}", s.carrier, s.tracking);
                            view! {
                                <p class="shipment" data-testid="shipment">
                                    {match s.url.clone() {
                                        Some(u) => view! { <a href=u target="_blank" rel="noopener noreferrer" data-testid="tracking">{label}</a> }.into_any(),
                                        None => view! { <span data-testid="tracking">{label}</span> }.into_any(),
                                    }}
                                </p>
                            }
                        }).collect_view()}
                        <h3>{i18n.t("shop-timeline")}</h3>
                        <ol class="timeline" data-testid="timeline">
                            {o.timeline.iter().rev().map(|e| {
                                let key = format!("shop-event-{}", e.what.replace('_', "-"));
                                view! {
                                    <li data-testid="timeline-entry" data-what=e.what.clone()>
                                        <span class="when">{when(e.at, i18n.locale.get_untracked())}</span>" "
                                        <span>{i18n.t(&key)}</span>
                                        {e.detail.clone().map(|d| view! { " · "<span class="muted">{d}</span> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    </section>
                }.into_any()
            }
        }}
    }
}

fn field(
    i18n: I18n,
    label: &'static str,
    value: RwSignal<String>,
    testid: &'static str,
    kind: &'static str,
) -> impl IntoView {
    view! {
        <label>
            <span>{move || i18n.t(label)}</span>
            <input data-testid=testid type=kind prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev)) />
        </label>
    }
}

#[component]
fn SignIn(shop: Shop) -> impl IntoView {
    let i18n = shop.i18n;
    let email = RwSignal::new(shop.email.get_untracked());
    let password = RwSignal::new(String::new());
    let submit = move || {
        let body = SigninBody {
            email: email.get_untracked(),
            password: password.get_untracked(),
        };
        let call = shop.call("POST", "/signin");
        spawn_local(async move {
            match call
                .send::<_, CustomerSession>(Some(&body), shop.offline())
                .await
            {
                Ok(s) => shop.signed_in(s),
                Err(f) => {
                    if f.code == Some(fieldesk_core::ErrorCode::EmailNotVerified) {
                        shop.email.set(body.email);
                        shop.view.set(View::Verify);
                    }
                    shop.fail(f)
                }
            }
        });
    };
    view! {
        <form class="account" novalidate on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <h2>{move || i18n.t("shop-sign-in")}</h2>
            {field(i18n, "shop-email", email, "signin-email", "email")}
            {field(i18n, "shop-password", password, "signin-password", "password")}
            <button type="submit" data-testid="signin-submit">{move || i18n.t("shop-sign-in")}</button>
            <button type="button" class="link" data-testid="to-sign-up" on:click=move |_| { shop.error.set(None); shop.view.set(View::SignUp) }>
                {move || i18n.t("shop-no-account")}
            </button>
        </form>
    }
}

#[component]
fn SignUp(shop: Shop) -> impl IntoView {
    let i18n = shop.i18n;
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submit = move || {
        let body = SignupBody {
            email: email.get_untracked(),
            password: password.get_untracked(),
            name: name.get_untracked(),
            locale: Some(i18n.locale.get_untracked()),
        };
        let call = shop.call("POST", "/signup");
        shop.busy.set(true);
        spawn_local(async move {
            let answer = call.send::<_, Customer>(Some(&body), shop.offline()).await;
            shop.busy.set(false);
            match answer {
                Ok(c) => {
                    shop.error.set(None);
                    shop.email.set(c.email);
                    shop.view.set(View::Verify);
                }
                Err(f) => shop.fail(f),
            }
        });
    };
    view! {
        <form class="account" novalidate on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <h2>{move || i18n.t("shop-sign-up")}</h2>
            {field(i18n, "shop-name", name, "signup-name", "text")}
            {field(i18n, "shop-email", email, "signup-email", "email")}
            {field(i18n, "shop-password", password, "signup-password", "password")}
            <p class="muted">{move || i18n.t("shop-password-rule")}</p>
            <button type="submit" data-testid="signup-submit" disabled=move || shop.busy.get()>{move || i18n.t("shop-sign-up")}</button>
        </form>
    }
}

#[component]
fn Verify(shop: Shop) -> impl IntoView {
    let i18n = shop.i18n;
    let code = RwSignal::new(String::new());
    let submit = move || {
        let body = VerifyBody {
            email: shop.email.get_untracked(),
            code: code.get_untracked(),
        };
        let call = shop.call("POST", "/verify");
        spawn_local(async move {
            match call
                .send::<_, CustomerSession>(Some(&body), shop.offline())
                .await
            {
                Ok(s) => shop.signed_in(s),
                Err(f) => shop.fail(f),
            }
        });
    };
    let resend = move || {
        let call = shop.call("POST", "/resend");
        let body = serde_json::json!({ "email": shop.email.get_untracked() });
        spawn_local(async move {
            match call.send::<_, ()>(Some(&body), shop.offline()).await {
                Ok(()) => shop.error.set(None),
                Err(f) => shop.fail(f),
            }
        });
    };
    view! {
        <form class="account" novalidate on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <h2>{move || i18n.t("shop-verify")}</h2>
            <p data-testid="verify-sent">{move || i18n.t_with("shop-code-sent", &[("email", shop.email.get())])}</p>
            {field(i18n, "shop-code", code, "verify-code", "text")}
            <button type="submit" data-testid="verify-submit">{move || i18n.t("shop-verify")}</button>
            <button type="button" class="link" data-testid="verify-resend" on:click=move |_| resend()>{move || i18n.t("shop-resend")}</button>
        </form>
    }
}
