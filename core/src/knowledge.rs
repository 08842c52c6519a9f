//! Knowledge spaces (知识空间) and the AI agent's retrieval rules: how text
//! is cut into search terms (works for Chinese without a dictionary), how
//! articles are cut into passages, and how a passage is scored against a
//! question. The server indexes [`terms`] in SQLite FTS5 to find candidate
//! articles; [`answer`] picks the passages to quote.

use serde::{Deserialize, Serialize};

use crate::Locale;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A knowledge article as admins edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Article {
    pub id: i64,
    /// The knowledge space it belongs to, e.g. "products".
    pub space: String,
    pub title: String,
    pub body: String,
    pub locale: Locale,
    pub tags: Vec<String>,
    pub updated_at: i64,
}

/// `POST /api/knowledge/articles` and `PUT …/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ArticleInput {
    pub space: String,
    pub title: String,
    pub body: String,
    pub locale: Locale,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// How much of the question the best passage must cover to be quoted.
pub const MIN_COVERAGE: f32 = 0.5;
/// The most passages one answer quotes.
pub const MAX_PASSAGES: usize = 2;

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F
        | 0x3040..=0x30FF | 0xAC00..=0xD7AF)
}

/// Words that say nothing about the topic of a question.
const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "i", "my", "me", "you", "your", "we", "is", "are", "am", "be", "to", "of",
    "in", "on", "for", "and", "or", "do", "does", "can", "could", "how", "what", "when", "where",
    "why", "it", "this", "that", "with", "please", "hi", "hello", "there", "about", "have", "has",
    "怎么", "怎麼", "如何", "什么", "什麼", "为什", "為什", "么办", "麼辦", "怎样", "怎樣", "请问",
    "請問", "我的", "你们", "你們", "可以", "一下", "吗", "嗎", "呢", "的", "了", "是", "我", "你",
    "吧", "啊",
];

/// Search terms of a text: lower-cased Latin words and, for Chinese (or
/// other CJK) runs, overlapping character pairs (a single character when
/// the run has only one). Stop words are dropped. Order is kept,
/// duplicates are not removed.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut run: Vec<char> = Vec::new();
    let flush_word = |word: &mut String, out: &mut Vec<String>| {
        if !word.is_empty() {
            let w = std::mem::take(word);
            if !STOP_WORDS.contains(&w.as_str()) {
                out.push(w);
            }
        }
    };
    let flush_run = |run: &mut Vec<char>, out: &mut Vec<String>| {
        match run.len() {
            0 => {}
            1 => {
                let s = run[0].to_string();
                if !STOP_WORDS.contains(&s.as_str()) {
                    out.push(s);
                }
            }
            _ => {
                for pair in run.windows(2) {
                    let s: String = pair.iter().collect();
                    if !STOP_WORDS.contains(&s.as_str()) {
                        out.push(s);
                    }
                }
            }
        }
        run.clear();
    };
    for c in text.chars() {
        if is_cjk(c) {
            flush_word(&mut word, &mut out);
            run.push(c);
        } else if c.is_alphanumeric() {
            flush_run(&mut run, &mut out);
            word.extend(c.to_lowercase());
        } else {
            flush_word(&mut word, &mut out);
            flush_run(&mut run, &mut out);
        }
    }
    flush_word(&mut word, &mut out);
    flush_run(&mut run, &mut out);
    out
}

/// The terms an article is found by (title twice, so a title match
/// weighs more).
pub fn document_terms(title: &str, body: &str, tags: &[String]) -> Vec<String> {
    let mut all = terms(title);
    all.extend(terms(title));
    all.extend(terms(body));
    for tag in tags {
        all.extend(terms(tag));
    }
    all
}

/// The distinct terms of a question, in order: an article with any of them
/// is a candidate (none: nothing to search for).
pub fn query_terms(question: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for t in terms(question) {
        if !seen.contains(&t) {
            seen.push(t);
        }
    }
    seen
}

/// An article's passages: paragraphs, long ones cut at sentence ends.
pub fn passages(body: &str) -> Vec<&str> {
    const LONG: usize = 240;
    let mut out = Vec::new();
    for para in body.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        if para.chars().count() <= LONG {
            out.push(para);
            continue;
        }
        let mut start = 0;
        for (i, c) in para.char_indices() {
            if matches!(c, '。' | '！' | '？' | '.' | '!' | '?' | '\n') {
                let end = i + c.len_utf8();
                let piece = para[start..end].trim();
                if !piece.is_empty() {
                    out.push(piece);
                }
                start = end;
            }
        }
        let rest = para[start..].trim();
        if !rest.is_empty() {
            out.push(rest);
        }
    }
    out
}

/// The share of the question's distinct terms found in `title` + `passage`
/// (title matches count half), from 0 to 1.
pub fn coverage(question_terms: &[String], title: &str, passage: &str) -> f32 {
    let mut distinct: Vec<&String> = Vec::new();
    for t in question_terms {
        if !distinct.contains(&t) {
            distinct.push(t);
        }
    }
    if distinct.is_empty() {
        return 0.0;
    }
    let in_passage = terms(passage);
    let in_title = terms(title);
    let score: f32 = distinct
        .iter()
        .map(|t| {
            if in_passage.contains(t) {
                1.0
            } else if in_title.contains(t) {
                0.5
            } else {
                0.0
            }
        })
        .sum();
    score / distinct.len() as f32
}

/// One quoted passage of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub article_id: i64,
    pub title: String,
    pub passage: String,
    pub score: f32,
}

/// The AI agent's answer from candidate articles (best first, as the
/// index ranked them): the best passages that cover at least
/// [`MIN_COVERAGE`] of the question, at most [`MAX_PASSAGES`]. Empty means
/// "no good answer": say so and offer a human.
pub fn answer(question: &str, candidates: &[Article]) -> Vec<Quote> {
    let q = terms(question);
    let mut quotes: Vec<Quote> = candidates
        .iter()
        .flat_map(|a| {
            passages(&a.body).into_iter().map(|p| Quote {
                article_id: a.id,
                title: a.title.clone(),
                passage: p.to_owned(),
                score: coverage(&q, &a.title, p),
            })
        })
        .filter(|quote| quote.score >= MIN_COVERAGE)
        .collect();
    // Stable: ties keep the index's article order and the passage order.
    quotes.sort_by(|a, b| b.score.total_cmp(&a.score));
    quotes.truncate(MAX_PASSAGES);
    quotes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(id: i64, title: &str, body: &str) -> Article {
        Article {
            id,
            space: "help".into(),
            title: title.into(),
            body: body.into(),
            locale: Locale::ZhCn,
            tags: vec![],
            updated_at: 0,
        }
    }

    #[test]
    fn chinese_becomes_pairs_and_latin_words() {
        assert_eq!(terms("重置密码"), vec!["重置", "置密", "密码"]);
        assert_eq!(
            terms("How do I reset my Password?"),
            vec!["reset", "password"]
        );
        assert_eq!(
            terms("打印机 X200 卡纸"),
            vec!["打印", "印机", "x200", "卡纸"]
        );
        assert_eq!(terms("怎么重置"), vec!["么重", "重置"]);
        assert!(terms("？？ ...").is_empty());
    }

    #[test]
    fn questions_search_by_their_distinct_terms() {
        assert_eq!(
            query_terms("reset \"password\" reset"),
            vec!["reset", "password"]
        );
        assert!(query_terms("how do I").is_empty());
        let doc = document_terms("重置密码", "先关机", &["X200".into()]);
        assert_eq!(
            doc,
            vec![
                "重置", "置密", "密码", "重置", "置密", "密码", "先关", "关机", "x200"
            ]
        );
    }

    #[test]
    fn passages_split_paragraphs_and_long_text() {
        let body = "第一段。\n\n第二段";
        assert_eq!(passages(body), vec!["第一段。", "第二段"]);
        let long = "这是一句话。".repeat(60);
        let parts = passages(&long);
        assert_eq!(parts.len(), 60);
        assert!(parts.iter().all(|p| *p == "这是一句话。"));
    }

    #[test]
    fn answers_quote_the_passage_that_covers_the_question() {
        let articles = vec![
            article(
                1,
                "账户与密码",
                "登录失败时请检查网络。\n\n重置密码：打开设置，选择“账户”，点击“重置密码”，按短信验证码操作。",
            ),
            article(
                2,
                "Printer jams",
                "If the X200 printer jams, open the front cover and remove the paper.",
            ),
        ];
        let quotes = answer("怎么重置密码？", &articles);
        assert_eq!(quotes[0].article_id, 1);
        assert!(quotes[0].passage.starts_with("重置密码"));
        let quotes = answer("my printer jams", &articles);
        assert_eq!(quotes.len(), 1);
        assert_eq!(quotes[0].article_id, 2);
        assert!(answer("天气预报", &articles).is_empty());
        assert!(answer("how do I", &articles).is_empty());
    }

    #[test]
    fn coverage_counts_distinct_terms() {
        let q = terms("reset password password");
        assert_eq!(coverage(&q, "", "reset your password"), 1.0);
        assert_eq!(coverage(&q, "Password help", "reset it here"), 0.75);
        assert_eq!(coverage(&[], "", "x"), 0.0);
    }
}
