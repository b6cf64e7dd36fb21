import { outcomeFromForm, parseOutcome, resolveOutcome, TASK_KINDS } from '../../shared/domain/tasks';

describe('outcomeFromForm', () => {
  it('takes single fields as strings, repeated needs as a list and guardianAppointed as a boolean', () => {
    const form = new URLSearchParams([
      ['needs', 'shelter'],
      ['needs', 'legal'],
      ['guardianAppointed', 'yes'],
      ['decision', 'accept'],
    ]);
    expect(outcomeFromForm(form)).toEqual({
      needs: ['shelter', 'legal'],
      guardianAppointed: true,
      decision: 'accept',
    });
    expect(outcomeFromForm(new URLSearchParams({ guardianAppointed: 'no' }))).toEqual({
      guardianAppointed: false,
    });
  });

  it('makes plan items of item.<service>=<orgId> pairs, skipping the ones left at none', () => {
    const form = new URLSearchParams([
      ['item.shelter', 'ngo-vatra'],
      ['item.medical', ''],
      ['item.economic-aid', 'municipality-korce'],
    ]);
    expect(outcomeFromForm(form)).toEqual({
      items: [
        { service: 'shelter', orgId: 'ngo-vatra' },
        { service: 'economic-aid', orgId: 'municipality-korce' },
      ],
    });
    expect(outcomeFromForm(new URLSearchParams({ 'item.shelter': '' }))).toEqual({});
  });

  it('leaves out an empty reason and refuses a single field given twice', () => {
    expect(outcomeFromForm(new URLSearchParams({ decision: 'accept', reason: '' }))).toEqual({
      decision: 'accept',
    });
    expect(
      outcomeFromForm(
        new URLSearchParams([
          ['decision', 'accept'],
          ['decision', 'decline'],
        ]),
      ),
    ).toBeUndefined();
  });
});

describe('parseOutcome', () => {
  it('accepts each kind its own outcome', () => {
    const good: Record<(typeof TASK_KINDS)[number], unknown> = {
      OFFER: { decision: 'decline', reason: 'no bed free' },
      CHILD_PROTECTION: { guardianAppointed: true },
      NEEDS_ASSESSMENT: { needs: ['shelter'] },
      REFLECTION_REVIEW: { reflection: 'extended' },
      ASSISTANCE_PLAN: { items: [{ service: 'shelter', orgId: 'ngo-vatra' }] },
      PLAN_ITEM: { result: 'done' },
      PLAN_REVIEW: { decision: 'continue' },
      FOLLOW_UP: { situation: 'stable' },
      CLOSURE_PROPOSAL: { closure: 'CLOSED' },
      CLOSURE_CONFIRMATION: { decision: 'reject', reason: 'not yet' },
      MINUTES: { summary: 'The group reviewed the quarter.', decisions: [{ text: 'Hold a session' }] },
      ACTION_ITEM: { result: 'not-possible', reason: 'no budget' },
      PREVENTION: {
        result: 'done',
        date: '2027-02-10',
        place: 'Shkolla 9-vjeçare, Pogradec',
        participants: 40,
      },
    };
    for (const kind of TASK_KINDS) expect(parseOutcome(kind, good[kind])).toMatchObject({ ok: true });
  });

  it('trims a reason and keeps the accept reason optional', () => {
    expect(parseOutcome('OFFER', { decision: 'decline', reason: '  full  ' })).toEqual({
      ok: true,
      outcome: { decision: 'decline', reason: 'full' },
    });
    expect(parseOutcome('OFFER', { decision: 'accept' })).toEqual({
      ok: true,
      outcome: { decision: 'accept' },
    });
  });

  it.each<[string, Parameters<typeof parseOutcome>[0], unknown, string[]]>([
    ['a decline without a reason', 'OFFER', { decision: 'decline' }, ['reason']],
    [
      'a reason with a control character',
      'PLAN_ITEM',
      { result: 'not-possible', reason: 'a\u0000b' },
      ['reason'],
    ],
    ['an unknown need', 'NEEDS_ASSESSMENT', { needs: ['shelter', 'x'] }, ['needs/1']],
    ['no needs', 'NEEDS_ASSESSMENT', { needs: [] }, ['needs']],
    ['a need twice', 'NEEDS_ASSESSMENT', { needs: ['legal', 'legal'] }, ['needs']],
    ['a plan without items', 'ASSISTANCE_PLAN', { items: [] }, ['items']],
    [
      'a plan item of an unknown service',
      'ASSISTANCE_PLAN',
      { items: [{ service: 'x', orgId: 'ngo-vatra' }] },
      ['items/0/service'],
    ],
    ['an extra field', 'FOLLOW_UP', { situation: 'stable', name: 'CANARY' }, ['form']],
    ['nothing', 'CLOSURE_PROPOSAL', undefined, ['form']],
  ])('refuses %s, naming the fields and never the values', (_l, kind, raw, fields) => {
    const parsed = parseOutcome(kind, raw);
    expect(parsed).toEqual({ ok: false, fields });
    expect(JSON.stringify(parsed)).not.toContain('CANARY');
  });
});

describe('resolveOutcome', () => {
  it.each<[Parameters<typeof resolveOutcome>[0], Record<string, unknown>, object]>([
    ['OFFER', { decision: 'accept' }, { status: 'DONE', result: 'accept' }],
    [
      'OFFER',
      { decision: 'decline', reason: 'full' },
      { status: 'DECLINED', result: 'decline', reason: 'full' },
    ],
    ['PLAN_ITEM', { result: 'done' }, { status: 'DONE', result: 'done' }],
    [
      'PLAN_ITEM',
      { result: 'not-possible', reason: 'r' },
      { status: 'DECLINED', result: 'not-possible', reason: 'r' },
    ],
    ['CLOSURE_CONFIRMATION', { decision: 'confirm' }, { status: 'DONE', result: 'confirm' }],
    [
      'CLOSURE_CONFIRMATION',
      { decision: 'reject', reason: 'r' },
      { status: 'DECLINED', result: 'reject', reason: 'r' },
    ],
    ['REFLECTION_REVIEW', { reflection: 'extended' }, { status: 'DONE', result: 'extended' }],
    ['FOLLOW_UP', { situation: 'no-contact' }, { status: 'DONE', result: 'no-contact' }],
    ['CLOSURE_PROPOSAL', { closure: 'CLOSED_REFERRED' }, { status: 'DONE', result: 'CLOSED_REFERRED' }],
    ['CHILD_PROTECTION', { guardianAppointed: true }, { status: 'DONE', result: 'done' }],
  ])('resolves %s %j', (kind, outcome, expected) => {
    const resolution = resolveOutcome(kind, outcome as never);
    expect(resolution).toMatchObject({ ...expected, items: [] });
    expect(resolution).not.toHaveProperty('caseStatus');
  });

  it('keeps a reason only on a "no"', () => {
    expect(resolveOutcome('OFFER', { decision: 'accept', reason: 'typed first' })).not.toHaveProperty(
      'reason',
    );
  });

  it('moves the case where the kind says: assessment, plan, and a review that completes the plan', () => {
    expect(resolveOutcome('NEEDS_ASSESSMENT', { needs: ['shelter'] })).toMatchObject({
      caseStatus: { from: ['ACCEPTED'], to: 'ASSESSED' },
    });
    const items = [{ service: 'shelter' as const, orgId: 'ngo-vatra' }];
    expect(resolveOutcome('ASSISTANCE_PLAN', { items })).toEqual({
      status: 'DONE',
      result: 'done',
      items,
      caseStatus: { from: ['ASSESSED'], to: 'IN_ASSISTANCE' },
    });
    expect(resolveOutcome('PLAN_REVIEW', { decision: 'complete' })).toMatchObject({
      result: 'complete',
      caseStatus: { from: ['IN_ASSISTANCE'], to: 'FOLLOW_UP' },
    });
    expect(resolveOutcome('PLAN_REVIEW', { decision: 'continue', items })).toEqual({
      status: 'DONE',
      result: 'continue',
      items,
    });
  });
});
