//! The shop's HTTP calls (`/api/shop/{tenant}/…`) with `fetch`: the
//! customer's token, the page's language for the server's messages, an
//! `Idempotency-Key` for checkout. Errors come back as the server's
//! localized `{code, message}`.

use fieldesk_core::Locale;
use fieldesk_core::api::ErrorBody;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A refused or failed call: the code and the message to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub code: Option<fieldesk_core::ErrorCode>,
    pub message: String,
}

/// One request.
pub struct Call<'a> {
    pub method: &'a str,
    pub path: String,
    pub token: Option<String>,
    pub key: Option<String>,
    pub locale: Locale,
}

impl Call<'_> {
    /// Sends `body` (none for GET) and reads the JSON answer (`null` for
    /// an empty one).
    pub async fn send<B: Serialize, T: DeserializeOwned>(
        self,
        body: Option<&B>,
        offline: String,
    ) -> Result<T, Failure> {
        let failed = |message: String| Failure {
            code: None,
            message,
        };
        let init = web_sys::RequestInit::new();
        init.set_method(self.method);
        let headers = web_sys::Headers::new().map_err(|_| failed(offline.clone()))?;
        let _ = headers.set("accept-language", self.locale.tag());
        if let Some(t) = &self.token {
            let _ = headers.set("authorization", &format!("Bearer {t}"));
        }
        if let Some(k) = &self.key {
            let _ = headers.set("idempotency-key", k);
        }
        if let Some(b) = body {
            let _ = headers.set("content-type", "application/json");
            let text = serde_json::to_string(b).expect("serializes");
            init.set_body(&JsValue::from_str(&text));
        }
        init.set_headers(&headers);
        let request = web_sys::Request::new_with_str_and_init(&self.path, &init)
            .map_err(|_| failed(offline.clone()))?;
        let window = web_sys::window().ok_or_else(|| failed(offline.clone()))?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(|_| failed(offline.clone()))?
            .dyn_into()
            .map_err(|_| failed(offline.clone()))?;
        let text = JsFuture::from(response.text().map_err(|_| failed(offline.clone()))?)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default();
        if !response.ok() {
            return Err(match serde_json::from_str::<ErrorBody>(&text) {
                Ok(e) => Failure {
                    code: Some(e.code),
                    message: e.message,
                },
                Err(_) => failed(offline),
            });
        }
        let text = if text.trim().is_empty() {
            "null"
        } else {
            &text
        };
        serde_json::from_str(text).map_err(|_| failed(offline))
    }
}
