/**
 * The Lua scripts that fence a Redis log's writers. Each entry carries its writer's id in the
 * field `w`; a script appends sequence number N only when the last entry is N-1 and (this is
 * the writer's first call, or the last entry is its own). Run atomically by Redis, so two
 * writers of one stream (a takeover racing the old owner's pipelined appends) can never
 * interleave: whoever writes first after the common point keeps the log.
 * The frames of one call for one stream are one entry (the layout is `log-entries.ts`).
 * @module
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-store.ts';

export interface Script {
  source: string;
  sha: string;
}

export function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * `tail(log)`: the sequence number of the log's last entry, its writer and whether it is the
 * end; `fence(...)`: why a writer may not append after it (false: it may); `refused_at(log, seq,
 * by, first, known)`: why writer `by` may not store frame `seq` on (false: it may), and the
 * log's entry count when it read it: by that count alone when it is the `known` one the
 * writer's previous call left (see `FENCED_APPEND_MANY`), else by the last entry; `announce(log, seq)`:
 * the last entry on the stream's live channel (keys.ts: the log 'tw:{ID}:log', the channel
 * 'tw:{ID}:live'); `store(...)`: frames `seq` to `seq + n - 1` by `by` as one entry
 * (`log-entries.ts`: one frame as it is, several joined, with their lengths).
 */
const LOG_TAIL = `local function tail(log)
  local top = redis.call('XREVRANGE', log, '+', '-', 'COUNT', 1)
  local last, writer, ended = 0, false, false
  if #top > 0 then
    local id = top[1][1]
    last = tonumber(string.sub(id, string.find(id, '-', 1, true) + 1))
    local fields = top[1][2]
    for i = 1, #fields, 2 do
      if fields[i] == 'w' then writer = fields[i + 1] end
      if fields[i] == 'end' then ended = true end
    end
  end
  return last, writer, ended
end
local function fence(writer, ended, first, by)
  if ended then return 'the log has ended' end
  if first ~= '1' and writer and writer ~= by then return 'another writer continues this stream' end
  return false
end
local function refused_at(log, seq, by, first, known)
  local count
  if first ~= '1' and known ~= '' then
    count = redis.call('XLEN', log)
    if count == tonumber(known) then return false, count end
  end
  local last, writer, ended = tail(log)
  if last ~= seq - 1 then return 'expected seq ' .. (last + 1) .. ', got ' .. seq, count end
  return fence(writer, ended, first, by), count
end
local function announce(log, seq)
  redis.call('PUBLISH', string.sub(log, 1, -4) .. 'live', seq)
end
local function store(log, seq, n, by, lengths, frames)
  if n == 1 then
    redis.call('XADD', log, '0-' .. seq, 'f', frames, 'w', by)
  else
    redis.call('XADD', log, '0-' .. (seq + n - 1), 'p', frames, 'l', lengths, 'w', by)
  end
end
`;

/** Sets `last`, `writer` and `ended` of the log KEYS[1]; `refused(first, by)` fences it. */
const LAST_ENTRY = `${LOG_TAIL}local last, writer, ended = tail(KEYS[1])
local function refused(first, by)
  return fence(writer, ended, first, by)
end
`;

/**
 * Drops the lease of a stream while `by` still holds it, and takes the stream off the sorted
 * set of running streams. The coordinator's release, and part of ending a log.
 */
export const RELEASE_LEASE = `local function release(owner, running, by, streamId)
  if redis.call('GET', owner) == by then redis.call('DEL', owner) end
  redis.call('ZREM', running, streamId)
end
`;

/**
 * Ends the log KEYS[1] at sequence number `at` by writer `by`: an `end` entry, the retention on
 * the stream's keys (KEYS 1-3: log, info, artifacts), and given its `owner`, the lease dropped
 * (KEYS 4-5: owner, running).
 */
const END_LOG = `local function end_log(at, by, retention, owner, streamId)
  redis.call('XADD', KEYS[1], '0-' .. at, 'end', '1', 'w', by)
  for k = 1, 3 do redis.call('PEXPIRE', KEYS[k], retention) end
  if owner and owner ~= '' then release(KEYS[4], KEYS[5], owner, streamId) end
end
`;

/**
 * KEYS: log, then for a batch that ends the log: info, artifacts, and for the lease: owner,
 * running. ARGV: first seq, writer id, first ('1'/'0'), running TTL (ms), retention (ms) when
 * the batch ends the log (else ''), the lease's owner (else ''), stream id, then the number of
 * frames, their lengths and the frames (`log-entries.ts`), numbered from the first seq on, and
 * the log's entry count after the writer's previous call ('' when unknown: see
 * `FENCED_APPEND_MANY`). The fence is checked once, before anything is stored: a call stores the
 * frames (one entry naming its writer), and the end after them when it ends the log, or
 * nothing; it announces the last entry on the stream's live channel. Returns 'OK' or why not.
 */
export const FENCED_APPEND = script(`${LOG_TAIL}${RELEASE_LEASE}${END_LOG}
local seq, n = tonumber(ARGV[1]), tonumber(ARGV[8])
local why = refused_at(KEYS[1], seq, ARGV[2], ARGV[3], ARGV[11])
if why then return why end
local newest = seq + n - 1
store(KEYS[1], seq, n, ARGV[2], ARGV[9], ARGV[10])
if seq == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
if ARGV[5] ~= '' then
  newest = newest + 1
  end_log(newest, ARGV[2], ARGV[5], ARGV[6], ARGV[7])
end
announce(KEYS[1], newest)
return 'OK'`);

/**
 * `FENCED_APPEND` for several streams in one call (none of them ending its log): what a process
 * sends for the streams ready at once. KEYS: each stream's log. ARGV: running TTL (ms), then for
 * each stream: first seq, writer id, first ('1'/'0'), the number of frames, their lengths, the
 * frames, and the log's entry count after the writer's previous call ('' when unknown). Each
 * stream is fenced, stored and announced as `FENCED_APPEND` does, on its own: one reply per
 * stream, the log's entry count once stored, or why not.
 * A log with as many entries as the writer's previous call left is as that call left it (entries
 * are never removed one by one; an expired log has none), so its last entry is that call's, the
 * writer's own, and the fence passes without reading it: `XREVRANGE` copied the entry's frames
 * into Lua, which with their parsing was half the Redis time of an append of one frame (1,000
 * paced answers: redis-server's CPU 27% less, measured). Any other writer's entry,
 * by any version of this script, changes the count, and the entry is read and checked.
 * A batch of one frame (most of them) keeps its sequence number as the string it came as: its
 * entry id, its announcement and the check of the first frame use it as it is, where a Lua
 * number would be parsed and formatted again (`%.17g`) for each (measured: a stream-append's
 * script time 27% less in a micro-benchmark of one-frame batches, 4.0 vs 5.5 µs; redis-server's
 * CPU over 1,000 paced answers about 5% less, 3 alternating pairs).
 * A writer's later batch of one frame needs not even the count (`continue_own`): Redis itself
 * refuses an entry id not above the log's last (`XADD`), and any other writer's entry, or the
 * end, since the writer's previous call is numbered at or past this frame; `NOMKSTREAM` refuses
 * a log that is gone (expired). A refused frame is checked in full as above, for the reason (and
 * stored, on a Redis before 6.2, which refuses `NOMKSTREAM` itself: slower there, not wrong). (Not
 * for several frames: their entry's id is their last frame's, above an entry another writer
 * may have stored at the first. Measured, 1,000 paced answers, 3 alternating pairs:
 * redis-server's CPU 2.03 / 2.06 / 2.08 → 1.86 / 1.91 / 1.94 ms per answer; `EVALSHA`'s time
 * 1.79 / 2.14 / 1.85 → 1.58 / 1.61 / 1.71 ms.)
 */
export const FENCED_APPEND_MANY = script(`${LOG_TAIL}
local function fenced_store(log, seq, by, first, n, lengths, frames, known, ttl)
  local why, count = refused_at(log, seq, by, first, known)
  if why then return why end
  local newest = seq
  if n == '1' then
    store(log, seq, 1, by, '', frames)
  else
    newest = seq + n - 1
    store(log, tonumber(seq), tonumber(n), by, lengths, frames)
  end
  if seq == '1' then redis.call('PEXPIRE', log, ttl) end
  announce(log, newest)
  return count and count + 1 or redis.call('XLEN', log)
end
local function continue_own(log, seq, by, frame, known, ttl)
  if type(redis.pcall('XADD', log, 'NOMKSTREAM', '0-' .. seq, 'f', frame, 'w', by)) == 'string' then
    announce(log, seq)
    return known + 1
  end
  -- Refused (another writer's entry, the end, no log), or a Redis without NOMKSTREAM: in full.
  return fenced_store(log, seq, by, '0', '1', '', frame, '', ttl)
end
local replies = {}
local at = 2
for k = 1, #KEYS do
  local log, seq, by, first, n = KEYS[k], ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  local frames, known = ARGV[at + 5], ARGV[at + 6]
  if n == '1' and first ~= '1' and known ~= '' then
    replies[k] = continue_own(log, seq, by, frames, known, ARGV[1])
  else
    replies[k] = fenced_store(log, seq, by, first, n, ARGV[at + 4], frames, known, ARGV[1])
  end
  at = at + 7
end
return replies`);

/**
 * Takes the lease of a stream if nobody holds it (`SET NX`) and lists it in the sorted set of
 * running streams by its expiry: 1 when taken, else 0. The coordinator's claim, and part of
 * `CREATE` (a new stream's lease taken as it is created).
 */
export const CLAIM_LEASE = `local function claim(owner, running, by, ms, expiry, streamId)
  if not redis.call('SET', owner, by, 'NX', 'PX', ms) then return 0 end
  redis.call('ZADD', running, expiry, streamId)
  return 1
end
`;

/** Refuses ('exists') a stream whose info or log (KEYS 1-2) is still there. */
const REFUSE_EXISTING = `if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return 'exists' end
`;

/** Stores a new stream's info and frame 1, and takes its lease when given (the rest of `CREATE`). */
const CREATE_STREAM = `redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('XADD', KEYS[1], '0-1', 'f', ARGV[3], 'w', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', string.sub(KEYS[1], 1, -4) .. 'live', 1)
if ARGV[5] and ARGV[5] ~= '' and claim(KEYS[3], KEYS[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]) == 1 then return 'LEASED' end
return 'OK'`;

/**
 * Creates a stream with its first frame, and its lease when given, at once. KEYS: log, info,
 * owner, running. ARGV: info JSON, running TTL (ms), first frame, its writer id, then for the
 * lease: owner, lease ms, expiry (ms since epoch), stream id. Refuses ('exists') a stream whose
 * info or log is still there, storing nothing; else stores the info and frame 1 (naming its
 * writer, as `FENCED_APPEND` does), announces it, and answers 'LEASED' when it took the lease,
 * 'OK' when there was none to take (or another holds it).
 */
export const CREATE = script(`${CLAIM_LEASE}${REFUSE_EXISTING}${CREATE_STREAM}`);

/** `CREATE`'s arguments (the lease's empty when there is none): an admission's follow them. */
export const CREATE_ARGS = 8;
/** `CREATE`'s keys: an admission's follow them. */
export const CREATE_KEYS = 4;

/**
 * `CREATE` with an admission checked in between (`RedisAdmission`): `admit_lua` defines
 * `local function admit(keys, args)`, given the keys and arguments after `CREATE`'s, which
 * answers false to admit the stream or its refusal (any reply but a status: the script returns
 * it as it is, having stored nothing). A stream that exists is refused before it is admitted
 * (a repeated start counts against nothing).
 */
export function createAdmitted(admitLua: string): Script {
  return script(`${admitLua}
${CLAIM_LEASE}${REFUSE_EXISTING}local admission_keys, admission_args = {}, {}
for i = ${CREATE_KEYS + 1}, #KEYS do admission_keys[#admission_keys + 1] = KEYS[i] end
for i = ${CREATE_ARGS + 1}, #ARGV do admission_args[#admission_args + 1] = ARGV[i] end
local refused = admit(admission_keys, admission_args)
if refused then return refused end
${CREATE_STREAM}`);
}

/**
 * KEYS: log, info, artifacts, then for the lease: owner, running. ARGV: writer id, first
 * ('1'/'0'), retention (ms), then for the lease: owner, stream id. Returns 'OK' (the log ends,
 * or had ended; the lease is dropped) or why not (the lease is kept).
 */
export const FENCED_END = script(`${LAST_ENTRY}${RELEASE_LEASE}${END_LOG}
if ended then
  if ARGV[4] then release(KEYS[4], KEYS[5], ARGV[4], ARGV[5]) end
  return 'OK'
end
local why = refused(ARGV[2], ARGV[1])
if why then return why end
end_log(last + 1, ARGV[1], ARGV[3], ARGV[4], ARGV[5])
announce(KEYS[1], last + 1)
return 'OK'`);

/**
 * KEYS: log, info, artifacts. ARGV: n, media type, bytes. Stores artifact n of a running stream
 * with the expiry of its info key (the end script gives both the retention). Returns 'OK' or why not.
 */
export const PUT_ARTIFACT = script(`${LAST_ENTRY}
local ttl = redis.call('PTTL', KEYS[2])
if ttl < 0 then return 'the stream is unknown' end
if ended then return 'the stream has ended' end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 'artifact ' .. ARGV[1] .. ' exists' end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3], ARGV[1] .. ':type', ARGV[2])
redis.call('PEXPIRE', KEYS[3], ttl)
return 'OK'`);

/** Every script the store runs, loaded on each connection before anything else is sent. */
export const SCRIPTS: readonly Script[] = [
  CREATE,
  FENCED_APPEND,
  FENCED_APPEND_MANY,
  FENCED_END,
  PUT_ARTIFACT,
];

/**
 * Loads `scripts` (`SCRIPT LOAD`); called as a connection becomes ready, so it goes before any
 * command on it. (Else the first `EVALSHA`s after a Redis restart meet NOSCRIPT and are sent
 * again as `EVAL`, with the script's body, a round trip later: each of a burst of them, and
 * appends pipelined behind them overtake them and are refused.)
 */
export function loadScripts(client: RedisClient, scripts: readonly Script[]): Promise<unknown> {
  return Promise.all(scripts.map((script) => client.sendCommand(['SCRIPT', 'LOAD', script.source])));
}

/** A script's refusal, or undefined when it did its work. */
export function scriptReply(reply: unknown): string | undefined {
  return reply === 'OK' ? undefined : String(reply);
}

/**
 * `EVALSHA`, or `EVAL` when Redis does not know the script (its script cache was flushed). Not
 * an async function, and the command is one array of its final length: a start waits for two
 * of these, and what a call holds while it waits (an async function's frame, an array grown
 * push by push) is kept by every start in flight, which a busy process promotes to its old
 * generation.
 */
export function runScript(
  client: RedisClient,
  script: Script,
  scriptKeys: string[],
  args: string[],
  binary?: Buffer,
): Promise<unknown> {
  const command = new Array<string | Buffer>(3 + scriptKeys.length + args.length + (binary ? 1 : 0));
  command[0] = 'EVALSHA';
  command[1] = script.sha;
  command[2] = String(scriptKeys.length);
  let at = 3;
  for (const key of scriptKeys) command[at++] = key;
  for (const arg of args) command[at++] = arg;
  if (binary) command[at] = binary;
  return client.sendCommand(command).catch((error: Error) => {
    if (!String(error.message).startsWith('NOSCRIPT')) throw error;
    command[0] = 'EVAL';
    command[1] = script.source;
    return client.sendCommand(command);
  });
}
