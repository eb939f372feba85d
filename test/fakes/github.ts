// A fake GitHub REST API (the Gist part) for tests, plus the raw host that serves `raw_url`s.
//
// The Gist storage backend talks to GitHub through @octokit/rest with `baseUrl` = this fake's `url`
// (GITHUB_API_URL) and downloads payloads from `raw_url`s, which point at a second listener
// (`rawUrl`) standing in for gist.githubusercontent.com: a different origin that needs no
// Authorization (the fake records whether one was sent). Behaviour follows
// ../shared/upstreams/github-gist.md and is checked against the real recorded exchanges in
// test/fixtures/github-gist (see test/fake-github.test.ts):
//   - object shapes of the recordings / OpenAPI schemas; files sorted by name; `size` in bytes;
//     `raw_url` = {rawUrl}/{owner}/{id}/raw/{git blob sha1 of the content}/{filename};
//   - `content` cut at `inlineLimitBytes` with `truncated: true`; lists carry no content;
//   - raw host: text/plain, no auth needed, 403 above `rawLimitBytes`;
//   - 401 / 404 / 422 / 400 bodies; classic tokens without the `gist` scope get 404 on writes;
//     fine-grained tokens (scopes null) get no `x-oauth-scopes` header;
//   - `Link` pagination (absolute URLs, rel prev/next/last/first), per_page ≤ 100;
//   - per-token primary rate limit with x-ratelimit-* headers on every API answer, 403 (or 429)
//     with `x-ratelimit-remaining: 0` when exhausted; /rate_limit does not count;
//   - fault injection (status / timeout / reset), secondary limits with retry-after, the brief
//     404 right after a create.
//
// Usage:
//   const fake = await startFakeGitHub({ inlineLimitBytes: 1000 });   // DEFAULT_TOKEN → DEFAULT_LOGIN, scope gist
//   new Octokit({ auth: DEFAULT_TOKEN, baseUrl: fake.url, ... })      // or GITHUB_API_URL = fake.url
//   fake.fail({ method: 'PATCH' }, { status: 502 }, 1);  fake.fail({}, secondaryRateLimit(1), 1);
//   fake.failNextGetAfterCreate();  fake.setRemaining(DEFAULT_TOKEN, 0, 1);  fake.gists / fake.requests
// With @octokit/plugin-throttling on, writes are spaced 1 s apart by the plugin itself (not the fake);
// pass retryAfterBaseValue: 1 to plugin-retry for instant retries. Benchmarks: recordBodies: false.
//
// Self-contained on purpose (node:http, node:crypto only): it must keep working whatever the app does.
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------
// Public interface

export interface FakeGitHubOptions {
  /** Known tokens. scopes null = fine-grained token (no x-oauth-scopes header); scopes without
   *  'gist' → writes answer 404 like GitHub does. Default: { [DEFAULT_TOKEN]: { login: DEFAULT_LOGIN, scopes: ['gist'] } }. */
  tokens?: Record<string, { login: string; scopes: string[] | null }>;
  /** Content cut in single-gist responses beyond this many bytes per file (default 1 MB). */
  inlineLimitBytes?: number;
  /** The raw host answers 403 for files larger than this (default 10 MB). */
  rawLimitBytes?: number;
  /** Primary limit per token per one-hour window (default 5000; anonymous callers get 60). */
  rateLimit?: number;
  /** Largest per_page honoured (default 100). */
  perPageMax?: number;
  /** Status of a primary-limit answer: 403 (default) or 429; GitHub documents both. */
  primaryLimitStatus?: 403 | 429;
  /** Model the reported quirk (ohbin, rcloud): once any file in a response is truncated, every
   *  other file also comes back with content "" and truncated: true. Default false. */
  blankOthersWhenTruncated?: boolean;
  /** Keep request bodies in `requests` (default true; benchmarks with 100 MB bodies turn it off). */
  recordBodies?: boolean;
}

export interface RecordedGitHubRequest {
  method: string;
  /** Path without the query string, e.g. /gists/abc. */
  path: string;
  query: Record<string, string>;
  /** Lower-case header names, as received (the raw host's `authorization` shows whether one was sent). */
  headers: Record<string, string>;
  body?: string;
  /** Status answered; undefined while pending, for a hung 'timeout' or a 'reset'. */
  status?: number;
  host: 'api' | 'raw';
}

export interface FakeGist {
  id: string;
  owner: string;
  description: string | null;
  public: boolean;
  /** Current files: name → content. */
  files: Map<string, string>;
  /** Revisions, NEWEST FIRST (like the API's `history`); history[0].files equals `files`. */
  history: Array<{ version: string; committed_at: string; files: Map<string, string> }>;
  created_at: string;
  updated_at: string;
}

export type FakeGitHubFault =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | 'timeout'
  | 'reset';

export interface FakeGitHubFaultMatch {
  method?: string;
  pathPrefix?: string;
  /** Which listener; both when omitted. */
  host?: 'api' | 'raw';
}

export interface FakeGitHub {
  /** API base URL, e.g. http://127.0.0.1:PORT (Octokit baseUrl / GITHUB_API_URL). */
  url: string;
  /** Base of raw_url links: a second listener, i.e. another origin. */
  rawUrl: string;
  requests: RecordedGitHubRequest[];
  count(filter?: { method?: string; pathPrefix?: string; host?: 'api' | 'raw' }): number;
  /** Live state (id → gist); tests may read and mutate it. */
  gists: Map<string, FakeGist>;
  seedGists(
    login: string,
    n: number,
    make?: (i: number) => Partial<{ description: string; files: Record<string, string>; public: boolean }>,
  ): void;
  /** Answer the next `times` (default: all) matching requests with `fault` instead of normally.
   *  A status fault without a body gets GitHub's body for that status (403/429: the secondary
   *  rate limit message; see secondaryRateLimit()). First registered matching fault wins. */
  fail(match: FakeGitHubFaultMatch, fault: FakeGitHubFault, times?: number): void;
  /** The next gist created by POST /gists answers 404 to its first `times` (default 1) API GETs. */
  failNextGetAfterCreate(times?: number): void;
  /** Set a token's primary-limit state (token '' = anonymous callers). At 0 requests answer 403/429
   *  with x-ratelimit-remaining: 0 until the window resets (resetInSeconds, default: keep). */
  setRemaining(token: string, remaining: number, resetInSeconds?: number): void;
  clearFaults(): void;
  /** Clears recorded requests, faults and rate-limit counters (not gists). */
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_TOKEN = 'ghp_fakeStockroomToken0000000000000000001';
export const DEFAULT_LOGIN = 'octocat';

/** A secondary-rate-limit fault as GitHub sends it (message contains "secondary rate", retry-after,
 *  no x-ratelimit-* headers); `write` uses the content-creation variant of the message. */
export function secondaryRateLimit(retryAfterSeconds = 60, opts: { status?: 403 | 429; write?: boolean } = {}): FakeGitHubFault {
  return {
    status: opts.status ?? 403,
    body: {
      message: opts.write ? SECONDARY_WRITE_MESSAGE : SECONDARY_MESSAGE,
      documentation_url: DOC.secondary,
    },
    headers: { 'retry-after': String(retryAfterSeconds) },
  };
}

/** Git's blob id of a file's bytes: sha1("blob <len>\0" + bytes). GitHub puts it in raw_url. */
export function gitBlobSha(content: string): string {
  return createHash('sha1').update(`blob ${Buffer.byteLength(content, 'utf8')}\0`).update(content, 'utf8').digest('hex');
}

// ---------------------------------------------------------------------------------------------
// GitHub's texts

const DOC = {
  rest: 'https://docs.github.com/rest',
  user: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
  create: 'https://docs.github.com/rest/gists/gists#create-a-gist',
  get: 'https://docs.github.com/rest/gists/gists#get-a-gist',
  update: 'https://docs.github.com/rest/gists/gists#update-a-gist',
  delete: 'https://docs.github.com/rest/gists/gists#delete-a-gist',
  list: 'https://docs.github.com/rest/gists/gists#list-gists-for-the-authenticated-user',
  commits: 'https://docs.github.com/rest/gists/gists#list-gist-commits',
  revision: 'https://docs.github.com/rest/gists/gists#get-a-gist-revision',
  primary: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
  secondary:
    'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
} as const;
const SECONDARY_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.';
const SECONDARY_WRITE_MESSAGE =
  'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.';
const NO_USER_AGENT =
  'Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.';

const JSON_TYPE = 'application/json; charset=utf-8';
const DEFAULT_INLINE_LIMIT = 1_000_000;
const DEFAULT_RAW_LIMIT = 10_000_000;
const ANON_LIMIT = 60;
const WINDOW_MS = 3_600_000;
const MAX_FILES_SHOWN = 300;
const API_VERSION = '2022-11-28';
const API_VERSION_WITHOUT_HISTORY = '2026-03-10';

type Json = unknown;
interface Answer {
  status: number;
  body?: Json;
  headers?: Record<string, string>;
}
interface Caller {
  token: string;
  login: string;
  scopes: string[] | null;
}
interface Bucket {
  used: number;
  resetAt: number; // ms, whole seconds
}
type ChangeStatus = { total: number; additions: number; deletions: number };

// ---------------------------------------------------------------------------------------------
// Helpers

const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const error = (status: number, message: string, documentation_url: string, extra: Record<string, Json> = {}): Answer => ({
  status,
  body: { message, ...extra, documentation_url, status: String(status) },
});
const notFound = (doc: string = DOC.rest) => error(404, 'Not Found', doc);
const validationFailed = (doc: string, code = 'missing_field', field = 'files') =>
  error(422, 'Validation Failed', doc, { errors: [{ resource: 'Gist', code, field }] });
const badJson = (doc: string, message = 'Problems parsing JSON') => error(400, message, doc);
const isBlank = (s: string) => s.trim() === '';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fallback bodies for injected faults that give only a status. */
function defaultFaultBody(status: number): Json {
  if (status === 403 || status === 429) return { message: SECONDARY_MESSAGE, documentation_url: DOC.secondary };
  if (status === 401) return { message: 'Bad credentials', documentation_url: DOC.rest, status: '401' };
  if (status === 404) return { message: 'Not Found', documentation_url: DOC.get, status: '404' };
  if (status === 422)
    return { message: 'Validation Failed', errors: [{ resource: 'Gist', code: 'missing_field', field: 'files' }], documentation_url: DOC.update, status: '422' };
  if (status >= 500) return { message: 'Server Error' };
  return { message: STATUS_CODES[status] ?? 'Error', documentation_url: DOC.rest, status: String(status) };
}

const TYPES: Record<string, [string, string | null]> = {
  txt: ['text/plain', 'Text'],
  text: ['text/plain', null],
  md: ['text/markdown', 'Markdown'],
  json: ['application/json', 'JSON'],
  py: ['application/x-python', 'Python'],
  rb: ['application/x-ruby', 'Ruby'],
  js: ['application/javascript', 'JavaScript'],
  ts: ['video/MP2T', 'TypeScript'],
  csv: ['text/csv', 'CSV'],
  yml: ['application/x-yaml', 'YAML'],
  yaml: ['application/x-yaml', 'YAML'],
};
function fileType(name: string): [string, string | null] {
  const dot = name.lastIndexOf('.');
  return (dot > 0 && TYPES[name.slice(dot + 1).toLowerCase()]) || ['text/plain', null];
}

/** First `limit` bytes of `s`, never splitting a UTF-8 sequence. */
function cutBytes(s: string, limit: number): string {
  // limit characters hold at least limit bytes: encode only that prefix (contents can be 8 MB).
  const bytes = Buffer.from(s.slice(0, limit), 'utf8');
  if (bytes.length <= limit) return s.slice(0, limit);
  return new TextDecoder('utf-8').decode(bytes.subarray(0, limit), { stream: true });
}

function lineCounts(s: string): Map<string, number> {
  const m = new Map<string, number>();
  const lines = s.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}
function lineDiff(before: string, after: string): [number, number] {
  if (before === after) return [0, 0];
  const a = lineCounts(before);
  const b = lineCounts(after);
  let additions = 0;
  let deletions = 0;
  for (const [l, n] of b) additions += Math.max(0, n - (a.get(l) ?? 0));
  for (const [l, n] of a) deletions += Math.max(0, n - (b.get(l) ?? 0));
  return [additions, deletions];
}
/** Lines added/removed between two snapshots; a file whose content reappears under a new name is a
 *  rename (0 lines), as in the hub4j recording. */
function changeStatus(before: Map<string, string>, after: Map<string, string>): ChangeStatus {
  let additions = 0;
  let deletions = 0;
  const gone: string[] = [];
  const added = new Map<string, string>();
  for (const [name, content] of after) if (!before.has(name)) added.set(name, content);
  for (const [name, content] of before) {
    const now = after.get(name);
    if (now === undefined) gone.push(content);
    else {
      const [a, d] = lineDiff(content, now);
      additions += a;
      deletions += d;
    }
  }
  for (const content of gone) {
    const renamed = [...added].find(([, c]) => c === content);
    if (renamed) added.delete(renamed[0]);
    else deletions += lineDiff(content, '')[1];
  }
  for (const content of added.values()) additions += lineDiff('', content)[0];
  return { total: additions + deletions, additions, deletions };
}

function sameFiles(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

// ---------------------------------------------------------------------------------------------
// The fake

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const tokens = options.tokens ?? { [DEFAULT_TOKEN]: { login: DEFAULT_LOGIN, scopes: ['gist'] } };
  const inlineLimit = options.inlineLimitBytes ?? DEFAULT_INLINE_LIMIT;
  const rawLimit = options.rawLimitBytes ?? DEFAULT_RAW_LIMIT;
  const rateLimit = options.rateLimit ?? 5000;
  const perPageMax = options.perPageMax ?? 100;
  const primaryStatus = options.primaryLimitStatus ?? 403;
  const recordBodies = options.recordBodies ?? true;

  const gists = new Map<string, FakeGist>();
  const requests: RecordedGitHubRequest[] = [];
  let faults: Array<{ match: FakeGitHubFaultMatch; fault: FakeGitHubFault; left: number }> = [];
  let hideNextCreate = 0;
  const hidden = new Map<string, number>(); // gist id → GETs still answered 404
  const buckets = new Map<string, Bucket>(); // token ('' = anonymous) → primary limit state
  const changes = new WeakMap<object, ChangeStatus>(); // history entry → change_status
  const blobInfos = new Map<string, { sha: string; size: number }>();
  const hung = new Set<ServerResponse>();
  let requestSeq = 0;

  const apiServer = createServer((req, res) => void handle(req, res, 'api'));
  const rawServer = createServer((req, res) => void handle(req, res, 'raw'));
  const [apiPort, rawPort] = await Promise.all([listen(apiServer), listen(rawServer)]);
  const url = `http://127.0.0.1:${apiPort}`;
  const rawUrl = `http://127.0.0.1:${rawPort}`;
  // html_url / git_pull_url would be gist.github.com: point them at the raw listener (not served)
  // so nothing in a body leads a test to the real internet.
  const webUrl = rawUrl;

  // --- derived values -----------------------------------------------------------------------

  /** Blob sha and byte size of a content, cached: contents are immutable strings of up to 8 MB+. */
  function blobInfo(content: string): { sha: string; size: number } {
    let info = blobInfos.get(content);
    if (!info) {
      info = { sha: gitBlobSha(content), size: Buffer.byteLength(content, 'utf8') };
      if (blobInfos.size > 2000) blobInfos.clear();
      blobInfos.set(content, info);
    }
    return info;
  }
  const blobSha = (content: string) => blobInfo(content).sha;

  function userId(login: string): number {
    return 1_000_000 + (parseInt(createHash('sha1').update(login).digest('hex').slice(0, 8), 16) % 90_000_000);
  }
  function simpleUser(login: string) {
    const id = userId(login);
    const u = `${url}/users/${login}`;
    return {
      login,
      id,
      node_id: Buffer.from(`04:User${id}`).toString('base64'),
      avatar_url: `${webUrl}/avatars/u/${id}?v=4`,
      gravatar_id: '',
      url: u,
      html_url: `${webUrl}/${login}`,
      followers_url: `${u}/followers`,
      following_url: `${u}/following{/other_user}`,
      gists_url: `${u}/gists{/gist_id}`,
      starred_url: `${u}/starred{/owner}{/repo}`,
      subscriptions_url: `${u}/subscriptions`,
      organizations_url: `${u}/orgs`,
      repos_url: `${u}/repos`,
      events_url: `${u}/events{/privacy}`,
      received_events_url: `${u}/received_events`,
      type: 'User',
      site_admin: false,
    };
  }
  function privateUser(login: string) {
    const mine = [...gists.values()].filter((g) => g.owner === login);
    const pub = mine.filter((g) => g.public).length;
    return {
      ...simpleUser(login),
      name: login,
      company: null,
      blog: '',
      location: null,
      email: null,
      hireable: null,
      bio: null,
      twitter_username: null,
      public_repos: 0,
      public_gists: pub,
      followers: 0,
      following: 0,
      created_at: '2020-01-01T00:00:00Z',
      updated_at: '2020-01-01T00:00:00Z',
      private_gists: mine.length - pub,
      total_private_repos: 0,
      owned_private_repos: 0,
      disk_usage: 0,
      collaborators: 0,
      two_factor_authentication: true,
      plan: { name: 'free', space: 976562499, collaborators: 0, private_repos: 10000 },
    };
  }

  function changeOf(g: FakeGist, i: number): ChangeStatus {
    const entry = g.history[i];
    let c = changes.get(entry);
    if (!c) {
      c = changeStatus(g.history[i + 1]?.files ?? new Map(), entry.files);
      changes.set(entry, c);
    }
    return c;
  }
  function commitItem(g: FakeGist, i: number) {
    const h = g.history[i];
    return {
      user: simpleUser(g.owner),
      version: h.version,
      committed_at: h.committed_at,
      change_status: changeOf(g, i),
      url: `${url}/gists/${g.id}/${h.version}`,
    };
  }

  /** The gist object: 'full' = single-gist answers (content, truncated, history), 'list' = list items. */
  function gistJson(g: FakeGist, mode: 'full' | 'list', opts: { revision?: number; apiVersion?: string } = {}) {
    const rev = opts.revision ?? 0;
    const snapshot = opts.revision === undefined ? g.files : g.history[rev].files;
    const names = [...snapshot.keys()].sort();
    const shown = names.slice(0, MAX_FILES_SHOWN);
    const files: Record<string, Json> = {};
    let anyCut = false;
    for (const name of shown) {
      const content = snapshot.get(name)!;
      const [type, language] = fileType(name);
      const { sha, size } = blobInfo(content);
      const f: Record<string, Json> = {
        filename: name,
        type,
        language,
        raw_url: `${rawUrl}/${g.owner}/${g.id}/raw/${sha}/${encodeURIComponent(name)}`,
        size,
      };
      if (mode === 'full') {
        const cut = size > inlineLimit;
        anyCut ||= cut;
        f.truncated = cut;
        f.content = cut ? cutBytes(content, inlineLimit) : content;
        f.encoding = 'utf-8';
      }
      files[name] = f;
    }
    if (mode === 'full' && anyCut && options.blankOthersWhenTruncated) {
      for (const f of Object.values(files) as Array<Record<string, Json>>) {
        if (!f.truncated) Object.assign(f, { content: '', truncated: true });
      }
    }
    const base = `${url}/gists/${g.id}`;
    const out: Record<string, Json> = {
      url: opts.revision === undefined ? base : `${base}/${g.history[rev].version}`,
      forks_url: `${base}/forks`,
      commits_url: `${base}/commits`,
      id: g.id,
      node_id: Buffer.from(`04:Gist${g.id}`).toString('base64'),
      git_pull_url: `${webUrl}/${g.id}.git`,
      git_push_url: `${webUrl}/${g.id}.git`,
      html_url: `${webUrl}/${g.id}`,
      files,
      public: g.public,
      created_at: g.created_at,
      updated_at: g.updated_at,
      description: g.description,
      comments: 0,
      ...(mode === 'full' && { comments_enabled: true }),
      user: null,
      comments_url: `${base}/comments`,
      owner: simpleUser(g.owner),
    };
    if (mode === 'full' && opts.apiVersion !== API_VERSION_WITHOUT_HISTORY) {
      out.forks = [];
      out.history = g.history.slice(rev).map((_, i) => commitItem(g, rev + i));
    }
    out.truncated = names.length > MAX_FILES_SHOWN;
    return out;
  }

  function commit(g: FakeGist, files: Map<string, string>, now: number) {
    const entry = { version: randomBytes(20).toString('hex'), committed_at: isoSeconds(now), files: new Map(files) };
    changes.set(entry, changeStatus(g.history[0]?.files ?? new Map(), entry.files));
    g.history.unshift(entry);
    g.files = new Map(files);
  }

  function newGist(owner: string, description: string | null, isPublic: boolean, files: Map<string, string>, now: number): FakeGist {
    const g: FakeGist = {
      id: randomBytes(16).toString('hex'),
      owner,
      description,
      public: isPublic,
      files: new Map(),
      history: [],
      created_at: isoSeconds(now),
      updated_at: isoSeconds(now),
    };
    commit(g, files, now);
    gists.set(g.id, g);
    return g;
  }

  // --- rate limits --------------------------------------------------------------------------

  function bucket(token: string): Bucket {
    const now = Date.now();
    let b = buckets.get(token);
    if (!b || now >= b.resetAt) {
      b = { used: 0, resetAt: Math.ceil((now + WINDOW_MS) / 1000) * 1000 };
      buckets.set(token, b);
    }
    return b;
  }
  const limitOf = (token: string) => (token === '' ? ANON_LIMIT : rateLimit);
  function rateHeaders(token: string): Record<string, string> {
    const b = bucket(token);
    const limit = limitOf(token);
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - b.used)),
      'x-ratelimit-reset': String(b.resetAt / 1000),
      'x-ratelimit-used': String(b.used),
      'x-ratelimit-resource': 'core',
    };
  }
  function rateJson(token: string) {
    const b = bucket(token);
    const limit = limitOf(token);
    return { limit, used: b.used, remaining: Math.max(0, limit - b.used), reset: b.resetAt / 1000 };
  }

  // --- routing ------------------------------------------------------------------------------

  function parseJsonBody(raw: Buffer, doc: string): { ok: true; value: Record<string, unknown> } | { ok: false; answer: Answer } {
    if (raw.length === 0) return { ok: true, value: {} };
    if (!isUtf8(raw)) return { ok: false, answer: badJson(doc) }; // gist files are text: invalid UTF-8 → 400
    const text = raw.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { ok: false, answer: badJson(doc) };
    }
    if (!isObject(value)) return { ok: false, answer: badJson(doc, 'Body should be a JSON object') };
    return { ok: true, value };
  }

  function paginate<T>(items: T[], query: Record<string, string>, path: string): { page: T[]; link?: string } {
    const perRaw = Number.parseInt(query.per_page ?? '', 10);
    const perPage = Math.min(perPageMax, Math.max(1, Number.isFinite(perRaw) ? perRaw : 30));
    const pageRaw = Number.parseInt(query.page ?? '', 10);
    const page = Math.max(1, Number.isFinite(pageRaw) ? pageRaw : 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    if (last === 1 && page === 1) return { page: slice };
    const href = (p: number) => {
      const q = new URLSearchParams(query);
      q.delete('page');
      q.set('page', String(p));
      return `<${url}${path}?${q.toString()}>`;
    };
    const rels: string[] = [];
    if (page > 1) rels.push(`${href(Math.min(page - 1, last))}; rel="prev"`);
    if (page < last) rels.push(`${href(page + 1)}; rel="next"`, `${href(last)}; rel="last"`);
    if (page > 1) rels.push(`${href(1)}; rel="first"`);
    return { page: slice, link: rels.join(', ') };
  }

  function validFileName(name: string): boolean {
    return name.length > 0 && !name.includes('/');
  }

  async function route(method: string, path: string, query: Record<string, string>, body: Buffer, caller: Caller | null, apiVersion: string | undefined): Promise<Answer> {
    const now = Date.now();
    const canWrite = (c: Caller) => c.scopes === null || c.scopes.includes('gist');

    if (path === '/rate_limit' && method === 'GET') {
      const token = caller?.token ?? '';
      const core = rateJson(token);
      const other = (limit: number) => ({ limit, used: 0, remaining: limit, reset: Math.ceil((now + 60_000) / 1000) });
      const payload: Record<string, Json> = {
        resources: {
          core,
          search: other(caller ? 30 : 10),
          graphql: caller ? { ...other(5000), reset: core.reset } : other(0),
          integration_manifest: other(5000),
          code_search: other(10),
        },
      };
      if (apiVersion !== API_VERSION_WITHOUT_HISTORY) payload.rate = core;
      return { status: 200, body: payload }; // not counted: see handle()
    }

    if (path === '/user' && method === 'GET') {
      if (!caller) return error(401, 'Requires authentication', DOC.user);
      return { status: 200, body: privateUser(caller.login) };
    }

    if (path === '/gists' && method === 'GET') {
      let items = [...gists.values()].reverse(); // newest inserted first among equal timestamps
      items = items.filter((g) => (caller ? g.owner === caller.login : g.public));
      if (query.since !== undefined) {
        const since = Date.parse(query.since);
        if (Number.isFinite(since)) items = items.filter((g) => Date.parse(g.updated_at) >= since);
      }
      items.sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
      const { page, link } = paginate(items, query, path);
      return { status: 200, body: page.map((g) => gistJson(g, 'list')), headers: link ? { link } : {} };
    }

    if (path === '/gists' && method === 'POST') {
      if (!caller) return error(401, 'Requires authentication', DOC.create);
      if (!canWrite(caller)) return notFound(DOC.create);
      const parsed = parseJsonBody(body, DOC.create);
      if (!parsed.ok) return parsed.answer;
      const { files, description } = parsed.value;
      const isPublic = parsed.value.public;
      if (!isObject(files) || Object.keys(files).length === 0) return validationFailed(DOC.create);
      const map = new Map<string, string>();
      for (const [name, f] of Object.entries(files)) {
        if (!isObject(f) || typeof f.content !== 'string' || isBlank(f.content)) return validationFailed(DOC.create);
        if (!validFileName(name)) return validationFailed(DOC.create, 'invalid');
        map.set(name, f.content);
      }
      if (description !== undefined && description !== null && typeof description !== 'string') return validationFailed(DOC.create, 'invalid', 'description');
      if (isPublic !== undefined && ![true, false, 'true', 'false'].includes(isPublic as never)) return validationFailed(DOC.create, 'invalid', 'public');
      const g = newGist(caller.login, (description as string | null | undefined) ?? null, isPublic === true || isPublic === 'true', map, now);
      if (hideNextCreate > 0) {
        hidden.set(g.id, hideNextCreate);
        hideNextCreate = 0;
      }
      return { status: 201, body: gistJson(g, 'full', { apiVersion }), headers: { location: `${url}/gists/${g.id}` } };
    }

    const m = /^\/gists\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    if (!m) return notFound();
    const [, id, sub] = m;
    const g = gists.get(id);

    if (method === 'GET') {
      if (!g) return notFound(sub === 'commits' ? DOC.commits : sub ? DOC.revision : DOC.get);
      const left = hidden.get(id);
      if (left) {
        if (left > 1) hidden.set(id, left - 1);
        else hidden.delete(id);
        return notFound(DOC.get);
      }
      if (sub === undefined) return { status: 200, body: gistJson(g, 'full', { apiVersion }) };
      if (sub === 'commits') {
        const items = g.history.map((_, i) => i);
        const { page, link } = paginate(items, query, path);
        return { status: 200, body: page.map((i) => commitItem(g, i)), headers: link ? { link } : {} };
      }
      const rev = g.history.findIndex((h) => h.version === sub);
      if (rev < 0) return notFound(DOC.revision);
      return { status: 200, body: gistJson(g, 'full', { revision: rev, apiVersion }) };
    }

    if (sub !== undefined) return notFound();

    if (method === 'PATCH') {
      if (!caller) return error(401, 'Requires authentication', DOC.update);
      if (!g || g.owner !== caller.login || !canWrite(caller)) return notFound(DOC.update);
      const parsed = parseJsonBody(body, DOC.update);
      if (!parsed.ok) return parsed.answer;
      const { files, description } = parsed.value;
      if (files === undefined && description === undefined) return validationFailed(DOC.update);
      if (description !== undefined && description !== null && typeof description !== 'string') return validationFailed(DOC.update, 'invalid', 'description');
      const next = new Map(g.files);
      if (files !== undefined && files !== null) {
        if (!isObject(files)) return validationFailed(DOC.update);
        for (const [name, f] of Object.entries(files)) {
          if (f === null) {
            if (!next.has(name)) return validationFailed(DOC.update); // no-op delete → 422 (gists3, live-verified)
            next.delete(name);
            continue;
          }
          if (!isObject(f)) return validationFailed(DOC.update);
          const content = f.content;
          const newName = typeof f.filename === 'string' ? f.filename : name;
          if (content !== undefined && (typeof content !== 'string' || isBlank(content))) return validationFailed(DOC.update);
          if (!validFileName(newName)) return validationFailed(DOC.update, 'invalid');
          const current = next.get(name);
          if (current === undefined && content === undefined) return validationFailed(DOC.update);
          const value = (content as string | undefined) ?? current!;
          if (newName !== name) {
            if (next.has(newName)) return validationFailed(DOC.update, 'already_exists');
            next.delete(name);
          }
          next.set(newName, value);
        }
        if (next.size === 0) return validationFailed(DOC.update); // a gist keeps at least one file
      }
      let changed = false;
      if (!sameFiles(next, g.files)) {
        commit(g, next, now);
        changed = true;
      }
      if (description !== undefined && description !== g.description) {
        g.description = description as string | null;
        changed = true;
      }
      if (changed) g.updated_at = isoSeconds(now);
      return { status: 200, body: gistJson(g, 'full', { apiVersion }) };
    }

    if (method === 'DELETE') {
      if (!caller) return error(401, 'Requires authentication', DOC.delete);
      if (!g || g.owner !== caller.login || !canWrite(caller)) return notFound(DOC.delete);
      gists.delete(id);
      hidden.delete(id);
      return { status: 204 };
    }

    return notFound();
  }

  // --- raw host -----------------------------------------------------------------------------

  function rawAnswer(path: string): { status: number; text: string } {
    // /{owner}/{id}/raw/{sha}/{filename} (immutable) or /{owner}/{id}/raw/{filename} (latest)
    const m = /^\/([^/]+)\/([^/]+)\/raw\/(?:([0-9a-f]{40})\/)?([^/]+)$/.exec(path);
    const notFoundText = { status: 404, text: '404: Not Found' };
    if (!m) return notFoundText;
    const [, owner, id, sha, encodedName] = m;
    let name: string;
    try {
      name = decodeURIComponent(encodedName);
    } catch {
      return notFoundText;
    }
    const g = gists.get(id);
    if (!g || g.owner !== owner) return notFoundText;
    let content: string | undefined;
    if (sha === undefined) content = g.files.get(name);
    else {
      // current files first: a test may have edited them directly, without a revision
      for (const h of [{ files: g.files }, ...g.history]) {
        const c = h.files.get(name);
        if (c !== undefined && blobSha(c) === sha) {
          content = c;
          break;
        }
      }
    }
    if (content === undefined) return notFoundText;
    if (blobInfo(content).size > rawLimit) return { status: 403, text: '403: Forbidden' };
    return { status: 200, text: content };
  }

  // --- HTTP ---------------------------------------------------------------------------------

  function requestId(): string {
    requestSeq += 1;
    const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0');
    return `${hex(apiPort & 0xffff, 4)}:${hex(requestSeq & 0xffff, 4)}:${hex(requestSeq * 7919, 6)}:${hex(requestSeq * 104729, 7)}:${randomBytes(4).toString('hex').toUpperCase()}`;
  }

  function parseCaller(header: string | undefined): { caller: Caller | null; bad: boolean } {
    if (header === undefined) return { caller: null, bad: false };
    const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
    const t = m ? tokens[m[1]] : undefined;
    if (!m || !t) return { caller: null, bad: true };
    return { caller: { token: m[1], login: t.login, scopes: t.scopes }, bad: false };
  }

  function send(res: ServerResponse, rec: RecordedGitHubRequest, status: number, headers: Record<string, string>, body: string | Buffer | undefined, head: boolean) {
    rec.status = status;
    const out: Record<string, string | number> = { ...headers };
    if (body !== undefined) out['content-length'] = Buffer.byteLength(body);
    res.writeHead(status, out);
    res.end(head ? undefined : body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, host: 'api' | 'raw') {
    const method = (req.method ?? 'GET').toUpperCase();
    const u = new URL(req.url ?? '/', 'http://fake.invalid');
    const path = u.pathname;
    const query = Object.fromEntries(u.searchParams);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch {
      return;
    }
    const rec: RecordedGitHubRequest = { method, path, query, headers, host };
    if (recordBodies && raw.length > 0) rec.body = raw.toString('utf8');
    requests.push(rec);

    const { caller, bad } = parseCaller(headers.authorization);
    const rid = requestId();
    const apiVersion = headers['x-github-api-version'];
    const common: Record<string, string> = {
      'x-github-request-id': rid,
      ...(host === 'api' && {
        'x-github-media-type': 'github.v3; format=json',
        'x-github-api-version-selected': apiVersion === API_VERSION_WITHOUT_HISTORY ? apiVersion : API_VERSION,
        ...(caller && caller.scopes !== null && { 'x-oauth-scopes': caller.scopes.join(', '), 'x-accepted-oauth-scopes': '' }),
      }),
    };
    const head = method === 'HEAD';

    // Injected faults come first: they stand for whatever GitHub's front end decided.
    const fi = faults.findIndex(
      (f) =>
        f.left > 0 &&
        (!f.match.host || f.match.host === host) &&
        (!f.match.method || f.match.method.toUpperCase() === method) &&
        (!f.match.pathPrefix || path.startsWith(f.match.pathPrefix)),
    );
    if (fi >= 0) {
      const f = faults[fi];
      f.left -= 1;
      if (f.left <= 0) faults.splice(fi, 1);
      if (f.fault === 'timeout') {
        hung.add(res);
        res.on('close', () => hung.delete(res));
        return;
      }
      if (f.fault === 'reset') {
        req.socket.destroy();
        return;
      }
      const body = f.fault.body === undefined ? defaultFaultBody(f.fault.status) : f.fault.body;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const secondary = /\bsecondary rate\b/i.test(text);
      const h: Record<string, string> = {
        ...common,
        'content-type': JSON_TYPE,
        ...(host === 'api' && !secondary && rateHeaders(caller?.token ?? '')),
        ...f.fault.headers,
      };
      return send(res, rec, f.fault.status, h, text, head);
    }

    if (host === 'raw') {
      if (method !== 'GET' && method !== 'HEAD') return send(res, rec, 404, { ...common, 'content-type': 'text/plain; charset=utf-8' }, '404: Not Found', head);
      const a = rawAnswer(path);
      return send(
        res,
        rec,
        a.status,
        { ...common, 'content-type': 'text/plain; charset=utf-8', ...(a.status === 200 && { 'cache-control': 'max-age=300', etag: `"${blobSha(a.text)}"` }) },
        a.text,
        head,
      );
    }

    const json = (status: number, body: Json, extra: Record<string, string>) =>
      send(res, rec, status, { ...common, 'content-type': JSON_TYPE, ...extra }, JSON.stringify(body), head);

    if (!headers['user-agent']) return json(403, { message: NO_USER_AGENT }, {});
    if (bad) return json(401, { message: 'Bad credentials', documentation_url: DOC.rest, status: '401' }, rateHeaders(''));
    if (path !== '/' && path.endsWith('/')) return json(404, notFound().body, rateHeaders(caller?.token ?? ''));

    const token = caller?.token ?? '';
    const isRateLimit = path === '/rate_limit';
    if (!isRateLimit) {
      const b = bucket(token);
      if (b.used >= limitOf(token)) {
        const who = caller ? `user ID ${userId(caller.login)}` : '127.0.0.1';
        const message = caller
          ? `API rate limit exceeded for ${who}. If you reach out to GitHub Support for help, please include the request ID ${rid} and timestamp ${new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} UTC.`
          : `API rate limit exceeded for ${who}. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.) If you reach out to GitHub Support for help, please include the request ID ${rid} and timestamp ${new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} UTC.`;
        return json(primaryStatus, { message, documentation_url: DOC.primary, status: String(primaryStatus) }, rateHeaders(token));
      }
      b.used += 1;
    }

    const answer = await route(method, path, query, raw, caller, apiVersion);
    if (answer.status === 204) return send(res, rec, 204, { ...common, ...rateHeaders(token), ...answer.headers }, undefined, head);
    const text = JSON.stringify(answer.body);
    const extra: Record<string, string> = { ...rateHeaders(token), ...answer.headers };
    if (answer.status === 200 || answer.status === 201) {
      const tag = createHash('md5').update(text).digest('hex');
      extra.etag = method === 'POST' ? `"${tag}"` : `W/"${tag}"`;
      extra['cache-control'] = 'private, max-age=60, s-maxage=60';
      const inm = headers['if-none-match'];
      if (method === 'GET' && inm && inm.replace(/^W\//, '') === extra.etag.replace(/^W\//, '')) {
        bucket(token).used -= 1; // 304s do not count against the rate limit
        return send(res, rec, 304, { ...common, ...rateHeaders(token), etag: extra.etag }, undefined, head);
      }
    }
    return send(res, rec, answer.status, { ...common, 'content-type': JSON_TYPE, ...extra }, text, head);
  }

  // --- the handle ---------------------------------------------------------------------------

  return {
    url,
    rawUrl,
    requests,
    gists,
    count(filter = {}) {
      return requests.filter(
        (r) =>
          (!filter.host || r.host === filter.host) &&
          (!filter.method || r.method === filter.method.toUpperCase()) &&
          (!filter.pathPrefix || r.path.startsWith(filter.pathPrefix)),
      ).length;
    },
    seedGists(login, n, make) {
      const start = Date.now() - n * 1000;
      for (let i = 0; i < n; i++) {
        const spec = make?.(i) ?? {};
        const files = new Map(Object.entries(spec.files ?? { [`seed-${i}.txt`]: `seed content ${i}\n` }));
        newGist(login, spec.description ?? `seed gist ${i}`, spec.public ?? false, files, start + i * 1000);
      }
    },
    fail(match, fault, times = Infinity) {
      if (times > 0) faults.push({ match, fault, left: times });
    },
    failNextGetAfterCreate(times = 1) {
      hideNextCreate = times;
    },
    setRemaining(token, remaining, resetInSeconds) {
      const b = bucket(token);
      b.used = Math.max(0, limitOf(token) - Math.max(0, remaining));
      if (resetInSeconds !== undefined) b.resetAt = Math.ceil((Date.now() + resetInSeconds * 1000) / 1000) * 1000;
    },
    clearFaults() {
      faults = [];
      hideNextCreate = 0;
      hidden.clear();
    },
    reset() {
      requests.length = 0;
      faults = [];
      hideNextCreate = 0;
      hidden.clear();
      buckets.clear();
    },
    async close() {
      for (const res of hung) res.destroy();
      hung.clear();
      await Promise.all(
        [apiServer, rawServer].map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
