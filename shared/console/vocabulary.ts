import type { AgeGroup, Gender, Need, RiskLevel, Role } from '../domain/codes';
import type { ContactRole, Department, OrgKind } from '../domain/directory';
import type { CaseStatus, OfferOutcome } from '../domain/referral';
import type { PlanService } from '../domain/tasks';
import type { Language } from '../email/templates';

/**
 * The domain's own words, in both languages, once: a case's status, the profile's closed lists
 * (age group, gender, risk level, needs), a plan item's service, an offer's outcome, and the
 * directory's kinds, departments and roles. Every console page, and the task form the emailed
 * link shares (functions/action-link/task-form.ts), names these values with these words, so a
 * status or a need reads the same on every page. Each table is typed against its domain list:
 * a value added there is a compile error here until it has its words.
 *
 * Words that say a value differently on purpose stay with their page: the statistics' short
 * column heads of the task kinds, a meeting history's actors ("a coordinator").
 */

const EN = {
  caseStatuses: {
    REFERRED: 'Referred',
    OFFERED: 'Offered to an NGO',
    ACCEPTED: 'Accepted by an NGO',
    ASSESSED: 'Needs assessed',
    IN_ASSISTANCE: 'In assistance',
    FOLLOW_UP: 'Follow-up',
    CLOSED: 'Closed',
    UNASSIGNED: 'Waiting for the coordinator to assign an NGO',
    WITHDRAWN: 'Withdrawn',
    CLOSED_REFERRED: 'Closed: referred elsewhere',
  } satisfies Record<CaseStatus, string>,
  ageGroups: {
    adult: 'Adult',
    child: 'Child',
    unknown: 'Age unknown (treated as a child)',
  } satisfies Record<AgeGroup, string>,
  genders: {
    female: 'Female',
    male: 'Male',
    other: 'Other',
    unspecified: 'Not stated',
  } satisfies Record<Gender, string>,
  riskLevels: { low: 'Low', medium: 'Medium', high: 'High' } satisfies Record<RiskLevel, string>,
  needs: {
    shelter: 'Shelter',
    medical: 'Medical',
    'psycho-social': 'Psycho-social',
    legal: 'Legal',
    education: 'Education',
    employment: 'Employment',
    family: 'Family',
  } satisfies Record<Need, string>,
  planServices: {
    'economic-aid': 'Economic aid',
    'vocational-training': 'Vocational training',
    'school-reintegration': 'School reintegration',
    shelter: 'Shelter',
    medical: 'Medical',
    'psycho-social': 'Psycho-social',
    legal: 'Legal',
    family: 'Family',
  } satisfies Record<PlanService, string>,
  offerOutcomes: {
    open: 'Waiting for an answer',
    accepted: 'Accepted',
    declined: 'Declined',
    timed_out: 'No answer in time',
    cancelled: 'Cancelled',
  } satisfies Record<OfferOutcome, string>,
  orgKinds: {
    police: 'Police',
    prefecture: 'Prefecture',
    municipality: 'Municipality',
    commune: 'Commune',
    department: 'Department',
    ngo: 'NGO',
    school: 'School',
    university: 'University',
  } satisfies Record<OrgKind, string>,
  departments: {
    social: 'Social services',
    education: 'Education',
    employment: 'Employment',
  } satisfies Record<Department, string>,
  contactRoles: {
    'focal-point': 'focal point',
    'case-worker': 'case worker',
    'council-member': 'council member',
    'cluster-member': 'cluster member',
    coordinator: 'coordinator',
  } satisfies Record<ContactRole, string>,
  roles: {
    police: 'Police officer',
    ngo: 'NGO',
    localgov: 'Local government',
    council: 'Council member',
    coordinator: 'Coordinator',
    admin: 'Administrator',
  } satisfies Record<Role, string>,
};

/** One language's tables: the same tables, keyed by the same domain values. */
export type Vocabulary = typeof EN;

const SQ = {
  caseStatuses: {
    REFERRED: 'Referuar',
    OFFERED: 'I ofruar një OJF-je',
    ACCEPTED: 'Pranuar nga një OJF',
    ASSESSED: 'Nevojat u vlerësuan',
    IN_ASSISTANCE: 'Në asistencë',
    FOLLOW_UP: 'Në ndjekje',
    CLOSED: 'Mbyllur',
    UNASSIGNED: 'Pret që koordinatori të caktojë një OJF',
    WITHDRAWN: 'Tërhequr',
    CLOSED_REFERRED: 'Mbyllur: referuar diku tjetër',
  },
  ageGroups: {
    adult: 'I rritur',
    child: 'Fëmijë',
    unknown: 'Mosha e panjohur (trajtohet si fëmijë)',
  },
  genders: {
    female: 'Femër',
    male: 'Mashkull',
    other: 'Tjetër',
    unspecified: 'Pa përcaktuar',
  },
  riskLevels: { low: 'I ulët', medium: 'Mesatar', high: 'I lartë' },
  needs: {
    shelter: 'Strehim',
    medical: 'Mjekësor',
    'psycho-social': 'Psiko-social',
    legal: 'Ligjor',
    education: 'Arsim',
    employment: 'Punësim',
    family: 'Familje',
  },
  planServices: {
    'economic-aid': 'Ndihmë ekonomike',
    'vocational-training': 'Formim profesional',
    'school-reintegration': 'Riintegrim në shkollë',
    shelter: 'Strehim',
    medical: 'Mjekësor',
    'psycho-social': 'Psiko-social',
    legal: 'Ligjor',
    family: 'Familje',
  },
  offerOutcomes: {
    open: 'Pret përgjigje',
    accepted: 'Pranuar',
    declined: 'Refuzuar',
    timed_out: 'Pa përgjigje në kohë',
    cancelled: 'Anuluar',
  },
  orgKinds: {
    police: 'Policia',
    prefecture: 'Prefekturë',
    municipality: 'Bashki',
    commune: 'Komunë',
    department: 'Drejtori',
    ngo: 'OJF',
    school: 'Shkollë',
    university: 'Universitet',
  },
  departments: { social: 'Shërbime sociale', education: 'Arsim', employment: 'Punësim' },
  contactRoles: {
    'focal-point': 'pikë fokale',
    'case-worker': 'punonjës rasti',
    'council-member': 'anëtar i këshillit',
    'cluster-member': 'anëtar i grupit',
    coordinator: 'koordinator',
  },
  roles: {
    police: 'Oficer policie',
    ngo: 'OJF',
    localgov: 'Pushtet vendor',
    council: 'Anëtar i këshillit',
    coordinator: 'Koordinator',
    admin: 'Administrator',
  },
} satisfies Vocabulary;

/** The domain's words per language: `VOCABULARY[lang].caseStatuses[status]`. */
export const VOCABULARY: Readonly<Record<Language, Vocabulary>> = { en: EN, sq: SQ };
