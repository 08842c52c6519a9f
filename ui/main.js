// Loads the wasm UI; kept out of index.html so the CSP needs no inline script.
import init from "./ui.js";
init({ module_or_path: "./ui_bg.wasm" });
