// Fieldesk chat window for any site, in one line:
//   <script src="https://SERVER/chat/embed.js" data-tenant="acme" data-lang="en" async></script>
// Adds a chat button at the bottom right that opens the window in an iframe.
// For a signed-in customer, the site vouches for who they are (computed on
// the site's server with the tenant's identity secret, never in the page):
//   data-customer-id="c-42" data-customer-name="华东医院"
//   data-customer-hash="HEX(HMAC-SHA256(secret, customer_id + "\n" + name))"
// They travel in the fragment, which no server log sees, with the page's
// address and referrer.
(function () {
  var me = document.currentScript;
  if (!me) return;
  var tenant = me.getAttribute("data-tenant");
  if (!tenant) return;
  var lang = me.getAttribute("data-lang") || document.documentElement.lang || "";
  var origin = new URL(me.src).origin;
  // The window's title in each language, filled in by the server from locales/.
  var labels = __FIELDESK_LABELS__;
  var tag = lang.toLowerCase();
  var label = tag.indexOf("en") === 0 ? labels["en"]
    : /^zh-(tw|hk|mo|hant)/.test(tag) ? labels["zh-TW"] : labels["zh-CN"];
  var src = origin + "/chat/" + encodeURIComponent(tenant) + (lang ? "?lang=" + encodeURIComponent(lang) : "");
  var customer = {
    customer_id: me.getAttribute("data-customer-id"),
    customer_name: me.getAttribute("data-customer-name"),
    customer_hash: me.getAttribute("data-customer-hash")
  };
  // Where the visitor is and came from, shown to the agent in the profile.
  var visit = { page_url: location.href, referrer: document.referrer || "" };
  if (customer.customer_id && customer.customer_name && customer.customer_hash) {
    for (var k in customer) visit[k] = customer[k];
  }
  src += "#" + new URLSearchParams(visit).toString();
  var frame = document.createElement("iframe");
  frame.src = src;
  frame.title = label;
  frame.setAttribute("data-fieldesk", "window");
  frame.style.cssText = "position:fixed;right:16px;bottom:80px;width:380px;height:600px;max-height:80vh;" +
    "border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.2);display:none;z-index:2147483000;background:#fff";
  var button = document.createElement("button");
  button.type = "button";
  button.setAttribute("aria-label", label);
  button.setAttribute("data-fieldesk", "button");
  // A speech bubble, drawn (no emoji font needed).
  var ns = "http://www.w3.org/2000/svg";
  var icon = document.createElementNS(ns, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("width", "26");
  icon.setAttribute("height", "26");
  var path = document.createElementNS(ns, "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
  icon.appendChild(path);
  button.appendChild(icon);
  button.style.cssText = "position:fixed;right:16px;bottom:16px;width:56px;height:56px;border-radius:50%;" +
    "border:0;background:#0f766e;color:#fff;cursor:pointer;display:flex;align-items:center;justify-content:center;z-index:2147483000";
  button.addEventListener("click", function () {
    frame.style.display = frame.style.display === "none" ? "block" : "none";
  });
  // Only for a chat that exists: a wrong or removed tenant shows nothing.
  fetch(src.split("#")[0], { method: "HEAD", credentials: "omit" }).then(function (res) {
    if (!res.ok) return;
    document.body.appendChild(frame);
    document.body.appendChild(button);
  }).catch(function () {});
})();
