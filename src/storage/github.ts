// GitHub Gist backend: models that survive redeploys on hosts whose disk is wiped, with nothing but
// a token with the `gist` scope. Built on the hard facts of the Gist API (docs/github-backend.md,
// ../shared/upstreams/github-gist.md): files are text, inline content is cut at ~1 MB, raw_url
// serves ≤ 10 MB, a "secret" gist is readable by anyone with its URL, and listing is the only search.
//
// Layout: one secret gist per model, description `stockroom-model:<id>` (the marker recovery scans
// for), with these files:
//   README.md                 what this gist is (created with the gist; keeps it non-empty)
//   stockroom-manifest.json   the manifest, sealed (AES-256-GCM); its presence means "committed"
//   chunk.b64                 the upload slot: every chunk of every version is written here in turn,
//                             one PATCH (one gist commit) per chunk of ≤ 8 MiB of base64; the
//                             commit keeps it, and its content-addressed raw_url (git blob sha)
//                             stays valid after the slot is overwritten
//   v<N>.blob                 a small marker per stored version: "version N's blob exists". Added by
//                             the PATCH of the version's last chunk, removed by deleteBlob
// A version's BlobLocator lists the raw_urls of its chunks; loads fetch them from the raw host
// without the Authorization header, check them and keep a copy under DATA_DIR (the cache). So the
// gist's file tree stays small (PATCH answers carry ≤ 1 MB of inline content per file) however
// many versions are kept, and every version's bytes live in the gist's commit history. GitHub keeps
// that history until the gist is deleted: dropped versions and failed uploads leave sealed
// ciphertext there, referenced by nothing, and deleteModel (DELETE gist) removes all of it.
//
// The commit point is the PATCH of stockroom-manifest.json: one request, one commit, atomic.
// Recovery on an empty disk: list every gist of the token's account (100 a page, every page), keep
// those with the marker and a manifest, read each manifest through its raw_url.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { DecryptionError, keyId, seal, SEAL_OVERHEAD, unseal } from './crypto.js';
import { isCode } from './fs-util.js';
import {
  assertModelId,
  BlobMissingError,
  isBackendKind,
  isModelId,
  parseManifest,
  type BackendKind,
  type BlobLocator,
  type ModelManifest,
  type StagedBlob,
  type StorageBackend,
} from './types.js';

export const DRIVER_NAME = 'github';
export const MODEL_MARKER = 'stockroom-model:';
export const SETTINGS_MARKER = 'stockroom-settings';
export const MANIFEST_FILE = 'stockroom-manifest.json';
export const CHUNK_FILE = 'chunk.b64';
export const README_FILE = 'README.md';
const SETTINGS_FILE = 'stockroom-settings.json';
const MARKER_FILE = /^v([1-9][0-9]*)\.blob$/;
const markerFile = (version: number) => `v${version}.blob`;

/**
 * Bytes of model data per chunk: sealed (+29 bytes) and base64-encoded it is at most 8 MiB of text,
 * under the raw host's 10 MB ceiling and small enough to upload within GitHub's 10 s request budget
 * on an ordinary link.
 */
export const DEFAULT_CHUNK_BYTES = 6 * 1024 * 1024 - 64;
/** Largest blob (stored bytes of one version) the backend accepts: ~180 chunk commits. */
export const DEFAULT_MAX_BLOB_BYTES = 1024 * 1024 * 1024;
const USER_AGENT = 'stockroom-gist-backend/1';

export type Encryption = 'aes-256-gcm' | 'none';

// ---------------------------------------------------------------------------------------------
// The API client: Octokit with the official retry and throttling plugins, errors as AppErrors.

const GistOctokit = Octokit.plugin(retry, throttling);
type GistOctokitInstance = InstanceType<typeof GistOctokit>;

export interface GitHubClientOptions {
  /** GITHUB_TOKEN. Undefined: every call fails with GITHUB_TOKEN_MISSING (status still answers). */
  token: string | undefined;
  /** GITHUB_API_URL, e.g. https://api.github.com. */
  apiUrl: string;
  /** Per HTTP request, API and raw downloads. Default 120 s. */
  timeoutMs?: number;
  /** Longest rate-limit wait honoured before failing with GITHUB_RATE_LIMITED. Default 60 s. */
  maxRateLimitWaitMs?: number;
  /** Minimum spacing of write requests, per token. GitHub asks for 1 s (the default); tests lower it. */
  writeSpacingMs?: number;
  /** Backoff base of retries ((n+1)² × base: 5xx, 409, network errors, the 404 right after a create). Default 1000. */
  retryBaseMs?: number;
  logger?: Logger;
}

export interface GistFile {
  rawUrl: string;
  size: number;
}

export interface GistSnapshot {
  id: string;
  description: string | null;
  public: boolean;
  /** ms since the epoch. */
  updatedAt: number;
  files: Map<string, GistFile>;
}

export interface GitHubIdentity {
  login: string;
  /** From x-oauth-scopes; null when GitHub sends none (fine-grained tokens): unknown, not missing. */
  scopes: string[] | null;
}

export interface GitHubStatus {
  tokenConfigured: boolean;
  /** null: could not be checked (GitHub unreachable). */
  tokenValid: boolean | null;
  login: string | null;
  scopes: string[] | null;
  rateLimitRemaining: number | null;
  rateLimitResetAt: Date | null;
  encrypted: boolean;
}

/** Internal: the gist is not there (404 outside the brief window after a create). */
class GistNotFound extends Error {
  constructor(readonly gistId: string) {
    super(`Gist ${gistId} not found`);
  }
}

interface HttpErrorLike {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

function isHttpError(error: unknown): error is HttpErrorLike {
  return error instanceof Error && typeof (error as { status?: unknown }).status === 'number';
}

const writeGroups = new Map<number, Bottleneck.Group>();
/** One write limiter per spacing for the whole process (the plugin's default group is process-wide too). */
function writeGroup(spacingMs: number): Bottleneck.Group {
  let group = writeGroups.get(spacingMs);
  if (!group) {
    group = new Bottleneck.Group({ id: `stockroom-write-${spacingMs}`, maxConcurrent: 1, minTime: spacingMs });
    writeGroups.set(spacingMs, group);
  }
  return group;
}

export class GitHubClient {
  readonly tokenConfigured: boolean;
  private readonly octokit: GistOctokitInstance;
  private readonly timeoutMs: number;
  private readonly maxRateLimitWaitMs: number;
  private readonly retryBaseMs: number;
  private readonly logger?: Logger;
  /** Gists this client created, with when: 404s on them are GitHub's replication lag for a while. */
  private readonly created = new Map<string, number>();
  private identity?: { at: number; value: Promise<GitHubIdentity> };
  /** The last full listing, reusable for a few seconds while this client wrote nothing (a start lists once, not twice). */
  private listing?: { at: number; writes: number; value: Promise<GistSnapshot[]> };
  private writes = 0;
  /** From the last API answer's x-ratelimit-* headers. */
  private rate: { remaining: number; resetAt: Date } | null = null;

  constructor(private readonly options: GitHubClientOptions) {
    this.tokenConfigured = !!options.token;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 60_000;
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.logger = options.logger;
    const timeoutMs = this.timeoutMs;
    const logger = options.logger;
    this.octokit = new GistOctokit({
      auth: options.token,
      baseUrl: options.apiUrl,
      userAgent: USER_AGENT,
      // Only the message of Octokit's own log lines, never their extra arguments (request options
      // carry the Authorization header). Request lines go to debug; we report errors ourselves.
      log: {
        debug: () => {},
        info: (message: string) => logger?.debug(`github: ${message}`),
        warn: (message: string) => logger?.warn(`github: ${message}`),
        error: (message: string) => logger?.debug(`github: ${message}`),
      },
      request: {
        // A fresh timeout per attempt (retries re-send the same options).
        fetch: (url: string | URL, init?: RequestInit) =>
          fetch(url, { ...init, signal: anySignal(init?.signal, AbortSignal.timeout(timeoutMs)) }),
      },
      // Leave 429 to the throttling plugin, which honours retry-after; 409, 5xx and network errors
      // (status 500) are retried with backoff; 401/403/404/422 never.
      retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451], retries: 3, retryAfterBaseValue: this.retryBaseMs },
      throttle: {
        id: `stockroom-${createHash('sha256').update(options.token ?? '').digest('hex').slice(0, 12)}`,
        write: writeGroup(options.writeSpacingMs ?? 1000),
        onRateLimit: (retryAfter, request, _octokit, retryCount) => this.shouldWait('primary', retryAfter, request, retryCount),
        onSecondaryRateLimit: (retryAfter, request, _octokit, retryCount) => this.shouldWait('secondary', retryAfter, request, retryCount),
      },
    });
    this.octokit.hook.after('request', (response) => this.noteRate(response.headers as Record<string, unknown>));
    this.octokit.hook.error('request', (error) => {
      this.noteRate((error as HttpErrorLike).response?.headers as Record<string, unknown> | undefined);
      throw error;
    });
  }

  /** The token's login and scopes (GET /user), cached for a minute. */
  whoami(): Promise<GitHubIdentity> {
    const now = Date.now();
    if (this.identity && now - this.identity.at < 60_000) return this.identity.value;
    const value = this.call('check the token', async (o) => {
      const response = await o.rest.users.getAuthenticated();
      const header = response.headers['x-oauth-scopes'];
      const scopes = typeof header === 'string' ? header.split(',').map((s) => s.trim()).filter(Boolean) : null;
      return { login: response.data.login, scopes };
    });
    this.identity = { at: now, value };
    value.catch(() => {
      if (this.identity?.value === value) this.identity = undefined;
    });
    return value;
  }

  /**
   * Checks that the token can store models: valid (GITHUB_AUTH_FAILED) and, when GitHub says which
   * scopes it has (classic tokens), that `gist` is one (GITHUB_PERMISSION_DENIED).
   */
  async assertCanWrite(): Promise<GitHubIdentity> {
    const identity = await this.whoami();
    if (identity.scopes !== null && !identity.scopes.includes('gist')) {
      throw new AppError(
        'GITHUB_PERMISSION_DENIED',
        `GITHUB_TOKEN lacks the "gist" scope (it has: ${identity.scopes.join(', ') || 'none'}). Create a token with the gist scope.`,
        { scopes: identity.scopes },
      );
    }
    return identity;
  }

  /** storageStatus.github. Never throws; never contains the token. */
  /** Whether the API answers at all (readiness). GET /rate_limit costs no quota; no retries. */
  async reachable(timeoutMs = 2000): Promise<boolean> {
    if (!this.tokenConfigured) return false;
    try {
      await this.octokit.rest.rateLimit.get({ request: { retries: 0, signal: AbortSignal.timeout(timeoutMs) } });
      return true;
    } catch {
      return false;
    }
  }

  async status(encrypted: boolean): Promise<GitHubStatus> {
    const out: GitHubStatus = {
      tokenConfigured: this.tokenConfigured,
      tokenValid: null,
      login: null,
      scopes: null,
      rateLimitRemaining: null,
      rateLimitResetAt: null,
      encrypted,
    };
    if (!this.tokenConfigured) return out;
    try {
      const identity = await this.whoami();
      Object.assign(out, { tokenValid: true, login: identity.login, scopes: identity.scopes });
    } catch (error) {
      if (error instanceof AppError && error.code === 'GITHUB_AUTH_FAILED') out.tokenValid = false;
    }
    if (out.tokenValid !== false) {
      try {
        // GET /rate_limit does not count against the limit.
        const { data } = await this.octokit.rest.rateLimit.get();
        this.rate = { remaining: data.resources.core.remaining, resetAt: new Date(data.resources.core.reset * 1000) };
      } catch {
        // keep what the last answer said
      }
    }
    out.rateLimitRemaining = this.rate?.remaining ?? null;
    out.rateLimitResetAt = this.rate?.resetAt ?? null;
    return out;
  }

  /**
   * Every gist of the token's account: GET /gists, 100 a page, following Link rel="next" to the end.
   * `reuseMs`: a listing made at most this long ago, with no write by this client since, will do.
   */
  /** Drops the reusable listing: the next listing asks GitHub (gists may have changed elsewhere). */
  forgetListing(): void {
    this.listing = undefined;
  }

  async listGists(reuseMs = 0): Promise<GistSnapshot[]> {
    const now = Date.now();
    const reusable = this.listing && now - this.listing.at <= reuseMs && this.listing.writes === this.writes;
    if (!reusable) {
      const value = this.fetchGistList();
      this.listing = { at: now, writes: this.writes, value };
      value.catch(() => {
        if (this.listing?.value === value) this.listing = undefined;
      });
    }
    return (await this.listing!.value).map((g) => ({ ...g, files: new Map(g.files) }));
  }

  private fetchGistList(): Promise<GistSnapshot[]> {
    return this.call('list gists', async (o) => {
      const out: GistSnapshot[] = [];
      const seen = new Set<string>();
      for await (const page of o.paginate.iterator(o.rest.gists.list, { per_page: 100 })) {
        for (const item of page.data) {
          if (seen.has(item.id)) continue; // a gist updated mid-scan can appear twice
          seen.add(item.id);
          out.push(snapshot(item));
        }
      }
      return out;
    });
  }

  async createGist(description: string, files: Record<string, string>): Promise<GistSnapshot> {
    this.writes++;
    const gist = await this.counted(() => this.call(
      'create a gist',
      async (o) => {
        // Never public: a model gist is secret (unlisted) and its contents sealed.
        const { data } = await o.request({ method: 'POST', url: '/gists', ...jsonBody({ description, public: false, files: contentFiles(files) }) });
        return snapshot(data);
      },
      { notFound: 'permission' },
    ));
    this.created.set(gist.id, Date.now());
    checkWritten(gist, files);
    return gist;
  }

  /** The gist, or null when it does not exist (after waiting out GitHub's lag for a gist just created). */
  async getGist(gistId: string): Promise<GistSnapshot | null> {
    try {
      return await this.afterCreate(gistId, () =>
        this.call('read a gist', async (o) => snapshot((await o.rest.gists.get({ gist_id: gistId })).data), { notFound: gistId }),
      );
    } catch (error) {
      if (error instanceof GistNotFound) return null;
      throw error;
    }
  }

  /**
   * Adds or replaces files (content) and removes files (null) in one PATCH, i.e. one commit, and
   * checks GitHub kept every byte. A gist that is gone or not writable is GITHUB_PERMISSION_DENIED
   * when GitHub still shows it (a token without write access), GistNotFound when it is gone.
   */
  async updateGist(gistId: string, files: Record<string, string | null>): Promise<GistSnapshot> {
    this.writes++;
    try {
      const gist = await this.counted(() => this.afterCreate(gistId, () =>
        this.call(
          'update a gist',
          async (o) => snapshot((await o.request({ method: 'PATCH', url: '/gists/{gist_id}', gist_id: gistId, ...jsonBody({ files: contentFiles(files) }) })).data),
          { notFound: gistId },
        ),
      ));
      checkWritten(gist, files);
      return gist;
    } catch (error) {
      if (!(error instanceof GistNotFound)) throw error;
      if (await this.getGist(gistId)) {
        throw new AppError('GITHUB_PERMISSION_DENIED', 'GitHub refused to update a gist (404): GITHUB_TOKEN cannot write gists (no "gist" scope or no Gists write permission).', {
          status: 404,
        });
      }
      throw error;
    }
  }

  /** Deletes a gist; false when it was already gone. */
  async deleteGist(gistId: string): Promise<boolean> {
    this.writes++;
    try {
      await this.counted(() =>
        this.afterCreate(gistId, () =>
          this.call('delete a gist', async (o) => void (await o.rest.gists.delete({ gist_id: gistId })), { notFound: gistId }),
        ),
      );
      this.created.delete(gistId);
      return true;
    } catch (error) {
      if (error instanceof GistNotFound) return false;
      throw error;
    }
  }

  /**
   * Downloads a raw_url: a different host, so never with the Authorization header. Retries network
   * errors, 5xx and a 404 (raw reads can lag writes) with backoff; null when it stays 404.
   */
  async fetchRaw(url: string): Promise<string | null> {
    if (!/^https?:\/\//.test(url)) throw new AppError('GITHUB_UNAVAILABLE', 'A stored raw_url is not an http(s) URL.', {});
    const attempts = 4;
    let last: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep(attempt * attempt * this.retryBaseMs);
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { 'user-agent': USER_AGENT, accept: 'text/plain' },
          redirect: 'follow',
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        last = error;
        continue;
      }
      if (response.ok) {
        try {
          return await response.text();
        } catch (error) {
          last = error;
          continue;
        }
      }
      await response.body?.cancel().catch(() => {});
      if (response.status === 404) {
        if (attempt >= 2) return null;
        last = new Error('raw 404');
        continue;
      }
      if (response.status === 429 || response.status >= 500) {
        last = new Error(`raw host answered ${response.status}`);
        continue;
      }
      throw new AppError('GITHUB_UNAVAILABLE', `GitHub's raw host answered ${response.status} for a stored file.`, { status: response.status });
    }
    throw new AppError('GITHUB_UNAVAILABLE', "Could not download a stored file from GitHub's raw host.", {}, undefined, { cause: last });
  }

  // ---- internals -----------------------------------------------------------------------------

  /** Counts a write again when it ends: a listing taken while it ran may not show it. */
  private async counted<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      this.writes++;
    }
  }

  private shouldWait(kind: 'primary' | 'secondary', retryAfterSeconds: number, request: { method?: string; url?: string }, retryCount: number): boolean {
    const waitMs = retryAfterSeconds * 1000;
    const what = `${request.method ?? ''} ${request.url ?? ''}`.trim();
    if (retryCount >= 2 || waitMs > this.maxRateLimitWaitMs) {
      this.logger?.warn('GitHub rate limit: not waiting', { kind, retryAfterSeconds, request: what, maxWaitSeconds: this.maxRateLimitWaitMs / 1000 });
      return false;
    }
    this.logger?.warn('GitHub rate limit: waiting before retrying', { kind, retryAfterSeconds, request: what });
    return true;
  }

  private noteRate(headers: Record<string, unknown> | undefined): void {
    const remaining = Number(headers?.['x-ratelimit-remaining']);
    const reset = Number(headers?.['x-ratelimit-reset']);
    if (headers?.['x-ratelimit-remaining'] !== undefined && Number.isFinite(remaining) && Number.isFinite(reset)) {
      this.rate = { remaining, resetAt: new Date(reset * 1000) };
    }
  }

  /** Retries GistNotFound for a gist created moments ago: GitHub can answer 404 right after a create. */
  private async afterCreate<T>(gistId: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        const createdAt = this.created.get(gistId);
        const fresh = createdAt !== undefined && Date.now() - createdAt < 60_000;
        if (!(error instanceof GistNotFound) || !fresh || attempt >= 4) throw error;
        this.logger?.debug('gist not visible yet after its creation; retrying', { gistId, attempt: attempt + 1 });
        await sleep(((attempt + 1) * this.retryBaseMs) / 2);
      }
    }
  }

  private async call<T>(what: string, fn: (o: GistOctokitInstance) => Promise<T>, opts: { notFound?: string } = {}): Promise<T> {
    if (!this.tokenConfigured) {
      throw new AppError('GITHUB_TOKEN_MISSING', 'GITHUB_TOKEN is not set: the GitHub Gist backend needs a token with the "gist" scope.', {});
    }
    try {
      return await fn(this.octokit);
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (isHttpError(error) && error.status === 404 && opts.notFound !== undefined) {
        if (opts.notFound === 'permission') {
          throw new AppError('GITHUB_PERMISSION_DENIED', `GitHub refused to ${what} (404): GITHUB_TOKEN cannot write gists (no "gist" scope or no Gists write permission).`, {
            status: 404,
          });
        }
        throw new GistNotFound(opts.notFound);
      }
      throw githubError(error, what);
    }
  }
}

/** Maps an Octokit error (or a network failure) to the documented error codes. */
export function githubError(error: unknown, what: string): AppError {
  if (!isHttpError(error) || !error.response) {
    // Octokit reports network errors and timeouts as status 500 without a response.
    return new AppError('GITHUB_UNAVAILABLE', `Could not ${what}: GitHub did not answer.`, {}, undefined, { cause: error });
  }
  const status = error.status;
  const headers = error.response?.headers ?? {};
  const body = error.response?.data as { message?: unknown } | undefined;
  const message = typeof body?.message === 'string' ? body.message.slice(0, 200) : '';
  if (status === 401) {
    return new AppError('GITHUB_AUTH_FAILED', `GitHub rejected GITHUB_TOKEN (401 ${message || 'Bad credentials'}): it is invalid, expired or revoked.`, { status });
  }
  const remaining = headers['x-ratelimit-remaining'];
  const secondary = /secondary rate/i.test(message) || /secondary rate/i.test(error.message);
  if (status === 429 || ((status === 403) && (String(remaining) === '0' || secondary || /rate limit/i.test(message)))) {
    const retryAfter = Number(headers['retry-after']);
    const reset = Number(headers['x-ratelimit-reset']);
    const resetAt = Number.isFinite(retryAfter) && retryAfter > 0
      ? new Date(Date.now() + retryAfter * 1000)
      : Number.isFinite(reset) && reset > 0
        ? new Date(reset * 1000)
        : null;
    return new AppError(
      'GITHUB_RATE_LIMITED',
      `GitHub's ${secondary ? 'secondary' : 'primary'} rate limit stops us from being able to ${what}${resetAt ? ` until ${resetAt.toISOString()}` : ''}.`,
      { status, resetAt: resetAt?.toISOString() ?? null, retryAfterSeconds: resetAt ? Math.max(0, Math.ceil((resetAt.getTime() - Date.now()) / 1000)) : null },
    );
  }
  if (status === 403) {
    if (/login attempts/i.test(message)) {
      return new AppError('GITHUB_AUTH_FAILED', `GitHub is refusing GITHUB_TOKEN after repeated bad credentials (403 ${message}).`, { status });
    }
    return new AppError('GITHUB_PERMISSION_DENIED', `GitHub refused to ${what} (403 ${message || 'Forbidden'}): GITHUB_TOKEN lacks permission for gists.`, { status });
  }
  if (status === 413) {
    return new AppError('MODEL_TOO_LARGE', `GitHub refused a request to ${what} as too large (413).`, { status }, 413);
  }
  return new AppError('GITHUB_UNAVAILABLE', `Could not ${what}: GitHub answered ${status}${message ? ` (${message})` : ''}.`, { status }, undefined, { cause: error });
}

function anySignal(...signals: Array<AbortSignal | null | undefined>): AbortSignal {
  const present = signals.filter((s): s is AbortSignal => !!s);
  return present.length === 1 ? present[0] : AbortSignal.any(present);
}

/**
 * A request body serialised here, as UTF-8 bytes: Octokit would otherwise run its BigInt-aware
 * serialiser, whose regular expressions over 8 MiB chunks cost more than the encryption, and fetch
 * would encode the string once more.
 */
function jsonBody(body: unknown): { data: Buffer; headers: { 'content-type': string } } {
  return { data: Buffer.from(JSON.stringify(body), 'utf8'), headers: { 'content-type': 'application/json; charset=utf-8' } };
}

/** The `files` of a create or update; null deletes a file (the API requires null; Octokit's types do not allow it). */
function contentFiles(files: Record<string, string | null>): Record<string, { content: string } | null> {
  const out: Record<string, { content: string } | null> = {};
  for (const [name, content] of Object.entries(files)) out[name] = content === null ? null : { content };
  return out;
}

interface ApiGist {
  id: string;
  description?: string | null;
  public?: boolean;
  updated_at?: string;
  files?: Record<string, { raw_url?: string; size?: number } | null> | null;
}

function snapshot(data: unknown): GistSnapshot {
  const g = data as ApiGist;
  const files = new Map<string, GistFile>();
  for (const [name, f] of Object.entries(g.files ?? {})) {
    if (f && typeof f.raw_url === 'string') files.set(name, { rawUrl: f.raw_url, size: Number(f.size ?? 0) });
  }
  return {
    id: String(g.id),
    description: g.description ?? null,
    public: g.public === true,
    updatedAt: g.updated_at ? Date.parse(g.updated_at) : Date.now(),
    files,
  };
}

/** A write is only done when GitHub shows every written file at its full size, and every deleted one gone. */
function checkWritten(gist: GistSnapshot, files: Record<string, string | null>): void {
  for (const [name, content] of Object.entries(files)) {
    const f = gist.files.get(name);
    const ok = content === null ? f === undefined : f !== undefined && f.size === Buffer.byteLength(content, 'utf8');
    if (!ok) {
      throw new AppError('GITHUB_UNAVAILABLE', `GitHub acknowledged a write to a gist but does not show ${name} as written.`, { file: name });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The backend

export interface GistBackendOptions {
  client: GitHubClient;
  /** STORAGE_ENCRYPTION_KEY (32 bytes), or null to store plaintext (GIST_ALLOW_PLAINTEXT). */
  encryptionKey: Buffer | null;
  /** Local cache of downloaded and uploaded blobs: DATA_DIR/gist-cache. */
  cacheDir: string;
  /** false: downloads go to a temp file removed once read (a migration's read-back check). Default true. */
  keepCache?: boolean;
  /** Model bytes per chunk. Default DEFAULT_CHUNK_BYTES (8 MiB of base64 once sealed). */
  chunkBytes?: number;
  /** Largest blob accepted (MODEL_TOO_LARGE beyond). Default 1 GiB. */
  maxBlobBytes?: number;
  /**
   * open() removes gists and files left by interrupted saves only when untouched for this long, so
   * a second server still writing (a rolling deploy) is not disturbed. Default 10 min.
   */
  orphanGraceMs?: number;
  /** Chunks downloaded at once. Default 3. */
  downloadConcurrency?: number;
  logger?: Logger;
}

interface ModelGist {
  gistId: string;
  files: Map<string, GistFile>;
  updatedAt: number;
  public: boolean;
}

interface ChunkLocator {
  gist: string;
  enc: Encryption;
  chunks: string[];
  chunkBytes: number;
  size: number;
  sha256: string;
}

const isCommitted = (g: ModelGist) => g.files.has(MANIFEST_FILE);

export class GistBackend implements StorageBackend {
  readonly kind = 'GITHUB' as const;
  readonly description: string;
  readonly encrypted: boolean;
  private readonly client: GitHubClient;
  private readonly key: Buffer | null;
  private readonly chunkBytes: number;
  private readonly maxBlobBytes: number;
  private readonly orphanGraceMs: number;
  private readonly downloadConcurrency: number;
  private readonly logger?: Logger;
  /** model id → its gist (the committed one when there are several). Filled by a scan, kept current by our writes. */
  private gists = new Map<string, ModelGist>();
  /** Extra gists carrying the marker of an id that has another (interrupted first saves, duplicates). */
  private extras: Array<{ id: string; gist: ModelGist }> = [];
  private scanning?: Promise<void>;
  private reuseListing = false;
  /** The last manifest read or written per model, with its raw_url (content-addressed: equal URL, equal content). */
  private readonly manifests = new Map<string, { rawUrl: string; manifest: ModelManifest }>();
  private readonly downloads = new Map<string, Promise<void>>();
  /** Cache files whose sha256 was checked, by path → "size:mtime:inode" then: unchanged files are not hashed again. */
  private readonly verified = new Map<string, string>();

  constructor(private readonly options: GistBackendOptions) {
    this.client = options.client;
    this.key = options.encryptionKey;
    this.encrypted = this.key !== null;
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.maxBlobBytes = options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
    this.orphanGraceMs = options.orphanGraceMs ?? 10 * 60_000;
    this.downloadConcurrency = options.downloadConcurrency ?? 3;
    this.logger = options.logger;
    this.description = `${DRIVER_NAME}:gists${this.encrypted ? ' (encrypted)' : ' (PLAINTEXT)'}`;
  }

  async open(): Promise<void> {
    await this.client.assertCanWrite();
    await mkdir(this.options.cacheDir, { recursive: true });
    await this.clearCacheTemps();
    this.scanning = undefined;
    await this.ensureScanned(true); // the listing that just chose this backend (settings gist) will do
    await this.sweep();
  }

  async listModelIds(): Promise<string[]> {
    await this.ensureScanned();
    return [...this.gists].filter(([, g]) => isCommitted(g)).map(([id]) => id);
  }

  async readManifest(id: string): Promise<ModelManifest | null> {
    assertModelId(id);
    await this.ensureScanned();
    for (let attempt = 0; ; attempt++) {
      const file = this.gists.get(id)?.files.get(MANIFEST_FILE);
      if (!file) return null;
      const cached = this.manifests.get(id);
      if (cached?.rawUrl === file.rawUrl) return structuredClone(cached.manifest);
      const text = await this.client.fetchRaw(file.rawUrl);
      if (text !== null) {
        const manifest = this.openManifest(id, text);
        this.manifests.set(id, { rawUrl: file.rawUrl, manifest });
        return structuredClone(manifest);
      }
      if (attempt > 0) return null;
      // Not served: deleted or changed behind our back. Look again, once.
      this.scanning = undefined;
      await this.ensureScanned();
    }
  }

  async writeManifest(manifest: ModelManifest): Promise<void> {
    assertModelId(manifest.id);
    const gist = await this.gistFor(manifest.id);
    const content = this.sealManifest(manifest);
    const updated = await this.update(manifest.id, gist, { [MANIFEST_FILE]: content });
    this.manifests.set(manifest.id, { rawUrl: updated.files.get(MANIFEST_FILE)!.rawUrl, manifest: structuredClone(manifest) });
  }

  async putBlob(id: string, version: number, staged: StagedBlob): Promise<BlobLocator> {
    assertModelId(id);
    checkVersion(version);
    if (staged.sizeBytes > this.maxBlobBytes) {
      throw new AppError(
        'MODEL_TOO_LARGE',
        `The GitHub Gist backend stores at most ${this.maxBlobBytes} bytes per model version; this one needs ${staged.sizeBytes}.`,
        { maxBytes: this.maxBlobBytes, sizeBytes: staged.sizeBytes },
        413,
      );
    }
    const enc: Encryption = this.key ? 'aes-256-gcm' : 'none';
    const count = enc === 'none' && staged.sizeBytes === 0 ? 0 : Math.max(1, Math.ceil(staged.sizeBytes / this.chunkBytes));
    const gist = await this.gistFor(id);
    const marker = markerFile(version);
    const markerText = `stockroom: version ${version} of this model is stored in ${count} chunk(s) in the history of ${CHUNK_FILE}.\n`;
    const urls: string[] = [];
    let wrote = false;
    const handle = await open(staged.path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(Math.min(this.chunkBytes, Math.max(1, staged.sizeBytes)));
      for (let index = 0; index < count; index++) {
        const length = Math.min(this.chunkBytes, staged.sizeBytes - index * this.chunkBytes);
        const { bytesRead } = await handle.read(buffer, 0, length, index * this.chunkBytes);
        if (bytesRead !== length) throw new Error(`${staged.path} is shorter than ${staged.sizeBytes} bytes`);
        const plain = buffer.subarray(0, length);
        const text = (this.key ? seal(this.key, plain, chunkAad(id, version, index, count)) : plain).toString('base64');
        const last = index === count - 1;
        wrote = true;
        const updated = await this.update(id, gist, { [CHUNK_FILE]: text, ...(last && { [marker]: markerText }) });
        urls.push(updated.files.get(CHUNK_FILE)!.rawUrl);
      }
      if (count === 0) {
        wrote = true;
        await this.update(id, gist, { [marker]: markerText });
      }
    } catch (error) {
      await handle.close();
      if (wrote) await this.discardUpload(id, gist, marker);
      throw error;
    }
    await handle.close();
    const locator: ChunkLocator = { gist: gist.gistId, enc, chunks: urls, chunkBytes: this.chunkBytes, size: staged.sizeBytes, sha256: staged.sha256 };
    await this.adoptIntoCache(id, version, staged);
    return locator as unknown as BlobLocator;
  }

  async openBlob(id: string, version: number, locator: BlobLocator): Promise<Readable> {
    assertModelId(id);
    const loc = parseLocator(locator);
    if (!loc) throw new BlobMissingError(id, version);
    await this.ensureScanned();
    const gist = this.gists.get(id);
    if (!gist || gist.gistId !== loc.gist || !gist.files.has(markerFile(version))) throw new BlobMissingError(id, version);

    const path = this.cachePath(id, version, loc.sha256);
    if (await this.cachedCopyIsGood(path, loc)) return this.readStream(path, true);
    let pending = this.downloads.get(path);
    if (!pending) {
      pending = this.download(id, version, loc, path).finally(() => this.downloads.delete(path));
      this.downloads.set(path, pending);
    }
    await pending;
    return this.readStream(path, this.options.keepCache !== false);
  }

  async deleteBlob(id: string, version: number, locator: BlobLocator): Promise<void> {
    assertModelId(id);
    checkVersion(version);
    await this.ensureScanned();
    const gist = this.gists.get(id);
    const loc = parseLocator(locator);
    if (gist && (!loc || loc.gist === gist.gistId)) {
      const changes: Record<string, null> = {};
      if (gist.files.has(markerFile(version))) changes[markerFile(version)] = null;
      const slot = gist.files.get(CHUNK_FILE);
      if (slot && loc?.chunks.includes(slot.rawUrl)) changes[CHUNK_FILE] = null;
      if (Object.keys(changes).length) await this.update(id, gist, changes).catch(ignoreGone);
      if (!isCommitted(gist) && ![...gist.files.keys()].some((n) => MARKER_FILE.test(n))) {
        // The first save of this id never committed: nothing of it may stay on GitHub.
        await this.client.deleteGist(gist.gistId);
        this.gists.delete(id);
      }
    }
    await this.uncache(id, version);
  }

  async deleteModel(id: string): Promise<void> {
    assertModelId(id);
    await this.ensureScanned();
    const gist = this.gists.get(id);
    // One DELETE removes the manifest (the commit point), every file and the whole history at once.
    if (gist) await this.client.deleteGist(gist.gistId);
    this.gists.delete(id);
    for (const extra of this.extras.filter((e) => e.id === id)) await this.client.deleteGist(extra.gist.gistId).catch(() => false);
    this.extras = this.extras.filter((e) => e.id !== id);
    this.manifests.delete(id);
    for (const path of this.verified.keys()) if (path.startsWith(join(this.options.cacheDir, id, '/'))) this.verified.delete(path);
    await rm(join(this.options.cacheDir, id), { recursive: true, force: true });
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.downloads.values());
  }

  // ---- scanning and recovery -----------------------------------------------------------------

  private ensureScanned(reuseListing = false): Promise<void> {
    this.reuseListing = reuseListing;
    this.scanning ??= this.scan().catch((error: unknown) => {
      this.scanning = undefined;
      throw error;
    });
    return this.scanning;
  }

  /** Finds every model gist by its description marker: the only search GitHub offers. */
  private async scan(): Promise<void> {
    const byId = new Map<string, ModelGist[]>();
    for (const g of await this.client.listGists(this.reuseListing ? 10_000 : 0)) {
      const id = modelIdOf(g.description);
      if (id === null) continue;
      const entry: ModelGist = { gistId: g.id, files: g.files, updatedAt: g.updatedAt, public: g.public };
      byId.set(id, [...(byId.get(id) ?? []), entry]);
      if (g.public) {
        this.logger?.error('a model gist is PUBLIC (changed on github.com?): anyone can list it; make it secret again or delete it', {
          modelId: id,
          gistId: g.id,
        });
      }
    }
    const gists = new Map<string, ModelGist>();
    const extras: Array<{ id: string; gist: ModelGist }> = [];
    for (const [id, candidates] of byId) {
      // The committed gist wins; among equals, the most recently updated.
      candidates.sort((a, b) => Number(isCommitted(b)) - Number(isCommitted(a)) || b.updatedAt - a.updatedAt);
      gists.set(id, candidates[0]);
      for (const extra of candidates.slice(1)) extras.push({ id, gist: extra });
      if (candidates.filter(isCommitted).length > 1) {
        this.logger?.warn('several committed gists carry the same model marker; using the newest', {
          modelId: id,
          gistIds: candidates.filter(isCommitted).map((c) => c.gistId),
        });
      }
    }
    this.gists = gists;
    this.extras = extras;
  }

  /**
   * Removes what interrupted saves left on GitHub (gists never committed, upload slots and version
   * markers no manifest references) once untouched for orphanGraceMs. Failures are only logged:
   * the next open() tries again.
   */
  private async sweep(): Promise<void> {
    const stale = (g: ModelGist) => Date.now() - g.updatedAt >= this.orphanGraceMs;
    const work: Array<() => Promise<void>> = [];
    for (const { id, gist } of this.extras) {
      if (!isCommitted(gist) && stale(gist)) {
        work.push(async () => {
          await this.client.deleteGist(gist.gistId);
          this.extras = this.extras.filter((e) => e.gist !== gist);
          this.logger?.info('removed a gist left by an interrupted first save', { modelId: id, gistId: gist.gistId });
        });
      }
    }
    for (const [id, gist] of this.gists) {
      if (!stale(gist)) continue;
      if (!isCommitted(gist)) {
        work.push(async () => {
          await this.client.deleteGist(gist.gistId);
          this.gists.delete(id);
          this.logger?.info('removed a gist left by an interrupted first save', { modelId: id, gistId: gist.gistId });
        });
        continue;
      }
      work.push(async () => {
        const manifest = await this.readManifest(id).catch(() => undefined);
        if (!manifest) return; // unreadable: leave everything for an operator
        const kept = new Set(manifest.versions.map((v) => markerFile(v.version)));
        const referenced = new Set(manifest.versions.flatMap((v) => parseLocator(v.blob)?.chunks ?? []));
        const changes: Record<string, null> = {};
        for (const [name, file] of gist.files) {
          if ((MARKER_FILE.test(name) && !kept.has(name)) || (name === CHUNK_FILE && !referenced.has(file.rawUrl))) changes[name] = null;
        }
        if (Object.keys(changes).length === 0) return;
        await this.update(id, gist, changes);
        this.logger?.info('removed files left by an interrupted save', { modelId: id, files: Object.keys(changes) });
      });
    }
    await forEachLimited(work, 4, async (job) => {
      try {
        await job();
      } catch (error) {
        this.logger?.warn('could not clean up after an interrupted save; will retry at the next start', { err: error });
      }
    });
    await this.sweepCache();
  }

  /** Cache entries of models that no longer exist. */
  private async sweepCache(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.options.cacheDir);
    } catch {
      return;
    }
    for (const name of names) {
      if (isModelId(name) && !this.gists.has(name)) await rm(join(this.options.cacheDir, name), { recursive: true, force: true });
    }
  }

  /** The model's gist, created (README only, a small, quick write) when it has none yet. */
  private async gistFor(id: string): Promise<ModelGist> {
    await this.ensureScanned();
    const known = this.gists.get(id);
    if (known) return known;
    const created = await this.client.createGist(`${MODEL_MARKER}${id}`, { [README_FILE]: readme(id, this.encrypted) });
    // GitHub can briefly answer 404 for a gist just created: wait until it is visible.
    const visible = (await this.client.getGist(created.id)) ?? created;
    const gist: ModelGist = { gistId: created.id, files: visible.files, updatedAt: visible.updatedAt, public: false };
    this.gists.set(id, gist);
    return gist;
  }

  /** PATCH and take GitHub's answer as the gist's current file tree. */
  private async update(id: string, gist: ModelGist, files: Record<string, string | null>): Promise<GistSnapshot> {
    try {
      const updated = await this.client.updateGist(gist.gistId, files);
      gist.files = updated.files;
      gist.updatedAt = updated.updatedAt;
      return updated;
    } catch (error) {
      if (error instanceof GistNotFound) {
        // Deleted on github.com behind our back.
        if (this.gists.get(id) === gist) this.gists.delete(id);
        throw new AppError('MODEL_CORRUPTED', `The gist of model ${id} was deleted on GitHub.`, { id });
      }
      throw error;
    }
  }

  /** A save failed part-way: take its chunk and marker out of the gist (or the gist itself, on a first save). */
  private async discardUpload(id: string, gist: ModelGist, marker: string): Promise<void> {
    try {
      if (!isCommitted(gist)) {
        await this.client.deleteGist(gist.gistId);
        if (this.gists.get(id) === gist) this.gists.delete(id);
        return;
      }
      const changes: Record<string, null> = {};
      if (gist.files.has(CHUNK_FILE)) changes[CHUNK_FILE] = null;
      if (gist.files.has(marker)) changes[marker] = null;
      if (Object.keys(changes).length) await this.update(id, gist, changes);
    } catch (error) {
      this.logger?.warn('could not remove the chunks of a failed save; the next start removes them', { modelId: id, err: error });
    }
  }

  // ---- manifests -----------------------------------------------------------------------------

  private sealManifest(manifest: ModelManifest): string {
    if (!this.key) return JSON.stringify({ stockroom: 'manifest', format: 1, encryption: 'none', manifest });
    const sealed = seal(this.key, Buffer.from(JSON.stringify(manifest), 'utf8'), manifestAad(manifest.id));
    return JSON.stringify({ stockroom: 'manifest', format: 1, encryption: 'aes-256-gcm', keyId: keyId(this.key), sealed: sealed.toString('base64') });
  }

  private openManifest(id: string, text: string): ModelManifest {
    let envelope: { stockroom?: unknown; format?: unknown; encryption?: unknown; keyId?: unknown; sealed?: unknown; manifest?: unknown };
    try {
      envelope = JSON.parse(text);
    } catch {
      throw new Error(`The manifest gist file of model ${id} is not JSON`);
    }
    if (envelope?.stockroom !== 'manifest' || envelope.format !== 1) throw new Error(`The manifest gist file of model ${id} has an unknown format`);
    if (envelope.encryption === 'none') return parseManifest(envelope.manifest, id);
    if (envelope.encryption !== 'aes-256-gcm' || typeof envelope.sealed !== 'string') {
      throw new Error(`The manifest of model ${id} uses an unknown encryption`);
    }
    if (!this.key) {
      throw new AppError('ENCRYPTION_KEY_MISSING', `Model ${id} is encrypted on GitHub; set STORAGE_ENCRYPTION_KEY to read it.`, { id });
    }
    if (envelope.keyId !== keyId(this.key)) {
      throw new AppError('ENCRYPTION_KEY_MISMATCH', `Model ${id} was encrypted with another STORAGE_ENCRYPTION_KEY (key id ${String(envelope.keyId)}).`, { id });
    }
    let plain: Buffer;
    try {
      plain = unseal(this.key, Buffer.from(envelope.sealed, 'base64'), manifestAad(id));
    } catch (error) {
      if (error instanceof DecryptionError) throw new Error(`The manifest of model ${id} fails authentication: ${error.message}`);
      throw error;
    }
    return parseManifest(JSON.parse(plain.toString('utf8')), id);
  }

  // ---- blobs: download and cache -------------------------------------------------------------

  private cachePath(id: string, version: number, sha256: string): string {
    return join(this.options.cacheDir, id, `v${version}.${sha256}.blob`);
  }

  /** The staged file becomes the cached copy (moved when possible; it was hashed while staged). */
  private async adoptIntoCache(id: string, version: number, staged: StagedBlob): Promise<void> {
    if (this.options.keepCache === false) return;
    try {
      const path = this.cachePath(id, version, staged.sha256);
      await mkdir(join(this.options.cacheDir, id), { recursive: true });
      try {
        await rename(staged.path, path);
      } catch (error) {
        if (!isCode(error, 'EXDEV')) throw error;
        await copyFile(staged.path, path);
      }
      await this.markVerified(path); // hashed while it was staged
    } catch (error) {
      this.logger?.warn('could not keep a saved model in the local cache', { modelId: id, version, err: error });
    }
  }

  private async uncache(id: string, version: number): Promise<void> {
    const dir = join(this.options.cacheDir, id);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(`v${version}.`)) continue;
      this.verified.delete(join(dir, name));
      await unlink(join(dir, name)).catch(() => {});
    }
  }

  /**
   * The cached copy is there and whole: sha256-checked once, then again whenever its size, mtime or
   * inode change. (The ModelStore checks the stored sha256 of every load as well; this check lets a
   * damaged cache heal itself by downloading again instead of failing the load.)
   */
  private async cachedCopyIsGood(path: string, loc: ChunkLocator): Promise<boolean> {
    try {
      const info = await stat(path, { bigint: true });
      const stamp = `${info.size}:${info.mtimeNs}:${info.ino}`;
      if (this.verified.get(path) === stamp) return true;
      if (Number(info.size) === loc.size && (await sha256File(path)) === loc.sha256) {
        this.verified.set(path, stamp);
        return true;
      }
      this.logger?.warn('a cached model copy does not match its sha256; downloading it again', { path });
      this.verified.delete(path);
      await unlink(path).catch(() => {});
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
    }
    return false;
  }

  private async markVerified(path: string): Promise<void> {
    const info = await stat(path, { bigint: true });
    this.verified.set(path, `${info.size}:${info.mtimeNs}:${info.ino}`);
  }

  /** Downloads every chunk (a few at a time), opens and checks it, writes it in place, then checks the whole. */
  private async download(id: string, version: number, loc: ChunkLocator, path: string): Promise<void> {
    await mkdir(join(this.options.cacheDir, id), { recursive: true });
    const temp = join(this.options.cacheDir, id, `.download-${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx');
    const count = loc.chunks.length;
    try {
      const expected = (index: number) => Math.min(loc.chunkBytes, loc.size - index * loc.chunkBytes);
      if (count !== (loc.enc === 'none' && loc.size === 0 ? 0 : Math.max(1, Math.ceil(loc.size / loc.chunkBytes)))) {
        throw corrupted(id, version, 'its chunk list does not match its size');
      }
      await forEachLimited(
        loc.chunks.map((url, index) => ({ url, index })),
        this.downloadConcurrency,
        async ({ url, index }) => {
          const text = await this.client.fetchRaw(url);
          if (text === null) throw new BlobMissingError(id, version);
          let bytes: Buffer = Buffer.from(text, 'base64');
          // Node's decoder skips characters that are not base64: a shorter result means there were some.
          const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
          if (text.length % 4 !== 0 || bytes.length !== (text.length / 4) * 3 - padding) throw corrupted(id, version, `chunk ${index + 1} is not base64`);
          if (loc.enc === 'aes-256-gcm') {
            if (!this.key) throw new AppError('ENCRYPTION_KEY_MISSING', `Model ${id} is encrypted on GitHub; set STORAGE_ENCRYPTION_KEY to read it.`, { id });
            try {
              bytes = unseal(this.key, bytes, chunkAad(id, version, index, count));
            } catch (error) {
              if (error instanceof DecryptionError) throw corrupted(id, version, `chunk ${index + 1} fails authentication`);
              throw error;
            }
          }
          if (bytes.length !== expected(index)) throw corrupted(id, version, `chunk ${index + 1} has the wrong length`);
          await handle.write(bytes, 0, bytes.length, index * loc.chunkBytes);
        },
      );
      await handle.close();
      if ((await sha256File(temp)) !== loc.sha256) throw corrupted(id, version, 'its downloaded bytes do not match their sha256');
      await rename(temp, path);
      await this.markVerified(path);
    } catch (error) {
      await handle.close().catch(() => {});
      await unlink(temp).catch(() => {});
      throw error;
    }
  }

  private readStream(path: string, keep: boolean): Readable {
    const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
    if (!keep) stream.once('close', () => void unlink(path).catch(() => {}));
    return stream;
  }

  private async clearCacheTemps(): Promise<void> {
    for (const name of await readdir(this.options.cacheDir)) {
      if (!isModelId(name)) continue;
      const dir = join(this.options.cacheDir, name);
      let entries: string[];
      try {
        entries = await readdir(dir);
      } catch {
        continue;
      }
      for (const entry of entries) if (entry.startsWith('.')) await unlink(join(dir, entry)).catch(() => {});
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The persisted backend choice, mirrored on GitHub: a redeploy that wipes DATA_DIR must not bring
// the server back on the local disk when the user had switched to GitHub.

export interface BackendChoice {
  backend: BackendKind;
  /** ISO-8601. */
  switchedAt: string;
}

export class GitHubSettings {
  private gistId?: string | null;

  constructor(private readonly client: GitHubClient) {}

  async read(): Promise<BackendChoice | null> {
    const gist = await this.find();
    const file = gist?.files.get(SETTINGS_FILE);
    if (!file) return null;
    const text = await this.client.fetchRaw(file.rawUrl);
    if (text === null) return null;
    try {
      const value = JSON.parse(text) as Partial<BackendChoice>;
      if (isBackendKind(value.backend) && typeof value.switchedAt === 'string') {
        return { backend: value.backend, switchedAt: value.switchedAt };
      }
    } catch {
      // not ours
    }
    return null;
  }

  async write(choice: BackendChoice): Promise<void> {
    const content = `${JSON.stringify(choice, null, 2)}\n`;
    const gist = await this.find();
    if (gist) {
      await this.client.updateGist(gist.id, { [SETTINGS_FILE]: content });
      return;
    }
    const created = await this.client.createGist(SETTINGS_MARKER, { [SETTINGS_FILE]: content });
    this.gistId = created.id;
  }

  private async find(): Promise<GistSnapshot | null> {
    if (this.gistId) {
      const gist = await this.client.getGist(this.gistId);
      if (gist) return gist;
    }
    const found = (await this.client.listGists(10_000))
      .filter((g) => g.description === SETTINGS_MARKER && g.files.has(SETTINGS_FILE))
      .sort((a, b) => b.updatedAt - a.updatedAt)[0];
    this.gistId = found?.id ?? null;
    return found ?? null;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function modelIdOf(description: string | null): string | null {
  if (!description?.startsWith(MODEL_MARKER)) return null;
  const id = description.slice(MODEL_MARKER.length).trim();
  return isModelId(id) ? id : null;
}

const chunkAad = (id: string, version: number, index: number, count: number) => `stockroom-chunk/1\0${id}\0${version}\0${index}\0${count}`;
const manifestAad = (id: string) => `stockroom-manifest/1\0${id}`;

function readme(id: string, encrypted: boolean): string {
  return [
    `# stockroom model storage: ${id}`,
    '',
    'This secret gist holds one ML model saved by a stockroom server (GitHub Gist storage backend).',
    'Its files are managed by stockroom: do not edit, rename or delete them by hand.',
    '',
    encrypted
      ? 'The manifest and every chunk are encrypted (AES-256-GCM) with the server\'s STORAGE_ENCRYPTION_KEY.'
      : 'WARNING: this model is stored WITHOUT encryption (GIST_ALLOW_PLAINTEXT=true): anyone with this gist\'s URL can read it.',
    '',
  ].join('\n');
}

function checkVersion(version: number): void {
  if (!Number.isInteger(version) || version < 1) throw new Error(`Invalid version ${version}`);
}

function parseLocator(locator: BlobLocator): ChunkLocator | null {
  const l = locator as Partial<ChunkLocator>;
  if (
    typeof l.gist !== 'string' ||
    (l.enc !== 'aes-256-gcm' && l.enc !== 'none') ||
    !Array.isArray(l.chunks) ||
    !l.chunks.every((c) => typeof c === 'string') ||
    !Number.isInteger(l.chunkBytes) ||
    (l.chunkBytes as number) < 1 ||
    !Number.isInteger(l.size) ||
    typeof l.sha256 !== 'string'
  ) {
    return null;
  }
  return l as ChunkLocator;
}

function corrupted(id: string, version: number, why: string): AppError {
  return new AppError('MODEL_CORRUPTED', `Model ${id} version ${version} is corrupted on GitHub: ${why}. It is not served.`, { id, version }, 500);
}

function ignoreGone(error: unknown): void {
  if (error instanceof AppError && error.code === 'MODEL_CORRUPTED') return; // the gist is gone: so is the blob
  throw error;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++]);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/** Seal overhead per chunk, for documentation and tests. */
export const CHUNK_OVERHEAD_BYTES = SEAL_OVERHEAD;
