export { createLogger, type Logger } from './logger.js';
export { createRegistry } from './metrics.js';
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
