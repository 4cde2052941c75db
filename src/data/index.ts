/**
 * faceclr's data layer: image sources (identity folders, flat folders, list files, LFW pairs),
 * decoding with sharp into an on-disk uint8 cache, a seeded prefetching loader, and synthetic faces.
 */
export { DataError } from './errors';
export { type ImageSource, IMAGE_EXTENSIONS, isImageFile, validateSource } from './image_source';
export {
  identityFolderSource,
  flatFolderSource,
  type IdentityFolderOptions,
} from './folder_sources';
export { listFileSource, type ListFileOptions } from './list_file_source';
export {
  readLfwPairs,
  lfwImagePath,
  type LfwPair,
  type LfwPairs,
  type ReadLfwPairsOptions,
} from './lfw_pairs';
export {
  lfwFoldPeople,
  lfwFoldPairs,
  lfwTrainingSource,
  type LfwTrainingOptions,
} from './lfw_protocol';
export { decodeImage, type DecodeOptions } from './decode';
export { type CacheIndex, type SkippedFile, resolveCacheDir } from './cache_index';
export { buildCache, type CacheOptions, type CacheBuildResult } from './build_cache';
export { ImageCache, loadCache, type OpenCacheOptions } from './image_cache';
export {
  DataLoader,
  type Batch,
  type BatchReader,
  type LoaderOptions,
  type LoaderState,
} from './loader';
export { sequentialPlan, balancedPlan } from './sampler';
export { imagesToTensor, batchToTensor } from './to_tensor';
export { writeFileAtomic } from './atomic_write';
export * from './synth';
