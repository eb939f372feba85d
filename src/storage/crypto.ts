// Encryption of what the Gist backend puts on GitHub. A "secret" gist is only unlisted: anyone with
// its URL reads it, so every chunk and every manifest is sealed with AES-256-GCM under
// STORAGE_ENCRYPTION_KEY before it leaves the server.
//
// Sealed format (then base64, no line breaks, as gist files are text):
//   byte 0      format version, 1
//   bytes 1-12  IV, random per seal (never reused: 2^-32 collision odds only after 2^32 seals per key)
//   then        ciphertext (same length as the plaintext)
//   last 16     GCM tag
// The additional authenticated data (AAD) binds a sealed object to where it belongs (model id,
// version, chunk index and count, or "manifest of <id>"), so chunks cannot be swapped, reordered
// or replayed into another model without the tag check failing.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export const KEY_BYTES = 32;
const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes a seal adds to its plaintext. */
export const SEAL_OVERHEAD = 1 + IV_BYTES + TAG_BYTES;

/**
 * STORAGE_ENCRYPTION_KEY: 32 random bytes, written as 64 hex characters or as base64 (standard or
 * URL-safe, padding optional), e.g. `openssl rand -base64 32`. Returns null when the text is
 * neither (the caller reports it without echoing the value).
 */
export function parseEncryptionKey(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) return null;
  const bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === KEY_BYTES ? bytes : null;
}

/** The textual forms a key may take (for the logger's scrub list). */
export function keyForms(key: Buffer): string[] {
  const b64 = key.toString('base64');
  return [b64, b64.replace(/=+$/, ''), key.toString('base64url'), key.toString('hex'), key.toString('hex').toUpperCase()];
}

/**
 * A short public fingerprint of a key (HMAC, not reversible): stored beside sealed manifests so a
 * server started with another key says so clearly instead of reporting corruption.
 */
export function keyId(key: Buffer): string {
  return createHmac('sha256', key).update('stockroom key id').digest('hex').slice(0, 16);
}

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

export function seal(key: Buffer, plaintext: Uint8Array, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([Buffer.from([FORMAT]), iv, body, final, cipher.getAuthTag()]);
}

/** Opens a seal; throws DecryptionError when it is malformed, altered, misplaced or under another key. */
export function unseal(key: Buffer, sealed: Uint8Array, aad: string): Buffer {
  if (sealed.length < SEAL_OVERHEAD || sealed[0] !== FORMAT) throw new DecryptionError('not a sealed object of a known format');
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new DecryptionError('authentication failed (altered, misplaced, or sealed under another key)');
  }
}
