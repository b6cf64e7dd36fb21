import type { Locale } from './types';

/** Every email text in English. Keys and shapes: `Locale`; the Albanian twin is ./sq.ts. */
export const en: Locale = {
  months: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
  shortDue: (day, month, time) => `${day} ${month} ${time}`,

  offer: {
    subject: (ref, due) => `Bashkë: referral ${ref} offered to your organisation, answer by ${due}`,
    body: (ref, deadline) =>
      `A referral (case ${ref}) is offered to your organisation. Please accept or decline it by ${deadline}.`,
    action: 'Open the referral to accept or decline',
  },

  notice: {
    acceptedSubject: (ref) => `Bashkë: referral ${ref} accepted`,
    acceptedBody: (ref, org) => `Case ${ref} was accepted by ${org}.`,
    declinedSubject: (ref) => `Bashkë: referral ${ref} declined`,
    declinedBody: (ref, org) =>
      `${org} declined case ${ref}. The case is being offered to the next organisation.`,
    timedOutSubject: (ref) => `Bashkë: no answer on referral ${ref}`,
    timedOutBody: (ref, org) =>
      `${org} did not answer the offer of case ${ref} in time. The case is being offered to the next organisation.`,
    unassignedSubject: (ref) => `Bashkë: referral ${ref} needs an organisation`,
    unassignedBody: (ref) => `No organisation is left to offer case ${ref} to. Please assign it.`,
    waitingBody: (ref) =>
      `No organisation has taken case ${ref} yet. The coordinators of the region are assigning it.`,
  },

  subjects: {
    case: { nominative: (ref) => `case ${ref}`, accusative: (ref) => `case ${ref}` },
    meeting: { nominative: (ref) => `meeting ${ref}`, accusative: (ref) => `the meeting ${ref}` },
  },

  taskTitles: {
    OFFER: 'Accept or decline the referral',
    CHILD_PROTECTION: 'Child protection: record the guardian appointed',
    NEEDS_ASSESSMENT: 'Needs assessment',
    REFLECTION_REVIEW: 'Review of the recovery and reflection period',
    ASSISTANCE_PLAN: 'Assistance and reintegration plan',
    PLAN_ITEM: 'Plan item',
    PLAN_REVIEW: 'Review of the assistance plan',
    FOLLOW_UP: 'Follow-up check-in',
    CLOSURE_PROPOSAL: 'Propose how the case closes',
    CLOSURE_CONFIRMATION: 'Confirm the closure of the case',
    MINUTES: 'Record the minutes of the meeting',
    ACTION_ITEM: 'Action item',
    PREVENTION: 'Prevention work',
  },

  task: {
    subject: (title, ref, due) => `Bashkë: ${title} — ${ref}, due ${due}`,
    childSubject: (ref, due) => `Bashkë: child protection needed for case ${ref}, due ${due}`,
    body: (title, ref, due) => `${title} for ${ref} is asked of your organisation, due by ${due}.`,
    action: 'Open the task',
    signIn: 'Sign in to Bashkë to open the task.',
  },

  caseEnd: {
    withdrawnSubject: (ref) => `Bashkë: case ${ref} withdrawn`,
    withdrawnBody: (ref) =>
      `The person withdrew from case ${ref}. Its open tasks are cancelled; no further work is asked.`,
    closedSubject: (ref) => `Bashkë: case ${ref} closed`,
    closedBody: (ref) => `Case ${ref} is closed.`,
    transferredSubject: (ref) => `Bashkë: case ${ref} transferred`,
    transferredBody: (ref) =>
      `A coordinator transferred case ${ref} to another organisation. Your open tasks for it are cancelled; no further work is asked.`,
    reopenedSubject: (ref) => `Bashkë: case ${ref} reopened`,
    reopenedBody: (ref) =>
      `A coordinator reopened case ${ref}. Assistance resumes: a plan review task follows by email.`,
  },

  reminder: {
    label: { before: 'reminder', due: 'deadline', overdue: 'overdue' },
    escalationLabel: (org) => `overdue at ${org}`,
    urgent: 'URGENT',
    subject: (label, title, ref, due) => `${label} — ${title}, ${ref}, due ${due}`,
    digestSubject: (count) => `${count} tasks need your attention`,
    digestIntro: (count) => `${count} tasks in the Bashkë cooperation group need your attention:`,
    line: {
      before: (title, ref, due) => `${title} for ${ref} is due by ${due}.`,
      due: (title, ref, due) => `${title} for ${ref} reaches its deadline: ${due}.`,
      overdue: (title, ref, due) => `${title} for ${ref} was due by ${due} and is not done yet.`,
    },
    escalationLine: (title, ref, org, due) =>
      `${title} for ${ref}, asked of ${org}, was due by ${due} and is not done yet.`,
    overdueDays: (days) => (days === 1 ? '1 working day overdue.' : `${days} working days overdue.`),
    urgentNote: 'This is urgent: please act today.',
  },

  unreachable: {
    subject: (org) => `Bashkë: mail to a contact of ${org} is not getting through`,
    body: {
      bounce: (contactEmail, org) =>
        `Mail to ${contactEmail} at ${org} bounced: the address does not receive mail.`,
      complaint: (contactEmail, org) =>
        `${contactEmail} at ${org} marked a message from Bashkë as spam (a complaint).`,
    },
    marked:
      'Bashkë has marked the contact unreachable and sends it no more mail until the directory is corrected.',
    escalated: (openTasks, org) =>
      openTasks === 0
        ? 'No open tasks were waiting on the contact.'
        : openTasks === 1
          ? `1 open task was escalated to the focal point of ${org}.`
          : `${openTasks} open tasks were escalated to the focal point of ${org}.`,
    check: 'Please check the contact with the organisation and correct the directory.',
  },

  meeting: {
    inviteSubject: (title, when) => `Bashkë: invitation — ${title}, ${when}`,
    updateSubject: (title, when) => `Bashkë: changed — ${title}, now ${when}`,
    cancelSubject: (title, when) => `Bashkë: cancelled — ${title}, ${when}`,
    reminderSubject: (title, when) => `Bashkë: reminder — ${title}, ${when}`,
    invited: (title, when) => `You are invited to ${title} on ${when}.`,
    updated: (title, when) => `${title} has changed. It is now on ${when}.`,
    cancelled: (title, when) => `${title} on ${when} is cancelled.`,
    removed: (title, when) => `You are no longer invited to ${title} on ${when}.`,
    reminder: (title, when) => `A reminder: ${title} is on ${when}.`,
    place: (place) => `Place: ${place}`,
    video: 'Join by video',
    agenda: 'Agenda:',
    review: 'Tasks not done on time, for review (counts per organisation):',
    reviewLine: (org, task, notDone, notPossible) =>
      `${org} — ${task}: ${notDone} not done, ${notPossible} not possible`,
    carried: 'Action items carried over from earlier meetings:',
    carriedLine: (title, org, due) => `${title} (${org}), due ${due}`,
    answerPrompt: 'Please answer the invitation:',
    answers: { accepted: 'Accept', declined: 'Decline', tentative: 'Maybe' },
    answered: (answer, title) => `Thank you. Your answer for ${title} is recorded: ${answer}.`,
    pageIntro: (title, when) => `Invitation to ${title} on ${when}.`,
  },

  footer: {
    why: {
      offer: (org) =>
        `You receive this because you are the focal point of ${org ?? 'your organisation'} in the Bashkë cooperation group.`,
      task: (org) =>
        `You receive this because this task is asked of ${org ?? 'your organisation'} in the Bashkë cooperation group.`,
      notice: () =>
        'You receive this because you referred this case or coordinate referrals in its region in the Bashkë cooperation group.',
      reminder: (org) =>
        `You receive this because a task of ${org ?? 'your organisation'} in the Bashkë cooperation group is waiting on you.`,
      'escalation-focal-point': (org) =>
        `You receive this because you are the focal point of ${org ?? 'your organisation'} in the Bashkë cooperation group.`,
      'escalation-coordinator': () =>
        "You receive this because you coordinate your region's Bashkë cooperation group.",
      'case-end': () => 'You receive this because you work on this case in the Bashkë cooperation group.',
      unreachable: () => "You receive this because you coordinate your region's Bashkë cooperation group.",
      meeting: (org) =>
        `You receive this because you are invited to this meeting of the Bashkë cooperation group${org ? ` for ${org}` : ''}.`,
    },
    contact: (contact) =>
      contact ? `Questions? Contact ${contact}.` : "Questions? Contact your cooperation group's coordinator.",
    privacy: 'This message holds no personal data. Sign in to Bashkë for the case.',
  },
};
