//! `cargo xtask bench quick-replies`, in wasm32 as the UI runs it: the
//! same workload, run by Node.js through wasm-bindgen's glue, with
//! `performance.now()` as the clock.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::prelude::*;

#[path = "workload.rs"]
mod workload;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
    #[wasm_bindgen(js_namespace = console)]
    fn log(line: &str);
}

#[wasm_bindgen]
pub fn run() {
    log("quick replies (wasm32)");
    for line in workload::run(now) {
        log(&format!("  {line}"));
    }
}
