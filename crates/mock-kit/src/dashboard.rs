//! The dashboard at `GET /__admin/`: one self-contained page (HTML with its CSS and JS
//! inlined, no external assets) that shows the mock's state and request journal and drives
//! the clock, reset and faults through the same admin API a script uses.
//!
//! It is served behind the admin guard like every admin read. A browser cannot put a
//! header on a navigation, so for this page alone the guard also takes the admin token as
//! `?token=…` ([`page_token`]); the page moves it into `sessionStorage`, drops it from the
//! address bar and sends `X-Admin-Token` on every call it makes.
//!
//! The page renders whatever `GET /__admin/state` answers (every top-level list a table)
//! plus a mock's own read-only view when the mock names one with
//! [`crate::Control::with_dashboard_view`]; so nothing here knows Engee or Linkis.

use std::sync::LazyLock;

use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::admin::{ADMIN_PREFIX, Control};

/// The page, assembled once: the three files are kept apart so each reads as what it is.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    include_str!("dashboard/index.html")
        .replace("/*STYLE*/", include_str!("dashboard/style.css"))
        .replace("/*SCRIPT*/", include_str!("dashboard/app.js"))
});

/// No external loads even if a value slipped past the escaping (scripts and styles only
/// inline, requests only to this origin), no framing, and no `Referer` that would carry a
/// `?token=` elsewhere.
const CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                   connect-src 'self'; img-src 'self' data:; base-uri 'none'; \
                   form-action 'none'; frame-ancestors 'none'";

/// `GET /__admin/`.
pub(crate) async fn page(State(control): State<Control>) -> Response {
    let mut response = PAGE
        .replace("__MOCK_VIEW__", control.dashboard_view().unwrap_or(""))
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `GET /__admin` → `/__admin/`, the query kept (it may carry the token).
pub(crate) async fn redirect(RawQuery(query): RawQuery) -> Redirect {
    match query {
        Some(q) => Redirect::temporary(&format!("{ADMIN_PREFIX}/?{q}")),
        None => Redirect::temporary(&format!("{ADMIN_PREFIX}/")),
    }
}

/// The `token` query parameter of a `GET` of the page itself (`/__admin` or `/__admin/`),
/// which the guard accepts there in place of a header. Nowhere else: a token in a URL
/// ends up in logs and history, so only the one navigation that cannot send a header gets
/// to use it.
pub(crate) fn page_token(method: &axum::http::Method, uri: &axum::http::Uri) -> Option<String> {
    let path = uri.path();
    if method != axum::http::Method::GET
        || (path != ADMIN_PREFIX && path != format!("{ADMIN_PREFIX}/"))
    {
        return None;
    }
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri).ok()?;
    pairs
        .into_iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v)
}
