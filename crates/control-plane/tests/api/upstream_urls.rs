use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn private_upstreams_depend_on_the_deployment_and_metadata_never_passes() {
    for allow in [false, true] {
        let app = TestApp::with_private_upstreams(allow).await;
        let tenant = app.signup("ann@example.com", "Acme").await;
        let base = format!("/api/v1/accounts/{}/servers", tenant.slug);
        for (index, url) in [
            "http://127.0.0.1:9000/mcp",
            "http://localhost:9000/mcp",
            "http://10.0.0.5/mcp",
            "http://[::1]:8080/",
            "http://192.168.1.20/",
        ]
        .iter()
        .enumerate()
        {
            let response = app
                .post(
                    &base,
                    &tenant.token,
                    json!({"name": format!("s{index}"), "url": url}),
                )
                .await;
            let expected = if allow {
                StatusCode::CREATED
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            assert_eq!(
                response.status, expected,
                "{url} allow={allow}: {}",
                response.text
            );
            if !allow {
                assert_eq!(response.field_paths(), ["url"]);
            }
        }
        for url in [
            "http://169.254.169.254/latest/meta-data",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://[fd00:ec2::254]/",
            "http://[fe80::1]/",
            "http://[::ffff:169.254.169.254]/",
            "http://user:pw@127.0.0.1/",
        ] {
            let response = app
                .post(&base, &tenant.token, json!({"name": "meta", "url": url}))
                .await;
            assert_eq!(
                response.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{url} allow={allow}"
            );
        }
        // PATCH applies the same rules.
        if allow {
            let patch = json!({"url": "http://169.254.169.254/"});
            let response = app
                .call(
                    Method::PATCH,
                    &format!("{base}/s0"),
                    Some(&tenant.token),
                    Some(patch),
                )
                .await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
}
