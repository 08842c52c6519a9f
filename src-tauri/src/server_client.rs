//! REST client for the Fieldesk server (reqwest + rustls).

use std::time::Duration;

use fieldesk_core::ErrorCode;
use fieldesk_core::api::{ErrorBody, LoginRequest, LoginResponse, Me};
use reqwest::{Client, Response, Url};
use serde::de::DeserializeOwned;

use crate::error::{AppError, AppResult};

#[derive(Clone)]
pub struct ServerClient {
    http: Client,
    /// Sent as `Accept-Language`, so server messages (e.g. what a group
    /// lacks for a work order) come in the app's language.
    locale: std::sync::Arc<std::sync::RwLock<fieldesk_core::Locale>>,
}

impl Default for ServerClient {
    fn default() -> Self {
        let http = Client::builder()
            // Names the app in the user's session list.
            .user_agent(format!(
                "Fieldesk app {} ({})",
                env!("CARGO_PKG_VERSION"),
                std::env::consts::OS
            ))
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()
            .expect("the HTTP client builds");
        ServerClient {
            http,
            locale: Default::default(),
        }
    }
}

impl ServerClient {
    pub fn set_locale(&self, locale: fieldesk_core::Locale) {
        *self.locale.write().unwrap_or_else(|p| p.into_inner()) = locale;
    }

    fn locale_tag(&self) -> &'static str {
        self.locale.read().unwrap_or_else(|p| p.into_inner()).tag()
    }
}

/// Parses and normalizes a server URL typed by the user: http(s) only,
/// trailing slash so that `join` keeps any path prefix.
pub fn parse_server_url(input: &str) -> AppResult<Url> {
    let invalid = || AppError::new(ErrorCode::InvalidServerUrl, input.to_owned());
    let mut url = Url::parse(input.trim()).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid());
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// The event WebSocket's URL for a server URL.
pub fn ws_url(server: &Url) -> Url {
    let mut url = server.join("api/ws").expect("relative path joins");
    let scheme = if server.scheme() == "https" {
        "wss"
    } else {
        "ws"
    };
    url.set_scheme(scheme).expect("ws schemes are valid here");
    url
}

fn transport_error(e: reqwest::Error) -> AppError {
    if e.is_decode() {
        AppError::new(ErrorCode::UnexpectedResponse, e.to_string())
    } else {
        AppError::new(ErrorCode::ServerUnreachable, e.to_string())
    }
}

async fn decode<T: DeserializeOwned>(res: Response) -> AppResult<T> {
    if res.status().is_success() {
        return res.json().await.map_err(transport_error);
    }
    let status = res.status();
    match res.json::<ErrorBody>().await {
        Ok(body) => Err(AppError::new(body.code, body.message)),
        Err(_) => Err(AppError::new(
            ErrorCode::UnexpectedResponse,
            format!("HTTP {status}"),
        )),
    }
}

impl ServerClient {
    pub async fn login(&self, server: &Url, req: &LoginRequest) -> AppResult<LoginResponse> {
        let url = server.join("api/auth/login").expect("joins");
        decode(
            self.http
                .post(url)
                .json(req)
                .send()
                .await
                .map_err(transport_error)?,
        )
        .await
    }

    pub async fn me(&self, server: &Url, token: &str) -> AppResult<Me> {
        let url = server.join("api/me").expect("joins");
        decode(
            self.http
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .map_err(transport_error)?,
        )
        .await
    }

    /// Sends an authenticated request to `path` (relative to the server
    /// URL) with an optional JSON body.
    async fn send<B: serde::Serialize>(
        &self,
        method: reqwest::Method,
        server: &Url,
        token: &str,
        path: &str,
        body: Option<&B>,
    ) -> AppResult<Response> {
        let url = server.join(path).expect("joins");
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT_LANGUAGE, self.locale_tag());
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.map_err(transport_error)
    }

    /// An authenticated call that answers JSON.
    pub async fn call<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        server: &Url,
        token: &str,
        path: &str,
        body: Option<&B>,
    ) -> AppResult<T> {
        decode(self.send(method, server, token, path, body).await?).await
    }

    /// Like [`ServerClient::call`] for answers without a body (204).
    pub async fn call_no_content<B: serde::Serialize>(
        &self,
        method: reqwest::Method,
        server: &Url,
        token: &str,
        path: &str,
        body: Option<&B>,
    ) -> AppResult<()> {
        let res = self.send(method, server, token, path, body).await?;
        if res.status().is_success() {
            Ok(())
        } else {
            decode::<serde::de::IgnoredAny>(res).await.map(|_| ())
        }
    }

    /// Uploads raw bytes with `PUT` (photos); any 2xx is fine.
    pub async fn put_bytes(
        &self,
        server: &Url,
        token: &str,
        path: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> AppResult<()> {
        let url = server.join(path).expect("joins");
        let res = self
            .http
            .put(url)
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(bytes)
            .send()
            .await
            .map_err(transport_error)?;
        if res.status().is_success() {
            Ok(())
        } else {
            decode::<serde::de::IgnoredAny>(res).await.map(|_| ())
        }
    }

    /// Ends the session on the server; an already-ended one is fine.
    pub async fn logout(&self, server: &Url, token: &str) -> AppResult<()> {
        let url = server.join("api/auth/logout").expect("joins");
        let res = self
            .http
            .post(url)
            .bearer_auth(token)
            .send()
            .await
            .map_err(transport_error)?;
        if res.status().is_success() || res.status() == reqwest::StatusCode::UNAUTHORIZED {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorCode::UnexpectedResponse,
                format!("HTTP {}", res.status()),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_are_validated_and_normalized() {
        let url = parse_server_url(" http://127.0.0.1:8080 ").unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(ws_url(&url).as_str(), "ws://127.0.0.1:8080/api/ws");
        let prefixed = parse_server_url("https://example.com/fieldesk?x=1").unwrap();
        assert_eq!(
            ws_url(&prefixed).as_str(),
            "wss://example.com/fieldesk/api/ws"
        );
        assert_eq!(
            prefixed.join("api/me").unwrap().as_str(),
            "https://example.com/fieldesk/api/me"
        );
        for bad in ["", "localhost:8080", "ftp://x", "http://", "not a url"] {
            assert_eq!(
                parse_server_url(bad).unwrap_err().code,
                ErrorCode::InvalidServerUrl,
                "{bad:?}"
            );
        }
    }
}
