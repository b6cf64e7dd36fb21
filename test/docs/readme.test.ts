import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assignmentRequestSchema,
  closureRequestSchema,
  planRequestSchema,
  withdrawCase,
} from '../../functions/case-commands/case-commands';
import { createReferral } from '../../functions/create-referral/create-referral';
import { prepareOffer } from '../../functions/prepare-offer/prepare-offer';
import {
  caseListSchema,
  getCase,
  type ReadCasesDeps,
  timelineSchema,
} from '../../functions/read-cases/read-cases';
import { seedDirectory } from '../../functions/seed-directory/seed-directory';
import { TASK_ACTIONS, taskListSchema } from '../../functions/tasks-api/tasks-api';
import { problemSchema } from '../../scripts/openapi';
import type { MemberCaller } from '../../shared/auth/caller';
import { directorySchema } from '../../shared/domain/directory';
import { caseViewSchema, referralRequestSchema, referralResponseSchema } from '../../shared/domain/referral';
import { OUTCOME_SCHEMAS } from '../../shared/domain/tasks';
import { ConflictError, ValidationError } from '../../shared/errors';
import { problemFor } from '../../shared/http/problem';
import { NO_PREVIOUS_OFFER } from '../../shared/workflow/task-input';
import { MemoryStore } from '../support/memory-store';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const DIRECTORY = directorySchema.parse(
  JSON.parse(readFileSync(join(ROOT, 'shared', 'directory', 'korca.json'), 'utf8')),
);

/** Every ```json block that follows an `<!-- example: name -->` marker, parsed. */
function examples(markdown: string): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const m of markdown.matchAll(/<!-- example: ([a-z0-9-]+) -->\n```json\n([\s\S]*?)\n```/g)) {
    const [, name = '', body = ''] = m;
    if (found.has(name)) throw new Error(`README example "${name}" appears twice`);
    found.set(name, JSON.parse(body));
  }
  return found;
}

const EXAMPLES = examples(README);

function example(name: string): unknown {
  if (!EXAMPLES.has(name)) throw new Error(`README example "${name}" is missing`);
  return EXAMPLES.get(name);
}

const org = (orgId: string) => DIRECTORY.organisations.find((o) => o.orgId === orgId);

/** The test command `.ci/run` takes: the last line of the last ```sh block between the quickstart markers. */
function quickstartTestCommand(markdown: string): string | undefined {
  const section = markdown.split('<!-- quickstart -->')[1]?.split('<!-- /quickstart -->')[0] ?? '';
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const lines = (blocks.at(-1) ?? '').split('\n').map((l) => l.trim());
  return lines.filter((l) => l && !l.startsWith('#')).at(-1);
}

describe('README', () => {
  it('marks exactly the examples this test checks', () => {
    expect([...EXAMPLES.keys()].sort()).toEqual([
      'assignment-request',
      'case-list',
      'case-timeline',
      'case-view',
      'closure-request',
      'invalid-referral-request',
      'plan-request',
      'problem-400',
      'problem-409',
      'referral-request',
      'referral-response',
      'task-completion',
      'task-list',
    ]);
  });

  it('has a quickstart whose last command runs the tests', () => {
    expect(README.match(/<!-- quickstart -->/g)).toHaveLength(1);
    expect(README.match(/<!-- \/quickstart -->/g)).toHaveLength(1);
    expect(quickstartTestCommand(README)).toBe('npm test');
  });

  it('shows a referral request the schema accepts, naming organisations of the demo directory', () => {
    const request = referralRequestSchema.parse(example('referral-request'));
    expect(DIRECTORY.regions.map((r) => r.regionId)).toContain(request.region);
    expect(org(request.socialWorkerOrgId)).toBeDefined();
    expect(request.preferredNgoId).toBeDefined();
    expect(org(request.preferredNgoId ?? '')?.kind).toBe('ngo');
  });

  it('shows responses and problems the route schemas accept', () => {
    referralResponseSchema.parse(example('referral-response'));
    caseViewSchema.parse(example('case-view'));
    expect(problemSchema.parse(example('problem-400')).status).toBe(400);
  });

  it('shows a case view naming organisations of the demo directory', () => {
    const view = caseViewSchema.parse(example('case-view'));
    expect(org(view.referringOrgId)?.kind).toBe('police');
    expect(org(view.offeredOrgId ?? '')?.kind).toBe('ngo');
    const region = DIRECTORY.regions.find((r) => r.regionId === view.region);
    expect(view.reference.startsWith(`${region?.code}-`)).toBe(true);
  });

  it('shows lists, a timeline and task answers the route schemas accept', () => {
    const cases = caseListSchema.parse(example('case-list'));
    expect(cases.items[0]).toEqual(caseViewSchema.parse(example('case-view')));
    const timeline = timelineSchema.parse(example('case-timeline'));
    expect(timeline.items.every((e) => e.status !== undefined)).toBe(true);
    const tasks = taskListSchema.parse(example('task-list'));
    const [task] = tasks.items;
    expect(task?.caseId).toBeUndefined();
    expect(task?.actions).toEqual(TASK_ACTIONS.PLAN_ITEM);
    expect(OUTCOME_SCHEMAS.PLAN_ITEM.parse(example('task-completion'))).toEqual({ result: 'done' });
  });

  it('shows command bodies the schemas accept, naming organisations of the demo directory', () => {
    expect(org(assignmentRequestSchema.parse(example('assignment-request')).orgId)?.kind).toBe('ngo');
    for (const item of planRequestSchema.parse(example('plan-request')).items) {
      expect(org(item.orgId)).toBeDefined();
    }
    closureRequestSchema.parse(example('closure-request'));
  });

  it('shows the 409 a child withdrawal gets, as withdrawCase answers it', async () => {
    const documented = problemSchema.parse(example('problem-409'));
    const view = caseViewSchema.parse(example('case-view'));
    const child = { ...view, person: { ...view.person, ageGroup: 'child' as const } };
    const store = { getCase: async () => ({ ...child, referringOrgId: 'police-korca' }) } as never;
    let error: unknown;
    try {
      await withdrawCase(
        { store } as never,
        { sub: 's', orgId: 'police-korca', role: 'police', orgKind: 'police', regions: ['korca'] },
        { caseId: view.caseId },
        () => ({}),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConflictError);
    expect(problemFor(error, documented.requestId).problem).toEqual(documented);
  });

  describe('against the use cases on the demo directory', () => {
    const request = () => example('referral-request');
    const response = () => referralResponseSchema.parse(example('referral-response'));
    const view = () => caseViewSchema.parse(example('case-view'));
    const police = (): MemberCaller => ({
      sub: 'officer-7',
      orgId: view().referringOrgId,
      role: 'police',
      orgKind: 'police',
      regions: [view().region],
    });

    async function setup() {
      const store = new MemoryStore();
      await seedDirectory({ store }, DIRECTORY);
      let clock = new Date(view().createdAt);
      const deps = {
        store,
        workflow: { start: async () => undefined },
        now: () => clock,
        newId: () => response().caseId,
        timeZone: 'Europe/Tirane',
        interviewMaxAgeDays: 30,
      };
      return { store, deps, setClock: (at: string) => (clock = new Date(at)) };
    }

    it('answers the referral request with the documented 201 body', async () => {
      const { deps } = await setup();
      const out = await createReferral(deps, {
        caller: police(),
        idempotencyKey: '2026-11-27-officer7-001',
        body: request(),
      });
      expect(out).toEqual(response());
    });

    it('answers the invalid request with the documented problem', async () => {
      const { deps } = await setup();
      const documented = problemSchema.parse(example('problem-400'));
      let error: unknown;
      try {
        await createReferral(deps, {
          caller: police(),
          idempotencyKey: '2026-11-27-officer7-002',
          body: example('invalid-referral-request'),
        });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect(problemFor(error, documented.requestId).problem).toEqual(documented);
    });

    it('shows the case as the referring unit reads it once the workflow offered it', async () => {
      const { store, deps, setClock } = await setup();
      const { caseId } = await createReferral(deps, {
        caller: police(),
        idempotencyKey: '2026-11-27-officer7-001',
        body: request(),
      });
      setClock(view().updatedAt);
      const offer = await prepareOffer(
        { store, now: deps.now, offerDeadlineHours: 24, newId: () => 'a3c5e7f9-1b2d-4f6a-8c0e-2a4c6e8a0c2e' },
        { caseId, afterTaskId: NO_PREVIOUS_OFFER },
      );
      expect(offer).toMatchObject({ found: true, orgId: view().offeredOrgId });
      // A police read uses getCase and getTask only (MemoryStore does not list cases yet).
      const reads = store as unknown as ReadCasesDeps['store'];
      expect(await getCase({ store: reads }, police(), { caseId })).toEqual(view());
    });
  });
});
