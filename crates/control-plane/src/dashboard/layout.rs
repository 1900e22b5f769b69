//! What `templates/base.html` needs from every page: the signed-in user, their accounts (for the
//! switcher), the current account and section (for the nav), and the CSRF token (for every form and
//! the `<meta name="csrf-token">` that `static/js/app.js` sends as `X-CSRF-Token`).
//!
//! Every page template struct has a `layout: Layout` field; build it with
//! [`super::extract::DashboardMember::layout`] (account pages), [`super::extract::DashboardUser`]
//! or [`Layout::anonymous`] (login, signup, error pages).

use toolgate_store::Membership;

use super::assets;

pub struct Layout {
    /// The page's `<title>` (the product name is appended).
    pub title: String,
    /// Empty when nobody is signed in: the header shows no nav and no user menu.
    pub user_email: String,
    pub csrf_token: String,
    pub accounts: Vec<AccountLink>,
    pub account: Option<AccountLink>,
    /// Which nav item is current: "overview", "servers", "grants", "approvals", "activity",
    /// "settings", or "".
    pub section: &'static str,
}

pub struct AccountLink {
    pub slug: String,
    pub name: String,
}

impl AccountLink {
    pub fn from_membership(membership: &Membership) -> Self {
        Self {
            slug: membership.account.slug.as_str().to_owned(),
            name: membership.account.name.clone(),
        }
    }
}

impl Layout {
    /// For pages outside an account: login, signup, errors.
    pub fn anonymous(title: impl Into<String>, csrf_token: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            user_email: String::new(),
            csrf_token: csrf_token.into(),
            accounts: Vec::new(),
            account: None,
            section: "",
        }
    }

    /// `/static/{hash}/{path}` for a file in `static/`.
    pub fn asset(&self, path: &str) -> String {
        assets::url(path)
    }

    /// `/a/{current account}{rest}`, e.g. `layout.url("/servers")`.
    pub fn url(&self, rest: &str) -> String {
        match &self.account {
            Some(account) => format!("/a/{}{rest}", account.slug),
            None => "/".to_owned(),
        }
    }

    pub fn is_current(&self, section: &str) -> bool {
        self.section == section
    }

    pub fn signed_in(&self) -> bool {
        !self.user_email.is_empty()
    }
}
