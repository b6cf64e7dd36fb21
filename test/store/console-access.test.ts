import { CONSOLE_CSS } from '../../shared/console/stylesheet';
import type { Role } from '../../shared/domain/codes';
import { accessTable } from '../support/access-doc';
import { type ConsoleWorld, startConsoleWorld } from '../support/console-world';
import { dropStoreTables } from '../support/store-table';

/** The console's page matrix as docs/access.md writes it ("The console"): the document is the test's table. */
function documentedMatrix(): { roles: Role[]; rows: { page: string; cells: string[] }[] } {
  const { header, body } = accessTable('console-access');
  return {
    roles: header.slice(1) as Role[],
    rows: body.map(([page = '', ...cells]) => ({ page: page.replace(/`/g, ''), cells })),
  };
}

/** One member of each role, from the demo directory (the admin's organisation is the prefecture's). */
const MEMBERS: Record<Role, [string, string]> = {
  police: ['police-korca', 'antitrafficking@police-korca.example.org'],
  ngo: ['ngo-vatra', 'focal.point@vatra.example.org'],
  localgov: ['social-services-korca', 'economic.aid@social-services-korca.example.org'],
  council: ['municipality-korca', 'council@municipality-korca.example.org'],
  coordinator: ['prefecture-korca', 'coordinator@prefecture-korca.example.org'],
  admin: ['prefecture-korca', 'admin@prefecture-korca.example.org'],
};

const MATRIX = documentedMatrix();

let world: ConsoleWorld;
beforeAll(async () => {
  world = await startConsoleWorld('console-access');
});
afterAll(dropStoreTables);

it('documents every role and at least the pages of every menu', () => {
  expect(MATRIX.roles).toEqual(['police', 'ngo', 'localgov', 'council', 'coordinator', 'admin']);
  expect(MATRIX.rows.length).toBeGreaterThanOrEqual(10);
});

describe.each(MATRIX.roles.map((role, i) => [role, i] as const))('%s', (role, column) => {
  it.each(MATRIX.rows.map((r) => [r.page, r.cells[column] ?? ''] as const))('%s: %s', async (page, cell) => {
    const [orgId, email] = MEMBERS[role];
    const member = await world.signIn(role, orgId, email);
    const res = await member.get(page);
    if (cell === '403') expect(res.status).toBe(403);
    else {
      expect({ page, status: res.status }).toEqual({ page, status: 200 });
      // Fast on a slow connection: each page's HTML with its stylesheet is at most 100 KB.
      expect(Buffer.byteLength(res.body) + Buffer.byteLength(CONSOLE_CSS)).toBeLessThanOrEqual(100 * 1024);
    }
  });
});
