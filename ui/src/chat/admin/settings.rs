//! The chat window's settings: languages, texts, business hours and the
//! AI agent's model.

use fieldesk_core::Locale;
use fieldesk_core::business_hours::{BusinessHours, Interval, LocalDate};
use fieldesk_core::chat::{
    ChatSettingsBody, LlmSettings, MAX_AUTO_RESOLVE_MINUTES, TenantText, TenantTextEntry,
};
use fieldesk_core::email::mailbox::{Mailbox, MailboxAnswer, MailboxCommand};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{chat, mail};
use crate::i18n::{tr, use_i18n};

const TEXTS: [(TenantText, &str); 3] = [
    (TenantText::Welcome, "admin-text-welcome"),
    (TenantText::SurveyQuestion, "admin-text-survey"),
    (TenantText::OutOfHours, "admin-text-out-of-hours"),
];

const WEEKDAYS: [&str; 7] = [
    "admin-day-mon",
    "admin-day-tue",
    "admin-day-wed",
    "admin-day-thu",
    "admin-day-fri",
    "admin-day-sat",
    "admin-day-sun",
];

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn minutes(hhmm: &str) -> Option<u16> {
    let (h, m) = hhmm.split_once(':')?;
    let (h, m): (u16, u16) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
}

fn parse_date(s: &str) -> Option<LocalDate> {
    let mut parts = s.trim().split('-');
    let date = LocalDate {
        year: parts.next()?.parse().ok()?,
        month: parts.next()?.parse().ok()?,
        day: parts.next()?.parse().ok()?,
    };
    ((1..=12).contains(&date.month) && (1..=31).contains(&date.day)).then_some(date)
}

/// One weekday's row in the form.
#[derive(Clone, Copy)]
struct Day {
    open: RwSignal<bool>,
    start: RwSignal<String>,
    end: RwSignal<String>,
}

#[component]
pub fn ChatSettingsPanel() -> impl IntoView {
    let i18n = use_i18n();
    let languages = RwSignal::new(Vec::<Locale>::new());
    let texts: Vec<(TenantText, Locale, RwSignal<String>)> = TEXTS
        .iter()
        .flat_map(|(t, _)| Locale::ALL.map(|l| (*t, l, RwSignal::new(String::new()))))
        .collect();
    let texts = StoredValue::new(texts);
    let always_open = RwSignal::new(true);
    let offset = RwSignal::new("480".to_owned());
    let days: [Day; 7] = std::array::from_fn(|i| Day {
        open: RwSignal::new(i < 5),
        start: RwSignal::new("09:00".into()),
        end: RwSignal::new("18:00".into()),
    });
    let holidays = RwSignal::new(String::new());
    let avg = RwSignal::new(300u32);
    let llm_on = RwSignal::new(false);
    let llm_url = RwSignal::new(String::new());
    let llm_model = RwSignal::new(String::new());
    let llm_key = RwSignal::new(String::new());
    let llm_key_set = RwSignal::new(false);
    let status = RwSignal::new(None::<Result<(), String>>);
    let auto_resolve = RwSignal::new(String::new());
    let pre_chat = RwSignal::new(false);
    // The mailbox transcripts are mailed from ("" none), and the choices.
    let transcript = RwSignal::new(String::new());
    let mailboxes = RwSignal::new(Vec::<Mailbox>::new());
    spawn_local(async move {
        if let Ok(MailboxAnswer::Mailboxes(list)) = mail::call(MailboxCommand::List).await {
            mailboxes.set(list);
        }
    });

    spawn_local(async move {
        match chat::settings().await {
            Ok(s) => {
                languages.set(s.languages);
                avg.set(s.avg_handle_secs);
                auto_resolve.set(
                    s.auto_resolve_minutes
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                );
                pre_chat.set(s.pre_chat);
                transcript.set(
                    s.transcript_mailbox_id
                        .map(|id| id.to_string())
                        .unwrap_or_default(),
                );
                if let Some(l) = s.llm {
                    llm_on.set(true);
                    llm_url.set(l.base_url);
                    llm_model.set(l.model);
                    llm_key_set.set(l.api_key_set);
                }
                texts.with_value(|all| {
                    for entry in s.texts {
                        if let Some((_, _, sig)) = all
                            .iter()
                            .find(|(t, l, _)| *t == entry.key && *l == entry.locale)
                        {
                            sig.set(entry.body);
                        }
                    }
                });
                if let Some(h) = s.business_hours {
                    always_open.set(false);
                    offset.set(h.utc_offset_minutes.to_string());
                    for (day, intervals) in days.iter().zip(h.weekly.iter()) {
                        day.open.set(!intervals.is_empty());
                        if let Some(i) = intervals.first() {
                            day.start.set(hhmm(i.start));
                            day.end.set(hhmm(i.end));
                        }
                    }
                    holidays.set(
                        h.holidays
                            .iter()
                            .map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
                            .collect::<Vec<_>>()
                            .join(", "),
                    );
                }
            }
            Err(e) => status.set(Some(Err(i18n.t(e.code.message_key())))),
        }
    });

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let invalid = || Some(Err(i18n.t("admin-invalid-hours")));
        let business_hours = if always_open.get_untracked() {
            None
        } else {
            let Ok(utc_offset_minutes) = offset.get_untracked().trim().parse::<i32>() else {
                status.set(invalid());
                return;
            };
            let mut weekly: [Vec<Interval>; 7] = Default::default();
            for (slot, day) in weekly.iter_mut().zip(days.iter()) {
                if day.open.get_untracked() {
                    match (
                        minutes(&day.start.get_untracked()),
                        minutes(&day.end.get_untracked()),
                    ) {
                        (Some(start), Some(end)) if start < end => {
                            slot.push(Interval { start, end })
                        }
                        _ => {
                            status.set(invalid());
                            return;
                        }
                    }
                }
            }
            let mut dates = vec![];
            for part in holidays
                .get_untracked()
                .split([',', ' ', '\n'])
                .filter(|p| !p.trim().is_empty())
            {
                match parse_date(part) {
                    Some(d) => dates.push(d),
                    None => {
                        status.set(invalid());
                        return;
                    }
                }
            }
            Some(BusinessHours {
                utc_offset_minutes,
                weekly,
                holidays: dates,
            })
        };
        let auto_resolve_minutes = match auto_resolve.get_untracked().trim() {
            "" => None,
            m => match m.parse::<u32>() {
                Ok(m) if (1..=MAX_AUTO_RESOLVE_MINUTES).contains(&m) => Some(m),
                _ => {
                    status.set(Some(Err(i18n.t("error-bad-request"))));
                    return;
                }
            },
        };
        let body = ChatSettingsBody {
            auto_resolve_minutes,
            pre_chat: pre_chat.get_untracked(),
            transcript_mailbox_id: transcript.get_untracked().parse().ok(),
            languages: languages.get_untracked(),
            business_hours,
            avg_handle_secs: avg.get_untracked(),
            llm: llm_on.get_untracked().then(|| LlmSettings {
                base_url: llm_url.get_untracked().trim().to_owned(),
                model: llm_model.get_untracked().trim().to_owned(),
                api_key: llm_key.get_untracked(),
                api_key_set: false,
            }),
            texts: texts.with_value(|all| {
                all.iter()
                    .map(|(key, locale, sig)| TenantTextEntry {
                        key: *key,
                        locale: *locale,
                        body: sig.get_untracked(),
                    })
                    .filter(|t| !t.body.trim().is_empty())
                    .collect()
            }),
        };
        spawn_local(async move {
            status.set(Some(match chat::save_settings(&body).await {
                Ok(saved) => {
                    languages.set(saved.languages);
                    llm_key.set(String::new());
                    llm_key_set.set(saved.llm.is_some_and(|l| l.api_key_set));
                    Ok(())
                }
                Err(e) => Err(i18n.t(e.code.message_key())),
            }));
        });
    };

    view! {
        <form class="panel admin" data-testid="chat-settings" on:submit=save>
            <h2>{tr("admin-chat-settings")}</h2>
            <fieldset>
                <legend>{tr("admin-languages")}</legend>
                {Locale::ALL.into_iter().map(|l| view! {
                    <label class="check">
                        <input type="checkbox" data-testid=format!("lang-{}", l.tag())
                            prop:checked=move || languages.get().contains(&l)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                languages.update(|ls| {
                                    ls.retain(|x| *x != l);
                                    if on { ls.push(l); }
                                    ls.sort_by_key(|x| Locale::ALL.iter().position(|y| y == x));
                                });
                            } />
                        {tr(l.name_key())}
                    </label>
                }).collect_view()}
            </fieldset>
            <fieldset>
                <legend>{tr("admin-conversations")}</legend>
                <label class="check">
                    <input type="checkbox" data-testid="pre-chat" prop:checked=move || pre_chat.get()
                        on:change=move |ev| pre_chat.set(event_target_checked(&ev)) />
                    {tr("admin-pre-chat")}
                </label>
                <label>
                    <span>{tr("admin-auto-resolve")}</span>
                    <input type="number" min="1" max=MAX_AUTO_RESOLVE_MINUTES.to_string()
                        data-testid="auto-resolve-minutes" prop:value=move || auto_resolve.get()
                        on:input=move |ev| auto_resolve.set(event_target_value(&ev)) />
                </label>
                <label>
                    <span>{tr("admin-transcript-mailbox")}</span>
                    <select data-testid="transcript-mailbox" prop:value=move || transcript.get()
                        on:change=move |ev| transcript.set(event_target_value(&ev))>
                        <option value="">{tr("admin-transcript-off")}</option>
                        {move || mailboxes.get().into_iter().map(|m| {
                            let id = m.id.to_string();
                            view! {
                                <option value=id.clone() selected=move || transcript.get() == id>
                                    {m.address}
                                </option>
                            }
                        }).collect_view()}
                    </select>
                </label>
            </fieldset>
            <fieldset>
                <legend>{tr("admin-texts")}</legend>
                <p class="muted">{tr("admin-texts-hint")}</p>
                {texts.with_value(|all| all.iter().map(|(key, locale, sig)| {
                    let sig = *sig;
                    let label = TEXTS.iter().find(|(t, _)| t == key).map(|(_, k)| *k).unwrap_or_default();
                    let lang = locale.name_key();
                    view! {
                        <label class="text">
                            <span>{tr(label)}" · "{tr(lang)}</span>
                            <textarea data-testid=format!("text-{}-{}", key.as_str(), locale.tag())
                                prop:value=move || sig.get()
                                on:input=move |ev| sig.set(event_target_value(&ev))></textarea>
                        </label>
                    }
                }).collect_view())}
            </fieldset>
            <fieldset>
                <legend>{tr("admin-hours")}</legend>
                <label class="check">
                    <input type="checkbox" data-testid="hours-always" prop:checked=move || always_open.get()
                        on:change=move |ev| always_open.set(event_target_checked(&ev)) />
                    {tr("admin-hours-always")}
                </label>
                <Show when=move || !always_open.get()>
                    <label>
                        <span>{tr("admin-hours-offset")}</span>
                        <input data-testid="hours-offset" prop:value=move || offset.get()
                            on:input=move |ev| offset.set(event_target_value(&ev)) />
                    </label>
                    {days.iter().enumerate().map(|(i, day)| {
                        let day = *day;
                        view! {
                            <div class="day">
                                <label class="check">
                                    <input type="checkbox" data-testid=format!("hours-open-{i}")
                                        prop:checked=move || day.open.get()
                                        on:change=move |ev| day.open.set(event_target_checked(&ev)) />
                                    {tr(WEEKDAYS[i])}
                                </label>
                                <input type="time" data-testid=format!("hours-start-{i}") prop:value=move || day.start.get()
                                    on:input=move |ev| day.start.set(event_target_value(&ev)) />
                                <input type="time" data-testid=format!("hours-end-{i}") prop:value=move || day.end.get()
                                    on:input=move |ev| day.end.set(event_target_value(&ev)) />
                            </div>
                        }
                    }).collect_view()}
                    <label>
                        <span>{tr("admin-hours-holidays")}</span>
                        <input data-testid="hours-holidays" placeholder="2026-10-01, 2026-10-02"
                            prop:value=move || holidays.get()
                            on:input=move |ev| holidays.set(event_target_value(&ev)) />
                    </label>
                </Show>
            </fieldset>
            <fieldset>
                <legend>{tr("admin-llm")}</legend>
                <p class="muted">{tr("admin-llm-hint")}</p>
                <label class="check">
                    <input type="checkbox" data-testid="llm-on" prop:checked=move || llm_on.get()
                        on:change=move |ev| llm_on.set(event_target_checked(&ev)) />
                    {tr("admin-llm-on")}
                </label>
                <Show when=move || llm_on.get()>
                    <label>
                        <span>{tr("admin-llm-url")}</span>
                        <input data-testid="llm-url" placeholder="https://api.example.com/v1"
                            prop:value=move || llm_url.get() on:input=move |ev| llm_url.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        <span>{tr("admin-llm-model")}</span>
                        <input data-testid="llm-model" prop:value=move || llm_model.get()
                            on:input=move |ev| llm_model.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        <span>{tr("admin-llm-key")}</span>
                        <input type="password" data-testid="llm-key" autocomplete="off"
                            placeholder=move || if llm_key_set.get() { i18n.t("admin-llm-key-kept") } else { String::new() }
                            prop:value=move || llm_key.get() on:input=move |ev| llm_key.set(event_target_value(&ev)) />
                    </label>
                </Show>
            </fieldset>
            <button type="submit" data-testid="chat-settings-save">{tr("admin-save")}</button>
            {move || status.get().map(|s| match s {
                Ok(()) => view! { <span class="ok" data-testid="chat-settings-saved">{tr("admin-saved")}</span> }.into_any(),
                Err(message) => view! { <span class="error" role="alert" data-testid="chat-settings-error">{message}</span> }.into_any(),
            })}
        </form>
    }
}
