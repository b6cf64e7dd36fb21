import { noteActor, noteSubject } from '../../shared/audit/audit';
import type { MeetingStore } from '../../shared/data/meeting-store';
import type { MeetingRecord, RsvpLinkRecord } from '../../shared/data/records';
import { hashActionToken, isWellFormedToken } from '../../shared/domain/action-token';
import { RSVP_ANSWERS, type RsvpAnswer } from '../../shared/domain/meetings';
import type { Language } from '../../shared/email/templates';

export interface RsvpDeps {
  readonly store: Pick<MeetingStore, 'getRsvpLink' | 'getMeeting' | 'recordResponse'>;
  readonly now: () => Date;
}

/** What the answer page shows: the meeting's title, time and place, in the invitee's language. */
export interface RsvpView {
  readonly title: string;
  readonly start: Date;
  readonly timeZone: string;
  readonly place?: string;
  readonly language: Language;
}

export type RsvpOutcome =
  | { readonly kind: 'confirm'; readonly view: RsvpView; readonly answer?: RsvpAnswer }
  | { readonly kind: 'invalid'; readonly view: RsvpView }
  | { readonly kind: 'done'; readonly view: RsvpView; readonly answer: RsvpAnswer }
  | { readonly kind: 'gone' };

const GONE: RsvpOutcome = { kind: 'gone' };

const isAnswer = (v: unknown): v is RsvpAnswer => (RSVP_ANSWERS as readonly unknown[]).includes(v);

function viewOf(meeting: MeetingRecord, link: RsvpLinkRecord): RsvpView {
  const attendee = meeting.attendees.find((a) => a.email.toLowerCase() === link.email.toLowerCase());
  return {
    title: meeting.title,
    start: new Date(meeting.start),
    timeZone: attendee?.timeZone ?? meeting.timeZone,
    ...(meeting.place ? { place: meeting.place } : {}),
    language: attendee?.language ?? 'sq',
  };
}

/**
 * Every way an answer link can fail ends here, so the answer cannot tell them apart: not a
 * token, unknown, used, expired (at the meeting's end), the meeting cancelled, or an older
 * invitation's link (a change sends new ones: SEQUENCE moved on).
 */
async function resolve(deps: RsvpDeps, token: string) {
  if (!isWellFormedToken(token)) return undefined;
  const link = await deps.store.getRsvpLink(hashActionToken(token));
  if (!link) return undefined;
  // The audit names the invitee (an address of the directory, not case data) and the meeting.
  noteActor({ kind: 'link' });
  noteSubject({ meetingId: link.meetingId });
  if (link.usedAt || Date.parse(link.expiresAt) <= deps.now().getTime()) return undefined;
  const meeting = await deps.store.getMeeting(link.meetingId);
  if (meeting?.status !== 'SCHEDULED' || meeting.sequence !== link.sequence) return undefined;
  return { link, meeting, view: viewOf(meeting, link) };
}

/** GET (and HEAD): the invitation and its three answers. Changes nothing: mail scanners open links. */
export async function viewRsvp(
  deps: RsvpDeps,
  token: string,
  answer: string | undefined,
): Promise<RsvpOutcome> {
  const found = await resolve(deps, token);
  if (!found) return GONE;
  return { kind: 'confirm', view: found.view, ...(isAnswer(answer) ? { answer } : {}) };
}

/** POST: records the answer on the meeting and uses the link, together (single use). */
export async function submitRsvp(
  deps: RsvpDeps,
  token: string,
  form: URLSearchParams | undefined,
): Promise<RsvpOutcome> {
  const found = await resolve(deps, token);
  if (!found) return GONE;
  const answers = form?.getAll('answer') ?? [];
  const answer = answers.length === 1 ? answers[0] : undefined;
  if (!isAnswer(answer)) return { kind: 'invalid', view: found.view };
  const now = deps.now().toISOString();
  const done = await deps.store.recordResponse({
    link: found.link,
    response: { answer, at: now, sequence: found.meeting.sequence },
    now,
  });
  return done ? { kind: 'done', view: found.view, answer } : GONE;
}
