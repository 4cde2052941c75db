/** Run reports: `report.html` with inline SVG plots (see report.ts). */
export { renderReport, writeReport, evaluationSection, trainingSection } from './report';
export type {
  EvaluationReport,
  MetricsRow,
  ReportData,
  ReportOptions,
  ReportRocPoint,
} from './report';
export { evaluationFromJson, findEvaluationFiles, loadRunReport, readMetrics } from './run_files';
export { histogram, lineChart } from './svg_plot';
