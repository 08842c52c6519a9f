//! Service groups (服务组): named teams of users within a tenant. The
//! online service transfers conversations to a group; dispatch will route
//! work orders to groups of engineers.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The longest group name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ServiceGroup {
    pub id: i64,
    pub name: String,
    /// User ids, ascending.
    pub member_ids: Vec<i64>,
}

/// `POST /api/groups` and `PUT /api/groups/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ServiceGroupInput {
    pub name: String,
    #[serde(default)]
    pub member_ids: Vec<i64>,
}

impl ServiceGroupInput {
    /// Trimmed name (1–100 characters) and sorted, distinct members.
    pub fn normalized(self) -> Option<ServiceGroupInput> {
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return None;
        }
        let mut member_ids = self.member_ids;
        member_ids.sort_unstable();
        member_ids.dedup();
        Some(ServiceGroupInput { name, member_ids })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_normalized() {
        let input = ServiceGroupInput {
            name: "  一线客服 ".into(),
            member_ids: vec![3, 1, 3],
        };
        assert_eq!(
            input.normalized(),
            Some(ServiceGroupInput {
                name: "一线客服".into(),
                member_ids: vec![1, 3]
            })
        );
        let blank = ServiceGroupInput {
            name: " ".into(),
            member_ids: vec![],
        };
        assert_eq!(blank.normalized(), None);
    }
}
