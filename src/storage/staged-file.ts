// A File whose bytes are in a local temp file rather than in memory: what the streaming multipart
// parser (src/http/multipart.ts) hands to resolvers. It is a real `File` (the File scalar accepts
// it, `stream()`/`arrayBuffer()`/`text()` work), and it knows its size and sha256, computed while
// it was written, so the ModelStore can adopt it without reading it again.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';

export class StagedFile extends File {
  readonly #size: number;

  constructor(
    /** Absolute path of the temp file; deleted when the request ends. Treat as read-only. */
    readonly path: string,
    size: number,
    /** sha256 (hex) of the bytes. */
    readonly sha256: string,
    name: string,
    type: string,
  ) {
    super([], name, { type });
    this.#size = size;
  }

  override get size(): number {
    return this.#size;
  }

  override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    return Readable.toWeb(createReadStream(this.path, { highWaterMark: 1024 * 1024 })) as ReadableStream<Uint8Array<ArrayBuffer>>;
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    const buffer = await readFile(this.path);
    return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
  }

  override async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return new Uint8Array(await this.arrayBuffer());
  }

  override async text(): Promise<string> {
    return readFile(this.path, 'utf8');
  }

  /** Reads the requested range into memory (Blob.slice is synchronous); meant for small slices. */
  override slice(start = 0, end = this.#size, contentType = ''): Blob {
    const from = start < 0 ? Math.max(this.#size + start, 0) : Math.min(start, this.#size);
    const to = end < 0 ? Math.max(this.#size + end, 0) : Math.min(end, this.#size);
    const bytes = Buffer.alloc(Math.max(to - from, 0));
    const fd = openSync(this.path, 'r');
    try {
      readSync(fd, bytes, 0, bytes.length, from);
    } finally {
      closeSync(fd);
    }
    return new Blob([bytes], { type: contentType });
  }
}
