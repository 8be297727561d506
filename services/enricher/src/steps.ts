import type { Step } from './pipeline.js';
import { deviceStep, type DeviceParser } from './device.js';
import { networkStep, type NetworkLookup } from './network/lookup.js';
import { botPolicyStep, botStep } from './bot.js';
import { anonymizeIpStep } from './anonymize.js';
import type { CookielessIds } from './cookieless.js';
import { attributionSteps, defaultAttributionDeps, type AttributionDeps } from './attribution/index.js';

/** What the steps look things up in (built once per worker, reloaded in place). */
export interface StepDeps {
  readonly device: DeviceParser;
  readonly network: NetworkLookup;
  /** Referrer lists, agency ranges, company DB (attribution/runtime.ts); default: lists only. */
  readonly attribution?: AttributionDeps;
  /** Daily salts for cookieless ids (needs Redis); without it the step is left out (benchmarks, unit tests). */
  readonly cookieless?: CookielessIds;
}

/**
 * The enrichment steps in STEP_ORDER (pipeline.ts). The attribution steps (src/attribution: page,
 * referral, language, engagement, company, visitor_type) are added between bot_policy and anonymize_ip.
 */
export function buildSteps(deps: StepDeps): Step[] {
  return [
    deviceStep(deps.device),
    networkStep(deps.network),
    botStep(),
    botPolicyStep(),
    ...attributionSteps(deps.attribution ?? defaultAttributionDeps()),
    ...(deps.cookieless ? [deps.cookieless.step()] : []),
    anonymizeIpStep(),
  ];
}
