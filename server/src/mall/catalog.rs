//! The catalog's use cases: admins keep items, price lists, provider
//! tiers, locations and stock; buyers see offers — their language, their
//! price beside the list price, what can be had.

use std::collections::{BTreeMap, HashSet};

use fieldesk_core::ErrorCode;
use fieldesk_core::Locale;
use fieldesk_core::mall::catalog::{Category, Item, ItemBody, model_key, query_terms};
use fieldesk_core::mall::price::{self, Audience, PriceList, PriceListBody, ProviderTier};
use fieldesk_core::mall::{Location, LocationBody, LocationKind, Offer, StockBody, StockLevel};

use super::{MallResult, MallService};
use crate::clock::now;
use crate::error::ApiError;
use crate::store::mall::ItemQuery;
use crate::store::{StoreError, User};

/// The most offers one page has.
pub const PAGE: u32 = 50;

/// What a buyer looks for.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct ShopQuery {
    /// Words, Chinese or not, or a SKU: every one must match.
    #[serde(default)]
    pub q: Option<String>,
    /// A device model: the parts that fit it.
    #[serde(default)]
    pub model: Option<String>,
    /// Items of this category.
    #[serde(default)]
    pub category: Option<String>,
    /// Items after this id (the next page).
    #[serde(default)]
    pub after: Option<i64>,
    #[serde(default)]
    pub limit: Option<u32>,
}

fn runs(user: &User) -> MallResult<()> {
    if user.role.runs_mall() {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Forbidden))
    }
}

fn conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(_) => ApiError::new(ErrorCode::Conflict),
        e => e.into(),
    }
}

impl MallService {
    /// Creates or changes an item (admins). Its list price is in the
    /// mall's currency.
    pub async fn save_item(
        &self,
        admin: &User,
        id: Option<i64>,
        body: ItemBody,
    ) -> MallResult<Item> {
        runs(admin)?;
        let settings = self.settings(admin.tenant_id).await?;
        let body = body
            .validated()
            .map_err(|_| ApiError::new(ErrorCode::InvalidCatalogItem))?;
        if body.list_price.currency != settings.currency {
            return Err(ApiError::new(ErrorCode::InvalidCatalogItem));
        }
        // Photos are uploaded first (`PUT /api/photos/{sha256}`).
        if !self
            .store
            .missing_photos(admin.tenant_id, body.photos.clone())
            .await?
            .is_empty()
        {
            return Err(ApiError::new(ErrorCode::PhotoMissing));
        }
        let terms = body.search_terms();
        self.store
            .save_item(admin.tenant_id, id, body, terms, now())
            .await
            .map_err(conflict)
    }

    /// A photo of an item for the app's mall screens: any item's for
    /// admins and the warehouse, an item on sale's for a provider's people.
    pub async fn staff_item_photo(&self, user: &User, id: String) -> MallResult<(String, Vec<u8>)> {
        let every_item = user.role.runs_mall() || user.role.fulfils_mall_orders();
        if !every_item {
            if !user.role.buys_for_provider() {
                return Err(ApiError::new(ErrorCode::Forbidden));
            }
            self.enabled(user.tenant_id).await?;
        }
        self.item_photo(user.tenant_id, id, !every_item).await
    }

    /// A photo of an item on sale, for the portal (no one signs in to see
    /// the catalog).
    pub async fn shop_item_photo(
        &self,
        tenant_id: i64,
        id: String,
    ) -> MallResult<(String, Vec<u8>)> {
        self.enabled(tenant_id).await?;
        self.item_photo(tenant_id, id, true).await
    }

    async fn item_photo(
        &self,
        tenant_id: i64,
        id: String,
        on_sale_only: bool,
    ) -> MallResult<(String, Vec<u8>)> {
        self.store
            .item_photo(tenant_id, id, on_sale_only)
            .await?
            .ok_or(ApiError::new(ErrorCode::NotFound))
    }

    /// Every item, on sale or not (admins and the warehouse).
    pub async fn all_items(&self, user: &User, q: ShopQuery) -> MallResult<Vec<Item>> {
        if !user.role.runs_mall() && !user.role.fulfils_mall_orders() {
            return Err(ApiError::new(ErrorCode::Forbidden));
        }
        Ok(self
            .store
            .items(user.tenant_id, item_query(&q, false))
            .await?)
    }

    pub async fn price_lists(&self, admin: &User) -> MallResult<Vec<PriceList>> {
        runs(admin)?;
        Ok(self.store.price_lists(admin.tenant_id).await?)
    }

    pub async fn save_price_list(
        &self,
        admin: &User,
        id: Option<i64>,
        body: PriceListBody,
    ) -> MallResult<PriceList> {
        runs(admin)?;
        body.validate()
            .map_err(|_| ApiError::new(ErrorCode::InvalidPriceList))?;
        let items = self
            .store
            .items_by_id(admin.tenant_id, body.prices.keys().copied().collect())
            .await?;
        if items.len() != body.prices.len() {
            return Err(ApiError::new(ErrorCode::ItemUnavailable));
        }
        Ok(self
            .store
            .save_price_list(admin.tenant_id, id, body)
            .await?)
    }

    /// Every provider with its price tier.
    pub async fn provider_tiers(&self, admin: &User) -> MallResult<Vec<ProviderTier>> {
        runs(admin)?;
        let tenant_id = admin.tenant_id;
        let mut out = vec![];
        for p in self.store.providers(tenant_id).await? {
            out.push(ProviderTier {
                tier: self.store.provider_tier(tenant_id, p.id).await?,
                provider_id: p.id,
                name: p.name,
            });
        }
        Ok(out)
    }

    /// A provider's price tier (none: list prices).
    pub async fn set_provider_tier(
        &self,
        admin: &User,
        provider_id: i64,
        tier: Option<String>,
    ) -> MallResult<()> {
        runs(admin)?;
        let tier = tier.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if tier.as_deref().is_some_and(|t| !price::valid_tier(t)) {
            return Err(ApiError::new(ErrorCode::InvalidPriceList));
        }
        Ok(self
            .store
            .set_provider_tier(admin.tenant_id, provider_id, tier)
            .await?)
    }

    /// Where stock is kept: all of them for admins and the warehouse; a
    /// provider's people see the warehouses and their own depots only.
    pub async fn locations(&self, user: &User) -> MallResult<Vec<Location>> {
        let mut all = self.store.locations(user.tenant_id).await?;
        if !user.role.runs_mall() && !user.role.fulfils_mall_orders() {
            let (provider, _) = self.provider_of(user).await?;
            all.retain(|l| l.body.provider_id.is_none_or(|p| p == provider));
        }
        Ok(all)
    }

    /// A warehouse or a provider's depot (admins); a depot names its
    /// provider.
    pub async fn save_location(
        &self,
        admin: &User,
        id: Option<i64>,
        body: LocationBody,
    ) -> MallResult<Location> {
        runs(admin)?;
        let name = body.name.trim();
        if name.is_empty()
            || name.chars().count() > 100
            || (body.kind == LocationKind::Depot) != body.provider_id.is_some()
        {
            return Err(ApiError::new(ErrorCode::BadRequest));
        }
        let body = LocationBody {
            name: name.to_owned(),
            ..body
        };
        self.store
            .save_location(admin.tenant_id, id, body)
            .await
            .map_err(conflict)
    }

    /// Counts a part at a location (admins and the warehouse); fewer
    /// than are reserved for orders is refused.
    pub async fn set_stock(&self, user: &User, body: StockBody) -> MallResult<StockLevel> {
        if !user.role.runs_mall() && !user.role.fulfils_mall_orders() {
            return Err(ApiError::new(ErrorCode::Forbidden));
        }
        let on_hand = u32::try_from(body.on_hand)
            .ok()
            .filter(|n| *n <= 10_000_000)
            .ok_or(ApiError::new(ErrorCode::InvalidQuantity))?;
        self.store
            .set_stock(user.tenant_id, body.item_id, body.location_id, on_hand)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ApiError::new(ErrorCode::OutOfStock),
                e => e.into(),
            })
    }

    pub async fn stock(&self, user: &User, item_ids: Vec<i64>) -> MallResult<Vec<StockLevel>> {
        if !user.role.runs_mall() && !user.role.fulfils_mall_orders() {
            return Err(ApiError::new(ErrorCode::Forbidden));
        }
        Ok(self.store.stock(user.tenant_id, item_ids).await?)
    }

    /// The price audience of a staff buyer: their provider's tier. A
    /// provider without a tier sees list prices; nobody sees another
    /// tier's.
    pub async fn provider_of(&self, user: &User) -> MallResult<(i64, Audience)> {
        if !user.role.buys_for_provider() {
            return Err(ApiError::new(ErrorCode::Forbidden));
        }
        let provider = self
            .store
            .providers_of(user.tenant_id, user.id)
            .await?
            .into_iter()
            .min()
            .ok_or(ApiError::new(ErrorCode::Forbidden))?;
        let tier = self.store.provider_tier(user.tenant_id, provider).await?;
        Ok((provider, Audience::Providers(tier.unwrap_or_default())))
    }

    /// Items on sale as `audience` sees them.
    pub async fn offers(
        &self,
        tenant_id: i64,
        audience: &Audience,
        q: ShopQuery,
        locale: Locale,
    ) -> MallResult<Vec<Offer>> {
        self.enabled(tenant_id).await?;
        let items = self.store.items(tenant_id, item_query(&q, true)).await?;
        self.offer_all(tenant_id, audience, items, locale).await
    }

    /// The categories of the items on sale, with their counts.
    pub async fn categories(&self, tenant_id: i64) -> MallResult<Vec<Category>> {
        self.enabled(tenant_id).await?;
        Ok(self.store.categories(tenant_id).await?)
    }

    /// One item on sale.
    pub async fn offer(
        &self,
        tenant_id: i64,
        audience: &Audience,
        id: i64,
        locale: Locale,
    ) -> MallResult<Offer> {
        self.enabled(tenant_id).await?;
        let item = self
            .store
            .item(tenant_id, id)
            .await?
            .filter(|i| i.body.enabled)
            .ok_or(ApiError::new(ErrorCode::ItemUnavailable))?;
        let mut offers = self
            .offer_all(tenant_id, audience, vec![item], locale)
            .await?;
        offers
            .pop()
            .ok_or(ApiError::new(ErrorCode::ItemUnavailable))
    }

    pub(super) async fn offer_all(
        &self,
        tenant_id: i64,
        audience: &Audience,
        items: Vec<Item>,
        locale: Locale,
    ) -> MallResult<Vec<Offer>> {
        let lists = self.store.price_lists(tenant_id).await?;
        self.offer_all_at(tenant_id, audience, items, locale, &lists)
            .await
    }

    /// [`Self::offer_all`] with the tenant's price lists at hand.
    pub(super) async fn offer_all_at(
        &self,
        tenant_id: i64,
        audience: &Audience,
        items: Vec<Item>,
        locale: Locale,
        lists: &[PriceList],
    ) -> MallResult<Vec<Offer>> {
        let available = self
            .available(tenant_id, items.iter().map(|i| i.id).collect())
            .await?;
        let at = now();
        Ok(items
            .into_iter()
            .map(|item| Offer {
                name: item.body.name.get(locale).to_owned(),
                description: item.body.description.get(locale).to_owned(),
                quote: price::quote(item.id, item.body.list_price, audience, lists, at),
                available: item
                    .body
                    .kind
                    .stocked()
                    .then(|| available.get(&item.id).copied().unwrap_or(0)),
                item,
            })
            .collect())
    }

    /// Units that can be ordered per item: on hand less reserved, at the
    /// locations orders ship from.
    async fn available(&self, tenant_id: i64, ids: Vec<i64>) -> MallResult<BTreeMap<i64, u32>> {
        let ships: HashSet<i64> = self
            .store
            .locations(tenant_id)
            .await?
            .into_iter()
            .filter(|l| l.body.ships)
            .map(|l| l.id)
            .collect();
        let mut out = BTreeMap::new();
        for level in self.store.stock(tenant_id, ids).await? {
            if ships.contains(&level.location_id) {
                *out.entry(level.item_id).or_default() += level.available();
            }
        }
        Ok(out)
    }
}

pub(super) fn item_query(q: &ShopQuery, enabled_only: bool) -> ItemQuery {
    ItemQuery {
        terms: q.q.as_deref().map(query_terms).unwrap_or_default(),
        model: q.model.as_deref().map(model_key).filter(|m| !m.is_empty()),
        category: q
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
        enabled_only,
        after: q.after.unwrap_or(0),
        limit: q.limit.unwrap_or(PAGE).clamp(1, PAGE),
    }
}
