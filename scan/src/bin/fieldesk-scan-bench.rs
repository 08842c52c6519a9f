//! `cargo xtask bench scan`: reads the zxing-cpp sample photos (each with
//! its expected text) and times synthetic 1280×720 camera frames. Prints
//! the read rate per set, false positives, and decode times (p50/p95).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fieldesk_scan::{
    CodeFormat, DEFAULT_BUDGET, decode_bounded, decode_file_bytes, encode, to_gray,
};
use image::{DynamicImage, GrayImage};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn images(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|f| f.extension().is_some_and(|e| e == "png" || e == "jpg"));
    files.sort();
    files
}

fn main() {
    let samples = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("usage: fieldesk-scan-bench <zxing-samples dir>"),
    );
    let mut sets: Vec<PathBuf> = std::fs::read_dir(&samples)
        .expect("the samples dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    sets.sort();
    println!(
        "{:<18} {:>6} {:>6} {:>7} {:>9} {:>9}",
        "set", "images", "read", "rate", "p50 ms", "p95 ms"
    );
    let (mut all_images, mut all_read) = (0, 0);
    let mut all_times = vec![];
    for set in sets {
        let name = set.file_name().unwrap().to_string_lossy().to_string();
        let false_positives = name.starts_with("falsepositives");
        let (mut total, mut read) = (0, 0);
        let mut times = vec![];
        for image in images(&set) {
            let expected = std::fs::read(image.with_extension("txt")).ok();
            if expected.is_none() && !false_positives {
                continue; // .bin expectations (raw bytes) are not text codes
            }
            let bytes = std::fs::read(&image).expect("readable sample");
            let (result, took) = decode_file_bytes(&bytes, DEFAULT_BUDGET);
            times.push(took);
            total += 1;
            let ok = match (&result, &expected) {
                // zxing-cpp writes UPC-A as its 13-digit EAN form ("0" + 12).
                (Ok(d), Some(text)) if d.format == CodeFormat::UpcA => {
                    d.text.as_bytes() == text.as_slice()
                        || text.first() == Some(&b'0') && d.text.as_bytes() == &text[1..]
                }
                (Ok(d), Some(text)) => d.text.as_bytes() == text.as_slice(),
                (Err(_), None) => true,
                _ => false,
            };
            read += usize::from(ok);
        }
        times.sort();
        println!(
            "{name:<18} {total:>6} {read:>6} {:>6.1}% {:>9.1} {:>9.1}",
            100.0 * read as f64 / total.max(1) as f64,
            percentile(&times, 0.5),
            percentile(&times, 0.95)
        );
        if !false_positives {
            all_images += total;
            all_read += read;
            all_times.extend(times);
        }
    }
    all_times.sort();
    println!(
        "{:<18} {all_images:>6} {all_read:>6} {:>6.1}% {:>9.1} {:>9.1}",
        "all code sets",
        100.0 * all_read as f64 / all_images.max(1) as f64,
        percentile(&all_times, 0.5),
        percentile(&all_times, 0.95)
    );

    // Camera-sized frames: a QR label and a Code 128 serial in 1280×720.
    let mut frames = vec![];
    for (i, (text, format, w, h)) in [
        ("XG-1024 冷水机组", CodeFormat::QrCode, 220, 220),
        ("SN-2026-000481", CodeFormat::Code128, 420, 120),
    ]
    .into_iter()
    .enumerate()
    {
        let code = encode(text, format, w, h).expect("encodes");
        for k in 0..50i64 {
            let mut frame = GrayImage::from_pixel(1280, 720, image::Luma([230]));
            image::imageops::overlay(&mut frame, &code, 100 + k * 13 + i as i64 * 40, 60 + k * 8);
            frames.push((text, frame));
        }
    }
    let mut times = vec![];
    let mut read = 0;
    for (text, frame) in frames {
        let started = Instant::now();
        let gray = to_gray(&DynamicImage::ImageLuma8(frame));
        let result = decode_bounded(gray, DEFAULT_BUDGET);
        times.push(started.elapsed());
        read += usize::from(result.is_ok_and(|d| d.text == text));
    }
    times.sort();
    println!(
        "1280x720 frames     {:>6} {read:>6} {:>6.1}% {:>9.2} {:>9.2}",
        times.len(),
        100.0 * read as f64 / times.len() as f64,
        percentile(&times, 0.5),
        percentile(&times, 0.95)
    );
}
