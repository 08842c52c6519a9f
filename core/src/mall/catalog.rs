//! The mall's catalog: parts (with stock) and value-added services (no
//! stock), their names in three languages with zh-CN as the fallback,
//! and which device models a part fits.

use serde::{Deserialize, Serialize};

use super::money::Money;
use crate::Locale;
use crate::knowledge;

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A physical part: kept in stock per location, shipped.
    Part,
    /// A value-added service (extended warranty, installation): no stock,
    /// nothing shipped.
    Service,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Part => "part",
            ItemKind::Service => "service",
        }
    }

    pub fn parse(s: &str) -> Option<ItemKind> {
        match s {
            "part" => Some(ItemKind::Part),
            "service" => Some(ItemKind::Service),
            _ => None,
        }
    }

    pub fn stocked(self) -> bool {
        self == ItemKind::Part
    }
}

/// A text in the three languages; zh-CN is required and stands in for a
/// missing one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocalizedText {
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
    #[serde(rename = "zh-TW", default, skip_serializing_if = "String::is_empty")]
    pub zh_tw: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub en: String,
}

impl LocalizedText {
    pub fn get(&self, locale: Locale) -> &str {
        let own = match locale {
            Locale::ZhCn => &self.zh_cn,
            Locale::ZhTw => &self.zh_tw,
            Locale::En => &self.en,
        };
        if own.trim().is_empty() {
            &self.zh_cn
        } else {
            own
        }
    }

    fn all(&self) -> [&str; 3] {
        [&self.zh_cn, &self.zh_tw, &self.en]
    }

    fn trimmed(&self) -> LocalizedText {
        LocalizedText {
            zh_cn: self.zh_cn.trim().to_owned(),
            zh_tw: self.zh_tw.trim().to_owned(),
            en: self.en.trim().to_owned(),
        }
    }
}

pub const MAX_SKU: usize = 64;
pub const MAX_NAME: usize = 200;
pub const MAX_DESCRIPTION: usize = 4000;
pub const MAX_MODELS: usize = 200;
pub const MAX_PHOTOS: usize = 8;

/// A category of the items on sale and how many there are (the portal's
/// browse by category).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    pub name: String,
    pub items: u32,
}

/// An item as admins write it (`POST /api/mall/items`, `PUT …/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemBody {
    pub sku: String,
    pub kind: ItemKind,
    pub name: LocalizedText,
    #[serde(default)]
    pub description: LocalizedText,
    /// An original part of the manufacturer (原厂件).
    #[serde(default)]
    pub original: bool,
    /// The unit it is sold by ("piece", "套").
    pub unit: String,
    pub category: String,
    /// Photos, by the SHA-256 of an uploaded photo.
    #[serde(default)]
    pub photos: Vec<String>,
    /// Device models (the device's `model` field) the part fits.
    #[serde(default)]
    pub models: Vec<String>,
    /// The list price (明码标价), shown beside every buyer's price.
    pub list_price: Money,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// An item of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Item {
    pub id: i64,
    #[serde(flatten)]
    pub body: ItemBody,
    pub updated_at: i64,
}

/// What is wrong with an item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("the SKU is empty, longer than {MAX_SKU} or has spaces")]
    Sku,
    #[error("the zh-CN name is missing or a name is too long")]
    Name,
    #[error("a description is too long")]
    Description,
    #[error("unit or category is empty or too long")]
    Unit,
    #[error("a photo is not a SHA-256")]
    Photo,
    #[error("a device model is empty or there are too many")]
    Model,
    #[error("the list price is negative")]
    Price,
}

/// A model as compared: trimmed, case and width of Latin letters ignored.
pub fn model_key(model: &str) -> String {
    model
        .trim()
        .chars()
        .map(|c| match c {
            // Full-width ASCII (Ａ１) as typed by Chinese input methods.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

impl ItemBody {
    /// The body trimmed and checked, models deduplicated by [`model_key`].
    pub fn validated(&self) -> Result<ItemBody, CatalogError> {
        let sku = self.sku.trim().to_owned();
        if sku.is_empty() || sku.chars().count() > MAX_SKU || sku.chars().any(char::is_whitespace) {
            return Err(CatalogError::Sku);
        }
        let name = self.name.trimmed();
        if name.zh_cn.is_empty() || name.all().iter().any(|n| n.chars().count() > MAX_NAME) {
            return Err(CatalogError::Name);
        }
        let description = self.description.trimmed();
        if description
            .all()
            .iter()
            .any(|d| d.chars().count() > MAX_DESCRIPTION)
        {
            return Err(CatalogError::Description);
        }
        let (unit, category) = (self.unit.trim(), self.category.trim());
        if unit.is_empty() || unit.chars().count() > 20 || category.chars().count() > 80 {
            return Err(CatalogError::Unit);
        }
        if self.photos.len() > MAX_PHOTOS
            || !self
                .photos
                .iter()
                .all(|p| p.len() == 64 && p.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(CatalogError::Photo);
        }
        let mut models: Vec<String> = Vec::new();
        for m in &self.models {
            let m = m.trim();
            if m.is_empty() || m.chars().count() > 80 {
                return Err(CatalogError::Model);
            }
            if !models.iter().any(|k| model_key(k) == model_key(m)) {
                models.push(m.to_owned());
            }
        }
        if models.len() > MAX_MODELS {
            return Err(CatalogError::Model);
        }
        if self.list_price.minor < 0 {
            return Err(CatalogError::Price);
        }
        Ok(ItemBody {
            sku,
            kind: self.kind,
            name,
            description,
            original: self.original,
            unit: unit.to_owned(),
            category: category.to_owned(),
            photos: self.photos.iter().map(|p| p.to_ascii_lowercase()).collect(),
            models,
            list_price: self.list_price,
            enabled: self.enabled,
        })
    }

    /// Whether the item fits a device of `model`.
    pub fn fits(&self, model: &str) -> bool {
        let key = model_key(model);
        !key.is_empty() && self.models.iter().any(|m| model_key(m) == key)
    }

    /// The terms the catalog search indexes: names and descriptions in
    /// every language, category, SKU and models, cut as the knowledge
    /// search cuts text (works for Chinese without a dictionary).
    pub fn search_terms(&self) -> Vec<String> {
        let mut text = String::new();
        for t in self.name.all().into_iter().chain(self.description.all()) {
            text.push_str(t);
            text.push('\n');
        }
        text.push_str(&self.category);
        text.push('\n');
        text.push_str(&self.sku);
        for m in &self.models {
            text.push('\n');
            text.push_str(&model_key(m));
        }
        knowledge::terms(&text)
    }
}

/// The terms of a buyer's search ("压缩机 滤网", "FD-100"): an item
/// matches when it has all of them.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms = knowledge::terms(&model_key(query));
    terms.sort();
    terms.dedup();
    terms.truncate(16);
    terms
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mall::money::Currency;

    pub(crate) fn filter() -> ItemBody {
        ItemBody {
            sku: " FD-FLT-100 ".into(),
            kind: ItemKind::Part,
            name: LocalizedText {
                zh_cn: "压缩机滤网".into(),
                zh_tw: "壓縮機濾網".into(),
                en: String::new(),
            },
            description: LocalizedText::default(),
            original: true,
            unit: "个".into(),
            category: "滤网".into(),
            photos: vec![],
            models: vec![
                "FD-CH-200".into(),
                " fd-ch-200 ".into(),
                "ＦＤ-CH-300".into(),
            ],
            list_price: Money::new(12_800, Currency::CNY),
            enabled: true,
        }
    }

    #[test]
    fn names_fall_back_to_simplified_chinese() {
        let item = filter().validated().unwrap();
        assert_eq!(item.name.get(Locale::ZhTw), "壓縮機濾網");
        assert_eq!(item.name.get(Locale::En), "压缩机滤网");
        assert_eq!(item.sku, "FD-FLT-100");
    }

    #[test]
    fn models_match_whatever_the_case_and_width() {
        let item = filter().validated().unwrap();
        assert_eq!(item.models, ["FD-CH-200", "ＦＤ-CH-300"]);
        assert!(item.fits("fd-ch-300"));
        assert!(item.fits(" FD-CH-200"));
        assert!(!item.fits("FD-CH-20"));
        assert!(!item.fits(""));
    }

    #[test]
    fn bad_items_are_refused() {
        let mut b = filter();
        b.sku = "FD FLT".into();
        assert_eq!(b.validated(), Err(CatalogError::Sku));
        let mut b = filter();
        b.name.zh_cn = "  ".into();
        assert_eq!(b.validated(), Err(CatalogError::Name));
        let mut b = filter();
        b.list_price.minor = -1;
        assert_eq!(b.validated(), Err(CatalogError::Price));
        let mut b = filter();
        b.photos = vec!["nope".into()];
        assert_eq!(b.validated(), Err(CatalogError::Photo));
        let mut b = filter();
        b.models = vec![String::new()];
        assert_eq!(b.validated(), Err(CatalogError::Model));
    }

    #[test]
    fn chinese_searches_find_by_character_pairs_and_sku() {
        let terms = filter().validated().unwrap().search_terms();
        for q in query_terms("滤网") {
            assert!(terms.contains(&q), "{q}");
        }
        for q in query_terms("fd-flt-100")
            .into_iter()
            .chain(query_terms("ＦＤ-CH-300"))
        {
            assert!(terms.contains(&q), "{q}");
        }
        assert!(!query_terms("fd-ch-400").iter().all(|q| terms.contains(q)));
    }
}
