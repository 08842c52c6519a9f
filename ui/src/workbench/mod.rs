//! The workbench's own features: the layouts an agent sees and the
//! quick-reply book (`context`), the layout designer and quick-reply
//! management. The window around them is [`crate::shell`].

pub mod context;
mod designer;
mod replies;

pub use designer::LayoutsPanel;
pub use replies::QuickRepliesPanel;
