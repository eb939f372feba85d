// The connection to Redis that every shared feature goes through (shared cache tier, cluster bus,
// NewsAPI quota). Its one rule: a request never waits on Redis for long, and nothing crashes
// when Redis is gone.
//
// - `call()` puts a deadline on every command (node-redis 6's own `commandOptions.timeout` only
//   covers the wait before a command is written to the socket, not the wait for its reply: with
//   a hung server a plain command waits forever; verified against redis-server 7.0).
// - Commands are refused at once, never queued, while the client is not connected
//   (`disableOfflineQueue`), and while the circuit breaker is open: after `breakerThreshold`
//   consecutive failures nothing is sent for `breakerCooldownMs`; then one call may probe again,
//   and a background PING probes too, so the state recovers without traffic.
// - A PING every second plus a socket timeout detect a server that stopped answering; the client
//   then reconnects by itself with capped backoff.
// - A second connection (`subscriber`, the cluster bus's) carries pub/sub only.
import { hostname } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import type { Logger } from '../logger.js';

export type RedisClient = ReturnType<typeof createClient>;

export class RedisUnavailableError extends Error {
  constructor(message = 'Redis is unavailable') {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

export class RedisTimeoutError extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
    this.name = 'RedisTimeoutError';
  }
}

export interface RedisLinkOptions {
  url: string;
  /** Deadline of each call on a request's path (ms). */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  logger: Logger;
  /** Consecutive failed calls that open the breaker. */
  breakerThreshold?: number;
  /** How long an open breaker refuses calls before one may probe again (ms). */
  breakerCooldownMs?: number;
}

export interface RedisLinkStatus {
  up: boolean;
  /** When `up` last changed (or the link was created). */
  since: Date;
  /** The last failure seen (no secrets: connection errors name host and port only). */
  lastError: string | null;
}

export interface LuaScript {
  source: string;
  sha: string;
}

export const luaScript = (source: string): LuaScript => ({ source, sha: createHash('sha1').update(source).digest('hex') });

/** EVALSHA, and EVAL when the server does not know the script yet (first use, or after a restart). */
export async function runScript(client: RedisClient, script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await client.sendCommand(['EVALSHA', script.sha, ...tail]);
  } catch (error) {
    if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
    return client.sendCommand(['EVAL', script.source, ...tail]);
  }
}

/** Unique per process: names this replica in messages, leases and `CLIENT LIST`. */
export function newReplicaId(): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '').slice(0, 40) || 'host';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export class RedisLink {
  readonly client: RedisClient;
  readonly subscriber: RedisClient;
  readonly counters = { calls: 0, failures: 0, timeouts: 0, refused: 0 };
  private consecutiveFailures = 0;
  private openUntil = 0;
  private up = false;
  private since = new Date();
  private lastError: string | null = null;
  private closed = false;
  private probe: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(up: boolean) => void>();
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly log: Logger;

  constructor(
    private readonly options: RedisLinkOptions,
    readonly replicaId: string = newReplicaId(),
  ) {
    this.threshold = options.breakerThreshold ?? 3;
    this.cooldownMs = options.breakerCooldownMs ?? 1000;
    this.log = options.logger.child({ component: 'redis' });
    this.client = createClient({
      url: options.url,
      name: `stockroom:${replicaId}`,
      disableOfflineQueue: true,
      // Drops a command still waiting to be written when its deadline passes (see call()).
      commandOptions: { timeout: options.commandTimeoutMs },
      pingInterval: 1000,
      // Redis OSS 7.0 does not know the Enterprise maintenance handshake: skip a wasted round trip.
      maintNotifications: 'disabled',
      socket: {
        connectTimeout: options.connectTimeoutMs,
        socketTimeout: Math.max(3000, 3 * options.commandTimeoutMs),
        reconnectStrategy: (retries) => Math.min(50 * 2 ** Math.min(retries, 10), 2000) + Math.floor(Math.random() * 100),
      },
    });
    this.subscriber = this.client.duplicate({ name: `stockroom:${replicaId}:bus` });
    for (const [role, client] of [['commands', this.client], ['bus', this.subscriber]] as const) {
      // Without an 'error' listener node-redis throws, and the process dies: every failure here is
      // expected while Redis is away, so it is noted (debug) and reflected in the state.
      client.on('error', (error: Error) => {
        this.lastError = `${role}: ${error.message}`;
        this.log.debug('redis connection error', { role, err: error.message });
        this.refresh();
      });
      for (const event of ['ready', 'end', 'reconnecting']) client.on(event, () => this.refresh());
    }
  }

  /** Connects both connections in the background; retries forever until close(). Never throws. */
  start(): void {
    for (const client of [this.client, this.subscriber]) {
      client.connect().catch((error: Error) => {
        if (!this.closed) this.log.warn('redis connect gave up', { err: error.message });
      });
    }
    setTimeout(() => {
      if (!this.up && !this.closed) {
        this.log.warn('redis not reachable at start: serving from the local cache tier and upstreams until it is', {
          lastError: this.lastError,
        });
      }
    }, this.options.connectTimeoutMs + 500).unref();
  }

  /** May a call be attempted now? Synchronous and free: the hot path asks this. */
  get available(): boolean {
    return this.client.isReady && (this.consecutiveFailures < this.threshold || Date.now() >= this.openUntil);
  }

  status(): RedisLinkStatus {
    return { up: this.up, since: this.since, lastError: this.lastError };
  }

  /** Called with the new state on every up/down change. */
  onChange(listener: (up: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs one Redis operation under a deadline. Throws RedisUnavailableError without touching the
   * network when the link is down or the breaker is open, RedisTimeoutError past the deadline.
   */
  async call<T>(operation: (client: RedisClient) => Promise<T>, timeoutMs = this.options.commandTimeoutMs): Promise<T> {
    if (!this.available) {
      this.counters.refused++;
      throw new RedisUnavailableError();
    }
    return this.attempt(operation, timeoutMs);
  }

  private async attempt<T>(operation: (client: RedisClient) => Promise<T>, timeoutMs: number): Promise<T> {
    this.counters.calls++;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisTimeoutError(timeoutMs)), timeoutMs);
    });
    try {
      const result = await Promise.race([operation(this.client), deadline]);
      this.succeeded();
      return result;
    } catch (error) {
      this.failed(error as Error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private succeeded(): void {
    if (this.consecutiveFailures === 0) return;
    this.consecutiveFailures = 0;
    this.refresh();
  }

  private failed(error: Error): void {
    this.counters.failures++;
    if (error instanceof RedisTimeoutError) this.counters.timeouts++;
    this.lastError = error.message;
    this.consecutiveFailures++;
    if (this.consecutiveFailures >= this.threshold) {
      this.openUntil = Date.now() + this.cooldownMs;
      this.startProbing();
    }
    this.refresh();
  }

  /** While the breaker is open, PING in the background so the link closes it by itself. */
  private startProbing(): void {
    if (this.probe || this.closed) return;
    this.probe = setInterval(() => {
      if (this.consecutiveFailures < this.threshold) {
        clearInterval(this.probe);
        this.probe = undefined;
        return;
      }
      if (this.client.isReady && Date.now() >= this.openUntil) {
        this.attempt((c) => c.ping(), this.options.commandTimeoutMs).catch(() => {});
      }
    }, this.cooldownMs);
    this.probe.unref();
  }

  private refresh(): void {
    const up = !this.closed && this.client.isReady && this.subscriber.isReady && this.consecutiveFailures < this.threshold;
    if (up === this.up) return;
    this.up = up;
    this.since = new Date();
    if (up) this.log.info('redis reachable: shared cache tier on');
    else if (!this.closed) {
      this.log.warn('redis unreachable: serving from the local cache tier and upstreams until it is back', {
        lastError: this.lastError,
      });
    }
    for (const listener of this.listeners) {
      try {
        listener(up);
      } catch (error) {
        this.log.error('redis state listener failed', { err: error });
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.probe);
    const quit = Promise.allSettled([this.client, this.subscriber].map((c) => (c.isOpen ? c.close() : Promise.resolve())));
    const gaveUp = await Promise.race([quit.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 1000).unref())]);
    if (gaveUp) for (const c of [this.client, this.subscriber]) if (c.isOpen) c.destroy();
    this.refresh();
  }
}
