//! Email addresses as the service handles them: one rule for what is a
//! valid address (the pre-chat form, the composer, mailbox settings), and
//! the normalized form addresses are compared in.

/// Longest address accepted (RFC 5321's path limit).
pub const MAX_ADDRESS_CHARS: usize = 254;

/// One `@`, a non-empty local part, a dotted domain of letters, digits
/// and inner dashes with a top-level label of two or more characters; no
/// spaces or control characters.
pub fn is_valid(address: &str) -> bool {
    let s = address.trim();
    if s.is_empty() || s.chars().count() > MAX_ADDRESS_CHARS {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    !local.is_empty()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        && !domain.contains('@')
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.chars().count() >= 2)
}

/// The address part of `Name <a@b>` (or the whole), trimmed and in lower
/// case: the form addresses are compared and stored in.
pub fn normalize(address: &str) -> String {
    let s = address.trim();
    let inner = match (s.rfind('<'), s.rfind('>')) {
        (Some(open), Some(close)) if open < close => &s[open + 1..close],
        _ => s,
    };
    inner.trim().to_lowercase()
}

/// A list as typed in the composer (`,`, `;` or new lines between): the
/// normalized addresses, each once, or the first entry that is not one.
pub fn parse_list(input: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for entry in input.split([',', ';', '\n']) {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let address = normalize(entry);
        if !is_valid(&address) {
            return Err(entry.to_owned());
        }
        if !out.contains(&address) {
            out.push(address);
        }
    }
    Ok(out)
}

/// The domain of an address (after the last `@`).
pub fn domain(address: &str) -> &str {
    address.rsplit_once('@').map_or("", |(_, d)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_once() {
        for ok in [
            "wang@example.cn",
            "a.b+c@sub.example.com",
            "客服@例子.中国",
            "x@support.test",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "@example.com",
            "wang@",
            "wang@example",
            "wang@example.c",
            "wang@@example.com",
            "wa ng@example.com",
            "wang@-example.com",
            "wang@example..com",
            "<wang@example.com>",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn display_names_and_case_do_not_count() {
        assert_eq!(
            normalize("  Wang Li <Wang.Li@Example.CN> "),
            "wang.li@example.cn"
        );
        assert_eq!(normalize("\"Li, Wang\" <li@example.cn>"), "li@example.cn");
        assert_eq!(normalize("li@example.cn"), "li@example.cn");
    }

    #[test]
    fn lists_are_split_deduplicated_and_refused_at_the_first_bad_entry() {
        assert_eq!(
            parse_list("a@example.com; B <b@example.com>,\n a@EXAMPLE.com,"),
            Ok(vec!["a@example.com".to_owned(), "b@example.com".to_owned()])
        );
        assert_eq!(
            parse_list("a@example.com, nobody"),
            Err("nobody".to_owned())
        );
        assert_eq!(parse_list(" , "), Ok(vec![]));
    }
}
