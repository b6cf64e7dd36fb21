import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assignmentRequestSchema,
  closureRequestSchema,
  planRequestSchema,
  withdrawCase,
} from '../../functions/case-commands/case-commands';
import { reopeningRequestSchema, transferRequestSchema } from '../../functions/case-commands/case-cycles';
import { profileCorrectionRequestSchema } from '../../functions/case-commands/profile-correction';
import { directoryHistorySchema, organisationPatchSchema } from '../../functions/directory-api/directory-api';
import { caseListSchema, timelineSchema } from '../../functions/read-cases/read-cases';
import { TASK_ACTIONS, taskListSchema } from '../../functions/tasks-api/tasks-api';
import { problemSchema } from '../../scripts/openapi';
import { directorySchema, organisationSchema } from '../../shared/domain/directory';
import { cancelMeetingSchema, changeMeetingSchema, createMeetingSchema } from '../../shared/domain/meetings';
import { caseViewSchema, referralRequestSchema, referralResponseSchema } from '../../shared/domain/referral';
import { OUTCOME_SCHEMAS } from '../../shared/domain/tasks';
import { ConflictError } from '../../shared/errors';
import { problemFor } from '../../shared/http/problem';

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
      'meeting-cancellation',
      'meeting-change',
      'meeting-request',
      'organisation-history',
      'organisation-patch',
      'plan-request',
      'problem-400',
      'problem-409',
      'profile-correction-request',
      'referral-request',
      'referral-response',
      'reopening-request',
      'task-completion',
      'task-list',
      'transfer-request',
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

  it('shows a directory change the schemas accept, applied to an organisation of the demo directory', () => {
    const { version: _version, ...patch } = organisationPatchSchema.parse(example('organisation-patch'));
    const vatra = org('ngo-vatra');
    expect(vatra).toBeDefined();
    expect(organisationSchema.safeParse({ ...vatra, ...patch }).success).toBe(true);
    const history = directoryHistorySchema.parse(example('organisation-history'));
    expect(org(history.items[0]?.actor.orgId ?? '')).toBeDefined();
  });

  it('shows command bodies the schemas accept, naming organisations of the demo directory', () => {
    expect(org(assignmentRequestSchema.parse(example('assignment-request')).orgId)?.kind).toBe('ngo');
    for (const item of planRequestSchema.parse(example('plan-request')).items) {
      expect(org(item.orgId)).toBeDefined();
    }
    closureRequestSchema.parse(example('closure-request'));
    profileCorrectionRequestSchema.parse(example('profile-correction-request'));
    expect(org(transferRequestSchema.parse(example('transfer-request')).orgId)?.kind).toBe('ngo');
    reopeningRequestSchema.parse(example('reopening-request'));
  });

  it('shows meeting bodies the schemas accept, inviting organisations and contacts of the demo directory', () => {
    const request = createMeetingSchema.parse(example('meeting-request'));
    expect(DIRECTORY.regions.map((r) => r.regionId)).toContain(request.region);
    for (const orgId of request.invite.orgIds) expect(org(orgId)?.regions).toContain(request.region);
    const contacts = DIRECTORY.organisations.flatMap((o) => o.contacts.map((c) => c.email));
    for (const email of request.invite.emails) expect(contacts).toContain(email);
    const change = changeMeetingSchema.parse(example('meeting-change'));
    for (const orgId of change.invite?.orgIds ?? []) expect(org(orgId)).toBeDefined();
    expect(cancelMeetingSchema.parse(example('meeting-cancellation'))).toEqual({
      version: change.version + 1,
      series: false,
    });
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
});
