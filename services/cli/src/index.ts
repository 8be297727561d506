export { buildProgram, runCli } from './program.js';
export { newApiKey, newScriptId, hashPassword } from './secrets.js';
