//! The server's REST API as one typed table: every endpoint the app calls
//! names its method, its path, the body it takes and the answer it gives,
//! all types of this crate. The app's client sends only these (a request
//! with the wrong body or a misspelt path does not compile), and the
//! server's tests route every entry of [`ALL`] against the real router.
//!
//! An endpoint is a value holding its path and query parameters:
//! `Messages { conversation: 7, after: 0 }.path()` is
//! `/api/chat/conversations/7/messages?after=0`.

use serde::de::DeserializeOwned;

use crate::Role;
use crate::api::{LoginRequest, LoginResponse, Me, UserSummary};
use crate::chat::{
    AgentStatusBody, ChatAgent, ChatMessage, ChatSettingsBody, ConversationSummary, ListCursor,
    ReadBody, SendBody, TransferBody,
};
use crate::device::FieldDef;
use crate::dispatch::{
    DispatchProfile, DispatchSettings, NamedRegion, ProfileEntry, ProviderView, Rule, TargetKind,
};
use crate::email::html::MailHtml;
use crate::email::mailbox::{ConnectionCheck, ConnectionTest, Mailbox, MailboxBody};
use crate::email::outgoing::{ComposeBody, ReplyBody};
use crate::email::part::{MailPart, Sender};
use crate::email::quarantine::{QuarantinedMail, RetryOutcome};
use crate::group::{ServiceGroup, ServiceGroupInput};
use crate::identity::{IdentitySecret, IdentityStatus, LinkCustomerBody};
use crate::knowledge::{Article, ArticleInput};
use crate::layout::{App, Assignment, Channel, CloneBody, Layout, LayoutBook, ResolvedLayout};
use crate::mall::catalog::{Item, ItemBody};
use crate::mall::price::{PriceList, PriceListBody, ProviderTier, TierBody};
use crate::mall::{
    CheckoutBody, Location, MallSettings, Offer, Order, PayBody, ShipBody, ShipmentEventBody,
    StaffActionBody, StockBody, StockLevel,
    proposal::{DeviceParts, Proposal, ProposalBody, WorkOrderParts},
};
use crate::quick_reply::{
    ChannelsBody, GroupBody, OrderBody, QuickReply, QuickReplyBook, QuickReplyGroup,
    QuickReplyInput, Tier,
};
use crate::security::{
    DisabledBody, EndAllBody, EndedSessions, RoleBody, SecurityEvent, SessionInfo,
};
use crate::session_policy::SessionPolicy;
use crate::standard_operation::{Template, TemplateInput};
use crate::sync::{PullAnswer, PushAnswer, PushBody};
use crate::work_order::{
    CrewBody, RelatedWorkOrder, TargetBody, WorkOrderChange, WorkOrderInput, WorkOrderView,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One endpoint of the server's API.
pub trait Endpoint {
    const METHOD: Method;
    /// The path as the server routes it, parameters in braces
    /// (`/api/work-orders/{id}`).
    const TEMPLATE: &'static str;
    /// Whether a JSON body is sent (`()` bodies are not).
    const HAS_BODY: bool;
    /// What is sent: JSON unless it is [`Upload`].
    type Body;
    /// What a success answers; `()` for `204 No Content`.
    type Answer: DeserializeOwned;
    /// The path with its parameters and query, from the server's root.
    fn path(&self) -> String;
}

/// A raw body (a photo's bytes) with its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A query parameter's value; `None` leaves the parameter out.
pub trait QueryValue {
    fn query_value(&self) -> Option<String>;
}

macro_rules! query_by_display {
    ($($t:ty),*) => {$(
        impl QueryValue for $t {
            fn query_value(&self) -> Option<String> {
                Some(self.to_string())
            }
        }
    )*};
}
query_by_display!(i64, u64, u32, crate::chat::ListCursor);

macro_rules! query_by_name {
    ($($t:ty),*) => {$(
        impl QueryValue for $t {
            fn query_value(&self) -> Option<String> {
                Some(self.as_str().to_owned())
            }
        }
    )*};
}
query_by_name!(App, Role, Channel);

impl QueryValue for String {
    fn query_value(&self) -> Option<String> {
        Some(percent_encode(self))
    }
}

impl<T: QueryValue> QueryValue for Option<T> {
    fn query_value(&self) -> Option<String> {
        self.as_ref().and_then(QueryValue::query_value)
    }
}

/// Percent-encodes all but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Appends `name=value` to `path` (`?` first, then `&`) unless the value
/// is absent.
fn push_query(path: &mut String, name: &str, value: &impl QueryValue) {
    if let Some(value) = value.query_value() {
        path.push(if path.contains('?') { '&' } else { '?' });
        path.push_str(name);
        path.push('=');
        path.push_str(&value);
    }
}

macro_rules! endpoint_struct {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name;
    };
    ($(#[$meta:meta])* $name:ident { $($field:ident : $fty:ty),* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name { $(pub $field: $fty),* }
    };
}

macro_rules! endpoint_body {
    () => {
        ()
    };
    ($body:ty) => {
        $body
    };
}

macro_rules! endpoint_has_body {
    () => {
        false
    };
    ($body:ty) => {
        true
    };
}

macro_rules! endpoint_method {
    (GET) => {
        Method::Get
    };
    (POST) => {
        Method::Post
    };
    (PUT) => {
        Method::Put
    };
    (DELETE) => {
        Method::Delete
    };
}

/// The table: `Name { fields }: METHOD "template" ? query, fields
/// (Body) -> Answer;` where the template's braces name fields.
macro_rules! endpoints {
    ($(
        $(#[$meta:meta])*
        $name:ident $({ $($field:ident : $fty:ty),* $(,)? })? :
        $method:ident $template:literal $(? $($query:ident),+)?
        $(($body:ty))? -> $answer:ty;
    )*) => {
        $(
            endpoint_struct!($(#[$meta])* $name $({ $($field : $fty),* })?);

            impl Endpoint for $name {
                const METHOD: Method = endpoint_method!($method);
                const TEMPLATE: &'static str = $template;
                const HAS_BODY: bool = endpoint_has_body!($($body)?);
                type Body = endpoint_body!($($body)?);
                type Answer = $answer;

                #[allow(unused_variables, unused_mut)]
                fn path(&self) -> String {
                    let $name $({ $($field),* })? = self;
                    let mut path = format!($template);
                    $($(push_query(&mut path, stringify!($query), $query);)+)?
                    path
                }
            }
        )*

        /// Every endpoint: its method and template.
        pub const ALL: &[(Method, &str)] = &[$((endpoint_method!($method), $template)),*];
    };
}

endpoints! {
    // Sign-in and the signed-in user.
    Login: POST "/api/auth/login" (LoginRequest) -> LoginResponse;
    Logout: POST "/api/auth/logout" -> ();
    GetMe: GET "/api/me" -> Me;
    ListUsers: GET "/api/users" -> Vec<UserSummary>;

    // Security: sessions, users, the policy, the event log, chat identity.
    ListMySessions: GET "/api/sessions" -> Vec<SessionInfo>;
    EndSession { id: i64 }: DELETE "/api/sessions/{id}" -> EndedSessions;
    EndAllSessions: POST "/api/sessions/end-all" (EndAllBody) -> EndedSessions;
    ListUserSessions { user: i64 }: GET "/api/users/{user}/sessions" -> Vec<SessionInfo>;
    EndUserSessions { user: i64 }: POST "/api/users/{user}/sessions/end" -> EndedSessions;
    SetUserDisabled { user: i64 }: PUT "/api/users/{user}/disabled" (DisabledBody) -> UserSummary;
    SetUserRole { user: i64 }: PUT "/api/users/{user}/role" (RoleBody) -> UserSummary;
    GetSessionPolicy: GET "/api/security/settings" -> SessionPolicy;
    SetSessionPolicy: PUT "/api/security/settings" (SessionPolicy) -> SessionPolicy;
    ListSecurityEvents { before: Option<i64> }: GET "/api/security/events" ? before
        -> Vec<SecurityEvent>;
    GetIdentityStatus: GET "/api/chat/identity" -> IdentityStatus;
    NewIdentitySecret: POST "/api/chat/identity/secret" -> IdentitySecret;
    RemoveIdentitySecret: DELETE "/api/chat/identity/secret" -> ();

    // Live chat.
    GetAgentStatus: GET "/api/chat/status" -> AgentStatusBody;
    SetAgentStatus: PUT "/api/chat/status" (AgentStatusBody) -> AgentStatusBody;
    ListAgents: GET "/api/chat/agents" -> Vec<ChatAgent>;
    ListConversations { tab: String, before: Option<ListCursor>, limit: Option<u32> }:
        GET "/api/chat/conversations" ? tab, before, limit -> Vec<ConversationSummary>;
    ListMessages { conversation: i64, after: i64, before: Option<i64> }:
        GET "/api/chat/conversations/{conversation}/messages" ? after, before
        -> Vec<ChatMessage>;
    SendMessage { conversation: i64 }:
        POST "/api/chat/conversations/{conversation}/messages" (SendBody) -> ChatMessage;
    AcceptConversation { conversation: i64 }:
        POST "/api/chat/conversations/{conversation}/accept" -> ();
    EndConversation { conversation: i64 }:
        POST "/api/chat/conversations/{conversation}/end" -> ();
    TransferConversation { conversation: i64 }:
        POST "/api/chat/conversations/{conversation}/transfer" (TransferBody) -> ();
    MarkRead { conversation: i64 }:
        POST "/api/chat/conversations/{conversation}/read" (ReadBody) -> ();
    LinkCustomer { conversation: i64 }:
        PUT "/api/chat/conversations/{conversation}/customer" (LinkCustomerBody) -> ();
    UnlinkCustomer { conversation: i64 }:
        DELETE "/api/chat/conversations/{conversation}/customer" -> ();
    GetChatSettings: GET "/api/chat/settings" -> ChatSettingsBody;
    SetChatSettings: PUT "/api/chat/settings" (ChatSettingsBody) -> ChatSettingsBody;
    ListArticles: GET "/api/knowledge/articles" -> Vec<Article>;
    CreateArticle: POST "/api/knowledge/articles" (ArticleInput) -> Article;
    UpdateArticle { id: i64 }: PUT "/api/knowledge/articles/{id}" (ArticleInput) -> Article;
    DeleteArticle { id: i64 }: DELETE "/api/knowledge/articles/{id}" -> ();
    ListGroups: GET "/api/groups" -> Vec<ServiceGroup>;
    CreateGroup: POST "/api/groups" (ServiceGroupInput) -> ServiceGroup;
    UpdateGroup { id: i64 }: PUT "/api/groups/{id}" (ServiceGroupInput) -> ServiceGroup;
    DeleteGroup { id: i64 }: DELETE "/api/groups/{id}" -> ();

    // Service mailboxes (the email channel).
    ListMailboxes: GET "/api/mail/mailboxes" -> Vec<Mailbox>;
    CreateMailbox: POST "/api/mail/mailboxes" (MailboxBody) -> Mailbox;
    UpdateMailbox { id: i64 }: PUT "/api/mail/mailboxes/{id}" (MailboxBody) -> Mailbox;
    DeleteMailbox { id: i64 }: DELETE "/api/mail/mailboxes/{id}" -> ();
    TestMailbox: POST "/api/mail/mailboxes/test" (ConnectionTest) -> ConnectionCheck;
    ListQuarantine: GET "/api/mail/quarantine" -> Vec<QuarantinedMail>;
    RetryQuarantined { id: i64 }: POST "/api/mail/quarantine/{id}/retry" -> RetryOutcome;
    ReplyByMail { conversation: i64 }:
        POST "/api/mail/conversations/{conversation}/reply" (ReplyBody) -> ChatMessage;
    ComposeMail: POST "/api/mail/compose" (ComposeBody) -> ChatMessage;
    ListSenders: GET "/api/mail/senders" -> Vec<Sender>;
    ListMailParts { conversation: i64 }:
        GET "/api/mail/conversations/{conversation}/mails" -> Vec<MailPart>;
    GetMailHtml { conversation: i64, message: i64 }:
        GET "/api/mail/conversations/{conversation}/messages/{message}/html" -> MailHtml;

    // The workbench: layouts and quick replies.
    ListMyLayouts: GET "/api/workbench" -> Vec<ResolvedLayout>;
    GetLayoutBook: GET "/api/layouts" -> LayoutBook;
    CreateLayout: POST "/api/layouts" (Layout) -> Layout;
    UpdateLayout { id: i64 }: PUT "/api/layouts/{id}" (Layout) -> Layout;
    CloneLayout { id: i64 }: POST "/api/layouts/{id}/clone" (CloneBody) -> Layout;
    DeleteLayout { id: i64 }: DELETE "/api/layouts/{id}" -> ();
    AssignLayouts: PUT "/api/layouts/assignments" (Vec<Assignment>) -> LayoutBook;
    PreviewLayout { app: App, role: Role, channel: Channel }:
        GET "/api/layouts/preview" ? app, role, channel -> Layout;
    GetQuickReplies: GET "/api/quick-replies" -> QuickReplyBook;
    CreateQuickReply: POST "/api/quick-replies" (QuickReplyInput) -> QuickReply;
    UpdateQuickReply { id: i64 }: PUT "/api/quick-replies/{id}" (QuickReplyInput) -> QuickReply;
    DeleteQuickReply { id: i64 }: DELETE "/api/quick-replies/{id}" -> ();
    OrderQuickReplies: PUT "/api/quick-replies/order" (OrderBody) -> ();
    SetQuickReplyChannels: PUT "/api/quick-replies/channels" (ChannelsBody) -> ChannelsBody;
    CreateQuickReplyGroup { tier: Tier }:
        POST "/api/quick-reply-groups/{tier}" (GroupBody) -> QuickReplyGroup;
    UpdateQuickReplyGroup { tier: Tier, id: i64 }:
        PUT "/api/quick-reply-groups/{tier}/{id}" (GroupBody) -> QuickReplyGroup;
    DeleteQuickReplyGroup { tier: Tier, id: i64 }:
        DELETE "/api/quick-reply-groups/{tier}/{id}" -> ();

    // Dispatch configuration.
    GetDispatchSettings: GET "/api/dispatch/settings" -> DispatchSettings;
    SetDispatchSettings: PUT "/api/dispatch/settings" (DispatchSettings) -> DispatchSettings;
    ListProviders: GET "/api/dispatch/providers" -> Vec<ProviderView>;
    CreateProvider: POST "/api/dispatch/providers" (ServiceGroupInput) -> ServiceGroup;
    UpdateProvider { id: i64 }:
        PUT "/api/dispatch/providers/{id}" (ServiceGroupInput) -> ServiceGroup;
    ListProfiles: GET "/api/dispatch/profiles" -> Vec<ProfileEntry>;
    SetProfile { kind: TargetKind, id: i64 }:
        PUT "/api/dispatch/profiles/{kind}/{id}" (DispatchProfile) -> DispatchProfile;
    ListRegions: GET "/api/dispatch/regions" -> Vec<NamedRegion>;
    SaveRegion: POST "/api/dispatch/regions" (NamedRegion) -> NamedRegion;
    ListRules: GET "/api/dispatch/rules" -> Vec<Rule>;
    CreateRule: POST "/api/dispatch/rules" (Rule) -> Rule;
    UpdateRule { id: i64 }: PUT "/api/dispatch/rules/{id}" (Rule) -> Rule;
    DeleteRule { id: i64 }: DELETE "/api/dispatch/rules/{id}" -> ();

    // Work orders and the dispatch board.
    ListWorkOrders: GET "/api/work-orders" -> Vec<WorkOrderView>;
    GetWorkOrder { id: i64 }: GET "/api/work-orders/{id}" -> WorkOrderView;
    CreateWorkOrder: POST "/api/work-orders" (WorkOrderInput) -> WorkOrderView;
    UpdateWorkOrder { id: i64 }: PUT "/api/work-orders/{id}" (WorkOrderChange) -> WorkOrderView;
    AutoDispatch { id: i64 }: POST "/api/work-orders/{id}/auto-dispatch" -> WorkOrderView;
    SetTarget { id: i64 }: POST "/api/work-orders/{id}/target" (TargetBody) -> WorkOrderView;
    SetCrew { id: i64 }: POST "/api/work-orders/{id}/crew" (CrewBody) -> WorkOrderView;
    ListRelatedWorkOrders { conversation: i64 }: GET "/api/work-orders/related" ? conversation
        -> Vec<RelatedWorkOrder>;

    // Field service: templates, device fields, offline sync, photos.
    ListTemplates: GET "/api/templates" -> Vec<Template>;
    CreateTemplate: POST "/api/templates" (TemplateInput) -> Template;
    UpdateTemplate { id: i64 }: PUT "/api/templates/{id}" (TemplateInput) -> Template;
    ListDeviceFields: GET "/api/device-fields" -> Vec<FieldDef>;
    PushOps: POST "/api/sync/push" (PushBody) -> Vec<PushAnswer>;
    PullChanges { after: u64 }: GET "/api/sync/pull" ? after -> PullAnswer;
    PutPhoto { id: String }: PUT "/api/photos/{id}" (Upload) -> ();

    // The parts mall: admins run it, the warehouse fulfils its orders.
    GetMallSettings: GET "/api/mall/settings" -> MallSettings;
    SetMallSettings: PUT "/api/mall/settings" (MallSettings) -> MallSettings;
    ListMallItems { q: Option<String> }: GET "/api/mall/items" ? q -> Vec<Item>;
    CreateMallItem: POST "/api/mall/items" (ItemBody) -> Item;
    UpdateMallItem { id: i64 }: PUT "/api/mall/items/{id}" (ItemBody) -> Item;
    // Answers the image's bytes, not JSON: the app reads it with `download`.
    GetMallPhoto { id: String }: GET "/api/mall/photos/{id}" -> ();
    ListPriceLists: GET "/api/mall/price-lists" -> Vec<PriceList>;
    CreatePriceList: POST "/api/mall/price-lists" (PriceListBody) -> PriceList;
    UpdatePriceList { id: i64 }: PUT "/api/mall/price-lists/{id}" (PriceListBody) -> PriceList;
    ListProviderTiers: GET "/api/mall/providers" -> Vec<ProviderTier>;
    SetProviderTier { id: i64 }: PUT "/api/mall/providers/{id}/tier" (TierBody) -> ();
    ListMallLocations: GET "/api/mall/locations" -> Vec<Location>;
    ListStock { items: String }: GET "/api/mall/stock" ? items -> Vec<StockLevel>;
    SetStock: PUT "/api/mall/stock" (StockBody) -> StockLevel;
    ListMallOrders { before: Option<i64>, work_order: Option<i64> }:
        GET "/api/mall/orders" ? before, work_order -> Vec<Order>;
    GetMallOrder { id: i64 }: GET "/api/mall/orders/{id}" -> Order;
    ShipMallOrder { id: i64 }: POST "/api/mall/orders/{id}/ship" (ShipBody) -> Order;
    ActOnMallOrder { id: i64 }: POST "/api/mall/orders/{id}/actions" (StaffActionBody) -> Order;
    ReportShipment { id: i64 }:
        POST "/api/mall/shipments/{id}/events" (ShipmentEventBody) -> Order;
    // … and providers' people buy on their provider's account.
    ListMallOffers { q: Option<String>, model: Option<String> }:
        GET "/api/mall/offers" ? q, model -> Vec<Offer>;
    MallCheckout: POST "/api/mall/checkout" (CheckoutBody) -> Order;
    PayMallOrder { id: i64 }: POST "/api/mall/orders/{id}/pay" (PayBody) -> Order;
    CancelMallOrder { id: i64 }: POST "/api/mall/orders/{id}/cancel" -> Order;
    // … and engineers on site: a device's parts, proposals to the customer.
    GetDeviceParts { work_order: i64, device: i64 }:
        GET "/api/mall/work-orders/{work_order}/devices/{device}/parts" -> DeviceParts;
    GetWorkOrderParts { work_order: i64 }:
        GET "/api/mall/work-orders/{work_order}/parts" -> WorkOrderParts;
    SendProposal: POST "/api/mall/proposals" (ProposalBody) -> Proposal;
    WithdrawProposal { id: i64 }: POST "/api/mall/proposals/{id}/withdraw" -> Proposal;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fill_their_parameters_and_query() {
        assert_eq!(GetMe.path(), "/api/me");
        assert_eq!(
            ListMessages {
                conversation: 7,
                after: 0,
                before: Some(30)
            }
            .path(),
            "/api/chat/conversations/7/messages?after=0&before=30"
        );
        assert_eq!(
            SetProfile {
                kind: TargetKind::ServiceProvider,
                id: 3
            }
            .path(),
            "/api/dispatch/profiles/service_provider/3"
        );
        assert_eq!(
            DeleteQuickReplyGroup {
                tier: Tier::Enterprise,
                id: 2
            }
            .path(),
            "/api/quick-reply-groups/enterprise/2"
        );
        assert_eq!(
            PreviewLayout {
                app: App::Desktop,
                role: Role::Agent,
                channel: Channel::WebChat
            }
            .path(),
            format!(
                "/api/layouts/preview?app={}&role=agent&channel={}",
                App::Desktop.as_str(),
                Channel::WebChat.as_str()
            )
        );
        // An absent query parameter is left out.
        assert_eq!(
            ListSecurityEvents { before: None }.path(),
            "/api/security/events"
        );
        assert_eq!(
            ListSecurityEvents { before: Some(40) }.path(),
            "/api/security/events?before=40"
        );
        // Text is percent-encoded.
        assert_eq!(
            ListConversations {
                tab: "a b&c=队".into(),
                before: None,
                limit: None,
            }
            .path(),
            "/api/chat/conversations?tab=a%20b%26c%3D%E9%98%9F"
        );
        let before = Some(crate::chat::ListCursor {
            activity: 1_764_700_000,
            id: 7,
        });
        assert_eq!(
            ListConversations {
                tab: "all".into(),
                before,
                limit: Some(50),
            }
            .path(),
            "/api/chat/conversations?tab=all&before=1764700000.7&limit=50"
        );
        assert_eq!(PutPhoto { id: "p-1".into() }.path(), "/api/photos/p-1");
    }

    #[test]
    fn the_table_lists_each_endpoint_once_with_its_method() {
        let mut seen = std::collections::HashSet::new();
        for (method, template) in ALL {
            assert!(template.starts_with("/api/"), "{template}");
            assert!(
                seen.insert((method, template)),
                "{method:?} {template} twice"
            );
        }
        assert_eq!(ALL.len(), seen.len());
        assert!(ALL.contains(&(Method::Put, "/api/photos/{id}")));
        const { assert!(!GetMe::HAS_BODY && EndAllSessions::HAS_BODY) };
    }
}
