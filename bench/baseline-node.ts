// Ceiling for `npm run bench`: bare node:http writing the exact bytes stockroom answers (read the
// POST body, then answer; no GraphQL at all).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const bytes = JSON.parse(readFileSync(process.env.BENCH_BYTES_FILE!, 'utf8')) as Record<string, string>;
const stockInfo = Buffer.from(bytes.stockInfo);
const stockData = Buffer.from(bytes.stockData);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const asked = req.method === 'GET' ? req.url! : Buffer.concat(chunks).toString();
    const body = asked.includes('stockData') ? stockData : stockInfo;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
