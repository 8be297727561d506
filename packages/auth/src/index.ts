export { ApiKeyVerifier, type ApiKeyResult } from './api-keys.js';
export { BcryptGate } from './bcrypt-gate.js';
export { AuthRefusedError, type BusyFactory, type RateLimitedFactory } from './errors.js';
export { AuthThrottle, type AuthAttempt, type AuthThrottleOptions } from './throttle.js';
