use super::*;

const SUPPORT: &str = "support@support.test";

fn key() -> MailKey {
    MailKey::new(b"acme's mail key")
}

fn conversation(id: i64, contact: &str) -> KnownConversation {
    KnownConversation {
        id,
        contact: contact.to_owned(),
        participants: vec![],
        open: true,
        linked_to: None,
    }
}

fn mail(from: &str) -> Incoming {
    Incoming {
        from: from.to_owned(),
        recipients: vec![SUPPORT.to_owned()],
        subject: "Pump broken".to_owned(),
        ..Default::default()
    }
}

fn known(conversations: Vec<KnownConversation>) -> Known {
    Known {
        message_ids: HashMap::new(),
        conversations,
    }
}

fn join(conversation_id: i64, rule: Rule) -> Threading {
    Threading::Join {
        conversation_id,
        rule,
    }
}

/// Conversation 12 with wang, our first mail to him.
fn thread_12() -> (Known, String) {
    let ours = key().message_id(12, "o1", "support.test");
    (known(vec![conversation(12, "wang@example.cn")]), ours)
}

#[test]
fn each_rule_finds_the_conversation_and_says_which() {
    let k = key();
    let (store, ours) = thread_12();
    let cases: Vec<(&str, Incoming, Threading)> = vec![
        (
            "reply token in To",
            Incoming {
                recipients: vec![k.reply_address(SUPPORT, 12)],
                ..mail("wang@example.cn")
            },
            join(12, Rule::ReplyToken),
        ),
        (
            "In-Reply-To our Message-ID",
            Incoming {
                in_reply_to: vec![format!("<{ours}>")],
                ..mail("wang@example.cn")
            },
            join(12, Rule::InReplyTo),
        ),
        (
            "References only",
            Incoming {
                references: vec!["<unknown@elsewhere>".into(), format!("<{ours}>")],
                ..mail("Wang <WANG@example.cn>")
            },
            join(12, Rule::References),
        ),
        (
            "ticket tag from the contact",
            Incoming {
                subject: "Re: Pump broken [#12]".into(),
                ..mail("wang@example.cn")
            },
            join(12, Rule::SubjectTag),
        ),
        (
            "nothing",
            mail("wang@example.cn"),
            Threading::New {
                linked_to: None,
                because: NewBecause::NothingMatched,
            },
        ),
    ];
    for (name, m, expected) in cases {
        assert_eq!(decide(&m, &store, &k), expected, "{name}");
    }
}

#[test]
fn stored_message_ids_of_either_direction_thread_too() {
    // The customer's own first mail (stored on import), replied to from
    // their sent folder: rule 2 by a stored id.
    let mut store = known(vec![conversation(30, "li@example.com")]);
    store
        .message_ids
        .insert(clean_id("<CAF=first@mail.gmail.com>"), 30);
    let m = Incoming {
        in_reply_to: vec!["<CAF=First@mail.gmail.com>".into()],
        ..mail("li@example.com")
    };
    assert_eq!(decide(&m, &store, &key()), join(30, Rule::InReplyTo));
    assert_eq!(
        lookups(&m, &key()).message_ids,
        vec!["caf=first@mail.gmail.com".to_owned()]
    );
}

#[test]
fn the_rules_are_tried_in_order() {
    let k = key();
    let mut store = known(vec![
        conversation(1, "wang@example.cn"),
        conversation(2, "wang@example.cn"),
        conversation(3, "wang@example.cn"),
    ]);
    store.message_ids.insert("old@example.cn".into(), 3);
    let m = Incoming {
        recipients: vec![k.reply_address(SUPPORT, 1)],
        in_reply_to: vec![format!("<{}>", k.message_id(2, "o", "support.test"))],
        references: vec!["<old@example.cn>".into()],
        subject: "Re: [#3]".into(),
        ..mail("wang@example.cn")
    };
    assert_eq!(decide(&m, &store, &k), join(1, Rule::ReplyToken));
    let m = Incoming {
        recipients: vec![SUPPORT.into()],
        ..m
    };
    assert_eq!(decide(&m, &store, &k), join(2, Rule::InReplyTo));
    let m = Incoming {
        in_reply_to: vec![],
        ..m
    };
    assert_eq!(decide(&m, &store, &k), join(3, Rule::References));
    // References newest (last) first.
    store.message_ids.insert("newer@example.cn".into(), 2);
    let m = Incoming {
        references: vec!["<old@example.cn>".into(), "<newer@example.cn>".into()],
        ..m
    };
    assert_eq!(decide(&m, &store, &k), join(2, Rule::References));
}

/// The shapes real clients reply in.
#[test]
fn outlook_gmail_foxmail_and_qq_mail_replies_stay_in_their_thread() {
    let k = key();
    let (store, ours) = thread_12();
    let reply_to = k.reply_address(SUPPORT, 12);
    let shapes = [
        // Outlook: "答复:" / "RE:", In-Reply-To and References of ours,
        // Thread-Index ignored; replies to Reply-To.
        Incoming {
            from: "\"Wang, Li\" <Wang@Example.CN>".into(),
            recipients: vec![reply_to.clone()],
            subject: "答复: Pump broken [#12]".into(),
            in_reply_to: vec![format!("<{ours}>")],
            references: vec![format!("<{ours}>")],
        },
        // Gmail: References with its own ids first, then ours.
        Incoming {
            from: "wang@example.cn".into(),
            recipients: vec![reply_to.clone()],
            subject: "Re: Pump broken [#12]".into(),
            in_reply_to: vec![format!("<{ours}>")],
            references: vec!["<CAF=x1@mail.gmail.com>".into(), format!("<{ours}>")],
        },
        // Foxmail: full-width colon, headers kept, To the plain address.
        Incoming {
            from: "wang@example.cn".into(),
            recipients: vec![SUPPORT.into()],
            subject: "回复：Pump broken [#12]".into(),
            in_reply_to: vec![format!("<{ours}>")],
            references: vec![],
        },
        // QQ Mail: no In-Reply-To or References at all, To the Reply-To.
        Incoming {
            from: "wang@example.cn".into(),
            recipients: vec![reply_to],
            subject: "回复：Pump broken".into(),
            in_reply_to: vec![],
            references: vec![],
        },
        // A client that strips everything but the subject's tag.
        Incoming {
            from: "wang@example.cn".into(),
            recipients: vec![SUPPORT.into()],
            subject: "RE: RE: Pump broken [#12]".into(),
            in_reply_to: vec![],
            references: vec![],
        },
    ];
    for m in shapes {
        assert!(
            matches!(
                decide(&m, &store, &k),
                Threading::Join {
                    conversation_id: 12,
                    ..
                }
            ),
            "{m:?}"
        );
    }
}

#[test]
fn forged_and_foreign_tokens_and_ids_thread_nothing() {
    let k = key();
    let (store, _) = thread_12();
    let other = MailKey::new(b"globex's mail key");
    let forged_token = k.reply_token(12).replacen("c12-", "c12-f", 1);
    for m in [
        Incoming {
            recipients: vec![other.reply_address(SUPPORT, 12)],
            ..mail("wang@example.cn")
        },
        Incoming {
            recipients: vec![format!("support+{forged_token}@support.test")],
            ..mail("wang@example.cn")
        },
        Incoming {
            in_reply_to: vec![format!("<{}>", other.message_id(12, "o1", "support.test"))],
            ..mail("wang@example.cn")
        },
    ] {
        assert_eq!(
            decide(&m, &store, &k),
            Threading::New {
                linked_to: None,
                because: NewBecause::NothingMatched
            },
            "{m:?}"
        );
        assert!(lookups(&m, &k).conversation_ids.is_empty());
    }
}

#[test]
fn the_tag_is_only_for_those_on_the_thread() {
    let (store, _) = thread_12();
    let m = Incoming {
        subject: "Re: [#12]".into(),
        ..mail("stranger@example.org")
    };
    assert_eq!(
        decide(&m, &store, &key()),
        Threading::New {
            linked_to: None,
            because: NewBecause::NothingMatched
        }
    );
}

#[test]
fn a_sender_never_on_the_thread_never_joins_even_with_a_real_token() {
    let k = key();
    let (store, ours) = thread_12();
    let m = Incoming {
        recipients: vec![k.reply_address(SUPPORT, 12)],
        in_reply_to: vec![format!("<{ours}>")],
        ..mail("forwarded-to@example.org")
    };
    assert_eq!(
        decide(&m, &store, &k),
        Threading::New {
            linked_to: None,
            because: NewBecause::NotOnThread(Rule::ReplyToken)
        }
    );
}

#[test]
fn a_reply_to_a_closed_conversation_opens_a_linked_one_which_later_replies_join() {
    let k = key();
    let ours = k.message_id(12, "o1", "support.test");
    let mut closed = conversation(12, "wang@example.cn");
    closed.open = false;
    let m = Incoming {
        in_reply_to: vec![format!("<{ours}>")],
        ..mail("wang@example.cn")
    };
    let store = known(vec![closed.clone()]);
    assert_eq!(
        decide(&m, &store, &k),
        Threading::New {
            linked_to: Some(12),
            because: NewBecause::Closed(Rule::InReplyTo)
        }
    );
    // Once it exists, the next reply to the old mail joins the new one.
    let follow = KnownConversation {
        linked_to: Some(12),
        ..conversation(40, "wang@example.cn")
    };
    let store = known(vec![closed, follow]);
    assert_eq!(decide(&m, &store, &k), join(40, Rule::InReplyTo));
}

#[test]
fn replies_to_one_mail_to_many_customers_stay_apart_per_contact() {
    let k = key();
    // Our mail of conversation 12 went to wang, with li and zhao on it.
    let ours = k.message_id(12, "o1", "support.test");
    let mut first = conversation(12, "wang@example.cn");
    first.participants = vec!["li@example.com".into(), "zhao@example.net".into()];
    let reply = |from: &str| Incoming {
        in_reply_to: vec![format!("<{ours}>")],
        ..mail(from)
    };
    let store = known(vec![first.clone()]);
    assert_eq!(
        decide(&reply("wang@example.cn"), &store, &k),
        join(12, Rule::InReplyTo)
    );
    assert_eq!(
        decide(&reply("li@example.com"), &store, &k),
        Threading::New {
            linked_to: Some(12),
            because: NewBecause::AnotherContact(Rule::InReplyTo)
        }
    );
    // li's conversation exists now: li joins it, zhao still gets his own,
    // and a reply to li's conversation by wang goes to wang's.
    let li = KnownConversation {
        linked_to: Some(12),
        participants: vec!["wang@example.cn".into()],
        ..conversation(13, "li@example.com")
    };
    let store = known(vec![first, li]);
    assert_eq!(
        decide(&reply("li@example.com"), &store, &k),
        join(13, Rule::InReplyTo)
    );
    assert!(matches!(
        decide(&reply("zhao@example.net"), &store, &k),
        Threading::New {
            linked_to: Some(12),
            because: NewBecause::AnotherContact(_)
        }
    ));
    let to_li = Incoming {
        recipients: vec![k.reply_address(SUPPORT, 13)],
        ..mail("wang@example.cn")
    };
    assert_eq!(decide(&to_li, &store, &k), join(12, Rule::ReplyToken));
}

#[test]
fn lookups_name_what_the_store_must_be_asked() {
    let k = key();
    let m = Incoming {
        recipients: vec![k.reply_address(SUPPORT, 5)],
        in_reply_to: vec!["<A@x>".into()],
        references: vec![
            "<a@x>".into(),
            format!("<{}>", k.message_id(6, "u", "d.test")),
        ],
        subject: "[#7]".into(),
        ..mail("wang@example.cn")
    };
    let l = lookups(&m, &k);
    assert_eq!(l.conversation_ids, vec![5, 6, 7]);
    assert_eq!(
        l.message_ids.len(),
        2,
        "a@x once, and ours: {:?}",
        l.message_ids
    );
}

mod property {
    use super::*;
    use proptest::prelude::*;

    const PEOPLE: [&str; 4] = [
        "wang@example.cn",
        "li@example.com",
        "zhao@example.net",
        "stranger@example.org",
    ];

    fn arb_conversation() -> impl Strategy<Value = KnownConversation> {
        (
            1i64..8,
            0usize..3,
            proptest::collection::vec(0usize..3, 0..3),
            any::<bool>(),
            proptest::option::of(1i64..8),
        )
            .prop_map(
                |(id, contact, participants, open, linked_to)| KnownConversation {
                    id,
                    contact: PEOPLE[contact].to_owned(),
                    participants: participants
                        .into_iter()
                        .map(|p| PEOPLE[p].to_owned())
                        .collect(),
                    open,
                    linked_to: linked_to.filter(|l| *l != id),
                },
            )
    }

    proptest! {
        /// Whatever the headers (tokens and ids of this tenant or another,
        /// tags, stored ids), a mail joins only a conversation the store
        /// gave for this tenant, whose thread its sender was on, and that
        /// is the sender's own.
        #[test]
        fn a_mail_never_joins_another_tenants_or_a_strangers_conversation(
            conversations in proptest::collection::vec(arb_conversation(), 0..6)
                // A store has one conversation per id.
                .prop_map(|mut v| { v.sort_by_key(|c| c.id); v.dedup_by_key(|c| c.id); v }),
            sender in 0usize..4,
            token in proptest::option::of((1i64..10, any::<bool>())),
            reply_to in proptest::collection::vec((1i64..10, any::<bool>()), 0..3),
            stored in proptest::collection::vec((0usize..3, 1i64..10), 0..3),
            tag in proptest::option::of(1i64..10),
        ) {
            let ours = key();
            let theirs = MailKey::new(b"another tenant");
            let pick = |mine: bool| if mine { &ours } else { &theirs };
            let mut store = known(conversations.clone());
            for (n, c) in &stored {
                store.message_ids.insert(format!("m{n}@x"), *c);
            }
            let m = Incoming {
                from: PEOPLE[sender].to_owned(),
                recipients: token
                    .map(|(c, mine)| pick(mine).reply_address(SUPPORT, c))
                    .into_iter()
                    .collect(),
                subject: tag.map(subject::tag).unwrap_or_default(),
                in_reply_to: reply_to
                    .iter()
                    .map(|(c, mine)| format!("<{}>", pick(*mine).message_id(*c, "u", "d")))
                    .collect(),
                references: stored.iter().map(|(n, _)| format!("<m{n}@x>")).collect(),
            };
            if let Threading::Join { conversation_id, rule } = decide(&m, &store, &ours) {
                // Another tenant's token or id never counts.
                match rule {
                    Rule::ReplyToken => prop_assert!(token.is_some_and(|(_, mine)| mine)),
                    Rule::InReplyTo => prop_assert!(reply_to.iter().any(|(_, mine)| *mine)),
                    Rule::References | Rule::SubjectTag => {}
                }
                let joined = conversations.iter().find(|c| c.id == conversation_id);
                prop_assert!(joined.is_some(), "joined a conversation the store never gave");
                let joined = joined.unwrap();
                prop_assert!(joined.open);
                prop_assert_eq!(&joined.contact, PEOPLE[sender]);
            }
        }
    }
}
