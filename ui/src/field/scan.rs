//! Scan to find the device (扫一扫): the camera in the webview
//! (getUserMedia) sends a frame to the shell every few hundred
//! milliseconds until one decodes; on desktop an image file can be picked
//! instead. The shell decodes with rxing (bounded in time, off the UI
//! thread) and matches the text against the work order's devices; a match
//! opens that device's checklist.

use fieldesk_core::ErrorCode;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::FieldDesk;
use crate::api::field;
use crate::i18n::tr;

/// What the last scan said, for the line under the buttons.
#[derive(Clone, PartialEq)]
enum Said {
    Nothing,
    Scanning,
    Found(String),
    NoMatch(String),
    Failed(ErrorCode),
    NoCamera,
}

/// Decodes an image and acts on the answer. Returns whether to stop
/// scanning (a code was read, matching or not).
async fn try_image(desk: FieldDesk, work_order: i64, data_url: &str, said: RwSignal<Said>) -> bool {
    match field::scan(work_order, data_url).await {
        Ok(found) => {
            match found.devices.first() {
                Some(device) => {
                    desk.device.set(Some(*device));
                    said.set(Said::Found(found.text));
                }
                None => said.set(Said::NoMatch(found.text)),
            }
            true
        }
        Err(e) => {
            said.set(Said::Failed(e.code));
            e.code != ErrorCode::NoCodeFound
        }
    }
}

/// One camera frame as a JPEG `data:` URL.
fn grab(video: &web_sys::HtmlVideoElement) -> Option<String> {
    let (w, h) = (video.video_width(), video.video_height());
    if w == 0 || h == 0 {
        return None;
    }
    let canvas: web_sys::HtmlCanvasElement =
        document().create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(w);
    canvas.set_height(h);
    let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    ctx.draw_image_with_html_video_element(video, 0.0, 0.0)
        .ok()?;
    canvas
        .to_data_url_with_type_and_encoder_options("image/jpeg", &JsValue::from_f64(0.85))
        .ok()
}

fn stop_tracks(stream: &web_sys::MediaStream) {
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

#[component]
pub fn ScanPanel(desk: FieldDesk, work_order: i64) -> impl IntoView {
    let i18n = desk.i18n;
    let said = RwSignal::new(Said::Nothing);
    let camera_on = RwSignal::new(false);
    let video_ref = NodeRef::<leptos::html::Video>::new();

    let pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        said.set(Said::Scanning);
        spawn_local(async move {
            match crate::files::read_file(file).await {
                Some(url) => {
                    try_image(desk, work_order, &url, said).await;
                }
                None => said.set(Said::Failed(ErrorCode::UnreadableImage)),
            }
        });
    };

    let start_camera = move |_| {
        let Some(devices) = window().navigator().media_devices().ok() else {
            said.set(Said::NoCamera);
            return;
        };
        said.set(Said::Scanning);
        camera_on.set(true);
        spawn_local(async move {
            let constraints = web_sys::MediaStreamConstraints::new();
            constraints.set_video(&JsValue::TRUE);
            let stream = match devices.get_user_media_with_constraints(&constraints) {
                Ok(p) => JsFuture::from(p).await,
                Err(e) => Err(e),
            };
            let Ok(stream) = stream.and_then(|s| s.dyn_into::<web_sys::MediaStream>()) else {
                camera_on.set(false);
                said.set(Said::NoCamera);
                return;
            };
            let Some(video) = video_ref.get_untracked() else {
                stop_tracks(&stream);
                return;
            };
            video.set_src_object(Some(&stream));
            let _ = video.play();
            while camera_on.get_untracked() {
                sleep_ms(400).await;
                let Some(frame) = grab(&video) else { continue };
                if try_image(desk, work_order, &frame, said).await {
                    break;
                }
                // Frames without a code are normal while aiming.
                said.set(Said::Scanning);
            }
            camera_on.set(false);
            video.set_src_object(None);
            stop_tracks(&stream);
        });
    };

    view! {
        <div class="scan" data-testid="scan">
            <div class="scan-buttons">
                <Show when=move || !camera_on.get()
                    fallback=move || view! {
                        <button class="secondary" data-testid="scan-stop" on:click=move |_| camera_on.set(false)>{tr("field-scan-stop")}</button>
                    }>
                    <button data-testid="scan-camera" on:click=start_camera>{tr("field-scan")}</button>
                </Show>
                <label class="file-pick">
                    <span>{tr("field-scan-file")}</span>
                    <input type="file" accept="image/*" data-testid="scan-file" on:change=pick />
                </label>
            </div>
            <video node_ref=video_ref class="scan-video" class:hidden=move || !camera_on.get()
                autoplay=true muted=true playsinline=true></video>
            <p class="muted" data-testid="scan-result" data-state=move || match said.get() {
                Said::Nothing => "idle",
                Said::Scanning => "scanning",
                Said::Found(_) => "found",
                Said::NoMatch(_) => "no-match",
                Said::Failed(_) | Said::NoCamera => "failed",
            }>
                {move || match said.get() {
                    Said::Nothing => String::new(),
                    Said::Scanning => i18n.t("field-scanning"),
                    Said::Found(text) => i18n.t_with("field-scan-found", "text", text),
                    Said::NoMatch(text) => i18n.t_with("field-scan-no-match", "text", text),
                    Said::Failed(code) => i18n.t(code.message_key()),
                    Said::NoCamera => i18n.t("field-camera-unavailable"),
                }}
            </p>
        </div>
    }
}
