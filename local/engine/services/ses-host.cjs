'use strict';
/**
 * Hosts the `aws-ses-v2-local` SES emulator (inbox page at `/`, `GET /store`) with a durable
 * inbox and the raw messages at `GET /raw?messageId=`. Run by ses-local.ts as a child process (`process.execPath`), plain CommonJS so it
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
 *   the rest, so a message to two people showed one. A wrapper around the handler (index.js reads
 *   the handler's `default` at call time) keeps the request body in an AsyncLocalStorage
 *   context, and `saveEmail` (read from the export at call time) takes the lists from it.
 * - keeps the raw MIME of a v1 `SendRawEmail` byte for byte on its inbox record (`rawBase64`,
 *   the request's bytes in base64: the emulator's own record is rebuilt from mailparser's parse,
 *   which loses the multipart structure and a calendar part's `method=`) and serves it at
 *   `GET /raw?messageId=<id>` as `message/rfc822` (404 for an unknown id or a message sent
 *   without raw MIME), ahead of the emulator's routes (its auth check would refuse a browser);
 *   keeps its envelope (`Destinations.member.N`) as the record's `to` (the emulator kept the To
 *   header as one text), and,
 *   for both v1 sends, the request's `ConfigurationSetName` and `Tags` (`configurationSetName`,
 *   `tags`), read from the request body through an AsyncLocalStorage context (the raw handler
 *   awaits mailparser before it saves, so a module variable would not do);
 * - after an email is appended and kept, prints one line `ses-host: sent <json>` on stdout
 *   (messageId, timestamp, source, recipients, headers, configuration set, tags) before the
 *   response goes out: stdout is a pipe, and pipe writes are synchronous on Linux, so a sender
 *   that got its MessageId has had its line written. The engine turns it into the SES events a
 *   configuration set's EventBridge destination publishes (ses-local.ts, events/ses-events.ts).
 * - refuses (400 `ConfigurationSetDoesNotExist`, as SES does) a v1 send naming a configuration
 *   set the app does not have, once the engine has told it the names (a line
 *   `configuration-sets ["name", ...]` on its stdin); until then every name is taken.
 * Unreadable lines (e.g. one torn by a crash mid-append) and exact duplicates are dropped at
 * start and the file is rewritten without them. Templates stay in memory, as before.
 *
 * Prints `ses-host: ready <url> (<n> emails restored)` on stdout once listening on
 * 127.0.0.1; exits 1 with a message on stderr when it cannot start. Exits when its stdin
 * closes (the parent is gone, even after SIGKILL) or on SIGTERM/SIGINT.
 */
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { randomUUID } = require('node:crypto');

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

/** `Tags.member.N.Name` / `.Value` of a query-form body → `{ name: value }`. */
function tagsOf(body) {
  const tags = {};
  if (body === null || typeof body !== 'object') return tags;
  for (const key of Object.keys(body)) {
    const m = /^Tags\.member\.([1-9]\d*)\.Name$/.exec(key);
    const value = m ? body[`Tags.member.${m[1]}.Value`] : undefined;
    if (m && typeof body[key] === 'string' && typeof value === 'string') tags[body[key]] = value;
  }
  return tags;
}

/** The request being handled, across the handlers' awaits. */
const { AsyncLocalStorage } = require('node:async_hooks');
const sending = new AsyncLocalStorage();

/**
 * The app's configuration set names, once the engine has sent them (a line
 * `configuration-sets <json array>` on stdin); until then any name is taken.
 */
let configurationSets;
let stdinBuffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  stdinBuffer += chunk;
  for (let nl = stdinBuffer.indexOf('\n'); nl >= 0; nl = stdinBuffer.indexOf('\n')) {
    const line = stdinBuffer.slice(0, nl);
    stdinBuffer = stdinBuffer.slice(nl + 1);
    const m = /^configuration-sets (.*)$/.exec(line);
    if (!m) continue;
    try {
      const names = JSON.parse(m[1]);
      if (Array.isArray(names) && names.every((n) => typeof n === 'string'))
        configurationSets = new Set(names);
    } catch {
      process.stderr.write('ses-host: an unreadable configuration-sets line was ignored\n');
    }
  }
});

const xmlEscape = (text) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c],
  );

function wrapHandler(file, action) {
  const mod = require(path.join(packageDir, 'dist', 'v1', file));
  if (typeof mod.default !== 'function') fail(`aws-ses-v2-local changed: dist/v1/${file} has no handler`);
  const handler = mod.default;
  mod.default = (req, res, next) => {
    const body = req.body ?? {};
    const name = body.ConfigurationSetName;
    // As SES does: a send naming a configuration set the account does not have fails.
    if (typeof name === 'string' && configurationSets && !configurationSets.has(name)) {
      res
        .status(400)
        .type('text/xml')
        .send(
          '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>' +
            `<Code>ConfigurationSetDoesNotExist</Code><Message>Configuration set &lt;${xmlEscape(name)}&gt; does not exist.</Message>` +
            `</Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
        );
      return;
    }
    return sending.run({ action, body }, () => handler(req, res, next));
  };
}
wrapHandler('sendEmail.js', 'SendEmail');
wrapHandler('sendRawEmail.js', 'SendRawEmail');

/** Header lines of a MIME message's header block (unfolded), as SES lists them. */
function mimeHeaders(raw) {
  const end = raw.search(/\r?\n\r?\n/);
  const block = (end >= 0 ? raw.slice(0, end) : raw).replace(/\r?\n[ \t]+/g, ' ');
  const headers = [];
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return headers;
}

const keepEmail = store.saveEmail;
store.saveEmail = (email) => {
  const request = sending.getStore();
  const body = request?.body ?? {};
  let headers;
  let recipients;
  if (request?.action === 'SendEmail') {
    const to = members(body, 'Destination.ToAddresses.member.');
    const cc = members(body, 'Destination.CcAddresses.member.');
    const bcc = members(body, 'Destination.BccAddresses.member.');
    const replyTo = members(body, 'ReplyToAddresses.member.');
    email.destination = {
      to: to ?? email.destination.to,
      cc: cc ?? email.destination.cc,
      bcc: bcc ?? email.destination.bcc,
    };
    if (replyTo) email.replyTo = replyTo;
    headers = [
      { name: 'From', value: email.from },
      ...(email.destination.to.length ? [{ name: 'To', value: email.destination.to.join(', ') }] : []),
      ...(email.destination.cc.length ? [{ name: 'Cc', value: email.destination.cc.join(', ') }] : []),
      { name: 'Subject', value: email.subject },
    ];
  } else if (request?.action === 'SendRawEmail' && typeof body['RawMessage.Data'] === 'string') {
    const raw = Buffer.from(body['RawMessage.Data'], 'base64');
    email.rawBase64 = raw.toString('base64');
    headers = mimeHeaders(raw.toString('utf8'));
    const destinations = members(body, 'Destinations.member.');
    if (destinations?.length) {
      recipients = destinations;
      // The emulator keeps a raw message's To header as one text ("a@x, b@y"); SES delivers
      // to each address of the envelope, so the inbox lists those (Bashkë sends To only).
      email.destination = { to: destinations, cc: [], bcc: [] };
    }
  }
  if (request) {
    if (typeof body.ConfigurationSetName === 'string') email.configurationSetName = body.ConfigurationSetName;
    const tags = tagsOf(body);
    if (Object.keys(tags).length) email.tags = tags;
  }
  const nowMs = Date.now() + clockOffsetMs();
  email.at = Math.floor(nowMs / 1000);
  fs.appendFileSync(inboxFile, `${JSON.stringify(email)}\n`, { mode: 0o600 });
  keepEmail(email);
  if (request) {
    const sent = {
      messageId: email.messageId,
      timestamp: new Date(nowMs).toISOString(),
      action: request.action,
      source: typeof body.Source === 'string' && body.Source ? body.Source : email.from,
      destination: recipients ?? [...email.destination.to, ...email.destination.cc, ...email.destination.bcc],
      to: email.destination.to,
      cc: email.destination.cc,
      subject: email.subject,
      headers: headers ?? [],
      configurationSetName: email.configurationSetName,
      tags: email.tags ?? {},
    };
    process.stdout.write(`ses-host: sent ${JSON.stringify(sent)}\n`);
  }
};
const clearStore = store.clearStore;
store.clearStore = () => {
  writeAtomically(inboxFile, '');
  clearStore();
};

/** The bytes a `SendRawEmail` carried for `email`, as the sender gave them. */
function rawBytes(email) {
  if (typeof email.rawBase64 === 'string') return Buffer.from(email.rawBase64, 'base64');
  // A record kept before the bytes were: its text (UTF-8 decoded) is all there is.
  if (typeof email.raw === 'string') return Buffer.from(email.raw, 'utf8');
  return undefined;
}

/**
 * `GET|HEAD /raw?messageId=<id>`: the raw message of a `SendRawEmail`, byte for byte, as
 * `message/rfc822`. True when it answered the request.
 */
function serveRaw(req, res) {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== '/raw' || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const messageId = url.searchParams.get('messageId');
  const plain = (status, text) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
  if (!messageId) {
    plain(400, 'messageId is required\n');
    return true;
  }
  const email = store.getStoreReadonly().emails.find((e) => e.messageId === messageId);
  const bytes = email ? rawBytes(email) : undefined;
  if (!bytes) {
    plain(404, 'no raw message with this id\n');
    return true;
  }
  res.writeHead(200, {
    'Content-Type': 'message/rfc822',
    'Content-Length': bytes.length,
    'Content-Disposition': 'inline; filename="message.eml"',
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
  return true;
}

startServer({ host: '127.0.0.1', port })
  .then((server) => {
    // /raw goes ahead of the emulator's express app (whose auth check would answer 403).
    const app = server.listeners('request');
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      if (!serveRaw(req, res)) for (const listener of app) listener.call(server, req, res);
    });
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
