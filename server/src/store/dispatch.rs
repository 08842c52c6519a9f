//! Storage of dispatch: service providers, what groups and providers
//! maintain, tenant regions, rules, settings, and each order's dispatch.

use async_trait::async_trait;
use fieldesk_core::dispatch::{
    AutoRule, Candidate, DispatchProfile, DispatchSettings, NamedRegion, Rule, SkillRule,
    TargetKind, TargetRef,
};
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};

use super::StoreResult;

/// Everything one dispatch decision needs, read at once.
#[derive(Debug, Clone, Default)]
pub struct DispatchInputs {
    pub settings: DispatchSettings,
    pub skill_rules: Vec<SkillRule>,
    pub auto_rules: Vec<AutoRule>,
    /// Groups and providers with their whole service region and load.
    pub candidates: Vec<Candidate>,
    /// The target of the newest automatic dispatch (for the rotation).
    pub last_chosen: Option<TargetRef>,
}

#[async_trait]
pub trait DispatchStore: Send + Sync + 'static {
    async fn dispatch_settings(&self, tenant_id: i64) -> StoreResult<DispatchSettings>;
    async fn set_dispatch_settings(
        &self,
        tenant_id: i64,
        settings: DispatchSettings,
    ) -> StoreResult<()>;
    async fn providers(&self, tenant_id: i64) -> StoreResult<Vec<ServiceGroup>>;
    /// Creates (`id` none) or renames a provider and replaces its members.
    async fn save_provider(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        input: ServiceGroupInput,
    ) -> StoreResult<ServiceGroup>;
    /// The providers `user` belongs to (as admin or engineer).
    async fn providers_of(&self, tenant_id: i64, user: i64) -> StoreResult<Vec<i64>>;
    async fn profiles(
        &self,
        tenant_id: i64,
    ) -> StoreResult<Vec<(TargetKind, i64, DispatchProfile)>>;
    /// Replaces a group's or provider's profile (not found: no such target).
    async fn set_profile(
        &self,
        tenant_id: i64,
        kind: TargetKind,
        id: i64,
        profile: DispatchProfile,
    ) -> StoreResult<()>;
    async fn named_regions(&self, tenant_id: i64) -> StoreResult<Vec<NamedRegion>>;
    async fn save_named_region(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        region: NamedRegion,
    ) -> StoreResult<NamedRegion>;
    /// Skill rules, then auto rules, each by id.
    async fn rules(&self, tenant_id: i64) -> StoreResult<Vec<Rule>>;
    /// Creates (`id` none) or replaces a rule; a taken name is a conflict.
    async fn save_rule(&self, tenant_id: i64, id: Option<i64>, rule: Rule) -> StoreResult<Rule>;
    async fn delete_rule(&self, tenant_id: i64, id: i64) -> StoreResult<()>;
    async fn dispatch_inputs(&self, tenant_id: i64) -> StoreResult<DispatchInputs>;
    /// The ids of the orders dispatched to these providers.
    async fn provider_orders(&self, tenant_id: i64, providers: Vec<i64>) -> StoreResult<Vec<i64>>;
}
