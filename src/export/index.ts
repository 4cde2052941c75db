/** Standalone TensorFlow.js exports of faceclr backbones (see export_backbone.ts). */
export { buildLayersModel, layersGraphFamily, LAYERS_GRAPHS } from './backbone_layers';
export type { LayersGraphFamily } from './backbone_layers';
export {
  exportBackbone,
  findThreshold,
  verifyExport,
  writeExport,
  EXPORT_FORMAT,
  EXPORT_METADATA_FILE,
} from './export_backbone';
export type {
  ExportMetadata,
  ExportOptions,
  ExportResult,
  WriteExportOptions,
} from './export_backbone';
export { loadLayersModelFromDir, saveLayersModel } from './layers_files';
