// The cluster bus: what one replica does that every replica must see.
//
// - Typed messages (`publish` / `on`). A handler runs on every replica, the publishing one
//   included (there synchronously, inside `publish`, before anything is sent).
// - `onResync`: called when this replica may have missed messages (its bus connection to Redis
//   came back after an outage, or was established late). Whoever keeps state derived from
//   messages rebuilds it there (e.g. the caches drop their local tier).
// - Shared values (`sharedValue`): one value for the whole deployment, readable synchronously on
//   every replica. The value lives in a Redis key (the source of truth); the message that it
//   changed is only a hint to re-read it, so a lost hint costs nothing but a delay until the
//   next resync.
//
// Without REDIS_URL the LocalBus keeps all of this inside the process, so features use one API
// whether or not they run replicated. With Redis, the RedisBus uses plain pub/sub on one channel
// (`<REDIS_PREFIX>bus`) over the link's dedicated subscriber connection.
//
// Adding a message type (another feature, e.g. the storage backend switch):
//
//   declare module '../cluster/bus.js' {
//     interface ClusterMessages { 'storage-backend-changed': { backend: 'LOCAL' | 'S3' } }
//   }
//   bus.on('storage-backend-changed', ({ backend }, { from, local }) => …);
//   await bus.publish('storage-backend-changed', { backend: 'S3' }); // rejects if Redis is down
//
// For a setting every replica must agree on, prefer a shared value:
//
//   const backend = bus.sharedValue('storageBackend', { initial: config.backend, parse: (v) => BackendSchema.parse(v) });
//   backend.get();            // synchronous, this replica's copy
//   await backend.set('S3');  // Redis first, then every replica; rejects (nothing changes) if Redis is down
//   backend.onChange((b) => …);
import type { Logger } from '../logger.js';
import type { RedisLink } from './redis-link.js';

/** Message types and their payloads; extend by declaration merging (see above). */
export interface ClusterMessages {
  /** clearCache: every replica drops its local tier of these caches. */
  'cache-cleared': { caches: string[] };
  /** A shared value changed: re-read it. */
  'shared-value-changed': { name: string };
}

export type MessageType = keyof ClusterMessages;

export interface MessageMeta {
  /** The publishing replica. */
  from: string;
  /** True on the publishing replica itself. */
  local: boolean;
}

export type MessageHandler<K extends MessageType> = (payload: ClusterMessages[K], meta: MessageMeta) => void;

export interface SharedValueOptions<T> {
  /** The value until one has been set (or read from Redis). */
  initial: T;
  /** Validates a value read from Redis or given to set(); throws when it is not a T. */
  parse: (raw: unknown) => T;
}

export interface SharedValue<T> {
  readonly name: string;
  /** This replica's copy: synchronous, no I/O. */
  get(): T;
  /** Sets the value for every replica. With Redis: rejects, and changes nothing, when Redis is down. */
  set(value: T): Promise<void>;
  /** Called on this replica whenever its copy changes (set here, or elsewhere). */
  onChange(listener: (value: T) => void): () => void;
}

export interface ClusterBus {
  readonly replicaId: string;
  /** True when messages reach other replicas (REDIS_URL set), whether or not Redis is up right now. */
  readonly distributed: boolean;
  /**
   * Runs the handlers of `type` here, then sends the message to the other replicas. Rejects when
   * it could not be sent (Redis down); the local handlers have run by then.
   */
  publish<K extends MessageType>(type: K, payload: ClusterMessages[K]): Promise<void>;
  on<K extends MessageType>(type: K, handler: MessageHandler<K>): () => void;
  /** Called when messages may have been missed (see the top of this file). */
  onResync(handler: () => void): () => void;
  /** The shared value `name` (one instance per name). */
  sharedValue<T>(name: string, options: SharedValueOptions<T>): SharedValue<T>;
  close(): Promise<void>;
}

type AnyHandler = (payload: unknown, meta: MessageMeta) => void;

abstract class BaseBus implements ClusterBus {
  abstract readonly distributed: boolean;
  protected readonly handlers = new Map<string, Set<AnyHandler>>();
  protected readonly resyncHandlers = new Set<() => void>();
  protected readonly values = new Map<string, LocalValue<unknown>>();

  constructor(
    readonly replicaId: string,
    protected readonly logger: Logger,
  ) {}

  abstract publish<K extends MessageType>(type: K, payload: ClusterMessages[K]): Promise<void>;
  abstract sharedValue<T>(name: string, options: SharedValueOptions<T>): SharedValue<T>;

  on<K extends MessageType>(type: K, handler: MessageHandler<K>): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler as AnyHandler);
    return () => set.delete(handler as AnyHandler);
  }

  onResync(handler: () => void): () => void {
    this.resyncHandlers.add(handler);
    return () => this.resyncHandlers.delete(handler);
  }

  protected deliver(type: string, payload: unknown, meta: MessageMeta): void {
    for (const handler of this.handlers.get(type) ?? []) {
      try {
        handler(payload, meta);
      } catch (error) {
        this.logger.error('cluster bus handler failed', { type, err: error });
      }
    }
  }

  protected runResync(): void {
    for (const handler of this.resyncHandlers) {
      try {
        handler();
      } catch (error) {
        this.logger.error('cluster bus resync handler failed', { err: error });
      }
    }
  }

  async close(): Promise<void> {}
}

/** A value with listeners; the buses decide where it comes from. */
class LocalValue<T> implements SharedValue<T> {
  private value: T;
  private readonly listeners = new Set<(value: T) => void>();

  constructor(
    readonly name: string,
    readonly options: SharedValueOptions<T>,
    private readonly store: (value: T) => Promise<void>,
    private readonly logger: Logger,
  ) {
    this.value = options.initial;
  }

  get(): T {
    return this.value;
  }

  async set(value: T): Promise<void> {
    const parsed = this.options.parse(value);
    await this.store(parsed);
    this.adopt(parsed);
  }

  /** Takes a value known to be the deployment's; notifies when it differs from ours. */
  adopt(value: T): void {
    if (JSON.stringify(value) === JSON.stringify(this.value)) return;
    this.value = value;
    for (const listener of this.listeners) {
      try {
        listener(value);
      } catch (error) {
        this.logger.error('shared value listener failed', { name: this.name, err: error });
      }
    }
  }

  onChange(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** One process: messages and values stay here. */
export class LocalBus extends BaseBus {
  readonly distributed = false;

  constructor(logger: Logger, replicaId = 'local') {
    super(replicaId, logger);
  }

  async publish<K extends MessageType>(type: K, payload: ClusterMessages[K]): Promise<void> {
    this.deliver(type, payload, { from: this.replicaId, local: true });
  }

  sharedValue<T>(name: string, options: SharedValueOptions<T>): SharedValue<T> {
    let value = this.values.get(name) as LocalValue<T> | undefined;
    if (!value) {
      value = new LocalValue(name, options, async () => {}, this.logger);
      this.values.set(name, value as LocalValue<unknown>);
    }
    return value;
  }
}

/** Shared values are kept this long after the last write or re-arm (every Redis key has a TTL). */
const VALUE_TTL_MS = 30 * 24 * 3600 * 1000;

/** Replicas over Redis pub/sub (see the top of this file). */
export class RedisBus extends BaseBus {
  readonly distributed = true;
  private readonly channel: string;
  private isSubscribed = false;
  private rearm: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
    logger: Logger,
  ) {
    super(link.replicaId, logger.child({ component: 'cluster-bus' }));
    this.channel = `${prefix}bus`;
    this.on('shared-value-changed', ({ name }, { local }) => {
      if (!local) void this.reload(name);
    });
    // Every (re)connection of the subscriber may follow missed messages. node-redis re-subscribes
    // before it reports 'ready', so from here on nothing more is missed.
    link.subscriber.on('ready', () => void this.subscriberReady());
    // Keep shared values alive while any replica runs (their keys have a TTL too).
    this.rearm = setInterval(() => {
      for (const name of this.values.keys()) void this.reload(name);
    }, VALUE_TTL_MS / 4);
    this.rearm.unref();
  }

  /** True once subscribed (node-redis keeps the subscription across reconnections). */
  get subscribed(): boolean {
    return this.isSubscribed && this.link.subscriber.isReady;
  }

  private async subscriberReady(): Promise<void> {
    if (!this.isSubscribed) {
      try {
        await this.link.subscriber.subscribe(this.channel, (message) => this.receive(message));
        this.isSubscribed = true;
      } catch (error) {
        // The connection dropped again; the next 'ready' retries.
        this.logger.warn('cluster bus could not subscribe', { err: (error as Error).message });
        return;
      }
    }
    if (this.closed) return;
    this.logger.info('cluster bus connected: resynchronising local state');
    this.runResync();
    for (const name of this.values.keys()) void this.reload(name);
  }

  private receive(raw: string): void {
    let message: { type?: unknown; from?: unknown; payload?: unknown };
    try {
      message = JSON.parse(raw);
    } catch {
      this.logger.warn('cluster bus: ignored a message that is not JSON');
      return;
    }
    if (typeof message?.type !== 'string' || typeof message.from !== 'string' || typeof message.payload !== 'object') {
      this.logger.warn('cluster bus: ignored a malformed message');
      return;
    }
    if (message.from === this.replicaId) return; // delivered locally when published
    this.deliver(message.type, message.payload, { from: message.from, local: false });
  }

  async publish<K extends MessageType>(type: K, payload: ClusterMessages[K]): Promise<void> {
    this.deliver(type, payload, { from: this.replicaId, local: true });
    const message = JSON.stringify({ v: 1, type, from: this.replicaId, payload });
    await this.link.call((client) => client.publish(this.channel, message));
  }

  private valueKey(name: string): string {
    return `${this.prefix}value:${name}`;
  }

  sharedValue<T>(name: string, options: SharedValueOptions<T>): SharedValue<T> {
    let value = this.values.get(name) as LocalValue<T> | undefined;
    if (!value) {
      value = new LocalValue(
        name,
        options,
        async (v) => {
          await this.link.call((c) => c.set(this.valueKey(name), JSON.stringify({ v }), { expiration: { type: 'PX', value: VALUE_TTL_MS } }));
          // The others re-read the key; if this hint is lost they catch up at their next resync.
          const message = JSON.stringify({ v: 1, type: 'shared-value-changed', from: this.replicaId, payload: { name } });
          await this.link.call((c) => c.publish(this.channel, message)).catch((error: Error) => {
            this.logger.warn('shared value stored but the change could not be announced', { name, err: error.message });
          });
        },
        this.logger,
      );
      this.values.set(name, value as LocalValue<unknown>);
      if (this.isSubscribed) void this.reload(name);
    }
    return value;
  }

  /** Re-reads a shared value from Redis (re-arming its TTL); keeps ours when Redis is down. */
  private async reload(name: string): Promise<void> {
    const value = this.values.get(name);
    if (!value || this.closed) return;
    const key = this.valueKey(name);
    try {
      const raw = await this.link.call((c) => c.getEx(key, { type: 'PX', value: VALUE_TTL_MS }));
      if (raw === null) {
        // Never set, or expired: what this replica has becomes the deployment's (unless another
        // replica writes first).
        await this.link.call((c) => c.set(key, JSON.stringify({ v: value.get() }), { expiration: { type: 'PX', value: VALUE_TTL_MS }, condition: 'NX' }));
        return;
      }
      value.adopt(value.options.parse((JSON.parse(String(raw)) as { v: unknown }).v));
    } catch (error) {
      this.logger.debug('shared value not re-read', { name, err: (error as Error).message });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.rearm);
  }
}
