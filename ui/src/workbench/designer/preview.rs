//! How a layout looks to an agent of a role on a channel.

use super::*;

/// What a role sees in an app and channel, as the server resolves it.
#[component]
pub(super) fn Preview(book: RwSignal<LayoutBook>, i18n: I18n) -> impl IntoView {
    let app = RwSignal::new(App::Desktop);
    let role = RwSignal::new(Role::Agent);
    let channel = RwSignal::new(Channel::WebChat);
    let shown = RwSignal::new(None::<Layout>);
    let asked = Latest::new();
    Effect::new(move |_| {
        let (a, r, c) = (app.get(), role.get(), channel.get());
        book.track();
        let ticket = asked.ticket();
        spawn_local(async move {
            if let Ok(layout) = workbench::preview(a, r, c).await
                && asked.is_newest(ticket)
            {
                shown.set(Some(layout));
            }
        });
    });
    view! {
        <fieldset class="preview" data-testid="layout-preview">
            <legend>{tr("layout-preview")}</legend>
            <div class="add-row">
                <select data-testid="preview-app" aria-label=move || i18n.t("layout-app")
                    on:change=move |ev| if let Some(a) = from_wire(&event_target_value(&ev)) { app.set(a) }>
                    {App::ALL.into_iter().map(|a| view! { <option value=a.as_str()>{tr(app_key(a))}</option> }).collect_view()}
                </select>
                <select data-testid="preview-role" aria-label=move || i18n.t("layout-role")
                    on:change=move |ev| if let Some(r) = from_wire(&event_target_value(&ev)) { role.set(r) }>
                    {ROLES.into_iter().map(|r| view! { <option value=r.as_str()>{tr(r.message_key())}</option> }).collect_view()}
                </select>
                <select data-testid="preview-channel" aria-label=move || i18n.t("layout-channel")
                    on:change=move |ev| if let Some(c) = from_wire(&event_target_value(&ev)) { channel.set(c) }>
                    {Channel::ALL.into_iter().map(|c| view! { <option value=c.as_str()>{tr(channel_key(c))}</option> }).collect_view()}
                </select>
            </div>
            {move || shown.get().map(|l| view! {
                <div class="preview-box" data-testid="preview-result">
                    <strong data-testid="preview-name">{l.workbench_name.clone()}</strong>
                    {(l.id == 0).then(|| view! { <span class="muted">" ("{tr("layout-builtin-default")}")"</span> })}
                    <div class="chat-buttons">
                        {l.buttons.iter().map(|b| view! { <span class="tool">{button_text(i18n, b)}</span> }).collect_view()}
                    </div>
                    <ol class="preview-panels">
                        {l.panels.iter().map(|p| view! { <li data-testid="preview-panel">{panel_text(i18n, p)}</li> }).collect_view()}
                    </ol>
                </div>
            })}
        </fieldset>
    }
}
