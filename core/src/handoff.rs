//! Human–bot handoff (seed 1.6, 转人工): the state machine of who answers a
//! visitor. Pure: the caller supplies what it knows (business hours, which
//! agent is free) and performs the returned effects.
//!
//! The rule that matters: the AI agent never goes silent. While a visitor
//! waits in the queue or it is outside business hours, the AI agent keeps
//! answering, and asking again does not create a second queue entry.

use serde::{Deserialize, Serialize};

/// Who is answering the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HandoffState {
    /// The AI agent answers.
    Bot,
    /// Waiting for a human; the AI agent still answers.
    Queued,
    /// A human agent answers.
    Human { agent_id: i64 },
    /// Ended; nothing changes it any more.
    Closed,
    /// Resolved after the tenant's idle time with no activity; the visitor
    /// writing again reopens it with the AI agent.
    Resolved,
}

/// What the caller knows when a visitor asks for a human.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Availability {
    pub within_business_hours: bool,
    /// The agent to assign now (least loaded, under capacity), if any.
    pub free_agent: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoffEvent {
    /// By button or by a phrase ([`asks_for_human`]).
    VisitorAsksForHuman(Availability),
    /// An agent took the conversation (from the queue, or by transfer).
    AgentAssigned { agent_id: i64 },
    /// The serving agent went offline or away without ending it.
    AgentLeft,
    /// The serving agent handed the conversation to a group: a free member
    /// takes it now, or it waits in the queue for one.
    TransferredToGroup { free_member: Option<i64> },
    /// Business hours ended while waiting.
    BusinessHoursEnded,
    /// The agent or the visitor ended the conversation.
    Ended,
    /// Nothing happened for the tenant's idle time ([`resolves_idle`]).
    Idle,
    /// The visitor wrote in a resolved conversation.
    VisitorReturned,
}

/// What the caller must do after a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Tell the visitor and notify the agent live.
    AssignedTo { agent_id: i64 },
    /// Put the conversation in the queue and tell the visitor their place.
    Enqueue,
    /// Already queued: answer with the current place, add nothing.
    TellQueuePosition,
    /// Say when service resumes and offer the leave-a-message form.
    OutOfHours,
    /// Remove the conversation from the queue.
    Dequeue,
    /// Send the satisfaction survey in the visitor's language.
    SendSurvey { agent_id: i64 },
    /// Tell both sides it ended (without a survey: no human served).
    TellEnded,
    /// Tell both sides it was resolved for inactivity (and how to reopen).
    TellResolved,
    /// Tell the staff the visitor is back.
    TellReopened,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HandoffError {
    #[error("the conversation is closed")]
    Closed,
    #[error("a human agent already serves this conversation")]
    AlreadyHuman,
}

impl HandoffState {
    /// Whether the AI agent answers the visitor's messages in this state.
    pub fn bot_answers(self) -> bool {
        matches!(self, HandoffState::Bot | HandoffState::Queued)
    }

    /// The Fluent key of the state's name in the workbench.
    pub fn label_key(self) -> &'static str {
        match self {
            HandoffState::Bot => "desk-state-bot",
            HandoffState::Queued => "desk-state-queued",
            HandoffState::Human { .. } => "desk-state-human",
            HandoffState::Closed => "desk-state-closed",
            HandoffState::Resolved => "desk-state-resolved",
        }
    }

    /// Whether the conversation is over for the staff (closed, or resolved
    /// until the visitor writes again): no replies, takes or transfers.
    pub fn is_over(self) -> bool {
        matches!(self, HandoffState::Closed | HandoffState::Resolved)
    }

    /// Applies `event`, returning the next state and the effects to perform.
    pub fn apply(self, event: HandoffEvent) -> Result<(HandoffState, Vec<Effect>), HandoffError> {
        use HandoffEvent::*;
        use HandoffState::*;
        let next = match (self, event) {
            (Closed, _) => return Err(HandoffError::Closed),
            (Resolved, VisitorReturned) => (Bot, vec![Effect::TellReopened]),
            (Resolved, Ended) => (Closed, vec![]),
            // Only the visitor's return reopens it (the caller applies
            // that first when the visitor asks for a human).
            (Resolved, _) => (Resolved, vec![]),
            (_, VisitorReturned) => (self, vec![]),
            (Bot | Human { .. }, Idle) => (Resolved, vec![Effect::TellResolved]),
            (Queued, Idle) => (Resolved, vec![Effect::Dequeue, Effect::TellResolved]),
            (Human { .. }, VisitorAsksForHuman(_)) => return Err(HandoffError::AlreadyHuman),
            (Queued, VisitorAsksForHuman(_)) => (Queued, vec![Effect::TellQueuePosition]),
            (Bot, VisitorAsksForHuman(a)) if !a.within_business_hours => {
                (Bot, vec![Effect::OutOfHours])
            }
            (
                Bot,
                VisitorAsksForHuman(Availability {
                    free_agent: Some(agent_id),
                    ..
                }),
            ) => (Human { agent_id }, vec![Effect::AssignedTo { agent_id }]),
            (Bot, VisitorAsksForHuman(_)) => (Queued, vec![Effect::Enqueue]),
            (Queued, AgentAssigned { agent_id }) => (
                Human { agent_id },
                vec![Effect::Dequeue, Effect::AssignedTo { agent_id }],
            ),
            // A transfer to another agent, or a bot conversation taken over.
            (Bot | Human { .. }, AgentAssigned { agent_id }) => {
                (Human { agent_id }, vec![Effect::AssignedTo { agent_id }])
            }
            // The visitor keeps their turn: back to the front of the queue.
            (Human { .. }, AgentLeft) => (Queued, vec![Effect::Enqueue]),
            (
                Human { .. },
                TransferredToGroup {
                    free_member: Some(agent_id),
                },
            ) => (Human { agent_id }, vec![Effect::AssignedTo { agent_id }]),
            (Human { .. }, TransferredToGroup { free_member: None }) => {
                (Queued, vec![Effect::Enqueue])
            }
            // Only a served conversation is transferred.
            (Bot | Queued, TransferredToGroup { .. }) => (self, vec![]),
            (Bot | Queued, AgentLeft) => (self, vec![]),
            (Queued, BusinessHoursEnded) => (Bot, vec![Effect::Dequeue, Effect::OutOfHours]),
            (Bot | Human { .. }, BusinessHoursEnded) => (self, vec![]),
            (Human { agent_id }, Ended) => (Closed, vec![Effect::SendSurvey { agent_id }]),
            (Queued, Ended) => (Closed, vec![Effect::Dequeue, Effect::TellEnded]),
            (Bot, Ended) => (Closed, vec![Effect::TellEnded]),
        };
        Ok(next)
    }
}

/// Whether a conversation in `state` whose last activity was at
/// `last_activity` (Unix seconds) is resolved at `now` by the tenant's
/// idle time (`None`: never).
pub fn resolves_idle(
    state: HandoffState,
    last_activity: i64,
    now: i64,
    idle_minutes: Option<u32>,
) -> bool {
    let Some(minutes) = idle_minutes else {
        return false;
    };
    !state.is_over() && now - last_activity >= i64::from(minutes) * 60
}

/// Phrases by which a visitor asks for a human, in the three languages.
const HUMAN_PHRASES: &[&str] = &[
    "转人工",
    "轉人工",
    "人工客服",
    "人工服务",
    "人工服務",
    "找人工",
    "真人",
    "客服人员",
    "客服人員",
];
const HUMAN_WORDS: &[&str] = &["human", "agent", "operator", "person", "representative"];

/// Whether a visitor's message asks for a human agent.
pub fn asks_for_human(text: &str) -> bool {
    let text = text.trim();
    if HUMAN_PHRASES.iter().any(|p| text.contains(p)) || text == "人工" {
        return true;
    }
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    // Short requests only ("agent please", "talk to a human"), not every
    // sentence that happens to contain the word.
    words.len() <= 6 && words.iter().any(|w| HUMAN_WORDS.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use HandoffEvent::*;
    use HandoffState::*;

    const OPEN_FREE: Availability = Availability {
        within_business_hours: true,
        free_agent: Some(7),
    };
    const OPEN_BUSY: Availability = Availability {
        within_business_hours: true,
        free_agent: None,
    };
    const CLOSED_HOURS: Availability = Availability {
        within_business_hours: false,
        free_agent: Some(7),
    };

    #[test]
    fn a_free_agent_in_hours_takes_the_conversation() {
        assert_eq!(
            Bot.apply(VisitorAsksForHuman(OPEN_FREE)),
            Ok((
                Human { agent_id: 7 },
                vec![Effect::AssignedTo { agent_id: 7 }]
            ))
        );
    }

    #[test]
    fn busy_agents_queue_the_visitor_and_the_bot_keeps_answering() {
        let (state, effects) = Bot.apply(VisitorAsksForHuman(OPEN_BUSY)).unwrap();
        assert_eq!((state, effects), (Queued, vec![Effect::Enqueue]));
        assert!(state.bot_answers());
        // Asking again tells the position and adds no second entry.
        assert_eq!(
            state.apply(VisitorAsksForHuman(OPEN_FREE)),
            Ok((Queued, vec![Effect::TellQueuePosition]))
        );
        assert_eq!(
            state.apply(AgentAssigned { agent_id: 3 }),
            Ok((
                Human { agent_id: 3 },
                vec![Effect::Dequeue, Effect::AssignedTo { agent_id: 3 }]
            ))
        );
    }

    #[test]
    fn out_of_hours_offers_a_message_and_the_bot_stays() {
        assert_eq!(
            Bot.apply(VisitorAsksForHuman(CLOSED_HOURS)),
            Ok((Bot, vec![Effect::OutOfHours]))
        );
        assert_eq!(
            Queued.apply(BusinessHoursEnded),
            Ok((Bot, vec![Effect::Dequeue, Effect::OutOfHours]))
        );
    }

    #[test]
    fn ending_a_human_conversation_sends_the_survey_once() {
        let (state, effects) = Human { agent_id: 4 }.apply(Ended).unwrap();
        assert_eq!(
            (state, effects),
            (Closed, vec![Effect::SendSurvey { agent_id: 4 }])
        );
        assert_eq!(state.apply(Ended), Err(HandoffError::Closed));
    }

    #[test]
    fn a_transfer_to_a_group_goes_to_a_free_member_or_the_queue() {
        assert_eq!(
            Human { agent_id: 4 }.apply(TransferredToGroup {
                free_member: Some(9)
            }),
            Ok((
                Human { agent_id: 9 },
                vec![Effect::AssignedTo { agent_id: 9 }]
            ))
        );
        assert_eq!(
            Human { agent_id: 4 }.apply(TransferredToGroup { free_member: None }),
            Ok((Queued, vec![Effect::Enqueue]))
        );
        assert_eq!(
            Bot.apply(TransferredToGroup { free_member: None }),
            Ok((Bot, vec![]))
        );
    }

    #[test]
    fn an_agent_leaving_requeues_the_visitor() {
        assert_eq!(
            Human { agent_id: 4 }.apply(AgentLeft),
            Ok((Queued, vec![Effect::Enqueue]))
        );
    }

    #[test]
    fn idle_conversations_are_resolved_and_reopen_when_the_visitor_writes() {
        assert_eq!(
            Queued.apply(Idle),
            Ok((Resolved, vec![Effect::Dequeue, Effect::TellResolved]))
        );
        assert_eq!(
            Human { agent_id: 3 }.apply(Idle),
            Ok((Resolved, vec![Effect::TellResolved]))
        );
        assert_eq!(
            Resolved.apply(VisitorReturned),
            Ok((Bot, vec![Effect::TellReopened]))
        );
        assert_eq!(
            Resolved.apply(AgentAssigned { agent_id: 1 }),
            Ok((Resolved, vec![]))
        );
        assert_eq!(Resolved.apply(Ended), Ok((Closed, vec![])));
        assert_eq!(Bot.apply(VisitorReturned), Ok((Bot, vec![])));
        assert_eq!(Closed.apply(VisitorReturned), Err(HandoffError::Closed));
        assert!(Resolved.is_over() && Closed.is_over() && !Queued.is_over());
    }

    #[test]
    fn idle_time_is_the_tenants() {
        assert!(!resolves_idle(Bot, 0, 1_000_000, None));
        assert!(!resolves_idle(Bot, 1_000, 1_000 + 59 * 60, Some(60)));
        assert!(resolves_idle(Bot, 1_000, 1_000 + 60 * 60, Some(60)));
        assert!(resolves_idle(Human { agent_id: 1 }, 0, 60, Some(1)));
        assert!(!resolves_idle(Resolved, 0, 600, Some(1)));
        assert!(!resolves_idle(Closed, 0, 600, Some(1)));
    }

    fn all_events() -> Vec<HandoffEvent> {
        vec![
            VisitorAsksForHuman(OPEN_FREE),
            VisitorAsksForHuman(OPEN_BUSY),
            VisitorAsksForHuman(CLOSED_HOURS),
            AgentAssigned { agent_id: 1 },
            AgentAssigned { agent_id: 2 },
            AgentLeft,
            TransferredToGroup {
                free_member: Some(5),
            },
            TransferredToGroup { free_member: None },
            BusinessHoursEnded,
            Ended,
            Idle,
            VisitorReturned,
        ]
    }

    /// Every sequence of up to 6 events from the bot state keeps the
    /// invariants: never silent (someone answers until closed), enqueue
    /// and dequeue balance, a survey only when a human served, closed is final.
    #[test]
    fn invariants_hold_for_every_event_sequence() {
        let events = all_events();
        let mut frontier = vec![(Bot, 0i32, 0u32)];
        for _ in 0..6 {
            let mut next = vec![];
            for (state, queue_entries, surveys) in frontier {
                for &event in &events {
                    let Ok((to, effects)) = state.apply(event) else {
                        assert!(
                            state == Closed
                                || matches!((state, event), (Human { .. }, VisitorAsksForHuman(_))),
                            "{state:?} rejected {event:?}"
                        );
                        continue;
                    };
                    let mut entries = queue_entries;
                    let mut survey_count = surveys;
                    for effect in &effects {
                        match effect {
                            Effect::Enqueue => entries += 1,
                            Effect::Dequeue => entries -= 1,
                            Effect::SendSurvey { .. } => {
                                assert!(matches!(state, Human { .. }));
                                survey_count += 1;
                            }
                            _ => {}
                        }
                    }
                    assert_eq!(
                        entries,
                        i32::from(to == Queued),
                        "{state:?} -{event:?}-> {to:?}"
                    );
                    assert!(survey_count <= 1);
                    assert!(to.is_over() || to.bot_answers() || matches!(to, Human { .. }));
                    next.push((to, entries, survey_count));
                }
            }
            frontier = next;
        }
    }

    /// Property test over random long sequences (deterministic xorshift,
    /// 20 000 runs of 40 events; the failing seed is printed): one queue
    /// entry at most, the AI agent answers in every state without a human,
    /// a survey only right after a human served.
    #[test]
    fn invariants_hold_for_random_long_sequences() {
        let events = all_events();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for run in 0..20_000 {
            let start_seed = seed;
            let mut state = Bot;
            let mut entries = 0i32;
            let mut surveys = 0;
            for _ in 0..40 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let event = events[(seed % events.len() as u64) as usize];
                let Ok((to, effects)) = state.apply(event) else {
                    continue;
                };
                for effect in &effects {
                    match effect {
                        Effect::Enqueue => entries += 1,
                        Effect::Dequeue => entries -= 1,
                        Effect::SendSurvey { .. } => {
                            assert!(matches!(state, Human { .. }), "run {run} seed {start_seed}");
                            surveys += 1;
                        }
                        _ => {}
                    }
                }
                assert!(
                    (0..=1).contains(&entries),
                    "run {run} seed {start_seed}: {entries} entries"
                );
                assert_eq!(entries == 1, to == Queued, "run {run} seed {start_seed}");
                assert!(surveys <= 1, "run {run} seed {start_seed}");
                if !matches!(to, Human { .. }) && !to.is_over() {
                    assert!(
                        to.bot_answers(),
                        "run {run} seed {start_seed}: {to:?} is silent"
                    );
                }
                state = to;
            }
        }
    }

    #[test]
    fn recognizes_requests_for_a_human_in_three_languages() {
        for text in [
            "转人工",
            "我要转人工！",
            "轉人工",
            "人工",
            "人工客服",
            "human",
            "Agent please",
            "talk to a human",
            "I want a real person",
        ] {
            assert!(asks_for_human(text), "{text:?}");
        }
        for text in [
            "你好",
            "How do I reset the agent software on my printer after the update failed?",
            "humanity",
            "工单进度",
        ] {
            assert!(!asks_for_human(text), "{text:?}");
        }
    }
}
