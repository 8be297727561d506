export { createLogger, type Logger } from './logger.js';
export { createRegistry } from './metrics.js';
export {
  serviceMetrics,
  type AlertMetrics,
  type ApiMetrics,
  type CollectorMetrics,
  type EnricherMetrics,
  type ServiceMetrics,
  type ServiceName,
  type WriterMetrics,
} from './service-metrics.js';
export { serviceObservability, silentObservability, type ObservabilityOverrides } from './service.js';
export {
  handleOps,
  handlePublicProbes,
  publicReadiness,
  runReadiness,
  startOpsServer,
  type OpsEndpoints,
  type ReadinessCheck,
  type ReadinessReport,
} from './health.js';
export { postgresCheck, redisCheck, storeChecks } from './readiness-checks.js';
export { closeSequence, withinDeadline, type CloseStep } from './deadline.js';
export {
  boundPort,
  closeServer,
  listen,
  listenWithOps,
  opsPortFor,
  startOps,
  type OpsServer,
  type PublicListen,
} from './http-server.js';
export {
  closeWithin,
  exitOnFatal,
  runServiceMain,
  runUntilSignal,
  startServices,
  waitForShutdownSignal,
  type CloseReport,
  type RunOptions,
  type Running,
  type ServiceHandle,
  type ServiceSpec,
} from './lifecycle.js';
