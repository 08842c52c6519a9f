//! The parts mall's screens in the app over `/api/mall`: the switch,
//! the catalog with its stock, and the warehouse's orders (mark paid,
//! pick, ship with a carrier and tracking number, carrier events,
//! cancel, returns, refunds); a provider's people buy at their tier's
//! price (checkout once per idempotency key), pay and cancel.

use fieldesk_core::endpoint as api;
use fieldesk_core::mall::{CatalogView, MallAnswer, MallCommand as C, StaffActionBody};
use fieldesk_core::mall::{PayBody, ShipmentEventBody};

use crate::error::AppResult;
use crate::session::{call as send, call_once, fetch};
use crate::state::Shell;

pub async fn call(shell: &Shell, command: C) -> AppResult<MallAnswer> {
    Ok(match command {
        C::Settings => MallAnswer::Settings(fetch(shell, &api::GetMallSettings).await?),
        C::SaveSettings { settings } => {
            MallAnswer::Settings(send(shell, &api::SetMallSettings, &settings).await?)
        }
        C::Orders { before } => MallAnswer::Orders(
            fetch(
                shell,
                &api::ListMallOrders {
                    before,
                    work_order: None,
                },
            )
            .await?,
        ),
        C::Order { id } => MallAnswer::Order(fetch(shell, &api::GetMallOrder { id }).await?),
        C::Ship { id, body } => {
            MallAnswer::Order(send(shell, &api::ShipMallOrder { id }, &body).await?)
        }
        C::Act { id, action } => MallAnswer::Order(
            send(
                shell,
                &api::ActOnMallOrder { id },
                &StaffActionBody { action },
            )
            .await?,
        ),
        C::ReportShipment { id, status } => MallAnswer::Order(
            send(
                shell,
                &api::ReportShipment { id },
                &ShipmentEventBody { status },
            )
            .await?,
        ),
        C::Catalog { q } => {
            let items = fetch(shell, &api::ListMallItems { q }).await?;
            let ids: Vec<String> = items.iter().map(|i| i.id.to_string()).collect();
            let stock = if ids.is_empty() {
                vec![]
            } else {
                fetch(
                    shell,
                    &api::ListStock {
                        items: ids.join(","),
                    },
                )
                .await?
            };
            let locations = fetch(shell, &api::ListMallLocations).await?;
            MallAnswer::Catalog(CatalogView {
                items,
                stock,
                locations,
            })
        }
        C::SaveItem { id: None, body } => {
            MallAnswer::Item(send(shell, &api::CreateMallItem, &body).await?)
        }
        C::SaveItem { id: Some(id), body } => {
            MallAnswer::Item(send(shell, &api::UpdateMallItem { id }, &body).await?)
        }
        C::SetStock { body } => MallAnswer::Stock(send(shell, &api::SetStock, &body).await?),
        C::Offers { q, model } => {
            MallAnswer::Offers(fetch(shell, &api::ListMallOffers { q, model }).await?)
        }
        C::Locations => MallAnswer::Locations(fetch(shell, &api::ListMallLocations).await?),
        C::Checkout { key, body } => {
            MallAnswer::Order(call_once(shell, &api::MallCheckout, &body, &key).await?)
        }
        C::Pay { id, card } => {
            MallAnswer::Order(send(shell, &api::PayMallOrder { id }, &PayBody { card }).await?)
        }
        C::Cancel { id } => MallAnswer::Order(fetch(shell, &api::CancelMallOrder { id }).await?),
    })
}
