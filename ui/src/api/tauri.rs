//! Bindings to the Tauri IPC (`window.__TAURI_INTERNALS__`, so the app
//! needs no `withGlobalTauri`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use fieldesk_core::ErrorCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use super::{IpcError, IpcResult};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = transformCallback)]
    fn transform_callback(callback: &js_sys::Function, once: bool) -> f64;
}

fn to_js<T: Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::UNDEFINED)
}

fn unexpected(detail: String) -> IpcError {
    IpcError {
        code: ErrorCode::UnexpectedResponse,
        message: detail,
    }
}

/// Calls a shell command and decodes its answer or its `{code, message}`.
pub async fn invoke<A: Serialize, T: DeserializeOwned>(cmd: &str, args: &A) -> IpcResult<T> {
    match tauri_invoke(cmd, to_js(args)).await {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(|e| unexpected(e.to_string())),
        Err(error) => Err(
            serde_wasm_bindgen::from_value(error.clone()).unwrap_or_else(|_| {
                // Not one of ours (e.g. a permission denial): keep its text.
                IpcError {
                    code: ErrorCode::Internal,
                    message: format!("{error:?}"),
                }
            }),
        ),
    }
}

/// Calls `handler` with the payload of every `event` the shell emits,
/// until the component that listens is dropped (then the shell stops
/// sending, and events already on their way are ignored: the handler's
/// signals are gone with the component).
pub fn listen<T: DeserializeOwned + 'static>(event: &'static str, handler: impl Fn(T) + 'static) {
    let alive = Arc::new(AtomicBool::new(true));
    let listening = alive.clone();
    let callback = Closure::<dyn Fn(JsValue)>::new(move |message: JsValue| {
        if !listening.load(Ordering::Relaxed) {
            return;
        }
        let payload = js_sys::Reflect::get(&message, &"payload".into()).unwrap_or(JsValue::NULL);
        match serde_wasm_bindgen::from_value(payload) {
            Ok(value) => handler(value),
            Err(e) => web_sys::console::warn_1(&format!("event {event}: {e}").into()),
        }
    });
    let handler_id = transform_callback(callback.as_ref().unchecked_ref(), false);
    // The JS side keeps the callback; it does nothing once not alive.
    callback.forget();
    #[derive(Serialize)]
    struct Target {
        kind: &'static str,
    }
    #[derive(Serialize)]
    struct Args {
        event: &'static str,
        target: Target,
        handler: f64,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Unlisten {
        event: &'static str,
        event_id: f64,
    }
    let args = Args {
        event,
        target: Target { kind: "Any" },
        handler: handler_id,
    };
    let registered = Arc::new(Mutex::new(None::<f64>));
    let (still, slot) = (alive.clone(), registered.clone());
    wasm_bindgen_futures::spawn_local(async move {
        match invoke::<_, f64>("plugin:event|listen", &args).await {
            Ok(event_id) if still.load(Ordering::Relaxed) => {
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(event_id);
            }
            Ok(event_id) => {
                let _ = invoke::<_, serde::de::IgnoredAny>(
                    "plugin:event|unlisten",
                    &Unlisten { event, event_id },
                )
                .await;
            }
            Err(e) => web_sys::console::error_1(&format!("cannot listen to {event}: {e:?}").into()),
        }
    });
    if leptos::prelude::Owner::current().is_some() {
        leptos::prelude::on_cleanup(move || {
            alive.store(false, Ordering::Relaxed);
            let taken = registered.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(event_id) = taken {
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = invoke::<_, serde::de::IgnoredAny>(
                        "plugin:event|unlisten",
                        &Unlisten { event, event_id },
                    )
                    .await;
                });
            }
        });
    }
}
