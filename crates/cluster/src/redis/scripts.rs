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
/// [`crate::algorithm::Plan`] numbers them), `KEYS[3s-2]` its log, `KEYS[3s-1]` the log's total and
/// `KEYS[3s]` its buckets. ARGV: reservation id (32 hex digits), expiry margin ms, then the
/// [`crate::algorithm::Tuning`] (bucketed above max, buckets per window, prune batch), request
/// count, then per request in request order: slot, window ms, max, amount.
///
/// A log member is `<reservation>:<entry>:<amount>`, scored by its `at_ms`; `<entry>` numbers the
/// call's charged entries (requests with a non-zero amount) from 0, like `Reservation::entries`.
///
/// The total is `<used>:<oldest>:<until>`: the log's sum (expired members not yet pruned included),
/// a lower bound of its oldest score (`-` when the log is empty), so a call that finds nothing can
/// have expired skips the range query, and a time after which the bucket hash cannot exist, so a
/// log-mode call skips the hash once it has passed. `<until>` (or `<oldest>` too) may be missing,
/// as may the whole total: then nothing is known and the hash is read (always safe).
///
/// The bucket hash: a field per bucket, the bucket index (`at_ms / width`) with its amount, plus
/// `t` the sum of every bucket field, `o` a lower bound of their indices and `e` the hash's
/// expiry (ms). While bucket `o` still counts every bucket does (expiry grows with the index), so a
/// call reads `t o e <current bucket>` with one HMGET and scans the hash (HGETALL, HDEL of the
/// expired) only once `o` has expired (at most once per bucket width) or `t` is missing; exactly
/// [`crate::algorithm::WindowLog`]'s front-of-queue prune and running `bucket_used`. A charge is
/// one HSET of its bucket and `t` (and `o`, `e` when they change); the hash's TTL is renewed, to
/// twice (window + one bucket width + margin), only once less than that lifetime is left, so the hash
/// outlives every bucket it still counts (a bucket counts one width past the window).
///
/// Why skipping the hash is safe: only a bucket charge creates the hash or extends its TTL, and
/// the same call makes the total's `<until>` at least the new expiry `e`; every other writer of the
/// total carries `<until>` over as read (or as the hash's `e`, or 0 when it had no hash), or leaves
/// it out. So a total whose `<until>` has passed proves there is no hash, whatever limits (log or
/// bucket mode) share the counter.
///
/// Work per call is bounded: at most `prune batch` members (plus the rest of the last score) are
/// pruned per key, at most one bucket hash scan (its fields are the live buckets, ~60).
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
local bucketed_above = tonumber(ARGV[3])
local per_window = tonumber(ARGV[4])
local batch = tonumber(ARGV[5])
local slots = #KEYS / 3
local requests, window, demand, bucketed = {}, {}, {}, {}
for slot = 1, slots do demand[slot] = 0; bucketed[slot] = false end
for i = 1, tonumber(ARGV[6]) do
  local at = 6 + (i - 1) * 4
  local request = { slot = tonumber(ARGV[at + 1]), window = tonumber(ARGV[at + 2]),
                    max = tonumber(ARGV[at + 3]), amount = tonumber(ARGV[at + 4]), amount_text = ARGV[at + 4] }
  requests[i] = request
  window[request.slot] = request.window
  -- Step 2 (done early, it changes nothing): what this call adds to each key, and how it counts it.
  demand[request.slot] = demand[request.slot] + request.amount
  if request.max > bucketed_above then bucketed[request.slot] = true end
end

-- Step 1, per key: the log's total, a bounded prune of its expired members, then its buckets.
local log_sum, oldest, live, width, had_total, dirty = {}, {}, {}, {}, {}, {}
local used, until_ms, scanned = {}, {}, {}
local index_now, index_text, amount_now, hash_t, hash_o, hash_e = {}, {}, {}, {}, {}, {}
for slot = 1, slots do
  local log, total, buckets = KEYS[3 * slot - 2], KEYS[3 * slot - 1], KEYS[3 * slot]
  local w = window[slot]
  local cutoff = now - w
  local sum, first, known_until = 0, nil, nil
  local stored = redis.call('GET', total)
  if stored then
    local sum_text, oldest_text, until_text = string.match(stored, '^(%d+):?([%d%-]*):?(%d*)$')
    sum = tonumber(sum_text) or 0
    if oldest_text == '-' then first = math.huge else first = tonumber(oldest_text) end
    if sum_text and oldest_text ~= '' then known_until = tonumber(until_text) end
    had_total[slot] = true
  elseif redis.call('EXISTS', log) == 1 then
    -- A total lost to eviction is recounted from the log (at most `max` live members).
    for _, member in ipairs(redis.call('ZRANGE', log, 0, -1)) do sum = sum + amount_of(member) end
    dirty[slot] = true
  else
    first = math.huge
  end
  local backlog = 0
  if first == nil or first <= cutoff then
    local gone = redis.call('ZRANGEBYSCORE', log, '-inf', int(cutoff), 'WITHSCORES', 'LIMIT', 0, batch)
    local count = #gone / 2
    if count > 0 then
      local freed = 0
      for i = 1, #gone, 2 do freed = freed + amount_of(gone[i]) end
      if count < batch then
        redis.call('ZREMRANGEBYRANK', log, 0, count - 1)
      else
        -- A full batch: the rest of its last score goes too (ties never split), the others wait.
        local last = gone[#gone]
        local tied = 0
        for i = #gone, 2, -2 do
          if gone[i] ~= last then break end
          tied = tied + 1
        end
        local group = redis.call('ZRANGEBYSCORE', log, last, last)
        for i = tied + 1, #group do freed = freed + amount_of(group[i]) end
        redis.call('ZREMRANGEBYSCORE', log, '-inf', last)
        backlog = redis.call('ZCOUNT', log, '-inf', int(cutoff))
        if backlog > 0 then first = tonumber(last) end
      end
      sum = math.max(0, sum - freed)
    end
    if backlog == 0 then
      local head = redis.call('ZRANGE', log, 0, 0, 'WITHSCORES')
      if #head == 0 then sum = 0; first = math.huge else first = tonumber(head[2]) end
    end
    dirty[slot] = true
  end
  log_sum[slot], oldest[slot] = sum, first
  -- Each expired member still in the log counts out as 1 (WindowLog::live_used).
  used[slot] = math.max(0, sum - backlog)

  local bucket_width = math.max(1, math.ceil(w / per_window))
  width[slot] = bucket_width
  hash_t[slot], amount_now[slot] = 0, 0
  until_ms[slot] = known_until
  if bucketed[slot] or known_until == nil or known_until > now then
    local current = math.floor(now / bucket_width)
    index_now[slot], index_text[slot] = current, int(current)
    -- t: sum of the bucket fields; o: lower bound of their indices; e: the hash's expiry.
    local got = redis.call('HMGET', buckets, 't', 'o', 'e', index_text[slot])
    local t, o, e = tonumber(got[1]), tonumber(got[2]), tonumber(got[3])
    amount_now[slot] = tonumber(got[4]) or 0
    local exists = t ~= nil
    if t == nil or (o ~= nil and (o + 1) * bucket_width - 1 + w <= now) then
      -- A bucket counts until the charge of its last millisecond would expire: drop the others.
      t, o = 0, nil
      local fields = redis.call('HGETALL', buckets)
      local list, stale = {}, {}
      for i = 1, #fields, 2 do
        local index = tonumber(fields[i])
        if index ~= nil then
          if (index + 1) * bucket_width - 1 + w <= now then
            stale[#stale + 1] = fields[i]
          else
            local amount = tonumber(fields[i + 1])
            t = t + amount
            if o == nil or index < o then o = index end
            list[#list + 1] = { index, amount }
          end
        end
      end
      live[slot] = list
      if #fields > 0 then
        exists = true
        scanned[slot] = stale
      end
    end
    hash_t[slot], hash_o[slot], hash_e[slot] = t, o, e
    used[slot] = used[slot] + t
    -- What the total may promise about the hash: its expiry, or that there is none.
    if not exists then until_ms[slot] = 0 else until_ms[slot] = e end
  end
end

-- Writes a key's bucket hash: `charge` (field, value, ... for HSET) if given, else what a scan
-- found; a scan's expired buckets go with one HDEL.
local function save_hash(slot, charge)
  local buckets = KEYS[3 * slot]
  local stale = scanned[slot]
  if stale then
    local o = hash_o[slot]
    if o == nil and charge == nil then stale[#stale + 1] = 'o' end
    if #stale > 0 then redis.call('HDEL', buckets, unpack(stale)) end
    if charge == nil then
      if o == nil then
        redis.call('HSET', buckets, 't', int(hash_t[slot]))
      else
        redis.call('HSET', buckets, 't', int(hash_t[slot]), 'o', int(o))
      end
    end
  end
  if charge then redis.call('HSET', buckets, unpack(charge)) end
end

-- Keeps a key's log total: `ttl` given after a log charge; else its TTL stays (a new one gets
-- the log's, or what `until` needs).
local function write_total(slot, ttl)
  local log, total = KEYS[3 * slot - 2], KEYS[3 * slot - 1]
  local known = until_ms[slot]
  if oldest[slot] == math.huge and (known == nil or known <= now) then
    if had_total[slot] then redis.call('DEL', total) end
    return
  end
  local first = '-'
  if oldest[slot] ~= math.huge then first = int(oldest[slot]) end
  local value = int(log_sum[slot]) .. ':' .. first
  if known ~= nil then value = value .. ':' .. int(known) end
  if ttl then
    redis.call('SET', total, value, 'PX', ttl)
  elseif had_total[slot] then
    redis.call('SET', total, value, 'KEEPTTL')
  else
    local left = redis.call('PTTL', log)
    if known ~= nil and known - now > left then left = known - now end
    if left > 0 then redis.call('SET', total, value, 'PX', int(left)) end
  end
end

-- Step 3: check every limit in request order before charging any; a key with no demand is not checked.
for index, request in ipairs(requests) do
  local wanted = demand[request.slot]
  if wanted > 0 and used[request.slot] + wanted > request.max then
    -- The shortest wait until enough live members and buckets expire (algorithm::retry_after_ms),
    -- defined here as only a refusal needs it (a closure costs every call that defines it).
    local function retry_after(slot, max, wanted)
      local w = window[slot]
      if wanted > max then return w end
      local must_free = used[slot] + wanted - max
      local buckets = live[slot]
      if buckets == nil then
        buckets = {}
        if hash_t[slot] > 0 then
          local fields = redis.call('HGETALL', KEYS[3 * slot])
          for i = 1, #fields, 2 do
            local index = tonumber(fields[i])
            if index ~= nil then buckets[#buckets + 1] = { index, tonumber(fields[i + 1]) } end
          end
        end
      end
      table.sort(buckets, function(a, b) return a[1] < b[1] end)
      local log, cutoff = KEYS[3 * slot - 2], int(now - w)
      local page, position, offset, next_bucket, freed = {}, 1, 0, 1, 0
      while true do
        if position > #page and offset >= 0 then
          page = redis.call('ZRANGEBYSCORE', log, '(' .. cutoff, '+inf', 'WITHSCORES', 'LIMIT', offset, 64)
          position = 1
          if #page == 0 then offset = -1 else offset = offset + 64 end
        end
        local entry_expiry = nil
        if position <= #page then entry_expiry = tonumber(page[position + 1]) + w end
        local bucket = buckets[next_bucket]
        local bucket_expiry = nil
        if bucket then bucket_expiry = (bucket[1] + 1) * width[slot] - 1 + w end
        local expiry, amount
        if entry_expiry and not (bucket_expiry and bucket_expiry < entry_expiry) then
          expiry, amount = entry_expiry, amount_of(page[position])
          position = position + 2
        elseif bucket_expiry then
          expiry, amount = bucket_expiry, bucket[2]
          next_bucket = next_bucket + 1
        else
          return w
        end
        freed = freed + amount
        if freed >= must_free then return math.max(0, expiry - now) end
      end
    end
    local wait = retry_after(request.slot, request.max, wanted)
    for slot = 1, slots do
      save_hash(slot, nil)
      if dirty[slot] then write_total(slot, nil) end
    end
    return { 0, now, index - 1, wait }
  end
end

-- Step 4: charge every request with a non-zero amount, all at `now`: a log member each, or one
-- increment of its key's current bucket.
local entry = 0
for _, request in ipairs(requests) do
  if request.amount > 0 then
    if not bucketed[request.slot] then
      local member = reservation .. ':' .. int(entry) .. ':' .. request.amount_text
      redis.call('ZADD', KEYS[3 * request.slot - 2], int(now), member)
    end
    entry = entry + 1
  end
end
for slot = 1, slots do
  local lifetime = window[slot] + margin
  if demand[slot] == 0 then
    save_hash(slot, nil)
    if dirty[slot] then write_total(slot, nil) end
  elseif bucketed[slot] then
    -- A bucket counts until its last millisecond's charge would expire: one width past the window.
    lifetime = lifetime + width[slot]
    local current, o = index_now[slot], hash_o[slot]
    local charge = { index_text[slot], int(amount_now[slot] + demand[slot]), 't', int(hash_t[slot] + demand[slot]) }
    local lower = o == nil or current < o
    if lower then o = current end
    if lower or scanned[slot] then
      charge[#charge + 1] = 'o'
      charge[#charge + 1] = int(o)
    end
    local expiry = hash_e[slot]
    local renew = expiry == nil or expiry < now + lifetime
    if renew then
      expiry = now + 2 * lifetime
      charge[#charge + 1] = 'e'
      charge[#charge + 1] = int(expiry)
    end
    save_hash(slot, charge)
    if renew then redis.call('PEXPIRE', KEYS[3 * slot], int(2 * lifetime)) end
    -- The total promises the hash is gone after `until`: never earlier than its expiry.
    local known = until_ms[slot]
    if known == nil or known < expiry then
      until_ms[slot] = expiry
      -- Twice the window plus margin outlasts both the hash and the log.
      if had_total[slot] then write_total(slot, int(2 * lifetime)) else write_total(slot, nil) end
    elseif dirty[slot] then
      write_total(slot, nil)
    end
  else
    save_hash(slot, nil)
    log_sum[slot] = log_sum[slot] + demand[slot]
    oldest[slot] = math.min(oldest[slot], now)
    write_total(slot, int(lifetime))
    redis.call('PEXPIRE', KEYS[3 * slot - 2], int(lifetime))
  end
end
return { 1, now }
";

/// Mirrors [`crate::algorithm::rollback`]: removes exactly the members one reservation added, and
/// takes its bucket charges back out once (a mark key says it was done), keeping the hash's `t`
/// the sum of its buckets and the total's `<oldest>` and `<until>` as they were.
///
/// KEYS: per entry `e` of the reservation (1-based, in `Reservation::entries` order), `KEYS[3e-2]`
/// its key's log, `KEYS[3e-1]` its total and `KEYS[3e]` its buckets; the last key is the rollback
/// mark. ARGV: reservation id, the mark's lifetime ms, buckets per window, then per entry: amount,
/// at ms, window ms, 1 if it was charged to buckets (else 0).
/// Returns how many members and buckets were given back (0 when repeated: idempotent).
pub(super) static ROLLBACK: LazyLock<LuaScript> = LazyLock::new(|| LuaScript::new(ROLLBACK_SOURCE));

const ROLLBACK_SOURCE: &str = r"
local function int(value) return string.format('%d', value) end
local per_window = tonumber(ARGV[3])
local removed = 0
local marked = nil
for e = 1, (#KEYS - 1) / 3 do
  local log, total, buckets = KEYS[3 * e - 2], KEYS[3 * e - 1], KEYS[3 * e]
  local at = 3 + (e - 1) * 4
  local amount = tonumber(ARGV[at + 1])
  if ARGV[at + 4] == '1' then
    if marked == nil then
      marked = redis.call('SET', KEYS[#KEYS], '1', 'NX', 'PX', ARGV[2]) ~= false
    end
    if marked then
      local window = tonumber(ARGV[at + 3])
      local field = int(math.floor(tonumber(ARGV[at + 2]) / math.max(1, math.ceil(window / per_window))))
      local got = redis.call('HMGET', buckets, field, 't')
      local current, sum = tonumber(got[1]), tonumber(got[2])
      if current then
        local taken = math.min(current, amount)
        local left = current - taken
        if left > 0 then
          if sum then
            redis.call('HSET', buckets, field, int(left), 't', int(math.max(0, sum - taken)))
          else
            redis.call('HSET', buckets, field, int(left))
          end
        else
          redis.call('HDEL', buckets, field)
          if sum then redis.call('HSET', buckets, 't', int(math.max(0, sum - taken))) end
        end
        removed = removed + 1
      end
    end
  else
    local member = ARGV[1] .. ':' .. int(e - 1) .. ':' .. ARGV[at + 1]
    if redis.call('ZREM', log, member) == 1 then
      removed = removed + 1
      if redis.call('EXISTS', log) == 0 then
        redis.call('DEL', total)
      else
        local stored = redis.call('GET', total)
        local sum_text, oldest_text, until_text = string.match(stored or '', '^(%d+):?([%d%-]*):?(%d*)$')
        if sum_text then
          local value = int(math.max(0, tonumber(sum_text) - amount))
          if oldest_text ~= '' then
            value = value .. ':' .. oldest_text
            if until_text ~= '' then value = value .. ':' .. until_text end
          end
          redis.call('SET', total, value, 'KEEPTTL')
        end
      end
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
