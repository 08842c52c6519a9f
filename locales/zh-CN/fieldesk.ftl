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
