//! `fieldesk-decode` on real files: one JSON line per file, exit 1 when
//! any file could not be read.

use std::process::Command;

use fieldesk_scan::{CodeFormat, encode};
use image::DynamicImage;
use serde_json::Value;

#[test]
fn prints_one_json_line_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let label = dir.path().join("label.png");
    DynamicImage::ImageLuma8(encode("XG-1024", CodeFormat::QrCode, 240, 240).unwrap())
        .save(&label)
        .unwrap();
    let barcode = dir.path().join("serial.png");
    DynamicImage::ImageLuma8(encode("SN-000481", CodeFormat::Code128, 400, 120).unwrap())
        .save(&barcode)
        .unwrap();
    let garbage = dir.path().join("notes.txt");
    std::fs::write(&garbage, "not an image").unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_fieldesk-decode"))
        .args([&label, &barcode, &garbage])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "one file failed");
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["format"], "qr_code");
    assert_eq!(lines[0]["text"], "XG-1024");
    assert!(lines[0]["ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(lines[1]["format"], "code128");
    assert_eq!(lines[1]["text"], "SN-000481");
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .contains("cannot be read")
    );
}

#[test]
fn a_label_sheet_decodes_with_the_decoder() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("labels.png");
    let made = Command::new(env!("CARGO_BIN_EXE_fieldesk-labels"))
        .arg(&sheet)
        .arg("XG-1024")
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_fieldesk-decode"))
        .arg(&sheet)
        .output()
        .unwrap();
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["text"], "XG-1024");
}
