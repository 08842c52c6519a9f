use std::sync::Arc;

use fieldesk_core::Role;
use fieldesk_core::device::{FieldDef, FieldType};
use fieldesk_core::standard_operation::{Step, StepKind, TemplateInput, builtin_fields};
use fieldesk_core::sync::{Envelope, Operation, Outcome, RejectReason};
use fieldesk_core::work_order::{
    Priority, WorkOrderAction, WorkOrderInput, WorkOrderStatus, WorkOrderView,
};
use serde_json::json;

use super::FieldContractStore;
use super::{two_tenants, user};
use crate::store::StoreError;
use crate::store::field::{Assignment, Pusher};

pub(crate) fn input(number: &str, customer: &str) -> WorkOrderInput {
    WorkOrderInput {
        number: number.into(),
        customer: customer.into(),
        contact: "Li".into(),
        address: "深圳市南山区科技园 1 号".into(),
        order_type: "maintenance".into(),
        priority: Priority::High,
        product_category: "chiller".into(),
        customer_tier: "VIP".into(),
        template_id: None,
        division: Some(440305),
        point: None,
        devices: vec![
            json!({"serial_number": "SN-1"})
                .as_object()
                .unwrap()
                .clone(),
            json!({"serial_number": "SN-2"})
                .as_object()
                .unwrap()
                .clone(),
        ],
    }
}

async fn order<S: FieldContractStore + ?Sized>(
    store: &S,
    tenant: i64,
    number: &str,
    customer: &str,
) -> WorkOrderView {
    store
        .create_work_order(tenant, input(number, customer))
        .await
        .unwrap()
}

/// The order as stored now (it must exist).
async fn stored<S: FieldContractStore + ?Sized>(store: &S, tenant: i64, id: i64) -> WorkOrderView {
    store.work_order(tenant, id).await.unwrap().unwrap()
}

fn engineer(user_id: i64) -> Pusher {
    Pusher {
        user_id,
        dispatcher: false,
    }
}

fn dispatcher() -> Pusher {
    Pusher {
        user_id: 0,
        dispatcher: true,
    }
}

fn op(op_id: &str, op: Operation) -> Envelope {
    Envelope {
        op_id: op_id.into(),
        op,
    }
}

fn transition(work_order: i64, action: WorkOrderAction) -> Operation {
    Operation::Transition { work_order, action }
}

/// Gives `order` to `engineers` as a dispatcher does.
async fn assign<S: FieldContractStore + ?Sized>(
    store: &S,
    tenant: i64,
    order: i64,
    engineers: Vec<i64>,
    n: u32,
) {
    let change = Assignment {
        dispatch: None,
        transition: Some((
            dispatcher(),
            op(
                &format!("assign-{n}"),
                transition(order, WorkOrderAction::Assign),
            ),
        )),
        assignees: Some((engineers, None)),
    };
    let outcome = store.assign(tenant, order, change).await.unwrap();
    assert!(
        matches!(outcome, Some(Outcome::Applied { .. })),
        "{outcome:?}"
    );
}

pub async fn work_orders_are_created_read_and_listed_per_tenant_and_assignee<
    S: FieldContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let eve = user(&*store, &a, "eve", Role::Engineer).await;
    let one = order(&*store, a.id, "WO-1", "Acme").await;
    assert_eq!(one.status, WorkOrderStatus::New);
    assert_eq!(
        (one.number.as_str(), one.customer_tier.as_str()),
        ("WO-1", "VIP")
    );
    assert_eq!(one.devices.len(), 2);
    assert!(one.assignees.is_empty() && one.steps.is_empty() && one.lead.is_none());
    // Numbers are unique per tenant; another tenant may use the same.
    assert!(matches!(
        store.create_work_order(a.id, input("WO-1", "x")).await,
        Err(StoreError::Conflict(_))
    ));
    let other = order(&*store, b.id, "WO-1", "Globex").await;
    let two = order(&*store, a.id, "WO-2", "Acme").await;
    assert_eq!(
        store.work_order(a.id, one.id).await.unwrap(),
        Some(one.clone())
    );
    assert_eq!(store.work_order(a.id, other.id).await.unwrap(), None);
    assert_eq!(store.work_order(b.id, one.id).await.unwrap(), None);
    let ids = |v: Vec<WorkOrderView>| v.into_iter().map(|o| o.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.work_orders(a.id, None).await.unwrap()),
        vec![one.id, two.id]
    );
    assert!(
        store
            .work_orders(a.id, Some(eve.id))
            .await
            .unwrap()
            .is_empty()
    );
    assign(&*store, a.id, two.id, vec![eve.id], 1).await;
    assert_eq!(
        ids(store.work_orders(a.id, Some(eve.id)).await.unwrap()),
        vec![two.id]
    );
    assert_eq!(
        store.statuses(a.id, Some(eve.id)).await.unwrap(),
        vec![(two.id, WorkOrderStatus::Assigned)]
    );
    assert_eq!(
        store.statuses(a.id, None).await.unwrap(),
        vec![
            (one.id, WorkOrderStatus::New),
            (two.id, WorkOrderStatus::Assigned)
        ]
    );
    assert_eq!(
        store.statuses(b.id, None).await.unwrap(),
        vec![(other.id, WorkOrderStatus::New)]
    );
}

pub async fn an_updated_order_keeps_what_it_does_not_change<S: FieldContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let one = order(&*store, a.id, "WO-1", "Acme").await;
    let mut changed = one.clone();
    changed.customer = "Acme Hospital".into();
    changed.address = "广州市天河区体育西路 100 号".into();
    changed.division = Some(440106);
    changed.priority = Priority::Urgent;
    changed.customer_tier = String::new();
    store
        .update_work_order(a.id, changed.clone())
        .await
        .unwrap();
    let after = stored(&*store, a.id, one.id).await;
    assert_eq!(
        (
            after.customer.as_str(),
            after.address.as_str(),
            after.division,
            after.priority
        ),
        (
            "Acme Hospital",
            "广州市天河区体育西路 100 号",
            Some(440106),
            Priority::Urgent
        )
    );
    assert_eq!(after.customer_tier, "");
    assert_eq!(
        (after.number.clone(), after.devices.clone()),
        (one.number.clone(), one.devices.clone())
    );
    // Not through another tenant.
    let mut foreign = after.clone();
    foreign.customer = "Hijacked".into();
    let _ = store.update_work_order(b.id, foreign).await;
    assert_eq!(
        stored(&*store, a.id, one.id).await.customer,
        "Acme Hospital"
    );
}

pub async fn an_operation_is_applied_once_and_answered_the_same_on_retry<
    S: FieldContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, _) = two_tenants(&*store).await;
    let eve = user(&*store, &a, "eve", Role::Engineer).await;
    let order = order(&*store, a.id, "WO-1", "Acme").await;
    assign(&*store, a.id, order.id, vec![eve.id], 1).await;
    let me = engineer(eve.id);
    let accept = op("op-1", transition(order.id, WorkOrderAction::Accept));
    let first = store.apply_op(a.id, me, accept.clone()).await.unwrap();
    assert!(matches!(first.outcome, Outcome::Applied { .. }));
    assert_eq!(first.engineers, vec![eve.id], "the engineers are told");
    let again = store.apply_op(a.id, me, accept).await.unwrap();
    assert_eq!(again.outcome, first.outcome, "the first answer");
    assert!(again.engineers.is_empty(), "nothing changed");
    let log = store
        .changes_after(a.id, Some(eve.id), 0, 100)
        .await
        .unwrap();
    assert_eq!(log.iter().filter(|c| c.op_id == "op-1").count(), 1);
    assert_eq!(
        stored(&*store, a.id, order.id).await.status,
        WorkOrderStatus::Accepted
    );
    // A step value: last write wins, the replaced one kept.
    let d = order.devices[0].id;
    let step = |n: &str, value| {
        op(
            n,
            Operation::StepResult {
                work_order: order.id,
                device: d,
                step: 1,
                value,
                base_seq: 0,
            },
        )
    };
    assert!(matches!(
        store
            .apply_op(a.id, me, step("op-2", json!("a")))
            .await
            .unwrap()
            .outcome,
        Outcome::Applied { .. }
    ));
    let over = store
        .apply_op(a.id, me, step("op-3", json!("b")))
        .await
        .unwrap()
        .outcome;
    assert!(
        matches!(over, Outcome::AppliedOver { ref previous, .. } if *previous == json!("a")),
        "{over:?}"
    );
    let view = stored(&*store, a.id, order.id).await;
    assert_eq!(
        view.steps
            .iter()
            .map(|s| s.value.clone())
            .collect::<Vec<_>>(),
        vec![json!("b")]
    );
    assert_eq!(
        view.replaced
            .iter()
            .map(|s| s.value.clone())
            .collect::<Vec<_>>(),
        vec![json!("a")]
    );
    // Refused: answered, nothing written, the same on retry.
    let close = op("op-4", transition(order.id, WorkOrderAction::Close));
    let refused = store.apply_op(a.id, me, close.clone()).await.unwrap();
    assert_eq!(
        refused.outcome,
        Outcome::Rejected {
            reason: RejectReason::NotAllowed
        }
    );
    assert!(refused.engineers.is_empty());
    assert_eq!(
        store.apply_op(a.id, me, close).await.unwrap().outcome,
        refused.outcome
    );
    assert!(
        store
            .changes_after(a.id, None, 0, 100)
            .await
            .unwrap()
            .iter()
            .all(|c| c.op_id != "op-4")
    );
    assert_eq!(
        store.last_change(a.id).await.unwrap(),
        store
            .changes_after(a.id, None, 0, 100)
            .await
            .unwrap()
            .last()
            .unwrap()
            .seq
    );
}

pub async fn op_ids_belong_to_their_user<S: FieldContractStore + ?Sized>(store: Arc<S>) {
    let (a, b) = two_tenants(&*store).await;
    let eve = user(&*store, &a, "eve", Role::Engineer).await;
    let max = user(&*store, &a, "max", Role::Engineer).await;
    let order = order(&*store, a.id, "WO-1", "Acme").await;
    assign(&*store, a.id, order.id, vec![eve.id, max.id], 1).await;
    let note = |text: &str| {
        op(
            "same-id",
            Operation::Note {
                work_order: order.id,
                text: text.into(),
            },
        )
    };
    store
        .apply_op(a.id, engineer(eve.id), note("eve's"))
        .await
        .unwrap();
    store
        .apply_op(a.id, engineer(max.id), note("max's"))
        .await
        .unwrap();
    let notes: Vec<_> = store
        .changes_after(a.id, None, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.op_id == "same-id")
        .collect();
    assert_eq!(notes.len(), 2, "two users' operations, not one retried");
    // Through another tenant the order does not exist.
    let foreign = store
        .apply_op(
            b.id,
            dispatcher(),
            op("x-1", transition(order.id, WorkOrderAction::Cancel)),
        )
        .await
        .unwrap();
    assert_eq!(
        foreign.outcome,
        Outcome::Rejected {
            reason: RejectReason::UnknownWorkOrder
        }
    );
    assert_eq!(
        stored(&*store, a.id, order.id).await.status,
        WorkOrderStatus::Assigned
    );
}

pub async fn an_assignment_is_one_write_and_a_refused_transition_writes_nothing<
    S: FieldContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let eve = user(&*store, &a, "eve", Role::Engineer).await;
    let max = user(&*store, &a, "max", Role::Engineer).await;
    let order = order(&*store, a.id, "WO-1", "Acme").await;
    assign(&*store, a.id, order.id, vec![eve.id, max.id], 1).await;
    // With a lead, the other collaborates.
    let crew = Assignment {
        dispatch: None,
        transition: None,
        assignees: Some((vec![eve.id, max.id], Some(eve.id))),
    };
    assert_eq!(store.assign(a.id, order.id, crew).await.unwrap(), None);
    let view = stored(&*store, a.id, order.id).await;
    assert_eq!(
        (view.assignees.clone(), view.lead),
        (vec![eve.id, max.id], Some(eve.id))
    );
    // Close is illegal from Assigned: nothing of the change is written.
    let refused = Assignment {
        dispatch: None,
        transition: Some((
            dispatcher(),
            op("close-1", transition(order.id, WorkOrderAction::Close)),
        )),
        assignees: Some((vec![max.id], None)),
    };
    let outcome = store.assign(a.id, order.id, refused).await.unwrap();
    assert!(
        matches!(outcome, Some(Outcome::Rejected { .. })),
        "{outcome:?}"
    );
    let after = stored(&*store, a.id, order.id).await;
    assert_eq!(
        (after.assignees, after.lead, after.status),
        (
            vec![eve.id, max.id],
            Some(eve.id),
            WorkOrderStatus::Assigned
        )
    );
    // Another tenant's order is not found.
    let foreign = Assignment {
        dispatch: None,
        transition: None,
        assignees: Some((vec![], None)),
    };
    assert!(matches!(
        store.assign(b.id, order.id, foreign).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(stored(&*store, a.id, order.id).await.assignees.len(), 2);
}

pub async fn changes_page_after_a_cursor_for_what_the_user_may_see<
    S: FieldContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let eve = user(&*store, &a, "eve", Role::Engineer).await;
    let max = user(&*store, &a, "max", Role::Engineer).await;
    let mine = order(&*store, a.id, "WO-1", "Acme").await;
    let theirs = order(&*store, a.id, "WO-2", "Acme").await;
    assign(&*store, a.id, mine.id, vec![eve.id], 1).await;
    assign(&*store, a.id, theirs.id, vec![max.id], 2).await;
    let me = engineer(eve.id);
    for n in 0..5 {
        let note = op(
            &format!("n-{n}"),
            Operation::Note {
                work_order: mine.id,
                text: format!("note {n}"),
            },
        );
        store.apply_op(a.id, me, note).await.unwrap();
    }
    let all = store
        .changes_after(a.id, Some(eve.id), 0, 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 6, "the assignment and five notes");
    assert!(
        all.iter().all(|c| c.op.work_order() == mine.id),
        "not max's order"
    );
    assert!(
        all.windows(2).all(|w| w[0].seq < w[1].seq),
        "in server order"
    );
    let page = store.changes_after(a.id, Some(eve.id), 0, 2).await.unwrap();
    assert_eq!(page, all[..2].to_vec());
    let rest = store
        .changes_after(a.id, Some(eve.id), page[1].seq, 100)
        .await
        .unwrap();
    assert_eq!(rest, all[2..].to_vec());
    assert_eq!(
        store.changes_after(a.id, None, 0, 100).await.unwrap().len(),
        7
    );
    assert!(
        store
            .changes_after(b.id, None, 0, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.last_change(b.id).await.unwrap(), 0);
}

pub async fn photos_are_kept_once_and_counted_per_tenant<S: FieldContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let eve = user(&*store, &a, "eve", Role::Engineer).await;
    let id = "ab".repeat(32);
    let bytes = vec![7u8; 1000];
    store
        .put_photo(a.id, id.clone(), "image/png", bytes.clone(), eve.id)
        .await
        .unwrap();
    store
        .put_photo(a.id, id.clone(), "image/png", bytes.clone(), eve.id)
        .await
        .unwrap();
    assert_eq!(
        store.photo_usage(a.id, id.clone()).await.unwrap(),
        (1000, true)
    );
    assert_eq!(
        store.photo(a.id, id.clone()).await.unwrap(),
        Some(("image/png".into(), bytes))
    );
    assert_eq!(
        store.photo_usage(b.id, id.clone()).await.unwrap(),
        (0, false)
    );
    assert_eq!(store.photo(b.id, id.clone()).await.unwrap(), None);
    assert_eq!(store.photo(a.id, "cd".repeat(32)).await.unwrap(), None);
}

pub async fn templates_and_device_fields_are_per_tenant<S: FieldContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let template = TemplateInput {
        name: "Yearly check".into(),
        steps: vec![Step {
            id: 1,
            title: "Power off".into(),
            kind: StepKind::Check,
            required: true,
        }],
        scan_field: Some("serial_number".into()),
    };
    let saved = store
        .save_template(a.id, None, template.clone())
        .await
        .unwrap();
    assert_eq!(
        (saved.name.as_str(), saved.steps.len()),
        ("Yearly check", 1)
    );
    assert!(matches!(
        store.save_template(a.id, None, template.clone()).await,
        Err(StoreError::Conflict(_))
    ));
    let mut renamed = template.clone();
    renamed.name = "Yearly check v2".into();
    let replaced = store
        .save_template(a.id, Some(saved.id), renamed)
        .await
        .unwrap();
    assert_eq!(replaced.id, saved.id);
    assert_eq!(store.templates(a.id).await.unwrap(), vec![replaced]);
    assert!(store.templates(b.id).await.unwrap().is_empty());
    assert!(
        store
            .save_template(b.id, Some(saved.id), template)
            .await
            .is_err(),
        "not another tenant's"
    );
    let custom = FieldDef {
        key: "custom.rated_power".into(),
        field_type: FieldType::Number,
    };
    store
        .set_device_fields(a.id, vec![custom.clone()])
        .await
        .unwrap();
    let mut expected = builtin_fields();
    expected.push(custom);
    assert_eq!(store.device_fields(a.id).await.unwrap(), expected);
    assert_eq!(store.device_fields(b.id).await.unwrap(), builtin_fields());
    store.set_device_fields(a.id, vec![]).await.unwrap();
    assert_eq!(store.device_fields(a.id).await.unwrap(), builtin_fields());
}

pub async fn customer_orders_are_the_customers_newest_first<S: FieldContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let one = order(&*store, a.id, "WO-1", "Acme Hospital").await;
    let two = order(&*store, a.id, "WO-2", " acme hospital ").await;
    order(&*store, a.id, "WO-3", "Globex").await;
    order(&*store, b.id, "WO-4", "Acme Hospital").await;
    let found = store
        .customer_orders(a.id, "ACME HOSPITAL".into(), 10)
        .await
        .unwrap();
    let mut ids: Vec<i64> = found.iter().map(|o| o.id).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        vec![one.id, two.id],
        "by name, any case, trimmed; not another tenant's"
    );
    assert!(
        found
            .windows(2)
            .all(|w| (w[0].updated_at, w[0].id) >= (w[1].updated_at, w[1].id)),
        "newest first"
    );
    assert_eq!(
        store
            .customer_orders(a.id, "Acme Hospital".into(), 1)
            .await
            .unwrap()
            .len(),
        1
    );
}
