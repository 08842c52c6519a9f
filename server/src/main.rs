//! `fieldesk-server`: serve the API, and manage tenants and users in the
//! same data dir.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use fieldesk_core::password_policy::{self, Weakness};
use fieldesk_core::security::SecurityEventKind;
use fieldesk_core::{Locale, Role};
use fieldesk_server::auth::{check_new_password, hash_password};
use fieldesk_server::chat::presence::VisitorLimits;
use fieldesk_server::perimeter::{self, Limits};
use fieldesk_server::secret_box::SecretBox;
use fieldesk_server::state::Settings;
use fieldesk_server::store::database::Database;
use fieldesk_server::store::security::NewSecurityEvent;
use fieldesk_server::store::{NewUser, Store};
use fieldesk_server::{demo, serve};

#[derive(Parser)]
#[command(name = "fieldesk-server", version, about = "The Fieldesk server")]
struct Cli {
    /// Where the server keeps its key (`secret.key`) and, unless
    /// `--database` says otherwise, its SQLite database.
    #[arg(
        long,
        global = true,
        env = "FIELDESK_DATA_DIR",
        default_value = "fieldesk-data"
    )]
    data_dir: PathBuf,
    /// The database: a SQLite file path (default: `fieldesk.sqlite3` in the
    /// data dir) or `postgres://USER[:PASSWORD]@HOST:PORT/DB`.
    #[arg(long, global = true, env = "FIELDESK_DATABASE_URL")]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the REST and WebSocket API.
    Serve {
        #[arg(long, env = "FIELDESK_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Create the demo tenant (and print its passwords) on first start.
        #[arg(long)]
        demo: bool,
        /// Seconds between WebSocket heartbeats.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
        heartbeat_secs: u64,
        /// Live events queued per connection before a client that cannot
        /// keep up is told to resync.
        #[arg(long, default_value_t = fieldesk_server::hub::DEFAULT_QUEUE, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
        live_queue: usize,
        /// How long a login lasts, in seconds (default 30 days).
        #[arg(long, default_value_t = 30 * 24 * 3600, value_parser = clap::value_parser!(u64).range(1..))]
        token_ttl_secs: u64,
        /// The built visitor chat window (`cargo xtask ui` makes it).
        #[arg(long, env = "FIELDESK_PORTAL_DIR", default_value = "portal/dist")]
        portal_dir: PathBuf,
        /// Chat messages one visitor may send in a burst…
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
        visitor_burst: u32,
        /// …and per second after it.
        #[arg(long, default_value_t = 1.0)]
        visitor_per_sec: f64,
        /// New visitors (first visits) from one client address at once…
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
        new_visitor_burst: u32,
        /// …and per minute after that.
        #[arg(long, default_value_t = 10.0)]
        new_visitors_per_min: f64,
        /// New visitors of one tenant at once…
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
        tenant_new_visitor_burst: u32,
        /// …and per minute after that.
        #[arg(long, default_value_t = 600.0)]
        tenant_new_visitors_per_min: f64,
        /// How often queued conversations are checked against business hours,
        /// and open ones against their tenant's idle time.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
        hours_check_secs: u64,
        /// Open connections at most (WebSockets included); capped by the
        /// process's file limit, which is raised to its maximum at start.
        #[arg(long, default_value_t = 16_384, value_parser = clap::value_parser!(u64).range(1..))]
        max_connections: u64,
        /// Open connections at most from one client address.
        #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..))]
        max_connections_per_client: u64,
        /// Seconds a client has to send a request's headers; also how long
        /// a kept-alive connection may sit idle between requests.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
        header_timeout_secs: u64,
        /// Seconds a request's body and its answer may take at most.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        request_timeout_secs: u64,
        /// A reverse proxy (e.g. the TLS terminator) whose
        /// `X-Forwarded-For` names the client; repeat for several.
        #[arg(long = "trusted-proxy", value_name = "IP")]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// Let tenants' endpoints (LLM) be on loopback or private networks,
        /// for an on-premise model. Off by default (SSRF).
        #[arg(long)]
        allow_private_outbound: bool,
        /// Seconds an unpaid parts-mall order holds its stock before it is
        /// cancelled.
        #[arg(long, default_value_t = 1800, value_parser = clap::value_parser!(u64).range(1..=7 * 24 * 3600))]
        mall_reservation_secs: u64,
        /// The most MiB of step photos and signatures one tenant may keep.
        #[arg(long, default_value_t = 2048, value_parser = clap::value_parser!(u64).range(1..))]
        photo_quota_mib: u64,
        /// The address people reach this server at, for links in mail
        /// (e.g. `https://service.example.com` behind a TLS proxy);
        /// the listen address by default.
        #[arg(long, env = "FIELDESK_PUBLIC_URL", value_parser = public_url)]
        public_url: Option<String>,
    },
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage users (passwords are read from standard input).
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the parts mall's customers (passwords from standard input).
    #[command(subcommand)]
    Customer(CustomerCommand),
    /// The server key that seals tenants' secrets (`secret.key`).
    #[command(subcommand)]
    Key(KeyCommand),
}

/// `--public-url`: an http(s) URL with a host and nothing after its path,
/// kept without a trailing slash.
fn public_url(text: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(text.trim()).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(
            "an http:// or https:// address without a query, like https://service.example.com"
                .into(),
        );
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Replace the server key and reseal every secret under the new one
    /// (stop the server first; safe to run again if interrupted).
    Rotate,
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Add a tenant.
    Add {
        /// Short id used at login: lowercase letters, digits and '-'.
        slug: String,
        name: String,
        /// The workbench title; defaults to the name.
        #[arg(long)]
        workbench_name: Option<String>,
    },
}

#[derive(Subcommand)]
enum CustomerCommand {
    /// Add a customer whose address the admin vouches for (verified
    /// without a code); the password is read from standard input.
    Add {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "zh-CN")]
        locale: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: Role,
        /// Defaults to the user name.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Set a user's password (read from standard input); ends their sessions.
    Passwd {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        username: String,
    },
}

fn read_password(username: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        eprint!(
            "Password (at least {} characters, not a common one): ",
            password_policy::MIN_CHARS
        );
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    match check_new_password(&password, username) {
        Ok(()) => Ok(password),
        Err(Weakness::TooShort) => bail!(
            "the password must have at least {} characters",
            password_policy::MIN_CHARS
        ),
        Err(Weakness::TooLong) => bail!(
            "the password must have at most {} characters",
            password_policy::MAX_CHARS
        ),
        Err(Weakness::Guessable) => {
            bail!("that password is too easy to guess (a common password or the user name)")
        }
    }
}

fn valid_slug(slug: &str) -> bool {
    (1..=64).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn valid_username(name: &str) -> bool {
    (1..=64).contains(&name.chars().count()) && !name.chars().any(char::is_whitespace)
}

async fn tenant_id(store: &dyn Store, slug: &str) -> anyhow::Result<i64> {
    Ok(store
        .tenant_by_slug(slug)
        .await?
        .with_context(|| format!("no tenant {slug:?}"))?
        .id)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "fieldesk_server=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let database = Database::parse(cli.database.as_deref(), &cli.data_dir)?;
    let store = database
        .open()
        .await
        .with_context(|| format!("opening the database ({})", database.describe()))?;
    match cli.command {
        Command::Serve {
            listen,
            demo,
            heartbeat_secs,
            live_queue,
            token_ttl_secs,
            portal_dir,
            visitor_burst,
            visitor_per_sec,
            new_visitor_burst,
            new_visitors_per_min,
            tenant_new_visitor_burst,
            tenant_new_visitors_per_min,
            hours_check_secs,
            mall_reservation_secs,
            max_connections,
            max_connections_per_client,
            header_timeout_secs,
            request_timeout_secs,
            trusted_proxies,
            allow_private_outbound,
            photo_quota_mib,
            public_url,
        } => {
            if demo {
                print_demo_accounts(&demo::seed(&*store).await?);
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            println!(
                "Fieldesk server listening on http://{}",
                listener.local_addr()?
            );
            println!("Data dir: {}", cli.data_dir.display());
            println!("Database: {}", database.describe());
            std::io::stdout().flush()?;
            let limits = connection_limits(
                max_connections,
                max_connections_per_client,
                header_timeout_secs,
                request_timeout_secs,
            );
            let settings = Settings {
                heartbeat: Duration::from_secs(heartbeat_secs),
                live_queue,
                token_ttl: Duration::from_secs(token_ttl_secs),
                portal_dir,
                visitors: VisitorLimits {
                    message_burst: visitor_burst,
                    messages_per_sec: visitor_per_sec,
                    new_per_client_burst: new_visitor_burst,
                    new_per_client_per_min: new_visitors_per_min,
                    new_per_tenant_burst: tenant_new_visitor_burst,
                    new_per_tenant_per_min: tenant_new_visitors_per_min,
                },
                hours_check: Duration::from_secs(hours_check_secs),
                limits,
                trusted_proxies,
                allow_private_outbound,
                photo_quota_bytes: photo_quota_mib.saturating_mul(1024 * 1024),
                mall_reservation: Duration::from_secs(mall_reservation_secs),
                public_url,
                secrets: Arc::new(
                    SecretBox::load_or_create(&cli.data_dir).context("the server key")?,
                ),
                ..Settings::default()
            };
            serve(listener, store, settings, shutdown_signal()).await?;
        }
        Command::Key(KeyCommand::Rotate) => {
            let count = fieldesk_server::secret_box::rotate_key(&cli.data_dir, &*store).await?;
            println!(
                "New server key in {}; {count} sealed values resealed",
                cli.data_dir
                    .join(fieldesk_server::secret_box::KEY_FILE)
                    .display()
            );
        }
        Command::Tenant(TenantCommand::Add {
            slug,
            name,
            workbench_name,
        }) => {
            if !valid_slug(&slug) {
                bail!("invalid slug {slug:?}: use 1-64 lowercase letters, digits and '-'");
            }
            let workbench = workbench_name.unwrap_or_else(|| name.clone());
            let tenant = store.create_tenant(&slug, &name, &workbench).await?;
            println!("Added tenant {} ({})", tenant.slug, tenant.name);
        }
        Command::User(UserCommand::Add {
            tenant,
            username,
            role,
            display_name,
        }) => {
            if !valid_username(&username) {
                bail!("invalid user name {username:?}: 1-64 characters without spaces");
            }
            let tenant_id = tenant_id(&*store, &tenant).await?;
            let password = read_password(&username)?;
            let password_hash =
                tokio::task::spawn_blocking(move || hash_password(&password)).await?;
            let display_name = display_name.unwrap_or_else(|| username.clone());
            let user = store
                .create_user(
                    tenant_id,
                    NewUser {
                        username,
                        display_name,
                        role,
                        password_hash,
                    },
                )
                .await?;
            println!("Added {} {} to tenant {tenant}", user.role, user.username);
        }
        Command::Customer(CustomerCommand::Add {
            tenant,
            email,
            name,
            locale,
        }) => {
            let body = fieldesk_core::mall::customer::SignupBody {
                email,
                password: String::new(),
                name,
                locale: None,
            };
            let (email, name) = fieldesk_core::mall::customer::check_signup(&body)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let tenant_id = tenant_id(&*store, &tenant).await?;
            let password = read_password(&email)?;
            let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await?;
            let now = fieldesk_server::clock::now();
            let customer = store
                .create_customer(
                    tenant_id,
                    email,
                    name,
                    Locale::negotiate(&locale),
                    hash,
                    now,
                )
                .await?;
            store
                .vouch_for_customer(tenant_id, customer.id, now)
                .await?;
            println!("Added customer {} to tenant {tenant}", customer.email);
        }
        Command::User(UserCommand::Passwd { tenant, username }) => {
            let tenant_id = tenant_id(&*store, &tenant).await?;
            let password = read_password(&username)?;
            let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await?;
            store.set_password(tenant_id, &username, &hash).await?;
            let event = NewSecurityEvent {
                kind: SecurityEventKind::PasswordChanged,
                username: username.clone(),
                client: "fieldesk-server user passwd".into(),
                detail: "all sessions ended".into(),
            };
            store.log_security_event(tenant_id, event).await?;
            println!("Password of {username} in tenant {tenant} changed; their sessions ended");
        }
    }
    Ok(())
}

/// The perimeter's limits, the connection limit kept below the file limit
/// (raised first) so that the server, not the OS, refuses connections.
fn connection_limits(max: u64, per_client: u64, header_secs: u64, request_secs: u64) -> Limits {
    let files = perimeter::raise_file_limit();
    // Room for the database, logs and outbound requests.
    let by_files = files.map_or(u64::MAX, |f| f.saturating_sub(256).max(64));
    let max_connections = max.min(by_files);
    if max_connections < max {
        tracing::warn!(
            files,
            max_connections,
            "the file limit caps the connection limit"
        );
    }
    let max_connections = usize::try_from(max_connections).unwrap_or(usize::MAX);
    Limits {
        max_connections,
        max_per_client: usize::try_from(per_client)
            .unwrap_or(usize::MAX)
            .min(max_connections),
        header_timeout: Duration::from_secs(header_secs),
        request_timeout: Duration::from_secs(request_secs),
    }
}

fn print_demo_accounts(accounts: &[demo::DemoAccount]) {
    if accounts.is_empty() {
        return;
    }
    println!(
        "Created the demo tenant {:?}. Its passwords are shown only now:",
        demo::DEMO_TENANT
    );
    for a in accounts {
        println!("  {:<11} {:<10} {}", a.username, a.kind, a.password);
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
