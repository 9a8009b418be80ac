//! The HTML of the authorization endpoint: the consent page (sign in, the application and
//! the scopes it asks for, Approve / Deny) and the error page. Everything interpolated is
//! HTML-escaped.

use std::fmt::Write as _;

use super::authorize::AuthorizeRequest;

/// What the consent page shows.
pub struct Consent<'a> {
    pub request: &'a AuthorizeRequest,
    /// The authorization request's parameters, sent back as hidden fields (the POST
    /// re-validates them).
    pub hidden: Vec<(String, String)>,
    /// A sign-in error to show above the form.
    pub error: Option<&'a str>,
    /// Pre-filled nickname (after a failed sign-in).
    pub nickname: &'a str,
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What a scope lets the application do, for the page (unknown scopes are shown as is).
fn describe(scope: &str) -> &'static str {
    match scope {
        "user:id" => "know your user id",
        "user:username" => "know your nickname",
        "profile:name" => "read your name",
        "profile:primary_email" => "read your primary e-mail address",
        "engee" => "start and stop your Engee, run code and use your files on your behalf",
        _ => "",
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;\
padding:0 1rem;color:#222}h1{font-size:1.4rem}.box{border:1px solid #ccc;border-radius:8px;\
padding:1.2rem}.error{color:#a00;background:#fee;padding:.6rem;border-radius:4px}\
label{display:block;margin:.6rem 0 .2rem}input[type=text],input[type=password]{width:100%;\
padding:.4rem;box-sizing:border-box}.buttons{margin-top:1rem;display:flex;gap:.6rem}\
button{padding:.5rem 1.2rem}code{background:#f4f4f4;padding:0 .2rem}";

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    )
}

pub fn render(c: &Consent<'_>) -> String {
    let req = c.request;
    let app = req.client.name.as_deref().unwrap_or(&req.client.client_id);
    let mut h = head(&format!("Authorize {app} — Engee"));
    let _ = write!(
        h,
        "<div class=\"box\">\n<h1>Sign in to Engee to continue to {}</h1>\n\
         <p>The application <strong>{}</strong> (client id <code>{}</code>) asks to:</p>\n<ul id=\"scopes\">\n",
        escape(app),
        escape(app),
        escape(&req.client.client_id)
    );
    for s in &req.scopes {
        let d = describe(s);
        if d.is_empty() {
            let _ = writeln!(h, "<li><code>{}</code></li>", escape(s));
        } else {
            let _ = writeln!(h, "<li><code>{}</code> — {}</li>", escape(s), escape(d));
        }
    }
    let _ = write!(
        h,
        "</ul>\n<p>After your decision you will be sent to <code>{}</code>.</p>\n",
        escape(&req.redirect_uri)
    );
    if let Some(e) = c.error {
        let _ = writeln!(h, "<p class=\"error\" role=\"alert\">{}</p>", escape(e));
    }
    h.push_str("<form method=\"post\" action=\"/account/authorize\">\n");
    for (name, value) in &c.hidden {
        let _ = writeln!(
            h,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(name),
            escape(value)
        );
    }
    let _ = write!(
        h,
        "<label for=\"nickname\">Nickname</label>\n\
         <input type=\"text\" id=\"nickname\" name=\"nickname\" value=\"{}\" autocomplete=\"username\" autofocus>\n\
         <label for=\"password\">Password</label>\n\
         <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\">\n\
         <div class=\"buttons\">\n\
         <button type=\"submit\" name=\"action\" value=\"approve\">Approve</button>\n\
         <button type=\"submit\" name=\"action\" value=\"deny\" formnovalidate>Deny</button>\n\
         </div>\n</form>\n</div>\n</body>\n</html>\n",
        escape(c.nickname)
    );
    h
}

/// A message's text for the page: escaped, with each `` `name` `` pair (the Markdown
/// convention the messages share with the JSON errors) rendered as `<code>name</code>`.
fn message_html(message: &str) -> String {
    let parts: Vec<&str> = message.split('`').collect();
    let mut out = String::with_capacity(message.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        let paired = i % 2 == 1 && i + 1 < parts.len();
        let unpaired = i % 2 == 1 && !paired;
        match (paired, unpaired) {
            (true, _) => {
                let _ = write!(out, "<code>{}</code>", escape(part));
            }
            // An odd backtick out: shown as it is.
            (_, true) => {
                let _ = write!(out, "`{}", escape(part));
            }
            _ => out.push_str(&escape(part)),
        }
    }
    out
}

pub fn error_page(message: &str) -> String {
    let mut h = head("Authorization error — Engee");
    let _ = write!(
        h,
        "<div class=\"box\">\n<h1>Authorization error</h1>\n<p class=\"error\" role=\"alert\">{}</p>\n\
         <p>The application that sent you here is misconfigured; you were not redirected back to it.</p>\n\
         </div>\n</body>\n</html>\n",
        message_html(message)
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert!(!error_page("<script>").contains("<script>"));
    }

    #[test]
    fn backtick_pairs_become_code() {
        assert_eq!(
            message_html("no `client_id` & no `x<y`"),
            "no <code>client_id</code> &amp; no <code>x&lt;y</code>"
        );
        assert_eq!(message_html("a ` b"), "a ` b");
    }
}
