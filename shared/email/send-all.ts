import type { RecipientGroup } from '../domain/recipients';
import type { Mailer, OutgoingEmail } from './mailer';
import type { Language } from './templates';

/** Sends one message per language group. */
export async function sendToGroups(
  mailer: Mailer,
  groups: readonly RecipientGroup[],
  render: (to: readonly string[], language: Language) => OutgoingEmail,
): Promise<number> {
  for (const g of groups) await mailer.send(render(g.to, g.language));
  return groups.length;
}
