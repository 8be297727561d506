export { startWriter, type WriterHandle, type WriterOverrides } from './writer.js';
export type { WriterObserver, BatchCommitted } from './observer.js';
export { encodeCopyChunks, encodeCopyLine, encodeCopyText, escapeCopyText } from './copy-text.js';
export { storeBatch, type StoreResult, type Row, type Company } from './store.js';
export { isPoisonError } from './errors.js';
export { parseEventsJob } from './job.js';
