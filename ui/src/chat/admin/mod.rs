//! Admin pages of the online service, one per file.

mod groups;
mod knowledge;
mod settings;

pub use groups::GroupsPanel;
pub use knowledge::KnowledgePanel;
pub use settings::ChatSettingsPanel;
