// Small durable-file helpers shared by the local backend and the ModelStore's staging area.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, open, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** A unique name for a temp file. Temp names start with "." so they never look like a model id. */
export function tempName(prefix: string): string {
  return `.${prefix}-${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
}

/** fsync a directory so a rename or unlink in it survives a power cut (no-op where unsupported). */
export async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch (error) {
    // Some platforms/filesystems refuse fsync on directories; the rename is still atomic there.
    if (!isCode(error, 'EISDIR', 'EINVAL', 'EPERM', 'EBADF')) throw error;
  } finally {
    await handle?.close();
  }
}

/** fsync a file's data to disk. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `data` to `path` atomically: temp file in the same directory, fsync, rename, fsync directory. */
export async function atomicWriteFile(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, tempName('write'));
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncDir(dir);
}

/**
 * Moves a file into place durably: fsync it, rename it (copy when across filesystems), fsync the
 * target directory. An existing target is replaced atomically.
 */
export async function durableMove(from: string, to: string): Promise<void> {
  await syncFile(from);
  try {
    await rename(from, to);
  } catch (error) {
    if (!isCode(error, 'EXDEV')) throw error;
    const temp = join(dirname(to), tempName('copy'));
    try {
      await copyFile(from, temp);
      await syncFile(temp);
      await rename(temp, to);
    } catch (copyError) {
      await unlink(temp).catch(() => {});
      throw copyError;
    }
    await unlink(from).catch(() => {});
  }
  await syncDir(dirname(to));
}

/** A second name for an immutable file (hard link; a copy where links are impossible). */
export async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    if (!isCode(error, 'EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK')) throw error;
    await copyFile(from, to, constants.COPYFILE_EXCL);
  }
}

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { force: true, recursive: true }).catch(() => {});
}

export function isCode(error: unknown, ...codes: string[]): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && codes.includes(code);
}
