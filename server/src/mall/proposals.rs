//! The engineer on site: the parts that fit a work order's device, and
//! proposals — the prepared cart sent to the customer, who approves it by
//! checking it out in the portal (chargeable parts never go on their
//! account otherwise). A work order shows its proposals and the orders
//! for its parts, and its engineers are told live when they move.

use fieldesk_core::event::ServerEvent;
use fieldesk_core::mall::checkout;
use fieldesk_core::mall::price::{self, Audience};
use fieldesk_core::mall::proposal::{
    self, ApproveBody, CustomerDevice, CustomerProposal, DevicePart, DeviceParts, PartsOrder,
    Proposal, ProposalBody, ProposalError, ProposalStatus, ProposedItem, WorkOrderParts,
};
use fieldesk_core::mall::{CheckoutBody, Order};
use fieldesk_core::work_order::WorkOrderView;
use fieldesk_core::{ErrorCode, Locale, Role};

use super::catalog::ShopQuery;
use super::{BuyerRef, MallResult, MallService, Shopper};
use crate::clock::now;
use crate::error::ApiError;
use crate::field::visible_work_order;
use crate::hub::{Audience as To, Envelope};
use crate::mail::Notice;
use crate::store::User;
use crate::store::mall::{NewProposal, OrderScope, Placed, ProposalScope};

/// The most of a customer's work orders the portal lists devices of.
const CUSTOMER_WORK_ORDERS: u32 = 20;

impl MallService {
    /// A work order `user` may see, with the mall switched on.
    async fn work_order_for(&self, user: &User, id: i64) -> MallResult<WorkOrderView> {
        self.enabled(user.tenant_id).await?;
        visible_work_order(&*self.store, user, id).await
    }

    /// The parts that fit a device of a work order (by its model), at the
    /// customer's price, with the caller's provider's price beside when
    /// they buy for one.
    pub async fn device_parts(
        &self,
        user: &User,
        work_order_id: i64,
        device_id: i64,
        locale: Locale,
    ) -> MallResult<DeviceParts> {
        let order = self.work_order_for(user, work_order_id).await?;
        let device = order
            .devices
            .iter()
            .find(|d| d.id == device_id)
            .ok_or(ApiError::new(ErrorCode::NotFound))?;
        let model = device.model();
        let items = if model.is_empty() {
            vec![]
        } else {
            self.store
                .items(
                    user.tenant_id,
                    super::catalog::item_query(
                        &ShopQuery {
                            model: Some(model.clone()),
                            ..ShopQuery::default()
                        },
                        true,
                    ),
                )
                .await?
        };
        let provider = match user.role.buys_for_provider() {
            true => self.provider_of(user).await.ok().map(|(_, a)| a),
            false => None,
        };
        let lists = self.store.price_lists(user.tenant_id).await?;
        let offers = self
            .offer_all_at(user.tenant_id, &Audience::Customers, items, locale, &lists)
            .await?;
        let at = now();
        Ok(DeviceParts {
            work_order_id,
            device_id,
            model,
            parts: offers
                .into_iter()
                .map(|offer| DevicePart {
                    provider_price: provider.as_ref().map(|a| {
                        price::quote(offer.item.id, offer.item.body.list_price, a, &lists, at)
                    }),
                    offer,
                })
                .collect(),
            provider: provider.is_some(),
            fetched_at: at,
            offline: false,
        })
    }

    /// A work order's proposals and the orders for its parts.
    pub async fn work_order_parts(
        &self,
        user: &User,
        work_order_id: i64,
    ) -> MallResult<WorkOrderParts> {
        self.work_order_for(user, work_order_id).await?;
        let tenant_id = user.tenant_id;
        let proposals = self
            .store
            .proposals(tenant_id, ProposalScope::WorkOrder(work_order_id))
            .await?;
        let orders = self
            .store
            .orders(tenant_id, OrderScope::WorkOrder(work_order_id), 0, 100)
            .await?;
        Ok(WorkOrderParts {
            proposals,
            orders: orders.iter().map(PartsOrder::of).collect(),
        })
    }

    /// Sends the customer a proposal for a device of a work order `user`
    /// may see (once per key), and mails them its link (`true`: sent
    /// now).
    pub async fn propose(
        &self,
        user: &User,
        key: Option<&str>,
        raw: &[u8],
        body: ProposalBody,
        locale: Locale,
    ) -> MallResult<(bool, Proposal)> {
        if !(user.role.buys_for_provider() || user.role.dispatches()) {
            return Err(ApiError::new(ErrorCode::Forbidden));
        }
        let key = key
            .filter(|k| checkout::valid_key(k))
            .ok_or(ApiError::new(ErrorCode::IdempotencyKeyRequired))?;
        let checked = proposal::check(&body).map_err(|e| match e {
            ProposalError::Email => ApiError::new(ErrorCode::InvalidEmail),
            ProposalError::Note => ApiError::new(ErrorCode::BadRequest),
            ProposalError::Lines(_) => ApiError::new(ErrorCode::InvalidQuantity),
        })?;
        let order = self.work_order_for(user, body.work_order_id).await?;
        if !order.devices.iter().any(|d| d.id == body.device_id) {
            return Err(ApiError::new(ErrorCode::NotFound));
        }
        let tenant_id = user.tenant_id;
        let settings = self.enabled(tenant_id).await?;
        let mailbox = settings
            .mailbox_id
            .ok_or(ApiError::new(ErrorCode::MallMailUnavailable))?;
        let items = self
            .store
            .items_by_id(tenant_id, checked.demand.keys().copied().collect())
            .await?;
        let mut lines = vec![];
        for (id, quantity) in &checked.demand {
            let item = items
                .iter()
                .find(|i| i.id == *id && i.body.enabled)
                .ok_or_else(|| {
                    ApiError::with_details(
                        ErrorCode::ItemUnavailable,
                        vec![("mall-item-id", vec![("id", id.to_string())])],
                    )
                })?;
            lines.push(ProposedItem {
                item_id: item.id,
                sku: item.body.sku.clone(),
                name: item.body.name.clone(),
                quantity: *quantity,
            });
        }
        let new = NewProposal {
            work_order_id: body.work_order_id,
            device_id: body.device_id,
            email: checked.email,
            lines,
            note: checked.note,
            sent_by: user.id,
            key: key.to_owned(),
            fingerprint: checkout::fingerprint(raw),
        };
        let (created, id) = match self.store.create_proposal(tenant_id, new, now()).await? {
            Placed::New(id) => (true, id),
            Placed::Replayed(id) => (false, id),
            _ => return Err(ApiError::new(ErrorCode::IdempotencyKeyReused)),
        };
        let proposal = self.load_proposal(tenant_id, id).await?;
        // Queued once per proposal: a retry does not mail twice.
        self.mail_proposal(tenant_id, mailbox, &proposal, locale)
            .await?;
        if created {
            self.tell_work_order(tenant_id, proposal.work_order_id)
                .await;
        }
        Ok((created, proposal))
    }

    async fn load_proposal(&self, tenant_id: i64, id: i64) -> MallResult<Proposal> {
        self.store
            .proposal(tenant_id, id)
            .await?
            .ok_or(ApiError::new(ErrorCode::NotFound))
    }

    async fn mail_proposal(
        &self,
        tenant_id: i64,
        mailbox: i64,
        p: &Proposal,
        fallback: Locale,
    ) -> MallResult<()> {
        let locale = self
            .store
            .customer_credentials(tenant_id, p.email.clone())
            .await?
            .map_or(fallback, |c| c.customer.locale);
        let slug = self
            .store
            .tenant(tenant_id)
            .await?
            .map(|t| t.slug)
            .unwrap_or_default();
        let link = format!(
            "{}/shop/{slug}?proposal={}",
            self.public_url.get().map_or("", String::as_str),
            p.id
        );
        let items = p
            .lines
            .iter()
            .map(|l| format!("- {} {} × {}", l.sku, l.name.get(locale), l.quantity))
            .collect::<Vec<_>>()
            .join("\n");
        self.mail
            .queue_notice(
                tenant_id,
                mailbox,
                Notice {
                    key: format!("proposal:{}", p.id),
                    to: &p.email,
                    subject: self.text(
                        locale,
                        "mall-proposal-mail-subject",
                        &[("order", p.work_order_number.clone())],
                    ),
                    text: self.text(
                        locale,
                        "mall-proposal-mail-text",
                        &[
                            ("engineer", p.sent_by_name.clone()),
                            ("order", p.work_order_number.clone()),
                            ("device", p.device_label.clone()),
                            ("items", items),
                            ("note", p.note.clone()),
                            ("link", link),
                        ],
                    ),
                },
            )
            .await?;
        Ok(())
    }

    /// Takes back an open proposal: its sender, or a dispatcher.
    pub async fn withdraw(&self, user: &User, id: i64) -> MallResult<Proposal> {
        let tenant_id = user.tenant_id;
        self.enabled(tenant_id).await?;
        let p = self.load_proposal(tenant_id, id).await?;
        if p.sent_by != user.id && !user.role.dispatches() {
            return Err(ApiError::new(ErrorCode::NotFound));
        }
        self.close(tenant_id, p, ProposalStatus::Withdrawn).await
    }

    async fn close(&self, tenant_id: i64, p: Proposal, to: ProposalStatus) -> MallResult<Proposal> {
        if !self
            .store
            .close_proposal(tenant_id, p.id, to, now())
            .await?
        {
            return Err(ApiError::new(ErrorCode::ProposalClosed));
        }
        self.tell_work_order(tenant_id, p.work_order_id).await;
        self.load_proposal(tenant_id, p.id).await
    }

    /// A proposal sent to the shopper's (verified) address; another's is
    /// not found.
    async fn proposal_of(&self, s: &Shopper, id: i64) -> MallResult<Proposal> {
        self.enabled(s.tenant_id).await?;
        self.store
            .proposal(s.tenant_id, id)
            .await?
            .filter(|p| s.customer.verified && p.email == s.customer.email)
            .ok_or(ApiError::new(ErrorCode::NotFound))
    }

    async fn for_customer(
        &self,
        s: &Shopper,
        p: Proposal,
        locale: Locale,
    ) -> MallResult<CustomerProposal> {
        let items = self
            .store
            .items_by_id(s.tenant_id, p.lines.iter().map(|l| l.item_id).collect())
            .await?
            .into_iter()
            .filter(|i| i.body.enabled)
            .collect();
        let offers = self
            .offer_all(s.tenant_id, &Audience::Customers, items, locale)
            .await?;
        Ok(CustomerProposal {
            proposal: p,
            offers,
        })
    }

    /// The proposals sent to the shopper, newest first.
    pub async fn customer_proposals(
        &self,
        s: &Shopper,
        locale: Locale,
    ) -> MallResult<Vec<CustomerProposal>> {
        self.enabled(s.tenant_id).await?;
        if !s.customer.verified {
            return Ok(vec![]);
        }
        let list = self
            .store
            .proposals(s.tenant_id, ProposalScope::Email(s.customer.email.clone()))
            .await?;
        let mut out = Vec::with_capacity(list.len());
        for p in list {
            out.push(self.for_customer(s, p, locale).await?);
        }
        Ok(out)
    }

    pub async fn customer_proposal(
        &self,
        s: &Shopper,
        id: i64,
        locale: Locale,
    ) -> MallResult<CustomerProposal> {
        let p = self.proposal_of(s, id).await?;
        self.for_customer(s, p, locale).await
    }

    /// The customer approves a proposal: their checkout of exactly its
    /// lines at their price, linked to its work order and device, once
    /// per key; the proposal is approved in the order's transaction.
    pub async fn approve(
        &self,
        s: &Shopper,
        who: &BuyerRef,
        id: i64,
        key: Option<&str>,
        raw: &[u8],
        body: ApproveBody,
    ) -> MallResult<(bool, Order)> {
        let p = self.proposal_of(s, id).await?;
        let checkout = CheckoutBody {
            lines: p.checkout_lines(&body.lines),
            delivery: body.delivery,
            payment: body.payment,
            work_order_id: Some(p.work_order_id),
            device_id: Some(p.device_id),
        };
        let (created, order) = self.place(who, key, raw, checkout, Some(p.id)).await?;
        if created {
            self.tell_work_order(s.tenant_id, p.work_order_id).await;
        }
        Ok((created, order))
    }

    pub async fn decline(&self, s: &Shopper, id: i64) -> MallResult<Proposal> {
        let p = self.proposal_of(s, id).await?;
        self.close(s.tenant_id, p, ProposalStatus::Declined).await
    }

    /// The devices of the shopper's work orders (those a proposal was
    /// sent to them for, and those whose contact names their address).
    pub async fn customer_devices(&self, s: &Shopper) -> MallResult<Vec<CustomerDevice>> {
        self.enabled(s.tenant_id).await?;
        if !s.customer.verified {
            return Ok(vec![]);
        }
        let ids = self
            .store
            .customer_work_orders(s.tenant_id, s.customer.email.clone(), CUSTOMER_WORK_ORDERS)
            .await?;
        let mut out = vec![];
        for id in ids {
            let Some(order) = self.store.work_order(s.tenant_id, id).await? else {
                continue;
            };
            out.extend(order.devices.iter().map(|d| CustomerDevice {
                work_order_id: order.id,
                work_order_number: order.number.clone(),
                device_id: d.id,
                model: d.model(),
                serial_number: d.text("serial_number"),
            }));
        }
        Ok(out)
    }

    /// Tells a work order's engineers (and the dispatchers) that its
    /// parts changed.
    pub(super) async fn tell_work_order(&self, tenant_id: i64, work_order: i64) {
        let assignees = match self.store.work_order(tenant_id, work_order).await {
            Ok(Some(o)) => o.assignees,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(%e, tenant_id, work_order, "work order's engineers not told");
                return;
            }
        };
        let event = ServerEvent::MallPartsChanged { work_order };
        let to = assignees
            .into_iter()
            .map(To::User)
            .chain([To::Role(Role::Admin), To::Role(Role::Supervisor)]);
        for audience in to {
            self.hub.publish(Envelope {
                tenant_id,
                audience,
                event: event.clone(),
            });
        }
    }
}
