//! Every Lua script Toolgate runs in Redis, and how they are called: EVALSHA, one round trip. After
//! a `SCRIPT FLUSH` or a restart Redis answers NOSCRIPT, and the call is repeated once as EVAL (which
//! also caches the script again), so that rare call takes two round trips and is counted.
//!
//! Numbers: Redis Lua numbers are doubles, exact for integers up to 2^53. The Rust side clamps every
//! window, max and amount to that ([`lua_int`]); larger values mean "practically unlimited" anyway.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use ::redis::aio::ConnectionManager;
use ::redis::{ErrorKind, FromRedisValue, RedisError, ServerErrorKind};

/// A script's source and its SHA-1 (the EVALSHA name).
pub(super) struct LuaScript {
    source: &'static str,
    hash: String,
}

impl LuaScript {
    fn new(source: &'static str) -> Self {
        let hash = ::redis::Script::new(source).get_hash().to_owned();
        Self { source, hash }
    }
}

/// The largest integer a Lua number holds exactly.
const LUA_EXACT_MAX: u64 = 1 << 53;

/// `value` as a decimal argument the scripts read exactly.
pub(super) fn lua_int(value: u64) -> String {
    value.min(LUA_EXACT_MAX).to_string()
}

/// Runs `script` with EVALSHA; on NOSCRIPT once more with EVAL, counting the reload.
pub(super) async fn eval<T: FromRedisValue>(
    connection: &mut ConnectionManager,
    script: &LuaScript,
    keys: &[String],
    args: &[String],
    reloads: &AtomicU64,
) -> Result<T, RedisError> {
    let mut evalsha = ::redis::cmd("EVALSHA");
    evalsha.arg(&script.hash).arg(keys.len()).arg(keys).arg(args);
    match evalsha.query_async(connection).await {
        Err(error) if error.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
            reloads.fetch_add(1, Ordering::Relaxed);
            let mut eval = ::redis::cmd("EVAL");
            eval.arg(script.source).arg(keys.len()).arg(keys).arg(args);
            eval.query_async(connection).await
        }
        result => result,
    }
}

/// Mirrors [`crate::algorithm::reserve`] step by step, at the Redis `TIME`.
///
/// KEYS: per distinct counter key of the call (slot `s`, 1-based, in first-appearance order as
/// [`crate::algorithm::Plan`] numbers them), `KEYS[2s-1]` its log and `KEYS[2s]` its total.
/// ARGV: reservation id (32 hex digits), expiry margin ms, request count, then per request in
/// request order: slot, window ms, max, amount.
///
/// A log member is `<reservation>:<entry>:<amount>`, scored by its `at_ms`; `<entry>` numbers the
/// call's charged entries (requests with a non-zero amount) from 0, like `Reservation::entries`.
///
/// Returns `{1, now_ms}` when admitted, `{0, now_ms, index, retry_after_ms}` when the request at
/// 0-based `index` had no room.
pub(super) static RESERVE: LazyLock<LuaScript> = LazyLock::new(|| LuaScript::new(RESERVE_SOURCE));

const RESERVE_SOURCE: &str = r"
local function int(value) return string.format('%d', value) end
local function amount_of(member) return tonumber(string.match(member, ':(%d+)$')) end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local reservation = ARGV[1]
local margin = tonumber(ARGV[2])
local requests = {}
for i = 1, tonumber(ARGV[3]) do
  local at = 3 + (i - 1) * 4
  requests[i] = { slot = tonumber(ARGV[at + 1]), window = tonumber(ARGV[at + 2]),
                  max = tonumber(ARGV[at + 3]), amount = tonumber(ARGV[at + 4]), amount_text = ARGV[at + 4] }
end
local slots = #KEYS / 2

-- Step 1: forget charges that have left their window (a charge at t is live while now < t + window).
local expired = {}
local windows = {}
for _, request in ipairs(requests) do
  local log = KEYS[2 * request.slot - 1]
  local cutoff = int(now - request.window)
  windows[request.slot] = request.window
  local gone = redis.call('ZRANGEBYSCORE', log, '-inf', cutoff)
  if #gone > 0 then
    local freed = 0
    for _, member in ipairs(gone) do freed = freed + amount_of(member) end
    redis.call('ZREMRANGEBYSCORE', log, '-inf', cutoff)
    expired[request.slot] = (expired[request.slot] or 0) + freed
  end
end

-- The live total of each key (the Rust log's `used`), kept in step with what was just pruned. A
-- total lost to eviction is recounted from the log, and lives no longer than the log.
local used = {}
for slot = 1, slots do
  local log, total = KEYS[2 * slot - 1], KEYS[2 * slot]
  local freed = expired[slot] or 0
  if redis.call('EXISTS', log) == 0 then
    redis.call('DEL', total)
    used[slot] = 0
  else
    local stored = redis.call('GET', total)
    if stored then
      if freed > 0 then redis.call('DECRBY', total, int(freed)) end
      used[slot] = math.max(0, tonumber(stored) - freed)
    else
      local sum = 0
      for _, member in ipairs(redis.call('ZRANGE', log, 0, -1)) do sum = sum + amount_of(member) end
      local ttl = redis.call('PTTL', log)
      if ttl > 0 then redis.call('SET', total, int(sum), 'PX', ttl) end
      used[slot] = sum
    end
  end
end

-- Step 2: what this call adds to each key (two limits may name one key).
local demand = {}
for slot = 1, slots do demand[slot] = 0 end
for _, request in ipairs(requests) do
  demand[request.slot] = demand[request.slot] + request.amount
end

-- The shortest wait until enough of the oldest charges expire (algorithm::retry_after_ms).
local function retry_after(slot, max, wanted, window)
  if wanted > max then return window end
  local must_free = used[slot] + wanted - max
  local freed = 0
  local first = 0
  while true do
    local batch = redis.call('ZRANGE', KEYS[2 * slot - 1], first, first + 63, 'WITHSCORES')
    if #batch == 0 then return window end
    for i = 1, #batch, 2 do
      freed = freed + amount_of(batch[i])
      if freed >= must_free then return math.max(0, tonumber(batch[i + 1]) + window - now) end
    end
    first = first + 64
  end
end

-- Step 3: check every limit in request order before charging any; a key with no demand is not checked.
for index, request in ipairs(requests) do
  local wanted = demand[request.slot]
  if wanted > 0 and used[request.slot] + wanted > request.max then
    return { 0, now, index - 1, retry_after(request.slot, request.max, wanted, request.window) }
  end
end

-- Step 4: charge every request with a non-zero amount, one member each, all at `now`.
local entry = 0
for _, request in ipairs(requests) do
  if request.amount > 0 then
    local member = reservation .. ':' .. int(entry) .. ':' .. request.amount_text
    redis.call('ZADD', KEYS[2 * request.slot - 1], int(now), member)
    entry = entry + 1
  end
end
for slot = 1, slots do
  if demand[slot] > 0 then
    local ttl = int(windows[slot] + margin)
    redis.call('SET', KEYS[2 * slot], int(used[slot] + demand[slot]), 'PX', ttl)
    redis.call('PEXPIRE', KEYS[2 * slot - 1], ttl)
  end
end
return { 1, now }
";

/// Mirrors [`crate::algorithm::rollback`]: removes exactly the members one reservation added.
///
/// KEYS: per entry `e` of the reservation (1-based, in `Reservation::entries` order), `KEYS[2e-1]`
/// its key's log and `KEYS[2e]` its key's total. ARGV: reservation id, then each entry's amount.
/// Returns how many members were removed (0 when repeated: idempotent).
pub(super) static ROLLBACK: LazyLock<LuaScript> = LazyLock::new(|| LuaScript::new(ROLLBACK_SOURCE));

const ROLLBACK_SOURCE: &str = r"
local removed = 0
for e = 1, #KEYS / 2 do
  local log, total = KEYS[2 * e - 1], KEYS[2 * e]
  local amount = ARGV[1 + e]
  local member = ARGV[1] .. ':' .. string.format('%d', e - 1) .. ':' .. amount
  if redis.call('ZREM', log, member) == 1 then
    removed = removed + 1
    if redis.call('EXISTS', log) == 0 then
      redis.call('DEL', total)
    elseif redis.call('EXISTS', total) == 1 then
      redis.call('DECRBY', total, amount)
    end
  end
end
return removed
";

/// One worker heartbeat at the Redis `TIME`: KEYS[1] the workers set; ARGV: worker id, how long a
/// worker counts as live (ms). Records this worker, forgets the silent ones, returns how many are live.
pub(super) static HEARTBEAT: LazyLock<LuaScript> = LazyLock::new(|| LuaScript::new(HEARTBEAT_SOURCE));

const HEARTBEAT_SOURCE: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local live_ms = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], string.format('%d', now), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - live_ms))
redis.call('PEXPIRE', KEYS[1], string.format('%d', live_ms * 2))
return redis.call('ZCARD', KEYS[1])
";
