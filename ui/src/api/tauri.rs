//! Bindings to the Tauri IPC (`window.__TAURI_INTERNALS__`, so the app
//! needs no `withGlobalTauri`).

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

/// Calls `handler` with the payload of every `event` the shell emits.
pub fn listen<T: DeserializeOwned + 'static>(event: &'static str, handler: impl Fn(T) + 'static) {
    let callback = Closure::<dyn Fn(JsValue)>::new(move |message: JsValue| {
        let payload = js_sys::Reflect::get(&message, &"payload".into()).unwrap_or(JsValue::NULL);
        match serde_wasm_bindgen::from_value(payload) {
            Ok(value) => handler(value),
            Err(e) => web_sys::console::warn_1(&format!("event {event}: {e}").into()),
        }
    });
    let id = transform_callback(callback.as_ref().unchecked_ref(), false);
    // The listener lives as long as the page.
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
    let args = Args {
        event,
        target: Target { kind: "Any" },
        handler: id,
    };
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = invoke::<_, serde::de::IgnoredAny>("plugin:event|listen", &args).await {
            web_sys::console::error_1(&format!("cannot listen to {event}: {e:?}").into());
        }
    });
}
