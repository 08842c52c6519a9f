//! Subjects: the normalized form the workbench groups by (reply and
//! forward prefixes in the languages our customers write in stripped, the
//! ticket tag removed, case and spacing folded) and the visible ticket tag
//! `[#1234]` that carries a conversation's number.

/// Reply and forward prefixes, compared case-insensitively, each followed
/// by `:` or the full-width `：` (and an optional counter, `Re[2]:`):
/// English, German, Nordic, Dutch, French, Italian, Portuguese,
/// and Chinese as Outlook, Foxmail and QQ Mail write them.
const PREFIXES: [&str; 20] = [
    "re", "fw", "fwd", "aw", "wg", "sv", "vs", "antw", "doorst", "tr", "rif", "enc", "res", "回复",
    "回覆", "答复", "答覆", "转发", "轉寄", "轉發",
];

/// The prefix at the start of `s` (after spaces), if any: the rest.
fn strip_prefix(s: &str) -> Option<&str> {
    let s = s.trim_start();
    for p in PREFIXES {
        let Some(head) = s.get(..p.len()) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(p) {
            continue;
        }
        let mut rest = s[p.len()..].trim_start();
        // `Re[2]:` / `Re(2):`
        if let Some(r) = rest.strip_prefix(['[', '(']) {
            let digits = r.trim_start_matches(|c: char| c.is_ascii_digit());
            if digits.len() < r.len()
                && let Some(r) = digits.strip_prefix([']', ')'])
            {
                rest = r.trim_start();
            }
        }
        if let Some(r) = rest.strip_prefix([':', '：']) {
            return Some(r);
        }
    }
    None
}

/// The ticket tag of a conversation, as put in outgoing subjects.
pub fn tag(conversation_id: i64) -> String {
    format!("[#{conversation_id}]")
}

/// The first ticket tag `[#digits]` in a subject.
pub fn find_tag(subject: &str) -> Option<i64> {
    let mut rest = subject;
    while let Some(at) = rest.find("[#") {
        let after = &rest[at + 2..];
        let digits = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        if digits > 0
            && digits <= 18
            && after[digits..].starts_with(']')
            && let Ok(id) = after[..digits].parse()
        {
            return Some(id);
        }
        rest = after;
    }
    None
}

/// Removes every ticket tag.
fn without_tags(subject: &str) -> String {
    let mut out = String::with_capacity(subject.len());
    let mut rest = subject;
    while let Some(at) = rest.find("[#") {
        let after = &rest[at + 2..];
        let digits = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        out.push_str(&rest[..at]);
        if digits > 0 && after[digits..].starts_with(']') {
            rest = &after[digits + 1..];
        } else {
            out.push_str("[#");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The subject with its reply/forward prefixes (repeated, mixed) and
/// ticket tags gone and runs of whitespace one space, case kept: what a
/// group of the workbench is called.
pub fn base(subject: &str) -> String {
    let untagged = without_tags(subject);
    let mut s = untagged.as_str();
    while let Some(rest) = strip_prefix(s) {
        s = rest;
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The subject as the workbench groups it: [`base`], lower case.
/// `"Re: 回复：FW: Pump [#12]  broken"` → `"pump broken"`.
pub fn normalize(subject: &str) -> String {
    base(subject).to_lowercase()
}

/// The subject of a reply: the original's, with one `Re: ` and the
/// conversation's tag (once).
pub fn reply(original: &str, conversation_id: i64) -> String {
    format!("Re: {} {}", base(original), tag(conversation_id))
}

/// A new thread's subject with its tag.
pub fn tagged(subject: &str, conversation_id: i64) -> String {
    let base = without_tags(subject);
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{base} {}", tag(conversation_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_in_many_languages_and_shapes_are_stripped() {
        let cases = [
            ("Re: Pump broken", "pump broken"),
            ("RE: RE: Pump broken", "pump broken"),
            ("Re[2]: Pump broken", "pump broken"),
            ("Fwd: Re: Pump  broken ", "pump broken"),
            ("FW: Pump broken", "pump broken"),
            ("AW: WG: Pump broken", "pump broken"),
            ("回复：泵坏了", "泵坏了"),
            ("回复: 转发: 泵坏了", "泵坏了"),
            ("答复: 泵坏了", "泵坏了"),
            ("回覆：轉寄：幫浦壞了", "幫浦壞了"),
            ("Re: Pump broken [#1234]", "pump broken"),
            ("[#1234] Re: Pump broken", "pump broken"),
            ("Reply needed", "reply needed"),
            ("Re:", ""),
            ("Réunion", "réunion"),
            ("Fwdx: keep", "fwdx: keep"),
        ];
        for (subject, normalized) in cases {
            assert_eq!(normalize(subject), normalized, "{subject:?}");
        }
    }

    #[test]
    fn the_tag_is_found_wherever_it_stands_and_only_when_whole() {
        assert_eq!(find_tag("Re: Pump [#1234] broken"), Some(1234));
        assert_eq!(find_tag("[#7]"), Some(7));
        assert_eq!(find_tag("[# 7] [#x] [#12"), None);
        assert_eq!(find_tag("[#] then [#42]"), Some(42));
        assert_eq!(find_tag("[#99999999999999999999]"), None);
        assert_eq!(find_tag("no tag"), None);
    }

    #[test]
    fn replies_carry_one_re_and_one_tag() {
        assert_eq!(reply("Pump broken", 12), "Re: Pump broken [#12]");
        assert_eq!(
            reply("RE: 回复: Pump broken [#12]", 12),
            "Re: Pump broken [#12]"
        );
        assert_eq!(tagged("Your order  [#3]", 12), "Your order [#12]");
    }
}
