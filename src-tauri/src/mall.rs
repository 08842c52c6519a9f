//! The parts mall's screens in the app over `/api/mall`: the switch,
//! the catalog with its stock, and the warehouse's orders (mark paid,
//! pick, ship with a carrier and tracking number, carrier events,
//! cancel, returns, refunds); a provider's people buy at their tier's
//! price (checkout once per idempotency key), pay and cancel; engineers
//! on site see the parts for a work order's device (kept for offline
//! browsing) and send the customer proposals.

use fieldesk_core::ErrorCode;
use fieldesk_core::endpoint as api;
use fieldesk_core::mall::PricesView;
use fieldesk_core::mall::price::TierBody;
use fieldesk_core::mall::proposal::DeviceParts;
use fieldesk_core::mall::{CatalogView, MallAnswer, MallCommand as C, StaffActionBody};
use fieldesk_core::mall::{PayBody, ShipmentEventBody};

use fieldesk_core::endpoint::Upload;

use crate::error::{AppError, AppResult};
use crate::field::{Photo, data_url};
use crate::session::{call as send, call_once, current, fetch};
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
        C::DeviceParts {
            work_order_id,
            device_id,
        } => MallAnswer::DeviceParts(device_parts(shell, work_order_id, device_id).await?),
        C::WorkOrderParts { work_order_id } => MallAnswer::WorkOrderParts(
            fetch(
                shell,
                &api::GetWorkOrderParts {
                    work_order: work_order_id,
                },
            )
            .await?,
        ),
        C::Propose { key, body } => {
            MallAnswer::Proposal(call_once(shell, &api::SendProposal, &body, &key).await?)
        }
        C::Withdraw { id } => {
            MallAnswer::Proposal(fetch(shell, &api::WithdrawProposal { id }).await?)
        }
        C::Prices => MallAnswer::Prices(prices(shell).await?),
        C::SavePriceList { id: None, body } => {
            MallAnswer::PriceList(send(shell, &api::CreatePriceList, &body).await?)
        }
        C::SavePriceList { id: Some(id), body } => {
            MallAnswer::PriceList(send(shell, &api::UpdatePriceList { id }, &body).await?)
        }
        C::SetTier { provider_id, tier } => {
            send(
                shell,
                &api::SetProviderTier { id: provider_id },
                &TierBody { tier },
            )
            .await?;
            MallAnswer::Prices(prices(shell).await?)
        }
        C::Photo { id } => MallAnswer::Photo(photo(shell, id).await?),
        C::UploadPhoto { data_url } => MallAnswer::PhotoId(upload_photo(shell, &data_url).await?),
    })
}

/// An item's photo: the device's copy, else the server's (kept here so
/// the parts browse with their photos offline). Offline and never seen:
/// none.
async fn photo(shell: &Shell, id: String) -> AppResult<Option<String>> {
    if let Some((content_type, bytes)) = shell.store.photo(&id)? {
        return Ok(Some(data_url(&content_type, &bytes)));
    }
    let (server, token) = current(shell).await?;
    let image = match shell
        .client
        .download(&server, &token, &api::GetMallPhoto { id: id.clone() })
        .await
    {
        Ok(image) => image,
        Err(e) if e.code == ErrorCode::ServerUnreachable => return Ok(None),
        Err(e) => return Err(e),
    };
    let photo = Photo::from_bytes(image.bytes)?;
    if photo.id != id {
        return Err(AppError::new(
            ErrorCode::UnexpectedResponse,
            "the photo is not the one asked for",
        ));
    }
    shell
        .store
        .keep_server_photo(&photo.id, photo.content_type, &photo.bytes)?;
    Ok(Some(data_url(photo.content_type, &photo.bytes)))
}

/// Uploads a picked photo (PNG or JPEG) under its SHA-256, which the item
/// then names.
async fn upload_photo(shell: &Shell, data_url: &str) -> AppResult<String> {
    let photo = Photo::from_data_url(data_url)?;
    let (server, token) = current(shell).await?;
    let upload = Upload {
        content_type: photo.content_type.to_owned(),
        bytes: photo.bytes.clone(),
    };
    shell
        .client
        .upload(
            &server,
            &token,
            &api::PutPhoto {
                id: photo.id.clone(),
            },
            upload,
        )
        .await?;
    shell
        .store
        .keep_server_photo(&photo.id, photo.content_type, &photo.bytes)?;
    Ok(photo.id)
}

async fn prices(shell: &Shell) -> AppResult<PricesView> {
    Ok(PricesView {
        lists: fetch(shell, &api::ListPriceLists).await?,
        tiers: fetch(shell, &api::ListProviderTiers).await?,
        items: fetch(shell, &api::ListMallItems { q: None }).await?,
    })
}

/// The parts for a work order's device: the server's answer, kept per
/// server, user and device so the engineer can browse them offline (the
/// copy is marked `offline`; ordering needs the server).
async fn device_parts(shell: &Shell, work_order: i64, device: i64) -> AppResult<DeviceParts> {
    let key = shell.store.session()?.map(|s| {
        format!(
            "mall-parts:{}:{}:{work_order}:{device}",
            s.server_url, s.me.user_id
        )
    });
    match fetch(shell, &api::GetDeviceParts { work_order, device }).await {
        Ok(parts) => {
            if let Some(key) = &key {
                let json = serde_json::to_string(&parts).expect("serializes");
                shell.store.set(key, &json)?;
            }
            Ok(parts)
        }
        Err(e) if e.code == ErrorCode::ServerUnreachable => {
            let kept = match &key {
                Some(key) => shell.store.get(key)?,
                None => None,
            };
            match kept.and_then(|j| serde_json::from_str::<DeviceParts>(&j).ok()) {
                Some(parts) => Ok(DeviceParts {
                    offline: true,
                    ..parts
                }),
                None => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}
