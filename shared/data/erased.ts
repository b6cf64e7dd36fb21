/**
 * What is left of a case once its retention has run out (DOMAIN.md: "statistics keep only
 * anonymous counts"): the figures the statistics count it by, and nothing that names or
 * describes the person, the organisations' staff or what was done. No reference either: the
 * reference number links to the police file.
 */
export interface ErasedCase {
  readonly caseId: string;
  readonly region: string;
  readonly createdAt: string;
  readonly acceptedAt?: string;
  readonly cycle?: number;
  readonly erasedAt: string;
}

/** The erased cases of a region, on the index beside `CASES#<region>`, by referral instant. */
export const erasedIndexKeys = (region: string, createdAt: string, caseId: string) => ({
  gsi1pk: `ERASED#${region}`,
  gsi1sk: `${createdAt}#${caseId}`,
});
