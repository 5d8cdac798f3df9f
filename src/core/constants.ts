/**
 * Every bound in Credence, in one place (STYLE.md). Names put the qualifier last: `recordsPerBatchMax`.
 * Times inside the core are integer milliseconds since the Unix epoch, UTC.
 */

export const dayMs = 86_400_000;

/** Catalogs. */
export const rulesPerCatalogMax = 500;
export const measuresPerCatalogMax = 200;
export const listsPerCatalogMax = 50;
export const effectsPerRuleMax = 4;
export const validityDaysMax = 3650;
export const listingTermDaysMax = 3650;
export const publicationDaysMax = 1095;
export const objectionWindowDaysMax = 90;
export const pointsMagnitudeMax = 10_000;
export const repeatMultiplierMax = 16;
export const titleLengthMax = 200;
export const legalBasisLengthMax = 500;
export const identifierLengthMax = 64;

/** Records. */
export const agencyRefLengthMax = 128;
export const evidenceLengthMax = 512;
export const caseRefLengthMax = 128;
export const amountMax = 1e12;
export const recordsPerBatchMax = 10_000;

/** Reading. */
export const listMembersPageMax = 1_000;
