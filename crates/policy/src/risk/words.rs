//! Vocabularies: what a word in a name, an argument name or a description suggests.

use super::RiskCategory::{self, Destructive, Execute, Financial, Read, Write};

/// What one word of a tool name means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameWord {
    /// A verb of this category. Destructive and Financial verbs count anywhere in the name,
    /// the others fully only as the leading verb.
    Verb(RiskCategory),
    /// `run`, `exec`, …: Execute anywhere, unless the name leads with a reading verb.
    ExecuteVerb,
    /// `build`, `install`, …: Execute as the leading verb only (`generate_c_build_files`).
    LeadExecute,
    /// `shell`, `command`, …: Execute, unless the name leads with a reading verb.
    ExecuteNoun,
    /// `start`: Execute with a process-like object, else Write.
    Start,
    /// `stop`, `end`, `halt`: Destructive with a process-like object, else Write.
    Stop,
    /// `format`: Destructive with a disk-like object, else Write (`format_c_code`).
    Format,
    /// `transfer`: Financial with a money word in the name, else Write.
    Transfer,
    /// `payment`, `invoice`, …: Financial after a changing verb (`create_invoice`).
    MoneyNoun,
}

pub(crate) fn name_word(word: &str) -> Option<NameWord> {
    use NameWord::*;
    Some(match word {
        "get" | "list" | "read" | "search" | "show" | "status" | "find" | "fetch" | "query" | "view"
        | "describe" | "inspect" | "scan" | "detect" | "check" | "verify" | "validate" | "test"
        | "lookup" | "resolve" | "trace" | "ping" | "stat" | "hash" | "diff" | "audit" | "summarize"
        | "summarise" | "count" | "echo" | "wait" | "sleep" | "crawl" | "extract" | "which" | "whoami"
        | "browse" | "preview" | "watch" | "monitor" | "poll" | "explain" | "analyze" | "analyse"
        | "compare" | "estimate" | "lint" | "grep" | "cat" | "ls" | "retrieve" | "health" => Verb(Read),
        "create" | "write" | "update" | "set" | "add" | "append" | "insert" | "edit" | "modify" | "patch"
        | "replace" | "rename" | "move" | "mv" | "copy" | "cp" | "save" | "store" | "put" | "post"
        | "upload" | "download" | "send" | "submit" | "publish" | "push" | "commit" | "merge"
        | "checkout" | "switch" | "apply" | "import" | "sync" | "mkdir" | "touch" | "chmod" | "chown"
        | "zip" | "unzip" | "compress" | "decompress" | "archive" | "generate" | "optimize" | "note"
        | "record" | "mark" | "toggle" | "enable" | "disable" | "pause" | "resume" | "restore"
        | "schedule" | "assign" | "upsert" | "tag" | "label" | "comment" | "reply" | "share" | "invite"
        | "register" | "attach" | "lock" | "unlock" | "configure" | "init" | "initialize" | "clone"
        | "fork" | "stage" | "unstage" | "fill" | "click" | "close" | "notify" | "overwrite" | "revoke"
        | "approve" => Verb(Write),
        "run" | "exec" | "execute" | "eval" | "evaluate" | "spawn" | "invoke" => ExecuteVerb,
        "compile" | "build" | "install" | "deploy" | "restart" | "launch" => LeadExecute,
        "shell" | "cmd" | "command" | "commands" | "powershell" | "pwsh" | "bash" | "sh" | "zsh"
        | "terminal" | "script" | "scripts" | "repl" | "sql" | "sudo" | "subprocess" => ExecuteNoun,
        "delete" | "del" | "remove" | "rm" | "rmdir" | "unlink" | "erase" | "kill" | "pkill" | "drop"
        | "destroy" | "purge" | "wipe" | "terminate" | "truncate" | "cancel" | "reset" | "uninstall"
        | "shutdown" | "reboot" | "poweroff" | "clear" => Verb(Destructive),
        "pay" | "charge" | "refund" | "withdraw" | "deposit" | "purchase" | "buy" | "sell" | "trade"
        | "remit" | "payout" => Verb(Financial),
        "start" => Start,
        "stop" | "end" | "halt" => Stop,
        "format" => Format,
        "transfer" => Transfer,
        "payment" | "payments" | "invoice" | "invoices" | "refunds" | "payouts" | "transaction"
        | "transactions" | "money" | "funds" | "fund" | "wire" | "remittance" => MoneyNoun,
        _ => return None,
    })
}

/// Objects that make `start` an execution and `stop`/`end` a destruction.
pub(crate) fn is_process_object(word: &str) -> bool {
    matches!(
        word,
        "process"
            | "processes"
            | "pid"
            | "program"
            | "app"
            | "application"
            | "service"
            | "server"
            | "container"
            | "job"
            | "daemon"
            | "binary"
            | "executable"
            | "vm"
            | "instance"
            | "worker"
    )
}

/// Objects that make `format` wipe a device.
pub(crate) fn is_device_object(word: &str) -> bool {
    matches!(
        word,
        "disk" | "drive" | "volume" | "partition" | "device" | "filesystem" | "fs" | "usb"
    )
}

/// Words that make a destructive tool wipe broadly (Critical).
pub(crate) fn is_broad_word(word: &str) -> bool {
    matches!(
        word,
        "all" | "everything" | "purge" | "wipe" | "drop" | "destroy" | "truncate" | "recursive"
    )
}

/// Name words of tools that read secrets (a Read tool becomes Medium).
pub(crate) fn is_sensitive_word(word: &str) -> bool {
    matches!(
        word,
        "env"
            | "environment"
            | "secret"
            | "secrets"
            | "password"
            | "passwords"
            | "credential"
            | "credentials"
            | "token"
            | "tokens"
            | "cookie"
            | "cookies"
            | "apikey"
            | "keychain"
    )
}

/// Words that mean money (names, argument names, description words).
pub(crate) fn is_money_word(word: &str) -> bool {
    matches!(
        word,
        "money"
            | "payment"
            | "payments"
            | "pay"
            | "funds"
            | "fund"
            | "bank"
            | "currency"
            | "iban"
            | "invoice"
            | "refund"
            | "wire"
            | "amount"
            | "balance"
            | "wallet"
    )
}

/// Words that show a `query` argument is SQL on a database.
pub(crate) fn is_database_word(word: &str) -> bool {
    matches!(
        word,
        "sql"
            | "database"
            | "databases"
            | "db"
            | "dsn"
            | "sqlite"
            | "sqlite3"
            | "postgres"
            | "postgresql"
            | "psql"
            | "mysql"
            | "mariadb"
            | "mssql"
            | "oracle"
            | "jdbc"
            | "odbc"
            | "bigquery"
            | "snowflake"
            | "clickhouse"
            | "duckdb"
            | "redshift"
            | "table"
    )
}

/// An English description word (already stemmed) and its category.
pub(crate) fn description_word(stem: &str) -> Option<RiskCategory> {
    Some(match stem {
        "read" | "get" | "list" | "show" | "return" | "fetch" | "retrieve" | "search" | "find"
        | "inspect" | "view" | "display" | "check" | "detect" | "scan" | "lookup" | "echo" | "count"
        | "describe" | "report" | "summarize" | "resolve" | "trace" | "wait" | "crawl" | "extract"
        | "analyze" | "status" => Read,
        "create" | "write" | "update" | "modify" | "edit" | "set" | "add" | "append" | "insert" | "save"
        | "store" | "record" | "rename" | "move" | "copy" | "upload" | "send" | "submit" | "overwrite"
        | "replace" | "patch" | "commit" | "toggle" | "change" | "generate" | "switch" | "compress"
        | "download" => Write,
        "execute" | "run" | "shell" | "command" | "script" | "spawn" | "launch" | "eval" | "evaluate"
        | "compile" | "invoke" => Execute,
        "delete" | "remove" | "erase" | "destroy" | "drop" | "purge" | "wipe" | "kill" | "terminate"
        | "truncate" | "uninstall" => Destructive,
        "pay" | "payment" | "refund" | "invoice" | "withdraw" | "purchase" | "money" | "fund" | "bank"
        | "iban" => Financial,
        _ => return None,
    })
}

/// Chinese terms (searched as substrings) with their category and an English gloss.
pub(crate) const CHINESE_TERMS: &[(&str, RiskCategory, &str)] = &[
    ("查询", Read, "query"),
    ("获取", Read, "get"),
    ("列出", Read, "list"),
    ("读取", Read, "read"),
    ("查看", Read, "view"),
    ("枚举", Read, "enumerate"),
    ("搜索", Read, "search"),
    ("查找", Read, "find"),
    ("检查", Read, "check"),
    ("汇总", Read, "summarize"),
    ("显示", Read, "show"),
    ("测试", Read, "test"),
    ("抓取", Read, "fetch"),
    ("提取", Read, "extract"),
    ("统计", Read, "count"),
    ("等待", Read, "wait"),
    ("扫描", Read, "scan"),
    ("解析", Read, "parse"),
    ("创建", Write, "create"),
    ("写入", Write, "write"),
    ("修改", Write, "modify"),
    ("更新", Write, "update"),
    ("添加", Write, "add"),
    ("设置", Write, "set"),
    ("追加", Write, "append"),
    ("保存", Write, "save"),
    ("替换", Write, "replace"),
    ("上传", Write, "upload"),
    ("提交", Write, "submit"),
    ("移动", Write, "move"),
    ("复制", Write, "copy"),
    ("重命名", Write, "rename"),
    ("解压", Write, "unpack"),
    ("打包", Write, "pack"),
    ("生成", Write, "generate"),
    ("标记", Write, "mark"),
    ("暂停", Write, "pause"),
    ("下载", Write, "download"),
    ("覆盖", Write, "overwrite"),
    ("编辑", Write, "edit"),
    ("执行", Execute, "execute"),
    ("运行", Execute, "run"),
    ("命令", Execute, "command"),
    ("脚本", Execute, "script"),
    ("启动", Execute, "start"),
    ("编译", Execute, "compile"),
    ("删除", Destructive, "delete"),
    ("移除", Destructive, "remove"),
    ("终止", Destructive, "terminate"),
    ("杀死", Destructive, "kill"),
    ("杀掉", Destructive, "kill"),
    ("清空", Destructive, "wipe"),
    ("结束进程", Destructive, "end process"),
    ("销毁", Destructive, "destroy"),
    ("卸载", Destructive, "uninstall"),
    ("格式化", Destructive, "format"),
    ("停止", Destructive, "stop"),
    ("支付", Financial, "pay"),
    ("转账", Financial, "transfer"),
    ("金额", Financial, "amount"),
    ("付款", Financial, "payment"),
    ("退款", Financial, "refund"),
    ("扣款", Financial, "charge"),
    ("充值", Financial, "top up"),
    ("提现", Financial, "withdraw"),
    ("汇款", Financial, "remit"),
];

/// Chinese terms that wipe broadly when the tool is destructive.
pub(crate) const CHINESE_BROAD: &[&str] = &["清空", "格式化", "全部删除", "递归删除"];

/// Chinese and English phrases by which a description calls its tool read-only.
pub(crate) const CHINESE_READ_ONLY: &str = "只读";
