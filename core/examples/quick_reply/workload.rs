//! The quick-reply bench's workload, shared by the native and the wasm
//! build: 100 000 replies (Chinese and English titles, some shortcuts,
//! 5 % personal) and what an agent types, one keystroke at a time. The
//! clock and the output are the caller's (wasm32 has no `Instant`).

use fieldesk_core::quick_reply::{Index, QuickReply, Tier, suggest};

pub const REPLIES: usize = 100_000;
/// What the type-ahead shows.
const LIMIT: usize = 6;
/// How many times each typed word is replayed.
const ROUNDS: usize = 5;

const WORDS: [&str; 24] = [
    "退款",
    "发货",
    "发票",
    "物流",
    "保修",
    "维修",
    "安装",
    "预约",
    "投诉",
    "会员",
    "积分",
    "优惠",
    "地址",
    "电话",
    "价格",
    "售后",
    "换货",
    "催单",
    "签收",
    "破损",
    "延保",
    "上门",
    "配件",
    "说明书",
];
const ENGLISH: [&str; 8] = [
    "Refund", "Shipping", "Invoice", "Warranty", "Repair", "Install", "Address", "Discount",
];
/// What agents type, each replayed keystroke by keystroke.
pub const TYPED: [&str; 10] = [
    "tuikuan",
    "tk",
    "退款流程",
    "refund",
    "fapiao",
    "weixiu",
    "保修",
    "shm",
    "您好",
    "zzzz",
];

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n as u64) as usize
    }
}

pub fn replies() -> Vec<QuickReply> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..REPLIES)
        .map(|i| {
            let title = if i % 5 == 0 {
                format!("{} {}", ENGLISH[rng.below(ENGLISH.len())], i)
            } else {
                let (a, b) = (WORDS[rng.below(WORDS.len())], WORDS[rng.below(WORDS.len())]);
                format!("{a}{b}{i}")
            };
            QuickReply {
                id: i as i64 + 1,
                tier: if i % 20 == 0 {
                    Tier::Personal
                } else {
                    Tier::Enterprise
                },
                group: None,
                shortcut: if i % 10 == 0 { format!("s{i}") } else { String::new() },
                content: format!(
                    "您好 {{{{visitor.name}}}}，关于{}的问题，我们会在 {} 个工作日内处理，请留意短信通知。",
                    WORDS[rng.below(WORDS.len())],
                    1 + rng.below(5)
                ),
                title,
                space: None,
                position: i as i64,
            }
        })
        .collect()
}

/// Builds the index, then times every keystroke of [`TYPED`]. `now` is
/// milliseconds from any origin. Returns the report's lines.
pub fn run(now: impl Fn() -> f64) -> Vec<String> {
    let all = replies();
    let start = now();
    let index = Index::new(all);
    let built = now() - start;
    let mut times = vec![];
    let mut slowest = (0.0f64, String::new());
    let mut hits = 0usize;
    for _ in 0..ROUNDS {
        for word in TYPED {
            let mut typed = String::new();
            for c in word.chars() {
                typed.push(c);
                let t = now();
                let found = suggest(&index, &typed, LIMIT);
                let took = now() - t;
                if took > slowest.0 {
                    slowest = (took, typed.clone());
                }
                times.push(took);
                hits += found.len();
            }
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    vec![
        format!("replies {REPLIES}, index built in {built:.0} ms"),
        format!(
            "keystrokes {}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} suggestions shown in all)",
            times.len(),
            at(0.5),
            at(0.99),
            times[times.len() - 1],
            hits
        ),
        format!("slowest keystroke: {:?} ({:.2} ms)", slowest.1, slowest.0),
    ]
}
