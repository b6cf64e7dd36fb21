/**
 * Builds the OpenAPI 3.1 document of the HTTP API from the zod schemas the handlers parse
 * with, so the document cannot describe fields the code does not accept. `npm run openapi`
 * writes docs/openapi.json; test/docs/openapi.test.ts fails when that file is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { PAGE_HEADERS } from '../functions/action-link/pages';
import {
  assignmentRequestSchema,
  closureRequestSchema,
  planRequestSchema,
  withdrawalRequestSchema,
} from '../functions/case-commands/case-commands';
import { reopeningRequestSchema, transferRequestSchema } from '../functions/case-commands/case-cycles';
import { profileCorrectionRequestSchema } from '../functions/case-commands/profile-correction';
import {
  directoryEventViewSchema,
  directoryHistorySchema,
  organisationListSchema,
  organisationPatchSchema,
  organisationViewSchema,
} from '../functions/directory-api/directory-api';
import { auditEntrySchema, auditTrailSchema } from '../functions/read-cases/audit-trail';
import {
  caseListSchema,
  coordinatorCaseViewSchema,
  offerEntrySchema,
  timelineEventSchema,
  timelineSchema,
} from '../functions/read-cases/read-cases';
import {
  deadlineBodySchema,
  MAX_DEADLINE_DAYS,
  taskActionSchema,
  taskListSchema,
  taskViewSchema,
} from '../functions/tasks-api/tasks-api';
import pkg from '../package.json';
import { ORG_KINDS, organisationSchema } from '../shared/domain/directory';
import {
  cancelMeetingSchema,
  changeMeetingSchema,
  createMeetingSchema,
  MEETING_MAX_DAYS_AHEAD,
  MEETING_MAX_HOURS,
  RSVP_ANSWERS,
  recurrenceSchema,
  SERIES_AHEAD,
} from '../shared/domain/meetings';
import { MINUTES_ACTIONS_MAX } from '../shared/domain/minutes';
import {
  calendarDateString,
  caseViewSchema,
  personSchema,
  referralRequestSchema,
  referralResponseSchema,
} from '../shared/domain/referral';
import { OUTCOME_SCHEMAS, TASK_KINDS } from '../shared/domain/tasks';
import { MAX_BODY_BYTES } from '../shared/http/body';
import { PAGE_LIMIT } from '../shared/http/page';
import { agendaReviewRowSchema } from '../shared/meetings/agenda-review';
import {
  carriedOverViewSchema,
  meetingAttendeeSchema,
  meetingDetailSchema,
  meetingEventSchema,
  meetingItemsSchema,
  meetingListSchema,
  meetingViewSchema,
  recordedMinutesSchema,
} from '../shared/meetings/meetings';
import {
  acceptanceRowSchema,
  countCellSchema,
  medianCellSchema,
  overdueRowSchema,
  referralRowSchema,
  STATS_CSV_COLUMNS,
  statsReportSchema,
  totalCellSchema,
} from '../shared/stats/stats';

/** One failed rule of a 400: where (JSON Pointer) and which rule; never the value. */
export const fieldIssueSchema = z.strictObject({
  path: z.string(),
  code: z.string(),
});

/**
 * The error body of every JSON route (shared/http/problem.ts, RFC 9457). `detail` is one
 * of our fixed messages, never built from input.
 */
export const problemSchema = z.strictObject({
  type: z.url(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  requestId: z.string(),
  errors: z.array(fieldIssueSchema),
  detail: z.string().optional(),
});
export type ProblemBody = z.infer<typeof problemSchema>;

/**
 * The answer page's form (functions/action-link/rsvp.ts reads `answer` by hand): one of the
 * answers, once. Anything else is an incomplete form (400 page), the link unused.
 */
export const rsvpFormSchema = z.strictObject({ answer: z.enum(RSVP_ANSWERS) });

/** What API Gateway itself answers when the JWT authorizer refuses a request. */
export const gatewayErrorSchema = z.strictObject({ message: z.string() });

/** Documented here because the use cases keep them private; the docs tests pin them to the code. */
export const IDEMPOTENCY_KEY_PATTERN = '^[A-Za-z0-9_-]{8,128}$';
export const ACTION_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

type Meta = { id: string; description: string };

/** `CHILD_PROTECTION` → `ChildProtection`: component names are letters only. */
const pascal = (kind: string) =>
  kind
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/** Component name and description of every schema that gets its own entry. */
const COMPONENTS: ReadonlyArray<[z.ZodType, Meta]> = [
  [
    referralRequestSchema,
    {
      id: 'ReferralRequest',
      description:
        'Police intake. Identity fields (name, firstName, lastName, dateOfBirth, address) are refused ' +
        'wherever they appear. `region`, `socialWorkerOrgId` and `preferredNgoId` (an NGO) must exist in ' +
        'the directory; `interviewDate` must not lie in the future nor further back than the configured ' +
        'maximum; an adult needs `consent.given: true`.',
    },
  ],
  [
    personSchema,
    {
      id: 'Person',
      description:
        'The presumed-victim profile: what services need to match, nothing that identifies. ' +
        '`nationality` is an ISO 3166-1 alpha-2 code, `language` an ISO 639-1 code. An unknown age ' +
        'group is treated as a child.',
    },
  ],
  [
    referralResponseSchema,
    { id: 'ReferralResponse', description: 'The new case: its id and its reference (e.g. KOR-2026-0042).' },
  ],
  [
    caseViewSchema,
    {
      id: 'CaseView',
      description:
        'What the caller may see of a case. `offeredOrgId` is present while the case is OFFERED, ' +
        '`acceptedOrgId` once an NGO accepted.',
    },
  ],
  [
    OUTCOME_SCHEMAS.OFFER,
    {
      id: 'DecisionForm',
      description: 'The confirm page form. `reason` is required to decline and ignored when accepting.',
    },
  ],
  [
    coordinatorCaseViewSchema,
    {
      id: 'CoordinatorCaseView',
      description: 'The case view with the offer history, as coordinators read it.',
    },
  ],
  [
    offerEntrySchema,
    {
      id: 'OfferEntry',
      description: 'One offer of the case: the NGO, when, and how it ended (a decline with its reason).',
    },
  ],
  [
    caseListSchema,
    { id: 'CaseList', description: 'A page of cases; `nextCursor` only when there may be more.' },
  ],
  [
    timelineEventSchema,
    {
      id: 'TimelineEvent',
      description:
        'One event of the append-only timeline: when, what, who (a role and its organisation, never a ' +
        'person) and, when the case status changed, the status it reached.',
    },
  ],
  [timelineSchema, { id: 'Timeline', description: 'The events the caller may see, oldest first.' }],
  [
    auditEntrySchema,
    {
      id: 'AuditEntry',
      description:
        'One audit record: when, through what (api, console, link, workflow), which route or step, who ' +
        '(a member by user id, role and organisation; a link holder for an organisation; the system), what ' +
        '(the case, a task of it) and the result (allowed, denied, refused, failed, with the HTTP status).',
    },
  ],
  [
    auditTrailSchema,
    {
      id: 'AuditTrail',
      description: 'A page of a case’s audit records, newest first; `nextCursor` when there may be more.',
    },
  ],
  [
    taskActionSchema,
    { id: 'TaskAction', description: 'One way to complete the task: the body fields and their values.' },
  ],
  [
    taskViewSchema,
    {
      id: 'TaskView',
      description:
        'A task as its organisation sees it: kind, case reference, due instant, status and the actions it ' +
        'accepts while open. Local-government staff get no case id.',
    },
  ],
  [
    taskListSchema,
    {
      id: 'TaskList',
      description: 'A page of tasks by due instant; `nextCursor` only when there may be more.',
    },
  ],
  [
    deadlineBodySchema,
    { id: 'DeadlineRequest', description: 'The new due instant of an open task, with its UTC offset.' },
  ],
  [
    assignmentRequestSchema,
    { id: 'AssignmentRequest', description: 'The NGO of the case region to offer the case to.' },
  ],
  [
    planRequestSchema,
    { id: 'PlanRequest', description: 'The plan items: each becomes a task for the organisation it names.' },
  ],
  [withdrawalRequestSchema, { id: 'WithdrawalRequest', description: 'Empty: no reason is asked or kept.' }],
  [
    profileCorrectionRequestSchema,
    {
      id: 'ProfileCorrectionRequest',
      description:
        'The case `version` the caller read and the profile fields to correct (at least one), each by the ' +
        'intake’s rule; any other key is refused.',
    },
  ],
  [
    transferRequestSchema,
    {
      id: 'TransferRequest',
      description: 'The NGO of the case region to offer the case to instead, and why (a code, no free text).',
    },
  ],
  [
    reopeningRequestSchema,
    { id: 'ReopeningRequest', description: 'Why the closed case is reopened (a code, no free text).' },
  ],
  [
    closureRequestSchema,
    {
      id: 'ClosureRequest',
      description:
        'The NGO proposes (`closure`); a coordinator confirms or rejects (`decision`, a reason to reject).',
    },
  ],
  ...TASK_KINDS.filter((k) => k !== 'OFFER' && k !== 'ASSISTANCE_PLAN').map((k): [z.ZodType, Meta] => [
    OUTCOME_SCHEMAS[k],
    { id: `${pascal(k)}Outcome`, description: `The outcome of a ${k} task.` },
  ]),
  [
    createMeetingSchema,
    {
      id: 'CreateMeetingRequest',
      description:
        'A meeting of the region, set in the group’s time zone: `start` and `end` are wall-clock times ' +
        `(\`2027-03-29T10:00\`), the end after the start, at most ${MEETING_MAX_HOURS} hours long, the start ` +
        `after now and at most ${MEETING_MAX_DAYS_AHEAD} days ahead. \`invite\` names organisations of the ` +
        'region (every council and cluster member of each is invited; one without any is a 400 `no_members`) ' +
        'and contacts of the directory by email; at least one of the two. Text takes no markup or control ' +
        `characters. With \`recurrence\`, the first ${SERIES_AHEAD} occurrences are made at once.`,
    },
  ],
  [
    recurrenceSchema,
    {
      id: 'Recurrence',
      description:
        'Every `interval` weeks or months at the same wall-clock time (it stays at 10:00 across the ' +
        'daylight-saving change); a month without the day takes its last day.',
    },
  ],
  [
    changeMeetingSchema,
    {
      id: 'ChangeMeetingRequest',
      description:
        'The `version` read and the fields to change (at least one; not the region or the series). ' +
        '`place: null` or `videoUrl: null` removes it; `invite` replaces the whole invitation. A new time ' +
        'follows the create rules, moves the reminders and asks everyone to answer again.',
    },
  ],
  [
    cancelMeetingSchema,
    {
      id: 'CancelMeetingRequest',
      description:
        'The `version` read; `series: true` also cancels every later occurrence of the series and makes no ' +
        'more (a 400 `not_a_series` for a single meeting).',
    },
  ],
  [
    meetingAttendeeSchema,
    {
      id: 'MeetingAttendee',
      description:
        'One invitee as the directory named them when the invitation went out. `answer` (the answer to ' +
        'the current invitation, through its link) is shown to the region’s coordinators only.',
    },
  ],
  [
    recordedMinutesSchema,
    {
      id: 'RecordedMinutes',
      description: 'The minutes as recorded: the summary and the decisions with their action items.',
    },
  ],
  [
    meetingViewSchema,
    {
      id: 'MeetingView',
      description:
        'A meeting: `start`/`end` are UTC instants, `startLocal`/`endLocal` the same on the group’s wall ' +
        'clock (`timeZone`). `sequence` is the calendar SEQUENCE (raised by every change attendees see), ' +
        '`version` the one a change or cancellation must name (raised by every write, answers included).',
    },
  ],
  [
    agendaReviewRowSchema,
    {
      id: 'AgendaReviewRow',
      description:
        'One row of the agenda’s review (docs/meetings.md): an organisation of the region, a task kind, ' +
        'how many of its tasks are overdue and how many were closed as not possible since the previous ' +
        'meeting, with the owners’ reasons (shown here only, never in mail). No case, task or person.',
    },
  ],
  [
    carriedOverViewSchema,
    {
      id: 'CarriedOver',
      description:
        'An open action item or prevention task of an earlier meeting of the region, with its history: ' +
        'reminders sent, escalation, overdue.',
    },
  ],
  [
    meetingEventSchema,
    {
      id: 'MeetingEvent',
      description:
        'One entry of a meeting’s history: when, what (`MEETING_CREATED`, `MEETING_CHANGED`, ' +
        '`MEETING_MOVED`, `MEETING_CANCELLED`, `RSVP`, …), who (a role and organisation; `link` for an ' +
        'answer), the names of the fields changed, never their values.',
    },
  ],
  [
    meetingDetailSchema,
    {
      id: 'MeetingDetail',
      description:
        'A meeting with its agenda’s review, the action items carried over from earlier meetings and, for ' +
        'the region’s coordinators, its history (empty for everyone else).',
    },
  ],
  [meetingItemsSchema, { id: 'MeetingItems', description: 'The meetings a call made or cancelled.' }],
  [
    meetingListSchema,
    {
      id: 'MeetingList',
      description: 'A page of the region’s meetings by start; `nextCursor` only when there may be more.',
    },
  ],
  [
    rsvpFormSchema,
    { id: 'RsvpForm', description: 'The answer page’s form: one of the three answers, once.' },
  ],
  [
    organisationSchema,
    {
      id: 'Organisation',
      description:
        'A directory entry, as in shared/directory/korca.json: kind (a department says which), regions, ' +
        'services, capacity, child protection, contacts (roles, language, time zone, reachable, active, an ' +
        'absence with a deputy of the same organisation) and whether it is active.',
    },
  ],
  [
    organisationViewSchema,
    {
      id: 'OrganisationView',
      description: 'A directory entry with its live offer count and the `version` a change must name.',
    },
  ],
  [
    organisationListSchema,
    {
      id: 'OrganisationList',
      description: 'A page of organisations by id; `nextCursor` only when there may be more.',
    },
  ],
  [
    organisationPatchSchema,
    {
      id: 'OrganisationPatch',
      description:
        'The `version` read and the fields to replace (`contacts` as the whole list; `department: null` ' +
        'removes it). The organisation that results must be valid.',
    },
  ],
  [
    directoryEventViewSchema,
    {
      id: 'DirectoryEvent',
      description:
        'One change of an organisation: when, who (role, organisation, token subject) and the names of ' +
        'the fields it touched, never their values.',
    },
  ],
  [
    directoryHistorySchema,
    { id: 'DirectoryHistory', description: 'An organisation’s changes, oldest first.' },
  ],
  [
    countCellSchema,
    {
      id: 'CountCell',
      description: 'A count as published: the number, or `"<5"` for 1 to 4 (0 is shown).',
    },
  ],
  [
    totalCellSchema,
    {
      id: 'TotalCell',
      description:
        'A row’s total: the number, or `"withheld"` when subtracting the row’s shown cells from it would ' +
        'narrow down a suppressed cell (docs/stats.md).',
    },
  ],
  [
    medianCellSchema,
    {
      id: 'MedianCell',
      description: 'A median in days, one decimal; `"<5"` over fewer than 5 cases, `null` over none.',
    },
  ],
  [
    referralRowSchema,
    {
      id: 'ReferralRow',
      description:
        'Referrals of a region in a year, January to December on the group’s calendar, and their total.',
    },
  ],
  [
    acceptanceRowSchema,
    {
      id: 'AcceptanceRow',
      description:
        'The cases of a region referred in a year that an NGO accepted in their first cycle, and the median ' +
        'days from referral to acceptance.',
    },
  ],
  [
    overdueRowSchema,
    {
      id: 'OverdueRow',
      description:
        'An organisation of the regions: its open tasks past their due instant now, per kind, and their total.',
    },
  ],
  [
    statsReportSchema,
    {
      id: 'StatsReport',
      description:
        'The cooperation group’s anonymous statistics: no case, reference or person; small numbers suppressed ' +
        '(docs/stats.md).',
    },
  ],
  [fieldIssueSchema, { id: 'FieldIssue', description: 'One failed rule: a JSON Pointer and a rule code.' }],
  [problemSchema, { id: 'Problem', description: 'RFC 9457 problem details: the error body of JSON routes.' }],
  [
    gatewayErrorSchema,
    { id: 'GatewayError', description: 'API Gateway’s own answer when the JWT authorizer refuses a token.' },
  ],
];

function componentSchemas(): Record<string, Record<string, unknown>> {
  const registry = z.registry<Meta>();
  for (const [schema, meta] of COMPONENTS) registry.add(schema, meta);
  const { schemas } = z.toJSONSchema(registry, {
    uri: (id) => `#/components/schemas/${id}`,
    metadata: registry,
    // The converter drops refinements: calendar dates get `format: date`; ISO codes are named in Person.
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema === calendarDateString) jsonSchema.format = 'date';
      // A field with a default may be left out of a request (the parse fills it in).
      const props = jsonSchema.properties as Record<string, { default?: unknown }> | undefined;
      if (props && Array.isArray(jsonSchema.required)) {
        const required = jsonSchema.required.filter((k) => props[k]?.default === undefined);
        if (required.length) jsonSchema.required = required;
        else delete jsonSchema.required;
      }
    },
  });
  // Component schemas live inside the document: no dialect or `$id` of their own.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]),
  );
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

function problem(description: string) {
  return { description, content: { 'application/problem+json': { schema: ref('Problem') } } };
}

const unauthorized = {
  description:
    'No valid Cognito ID token. Answered by API Gateway before any function runs, with its own body.',
  content: { 'application/json': { schema: ref('GatewayError') } },
};

const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } },
};

/** Overload and timeouts below the function (shared/http/transient.ts): never a 500. */
function unavailable(description: string) {
  return { ...problem(description), headers: retryAfter };
}

const jsonHeaders = {
  'Cache-Control': { description: 'Always `no-store`.', schema: { type: 'string', const: 'no-store' } },
};

const pageHeaders = Object.fromEntries(
  Object.entries(PAGE_HEADERS)
    .filter(([name]) => name !== 'Content-Type')
    .map(([name, value]) => [name, { schema: { type: 'string', const: value } }]),
);

function page(description: string) {
  return { description, headers: pageHeaders, content: { 'text/html': { schema: { type: 'string' } } } };
}

const tokenParameter = {
  name: 'token',
  in: 'path',
  required: true,
  description:
    'The opaque action token from the emailed link (256 bits, base64url). Single use; it expires with ' +
    'the offer. A malformed, unknown, used or expired token gets the same 410 page.',
  schema: { type: 'string', pattern: ACTION_TOKEN_PATTERN },
};

const actionResponses = {
  '200': page('The confirm page (GET), or the thank-you page after a recorded decision (POST).'),
  '410': page('The link cannot be used: unknown, used, expired, or the offer is closed.'),
  '500': {
    description: 'Unexpected error: a plain-text line with the request id.',
    content: { 'text/plain': { schema: { type: 'string' } } },
  },
  '503': {
    description: 'Overloaded or timed out: a plain-text line with the request id; the same link works later.',
    headers: retryAfter,
    content: { 'text/plain': { schema: { type: 'string' } } },
  },
};

/** HEAD answers with GET's status and headers, and no body. */
const headResponses = Object.fromEntries(
  Object.entries(actionResponses).map(([status, { description }]) => [
    status,
    { description, headers: pageHeaders },
  ]),
);

const internalError = problem('Unexpected error: a generic problem with no internals.');

const jsonOk = (description: string, schema: string) => ({
  description,
  headers: jsonHeaders,
  content: { 'application/json': { schema: ref(schema) } },
});

const caseIdParameter = {
  name: 'caseId',
  in: 'path',
  required: true,
  description: 'A malformed id is answered like an unknown one (404).',
  schema: { type: 'string', format: 'uuid' },
};

const taskIdParameter = { ...caseIdParameter, name: 'taskId' };

const pageParameters = [
  {
    name: 'limit',
    in: 'query',
    required: false,
    description: `Items per page, ${PAGE_LIMIT.min} to ${PAGE_LIMIT.max}; ${PAGE_LIMIT.default} when absent.`,
    schema: {
      type: 'integer',
      minimum: PAGE_LIMIT.min,
      maximum: PAGE_LIMIT.max,
      default: PAGE_LIMIT.default,
    },
  },
  {
    name: 'cursor',
    in: 'query',
    required: false,
    description:
      'The `nextCursor` of the previous page, as it came. Anything else (or a cursor of another list) is a ' +
      '400 `invalid_cursor`. A page may hold fewer items than `limit` and still have a `nextCursor`.',
    schema: { type: 'string' },
  },
];

const denied = {
  '401': unauthorized,
  '403': problem(
    'The token names no organisation or role, its organisation is not in the directory (or of a kind the ' +
      'role cannot hold), or the role may not use this route (docs/access.md).',
  ),
  '500': internalError,
  '503': unavailable('Busy or timed out: retry after Retry-After seconds.'),
};

const security = [{ cognitoIdToken: [] }];

function command(operationId: string, summary: string, description: string, body: string, conflicts: string) {
  return {
    post: {
      operationId,
      tags: ['cases'],
      summary,
      description,
      security,
      parameters: [caseIdParameter],
      requestBody: { required: true, content: { 'application/json': { schema: ref(body) } } },
      responses: {
        '200': jsonOk(
          'Done (or already done by an earlier call): the case as the caller sees it now.',
          'CaseView',
        ),
        '400': problem('Invalid body: `errors` names each field (path and rule, never the value).'),
        ...denied,
        '404': problem('No such case, or not one the caller may see.'),
        '409': problem(conflicts),
        '413': problem(`The body is larger than ${MAX_BODY_BYTES / 1024} KiB.`),
        '415': problem('The body is not application/json.'),
      },
    },
  };
}

/** The component of a kind's outcome (the offer's and the plan's have names of their own). */
const outcomeComponent = (kind: (typeof TASK_KINDS)[number]) =>
  kind === 'OFFER' ? 'DecisionForm' : kind === 'ASSISTANCE_PLAN' ? 'PlanRequest' : `${pascal(kind)}Outcome`;

/** The case and task routes (functions/read-cases, tasks-api, case-commands); docs/access.md says who sees what. */
function caseAndTaskPaths() {
  return {
    '/cases': {
      get: {
        operationId: 'listCases',
        tags: ['cases'],
        summary: 'List the cases the caller may see',
        description:
          'The cases of the caller’s regions that the caller may read (police: referred by their ' +
          'organisation; an NGO: offered to it now or accepted by it; coordinators: all), oldest first. ' +
          'Roles: police, ngo, coordinator.',
        security,
        parameters: [
          { name: 'status', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'region', in: 'query', required: false, schema: { type: 'string' } },
          {
            name: 'organisation',
            in: 'query',
            required: false,
            description: 'Cases this organisation referred, is offered or accepted.',
            schema: { type: 'string' },
          },
          ...pageParameters,
        ],
        responses: {
          '200': jsonOk('A page of cases.', 'CaseList'),
          '400': problem('A bad filter, limit or cursor (`invalid_cursor`).'),
          ...denied,
        },
      },
    },
    '/cases/{caseId}/timeline': {
      get: {
        operationId: 'getCaseTimeline',
        tags: ['cases'],
        summary: 'Read the case timeline',
        description:
          'The append-only events as the caller may see them: coordinators all; police the status changes ' +
          'they are told of; an NGO its own tasks’ events, and the status changes and profile corrections ' +
          '(PROFILE_CORRECTED, naming the fields, never their values) since it was offered the case.',
        security,
        parameters: [caseIdParameter],
        responses: {
          '200': jsonOk('The events, oldest first.', 'Timeline'),
          ...denied,
          '404': problem('No such case, or not one the caller may see.'),
        },
      },
    },
    '/cases/{caseId}/audit': {
      get: {
        operationId: 'getCaseAuditTrail',
        tags: ['cases'],
        summary: 'Read the case’s audit trail (coordinator)',
        description:
          'Every read and change of the case and its tasks, and every refused attempt, newest first: through ' +
          'the API, the console, an emailed link or a workflow step. Records are added only, never changed. ' +
          'Role: coordinator of the case region; reading the trail is recorded too.',
        security,
        parameters: [caseIdParameter, ...pageParameters],
        responses: {
          '200': jsonOk('A page of audit records.', 'AuditTrail'),
          '400': problem('A bad limit or cursor (`invalid_cursor`).'),
          ...denied,
          '404': problem('No such case, or not one of the caller’s regions.'),
        },
      },
    },
    '/cases/{caseId}/export': {
      get: {
        operationId: 'exportCase',
        tags: ['cases'],
        summary: 'Export everything held about the case (coordinator)',
        description:
          'For a data-protection request: the case with its profile and consent, its whole timeline, every ' +
          'task with its outcome and free text, each message’s recipients and delivery status, and the ' +
          'audit trail, as one JSON download (`case-<reference>.json`). Never the credentials (task tokens, ' +
          'link hashes). Role: coordinator of the case region; the export is recorded in the audit trail.',
        security,
        parameters: [caseIdParameter],
        responses: {
          '200': {
            description: 'The export, as a download.',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
          ...denied,
          '404': problem('No such case, or not one of the caller’s regions.'),
        },
      },
    },
    '/cases/{caseId}/assignment': command(
      'assignCase',
      'Assign an UNASSIGNED case to an NGO (coordinator)',
      'The case goes back to REFERRED with that NGO preferred, and the referral workflow starts again: the ' +
        'offer then runs as usual. Role: coordinator of the case region.',
      'AssignmentRequest',
      '`not_unassigned`: the case is not UNASSIGNED.',
    ),
    '/cases/{caseId}/plan': command(
      'submitPlan',
      'Submit the assistance plan (NGO of the case)',
      'Completes the case’s open ASSISTANCE_PLAN task, as its emailed link would.',
      'PlanRequest',
      '`no_plan_pending`: no plan is awaited; `task_closed`: it was submitted meanwhile.',
    ),
    '/cases/{caseId}/withdrawal': command(
      'withdrawCase',
      'Withdraw the case',
      'The person withdrew: the case becomes WITHDRAWN, its open tasks are cancelled and the NGO and the ' +
        'referring officer are told. By the NGO of the case, the referring police unit or a coordinator of the ' +
        'region. The body may be empty.',
      'WithdrawalRequest',
      '`child_cannot_withdraw`: a person treated as a child; `case_closed`: the case is closed.',
    ),
    '/cases/{caseId}/profile-correction': command(
      'correctProfile',
      'Correct the person’s profile',
      'By the referring police unit or the NGO of the case. The fields named replace the profile’s; the ' +
        'timeline gets PROFILE_CORRECTED with the names of the fields that changed, never their values. A ' +
        'correction that makes the person a child (or of unknown age) starts the child path: the region’s ' +
        'child-protection unit gets the case’s CHILD_PROTECTION task by email, once.',
      'ProfileCorrectionRequest',
      '`version_conflict`: the case changed since the version named; `case_closed`: the case is closed.',
    ),
    '/cases/{caseId}/transfer': command(
      'transferCase',
      'Transfer a case to another NGO (coordinator)',
      'From ACCEPTED, ASSESSED, IN_ASSISTANCE or FOLLOW_UP: the case goes back to REFERRED in a new cycle, ' +
        'the NGO that had it loses access at once and its open tasks are cancelled, and the referral workflow ' +
        'offers the case to the named NGO (a decline or timeout moves on as usual). Both NGOs are told. A repeat ' +
        'of the same transfer starts nothing twice. Role: coordinator of the case region.',
      'TransferRequest',
      '`not_accepted`: no NGO holds the case.',
    ),
    '/cases/{caseId}/reopening': command(
      'reopenCase',
      'Reopen a closed case (coordinator)',
      'From CLOSED or CLOSED_REFERRED: the case goes to IN_ASSISTANCE in a new cycle with the NGO that had it, ' +
        'whose new assistance stage opens a plan review task; the NGO is told. A repeat changes nothing more. ' +
        'Role: coordinator of the case region.',
      'ReopeningRequest',
      '`not_closed`: the case is not closed.',
    ),
    '/cases/{caseId}/closure': command(
      'submitClosure',
      'Propose or confirm the closure',
      'The NGO of the case answers its CLOSURE_PROPOSAL task; a coordinator of the region its ' +
        'CLOSURE_CONFIRMATION task.',
      'ClosureRequest',
      '`no_closure_pending`: nothing to answer for this caller; `task_closed`: answered meanwhile.',
    ),
    '/tasks': {
      get: {
        operationId: 'listTasks',
        tags: ['tasks'],
        summary: 'List the caller’s organisation’s tasks',
        description:
          'By due instant. Local-government staff see their plan items only; police and council members see ' +
          'only their organisation’s meeting tasks (MINUTES, ACTION_ITEM, PREVENTION, with `meetingId`), no case ' +
          'task. A meeting’s task names the meeting in `reference` instead of a case. Roles: ngo, localgov, ' +
          'coordinator, police, council.',
        security,
        parameters: [
          {
            name: 'status',
            in: 'query',
            required: false,
            description: '`open` (default), `overdue` (open and past due) or `done` (final).',
            schema: { type: 'string', enum: ['open', 'done', 'overdue'] },
          },
          { name: 'kind', in: 'query', required: false, schema: { type: 'string', enum: [...TASK_KINDS] } },
          {
            name: 'mine',
            in: 'query',
            required: false,
            description: '`true`: only tasks addressed to the directory contact with the token’s email.',
            schema: { type: 'string', enum: ['true', 'false'] },
          },
          ...pageParameters,
        ],
        responses: {
          '200': jsonOk('A page of tasks.', 'TaskList'),
          '400': problem('A bad filter, limit or cursor (`invalid_cursor`).'),
          ...denied,
        },
      },
    },
    '/tasks/{taskId}': {
      get: {
        operationId: 'getTask',
        tags: ['tasks'],
        summary: 'Read a task',
        description: 'Roles: ngo, localgov, coordinator, police and council (meeting tasks only).',
        security,
        parameters: [taskIdParameter],
        responses: {
          '200': jsonOk('The task.', 'TaskView'),
          ...denied,
          '404': problem(
            'No such task, or not one the caller may see: another organisation’s; for police and council ' +
              'members any case task, for local-government staff one that is not a plan item.',
          ),
        },
      },
    },
    '/tasks/{taskId}/completion': {
      post: {
        operationId: 'completeTask',
        tags: ['tasks'],
        summary: 'Complete a task',
        description:
          'The same fields as the emailed link’s form, as JSON (the task’s `actions`), and the same single use: ' +
          'whichever of the two comes first wins.',
        security,
        parameters: [taskIdParameter],
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { oneOf: TASK_KINDS.map((k) => ref(outcomeComponent(k))) } },
          },
        },
        responses: {
          '200': jsonOk('Done: the task as it is now.', 'TaskView'),
          '400': problem('The outcome does not fit the task’s kind: `errors` names each field.'),
          ...denied,
          '404': problem(
            'No such task, or not one the caller may see: another organisation’s; for police and council ' +
              'members any case task, for local-government staff one that is not a plan item.',
          ),
          '409': problem('`task_closed`: the task was answered already (here or through its link).'),
          '410': problem('`task_gone`: the task timed out, was cancelled, or its case ended.'),
          '413': problem(`The body is larger than ${MAX_BODY_BYTES / 1024} KiB.`),
          '415': problem('The body is not application/json.'),
        },
      },
    },
    '/tasks/{taskId}/deadline': {
      post: {
        operationId: 'moveTaskDeadline',
        tags: ['tasks'],
        summary: 'Move a task’s deadline (coordinators)',
        description:
          'A coordinator of the case’s region moves an open task’s due instant; its pending reminder moves with ' +
          'it, in the same write, and it is no longer overdue until the new instant passes.',
        security,
        parameters: [taskIdParameter],
        requestBody: { required: true, content: { 'application/json': { schema: ref('DeadlineRequest') } } },
        responses: {
          '200': jsonOk('Moved: the task as it is now.', 'TaskView'),
          '400': problem(
            `No offset, not after now, or more than ${MAX_DEADLINE_DAYS} days ahead (\`/dueAt\`).`,
          ),
          ...denied,
          '404': problem('No such task, or not one of a case of the caller’s region.'),
          '409': problem(
            '`deadline_fixed`: an offer (its deadline is its workflow’s timeout); `task_changed`: done or moved meanwhile.',
          ),
          '410': problem('`task_gone`: the task is no longer open.'),
          '413': problem(`The body is larger than ${MAX_BODY_BYTES / 1024} KiB.`),
          '415': problem('The body is not application/json.'),
        },
      },
    },
  };
}

const orgIdParameter = {
  name: 'orgId',
  in: 'path',
  required: true,
  description: 'An organisation id (lowercase words joined by hyphens).',
  schema: { type: 'string' },
};

/** The directory routes (functions/directory-api); coordinators for their regions, admins for all. */
function directoryPaths() {
  const notFound = problem('No such organisation, or not one of the caller’s regions.');
  const body = (schema: string) => ({
    required: true,
    content: { 'application/json': { schema: ref(schema) } },
  });
  const bodyProblems = {
    '400': problem('Invalid body: `errors` names each field (path and rule, never the value).'),
    '413': problem(`The body is larger than ${MAX_BODY_BYTES / 1024} KiB.`),
    '415': problem('The body is not application/json.'),
  };
  return {
    '/directory/organisations': {
      get: {
        operationId: 'listOrganisations',
        tags: ['directory'],
        summary: 'List the directory’s organisations',
        description:
          'By id; coordinators see the organisations of their regions, admins all. Deactivated ones only with ' +
          '`includeInactive=true`. Roles: coordinator, admin.',
        security,
        parameters: [
          { name: 'region', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'kind', in: 'query', required: false, schema: { type: 'string', enum: [...ORG_KINDS] } },
          {
            name: 'includeInactive',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['true', 'false'] },
          },
          ...pageParameters,
        ],
        responses: {
          '200': jsonOk('A page of organisations.', 'OrganisationList'),
          '400': problem('A bad filter, limit or cursor (`invalid_cursor`).'),
          ...denied,
        },
      },
      post: {
        operationId: 'createOrganisation',
        tags: ['directory'],
        summary: 'Add an organisation',
        description:
          'Writes it (version 1) and an ORG_CREATED event in one transaction. A coordinator adds only ' +
          'organisations working in their own regions. Roles: coordinator, admin.',
        security,
        requestBody: body('Organisation'),
        responses: {
          '201': jsonOk('Added: the organisation as stored.', 'OrganisationView'),
          ...bodyProblems,
          ...denied,
          '409': problem('`org_exists`: an organisation with this id exists (never replaced).'),
        },
      },
    },
    '/directory/organisations/{orgId}': {
      get: {
        operationId: 'getOrganisation',
        tags: ['directory'],
        summary: 'Read an organisation (deactivated ones too)',
        security,
        parameters: [orgIdParameter],
        responses: { '200': jsonOk('The organisation.', 'OrganisationView'), ...denied, '404': notFound },
      },
      patch: {
        operationId: 'changeOrganisation',
        tags: ['directory'],
        summary: 'Change an organisation',
        description:
          'Replaces the fields given while the organisation is at the body’s `version`, with an ORG_CHANGED ' +
          '(ORG_DEACTIVATED, ORG_REACTIVATED) event naming the fields. Deactivate a contact with ' +
          '`active: false` in its entry. A coordinator changes only organisations all of whose regions are ' +
          'theirs. Roles: coordinator, admin.',
        security,
        parameters: [orgIdParameter],
        requestBody: body('OrganisationPatch'),
        responses: {
          '200': jsonOk('Changed (or nothing to change): the organisation as it is now.', 'OrganisationView'),
          ...bodyProblems,
          ...denied,
          '404': notFound,
          '409': problem(
            '`version_conflict`: the organisation changed since that version; nothing was written.',
          ),
        },
      },
    },
    '/directory/organisations/{orgId}/deactivation': {
      post: {
        operationId: 'deactivateOrganisation',
        tags: ['directory'],
        summary: 'Deactivate an organisation (it is never deleted)',
        description:
          'It stays stored (cases, tasks and history point at it) but gets no offers, tasks or mail, and its ' +
          'members are refused (403). Again for one already deactivated: 200, nothing written. No body. ' +
          'Roles: coordinator, admin.',
        security,
        parameters: [orgIdParameter],
        responses: {
          '200': jsonOk('Deactivated: the organisation as it is now.', 'OrganisationView'),
          ...denied,
          '404': notFound,
          '409': problem('`version_conflict`: it kept changing meanwhile; try again.'),
        },
      },
    },
    '/directory/organisations/{orgId}/history': {
      get: {
        operationId: 'organisationHistory',
        tags: ['directory'],
        summary: 'Read an organisation’s audit history',
        security,
        parameters: [orgIdParameter],
        responses: {
          '200': jsonOk('Its changes, oldest first.', 'DirectoryHistory'),
          ...denied,
          '404': notFound,
        },
      },
    },
  };
}

const meetingIdParameter = {
  name: 'meetingId',
  in: 'path',
  required: true,
  description: 'A malformed id is answered like an unknown one (404).',
  schema: { type: 'string', format: 'uuid' },
};

/**
 * The meetings of the cooperation group (functions/meetings-api, shared/meetings/meetings.ts):
 * coordinators of the region set and change them; invitees read them (docs/access.md, "Meetings").
 */
function meetingPaths() {
  const notFound = problem(
    'No such meeting, or not one the caller may see (a coordinator of another region; a member whose ' +
      'organisation is not invited).',
  );
  const writeDenied = {
    ...denied,
    '403': problem(
      'As on every route (token, directory), or the role is not coordinator (docs/access.md); for a ' +
        'create, also a region that is not the coordinator’s.',
    ),
  };
  const body = (schema: string) => ({
    required: true,
    content: { 'application/json': { schema: ref(schema) } },
  });
  const bodyProblems = {
    '400': problem(
      'Invalid body: `errors` names each field (path and rule, never the value): `/start` `in_the_past` or ' +
        '`too_far_ahead`, `/end` `before_start` or `too_long`, `/invite/orgIds/<i>` `unknown_reference` or ' +
        '`no_members`, `/invite/emails/<i>` `unknown_reference`.',
    ),
    '413': problem(`The body is larger than ${MAX_BODY_BYTES / 1024} KiB.`),
    '415': problem('The body is not application/json.'),
  };
  const changeConflicts = problem(
    '`version_conflict`: the meeting changed since that version (nothing written, nothing sent); ' +
      '`meeting_cancelled`: it is cancelled; `meeting_started`: it has begun.',
  );
  return {
    '/meetings': {
      get: {
        operationId: 'listMeetings',
        tags: ['meetings'],
        summary: 'List a region’s meetings the caller may see',
        description:
          'By start, from `from` on, cancelled ones included. Coordinators of the region see every meeting, ' +
          'with the invitees’ answers; any other member only those that invite their organisation or them by ' +
          'name, without answers. Any role.',
        security,
        parameters: [
          {
            name: 'region',
            in: 'query',
            required: false,
            description: 'The first region of the caller’s organisation when absent.',
            schema: { type: 'string' },
          },
          {
            name: 'from',
            in: 'query',
            required: false,
            description: 'An instant or a date (`2027-01-01`); today (UTC) when absent.',
            schema: { type: 'string' },
          },
          ...pageParameters,
        ],
        responses: {
          '200': jsonOk('A page of meetings.', 'MeetingList'),
          '400': problem('A bad region, `from`, limit or cursor (`invalid_cursor`).'),
          ...denied,
        },
      },
      post: {
        operationId: 'createMeeting',
        tags: ['meetings'],
        summary: 'Set a meeting or a recurring series (coordinators)',
        description:
          'A coordinator of the region sets a meeting; every invitee gets a calendar invitation (METHOD:REQUEST, ' +
          'UID `meeting-<id>@<sender domain>`) with their own answer links. With `recurrence`, the series’ ' +
          `first ${SERIES_AHEAD} occurrences are made, each a meeting with its own id and UID; the next is made ` +
          'when one ends. Bad input writes and sends nothing. No Idempotency-Key: a repeated call sets a second ' +
          'meeting. Role: coordinator.',
        security,
        requestBody: body('CreateMeetingRequest'),
        responses: {
          '201': jsonOk('Set: the meeting, or the series’ first occurrences, with answers.', 'MeetingItems'),
          ...bodyProblems,
          ...writeDenied,
          '409': problem('`meeting_exists`: a meeting with this id exists (never replaced).'),
        },
      },
    },
    '/meetings/{meetingId}': {
      get: {
        operationId: 'getMeeting',
        tags: ['meetings'],
        summary: 'Read a meeting with its agenda’s review and carried-over action items',
        description:
          'For the region’s coordinators (with answers and the history) and the invitees. The review’s ' +
          'reasons are shown here only, never in mail. Any role.',
        security,
        parameters: [meetingIdParameter],
        responses: { '200': jsonOk('The meeting.', 'MeetingDetail'), ...denied, '404': notFound },
      },
      patch: {
        operationId: 'changeMeeting',
        tags: ['meetings'],
        summary: 'Change a meeting (coordinators)',
        description:
          'Before it begins, at the `version` read. SEQUENCE goes up and everyone still invited gets the update ' +
          'with new answer links (the old ones are dead); whoever was taken off gets a CANCEL of their own. A ' +
          'new time moves the reminders and clears the answers. One occurrence of a series changes alone. ' +
          'Role: coordinator of the region.',
        security,
        parameters: [meetingIdParameter],
        requestBody: body('ChangeMeetingRequest'),
        responses: {
          '200': jsonOk('Changed: the meeting as it is now.', 'MeetingView'),
          ...bodyProblems,
          ...writeDenied,
          '404': notFound,
          '409': changeConflicts,
        },
      },
    },
    '/meetings/{meetingId}/cancellation': {
      post: {
        operationId: 'cancelMeeting',
        tags: ['meetings'],
        summary: 'Cancel a meeting, or the rest of its series (coordinators)',
        description:
          'Before it begins, at the `version` read: every invitee gets the CANCEL (same UID, SEQUENCE up, ' +
          'STATUS:CANCELLED) and no more reminders; its answer links stop working. `series: true` also cancels ' +
          'the later occurrences (each with its CANCEL) and makes no more. Role: coordinator of the region.',
        security,
        parameters: [meetingIdParameter],
        requestBody: body('CancelMeetingRequest'),
        responses: {
          '200': jsonOk(
            'Cancelled: the meeting, then (with `series`) the later occurrences cancelled.',
            'MeetingItems',
          ),
          ...bodyProblems,
          ...writeDenied,
          '404': notFound,
          '409': changeConflicts,
        },
      },
    },
    '/meetings/{meetingId}/minutes': {
      post: {
        operationId: 'recordMinutes',
        tags: ['meetings'],
        summary: 'Record the minutes (coordinators)',
        description:
          'After the meeting ends, once: this does its MINUTES task, as the task’s emailed link would ' +
          '(whichever comes first wins). Each decision’s action items (ACTION_ITEM, or PREVENTION for ' +
          'prevention work) open as tasks of the organisation named, or of the named contact’s, each emailed ' +
          `within a minute; at most ${MINUTES_ACTIONS_MAX} in all. Role: coordinator of the region.`,
        security,
        parameters: [meetingIdParameter],
        requestBody: body('MinutesOutcome'),
        responses: {
          '200': jsonOk('Recorded: the meeting with its minutes.', 'MeetingView'),
          '400': problem(
            'Invalid body: `errors` names each field; `/decisions/<d>/actions/<a>/orgId` (or `/email`) ' +
              '`unknown_reference` for an organisation or contact not of the region, `…/dueDate` `in_the_past`.',
          ),
          '413': problem(`The body is larger than ${MAX_BODY_BYTES / 1024} KiB.`),
          '415': problem('The body is not application/json.'),
          ...writeDenied,
          '404': notFound,
          '409': problem(
            '`meeting_not_ended`: the meeting has not ended (no minutes task yet); `task_closed`: the minutes ' +
              'were recorded already (here or through the task’s link).',
          ),
        },
      },
    },
  };
}

const rsvpTokenParameter = {
  ...tokenParameter,
  description:
    'The opaque token of an invitation’s answer link (256 bits, base64url), one per invitee and invitation. ' +
    'Single use; it stops working when the meeting ends, is cancelled or changes (the update brings new ' +
    'links). A malformed, unknown, used, expired or superseded token gets the same 410 page.',
};

const rsvpResponses = {
  ...actionResponses,
  '200': page('The answer page (GET), or the thank-you page after a recorded answer (POST).'),
  '410': page('The link cannot be used: unknown, used, expired, superseded, or the meeting is cancelled.'),
};

const rsvpHeadResponses = Object.fromEntries(
  Object.entries(rsvpResponses).map(([status, { description }]) => [
    status,
    { description, headers: pageHeaders },
  ]),
);

/** An invitation's answer link (functions/action-link/rsvp.ts): public, like /actions/{token}. */
/** The statistics route (functions/stats-api; docs/stats.md). */
function statsPaths() {
  return {
    '/stats': {
      get: {
        operationId: 'getStats',
        tags: ['stats'],
        summary: 'The group’s anonymous statistics, a year against the year before',
        description:
          'Referrals per region and month, days from referral to acceptance (median), overdue tasks per ' +
          'organisation and kind now. Counts of 1 to 4 and medians over fewer than 5 cases show `"<5"`; a total ' +
          'that would reveal a suppressed cell shows `"withheld"`. With `format=csv`: one table in long form ' +
          `(columns ${STATS_CSV_COLUMNS.map((c) => `\`${c}\``).join(', ')}). Roles: coordinator, council.`,
        security,
        parameters: [
          {
            name: 'year',
            in: 'query',
            required: false,
            description:
              'The year reported on (four digits, 2000 to the current one); the current year on the group’s ' +
              'calendar when absent. The year before comes with it.',
            schema: { type: 'string', pattern: '^\\d{4}$' },
          },
          {
            name: 'region',
            in: 'query',
            required: false,
            description: 'One region of the caller’s organisation (another: 403); all of them when absent.',
            schema: { type: 'string' },
          },
          {
            name: 'format',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['json', 'csv'], default: 'json' },
          },
        ],
        responses: {
          '200': {
            description: 'The report (JSON), or the same figures as CSV with a header row.',
            headers: jsonHeaders,
            content: {
              'application/json': { schema: ref('StatsReport') },
              'text/csv': { schema: { type: 'string' } },
            },
          },
          '400': problem('A bad year (`too_big`, `too_small`), region or format, or an unknown parameter.'),
          ...denied,
        },
      },
    },
  };
}

function rsvpPaths() {
  return {
    '/rsvp/{token}': {
      parameters: [rsvpTokenParameter],
      get: {
        operationId: 'viewRsvp',
        tags: ['actions'],
        summary: 'Show the answer page of an invitation’s link',
        description:
          'The meeting (title, time in the invitee’s zone, place) and three buttons. Changes nothing: mail ' +
          'scanners open links. `?answer=` (the link the invitee clicked) puts the focus on that button.',
        security: [],
        parameters: [
          {
            name: 'answer',
            in: 'query',
            required: false,
            description: 'Preselects an answer; anything else is ignored.',
            schema: { type: 'string', enum: [...RSVP_ANSWERS] },
          },
        ],
        responses: rsvpResponses,
      },
      head: {
        operationId: 'headRsvp',
        tags: ['actions'],
        summary: 'As GET, without a body',
        security: [],
        responses: rsvpHeadResponses,
      },
      post: {
        operationId: 'submitRsvp',
        tags: ['actions'],
        summary: 'Answer the invitation',
        description:
          'Uses the link and records the answer on the meeting, together. The organiser sees it through the ' +
          'API; nobody else does. A declined invitee gets no reminders. A repeated field or a body that is ' +
          'not a form counts as an incomplete form.',
        security: [],
        requestBody: {
          required: true,
          content: { 'application/x-www-form-urlencoded': { schema: ref('RsvpForm') } },
        },
        responses: {
          ...rsvpResponses,
          '400': page('The form was incomplete: the answer page again.'),
        },
      },
    },
  };
}

/** The OpenAPI 3.1 document of the Bashkë HTTP API. */
export function buildOpenApi() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Bashkë API',
      version: pkg.version,
      description:
        'Referrals of presumed victims of trafficking from the police to NGOs. JSON routes take a ' +
        'Cognito ID token; the action routes are public pages reached through an emailed single-use link.',
    },
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'The HTTP API endpoint (stack output `ApiUrl`).',
        variables: {
          apiId: { default: 'abcdef1234' },
          region: { default: 'eu-central-1' },
        },
      },
    ],
    tags: [
      { name: 'referrals', description: 'Police intake and case views.' },
      { name: 'cases', description: 'Case lists, timelines and commands (docs/access.md: who sees what).' },
      { name: 'tasks', description: 'The human tasks of the caller’s organisation.' },
      {
        name: 'directory',
        description: 'The directory’s organisations and contacts (coordinators, admins).',
      },
      {
        name: 'meetings',
        description:
          'The cooperation group’s meetings: invitations, changes, cancellations, minutes (docs/meetings.md).',
      },
      {
        name: 'stats',
        description: 'The cooperation group’s anonymous statistics (coordinators, council members).',
      },
      {
        name: 'actions',
        description: 'Public pages behind emailed action links and invitation answer links.',
      },
    ],
    paths: {
      '/referrals': {
        post: {
          operationId: 'createReferral',
          tags: ['referrals'],
          summary: 'Refer a presumed victim (police)',
          description:
            'Creates the case with its reference and starts the referral workflow. A replay with the same ' +
            'Idempotency-Key and body answers as the first call did. Role: police.',
          security: [{ cognitoIdToken: [] }],
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: true,
              description: 'Chosen by the client, unique per referral; kept for 24 hours per caller.',
              schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN },
            },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('ReferralRequest') } },
          },
          responses: {
            '201': {
              description: 'The case was created (or this is a replay of the call that created it).',
              headers: jsonHeaders,
              content: { 'application/json': { schema: ref('ReferralResponse') } },
            },
            '400': problem(
              'Invalid body, header or reference: `errors` names each field (path and rule, never the value).',
            ),
            '401': unauthorized,
            '403': problem(
              'The token names no organisation or role, its organisation is not in the directory (or not a ' +
                'police organisation), the role is not police, or the region is not one the organisation works in.',
            ),
            '409': problem('The Idempotency-Key was used for another request.'),
            '413': problem(`The body is larger than ${MAX_BODY_BYTES / 1024} KiB.`),
            '415': problem('The body is not application/json.'),
            '500': internalError,
            '503': unavailable(
              'Busy or timed out (throttling, a slow dependency, the function near its time limit): nothing was ' +
                'half-written; retry with the same Idempotency-Key after Retry-After seconds.',
            ),
          },
        },
      },
      '/cases/{caseId}': {
        get: {
          operationId: 'getCase',
          tags: ['referrals'],
          summary: 'Read a case',
          description:
            'Police read the cases of their organisation, an NGO the case offered to it now or accepted ' +
            'by it, coordinators the cases of their organisation’s regions, with the offer history. Anything ' +
            'else is a 404, as for a case that does not exist; council, localgov and admin get 403.',
          security: [{ cognitoIdToken: [] }],
          parameters: [
            {
              name: 'caseId',
              in: 'path',
              required: true,
              description: 'A malformed id is answered like an unknown one (404).',
              schema: { type: 'string', format: 'uuid' },
            },
          ],
          responses: {
            '200': {
              description: 'The case.',
              headers: jsonHeaders,
              content: {
                'application/json': { schema: { oneOf: [ref('CaseView'), ref('CoordinatorCaseView')] } },
              },
            },
            '401': unauthorized,
            '403': problem(
              'The token names no organisation or role, its organisation is not in the directory, or the role ' +
                'sees no case details.',
            ),
            '404': problem('No such case, or not one the caller may see.'),
            '500': internalError,
            '503': unavailable('Busy or timed out: retry after Retry-After seconds.'),
          },
        },
      },
      ...caseAndTaskPaths(),
      ...directoryPaths(),
      ...meetingPaths(),
      ...statsPaths(),
      '/actions/{token}': {
        parameters: [tokenParameter],
        get: {
          operationId: 'viewAction',
          tags: ['actions'],
          summary: 'Show the confirm page of an emailed link',
          description: 'Changes nothing: mail scanners open links.',
          security: [],
          responses: actionResponses,
        },
        head: {
          operationId: 'headAction',
          tags: ['actions'],
          summary: 'As GET, without a body',
          security: [],
          responses: headResponses,
        },
        post: {
          operationId: 'submitAction',
          tags: ['actions'],
          summary: 'Accept or decline the offer',
          description:
            'Uses the link and decides the task at once, then resumes the workflow. A repeated field or ' +
            'a body that is not a form counts as an incomplete form.',
          security: [],
          requestBody: {
            required: true,
            content: { 'application/x-www-form-urlencoded': { schema: ref('DecisionForm') } },
          },
          responses: {
            ...actionResponses,
            '400': page('The form was incomplete: the confirm page again, with the bad fields marked.'),
          },
        },
      },
      ...rsvpPaths(),
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        cognitoIdToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A Cognito ID token (not the access token) of the stack’s user pool: it carries ' +
            '`custom:orgId` and exactly one role group (police, ngo, localgov, council, coordinator, admin).',
        },
      },
    },
  };
}

/** The file's text: 2-space JSON with a trailing newline. */
export function renderOpenApi(): string {
  return `${JSON.stringify(buildOpenApi(), null, 2)}\n`;
}

if (require.main === module) {
  const target = join(__dirname, '..', 'docs', 'openapi.json');
  writeFileSync(target, renderOpenApi());
  console.log(`wrote ${target}`);
}
