//! REST client for the Fieldesk server (reqwest + rustls).

use std::time::Duration;

use fieldesk_core::ErrorCode;
use fieldesk_core::api::{ErrorBody, LoginRequest, LoginResponse};
use fieldesk_core::endpoint::{Endpoint, Login, Logout, Method, Upload};
use reqwest::{Client, RequestBuilder, Response, Url};
use serde::Serialize;
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

/// A success's JSON answer (an empty body, e.g. `204`, reads as `null`,
/// which is `()`), or the server's error.
async fn decode<T: DeserializeOwned>(res: Response) -> AppResult<T> {
    if res.status().is_success() {
        let bytes = res.bytes().await.map_err(transport_error)?;
        let json: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        return serde_json::from_slice(json)
            .map_err(|e| AppError::new(ErrorCode::UnexpectedResponse, e.to_string()));
    }
    Err(failure(res).await)
}

/// The server's error in an answer that is not a success.
async fn failure(res: Response) -> AppError {
    let status = res.status();
    match res.json::<ErrorBody>().await {
        Ok(body) => AppError::new(body.code, body.message),
        Err(_) => AppError::new(ErrorCode::UnexpectedResponse, format!("HTTP {status}")),
    }
}

fn method(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    }
}

impl ServerClient {
    /// A request of `endpoint` (as `token`'s user, if any), in the app's
    /// language.
    fn request<E: Endpoint>(
        &self,
        server: &Url,
        token: Option<&str>,
        endpoint: &E,
    ) -> RequestBuilder {
        let path = endpoint.path();
        let url = server
            .join(path.trim_start_matches('/'))
            .expect("endpoint paths join");
        let request = self
            .http
            .request(method(E::METHOD), url)
            .header(reqwest::header::ACCEPT_LANGUAGE, self.locale_tag());
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn login(&self, server: &Url, req: &LoginRequest) -> AppResult<LoginResponse> {
        let request = self.request(server, None, &Login).json(req);
        decode(request.send().await.map_err(transport_error)?).await
    }

    /// Calls `endpoint` as `token`'s user with its JSON body (none for
    /// `()` bodies) and reads its answer.
    pub async fn call<E: Endpoint>(
        &self,
        server: &Url,
        token: &str,
        endpoint: &E,
        body: &E::Body,
    ) -> AppResult<E::Answer>
    where
        E::Body: Serialize,
    {
        let mut request = self.request(server, Some(token), endpoint);
        if E::HAS_BODY {
            request = request.json(body);
        }
        decode(request.send().await.map_err(transport_error)?).await
    }

    /// [`ServerClient::call`] with an `Idempotency-Key`: the server answers
    /// a repeat with what the first call made.
    pub async fn call_once<E: Endpoint>(
        &self,
        server: &Url,
        token: &str,
        endpoint: &E,
        body: &E::Body,
        key: &str,
    ) -> AppResult<E::Answer>
    where
        E::Body: Serialize,
    {
        let request = self
            .request(server, Some(token), endpoint)
            .header("idempotency-key", key)
            .json(body);
        decode(request.send().await.map_err(transport_error)?).await
    }

    /// Uploads raw bytes (photos).
    pub async fn upload<E: Endpoint<Body = Upload>>(
        &self,
        server: &Url,
        token: &str,
        endpoint: &E,
        upload: Upload,
    ) -> AppResult<E::Answer> {
        let request = self
            .request(server, Some(token), endpoint)
            .header(reqwest::header::CONTENT_TYPE, upload.content_type)
            .body(upload.bytes);
        decode(request.send().await.map_err(transport_error)?).await
    }

    /// Downloads raw bytes (an image) with their content type.
    pub async fn download<E: Endpoint<Answer = ()>>(
        &self,
        server: &Url,
        token: &str,
        endpoint: &E,
    ) -> AppResult<Upload> {
        let res = self
            .request(server, Some(token), endpoint)
            .send()
            .await
            .map_err(transport_error)?;
        if !res.status().is_success() {
            return Err(failure(res).await);
        }
        let content_type = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let bytes = res.bytes().await.map_err(transport_error)?.to_vec();
        Ok(Upload {
            content_type,
            bytes,
        })
    }

    /// Ends the session on the server; an already-ended one is fine.
    pub async fn logout(&self, server: &Url, token: &str) -> AppResult<()> {
        let res = self
            .request(server, Some(token), &Logout)
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
