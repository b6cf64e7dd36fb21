import type { Language } from '../email/templates';

/**
 * The console's two languages: Albanian first (the group's own), English. A page's words
 * come from a `Messages` object per module, with the same keys in both languages (the type
 * makes a missing translation a compile error).
 */
export type Lang = Language;
export const LANGS: readonly Lang[] = ['sq', 'en'];

export function isLang(value: unknown): value is Lang {
  return value === 'sq' || value === 'en';
}

/** The first of `candidates` that is a language we speak; Albanian when none is. */
export function pickLang(...candidates: readonly unknown[]): Lang {
  return (candidates.find(isLang) as Lang | undefined) ?? 'sq';
}

/** Both languages' words of one module: `satisfies Messages<typeof en>` keeps them in step. */
export type Messages<T> = Readonly<Record<Lang, T>>;

/** The words every page shares: the frame, the language switch, the error pages. */
export const COMMON = {
  en: {
    skip: 'Skip to the main content',
    nav: 'Main menu',
    signedInAs: (name: string, org: string) => `Signed in as ${name}, ${org}`,
    signOut: 'Sign out',
    language: 'Language',
    switchTo: 'Shqip',
    switchLabel: 'Kalo në shqip',
    request: (id: string) => `Request ${id}`,
    forbiddenTitle: 'You cannot open this page',
    forbidden: 'Your role does not give access to this page.',
    notFoundTitle: 'Page not found',
    notFound: 'There is no such page, or it is not one you can see.',
    gone: 'This has already been done, or can no longer be done.',
    goneTitle: 'No longer possible',
    conflictTitle: 'Someone changed this first',
    conflict: 'What you saw was changed in the meantime. Open the page again and check before you send.',
    busyTitle: 'The service is busy',
    busy: 'Please try again in a moment. Nothing was changed.',
    errorTitle: 'Something went wrong',
    error: 'Please try again later. If it happens again, tell support the request number below.',
    csrfTitle: 'The form has expired',
    csrf: 'The page you sent from was too old or not ours. Open it again and send once more.',
    home: 'Back to the start page',
    errorSummary: 'There is a problem',
    yes: 'Yes',
    no: 'No',
    none: '—',
  },
  sq: {
    skip: 'Kalo te përmbajtja kryesore',
    nav: 'Menuja kryesore',
    signedInAs: (name: string, org: string) => `Jeni identifikuar si ${name}, ${org}`,
    signOut: 'Dilni',
    language: 'Gjuha',
    switchTo: 'English',
    switchLabel: 'Switch to English',
    request: (id: string) => `Kërkesa ${id}`,
    forbiddenTitle: 'Nuk mund ta hapni këtë faqe',
    forbidden: 'Roli juaj nuk jep qasje në këtë faqe.',
    notFoundTitle: 'Faqja nuk u gjet',
    notFound: 'Nuk ka një faqe të tillë, ose nuk është nga ato që mund të shihni.',
    gone: 'Kjo është bërë tashmë, ose nuk mund të bëhet më.',
    goneTitle: 'Nuk është më e mundur',
    conflictTitle: 'Dikush e ndryshoi më parë',
    conflict: 'Ajo që patë u ndryshua ndërkohë. Hapeni faqen përsëri dhe kontrolloni para se të dërgoni.',
    busyTitle: 'Shërbimi është i zënë',
    busy: 'Ju lutemi provoni përsëri pas pak. Asgjë nuk u ndryshua.',
    errorTitle: 'Diçka shkoi keq',
    error:
      'Ju lutemi provoni më vonë. Nëse ndodh përsëri, tregojini mbështetjes numrin e kërkesës më poshtë.',
    csrfTitle: 'Formulari ka skaduar',
    csrf: 'Faqja nga e dërguat ishte shumë e vjetër ose jo e jona. Hapeni përsëri dhe dërgojeni edhe një herë.',
    home: 'Kthehu në faqen e parë',
    errorSummary: 'Ka një problem',
    yes: 'Po',
    no: 'Jo',
    none: '—',
  },
} satisfies Messages<unknown>;

/** Formatters by language, zone and whether they show the time: a list page formats many dates. */
const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

function formatter(lang: Lang, timeZone: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${lang} ${timeZone} ${withTime}`;
  let f = FORMATTERS.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'sq' ? 'sq-AL' : 'en-GB', {
      timeZone,
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      ...(withTime ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } : {}),
    });
    FORMATTERS.set(key, f);
  }
  return f;
}

/** A date and time on the reader's clock, in their language: `3 Dec 2026, 14:05`. */
export function formatDateTime(instant: Date | string, lang: Lang, timeZone: string): string {
  return formatter(lang, timeZone, true).format(typeof instant === 'string' ? new Date(instant) : instant);
}

/** A calendar day on the reader's clock: `3 Dec 2026`. */
export function formatDay(instant: Date | string, lang: Lang, timeZone: string): string {
  return formatter(lang, timeZone, false).format(typeof instant === 'string' ? new Date(instant) : instant);
}
