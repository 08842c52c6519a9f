//! The store contract suite: what every [`Store`] must do, written against
//! the trait only, so any backend runs it unchanged. A backend's tests
//! call [`run`] with a maker of fresh, empty stores (SQLite: a temp dir;
//! a later PostgreSQL: a fresh schema). Every contract also checks tenant
//! scoping: nothing of one tenant is read or changed through another.

mod chat;
mod dispatch;
mod field;
pub(crate) use field::input as field_input;
pub(crate) use inbox::mailbox as mailbox_body;
pub(crate) use mall::{customer as mall_customer, new_order, stocked};
pub(crate) use outbox::{builder as mail_builder, message as agent_message};
mod inbox;
mod knowledge;
mod mail;
mod mall;
mod outbox;
mod security;
mod tenants;
mod workbench;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use fieldesk_core::Role;

use super::chat::ChatStore;
use super::dispatch::DispatchStore;
use super::field::FieldStore;
use super::group::GroupStore;
use super::inbox::InboxStore;
use super::knowledge::KnowledgeStore;
use super::mail::MailStore;
use super::mall::MallStore;
use super::outbox::OutboxStore;
use super::security::SecurityStore;
use super::tenants::TenantStore;
use super::workbench::WorkbenchStore;
use super::{NewUser, Store, Tenant, User};

/// One contract on a store of type `S` (the whole [`Store`], or a
/// backend that has only some concepts' traits so far).
type Contract<S> = Box<dyn Fn(Arc<S>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// `list::<S>()`: these contracts on a store `S` with the traits they need.
macro_rules! contracts {
    // Contracts written against the whole store.
    ($list:ident: $store:ty => [$($module:ident :: $name:ident),* $(,)?]) => {
        fn $list() -> Vec<(&'static str, Contract<$store>)> {
            vec![$((
                concat!(stringify!($module), "::", stringify!($name)),
                Box::new(|store: Arc<$store>| {
                    Box::pin($module::$name(store)) as Pin<Box<dyn Future<Output = ()> + Send>>
                }) as Contract<$store>,
            )),*]
        }
    };
    // Contracts generic over a store with these traits.
    ($list:ident <$($bound:path),+> => [$($module:ident :: $name:ident),* $(,)?]) => {
        fn $list<S: $($bound +)+ ?Sized + 'static>() -> Vec<(&'static str, Contract<S>)> {
            vec![$((
                concat!(stringify!($module), "::", stringify!($name)),
                Box::new(|store: Arc<S>| {
                    Box::pin($module::$name(store)) as Pin<Box<dyn Future<Output = ()> + Send>>
                }) as Contract<S>,
            )),*]
        }
    };
}

contracts!(tenant_contracts<TenantStore> => [
    tenants::tenants_have_unique_slugs_and_are_found_by_id_and_slug,
    tenants::users_are_scoped_to_their_tenant,
    tenants::sessions_are_found_by_token_and_revoked_idempotently,
    tenants::a_new_password_revokes_the_users_sessions,
]);

contracts!(knowledge_contracts<TenantStore, KnowledgeStore> => [
    knowledge::articles_are_found_by_chinese_terms_in_their_tenant,
]);

contracts!(workbench_contracts<TenantStore, WorkbenchStore> => [
    workbench::quick_replies_are_the_users_and_the_tenants_and_saved_once,
    workbench::layouts_and_their_assignments_are_per_tenant,
]);

/// Every contract.
fn all() -> Vec<(&'static str, Contract<dyn Store>)> {
    let mut all = tenant_contracts::<dyn Store>();
    all.extend(workbench_contracts::<dyn Store>());
    all.extend(knowledge_contracts::<dyn Store>());
    all.extend(field_contracts::<dyn Store>());
    all.extend(chat_contracts::<dyn Store>());
    all.extend(security_contracts::<dyn Store>());
    all.extend(mailbox_contracts::<dyn Store>());
    all.extend(email_contracts::<dyn Store>());
    all.extend(mall_contracts::<dyn Store>());
    all.extend(store_contracts());
    all
}

/// What the field and dispatch contracts need.
pub trait FieldContractStore: TenantStore + GroupStore + FieldStore + DispatchStore {}
impl<T: TenantStore + GroupStore + FieldStore + DispatchStore + ?Sized> FieldContractStore for T {}

contracts!(field_contracts<FieldContractStore> => [
    field::work_orders_are_created_read_and_listed_per_tenant_and_assignee,
    field::an_updated_order_keeps_what_it_does_not_change,
    field::an_operation_is_applied_once_and_answered_the_same_on_retry,
    field::op_ids_belong_to_their_user,
    field::an_assignment_is_one_write_and_a_refused_transition_writes_nothing,
    field::changes_page_after_a_cursor_for_what_the_user_may_see,
    field::photos_are_kept_once_and_counted_per_tenant,
    field::templates_and_device_fields_are_per_tenant,
    field::customer_orders_are_the_customers_newest_first,
    dispatch::settings_profiles_and_regions_are_per_tenant,
    dispatch::providers_have_members_and_know_whom_they_serve,
    dispatch::rules_are_saved_listed_and_deleted_per_tenant,
    dispatch::dispatch_inputs_carry_targets_load_and_the_last_choice,
]);

/// What the chat contracts need.
pub trait ChatContractStore: TenantStore + GroupStore + ChatStore {}
impl<T: TenantStore + GroupStore + ChatStore + ?Sized> ChatContractStore for T {}

contracts!(chat_contracts<ChatContractStore> => [
    chat::chat_settings_default_and_are_per_tenant,
    chat::visitors_are_found_by_token_and_linked_to_customers,
    chat::messages_are_stored_once_per_client_id_and_page_in_order,
    chat::idle_conversations_are_found_by_their_tenants_time_and_keep_their_visit,
    chat::conversation_lists_page_by_activity_without_gaps_or_repeats,
    chat::a_patch_and_its_messages_are_one_write,
    chat::agents_capacity_and_groups_are_per_tenant,
]);

/// What the security contracts need.
pub trait SecurityContractStore: ChatContractStore + SecurityStore {}
impl<T: ChatContractStore + SecurityStore + ?Sized> SecurityContractStore for T {}

contracts!(security_contracts<SecurityContractStore> => [
    security::session_policies_default_and_are_per_tenant,
    security::live_sessions_end_one_or_all_but_the_current,
    security::disabling_or_a_new_role_ends_the_users_sessions,
    security::security_events_page_newest_first_per_tenant,
    security::purge_drops_ended_sessions_and_visitors_who_never_wrote,
]);

contracts!(mailbox_contracts<TenantStore, MailStore> => [
    mail::mailboxes_are_per_tenant_keep_passwords_and_free_their_address_when_deleted,
]);

/// What the email contracts need.
pub trait EmailContractStore: ChatContractStore + MailStore + InboxStore + OutboxStore {}
impl<T: ChatContractStore + MailStore + InboxStore + OutboxStore + ?Sized> EmailContractStore
    for T
{
}

contracts!(email_contracts<EmailContractStore> => [
    inbox::received_mail_is_kept_once_threads_within_its_tenant_and_moves_the_position,
    outbox::outgoing_mail_is_queued_once_sent_or_retried_and_stays_in_its_tenant,
    outbox::transcripts_are_queued_once_per_key_up_to_the_limit_and_thread_nothing,
]);

/// What the parts mall's contracts need.
pub trait MallContractStore: FieldContractStore + MallStore {}
impl<T: FieldContractStore + MallStore + ?Sized> MallContractStore for T {}

contracts!(mall_contracts<MallContractStore> => [
    mall::catalog_items_are_per_tenant_and_found_by_chinese_terms_sku_and_model,
    mall::item_photos_are_served_only_while_an_item_of_the_tenant_names_them,
    mall::stock_is_reserved_once_per_key_never_below_zero_and_released_shipped_or_restocked,
    mall::customers_are_per_tenant_verified_by_a_fresh_code_and_sessions_end,
    mall::settings_tiers_locations_and_price_lists_are_per_tenant,
    mall::mall_mail_is_queued_once_per_key_and_sent_or_retried,
    mall::proposals_are_sent_once_per_key_approved_by_one_checkout_and_decided_once,
]);

contracts!(store_contracts: dyn Store => [
    mail::sealed_values_are_listed_and_replaced_all_or_nothing,
]);

/// How many contracts there are (a backend may make its stores first).
pub fn count() -> usize {
    all().len()
}

/// Runs every contract, each on a fresh store from `make`, and fails
/// naming each contract that failed.
pub async fn run<F>(make: F)
where
    F: Fn() -> Arc<dyn Store>,
{
    run_each(all(), || std::future::ready(make())).await
}

async fn run_each<S, F, Fut>(contracts: Vec<(&'static str, Contract<S>)>, make: F)
where
    S: ?Sized,
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<S>>,
{
    let mut failed = vec![];
    for (name, contract) in &contracts {
        let store = make().await;
        if tokio::spawn(contract(store)).await.is_err() {
            failed.push(*name);
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} store contracts failed: {failed:?}",
        failed.len(),
        contracts.len()
    );
}

/// Two tenants, `a` and `b`.
async fn two_tenants<S: TenantStore + ?Sized>(store: &S) -> (Tenant, Tenant) {
    let a = store.create_tenant("a", "A", "A desk").await.unwrap();
    let b = store.create_tenant("b", "B", "B desk").await.unwrap();
    (a, b)
}

async fn user<S: TenantStore + ?Sized>(store: &S, tenant: &Tenant, name: &str, role: Role) -> User {
    store
        .create_user(
            tenant.id,
            NewUser {
                username: name.into(),
                display_name: name.to_uppercase(),
                role,
                password_hash: format!("hash-of-{name}"),
            },
        )
        .await
        .unwrap()
}
