// Listens, and shuts down gracefully on SIGTERM/SIGINT: stop accepting, finish in-flight
// requests, then exit. Everything else is in createApp.
import { createServer } from 'node:http';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`stockroom: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const app = createApp(config);
const server = createServer(app.handler);
server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout

server.listen(config.http.port, config.http.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  app.logger.info('stockroom listening', { url: `http://localhost:${port}${app.yoga.graphqlEndpoint}` });
  if (app.adminTokenGenerated) {
    // Printed once, outside the logger (which scrubs it), so the operator can use mutations.
    process.stderr.write(
      `\nNo ADMIN_TOKEN was set; generated one for this run (mutations need it):\n  Authorization: Bearer ${app.adminToken}\n\n`,
    );
  }
  // Open the model store now rather than at the first request: with the GitHub backend this finds
  // every model on GitHub (recovery after a redeploy) and reports a bad token at once; with S3 or
  // Azure, a missing bucket or refused credentials (coded, without secrets).
  app.services.storage.backendKind().then(
    (backend) => app.logger.info('model storage ready', { backend }),
    (error: unknown) =>
      app.logger.error('model storage could not be opened; model requests will try again', { code: (error as { code?: unknown }).code, err: error }),
  );
});

let stopping = false;
function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  app.logger.info('shutting down', { signal });
  const force = setTimeout(() => {
    app.logger.warn('in-flight requests did not finish in time; exiting');
    process.exit(1);
  }, config.http.shutdownTimeoutMs);
  force.unref();
  server.close(async () => {
    await app.close();
    app.logger.info('stopped');
    process.exit(0);
  });
  // Keep-alive connections become idle once their in-flight response is written; close them as
  // they do, so close() completes as soon as the last request has been answered.
  server.closeIdleConnections();
  setInterval(() => server.closeIdleConnections(), 50).unref();
  // Not ready from now on; Redis and the rest are released by app.close() once requests are done
  // (a request in flight may hold a lease other replicas are waiting on).
  app.beginShutdown();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
