//! Mail no person wrote: auto-replies (out of office, "we received your
//! message") and bounces (delivery status notifications). An auto-reply is
//! kept in its conversation but starts nothing (no notification, no
//! reopening, no answer of ours — answering one starts mail loops); a
//! bounce marks the message of ours it refers to as failed.

/// The headers that tell. Values as written, any case.
#[derive(Debug, Clone, Default)]
pub struct Signals<'a> {
    pub from: &'a str,
    /// `Auto-Submitted` (RFC 3834).
    pub auto_submitted: Option<&'a str>,
    /// `Precedence` (de facto: `bulk`, `junk`, `list`, `auto_reply`).
    pub precedence: Option<&'a str>,
    /// `X-Autoreply` or `X-Autorespond` present.
    pub x_autoreply: bool,
    /// The top-level content type, e.g. `multipart/report;
    /// report-type=delivery-status`.
    pub content_type: Option<&'a str>,
}

/// Who wrote a mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Person,
    AutoReply,
    Bounce,
}

fn is_bounce_sender(from: &str) -> bool {
    let local = super::address::normalize(from);
    let local = local.split('@').next().unwrap_or("");
    matches!(local, "mailer-daemon" | "postmaster" | "mail-daemon")
}

/// Bounces first (a DSN is often also `Auto-Submitted: auto-replied`).
pub fn classify(s: &Signals) -> Origin {
    let content_type = s.content_type.unwrap_or("").to_ascii_lowercase();
    let report =
        content_type.starts_with("multipart/report") && content_type.contains("delivery-status");
    if report || (is_bounce_sender(s.from) && content_type.starts_with("multipart/")) {
        return Origin::Bounce;
    }
    let auto_submitted = s
        .auto_submitted
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| !v.is_empty() && !v.starts_with("no"));
    let precedence = s
        .precedence
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list" | "auto_reply"));
    if auto_submitted || precedence || s.x_autoreply || is_bounce_sender(s.from) {
        Origin::AutoReply
    } else {
        Origin::Person
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(from: &str) -> Signals<'_> {
        Signals {
            from,
            ..Default::default()
        }
    }

    #[test]
    fn people_are_people() {
        assert_eq!(classify(&from("wang@example.cn")), Origin::Person);
        let s = Signals {
            auto_submitted: Some("no"),
            precedence: Some("normal"),
            content_type: Some("multipart/alternative"),
            ..from("wang@example.cn")
        };
        assert_eq!(classify(&s), Origin::Person);
    }

    #[test]
    fn auto_replies_are_told_by_any_of_their_headers() {
        for s in [
            Signals {
                auto_submitted: Some("auto-replied"),
                ..from("wang@example.cn")
            },
            Signals {
                auto_submitted: Some("Auto-Generated"),
                ..from("wang@example.cn")
            },
            Signals {
                precedence: Some("bulk"),
                ..from("wang@example.cn")
            },
            Signals {
                precedence: Some(" auto_reply "),
                ..from("wang@example.cn")
            },
            Signals {
                x_autoreply: true,
                ..from("wang@example.cn")
            },
        ] {
            assert_eq!(classify(&s), Origin::AutoReply, "{s:?}");
        }
    }

    #[test]
    fn bounces_are_delivery_reports_or_the_daemon_s_multipart_mail() {
        let dsn = Signals {
            content_type: Some("multipart/report; report-type=delivery-status; boundary=x"),
            auto_submitted: Some("auto-replied"),
            ..from("MAILER-DAEMON@mail.example.com (Mail Delivery System)")
        };
        assert_eq!(classify(&dsn), Origin::Bounce);
        let old_style = Signals {
            content_type: Some("multipart/mixed"),
            ..from("Mail Delivery System <mailer-daemon@example.com>")
        };
        assert_eq!(classify(&old_style), Origin::Bounce);
        // The daemon's plain notice is automatic, not a bounce we can read.
        assert_eq!(classify(&from("postmaster@example.com")), Origin::AutoReply);
    }
}
