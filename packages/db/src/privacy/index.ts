export {
  normalizeSubject,
  subjectParams,
  subjectKinds,
  SubjectError,
  SUBJECT_MAX_LENGTH,
  type Subject,
  type SubjectField,
} from './subject.js';
export {
  createErasure,
  getErasure,
  runErasure,
  resumeErasures,
  ERASURE_PHASES,
  type ErasureRow,
  type ErasureOptions,
  type ErasurePhase,
} from './erase.js';
export {
  findSubject,
  exportColumns,
  subjectRecords,
  EXPORT_TABLES,
  type ExportTable,
  type SubjectRecord,
  type SubjectSummary,
} from './export.js';
export { writeSubjectExport, type SubjectExportCounts, type SubjectExportOptions } from './export-stream.js';
export { SUBJECT_FIELDS } from '../sql/privacy.js';
export { anonymizeRollupsBefore, type AnonymizedMonth } from './anonymize-rollups.js';
