//! `fieldesk-labels OUT.png TEXT...`: a printable sheet of QR labels (4 per
//! row), e.g. the serial numbers of a work order's devices, to try
//! scanning with real codes.

use fieldesk_scan::label_sheet;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(out), texts) = (args.next(), args.collect::<Vec<_>>()) else {
        eprintln!("usage: fieldesk-labels OUT.png TEXT...");
        std::process::exit(2);
    };
    if texts.is_empty() {
        eprintln!("usage: fieldesk-labels OUT.png TEXT...");
        std::process::exit(2);
    }
    let written = label_sheet(&texts, 4)
        .map_err(|e| e.to_string())
        .and_then(|sheet| sheet.save(&out).map_err(|e| e.to_string()));
    match written {
        Ok(()) => println!("{out}: {} labels", texts.len()),
        Err(e) => {
            eprintln!("{out}: {e}");
            std::process::exit(1);
        }
    }
}
