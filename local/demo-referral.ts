/**
 * A valid referral for the Korça demo directory (shared/directory/korca.json): a profile,
 * never an identity, with needs that several NGOs meet, so a decline or a timeout has
 * somewhere to go. Used by the start banner, `npm run demo`, `npm run bench` and the tests.
 */
export function demoReferral(person: Record<string, unknown> = {}) {
  return {
    region: 'korca',
    // The UTC date is never ahead of the deployment's (Europe/Tirane) date: never "in the future".
    interviewDate: new Date().toISOString().slice(0, 10),
    socialWorkerPresent: true,
    socialWorkerOrgId: 'ngo-vatra',
    person: {
      ageGroup: 'adult',
      gender: 'female',
      nationality: 'AL',
      language: 'sq',
      needs: ['psycho-social', 'legal'],
      riskLevel: 'medium',
      ...person,
    },
    consent: { given: true },
  };
}
