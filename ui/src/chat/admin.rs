//! Admin pages of the online service: the chat window's languages, texts
//! and business hours, and the knowledge articles the AI agent answers
//! from.

use fieldesk_core::Locale;
use fieldesk_core::business_hours::{BusinessHours, Interval, LocalDate};
use fieldesk_core::chat::{ChatSettingsBody, LlmSettings, TenantText, TenantTextEntry};
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};
use fieldesk_core::knowledge::{Article, ArticleInput};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::chat;
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

    spawn_local(async move {
        match chat::settings().await {
            Ok(s) => {
                languages.set(s.languages);
                avg.set(s.avg_handle_secs);
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
        let body = ChatSettingsBody {
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

#[component]
pub fn KnowledgePanel() -> impl IntoView {
    let i18n = use_i18n();
    let articles = RwSignal::new(Vec::<Article>::new());
    let editing = RwSignal::new(None::<i64>);
    let title = RwSignal::new(String::new());
    let space = RwSignal::new("help".to_owned());
    let locale = RwSignal::new(i18n.locale.get_untracked());
    let tags = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match chat::articles().await {
                Ok(list) => articles.set(list),
                Err(e) => error.set(Some(i18n.t(e.code.message_key()))),
            }
        })
    };
    reload();
    let clear = move || {
        editing.set(None);
        title.set(String::new());
        tags.set(String::new());
        body.set(String::new());
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = ArticleInput {
            space: space.get_untracked(),
            title: title.get_untracked(),
            body: body.get_untracked(),
            locale: locale.get_untracked(),
            tags: tags
                .get_untracked()
                .split([',', '，'])
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
        };
        let id = editing.get_untracked();
        spawn_local(async move {
            match chat::save_article(id, &input).await {
                Ok(_) => {
                    error.set(None);
                    clear();
                    reload();
                }
                Err(e) => error.set(Some(i18n.t(e.code.message_key()))),
            }
        });
    };
    view! {
        <section class="panel admin" data-testid="knowledge">
            <h2>{tr("admin-knowledge")}</h2>
            <ul class="articles">
                <For each=move || articles.get() key=|a| (a.id, a.updated_at) let:a>
                    {
                        let article = a.clone();
                        let id = a.id;
                        view! {
                            <li data-testid="kb-article">
                                <button class="link" on:click=move |_| {
                                    editing.set(Some(article.id));
                                    title.set(article.title.clone());
                                    space.set(article.space.clone());
                                    locale.set(article.locale);
                                    tags.set(article.tags.join(", "));
                                    body.set(article.body.clone());
                                }>{a.title.clone()}</button>
                                <span class="muted">{a.space.clone()}" · "{tr(a.locale.name_key())}</span>
                                <button class="link" data-testid="kb-delete" on:click=move |_| {
                                    spawn_local(async move {
                                        match chat::delete_article(id).await {
                                            Ok(()) => reload(),
                                            Err(e) => error.set(Some(i18n.t(e.code.message_key()))),
                                        }
                                    });
                                }>{tr("admin-delete")}</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <form class="article-form" on:submit=save>
                <input data-testid="kb-title" placeholder=move || i18n.t("admin-kb-title")
                    prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
                <input data-testid="kb-space" placeholder=move || i18n.t("admin-kb-space")
                    prop:value=move || space.get() on:input=move |ev| space.set(event_target_value(&ev)) />
                <select data-testid="kb-locale" on:change=move |ev| locale.set(Locale::negotiate(&event_target_value(&ev)))>
                    {Locale::ALL.into_iter().map(|l| view! {
                        <option value=l.tag() selected=move || locale.get() == l>{tr(l.name_key())}</option>
                    }).collect_view()}
                </select>
                <input data-testid="kb-tags" placeholder=move || i18n.t("admin-kb-tags")
                    prop:value=move || tags.get() on:input=move |ev| tags.set(event_target_value(&ev)) />
                <textarea data-testid="kb-body" placeholder=move || i18n.t("admin-kb-body")
                    prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                <button type="submit" data-testid="kb-save">{tr("admin-save")}</button>
                <Show when=move || editing.get().is_some()>
                    <button type="button" class="secondary" on:click=move |_| clear()>{tr("admin-cancel")}</button>
                </Show>
            </form>
            <Show when=move || error.get().is_some()>
                <div class="error" role="alert" data-testid="kb-error">{move || error.get().unwrap_or_default()}</div>
            </Show>
        </section>
    }
}

#[component]
pub fn GroupsPanel() -> impl IntoView {
    let i18n = use_i18n();
    let groups = RwSignal::new(Vec::<ServiceGroup>::new());
    let people = RwSignal::new(Vec::<fieldesk_core::chat::ChatAgent>::new());
    let editing = RwSignal::new(None::<i64>);
    let name = RwSignal::new(String::new());
    let members = RwSignal::new(Vec::<i64>::new());
    let error = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match chat::groups().await {
                Ok(list) => groups.set(list),
                Err(e) => error.set(Some(i18n.t(e.code.message_key()))),
            }
        })
    };
    reload();
    spawn_local(async move {
        if let Ok(list) = chat::agents().await {
            people.set(list);
        }
    });
    let clear = move || {
        editing.set(None);
        name.set(String::new());
        members.set(vec![]);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = ServiceGroupInput {
            name: name.get_untracked(),
            member_ids: members.get_untracked(),
        };
        let id = editing.get_untracked();
        spawn_local(async move {
            match chat::save_group(id, &input).await {
                Ok(_) => {
                    error.set(None);
                    clear();
                    reload();
                }
                Err(e) => error.set(Some(i18n.t(e.code.message_key()))),
            }
        });
    };
    let member_names = move |ids: &[i64]| {
        people.with(|p| {
            p.iter()
                .filter(|a| ids.contains(&a.user_id))
                .map(|a| a.display_name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    view! {
        <section class="panel admin" data-testid="groups">
            <h2>{tr("admin-groups")}</h2>
            <ul class="articles">
                <For each=move || groups.get() key=|g| (g.id, g.name.clone(), g.member_ids.clone()) let:g>
                    {
                        let group = g.clone();
                        let id = g.id;
                        let ids = g.member_ids.clone();
                        view! {
                            <li data-testid="group">
                                <button class="link" on:click=move |_| {
                                    editing.set(Some(group.id));
                                    name.set(group.name.clone());
                                    members.set(group.member_ids.clone());
                                }>{g.name.clone()}</button>
                                <span class="muted">{move || member_names(&ids)}</span>
                                <button class="link" data-testid="group-delete" on:click=move |_| {
                                    spawn_local(async move {
                                        match chat::delete_group(id).await {
                                            Ok(()) => reload(),
                                            Err(e) => error.set(Some(i18n.t(e.code.message_key()))),
                                        }
                                    });
                                }>{tr("admin-delete")}</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <form class="group-form" on:submit=save>
                <input data-testid="group-name" placeholder=move || i18n.t("admin-group-name")
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                <fieldset>
                    <legend>{tr("admin-group-members")}</legend>
                    {move || people.get().into_iter().map(|a| {
                        let uid = a.user_id;
                        view! {
                            <label class="check">
                                <input type="checkbox" data-testid=format!("member-{uid}")
                                    prop:checked=move || members.get().contains(&uid)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        members.update(|m| {
                                            m.retain(|x| *x != uid);
                                            if on { m.push(uid); }
                                        });
                                    } />
                                {a.display_name}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit" data-testid="group-save">{tr("admin-save")}</button>
                <Show when=move || editing.get().is_some()>
                    <button type="button" class="secondary" on:click=move |_| clear()>{tr("admin-cancel")}</button>
                </Show>
            </form>
            <Show when=move || error.get().is_some()>
                <div class="error" role="alert" data-testid="group-error">{move || error.get().unwrap_or_default()}</div>
            </Show>
        </section>
    }
}
