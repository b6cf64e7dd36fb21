/**
 * Closed vocabularies. ISO lists are kept here rather than asked of Intl: Intl accepts
 * any well-formed code (`QQ`, `EU`), and a referral must name a real country or language.
 */

/**
 * ISO 3166-1 alpha-2, officially assigned codes, plus `XK` (Kosovo: user-assigned in ISO,
 * used by the EU and by Albanian authorities, and a frequent nationality in this region).
 */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV ' +
    'BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ' +
    'ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE ' +
    'IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY ' +
    'MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU ' +
    'NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM ' +
    'SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE ' +
    'VG VI VN VU WF WS XK YE YT ZA ZM ZW'
  ).split(' '),
);

/** ISO 639-1 two-letter language codes. */
export const LANGUAGE_CODES: ReadonlySet<string> = new Set(
  (
    'aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ' +
    'ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ' +
    'ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi ' +
    'mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw ' +
    'sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ' +
    'ur uz ve vi vo wa wo xh yi yo za zh zu'
  ).split(' '),
);

/** Needs of a presumed victim and, with the same words, services an NGO offers (DOMAIN.md). */
export const NEEDS = [
  'shelter',
  'medical',
  'psycho-social',
  'legal',
  'education',
  'employment',
  'family',
] as const;
export type Need = (typeof NEEDS)[number];

export const GENDERS = ['female', 'male', 'other', 'unspecified'] as const;
export type Gender = (typeof GENDERS)[number];
export const AGE_GROUPS = ['adult', 'child', 'unknown'] as const;
export type AgeGroup = (typeof AGE_GROUPS)[number];
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/**
 * Roles are Cognito groups; a caller has exactly one. `localgov`: staff of a local-government
 * department, municipality or commune who act on the plan items given to their organisation.
 */
export const ROLES = ['police', 'ngo', 'localgov', 'council', 'coordinator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A person of unknown age is treated as a child (DOMAIN.md). */
export function treatedAsChild(ageGroup: AgeGroup): boolean {
  return ageGroup !== 'adult';
}
