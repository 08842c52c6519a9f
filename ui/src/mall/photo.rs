//! Items' photos in the app: shown from the device's copy or the server
//! (as `data:` URLs: the window's CSP allows no other image source), and
//! the admin's photo editor (add PNG or JPEG, remove, choose the cover).

use fieldesk_core::ErrorCode;
use fieldesk_core::mall::catalog::MAX_PHOTOS;
use fieldesk_core::mall::{MallAnswer, MallCommand};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::mall;
use crate::files::read_file;
use crate::i18n::{tr, use_i18n};

/// An item's photo (its cover when `id` is the first), or an empty frame.
#[component]
pub fn ItemPhoto(id: Option<String>, #[prop(optional, into)] alt: String) -> impl IntoView {
    let src = RwSignal::new(None::<String>);
    if let Some(id) = id.clone() {
        spawn_local(async move {
            if let Ok(MallAnswer::Photo(Some(url))) = mall::call(MallCommand::Photo { id }).await {
                let _ = src.try_set(Some(url));
            }
        });
    }
    view! {
        <span class="item-photo" data-testid="item-photo" data-photo=id.unwrap_or_default()>
            {move || src.get().map(|url| view! { <img src=url alt=alt.clone() data-testid="item-photo-img" /> })}
        </span>
    }
}

/// The photos of an item being changed: the first is its cover.
#[component]
pub fn PhotoEditor(
    photos: RwSignal<Vec<String>>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let uploading = RwSignal::new(false);
    let full = move || photos.with(|p| p.len() >= MAX_PHOTOS);
    let add = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        uploading.set(true);
        spawn_local(async move {
            // The code's message: the shell's own texts (a file too big,
            // not an image) are diagnostics.
            let refused = |code: ErrorCode| error.set(Some(i18n.t(code.message_key())));
            let Some(data_url) = read_file(file).await else {
                uploading.set(false);
                return refused(ErrorCode::UnreadableImage);
            };
            let answer = mall::call(MallCommand::UploadPhoto { data_url }).await;
            uploading.set(false);
            match answer {
                Ok(MallAnswer::PhotoId(id)) => {
                    error.set(None);
                    photos.update(|p| {
                        if !p.contains(&id) && p.len() < MAX_PHOTOS {
                            p.push(id)
                        }
                    });
                }
                Ok(_) => {}
                Err(e) => refused(e.code),
            }
        });
    };
    view! {
        <fieldset class="item-photos" data-testid="mall-item-photos">
            <legend>{tr("mall-photos")}</legend>
            <For each=move || photos.get().into_iter().enumerate() key=|(i, id)| (*i, id.clone()) let:((at, id))>
                {
                    let gone = id.clone();
                    let cover = id.clone();
                    let shown = Some(id.clone());
                    view! {
                        <span class="item-photo-edit" data-testid="mall-item-photo" data-photo=id>
                            <ItemPhoto id=shown />
                            {(at == 0).then(|| view! { <span class="badge" data-testid="mall-item-photo-cover">{tr("mall-photo-cover")}</span> })}
                            {(at > 0).then(|| view! {
                                <button type="button" class="link" data-testid="mall-item-photo-first"
                                    on:click=move |_| photos.update(|p| if let Some(i) = p.iter().position(|x| *x == cover) {
                                        let id = p.remove(i);
                                        p.insert(0, id);
                                    })>{tr("mall-photo-make-cover")}</button>
                            })}
                            <button type="button" class="link" data-testid="mall-item-photo-remove"
                                on:click=move |_| photos.update(|p| p.retain(|x| *x != gone))>{tr("mall-photo-remove")}</button>
                        </span>
                    }
                }
            </For>
            <label class="file-pick" class:disabled=move || full() || uploading.get()>
                <span>{move || i18n.t(if uploading.get() { "mall-photo-uploading" } else { "mall-photo-add" })}</span>
                <input type="file" accept="image/png,image/jpeg" data-testid="mall-item-photo-input"
                    disabled=move || full() || uploading.get() on:change=add />
            </label>
            <p class="muted">{move || i18n.t_with("mall-photos-hint", "count", MAX_PHOTOS.to_string())}</p>
        </fieldset>
    }
}
