//! A received mail's HTML on its way to the reader. The server sanitizes
//! it once on import (no script, no style, no handler; a remote
//! `<img src>` kept only as `data-remote-src`); here are the steps after
//! that: `cid:` images become the stored attachment's bytes, remote
//! images are counted and, when the agent asks, replaced by the bytes the
//! app fetched, and the whole becomes the document of a sandboxed frame
//! whose own policy allows nothing but inline images.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A mail's HTML as the reader gets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MailHtml {
    /// Sanitized; `cid:` images inline, remote images not loaded.
    pub html: String,
    /// Remote images held back until the reader loads them.
    pub remote_images: u32,
}

const REMOTE: &str = "data-remote-src=\"";
const CID: &str = "src=\"cid:";

/// The serializer's escapes in an attribute value, undone.
fn unescape(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Rewrites each `prefix…"` attribute of `html` (`prefix` ends inside
/// the opening quote): `f` gets the unescaped value and answers the new
/// `src` (already safe in an attribute) or `None` to leave it.
fn rewrite(html: &str, prefix: &str, mut f: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(prefix) {
        let value_at = at + prefix.len();
        let Some(len) = rest[value_at..].find('"') else {
            break;
        };
        let value = &rest[value_at..value_at + len];
        // Only an attribute: preceded by white space inside a tag.
        let attribute = rest[..at].ends_with([' ', '\n', '\t']);
        match attribute.then(|| f(&unescape(value))).flatten() {
            Some(src) => {
                out.push_str(&rest[..at]);
                out.push_str("src=\"");
                out.push_str(&src);
                out.push('"');
            }
            None => out.push_str(&rest[..value_at + len + 1]),
        }
        rest = &rest[value_at + len + 1..];
    }
    out.push_str(rest);
    out
}

/// The remote images of sanitized HTML, in order, each once.
pub fn remote_images(html: &str) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    rewrite(html, REMOTE, |url| {
        if !urls.iter().any(|u| u == url) {
            urls.push(url.to_owned());
        }
        None
    });
    urls
}

/// Remote images replaced by what `source` answers for their URL (a
/// `data:` URI); the others stay blocked.
pub fn with_remote_images(html: &str, source: impl Fn(&str) -> Option<String>) -> String {
    rewrite(html, REMOTE, |url| source(url))
}

/// `cid:` images replaced by what `source` answers for their content id
/// (without `<>`).
pub fn with_cid_images(html: &str, source: impl Fn(&str) -> Option<String>) -> String {
    rewrite(html, CID, |cid| source(cid.trim_matches(['<', '>'])))
}

/// A `data:` URI of image bytes, or `None` for what is not an image.
pub fn data_uri(content_type: &str, bytes: &[u8]) -> Option<String> {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    // SVG can hold script and links: never inline it.
    let image = mime.starts_with("image/")
        && mime != "image/svg+xml"
        && mime
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/.+-".contains(&b));
    image.then(|| format!("data:{mime};base64,{}", base64(bytes)))
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The document of the sandboxed frame the mail is read in: its own
/// policy allows inline images and nothing else (no script, no request).
pub fn frame_document(html: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:\">\
         </head><body>{html}</body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIL: &str = "<p>Hi &amp; welcome</p>\
        <img data-remote-src=\"https://track.example/p.png?a=1&amp;b=2\" alt=\"x\">\
        <p>data-remote-src=\"not an attribute\"</p>\
        <img src=\"cid:logo@acme\" alt=\"logo\">\
        <img data-remote-src=\"https://track.example/p.png?a=1&amp;b=2\">\
        <img data-remote-src=\"http://cdn.example/b.jpg\" width=\"10\">";

    #[test]
    fn remote_images_are_listed_once_each_with_their_escapes_undone() {
        assert_eq!(
            remote_images(MAIL),
            [
                "https://track.example/p.png?a=1&b=2",
                "http://cdn.example/b.jpg"
            ]
        );
        assert!(remote_images("<p>plain</p>").is_empty());
    }

    #[test]
    fn loading_replaces_only_the_images_fetched() {
        let out = with_remote_images(MAIL, |url| {
            (url == "http://cdn.example/b.jpg").then(|| "data:image/jpeg;base64,AAAA".to_owned())
        });
        assert!(out.contains("<img src=\"data:image/jpeg;base64,AAAA\" width=\"10\">"));
        // The other stays blocked; text that looks like one is text.
        assert_eq!(out.matches("data-remote-src=").count(), 3);
        assert!(out.contains("<p>data-remote-src=\"not an attribute\"</p>"));
    }

    #[test]
    fn cid_images_point_at_the_attachment_bytes() {
        let out = with_cid_images(MAIL, |cid| {
            (cid == "logo@acme").then(|| "data:image/png;base64,iVBO".to_owned())
        });
        assert!(out.contains("<img src=\"data:image/png;base64,iVBO\" alt=\"logo\">"));
        let unknown = with_cid_images(MAIL, |_| None);
        assert_eq!(unknown, MAIL);
    }

    #[test]
    fn only_raster_images_become_data_uris() {
        assert_eq!(
            data_uri("image/PNG; name=a.png", b"Man").as_deref(),
            Some("data:image/png;base64,TWFu")
        );
        assert_eq!(
            data_uri("image/gif", b"Ma").as_deref(),
            Some("data:image/gif;base64,TWE=")
        );
        assert_eq!(
            data_uri("image/jpeg", b"M").as_deref(),
            Some("data:image/jpeg;base64,TQ==")
        );
        assert_eq!(data_uri("image/svg+xml", b"<svg/>"), None);
        assert_eq!(data_uri("text/html", b"<p>"), None);
        assert_eq!(data_uri("image/\"x", b"a"), None);
    }

    #[test]
    fn the_frame_allows_no_script_and_no_request() {
        let doc = frame_document("<p>x</p>");
        assert!(doc.contains("default-src 'none'; img-src data:"));
        assert!(doc.ends_with("<body><p>x</p></body></html>"));
    }
}
