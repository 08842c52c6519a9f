//! Resources: the skill catalog and dispatch settings, service providers
//! and their members, tenant regions, and what each group or provider
//! maintains (skills with levels, qualifications, regions served).

use fieldesk_core::Role;
use fieldesk_core::business_hours::LocalDate;
use fieldesk_core::dispatch::{
    DispatchProfile, DispatchSettings, HeldSkill, NamedRegion, Qualification, SkillDef, TargetKind,
};
use fieldesk_core::group::ServiceGroupInput;
use fieldesk_core::ipc::{ConfigChange, DispatchConfig};
use fieldesk_core::region::ServiceRegion;
use leptos::prelude::*;

use super::picker::DivisionPicker;
use super::{Config, SkillLevelDraft, SkillLevelRows, kind_key, parse_kind, split};
use crate::i18n::tr;

fn parse_date(text: &str) -> Option<LocalDate> {
    let mut parts = text.trim().split('-');
    let date = LocalDate {
        year: parts.next()?.parse().ok()?,
        month: parts.next()?.parse().ok()?,
        day: parts.next()?.parse().ok()?,
    };
    (parts.next().is_none() && (1..=12).contains(&date.month) && (1..=31).contains(&date.day))
        .then_some(date)
}

fn show_date(d: LocalDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

#[component]
pub fn ResourcesPanel(config: Config) -> impl IntoView {
    view! {
        <CatalogForm config />
        <ProfileForm config />
        <ProvidersForm config />
        <RegionForm config />
    }
}

/// One skill row of the catalog form.
#[derive(Clone, Copy)]
struct SkillDraft {
    key: usize,
    id: RwSignal<String>,
    name: RwSignal<String>,
    levels: RwSignal<String>,
}

#[component]
fn CatalogForm(config: Config) -> impl IntoView {
    let i18n = config.i18n;
    let next = StoredValue::new(0usize);
    let draft = move |def: Option<&SkillDef>| {
        let key = next.get_value();
        next.set_value(key + 1);
        SkillDraft {
            key,
            id: RwSignal::new(def.map(|d| d.key.clone()).unwrap_or_default()),
            name: RwSignal::new(def.map(|d| d.name.clone()).unwrap_or_default()),
            levels: RwSignal::new(def.map(|d| d.levels.join(", ")).unwrap_or_default()),
        }
    };
    let rows = RwSignal::new(Vec::<SkillDraft>::new());
    let collaborators = RwSignal::new(false);
    // Refill the form whenever the saved settings change.
    Effect::new(move |_| {
        let settings = config.data.with(|c| c.settings.clone());
        rows.set(settings.catalog.iter().map(|d| draft(Some(d))).collect());
        collaborators.set(settings.provider_collaborators);
    });
    let status = RwSignal::new(None::<Result<(), String>>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let catalog = rows
            .get_untracked()
            .iter()
            .map(|r| SkillDef {
                key: r.id.get_untracked().trim().to_owned(),
                name: r.name.get_untracked().trim().to_owned(),
                levels: split(&r.levels.get_untracked()),
            })
            .collect();
        let settings = DispatchSettings {
            catalog,
            provider_collaborators: collaborators.get_untracked(),
        };
        config.save(ConfigChange::Settings(settings), status);
    };
    view! {
        <section class="panel">
            <h2>{tr("dispatch-catalog")}</h2>
            <p class="muted">{tr("dispatch-catalog-hint")}</p>
            <form class="group-form" data-testid="catalog-form" on:submit=save>
                <For each=move || rows.get() key=|r| r.key let:r>
                    <div class="condition" data-testid=format!("skill-row-{}", r.key)>
                        <input class="short" data-testid=format!("skill-key-{}", r.key) prop:value=move || r.id.get()
                            placeholder=move || i18n.t("dispatch-skill-key") aria-label=move || i18n.t("dispatch-skill-key")
                            on:input=move |ev| r.id.set(event_target_value(&ev)) />
                        <input data-testid=format!("skill-name-{}", r.key) prop:value=move || r.name.get()
                            placeholder=move || i18n.t("dispatch-skill-name") aria-label=move || i18n.t("dispatch-skill-name")
                            on:input=move |ev| r.name.set(event_target_value(&ev)) />
                        <input data-testid=format!("skill-levels-{}", r.key) prop:value=move || r.levels.get()
                            placeholder=move || i18n.t("dispatch-skill-levels") aria-label=move || i18n.t("dispatch-skill-levels")
                            on:input=move |ev| r.levels.set(event_target_value(&ev)) />
                        <button type="button" class="link"
                            on:click=move |_| rows.update(|all| all.retain(|x| x.key != r.key))>{tr("field-remove")}</button>
                    </div>
                </For>
                <button type="button" class="secondary" data-testid="skill-add"
                    on:click=move |_| rows.update(|all| all.push(draft(None)))>{tr("dispatch-skill-add")}</button>
                <label class="check">
                    <input type="checkbox" data-testid="collaborators" prop:checked=move || collaborators.get()
                        on:change=move |ev| collaborators.set(event_target_checked(&ev)) />
                    {tr("dispatch-collaborators")}
                </label>
                <button type="submit" data-testid="catalog-save">{tr("field-save")}</button>
                {super::status_line(status, "catalog-status")}
            </form>
        </section>
    }
}

/// One qualification row of the profile form.
#[derive(Clone, Copy)]
struct QualificationDraft {
    key: usize,
    name: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
}

#[component]
fn ProfileForm(config: Config) -> impl IntoView {
    let i18n = config.i18n;
    let target = RwSignal::new(String::new());
    let next = StoredValue::new(0usize);
    let key = move || {
        let k = next.get_value();
        next.set_value(k + 1);
        k
    };
    let skills = RwSignal::new(Vec::<SkillLevelDraft>::new());
    let qualifications = RwSignal::new(Vec::<QualificationDraft>::new());
    let divisions = RwSignal::new(Vec::<u32>::new());
    let named = RwSignal::new(Vec::<i64>::new());
    let status = RwSignal::new(None::<Result<(), String>>);
    let parse = |value: String| -> Option<(TargetKind, i64)> {
        let (kind, id) = value.split_once(':')?;
        Some((parse_kind(kind), id.parse().ok()?))
    };
    let chosen = move || parse(target.get());
    let chosen_untracked = move || parse(target.get_untracked());
    // Picking a target loads what it maintains (right away, in the
    // handler: nothing typed after the pick can be overwritten).
    let load = move || {
        let Some((kind, id)) = chosen_untracked() else {
            return;
        };
        let profile = config.data.with_untracked(|c| {
            c.profiles
                .iter()
                .find(|p| p.kind == kind && p.id == id)
                .map(|p| p.profile.clone())
                .unwrap_or_default()
        });
        skills.set(
            profile
                .skills
                .iter()
                .enumerate()
                .map(|(k, h)| SkillLevelDraft::new(k, h.skill.clone(), h.level.clone()))
                .collect(),
        );
        qualifications.set(
            profile
                .qualifications
                .iter()
                .map(|q| QualificationDraft {
                    key: key(),
                    name: RwSignal::new(q.key.clone()),
                    from: RwSignal::new(show_date(q.valid_from)),
                    to: RwSignal::new(show_date(q.valid_to)),
                })
                .collect(),
        );
        divisions.set(profile.region.divisions.clone());
        named.set(profile.named_regions.clone());
        status.set(None);
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((kind, id)) = chosen_untracked() else {
            return;
        };
        let mut bad_date = false;
        let quals = qualifications
            .get_untracked()
            .iter()
            .filter_map(|q| {
                let (from, to) = (
                    parse_date(&q.from.get_untracked()),
                    parse_date(&q.to.get_untracked()),
                );
                bad_date |= from.is_none() || to.is_none();
                Some(Qualification {
                    key: q.name.get_untracked().trim().to_owned(),
                    valid_from: from?,
                    valid_to: to?,
                })
            })
            .collect();
        if bad_date {
            status.set(Some(Err(i18n.t("dispatch-bad-date"))));
            return;
        }
        // Polygons are kept as they were (they are drawn elsewhere).
        let polygons = config.data.with_untracked(|c| {
            c.profiles
                .iter()
                .find(|p| p.kind == kind && p.id == id)
                .map(|p| p.profile.region.polygons.clone())
                .unwrap_or_default()
        });
        let profile = DispatchProfile {
            skills: skills
                .get_untracked()
                .iter()
                .filter(|h| !h.skill.get_untracked().is_empty())
                .map(|h| HeldSkill {
                    skill: h.skill.get_untracked(),
                    level: h.level.get_untracked(),
                })
                .collect(),
            qualifications: quals,
            region: ServiceRegion {
                divisions: divisions.get_untracked(),
                polygons,
            },
            named_regions: named.get_untracked(),
        };
        config.save(ConfigChange::Profile { kind, id, profile }, status);
    };
    let targets = move || config.data.with(DispatchConfig::targets);
    let is_provider = move || chosen().is_some_and(|(k, _)| k == TargetKind::ServiceProvider);
    view! {
        <section class="panel">
            <h2>{tr("dispatch-profile")}</h2>
            <p class="muted">{tr("dispatch-profile-hint")}</p>
            <select data-testid="profile-target" aria-label=move || i18n.t("dispatch-profile")
                on:change=move |ev| {
                    target.set(event_target_value(&ev));
                    load();
                }>
                <option value="">"—"</option>
                {move || targets().into_iter().map(|(kind, id, name)| view! {
                    <option value=format!("{}:{id}", kind.as_str())>{name}" · "{tr(kind_key(kind))}</option>
                }).collect_view()}
            </select>
            <Show when=move || chosen().is_some()>
                <form class="group-form" data-testid="profile-form" on:submit=save>
                    <fieldset>
                        <legend>{tr("dispatch-skills")}</legend>
                        <SkillLevelRows config rows=skills testid="held" />
                    </fieldset>
                    <Show when=is_provider>
                        <fieldset>
                            <legend>{tr("dispatch-qualifications")}</legend>
                            <For each=move || qualifications.get() key=|q| q.key let:q>
                                <div class="condition">
                                    <input data-testid=format!("qual-name-{}", q.key) prop:value=move || q.name.get()
                                        placeholder=move || i18n.t("dispatch-qualification") aria-label=move || i18n.t("dispatch-qualification")
                                        on:input=move |ev| q.name.set(event_target_value(&ev)) />
                                    <input type="date" data-testid=format!("qual-from-{}", q.key) prop:value=move || q.from.get()
                                        aria-label=move || i18n.t("dispatch-valid-from")
                                        on:input=move |ev| q.from.set(event_target_value(&ev)) />
                                    <input type="date" data-testid=format!("qual-to-{}", q.key) prop:value=move || q.to.get()
                                        aria-label=move || i18n.t("dispatch-valid-to")
                                        on:input=move |ev| q.to.set(event_target_value(&ev)) />
                                    <button type="button" class="link"
                                        on:click=move |_| qualifications.update(|all| all.retain(|x| x.key != q.key))>{tr("field-remove")}</button>
                                </div>
                            </For>
                            <button type="button" class="secondary" data-testid="qual-add" on:click=move |_| {
                                let k = key();
                                qualifications.update(|all| all.push(QualificationDraft {
                                    key: k, name: RwSignal::new(String::new()),
                                    from: RwSignal::new(String::new()), to: RwSignal::new(String::new()),
                                }));
                            }>{tr("dispatch-qualification-add")}</button>
                        </fieldset>
                    </Show>
                    <fieldset>
                        <legend>{tr("dispatch-regions")}</legend>
                        <DivisionPicker chosen=divisions testid="profile-division" />
                        {move || config.data.get().regions.into_iter().map(|r| {
                            let id = r.id;
                            view! {
                                <label class="check">
                                    <input type="checkbox" prop:checked=move || named.with(|n| n.contains(&id))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            named.update(|n| { n.retain(|x| *x != id); if on { n.push(id) } });
                                        } />
                                    {r.name.clone()}
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <button type="submit" data-testid="profile-save">{tr("field-save")}</button>
                    {super::status_line(status, "profile-status")}
                </form>
            </Show>
        </section>
    }
}

#[component]
fn ProvidersForm(config: Config) -> impl IntoView {
    let i18n = config.i18n;
    let name = RwSignal::new(String::new());
    let members = RwSignal::new(Vec::<i64>::new());
    let status = RwSignal::new(None::<Result<(), String>>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = ServiceGroupInput {
            name: name.get_untracked(),
            member_ids: members.get_untracked(),
        };
        config.save(ConfigChange::Provider { id: None, input }, status);
    };
    view! {
        <section class="panel">
            <h2>{tr("dispatch-providers")}</h2>
            <ul class="articles">
                <For each=move || config.data.get().providers key=|p| (p.id, p.name.clone(), p.members.len()) let:p>
                    <li>
                        <span>{p.name.clone()}</span>
                        <span class="muted">{p.members.iter().map(|m| m.display_name.clone()).collect::<Vec<_>>().join(", ")}</span>
                    </li>
                </For>
            </ul>
            <form class="group-form" data-testid="provider-form" on:submit=save>
                <label>
                    <span>{tr("dispatch-provider-name")}</span>
                    <input data-testid="provider-name" maxlength="100" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <fieldset>
                    <legend>{tr("dispatch-provider-members")}</legend>
                    {move || config.data.get().users.into_iter()
                        .filter(|u| matches!(u.role, Role::Engineer | Role::ProviderAdmin))
                        .map(|u| {
                            let id = u.user_id;
                            view! {
                                <label class="check">
                                    <input type="checkbox" prop:checked=move || members.with(|m| m.contains(&id))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            members.update(|m| { m.retain(|x| *x != id); if on { m.push(id) } });
                                        } />
                                    {u.display_name.clone()}" · "{i18n.t(u.role.message_key())}
                                </label>
                            }
                        }).collect_view()}
                </fieldset>
                <button type="submit" data-testid="provider-save">{tr("field-save")}</button>
                {super::status_line(status, "provider-status")}
            </form>
        </section>
    }
}

#[component]
fn RegionForm(config: Config) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let divisions = RwSignal::new(Vec::<u32>::new());
    let status = RwSignal::new(None::<Result<(), String>>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let region = NamedRegion {
            id: 0,
            name: name.get_untracked(),
            region: ServiceRegion {
                divisions: divisions.get_untracked(),
                polygons: vec![],
            },
        };
        config.save(ConfigChange::Region(region), status);
    };
    view! {
        <section class="panel">
            <h2>{tr("dispatch-named-regions")}</h2>
            <p class="muted">{tr("dispatch-named-regions-hint")}</p>
            <ul class="articles">
                <For each=move || config.data.get().regions key=|r| (r.id, r.name.clone()) let:r>
                    <li>
                        <span>{r.name.clone()}</span>
                        <span class="muted">{r.region.divisions.iter().map(|d| super::division_path(*d)).collect::<Vec<_>>().join(", ")}</span>
                    </li>
                </For>
            </ul>
            <form class="group-form" data-testid="region-form" on:submit=save>
                <label>
                    <span>{tr("dispatch-region-name")}</span>
                    <input data-testid="region-name" maxlength="100" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <DivisionPicker chosen=divisions testid="region-division" />
                <button type="submit" data-testid="region-save">{tr("field-save")}</button>
                {super::status_line(status, "region-status")}
            </form>
        </section>
    }
}
