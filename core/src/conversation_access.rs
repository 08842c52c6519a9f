//! Who may read a conversation (its messages, its summary with the last
//! message, its live events) — the one rule the history, the lists and the
//! live events follow.
//!
//! - supervisors and admins ([`Role::oversees_chat`]) read every one;
//! - an agent reads the conversations they serve or have served, the
//!   queued ones waiting for everyone or for a service group of theirs,
//!   and left messages (follow-ups, which any agent may answer);
//! - nobody else: another agent's conversation is "not found".

use crate::Role;
use crate::handoff::HandoffState;

/// What the rule needs to know of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub state: HandoffState,
    /// The agent serving, or who served it last.
    pub agent_id: Option<i64>,
    /// The service group it waits for (only its members take it).
    pub group_id: Option<i64>,
    pub follow_up: bool,
}

/// Whether a user with `role` and `groups` (service groups they belong
/// to) may read the conversation; `has_served`: they served it before.
pub fn may_read(user_id: i64, role: Role, groups: &[i64], c: &Access, has_served: bool) -> bool {
    if role.oversees_chat() {
        return true;
    }
    if !role.serves_chat() {
        return false;
    }
    if c.agent_id == Some(user_id) || has_served || c.follow_up {
        return true;
    }
    match c.state {
        HandoffState::Queued => c.group_id.is_none_or(|g| groups.contains(&g)),
        _ => false,
    }
}

/// Who gets a conversation's live events now (besides supervisors and
/// admins, who get all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveReaders {
    /// Everyone who serves chat (an open queue, a left message).
    AllAgents,
    /// These agents only (the serving one, or a group's members).
    Agents(Vec<i64>),
}

/// The live readers of a conversation; `group_members`: the members of
/// its service group, when it has one.
pub fn live_readers(c: &Access, group_members: &[i64]) -> LiveReaders {
    if c.follow_up {
        return LiveReaders::AllAgents;
    }
    match (c.state, c.group_id) {
        (HandoffState::Queued, None) => LiveReaders::AllAgents,
        (HandoffState::Queued, Some(_)) => LiveReaders::Agents(group_members.to_vec()),
        (HandoffState::Human { agent_id }, _) => LiveReaders::Agents(vec![agent_id]),
        (_, _) => LiveReaders::Agents(c.agent_id.into_iter().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: i64 = 1;
    const BOB: i64 = 2;

    fn access(state: HandoffState, group_id: Option<i64>) -> Access {
        Access {
            state,
            agent_id: match state {
                HandoffState::Human { agent_id } => Some(agent_id),
                _ => None,
            },
            group_id,
            follow_up: false,
        }
    }

    #[test]
    fn agents_read_what_they_serve_have_served_or_may_take() {
        let alices = access(HandoffState::Human { agent_id: ALICE }, None);
        assert!(may_read(ALICE, Role::Agent, &[], &alices, false));
        assert!(
            !may_read(BOB, Role::Agent, &[], &alices, false),
            "another agent's"
        );
        assert!(
            may_read(BOB, Role::Agent, &[], &alices, true),
            "served before a transfer"
        );
        assert!(may_read(BOB, Role::Supervisor, &[], &alices, false));
        assert!(may_read(BOB, Role::Admin, &[], &alices, false));
        assert!(!may_read(BOB, Role::Engineer, &[], &alices, true));

        let open_queue = access(HandoffState::Queued, None);
        assert!(may_read(BOB, Role::Agent, &[], &open_queue, false));
        let group_queue = access(HandoffState::Queued, Some(7));
        assert!(!may_read(BOB, Role::Agent, &[3], &group_queue, false));
        assert!(may_read(BOB, Role::Agent, &[3, 7], &group_queue, false));

        let with_bot = access(HandoffState::Bot, None);
        assert!(!may_read(BOB, Role::Agent, &[], &with_bot, false));
        assert!(may_read(BOB, Role::Supervisor, &[], &with_bot, false));

        let mut left_message = access(HandoffState::Closed, None);
        left_message.follow_up = true;
        assert!(may_read(BOB, Role::Agent, &[], &left_message, false));
        let mut closed = access(HandoffState::Closed, None);
        closed.agent_id = Some(ALICE);
        assert!(may_read(ALICE, Role::Agent, &[], &closed, false));
        assert!(!may_read(BOB, Role::Agent, &[], &closed, false));
    }

    #[test]
    fn live_events_go_to_those_who_may_read() {
        let alices = access(HandoffState::Human { agent_id: ALICE }, None);
        assert_eq!(live_readers(&alices, &[]), LiveReaders::Agents(vec![ALICE]));
        assert_eq!(
            live_readers(&access(HandoffState::Queued, None), &[]),
            LiveReaders::AllAgents
        );
        assert_eq!(
            live_readers(&access(HandoffState::Queued, Some(7)), &[BOB]),
            LiveReaders::Agents(vec![BOB])
        );
        assert_eq!(
            live_readers(&access(HandoffState::Bot, None), &[]),
            LiveReaders::Agents(vec![])
        );
    }
}
