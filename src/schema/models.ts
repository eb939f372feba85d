// Models domain: ML models stored as opaque bytes plus JSON metadata, versioned, deployable.
// Bytes go in through saveModel (multipart upload or contentBase64) and come out through
// GET /models/{id}/content (src/http/model-content.ts); the server never executes them.
import { builder } from '../builder.js';
import * as resolve from '../resolvers/models.js';
import type { GitHubStatus } from '../storage/github.js';
import type { StorageStatus } from '../storage/model-store.js';

const StorageBackendEnum = builder.enumType('StorageBackend', {
  description: 'Where models are stored (STORAGE_BACKEND).',
  values: {
    LOCAL: { description: 'Local disk under DATA_DIR.' },
    GITHUB: { description: 'GitHub Gists.' },
    S3: { description: 'An S3 bucket (AWS S3 or an S3-compatible server): S3_BUCKET, S3_PREFIX.' },
    AZURE: { description: 'An Azure Blob Storage container: AZURE_STORAGE_CONTAINER, AZURE_STORAGE_PREFIX.' },
  } as const,
});

const ModelVersionRef = builder.objectRef<resolve.ModelVersionShape>('ModelVersion').implement({
  description: 'One saved version of a model. Versions are immutable; every save or rollback adds one.',
  fields: (t) => ({
    version: t.exposeInt('version', { nullable: false }),
    sizeBytes: t.exposeInt('sizeBytes', { nullable: false, description: 'Size of the model bytes (uncompressed).' }),
    sha256: t.exposeString('sha256', { nullable: false, description: 'sha256 of the bytes, hex; also the ETag of the download.' }),
    metadata: t.expose('metadata', { type: 'JSON', nullable: false }),
    symbol: t.exposeString('symbol'),
    modelType: t.exposeString('modelType'),
    createdAt: t.expose('createdAt', { type: 'DateTime', nullable: false }),
    deployed: t.exposeBoolean('deployed', { nullable: false }),
    rolledBackFrom: t.exposeInt('rolledBackFrom', { description: 'Set when rollbackModel made this version: the version it copies.' }),
    storedBytes: t.exposeInt('storedBytes', {
      nullable: false,
      description: 'Bytes the backend holds for this version (gzip-compressed when that saves at least 5%).',
    }),
    downloadUrl: t.string({
      nullable: false,
      description: 'GET this URL with the admin token for the bytes of this version.',
      resolve: (v, _args, ctx) => resolve.downloadUrl(ctx, v.modelId, v.version),
    }),
  }),
});

const ModelRef = builder.objectRef<resolve.ModelShape>('Model').implement({
  description: 'A stored ML model: opaque bytes (never executed by the server) plus JSON metadata. Fields describe the current (newest) version.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false }),
    symbol: t.exposeString('symbol', { description: 'Ticker symbol the model is for, if any (normalised to upper case).' }),
    modelType: t.exposeString('modelType', { description: 'Free-form kind, e.g. sklearn, onnx, xgboost.' }),
    metadata: t.expose('metadata', { type: 'JSON', nullable: false }),
    version: t.exposeInt('version', { nullable: false, description: 'The current (newest) version.' }),
    versions: t.field({
      type: [ModelVersionRef],
      nullable: false,
      description: 'Kept versions, oldest first (MODEL_KEEP_VERSIONS newest, plus the deployed one).',
      resolve: (m) => resolve.versions(m),
    }),
    sizeBytes: t.exposeInt('sizeBytes', { nullable: false }),
    sha256: t.exposeString('sha256', { nullable: false }),
    deployed: t.boolean({ nullable: false, resolve: (m) => m.deployedVersion !== null }),
    deployedVersion: t.exposeInt('deployedVersion'),
    backend: t.expose('backend', { type: StorageBackendEnum, nullable: false }),
    createdAt: t.expose('createdAt', { type: 'DateTime', nullable: false, description: 'First save.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', nullable: false, description: 'Last save, rollback, deploy or undeploy.' }),
    downloadUrl: t.string({
      nullable: false,
      description: 'GET this URL with "Authorization: Bearer <ADMIN_TOKEN>" for the bytes of the current version.',
      resolve: (m, _args, ctx) => resolve.downloadUrl(ctx, m.id, m.version),
    }),
    contentBase64: t.string({
      description: `The bytes, base64-encoded, for small models (at most ${resolve.MAX_INLINE_CONTENT_BYTES} bytes; use downloadUrl for bigger ones). Needs the admin token.`,
      authScopes: { admin: true },
      args: { version: t.arg.int({ description: 'Default: the current version.' }) },
      resolve: (m, args, ctx) => resolve.contentBase64(ctx, m.id, args.version ?? m.version),
    }),
  }),
});

const GitHubStorageStatusRef = builder.objectRef<GitHubStatus>('GitHubStorageStatus').implement({
  description: 'The GitHub Gist backend as this server sees it. The token itself never leaves the server.',
  fields: (t) => ({
    tokenConfigured: t.exposeBoolean('tokenConfigured', { nullable: false, description: 'GITHUB_TOKEN is set.' }),
    tokenValid: t.exposeBoolean('tokenValid', {
      description: 'GitHub accepts the token; null when it could not be checked (not configured, or GitHub unreachable).',
    }),
    login: t.exposeString('login', { description: 'The account the token belongs to.' }),
    scopes: t.exposeStringList('scopes', {
      description: 'OAuth scopes of a classic token (must include "gist"); null when GitHub does not say (fine-grained tokens): unknown, not missing.',
    }),
    rateLimitRemaining: t.exposeInt('rateLimitRemaining', { description: 'Requests left in the current rate-limit window.' }),
    rateLimitResetAt: t.expose('rateLimitResetAt', { type: 'DateTime', description: 'When the rate-limit window resets.' }),
    encrypted: t.exposeBoolean('encrypted', {
      nullable: false,
      description: 'Models stored on GitHub are encrypted (AES-256-GCM, STORAGE_ENCRYPTION_KEY). False only with GIST_ALLOW_PLAINTEXT=true.',
    }),
  }),
});

const StorageStatusRef = builder.objectRef<StorageStatus>('StorageStatus').implement({
  fields: (t) => ({
    backend: t.expose('backend', { type: StorageBackendEnum, nullable: false }),
    savedModels: t.exposeInt('savedModels', { nullable: false }),
    deployedModels: t.exposeInt('deployedModels', { nullable: false }),
    savedVersions: t.exposeInt('savedVersions', { nullable: false, description: 'Versions kept, over all models.' }),
    totalBytes: t.exposeFloat('totalBytes', { nullable: false, description: 'Bytes stored for all kept versions, after compression.' }),
    totalOriginalBytes: t.exposeFloat('totalOriginalBytes', { nullable: false, description: 'The same versions, uncompressed.' }),
    maxModelBytes: t.exposeInt('maxModelBytes', { nullable: false, description: 'MODEL_MAX_BYTES: the largest model accepted.' }),
    keepVersions: t.exposeInt('keepVersions', { nullable: false, description: 'MODEL_KEEP_VERSIONS.' }),
    github: t.field({
      type: GitHubStorageStatusRef,
      description: 'The GitHub Gist backend (whether or not it is the active one). Needs the admin token.',
      authScopes: { admin: true },
      resolve: (_status, _args, ctx) => resolve.githubStatus(ctx),
    }),
  }),
});

const SaveModelInput = builder.inputType('SaveModelInput', {
  description: 'Exactly one of file and contentBase64.',
  fields: (t) => ({
    id: t.id({
      required: true,
      description: '1-128 characters: letters, digits, ".", "_", "-", starting with a letter or digit. A new id creates the model.',
    }),
    file: t.field({ type: 'File', description: 'The model bytes, uploaded as a multipart part (GraphQL multipart request spec).' }),
    contentBase64: t.string({ description: 'The model bytes, base64-encoded: for small models (the JSON body is limited by MAX_REQUEST_BYTES).' }),
    metadata: t.field({ type: 'JSON', description: 'A JSON object of at most 64 KiB. Default {}.' }),
    symbol: t.string(),
    modelType: t.string(),
  }),
});

builder.queryFields((t) => ({
  model: t.field({
    type: ModelRef,
    description: 'One model, or null when there is none with this id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => resolve.model(ctx, String(args.id)),
  }),
  models: t.field({
    type: [ModelRef],
    nullable: false,
    description: 'Stored models by id, optionally filtered (all filters must match).',
    args: {
      symbol: t.arg.string(),
      modelType: t.arg.string(),
      deployed: t.arg.boolean(),
    },
    resolve: (_root, args, ctx) => resolve.models(ctx, args),
  }),
  storageStatus: t.field({
    type: StorageStatusRef,
    nullable: false,
    resolve: (_root, _args, ctx) => resolve.storageStatus(ctx),
  }),
}));

builder.mutationFields((t) => ({
  saveModel: t.field({
    type: ModelRef,
    nullable: false,
    description: 'Saves the bytes as a new version (1 for a new id). Needs the admin token.',
    authScopes: { admin: true },
    args: { input: t.arg({ type: SaveModelInput, required: true }) },
    resolve: (_root, { input }, ctx) => resolve.saveModel(ctx, { ...input, id: String(input.id) }),
  }),
  deleteModel: t.boolean({
    nullable: false,
    description: 'Deletes the model and all its versions. Needs the admin token.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => resolve.deleteModel(ctx, String(args.id)),
  }),
  deployModel: t.field({
    type: ModelRef,
    nullable: false,
    description: 'Marks a version (the current one when omitted) as deployed. Needs the admin token.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), version: t.arg.int() },
    resolve: (_root, args, ctx) => resolve.deployModel(ctx, String(args.id), args.version),
  }),
  undeployModel: t.field({
    type: ModelRef,
    nullable: false,
    description: 'Clears the deployed version. Needs the admin token.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => resolve.undeployModel(ctx, String(args.id)),
  }),
  setStorageBackend: t.field({
    type: StorageStatusRef,
    nullable: false,
    description:
      'Makes `backend` the active storage backend; the choice persists across restarts (and, with GitHub configured, across redeploys that wipe DATA_DIR). With migrate: true, every model (all kept versions, metadata, deployed versions) is first copied to it and verified by sha256; an interrupted migration can be run again and finishes without duplicates; the old backend is left untouched. Fails without changing anything when the backend is not configured (GITHUB_TOKEN_MISSING, ENCRYPTION_KEY_MISSING) or not reachable. Model changes are refused (STORAGE_SWITCHING) while it runs. Needs the admin token.',
    authScopes: { admin: true },
    args: {
      backend: t.arg({ type: StorageBackendEnum, required: true }),
      migrate: t.arg.boolean({ defaultValue: false, description: 'Copy every model to the new backend before switching.' }),
    },
    resolve: (_root, args, ctx) => resolve.setStorageBackend(ctx, args.backend, args.migrate ?? false),
  }),
  rollbackModel: t.field({
    type: ModelRef,
    nullable: false,
    description:
      'Makes version N current again by saving its bytes and metadata as a new version; the deployment does not change. Needs the admin token.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), version: t.arg.int({ required: true }) },
    resolve: (_root, args, ctx) => resolve.rollbackModel(ctx, String(args.id), args.version),
  }),
}));
