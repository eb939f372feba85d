// npm run bench: throughput of cached queries against baselines measured in the same run.
// The servers run as child processes pinned to CPU 0, the load generator (autocannon, this
// process) to CPU 1 when taskset exists. Ratios matter; absolute numbers drift between runs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startFakeYahoo } from '../test/fakes/yahoo.js';
import { benchGist } from './gist.js';
import { benchModels } from './models.js';
import { buildServer } from './server-child.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const ADMIN_TOKEN = 'bench-admin-token-0123456789';

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
if (hasTaskset) spawnSync('taskset', ['-cp', '1', String(process.pid)]);

interface Server {
  name: string;
  url: string;
  child: ChildProcess;
}

/** Starts a server: a TypeScript baseline through tsx, or stockroom's built JavaScript. */
function startServer(name: string, script: string, env: Record<string, string>): Promise<Server> {
  const args = script.endsWith('.ts') ? ['--import', 'tsx', script] : ['--enable-source-maps', script];
  const child = hasTaskset
    ? spawn('taskset', ['-c', '0', process.execPath, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const listening = out.match(/LISTENING (\d+)/) ?? out.match(/"url":"http:\/\/localhost:(\d+)\/graphql"/);
      if (listening) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve({ name, url: `http://127.0.0.1:${listening[1]}/graphql`, child });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.resume();
    child.once('exit', (code) => reject(new Error(`${name} exited early (${code}): ${out}`)));
  });
}

interface Scenario {
  name: string;
  field: 'stockInfo' | 'stockData';
  query: string;
}

const SCENARIOS: Scenario[] = [
  { name: 'stockInfo (cached quote)', field: 'stockInfo', query: '{ stockInfo(symbol: "AAPL") { symbol name price change changePercent currency marketTime fetchedAt stale } }' },
  { name: 'stockData (cached 1y daily)', field: 'stockData', query: '{ stockData(symbol: "AAPL") { symbol bars { time open high low close volume } fetchedAt stale } }' },
];

interface Measured {
  rps: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function load(url: string, method: 'GET' | 'POST', query: string, seconds: number): Promise<Measured> {
  const options: autocannon.Options =
    method === 'GET'
      ? { url: `${url}?query=${encodeURIComponent(query)}`, method: 'GET', headers: { accept: 'application/json' } }
      : { url, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query }) };
  const result = await autocannon({ ...options, connections: CONNECTIONS, duration: seconds });
  return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

async function measure(url: string, method: 'GET' | 'POST', query: string): Promise<Measured> {
  if (WARMUP_S > 0) await load(url, method, query, WARMUP_S);
  return load(url, method, query, DURATION_S);
}

export async function benchQueries(): Promise<string> {
  const fake = await startFakeYahoo();
  const stockroom = await startServer('stockroom', buildServer(), {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    YAHOO_BASE_URL: fake.url,
    ADMIN_TOKEN,
    NODE_ENV: 'production',
  });
  // Warm the caches and take the exact data (and bytes) the baselines will serve.
  const dir = mkdtempSync(join(tmpdir(), 'stockroom-bench-'));
  const data: Record<string, unknown> = {};
  const bytes: Record<string, string> = {};
  for (const scenario of SCENARIOS) {
    const response = await fetch(stockroom.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: scenario.query }),
    });
    const text = await response.text();
    const body = JSON.parse(text);
    if (!body.data) throw new Error(`warm-up failed: ${text}`);
    Object.assign(data, body.data);
    bytes[scenario.field] = text;
  }
  const bars = (data.stockData as { bars: unknown[] }).bars.length;
  const dataFile = join(dir, 'data.json');
  const bytesFile = join(dir, 'bytes.json');
  writeFileSync(dataFile, JSON.stringify(data));
  writeFileSync(bytesFile, JSON.stringify(bytes));
  const servers = [
    stockroom,
    await startServer('yoga defaults', 'bench/baseline-yoga.ts', { BENCH_DATA_FILE: dataFile }),
    await startServer('mercurius+jit', 'bench/baseline-mercurius.ts', { BENCH_DATA_FILE: dataFile }),
    await startServer('bare node', 'bench/baseline-node.ts', { BENCH_BYTES_FILE: bytesFile }),
  ];
  const upstreamBefore = fake.count();

  const rows: string[] = [];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  try {
    for (const scenario of SCENARIOS) {
      for (const method of ['POST', 'GET'] as const) {
        const runs = new Map<string, Measured[]>(servers.map((s) => [s.name, []]));
        for (let round = 0; round < ROUNDS; round++) {
          // Rotate the order each round so drift hits every server alike.
          const order = servers.map((_, i) => servers[(i + round) % servers.length]);
          for (const server of order) runs.get(server.name)!.push(await measure(server.url, method, scenario.query));
        }
        const result = Object.fromEntries(
          [...runs].map(([name, ms]) => [
            name,
            { rps: median(ms.map((m) => m.rps)), p99: median(ms.map((m) => m.p99)), failed: ms.reduce((n, m) => n + m.non2xx + m.errors, 0) },
          ]),
        );
        const ours = result.stockroom;
        const cells = servers.map((s) => `${Math.round(result[s.name].rps)} (${result[s.name].p99})`);
        const ratio = (name: string) => (ours.rps / result[name].rps).toFixed(2);
        const failed = Object.entries(result).filter(([, r]) => r.failed > 0).map(([n, r]) => `${n}: ${r.failed} failed`);
        rows.push(
          `| ${scenario.name} | ${method} | ${cells.join(' | ')} | **${ratio('yoga defaults')}×** | **${ratio('mercurius+jit')}×** | ${ratio('bare node')} |${failed.length ? ` ${failed.join(', ')}` : ''}`,
        );
        process.stderr.write(`${rows.at(-1)}\n`);
      }
    }
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
    await fake.close();
  }
  const upstreamDuring = fake.count() - upstreamBefore;
  return [
    `### Cached queries (${CONNECTIONS} connections, ${DURATION_S} s per measurement after ${WARMUP_S} s warm-up, median of ${ROUNDS} round(s); servers pinned to CPU 0, load to CPU 1: ${hasTaskset})`,
    `Cells: req/s (p99 ms). stockData returns ${bars} bars. Baselines serve the same data: graphql-yoga ${packageVersion('graphql-yoga')} with defaults and Mercurius ${packageVersion('mercurius')} + graphql-jit from a plain object; bare node:http writes stockroom's exact response bytes.`,
    '',
    `| query | method | ${servers.map((s) => s.name).join(' | ')} | ÷ yoga | ÷ mercurius | ÷ bare node |`,
    `|---|---|${servers.map(() => '---:').join('|')}|---:|---:|---:|`,
    ...rows,
    '',
    `Upstream (fake Yahoo) requests during the load: ${upstreamDuring}.`,
  ].join('\n');
}

function packageVersion(name: string): string {
  return JSON.parse(spawnSync(process.execPath, ['-p', `JSON.stringify(require("${name}/package.json").version)`], { encoding: 'utf8' }).stdout);
}

// BENCH_ONLY=queries,models picks sections (all by default).
const sections: Record<string, () => Promise<string>> = {
  queries: benchQueries,
  models: () => benchModels(),
  gist: () => benchGist(),
};
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const reports: string[] = [];
for (const [name, section] of Object.entries(sections)) {
  if (only && !only.includes(name)) continue;
  process.stderr.write(`== ${name}\n`);
  reports.push(await section());
}
process.stdout.write(`\n${reports.join('\n\n')}\n`);
process.exit(0);
