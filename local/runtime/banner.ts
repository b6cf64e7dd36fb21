/**
 * What `npm start` prints once the stack is ready: where everything is, and a first
 * referral to paste into another terminal, then what to do after it. The commands name the
 * data folder when it is not the default, so they reach this stack and not another.
 */

/** The officer of the banner's token: the referral's notices go to this address. */
export const DEMO_OFFICER = 'officer@police-korca.example.org';

export interface BannerInput {
  /** The web console: the first thing to open. */
  readonly console: string;
  readonly api: string;
  /** The inbox page, no trailing slash. */
  readonly inbox: string;
  readonly dataDir: string;
  /** The data folder the tools use when BASHKE_DATA_DIR is not set. */
  readonly defaultDataDir: string;
  readonly clock: Date;
  /** The referral body to paste. */
  readonly referral: unknown;
}

/** A value as one shell word (single-quoted unless it is plainly safe). */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The banner's lines: `[bashke] ` lines to read, indented ones to paste. */
export function startBanner(input: BannerInput): string[] {
  const env = input.dataDir === input.defaultDataDir ? '' : `BASHKE_DATA_DIR=${shellWord(input.dataDir)} `;
  const say = (line: string) => `[bashke] ${line}`;
  return [
    say(`Console: ${input.console}  <- open this first: sign in as any demo user (no passwords locally)`),
    say(`API:    ${input.api}`),
    say(`Inbox:  ${input.inbox}/`),
    say(`Data:   ${input.dataDir}`),
    say(`Clock:  ${input.clock.toISOString()} (${env}npm run clock -- now | advance 25h)`),
    say('Refer a case (an officer of the Korça police), in another terminal:'),
    `  TOKEN=$(${env}npm run --silent token -- --role police --org police-korca --email ${DEMO_OFFICER})`,
    `  curl -s -X POST ${input.api}/referrals -H "Authorization: Bearer $TOKEN" \\`,
    `    -H 'Content-Type: application/json' -H "Idempotency-Key: demo-$(date +%s)" \\`,
    `    -d ${shellWord(JSON.stringify(input.referral))}`,
    say(`Then open the inbox, ${input.inbox}/ : the NGO's offer email holds its accept link, and once`),
    say(`it is accepted the officer's email arrives there. Or let \`${env}npm run demo\` walk a referral`),
    say('through every step. Ctrl-C stops the stack; the data stays for the next `npm start`.'),
  ];
}
