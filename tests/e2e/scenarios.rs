//! The scenarios, as a person at the app would see them.

mod chat_admin;
mod chat_desk;
mod chat_window;
mod dispatch;
mod field;
mod identity;
mod keychain;
mod language;
mod login;
mod mail;
mod mall;
mod security;
mod session;
mod sync_faults;
mod workbench;

use crate::Run;

macro_rules! scenarios {
    ($($module:ident :: $name:ident),* $(,)?) => {
        pub const ALL: &[(&str, Run)] = &[
            $((stringify!($name), |ctx| Box::pin($module::$name(ctx)))),*
        ];
    };
}

scenarios![
    chat_admin::admin_edits_texts_and_knowledge_that_visitors_see,
    chat_desk::agent_accepts_replies_and_ends_with_a_survey,
    chat_desk::long_lists_and_long_conversations_page_in_the_desk,
    chat_window::visitor_window_switches_language_and_the_ai_answers,
    chat_window::the_snippet_embeds_the_window_in_another_site,
    chat_window::the_window_speaks_the_visitors_language_before_it_connects,
    chat_window::a_long_conversation_opens_at_its_newest_and_loads_earlier,
    chat_window::the_window_asks_who_first_keeps_refused_messages_and_ends_with_a_rating,
    dispatch::supervisor_sets_rules_and_orders_reach_the_right_group,
    dispatch::provider_admin_names_a_crew_and_only_the_lead_acts,
    field::admin_designs_a_template_and_prints_labels,
    field::customer_signs_on_the_pad,
    field::engineer_works_offline_and_the_server_gets_exactly_that,
    identity::agent_sees_work_orders_only_of_verified_visitors,
    keychain::keychain_keeps_tokens_per_profile,
    mail::admin_adds_a_mailbox_and_the_test_names_a_wrong_password,
    mail::agent_writes_from_an_alias_and_the_customers_reply_arrives_live,
    mail::agent_groups_orders_reads_html_and_transfers_mail,
    mail::visitor_has_the_chat_transcript_mailed,
    mall::customer_buys_parts_for_their_device_and_follows_the_admins_shipment,
    mall::provider_buys_at_its_tier_price_to_its_depot,
    mall::engineer_sends_a_devices_parts_and_the_customer_approves_and_pays,
    login::login_shows_the_workbench,
    login::wrong_password_shows_a_localized_error,
    login::unreachable_server_and_bad_input_show_localized_errors,
    language::language_switch_changes_texts_and_persists,
    security::admin_disables_a_user_and_everyone_ends_their_own_sessions,
    session::restart_keeps_the_session_and_logout_ends_it,
    session::connection_indicator_follows_the_server,
    session::revoked_session_returns_to_login,
    sync_faults::offline_sync_converges_under_faults,
    workbench::agent_keeps_quick_replies_and_reads_the_enterprises,
    workbench::supervisor_switches_layouts_live_and_the_agents_draft_stays,
    workbench::agent_replies_with_quick_replies_by_shortcut_pinyin_and_picker,
];
