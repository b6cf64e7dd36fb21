/**
 * `npm run users -- create --role <role> --org <orgId> --email <address> [--name <name>]`,
 * `npm run users -- list [--role <role>] [--org <orgId>]`,
 * `npm run users -- disable --email <address>` and `enable --email <address>`: the people who
 * may sign in, each with exactly one role group and an organisation (`custom:orgId`).
 *
 * Where: by default the local stack's users file (`<dataDir>/auth/users.json`, seeded with the
 * demo users of demo-users.ts; the local sign-in page offers its enabled users at once). With
 * `--aws`: the Cognito user pool `--user-pool` or USER_POOL_ID names (the stack's `UserPoolId`
 * output), through the standard SDK environment. The email is the user name. Create sends
 * Cognito's invitation (a temporary password; the pool requires MFA, set up at first sign-in)
 * and adds the user to the role's group. Disable keeps the user (same `sub`), so enable undoes it.
 *
 * Create first checks the organisation in the directory: it must be there, active, and of a
 * kind that may hold the role (shared/auth/caller.ts ROLE_KINDS), else nothing is created. The
 * directory is the running local stack's DynamoDB Local, or with `--aws` the table `--table` or
 * TABLE_NAME names, as `npm run directory` reads it. Exit codes: 0 done, 1 refused (unknown or
 * unfit organisation, a user that exists or does not), 2 the local stack is not running,
 * 64 bad arguments.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import * as z from 'zod';
import { type OrganisationDirectory, roleFitsKind } from '../shared/auth/caller';
import { isActive } from '../shared/domain/active';
import { ROLES, type Role } from '../shared/domain/codes';
import { seedLocalUsers, signInUser } from './demo-users';
import { openDirectoryStore, StackError, UsageError } from './directory-cli';
import { addUser, readUsersFile, setUserEnabled, UsersFileError } from './engine';
import { resolveDataDir } from './runtime-file';

const USAGE =
  'usage: npm run users -- create --role <police|ngo|localgov|council|coordinator|admin> --org <orgId> ' +
  '--email <address> [--name <name>]\n' +
  '       npm run users -- list [--role <role>] [--org <orgId>]\n' +
  '       npm run users -- disable --email <address>\n' +
  '       npm run users -- enable --email <address>\n' +
  '  local stack (default): [--data-dir <folder>]; Cognito: --aws [--user-pool <id>] [--table <name>]\n';

const orgId = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lower-case letters, digits and single hyphens');
const where = {
  aws: z.boolean().optional(),
  'user-pool': z.string().min(1).optional(),
  table: z.string().min(1).optional(),
  'data-dir': z.string().min(1).optional(),
};
const schemas = {
  create: z.strictObject({
    role: z.enum(ROLES),
    org: orgId,
    email: z.email(),
    name: z.string().trim().min(1).max(256).optional(),
    ...where,
  }),
  list: z.strictObject({ role: z.enum(ROLES).optional(), org: orgId.optional(), ...where }),
  disable: z.strictObject({ email: z.email(), ...where }),
  enable: z.strictObject({ email: z.email(), ...where }),
} as const;

type Command = keyof typeof schemas;
export type UsersCommand = {
  [C in Command]: { readonly command: C; readonly args: z.infer<(typeof schemas)[C]> };
}[Command];

/** Refused by the directory or the pool: nothing was changed (exit 1). */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
}

export function parseUsersArgs(argv: readonly string[]): UsersCommand {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        role: { type: 'string' },
        org: { type: 'string' },
        email: { type: 'string' },
        name: { type: 'string' },
        aws: { type: 'boolean' },
        'user-pool': { type: 'string' },
        table: { type: 'string' },
        'data-dir': { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [command, ...rest] = parsed.positionals;
  if (!command || !(command in schemas)) throw new UsageError(command ? `no command ${command}` : '');
  if (rest.length) throw new UsageError(`unexpected ${rest.join(' ')}`);
  const result = schemas[command as Command].safeParse(parsed.values);
  if (!result.success) {
    const problems = result.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? `${command} takes no ${i.keys.map((k) => `--${k}`).join(', ')}`
        : `--${i.path.join('.')}: ${i.message}`,
    );
    throw new UsageError(problems.join('; '));
  }
  return { command, args: result.data } as UsersCommand;
}

/** What create needs of the organisation; throws RefusedError when it cannot hold the role. */
export async function checkOrganisation(
  directory: OrganisationDirectory,
  role: Role,
  org: string,
): Promise<{ readonly name: string; readonly contacts: readonly { name: string; email: string }[] }> {
  const found = await directory.getOrganisation(org);
  if (!found) throw new RefusedError(`the organisation ${org} is not in the directory; nothing was created`);
  if (!isActive(found))
    throw new RefusedError(`the organisation ${org} is deactivated in the directory; nothing was created`);
  if (!roleFitsKind(role, found.kind)) {
    throw new RefusedError(
      `${org} is an organisation of kind ${found.kind}, which cannot hold the role ${role}; nothing was created`,
    );
  }
  return found;
}

/** One user as `list` prints it. */
export interface UserRow {
  readonly email: string;
  readonly role: string;
  readonly orgId: string;
  readonly enabled: boolean;
  /** Cognito's UserStatus (e.g. FORCE_CHANGE_PASSWORD, CONFIRMED); none locally. */
  readonly status?: string;
  readonly name: string;
  readonly sub: string;
}

function renderRows(rows: readonly UserRow[]): string {
  return rows
    .map(
      (r) =>
        `${r.email}\t${r.role}\t${r.orgId}\t${r.enabled ? 'enabled' : 'disabled'}` +
        `${r.status ? ` (${r.status})` : ''}\t${r.name}\t${r.sub}\n`,
    )
    .join('');
}

const roleOf = (groups: readonly string[]): string =>
  groups.filter((g) => (ROLES as readonly string[]).includes(g)).join(',') || '-';

// ---- Cognito -------------------------------------------------------------------------------

const attribute = (user: UserType, name: string) => user.Attributes?.find((a) => a.Name === name)?.Value;

function cognitoRow(user: UserType, role: string): UserRow {
  return {
    email: attribute(user, 'email') ?? user.Username ?? '',
    role,
    orgId: attribute(user, 'custom:orgId') ?? '-',
    enabled: user.Enabled !== false,
    ...(user.UserStatus ? { status: user.UserStatus } : {}),
    name: attribute(user, 'name') ?? '',
    sub: attribute(user, 'sub') ?? '',
  };
}

async function usersInGroup(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  group: string,
): Promise<UserType[]> {
  const users: UserType[] = [];
  let next: string | undefined;
  do {
    const page = await cognito.send(
      new ListUsersInGroupCommand({ UserPoolId: userPoolId, GroupName: group, NextToken: next }),
    );
    users.push(...(page.Users ?? []));
    next = page.NextToken;
  } while (next);
  return users;
}

/**
 * AdminCreateUser (Cognito emails the invitation with a temporary password), then
 * AdminAddUserToGroup with the role's group; a user the group refuses is deleted again, so
 * no user is left without a role.
 */
export async function createCognitoUser(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  user: { readonly email: string; readonly name: string; readonly role: Role; readonly orgId: string },
): Promise<UserRow> {
  let created: UserType | undefined;
  try {
    created = (
      await cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: user.email,
          UserAttributes: [
            { Name: 'email', Value: user.email },
            { Name: 'email_verified', Value: 'true' },
            { Name: 'custom:orgId', Value: user.orgId },
            { Name: 'name', Value: user.name },
          ],
          DesiredDeliveryMediums: ['EMAIL'],
        }),
      )
    ).User;
  } catch (error) {
    if ((error as Error).name === 'UsernameExistsException')
      throw new RefusedError(`a user with the email ${user.email} exists already; nothing was created`);
    throw error;
  }
  try {
    await cognito.send(
      new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: user.email, GroupName: user.role }),
    );
  } catch (error) {
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: user.email }));
    throw new Error(
      `could not add ${user.email} to the group ${user.role} (${(error as Error).message}); the user was deleted again`,
    );
  }
  return cognitoRow(created ?? { Username: user.email, Attributes: [] }, user.role);
}

/** ListUsersInGroup for the role; without one, ListUsers and each role group's members. */
export async function listCognitoUsers(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  filter: { readonly role?: Role; readonly org?: string },
): Promise<UserRow[]> {
  let rows: UserRow[];
  if (filter.role) {
    const role = filter.role;
    rows = (await usersInGroup(cognito, userPoolId, role)).map((u) => cognitoRow(u, role));
  } else {
    const users: UserType[] = [];
    let next: string | undefined;
    do {
      const page = await cognito.send(
        new ListUsersCommand({ UserPoolId: userPoolId, PaginationToken: next }),
      );
      users.push(...(page.Users ?? []));
      next = page.PaginationToken;
    } while (next);
    const groups = new Map<string, string[]>();
    for (const role of ROLES) {
      for (const member of await usersInGroup(cognito, userPoolId, role)) {
        const name = member.Username ?? '';
        groups.set(name, [...(groups.get(name) ?? []), role]);
      }
    }
    rows = users.map((u) => cognitoRow(u, roleOf(groups.get(u.Username ?? '') ?? [])));
  }
  return rows.filter((r) => filter.org === undefined || r.orgId === filter.org);
}

/** AdminDisableUser or AdminEnableUser: the user stays, with its `sub`, groups and attributes. */
export async function setCognitoUserEnabled(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  email: string,
  enabled: boolean,
): Promise<void> {
  const input = { UserPoolId: userPoolId, Username: email };
  try {
    await cognito.send(enabled ? new AdminEnableUserCommand(input) : new AdminDisableUserCommand(input));
  } catch (error) {
    if ((error as Error).name === 'UserNotFoundException')
      throw new RefusedError(`there is no user with the email ${email}`);
    throw error;
  }
}

// ---- the command ---------------------------------------------------------------------------

export interface UsersCliIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** The directory create checks; by default as `npm run directory` opens it. */
  readonly directory?: OrganisationDirectory;
  readonly cognito?: CognitoIdentityProviderClient;
  readonly env?: NodeJS.ProcessEnv;
}

async function run(parsed: UsersCommand, io: UsersCliIo): Promise<void> {
  const env = io.env ?? process.env;
  const { args } = parsed;
  const dataDir = args['data-dir']
    ? resolveDataDir({ BASHKE_DATA_DIR: args['data-dir'] })
    : resolveDataDir(env);
  const directory = async () => io.directory ?? (await openDirectoryStore(!!args.aws, args.table, dataDir));

  if (args.aws) {
    const userPoolId = args['user-pool'] ?? env.USER_POOL_ID;
    if (!userPoolId) throw new UsageError('--aws needs --user-pool <id> or USER_POOL_ID');
    // The directory first: a bad organisation makes no call to Cognito.
    const org =
      parsed.command === 'create'
        ? await checkOrganisation(await directory(), parsed.args.role, parsed.args.org)
        : undefined;
    const cognito = io.cognito ?? new CognitoIdentityProviderClient({});
    switch (parsed.command) {
      case 'create': {
        const { email, role } = parsed.args;
        const name = parsed.args.name ?? contactName(org, email);
        await createCognitoUser(cognito, userPoolId, { email, name, role, orgId: parsed.args.org });
        io.out(`users: created ${email} (${role}, ${parsed.args.org}); Cognito emails the invitation\n`);
        return;
      }
      case 'list':
        io.out(renderRows(await listCognitoUsers(cognito, userPoolId, parsed.args)));
        return;
      default: {
        const enabled = parsed.command === 'enable';
        await setCognitoUserEnabled(cognito, userPoolId, parsed.args.email, enabled);
        io.out(`users: ${enabled ? 'enabled' : 'disabled'} ${parsed.args.email}\n`);
        return;
      }
    }
  }

  switch (parsed.command) {
    case 'create': {
      const { email, role } = parsed.args;
      const org = await checkOrganisation(await directory(), role, parsed.args.org);
      seedLocalUsers(dataDir);
      const user = addUser(
        dataDir,
        signInUser({
          sub: randomUUID(),
          role,
          orgId: parsed.args.org,
          name: parsed.args.name ?? contactName(org, email),
          email,
          organisation: org.name,
        }),
      );
      io.out(
        `users: created ${email} (${role}, ${parsed.args.org}), sub ${user.sub}; the local sign-in page offers it\n`,
      );
      return;
    }
    case 'list': {
      const { role, org } = parsed.args;
      const users = readUsersFile(dataDir) ?? seedLocalUsers(dataDir);
      const rows = users
        .map((u) => ({
          email: u.email,
          role: roleOf(u.groups),
          orgId: u.attributes?.orgId ?? '-',
          enabled: u.enabled,
          name: u.name,
          sub: u.sub,
        }))
        .filter((r) => (role === undefined || r.role === role) && (org === undefined || r.orgId === org));
      io.out(renderRows(rows));
      return;
    }
    default: {
      const enabled = parsed.command === 'enable';
      seedLocalUsers(dataDir);
      setUserEnabled(dataDir, parsed.args.email, enabled);
      io.out(`users: ${enabled ? 'enabled' : 'disabled'} ${parsed.args.email}\n`);
      return;
    }
  }
}

/** The directory's name for the contact with the email, else the email itself. */
function contactName(
  org: { readonly contacts: readonly { name: string; email: string }[] } | undefined,
  email: string,
): string {
  return org?.contacts.find((c) => c.email.toLowerCase() === email.toLowerCase())?.name ?? email;
}

/** Runs the command; returns the exit code. */
export async function runUsersCli(
  argv: readonly string[],
  io: UsersCliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
): Promise<number> {
  try {
    await run(parseUsersArgs(argv), io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message ? `users: ${error.message}\n` : ''}${USAGE}`);
      return 64;
    }
    if (error instanceof StackError) {
      io.err(`users: ${error.message}\n`);
      return 2;
    }
    if (error instanceof RefusedError || error instanceof UsersFileError) {
      io.err(`users: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  runUsersCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`users: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
