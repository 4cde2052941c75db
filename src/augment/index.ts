/**
 * Batched, seeded data augmentation for contrastive pretraining: single-view pipelines composed
 * into multi-view transforms, named presets, recipe overrides and a preview grid.
 */
export * from './schema';
export * from './presets';
export * from './resolve';
export { type PerSample } from './per_sample';
export * from './crop';
export * from './color_matrix';
export * from './color_ops';
export * from './blur';
export * from './point_ops';
export * from './view_params';
export * from './single_view_transform';
export * from './multi_view_transform';
export * from './preview';
