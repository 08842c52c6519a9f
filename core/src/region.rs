//! Service regions (服务区域): China's administrative divisions (GB/T 2260
//! codes: province `PP0000`, city `PPCC00`, district `PPCCDD`), shipped in
//! `core/data/gb2260/` (see its LICENSE), tenant regions made of divisions
//! or polygons, and service addresses resolved to a division.
//!
//! Containment: a region holds an address when the address's division is
//! one of the region's divisions or below it (广东省 holds 深圳市南山区), or
//! when the address's point lies inside one of the region's polygons.
//!
//! Free-text addresses resolve greedily from the largest division down
//! (province, then city, then district, each at the start of what is
//! left): provinces and cities by full or short name (广东, 深圳) unless
//! the short name begins a street (湖南路, 中山大道), districts by full name
//! only (南山大道 is a street, not 南山区: without the district's full name
//! the order belongs to the city). A name that fits more than one division
//! at its level (南山区 is in 深圳 and in 鹤岗) resolves to nothing rather
//! than to a guess: an unresolved order stays unassigned, never misrouted.
//!
//! County-level cities directly under a province (济源市 419001, 仙桃市
//! 429004 …) are the province's children: the source's placeholder "city"
//! rows (…直辖县级行政区划) are not divisions and are skipped. Codes
//! abolished since 2020 are aliases of their successors ([`current`]), so
//! regions and orders stored with them still work.

use serde::{Deserialize, Serialize};

/// A GB/T 2260 code.
pub type DivisionCode = u32;

/// The shipped table: `code<TAB>name` per line, sorted by code.
pub const DIVISIONS_TSV: &str = include_str!("../data/gb2260/divisions.tsv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    District,
}

/// Abolished codes and their successors (2020–2024 changes), by old code:
/// regions and orders stored with an old code keep working.
const ALIASES: [(DivisionCode, DivisionCode); 23] = [
    (330103, 330105), // 下城区 → 拱墅区
    (330104, 330102), // 江干区 → 上城区
    (350402, 350404), // 梅列区 → 三元区
    (350403, 350404), // 三元区 → 三元区
    (350427, 350405), // 沙县 → 沙县区
    (350625, 350605), // 长泰县 → 长泰区
    (350681, 350604), // 龙海市 → 龙海区
    (410306, 410308), // 吉利区 → 孟津区
    (410322, 410308), // 孟津县 → 孟津区
    (410381, 410307), // 偃师市 → 偃师区
    (431121, 431181), // 祁阳县 → 祁阳市
    (450127, 450181), // 横县 → 横州市
    (460321, 460302), // 西沙群岛 → 西沙区
    (460322, 460303), // 南沙群岛 → 南沙区
    (460323, 460302), // 中沙群岛的岛礁及其海域 → 西沙区
    (513425, 513402), // 会理县 → 会理市
    (520522, 520581), // 黔西县 → 黔西市
    (532331, 532302), // 禄丰县 → 禄丰市
    (540422, 540481), // 米林县 → 米林市
    (540530, 540581), // 错那县 → 错那市
    (610322, 610305), // 凤翔县 → 凤翔区
    (610928, 610981), // 旬阳县 → 旬阳市
    (654223, 654203), // 沙湾县 → 沙湾市
];

/// The code in force for `code` (an abolished one's successor).
pub fn current(code: DivisionCode) -> DivisionCode {
    ALIASES
        .binary_search_by_key(&code, |(old, _)| *old)
        .map_or(code, |i| ALIASES[i].1)
}

/// Rows of the source that are not divisions: the placeholder "cities"
/// grouping county-level cities directly under a province.
fn is_placeholder(name: &str) -> bool {
    name.contains("直辖县级")
}

/// What a street name continues with: a short division name followed by
/// one of these names a street, not the division (湖南路, 中山大道).
const STREET_WORDS: [&str; 9] = ["大道", "大街", "路", "街", "巷", "胡同", "弄", "道", "号"];

/// The level a code names.
pub fn level(code: DivisionCode) -> Level {
    if code.is_multiple_of(10_000) {
        Level::Province
    } else if code.is_multiple_of(100) {
        Level::City
    } else {
        Level::District
    }
}

/// Whether `inner` is `outer` or lies below it (abolished codes count as
/// their successors; every successor is in the old code's city, so only
/// a district needs the alias table).
pub fn division_contains(outer: DivisionCode, inner: DivisionCode) -> bool {
    match level(outer) {
        Level::Province => outer / 10_000 == inner / 10_000,
        Level::City => outer / 100 == inner / 100,
        // Only two districts of one city can be an old and a new code.
        Level::District => {
            outer == inner || (outer / 100 == inner / 100 && same_after_aliases(outer, inner))
        }
    }
}

/// Kept out of line: the hot containment check rarely needs it.
#[cold]
#[inline(never)]
fn same_after_aliases(a: DivisionCode, b: DivisionCode) -> bool {
    current(a) == current(b)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Division {
    pub code: DivisionCode,
    pub name: String,
}

/// Suffixes dropped to get a division's short name (广东省 → 广东).
const SUFFIXES: [&str; 12] = [
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "自治州",
    "地区",
    "省",
    "市",
    "盟",
    "区",
    "县",
];

fn short_name(name: &str) -> &str {
    for suffix in SUFFIXES {
        if let Some(short) = name.strip_suffix(suffix)
            && short.chars().count() >= 2
        {
            return short;
        }
    }
    name
}

/// The division table with lookups.
#[derive(Debug, Clone, Default)]
pub struct DivisionTable {
    divisions: Vec<Division>,
}

impl DivisionTable {
    /// The shipped GB/T 2260 table.
    pub fn shipped() -> Self {
        Self::parse(DIVISIONS_TSV)
    }

    /// The shipped table, parsed once per process.
    pub fn shared() -> &'static Self {
        static TABLE: std::sync::LazyLock<DivisionTable> =
            std::sync::LazyLock::new(DivisionTable::shipped);
        &TABLE
    }

    /// Parses `code<TAB>name` lines; malformed lines are skipped.
    pub fn parse(tsv: &str) -> Self {
        let mut divisions: Vec<Division> = tsv
            .lines()
            .filter_map(|line| {
                let (code, name) = line.split_once('\t')?;
                let code: DivisionCode = code.trim().parse().ok()?;
                let name = name.trim();
                ((100_000..1_000_000).contains(&code) && !is_placeholder(name)).then(|| Division {
                    code,
                    name: name.to_owned(),
                })
            })
            .collect();
        divisions.sort_by_key(|d| d.code);
        divisions.dedup_by_key(|d| d.code);
        DivisionTable { divisions }
    }

    /// Every division, by code.
    pub fn all(&self) -> &[Division] {
        &self.divisions
    }

    pub fn len(&self) -> usize {
        self.divisions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.divisions.is_empty()
    }

    /// The division `code` names (an abolished code: its successor).
    pub fn get(&self, code: DivisionCode) -> Option<&Division> {
        let code = current(code);
        self.divisions
            .binary_search_by_key(&code, |d| d.code)
            .ok()
            .map(|i| &self.divisions[i])
    }

    /// The full name from the province down: 广东省 深圳市 南山区.
    pub fn path(&self, code: DivisionCode) -> Vec<&Division> {
        let code = current(code);
        let mut path = vec![];
        for outer in [code / 10_000 * 10_000, code / 100 * 100, code] {
            if let Some(d) = self.get(outer)
                && path.last().is_none_or(|p: &&Division| p.code != d.code)
            {
                path.push(d);
            }
        }
        path
    }

    /// The divisions directly below `parent` (`None`: the provinces).
    /// Districts of a province without cities (北京市) count as its children.
    pub fn children(&self, parent: Option<DivisionCode>) -> Vec<&Division> {
        self.divisions
            .iter()
            .filter(|d| match parent {
                None => level(d.code) == Level::Province,
                Some(p) => {
                    d.code != p && division_contains(p, d.code) && self.parent(d.code) == Some(p)
                }
            })
            .collect()
    }

    /// The nearest division above `code` that the table has.
    pub fn parent(&self, code: DivisionCode) -> Option<DivisionCode> {
        match level(code) {
            Level::Province => None,
            Level::City => Some(code / 10_000 * 10_000),
            Level::District => {
                let city = code / 100 * 100;
                if self.get(city).is_some() {
                    Some(city)
                } else {
                    Some(code / 10_000 * 10_000)
                }
            }
        }
    }

    /// Divisions whose name contains `query` (the picker's search), at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Division> {
        let query = query.trim();
        if query.is_empty() {
            return vec![];
        }
        self.divisions
            .iter()
            .filter(|d| d.name.contains(query))
            .take(limit)
            .collect()
    }

    /// Whether a short name `len` bytes into `text` ends where a street's
    /// name goes on (and no division below `d` starts there instead).
    fn begins_street(&self, d: &Division, text: &str, len: usize) -> bool {
        let rest = &text[len..];
        STREET_WORDS.iter().any(|w| rest.starts_with(w))
            && !self
                .divisions
                .iter()
                .any(|c| self.parent(c.code) == Some(d.code) && rest.starts_with(c.name.as_str()))
    }

    /// The one division among `candidates` whose name starts `text`
    /// (longest name first; see the module for which names count); `Err`
    /// when two different ones do.
    fn prefix_match<'a>(
        &self,
        candidates: impl Iterator<Item = &'a Division>,
        text: &str,
    ) -> Result<Option<(&'a Division, usize)>, ()> {
        let mut best: Option<(&Division, usize)> = None;
        let mut tie = false;
        for d in candidates {
            let full = d.name.as_str();
            let short = short_name(full);
            for name in [full, short] {
                let is_short = name.len() < full.len();
                if is_short && level(d.code) == Level::District {
                    continue;
                }
                if text.starts_with(name) && !(is_short && self.begins_street(d, text, name.len()))
                {
                    let len = name.len();
                    match best {
                        Some((b, l)) if l > len || (l == len && b.code == d.code) => {}
                        Some((b, l)) if l == len && b.code != d.code => tie = true,
                        _ => {
                            best = Some((d, len));
                            tie = false;
                        }
                    }
                }
            }
        }
        if tie { Err(()) } else { Ok(best) }
    }

    /// Resolves a free-text address to the deepest division it names.
    pub fn resolve(&self, text: &str) -> Option<DivisionCode> {
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let mut rest = text.as_str();
        let mut at: Option<DivisionCode> = None;
        loop {
            let below = self.divisions.iter().filter(|d| match at {
                None => true,
                Some(p) => d.code != p && division_contains(p, d.code),
            });
            // Only the next level down, unless it is missing (北京市 → 朝阳区).
            let next: Vec<&Division> = below
                .filter(|d| match at {
                    None => true,
                    Some(p) => self.parent(d.code) == Some(p),
                })
                .collect();
            let Ok(found) = self.prefix_match(next.into_iter(), rest) else {
                return None; // ambiguous: never guess
            };
            match found {
                Some((d, len)) => {
                    at = Some(d.code);
                    rest = &rest[len..];
                    if level(d.code) == Level::District {
                        return at;
                    }
                }
                None => return at,
            }
        }
    }
}

/// A polygon as (longitude, latitude) points, closed implicitly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polygon {
    pub points: Vec<(f64, f64)>,
}

/// A real (longitude, latitude) on the globe.
pub fn valid_point((lon, lat): (f64, f64)) -> bool {
    lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0
}

impl Polygon {
    /// At least three points, all of them real coordinates.
    pub fn is_valid(&self) -> bool {
        self.points.len() >= 3 && self.points.iter().copied().all(valid_point)
    }

    /// Whether `point` lies inside (even-odd rule; edges count as inside
    /// only by chance, so regions should not rely on them).
    pub fn contains(&self, (x, y): (f64, f64)) -> bool {
        let n = self.points.len();
        let mut inside = false;
        let mut j = n.wrapping_sub(1);
        for i in 0..n {
            let (xi, yi) = self.points[i];
            let (xj, yj) = self.points[j];
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                inside = !inside;
            }
            j = i;
        }
        inside
    }
}

/// Where a work order is to be served.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceAddress {
    pub division: Option<DivisionCode>,
    /// (longitude, latitude), when known.
    pub point: Option<(f64, f64)>,
}

/// The area a service group or provider serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceRegion {
    pub divisions: Vec<DivisionCode>,
    pub polygons: Vec<Polygon>,
}

impl ServiceRegion {
    pub fn contains(&self, address: &ServiceAddress) -> bool {
        let by_division = address
            .division
            .is_some_and(|a| self.divisions.iter().any(|d| division_contains(*d, a)));
        let by_polygon = address
            .point
            .is_some_and(|p| self.polygons.iter().any(|poly| poly.contains(p)));
        by_division || by_polygon
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_has_every_level() {
        let table = DivisionTable::shipped();
        assert!(table.len() > 3000, "{}", table.len());
        assert_eq!(table.get(440000).unwrap().name, "广东省");
        assert_eq!(table.get(440300).unwrap().name, "深圳市");
        assert_eq!(table.get(440305).unwrap().name, "南山区");
        let names: Vec<&str> = table.path(440305).iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["广东省", "深圳市", "南山区"]);
        assert_eq!(table.children(None).len(), 34);
        assert!(
            table
                .children(Some(110000))
                .iter()
                .any(|d| d.name == "朝阳区"),
            "a municipality's districts are its children"
        );
        assert!(table.search("南山", 10).len() >= 2);
    }

    #[test]
    fn placeholder_rows_are_not_divisions_and_old_codes_still_work() {
        let table = DivisionTable::shipped();
        assert!(table.get(419000).is_none(), "no 河南省-省直辖县级行政区划");
        assert_eq!(table.parent(419001), Some(410000));
        assert!(
            table
                .children(Some(410000))
                .iter()
                .any(|d| d.name == "济源市")
        );
        let names =
            |code| -> Vec<String> { table.path(code).iter().map(|d| d.name.clone()).collect() };
        assert_eq!(names(419001), ["河南省", "济源市"]);
        // The shipped table is current; abolished codes name their successor.
        assert_eq!(table.get(330113).unwrap().name, "临平区");
        assert_eq!(table.get(330103).unwrap().name, "拱墅区");
        assert_eq!(names(350403), ["福建省", "三明市", "三元区"]);
        assert_eq!(current(350403), 350404);
        assert_eq!(current(440305), 440305);
        assert!(ALIASES.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
        assert!(
            ALIASES.iter().all(|(old, new)| old / 100 == new / 100),
            "successors stay in their city (division_contains relies on it)"
        );
        assert!(
            !table
                .children(Some(330100))
                .iter()
                .any(|d| d.name == "下城区"),
            "abolished districts are not offered"
        );
    }

    #[test]
    fn containment_across_levels() {
        for (outer, inner, expected) in [
            (440000, 440305, true),  // province holds district
            (440300, 440305, true),  // city holds district
            (440305, 440305, true),  // itself
            (440300, 440400, false), // another city
            (440305, 440300, false), // district does not hold its city
            (440000, 450100, false), // another province
            (110000, 110105, true),  // municipality
            (420000, 429004, true),  // county-level city under a province
            (330103, 330105, true),  // 下城区 (abolished) is 拱墅区 now
            (330105, 330103, true),
            (350000, 350403, true), // an old code stays in its province
            (330100, 350403, false),
        ] {
            assert_eq!(
                division_contains(outer, inner),
                expected,
                "{outer} ⊇ {inner}"
            );
        }
    }

    #[test]
    fn free_text_addresses_resolve_or_say_nothing() {
        let table = DivisionTable::shipped();
        for (text, expected) in [
            ("广东省深圳市南山区科技园", Some(440305)),
            ("广东 深圳 南山区 科技园", Some(440305)),
            ("深圳市南山区科技园", Some(440305)),
            // A district only by its full name: 南山 alone may be a street.
            ("深圳南山科技园", Some(440300)),
            ("广东省深圳市南山大道1号", Some(440300)),
            ("深圳南山区科技园", Some(440305)),
            // A short name that begins a street names no division…
            ("湖南路 1 号", None),
            ("广东省中山大道 8 号", Some(440000)),
            ("广东中山市石岐区", Some(442000)),
            // …unless a division below it starts there (台州 路桥区).
            ("浙江台州路桥区", Some(331004)),
            // County-level cities directly under a province.
            ("河南省济源市济水大道", Some(419001)),
            ("湖北省仙桃市", Some(429004)),
            ("海南省琼海市嘉积镇", Some(469002)),
            ("新疆维吾尔自治区石河子市", Some(659001)),
            // Current districts (2021–2024 changes).
            ("浙江省杭州市临平区", Some(330113)),
            ("浙江省杭州市钱塘区", Some(330114)),
            ("福建省三明市三元区", Some(350404)),
            ("浙江省杭州市下城区", Some(330100)),
            ("北京市朝阳区建国路 1 号", Some(110105)),
            ("广东省某个地方", Some(440000)),
            ("浙江省杭州市", Some(330100)),
            // 南山区 is in Shenzhen and in Hegang: no guess.
            ("南山区科技园", None),
            ("科技园 3 栋", None),
            ("", None),
        ] {
            assert_eq!(table.resolve(text), expected, "{text}");
        }
    }

    #[test]
    fn regions_hold_addresses_by_division_or_polygon() {
        let square = Polygon {
            points: vec![(113.9, 22.5), (114.0, 22.5), (114.0, 22.6), (113.9, 22.6)],
        };
        assert!(square.is_valid());
        assert!(
            !Polygon {
                points: vec![(0.0, 0.0), (1.0, 1.0)]
            }
            .is_valid()
        );
        let region = ServiceRegion {
            divisions: vec![440000],
            polygons: vec![square],
        };
        let at = |division, point| ServiceAddress { division, point };
        assert!(region.contains(&at(Some(440305), None)));
        assert!(!region.contains(&at(Some(450100), None)));
        assert!(region.contains(&at(None, Some((113.95, 22.55)))));
        assert!(!region.contains(&at(None, Some((113.5, 22.55)))));
        assert!(!region.contains(&at(None, None)), "unresolved: nowhere");
    }
}
