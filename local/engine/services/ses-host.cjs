'use strict';
/**
 * Hosts the `aws-ses-v2-local` SES emulator (inbox page at `/`, `GET /store`) with a durable
 * inbox. Run by ses-local.ts as a child process (`process.execPath`), plain CommonJS so it
 * needs no compiling:
 *
 *   node ses-host.cjs --port <n> --inbox <dataDir>/inbox.jsonl [--clock <dataDir>/clock.json]
 *
 * The emulator keeps mail in memory only (dist/store.js: a module-level `{ emails, templates }`
 * that getStoreReadonly() returns by reference). This host
 * - loads `inbox.jsonl` (one email per line, as the emulator stores it) into that array
 *   before listening, so the inbox page and /store show mail from before a restart;
 * - replaces the store module's `saveEmail` export: every send handler calls it as
 *   `(0, store_1.saveEmail)(...)`, i.e. it reads the export at call time, so the wrapper
 *   appends each new email to the file (synchronously) before the emulator keeps it. If the
 *   append fails the send fails (500): no mail is reported sent that a restart would lose;
 * - replaces `clearStore` (POST /clear-store) so clearing the inbox also empties the file;
 * - dates each new email (`at`, epoch seconds) by the runtime clock: real time plus the
 *   offset in `--clock` (local/engine/clock/runtime-clock.ts), read at each send;
 * - keeps every address of an SES v1 `SendEmail` (query form `Destination.ToAddresses.member.N`):
 *   the emulator's schema (dist/v1/sendEmail.js, a zod object) names only `member.1` and strips
 *   the rest, so a message to two people showed one. The wrapper reads the lists from the request
 *   body and puts them on the email the handler saves (it calls `saveEmail` synchronously,
 *   from the export read at call time, as index.js reads the handler's `default` at call time).
 * - keeps every address of an SES v1 `SendRawEmail` the same way: the envelope
 *   (`Destinations.member.N`) becomes the email's `to`, where the emulator kept the parsed To
 *   header as a single text. Its handler saves after parsing the MIME, so the envelope is
 *   carried in an AsyncLocalStorage rather than a variable.
 * Unreadable lines (e.g. one torn by a crash mid-append) and exact duplicates are dropped at
 * start and the file is rewritten without them. Templates stay in memory, as before.
 *
 * Prints `ses-host: ready <url> (<n> emails restored)` on stdout once listening on
 * 127.0.0.1; exits 1 with a message on stderr when it cannot start. Exits when its stdin
 * closes (the parent is gone, even after SIGKILL) or on SIGTERM/SIGINT.
 */
const { AsyncLocalStorage } = require('node:async_hooks');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

function fail(message) {
  process.stderr.write(`ses-host: ${message}\n`);
  process.exit(1);
}

let args;
try {
  args = parseArgs({
    options: { port: { type: 'string' }, inbox: { type: 'string' }, clock: { type: 'string' } },
    strict: true,
  }).values;
} catch (error) {
  fail(error.message);
}
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail('--port must be a port number (0: any free port)');
if (!args.inbox) fail('--inbox <file> is required');
const inboxFile = path.resolve(args.inbox);
const clockFile = args.clock ? path.resolve(args.clock) : undefined;

// The emulator's own modules, by file, so the server factory and this host share one store.
const packageDir = path.dirname(require.resolve('aws-ses-v2-local/package.json'));
const store = require(path.join(packageDir, 'dist', 'store.js'));
const startServer = require(path.join(packageDir, 'dist', 'index.js')).default;
if (typeof store.saveEmail !== 'function' || typeof store.getStoreReadonly !== 'function') {
  fail('aws-ses-v2-local changed: dist/store.js has no saveEmail/getStoreReadonly');
}
if (typeof startServer !== 'function') fail('aws-ses-v2-local changed: dist/index.js exports no server');

/** The shape the inbox page and /store rely on. */
function isEmail(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.messageId === 'string' &&
    typeof value.from === 'string' &&
    typeof value.subject === 'string' &&
    typeof value.at === 'number' &&
    value.body !== null &&
    typeof value.body === 'object' &&
    value.destination !== null &&
    typeof value.destination === 'object' &&
    ['to', 'cc', 'bcc'].every((k) => Array.isArray(value.destination[k])) &&
    Array.isArray(value.replyTo) &&
    Array.isArray(value.attachments)
  );
}

function writeAtomically(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** The emails kept in the inbox file; rewrites it when lines had to be dropped. */
function loadInbox() {
  fs.mkdirSync(path.dirname(inboxFile), { recursive: true });
  let text;
  try {
    text = fs.readFileSync(inboxFile, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
  const emails = [];
  const kept = [];
  const seen = new Set();
  let dropped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let email;
    try {
      email = JSON.parse(line);
    } catch {
      dropped += 1;
      continue;
    }
    if (!isEmail(email) || seen.has(line)) {
      dropped += 1;
      continue;
    }
    seen.add(line);
    kept.push(line);
    emails.push(email);
  }
  if (dropped > 0 || (text !== '' && !text.endsWith('\n'))) {
    writeAtomically(inboxFile, kept.map((l) => `${l}\n`).join(''));
    if (dropped > 0)
      process.stderr.write(`ses-host: dropped ${dropped} unreadable line(s) from ${inboxFile}\n`);
  }
  return emails;
}

/** The runtime clock's offset in ms (0 without a clock file). */
function clockOffsetMs() {
  if (!clockFile) return 0;
  try {
    const offset = JSON.parse(fs.readFileSync(clockFile, 'utf8')).offsetMs;
    return Number.isSafeInteger(offset) && offset > 0 ? offset : 0;
  } catch {
    return 0;
  }
}

let restored;
try {
  restored = loadInbox();
} catch (error) {
  fail(`cannot read ${inboxFile}: ${error.message}`);
}
store.getStoreReadonly().emails.push(...restored);

/** `<prefix>1`, `<prefix>2`, ... of a query-form body, in member order. */
function members(body, prefix) {
  if (body === null || typeof body !== 'object') return undefined;
  const found = Object.keys(body)
    .filter((k) => k.startsWith(prefix) && /^[1-9]\d*$/.test(k.slice(prefix.length)))
    .map((k) => [Number(k.slice(prefix.length)), body[k]])
    .filter(([, v]) => typeof v === 'string')
    .sort(([a], [b]) => a - b)
    .map(([, v]) => v);
  return found;
}

const v1SendEmail = require(path.join(packageDir, 'dist', 'v1', 'sendEmail.js'));
if (typeof v1SendEmail.default !== 'function')
  fail('aws-ses-v2-local changed: dist/v1/sendEmail.js has no handler');
/** The addresses of the v1 SendEmail being handled, while its handler runs (synchronously). */
let v1Addresses;
const v1Handler = v1SendEmail.default;
v1SendEmail.default = (req, res, next) => {
  v1Addresses = {
    to: members(req.body, 'Destination.ToAddresses.member.'),
    cc: members(req.body, 'Destination.CcAddresses.member.'),
    bcc: members(req.body, 'Destination.BccAddresses.member.'),
    replyTo: members(req.body, 'ReplyToAddresses.member.'),
  };
  try {
    return v1Handler(req, res, next);
  } finally {
    v1Addresses = undefined;
  }
};

const v1SendRawEmail = require(path.join(packageDir, 'dist', 'v1', 'sendRawEmail.js'));
if (typeof v1SendRawEmail.default !== 'function')
  fail('aws-ses-v2-local changed: dist/v1/sendRawEmail.js has no handler');
/**
 * The envelope of the v1 SendRawEmail being handled. Its handler parses the MIME before it
 * saves (asynchronously), so the addresses travel with the request's async context.
 */
const rawEnvelope = new AsyncLocalStorage();
const v1RawHandler = v1SendRawEmail.default;
v1SendRawEmail.default = (req, res, next) =>
  rawEnvelope.run(members(req.body, 'Destinations.member.'), () => v1RawHandler(req, res, next));

const keepEmail = store.saveEmail;
store.saveEmail = (email) => {
  const envelope = rawEnvelope.getStore();
  // The emulator keeps a raw message's To header as one text ("a@x, b@y"); SES delivers to
  // each address of the envelope, so the inbox lists those (Bashkë sends To only).
  if (envelope && envelope.length > 0) email.destination = { to: envelope, cc: [], bcc: [] };
  if (v1Addresses) {
    const { to, cc, bcc, replyTo } = v1Addresses;
    email.destination = {
      to: to ?? email.destination.to,
      cc: cc ?? email.destination.cc,
      bcc: bcc ?? email.destination.bcc,
    };
    if (replyTo) email.replyTo = replyTo;
  }
  email.at = Math.floor((Date.now() + clockOffsetMs()) / 1000);
  fs.appendFileSync(inboxFile, `${JSON.stringify(email)}\n`, { mode: 0o600 });
  keepEmail(email);
};
const clearStore = store.clearStore;
store.clearStore = () => {
  writeAtomically(inboxFile, '');
  clearStore();
};

startServer({ host: '127.0.0.1', port })
  .then((server) => {
    const address = server.address();
    if (!server.listening || address === null || typeof address !== 'object') {
      fail(`cannot listen on 127.0.0.1:${port} (is the port in use?)`);
    }
    const stop = () => {
      server.close();
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.resume();
    process.stdout.write(
      `ses-host: ready http://127.0.0.1:${address.port} (${restored.length} emails restored)\n`,
    );
  })
  .catch((error) => fail(`cannot start the emulator: ${error.message}`));
