// The model benchmarks' HTTP client: a lean multipart upload and a download of the model "bench",
// shared by bench/models.ts (local disk) and bench/gist.ts (GitHub Gist).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { get as httpGet, request as httpRequest } from 'node:http';

export const MiB = 1024 * 1024;

export function mb(bytes: number): string {
  return `${(bytes / MiB).toFixed(0)} MiB`;
}

/**
 * A lean multipart client (node:http, the file streamed from disk, Content-Length known), so the
 * numbers are the server's rather than fetch's FormData encoder's.
 */
export async function upload(url: string, token: string, path: string, size: number, modelType?: string): Promise<number> {
  const boundary = `----stockroom${randomBytes(8).toString('hex')}`;
  const operations = JSON.stringify({
    query: `mutation Save($file: File!) { saveModel(input: { id: "bench", file: $file${modelType ? `, modelType: ${JSON.stringify(modelType)}` : ''} }) { version sizeBytes } }`,
    variables: { file: null },
  });
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n${JSON.stringify({ 0: ['variables.file'] })}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="model.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const text = await new Promise<string>((resolve, reject) => {
    const request = httpRequest(`${url}/graphql`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'x-graphql-csrf': '1',
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + size + tail.length),
      },
    });
    request.once('error', reject);
    request.once('response', async (response) => {
      let body = '';
      for await (const chunk of response) body += chunk;
      resolve(body);
    });
    request.write(head);
    const file = createReadStream(path, { highWaterMark: MiB });
    file.pipe(request, { end: false });
    file.once('error', reject);
    file.once('end', () => request.end(tail));
  });
  const body = JSON.parse(text) as { data?: { saveModel: { version: number; sizeBytes: number } }; errors?: unknown };
  if (!body.data || body.data.saveModel.sizeBytes !== size) throw new Error(`save failed: ${text}`);
  return body.data.saveModel.version;
}

/** Times a download (bytes discarded); `sha256` is checked when given (outside the timed runs). */
export async function download(url: string, token: string, version: number, size: number, sha256?: string): Promise<number> {
  const started = performance.now();
  const hash = sha256 ? createHash('sha256') : undefined;
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    httpGet(`${url}/models/bench/content?version=${version}`, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`load failed: ${response.statusCode}`));
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash?.update(chunk);
      });
      response.once('end', resolve);
      response.once('error', reject);
    }).once('error', reject);
  });
  const ms = performance.now() - started;
  if (bytes !== size || (hash && hash.digest('hex') !== sha256)) throw new Error('load returned different bytes');
  return ms;
}
