/**
 * Statements of the credential checks shared by the API and the collector.
 */

/**
 * $1 key prefix (bk_<8 hex>). Out: agency id, bcrypt hash of the whole key, status (0 or 1 row). Run on
 * every API-key request, so a rotated key (new prefix and hash) stops matching at once.
 */
export const findAgencyByKeyPrefix = `
SELECT id, api_key, status FROM agencies WHERE api_key_prefix = $1`;
