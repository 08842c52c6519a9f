use super::*;

fn mail(lines: &[&str]) -> Vec<u8> {
    lines.join("\r\n").into_bytes()
}

#[test]
fn legacy_chinese_and_japanese_charsets_are_read_as_declared() {
    let raw = mail(&[
        "From: =?UTF-8?B?546L5bCP5piO?= <Wang@Customer.Test>",
        "To: support@support.test",
        "Subject: =?GB2312?B?udjT2rTy06G7+s6s0N4=?=",
        "Message-ID: <A1B2@customer.test>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=big5",
        "Content-Transfer-Encoding: base64",
        "",
        "sXqmbqFBpkyq7b73tUyqa7Z9vvehQb3QqPOnVaFD",
    ]);
    let p = parse(&raw, 1 << 20).unwrap();
    assert_eq!(p.subject, "关于打印机维修");
    assert_eq!(p.text.trim(), "您好，印表機無法開機，請協助。");
    assert_eq!(p.from, "wang@customer.test");
    assert_eq!(p.from_name.as_deref(), Some("王小明"));
    assert_eq!(p.message_id.as_deref(), Some("a1b2@customer.test"));
    assert_eq!(p.origin, Origin::Person);
    assert!(p.html.is_none(), "a text mail has no HTML");

    let jp = mail(&[
        "From: yamada@customer.test",
        "Subject: =?ISO-2022-JP?B?GyRCJVclaiVzJT8hPCROPSRNfRsoQg==?=",
        "Content-Type: text/plain; charset=utf-7",
        "",
        "Hi +ZeVnLIqe-",
    ]);
    let p = parse(&jp, 1 << 20).unwrap();
    assert_eq!(p.subject, "プリンターの修理");
    assert_eq!(p.text.trim(), "Hi 日本語");
    // GBK / GB18030 bodies too: "打印机卡纸" in GB18030, 8-bit.
    let gbk = [
        b"From: a@customer.test\r\nContent-Type: text/plain; charset=gb18030\r\n\r\n".as_slice(),
        &[0xB4, 0xF2, 0xD3, 0xA1, 0xBB, 0xFA, 0xBF, 0xA8, 0xD6, 0xBD],
    ]
    .concat();
    assert_eq!(parse(&gbk, 1 << 20).unwrap().text.trim(), "打印机卡纸");
}

#[test]
fn html_is_sanitized_and_remote_images_wait_for_the_reader() {
    let raw = mail(&[
        "From: a@customer.test",
        "Subject: html",
        "Content-Type: multipart/alternative; boundary=b",
        "",
        "--b",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "plain version",
        "--b",
        "Content-Type: text/html; charset=utf-8",
        "",
        "<p onclick=\"steal()\">Hello <b>there</b></p><script>alert(1)</script>",
        "<img src=\"https://tracker.example/pixel.gif\" alt=\"logo\"><img src=\"cid:part1@x\">",
        "<a href=\"javascript:alert(2)\">x</a><a href=\"https://ok.example/\">ok</a>",
        "<style>body{display:none}</style><iframe src=\"https://evil.example\"></iframe>",
        "--b--",
    ]);
    let p = parse(&raw, 1 << 20).unwrap();
    assert_eq!(p.text.trim(), "plain version");
    let html = p.html.unwrap();
    for gone in [
        "script",
        "alert(1)",
        "onclick",
        "javascript:",
        "iframe",
        "<style",
        "display:none",
    ] {
        assert!(!html.contains(gone), "{gone} left in {html}");
    }
    assert!(html.contains("<b>there</b>"));
    assert!(
        html.contains("data-remote-src=\"https://tracker.example/pixel.gif\""),
        "{html}"
    );
    assert!(
        !html.contains(" src=\"https://tracker"),
        "remote image not loaded: {html}"
    );
    assert!(html.contains("src=\"cid:part1@x\""), "{html}");
    assert!(html.contains("href=\"https://ok.example/\""));
}

#[test]
fn attachments_are_kept_by_hash_within_the_limit() {
    let raw = mail(&[
        "From: a@customer.test",
        "Subject: files",
        "Content-Type: multipart/mixed; boundary=m",
        "",
        "--m",
        "Content-Type: text/plain",
        "",
        "see attached",
        "--m",
        "Content-Type: application/pdf; name=\"=?UTF-8?B?5oql5Lu3LnBkZg==?=\"",
        "Content-Disposition: attachment",
        "Content-Transfer-Encoding: base64",
        "",
        "JVBERi0xLjQK",
        "--m",
        "Content-Type: application/octet-stream; name=big.bin",
        "Content-Disposition: attachment",
        "",
        "0123456789012345678901234567890123456789",
        "--m--",
    ]);
    let p = parse(&raw, 32).unwrap();
    assert_eq!(p.attachments.len(), 1, "the 40-byte one is over the limit");
    let a = &p.attachments[0];
    assert_eq!(a.filename, "报价.pdf");
    assert_eq!(a.content_type, "application/pdf");
    assert_eq!(a.bytes, b"%PDF-1.4\n");
    assert_eq!(a.sha256, sha256(b"%PDF-1.4\n"));
}

#[test]
fn threading_headers_auto_replies_and_bounces() {
    let raw = mail(&[
        "From: a@customer.test",
        "To: Support <support+c7-abc@support.test>, b@customer.test",
        "Cc: c@customer.test",
        "Delivered-To: support@support.test",
        "Subject: Re: hi",
        "In-Reply-To: <fd.1.c7.x@support.test>",
        "References: <first@support.test>\r\n <fd.1.c7.x@support.test>",
        "Auto-Submitted: auto-replied",
        "",
        "I am out of office",
    ]);
    let p = parse(&raw, 1 << 20).unwrap();
    assert_eq!(p.in_reply_to, vec!["fd.1.c7.x@support.test"]);
    assert_eq!(
        p.references,
        vec!["first@support.test", "fd.1.c7.x@support.test"]
    );
    assert_eq!(p.to, vec!["support+c7-abc@support.test", "b@customer.test"]);
    assert_eq!(p.cc, vec!["c@customer.test"]);
    assert_eq!(p.delivered_to, vec!["support@support.test"]);
    assert_eq!(p.origin, Origin::AutoReply);
    assert!(
        p.incoming()
            .recipients
            .contains(&"support@support.test".to_owned())
    );

    let dsn = mail(&[
        "From: MAILER-DAEMON@customer.test",
        "To: support@support.test",
        "Subject: Undelivered Mail Returned to Sender",
        "Content-Type: multipart/report; report-type=delivery-status; boundary=r",
        "",
        "--r",
        "Content-Type: text/plain",
        "",
        "The mail could not be delivered.",
        "--r",
        "Content-Type: message/delivery-status",
        "",
        "Final-Recipient: rfc822; nobody@customer.test",
        "Action: failed",
        "--r",
        "Content-Type: text/rfc822-headers",
        "",
        "From: support@support.test",
        "Message-ID: <fd.9.c3.abc@support.test>",
        "Subject: Your repair",
        "--r--",
    ]);
    let p = parse(&dsn, 1 << 20).unwrap();
    assert_eq!(p.origin, Origin::Bounce);
    assert_eq!(p.bounce_of.as_deref(), Some("fd.9.c3.abc@support.test"));
}

#[test]
fn what_cannot_be_read_says_why() {
    assert_eq!(parse(b"", 1024), Err(ParseError::NotMail));
    assert_eq!(
        parse(b"Subject: no sender\r\n\r\nbody", 1024),
        Err(ParseError::NoSender)
    );
    assert_eq!(
        parse(b"From: not an address\r\nSubject: x\r\n\r\nbody", 1024),
        Err(ParseError::NoSender)
    );
}
