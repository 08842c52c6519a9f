# Fieldesk — 繁體中文。與 en、zh-CN 的鍵必須完全一致（cargo xtask test 會檢查）。

app-name = Fieldesk

## 登入
login-heading = 登入 Fieldesk
login-server = 伺服器位址
login-tenant = 租戶
login-username = 使用者名稱
login-password = 密碼
login-submit = 登入
login-submitting = 正在登入…
login-missing-fields = 請填寫伺服器位址、租戶、使用者名稱和密碼。

## 工作台
workbench-welcome = 歡迎，{ $name }
workbench-ready = 工作台已就緒。對話、郵件和工單將顯示在這裡。
workbench-signed-in-as = 目前角色：{ $role }
connection-online = 線上
connection-offline = 離線
connection-connecting = 正在連線…
language-label = 語言
logout = 登出
loading = 載入中…

## 語言（以各自語言命名）
language-zh-CN = 简体中文
language-zh-TW = 繁體中文
language-en = English

## 角色
role-admin = 管理員
role-supervisor = 主管
role-agent = 客服
role-engineer = 服務工程師

## 錯誤
error-bad-request = 無法識別請求，請檢查後重試。
error-invalid-credentials = 租戶、使用者名稱或密碼錯誤。
error-unauthorized = 請先登入。
error-session-expired = 工作階段已失效，請重新登入。
error-forbidden = 目前角色無權執行此操作。
error-not-found = 找不到。
error-conflict = 已存在。
error-payload-too-large = 內容過大，無法傳送。
error-internal = 伺服器發生錯誤，請稍後重試。
error-server-unreachable = 無法連線到伺服器，請檢查位址和網路。
error-invalid-server-url = 伺服器位址必須以 http:// 或 https:// 開頭。
error-keychain-unavailable = 系統鑰匙圈無法使用，無法保存登入狀態。
error-local-store = 無法讀寫本機資料。
error-unexpected-response = 伺服器傳回了無法識別的內容。
