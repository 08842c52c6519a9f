//! A mail's remote images, fetched by the shell only when the agent asks
//! ("load images") and inlined as `data:` URIs: the reading frame never
//! reaches the network, and the app's CSP stays `img-src 'self' data:`.
//! Only http(s), only raster images, each of at most [`MAX_IMAGE_BYTES`];
//! an image that fails stays blocked.

use std::collections::HashMap;
use std::time::Duration;

use fieldesk_core::email::html;
use futures_util::future::join_all;

pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// Images fetched per mail, at most (the rest stay blocked).
pub const MAX_IMAGES: usize = 50;

/// `html` (sanitized, from the server) with its remote images loaded.
pub async fn load(html: &str) -> String {
    let urls = html::remote_images(html);
    let Ok(client) = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
    else {
        return html.to_owned();
    };
    let fetched = join_all(urls.iter().take(MAX_IMAGES).map(|url| {
        let client = client.clone();
        async move { (url.clone(), fetch(&client, url).await) }
    }))
    .await;
    let images: HashMap<String, String> = fetched
        .into_iter()
        .filter_map(|(url, uri)| Some((url, uri?)))
        .collect();
    html::with_remote_images(html, |url| images.get(url).cloned())
}

async fn fetch(client: &reqwest::Client, url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let mut res = client.get(url).send().await.ok()?;
    if !res.status().is_success() {
        return None;
    }
    if res
        .content_length()
        .is_some_and(|n| n > MAX_IMAGE_BYTES as u64)
    {
        return None;
    }
    let content_type = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)?
        .to_str()
        .ok()?
        .to_owned();
    let mut bytes = Vec::new();
    while let Some(chunk) = res.chunk().await.ok()? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_IMAGE_BYTES {
            return None;
        }
    }
    html::data_uri(&content_type, &bytes)
}
