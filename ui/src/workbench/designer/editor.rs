//! One layout's editor: its buttons and panels, each reordered in place.

use super::*;

#[component]
pub(super) fn Editor(
    layout: Layout,
    i18n: I18n,
    on_save: Callback<Layout>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let id = layout.id;
    let name = RwSignal::new(layout.name);
    let workbench_name = RwSignal::new(layout.workbench_name);
    let buttons = RwSignal::new(layout.buttons);
    let panels = RwSignal::new(layout.panels);
    // New-button and new-panel fields.
    let new_action = RwSignal::new(Action::QuickReplies);
    let url_label = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let panel_label = RwSignal::new(String::new());
    let panel_target = RwSignal::new(String::new());
    let new_panel = RwSignal::new("visitor_profile".to_owned());
    let spaces = RwSignal::new(String::new());
    let assist = RwSignal::new(true);
    let click_to_insert = RwSignal::new(true);
    let web_id = RwSignal::new(String::new());
    let web_title = RwSignal::new(String::new());
    let web_url = RwSignal::new(String::new());

    let add_panel = move |_| {
        let kind = new_panel.get_untracked();
        let panel = match kind.as_str() {
            "ai_agent" => Panel::AiAgent {
                spaces: crate::dispatch::split(&spaces.get_untracked()),
                assist: assist.get_untracked(),
                click_to_insert: click_to_insert.get_untracked(),
            },
            "web" => Panel::Web {
                id: web_id.get_untracked().trim().to_owned(),
                title: web_title.get_untracked().trim().to_owned(),
                url: web_url.get_untracked().trim().to_owned(),
            },
            other => match SIMPLE_PANELS.iter().find(|(n, _)| *n == other) {
                Some((_, p)) => p.clone(),
                None => return,
            },
        };
        panels.update(|p| p.push(panel));
    };
    let save = move |_| {
        on_save.run(Layout {
            id,
            name: name.get_untracked(),
            workbench_name: workbench_name.get_untracked(),
            buttons: buttons.get_untracked(),
            panels: panels.get_untracked(),
        })
    };
    let web_ids = move || {
        panels.with(|all| {
            all.iter()
                .filter_map(|p| match p {
                    Panel::Web { id, .. } => Some(id.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
    };

    view! {
        <form class="layout-editor panel" data-testid="layout-editor" on:submit=|ev| ev.prevent_default()>
            <label>{tr("layout-name")}
                <input data-testid="layout-name" maxlength="100" prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev)) /></label>
            <label>{tr("layout-workbench-name")}
                <input data-testid="layout-workbench-name" maxlength="100" prop:value=move || workbench_name.get()
                    on:input=move |ev| workbench_name.set(event_target_value(&ev)) /></label>
            <fieldset>
                <legend>{tr("layout-buttons")}</legend>
                <ol class="ordered">
                    {move || buttons.get().into_iter().enumerate().map(|(i, b)| view! {
                        <li data-testid="layout-button-row">
                            <span>{button_text(i18n, &b)}</span>
                            <OrderControls i18n at=i list=buttons />
                        </li>
                    }).collect_view()}
                </ol>
                <div class="add-row">
                    <select data-testid="layout-add-action" aria-label=move || i18n.t("layout-builtin")
                        on:change=move |ev| if let Some(a) = from_wire(&event_target_value(&ev)) { new_action.set(a) }>
                        {ACTIONS.into_iter().map(|a| view! {
                            <option value=action_wire(a) selected=move || new_action.get() == a>{tr(action_key(a))}</option>
                        }).collect_view()}
                    </select>
                    <button type="button" class="secondary" data-testid="layout-add-builtin"
                        on:click=move |_| buttons.update(|b| b.push(Button::Builtin { action: new_action.get_untracked() }))>
                        {tr("layout-add")}</button>
                </div>
                <div class="add-row">
                    <input data-testid="layout-url-label" placeholder=move || i18n.t("layout-label")
                        aria-label=move || i18n.t("layout-label")
                        prop:value=move || url_label.get() on:input=move |ev| url_label.set(event_target_value(&ev)) />
                    <input data-testid="layout-url" placeholder="https://crm.example.com/?v={{visitor.name}}"
                        aria-label=move || i18n.t("layout-url")
                        prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev)) />
                    <button type="button" class="secondary" data-testid="layout-add-url" on:click=move |_| {
                        buttons.update(|b| b.push(Button::OpenUrl { label: url_label.get_untracked().trim().to_owned(), url: url.get_untracked().trim().to_owned() }));
                    }>{tr("layout-add-url")}</button>
                </div>
                <div class="add-row">
                    <input data-testid="layout-panel-label" placeholder=move || i18n.t("layout-label")
                        aria-label=move || i18n.t("layout-label")
                        prop:value=move || panel_label.get() on:input=move |ev| panel_label.set(event_target_value(&ev)) />
                    <select data-testid="layout-panel-target" aria-label=move || i18n.t("panel-web")
                        on:change=move |ev| panel_target.set(event_target_value(&ev))>
                        <option value="">{tr("layout-pick-web-panel")}</option>
                        {move || web_ids().into_iter().map(|id| view! { <option value=id.clone()>{id.clone()}</option> }).collect_view()}
                    </select>
                    <button type="button" class="secondary" data-testid="layout-add-open-panel" on:click=move |_| {
                        buttons.update(|b| b.push(Button::OpenPanel { label: panel_label.get_untracked().trim().to_owned(), panel: panel_target.get_untracked() }));
                    }>{tr("layout-add-open-panel")}</button>
                </div>
            </fieldset>
            <fieldset>
                <legend>{tr("layout-panels")}</legend>
                <ol class="ordered">
                    {move || panels.get().into_iter().enumerate().map(|(i, p)| view! {
                        <li data-testid="layout-panel-row">
                            <span>{panel_text(i18n, &p)}</span>
                            <OrderControls i18n at=i list=panels />
                        </li>
                    }).collect_view()}
                </ol>
                <div class="add-row">
                    <select data-testid="layout-add-panel-kind" aria-label=move || i18n.t("layout-panel-kind")
                        on:change=move |ev| new_panel.set(event_target_value(&ev))>
                        {SIMPLE_PANELS.into_iter().map(|(n, p)| view! { <option value=n>{tr(panel_key(&p))}</option> }).collect_view()}
                        <option value="ai_agent">{tr("panel-ai-agent")}</option>
                        <option value="web">{tr("panel-web")}</option>
                    </select>
                    <button type="button" class="secondary" data-testid="layout-add-panel" on:click=add_panel>{tr("layout-add")}</button>
                </div>
                <div class="add-row" class:hidden=move || new_panel.get() != "ai_agent">
                    <input data-testid="layout-ai-spaces" placeholder=move || i18n.t("layout-spaces")
                        aria-label=move || i18n.t("layout-spaces")
                        prop:value=move || spaces.get() on:input=move |ev| spaces.set(event_target_value(&ev)) />
                    <label class="check"><input type="checkbox" data-testid="layout-ai-assist" prop:checked=move || assist.get()
                        on:change=move |ev| assist.set(event_target_checked(&ev)) />{tr("layout-assist")}</label>
                    <label class="check"><input type="checkbox" data-testid="layout-ai-click" prop:checked=move || click_to_insert.get()
                        on:change=move |ev| click_to_insert.set(event_target_checked(&ev)) />{tr("layout-click-to-insert")}</label>
                </div>
                <div class="add-row" class:hidden=move || new_panel.get() != "web">
                    <input data-testid="layout-web-id" placeholder=move || i18n.t("layout-web-id")
                        aria-label=move || i18n.t("layout-web-id")
                        prop:value=move || web_id.get() on:input=move |ev| web_id.set(event_target_value(&ev)) />
                    <input data-testid="layout-web-title" placeholder=move || i18n.t("layout-web-title")
                        aria-label=move || i18n.t("layout-web-title")
                        prop:value=move || web_title.get() on:input=move |ev| web_title.set(event_target_value(&ev)) />
                    <input data-testid="layout-web-url" placeholder="https://erp.example.com/?c={{conversation.id}}"
                        aria-label=move || i18n.t("layout-url")
                        prop:value=move || web_url.get() on:input=move |ev| web_url.set(event_target_value(&ev)) />
                </div>
            </fieldset>
            <div class="form-end">
                <button type="button" data-testid="layout-save" on:click=save>{tr("layout-save")}</button>
                <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>{tr("layout-cancel")}</button>
            </div>
        </form>
    }
}

/// Up, down and remove for one row of an ordered list.
#[component]
fn OrderControls<T: Clone + Send + Sync + 'static>(
    i18n: I18n,
    at: usize,
    list: RwSignal<Vec<T>>,
) -> impl IntoView {
    view! {
        <span class="row-controls">
            <button type="button" class="secondary icon" aria-label=move || i18n.t("layout-move-up")
                on:click=move |_| list.update(|l| moved(l, at, true))>"↑"</button>
            <button type="button" class="secondary icon" aria-label=move || i18n.t("layout-move-down")
                on:click=move |_| list.update(|l| moved(l, at, false))>"↓"</button>
            <button type="button" class="secondary icon" data-testid="layout-remove" aria-label=move || i18n.t("layout-remove")
                on:click=move |_| list.update(|l| { l.remove(at); })>"×"</button>
        </span>
    }
}
