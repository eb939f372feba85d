// Which backend holds the models, and switching it at run time (setStorageBackend). Resolvers and
// the content route use the manager exactly like a ModelStore (it has the same methods); it
// forwards to the store of the active backend.
//
// The choice persists:
//   - DATA_DIR/storage-backend.json on this machine;
//   - in every remote store that is configured: a settings gist (description `stockroom-settings`)
//     when GitHub is, `<prefix>/.stockroom/backend-choice.json` in the S3 bucket and the Azure
//     container when they are; so a redeploy that wipes DATA_DIR comes back on the backend the
//     user chose (the newest choice found), not on the STORAGE_BACKEND of the environment (which
//     could show a store the models have left);
//   - with several replicas (REDIS_URL), a switch is announced on the cluster bus and the others
//     follow without migrating (app.ts); a replica that was down meanwhile (it missed the message)
//     finds the newer choice in the S3 bucket / Azure container when it starts (the newest
//     recorded choice wins over its state file);
//   - STORAGE_BACKEND only decides the very first start (no recorded choice anywhere).
//
// A switch waits for changes in progress, refuses new ones (STORAGE_SWITCHING) until it is done,
// opens the target (so a bad token fails the switch before anything changes), migrates when
// asked (src/storage/migrate.ts), records the choice, and only then makes the target active.
import { access, constants, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AzureSettings, S3Settings, StorageBackendName } from '../config.js';
import { assertObjectStoreConfigured, BACKEND_KIND, createObjectStoreBackend, isObjectStoreKind, type ObjectStoreTuning } from './backends.js';
import { atomicWriteFile, ensureDir, isCode } from './fs-util.js';
import { GistBackend, GitHubClient, GitHubSettings, type BackendChoice, type GistBackendOptions, type GitHubClientOptions, type GitHubStatus } from './github.js';
import { LocalBackend } from './local.js';
import { migrateModels, type MigrationReport } from './migrate.js';
import { ModelStore, type StorageStatus } from './model-store.js';
import { isBackendKind, type BackendKind, type StorageBackend } from './types.js';
import type { ObjectStoreBackend } from './object-store.js';

declare module '../cluster/bus.js' {
  interface ClusterMessages {
    /** Models changed in a shared backend (S3, Azure): replicas on it re-read them. */
    'models-changed': { backend: BackendKind; ids: string[] };
  }
}

/** What resolvers and the content route use: the ModelStore's public operations. */
export type ModelStoreApi = Pick<
  ModelStore,
  'get' | 'list' | 'status' | 'save' | 'deploy' | 'undeploy' | 'rollback' | 'delete' | 'describeContent' | 'openContent' | 'readContent' | 'stagingDir'
>;

export interface StorageManagerOptions {
  dataDir: string;
  maxModelBytes: number;
  keepVersions: number;
  /** STORAGE_BACKEND: the backend of a first start. */
  initialBackend: StorageBackendName;
  github: {
    token: string | undefined;
    apiUrl: string;
    encryptionKey: Buffer | undefined;
    allowPlaintext: boolean;
    timeoutMs: number;
    maxRateLimitWaitMs: number;
    writeIntervalMs: number;
    chunkBytes: number;
  };
  /** The S3 and Azure Blob backends; null when not configured. */
  s3?: S3Settings | null;
  azure?: AzureSettings | null;
  /** Shared backends (S3, Azure): see ModelStoreOptions.indexRefreshMs. */
  indexRefreshMs?: number;
  /** Shared backends with several replicas: tell the others a model changed (the cluster bus). */
  announceChange?: (backend: BackendKind, id: string) => void;
  logger?: Logger;
  /** Tests and benchmarks: GitHub client timings, chunk size, orphan grace. */
  tuning?: { client?: Partial<GitHubClientOptions>; gist?: Partial<GistBackendOptions>; objectStore?: ObjectStoreTuning };
}

interface Active {
  kind: BackendKind;
  store: ModelStore;
  backend: StorageBackend;
}

const STATE_FILE = 'storage-backend.json';

export class StorageManager implements ModelStoreApi {
  readonly github: GitHubClient;
  private readonly settings: GitHubSettings | null;
  private active?: Promise<Active>;
  private switching = false;
  private changes = 0;
  private idle: Array<() => void> = [];

  constructor(private readonly options: StorageManagerOptions) {
    const g = options.github;
    this.github = new GitHubClient({
      token: g.token,
      apiUrl: g.apiUrl,
      timeoutMs: g.timeoutMs,
      maxRateLimitWaitMs: g.maxRateLimitWaitMs,
      writeSpacingMs: g.writeIntervalMs,
      logger: options.logger?.child({ component: 'github' }),
      ...options.tuning?.client,
    });
    this.settings = g.token ? new GitHubSettings(this.github) : null;
  }

  /** The active backend's kind (opens the store on first use). */
  async backendKind(): Promise<BackendKind> {
    return (await this.current()).kind;
  }

  // ---- the ModelStore operations, forwarded --------------------------------------------------

  get: ModelStoreApi['get'] = async (id) => (await this.current()).store.get(id);
  list: ModelStoreApi['list'] = async (filter) => (await this.current()).store.list(filter);
  status: ModelStoreApi['status'] = async () => (await this.current()).store.status();
  describeContent: ModelStoreApi['describeContent'] = async (id, version) => (await this.current()).store.describeContent(id, version);
  openContent: ModelStoreApi['openContent'] = async (id, version) => (await this.current()).store.openContent(id, version);
  readContent: ModelStoreApi['readContent'] = async (id, version, maxBytes) => (await this.current()).store.readContent(id, version, maxBytes);
  stagingDir: ModelStoreApi['stagingDir'] = async () => (await this.current()).store.stagingDir();
  save: ModelStoreApi['save'] = (input) => this.change((s) => s.save(input));
  deploy: ModelStoreApi['deploy'] = (id, version) => this.change((s) => s.deploy(id, version));
  undeploy: ModelStoreApi['undeploy'] = (id) => this.change((s) => s.undeploy(id));
  rollback: ModelStoreApi['rollback'] = (id, version) => this.change((s) => s.rollback(id, version));
  delete: ModelStoreApi['delete'] = (id) => this.change((s) => s.delete(id));

  private reachability?: { at: number; result: Promise<boolean> };

  /**
   * Whether the active backend can be used right now (readiness): the local disk is writable, or
   * GitHub answers. Remembered for 5 s so probes cost the backend nothing noticeable.
   */
  reachable(): Promise<boolean> {
    const now = Date.now();
    if (this.reachability && now - this.reachability.at < 5000) return this.reachability.result;
    const result = this.current().then(
      async ({ kind, backend }) => {
        if (kind === 'GITHUB') return this.github.reachable();
        if (isObjectStoreKind(kind)) return (backend as ObjectStoreBackend).reachable();
        await access(this.options.dataDir, constants.W_OK);
        return true;
      },
      () => false,
    ).catch(() => false);
    this.reachability = { at: now, result };
    return result;
  }

  /** storageStatus.github: never throws, never contains the token. */
  githubStatus(): Promise<GitHubStatus> {
    return this.github.status(this.options.github.encryptionKey !== undefined);
  }

  // ---- switching -----------------------------------------------------------------------------

  /**
   * Makes `target` the active backend, after copying every model to it when `migrate`. Fails
   * without changing anything when the target is not configured or not reachable.
   */
  private readonly switchListeners: Array<(backend: BackendKind) => void> = [];

  /** Called after each switch this replica was asked for (not those adopted from peers). */
  onSwitched(listener: (backend: BackendKind) => void): void {
    this.switchListeners.push(listener);
  }

  /**
   * `origin: 'peer'` adopts a switch another replica made (and migrated): no announcement, so
   * replicas never echo each other.
   */
  async setBackend(
    target: BackendKind,
    migrate: boolean,
    origin: 'local' | 'peer' = 'local',
  ): Promise<{ switched: boolean; migration?: MigrationReport }> {
    this.assertConfigured(target);
    if (this.switching) throw switchInProgress();
    let from: Active | undefined;
    try {
      from = await this.current();
    } catch (error) {
      // The active backend cannot open (GitHub down, token revoked): switching away without
      // copying must still be possible; copying needs the source.
      if (migrate) throw error;
      this.options.logger?.warn('the active storage backend cannot be opened; switching without it', { err: error });
    }
    if (this.switching) throw switchInProgress();
    this.switching = true;
    const logger = this.options.logger;
    try {
      if (from?.kind === target) {
        await this.persist({ backend: target, switchedAt: new Date().toISOString() }); // record an explicit choice
        return { switched: false };
      }
      await this.drain();
      logger?.info('switching the storage backend', { from: from?.kind ?? null, to: target, migrate });
      let migration: MigrationReport | undefined;
      if (migrate && from) {
        // Instances of their own, with a cache of their own (the active store keeps serving reads
        // from its cache meanwhile); read-backs must reach the target's storage, not a local copy.
        const scratch = { keepCache: false, cacheDir: join(this.options.dataDir, 'github', 'migrate-cache') };
        const source = this.createBackend(from.kind, scratch);
        const destination = this.createBackend(target, scratch);
        try {
          await source.open();
          await destination.open();
          migration = await migrateModels({ source, target: destination, tempDir: join(this.options.dataDir, 'migrate'), logger });
        } finally {
          await destination.close();
          await source.close();
          await rm(scratch.cacheDir, { recursive: true, force: true });
        }
        logger?.info('models migrated', { from: from.kind, to: target, ...migration });
      }
      // Another replica (or the migration above) may have written gists since the last listing.
      this.github.forgetListing();
      const next = this.createStore(target);
      try {
        await next.store.ready(); // for GitHub: checks the token and finds every model
        await this.persist({ backend: target, switchedAt: new Date().toISOString() });
      } catch (error) {
        await next.store.close().catch(() => {});
        throw error;
      }
      const previous = this.active;
      this.active = Promise.resolve(next);
      const old = await previous?.catch(() => undefined);
      if (old && old.store !== next.store) await old.store.close().catch(() => {});
      logger?.info('storage backend switched', { from: from?.kind ?? null, to: target, origin });
      if (origin === 'local') for (const listener of this.switchListeners) listener(target);
      return { switched: true, migration };
    } finally {
      this.switching = false;
    }
  }

  /** Another replica changed these models in `backend`: re-read them if it is the active one here. */
  async modelsChanged(backend: BackendKind, ids: readonly string[]): Promise<void> {
    const active = await this.active?.catch(() => undefined);
    if (active?.kind === backend) await active.store.reloadModels(ids);
  }

  /** Closes the active store; a later call opens it again. */
  async close(): Promise<void> {
    const active = await this.active?.catch(() => undefined);
    this.active = undefined;
    await active?.store.close();
  }

  // ---- internals -----------------------------------------------------------------------------

  private current(): Promise<Active> {
    this.active ??= this.start().catch((error: unknown) => {
      this.active = undefined; // try again on the next request (e.g. GitHub was down at start)
      throw error;
    });
    return this.active;
  }

  private async start(): Promise<Active> {
    const kind = await this.initialChoice();
    const active = this.createStore(kind);
    try {
      await active.store.ready();
    } catch (error) {
      await active.store.close().catch(() => {});
      throw error;
    }
    return active;
  }

  /**
   * The persisted choice, else STORAGE_BACKEND. Persisted: the local state file, or a newer one
   * recorded in the S3 bucket / Azure container (this replica missed a switch another replica
   * made while it was down); without a state file (DATA_DIR wiped), the newest in any configured
   * remote store (the settings gist included).
   */
  private async initialChoice(): Promise<BackendKind> {
    const env: BackendKind = BACKEND_KIND[this.options.initialBackend];
    const logger = this.options.logger;
    let choice = await this.readStateFile();
    let from = 'state file';
    // With a state file the settings gist is not read (listing gists is slow); object stores: one GET each.
    const found = await this.readRemoteChoices(choice !== null);
    if (found && (!choice || found.choice.switchedAt > choice.switchedAt)) {
      choice = found.choice;
      from = found.from;
      await this.writeStateFile(choice);
    }
    if (!choice) return env;
    if (choice.backend !== env) {
      logger?.info(`STORAGE_BACKEND=${this.options.initialBackend} is not used: the backend was switched to ${choice.backend} at ${choice.switchedAt} (${from}); use setStorageBackend to change it`);
    }
    return choice.backend;
  }

  /**
   * Records the choice everywhere it is looked for: each configured remote store, then the state
   * file. The target itself must take it (it is reachable: it was just opened); a store being
   * left that is down must not block the switch, so failing there is only a warning.
   */
  private async persist(choice: BackendChoice): Promise<void> {
    for (const [kind, write] of this.remoteChoiceStores()) {
      try {
        await write.write(choice);
      } catch (error) {
        if (choice.backend === kind) throw error;
        this.options.logger?.warn(
          `could not record the switch to ${choice.backend} in the ${kind} backend: if a redeploy wipes DATA_DIR the server may come back on the backend recorded there`,
          { err: error },
        );
      }
    }
    await this.writeStateFile(choice);
  }

  /** Where remote copies of the choice live: the settings gist, the S3 bucket, the Azure container (those configured). */
  private remoteChoiceStores(): Array<[BackendKind, { read(): Promise<BackendChoice | null>; write(choice: BackendChoice): Promise<void> }]> {
    const stores: Array<[BackendKind, { read(): Promise<BackendChoice | null>; write(choice: BackendChoice): Promise<void> }]> = [];
    if (this.settings) stores.push(['GITHUB', this.settings]);
    for (const kind of ['S3', 'AZURE'] as const) {
      if (!this.isConfigured(kind)) continue;
      stores.push([
        kind,
        {
          read: async () => {
            const backend = this.createObjectBackend(kind);
            try {
              const found = await backend.readChoice();
              return found && isBackendKind(found.backend) ? { backend: found.backend, switchedAt: found.switchedAt } : null;
            } finally {
              await backend.close();
            }
          },
          write: async (choice) => {
            const backend = this.createObjectBackend(kind);
            try {
              await backend.writeChoice(choice);
            } finally {
              await backend.close();
            }
          },
        },
      ]);
    }
    return stores;
  }

  /** The newest choice recorded in a configured remote store (only the S3 and Azure ones with `objectStoresOnly`), or null. */
  private async readRemoteChoices(objectStoresOnly = false): Promise<{ choice: BackendChoice; from: string } | null> {
    let newest: { choice: BackendChoice; from: string } | null = null;
    for (const [kind, store] of this.remoteChoiceStores()) {
      if (objectStoresOnly && !isObjectStoreKind(kind)) continue;
      try {
        const choice = await store.read();
        if (choice && (!newest || choice.switchedAt > newest.choice.switchedAt)) newest = { choice, from: `${kind} backend` };
      } catch (error) {
        this.options.logger?.warn(`could not read the backend choice from the ${kind} backend; using STORAGE_BACKEND unless another store has one`, {
          err: error,
        });
      }
    }
    return newest;
  }

  private async readStateFile(): Promise<BackendChoice | null> {
    try {
      const value = JSON.parse(await readFile(join(this.options.dataDir, STATE_FILE), 'utf8')) as Partial<BackendChoice>;
      if (isBackendKind(value.backend) && typeof value.switchedAt === 'string') {
        return { backend: value.backend, switchedAt: value.switchedAt };
      }
      this.options.logger?.warn(`${STATE_FILE} is not valid; ignoring it`);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) this.options.logger?.warn(`${STATE_FILE} is unreadable; ignoring it`, { err: error });
    }
    return null;
  }

  private async writeStateFile(choice: BackendChoice): Promise<void> {
    await ensureDir(this.options.dataDir);
    await atomicWriteFile(join(this.options.dataDir, STATE_FILE), `${JSON.stringify(choice, null, 2)}\n`);
  }

  private isConfigured(kind: BackendKind): boolean {
    try {
      this.assertConfigured(kind);
      return true;
    } catch {
      return false;
    }
  }

  /** GITHUB_TOKEN_MISSING / ENCRYPTION_KEY_MISSING / STORAGE_NOT_CONFIGURED before anything is touched. */
  private assertConfigured(kind: BackendKind): void {
    if (kind === 'LOCAL') return;
    if (isObjectStoreKind(kind)) return assertObjectStoreConfigured(kind, this.objectStores());
    const g = this.options.github;
    if (!g.token) {
      throw new AppError('GITHUB_TOKEN_MISSING', 'The GitHub backend is not configured: set GITHUB_TOKEN (a token with the "gist" scope).', { backend: kind });
    }
    if (!g.encryptionKey && !g.allowPlaintext) {
      throw new AppError(
        'ENCRYPTION_KEY_MISSING',
        'The GitHub backend needs STORAGE_ENCRYPTION_KEY (32 bytes, e.g. `openssl rand -base64 32`): secret gists are readable by anyone with their URL. Set GIST_ALLOW_PLAINTEXT=true to store models unencrypted.',
        { backend: kind },
      );
    }
  }

  private createStore(kind: BackendKind): Active {
    this.assertConfigured(kind);
    const { dataDir } = this.options;
    const backend = this.createBackend(kind);
    // A staging directory per backend: opening a store empties its own, and during a switch the
    // old store still serves.
    const staging = { LOCAL: join(dataDir, 'tmp'), GITHUB: join(dataDir, 'github', 'tmp'), S3: join(dataDir, 's3', 'tmp'), AZURE: join(dataDir, 'azure', 'tmp') };
    const store = new ModelStore(backend, {
      stagingDir: staging[kind],
      maxModelBytes: this.options.maxModelBytes,
      keepVersions: this.options.keepVersions,
      indexRefreshMs: this.options.indexRefreshMs,
      ...(this.options.announceChange && { onChanged: (id: string) => this.options.announceChange!(kind, id) }),
      logger: this.options.logger?.child({ component: 'models', backend: kind }),
    });
    return { kind, store, backend };
  }

  private objectStores() {
    return { s3: this.options.s3 ?? null, azure: this.options.azure ?? null };
  }

  private createObjectBackend(kind: 'S3' | 'AZURE'): ObjectStoreBackend {
    return createObjectStoreBackend(kind, this.objectStores(), this.options.tuning?.objectStore);
  }

  private createBackend(kind: BackendKind, extra: Partial<GistBackendOptions> = {}): StorageBackend {
    const { dataDir } = this.options;
    if (kind === 'LOCAL') return new LocalBackend({ dir: join(dataDir, 'models') });
    if (isObjectStoreKind(kind)) return this.createObjectBackend(kind);
    this.assertConfigured(kind);
    return new GistBackend({
      client: this.github,
      encryptionKey: this.options.github.encryptionKey ?? null,
      cacheDir: join(dataDir, 'github', 'cache'),
      chunkBytes: this.options.github.chunkBytes,
      logger: this.options.logger?.child({ component: 'gist-backend' }),
      ...this.options.tuning?.gist,
      ...extra,
    });
  }

  private async change<T>(fn: (store: ModelStore) => Promise<T>): Promise<T> {
    if (this.switching) throw switchInProgress();
    const { store } = await this.current();
    if (this.switching) throw switchInProgress();
    this.changes++;
    try {
      return await fn(store);
    } finally {
      if (--this.changes === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  private drain(): Promise<void> {
    if (this.changes === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}

function switchInProgress(): AppError {
  return new AppError('STORAGE_SWITCHING', 'The storage backend is being switched; retry when setStorageBackend has finished.', {}, 503);
}
