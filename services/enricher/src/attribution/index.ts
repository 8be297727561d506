export {
  attributionSteps,
  pageStep,
  referralStep,
  languageStep,
  engagementStep,
  companyStep,
  visitorTypeStep,
} from './steps.js';
export type { AttributionDeps } from './steps.js';
export { ReferrerLists, type ReferrerClass, type ReferrerMatch } from './referrer-lists.js';
export { classifyReferrer, referrerHost, normaliseHost } from './referrer.js';
export { parsePage, OTHER_CLICK_IDS, type PageFields } from './page.js';
export { channelOf, type Channel, type ChannelInput } from './channel.js';
export { normaliseLanguage } from './language.js';
export { engagementScore, ENGAGEMENT_WEIGHTS, ENGAGEMENT_CAPS } from './engagement.js';
export { AgencyRangeStore, type CompanyRecord, type AgencyRangeStoreOptions } from './company-ranges.js';
export { CompanyDb, type CompanyDbHit, type CompanyLookup } from './company-db.js';
export {
  identifyCompany,
  companyFromOrgRecord,
  isAnonymisingNetwork,
  CONFIDENCE,
  type CompanyMatch,
  type CompanySource,
} from './company.js';
export { classifyNetworkName, companyNameFromNetwork, type NetworkKind } from './business-network.js';
export { CompanyDirectory, companiesOfRows, type CompanyDetails } from './companies-directory.js';
export {
  decideVisitorType,
  visitorType,
  type VisitorType,
  type VisitorTypeDecision,
} from './visitor-type.js';
export {
  startAttribution,
  defaultAttributionDeps,
  referrerLists,
  type AttributionRuntime,
} from './runtime.js';
