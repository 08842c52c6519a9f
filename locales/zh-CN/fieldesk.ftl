# Fieldesk — 简体中文。与 en、zh-TW 的键必须完全一致（cargo xtask test 会检查）。

app-name = Fieldesk

## 登录
login-heading = 登录 Fieldesk
login-server = 服务器地址
login-tenant = 租户
login-username = 用户名
login-password = 密码
login-submit = 登录
login-submitting = 正在登录…
login-missing-fields = 请填写服务器地址、租户、用户名和密码。

## 工作台
workbench-welcome = 欢迎，{ $name }
workbench-ready = 工作台已就绪。会话、邮件和工单将显示在这里。
workbench-signed-in-as = 当前角色：{ $role }
connection-online = 在线
connection-offline = 离线
connection-connecting = 正在连接…
language-label = 语言
logout = 退出登录
loading = 加载中…

## 语言（以各自语言命名）
language-zh-CN = 简体中文
language-zh-TW = 繁體中文
language-en = English

## 角色
role-admin = 管理员
role-supervisor = 主管
role-agent = 客服
role-engineer = 服务工程师

## 错误
error-bad-request = 请求无法识别，请检查后重试。
error-invalid-credentials = 租户、用户名或密码错误。
error-unauthorized = 请先登录。
error-session-expired = 会话已失效，请重新登录。
error-forbidden = 当前角色无权执行此操作。
error-not-found = 未找到。
error-conflict = 已存在。
error-payload-too-large = 内容过大，无法发送。
error-internal = 服务器出错，请稍后重试。
error-server-unreachable = 无法连接服务器，请检查地址和网络。
error-invalid-server-url = 服务器地址必须以 http:// 或 https:// 开头。
error-keychain-unavailable = 系统钥匙串不可用，无法保存登录状态。
error-local-store = 无法读写本机数据。
error-unexpected-response = 服务器返回了无法识别的内容。
error-unknown-tenant = 该服务不存在（未知租户）。
error-invalid-language = 此处不提供该语言。
error-invalid-visitor-token = 此咨询链接无效，请刷新页面重新开始。
error-conversation-closed = 该会话已结束。
error-rate-limited = 发送太快了，请稍后再试。
error-illegal-transition = 工单当前状态不允许此操作。
error-scan-field-not-matchable = 只有单行文本和数字类型的设备字段可用于扫码匹配。
error-message-too-long = 消息太长（最多 4000 个字符）。

## 线上客服：以访客语言发送的系统消息
chat-default-welcome = 您好！我是智能客服，有问题请直接提问，也可以转人工客服。
chat-default-survey-question = 您对本次服务满意吗？
chat-default-out-of-hours = 当前为非工作时间，人工客服暂不可用。
chat-queued = 客服人员都在忙，您目前排在第 { $position } 位（约 { $minutes } 分钟）。排队期间智能客服会继续为您解答。
chat-queue-position = 您目前排在第 { $position } 位（约 { $minutes } 分钟）。
chat-assigned = { $agent } 正在为您服务。
chat-transferred = 您的会话已转接给 { $agent }。
chat-transferred-group = 您的会话已转接至「{ $group }」。
chat-resumes-at = 人工服务将于 { $time } 恢复。您可以留言，我们会尽快联系您；智能客服会继续为您解答。
chat-no-schedule = 您可以留言，我们会尽快联系您；智能客服会继续为您解答。
chat-llm-instructions = 你是客服助手。请仅根据下面的资料，用简体中文简洁、礼貌地回答客户的问题。如果资料中没有答案，请说明不知道，并建议转人工客服。
chat-ai-intro = 为您找到以下内容：
chat-no-answer = 抱歉，没有找到相关答案。需要为您转人工客服吗？
chat-message-left = 谢谢您，{ $name }。留言已保存，我们会通过 { $contact } 联系您。
chat-ended = 会话已结束。
chat-survey-thanks = 感谢您的评价！
chat-agent-left = 客服人员暂时离开，您已回到队列最前面。
chat-ai-label = AI 生成
chat-references = 参考资料

## 访客咨询窗口
portal-title = 在线客服
portal-connecting = 正在连接…
portal-input-placeholder = 请输入您的问题…
portal-send = 发送
portal-ask-human = 转人工
portal-queue = 您目前排在第 { $position } 位（约 { $minutes } 分钟）
portal-served-by = { $agent } 正在为您服务
portal-agent-typing = 客服正在输入…
portal-you = 我
portal-ai-assistant = 智能客服
portal-read = 已读
portal-new-conversation = 开始新的会话
portal-leave-title = 留言
portal-leave-name = 您的姓名
portal-leave-contact = 电话或邮箱
portal-leave-text = 留言内容
portal-leave-submit = 提交留言
portal-survey-comment = 评价内容（选填）
portal-survey-submit = 提交

## 客服工作台：会话
desk-status-label = 状态
desk-status-online = 在线
desk-status-away = 离开
desk-capacity = 同时接待数
desk-status-offline = 离线
desk-tab-mine = 我的
desk-tab-queued = 排队中
desk-tab-follow-up = 待跟进
desk-tab-all = 全部
desk-no-conversations = 暂无会话。
desk-pick-conversation = 请在左侧选择一个会话。
desk-accept = 接入
desk-end = 结束会话
desk-transfer = 转接
desk-transfer-to = 转接给…
desk-transfer-note = 给同事的备注
desk-transferred = { $agent } 将一个会话转接给您：{ $note }
desk-reply-placeholder = 输入回复…
desk-send = 发送
desk-sending = 发送中…
desk-failed = 未发送。
desk-retry = 重试
desk-visitor = 访客
desk-visitor-typing = 访客正在输入…
desk-delivery-sent = 已发送
desk-delivery-delivered = 已送达
desk-delivery-read = 已读
desk-state-bot = 智能客服
desk-state-queued = 排队中
desk-state-human = 人工
desk-state-closed = 已结束

## 管理：线上客服
view-desk = 会话
view-chat-settings = 咨询窗口设置
view-knowledge = 知识空间
admin-chat-settings = 咨询窗口设置
admin-languages = 向访客提供的语言
admin-texts = 文案
admin-texts-hint = 未填写的文案将使用简体中文，再无则使用系统默认文案。
admin-text-welcome = 欢迎语
admin-text-survey = 满意度评价问题
admin-text-out-of-hours = 非工作时间提示
admin-hours = 工作时间
admin-hours-always = 全天候人工服务
admin-hours-offset = 与 UTC 的时差（分钟，如 UTC+8 填 480）
admin-hours-holidays = 节假日（YYYY-MM-DD，用逗号分隔）
admin-day-mon = 星期一
admin-day-tue = 星期二
admin-day-wed = 星期三
admin-day-thu = 星期四
admin-day-fri = 星期五
admin-day-sat = 星期六
admin-day-sun = 星期日
admin-save = 保存
admin-saved = 已保存。
admin-cancel = 取消
admin-delete = 删除
admin-invalid-hours = 请检查工作时间：时间格式为 HH:MM，开始早于结束，日期格式为 YYYY-MM-DD。
admin-llm = AI 润色（可选）
admin-llm-hint = 不启用时，智能客服直接引用知识文章。启用兼容 OpenAI 的接口后，模型只根据同样的段落组织回答。
admin-llm-on = 使用语言模型组织回答
admin-llm-url = 接口地址
admin-llm-model = 模型
admin-llm-key = API 密钥
admin-llm-key-kept = 已保存；留空则保持不变
view-groups = 服务组
admin-groups = 服务组
admin-group-name = 服务组名称
admin-group-members = 成员
desk-agents = 客服人员
desk-groups = 服务组
admin-knowledge = 知识文章
admin-kb-title = 标题
admin-kb-space = 知识空间
admin-kb-tags = 标签（用逗号分隔）
admin-kb-body = 正文（空行分隔段落）

## 工单
work-order-status-new = 新建
work-order-status-assigned = 已指派
work-order-status-accepted = 已接单
work-order-status-on-the-way = 在途中
work-order-status-in-progress = 处理中
work-order-status-completed = 已完成
work-order-status-closed = 已关闭
work-order-status-cancelled = 已取消
