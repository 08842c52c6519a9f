//! Files the user picks (photos, scans, mail attachments), read in the
//! webview.

use wasm_bindgen_futures::JsFuture;

/// Reads a picked file as a `data:` URL.
pub async fn read_file(file: web_sys::File) -> Option<String> {
    let reader = web_sys::FileReader::new().ok()?;
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        reader.set_onload(Some(&resolve));
        reader.set_onerror(Some(&reject));
    });
    reader.read_as_data_url(&file).ok()?;
    JsFuture::from(done).await.ok()?;
    reader.result().ok()?.as_string()
}

/// The base64 of a `data:` URL (`data:…;base64,XXXX` → `XXXX`).
pub fn data_url_base64(url: &str) -> Option<&str> {
    url.split_once(";base64,").map(|(_, data)| data)
}
