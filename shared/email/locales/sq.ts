import type { Locale } from './types';

/** Çdo tekst i emaileve në shqip. Çelësat dhe format: `Locale`; binjaku anglisht është ./en.ts. */
export const sq: Locale = {
  months: [
    'janar',
    'shkurt',
    'mars',
    'prill',
    'maj',
    'qershor',
    'korrik',
    'gusht',
    'shtator',
    'tetor',
    'nëntor',
    'dhjetor',
  ],
  shortDue: (day, month, time) => `${day} ${month} ${time}`,

  offer: {
    subject: (ref, due) => `Bashkë: referimi ${ref} i ofrohet organizatës suaj, përgjigjuni deri më ${due}`,
    body: (ref, deadline) =>
      `Një referim (rasti ${ref}) i ofrohet organizatës suaj. Ju lutemi pranojeni ose refuzojeni deri më ${deadline}.`,
    action: 'Hapni referimin për ta pranuar ose refuzuar',
  },

  notice: {
    acceptedSubject: (ref) => `Bashkë: referimi ${ref} u pranua`,
    acceptedBody: (ref, org) => `Rasti ${ref} u pranua nga ${org}.`,
    declinedSubject: (ref) => `Bashkë: referimi ${ref} u refuzua`,
    declinedBody: (ref, org) => `${org} refuzoi rastin ${ref}. Rasti po i ofrohet organizatës tjetër.`,
    timedOutSubject: (ref) => `Bashkë: pa përgjigje për referimin ${ref}`,
    timedOutBody: (ref, org) =>
      `${org} nuk iu përgjigj në kohë ofertës për rastin ${ref}. Rasti po i ofrohet organizatës tjetër.`,
    unassignedSubject: (ref) => `Bashkë: referimi ${ref} ka nevojë për një organizatë`,
    unassignedBody: (ref) => `Nuk ka më organizata për t'i ofruar rastin ${ref}. Ju lutemi caktojeni.`,
    waitingBody: (ref) =>
      `Asnjë organizatë nuk e ka marrë ende rastin ${ref}. Koordinatorët e qarkut po e caktojnë.`,
  },

  subjects: {
    case: { nominative: (ref) => `rasti ${ref}`, accusative: (ref) => `rastin ${ref}` },
    meeting: { nominative: (ref) => `mbledhja ${ref}`, accusative: (ref) => `mbledhjen ${ref}` },
  },

  taskTitles: {
    OFFER: 'Pranoni ose refuzoni referimin',
    CHILD_PROTECTION: 'Mbrojtja e fëmijës: regjistroni kujdestarin e caktuar',
    NEEDS_ASSESSMENT: 'Vlerësimi i nevojave',
    REFLECTION_REVIEW: 'Rishikimi i periudhës së rimëkëmbjes dhe reflektimit',
    ASSISTANCE_PLAN: 'Plani i asistencës dhe riintegrimit',
    PLAN_ITEM: 'Veprim i planit',
    PLAN_REVIEW: 'Rishikimi i planit të asistencës',
    FOLLOW_UP: 'Kontroll pasues',
    CLOSURE_PROPOSAL: 'Propozoni mbylljen e rastit',
    CLOSURE_CONFIRMATION: 'Konfirmoni mbylljen e rastit',
    MINUTES: 'Regjistroni procesverbalin e mbledhjes',
    ACTION_ITEM: 'Detyrë nga mbledhja',
    PREVENTION: 'Punë parandaluese',
  },

  task: {
    subject: (title, ref, due) => `Bashkë: ${title} — ${ref}, afati ${due}`,
    childSubject: (ref, due) => `Bashkë: nevojitet mbrojtja e fëmijës për rastin ${ref}, afati ${due}`,
    body: (title, ref, due) => `${title} për ${ref} i kërkohet organizatës suaj, me afat deri më ${due}.`,
    action: 'Hapni detyrën',
    signIn: 'Hyni në Bashkë për të hapur detyrën.',
  },

  caseEnd: {
    withdrawnSubject: (ref) => `Bashkë: rasti ${ref} u tërhoq`,
    withdrawnBody: (ref) =>
      `Personi u tërhoq nga rasti ${ref}. Detyrat e hapura u anuluan; nuk kërkohet më punë.`,
    closedSubject: (ref) => `Bashkë: rasti ${ref} u mbyll`,
    closedBody: (ref) => `Rasti ${ref} u mbyll.`,
    transferredSubject: (ref) => `Bashkë: rasti ${ref} u transferua`,
    transferredBody: (ref) =>
      `Një koordinator e transferoi rastin ${ref} te një organizatë tjetër. Detyrat tuaja të hapura për të u anuluan; nuk kërkohet më punë.`,
    reopenedSubject: (ref) => `Bashkë: rasti ${ref} u rihap`,
    reopenedBody: (ref) =>
      `Një koordinator e rihapi rastin ${ref}. Asistenca vazhdon: një detyrë rishikimi i planit vjen me email.`,
  },

  reminder: {
    label: { before: 'kujtesë', due: 'afati', overdue: 'me vonesë' },
    escalationLabel: (org) => `me vonesë pranë ${org}`,
    urgent: 'URGJENT',
    subject: (label, title, ref, due) => `${label} — ${title}, ${ref}, afati ${due}`,
    digestSubject: (count) => `${count} detyra kërkojnë vëmendjen tuaj`,
    digestIntro: (count) => `${count} detyra në grupin e bashkëpunimit Bashkë kërkojnë vëmendjen tuaj:`,
    line: {
      before: (title, ref, due) => `${title} për ${ref} ka afat deri më ${due}.`,
      due: (title, ref, due) => `${title} për ${ref} arrin afatin: ${due}.`,
      overdue: (title, ref, due) =>
        `${title} për ${ref} kishte afat deri më ${due} dhe nuk është kryer ende.`,
    },
    escalationLine: (title, ref, org, due) =>
      `${title} për ${ref}, e caktuar për ${org}, kishte afat deri më ${due} dhe nuk është kryer ende.`,
    overdueDays: (days) => `${days} ditë pune me vonesë.`,
    urgentNote: 'Është urgjente: ju lutemi veproni sot.',
  },

  unreachable: {
    subject: (org) => `Bashkë: posta për një kontakt të ${org} nuk po mbërrin`,
    body: {
      bounce: (contactEmail, org) =>
        `Posta për ${contactEmail} në ${org} u kthye mbrapsht: adresa nuk merr mesazhe.`,
      complaint: (contactEmail, org) =>
        `${contactEmail} në ${org} e shënoi një mesazh nga Bashkë si të padëshiruar (ankesë).`,
    },
    marked:
      'Bashkë e shënoi kontaktin si të paarritshëm dhe nuk i dërgon më mesazhe derisa të korrigjohet direktoria.',
    escalated: (openTasks, org) =>
      openTasks === 0
        ? 'Asnjë detyrë e hapur nuk priste te ky kontakt.'
        : openTasks === 1
          ? `1 detyrë e hapur iu kalua pikës fokale të ${org}.`
          : `${openTasks} detyra të hapura iu kaluan pikës fokale të ${org}.`,
    check: 'Ju lutemi verifikoni kontaktin me organizatën dhe korrigjoni direktorinë.',
  },

  meeting: {
    inviteSubject: (title, when) => `Bashkë: ftesë — ${title}, ${when}`,
    updateSubject: (title, when) => `Bashkë: ndryshim — ${title}, tani ${when}`,
    cancelSubject: (title, when) => `Bashkë: anulluar — ${title}, ${when}`,
    reminderSubject: (title, when) => `Bashkë: kujtesë — ${title}, ${when}`,
    invited: (title, when) => `Jeni i ftuar në ${title} më ${when}.`,
    updated: (title, when) => `${title} ka ndryshuar. Tani mbahet më ${when}.`,
    cancelled: (title, when) => `${title} më ${when} u anullua.`,
    removed: (title, when) => `Nuk jeni më i ftuar në ${title} më ${when}.`,
    reminder: (title, when) => `Kujtesë: ${title} mbahet më ${when}.`,
    place: (place) => `Vendi: ${place}`,
    video: 'Bashkohuni me video',
    agenda: 'Rendi i ditës:',
    review: 'Detyra të pakryera në kohë, për shqyrtim (numri për organizatë):',
    reviewLine: (org, task, notDone, notPossible) =>
      `${org} — ${task}: ${notDone} të pakryera, ${notPossible} të pamundura`,
    carried: 'Detyra të mbartura nga mbledhjet e mëparshme:',
    carriedLine: (title, org, due) => `${title} (${org}), afati ${due}`,
    answerPrompt: 'Ju lutemi përgjigjuni ftesës:',
    answers: { accepted: 'Pranoj', declined: 'Refuzoj', tentative: 'Ndoshta' },
    answered: (answer, title) => `Faleminderit. Përgjigja juaj për ${title} u regjistrua: ${answer}.`,
    pageIntro: (title, when) => `Ftesë për ${title} më ${when}.`,
  },

  footer: {
    why: {
      offer: (org) =>
        `E merrni këtë mesazh sepse jeni pika fokale e organizatës suaj${org ? ` (${org})` : ''} në grupin e bashkëpunimit Bashkë.`,
      task: (org) =>
        `E merrni këtë mesazh sepse kjo detyrë i kërkohet organizatës suaj${org ? ` (${org})` : ''} në grupin e bashkëpunimit Bashkë.`,
      notice: () =>
        'E merrni këtë mesazh sepse e referuat këtë rast ose koordinoni referimet në qarkun e tij, në grupin e bashkëpunimit Bashkë.',
      reminder: (org) =>
        `E merrni këtë mesazh sepse një detyrë e organizatës suaj${org ? ` (${org})` : ''} në grupin e bashkëpunimit Bashkë pret veprimin tuaj.`,
      'escalation-focal-point': (org) =>
        `E merrni këtë mesazh sepse jeni pika fokale e organizatës${org ? ` (${org})` : ' suaj'} në grupin e bashkëpunimit Bashkë.`,
      'escalation-coordinator': () =>
        'E merrni këtë mesazh sepse koordinoni grupin e bashkëpunimit Bashkë në qarkun tuaj.',
      'case-end': () => 'E merrni këtë mesazh sepse punoni për këtë rast në grupin e bashkëpunimit Bashkë.',
      unreachable: () =>
        'E merrni këtë mesazh sepse koordinoni grupin e bashkëpunimit Bashkë në qarkun tuaj.',
      meeting: (org) =>
        `E merrni këtë mesazh sepse jeni i ftuar në këtë mbledhje të grupit të bashkëpunimit Bashkë${org ? ` për ${org}` : ''}.`,
    },
    contact: (contact) =>
      contact
        ? `Për pyetje, kontaktoni ${contact}.`
        : 'Për pyetje, kontaktoni koordinatorin e grupit tuaj të bashkëpunimit.',
    privacy: 'Ky mesazh nuk përmban të dhëna personale. Hyni në Bashkë për rastin.',
  },
};
