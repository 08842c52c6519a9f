//! Sign-in security in the app: everyone's own sessions ("Account": end
//! one, sign out everywhere else), and for admins ("Security") their
//! users — role, disable, sign out everywhere —, the session policy, the
//! chat identity secret and the security event log.

use fieldesk_core::Role;
use fieldesk_core::api::UserSummary;
use fieldesk_core::identity::IdentityStatus;
use fieldesk_core::security::{
    SecurityAnswer, SecurityCommand, SecurityEvent, SessionInfo, SessionPolicy,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::security::call;
use crate::i18n::{I18n, error_text, tr, use_i18n, when};

/// Runs a command; the answer goes to `ok`, an error to `error`.
fn run(
    i18n: I18n,
    error: RwSignal<Option<String>>,
    command: SecurityCommand,
    ok: impl FnOnce(SecurityAnswer) + 'static,
) {
    spawn_local(async move {
        match call(command).await {
            Ok(answer) => {
                error.set(None);
                ok(answer);
            }
            Err(e) => error.set(Some(error_text(i18n, &e))),
        }
    });
}

/// A table of sessions; `end` ends one by id.
fn session_rows(
    sessions: RwSignal<Vec<SessionInfo>>,
    end: impl Fn(i64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <table class="security" data-testid="sessions">
            <thead><tr>
                <th>{tr("security-session-device")}</th>
                <th>{tr("security-session-address")}</th>
                <th>{tr("security-session-signed-in")}</th>
                <th>{tr("security-session-last-active")}</th>
                <th>{tr("security-session-ends")}</th>
                <th></th>
            </tr></thead>
            <tbody>
                <For each=move || sessions.get() key=|s| s.id let:s>
                    <tr data-testid="session" class:current=s.current data-current=s.current.to_string()>
                        <td>{if s.user_agent.is_empty() { "—".to_owned() } else { s.user_agent.clone() }}
                            {s.current.then(|| view! { <span class="muted">" · "{tr("security-this-session")}</span> })}
                        </td>
                        <td>{s.client.clone()}</td>
                        <td>{when(s.created_at)}</td>
                        <td>{when(s.last_seen_at)}</td>
                        <td>{when(s.ends_at)}</td>
                        <td>
                            {(!s.current).then(|| {
                                let id = s.id;
                                view! {
                                    <button class="link" data-testid="session-end" on:click=move |_| end(id)>
                                        {tr("security-end-session")}
                                    </button>
                                }
                            })}
                        </td>
                    </tr>
                </For>
            </tbody>
        </table>
    }
}

/// The signed-in user's own sessions.
#[component]
pub fn AccountPanel() -> impl IntoView {
    let i18n = use_i18n();
    let sessions = RwSignal::new(Vec::<SessionInfo>::new());
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let reload = move || {
        run(i18n, error, SecurityCommand::Sessions, move |a| {
            if let SecurityAnswer::Sessions(list) = a {
                sessions.set(list);
            }
        })
    };
    reload();
    let ended = move |a: SecurityAnswer| {
        if let SecurityAnswer::Ended(e) = a {
            notice.set(Some(i18n.t_with(
                "security-sessions-ended",
                "count",
                e.ended.to_string(),
            )));
        }
        reload();
    };
    let end = move |id: i64| run(i18n, error, SecurityCommand::EndSession { id }, ended);
    let end_others = move |_| {
        run(
            i18n,
            error,
            SecurityCommand::EndAll { keep_current: true },
            ended,
        )
    };
    view! {
        <section class="panel admin" data-testid="account">
            <h2>{tr("security-my-sessions")}</h2>
            <p class="muted">{tr("security-my-sessions-hint")}</p>
            {session_rows(sessions, end)}
            <div class="actions">
                <button data-testid="sessions-end-others" on:click=end_others>
                    {tr("security-end-others")}
                </button>
            </div>
            <Show when=move || notice.get().is_some()>
                <p class="notice" data-testid="security-notice">{move || notice.get()}</p>
            </Show>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert" data-testid="security-error">{move || error.get()}</p>
            </Show>
        </section>
    }
}

/// Admins: users (disable, sessions), the session policy, the event log.
#[component]
pub fn SecurityPanel(me: i64) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<String>);
    let users = RwSignal::new(Vec::<UserSummary>::new());
    let picked = RwSignal::new(None::<i64>);
    let their_sessions = RwSignal::new(Vec::<SessionInfo>::new());
    let idle_mins = RwSignal::new(String::new());
    let max_hours = RwSignal::new(String::new());
    let saved = RwSignal::new(false);
    let events = RwSignal::new(Vec::<SecurityEvent>::new());
    let identity = RwSignal::new(None::<IdentityStatus>);
    let new_secret = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);

    let load_users = move || {
        run(i18n, error, SecurityCommand::Users, move |a| {
            if let SecurityAnswer::Users(list) = a {
                users.set(list);
            }
        })
    };
    let load_events = move || {
        run(
            i18n,
            error,
            SecurityCommand::Events { before: None },
            move |a| {
                if let SecurityAnswer::Events(list) = a {
                    events.set(list);
                }
            },
        )
    };
    let load_sessions = move |user_id: i64| {
        run(
            i18n,
            error,
            SecurityCommand::UserSessions { user_id },
            move |a| {
                if let SecurityAnswer::Sessions(list) = a {
                    their_sessions.set(list);
                }
            },
        )
    };
    load_users();
    load_events();
    let show_identity = move |a: SecurityAnswer| match a {
        SecurityAnswer::Identity(status) => {
            identity.set(Some(status));
            new_secret.set(None);
        }
        SecurityAnswer::IdentitySecret(made) => {
            identity.set(Some(IdentityStatus {
                enabled: true,
                created_at: Some(made.created_at),
            }));
            new_secret.set(Some(made.secret));
        }
        _ => {}
    };
    run(i18n, error, SecurityCommand::Identity, show_identity);
    let identity_command = move |command: SecurityCommand| {
        run(i18n, error, command, move |a| {
            show_identity(a);
            load_events();
        })
    };
    let set_role = move |user_id: i64, name: String, role: Role| {
        run(
            i18n,
            error,
            SecurityCommand::SetRole { user_id, role },
            move |_| {
                notice.set(Some(i18n.t_args(
                    "security-role-changed",
                    &[("user", name), ("role", i18n.t(role.message_key()))],
                )));
                load_users();
                load_events();
            },
        )
    };
    run(i18n, error, SecurityCommand::Policy, move |a| {
        if let SecurityAnswer::Policy(p) = a {
            idle_mins.set((p.idle_secs / 60).to_string());
            max_hours.set((p.max_secs / 3600).to_string());
        }
    });
    let set_disabled = move |user_id: i64, disabled: bool| {
        run(
            i18n,
            error,
            SecurityCommand::SetDisabled { user_id, disabled },
            move |_| {
                load_users();
                load_events();
                if picked.get_untracked() == Some(user_id) {
                    load_sessions(user_id);
                }
            },
        )
    };
    let end_all_of = move |user_id: i64| {
        run(
            i18n,
            error,
            SecurityCommand::EndUserSessions { user_id },
            move |_| {
                load_sessions(user_id);
                load_events();
            },
        )
    };
    let save_policy = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let (Ok(idle), Ok(max)) = (
            idle_mins.get_untracked().trim().parse::<i64>(),
            max_hours.get_untracked().trim().parse::<i64>(),
        ) else {
            error.set(Some(i18n.t("security-policy-invalid")));
            return;
        };
        let policy = SessionPolicy {
            idle_secs: idle * 60,
            max_secs: max * 3600,
        };
        if !policy.check() {
            error.set(Some(i18n.t("security-policy-invalid")));
            return;
        }
        run(
            i18n,
            error,
            SecurityCommand::SetPolicy { policy },
            move |_| {
                saved.set(true);
                load_events();
            },
        );
    };
    // Sessions of another user are never "this one".
    let end_theirs = move |_id: i64| {
        if let Some(user_id) = picked.get_untracked() {
            end_all_of(user_id);
        }
    };
    view! {
        <section class="panel admin" data-testid="security">
            <h2>{tr("security-users")}</h2>
            <table class="security" data-testid="security-users">
                <thead><tr>
                    <th>{tr("security-user")}</th>
                    <th>{tr("security-role")}</th>
                    <th>{tr("security-status")}</th>
                    <th></th>
                </tr></thead>
                <tbody>
                    <For each=move || users.get() key=|u| (u.user_id, u.disabled, u.role) let:u>
                        {
                            let id = u.user_id;
                            let disabled = u.disabled;
                            let name = u.username.clone();
                            let role = u.role;
                            let display = u.display_name.clone();
                            let role_cell = if id == me {
                                view! { <span>{tr(role.message_key())}</span> }.into_any()
                            } else {
                                view! {
                                    <select data-testid=format!("security-user-role-{name}")
                                        aria-label=move || i18n.t("security-role")
                                        on:change=move |ev| {
                                            if let Ok(to) = event_target_value(&ev).parse::<Role>()
                                                && to != role
                                            {
                                                set_role(id, display.clone(), to);
                                            }
                                        }>
                                        {Role::ALL.into_iter().map(|r| view! {
                                            <option value=r.as_str() selected=r == role>{tr(r.message_key())}</option>
                                        }).collect_view()}
                                    </select>
                                }.into_any()
                            };
                            view! {
                                <tr data-testid=format!("security-user-{name}") data-disabled=disabled.to_string()>
                                    <td>{u.display_name.clone()}<span class="muted">" · "{u.username.clone()}</span></td>
                                    <td>{role_cell}</td>
                                    <td class:tag-disabled=disabled>
                                        {move || if disabled { i18n.t("security-disabled") } else { i18n.t("security-active") }}
                                    </td>
                                    <td class="actions">
                                        <button class="link" data-testid=format!("security-user-sessions-{name}") on:click=move |_| {
                                            picked.set(Some(id));
                                            load_sessions(id);
                                        }>{tr("security-show-sessions")}</button>
                                        {(id != me).then(|| view! {
                                            <button class="link" data-testid=format!("security-user-toggle-{name}")
                                                on:click=move |_| set_disabled(id, !disabled)>
                                                {move || if disabled { i18n.t("security-enable") } else { i18n.t("security-disable") }}
                                            </button>
                                        })}
                                    </td>
                                </tr>
                            }
                        }
                    </For>
                </tbody>
            </table>
            <Show when=move || notice.get().is_some()>
                <p class="notice" data-testid="security-notice-role">{move || notice.get()}</p>
            </Show>
            <Show when=move || picked.get().is_some()>
                <h3>{move || {
                    let name = picked.get().and_then(|id| {
                        users.with(|u| u.iter().find(|x| x.user_id == id).map(|x| x.display_name.clone()))
                    });
                    i18n.t_with("security-sessions-of", "name", name.unwrap_or_default())
                }}</h3>
                {session_rows(their_sessions, end_theirs)}
                <div class="actions">
                    <button data-testid="security-user-end-all" on:click=move |_| {
                        if let Some(id) = picked.get_untracked() {
                            end_all_of(id);
                        }
                    }>{tr("security-end-all")}</button>
                </div>
            </Show>

            <h2>{tr("security-policy")}</h2>
            <form class="policy" on:submit=save_policy>
                <label class="field">
                    <span>{tr("security-idle-minutes")}</span>
                    <input type="number" min="5" data-testid="security-idle" bind:value=idle_mins />
                </label>
                <label class="field">
                    <span>{tr("security-max-hours")}</span>
                    <input type="number" min="1" data-testid="security-max" bind:value=max_hours />
                </label>
                <button type="submit" data-testid="security-policy-save">{tr("admin-save")}</button>
                <Show when=move || saved.get()>
                    <span class="muted" data-testid="security-policy-saved">{tr("security-saved")}</span>
                </Show>
            </form>

            <h2>{tr("security-identity")}</h2>
            <p class="muted">{tr("security-identity-about")}</p>
            <p data-testid="security-identity-status"
                data-enabled=move || identity.get().is_some_and(|s| s.enabled).to_string()>
                {move || match identity.get() {
                    Some(IdentityStatus { enabled: true, created_at }) => i18n.t_with(
                        "security-identity-on", "when", created_at.map(when).unwrap_or_default()),
                    Some(_) => i18n.t("security-identity-off"),
                    None => String::new(),
                }}
            </p>
            <Show when=move || new_secret.get().is_some()>
                <p class="notice">{tr("security-identity-shown-once")}</p>
                <p><code class="secret" data-testid="security-identity-secret">{move || new_secret.get()}</code></p>
            </Show>
            <div class="actions row">
                <button data-testid="security-identity-new"
                    on:click=move |_| identity_command(SecurityCommand::NewIdentitySecret)>
                    {tr("security-identity-new")}
                </button>
                <Show when=move || identity.get().is_some_and(|s| s.enabled)>
                    <button class="secondary danger" data-testid="security-identity-remove"
                        on:click=move |_| identity_command(SecurityCommand::RemoveIdentitySecret)>
                        {tr("security-identity-remove")}
                    </button>
                </Show>
            </div>

            <h2>{tr("security-events")}</h2>
            <table class="security" data-testid="security-events">
                <thead><tr>
                    <th>{tr("security-event-time")}</th>
                    <th>{tr("security-event-kind")}</th>
                    <th>{tr("security-user")}</th>
                    <th>{tr("security-session-address")}</th>
                    <th>{tr("security-event-detail")}</th>
                </tr></thead>
                <tbody>
                    <For each=move || events.get() key=|e| e.id let:e>
                        <tr data-testid="security-event" data-kind=e.kind.as_str()>
                            <td>{when(e.at)}</td>
                            <td>{tr(e.kind.label_key())}</td>
                            <td>{e.username.clone()}</td>
                            <td>{e.client.clone()}</td>
                            <td>{e.detail.clone()}</td>
                        </tr>
                    </For>
                </tbody>
            </table>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert" data-testid="security-error">{move || error.get()}</p>
            </Show>
        </section>
    }
}
