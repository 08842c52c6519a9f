//! The engineer's field work, offline first: every action is checked with
//! the core rules against what the app shows, written to the local store
//! and the outbox in one step, and synced by the [`engine`] in the
//! background. The UI never waits for the network.
//!
//! Photos and signatures: the image is kept in the local store under its
//! SHA-256 and uploaded by the engine before the step result naming it.
//!
//! Scanning: the UI hands over an image (a camera frame or a picked file)
//! as a data URL; it is decoded off the UI thread within a time budget by
//! `fieldesk-scan` and matched against the work order's devices.

pub mod admin;
pub mod engine;

use base64::Engine as _;
use fieldesk_core::ErrorCode;
use fieldesk_core::apply::Pusher;
use fieldesk_core::offline::{LocalWorkOrder, ScanMatch, apply_local, overlay};
use fieldesk_core::standard_operation::{MAX_PHOTO_BYTES, photo_type};
use fieldesk_core::sync::{Envelope, Operation};
use fieldesk_core::work_order::WorkOrderView;
use fieldesk_scan::ScanError;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};
use crate::state::Shell;

/// The signed-in user, who owns the field data from now on: another
/// user's cached orders are gone before anything is read (they never show,
/// not even until the first sync).
fn me(shell: &Shell) -> AppResult<Pusher> {
    let me = shell
        .store
        .session()?
        .map(|s| s.me)
        .ok_or_else(|| AppError::new(ErrorCode::SessionExpired, "no session"))?;
    shell.store.claim_field_data(me.user_id)?;
    Ok(Pusher {
        user_id: me.user_id,
        dispatcher: me.role.dispatches(),
    })
}

/// The engineer's work orders as shown: the server's with local work laid over.
pub fn orders(shell: &Shell) -> AppResult<Vec<LocalWorkOrder>> {
    let user = me(shell)?;
    shell
        .store
        .orders()?
        .into_iter()
        .map(|server| shown(shell, user, server))
        .collect()
}

/// One work order as shown.
pub fn order(shell: &Shell, id: i64) -> AppResult<LocalWorkOrder> {
    let user = me(shell)?;
    shown(shell, user, cached(shell, id)?)
}

/// The server's view of a work order, as last synced.
fn cached(shell: &Shell, id: i64) -> AppResult<WorkOrderView> {
    shell
        .store
        .order(id)?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, format!("work order {id}")))
}

fn shown(shell: &Shell, me: Pusher, server: WorkOrderView) -> AppResult<LocalWorkOrder> {
    let notes = shell.store.notes(server.id)?;
    let unconfirmed = shell.store.unconfirmed_for(me.user_id, server.id)?;
    Ok(overlay(server, me, &notes, &unconfirmed))
}

/// A fresh client operation id: random, so two devices never collide.
fn new_op_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS gives random bytes");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("op-{hex}")
}

/// Records an engineer's action: refused at once if the rules say no (the
/// localized reason), else queued and shown; the sync follows on its own.
pub fn act(shell: &Shell, op: Operation) -> AppResult<LocalWorkOrder> {
    act_then(shell, op, || Ok(()))
}

/// [`act`], running `keep` (which stores what the operation names) after
/// the check and before the operation is queued.
fn act_then(
    shell: &Shell,
    mut op: Operation,
    keep: impl FnOnce() -> AppResult<()>,
) -> AppResult<LocalWorkOrder> {
    let me = me(shell)?;
    let server = cached(shell, op.work_order())?;
    let notes = shell.store.notes(server.id)?;
    let mut unconfirmed = shell.store.unconfirmed_for(me.user_id, server.id)?;
    if let Operation::StepResult {
        device,
        step,
        base_seq,
        ..
    } = &mut op
    {
        // The value this engineer saw on the server (for the conflict policy).
        *base_seq = server.seen(*device, *step);
    }
    // The server's rules (`core::apply::plan`) on what the app shows.
    let mut check = overlay(server.clone(), me, &notes, &unconfirmed).order;
    apply_local(&mut check, me, &op)
        .map_err(|reason| AppError::new(reason.error_code(), format!("{reason:?}")))?;
    keep()?;
    let envelope = Envelope {
        op_id: new_op_id(),
        op,
    };
    shell.store.enqueue(me.user_id, &envelope)?;
    shell.sync.nudge();
    unconfirmed.push(envelope);
    Ok(overlay(server, me, &notes, &unconfirmed))
}

/// Decodes a `data:` URL (or bare base64) of at most `max` bytes.
fn data_url_bytes(data_url: &str, max: usize) -> AppResult<Vec<u8>> {
    let base64 = data_url
        .split_once(";base64,")
        .map_or(data_url, |(_, data)| data);
    if base64.len() > max / 3 * 4 + 4 {
        return Err(AppError::new(ErrorCode::PayloadTooLarge, "image"));
    }
    base64::engine::general_purpose::STANDARD
        .decode(base64.trim())
        .map_err(|e| AppError::new(ErrorCode::UnreadableImage, e.to_string()))
}

/// Records a photo or signature for a step: the image is kept on the
/// device (uploaded by the next sync, before the step result) and the
/// step's value is its id.
pub fn attach(
    shell: &Shell,
    work_order: i64,
    device: i64,
    step: i64,
    data_url: &str,
) -> AppResult<LocalWorkOrder> {
    let Photo {
        id,
        content_type,
        bytes,
    } = Photo::from_data_url(data_url)?;
    let op = Operation::StepResult {
        work_order,
        device,
        step,
        value: serde_json::Value::String(id.clone()),
        base_seq: 0,
    };
    act_then(shell, op, || {
        shell.store.put_photo(&id, content_type, &bytes)
    })
}

/// A photo kept on this device, as a `data:` URL for the checklist.
pub fn photo(shell: &Shell, id: &str) -> AppResult<Option<String>> {
    Ok(shell
        .store
        .photo(id)?
        .map(|(content_type, bytes)| data_url(&content_type, &bytes)))
}

/// An image as a `data:` URL (the webview's CSP allows no other source).
pub(crate) fn data_url(content_type: &str, bytes: &[u8]) -> String {
    format!(
        "data:{content_type};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A PNG or JPEG photo named by the SHA-256 of its bytes.
pub(crate) struct Photo {
    pub id: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

impl Photo {
    /// Reads a picked photo (a `data:` URL): at most the server's photo
    /// size, PNG or JPEG by its first bytes.
    pub fn from_data_url(data_url: &str) -> AppResult<Photo> {
        let bytes = data_url_bytes(data_url, MAX_PHOTO_BYTES)?;
        if bytes.len() > MAX_PHOTO_BYTES {
            return Err(AppError::new(ErrorCode::PayloadTooLarge, "image"));
        }
        Photo::from_bytes(bytes)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> AppResult<Photo> {
        let content_type = photo_type(&bytes)
            .ok_or_else(|| AppError::new(ErrorCode::UnreadableImage, "not PNG or JPEG"))?;
        Ok(Photo {
            id: format!("{:x}", Sha256::digest(&bytes)),
            content_type,
            bytes,
        })
    }
}

/// Most bytes an image handed over for scanning may have.
const MAX_IMAGE_BYTES: usize = fieldesk_scan::MAX_FILE_BYTES;

/// Decodes an image (data URL) and finds the work order's devices it names.
pub async fn scan(shell: &Shell, work_order: i64, data_url: &str) -> AppResult<ScanMatch> {
    let shown = order(shell, work_order)?;
    let bytes = data_url_bytes(data_url, MAX_IMAGE_BYTES)?;
    let (result, took) = tauri::async_runtime::spawn_blocking(move || {
        fieldesk_scan::decode_file_bytes(&bytes, fieldesk_scan::DEFAULT_BUDGET)
    })
    .await
    .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    let decoded = result.map_err(|e| {
        let code = match e {
            ScanError::NotFound | ScanError::TimedOut(_) => ErrorCode::NoCodeFound,
            ScanError::BinaryPayload => ErrorCode::ScanNotText,
            ScanError::UnreadableImage(_) => ErrorCode::UnreadableImage,
            ScanError::TooLarge => ErrorCode::PayloadTooLarge,
        };
        AppError::new(code, e.to_string())
    })?;
    tracing::info!(ms = took.as_millis() as u64, format = ?decoded.format, "scanned");
    let fields = shell.store.device_fields()?;
    let devices = shown
        .order
        .find_by_scan(&decoded.text, &fields)
        .unwrap_or_default();
    Ok(ScanMatch {
        text: decoded.text,
        format: format!("{:?}", decoded.format),
        devices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_ids_are_valid_client_ids_and_distinct() {
        let a = new_op_id();
        let b = new_op_id();
        assert_ne!(a, b);
        assert!(fieldesk_core::chat::validate_client_id(&a).is_ok());
    }
}
