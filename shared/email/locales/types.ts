import type { TaskKind } from '../../domain/task-kinds';

export type Language = 'sq' | 'en';

/** Why a recipient gets a message: the footer says so, in the recipient's language. */
export type FooterReason =
  | 'offer'
  | 'task'
  | 'notice'
  | 'reminder'
  | 'escalation-focal-point'
  | 'escalation-coordinator'
  | 'case-end'
  | 'unreachable'
  | 'meeting';

/** How far a reminder is along its task's plan. */
export type ReminderStep = 'before' | 'due' | 'overdue';

/**
 * Every text of every email in one language (shared/email/locales/en.ts, sq.ts). By design a
 * text takes only a case reference, organisation names, task titles, formatted instants,
 * counts, links and directory addresses: nothing about the person referred can reach it
 * (DOMAIN.md, data protection). Arguments are plain text; the HTML part escapes them.
 */
export interface Locale {
  /** Month names, January first, for deadlines in subjects. */
  readonly months: readonly [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  /** A deadline in a subject line, e.g. "3 March 10:00". */
  readonly shortDue: (day: number, month: string, time: string) => string;

  readonly offer: {
    readonly subject: (ref: string, due: string) => string;
    readonly body: (ref: string, deadline: string) => string;
    readonly action: string;
  };

  readonly notice: {
    readonly acceptedSubject: (ref: string) => string;
    readonly acceptedBody: (ref: string, org: string) => string;
    readonly declinedSubject: (ref: string) => string;
    readonly declinedBody: (ref: string, org: string) => string;
    readonly timedOutSubject: (ref: string) => string;
    readonly timedOutBody: (ref: string, org: string) => string;
    readonly unassignedSubject: (ref: string) => string;
    readonly unassignedBody: (ref: string) => string;
    readonly waitingBody: (ref: string) => string;
  };

  /** What each kind of task asks, as a short title: the subject line and the page heading. */
  /**
   * How a task names what it is about, in a subject line (nominative) and after "for"
   * (accusative: Albanian declines the noun): a case by its reference, a meeting by its title and day.
   */
  readonly subjects: Readonly<
    Record<
      'case' | 'meeting',
      { readonly nominative: (ref: string) => string; readonly accusative: (ref: string) => string }
    >
  >;
  readonly taskTitles: Readonly<Record<TaskKind, string>>;

  readonly task: {
    readonly subject: (title: string, ref: string, due: string) => string;
    readonly childSubject: (ref: string, due: string) => string;
    readonly body: (title: string, ref: string, due: string) => string;
    readonly action: string;
    /** Where a task has no link of its own. */
    readonly signIn: string;
  };

  readonly caseEnd: {
    readonly withdrawnSubject: (ref: string) => string;
    readonly withdrawnBody: (ref: string) => string;
    readonly closedSubject: (ref: string) => string;
    readonly closedBody: (ref: string) => string;
    /** To the NGO a case was transferred away from: its tasks for the case are cancelled. */
    readonly transferredSubject: (ref: string) => string;
    readonly transferredBody: (ref: string) => string;
    /** To the NGO of a closed case a coordinator reopened. */
    readonly reopenedSubject: (ref: string) => string;
    readonly reopenedBody: (ref: string) => string;
  };

  readonly reminder: {
    /** Subject label of a single reminder by its step. */
    readonly label: Readonly<Record<ReminderStep, string>>;
    readonly escalationLabel: (org: string) => string;
    readonly urgent: string;
    readonly subject: (label: string, title: string, ref: string, due: string) => string;
    readonly digestSubject: (count: number) => string;
    readonly digestIntro: (count: number) => string;
    readonly line: Readonly<Record<ReminderStep, (title: string, ref: string, due: string) => string>>;
    readonly escalationLine: (title: string, ref: string, org: string, due: string) => string;
    readonly overdueDays: (days: number) => string;
    readonly urgentNote: string;
  };

  readonly unreachable: {
    readonly subject: (org: string) => string;
    readonly body: Readonly<Record<'bounce' | 'complaint', (contactEmail: string, org: string) => string>>;
    readonly marked: string;
    readonly escalated: (openTasks: number, org: string) => string;
    readonly check: string;
  };

  /** The cooperation group's meetings: invitations, changes, cancellations, reminders, answers. */
  readonly meeting: {
    readonly inviteSubject: (title: string, when: string) => string;
    readonly updateSubject: (title: string, when: string) => string;
    readonly cancelSubject: (title: string, when: string) => string;
    readonly reminderSubject: (title: string, when: string) => string;
    readonly invited: (title: string, when: string) => string;
    readonly updated: (title: string, when: string) => string;
    readonly cancelled: (title: string, when: string) => string;
    readonly removed: (title: string, when: string) => string;
    readonly reminder: (title: string, when: string) => string;
    readonly place: (place: string) => string;
    readonly video: string;
    readonly agenda: string;
    readonly review: string;
    readonly reviewLine: (org: string, task: string, notDone: number, notPossible: number) => string;
    readonly carried: string;
    readonly carriedLine: (title: string, org: string, due: string) => string;
    readonly answerPrompt: string;
    readonly answers: Readonly<Record<'accepted' | 'declined' | 'tentative', string>>;
    readonly answered: (answer: string, title: string) => string;
    readonly pageIntro: (title: string, when: string) => string;
  };

  readonly footer: {
    readonly why: Readonly<Record<FooterReason, (org?: string) => string>>;
    readonly contact: (contact?: string) => string;
    readonly privacy: string;
  };
}
