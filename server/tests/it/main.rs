//! Integration tests: the real server binary on 127.0.0.1 with a real
//! SQLite file, driven over HTTP and WebSocket.

mod api;
mod chat;
mod cli;
mod dispatch;
mod field;
mod identity;
mod lifecycle;
mod live;
mod mail;
mod mall;
mod perimeter;
mod postgres;
mod sessions;
mod sign_in;
mod transcript;
mod workbench;
mod ws;

/// The server binary under test.
fn bin() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_BIN_EXE_fieldesk-server"))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

/// A real PNG of `side`×`side` noisy pixels (noise does not compress).
pub fn png_image(side: u32, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let img = image::RgbImage::from_fn(side, side, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [a, b, c, _] = state.to_le_bytes();
        image::Rgb([a, b, c])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Runs `f` with a connection to the PostgreSQL database `url` (from a
/// plain test thread: its own runtime).
pub fn with_postgres<T, F, Fut>(url: &str, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce(tokio_postgres::Client) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = T>,
{
    let url = url.to_owned();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            f(client).await
        })
    })
    .join()
    .unwrap()
}
