import type { Store } from '../../shared/data/store';
import { directorySchema } from '../../shared/domain/directory';
import { ValidationError } from '../../shared/errors';
import { fieldIssues } from '../../shared/http/zod-issues';

export interface SeedResult {
  readonly regionsCreated: number;
  readonly organisationsCreated: number;
  readonly organisationsExisting: number;
}

/**
 * Loads a directory JSON. Conditional puts keyed by id: running it again (after every
 * deploy, at every local start) leaves existing entries and their live counters alone.
 */
export async function seedDirectory(
  deps: { store: Pick<Store, 'seedRegion' | 'seedOrganisation'> },
  input: unknown,
): Promise<SeedResult> {
  const parsed = directorySchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(fieldIssues(parsed.error), 'the directory is not valid');
  let regionsCreated = 0;
  let organisationsCreated = 0;
  for (const region of parsed.data.regions) if (await deps.store.seedRegion(region)) regionsCreated++;
  for (const org of parsed.data.organisations)
    if (await deps.store.seedOrganisation(org)) organisationsCreated++;
  return {
    regionsCreated,
    organisationsCreated,
    organisationsExisting: parsed.data.organisations.length - organisationsCreated,
  };
}
