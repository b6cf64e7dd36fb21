import type { RecipientGroup } from '../domain/recipients';
import type { Mailer, OutgoingEmail } from './mailer';
import type { Language } from './templates';

/** Sends one message per group (language and time zone); `timeZone` is the group's, if it has one. */
export async function sendToGroups(
  mailer: Mailer,
  groups: readonly RecipientGroup[],
  render: (to: readonly string[], language: Language, timeZone: string | undefined) => OutgoingEmail,
): Promise<number> {
  for (const g of groups) await mailer.send(render(g.to, g.language, g.timeZone));
  return groups.length;
}
