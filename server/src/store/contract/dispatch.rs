use std::sync::Arc;

use fieldesk_core::Role;
use fieldesk_core::dispatch::{
    AutoRule, Decision, DispatchProfile, DispatchSettings, HeldSkill, NamedRegion, Rule, SkillDef,
    TargetKind, TargetRef,
};
use fieldesk_core::group::ServiceGroupInput;
use fieldesk_core::region::ServiceRegion;
use fieldesk_core::work_order::{DispatchRecord, Priority, WorkOrderInput};

use super::FieldContractStore;
use super::{two_tenants, user};
use crate::store::StoreError;
use crate::store::field::Assignment;

fn team(name: &str, member_ids: Vec<i64>) -> ServiceGroupInput {
    ServiceGroupInput {
        name: name.into(),
        member_ids,
    }
}

fn region(divisions: Vec<u32>) -> ServiceRegion {
    ServiceRegion {
        divisions,
        polygons: vec![],
    }
}

fn auto_rule(name: &str, target: TargetKind) -> Rule {
    Rule::Auto(AutoRule {
        id: 0,
        name: name.into(),
        priority: 1,
        scope: vec![],
        target,
    })
}

pub async fn settings_profiles_and_regions_are_per_tenant<S: FieldContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    assert_eq!(
        store.dispatch_settings(a.id).await.unwrap(),
        DispatchSettings::default()
    );
    let settings = DispatchSettings {
        catalog: vec![SkillDef {
            key: "fitter".into(),
            name: "钳工".into(),
            levels: vec!["初级".into(), "高级".into()],
        }],
        provider_collaborators: true,
    };
    store
        .set_dispatch_settings(a.id, settings.clone())
        .await
        .unwrap();
    assert_eq!(store.dispatch_settings(a.id).await.unwrap(), settings);
    assert_eq!(
        store.dispatch_settings(b.id).await.unwrap(),
        DispatchSettings::default()
    );

    let group = store
        .save_group(a.id, None, team("深圳组", vec![]))
        .await
        .unwrap();
    let profile = DispatchProfile {
        skills: vec![HeldSkill {
            skill: "fitter".into(),
            level: "高级".into(),
        }],
        region: region(vec![440300]),
        ..DispatchProfile::default()
    };
    store
        .set_profile(a.id, TargetKind::ServiceGroup, group.id, profile.clone())
        .await
        .unwrap();
    assert_eq!(
        store.profiles(a.id).await.unwrap(),
        vec![(TargetKind::ServiceGroup, group.id, profile.clone())]
    );
    // A profile names a target of its own tenant and kind.
    assert!(matches!(
        store
            .set_profile(b.id, TargetKind::ServiceGroup, group.id, profile.clone())
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .set_profile(a.id, TargetKind::ServiceProvider, group.id, profile)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.profiles(b.id).await.unwrap().is_empty());

    let named = NamedRegion {
        id: 0,
        name: "华南".into(),
        region: region(vec![440000, 450000]),
    };
    let saved = store
        .save_named_region(a.id, None, named.clone())
        .await
        .unwrap();
    assert!(saved.id > 0);
    assert!(matches!(
        store.save_named_region(a.id, None, named.clone()).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.named_regions(a.id).await.unwrap(),
        vec![saved.clone()]
    );
    assert!(store.named_regions(b.id).await.unwrap().is_empty());
    assert!(matches!(
        store.save_named_region(b.id, Some(saved.id), named).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn providers_have_members_and_know_whom_they_serve<S: FieldContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let pat = user(&*store, &a, "pat", Role::ProviderAdmin).await;
    let lead = user(&*store, &a, "lead", Role::Engineer).await;
    let p = store
        .save_provider(a.id, None, team("粤电服务", vec![pat.id, lead.id]))
        .await
        .unwrap();
    assert_eq!(p.member_ids, vec![pat.id, lead.id]);
    assert!(matches!(
        store
            .save_provider(a.id, None, team("粤电服务", vec![]))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let renamed = store
        .save_provider(a.id, Some(p.id), team("粤电", vec![pat.id]))
        .await
        .unwrap();
    assert_eq!(
        (renamed.id, renamed.member_ids.clone()),
        (p.id, vec![pat.id])
    );
    assert_eq!(store.providers(a.id).await.unwrap(), vec![renamed]);
    assert!(store.providers(b.id).await.unwrap().is_empty());
    assert_eq!(store.providers_of(a.id, pat.id).await.unwrap(), vec![p.id]);
    assert!(store.providers_of(a.id, lead.id).await.unwrap().is_empty());
    assert!(store.providers_of(b.id, pat.id).await.unwrap().is_empty());
    assert!(matches!(
        store
            .save_provider(b.id, Some(p.id), team("x", vec![]))
            .await,
        Err(StoreError::NotFound(_))
    ));
    // Groups and providers are separate: the same id names different teams.
    let group = store
        .save_group(a.id, None, team("粤电", vec![lead.id]))
        .await
        .unwrap();
    assert_eq!(store.groups(a.id).await.unwrap(), vec![group]);
    // Orders dispatched to the provider.
    let order = store
        .create_work_order(a.id, order_input("WO-P"))
        .await
        .unwrap();
    dispatch_to(&*store, a.id, order.id, TargetRef::provider(p.id), None).await;
    assert_eq!(
        store.provider_orders(a.id, vec![p.id]).await.unwrap(),
        vec![order.id]
    );
    assert!(
        store
            .provider_orders(b.id, vec![p.id])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .provider_orders(a.id, vec![])
            .await
            .unwrap()
            .is_empty()
    );
    let stored = store.work_order(a.id, order.id).await.unwrap().unwrap();
    assert_eq!(
        stored.target.map(|t| (t.kind, t.id, t.name)),
        Some((TargetKind::ServiceProvider, p.id, "粤电".to_owned()))
    );
}

fn order_input(number: &str) -> WorkOrderInput {
    WorkOrderInput {
        number: number.into(),
        customer: "Acme".into(),
        contact: "Li".into(),
        address: "深圳市南山区科技园 1 号".into(),
        order_type: "install".into(),
        priority: Priority::Normal,
        product_category: String::new(),
        customer_tier: String::new(),
        template_id: None,
        division: Some(440305),
        point: None,
        devices: vec![],
    }
}

/// Stores a dispatch decision choosing `target` (by `by`; `None`: automatic).
async fn dispatch_to<S: FieldContractStore + ?Sized>(
    store: &S,
    tenant: i64,
    order: i64,
    target: TargetRef,
    by: Option<i64>,
) {
    let record = DispatchRecord {
        at: 1,
        by,
        decision: Decision {
            chosen: Some(target),
            unassigned_because: None,
            rules: vec![],
        },
    };
    let change = Assignment {
        dispatch: Some(record),
        transition: None,
        assignees: None,
    };
    store.assign(tenant, order, change).await.unwrap();
}

pub async fn rules_are_saved_listed_and_deleted_per_tenant<S: FieldContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let rule = store
        .save_rule(
            a.id,
            None,
            auto_rule("安装给服务商", TargetKind::ServiceProvider),
        )
        .await
        .unwrap();
    assert!(rule.id() > 0);
    assert!(matches!(
        store
            .save_rule(
                a.id,
                None,
                auto_rule("安装给服务商", TargetKind::ServiceGroup)
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    let changed = store
        .save_rule(
            a.id,
            Some(rule.id()),
            auto_rule("安装", TargetKind::ServiceGroup),
        )
        .await
        .unwrap();
    assert_eq!(changed.id(), rule.id());
    assert_eq!(store.rules(a.id).await.unwrap(), vec![changed.clone()]);
    assert!(store.rules(b.id).await.unwrap().is_empty());
    assert!(matches!(
        store.delete_rule(b.id, rule.id()).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .save_rule(
                b.id,
                Some(rule.id()),
                auto_rule("x", TargetKind::ServiceGroup)
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    store.delete_rule(a.id, rule.id()).await.unwrap();
    assert!(store.rules(a.id).await.unwrap().is_empty());
    assert!(matches!(
        store.delete_rule(a.id, rule.id()).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn dispatch_inputs_carry_targets_load_and_the_last_choice<
    S: FieldContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let group = store
        .save_group(a.id, None, team("深圳组", vec![]))
        .await
        .unwrap();
    let provider = store
        .save_provider(a.id, None, team("粤电", vec![]))
        .await
        .unwrap();
    store
        .save_rule(a.id, None, auto_rule("all", TargetKind::ServiceGroup))
        .await
        .unwrap();
    let empty = store.dispatch_inputs(a.id).await.unwrap();
    assert_eq!(empty.last_chosen, None);
    assert_eq!(empty.auto_rules.len(), 1);
    assert_eq!(empty.candidates.len(), 2, "the group and the provider");
    let one = store
        .create_work_order(a.id, order_input("WO-1"))
        .await
        .unwrap();
    let two = store
        .create_work_order(a.id, order_input("WO-2"))
        .await
        .unwrap();
    dispatch_to(&*store, a.id, one.id, TargetRef::group(group.id), None).await;
    dispatch_to(
        &*store,
        a.id,
        two.id,
        TargetRef::provider(provider.id),
        None,
    )
    .await;
    let inputs = store.dispatch_inputs(a.id).await.unwrap();
    assert_eq!(
        inputs.last_chosen,
        Some(TargetRef::provider(provider.id)),
        "the newest automatic choice, with its kind"
    );
    let load = |kind, id| {
        inputs
            .candidates
            .iter()
            .find(|c| c.kind == kind && c.id == id)
            .unwrap()
            .open_orders
    };
    assert_eq!(load(TargetKind::ServiceGroup, group.id), 1);
    assert_eq!(load(TargetKind::ServiceProvider, provider.id), 1);
    // A supervisor's choice is not the rotation's.
    let three = store
        .create_work_order(a.id, order_input("WO-3"))
        .await
        .unwrap();
    dispatch_to(&*store, a.id, three.id, TargetRef::group(group.id), Some(7)).await;
    assert_eq!(
        store.dispatch_inputs(a.id).await.unwrap().last_chosen,
        Some(TargetRef::provider(provider.id))
    );
    let other = store.dispatch_inputs(b.id).await.unwrap();
    assert!(
        other.candidates.is_empty() && other.auto_rules.is_empty() && other.last_chosen.is_none()
    );
}
