//! The one WebSocket to the server: connects, resumes with the stored
//! visitor token, reconnects with backoff, and passes every
//! [`VisitorEvent`] to the window.

use std::cell::RefCell;
use std::rc::Rc;

use fieldesk_core::chat::{VisitorCommand, VisitorEvent};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

thread_local! {
    static SOCKET: RefCell<Option<WebSocket>> = const { RefCell::new(None) };
}

/// Where to connect and how to resume.
#[derive(Clone)]
pub struct Target {
    pub url: String,
    /// Called for the `resume` command at each (re)connect.
    pub resume: Rc<dyn Fn() -> VisitorCommand>,
    pub on_event: Rc<dyn Fn(VisitorEvent)>,
    pub on_open_change: Rc<dyn Fn(bool)>,
}

/// Sends a command; `false` when not connected (the caller keeps it).
pub fn send(command: &VisitorCommand) -> bool {
    let text = serde_json::to_string(command).expect("commands serialize");
    SOCKET.with(|s| match &*s.borrow() {
        Some(ws) if ws.ready_state() == WebSocket::OPEN => ws.send_with_str(&text).is_ok(),
        _ => false,
    })
}

/// Drops the connection and connects again at once (new conversation).
pub fn restart(target: Target) {
    if let Some(ws) = SOCKET.with(|s| s.borrow_mut().take()) {
        ws.set_onclose(None);
        let _ = ws.close();
    }
    connect(target, 0);
}

/// Connects; on close, tries again after a growing delay (1–10 s).
pub fn connect(target: Target, attempt: u32) {
    let Ok(ws) = WebSocket::new(&target.url) else {
        retry(target, attempt);
        return;
    };
    let on_open = {
        let target = target.clone();
        Closure::<dyn FnMut()>::new(move || {
            (target.on_open_change)(true);
            send(&(target.resume)());
        })
    };
    let on_message = {
        let target = target.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(text) = e.data().as_string()
                && let Ok(event) = serde_json::from_str::<VisitorEvent>(&text)
            {
                (target.on_event)(event);
            }
        })
    };
    let on_close = {
        let target = target.clone();
        Closure::<dyn FnMut(CloseEvent)>::new(move |_: CloseEvent| {
            (target.on_open_change)(false);
            retry(target.clone(), attempt + 1);
        })
    };
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    // The socket lives as long as the page; so do its handlers.
    on_open.forget();
    on_message.forget();
    on_close.forget();
    SOCKET.with(|s| *s.borrow_mut() = Some(ws));
}

fn retry(target: Target, attempt: u32) {
    let delay = (1000 * 2u32.saturating_pow(attempt.min(4))).min(10_000);
    let again = Closure::once_into_js(move || connect(target, attempt));
    let _ = web_sys::window()
        .expect("a window")
        .set_timeout_with_callback_and_timeout_and_arguments_0(again.unchecked_ref(), delay as i32);
}
