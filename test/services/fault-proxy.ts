// A small HTTP proxy in front of an object-store server for fault injection: it forwards
// everything (Host header untouched, so request signatures stay valid), records what it saw, and
// applies the first matching rule: cut the connection after N request-body bytes (a network
// failure part-way through an upload), or answer a status of its own.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface FaultRule {
  match: (req: SeenRequest) => boolean;
  /** Close the connection once this many body bytes have arrived (0: at once). */
  cutAfterBytes?: number;
  /** Or answer this instead of forwarding. */
  respond?: { status: number; body?: string; headers?: Record<string, string> };
  /** How many requests this rule applies to (default: all while it is installed). */
  times?: number;
}

export interface FaultProxy {
  endpoint: string;
  seen: SeenRequest[];
  rules: FaultRule[];
  /** How many requests a rule was applied to. */
  applied: number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const proxy: FaultProxy = {
    endpoint: '',
    seen: [],
    rules: [],
    applied: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const seen: SeenRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    proxy.seen.push(seen);
    const rule = proxy.rules.find((r) => (r.times === undefined || r.times > 0) && r.match(seen));
    if (rule) {
      proxy.applied++;
      if (rule.times !== undefined) rule.times--;
      if (rule.respond) {
        req.resume();
        req.once('end', () => {
          res.writeHead(rule.respond!.status, { 'content-type': 'application/xml', ...rule.respond!.headers });
          res.end(rule.respond!.body ?? '');
        });
        return;
      }
      let received = 0;
      const limit = rule.cutAfterBytes ?? 0;
      if (limit === 0) return void req.socket.destroy();
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= limit) req.socket.destroy();
      });
      req.once('end', () => req.socket.destroy());
      return;
    }
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.once('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
