//! The knowledge articles the AI agent answers from.

use fieldesk_core::Locale;
use fieldesk_core::knowledge::{Article, ArticleInput};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::chat;
use crate::i18n::{tr, use_i18n};

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
