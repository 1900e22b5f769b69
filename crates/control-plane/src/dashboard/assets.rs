//! `static/` embedded into the binary (rust-embed; debug builds read the folder from disk) and served
//! at `/static/{hash}/{path}`: the hash is the file's content hash, so a page always names the exact
//! version it was rendered with and browsers may cache it for a year. No asset comes from elsewhere.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

#[derive(rust_embed::Embed)]
#[folder = "../../static/"]
struct Files;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{version}/{*path}", get(serve))
}

/// The URL of a file in `static/`, e.g. `url("app.css")` → `/static/3f2a…/app.css`.
pub fn url(path: &str) -> String {
    match Files::get(path) {
        Some(file) => format!("/static/{}/{path}", version(&file)),
        None => {
            tracing::error!(path, "a template names a missing static file");
            format!("/static/missing/{path}")
        }
    }
}

fn version(file: &rust_embed::EmbeddedFile) -> String {
    hex::encode(&file.metadata.sha256_hash()[..6])
}

async fn serve(Path((requested, path)): Path<(String, String)>) -> Response {
    let Some(file) = Files::get(&path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    // An old page may name an old version: serve the current one, but do not let it be cached long.
    let cache = if requested == version(&file) {
        IMMUTABLE
    } else {
        "no-cache"
    };
    let mime = file.metadata.mimetype();
    let content_type =
        HeaderValue::from_str(mime).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        file.data,
    )
        .into_response()
}
