//! Roles a user holds within one tenant, and what each may do.

use serde::{Deserialize, Serialize};

/// A user's role in their tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Configures the tenant: users, layouts, mailboxes, dispatch rules.
    Admin,
    /// Leads agents and engineers: layouts, routing, dispatch.
    Supervisor,
    /// Customer-service agent at the workbench.
    Agent,
    /// Field engineer working on work orders (internal, or of a provider).
    Engineer,
    /// Administers a service provider (服务商): sees the orders dispatched
    /// to it and names their lead and collaborating engineers.
    ProviderAdmin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Supervisor,
        Role::Agent,
        Role::Engineer,
        Role::ProviderAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::Engineer => "engineer",
            Role::ProviderAdmin => "provider_admin",
        }
    }

    /// The Fluent key of the role's display name.
    pub fn message_key(self) -> &'static str {
        match self {
            Role::Admin => "role-admin",
            Role::Supervisor => "role-supervisor",
            Role::Agent => "role-agent",
            Role::Engineer => "role-engineer",
            Role::ProviderAdmin => "role-provider-admin",
        }
    }

    /// Works the online service: serves conversations, sees the queue.
    pub fn serves_chat(self) -> bool {
        matches!(self, Role::Admin | Role::Supervisor | Role::Agent)
    }

    /// Sees every conversation of the tenant, not only their own.
    pub fn oversees_chat(self) -> bool {
        matches!(self, Role::Admin | Role::Supervisor)
    }

    /// Manages sign-in security: sessions of others, disabled accounts,
    /// the session policy and the security event log.
    pub fn manages_security(self) -> bool {
        self == Role::Admin
    }

    /// Sets up the service mailboxes (servers, passwords, who serves them).
    pub fn manages_mailboxes(self) -> bool {
        self == Role::Admin
    }

    /// May see and manage the tenant's users.
    pub fn manages_users(self) -> bool {
        matches!(self, Role::Admin | Role::Supervisor)
    }

    /// Acts as a dispatcher on any work order: creates and dispatches
    /// orders, sets the dispatch rules, sees every order.
    pub fn dispatches(self) -> bool {
        matches!(self, Role::Admin | Role::Supervisor)
    }

    /// Designs and assigns workbench layouts.
    pub fn designs_layouts(self) -> bool {
        matches!(self, Role::Admin | Role::Supervisor)
    }

    /// Runs the parts mall: its switch, catalog, prices and stock.
    pub fn runs_mall(self) -> bool {
        self == Role::Admin
    }

    /// Fulfils mall orders (the warehouse): sees every order, marks
    /// transfers paid, picks, ships, takes returns, refunds.
    pub fn fulfils_mall_orders(self) -> bool {
        matches!(self, Role::Admin | Role::Supervisor)
    }

    /// Buys in the mall on a provider's account (provider admins and
    /// their engineers; membership is checked per provider).
    pub fn buys_for_provider(self) -> bool {
        matches!(self, Role::ProviderAdmin | Role::Engineer)
    }

    /// Reads field work: templates, device fields, photos.
    pub fn reads_field_work(self) -> bool {
        self.dispatches() || self == Role::Engineer
    }
}

impl std::str::FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown role {0:?} (expected admin, supervisor, agent, engineer or provider_admin)")]
pub struct UnknownRole(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_role_and_rejects_others() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
        assert!("Admin".parse::<Role>().is_err());
    }

    #[test]
    fn only_admins_and_supervisors_manage_users() {
        let managers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.manages_users())
            .collect();
        assert_eq!(managers, [Role::Admin, Role::Supervisor]);
    }

    #[test]
    fn each_ability_names_its_roles() {
        let with = |ability: fn(Role) -> bool| -> Vec<Role> {
            Role::ALL.into_iter().filter(|r| ability(*r)).collect()
        };
        assert_eq!(with(Role::dispatches), [Role::Admin, Role::Supervisor]);
        assert_eq!(with(Role::designs_layouts), [Role::Admin, Role::Supervisor]);
        assert_eq!(
            with(Role::reads_field_work),
            [Role::Admin, Role::Supervisor, Role::Engineer]
        );
        assert_eq!(with(Role::manages_security), [Role::Admin]);
        assert_eq!(with(Role::manages_mailboxes), [Role::Admin]);
        assert_eq!(
            with(Role::serves_chat),
            [Role::Admin, Role::Supervisor, Role::Agent]
        );
    }
}
