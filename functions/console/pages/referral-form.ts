import type { MemberContext } from '../../../shared/console/app';
import {
  type Choice,
  choiceGroup,
  errorSummary,
  esc,
  issueWords,
  postForm,
  selectField,
  textField,
} from '../../../shared/console/html';
import { COMMON, type Lang, type Messages } from '../../../shared/console/i18n';
import { randomToken } from '../../../shared/console/session';
import { isActive } from '../../../shared/domain/active';
import { COUNTRY_CODES, LANGUAGE_CODES } from '../../../shared/domain/codes';
import { IDENTITY_FIELDS } from '../../../shared/domain/referral';
import type { FieldIssue } from '../../../shared/errors';
import { addCalendarDays, calendarDate } from '../../../shared/util/time';
import type { ConsoleDeps } from '../deps';
import { countryName, languageName, profileChoices, regionNames } from './cases';

/**
 * The police referral form (DOMAIN.md stage 1): every field of POST /referrals
 * (referralRequestSchema), as native controls in the order of the interview, turned into the
 * request body the use case checks. Nothing here identifies the person: the form asks for the
 * profile only, and an identity field sent anyway goes to the use case, which refuses it.
 */

export const FORM_WORDS = {
  en: {
    title: 'New referral',
    lead: 'Refer a presumed victim to an NGO after the interview. The case gets a reference number; the NGO that fits is offered it at once.',
    interview: 'The interview',
    region: 'Region',
    regionHint: 'The region of the cooperation group the case belongs to.',
    chooseRegion: 'Choose a region',
    interviewDate: 'Date of the interview',
    interviewDateHint: (n: number) => `Not in the future, and at most ${n} days ago.`,
    socialWorkerPresent: 'Was a social worker present at the interview?',
    socialWorkerOrgId: 'The social worker’s organisation',
    socialWorkerOrgHint: 'The organisation whose social worker took part in the interview, or was asked to.',
    chooseOrg: 'Choose an organisation',
    person: 'The person',
    personHint:
      'Describe the person by their profile only. Never enter a name, a date of birth, an address or anything else that identifies them.',
    ageGroup: 'Age group',
    ageGroupHint: 'A person whose age is not known is treated as a child.',
    gender: 'Gender',
    nationality: 'Nationality',
    chooseCountry: 'Choose a country',
    language: 'Language the person speaks best',
    chooseLanguage: 'Choose a language',
    needs: 'Needs',
    needsHint: 'Choose every need you learnt of. The NGO assesses them again.',
    riskLevel: 'Risk level',
    consent: 'Consent',
    consentGiven: 'Did the person consent to the referral?',
    consentGivenHint: 'An adult is referred only with their consent. A child does not need to consent.',
    consentScope: 'The consent also covers',
    consentLocalGovernment: 'Tasks of the assistance plan for the region’s local-government departments',
    consentOrganisations: 'Other organisations that may receive a task of the plan',
    consentOrganisationsHint: 'Only those the person agreed to. The NGO that accepts the case always may.',
    ngo: 'The NGO',
    preferredNgoId: 'NGO the person chose',
    preferredNgoHint: 'If the person asked for a particular NGO, it is offered the case first.',
    noPreference: 'No preference: Bashkë chooses the NGO that fits',
    submit: 'Send the referral',
  },
  sq: {
    title: 'Referim i ri',
    lead: 'Referoni një viktimë të mundshme te një OJF pas intervistës. Rasti merr një numër reference; i ofrohet menjëherë OJF-së që i përshtatet.',
    interview: 'Intervista',
    region: 'Rajoni',
    regionHint: 'Rajoni i grupit të bashkëpunimit ku bën pjesë rasti.',
    chooseRegion: 'Zgjidhni një rajon',
    interviewDate: 'Data e intervistës',
    interviewDateHint: (n: number) => `Jo në të ardhmen, dhe jo më shumë se ${n} ditë më parë.`,
    socialWorkerPresent: 'A ishte i pranishëm një punonjës social në intervistë?',
    socialWorkerOrgId: 'Organizata e punonjësit social',
    socialWorkerOrgHint:
      'Organizata, punonjësi social i së cilës mori pjesë në intervistë, ose iu kërkua të merrte.',
    chooseOrg: 'Zgjidhni një organizatë',
    person: 'Personi',
    personHint:
      'Përshkruajeni personin vetëm me profilin. Mos shkruani kurrë emër, datëlindje, adresë ose ndonjë gjë tjetër që e identifikon.',
    ageGroup: 'Grupmosha',
    ageGroupHint: 'Një person me moshë të panjohur trajtohet si fëmijë.',
    gender: 'Gjinia',
    nationality: 'Shtetësia',
    chooseCountry: 'Zgjidhni një shtet',
    language: 'Gjuha që personi flet më mirë',
    chooseLanguage: 'Zgjidhni një gjuhë',
    needs: 'Nevojat',
    needsHint: 'Zgjidhni çdo nevojë që mësuat. OJF-ja i vlerëson përsëri.',
    riskLevel: 'Niveli i rrezikut',
    consent: 'Pëlqimi',
    consentGiven: 'A dha personi pëlqimin për referimin?',
    consentGivenHint:
      'Një i rritur referohet vetëm me pëlqimin e tij. Një fëmijë nuk ka nevojë të japë pëlqim.',
    consentScope: 'Pëlqimi mbulon gjithashtu',
    consentLocalGovernment: 'Detyrat e planit të asistencës për departamentet e pushtetit vendor të rajonit',
    consentOrganisations: 'Organizata të tjera që mund të marrin një detyrë të planit',
    consentOrganisationsHint: 'Vetëm ato që personi pranoi. OJF-ja që pranon rastin mundet gjithmonë.',
    ngo: 'OJF-ja',
    preferredNgoId: 'OJF-ja që zgjodhi personi',
    preferredNgoHint: 'Nëse personi kërkoi një OJF të caktuar, asaj i ofrohet rasti e para.',
    noPreference: 'Pa preferencë: Bashkë zgjedh OJF-në që i përshtatet',
    submit: 'Dërgo referimin',
  },
} satisfies Messages<unknown>;

/** The form's own words for a field's error, where they say more than the rule's name. */
const ERROR_WORDS = {
  en: {
    region: 'Choose the region of the referral.',
    regionNotYours: 'Choose a region your unit works in.',
    interviewDate: 'Enter the date of the interview.',
    interviewDateFuture: 'The date of the interview cannot be in the future.',
    interviewDateOld: (n: number) =>
      `The interview must be within the last ${n} days. For an older interview, ask the coordinator.`,
    socialWorkerPresent: 'Say whether a social worker was present at the interview.',
    socialWorkerOrgId: 'Choose the social worker’s organisation from the list.',
    ageGroup: 'Choose the age group.',
    gender: 'Choose the gender.',
    nationality: 'Choose the nationality from the list.',
    language: 'Choose the language from the list.',
    needs: 'Choose at least one need.',
    riskLevel: 'Choose the risk level.',
    consentGiven: 'Say whether the person consented to the referral.',
    consentRequired: 'An adult is referred only with their consent. Without it, do not send the referral.',
    preferredNgoId: 'Choose an NGO from the list, or no preference.',
    identity: 'Do not enter anything that identifies the person: the form takes their profile only.',
    expired: 'The form had expired. Check your answers and send it again.',
    sentBefore:
      'This form was sent before and made a referral. Check the referrals list first; to make another referral, check your answers and send again.',
  },
  sq: {
    region: 'Zgjidhni rajonin e referimit.',
    regionNotYours: 'Zgjidhni një rajon ku punon njësia juaj.',
    interviewDate: 'Shkruani datën e intervistës.',
    interviewDateFuture: 'Data e intervistës nuk mund të jetë në të ardhmen.',
    interviewDateOld: (n: number) =>
      `Intervista duhet të jetë brenda ${n} ditëve të fundit. Për një intervistë më të vjetër, pyesni koordinatorin.`,
    socialWorkerPresent: 'Tregoni nëse ishte i pranishëm një punonjës social në intervistë.',
    socialWorkerOrgId: 'Zgjidhni organizatën e punonjësit social nga lista.',
    ageGroup: 'Zgjidhni grupmoshën.',
    gender: 'Zgjidhni gjininë.',
    nationality: 'Zgjidhni shtetësinë nga lista.',
    language: 'Zgjidhni gjuhën nga lista.',
    needs: 'Zgjidhni të paktën një nevojë.',
    riskLevel: 'Zgjidhni nivelin e rrezikut.',
    consentGiven: 'Tregoni nëse personi dha pëlqimin për referimin.',
    consentRequired: 'Një i rritur referohet vetëm me pëlqimin e tij. Pa të, mos e dërgoni referimin.',
    preferredNgoId: 'Zgjidhni një OJF nga lista, ose pa preferencë.',
    identity: 'Mos shkruani asgjë që identifikon personin: formulari merr vetëm profilin e tij.',
    expired: 'Formulari kishte skaduar. Kontrolloni përgjigjet dhe dërgojeni përsëri.',
    sentBefore:
      'Ky formular u dërgua më parë dhe krijoi një referim. Shikoni së pari listën e referimeve; për një referim tjetër, kontrolloni përgjigjet dhe dërgojeni përsëri.',
  },
} satisfies Messages<unknown>;

/** What the user entered, as text, for showing the form again (never an identity field's value). */
export interface ReferralFormState {
  readonly key: string;
  readonly region: string;
  readonly interviewDate: string;
  readonly socialWorkerPresent: string;
  readonly socialWorkerOrgId: string;
  readonly ageGroup: string;
  readonly gender: string;
  readonly nationality: string;
  readonly language: string;
  readonly needs: readonly string[];
  readonly riskLevel: string;
  readonly consentGiven: string;
  readonly consentLocalGovernment: boolean;
  readonly consentOrganisations: readonly string[];
  readonly preferredNgoId: string;
}

/**
 * A blank form with a fresh idempotency key (one key per referral the user means to make), the
 * interview dated today: the officer most often refers on the day of the interview.
 */
export function blankForm(regions: readonly string[], today: string): ReferralFormState {
  return {
    key: randomToken(),
    region: regions.length === 1 ? (regions[0] as string) : '',
    interviewDate: today,
    socialWorkerPresent: '',
    socialWorkerOrgId: '',
    ageGroup: '',
    gender: '',
    nationality: '',
    language: '',
    needs: [],
    riskLevel: '',
    consentGiven: '',
    consentLocalGovernment: false,
    consentOrganisations: [],
    preferredNgoId: '',
  };
}

const text = (form: URLSearchParams, name: string) => (form.get(name) ?? '').trim();
const opt = (v: string) => (v === '' ? undefined : v);
const yesNo = (v: string) => (v === 'yes' ? true : v === 'no' ? false : undefined);

/**
 * The form as the request body, and as entered. A region that is not one of the caller's is
 * left out of the body (so the use case refuses it as missing and writes nothing) and named:
 * the form offers only the caller's regions. Identity fields present in the form are put into
 * the body where they were named, for the use case to refuse; their values are never shown again.
 */
export function readReferralForm(
  form: URLSearchParams,
  regions: readonly string[],
): { state: ReferralFormState; body: Record<string, unknown>; regionNotYours: boolean } {
  const state: ReferralFormState = {
    key: text(form, 'idempotencyKey'),
    region: text(form, 'region'),
    interviewDate: text(form, 'interviewDate'),
    socialWorkerPresent: text(form, 'socialWorkerPresent'),
    socialWorkerOrgId: text(form, 'socialWorkerOrgId'),
    ageGroup: text(form, 'ageGroup'),
    gender: text(form, 'gender'),
    nationality: text(form, 'nationality'),
    language: text(form, 'language'),
    needs: form.getAll('needs'),
    riskLevel: text(form, 'riskLevel'),
    consentGiven: text(form, 'consentGiven'),
    consentLocalGovernment: form.get('consentLocalGovernment') === 'yes',
    consentOrganisations: form.getAll('consentOrganisations'),
    preferredNgoId: text(form, 'preferredNgoId'),
  };
  const regionNotYours = state.region !== '' && !regions.includes(state.region);
  const person: Record<string, unknown> = {
    ageGroup: opt(state.ageGroup),
    gender: opt(state.gender),
    nationality: opt(state.nationality),
    language: opt(state.language),
    needs: state.needs,
    riskLevel: opt(state.riskLevel),
  };
  const body: Record<string, unknown> = {
    region: regionNotYours ? undefined : opt(state.region),
    interviewDate: opt(state.interviewDate),
    socialWorkerPresent: yesNo(state.socialWorkerPresent),
    socialWorkerOrgId: opt(state.socialWorkerOrgId),
    person,
    consent: {
      given: yesNo(state.consentGiven),
      localGovernment: state.consentLocalGovernment,
      ...(state.consentOrganisations.length ? { organisations: state.consentOrganisations } : {}),
    },
    ...(state.preferredNgoId ? { preferredNgoId: state.preferredNgoId } : {}),
  };
  for (const field of IDENTITY_FIELDS) {
    if (form.has(field)) body[field] = form.get(field);
    for (const name of [`person.${field}`, `person[${field}]`]) {
      if (form.has(name)) person[field] = form.get(name);
    }
  }
  return { state, body, regionNotYours };
}

/** The form's fields in page order, with the control the summary links to. */
const FIELDS = [
  ['form', 'region'],
  ['region', 'region'],
  ['interviewDate', 'interviewDate'],
  ['socialWorkerPresent', 'socialWorkerPresent-0'],
  ['socialWorkerOrgId', 'socialWorkerOrgId'],
  ['identity', 'person'],
  ['ageGroup', 'ageGroup-0'],
  ['gender', 'gender-0'],
  ['nationality', 'nationality'],
  ['language', 'language'],
  ['needs', 'needs-0'],
  ['riskLevel', 'riskLevel-0'],
  ['consentGiven', 'consentGiven-0'],
  ['consentLocalGovernment', 'consentLocalGovernment-0'],
  ['consentOrganisations', 'consentOrganisations-0'],
  ['preferredNgoId', 'preferredNgoId'],
] as const;
type FieldId = (typeof FIELDS)[number][0];

/** A request path (`/person/needs/0`) → the form field it is about. */
function fieldOf(path: string): FieldId {
  const segments = path
    .replace(/^\//, '')
    .split('/')
    .filter((s) => !/^\d+$/.test(s));
  const [head = '', sub = ''] = segments;
  if ((IDENTITY_FIELDS as readonly string[]).includes(head)) return 'identity';
  if (head === 'person') {
    if (sub === '' || (IDENTITY_FIELDS as readonly string[]).includes(sub)) return 'identity';
    return (
      (['ageGroup', 'gender', 'nationality', 'language', 'needs', 'riskLevel'] as const).find(
        (f) => f === sub,
      ) ?? 'identity'
    );
  }
  if (head === 'consent') {
    if (sub === 'localGovernment') return 'consentLocalGovernment';
    if (sub === 'organisations') return 'consentOrganisations';
    return 'consentGiven';
  }
  const top = (
    ['region', 'interviewDate', 'socialWorkerPresent', 'socialWorkerOrgId', 'preferredNgoId'] as const
  ).find((f) => f === head);
  return top ?? 'form';
}

export type FormErrors = ReadonlyMap<FieldId, string>;

/** Each field's first error in plain words: the form's own where it has them, else the rule's. */
export function referralErrors(
  lang: Lang,
  issues: readonly FieldIssue[],
  o: { readonly regionNotYours: boolean; readonly maxAgeDays: number; readonly sentBefore?: boolean },
): FormErrors {
  const w = ERROR_WORDS[lang];
  const out = new Map<FieldId, string>();
  if (o.sentBefore) out.set('form', w.sentBefore);
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    if (out.has(field)) continue;
    const words = ((): string => {
      switch (field) {
        case 'form':
          return w.expired;
        case 'identity':
          return w.identity;
        case 'region':
          return o.regionNotYours ? w.regionNotYours : w.region;
        case 'interviewDate':
          return issue.code === 'in_future'
            ? w.interviewDateFuture
            : issue.code === 'too_old'
              ? w.interviewDateOld(o.maxAgeDays)
              : w.interviewDate;
        case 'consentGiven':
          return issue.code === 'consent_required' ? w.consentRequired : w.consentGiven;
        case 'consentLocalGovernment':
        case 'consentOrganisations':
          return issueWords(lang, issue.code);
        default:
          return w[field];
      }
    })();
    out.set(field, words);
  }
  return out;
}

/** True when the errors need a new idempotency key (the old one was refused or already used). */
export const needsNewKey = (errors: FormErrors) => errors.has('form');

/** The lists the form offers: the caller's regions and the active organisations working in them. */
export async function referralChoices(deps: ConsoleDeps, ctx: MemberContext) {
  const regions = [...ctx.caller.regions].sort();
  // No use case lists organisations for police: the directory's organisations are read here
  // for the form's choices only (names and ids, no case data).
  const [names, orgs] = await Promise.all([regionNames(deps, regions), deps.store.listOrganisations()]);
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, ctx.lang);
  const ours = orgs.filter((o) => isActive(o) && o.regions.some((r) => regions.includes(r))).sort(byName);
  const asChoice = (o: { orgId: string; name: string }): Choice => ({ value: o.orgId, label: o.name });
  const socialKinds: readonly string[] = ['ngo', 'municipality', 'commune', 'department'];
  return {
    regions: regions.map((r) => ({ value: r, label: names.get(r) ?? r })),
    social: ours.filter((o) => socialKinds.includes(o.kind)).map(asChoice),
    ngos: ours.filter((o) => o.kind === 'ngo').map(asChoice),
  };
}

const COUNTRY_LIST = [...COUNTRY_CODES];
const LANGUAGE_LIST = [...LANGUAGE_CODES];

function namedChoices(lang: Lang, codes: readonly string[], name: (lang: Lang, code: string) => string) {
  return codes
    .map((code) => ({ value: code, label: name(lang, code) }))
    .sort((a, b) => a.label.localeCompare(b.label, lang));
}

/** The whole form, with what was entered and each error beside its field. */
export function referralFormHtml(
  deps: ConsoleDeps,
  ctx: MemberContext,
  choices: Awaited<ReturnType<typeof referralChoices>>,
  s: ReferralFormState,
  errors: FormErrors,
): string {
  const t = FORM_WORDS[ctx.lang];
  const c = COMMON[ctx.lang];
  const e = (f: FieldId) => {
    const message = errors.get(f);
    return message ? { error: message } : {};
  };
  const profile = profileChoices(ctx.lang);
  const yesNoChoices = [
    { value: 'yes', label: c.yes },
    { value: 'no', label: c.no },
  ];
  const maxAge = deps.referrals.interviewMaxAgeDays;
  const today = calendarDate(ctx.now, deps.referrals.timeZone);
  const summary = errorSummary(
    c.errorSummary,
    FIELDS.flatMap(([f, href]) => {
      const message = errors.get(f);
      return message ? [{ href: `#${href}`, text: message }] : [];
    }),
  );
  const identityError = errors.get('identity');
  const fields = [
    `<input type="hidden" name="idempotencyKey" value="${esc(s.key)}">`,
    `<h2>${esc(t.interview)}</h2>`,
    selectField({
      id: 'region',
      name: 'region',
      label: t.region,
      hint: t.regionHint,
      value: s.region,
      choices: [
        ...(choices.regions.length === 1 ? [] : [{ value: '', label: t.chooseRegion }]),
        ...choices.regions,
      ],
      ...e('region'),
    }),
    textField({
      id: 'interviewDate',
      name: 'interviewDate',
      type: 'date',
      label: t.interviewDate,
      hint: t.interviewDateHint(maxAge),
      value: s.interviewDate,
      attrs: `min="${addCalendarDays(today, -maxAge)}" max="${today}"`,
      ...e('interviewDate'),
    }),
    choiceGroup({
      id: 'socialWorkerPresent',
      name: 'socialWorkerPresent',
      type: 'radio',
      legend: t.socialWorkerPresent,
      choices: yesNoChoices,
      checked: [s.socialWorkerPresent],
      ...e('socialWorkerPresent'),
    }),
    selectField({
      id: 'socialWorkerOrgId',
      name: 'socialWorkerOrgId',
      label: t.socialWorkerOrgId,
      hint: t.socialWorkerOrgHint,
      value: s.socialWorkerOrgId,
      choices: [{ value: '', label: t.chooseOrg }, ...choices.social],
      ...e('socialWorkerOrgId'),
    }),
    `<h2 id="person" tabindex="-1">${esc(t.person)}</h2>`,
    `<p class="hint">${esc(t.personHint)}</p>`,
    identityError ? `<p class="field-error" id="identity-error">${esc(identityError)}</p>` : '',
    choiceGroup({
      id: 'ageGroup',
      name: 'ageGroup',
      type: 'radio',
      legend: t.ageGroup,
      hint: t.ageGroupHint,
      choices: profile.ageGroups,
      checked: [s.ageGroup],
      ...e('ageGroup'),
    }),
    choiceGroup({
      id: 'gender',
      name: 'gender',
      type: 'radio',
      legend: t.gender,
      choices: profile.genders,
      checked: [s.gender],
      ...e('gender'),
    }),
    selectField({
      id: 'nationality',
      name: 'nationality',
      label: t.nationality,
      value: s.nationality,
      choices: [{ value: '', label: t.chooseCountry }, ...namedChoices(ctx.lang, COUNTRY_LIST, countryName)],
      ...e('nationality'),
    }),
    selectField({
      id: 'language',
      name: 'language',
      label: t.language,
      value: s.language,
      choices: [
        { value: '', label: t.chooseLanguage },
        ...namedChoices(ctx.lang, LANGUAGE_LIST, languageName),
      ],
      ...e('language'),
    }),
    choiceGroup({
      id: 'needs',
      name: 'needs',
      type: 'checkbox',
      legend: t.needs,
      hint: t.needsHint,
      choices: profile.needs,
      checked: s.needs,
      ...e('needs'),
    }),
    choiceGroup({
      id: 'riskLevel',
      name: 'riskLevel',
      type: 'radio',
      legend: t.riskLevel,
      choices: profile.risks,
      checked: [s.riskLevel],
      ...e('riskLevel'),
    }),
    `<h2>${esc(t.consent)}</h2>`,
    choiceGroup({
      id: 'consentGiven',
      name: 'consentGiven',
      type: 'radio',
      legend: t.consentGiven,
      hint: t.consentGivenHint,
      choices: yesNoChoices,
      checked: [s.consentGiven],
      ...e('consentGiven'),
    }),
    choiceGroup({
      id: 'consentLocalGovernment',
      name: 'consentLocalGovernment',
      type: 'checkbox',
      legend: t.consentScope,
      choices: [{ value: 'yes', label: t.consentLocalGovernment }],
      checked: s.consentLocalGovernment ? ['yes'] : [],
      ...e('consentLocalGovernment'),
    }),
    choices.social.length
      ? choiceGroup({
          id: 'consentOrganisations',
          name: 'consentOrganisations',
          type: 'checkbox',
          legend: t.consentOrganisations,
          hint: t.consentOrganisationsHint,
          choices: choices.social,
          checked: s.consentOrganisations,
          ...e('consentOrganisations'),
        })
      : '',
    `<h2>${esc(t.ngo)}</h2>`,
    selectField({
      id: 'preferredNgoId',
      name: 'preferredNgoId',
      label: t.preferredNgoId,
      hint: t.preferredNgoHint,
      value: s.preferredNgoId,
      choices: [{ value: '', label: t.noPreference }, ...choices.ngos],
      ...e('preferredNgoId'),
    }),
    `<p class="actions"><button type="submit">${esc(t.submit)}</button></p>`,
  ].join('');
  return [
    summary,
    `<p class="lead">${esc(t.lead)}</p>`,
    postForm('/console/referrals/new', ctx.csrf, fields),
  ].join('');
}
