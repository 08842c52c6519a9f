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
error-unknown-tenant = 此服務不存在（未知租戶）。
error-invalid-language = 此處不提供該語言。
error-invalid-visitor-token = 此諮詢連結無效，請重新整理頁面重新開始。
error-conversation-closed = 此對話已結束。
error-rate-limited = 傳送太快了，請稍後再試。
error-illegal-transition = 工單目前狀態不允許此操作。
error-scan-field-not-matchable = 只有單行文字和數字類型的設備欄位可用於掃碼比對。
error-message-too-long = 訊息太長（最多 4000 個字元）。

## 線上客服：以訪客語言傳送的系統訊息
chat-default-welcome = 您好！我是智慧客服，有問題請直接提問，也可以轉人工客服。
chat-default-survey-question = 您對本次服務滿意嗎？
chat-default-out-of-hours = 目前為非營業時間，真人客服暫時無法服務。
chat-queued = 客服人員都在忙線中，您目前排在第 { $position } 位（約 { $minutes } 分鐘）。排隊期間智慧客服會繼續為您解答。
chat-queue-position = 您目前排在第 { $position } 位（約 { $minutes } 分鐘）。
chat-assigned = { $agent } 正在為您服務。
chat-transferred = 您的對話已轉接給 { $agent }。
chat-transferred-group = 您的對話已轉接至「{ $group }」。
chat-resumes-at = 真人服務將於 { $time } 恢復。您可以留言，我們會盡快與您聯繫；智慧客服會繼續為您解答。
chat-no-schedule = 您可以留言，我們會盡快與您聯繫；智慧客服會繼續為您解答。
chat-llm-instructions = 你是客服助理。請僅根據下面的資料，用繁體中文簡潔、有禮貌地回答客戶的問題。如果資料中沒有答案，請說明不知道，並建議轉人工客服。
chat-ai-intro = 為您找到以下內容：
chat-no-answer = 抱歉，沒有找到相關答案。需要為您轉人工客服嗎？
chat-message-left = 謝謝您，{ $name }。留言已儲存，我們會透過 { $contact } 與您聯繫。
chat-ended = 對話已結束。
chat-survey-thanks = 感謝您的評價！
chat-agent-left = 客服人員暫時離開，您已回到佇列最前面。
chat-ai-label = AI 生成
chat-references = 參考資料

## 訪客諮詢視窗
portal-title = 線上客服
portal-connecting = 正在連線…
portal-input-placeholder = 請輸入您的問題…
portal-send = 傳送
portal-ask-human = 轉人工
portal-queue = 您目前排在第 { $position } 位（約 { $minutes } 分鐘）
portal-served-by = { $agent } 正在為您服務
portal-agent-typing = 客服正在輸入…
portal-you = 我
portal-ai-assistant = 智慧客服
portal-read = 已讀
portal-new-conversation = 開始新的對話
portal-leave-title = 留言
portal-leave-name = 您的姓名
portal-leave-contact = 電話或電子郵件
portal-leave-text = 留言內容
portal-leave-submit = 送出留言
portal-survey-comment = 評價內容（選填）
portal-survey-submit = 送出

## 客服工作台：對話
desk-status-label = 狀態
desk-status-online = 上線
desk-status-away = 離開
desk-capacity = 同時接待數
desk-status-offline = 離線
desk-tab-mine = 我的
desk-tab-queued = 排隊中
desk-tab-follow-up = 待跟進
desk-tab-all = 全部
desk-no-conversations = 目前沒有對話。
desk-pick-conversation = 請在左側選擇一個對話。
desk-accept = 接入
desk-end = 結束對話
desk-transfer = 轉接
desk-transfer-to = 轉接給…
desk-transfer-note = 給同事的備註
desk-transferred = { $agent } 將一個對話轉接給您：{ $note }
desk-reply-placeholder = 輸入回覆…
desk-send = 傳送
desk-sending = 傳送中…
desk-failed = 未傳送。
desk-retry = 重試
desk-visitor = 訪客
desk-visitor-typing = 訪客正在輸入…
desk-delivery-sent = 已傳送
desk-delivery-delivered = 已送達
desk-delivery-read = 已讀
desk-state-bot = 智慧客服
desk-state-queued = 排隊中
desk-state-human = 真人
desk-state-closed = 已結束

## 管理：線上客服
view-desk = 對話
view-chat-settings = 諮詢視窗設定
view-knowledge = 知識空間
admin-chat-settings = 諮詢視窗設定
admin-languages = 提供給訪客的語言
admin-texts = 文案
admin-texts-hint = 未填寫的文案將使用簡體中文，再無則使用系統預設文案。
admin-text-welcome = 歡迎語
admin-text-survey = 滿意度評價問題
admin-text-out-of-hours = 非營業時間提示
admin-hours = 營業時間
admin-hours-always = 全天候真人服務
admin-hours-offset = 與 UTC 的時差（分鐘，如 UTC+8 填 480）
admin-hours-holidays = 假日（YYYY-MM-DD，以逗號分隔）
admin-day-mon = 星期一
admin-day-tue = 星期二
admin-day-wed = 星期三
admin-day-thu = 星期四
admin-day-fri = 星期五
admin-day-sat = 星期六
admin-day-sun = 星期日
admin-save = 儲存
admin-saved = 已儲存。
admin-cancel = 取消
admin-delete = 刪除
admin-invalid-hours = 請檢查營業時間：時間格式為 HH:MM，開始早於結束，日期格式為 YYYY-MM-DD。
admin-llm = AI 潤飾（選用）
admin-llm-hint = 未啟用時，智慧客服直接引用知識文章。啟用相容 OpenAI 的介面後，模型只根據同樣的段落組織回答。
admin-llm-on = 使用語言模型組織回答
admin-llm-url = 介面位址
admin-llm-model = 模型
admin-llm-key = API 金鑰
admin-llm-key-kept = 已儲存；留空則維持不變
view-groups = 服務組
admin-groups = 服務組
admin-group-name = 服務組名稱
admin-group-members = 成員
desk-agents = 客服人員
desk-groups = 服務組
admin-knowledge = 知識文章
admin-kb-title = 標題
admin-kb-space = 知識空間
admin-kb-tags = 標籤（以逗號分隔）
admin-kb-body = 內文（空行分隔段落）

## 工單
work-order-status-new = 新建
work-order-status-assigned = 已指派
work-order-status-accepted = 已接單
work-order-status-on-the-way = 在途中
work-order-status-in-progress = 處理中
work-order-status-completed = 已完成
work-order-status-closed = 已關閉
work-order-status-cancelled = 已取消
