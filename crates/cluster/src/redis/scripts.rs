//! Every Lua script Toolgate runs in Redis, and how they are called: EVALSHA, one round trip. After
//! a `SCRIPT FLUSH` or a restart Redis answers NOSCRIPT, and the call is repeated once as EVAL (which
//! also caches the script again), so that rare call takes two round trips and is counted.
//!
//! Numbers: Redis Lua numbers are doubles, exact for integers up to 2^53. The Rust side clamps every
//! window, max and amount to that ([`lua_int`]); larger values mean "practically unlimited" anyway.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use ::redis::aio::ConnectionLike;
use ::redis::{ErrorKind, FromRedisValue, RedisError, ServerErrorKind, ToRedisArgs};

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
pub(super) async fn eval<T: FromRedisValue, K: ToRedisArgs, A: ToRedisArgs>(
    connection: &mut (impl ConnectionLike + Send),
    script: &LuaScript,
    keys: &[K],
    args: &[A],
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

/// What the reserve script reads from `ARGV[1]`: a MessagePack array of the reservation id, the
/// expiry margin, the tuning, then `[slot (1-based), window ms, max, amount]` per request, every
/// number clamped as [`lua_int`] clamps it.
pub(super) fn reserve_arguments(
    reservation: &str,
    margin_ms: u64,
    tuning: &crate::algorithm::Tuning,
    requests: &[crate::algorithm::SlotRequest],
) -> Vec<u8> {
    let mut packed = Vec::with_capacity(48 + requests.len() * 24);
    let length = u32::try_from(5 + requests.len() * 4).unwrap_or(u32::MAX);
    // Writing into a Vec cannot fail.
    rmp::encode::write_array_len(&mut packed, length).expect("vec write");
    rmp::encode::write_str(&mut packed, reservation).expect("vec write");
    let numbers = [
        margin_ms,
        tuning.bucketed_above_max,
        tuning.buckets_per_window,
        tuning.prune_batch.max(1) as u64,
    ];
    let per_request = requests.iter().flat_map(|request| {
        [
            request.slot as u64 + 1,
            request.window_ms,
            request.max,
            request.amount,
        ]
    });
    for number in numbers.into_iter().chain(per_request) {
        rmp::encode::write_uint(&mut packed, number.min(LUA_EXACT_MAX)).expect("vec write");
    }
    packed
}

/// Mirrors [`crate::algorithm::reserve`] step by step, at the Redis `TIME`.
///
/// KEYS: per distinct counter key of the call (slot `s`, 1-based, in first-appearance order as
/// [`crate::algorithm::Plan`] numbers them), `KEYS[2s-1]` its log and `KEYS[2s]` its state hash.
/// `ARGV[1]`: one MessagePack array ([`reserve_arguments`]) of the reservation id (32 hex digits),
/// expiry margin ms, the [`crate::algorithm::Tuning`] (bucketed above max, buckets per window,
/// prune batch), then per request in request order: slot, window ms, max, amount. (One
/// `cmsgpack.unpack` costs Redis a fraction of what parsing a dozen decimal arguments does.)
///
/// A log member is `<reservation>:<entry>:<amount>`, scored by its `at_ms`; `<entry>` numbers the
/// call's charged entries (requests with a non-zero amount) from 0, like `Reservation::entries`.
///
/// The state hash holds everything else of the counter, so that one HMGET reads it all:
/// - `n` the log's sum (expired members not yet pruned included) and `f` a lower bound of its
///   oldest score (`-` when the log is empty), so a call that finds nothing can have expired skips
///   the range query;
/// - a field per sub-window bucket, the bucket index (`at_ms / width`) with its amount, plus `t` the
///   sum of every bucket field and `o` a lower bound of their indices. While bucket `o` still counts
///   every bucket does (expiry grows with the index), so a call scans the buckets (HGETALL, HDEL of
///   the expired) only once `o` has expired (at most once per bucket width) or `t` is missing;
///   exactly [`crate::algorithm::WindowLog`]'s front-of-queue prune and running `bucket_used`;
/// - `e` the hash's expiry (ms). Every write that can create the hash writes `n`, `f`, `t` and `e`
///   and sets the TTL to match, so a hash without any of them does not exist. A charge renews the
///   TTL, to twice its lifetime (window + margin, plus one bucket width for a bucket charge: a
///   bucket counts one width past the window), only once less than one lifetime is left; the log's
///   TTL is set to one lifetime at each log charge, so the hash outlives the log it sums.
///
/// A hash lost while its log lives (eviction) is recounted from the log (at most `max` live
/// members, as only limits up to `bucketed above max` use the log).
///
/// A charge is one HSET of the hash (its bucket, or `n` and `f`, and `t`, `o`, `e` when they change)
/// and, for a log charge, a ZADD and a PEXPIRE of the log. In the steady state a bucketed limit costs
/// Redis one HMGET and one HSET.
///
/// Work per call is bounded: at most `prune batch` members (plus the rest of the last score) are
/// pruned per key, at most one bucket scan (its fields are the live buckets, ~60).
///
/// Returns `{1, now_ms}` when admitted, `{0, now_ms, index, retry_after_ms}` when the request at
/// 0-based `index` had no room.
pub(super) static RESERVE: LazyLock<LuaScript> = LazyLock::new(|| LuaScript::new(RESERVE_SOURCE));

const RESERVE_SOURCE: &str = r"
local function int(value) return string.format('%d', value) end
local function amount_of(member) return tonumber(string.match(member, ':(%d+)$')) end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local args = cmsgpack.unpack(ARGV[1])
local reservation, margin, bucketed_above, per_window, batch = args[1], args[2], args[3], args[4], args[5]
local slots = #KEYS / 2
-- One record per key (fields a constructor sizes once; nil until known).
local state = {}
for slot = 1, slots do
  state[slot] = { window = 0, demand = 0, bucketed = false, log_sum = 0, oldest = nil, live = nil,
                  width = 1, exists = false, dirty = false, used = 0, scanned = nil,
                  index_now = nil, index_text = nil, amount_now = 0, hash_t = 0, hash_o = nil,
                  hash_e = nil }
end
-- Request `i` (1-based) is args[5 + 4i - 3 .. 5 + 4i]: slot, window ms, max, amount.
local request_count = (#args - 5) / 4
for i = 1, request_count do
  local at = 4 * i + 1
  local key = state[args[at + 1]]
  key.window = args[at + 2]
  -- Step 2 (done early, it changes nothing): what this call adds to each key, and how it counts it.
  key.demand = key.demand + args[at + 4]
  if args[at + 3] > bucketed_above then key.bucketed = true end
end

-- Step 1, per key: its state in one HMGET, a bounded prune of the log's expired members, then the
-- buckets (scanned only when the oldest has expired).
for slot = 1, slots do
  local key = state[slot]
  local log, hash = KEYS[2 * slot - 1], KEYS[2 * slot]
  local w = key.window
  local cutoff = now - w
  local bucket_width = math.ceil(w / per_window)
  if bucket_width < 1 then bucket_width = 1 end
  key.width = bucket_width
  local got
  if key.bucketed then
    local current = (now - now % bucket_width) / bucket_width
    local current_text = int(current)
    key.index_now, key.index_text = current, current_text
    got = redis.call('HMGET', hash, 'n', 'f', 't', 'o', 'e', current_text)
    key.amount_now = tonumber(got[6]) or 0
  else
    got = redis.call('HMGET', hash, 'n', 'f', 't', 'o', 'e')
  end
  local n, t, o, e = tonumber(got[1]), tonumber(got[3]), tonumber(got[4]), tonumber(got[5])
  local exists = (got[1] or got[3] or got[4] or got[5]) and true or false
  local sum, first = 0, nil
  if n ~= nil then
    sum = n
    if got[2] == '-' then first = math.huge else first = tonumber(got[2]) end
  elseif redis.call('EXISTS', log) == 1 then
    -- The hash was lost (eviction): the log's sum is recounted.
    for _, member in ipairs(redis.call('ZRANGE', log, 0, -1)) do sum = sum + amount_of(member) end
    key.dirty = true
  else
    first = math.huge
    if exists then key.dirty = true end
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
      sum = sum - freed
      if sum < 0 then sum = 0 end
    end
    if backlog == 0 then
      local head = redis.call('ZRANGE', log, 0, 0, 'WITHSCORES')
      if #head == 0 then sum = 0; first = math.huge else first = tonumber(head[2]) end
    end
    key.dirty = true
  end
  key.log_sum, key.oldest, key.exists = sum, first, exists
  -- Each expired member still in the log counts out as 1 (WindowLog::live_used).
  local used = sum - backlog
  if used < 0 then used = 0 end

  if not exists then
    t, o = 0, nil
  elseif t == nil or (o ~= nil and (o + 1) * bucket_width - 1 + w <= now) then
    -- A bucket counts until the charge of its last millisecond would expire: drop the others.
    t, o = 0, nil
    local fields = redis.call('HGETALL', hash)
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
    key.live = list
    key.scanned = stale
  end
  key.hash_t, key.hash_o, key.hash_e = t, o, e
  key.used = used + t
end

-- Writes what changed of a key's hash with one HSET (a scan's expired buckets with one HDEL):
-- `charge` holds a bucket charge's fields (or is empty), `key.dirty` says the log's sum or oldest
-- changed, `lifetime` (ms, given for a charge) renews the expiry once less than that is left.
local function save(slot, key, charge, lifetime)
  local hash = KEYS[2 * slot]
  local fields = charge
  local bucket_charged = #charge > 0
  local stale = key.scanned
  if stale then
    if key.hash_o == nil and not bucket_charged then stale[#stale + 1] = 'o' end
    if #stale > 0 then redis.call('HDEL', hash, unpack(stale)) end
    if not bucket_charged then
      fields[#fields + 1] = 't'
      fields[#fields + 1] = int(key.hash_t)
      if key.hash_o ~= nil then
        fields[#fields + 1] = 'o'
        fields[#fields + 1] = int(key.hash_o)
      end
    end
  end
  local ttl = nil
  if lifetime then
    local expiry = key.hash_e
    if expiry == nil or expiry < now + lifetime then
      ttl = 2 * lifetime
      fields[#fields + 1] = 'e'
      fields[#fields + 1] = int(now + ttl)
    end
  elseif not key.exists then
    -- No charge and no hash: nothing to keep, unless a log lost its hash; that one gets the
    -- log's remaining lifetime.
    if not key.dirty or key.oldest == math.huge then return end
    ttl = redis.call('PTTL', KEYS[2 * slot - 1])
    if ttl <= 0 then return end
    fields[#fields + 1] = 'e'
    fields[#fields + 1] = int(now + ttl)
  end
  if key.dirty or not key.exists then
    local first = '-'
    if key.oldest ~= math.huge then first = int(key.oldest) end
    fields[#fields + 1] = 'n'
    fields[#fields + 1] = int(key.log_sum)
    fields[#fields + 1] = 'f'
    fields[#fields + 1] = first
  end
  if not key.exists and not bucket_charged then
    fields[#fields + 1] = 't'
    fields[#fields + 1] = '0'
  end
  if #fields > 0 then redis.call('HSET', hash, unpack(fields)) end
  if ttl then redis.call('PEXPIRE', hash, int(ttl)) end
end

-- Step 3: check every limit in request order before charging any; a key with no demand is not checked.
for index = 1, request_count do
  local at = 4 * index + 1
  local slot, max = args[at + 1], args[at + 3]
  local key = state[slot]
  local wanted = key.demand
  if wanted > 0 and key.used + wanted > max then
    -- The shortest wait until enough live members and buckets expire (algorithm::retry_after_ms),
    -- defined here as only a refusal needs it (a closure costs every call that defines it).
    local function retry_after(slot, max, wanted)
      local key = state[slot]
      local w = key.window
      if wanted > max then return w end
      local must_free = key.used + wanted - max
      local buckets = key.live
      if buckets == nil then
        buckets = {}
        if key.hash_t > 0 then
          local fields = redis.call('HGETALL', KEYS[2 * slot])
          for i = 1, #fields, 2 do
            local index = tonumber(fields[i])
            if index ~= nil then buckets[#buckets + 1] = { index, tonumber(fields[i + 1]) } end
          end
        end
      end
      table.sort(buckets, function(a, b) return a[1] < b[1] end)
      local log, cutoff = KEYS[2 * slot - 1], int(now - w)
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
        if bucket then bucket_expiry = (bucket[1] + 1) * key.width - 1 + w end
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
    local wait = retry_after(slot, max, wanted)
    for slot = 1, slots do save(slot, state[slot], {}, nil) end
    return { 0, now, index - 1, wait }
  end
end

-- Step 4: charge every request with a non-zero amount, all at `now`: a log member each, or one
-- increment of its key's current bucket.
local entry = 0
for i = 1, request_count do
  local at = 4 * i + 1
  local slot, amount = args[at + 1], args[at + 4]
  if amount > 0 then
    if not state[slot].bucketed then
      local member = reservation .. ':' .. int(entry) .. ':' .. int(amount)
      redis.call('ZADD', KEYS[2 * slot - 1], int(now), member)
    end
    entry = entry + 1
  end
end
for slot = 1, slots do
  local key = state[slot]
  local lifetime = key.window + margin
  if key.demand == 0 then
    save(slot, key, {}, nil)
  elseif key.bucketed then
    local current, o = key.index_now, key.hash_o
    local charge = { key.index_text, int(key.amount_now + key.demand), 't', int(key.hash_t + key.demand) }
    local lower = o == nil or current < o
    if lower then o = current end
    if lower or key.scanned then
      charge[5] = 'o'
      charge[6] = int(o)
    end
    save(slot, key, charge, lifetime + key.width)
  else
    key.log_sum = key.log_sum + key.demand
    if now < key.oldest then key.oldest = now end
    key.dirty = true
    save(slot, key, {}, lifetime)
    redis.call('PEXPIRE', KEYS[2 * slot - 1], int(lifetime))
  end
end
return { 1, now }
";

/// Mirrors [`crate::algorithm::rollback`]: removes exactly the members one reservation added, and
/// takes its bucket charges back out once (a mark key says it was done), keeping the hash's `t`
/// the sum of its buckets and `n` the log's sum.
///
/// KEYS: per entry `e` of the reservation (1-based, in `Reservation::entries` order), `KEYS[2e-1]`
/// its key's log and `KEYS[2e]` its state hash; the last key is the rollback mark. ARGV:
/// reservation id, the mark's lifetime ms, buckets per window, then per entry: amount, at ms,
/// window ms, 1 if it was charged to buckets (else 0).
/// Returns how many members and buckets were given back (0 when repeated: idempotent).
pub(super) static ROLLBACK: LazyLock<LuaScript> = LazyLock::new(|| LuaScript::new(ROLLBACK_SOURCE));

const ROLLBACK_SOURCE: &str = r"
local function int(value) return string.format('%d', value) end
local per_window = tonumber(ARGV[3])
local removed = 0
local marked = nil
for e = 1, (#KEYS - 1) / 2 do
  local log, hash = KEYS[2 * e - 1], KEYS[2 * e]
  local at = 3 + (e - 1) * 4
  local amount = tonumber(ARGV[at + 1])
  if ARGV[at + 4] == '1' then
    if marked == nil then
      marked = redis.call('SET', KEYS[#KEYS], '1', 'NX', 'PX', ARGV[2]) ~= false
    end
    if marked then
      local window = tonumber(ARGV[at + 3])
      local field = int(math.floor(tonumber(ARGV[at + 2]) / math.max(1, math.ceil(window / per_window))))
      local got = redis.call('HMGET', hash, field, 't')
      local current, sum = tonumber(got[1]), tonumber(got[2])
      if current then
        local taken = math.min(current, amount)
        local left = current - taken
        if left > 0 then
          if sum then
            redis.call('HSET', hash, field, int(left), 't', int(math.max(0, sum - taken)))
          else
            redis.call('HSET', hash, field, int(left))
          end
        else
          redis.call('HDEL', hash, field)
          if sum then redis.call('HSET', hash, 't', int(math.max(0, sum - taken))) end
        end
        removed = removed + 1
      end
    end
  else
    local member = ARGV[1] .. ':' .. int(e - 1) .. ':' .. ARGV[at + 1]
    if redis.call('ZREM', log, member) == 1 then
      removed = removed + 1
      -- Only a hash that exists is written (HSET keeps its TTL); a lost one is recounted later.
      local sum = tonumber(redis.call('HGET', hash, 'n'))
      if sum then
        if redis.call('EXISTS', log) == 0 then
          redis.call('HSET', hash, 'n', '0', 'f', '-')
        else
          redis.call('HSET', hash, 'n', int(math.max(0, sum - amount)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algorithm::{SlotRequest, Tuning};

    #[test]
    fn reserve_arguments_are_one_array_in_the_scripts_order() {
        let tuning = Tuning {
            bucketed_above_max: 10_000,
            buckets_per_window: 60,
            prune_batch: 0,
        };
        let requests = [
            SlotRequest {
                slot: 0,
                window_ms: 60_000,
                max: 5,
                amount: 1,
            },
            SlotRequest {
                slot: 1,
                window_ms: 3_600_000,
                max: u64::MAX,
                amount: 0,
            },
        ];
        let id = "0123456789abcdef0123456789abcdef";
        let packed = reserve_arguments(id, 1_000, &tuning, &requests);
        let mut reader = packed.as_slice();
        assert_eq!(rmp::decode::read_array_len(&mut reader).expect("array"), 13);
        let mut text = [0u8; 64];
        assert_eq!(rmp::decode::read_str(&mut reader, &mut text).expect("str"), id);
        let numbers: Vec<u64> = (0..12)
            .map(|_| rmp::decode::read_int(&mut reader).expect("uint"))
            .collect();
        // The prune batch is at least 1, and a max beyond what a Lua number holds is clamped.
        assert_eq!(
            numbers,
            [
                1_000,
                10_000,
                60,
                1,
                1,
                60_000,
                5,
                1,
                2,
                3_600_000,
                LUA_EXACT_MAX,
                0
            ]
        );
        assert!(reader.is_empty(), "nothing after the array");
    }
}
