//! The demo tenant that `serve --demo` creates on first start: users of
//! every role, a few knowledge articles for the AI agent, a work order
//! with a standard operation for each field engineer, and dispatch set up
//! (skills, two service groups, a provider, rules).

use fieldesk_core::business_hours::LocalDate;
use fieldesk_core::dispatch::{
    AutoRule, Condition, DispatchProfile, DispatchSettings, HeldSkill, Operator, Qualification,
    RequiredSkill, Rule, ScopeField, SkillDef, SkillRule, TargetKind,
};
use fieldesk_core::group::ServiceGroupInput;
use fieldesk_core::knowledge::ArticleInput;
use fieldesk_core::region::ServiceRegion;
use fieldesk_core::standard_operation::{Step, StepKind, TemplateInput};
use fieldesk_core::sync::{Envelope, Operation};
use fieldesk_core::work_order::{Priority, WorkOrderAction, WorkOrderInput};
use fieldesk_core::{Locale, Role};

use crate::auth::{generate_password, hash_password};
use crate::store::field::{Assignment, Pusher};
use crate::store::{NewUser, Store, StoreResult};

pub const DEMO_TENANT: &str = "demo";

/// A demo account created now, with its generated password: a staff
/// user (`kind` its role) or the portal's customer (`customer`).
pub struct DemoAccount {
    pub username: &'static str,
    pub kind: &'static str,
    pub password: String,
}

/// The parts mall's demo customer (a mailbox of the loopback mail server).
pub const DEMO_CUSTOMER: &str = "customer@customer.test";

const ACCOUNTS: [(&str, &str, Role); 8] = [
    ("admin", "Admin 管理员", Role::Admin),
    ("supervisor", "Sun Mei 孙梅", Role::Supervisor),
    ("agent1", "Li Na 李娜", Role::Agent),
    ("agent2", "Wang Lei 王磊", Role::Agent),
    ("engineer1", "Zhang Wei 张伟", Role::Engineer),
    ("engineer2", "Chen Jie 陈杰", Role::Engineer),
    ("provider1", "Huang Gang 黄刚", Role::ProviderAdmin),
    ("engineer3", "Zhou Qiang 周强", Role::Engineer),
];

/// The provider's own engineer (gets no demo order of the tenant's).
const PROVIDER_ENGINEER: &str = "engineer3";

/// Creates the demo tenant and its users unless it exists. Returns the
/// accounts created now (empty when the tenant was already there), so the
/// caller can print their passwords once.
pub async fn seed(store: &dyn Store) -> StoreResult<Vec<DemoAccount>> {
    if store.tenant_by_slug(DEMO_TENANT).await?.is_some() {
        return Ok(vec![]);
    }
    let tenant = store
        .create_tenant(DEMO_TENANT, "Demo Service Co.", "Fieldesk Demo Workbench")
        .await?;
    let mut created = vec![];
    let (mut engineers, mut admin, mut provider, mut agent) = (vec![], 0, vec![], 0);
    for (username, display_name, role) in ACCOUNTS {
        let password = generate_password();
        let hash = {
            let password = password.clone();
            tokio::task::spawn_blocking(move || hash_password(&password))
                .await
                .expect("hashing does not panic")
        };
        let user = store
            .create_user(
                tenant.id,
                NewUser {
                    username: username.into(),
                    display_name: display_name.into(),
                    role,
                    password_hash: hash,
                },
            )
            .await?;
        match role {
            _ if username == PROVIDER_ENGINEER => provider.push(user.id),
            Role::ProviderAdmin => provider.push(user.id),
            Role::Engineer => engineers.push(user.id),
            Role::Admin => admin = user.id,
            Role::Agent if username == "agent1" => agent = user.id,
            _ => {}
        }
        created.push(DemoAccount {
            username,
            kind: role.as_str(),
            password,
        });
    }
    for (title, body, locale, tags) in ARTICLES {
        store
            .create_article(
                tenant.id,
                ArticleInput {
                    space: "help".into(),
                    title: title.into(),
                    body: body.into(),
                    locale,
                    tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                },
            )
            .await?;
    }
    seed_field_work(store, tenant.id, admin, &engineers).await?;
    seed_dispatch(store, tenant.id, &engineers, provider).await?;
    seed_workbench(store, tenant.id, agent).await?;
    created.push(seed_mall(store, tenant.id).await?);
    Ok(created)
}

/// Workbench layouts (web chat, email, mobile) assigned to agents, and
/// quick replies: the enterprise's in an after-sales group, and agent1's own.
async fn seed_workbench(store: &dyn Store, tenant_id: i64, agent: i64) -> StoreResult<()> {
    use fieldesk_core::layout::{Action, App, Assignment, Button, Channel, Layout, Panel};
    use fieldesk_core::quick_reply::{QuickReplyInput, Tier};
    let builtin = |actions: &[Action]| {
        actions
            .iter()
            .map(|&action| Button::Builtin { action })
            .collect::<Vec<_>>()
    };
    let ai = Panel::AiAgent {
        spaces: vec!["help".into()],
        assist: true,
        click_to_insert: true,
    };
    let layouts = [
        Layout {
            id: 0,
            name: "网页聊天 Web chat".into(),
            workbench_name: "在线客服工作台".into(),
            buttons: builtin(&[
                Action::QuickReplies,
                Action::Emoji,
                Action::Transfer,
                Action::EndConversation,
                Action::SatisfactionSurvey,
            ]),
            panels: vec![
                Panel::VisitorProfile,
                ai.clone(),
                Panel::QuickReplies,
                Panel::ConversationInfo,
                Panel::History,
            ],
        },
        Layout {
            id: 0,
            name: "邮件 Email".into(),
            workbench_name: "邮件工作台".into(),
            buttons: builtin(&[
                Action::QuickReplies,
                Action::Transfer,
                Action::EndConversation,
            ]),
            panels: vec![
                Panel::ConversationInfo,
                Panel::History,
                Panel::RelatedWorkOrders,
                Panel::KnowledgeSearch,
            ],
        },
        Layout {
            id: 0,
            name: "手机 Mobile".into(),
            workbench_name: "移动客服".into(),
            buttons: builtin(&[Action::QuickReplies, Action::Emoji, Action::EndConversation]),
            panels: vec![Panel::VisitorProfile, ai],
        },
    ];
    let mut ids = vec![];
    for layout in layouts {
        ids.push(store.save_layout(tenant_id, None, layout).await?.id);
    }
    let at = |layout, app, channel| Assignment {
        layout,
        app,
        role: None,
        channel,
    };
    store
        .set_assignments(
            tenant_id,
            vec![
                at(ids[0], App::Desktop, None),
                at(ids[1], App::Desktop, Some(Channel::Email)),
                at(ids[2], App::Mobile, None),
            ],
        )
        .await?;
    let group = store
        .save_quick_reply_group(tenant_id, None, None, "售后 After-sales".into())
        .await?;
    let replies = [
        (
            None,
            None,
            "问候 Greeting",
            "hi",
            "您好 {{visitor.name}}，我是 {{agent.name}}，很高兴为您服务。",
        ),
        (
            None,
            Some(group.id),
            "退款流程",
            "",
            "退款将在 3 个工作日内原路退回，请留意银行通知。",
        ),
        (
            None,
            Some(group.id),
            "发货时间",
            "fh",
            "订单付款后 48 小时内发货，偏远地区顺延 1–2 天。",
        ),
        (
            None,
            Some(group.id),
            "Refund policy",
            "refund",
            "Refunds reach your original payment method within 3 working days.",
        ),
        (
            Some(agent),
            None,
            "稍等",
            "wait",
            "{{visitor.name}}，请稍等，我马上为您查询。",
        ),
    ];
    for (owner, group, title, shortcut, content) in replies {
        let tier = if owner.is_some() {
            Tier::Personal
        } else {
            Tier::Enterprise
        };
        let input = QuickReplyInput {
            tier,
            group,
            title: title.into(),
            shortcut: shortcut.into(),
            content: content.into(),
            space: group.map(|_| "help".into()),
            client_id: None,
        };
        store
            .save_quick_reply(tenant_id, owner, None, input)
            .await?;
    }
    Ok(())
}

/// Dispatch as a new tenant would set it up: a chiller skill with levels,
/// a Shenzhen team (engineer1, senior) and a Guangzhou team (engineer2,
/// intermediate), a provider for Guangdong installs (provider1 and its
/// engineer3, with an electrician's certificate), a skill check for
/// repairs and for installs, and two region rules.
async fn seed_dispatch(
    store: &dyn Store,
    tenant_id: i64,
    engineers: &[i64],
    provider_members: Vec<i64>,
) -> StoreResult<()> {
    let levels = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
    let catalog = vec![
        SkillDef {
            key: "chiller".into(),
            name: "冷水机组 Chiller".into(),
            levels: levels(&["初级 junior", "中级 intermediate", "高级 senior"]),
        },
        SkillDef {
            key: "electrical".into(),
            name: "电气 Electrical".into(),
            levels: levels(&["持证 licensed"]),
        },
    ];
    store
        .set_dispatch_settings(
            tenant_id,
            DispatchSettings {
                catalog,
                provider_collaborators: true,
            },
        )
        .await?;
    let held = |skill: &str, level: &str| HeldSkill {
        skill: skill.into(),
        level: level.into(),
    };
    let region = |code| ServiceRegion {
        divisions: vec![code],
        polygons: vec![],
    };
    let teams = [
        ("深圳服务组 Shenzhen team", 440300, "高级 senior"),
        ("广州服务组 Guangzhou team", 440100, "中级 intermediate"),
    ];
    for ((name, division, level), engineer) in teams.into_iter().zip(engineers) {
        let input = ServiceGroupInput {
            name: name.into(),
            member_ids: vec![*engineer],
        };
        let group = store.save_group(tenant_id, None, input).await?;
        let profile = DispatchProfile {
            skills: vec![held("chiller", level)],
            region: region(division),
            ..DispatchProfile::default()
        };
        store
            .set_profile(tenant_id, TargetKind::ServiceGroup, group.id, profile)
            .await?;
    }
    let input = ServiceGroupInput {
        name: "粤电服务商 Yuedian Services".into(),
        member_ids: provider_members,
    };
    let provider = store.save_provider(tenant_id, None, input).await?;
    let date = |year| LocalDate {
        year,
        month: 1,
        day: 1,
    };
    let profile = DispatchProfile {
        skills: vec![held("electrical", "持证 licensed")],
        qualifications: vec![Qualification {
            key: "电工证 Electrician".into(),
            valid_from: date(2025),
            valid_to: date(2031),
        }],
        region: region(440000),
        named_regions: vec![],
    };
    store
        .set_profile(tenant_id, TargetKind::ServiceProvider, provider.id, profile)
        .await?;
    let of_type = |op, types: &[&str]| {
        vec![Condition {
            field: ScopeField::OrderType,
            op,
            values: types.iter().map(|t| (*t).to_owned()).collect(),
        }]
    };
    let rules = [
        Rule::Skill(SkillRule {
            id: 0,
            name: "维修需中级冷机技能 Repairs need an intermediate chiller skill".into(),
            scope: of_type(Operator::Equals, &["repair"]),
            target: TargetKind::ServiceGroup,
            skills: vec![RequiredSkill {
                skill: "chiller".into(),
                min_level: "中级 intermediate".into(),
            }],
            qualifications: vec![],
        }),
        Rule::Skill(SkillRule {
            id: 0,
            name: "安装需电工证 Installs need an electrician".into(),
            scope: of_type(Operator::Equals, &["install"]),
            target: TargetKind::ServiceProvider,
            skills: vec![],
            qualifications: vec!["电工证 Electrician".into()],
        }),
        Rule::Auto(AutoRule {
            id: 0,
            name: "服务组就近派单 Nearest team".into(),
            priority: 10,
            scope: of_type(Operator::In, &["repair", "maintenance"]),
            target: TargetKind::ServiceGroup,
        }),
        Rule::Auto(AutoRule {
            id: 0,
            name: "安装交给服务商 Installs go to providers".into(),
            priority: 5,
            scope: of_type(Operator::Equals, &["install"]),
            target: TargetKind::ServiceProvider,
        }),
    ];
    for rule in rules {
        store.save_rule(tenant_id, None, rule).await?;
    }
    Ok(())
}

/// A standard operation that scans serial numbers and one work order with
/// two devices for each demo engineer, assigned and ready to accept.
async fn seed_field_work(
    store: &dyn Store,
    tenant_id: i64,
    admin: i64,
    engineers: &[i64],
) -> StoreResult<()> {
    let step = |id, title: &str, kind, required| Step {
        id,
        title: title.into(),
        kind,
        required,
    };
    let template = store
        .save_template(
            tenant_id,
            None,
            TemplateInput {
                name: "冷水机组年检 Chiller yearly check".into(),
                steps: vec![
                    step(1, "断电挂牌 Power off and tag", StepKind::Check, true),
                    step(
                        2,
                        "出水温度 Outlet temperature",
                        StepKind::Number {
                            unit: "°C".into(),
                            min: Some(4.0),
                            max: Some(12.0),
                        },
                        true,
                    ),
                    step(
                        3,
                        "冷凝器状况 Condenser",
                        StepKind::SingleChoice {
                            options: vec!["良好 good".into(), "需清洗 needs cleaning".into()],
                        },
                        true,
                    ),
                    step(4, "备注 Remarks", StepKind::Text, false),
                    step(5, "铭牌照片 Nameplate photo", StepKind::Photo, false),
                    step(6, "客户签名 Customer signature", StepKind::Signature, false),
                ],
                scan_field: Some("serial_number".into()),
            },
        )
        .await?;
    for (n, engineer) in engineers.iter().enumerate() {
        let n = n + 1;
        let device = |serial: String, model: &str| {
            let mut fields = serde_json::Map::new();
            fields.insert("serial_number".into(), serial.into());
            fields.insert("model".into(), model.into());
            fields
        };
        let order = store
            .create_work_order(
                tenant_id,
                WorkOrderInput {
                    number: format!("WO-DEMO-{n}"),
                    customer: "海岸城购物中心 Coastal Mall".into(),
                    contact: format!("刘经理 138 0000 0000 {DEMO_CUSTOMER}"),
                    address: "广东省深圳市南山区文心五路 33 号".into(),
                    order_type: "maintenance".into(),
                    priority: Priority::High,
                    product_category: "chiller".into(),
                    customer_tier: "VIP".into(),
                    template_id: Some(template.id),
                    division: None,
                    point: None,
                    devices: vec![
                        device(format!("CH-{n}01"), "Chiller 30XA"),
                        device(format!("CH-{n}02"), "Chiller 30XA"),
                    ],
                },
            )
            .await?;
        let assign = Envelope {
            op_id: format!("demo-assign-{n}"),
            op: Operation::Transition {
                work_order: order.id,
                action: WorkOrderAction::Assign,
            },
        };
        let dispatcher = Pusher {
            user_id: admin,
            dispatcher: true,
        };
        let change = Assignment {
            dispatch: None,
            transition: Some((dispatcher, assign)),
            assignees: Some((vec![*engineer], None)),
        };
        store.assign(tenant_id, order.id, change).await?;
    }
    Ok(())
}

/// The parts mall, on: original parts and services for the demo's
/// chillers (model "Chiller 30XA"), stock in a central warehouse and the
/// provider's depot, a customer price list and a gold tier for the
/// provider, the test and manual payment methods, and a verified demo
/// customer (answers their account).
async fn seed_mall(store: &dyn Store, tenant_id: i64) -> StoreResult<DemoAccount> {
    use fieldesk_core::mall::catalog::{ItemBody, ItemKind, LocalizedText};
    use fieldesk_core::mall::money::{Currency, Money};
    use fieldesk_core::mall::price::{Audience, PriceListBody};
    use fieldesk_core::mall::{LocationBody, LocationKind, MallSettings, PaymentMethod};

    store
        .save_mall_settings(
            tenant_id,
            MallSettings {
                enabled: true,
                currency: Currency::CNY,
                mailbox_id: None,
                payment_methods: vec![PaymentMethod::Manual, PaymentMethod::Test],
            },
        )
        .await?;
    let provider = store.providers(tenant_id).await?.first().map(|p| p.id);
    let warehouse = store
        .save_location(
            tenant_id,
            None,
            LocationBody {
                name: "深圳中心仓 Shenzhen central warehouse".into(),
                kind: LocationKind::Warehouse,
                provider_id: None,
                ships: true,
            },
        )
        .await?;
    let depot = match provider {
        Some(p) => Some(
            store
                .save_location(
                    tenant_id,
                    None,
                    LocationBody {
                        name: "华南服务商备件库 Provider depot".into(),
                        kind: LocationKind::Depot,
                        provider_id: Some(p),
                        ships: false,
                    },
                )
                .await?,
        ),
        None => None,
    };
    let text = |zh: &str, tw: &str, en: &str| LocalizedText {
        zh_cn: zh.into(),
        zh_tw: tw.into(),
        en: en.into(),
    };
    let items = [
        (
            "CH30XA-CMP",
            ItemKind::Part,
            text("螺杆压缩机", "螺桿壓縮機", "Screw compressor"),
            "压缩机",
            3_280_000,
            3,
        ),
        (
            "CH30XA-OF",
            ItemKind::Part,
            text("油过滤器", "油過濾器", "Oil filter"),
            "滤芯",
            46_000,
            40,
        ),
        (
            "CH30XA-EXV",
            ItemKind::Part,
            text("电子膨胀阀", "電子膨脹閥", "Electronic expansion valve"),
            "阀门",
            185_000,
            8,
        ),
        (
            "R134A-10KG",
            ItemKind::Part,
            text(
                "R134a 冷媒 10 kg",
                "R134a 冷媒 10 公斤",
                "R134a refrigerant 10 kg",
            ),
            "冷媒",
            98_000,
            25,
        ),
        (
            "SVC-WARRANTY-2Y",
            ItemKind::Service,
            text("延保两年", "延長保固兩年", "Two-year extended warranty"),
            "服务",
            600_000,
            0,
        ),
        (
            "SVC-INSTALL",
            ItemKind::Service,
            text(
                "原厂安装调试",
                "原廠安裝調試",
                "Factory installation and commissioning",
            ),
            "服务",
            150_000,
            0,
        ),
    ];
    let mut ids = Vec::new();
    for (sku, kind, name, category, price, stock) in items {
        let body = ItemBody {
            sku: sku.into(),
            kind,
            description: text(
                "适用于 30XA 系列冷水机组的原厂配件与服务。",
                "適用於 30XA 系列冷水機組的原廠配件與服務。",
                "Original part or service for 30XA series chillers.",
            ),
            name,
            original: true,
            unit: if kind == ItemKind::Part { "个" } else { "次" }.into(),
            category: category.into(),
            photos: vec![],
            models: vec!["Chiller 30XA".into()],
            list_price: Money::new(price, Currency::CNY),
            enabled: true,
        };
        let terms = body.search_terms();
        let item = store
            .save_item(tenant_id, None, body, terms, crate::clock::now())
            .await?;
        if kind == ItemKind::Part {
            store
                .set_stock(tenant_id, item.id, warehouse.id, stock)
                .await?;
            if let Some(depot) = &depot {
                store.set_stock(tenant_id, item.id, depot.id, 2).await?;
            }
        }
        ids.push((item.id, price));
    }
    let list = |name: &str, audience: Audience, percent: i64| PriceListBody {
        name: name.into(),
        audience,
        currency: Currency::CNY,
        valid_from: None,
        valid_until: None,
        prices: ids.iter().map(|(id, p)| (*id, p * percent / 100)).collect(),
    };
    store
        .save_price_list(
            tenant_id,
            None,
            list("终端客户价 Customer prices", Audience::Customers, 95),
        )
        .await?;
    store
        .save_price_list(
            tenant_id,
            None,
            list(
                "金牌服务商价 Gold provider prices",
                Audience::Providers("gold".into()),
                80,
            ),
        )
        .await?;
    if let Some(p) = provider {
        store
            .set_provider_tier(tenant_id, p, Some("gold".into()))
            .await?;
    }
    let password = generate_password();
    let hash = {
        let password = password.clone();
        tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .expect("hashing does not panic")
    };
    let now = crate::clock::now();
    let customer = store
        .create_customer(
            tenant_id,
            DEMO_CUSTOMER.into(),
            "刘经理 Manager Liu".into(),
            Locale::ZhCn,
            hash,
            now,
        )
        .await?;
    store
        .vouch_for_customer(tenant_id, customer.id, now)
        .await?;
    Ok(DemoAccount {
        username: DEMO_CUSTOMER,
        kind: "customer",
        password,
    })
}

/// Knowledge articles the demo's AI agent answers from.
const ARTICLES: [(&str, &str, Locale, &[&str]); 4] = [
    (
        "重置密码",
        "忘记密码时，请在登录页点击“忘记密码”，输入手机号并填写短信验证码，即可重置密码。\n\n新密码至少 8 位，需包含字母和数字。",
        Locale::ZhCn,
        &["账户"],
    ),
    (
        "重設密碼",
        "忘記密碼時，請在登入頁點選「忘記密碼」，輸入手機號碼並填寫簡訊驗證碼，即可重設密碼。",
        Locale::ZhTw,
        &["帳戶"],
    ),
    (
        "Reset your password",
        "Forgot your password? On the sign-in page choose \"Forgot password\", enter your phone number and the SMS code, then set a new password.\n\nPasswords need at least 8 characters with letters and digits.",
        Locale::En,
        &["account"],
    ),
    (
        "打印机卡纸怎么办",
        "X200 打印机卡纸时，先关闭电源，打开前盖，沿出纸方向慢慢取出纸张，再重新开机。\n\n如果反复卡纸，请转人工客服预约工程师上门。",
        Locale::ZhCn,
        &["打印机", "X200"],
    ),
];
