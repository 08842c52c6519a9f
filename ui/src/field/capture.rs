//! Photo and signature steps: a photo comes from the camera or a file
//! (`<input type=file capture>`), a signature is drawn on a canvas; both
//! go to the shell as a `data:` URL, are kept on the device and named by
//! the step result. A photo taken here shows as a thumbnail.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::FieldDesk;
use crate::api::field;
use crate::files::read_file;
use crate::i18n::tr;

/// Sends an image for a step and shows the order as it now is.
fn attach(desk: FieldDesk, work_order: i64, device: i64, step: i64, url: String) {
    spawn_local(async move {
        desk.show(field::attach(work_order, device, step, &url).await);
    });
}

/// The current image of a step, if it was taken on this device.
#[component]
fn Thumbnail(id: Option<String>) -> impl IntoView {
    let src = RwSignal::new(None::<String>);
    let known = id.is_some();
    if let Some(id) = id {
        spawn_local(async move {
            if let Ok(Some(url)) = field::photo(&id).await {
                src.set(Some(url));
            }
        });
    }
    move || match src.get() {
        Some(url) => view! { <img class="photo-thumb" src=url alt="" /> }.into_any(),
        None if known => {
            view! { <span class="muted">{tr("field-photo-elsewhere")}</span> }.into_any()
        }
        None => ().into_any(),
    }
}

#[component]
pub fn PhotoInput(
    desk: FieldDesk,
    work_order: i64,
    device: i64,
    step: i64,
    current: Option<String>,
) -> impl IntoView {
    let pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        spawn_local(async move {
            match read_file(file).await {
                Some(url) => attach(desk, work_order, device, step, url),
                None => desk
                    .error
                    .set(Some(fieldesk_core::ErrorCode::UnreadableImage)),
            }
        });
    };
    view! {
        <div class="capture">
            <Thumbnail id=current />
            <label class="file-pick">
                <span>{tr("field-take-photo")}</span>
                <input type="file" accept="image/png,image/jpeg" capture="environment"
                    data-testid=format!("step-input-{step}") on:change=pick />
            </label>
        </div>
    }
}

#[component]
pub fn SignatureInput(
    desk: FieldDesk,
    work_order: i64,
    device: i64,
    step: i64,
    current: Option<String>,
) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let drawing = RwSignal::new(false);
    let drawn = RwSignal::new(false);
    let ctx = move || -> Option<web_sys::CanvasRenderingContext2d> {
        canvas.get()?.get_context("2d").ok()??.dyn_into().ok()
    };
    let down = move |ev: leptos::ev::PointerEvent| {
        if let Some(c) = ctx() {
            c.set_line_width(2.5);
            c.set_line_cap("round");
            c.begin_path();
            c.move_to(f64::from(ev.offset_x()), f64::from(ev.offset_y()));
            drawing.set(true);
        }
    };
    let moved = move |ev: leptos::ev::PointerEvent| {
        if drawing.get_untracked()
            && let Some(c) = ctx()
        {
            c.line_to(f64::from(ev.offset_x()), f64::from(ev.offset_y()));
            c.stroke();
            drawn.set(true);
        }
    };
    let up = move |_| drawing.set(false);
    let clear = move |_| {
        if let (Some(c), Some(el)) = (ctx(), canvas.get()) {
            c.clear_rect(0.0, 0.0, f64::from(el.width()), f64::from(el.height()));
            drawn.set(false);
        }
    };
    let save = move |_| {
        if let Some(url) = canvas.get().and_then(|el| el.to_data_url().ok()) {
            attach(desk, work_order, device, step, url);
        }
    };
    view! {
        <div class="capture">
            <Thumbnail id=current />
            <canvas node_ref=canvas class="signature-pad" width="320" height="120"
                data-testid=format!("step-input-{step}")
                on:pointerdown=down on:pointermove=moved on:pointerup=up on:pointerleave=up></canvas>
            <div class="scan-buttons">
                <button type="button" class="secondary" on:click=clear>{tr("field-signature-clear")}</button>
                <button type="button" data-testid=format!("step-save-{step}") disabled=move || !drawn.get()
                    on:click=save>{tr("field-signature-save")}</button>
            </div>
        </div>
    }
}
