//! REST DTOs: the JSON bodies of the server's `/api` routes, shared by the
//! server, the app shell and the UI.

use serde::{Deserialize, Serialize};

use crate::{ErrorCode, Locale, Role};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The body of every error answer: a stable code and a localized message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

/// `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// `POST /api/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginRequest {
    /// The tenant's slug, e.g. `demo`.
    pub tenant: String,
    pub username: String,
    pub password: String,
}

/// The answer to a successful login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginResponse {
    /// Opaque bearer token for `Authorization: Bearer …`.
    pub token: String,
    /// Expiry as Unix seconds.
    pub expires_at: i64,
    pub me: Me,
}

/// `GET /api/me`: who the caller is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Me {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub tenant: TenantSummary,
}

/// The caller's tenant as the workbench shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TenantSummary {
    pub slug: String,
    pub name: String,
    /// The custom workbench name shown in the header.
    pub workbench_name: String,
    /// The tenant's default language.
    pub default_locale: Locale,
}

/// One user as listed for admins and supervisors (`GET /api/users`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserSummary {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Disabled by an admin: cannot sign in.
    #[serde(default)]
    pub disabled: bool,
}
