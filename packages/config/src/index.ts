export { setting, parsers, type Setting } from './setting.js';
export { settings, groupTitles } from './settings/index.js';
export {
  parseConfig,
  parseSettings,
  getConfig,
  loadConfigOrExit,
  loadDotEnv,
  ConfigError,
  type Config,
  type Env,
} from './load.js';
export { renderEnvExample } from './env-example.js';
export { trustProxyFor, type TrustProxyValue } from './trust-proxy.js';
