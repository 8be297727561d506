export * from './columns.js';
export * from './jobs.js';
export { cleanText } from './text.js';
export { mulberry32, pick } from './random.js';
export { renderSnippet, type SnippetCollector } from './snippet.js';
export * from './site-config.js';
export * from './ip.js';
export * from './hit.js';
export { HttpError, type ErrorBody } from './http-error.js';
