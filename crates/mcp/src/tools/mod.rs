//! Where policy acts on the wire: `tools/list` filtering, `tools/call` params, refusals.

mod call;
mod list;
mod refusal;

pub use call::CallToolParams;
pub use list::{filter_tools_list_response, filter_tools_list_result};
pub use refusal::{
    DECISION_META_KEY, decision_meta, refusal_response, refusal_result, unknown_tool_response,
};
