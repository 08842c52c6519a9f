//! A real mail server on loopback for the email channel's tests and the
//! demo: Postfix (customer-side SMTP on :2525, authenticated submission on
//! :1587) and Dovecot (IMAP with IDLE on :1143), virtual mailboxes in a
//! password file, and no delivery off the machine (`default_transport =
//! error:…`). The recipe is `../shared/RECIPE.md`'s, verified on these
//! machines. Needs root (CI and the dev VMs are); otherwise says what to
//! run.

use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::shell;

/// The ports the tests and the demo use (see `fieldesk_testkit::mail`).
pub const SMTP_PORT: u16 = 2525;
pub const SUBMISSION_PORT: u16 = 1587;
pub const IMAP_PORT: u16 = 1143;
/// Mailboxes, one `address:{PLAIN}password` per line; a new line works
/// without a restart (tests add their own).
pub const USERS_FILE: &str = "/etc/dovecot/fieldesk-users";
/// The domains the server keeps mail for; everything else is refused.
pub const DOMAINS: &str = "support.test customer.test globex.test";

pub const PACKAGES: &[&str] = &["postfix", "dovecot-imapd", "dovecot-lmtpd"];

/// The demo tenant's service mailbox and a customer to write from.
const DEMO_USERS: &str = "support@support.test:{PLAIN}support-demo\n\
                          customer@customer.test:{PLAIN}customer-demo\n";

const DOVECOT: &str = r#"# Fieldesk's loopback mail server (cargo xtask setup).
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:/var/mail/vhosts/%d/%n
mail_uid = vmail
mail_gid = vmail
first_valid_uid = 5000
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u /etc/dovecot/fieldesk-users
}
userdb {
  driver = static
  args = uid=vmail gid=vmail home=/var/mail/vhosts/%d/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = 1143
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  unix_listener /var/spool/postfix/private/dovecot-lmtp {
    mode = 0600
    user = postfix
    group = postfix
  }
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
"#;

fn postfix_main() -> String {
    format!(
        "# Fieldesk's loopback mail server (cargo xtask setup).
compatibility_level = 3.6
myhostname = mail.fieldesk.test
mydestination = localhost
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
virtual_mailbox_domains = {DOMAINS}
virtual_transport = lmtp:unix:private/dovecot-lmtp
# Never deliver off the machine.
default_transport = error:external delivery disabled
relay_transport = error:external delivery disabled
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = yes
smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated reject_unauth_destination
message_size_limit = 52428800
mailbox_size_limit = 0
maillog_file = /var/log/postfix.log
"
    )
}

fn listening(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(300)).is_ok()
}

fn all_listening() -> bool {
    [SMTP_PORT, SUBMISSION_PORT, IMAP_PORT]
        .into_iter()
        .all(listening)
}

fn sh(script: &str) -> anyhow::Result<()> {
    shell::run(Command::new("sh").args(["-ec", script]))
}

/// Starts the daemons with no inherited stdio: they outlive this process
/// and would hold its callers' pipes open (a `| tail` never ending).
fn start_daemons() -> anyhow::Result<()> {
    use std::process::Stdio;
    let status = Command::new("sh")
        .args([
            "-ec",
            "postfix stop >/dev/null 2>&1 || true
             doveadm stop >/dev/null 2>&1 || true
             dovecot
             postfix start",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("starting postfix and dovecot")?;
    if !status.success() {
        bail!("postfix/dovecot did not start ({status}); see /var/log/postfix.log");
    }
    Ok(())
}

/// Installs, configures and starts the server unless it already answers.
pub fn ensure() -> anyhow::Result<()> {
    if all_listening() {
        println!("mail server on 127.0.0.1:{SMTP_PORT}/{SUBMISSION_PORT}/{IMAP_PORT}");
        return Ok(());
    }
    let missing: Vec<&str> = PACKAGES
        .iter()
        .copied()
        .filter(|p| !crate::setup::installed(p))
        .collect();
    if !missing.is_empty() {
        if crate::setup::is_root() {
            // "No configuration": the files below are the whole config.
            sh("echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
                echo 'postfix postfix/mailname string mail.fieldesk.test' | debconf-set-selections")?;
        }
        crate::setup::install(&missing)?;
    }
    if !crate::setup::is_root() {
        bail!("the mail server needs root to configure and start (see ../shared/RECIPE.md)");
    }
    configure()?;
    // Stopped first: stale pids from an earlier boot stop both starting.
    start_daemons()?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !all_listening() {
        if Instant::now() > deadline {
            bail!(
                "the mail server did not come up; see /var/log/postfix.log and `doveadm log errors`"
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    println!("mail server started on 127.0.0.1:{SMTP_PORT}/{SUBMISSION_PORT}/{IMAP_PORT}");
    Ok(())
}

fn configure() -> anyhow::Result<()> {
    sh("getent group vmail >/dev/null || groupadd -g 5000 vmail
        id vmail >/dev/null 2>&1 || useradd -u 5000 -g vmail -d /var/mail/vhosts -M -s /usr/sbin/nologin vmail
        install -d -o vmail -g vmail /var/mail/vhosts
        sed -i 's/^!include auth-system.conf.ext/#!include auth-system.conf.ext/' /etc/dovecot/conf.d/10-auth.conf")?;
    std::fs::write("/etc/dovecot/local.conf", DOVECOT).context("writing dovecot's local.conf")?;
    if !std::path::Path::new(USERS_FILE).exists() {
        std::fs::write(USERS_FILE, DEMO_USERS).context("writing the mailbox users")?;
    }
    std::fs::write("/etc/postfix/main.cf", postfix_main()).context("writing postfix's main.cf")?;
    let dist = std::fs::read_to_string("/usr/share/postfix/master.cf.dist")
        .context("postfix's master.cf.dist")?;
    let mut master = String::new();
    for line in dist.lines() {
        // The customer side: plain SMTP on 2525 instead of 25.
        if let Some(rest) = line.strip_prefix("smtp      inet") {
            master.push_str(&format!("{SMTP_PORT}      inet{rest}\n"));
        } else {
            master.push_str(line);
            master.push('\n');
        }
    }
    master.push_str(&format!(
        "{SUBMISSION_PORT} inet n - y - - smtpd -o smtpd_sasl_auth_enable=yes \
         -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject\n"
    ));
    std::fs::write("/etc/postfix/master.cf", master).context("writing postfix's master.cf")?;
    Ok(())
}
