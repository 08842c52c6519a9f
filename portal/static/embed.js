// Fieldesk chat window for any site, in one line:
//   <script src="https://SERVER/chat/embed.js" data-tenant="acme" data-lang="en" async></script>
// Adds a chat button at the bottom right that opens the window in an iframe.
(function () {
  var me = document.currentScript;
  if (!me) return;
  var tenant = me.getAttribute("data-tenant");
  if (!tenant) return;
  var lang = me.getAttribute("data-lang") || document.documentElement.lang || "";
  var origin = new URL(me.src).origin;
  var src = origin + "/chat/" + encodeURIComponent(tenant) + (lang ? "?lang=" + encodeURIComponent(lang) : "");
  var frame = document.createElement("iframe");
  frame.src = src;
  frame.title = "Chat";
  frame.setAttribute("data-fieldesk", "window");
  frame.style.cssText = "position:fixed;right:16px;bottom:80px;width:380px;height:600px;max-height:80vh;" +
    "border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.2);display:none;z-index:2147483000;background:#fff";
  var button = document.createElement("button");
  button.type = "button";
  button.setAttribute("aria-label", "Chat");
  button.setAttribute("data-fieldesk", "button");
  button.textContent = "\uD83D\uDCAC";
  button.style.cssText = "position:fixed;right:16px;bottom:16px;width:56px;height:56px;border-radius:50%;" +
    "border:0;background:#0f766e;color:#fff;font-size:24px;cursor:pointer;z-index:2147483000";
  button.addEventListener("click", function () {
    frame.style.display = frame.style.display === "none" ? "block" : "none";
  });
  document.body.appendChild(frame);
  document.body.appendChild(button);
})();
