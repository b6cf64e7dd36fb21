/**
 * The people the local sign-in page offers (`npm start`, the console's "Sign in"): one or two
 * per role, each a contact of the Korça demo directory (shared/directory/korca.json) whose
 * organisation's kind fits the role (shared/auth/caller.ts), so every page of the console has
 * someone to show it to. The admin is the one not in the directory: admins are no contact of
 * the cooperation group. A user's `sub` is `defaultSub(org, role)`, so a user is the same
 * person across runs and the same as `npm run token -- --role <role> --org <org>`.
 * (local/ imports no app code: test/local/demo-users.test.ts holds these to the directory.)
 */
import { ensureUsersFile, type LocalPoolUser, type OAuthUser } from './engine';
import { defaultSub, type LOCAL_ROLES } from './token';

type Role = (typeof LOCAL_ROLES)[number];

interface DemoUser {
  readonly role: Role;
  readonly orgId: string;
  readonly name: string;
  readonly email: string;
  /** The organisation's name, as the directory has it. */
  readonly organisation: string;
}

/** Each role's heading on the sign-in page. */
const ROLE_HEADINGS: Readonly<Record<Role, { en: string; sq: string }>> = {
  police: { en: 'Police officers', sq: 'Oficerë policie' },
  ngo: { en: 'NGO focal points', sq: 'Pika kontakti të OJF-ve' },
  localgov: { en: 'Local-government staff', sq: 'Punonjës të pushtetit vendor' },
  council: { en: 'Council members', sq: 'Anëtarë të këshillit' },
  coordinator: { en: 'Coordinators', sq: 'Koordinatorë' },
  admin: { en: 'Administrators', sq: 'Administratorë' },
};

export const DEMO_USERS: readonly DemoUser[] = [
  {
    role: 'police',
    orgId: 'police-korca',
    name: 'Duty officer, Anti-Trafficking Unit',
    email: 'antitrafficking@police-korca.example.org',
    organisation: 'State Police Korça — Anti-Trafficking Unit',
  },
  {
    role: 'ngo',
    orgId: 'ngo-vatra',
    name: 'Entela Marku',
    email: 'focal.point@vatra.example.org',
    organisation: 'Psycho-Social Center "Vatra" (Vlora)',
  },
  {
    role: 'ngo',
    orgId: 'ngo-iom',
    name: 'Sarah Whitfield',
    email: 'focal.point@iom.example.org',
    organisation: 'IOM office Korça',
  },
  {
    role: 'localgov',
    orgId: 'social-services-korca',
    name: 'Valbona Rrapi',
    email: 'economic.aid@social-services-korca.example.org',
    organisation: 'Social Services Department Korça',
  },
  {
    role: 'council',
    orgId: 'municipality-korca',
    name: 'Gentian Hoxha',
    email: 'council@municipality-korca.example.org',
    organisation: 'Municipality of Korça — Child Protection Unit',
  },
  {
    role: 'coordinator',
    orgId: 'prefecture-korca',
    name: 'Elira Manushi',
    email: 'coordinator@prefecture-korca.example.org',
    organisation: 'Prefecture of Korça',
  },
  {
    role: 'admin',
    orgId: 'prefecture-korca',
    name: 'Administrator (local)',
    email: 'admin@prefecture-korca.example.org',
    organisation: 'Prefecture of Korça',
  },
];

/**
 * A person as the sign-in server lists them: under their role, with their organisation, one
 * role group and the organisation as `custom:orgId` (what the Cognito pool's users carry).
 */
export function signInUser(user: {
  readonly sub: string;
  readonly role: Role;
  readonly orgId: string;
  readonly name: string;
  readonly email: string;
  readonly organisation: string;
}): OAuthUser {
  return {
    sub: user.sub,
    email: user.email,
    name: user.name,
    groups: [user.role],
    attributes: { orgId: user.orgId },
    section: ROLE_HEADINGS[user.role],
    description: user.organisation,
  };
}

/** The demo users as the sign-in server lists them. */
export function demoSignInUsers(): OAuthUser[] {
  return DEMO_USERS.map((u) => signInUser({ ...u, sub: defaultSub(u.orgId, u.role) }));
}

/**
 * The data folder's users file (local/engine/auth/users-file.ts), written with the demo users
 * when there is none yet (first start, or after a reset); `npm run users` changes it later.
 */
export function seedLocalUsers(dataDir: string): LocalPoolUser[] {
  return ensureUsersFile(dataDir, demoSignInUsers());
}
