//! Templates with `{{name}}` variables, as quick replies and custom
//! buttons' URLs use them.

/// Fills `{{name}}` variables (e.g. `visitor.name`, `agent.name`); an
/// unknown variable is left as written, so the agent sees it.
pub fn fill(content: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, value)) => out.push_str(value),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_and_unknown_ones_kept() {
        let vars = [("visitor.name", "王女士"), ("agent.name", "李娜")];
        assert_eq!(
            fill("您好 {{visitor.name}}，我是 {{ agent.name }}。", &vars),
            "您好 王女士，我是 李娜。"
        );
        assert_eq!(fill("{{order.id}} 已收到", &vars), "{{order.id}} 已收到");
        assert_eq!(
            fill("不完整 {{visitor.name", &vars),
            "不完整 {{visitor.name"
        );
        assert_eq!(
            fill("{{visitor.name}}{{visitor.name}}", &vars),
            "王女士王女士"
        );
    }
}
