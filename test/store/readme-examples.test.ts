/**
 * The README's examples against the use cases on the demo directory, on DynamoStore and
 * DynamoDB Local (test/docs/readme.test.ts checks the examples against the schemas).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createReferral } from '../../functions/create-referral/create-referral';
import { prepareOffer } from '../../functions/prepare-offer/prepare-offer';
import { getCase } from '../../functions/read-cases/read-cases';
import { seedDirectory } from '../../functions/seed-directory/seed-directory';
import { problemSchema } from '../../scripts/openapi';
import type { MemberCaller } from '../../shared/auth/caller';
import { directorySchema } from '../../shared/domain/directory';
import { caseViewSchema, referralResponseSchema } from '../../shared/domain/referral';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import { ValidationError } from '../../shared/errors';
import { problemFor } from '../../shared/http/problem';
import {
  cancelMeeting,
  changeMeeting,
  createMeeting,
  type MeetingDeps,
} from '../../shared/meetings/meetings';
import { NO_PREVIOUS_OFFER } from '../../shared/workflow/task-input';
import { dropStoreTables, storeTable } from '../support/store-table';
import { RecordingMailer } from '../support/workflow-fakes';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const DIRECTORY = directorySchema.parse(
  JSON.parse(readFileSync(join(ROOT, 'shared', 'directory', 'korca.json'), 'utf8')),
);

/** The ```json block that follows the `<!-- example: name -->` marker, parsed. */
function example(name: string): unknown {
  const m = new RegExp(`<!-- example: ${name} -->\\n\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``).exec(README);
  if (!m?.[1]) throw new Error(`README example "${name}" is missing`);
  return JSON.parse(m[1]);
}

afterEach(dropStoreTables);

describe('README', () => {
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
      const { store } = await storeTable('readme');
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
        {
          store,
          now: deps.now,
          offerDeadlineHours: 24,
          reminders: DEFAULT_REMINDERS,
          calendar: { timeZone: 'Europe/Tirane', holidays: new Set<string>() },
          newId: () => 'a3c5e7f9-1b2d-4f6a-8c0e-2a4c6e8a0c2e',
        },
        { caseId, afterTaskId: NO_PREVIOUS_OFFER },
      );
      expect(offer).toMatchObject({ found: true, orgId: view().offeredOrgId });
      expect(await getCase({ store }, police(), { caseId })).toEqual(view());
    });
  });

  describe('the meetings examples against the use cases on the demo directory', () => {
    const coordinator: MemberCaller = {
      sub: 'coordinator-korca',
      email: 'coordinator@prefecture-korca.example.org',
      orgId: 'prefecture-korca',
      role: 'coordinator',
      orgKind: 'prefecture',
      regions: ['korca'],
    };

    it('sets the meeting, moves it and cancels it, as the README says', async () => {
      const { store } = await storeTable('readme-meetings');
      await seedDirectory({ store }, DIRECTORY);
      const mailer = new RecordingMailer();
      const deps: MeetingDeps = {
        store,
        mailer,
        now: () => new Date('2027-01-04T09:00:00.000Z'),
        timeZone: 'Europe/Tirane',
        meetingReminders: DEFAULT_REMINDERS.meetings,
        publicBaseUrl: 'https://api.example.org',
        uidDomain: 'bashke.example.org',
        claimSeconds: 300,
      };
      const [meeting] = await createMeeting(deps, coordinator, example('meeting-request'));
      expect(meeting).toMatchObject({ version: 1, sequence: 0, startLocal: '2027-01-15T10:00' });
      const university = 'awareness@university-korca.example.org';
      expect(meeting?.attendees.map((a) => a.email)).toContain(university);
      const params = { meetingId: meeting?.meetingId };
      const moved = await changeMeeting(deps, coordinator, params, example('meeting-change'));
      expect(moved).toMatchObject({ version: 2, sequence: 1, startLocal: '2027-01-15T11:00' });
      expect(moved.attendees.map((a) => a.email)).not.toContain(university);
      // The university got the invitation, then a CANCEL of its own.
      expect(mailer.to(university).map((e) => e.calendar?.method)).toEqual(['REQUEST', 'CANCEL']);
      const [cancelled] = await cancelMeeting(deps, coordinator, params, example('meeting-cancellation'));
      expect(cancelled).toMatchObject({ status: 'CANCELLED', sequence: 2 });
    });
  });
});
