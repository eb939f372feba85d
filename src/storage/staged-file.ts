// A File whose bytes are in a local temp file rather than in memory: what the streaming multipart
// parser (src/http/multipart.ts) hands to resolvers. It is a real `File` (the File scalar accepts
// it, `stream()`/`arrayBuffer()`/`text()` work), and it knows its size and sha256, computed while
// it was written, so the ModelStore can adopt it without reading it again.
import { createReadStream, readFileSync } from 'node:fs';
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
  override slice(start?: number, end?: number, contentType?: string): Blob {
    return new Blob([readFileSync(this.path).subarray(start, end)], { type: contentType ?? '' });
  }
}
