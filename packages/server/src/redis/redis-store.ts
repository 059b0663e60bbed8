/**
 * The Redis `StreamStore`: each stream's log is a Redis Stream whose entry ids are `0-SEQ`, the
 * contract's sequence number of the entry's last frame (the frames a call stores for a stream are
 * one entry: `log-entries.ts`). A new stream's info, first frame and lease
 * go in one script call (`createWithFirst`): a start waits for one round trip, not three; and
 * its last frame (`done`), its end and the lease's release go in one call too (`endsWithAppend`).
 * Appends are fenced by a script (`scripts.ts`): each entry names its writer, and a writer
 * may append only right after the log's last entry and, past its first append, only after
 * its own entry, so a takeover and a late old owner never interleave their text (a writer's
 * later call knows its entry is still the last by the log's entry count, and reads the entry
 * only when that changed; a later call of one frame just adds its entry, which Redis refuses
 * unless it numbers past the last: `FENCED_APPEND_MANY`). A stream's
 * appends go in as few script calls as can be: those of one event-loop turn together (with the
 * other streams' of that turn), and those queued while its previous call is on its way
 * together after it (`AppendBatches`).
 * Replay is `XRANGE` (none for a reader of a stream written here from a point its recently
 * stored frames cover, such as the start response's reader); live reading of a stream this
 * process writes is local (`LocalFanout`: each stored frame goes straight to this process's
 * readers), and of the others by their announcements on pub/sub (`LiveReader`: one
 * subscription connection per process, one `XRANGE` of one key per announced append), never
 * one connection per client. An entry with
 * the field `end` marks the end; at the end the keys get the retention TTL.
 * @module
 */
import { createClient, RESP_TYPES, type RedisClientType } from '@redis/client';
import type { StoreLease } from '../coordinator.ts';
import { StoreUnavailableError, WriterFencedError } from '../errors.ts';
import { newId } from '../ids.ts';
import type {
  Artifact,
  ArtifactStore,
  FirstFrame,
  LogEnd,
  LogReader,
  LogTail,
  LogWriter,
  StoreAdmission,
  StoredLog,
  StreamInfo,
  StreamStore,
} from '../store.ts';
import { type AppendBatch, AppendBatches, MAX_BATCH_FRAMES } from './append-batches.ts';
import { keys } from './keys.ts';
import { LiveReader } from './live-reader.ts';
import { LocalFanout } from './local-fanout.ts';
import { entriesAfter, entryArgs, type LogEntry, lastOf, type RawEntry } from './log-entries.ts';
import {
  CREATE,
  CREATE_ARGS,
  FENCED_APPEND,
  FENCED_APPEND_MANY,
  FENCED_END,
  loadScripts,
  PUT_ARTIFACT,
  runScript,
  SCRIPTS,
  type Script,
  scriptReply,
} from './scripts.ts';

/** A RESP2 client: raw replies of XRANGE are plain nested arrays. */
// biome-ignore lint/complexity/noBannedTypes: node-redis's own type parameters for "no modules"
export type RedisClient = RedisClientType<{}, {}, {}, 2, {}>;

/** How long a running stream's keys live without an end (a crashed writer's leftovers). */
const RUNNING_TTL_MS = 24 * 60 * 60 * 1000;
const RUNNING_TTL_ARG = String(RUNNING_TTL_MS);
const REPLAY_BATCH = 1000;

/**
 * An app's admission of a new stream, checked by the store's create script as it creates the
 * stream (`StoreAdmission`): its keys and arguments follow the create's, and `script` is
 * `createAdmitted(lua)`, made once (and loaded on each connection, as the app loads its own).
 */
export interface RedisAdmission extends StoreAdmission {
  readonly store: 'redis';
  readonly script: Script;
  readonly keys: string[];
  readonly args: string[];
  /** What a start refused by the admission rejects with, given the admit function's reply. */
  refusal(reply: unknown): Error;
}

export interface RedisStoreOptions {
  url: string;
  /** Called when the connection fails or recovers (for logs and metrics). */
  onStatus?: (status: 'ready' | 'error', error?: Error) => void;
}

export class RedisStreamStore implements StreamStore, ArtifactStore {
  readonly client: RedisClient;
  readonly #live: LiveReader;
  readonly #local = new LocalFanout();
  readonly #batches = new AppendBatches((batches) => this.#sendBatches(batches));
  readonly #onStatus: RedisStoreOptions['onStatus'];

  private constructor(client: RedisClient, live: LiveReader, onStatus: RedisStoreOptions['onStatus']) {
    this.client = client;
    this.#live = live;
    this.#onStatus = onStatus;
  }

  /** Connects (and fails fast when Redis is down at start). */
  static async connect(options: RedisStoreOptions): Promise<RedisStreamStore> {
    const client: RedisClient = createClient({
      url: options.url,
      RESP: 2,
      disableOfflineQueue: true,
      // node-redis gives each command a 5 s timeout by default: an `AbortSignal.timeout` (a
      // timer) and its listener per command, cleared once the command is written to the socket
      // (the next turn, unless the socket is backed up). It never bounds Redis's answer: a
      // written command waits for its reply or for the connection to fail, with it or without.
      commandOptions: { timeout: 0 },
      socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000) },
    });
    client.on('error', (error: Error) => options.onStatus?.('error', error));
    client.on('ready', () => {
      options.onStatus?.('ready');
      loadScripts(client, SCRIPTS).catch((error: Error) => options.onStatus?.('error', error));
    });
    await client.connect();
    const live = await LiveReader.start(client);
    return new RedisStreamStore(client, live, options.onStatus);
  }

  async create(info: StreamInfo): Promise<void> {
    const created = await this.#run(() =>
      this.client.set(keys.info(info.streamId), JSON.stringify(info), { NX: true, PX: RUNNING_TTL_MS }),
    );
    if (created !== 'OK') throw new Error(`stream ${info.streamId} exists`);
    this.#local.writing(info.streamId, 0);
  }

  /**
   * The stream, its first frame and its lease in one script call (`CREATE`): one round trip;
   * given a `RedisAdmission`, checked in the same call.
   */
  async createWithFirst(
    info: StreamInfo,
    first: FirstFrame,
    lease?: StoreLease,
    admission?: StoreAdmission,
  ): Promise<boolean> {
    const { streamId } = info;
    const admit = admission && redisAdmission(admission);
    const reply = await this.#create(info, first, lease, admit);
    if (reply === 'exists') throw new Error(`stream ${streamId} exists`);
    if (admit && typeof reply !== 'string') throw admit.refusal(reply);
    if (reply !== 'OK' && reply !== 'LEASED') throw new Error(`stream ${streamId}: ${String(reply)}`);
    this.#local.writing(streamId, 0);
    this.#local.stored(streamId, 1, [first.frame]);
    this.#local.counted(streamId, 1, first.writer.id);
    return reply === 'LEASED';
  }

  /**
   * Sends the `CREATE` call. Its keys and arguments are built here, not in `createWithFirst`: an
   * async function keeps its locals while it waits, and every start in flight would keep them.
   */
  #create(
    info: StreamInfo,
    first: FirstFrame,
    lease: StoreLease | undefined,
    admission: RedisAdmission | undefined,
  ): Promise<unknown> {
    const { streamId } = info;
    const scriptKeys = [keys.log(streamId), keys.info(streamId), keys.owner(streamId), keys.running];
    const args = [JSON.stringify(info), RUNNING_TTL_ARG, first.frame, first.writer.id];
    if (lease) args.push(lease.owner, String(lease.ms), String(Date.now() + lease.ms), streamId);
    if (!admission) return this.#script(CREATE, scriptKeys, args);
    while (args.length < CREATE_ARGS) args.push('');
    for (const key of admission.keys) scriptKeys.push(key);
    for (const arg of admission.args) args.push(arg);
    return this.#script(admission.script, scriptKeys, args);
  }

  /** The last frame (`end`) and the log's end go in one script call. */
  readonly endsWithAppend = true;

  append(streamId: string, seq: number, frame: string, writer?: LogWriter, end?: LogEnd): Promise<void> {
    // A first append of a stream created elsewhere: this process takes its writing over.
    if (writer?.first) this.#local.writing(streamId, seq - 1);
    return this.#batches.add(streamId, seq, frame, writer, end);
  }

  /**
   * Sends the batches of the streams ready at once (one batch each): a batch that ends its log
   * alone, the others together in calls of up to `MAX_BATCH_FRAMES` frames. One promise per batch.
   */
  #sendBatches(batches: readonly AppendBatch[]): Promise<void>[] {
    const sent = new Array<Promise<void>>(batches.length);
    let group: number[] = [];
    let frames = 0;
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      if (batch.end) {
        sent[i] = this.#appendBatch(batch);
        continue;
      }
      if (group.length > 0 && frames + batch.frames.length > MAX_BATCH_FRAMES) {
        this.#appendGroup(batches, group, sent);
        group = [];
        frames = 0;
      }
      group.push(i);
      frames += batch.frames.length;
    }
    if (group.length > 0) this.#appendGroup(batches, group, sent);
    return sent;
  }

  /**
   * Stores a batch of appends (and the end, when it ends the log) with one fencing script call,
   * then hands its frames to local readers. (No async frame: it would keep the call's keys and
   * arguments while the call is on its way.)
   */
  #appendBatch(batch: AppendBatch): Promise<void> {
    const { streamId, writer, firstSeq, frames, end } = batch;
    const by = writer ?? { id: newId(), first: true };
    const scriptKeys = end ? this.#endKeys(streamId, end.lease) : [keys.log(streamId)];
    const args = [String(firstSeq), by.id, by.first ? '1' : '0', RUNNING_TTL_ARG];
    args.push(end ? String(end.retentionMs) : '', end?.lease?.owner ?? '', streamId, ...entryArgs(frames));
    args.push(this.#knownEntries(streamId, firstSeq, by.id));
    return this.#whenStored(batch, this.#fenced(streamId, FENCED_APPEND, scriptKeys, args));
  }

  /**
   * Stores the batches at `group` (none ends its log) with one call, each fenced on its own (a
   * group of one too: the script checks the fence by the log's entry count, `FENCED_APPEND_MANY`).
   */
  #appendGroup(batches: readonly AppendBatch[], group: number[], sent: Promise<void>[]): void {
    const scriptKeys = new Array<string>(group.length);
    const args = [RUNNING_TTL_ARG];
    for (let k = 0; k < group.length; k++) {
      const { streamId, writer, firstSeq, frames } = batches[group[k]!]!;
      const by = writer ?? { id: newId(), first: true };
      scriptKeys[k] = keys.log(streamId);
      args.push(
        String(firstSeq),
        by.id,
        by.first ? '1' : '0',
        ...entryArgs(frames),
        this.#knownEntries(streamId, firstSeq, by.id),
      );
    }
    const replies = this.#script(FENCED_APPEND_MANY, scriptKeys, args) as Promise<unknown[]>;
    for (let k = 0; k < group.length; k++) {
      const batch = batches[group[k]!]!;
      const stored = replies.then((all) => {
        const reply = all[k];
        if (typeof reply !== 'number')
          throw new WriterFencedError(`stream ${batch.streamId}: ${String(reply)}`);
        this.#local.counted(batch.streamId, reply, batch.writer?.id ?? '');
      });
      sent[group[k]!] = this.#whenStored(batch, stored);
    }
  }

  /** The fencing scripts' `known` entry count: after `writer`'s previous call, if known here; else ''. */
  #knownEntries(streamId: string, firstSeq: number, writer: string): string {
    const entries = this.#local.entriesBefore(streamId, firstSeq, writer);
    return entries === undefined ? '' : String(entries);
  }

  /** Once `stored`, hands the batch's frames to local readers. */
  #whenStored(batch: AppendBatch, stored: Promise<void>): Promise<void> {
    return stored.then(
      () => this.#batchStored(batch),
      (error: unknown) => {
        this.stopWriting(batch.streamId);
        throw error;
      },
    );
  }

  #batchStored({ streamId, firstSeq, frames, end }: AppendBatch): void {
    this.#local.stored(streamId, firstSeq, frames);
    if (end) this.#local.ended(streamId);
  }

  /** The keys a script that ends the log touches: the stream's, and the lease's when it drops it. */
  #endKeys(streamId: string, lease: StoreLease | undefined): string[] {
    const scriptKeys = [keys.log(streamId), keys.info(streamId), keys.artifacts(streamId)];
    if (lease) scriptKeys.push(keys.owner(streamId), keys.running);
    return scriptKeys;
  }

  /** Ends the log, and drops `lease` with it, in one script call. */
  async end(streamId: string, retentionMs: number, writer?: LogWriter, lease?: StoreLease): Promise<void> {
    const by = writer ?? { id: newId(), first: true };
    const args = [by.id, by.first ? '1' : '0', String(retentionMs)];
    if (lease) args.push(lease.owner, streamId);
    try {
      await this.#fenced(streamId, FENCED_END, this.#endKeys(streamId, lease), args);
    } catch (error) {
      this.stopWriting(streamId);
      throw error;
    }
    this.#local.ended(streamId);
  }

  /** This process no longer writes `streamId` (abandoned, fenced, or Redis failed): its readers go to the `LiveReader`. */
  stopWriting(streamId: string): void {
    for (const follower of this.#local.lost(streamId)) {
      follower.moved(this.#live.follow(streamId, follower.lastSeq, follower.reader));
    }
  }

  async putArtifact(streamId: string, n: number, artifact: Artifact): Promise<void> {
    const scriptKeys = [keys.log(streamId), keys.info(streamId), keys.artifacts(streamId)];
    const tail = [String(n), artifact.type];
    const reply = await this.#script(
      PUT_ARTIFACT,
      scriptKeys,
      tail,
      Buffer.from(artifact.bytes.buffer, artifact.bytes.byteOffset, artifact.bytes.byteLength),
    );
    const refusal = scriptReply(reply);
    if (refusal) throw new Error(`stream ${streamId}: ${refusal}`);
  }

  async getArtifact(streamId: string, n: number): Promise<Artifact | undefined> {
    const binary = this.client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    const [bytes, type] = await this.#run(() =>
      binary.hmGet(keys.artifacts(streamId), [String(n), `${n}:type`]),
    );
    if (!bytes || !type) return undefined;
    return { type: type.toString(), bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  }

  /** Runs a fencing script; its refusal becomes a `WriterFencedError`. (No async frame: see `#script`.) */
  #fenced(streamId: string, script: Script, scriptKeys: string[], args: string[]): Promise<void> {
    return this.#script(script, scriptKeys, args).then((reply) => {
      const refusal = scriptReply(reply);
      if (refusal) throw new WriterFencedError(`stream ${streamId}: ${refusal}`);
    });
  }

  async info(streamId: string): Promise<StreamInfo | undefined> {
    const raw = await this.#run(() => this.client.get(keys.info(streamId)));
    return raw ? (JSON.parse(raw) as StreamInfo) : undefined;
  }

  async tail(streamId: string): Promise<LogTail | undefined> {
    const [info, top] = (await this.#run(() =>
      this.client
        .multi()
        .exists(keys.info(streamId))
        .addCommand(['XREVRANGE', keys.log(streamId), '+', '-', 'COUNT', '1'])
        .exec(),
    )) as unknown as [number, RawEntry[]];
    if (!info) return undefined;
    const last = top[0] && lastOf(top[0]);
    if (!last) return { lastSeq: 0, ended: false };
    return last.end ? { lastSeq: last.seq - 1, ended: true } : { lastSeq: last.seq, ended: false };
  }

  async read(streamId: string): Promise<StoredLog | undefined> {
    const info = await this.info(streamId);
    return info && { info, ...(await this.#readFrames(streamId)) };
  }

  /** Every frame of a stream and whether it has ended. */
  async #readFrames(streamId: string): Promise<{ frames: string[]; ended: boolean }> {
    const frames: string[] = [];
    let ended = false;
    for (let after = 0; ; ) {
      const { entries, more } = await this.#range(streamId, after);
      for (const entry of entries) {
        if (entry.end) ended = true;
        else frames.push(entry.frame);
      }
      if (!more || entries.length === 0) return { frames, ended };
      after = entries.at(-1)!.seq;
    }
  }

  follow(streamId: string, afterSeq: number, reader: LogReader): () => void {
    // A stream written here, from a point its recent frames cover (the start response's
    // reader): every frame after `afterSeq` comes from here, no replay from Redis is needed.
    const here = this.#local.follow(streamId, afterSeq, reader);
    return here ? () => here.stop() : this.#replayAndFollow(streamId, afterSeq, reader);
  }

  /**
   * Replays the log from Redis, then follows it here or by the `LiveReader`. (Its own method: the
   * closures of a replay, and their context, are not made for a reader that follows here.)
   */
  #replayAndFollow(streamId: string, afterSeq: number, reader: LogReader): () => void {
    let detached = false;
    let unfollow: (() => void) | undefined;
    const replay = async () => {
      let seq = afterSeq;
      for (;;) {
        const { entries, more } = await this.#range(streamId, seq);
        if (detached) return;
        const frames = entries.filter((e) => !e.end).map((e) => e.frame);
        if (frames.length > 0) reader.onFrames(frames, seq + frames.length);
        seq += frames.length;
        if (entries.some((e) => e.end)) return reader.onEnd();
        if (!more || frames.length === 0) break;
      }
      if (detached) return;
      const local = this.#local.follow(streamId, seq, reader);
      unfollow = local ? () => local.stop() : this.#live.follow(streamId, seq, reader);
    };
    replay().catch((error) => {
      if (!detached) reader.onError(error);
    });
    return () => {
      detached = true;
      unfollow?.();
    };
  }

  async close(): Promise<void> {
    await this.#live.close();
    this.client.destroy();
  }

  /** The frames after `afterSeq`, up to `REPLAY_BATCH` entries of them; `more`: there may be others. */
  async #range(streamId: string, afterSeq: number): Promise<{ entries: LogEntry[]; more: boolean }> {
    const raw = (await this.#run(() =>
      this.client.sendCommand([
        'XRANGE',
        keys.log(streamId),
        `(0-${afterSeq}`,
        '+',
        'COUNT',
        String(REPLAY_BATCH),
      ]),
    )) as unknown as RawEntry[];
    return { entries: entriesAfter(raw, afterSeq), more: raw.length === REPLAY_BATCH };
  }

  async #run<T>(command: () => Promise<T>): Promise<T> {
    if (!this.client.isReady) throw new StoreUnavailableError('the stream store (Redis) is unavailable');
    try {
      return await command();
    } catch (error) {
      throw this.#failure(error);
    }
  }

  /**
   * `#run` for a script, the store's commands of every start and append: no closure and no async
   * frame per call (what a command holds while it waits, every command in flight holds).
   */
  #script(script: Script, scriptKeys: string[], args: string[], binary?: Buffer): Promise<unknown> {
    if (!this.client.isReady)
      return Promise.reject(new StoreUnavailableError('the stream store (Redis) is unavailable'));
    return runScript(this.client, script, scriptKeys, args, binary).catch((error: unknown) => {
      throw this.#failure(error);
    });
  }

  /** What a failed command throws: `StoreUnavailableError` while Redis is away, else the error (reported). */
  #failure(error: unknown): unknown {
    if (!this.client.isReady)
      return new StoreUnavailableError('the stream store (Redis) is unavailable', { cause: error });
    this.#onStatus?.('error', error as Error);
    return error;
  }
}

/** The admission as this store's kind, else a `TypeError` (another store's admission). */
function redisAdmission(admission: StoreAdmission): RedisAdmission {
  if (admission.store !== 'redis')
    throw new TypeError(`the Redis store cannot check a '${admission.store}' admission`);
  return admission as RedisAdmission;
}
