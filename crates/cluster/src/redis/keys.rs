//! Every Redis key and channel Toolgate uses, built here and nowhere else.
//!
//! Counter keys: `tg:{<account uuid>}:l:<rule>` holds the log (a sorted set of charges scored by
//! `at_ms`) and `tg:{<account uuid>}:s:<rule>` the rest of the counter's state in one hash: the log's
//! sum `n` and oldest `f`, a field per sub-window bucket with the buckets' running sum `t` and lowest
//! index `o`, and the hash's expiry `e` (see `scripts::RESERVE`). The braces are a Redis Cluster hash
//! tag: every key of one account lives in one slot, so one script may touch all the keys of a call.
//! `<rule>` is the first 16 hex digits of SHA-256 over (scope, scope id, counter name, window): tools
//! naming the same counter share one count, while a changed window (or scope) gives a new key and
//! never reuses stale state.
//!
//! Until 2026-12-04 a counter had three keys (`c` its log, `u` the log's total as a string, `b` its
//! buckets). Those are not read any more: during a rolling upgrade from such a version the old and
//! the new workers count apart (each limit may admit up to its max on each side) until the last old
//! worker stops; the old keys expire by themselves within two windows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use toolgate_domain::AccountId;

use crate::counters::{CounterKey, Scope};

/// The heartbeat set: worker id scored by the Redis time of its last beat.
pub(super) const WORKERS: &str = "tg:workers";
/// The pub/sub channel of change events.
pub(super) const EVENTS_CHANNEL: &str = "tg:events";

/// The two keys of one counter: its log, and the hash of its state (the log's sum, the buckets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CounterKeys {
    pub(super) log: String,
    pub(super) state: String,
}

pub(super) fn counter_keys(key: &CounterKey) -> CounterKeys {
    let rule = rule_hash(key);
    CounterKeys {
        log: format!("tg:{{{}}}:l:{rule}", key.account),
        state: format!("tg:{{{}}}:s:{rule}", key.account),
    }
}

/// Counter key names, remembered: building them costs two SHA-256 and two strings, looking them
/// up one hash of the key. One map per lane (plus one for other threads), so lanes never wait for
/// each other; a map that reaches [`KeyNames::MAX_PER_MAP`] names starts over (the names are
/// derived, never state).
pub(super) struct KeyNames {
    maps: Vec<Mutex<HashMap<CounterKey, Arc<CounterKeys>>>>,
}

impl KeyNames {
    const MAX_PER_MAP: usize = 4_096;

    pub(super) fn new() -> Self {
        Self {
            maps: (0..=crate::lanes::count())
                .map(|_| Mutex::new(HashMap::new()))
                .collect(),
        }
    }

    /// The names of `key`'s counter (exactly [`counter_keys`]).
    pub(super) fn get(&self, key: &CounterKey) -> Arc<CounterKeys> {
        let index = crate::lanes::entered()
            .unwrap_or(self.maps.len() - 1)
            .min(self.maps.len() - 1);
        // A panic while holding the lock leaves a map of correct names: keep using it.
        let mut map = self.maps[index]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(names) = map.get(key) {
            return Arc::clone(names);
        }
        if map.len() >= Self::MAX_PER_MAP {
            map.clear();
        }
        let names = Arc::new(counter_keys(key));
        map.insert(key.clone(), Arc::clone(&names));
        names
    }
}

/// Marks a reservation whose bucket charges were given back, so a second rollback gives nothing.
pub(super) fn rollback_marker(account: &AccountId, reservation: u128) -> String {
    format!("tg:{{{account}}}:r:{reservation:032x}")
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Grant => "grant",
        Scope::Server => "server",
        Scope::Account => "account",
    }
}

/// Length-prefixed fields, so no choice of ids or names can make two rules hash the same input.
fn rule_hash(key: &CounterKey) -> String {
    let input = format!(
        "toolgate-counter-v1|{}|{}:{}|{}:{}|{}",
        scope_name(key.scope),
        key.scope_id.len(),
        key.scope_id,
        key.counter.len(),
        key.counter,
        key.window_ms
    );
    let digest = Sha256::digest(input.as_bytes());
    hex::encode(&digest[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CounterKey {
        CounterKey {
            account: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".parse().expect("uuid"),
            scope: Scope::Grant,
            scope_id: "grant-1".to_owned(),
            counter: "calls".to_owned(),
            window_ms: 60_000,
        }
    }

    fn hash_tag(redis_key: &str) -> &str {
        let open = redis_key.find('{').expect("open brace");
        let close = redis_key.find('}').expect("close brace");
        &redis_key[open + 1..close]
    }

    #[test]
    fn keys_are_stable() {
        // A changed layout would silently reset every live count on upgrade: change it on purpose only.
        let keys = counter_keys(&key());
        assert_eq!(
            keys.log,
            "tg:{0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b}:l:cdbc8be9c79b4fb0"
        );
        assert_eq!(
            keys.state,
            "tg:{0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b}:s:cdbc8be9c79b4fb0"
        );
    }

    #[test]
    fn both_keys_share_the_account_hash_tag() {
        let keys = counter_keys(&key());
        assert_eq!(hash_tag(&keys.log), "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        assert_eq!(hash_tag(&keys.state), hash_tag(&keys.log));
        let marker = rollback_marker(&key().account, 7);
        assert_eq!(hash_tag(&marker), hash_tag(&keys.log));
    }

    #[test]
    fn every_part_of_the_key_separates_counts() {
        let base = key();
        let variants = [
            CounterKey {
                account: AccountId::new(),
                ..base.clone()
            },
            CounterKey {
                scope: Scope::Server,
                ..base.clone()
            },
            CounterKey {
                scope_id: "grant-2".to_owned(),
                ..base.clone()
            },
            CounterKey {
                counter: "other".to_owned(),
                ..base.clone()
            },
            CounterKey {
                window_ms: 60_001,
                ..base.clone()
            },
        ];
        let base_keys = counter_keys(&base);
        for variant in &variants {
            assert_ne!(counter_keys(variant), base_keys, "{variant:?}");
        }
        assert_eq!(counter_keys(&base.clone()), base_keys);
    }

    #[test]
    fn fields_cannot_run_into_each_other() {
        let left = CounterKey {
            scope_id: "a|1".to_owned(),
            counter: "b".to_owned(),
            ..key()
        };
        let right = CounterKey {
            scope_id: "a".to_owned(),
            counter: "1|b".to_owned(),
            ..key()
        };
        assert_ne!(counter_keys(&left), counter_keys(&right));
    }

    #[test]
    fn remembered_names_are_the_computed_ones_and_the_map_stays_bounded() {
        let names = KeyNames::new();
        let first = names.get(&key());
        assert_eq!(*first, counter_keys(&key()));
        assert!(
            Arc::ptr_eq(&first, &names.get(&key())),
            "the second lookup is remembered"
        );
        for n in 0..(KeyNames::MAX_PER_MAP as u64 + 10) {
            let other = CounterKey {
                window_ms: 1_000 + n,
                ..key()
            };
            assert_eq!(*names.get(&other), counter_keys(&other));
        }
        let sizes: Vec<usize> = names
            .maps
            .iter()
            .map(|map| map.lock().expect("lock").len())
            .collect();
        assert!(
            sizes.iter().all(|size| *size <= KeyNames::MAX_PER_MAP),
            "{sizes:?}"
        );
        assert_eq!(*names.get(&key()), counter_keys(&key()));
    }
}
