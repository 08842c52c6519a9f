//! Workbench use cases: the layouts the agent sees and their quick
//! replies, both cached in the local store so the workbench and the
//! type-ahead work offline (matching runs in the UI on the cached copy,
//! no round-trip per keystroke); the layout designer's commands; quick
//! reply management. Server errors come back localized.

use fieldesk_core::ErrorCode;
use fieldesk_core::Role;
use fieldesk_core::endpoint::{
    AssignLayouts, CloneLayout, CreateLayout, CreateQuickReply, CreateQuickReplyGroup,
    DeleteLayout, DeleteQuickReply, DeleteQuickReplyGroup, Endpoint, GetLayoutBook,
    GetQuickReplies, LinkCustomer, ListMyLayouts, ListRelatedWorkOrders, OrderQuickReplies,
    PreviewLayout, SetQuickReplyChannels, UnlinkCustomer, UpdateLayout, UpdateQuickReply,
    UpdateQuickReplyGroup,
};
use fieldesk_core::identity::LinkCustomerBody;
use fieldesk_core::layout::{
    App, Channel, CloneBody, Layout, LayoutBook, LayoutChange, ResolvedLayout,
};
use fieldesk_core::quick_reply::{
    ChannelsBody, GroupBody, OrderBody, QuickReplyBook, QuickReplyChange,
};
use fieldesk_core::work_order::RelatedWorkOrder;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{AppError, AppResult};
use crate::local_store::LocalStore;
use crate::session::{call, fetch};
use crate::state::Shell;

/// The local cache key of `what` for the signed-in user.
fn cache_key(shell: &Shell, what: &str) -> AppResult<String> {
    let user = shell
        .store
        .session()?
        .map(|s| s.me.user_id)
        .ok_or_else(|| AppError::new(ErrorCode::SessionExpired, "no session"))?;
    Ok(format!("workbench.{what}.{user}"))
}

/// Fetches `endpoint`; keeps a copy; offline, answers the copy (if any).
async fn cached<E: Endpoint<Body = ()>>(
    shell: &Shell,
    what: &str,
    endpoint: &E,
) -> AppResult<E::Answer>
where
    E::Answer: Serialize,
{
    let key = cache_key(shell, what)?;
    remember(&shell.store, &key, fetch(shell, endpoint).await)
}

/// Keeps a fresh answer under `key`; when the server is unreachable,
/// answers the copy kept last (else the error).
fn remember<T: Serialize + DeserializeOwned>(
    store: &LocalStore,
    key: &str,
    fetched: AppResult<T>,
) -> AppResult<T> {
    match fetched {
        Ok(fresh) => {
            let json = serde_json::to_string(&fresh).expect("serializes");
            store.set(key, &json)?;
            Ok(fresh)
        }
        Err(e) if e.code == ErrorCode::ServerUnreachable => {
            let copy = store.get(key)?.ok_or(e.clone())?;
            serde_json::from_str(&copy).map_err(|_| e)
        }
        Err(e) => Err(e),
    }
}

/// The layouts the signed-in agent sees, by app and channel.
pub async fn layouts(shell: &Shell) -> AppResult<Vec<ResolvedLayout>> {
    cached(shell, "layouts", &ListMyLayouts).await
}

/// The agent's quick replies, the enterprise's, and where they are on.
pub async fn quick_replies(shell: &Shell) -> AppResult<QuickReplyBook> {
    cached(shell, "quick-replies", &GetQuickReplies).await
}

/// Saves one quick-reply change and answers the new book.
pub async fn change_quick_replies(
    shell: &Shell,
    change: QuickReplyChange,
) -> AppResult<QuickReplyBook> {
    match change {
        QuickReplyChange::Save { id, input } => {
            match id {
                Some(id) => call(shell, &UpdateQuickReply { id }, &input).await?,
                None => call(shell, &CreateQuickReply, &input).await?,
            };
        }
        QuickReplyChange::Delete { id } => fetch(shell, &DeleteQuickReply { id }).await?,
        QuickReplyChange::Order { tier, ids } => {
            call(shell, &OrderQuickReplies, &OrderBody { tier, ids }).await?
        }
        QuickReplyChange::SaveGroup { tier, id, name } => {
            let body = GroupBody { name };
            match id {
                Some(id) => call(shell, &UpdateQuickReplyGroup { tier, id }, &body).await?,
                None => call(shell, &CreateQuickReplyGroup { tier }, &body).await?,
            };
        }
        QuickReplyChange::DeleteGroup { tier, id } => {
            fetch(shell, &DeleteQuickReplyGroup { tier, id }).await?
        }
        QuickReplyChange::Channels { channels } => {
            let body = ChannelsBody {
                quick_reply_channels: channels,
            };
            call(shell, &SetQuickReplyChannels, &body).await?;
        }
    }
    quick_replies(shell).await
}

/// The tenant's layouts and assignments (supervisors, admins).
pub async fn layout_book(shell: &Shell) -> AppResult<LayoutBook> {
    fetch(shell, &GetLayoutBook).await
}

/// Saves one layout change and answers the new book.
pub async fn change_layouts(shell: &Shell, change: LayoutChange) -> AppResult<LayoutBook> {
    match change {
        LayoutChange::Save { id, layout } => {
            match id {
                Some(id) => call(shell, &UpdateLayout { id }, &layout).await?,
                None => call(shell, &CreateLayout, &layout).await?,
            };
        }
        LayoutChange::Clone { id, name } => {
            call(shell, &CloneLayout { id }, &CloneBody { name }).await?;
        }
        LayoutChange::Delete { id } => fetch(shell, &DeleteLayout { id }).await?,
        LayoutChange::Assign { assignments } => {
            return call(shell, &AssignLayouts, &assignments).await;
        }
    }
    layout_book(shell).await
}

/// The layout `role` would see in `app` and `channel`.
pub async fn preview(shell: &Shell, app: App, role: Role, channel: Channel) -> AppResult<Layout> {
    fetch(shell, &PreviewLayout { app, role, channel }).await
}

/// The work orders of a conversation's verified customer (the sidebar's
/// related work orders; none for an unverified visitor).
pub async fn related_work_orders(
    shell: &Shell,
    conversation: i64,
) -> AppResult<Vec<RelatedWorkOrder>> {
    fetch(shell, &ListRelatedWorkOrders { conversation }).await
}

/// Links the conversation's visitor to a customer (`None`: unlinks).
pub async fn link_customer(
    shell: &Shell,
    conversation: i64,
    name: Option<String>,
) -> AppResult<()> {
    match name {
        Some(name) => {
            call(
                shell,
                &LinkCustomer { conversation },
                &LinkCustomerBody { name },
            )
            .await
        }
        None => fetch(shell, &UnlinkCustomer { conversation }).await,
    }
}

#[cfg(test)]
mod tests {
    use fieldesk_core::quick_reply::{QuickReply, Tier};

    use super::*;

    fn book(title: &str) -> QuickReplyBook {
        QuickReplyBook {
            replies: vec![QuickReply {
                id: 1,
                tier: Tier::Personal,
                group: None,
                title: title.into(),
                shortcut: "hi".into(),
                content: "您好".into(),
                space: None,
                position: 1,
            }],
            ..QuickReplyBook::default()
        }
    }

    #[test]
    fn offline_the_last_copy_is_answered() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let key = "workbench.quick-replies.7";
        let offline = || AppError::new(ErrorCode::ServerUnreachable, "down");
        // Nothing kept yet: the error.
        let none = remember::<QuickReplyBook>(&store, key, Err(offline()));
        assert_eq!(none.unwrap_err().code, ErrorCode::ServerUnreachable);
        remember(&store, key, Ok(book("问候"))).unwrap();
        // Kept across reopening, per key (user).
        drop(store);
        let store = LocalStore::open(dir.path()).unwrap();
        let copy: QuickReplyBook = remember(&store, key, Err(offline())).unwrap();
        assert_eq!(copy, book("问候"));
        let other = remember::<QuickReplyBook>(&store, "workbench.quick-replies.8", Err(offline()));
        assert!(other.is_err(), "another user's copy is not theirs");
        // Other errors are not hidden behind the copy.
        let expired = AppError::new(ErrorCode::SessionExpired, "gone");
        let answer = remember::<QuickReplyBook>(&store, key, Err(expired));
        assert_eq!(answer.unwrap_err().code, ErrorCode::SessionExpired);
        // A fresh answer replaces the copy.
        remember(&store, key, Ok(book("你好"))).unwrap();
        let copy: QuickReplyBook = remember(&store, key, Err(offline())).unwrap();
        assert_eq!(copy.replies[0].title, "你好");
    }
}
