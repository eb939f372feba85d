// Thin: arguments in, one service call, result out.
import type { Context } from '../context.js';
import type { GitHubStatus } from '../storage/github.js';
import type { ModelFilter, ModelInfo, ModelVersionInfo, SaveModelInput, StorageStatus } from '../storage/model-store.js';
import type { BackendKind } from '../storage/types.js';

export type ModelShape = ModelInfo;
export type ModelVersionShape = ModelVersionInfo & { modelId: string; deployed: boolean };

/** contentBase64 answers at most this many bytes; bigger models are downloaded from downloadUrl. */
export const MAX_INLINE_CONTENT_BYTES = 1024 * 1024;

export const model = (ctx: Context, id: string): Promise<ModelInfo | null> => ctx.services.models.get(id);

export const models = (ctx: Context, filter: ModelFilter): Promise<ModelInfo[]> => ctx.services.models.list(filter);

export const storageStatus = (ctx: Context): Promise<StorageStatus> => ctx.services.models.status();

export const githubStatus = (ctx: Context): Promise<GitHubStatus> => ctx.services.storage.githubStatus();

export const setStorageBackend = async (ctx: Context, backend: BackendKind, migrate: boolean): Promise<StorageStatus> => {
  await ctx.services.storage.setBackend(backend, migrate);
  return ctx.services.storage.status();
};

export const saveModel = (ctx: Context, input: SaveModelInput): Promise<ModelInfo> => ctx.services.models.save(input);

export const deleteModel = async (ctx: Context, id: string): Promise<boolean> => {
  await ctx.services.models.delete(id);
  return true;
};

export const deployModel = (ctx: Context, id: string, version: number | null | undefined): Promise<ModelInfo> =>
  ctx.services.models.deploy(id, version);

export const undeployModel = (ctx: Context, id: string): Promise<ModelInfo> => ctx.services.models.undeploy(id);

export const rollbackModel = (ctx: Context, id: string, version: number): Promise<ModelInfo> =>
  ctx.services.models.rollback(id, version);

export const versions = (model: ModelInfo): ModelVersionShape[] =>
  model.versions.map((v) => ({ ...v, modelId: model.id, deployed: v.version === model.deployedVersion }));

/** Absolute URL of the bytes of one version (GET, admin token; see src/http/model-content.ts). */
export const downloadUrl = (ctx: Context, id: string, version: number): string =>
  `${new URL(ctx.requestUrl).origin}/models/${encodeURIComponent(id)}/content?version=${version}`;

export const contentBase64 = async (ctx: Context, id: string, version: number): Promise<string> =>
  (await ctx.services.models.readContent(id, version, MAX_INLINE_CONTENT_BYTES)).toString('base64');
