//! Who sees which layout: by app, role and channel.

use super::*;

/// Who sees which layout. Changing a row's layout saves at once.
#[component]
pub(super) fn Assignments(
    book: RwSignal<LayoutBook>,
    i18n: I18n,
    on_change: Callback<Vec<Assignment>>,
) -> impl IntoView {
    let app = RwSignal::new(App::Desktop);
    let role = RwSignal::new(None::<Role>);
    let channel = RwSignal::new(None::<Channel>);
    let layout = RwSignal::new(None::<i64>);
    let role_text = move |r: Option<Role>| {
        r.map_or_else(|| i18n.t("layout-any-role"), |r| i18n.t(r.message_key()))
    };
    let channel_text = move |c: Option<Channel>| {
        c.map_or_else(|| i18n.t("layout-any-channel"), |c| i18n.t(channel_key(c)))
    };
    let layout_options = move |chosen: Option<i64>| {
        book.get()
            .layouts
            .into_iter()
            .map(|l| view! { <option value=l.id.to_string() selected=chosen == Some(l.id)>{l.name}</option> })
            .collect_view()
    };
    view! {
        <fieldset class="assignments" data-testid="assignments">
            <legend>{tr("layout-assignments")}</legend>
            <table>
                <thead><tr>
                    <th>{tr("layout-app")}</th><th>{tr("layout-role")}</th><th>{tr("layout-channel")}</th>
                    <th>{tr("layout-layout")}</th><th></th>
                </tr></thead>
                <tbody>
                    {move || book.get().assignments.into_iter().enumerate().map(|(i, a)| {
                        let key = format!("{}/{}/{}", a.app.as_str(), opt_wire(a.role), opt_wire(a.channel));
                        view! {
                            <tr data-testid="assignment" data-key=key>
                                <td>{tr(app_key(a.app))}</td>
                                <td>{role_text(a.role)}</td>
                                <td>{channel_text(a.channel)}</td>
                                <td>
                                    <select data-testid="assignment-layout" aria-label=move || i18n.t("layout-layout")
                                        on:change=move |ev| {
                                            let Ok(id) = event_target_value(&ev).parse::<i64>() else { return };
                                            let mut all = book.get_untracked().assignments;
                                            all[i].layout = id;
                                            on_change.run(all);
                                        }>
                                        {layout_options(Some(a.layout))}
                                    </select>
                                </td>
                                <td><button class="secondary" data-testid="assignment-remove" on:click=move |_| {
                                    let mut all = book.get_untracked().assignments;
                                    all.remove(i);
                                    on_change.run(all);
                                }>{tr("layout-remove")}</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <div class="add-row">
                <select data-testid="assign-app" aria-label=move || i18n.t("layout-app")
                    on:change=move |ev| if let Some(a) = from_wire(&event_target_value(&ev)) { app.set(a) }>
                    {App::ALL.into_iter().map(|a| view! { <option value=a.as_str()>{tr(app_key(a))}</option> }).collect_view()}
                </select>
                <select data-testid="assign-role" aria-label=move || i18n.t("layout-role")
                    on:change=move |ev| role.set(from_wire(&event_target_value(&ev)))>
                    <option value="any">{tr("layout-any-role")}</option>
                    {ROLES.into_iter().map(|r| view! { <option value=r.as_str()>{tr(r.message_key())}</option> }).collect_view()}
                </select>
                <select data-testid="assign-channel" aria-label=move || i18n.t("layout-channel")
                    on:change=move |ev| channel.set(from_wire(&event_target_value(&ev)))>
                    <option value="any">{tr("layout-any-channel")}</option>
                    {Channel::ALL.into_iter().map(|c| view! { <option value=c.as_str()>{tr(channel_key(c))}</option> }).collect_view()}
                </select>
                <select data-testid="assign-layout" aria-label=move || i18n.t("layout-layout")
                    on:change=move |ev| layout.set(event_target_value(&ev).parse().ok())>
                    <option value="">{tr("layout-pick")}</option>
                    {move || layout_options(None)}
                </select>
                <button class="secondary" data-testid="assign-add" on:click=move |_| {
                    let Some(layout) = layout.get_untracked() else { return };
                    let mut all = book.get_untracked().assignments;
                    let (app, role, channel) = (app.get_untracked(), role.get_untracked(), channel.get_untracked());
                    // The same app, role and channel: the new layout replaces the old.
                    all.retain(|a| (a.app, a.role, a.channel) != (app, role, channel));
                    all.push(Assignment { layout, app, role, channel });
                    on_change.run(all);
                }>{tr("layout-assign")}</button>
            </div>
        </fieldset>
    }
}
