//! Chat text is shown as text: links become anchors, nothing else is
//! interpreted (no HTML ever reaches the page from a message).

/// A piece of a message: plain text or a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// Splits `text` into plain parts and `http(s)://` links. Trailing
/// punctuation stays out of the link.
pub fn segments(text: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = ["https://", "http://"]
        .iter()
        .filter_map(|p| rest.find(p))
        .min()
    {
        if start > 0 {
            out.push(Segment::Text(&rest[..start]));
        }
        let tail = &rest[start..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '，' | '。' | '）'))
            .unwrap_or(tail.len());
        while end > 0 && tail[..end].ends_with(['.', ',', ')', '!', '?', ';', ':']) {
            end -= 1;
        }
        let link = &tail[..end];
        if link.len() <= "https://".len() {
            out.push(Segment::Text(&tail[..end.max(1)]));
            rest = &tail[end.max(1)..];
            continue;
        }
        out.push(Segment::Link(link));
        rest = &tail[end..];
    }
    if !rest.is_empty() {
        out.push(Segment::Text(rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Segment::*;

    #[test]
    fn links_are_found_and_html_stays_text() {
        assert_eq!(
            segments("see https://example.com/a?b=1. ok"),
            vec![
                Text("see "),
                Link("https://example.com/a?b=1"),
                Text(". ok")
            ]
        );
        assert_eq!(
            segments("<b>hi</b> http://x.cn，好"),
            vec![Text("<b>hi</b> "), Link("http://x.cn"), Text("，好")]
        );
        assert_eq!(segments("no links"), vec![Text("no links")]);
        assert_eq!(
            segments("http:// alone"),
            vec![Text("http://"), Text(" alone")]
        );
    }
}
