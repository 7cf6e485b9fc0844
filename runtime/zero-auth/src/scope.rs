//! Who a request acts for. The middleware in [`crate::web`] puts a [`Scope`] in every
//! request's extensions (pages and live sockets alike); context functions take it first and
//! filter by it, and PubSub topics derive from it, so one user's data and messages never reach
//! another.

use std::net::IpAddr;

use crate::accounts::User;

/// The current user (if signed in), their organization (if the app has them), the request's
/// id and client address, and what the user may do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// The signed-in user.
    pub user: Option<User>,
    /// The organization the user acts in, for an app that has organizations (its pipeline
    /// sets it); topics include it.
    pub organization: Option<i64>,
    /// When the login this request runs under authenticated (seconds since the epoch): what
    /// sudo mode is measured from.
    pub authenticated_at: Option<i64>,
    /// The request id (`x-request-id`).
    pub request_id: Option<String>,
    /// The client's address.
    pub client_ip: Option<IpAddr>,
    /// What the user may do beyond their own data (`admin`, say), set by the app.
    pub capabilities: Vec<String>,
}

/// A resource name a topic may carry: lowercase letters, digits and `_`.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Scope {
    /// No one signed in.
    pub fn anonymous() -> Scope {
        Scope::default()
    }

    /// `user`, authenticated at `authenticated_at` (what tests and jobs act as).
    pub fn for_user(user: User, authenticated_at: i64) -> Scope {
        Scope { user: Some(user), authenticated_at: Some(authenticated_at), ..Scope::default() }
    }

    /// The signed-in user.
    pub fn user(&self) -> Option<&User> {
        self.user.as_ref()
    }

    /// The signed-in user's id.
    pub fn user_id(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }

    /// Whether the user holds `capability`.
    pub fn can(&self, capability: &str) -> bool {
        self.user.is_some() && self.capabilities.iter().any(|c| c == capability)
    }

    /// Whether the login authenticated less than `window_secs` before `now` (sudo mode).
    pub fn sudo(&self, now: i64, window_secs: i64) -> bool {
        self.user.is_some() && self.authenticated_at.is_some_and(|at| now - at < window_secs)
    }

    /// The organization the signed-in user acts in (`None` without a user: an organization
    /// is only ever set for a member, by the app's pipeline).
    pub fn organization_id(&self) -> Option<i64> {
        self.user.as_ref().and(self.organization)
    }

    /// The PubSub topic of `resource` (`posts`) shared by the members of this scope's
    /// organization: `org:3:posts`. `None` without a user and an organization, or for a name
    /// with anything but lowercase letters, digits and `_`.
    pub fn organization_topic(&self, resource: &str) -> Option<String> {
        let org = self.organization_id()?;
        plain(resource).then(|| format!("org:{org}:{resource}"))
    }

    /// The PubSub topic of `resource` (`posts`) in this scope: `user:7:posts` (or
    /// `org:3:user:7:posts`). `None` for an anonymous scope or a name with anything but
    /// lowercase letters, digits and `_`, so no crafted name reaches another scope's topic.
    pub fn topic(&self, resource: &str) -> Option<String> {
        let user = self.user_id()?;
        if !plain(resource) {
            return None;
        }
        Some(match self.organization {
            Some(org) => format!("org:{org}:user:{user}:{resource}"),
            None => format!("user:{user}:{resource}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64) -> User {
        User { id, email: format!("u{id}@example.com"), confirmed_at: Some(1), inserted_at: 1 }
    }

    #[test]
    fn topics_belong_to_one_scope_and_crafted_names_get_none() {
        let a = Scope::for_user(user(1), 100);
        let b = Scope::for_user(user(2), 100);
        assert_eq!(a.topic("posts").as_deref(), Some("user:1:posts"));
        assert_ne!(a.topic("posts"), b.topic("posts"));
        for crafted in ["posts:user:2", "", "Posts", "posts*", "../posts", "posts 2"] {
            assert_eq!(a.topic(crafted), None, "{crafted}");
        }
        assert_eq!(Scope::anonymous().topic("posts"), None);
        let org = Scope { organization: Some(3), ..a.clone() };
        assert_eq!(org.topic("posts").as_deref(), Some("org:3:user:1:posts"));
        // Shared by the organization's members; none without a user, an organization, or a
        // plain name.
        let other = Scope { organization: Some(3), ..b.clone() };
        assert_eq!(org.organization_topic("posts").as_deref(), Some("org:3:posts"));
        assert_eq!(org.organization_topic("posts"), other.organization_topic("posts"));
        let elsewhere = Scope { organization: Some(4), ..b };
        assert_ne!(org.organization_topic("posts"), elsewhere.organization_topic("posts"));
        assert_eq!(a.organization_topic("posts"), None, "no organization");
        let visitor = Scope { organization: Some(3), ..Scope::anonymous() };
        assert_eq!((visitor.organization_id(), visitor.organization_topic("posts")), (None, None));
        assert_eq!(org.organization_topic("posts:org:4"), None);
    }

    #[test]
    fn sudo_lasts_its_window_and_needs_a_user() {
        let a = Scope::for_user(user(1), 1_000);
        assert!(a.sudo(1_000 + 599, 600));
        assert!(!a.sudo(1_000 + 600, 600));
        assert!(!Scope::anonymous().sudo(0, 600));
        let caps = Scope { capabilities: vec!["admin".into()], ..a };
        assert!(caps.can("admin") && !caps.can("billing"));
        assert!(!Scope { capabilities: vec!["admin".into()], ..Scope::anonymous() }.can("admin"));
    }
}
