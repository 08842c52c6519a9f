use std::sync::Arc;

use fieldesk_core::Locale;
use fieldesk_core::knowledge::{ArticleInput, query_terms};

use super::two_tenants;
use crate::store::knowledge::KnowledgeStore;
use crate::store::tenants::TenantStore;

fn article(title: &str, body: &str) -> ArticleInput {
    ArticleInput {
        space: "售后".into(),
        title: title.into(),
        body: body.into(),
        locale: Locale::ZhCn,
        tags: vec![],
    }
}

pub async fn articles_are_found_by_chinese_terms_in_their_tenant<
    S: TenantStore + KnowledgeStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let reset = store
        .create_article(a.id, article("如何重置密码", "在登录页点击忘记密码。"))
        .await
        .unwrap();
    let printer = store
        .create_article(a.id, article("打印机卡纸", "打开后盖取出纸张。"))
        .await
        .unwrap();
    store
        .create_article(b.id, article("重置密码", "另一个租户"))
        .await
        .unwrap();
    let found = store
        .search_articles(a.id, query_terms("密码忘了怎么重置"), 10)
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![reset.id]
    );
    assert!(
        store
            .search_articles(a.id, vec![], 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .search_articles(a.id, query_terms("\"OR\" NEAR("), 10)
            .await
            .is_ok(),
        "terms are not syntax"
    );
    let changed = store
        .update_article(
            a.id,
            printer.id,
            article("打印机卡纸怎么办", "先关机，再打开后盖。"),
        )
        .await
        .unwrap();
    assert_eq!(changed.id, printer.id);
    let found = store
        .search_articles(a.id, query_terms("关机"), 10)
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![printer.id],
        "the index follows the update"
    );
    assert!(
        store
            .update_article(b.id, printer.id, article("x", "y"))
            .await
            .is_err()
    );
    assert!(store.delete_article(b.id, printer.id).await.is_err());
    store.delete_article(a.id, printer.id).await.unwrap();
    assert!(
        store
            .search_articles(a.id, query_terms("关机"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.articles(a.id).await.unwrap().len(), 1);
    // Title terms weigh more than the body's.
    let in_title = store
        .create_article(a.id, article("密码找回", "联系管理员处理。"))
        .await
        .unwrap();
    let in_body = store
        .create_article(a.id, article("账户设置", "在设置页可以修改密码和头像。"))
        .await
        .unwrap();
    let found: Vec<i64> = store
        .search_articles(a.id, query_terms("密码"), 10)
        .await
        .unwrap()
        .iter()
        .map(|x| x.id)
        .collect();
    let at = |id: i64| found.iter().position(|x| *x == id).unwrap();
    assert!(at(in_title.id) < at(in_body.id), "{found:?}");
}
