//! Scan (扫一扫): reads device QR codes and barcodes from camera frames or
//! image files with rxing — QR, Data Matrix, Code 128, Code 39, EAN-13/8,
//! UPC-A and ITF — and writes QR labels.
//!
//! Decoding is bounded: images are scaled down to [`MAX_SIDE`] first, and
//! [`decode_bounded`] gives up after a deadline (a decoder may spin on a
//! hostile image), on a worker thread, never on the caller's.

use std::collections::HashSet;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use image::{DynamicImage, GrayImage};
use rxing::{BarcodeFormat, DecodeHints, Exceptions};
use serde::{Deserialize, Serialize};

/// Longer sides are scaled down to this many pixels before decoding.
pub const MAX_SIDE: u32 = 1920;
/// Files larger than this are refused before decoding.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// The default time a frame may take.
pub const DEFAULT_BUDGET: Duration = Duration::from_millis(1500);

/// The code kinds Fieldesk reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeFormat {
    QrCode,
    DataMatrix,
    Code128,
    Code39,
    Ean13,
    Ean8,
    UpcA,
    Itf,
}

impl CodeFormat {
    pub const ALL: [CodeFormat; 8] = [
        CodeFormat::QrCode,
        CodeFormat::DataMatrix,
        CodeFormat::Code128,
        CodeFormat::Code39,
        CodeFormat::Ean13,
        CodeFormat::Ean8,
        CodeFormat::UpcA,
        CodeFormat::Itf,
    ];

    fn rxing(self) -> BarcodeFormat {
        match self {
            CodeFormat::QrCode => BarcodeFormat::QR_CODE,
            CodeFormat::DataMatrix => BarcodeFormat::DATA_MATRIX,
            CodeFormat::Code128 => BarcodeFormat::CODE_128,
            CodeFormat::Code39 => BarcodeFormat::CODE_39,
            CodeFormat::Ean13 => BarcodeFormat::EAN_13,
            CodeFormat::Ean8 => BarcodeFormat::EAN_8,
            CodeFormat::UpcA => BarcodeFormat::UPC_A,
            CodeFormat::Itf => BarcodeFormat::ITF,
        }
    }

    fn from_rxing(format: &BarcodeFormat) -> Option<CodeFormat> {
        CodeFormat::ALL.into_iter().find(|f| f.rxing() == *format)
    }
}

/// A code read from an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decoded {
    pub format: CodeFormat,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("no code found")]
    NotFound,
    /// The code holds bytes, not text.
    #[error("the code does not hold text")]
    BinaryPayload,
    #[error("decoding took longer than {0:?}")]
    TimedOut(Duration),
    #[error("the image cannot be read: {0}")]
    UnreadableImage(String),
    #[error("the image is larger than {MAX_FILE_BYTES} bytes")]
    TooLarge,
}

fn hints() -> DecodeHints {
    DecodeHints {
        PossibleFormats: Some(
            CodeFormat::ALL
                .iter()
                .map(|f| f.rxing())
                .collect::<HashSet<_>>(),
        ),
        TryHarder: Some(true),
        ..DecodeHints::default()
    }
}

/// Whether decoded text is text: no control characters but tab and line
/// breaks (binary payloads come out as such characters).
fn is_text(text: &str) -> bool {
    !text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
}

/// Scales an image so its longer side is at most [`MAX_SIDE`], as 8-bit gray.
pub fn to_gray(image: &DynamicImage) -> GrayImage {
    let (w, h) = (image.width(), image.height());
    let gray = image.to_luma8();
    if w.max(h) <= MAX_SIDE {
        return gray;
    }
    let scale = f64::from(MAX_SIDE) / f64::from(w.max(h));
    let (nw, nh) = (
        ((f64::from(w) * scale) as u32).max(1),
        ((f64::from(h) * scale) as u32).max(1),
    );
    image::imageops::resize(&gray, nw, nh, image::imageops::FilterType::Triangle)
}

/// Decodes one code from a gray image, on the calling thread.
pub fn decode_gray(gray: &GrayImage) -> Result<Decoded, ScanError> {
    let (w, h) = gray.dimensions();
    if w == 0 || h == 0 {
        return Err(ScanError::UnreadableImage("empty image".into()));
    }
    let result =
        rxing::helpers::detect_in_luma_with_hints(gray.as_raw().clone(), w, h, None, &mut hints())
            .map_err(|e| match e {
                Exceptions::NotFoundException(_)
                | Exceptions::ChecksumException(_)
                | Exceptions::FormatException(_) => ScanError::NotFound,
                other => ScanError::UnreadableImage(other.to_string()),
            })?;
    let format = CodeFormat::from_rxing(result.getBarcodeFormat()).ok_or(ScanError::NotFound)?;
    let text = result.getText();
    if !is_text(text) {
        return Err(ScanError::BinaryPayload);
    }
    Ok(Decoded {
        format,
        text: text.to_owned(),
    })
}

/// Loads an image file's bytes (PNG or JPEG), refusing oversize input.
pub fn load(bytes: &[u8]) -> Result<DynamicImage, ScanError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ScanError::TooLarge);
    }
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ScanError::UnreadableImage(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    reader
        .decode()
        .map_err(|e| ScanError::UnreadableImage(e.to_string()))
}

/// Decodes on a worker thread and gives up after `budget`. A decoder that
/// runs over finishes in the background; its answer is dropped.
pub fn decode_bounded(gray: GrayImage, budget: Duration) -> Result<Decoded, ScanError> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("fieldesk-scan".into())
        .spawn(move || {
            let _ = tx.send(decode_gray(&gray));
        })
        .map_err(|e| ScanError::UnreadableImage(e.to_string()))?;
    rx.recv_timeout(budget)
        .map_err(|_| ScanError::TimedOut(budget))?
}

/// Reads a file's bytes, scales, and decodes within `budget`; returns the
/// result and the time it took.
pub fn decode_file_bytes(bytes: &[u8], budget: Duration) -> (Result<Decoded, ScanError>, Duration) {
    let started = Instant::now();
    let result = load(bytes).and_then(|image| decode_bounded(to_gray(&image), budget));
    (result, started.elapsed())
}

/// A code of `format` for `text`, about `width` × `height` pixels with a quiet zone.
pub fn encode(
    text: &str,
    format: CodeFormat,
    width: u32,
    height: u32,
) -> Result<GrayImage, ScanError> {
    use rxing::Writer;
    let matrix = rxing::MultiFormatWriter
        .encode(text, &format.rxing(), width as i32, height as i32)
        .map_err(|e| ScanError::UnreadableImage(e.to_string()))?;
    let image: DynamicImage = (&matrix).into();
    Ok(image.to_luma8())
}

/// One label cell on a sheet, in pixels (a QR code with its margin).
pub const LABEL_CELL: u32 = 300;

/// A printable sheet of QR labels, `columns` per row, in the order given
/// (A4 at 150 dpi holds 4 × 5). Each cell is [`LABEL_CELL`] pixels square.
pub fn label_sheet(texts: &[String], columns: u32) -> Result<GrayImage, ScanError> {
    let columns = columns.max(1);
    let rows = (texts.len() as u32).div_ceil(columns).max(1);
    let mut sheet =
        GrayImage::from_pixel(columns * LABEL_CELL, rows * LABEL_CELL, image::Luma([255]));
    for (i, text) in texts.iter().enumerate() {
        let code = encode(text, CodeFormat::QrCode, LABEL_CELL - 40, LABEL_CELL - 40)?;
        let (col, row) = (i as u32 % columns, i as u32 / columns);
        image::imageops::overlay(
            &mut sheet,
            &code,
            i64::from(col * LABEL_CELL + 20),
            i64::from(row * LABEL_CELL + 20),
        );
    }
    Ok(sheet)
}

/// [`label_sheet`] as PNG bytes.
pub fn label_sheet_png(texts: &[String], columns: u32) -> Result<Vec<u8>, ScanError> {
    let sheet = label_sheet(texts, columns)?;
    let mut png = Vec::new();
    sheet
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| ScanError::UnreadableImage(e.to_string()))?;
    Ok(png)
}

#[cfg(test)]
mod tests;
