// Structured JSON logs, one object per line. Every configured secret is scrubbed from every
// line before it is written, whatever field it hides in.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Values that must never be written (tokens, keys). */
  secrets?: () => Array<string | undefined>;
  write?: (line: string) => void;
}

function errorFields(error: unknown): unknown {
  if (error instanceof Error) {
    const out: Record<string, unknown> = { name: error.name, message: error.message };
    const code = (error as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    if (error.stack) out.stack = error.stack;
    if (error.cause !== undefined) out.cause = errorFields(error.cause);
    return out;
  }
  return error;
}

export function createLogger(options: LoggerOptions, base: Record<string, unknown> = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const min = rank[options.level];
  const log = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>) => {
    if (rank[level] < min) return;
    const record: Record<string, unknown> = { time: new Date().toISOString(), level, msg, ...base, ...fields };
    if (record.err !== undefined) record.err = errorFields(record.err);
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ time: record.time, level, msg, unserializable: true });
    }
    for (const secret of options.secrets?.() ?? []) {
      if (secret && secret.length >= 4) line = line.split(secret).join('[REDACTED]');
    }
    write(line);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}
