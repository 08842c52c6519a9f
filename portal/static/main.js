// Loads the chat window's wasm; kept out of index.html so the CSP needs no inline script.
import init from "/chat/assets/portal.js";
init({ module_or_path: "/chat/assets/portal_bg.wasm" });
