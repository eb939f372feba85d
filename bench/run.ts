// npm run bench: throughput of cached queries against baselines measured in the same run.
// The servers run as child processes pinned to CPU 0, the load generator (autocannon, this
// process) to CPU 1 when taskset exists. Ratios matter; absolute numbers drift between runs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startFakeYahoo } from '../test/fakes/yahoo.js';

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

function startServer(name: string, script: string, env: Record<string, string>): Promise<Server> {
  const args = ['--import', 'tsx', script];
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

async function postJson(url: string, body: unknown): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return response.json();
}

interface Scenario {
  name: string;
  query: string;
}

const SCENARIOS: Scenario[] = [
  { name: 'stockInfo (cached quote)', query: '{ stockInfo(symbol: "AAPL") { symbol name price change changePercent currency marketTime fetchedAt stale } }' },
  { name: 'stockData (cached 1y daily)', query: '{ stockData(symbol: "AAPL") { symbol bars { time open high low close volume } fetchedAt stale } }' },
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
  const stockroom = await startServer('stockroom', 'src/server.ts', {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    YAHOO_BASE_URL: fake.url,
    ADMIN_TOKEN,
    NODE_ENV: 'production',
  });
  // Warm the caches and take the exact data the baseline will serve.
  const info = await postJson(stockroom.url, { query: SCENARIOS[0].query });
  const history = await postJson(stockroom.url, { query: SCENARIOS[1].query });
  if (!info.data || !history.data) throw new Error(`warm-up failed: ${JSON.stringify(info.errors ?? history.errors)}`);
  const bars = history.data.stockData.bars.length;
  const dir = mkdtempSync(join(tmpdir(), 'stockroom-bench-'));
  const dataFile = join(dir, 'data.json');
  writeFileSync(dataFile, JSON.stringify({ stockInfo: info.data.stockInfo, stockData: history.data.stockData }));
  const baseline = await startServer('yoga baseline', 'bench/baseline-yoga.ts', { BENCH_DATA_FILE: dataFile });
  const upstreamBefore = fake.count();

  const rows: string[] = [];
  try {
    for (const scenario of SCENARIOS) {
      for (const method of ['POST', 'GET'] as const) {
        const ours: Measured[] = [];
        const base: Measured[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          // Alternate the order each round so drift hits both alike.
          if (round % 2 === 0) {
            ours.push(await measure(stockroom.url, method, scenario.query));
            base.push(await measure(baseline.url, method, scenario.query));
          } else {
            base.push(await measure(baseline.url, method, scenario.query));
            ours.push(await measure(stockroom.url, method, scenario.query));
          }
        }
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        const o = { rps: median(ours.map((m) => m.rps)), p99: median(ours.map((m) => m.p99)) };
        const b = { rps: median(base.map((m) => m.rps)), p99: median(base.map((m) => m.p99)) };
        const failures = [...ours, ...base].reduce((n, m) => n + m.non2xx + m.errors, 0);
        rows.push(
          `| ${scenario.name} | ${method} | ${Math.round(o.rps)} | ${o.p99} | ${Math.round(b.rps)} | ${b.p99} | **${(o.rps / b.rps).toFixed(2)}×** |${failures ? ` ${failures} failed` : ''}`,
        );
        process.stderr.write(`${rows.at(-1)}\n`);
      }
    }
  } finally {
    stockroom.child.kill('SIGTERM');
    baseline.child.kill('SIGTERM');
    await fake.close();
  }
  const upstreamDuring = fake.count() - upstreamBefore;
  return [
    `### Cached queries (${CONNECTIONS} connections, ${DURATION_S} s per measurement, ${ROUNDS} round(s), server pinned to CPU 0: ${hasTaskset})`,
    `stockData returns ${bars} bars. Baseline: graphql-yoga ${yogaVersion()} defaults, same SDL, data from a plain object.`,
    '',
    '| query | method | stockroom req/s | p99 ms | baseline req/s | p99 ms | ratio |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Upstream (fake Yahoo) requests during the load: ${upstreamDuring}.`,
  ].join('\n');
}

function yogaVersion(): string {
  return JSON.parse(spawnSync(process.execPath, ['-p', 'JSON.stringify(require("graphql-yoga/package.json").version)'], { encoding: 'utf8' }).stdout);
}

const sections: Array<() => Promise<string>> = [benchQueries];
const reports: string[] = [];
for (const section of sections) reports.push(await section());
process.stdout.write(`\n${reports.join('\n\n')}\n`);
process.exit(0);
