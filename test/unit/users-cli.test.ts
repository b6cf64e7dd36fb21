/**
 * `npm run users -- … --aws`: the exact Cognito calls (aws-sdk-client-mock), and the
 * directory check before them — a wrong organisation makes no call at all.
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
  UsernameExistsException,
  type UserStatusType,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { parseUsersArgs, runUsersCli } from '../../local/users-cli';
import type { OrganisationDirectory } from '../../shared/auth/caller';
import type { OrgRecord } from '../../shared/data/records';

const POOL = 'eu-central-1_TestPool';
const cognito = mockClient(CognitoIdentityProviderClient);

const org = (orgId: string, kind: OrgRecord['kind'], extra: Partial<OrgRecord> = {}): OrgRecord =>
  ({
    orgId,
    name: `Org ${orgId}`,
    kind,
    regions: ['korca'],
    services: [],
    capacity: 1,
    childProtection: false,
    contacts: [],
    openOffers: 0,
    ...extra,
  }) as OrgRecord;

const ORGS = new Map<string, OrgRecord>([
  [
    'police-korca',
    org('police-korca', 'police', {
      contacts: [
        {
          name: 'Arben Duka',
          email: 'arben@police-korca.example.org',
          language: 'sq',
          roles: ['focal-point'],
        },
      ],
    } as Partial<OrgRecord>),
  ],
  ['ngo-vatra', org('ngo-vatra', 'ngo')],
  ['ngo-closed', org('ngo-closed', 'ngo', { active: false })],
]);
const directory: OrganisationDirectory = { getOrganisation: async (id) => ORGS.get(id) };

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runUsersCli(argv, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    directory,
    env: { USER_POOL_ID: POOL },
  });
  return { code, out: out.join(''), err: err.join('') };
}

const user = (email: string, orgId: string, extra: Record<string, unknown> = {}) => ({
  Username: email,
  Enabled: true,
  UserStatus: 'FORCE_CHANGE_PASSWORD' as UserStatusType,
  Attributes: [
    { Name: 'sub', Value: `sub-${email}` },
    { Name: 'email', Value: email },
    { Name: 'custom:orgId', Value: orgId },
    { Name: 'name', Value: `Name of ${email}` },
  ],
  ...extra,
});

beforeEach(() => cognito.reset());

describe('npm run users -- create --aws', () => {
  it('creates the user with its attributes and the invitation, then adds it to the role group', async () => {
    cognito
      .on(AdminCreateUserCommand)
      .resolves({ User: user('new@police-korca.example.org', 'police-korca') });
    cognito.on(AdminAddUserToGroupCommand).resolves({});
    const result = await run(
      'create',
      '--aws',
      '--role',
      'police',
      '--org',
      'police-korca',
      '--email',
      'new@police-korca.example.org',
      '--name',
      'Besa Hoxha',
    );
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('created new@police-korca.example.org (police, police-korca)');
    expect(cognito.calls()).toHaveLength(2);
    expect(cognito.commandCalls(AdminCreateUserCommand)[0]?.args[0].input).toEqual({
      UserPoolId: POOL,
      Username: 'new@police-korca.example.org',
      UserAttributes: [
        { Name: 'email', Value: 'new@police-korca.example.org' },
        { Name: 'email_verified', Value: 'true' },
        { Name: 'custom:orgId', Value: 'police-korca' },
        { Name: 'name', Value: 'Besa Hoxha' },
      ],
      DesiredDeliveryMediums: ['EMAIL'],
    });
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)[0]?.args[0].input).toEqual({
      UserPoolId: POOL,
      Username: 'new@police-korca.example.org',
      GroupName: 'police',
    });
  });

  it('names the user as the directory’s contact when --name is left out, and takes --user-pool over USER_POOL_ID', async () => {
    cognito.on(AdminCreateUserCommand).resolves({});
    cognito.on(AdminAddUserToGroupCommand).resolves({});
    const result = await run(
      'create',
      '--aws',
      '--user-pool',
      'eu-central-1_Other',
      '--role',
      'coordinator',
      '--org',
      'police-korca',
      '--email',
      'arben@police-korca.example.org',
    );
    expect(result.code).toBe(0);
    const input = cognito.commandCalls(AdminCreateUserCommand)[0]?.args[0].input;
    expect(input?.UserPoolId).toBe('eu-central-1_Other');
    expect(input?.UserAttributes).toContainEqual({ Name: 'name', Value: 'Arben Duka' });
  });

  it.each([
    [
      ['--role', 'police', '--org', 'ngo-vatra'],
      'ngo-vatra is an organisation of kind ngo, which cannot hold the role police',
    ],
    [['--role', 'ngo', '--org', 'police-korca'], 'kind police, which cannot hold the role ngo'],
    [['--role', 'localgov', '--org', 'ngo-vatra'], 'cannot hold the role localgov'],
    [['--role', 'ngo', '--org', 'ngo-nowhere'], 'the organisation ngo-nowhere is not in the directory'],
    [['--role', 'ngo', '--org', 'ngo-closed'], 'the organisation ngo-closed is deactivated'],
  ])('refuses %j without a call to Cognito', async (args, message) => {
    const result = await run('create', '--aws', ...args, '--email', 'x@example.org');
    expect(result.code).toBe(1);
    expect(result.err).toContain(message);
    expect(result.err).toContain('nothing was created');
    expect(cognito.calls()).toHaveLength(0);
  });

  it('refuses an email the pool has, adding no group', async () => {
    cognito
      .on(AdminCreateUserCommand)
      .rejects(new UsernameExistsException({ message: 'User account already exists', $metadata: {} }));
    const result = await run('create', '--aws', '--role', 'ngo', '--org', 'ngo-vatra', '--email', 'a@b.org');
    expect(result).toMatchObject({ code: 1 });
    expect(result.err).toContain('a user with the email a@b.org exists already');
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)).toHaveLength(0);
  });

  it('deletes the user again when the group refuses it: no user without a role', async () => {
    cognito.on(AdminCreateUserCommand).resolves({});
    cognito.on(AdminAddUserToGroupCommand).rejects(new Error('no such group'));
    cognito.on(AdminDeleteUserCommand).resolves({});
    await expect(
      run('create', '--aws', '--role', 'ngo', '--org', 'ngo-vatra', '--email', 'a@b.org'),
    ).rejects.toThrow('the user was deleted again');
    expect(cognito.commandCalls(AdminDeleteUserCommand)[0]?.args[0].input).toEqual({
      UserPoolId: POOL,
      Username: 'a@b.org',
    });
  });

  it('needs a user pool', async () => {
    const err: string[] = [];
    const code = await runUsersCli(
      ['create', '--aws', '--role', 'ngo', '--org', 'ngo-vatra', '--email', 'a@b.org'],
      { out: () => {}, err: (s) => err.push(s), directory, env: {} },
    );
    expect(code).toBe(64);
    expect(err.join('')).toContain('--aws needs --user-pool <id> or USER_POOL_ID');
    expect(cognito.calls()).toHaveLength(0);
  });
});

describe('npm run users -- list --aws', () => {
  it('lists a role group’s members with ListUsersInGroup, page by page, filtered by organisation', async () => {
    cognito
      .on(ListUsersInGroupCommand, { UserPoolId: POOL, GroupName: 'ngo', NextToken: undefined })
      .resolves({ Users: [user('a@vatra.org', 'ngo-vatra')], NextToken: 'page-2' })
      .on(ListUsersInGroupCommand, { UserPoolId: POOL, GroupName: 'ngo', NextToken: 'page-2' })
      .resolves({
        Users: [user('b@iom.org', 'ngo-iom', { Enabled: false, UserStatus: 'CONFIRMED' as UserStatusType })],
      });
    const all = await run('list', '--aws', '--role', 'ngo');
    expect(all.code).toBe(0);
    expect(all.out).toBe(
      'a@vatra.org\tngo\tngo-vatra\tenabled (FORCE_CHANGE_PASSWORD)\tName of a@vatra.org\tsub-a@vatra.org\n' +
        'b@iom.org\tngo\tngo-iom\tdisabled (CONFIRMED)\tName of b@iom.org\tsub-b@iom.org\n',
    );
    expect(cognito.commandCalls(ListUsersCommand)).toHaveLength(0);
    const one = await run('list', '--aws', '--role', 'ngo', '--org', 'ngo-iom');
    expect(one.out.split('\n').filter(Boolean)).toEqual([expect.stringMatching(/^b@iom\.org\t/)]);
  });

  it('lists every user with ListUsers, each with its role from the groups', async () => {
    cognito
      .on(ListUsersCommand, { UserPoolId: POOL, PaginationToken: undefined })
      .resolves({ Users: [user('a@vatra.org', 'ngo-vatra')], PaginationToken: 'p2' })
      .on(ListUsersCommand, { UserPoolId: POOL, PaginationToken: 'p2' })
      .resolves({ Users: [user('p@police.org', 'police-korca'), user('lost@x.org', 'ngo-vatra')] });
    cognito.on(ListUsersInGroupCommand).resolves({ Users: [] });
    cognito
      .on(ListUsersInGroupCommand, { GroupName: 'ngo' })
      .resolves({ Users: [user('a@vatra.org', 'ngo-vatra')] });
    cognito
      .on(ListUsersInGroupCommand, { GroupName: 'police' })
      .resolves({ Users: [user('p@police.org', 'police-korca')] });
    const result = await run('list', '--aws');
    expect(result.code).toBe(0);
    expect(
      result.out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t').slice(0, 3)),
    ).toEqual([
      ['a@vatra.org', 'ngo', 'ngo-vatra'],
      ['p@police.org', 'police', 'police-korca'],
      ['lost@x.org', '-', 'ngo-vatra'],
    ]);
    expect(cognito.commandCalls(ListUsersInGroupCommand).map((c) => c.args[0].input.GroupName)).toEqual([
      'police',
      'ngo',
      'localgov',
      'council',
      'coordinator',
      'admin',
    ]);
  });
});

describe('npm run users -- disable / enable --aws', () => {
  it('disables and enables the user by email', async () => {
    cognito.on(AdminDisableUserCommand).resolves({});
    cognito.on(AdminEnableUserCommand).resolves({});
    expect(await run('disable', '--aws', '--email', 'a@vatra.org')).toMatchObject({
      code: 0,
      out: 'users: disabled a@vatra.org\n',
    });
    expect(await run('enable', '--aws', '--email', 'a@vatra.org')).toMatchObject({ code: 0 });
    expect(cognito.commandCalls(AdminDisableUserCommand)[0]?.args[0].input).toEqual({
      UserPoolId: POOL,
      Username: 'a@vatra.org',
    });
    expect(cognito.commandCalls(AdminEnableUserCommand)[0]?.args[0].input).toEqual({
      UserPoolId: POOL,
      Username: 'a@vatra.org',
    });
    expect(cognito.calls()).toHaveLength(2);
  });
});

describe('the arguments', () => {
  it.each([
    [[], ''],
    [['delete', '--email', 'a@b.org'], 'no command delete'],
    [['create', '--role', 'chief', '--org', 'x', '--email', 'a@b.org'], '--role'],
    [['create', '--role', 'ngo', '--org', 'Bad Org', '--email', 'a@b.org'], '--org'],
    [['create', '--role', 'ngo', '--org', 'ngo-vatra', '--email', 'not-an-email'], '--email'],
    [['create', '--role', 'ngo', '--org', 'ngo-vatra'], '--email'],
    [['disable'], '--email'],
    [['disable', '--email', 'a@b.org', '--role', 'ngo'], 'disable takes no --role'],
    [['list', '--colour'], "Unknown option '--colour'"],
    [['list', 'extra'], 'unexpected extra'],
  ])('refuses %j with the usage (exit 64) and no call', async (argv, message) => {
    const result = await run(...argv);
    expect(result.code).toBe(64);
    expect(result.err).toContain(message);
    expect(result.err).toContain('usage: npm run users -- create --role');
    expect(cognito.calls()).toHaveLength(0);
  });

  it('reads a good command', () => {
    expect(parseUsersArgs(['list', '--org', 'ngo-vatra'])).toEqual({
      command: 'list',
      args: { org: 'ngo-vatra' },
    });
  });
});
