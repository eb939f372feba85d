// Small helpers shared by the storage tests and the crash-test child process (no vitest here).
import { createHash } from 'node:crypto';

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A Blob of these bytes (what a resolver gets for an uploaded file). */
export const blobOf = (bytes: Uint8Array): Blob => new Blob([bytes as Uint8Array<ArrayBuffer>]);

/** Bytes gzip compresses well (so both stored encodings get exercised); `seed` varies them. */
export function compressible(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (Math.floor(i / 64) * seed + (i % 7)) & 0xff;
  return out;
}
