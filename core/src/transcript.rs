//! A chat's transcript by email: the visitor asks for it in the chat
//! window, to an address of their choice. The rules of who may have how
//! many, and the text the mail carries, live here once.
//!
//! A transcript is not an email conversation: it carries no reply token,
//! no ticket tag and no Message-ID of ours, so a reply to it starts a new
//! email conversation instead of joining the chat.

use crate::ErrorCode;
use crate::business_hours::LocalDate;
use crate::chat::{Author, ChatMessage};
use crate::email::address;

/// Transcripts one conversation may have mailed (the window is anonymous:
/// it must not become a way to send mail to anyone, again and again). The
/// store counts them in the transaction that queues one.
pub const MAX_PER_CONVERSATION: u32 = 3;

/// The address to mail the transcript to, normalized, if it is one.
pub fn check(to: &str) -> Result<String, ErrorCode> {
    let to = address::normalize(to);
    if address::is_valid(&to) {
        Ok(to)
    } else {
        Err(ErrorCode::InvalidEmail)
    }
}

/// The words of the transcript, in the conversation's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    /// The visitor ("You").
    pub visitor: String,
    /// The AI agent.
    pub bot: String,
    /// The tenant's offset from UTC in minutes (its business hours' zone;
    /// 0 when it has none).
    pub utc_offset_minutes: i32,
}

/// `UTC+08:00` for +480.
pub fn zone(utc_offset_minutes: i32) -> String {
    let sign = if utc_offset_minutes < 0 { '-' } else { '+' };
    let m = utc_offset_minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

/// `2026-12-07 19:40` at `unix` seconds in the zone.
pub fn local_time(unix: i64, utc_offset_minutes: i32) -> String {
    let date = LocalDate::at(unix, utc_offset_minutes);
    let minute = (unix + i64::from(utc_offset_minutes) * 60).rem_euclid(86_400) / 60;
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        date.year,
        date.month,
        date.day,
        minute / 60,
        minute % 60
    )
}

/// One line per message, oldest first: time, who, and the text (its
/// lines indented under the first). System notices stand in brackets.
pub fn render(messages: &[ChatMessage], labels: &Labels) -> String {
    let mut out = String::new();
    for m in messages {
        let at = local_time(m.created_at, labels.utc_offset_minutes);
        let who = match &m.author {
            Author::Visitor => Some(labels.visitor.as_str()),
            Author::Bot => Some(labels.bot.as_str()),
            Author::Agent { name, .. } => Some(name.as_str()),
            Author::System => None,
        };
        let mut lines = m.body.lines();
        let first = lines.next().unwrap_or_default();
        match who {
            Some(who) => out.push_str(&format!("{at}  {who}: {first}\n")),
            None => out.push_str(&format!("{at}  [{first}")),
        }
        for line in lines {
            out.push_str("    ");
            out.push_str(line);
            out.push('\n');
        }
        if who.is_none() {
            // Close the bracket after the notice's last line.
            if out.ends_with('\n') {
                out.pop();
            }
            out.push_str("]\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Locale;

    fn message(id: i64, author: Author, body: &str, at: i64) -> ChatMessage {
        ChatMessage {
            id,
            conversation_id: 7,
            client_id: None,
            author,
            body: body.into(),
            locale: Locale::ZhCn,
            references: vec![],
            ai_generated: false,
            notice: None,
            created_at: at,
        }
    }

    fn labels(offset: i32) -> Labels {
        Labels {
            visitor: "您".into(),
            bot: "智能客服".into(),
            utc_offset_minutes: offset,
        }
    }

    #[test]
    fn addresses_are_normalized_and_checked() {
        assert_eq!(check(" Li.Lei@Example.CN "), Ok("li.lei@example.cn".into()));
        assert_eq!(check("Li <li@example.cn>"), Ok("li@example.cn".into()));
        for bad in [
            "",
            "li",
            "li@",
            "li@localhost",
            "a b@example.cn",
            "13800138000",
        ] {
            assert_eq!(check(bad), Err(ErrorCode::InvalidEmail), "{bad:?}");
        }
    }

    #[test]
    fn times_are_in_the_tenants_zone() {
        // 2026-12-07 19:40 UTC.
        let t = 1_796_601_600 + 19 * 3600 + 40 * 60;
        assert_eq!(local_time(t, 0), "2026-12-07 19:40");
        assert_eq!(local_time(t, 480), "2026-12-08 03:40");
        assert_eq!(local_time(t, -300), "2026-12-07 14:40");
        assert_eq!(zone(480), "UTC+08:00");
        assert_eq!(zone(-570), "UTC-09:30");
        assert_eq!(zone(0), "UTC+00:00");
    }

    #[test]
    fn each_message_is_a_line_with_its_time_and_author() {
        let t = 1_796_601_600;
        let text = render(
            &[
                message(1, Author::Visitor, "打印机无法开机", t),
                message(2, Author::Bot, "请先检查电源。\n然后重启。", t + 60),
                message(3, Author::System, "正在为您转接人工客服", t + 61),
                message(
                    4,
                    Author::Agent {
                        user_id: 3,
                        name: "王芳".into(),
                    },
                    "您好，我来帮您",
                    t + 125,
                ),
            ],
            &labels(480),
        );
        assert_eq!(
            text,
            "2026-12-07 08:00  您: 打印机无法开机\n\
             2026-12-07 08:01  智能客服: 请先检查电源。\n    然后重启。\n\
             2026-12-07 08:01  [正在为您转接人工客服]\n\
             2026-12-07 08:02  王芳: 您好，我来帮您\n"
        );
    }

    #[test]
    fn nothing_said_is_an_empty_transcript() {
        assert_eq!(render(&[], &labels(0)), "");
    }
}
