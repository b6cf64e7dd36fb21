import { type AgeGroup, treatedAsChild } from '../../shared/domain/codes';
import type { Organisation } from '../../shared/domain/directory';
import { type ChoiceInput, chooseNgo, type NgoCandidate } from '../../shared/domain/ngo-choice';

function ngo(orgId: string, overrides: Partial<NgoCandidate['org']> = {}, openOffers = 0): NgoCandidate {
  return {
    org: {
      orgId,
      kind: 'ngo',
      regions: ['korce'],
      services: ['shelter', 'legal'],
      capacity: 3,
      childProtection: true,
      ...overrides,
    },
    openOffers,
  };
}

function input(overrides: Partial<ChoiceInput> = {}): ChoiceInput {
  return { region: 'korce', needs: ['shelter'], child: false, alreadyOffered: new Set(), ...overrides };
}

describe('chooseNgo', () => {
  describe('preferred NGO', () => {
    it('chooses the preferred NGO when it covers the region', () => {
      const candidates = [ngo('ngo-a'), ngo('ngo-b', {}, 2)];

      expect(chooseNgo(candidates, input({ preferredNgoId: 'ngo-b' }))).toEqual({
        orgId: 'ngo-b',
        reason: 'PREFERRED',
      });
    });

    it('falls back to matching when the preferred NGO does not cover the region', () => {
      const candidates = [ngo('ngo-a'), ngo('ngo-b', { regions: ['tirane'] })];

      expect(chooseNgo(candidates, input({ preferredNgoId: 'ngo-b' }))).toEqual({
        orgId: 'ngo-a',
        reason: 'REGION_SERVICE_MATCH',
      });
    });

    it('falls back to matching when the preferred NGO was already offered the case', () => {
      const candidates = [ngo('ngo-a'), ngo('ngo-b')];

      const choice = chooseNgo(
        candidates,
        input({ preferredNgoId: 'ngo-b', alreadyOffered: new Set(['ngo-b']) }),
      );

      expect(choice).toEqual({ orgId: 'ngo-a', reason: 'REGION_SERVICE_MATCH' });
    });

    it('falls back to matching when the preferred id is not an NGO', () => {
      const candidates = [ngo('ngo-a'), ngo('municipality-korce', { kind: 'municipality' })];

      const choice = chooseNgo(candidates, input({ preferredNgoId: 'municipality-korce' }));

      expect(choice).toEqual({ orgId: 'ngo-a', reason: 'REGION_SERVICE_MATCH' });
    });

    it('falls back to matching when the preferred NGO is unknown', () => {
      expect(chooseNgo([ngo('ngo-a')], input({ preferredNgoId: 'ngo-z' }))).toEqual({
        orgId: 'ngo-a',
        reason: 'REGION_SERVICE_MATCH',
      });
    });

    it('honours the person\u2019s choice even when that NGO is at capacity', () => {
      const candidates = [ngo('ngo-a'), ngo('ngo-b', { capacity: 1 }, 1)];

      expect(chooseNgo(candidates, input({ preferredNgoId: 'ngo-b' }))).toEqual({
        orgId: 'ngo-b',
        reason: 'PREFERRED',
      });
    });
  });

  describe('matching', () => {
    it('skips NGOs that do not cover the region', () => {
      const candidates = [
        ngo('ngo-a', { regions: ['tirane'] }),
        ngo('ngo-b', { regions: ['tirane', 'korce'] }),
      ];

      expect(chooseNgo(candidates, input())?.orgId).toBe('ngo-b');
    });

    it('skips NGOs at capacity', () => {
      const candidates = [ngo('ngo-a', { capacity: 2 }, 2), ngo('ngo-b', { capacity: 2 }, 1)];

      expect(chooseNgo(candidates, input())?.orgId).toBe('ngo-b');
    });

    it('skips NGOs with no capacity at all', () => {
      expect(chooseNgo([ngo('ngo-a', { capacity: 0 })], input())).toBeUndefined();
    });

    it('skips NGOs that offer none of the needed services', () => {
      const candidates = [
        ngo('ngo-a', { services: ['medical'] }),
        ngo('ngo-b', { services: ['medical', 'legal'] }),
      ];

      expect(chooseNgo(candidates, input({ needs: ['legal', 'family'] }))?.orgId).toBe('ngo-b');
    });

    it('takes an NGO that offers one of several needs', () => {
      const candidates = [ngo('ngo-a', { services: ['family'] })];

      expect(chooseNgo(candidates, input({ needs: ['shelter', 'medical', 'family'] }))?.orgId).toBe('ngo-a');
    });

    it('skips NGOs already offered the case', () => {
      const candidates = [ngo('ngo-a'), ngo('ngo-b', {}, 2)];

      expect(chooseNgo(candidates, input({ alreadyOffered: new Set(['ngo-a']) }))?.orgId).toBe('ngo-b');
    });

    it.each<Organisation['kind']>([
      'police',
      'prefecture',
      'municipality',
      'commune',
      'department',
      'school',
      'university',
    ])('never chooses an organisation of kind %s', (kind) => {
      expect(chooseNgo([ngo('org-a', { kind })], input())).toBeUndefined();
    });

    it.each<[AgeGroup, string]>([
      ['child', 'ngo-b'],
      ['unknown', 'ngo-b'],
      ['adult', 'ngo-a'],
    ])('for a person whose age group is %s chooses %s', (ageGroup, expected) => {
      const candidates = [
        ngo('ngo-a', { childProtection: false }),
        ngo('ngo-b', { childProtection: true }, 1),
      ];

      expect(chooseNgo(candidates, input({ child: treatedAsChild(ageGroup) }))?.orgId).toBe(expected);
    });

    it('finds no NGO for a child when none is child-capable', () => {
      const candidates = [ngo('ngo-a', { childProtection: false })];

      expect(chooseNgo(candidates, input({ child: treatedAsChild('unknown') }))).toBeUndefined();
    });
  });

  describe('ties', () => {
    it('prefers the NGO with the fewest open offers', () => {
      const candidates = [ngo('ngo-a', {}, 2), ngo('ngo-c', {}, 0), ngo('ngo-b', {}, 1)];

      expect(chooseNgo(candidates, input())?.orgId).toBe('ngo-c');
    });

    it('breaks an equal count by org id, whatever the input order', () => {
      const candidates = [ngo('ngo-c', {}, 1), ngo('ngo-a', {}, 1), ngo('ngo-b', {}, 1)];

      expect(chooseNgo(candidates, input())?.orgId).toBe('ngo-a');
      expect(chooseNgo([...candidates].reverse(), input())?.orgId).toBe('ngo-a');
    });

    it('compares org ids by code unit, not by locale', () => {
      const candidates = [ngo('ngo-b'), ngo('ngo-a1'), ngo('ngo-a')];

      expect(chooseNgo(candidates, input())?.orgId).toBe('ngo-a');
    });
  });

  describe('nothing left', () => {
    it('returns undefined when there are no candidates', () => {
      expect(chooseNgo([], input())).toBeUndefined();
    });

    it('returns undefined when every NGO was already offered the case', () => {
      const candidates = [ngo('ngo-a'), ngo('ngo-b')];

      expect(chooseNgo(candidates, input({ alreadyOffered: new Set(['ngo-a', 'ngo-b']) }))).toBeUndefined();
    });

    it('does not change the candidates it is given', () => {
      const candidates = [ngo('ngo-b', {}, 1), ngo('ngo-a', {}, 0)];
      const before = structuredClone(candidates);

      chooseNgo(candidates, input());

      expect(candidates).toEqual(before);
    });
  });
});
