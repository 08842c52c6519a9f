# Fieldesk — English. Keys are shared by the app, the UI and the server;
# zh-CN and zh-TW must define exactly the same keys (cargo xtask test checks).

app-name = Fieldesk

## Login
login-heading = Sign in to Fieldesk
login-server = Server URL
login-tenant = Tenant
login-username = User name
login-password = Password
login-submit = Sign in
login-submitting = Signing in…
login-missing-fields = Fill in the server URL, tenant, user name and password.

## Workbench shell
workbench-welcome = Welcome, { $name }
workbench-ready = Your workbench is ready. Conversations, email and work orders will appear here.
workbench-signed-in-as = Signed in as { $role }
connection-online = Online
connection-offline = Offline
connection-connecting = Connecting…
language-label = Language
logout = Log out
loading = Loading…

## Languages, each named in itself
language-zh-CN = 简体中文
language-zh-TW = 繁體中文
language-en = English

## Roles
role-admin = Administrator
role-supervisor = Supervisor
role-agent = Agent
role-engineer = Field engineer

## Errors (codes are stable; see core/src/error_code.rs)
error-bad-request = The request was not understood. Check the fields and try again.
error-invalid-credentials = Wrong tenant, user name or password.
error-unauthorized = Please sign in first.
error-session-expired = Your session has ended. Please sign in again.
error-forbidden = Your role does not allow this.
error-not-found = Not found.
error-conflict = That already exists.
error-payload-too-large = That is too large to send.
error-internal = Something went wrong on the server. Please try again.
error-server-unreachable = Cannot reach the server. Check the address and your network.
error-invalid-server-url = The server URL must start with http:// or https://.
error-keychain-unavailable = The system keychain is not available, so the session cannot be kept.
error-local-store = The local data on this device could not be read or written.
error-unexpected-response = The server answered in a way this app does not understand.
