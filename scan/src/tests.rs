//! A corpus made here with rxing's own encoder, then spoiled the way
//! camera frames are: rotated, blurred, noisy, low contrast, small, in a
//! large frame. Hostile images must come back within the time bound.

use super::*;

/// Deterministic noise (xorshift), so failures repeat.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 24) as u8
    }
}

/// `code` pasted into a light gray 1280×720 frame at (x, y).
fn in_frame(code: &GrayImage, x: i64, y: i64) -> GrayImage {
    let mut frame = GrayImage::from_pixel(1280, 720, image::Luma([235]));
    image::imageops::overlay(&mut frame, code, x, y);
    frame
}

fn noisy(image: &GrayImage, amount: i16, seed: u64) -> GrayImage {
    let mut noise = Noise(seed);
    let mut out = image.clone();
    for p in out.pixels_mut() {
        let delta = i16::from(noise.next()) % (2 * amount + 1) - amount;
        p.0[0] = (i16::from(p.0[0]) + delta).clamp(0, 255) as u8;
    }
    out
}

fn low_contrast(image: &GrayImage) -> GrayImage {
    let mut out = image.clone();
    for p in out.pixels_mut() {
        p.0[0] = 100 + (u16::from(p.0[0]) * 60 / 255) as u8;
    }
    out
}

fn corpus() -> Vec<(&'static str, CodeFormat, String, GrayImage)> {
    let qr = |t: &str| encode(t, CodeFormat::QrCode, 240, 240).unwrap();
    let code128 = encode("SN-2026-000481", CodeFormat::Code128, 420, 120).unwrap();
    let ean13 = encode("6901234567892", CodeFormat::Ean13, 300, 120).unwrap();
    let dm = encode("ASSET-88210", CodeFormat::DataMatrix, 160, 160).unwrap();
    let code39 = encode("PUMP-7", CodeFormat::Code39, 360, 120).unwrap();
    let chinese = "设备编号：XG-1024 冷水机组";
    let base = qr(chinese);
    let mut cases = vec![
        (
            "qr chinese",
            CodeFormat::QrCode,
            chinese.to_owned(),
            base.clone(),
        ),
        (
            "qr in frame",
            CodeFormat::QrCode,
            chinese.to_owned(),
            in_frame(&base, 700, 300),
        ),
        (
            "qr rotated 90",
            CodeFormat::QrCode,
            chinese.to_owned(),
            image::imageops::rotate90(&in_frame(&base, 200, 100)),
        ),
        (
            "qr blurred",
            CodeFormat::QrCode,
            chinese.to_owned(),
            image::imageops::blur(&in_frame(&base, 500, 200), 1.2),
        ),
        (
            "qr noisy",
            CodeFormat::QrCode,
            chinese.to_owned(),
            noisy(&in_frame(&base, 100, 400), 40, 7),
        ),
        (
            "qr low contrast",
            CodeFormat::QrCode,
            chinese.to_owned(),
            low_contrast(&in_frame(&base, 900, 50)),
        ),
        (
            "qr small",
            CodeFormat::QrCode,
            "SN-1".to_owned(),
            in_frame(
                &encode("SN-1", CodeFormat::QrCode, 60, 60).unwrap(),
                600,
                330,
            ),
        ),
        (
            "code128 in frame",
            CodeFormat::Code128,
            "SN-2026-000481".into(),
            in_frame(&code128, 300, 300),
        ),
        (
            "ean13 noisy",
            CodeFormat::Ean13,
            "6901234567892".into(),
            noisy(&in_frame(&ean13, 400, 200), 25, 11),
        ),
        (
            "data matrix",
            CodeFormat::DataMatrix,
            "ASSET-88210".into(),
            in_frame(&dm, 560, 280),
        ),
        (
            "code39",
            CodeFormat::Code39,
            "PUMP-7".into(),
            in_frame(&code39, 100, 100),
        ),
    ];
    cases.push((
        "upscaled huge",
        CodeFormat::QrCode,
        chinese.to_owned(),
        image::imageops::resize(&base, 4000, 4000, image::imageops::FilterType::Nearest),
    ));
    cases
}

#[test]
fn reads_generated_codes_in_spoiled_frames() {
    let mut failures = vec![];
    for (name, format, text, image) in corpus() {
        let gray = to_gray(&DynamicImage::ImageLuma8(image));
        match decode_bounded(gray, Duration::from_secs(20)) {
            Ok(d) if d.format == format && d.text == text => {}
            other => failures.push(format!("{name}: {other:?}")),
        }
    }
    assert!(failures.is_empty(), "not read: {failures:#?}");
}

#[test]
fn blank_and_noise_find_nothing_within_the_bound() {
    let blank = GrayImage::from_pixel(1280, 720, image::Luma([255]));
    assert_eq!(decode_gray(&blank), Err(ScanError::NotFound));
    let mut noise = Noise(42);
    let random = GrayImage::from_fn(1280, 720, |_, _| image::Luma([noise.next()]));
    let started = Instant::now();
    let result = decode_bounded(random, Duration::from_secs(10));
    assert!(
        matches!(result, Err(ScanError::NotFound | ScanError::TimedOut(_))),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(11));
}

#[test]
fn a_deadline_is_a_deadline() {
    // Even a readable frame is given up on when its budget runs out: a
    // full-HD frame takes milliseconds, the budget is a microsecond.
    let code = encode("X", CodeFormat::QrCode, 200, 200).unwrap();
    let mut frame = GrayImage::from_pixel(1920, 1080, image::Luma([255]));
    image::imageops::overlay(&mut frame, &code, 860, 440);
    let budget = Duration::from_micros(1);
    let started = Instant::now();
    let result = decode_bounded(frame, budget);
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(result, Err(ScanError::TimedOut(budget)));
}

#[test]
fn binary_payloads_are_refused() {
    let image = encode("\u{1}\u{2}binary\u{3}", CodeFormat::QrCode, 240, 240).unwrap();
    assert_eq!(decode_gray(&image), Err(ScanError::BinaryPayload));
}

#[test]
fn files_are_loaded_with_limits() {
    assert!(matches!(
        load(b"not an image"),
        Err(ScanError::UnreadableImage(_))
    ));
    assert_eq!(
        load(&vec![0u8; MAX_FILE_BYTES + 1]),
        Err(ScanError::TooLarge)
    );
    let mut png = Vec::new();
    DynamicImage::ImageLuma8(encode("PNG-1", CodeFormat::QrCode, 200, 200).unwrap())
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let (result, _) = decode_file_bytes(&png, DEFAULT_BUDGET);
    assert_eq!(
        result,
        Ok(Decoded {
            format: CodeFormat::QrCode,
            text: "PNG-1".into()
        })
    );
}

#[test]
fn every_label_on_a_sheet_reads_back() {
    let texts: Vec<String> = (1..=7).map(|i| format!("SN-2026-{i:04}")).collect();
    let sheet = label_sheet(&texts, 4).unwrap();
    assert_eq!(sheet.dimensions(), (4 * LABEL_CELL, 2 * LABEL_CELL));
    for (i, text) in texts.iter().enumerate() {
        let (x, y) = ((i as u32 % 4) * LABEL_CELL, (i as u32 / 4) * LABEL_CELL);
        let cell = image::imageops::crop_imm(&sheet, x, y, LABEL_CELL, LABEL_CELL).to_image();
        assert_eq!(
            decode_gray(&cell).map(|d| d.text),
            Ok(text.clone()),
            "label {i}"
        );
    }
}
