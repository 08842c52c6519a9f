fn main() {
    // Declaring the app's commands makes Tauri generate one permission per
    // command; capabilities/ then allow exactly those (deny by default).
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_settings",
        "set_locale",
        "login",
        "restore_session",
        "logout",
        "connection_state",
        "chat_status",
        "chat_set_status",
        "chat_conversations",
        "chat_messages",
        "chat_agents",
        "chat_send",
        "chat_accept",
        "chat_end",
        "chat_transfer",
        "chat_read",
        "chat_typing",
        "chat_settings",
        "chat_save_settings",
        "knowledge_articles",
        "knowledge_save",
        "knowledge_delete",
        "groups",
        "group_save",
        "group_delete",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build script");
}
