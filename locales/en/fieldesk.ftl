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
error-unknown-tenant = This service is not available (unknown tenant).
error-invalid-language = That language is not offered here.
error-invalid-visitor-token = This chat link is not valid. Reload the page to start again.
error-conversation-closed = This conversation has ended.
error-rate-limited = You are sending too fast. Wait a moment and try again.
error-illegal-transition = The work order's status does not allow that now.
error-scan-field-not-matchable = Only single-line text and number device fields can be matched by a scan.
error-message-too-long = The message is too long (at most 4000 characters).

## Online service: system messages in the visitor's language
chat-default-welcome = Hello! I am the AI assistant. Ask me anything, or ask for a human agent.
chat-default-survey-question = How satisfied are you with this conversation?
chat-default-out-of-hours = Our agents are not available right now.
chat-queued = All our agents are busy. You are number { $position } in the queue (about { $minutes } min). The AI assistant keeps answering meanwhile.
chat-queue-position = You are number { $position } in the queue (about { $minutes } min).
chat-assigned = { $agent } is now serving you.
chat-transferred = You have been transferred to { $agent }.
chat-transferred-group = You have been transferred to the { $group } team.
chat-resumes-at = Service resumes at { $time }. You can leave a message and we will get back to you; the AI assistant keeps answering meanwhile.
chat-no-schedule = You can leave a message and we will get back to you; the AI assistant keeps answering meanwhile.
chat-llm-instructions = You are the customer service assistant. Answer the customer's question in English, briefly and politely, using only the passages below. If they do not contain the answer, say that you do not know and offer a human agent.
chat-ai-intro = Here is what I found:
chat-no-answer = Sorry, I could not find an answer to that. Would you like to talk to a human agent?
chat-message-left = Thank you, { $name }. Your message was saved; we will contact you at { $contact }.
chat-ended = The conversation has ended.
chat-survey-thanks = Thank you for your feedback!
chat-agent-left = Your agent had to leave; you are back at the front of the queue.
chat-ai-label = AI-generated
chat-references = References

## Visitor chat window
portal-title = Online service
portal-connecting = Connecting…
portal-input-placeholder = Type your question…
portal-send = Send
portal-ask-human = Talk to a human
portal-queue = You are number { $position } in the queue (about { $minutes } min)
portal-served-by = { $agent } is serving you
portal-agent-typing = The agent is typing…
portal-you = You
portal-ai-assistant = AI assistant
portal-read = Read
portal-new-conversation = Start a new conversation
portal-leave-title = Leave a message
portal-leave-name = Your name
portal-leave-contact = Phone or email
portal-leave-text = Message
portal-leave-submit = Send message
portal-survey-comment = Comment (optional)
portal-survey-submit = Submit

## Agent chat desk
desk-status-label = Status
desk-status-online = Online
desk-status-away = Away
desk-capacity = Concurrent chats
desk-status-offline = Offline
desk-tab-mine = Mine
desk-tab-queued = Queued
desk-tab-follow-up = Follow-up
desk-tab-all = All
desk-no-conversations = No conversations here.
desk-pick-conversation = Pick a conversation on the left.
desk-accept = Accept
desk-end = End conversation
desk-transfer = Transfer
desk-transfer-to = Transfer to…
desk-transfer-note = Note for the colleague
desk-transferred = { $agent } transferred a conversation to you: { $note }
desk-reply-placeholder = Type a reply…
desk-send = Send
desk-sending = Sending…
desk-failed = Not sent.
desk-retry = Retry
desk-visitor = Visitor
desk-visitor-typing = The visitor is typing…
desk-delivery-sent = Sent
desk-delivery-delivered = Delivered
desk-delivery-read = Read
desk-state-bot = AI agent
desk-state-queued = Queued
desk-state-human = Human
desk-state-closed = Ended

## Admin: online service
view-desk = Conversations
view-chat-settings = Chat settings
view-knowledge = Knowledge
admin-chat-settings = Chat window settings
admin-languages = Languages offered to visitors
admin-texts = Texts
admin-texts-hint = Empty texts fall back to Simplified Chinese, then to the built-in text.
admin-text-welcome = Welcome message
admin-text-survey = Survey question
admin-text-out-of-hours = Out-of-hours notice
admin-hours = Business hours
admin-hours-always = Humans can be reached at any time
admin-hours-offset = UTC offset in minutes (e.g. 480 for UTC+8)
admin-hours-holidays = Holidays (YYYY-MM-DD, comma-separated)
admin-day-mon = Monday
admin-day-tue = Tuesday
admin-day-wed = Wednesday
admin-day-thu = Thursday
admin-day-fri = Friday
admin-day-sat = Saturday
admin-day-sun = Sunday
admin-save = Save
admin-saved = Saved.
admin-cancel = Cancel
admin-delete = Delete
admin-invalid-hours = Check the business hours: times as HH:MM, opening before closing, dates as YYYY-MM-DD.
admin-llm = AI phrasing (optional)
admin-llm-hint = Without it the AI agent quotes the knowledge articles. With an OpenAI-compatible endpoint, the model phrases answers from the same passages only.
admin-llm-on = Phrase answers with a language model
admin-llm-url = Endpoint base URL
admin-llm-model = Model
admin-llm-key = API key
admin-llm-key-kept = Saved; leave empty to keep it
view-groups = Service groups
admin-groups = Service groups
admin-group-name = Group name
admin-group-members = Members
desk-agents = Agents
desk-groups = Service groups
admin-knowledge = Knowledge articles
admin-kb-title = Title
admin-kb-space = Knowledge space
admin-kb-tags = Tags, comma-separated
admin-kb-body = Article text (blank lines separate passages)

## Work orders
work-order-status-new = New
work-order-status-assigned = Assigned
work-order-status-accepted = Accepted
work-order-status-on-the-way = On the way
work-order-status-in-progress = In progress
work-order-status-completed = Completed
work-order-status-closed = Closed
work-order-status-cancelled = Cancelled
