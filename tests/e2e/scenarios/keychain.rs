use fieldesk_app_lib::keychain::TokenVault;

use crate::Ctx;

/// The OS keychain backend works here, and profiles never share a token.
pub async fn keychain_keeps_tokens_per_profile(_ctx: Ctx) {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (va, vb) = (
        TokenVault::for_profile(a.path()),
        TokenVault::for_profile(b.path()),
    );
    assert_eq!(va.load().unwrap(), None);
    va.save("token-a").unwrap();
    assert_eq!(va.load().unwrap().as_deref(), Some("token-a"));
    assert_eq!(vb.load().unwrap(), None, "another profile sees nothing");
    va.save("token-a2").unwrap();
    assert_eq!(
        TokenVault::for_profile(a.path()).load().unwrap().as_deref(),
        Some("token-a2")
    );
    va.delete().unwrap();
    va.delete().unwrap();
    assert_eq!(va.load().unwrap(), None);
}
