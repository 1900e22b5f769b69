//! JSON documents (policies, tool schemas) come back exactly as written.

use serde_json::json;

use super::fixtures::{new_tool, server, signup};
use crate::{NewPolicy, Store};

/// Documents come back with their object keys in the order they were written (a policy edited in the
/// dashboard must not be reshuffled), in every backend.
pub async fn json_documents_keep_their_key_order(store: &dyn Store) {
    let written = r#"{"version":"1","tools":{"zeta":{},"alpha":{"action":"deny","reason":"no"}},"default":"deny","hide":["b","a"]}"#;
    let written_document: serde_json::Value = serde_json::from_str(written).expect("json");
    let (user, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let created = store
        .create_policy(
            account.id,
            files.id,
            NewPolicy {
                name: "ordered".to_owned(),
                document: written_document.clone(),
                created_by: Some(user.id),
            },
        )
        .await
        .expect("create");
    let saved = store
        .update_policy(account.id, created.id, written_document, None)
        .await
        .expect("save");
    let got = store
        .get_policy(account.id, created.id)
        .await
        .expect("get")
        .expect("policy");
    let versions = store
        .list_policy_versions(account.id, created.id)
        .await
        .expect("versions");
    for document in [
        &created.document,
        &saved.document,
        &got.document,
        &versions[1].document,
    ] {
        assert_eq!(document.to_string(), written);
    }

    let mut tool = new_tool("ordered", 1);
    tool.input_schema = json!({"type": "object", "required": ["z"], "properties": {"z": {}, "a": {}}});
    let schema_text = tool.input_schema.to_string();
    assert!(
        schema_text.starts_with(r#"{"type":"object","required""#),
        "{schema_text}"
    );
    store
        .replace_tools(account.id, files.id, vec![tool])
        .await
        .expect("sync");
    let listed = store.list_tools(account.id, files.id).await.expect("list");
    assert_eq!(listed[0].input_schema.to_string(), schema_text);
}
