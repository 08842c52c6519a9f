//! Every request the server makes to an address a tenant chose goes
//! through [`Outbound`]: only public addresses ([`fieldesk_core::outbound`])
//! unless the operator allowed private ones, checked for every address a
//! name resolves to on every new connection (so a DNS change cannot slip
//! past a check made when the URL was saved); no redirects, no proxies
//! from the environment, a time limit, and a cap on the answer's size.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use fieldesk_core::outbound::is_public;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{Url, redirect};

/// The largest answer read from an outbound endpoint.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("the address is not allowed: {0}")]
    NotAllowed(String),
    #[error("{0} is not a known host name")]
    NotFound(String),
    #[error("not an http(s) URL")]
    BadUrl,
    #[error("request failed: {0}")]
    Http(#[from] reqwest::Error),
    #[error("the endpoint answered {0}")]
    Status(u16),
    #[error("the answer is larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
    #[error("the answer is not JSON")]
    NotJson,
}

/// Resolves names with the system resolver and keeps only allowed
/// addresses; no address left is an error.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if allowed.is_empty() {
                tracing::warn!(%host, ?found, "outbound request to a non-public address refused");
                return Err(Box::new(OutboundError::NotAllowed(host)) as _);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[derive(Clone)]
pub struct Outbound {
    http: reqwest::Client,
    allow_private: bool,
}

impl Outbound {
    pub fn new(allow_private: bool, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .redirect(redirect::Policy::none())
            .no_proxy()
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .timeout(timeout)
            .build()
            .expect("the HTTP client builds");
        Outbound {
            http,
            allow_private,
        }
    }

    /// Checks a URL before it is saved or used: http(s), and a host that
    /// is allowed — a literal address directly (the resolver never sees
    /// those), a name by what it resolves to now.
    pub async fn check_url(&self, url: &str) -> Result<Url, OutboundError> {
        let url = Url::parse(url).map_err(|_| OutboundError::BadUrl)?;
        if !matches!(url.scheme(), "http" | "https") || !url.username().is_empty() {
            return Err(OutboundError::BadUrl);
        }
        let host = match url.host() {
            Some(url::Host::Ipv4(ip)) => return self.literal(url.clone(), ip.into()),
            Some(url::Host::Ipv6(ip)) => return self.literal(url.clone(), ip.into()),
            Some(url::Host::Domain(name)) => name.to_owned(),
            None => return Err(OutboundError::BadUrl),
        };
        if !self.allow_private {
            let resolved = GuardedResolver {
                allow_private: false,
            }
            .resolve(host.parse().map_err(|_| OutboundError::BadUrl)?)
            .await;
            if resolved.is_err() {
                return Err(OutboundError::NotAllowed(host));
            }
        }
        Ok(url)
    }

    /// The allowed addresses `host` resolves to now, for a connection
    /// that is not HTTP (a mailbox's SMTP and IMAP servers).
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, OutboundError> {
        let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| OutboundError::NotFound(host.to_owned()))?
            .collect();
        let allowed: Vec<SocketAddr> = found
            .iter()
            .copied()
            .filter(|a| self.allow_private || is_public(a.ip()))
            .collect();
        if allowed.is_empty() {
            tracing::warn!(%host, ?found, "connection to a non-public address refused");
            return Err(OutboundError::NotAllowed(host.to_owned()));
        }
        Ok(allowed)
    }

    fn literal(&self, url: Url, ip: IpAddr) -> Result<Url, OutboundError> {
        if self.allow_private || is_public(ip) {
            Ok(url)
        } else {
            tracing::warn!(%ip, "outbound request to a non-public address refused");
            Err(OutboundError::NotAllowed(ip.to_string()))
        }
    }

    /// POSTs `body` as JSON (with a bearer key when one is set) and reads
    /// a JSON answer of at most [`MAX_RESPONSE_BYTES`].
    pub async fn post_json(
        &self,
        url: &str,
        bearer: Option<&str>,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, OutboundError> {
        let url = self.check_url(url).await?;
        let mut request = self.http.post(url).json(body);
        if let Some(key) = bearer.filter(|k| !k.is_empty()) {
            request = request.bearer_auth(key);
        }
        let mut response = request.send().await?;
        let status = response.status();
        if !status.is_success() {
            // Redirects too: they are never followed.
            return Err(OutboundError::Status(status.as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
        {
            return Err(OutboundError::TooLarge);
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(OutboundError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&bytes).map_err(|_| OutboundError::NotJson)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A loopback HTTP server answering every request with `answer`,
    /// counting the connections it got.
    async fn loopback(answer: Vec<u8>) -> (u16, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        tokio::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                counted.fetch_add(1, Ordering::SeqCst);
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf).await;
                    let _ = s.write_all(&answer).await;
                });
            }
        });
        (port, hits)
    }

    fn ok_json(body: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    #[tokio::test]
    async fn internal_targets_are_refused_before_any_connection() {
        let (port, hits) = loopback(ok_json("{}")).await;
        let guarded = Outbound::new(false, Duration::from_secs(5));
        for url in [
            format!("http://127.0.0.1:{port}/v1"),
            format!("http://localhost:{port}/v1"),
            format!("http://[::ffff:127.0.0.1]:{port}/v1"),
            "http://169.254.169.254/latest/meta-data".to_owned(),
            "http://10.1.2.3/".to_owned(),
            "http://[::1]/".to_owned(),
            "http://[fd00::1]/".to_owned(),
            "http://0.0.0.0/".to_owned(),
        ] {
            let e = guarded
                .post_json(&url, Some("sk"), &serde_json::json!({}))
                .await
                .unwrap_err();
            assert!(matches!(e, OutboundError::NotAllowed(_)), "{url}: {e}");
        }
        for url in [
            "file:///etc/passwd",
            "ftp://x/",
            "http://user:pw@example.com/",
        ] {
            assert!(matches!(
                guarded.check_url(url).await,
                Err(OutboundError::BadUrl)
            ));
        }
        assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached loopback");
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_of_internal_addresses_on_connect() {
        // What a DNS change after the URL was saved looks like: the name
        // is only resolved when the connection is made.
        let resolver = GuardedResolver {
            allow_private: false,
        };
        assert!(
            resolver
                .resolve("localhost".parse().unwrap())
                .await
                .is_err()
        );
        let open = GuardedResolver {
            allow_private: true,
        };
        assert!(open.resolve("localhost".parse().unwrap()).await.is_ok());
    }

    #[tokio::test]
    async fn redirects_are_not_followed_and_large_answers_are_cut() {
        let (target_port, target_hits) = loopback(ok_json("{\"secret\":1}")).await;
        let redirect = format!(
            "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:{target_port}/secret\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        );
        let (port, _) = loopback(redirect.into_bytes()).await;
        let open = Outbound::new(true, Duration::from_secs(5));
        let url = format!("http://127.0.0.1:{port}/v1");
        let e = open
            .post_json(&url, None, &serde_json::json!({}))
            .await
            .unwrap_err();
        assert!(matches!(e, OutboundError::Status(302)), "{e}");
        assert_eq!(
            target_hits.load(Ordering::SeqCst),
            0,
            "the redirect was followed"
        );

        let huge = format!("\"{}\"", "x".repeat(MAX_RESPONSE_BYTES + 10));
        let (port, _) = loopback(ok_json(&huge)).await;
        let url = format!("http://127.0.0.1:{port}/v1");
        let e = open
            .post_json(&url, None, &serde_json::json!({}))
            .await
            .unwrap_err();
        assert!(matches!(e, OutboundError::TooLarge), "{e}");
        let (port, _) = loopback(ok_json("{\"ok\":true}")).await;
        let url = format!("http://127.0.0.1:{port}/v1");
        let answer = open
            .post_json(&url, None, &serde_json::json!({}))
            .await
            .unwrap();
        assert_eq!(answer["ok"], true);
    }
}
