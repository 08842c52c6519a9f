//! Service mailboxes (客服邮箱), for admins: the list, the form (SMTP and
//! IMAP each with its own password, write-only), "test connection" that
//! reports each server on its own, delete; the quarantine below.

mod quarantine;

use fieldesk_core::email::mailbox::{
    Check, ConnectionCheck, ConnectionTest, DEFAULT_MESSAGE_BYTES, Mailbox, MailboxAnswer,
    MailboxBody, MailboxCommand, Security, ServerSettings,
};
use fieldesk_core::group::ServiceGroup;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{chat, mail};
use crate::i18n::{tr, use_i18n};

const MIB: u64 = 1024 * 1024;

/// One server's half of the form.
#[derive(Clone, Copy)]
struct ServerForm {
    host: RwSignal<String>,
    port: RwSignal<String>,
    security: RwSignal<Security>,
    user: RwSignal<String>,
    password: RwSignal<String>,
    password_set: RwSignal<bool>,
}

impl ServerForm {
    fn new(port: u16) -> Self {
        ServerForm {
            host: RwSignal::new(String::new()),
            port: RwSignal::new(port.to_string()),
            security: RwSignal::new(Security::StartTls),
            user: RwSignal::new(String::new()),
            password: RwSignal::new(String::new()),
            password_set: RwSignal::new(false),
        }
    }

    fn fill(&self, s: &ServerSettings, password_set: bool) {
        self.host.set(s.host.clone());
        self.port.set(s.port.to_string());
        self.security.set(s.security);
        self.user.set(s.user.clone());
        self.password.set(String::new());
        self.password_set.set(password_set);
    }

    fn settings(&self) -> ServerSettings {
        ServerSettings {
            host: self.host.get_untracked(),
            port: self.port.get_untracked().trim().parse().unwrap_or(0),
            security: self.security.get_untracked(),
            user: self.user.get_untracked(),
        }
    }

    /// The password typed, or none (a saved one stays).
    fn password(&self) -> Option<String> {
        Some(self.password.get_untracked()).filter(|p| !p.is_empty())
    }
}

#[component]
fn ServerFields(form: ServerForm, prefix: &'static str, legend: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let security = move |s: Security| s.as_str();
    view! {
        <fieldset>
            <legend>{tr(legend)}</legend>
            <label>
                <span>{tr("mail-host")}</span>
                <input data-testid=format!("{prefix}-host") placeholder="mail.example.com"
                    prop:value=move || form.host.get() on:input=move |ev| form.host.set(event_target_value(&ev)) />
            </label>
            <label>
                <span>{tr("mail-port")}</span>
                <input type="number" min="1" max="65535" data-testid=format!("{prefix}-port")
                    prop:value=move || form.port.get() on:input=move |ev| form.port.set(event_target_value(&ev)) />
            </label>
            <label>
                <span>{tr("mail-security")}</span>
                <select data-testid=format!("{prefix}-security")
                    prop:value=move || security(form.security.get()).to_owned()
                    on:change=move |ev| {
                        if let Some(s) = Security::parse(&event_target_value(&ev)) {
                            form.security.set(s);
                        }
                    }>
                    <option value="starttls">{tr("mail-security-starttls")}</option>
                    <option value="tls">{tr("mail-security-tls")}</option>
                    <option value="none">{tr("mail-security-none")}</option>
                </select>
            </label>
            <label>
                <span>{tr("mail-user")}</span>
                <input data-testid=format!("{prefix}-user") autocomplete="off"
                    prop:value=move || form.user.get() on:input=move |ev| form.user.set(event_target_value(&ev)) />
            </label>
            <label>
                <span>{tr("mail-password")}</span>
                <input type="password" data-testid=format!("{prefix}-password") autocomplete="new-password"
                    placeholder=move || if form.password_set.get() { i18n.t("mail-password-kept") } else { String::new() }
                    prop:value=move || form.password.get() on:input=move |ev| form.password.set(event_target_value(&ev)) />
            </label>
        </fieldset>
    }
}

#[component]
fn CheckLine(label: &'static str, check: Check, testid: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let text = if check.ok {
        i18n.t("mail-check-ok")
    } else {
        check.message.clone().unwrap_or_default()
    };
    view! {
        <li class:ok=check.ok class:error=!check.ok data-testid=testid
            data-code=check.code.map(|c| c.as_str().to_owned()).unwrap_or_default()>
            <strong>{tr(label)}</strong>" "{text}
            {check.detail.map(|d| view! { <span class="muted">" — "{d}</span> })}
        </li>
    }
}

#[component]
pub fn MailboxesPanel() -> impl IntoView {
    let i18n = use_i18n();
    let mailboxes = RwSignal::new(Vec::<Mailbox>::new());
    let groups = RwSignal::new(Vec::<ServiceGroup>::new());
    let editing = RwSignal::new(None::<i64>);
    let address = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let aliases = RwSignal::new(String::new());
    let smtp = ServerForm::new(587);
    let imap = ServerForm::new(143);
    let folder = RwSignal::new("INBOX".to_owned());
    let max_mib = RwSignal::new((DEFAULT_MESSAGE_BYTES / MIB).to_string());
    let group_ids = RwSignal::new(Vec::<i64>::new());
    let enabled = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let testing = RwSignal::new(false);
    let check = RwSignal::new(None::<ConnectionCheck>);
    let fail = move |e: crate::api::IpcError| error.set(Some(i18n.t(e.code.message_key())));
    let reload = move || {
        spawn_local(async move {
            match mail::call(MailboxCommand::List).await {
                Ok(MailboxAnswer::Mailboxes(list)) => mailboxes.set(list),
                Ok(_) => {}
                Err(e) => fail(e),
            }
        })
    };
    reload();
    spawn_local(async move {
        if let Ok(list) = chat::groups().await {
            groups.set(list);
        }
    });
    let clear = move || {
        editing.set(None);
        for s in [address, display_name, aliases] {
            s.set(String::new());
        }
        for (form, port) in [(smtp, 587), (imap, 143)] {
            form.fill(
                &ServerSettings {
                    host: String::new(),
                    port,
                    security: Security::StartTls,
                    user: String::new(),
                },
                false,
            );
        }
        folder.set("INBOX".to_owned());
        max_mib.set((DEFAULT_MESSAGE_BYTES / MIB).to_string());
        group_ids.set(vec![]);
        enabled.set(true);
        check.set(None);
        error.set(None);
    };
    let edit = move |m: Mailbox| {
        editing.set(Some(m.id));
        address.set(m.address.clone());
        display_name.set(m.display_name.clone());
        aliases.set(m.aliases.join(", "));
        smtp.fill(&m.smtp, m.smtp_password_set);
        imap.fill(&m.imap, m.imap_password_set);
        folder.set(m.imap_folder.clone());
        max_mib.set((m.max_message_bytes / MIB).max(1).to_string());
        group_ids.set(m.group_ids.clone());
        enabled.set(m.enabled);
        check.set(None);
        error.set(None);
    };
    let body = move || MailboxBody {
        address: address.get_untracked(),
        display_name: display_name.get_untracked(),
        aliases: aliases
            .get_untracked()
            .split([',', ';', ' ', '，'])
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect(),
        smtp: smtp.settings(),
        smtp_password: smtp.password(),
        imap: imap.settings(),
        imap_password: imap.password(),
        imap_folder: folder.get_untracked(),
        max_message_bytes: max_mib
            .get_untracked()
            .trim()
            .parse::<u64>()
            .unwrap_or(0)
            .saturating_mul(MIB),
        group_ids: group_ids.get_untracked(),
        enabled: enabled.get_untracked(),
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let command = MailboxCommand::Save {
            id: editing.get_untracked(),
            body: body(),
        };
        spawn_local(async move {
            match mail::call(command).await {
                Ok(_) => {
                    clear();
                    reload();
                }
                Err(e) => fail(e),
            }
        });
    };
    let test = move |_| {
        let command = MailboxCommand::Test {
            test: ConnectionTest {
                id: editing.get_untracked(),
                body: body(),
            },
        };
        testing.set(true);
        check.set(None);
        error.set(None);
        spawn_local(async move {
            match mail::call(command).await {
                Ok(MailboxAnswer::Check(c)) => check.set(Some(c)),
                Ok(_) => {}
                Err(e) => fail(e),
            }
            testing.set(false);
        });
    };
    view! {
        <section class="panel admin mailboxes" data-testid="mailboxes">
            <h2>{tr("mail-mailboxes")}</h2>
            <Show when=move || mailboxes.with(Vec::is_empty)>
                <p class="muted" data-testid="mailboxes-empty">{tr("mail-empty")}</p>
            </Show>
            <ul class="articles">
                <For each=move || mailboxes.get() key=|m| (m.id, m.updated_at) let:m>
                    {
                        let mailbox = m.clone();
                        let id = m.id;
                        view! {
                            <li data-testid="mailbox">
                                <button class="link" data-testid="mailbox-edit"
                                    on:click=move |_| edit(mailbox.clone())>{m.address.clone()}</button>
                                <span class="muted">{m.display_name.clone()}</span>
                                <span class="badge" data-testid="mailbox-state">
                                    {tr(if m.enabled { "mail-enabled" } else { "mail-disabled" })}
                                </span>
                                <button class="link" data-testid="mailbox-delete" on:click=move |_| {
                                    spawn_local(async move {
                                        match mail::call(MailboxCommand::Delete { id }).await {
                                            Ok(MailboxAnswer::Mailboxes(list)) => mailboxes.set(list),
                                            Ok(_) => {}
                                            Err(e) => fail(e),
                                        }
                                    });
                                }>{tr("admin-delete")}</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <form class="mailbox-form" on:submit=save>
                <h3>{move || tr(if editing.get().is_some() { "mail-edit" } else { "mail-new" })}</h3>
                <label>
                    <span>{tr("mail-address")}</span>
                    <input type="email" data-testid="mailbox-address" placeholder="support@example.com"
                        prop:value=move || address.get() on:input=move |ev| address.set(event_target_value(&ev)) />
                </label>
                <label>
                    <span>{tr("mail-display-name")}</span>
                    <input data-testid="mailbox-name" prop:value=move || display_name.get()
                        on:input=move |ev| display_name.set(event_target_value(&ev)) />
                </label>
                <label>
                    <span>{tr("mail-aliases")}</span>
                    <input data-testid="mailbox-aliases" prop:value=move || aliases.get()
                        on:input=move |ev| aliases.set(event_target_value(&ev)) />
                </label>
                <ServerFields form=smtp prefix="smtp" legend="mail-smtp" />
                <ServerFields form=imap prefix="imap" legend="mail-imap" />
                <label>
                    <span>{tr("mail-folder")}</span>
                    <input data-testid="imap-folder" prop:value=move || folder.get()
                        on:input=move |ev| folder.set(event_target_value(&ev)) />
                </label>
                <label>
                    <span>{tr("mail-max-size")}</span>
                    <input type="number" min="1" max="50" data-testid="mailbox-max-mib"
                        prop:value=move || max_mib.get() on:input=move |ev| max_mib.set(event_target_value(&ev)) />
                </label>
                <fieldset>
                    <legend>{tr("mail-groups")}</legend>
                    {move || groups.get().into_iter().map(|g| {
                        let gid = g.id;
                        view! {
                            <label class="check">
                                <input type="checkbox" data-testid=format!("mailbox-group-{gid}")
                                    prop:checked=move || group_ids.get().contains(&gid)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        group_ids.update(|ids| {
                                            ids.retain(|x| *x != gid);
                                            if on { ids.push(gid); }
                                        });
                                    } />
                                {g.name}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <label class="check">
                    <input type="checkbox" data-testid="mailbox-enabled" prop:checked=move || enabled.get()
                        on:change=move |ev| enabled.set(event_target_checked(&ev)) />
                    {tr("mail-enabled")}
                </label>
                <div class="actions">
                    <button type="button" class="secondary" data-testid="mailbox-test"
                        prop:disabled=move || testing.get() on:click=test>
                        {move || tr(if testing.get() { "mail-testing" } else { "mail-test" })}
                    </button>
                    <button type="submit" data-testid="mailbox-save">{tr("admin-save")}</button>
                    <Show when=move || editing.get().is_some()>
                        <button type="button" class="secondary" on:click=move |_| clear()>{tr("admin-cancel")}</button>
                    </Show>
                </div>
                {move || check.get().map(|c| view! {
                    <ul class="checks" data-testid="mailbox-check" aria-live="polite">
                        <CheckLine label="mail-smtp" check=c.smtp testid="check-smtp" />
                        <CheckLine label="mail-imap" check=c.imap testid="check-imap" />
                    </ul>
                })}
            </form>
            <Show when=move || error.get().is_some()>
                <div class="error" role="alert" data-testid="mailbox-error">{move || error.get().unwrap_or_default()}</div>
            </Show>
            <quarantine::QuarantinePanel mailboxes />
        </section>
    }
}
