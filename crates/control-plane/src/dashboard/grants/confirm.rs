//! The confirmation page before revoking or rotating a grant (a plain form: no JavaScript needed).

use askama::Template;
use askama_web::WebTemplate;

use crate::dashboard::extract::DashboardMember;
use crate::dashboard::layout::Layout;
use crate::service::grants::Described;

#[derive(Template, WebTemplate)]
#[template(path = "grants/confirm.html")]
pub struct ConfirmPage {
    layout: Layout,
    heading: &'static str,
    explanation: &'static str,
    /// The form's action.
    action: String,
    button: &'static str,
    button_class: &'static str,
    grant_name: String,
    server_name: String,
    token_prefix: String,
    error: Option<String>,
}

pub enum Action {
    Revoke,
    Rotate,
}

pub fn page(
    member: &DashboardMember,
    action: Action,
    grant: &Described,
    error: Option<String>,
) -> ConfirmPage {
    let (heading, explanation, path, button, button_class) = match action {
        Action::Revoke => (
            "Revoke this grant?",
            "Agents using its token are refused from their next call on. This cannot be undone; \
             the grant stays in the list as revoked.",
            "revoke",
            "Revoke grant",
            "danger",
        ),
        Action::Rotate => (
            "Rotate this grant's token?",
            "A new token is made and shown once. The current token stops working at once: update \
             every agent that uses it.",
            "rotate",
            "Rotate token",
            "primary",
        ),
    };
    ConfirmPage {
        layout: member.layout(heading, "grants"),
        heading,
        explanation,
        action: member.url(&format!("/grants/{}/{path}", grant.grant.id)),
        button,
        button_class,
        grant_name: grant.grant.name.clone(),
        server_name: grant.server.name.clone(),
        token_prefix: grant.grant.token_prefix.clone(),
        error,
    }
}
