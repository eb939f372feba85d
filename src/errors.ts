// Domain errors: services throw these (they know nothing of GraphQL); the GraphQL layer turns
// them into errors with `extensions.code`. Anything else is an unexpected error and is masked.

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'INVALID_SYMBOL'
  | 'SYMBOL_NOT_FOUND'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'NEWS_AUTH_FAILED'
  | 'NEWSAPI_KEY_MISSING'
  | 'INVALID_MODEL_ID'
  | 'MODEL_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'MODEL_TOO_LARGE'
  | 'MODEL_CORRUPTED'
  // storage backends and switching (GitHub Gist backend: docs/github-backend.md)
  | 'GITHUB_TOKEN_MISSING'
  | 'GITHUB_AUTH_FAILED'
  | 'GITHUB_PERMISSION_DENIED'
  | 'GITHUB_RATE_LIMITED'
  | 'GITHUB_UNAVAILABLE'
  | 'ENCRYPTION_KEY_MISSING'
  | 'ENCRYPTION_KEY_MISMATCH'
  | 'STORAGE_SWITCHING'
  | 'MIGRATION_CONFLICT'
  // S3 and Azure Blob backends (docs/object-storage.md)
  | 'MODEL_CONFLICT'
  | 'STORAGE_NOT_CONFIGURED'
  | 'STORAGE_UNAVAILABLE'
  | 'STORAGE_AUTH_FAILED'
  | 'STORAGE_PERMISSION_DENIED'
  | 'STORAGE_NOT_FOUND'
  | 'STORAGE_ERROR'
  | (string & {});

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra fields safe to show to clients (never secrets). */
    readonly details: Record<string, unknown> = {},
    /** HTTP status for errors that reject the whole request (e.g. 401, 413, 429). */
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** File-system failures a client should hear about plainly (the rest stay masked). */
export function fromSystemError(error: unknown): AppError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new AppError('STORAGE_FULL', "The server's disk has no space left for this model; nothing was stored and earlier versions are intact.", {}, 507, { cause: error });
  }
  return undefined;
}
