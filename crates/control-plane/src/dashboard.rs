//! Placeholder dashboard page until the real (askama) dashboard lands: says the service runs and how to
//! get started with the API.

use axum::extract::State;
use axum::response::Html;

use crate::state::AppState;

pub async fn index(State(state): State<AppState>) -> Html<String> {
    let url = escape(&state.public_url);
    Html(format!(
        r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Toolgate</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 48rem; margin: 3rem auto; padding: 0 1rem">
<h1>Toolgate is running</h1>
<p>A policy gateway for MCP servers. The dashboard is coming; until then, use the JSON API.</p>
<h2>Quick start</h2>
<pre style="background:#f4f4f4; padding:1rem; overflow-x:auto">
# 1. sign up: the answer holds an API token (tgk_…) and your account's slug
curl -s {url}/api/v1/signup -H 'content-type: application/json' \
  -d '{{"email":"you@example.com","password":"a long passphrase","account_name":"My Company"}}'

# 2. register an MCP server and fetch its tools
curl -s {url}/api/v1/accounts/ACCOUNT/servers -H "authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' -d '{{"name":"Files","url":"https://mcp.example.com/mcp"}}'
curl -s -X POST {url}/api/v1/accounts/ACCOUNT/servers/files/sync -H "authorization: Bearer $TOKEN"

# 3. add a policy, then a grant (its token is shown once) for your agent
curl -s {url}/api/v1/accounts/ACCOUNT/servers/files/policies -H "authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' -d '{{"name":"default","document":{{"version":"1","default":"allow"}}}}'
curl -s {url}/api/v1/accounts/ACCOUNT/grants -H "authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' -d '{{"name":"my agent","server":"files","policy":"default"}}'
</pre>
<p>Point your MCP client at the grant's <code>gateway_url</code> with <code>Authorization: Bearer tg_…</code>.</p>
</body>
</html>
"#
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
