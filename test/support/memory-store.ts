import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { actionLinkTtl, IDEMPOTENCY_TTL_SECONDS, keys, ORGS_PARTITION } from '../../shared/data/keys';
import type {
  ActionLinkRecord,
  CaseEvent,
  CaseRecord,
  IdempotencyRecord,
  OrgRecord,
  TaskRecord,
} from '../../shared/data/records';
import {
  type ArmOfferArgs,
  type ArmOfferResult,
  armRefusal,
  type CaseNotice,
  type CreateReferralArgs,
  type CreateReferralResult,
  type DecideTaskArgs,
  type OpenOfferArgs,
  type Store,
  type TaskRef,
} from '../../shared/data/store';
import type { Directory, Organisation, Region } from '../../shared/domain/directory';

/** A stored item as DynamoStore lays it out on the table: key attributes included. */
export type Item = Record<string, unknown>;

type Key = { readonly pk: string; readonly sk: string };

/** Cancellation reason codes, as DynamoDB reports them per transaction item. */
type ReasonCode = 'None' | 'ConditionalCheckFailed';

/**
 * One write of a transaction: a condition on the current item (undefined when absent) and
 * the item to leave behind (undefined deletes it).
 */
interface Write {
  readonly key: Key;
  readonly condition?: (current: Item | undefined) => boolean;
  readonly apply: (current: Item | undefined) => object | undefined;
}

/** The Store method names, for fault injection. */
export type StoreMethod = {
  [K in keyof Store]: Store[K] extends (...args: never[]) => unknown ? K : never;
}[keyof Store];

class Cancelled extends Error {
  constructor(readonly codes: readonly ReasonCode[]) {
    super('transaction cancelled');
  }
}

function id(key: Key): string {
  return `${key.pk}\u0000${key.sk}`;
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Sort keys compare as strings (byte order for the ASCII keys used here). */
function order(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A deep copy without undefined attributes, as DynamoStore writes (`removeUndefinedValues`). */
function stored(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(stored);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, stored(v)]),
    );
  }
  return value;
}

/** What DynamoStore's reads return: the item without its key and TTL attributes. */
function strip<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ttl: _ttl, ...rest } = item;
  return copy(rest) as T;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function without(item: Item, ...names: string[]): Item {
  const out = { ...item };
  for (const name of names) delete out[name];
  return out;
}

/** `ADD n :x` on a missing attribute starts from 0, as in DynamoDB. */
function added(item: Item | undefined, name: string, by: number): number {
  const current = item?.[name];
  return (typeof current === 'number' ? current : 0) + by;
}

/**
 * In-memory Store with DynamoStore's conditional semantics, item for item: the same keys
 * and attributes, the same conditions, all-or-nothing transactions with the same outcome
 * mapping. Everything is deep-copied in and out, so a test cannot change stored state
 * through an object it holds.
 */
export class MemoryStore implements Store {
  private readonly table = new Map<string, Item>();
  private readonly faults = new Map<StoreMethod, Error[]>();

  /** Every stored item (key attributes included), sorted by key: compare before and after to prove nothing was written. */
  items(): Item[] {
    return [...this.table.entries()].sort(([a], [b]) => order(a, b)).map(([, item]) => copy(item));
  }

  /** The next call of `method` rejects with `error` and writes nothing; later calls behave normally. */
  failNext(method: StoreMethod, error: Error): void {
    const queue = this.faults.get(method) ?? [];
    queue.push(error);
    this.faults.set(method, queue);
  }

  /** Seeds every region and organisation of a directory, as the seed step does. */
  async seedDirectory(directory: Directory): Promise<void> {
    for (const region of directory.regions) await this.seedRegion(region);
    for (const org of directory.organisations) await this.seedOrganisation(org);
  }

  private fault(method: StoreMethod): void {
    const error = this.faults.get(method)?.shift();
    if (error) throw error;
  }

  private read<T>(key: Key): T | undefined {
    return strip<T>(this.table.get(id(key)));
  }

  /**
   * Runs writes as one DynamoDB transaction: every condition is checked against the state
   * before any write, then every write lands, or none does.
   */
  private transact(writes: readonly Write[]): void {
    const ids = writes.map((w) => id(w.key));
    if (new Set(ids).size !== ids.length) {
      throw new Error('transaction request cannot include multiple operations on one item');
    }
    const codes: ReasonCode[] = writes.map((w) =>
      !w.condition || w.condition(this.table.get(id(w.key))) ? 'None' : 'ConditionalCheckFailed',
    );
    if (codes.includes('ConditionalCheckFailed')) throw new Cancelled(codes);
    const results = writes.map((w) => {
      const current = this.table.get(id(w.key));
      const next = w.apply(current === undefined ? undefined : copy(current));
      return next === undefined ? undefined : { ...(stored(next) as Item), pk: w.key.pk, sk: w.key.sk };
    });
    writes.forEach((w, i) => {
      const next = results[i];
      if (next === undefined) this.table.delete(id(w.key));
      else this.table.set(id(w.key), next);
    });
  }

  /** A transaction whose only expected failure is a condition: false then, as DynamoStore. */
  private attempt(writes: readonly Write[]): boolean {
    try {
      this.transact(writes);
      return true;
    } catch (error) {
      if (error instanceof Cancelled) return false;
      throw error;
    }
  }

  private putNew(key: Key, item: Item): boolean {
    return this.attempt([{ key, condition: (c) => c === undefined, apply: () => item }]);
  }

  async getRegion(regionId: string): Promise<Region | undefined> {
    this.fault('getRegion');
    return this.read<Region>(keys.region(regionId));
  }

  async getOrganisation(orgId: string): Promise<OrgRecord | undefined> {
    this.fault('getOrganisation');
    return this.read<OrgRecord>(keys.org(orgId));
  }

  async listOrganisations(): Promise<OrgRecord[]> {
    this.fault('listOrganisations');
    return [...this.table.values()]
      .filter((item) => item.gsi1pk === ORGS_PARTITION)
      .sort((a, b) => order(String(a.gsi1sk), String(b.gsi1sk)))
      .map((item) => strip<OrgRecord>(item) as OrgRecord);
  }

  async seedRegion(region: Region): Promise<boolean> {
    this.fault('seedRegion');
    const key = keys.region(region.regionId);
    return this.putNew(key, { ...key, ...copy(region) });
  }

  async seedOrganisation(org: Organisation): Promise<boolean> {
    this.fault('seedOrganisation');
    const key = keys.org(org.orgId);
    return this.putNew(key, {
      ...key,
      gsi1pk: ORGS_PARTITION,
      gsi1sk: org.orgId,
      ...copy(org),
      openOffers: 0,
    });
  }

  async nextCounter(key: string): Promise<number> {
    this.fault('nextCounter');
    const k = keys.counter(key);
    let value = 0;
    this.transact([
      {
        key: k,
        apply: (c) => {
          value = added(c, 'value', 1);
          return { ...c, value };
        },
      },
    ]);
    return value;
  }

  async getIdempotency(scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    this.fault('getIdempotency');
    return this.read<IdempotencyRecord>(keys.idempotency(scope, key));
  }

  async createReferral(args: CreateReferralArgs): Promise<CreateReferralResult> {
    this.fault('createReferral');
    const { caseItem, event, idempotency } = args;
    const ttl = Math.floor(Date.parse(idempotency.createdAt) / 1000) + IDEMPOTENCY_TTL_SECONDS;
    try {
      this.transact([
        {
          key: keys.idempotency(idempotency.scope, idempotency.key),
          condition: (c) => c === undefined,
          apply: () => ({ ...copy(idempotency), ttl }),
        },
        { key: keys.case(caseItem.caseId), condition: (c) => c === undefined, apply: () => copy(caseItem) },
        { key: keys.event(event.caseId, event.at, event.type, event.taskId), apply: () => copy(event) },
      ]);
      return 'created';
    } catch (error) {
      // As DynamoStore: the idempotency record refused means a replay; a failed case put alone surfaces.
      if (error instanceof Cancelled && error.codes[0] === 'ConditionalCheckFailed')
        return 'idempotency-exists';
      throw error;
    }
  }

  async getCase(caseId: string): Promise<CaseRecord | undefined> {
    this.fault('getCase');
    return this.read<CaseRecord>(keys.case(caseId));
  }

  async listEvents(caseId: string): Promise<CaseEvent[]> {
    this.fault('listEvents');
    const pk = keys.case(caseId).pk;
    return [...this.table.values()]
      .filter((item) => item.pk === pk && String(item.sk).startsWith('EVENT#'))
      .sort((a, b) => order(String(a.sk), String(b.sk)))
      .map((item) => strip<CaseEvent>(item) as CaseEvent);
  }

  async openOffer(args: OpenOfferArgs): Promise<boolean> {
    this.fault('openOffer');
    const { task, now, afterTaskId } = args;
    return this.attempt([
      {
        key: keys.case(args.caseId),
        condition: (c) =>
          c?.version === args.expectedVersion &&
          (afterTaskId === undefined
            ? c.currentOfferTaskId === undefined
            : c.currentOfferTaskId === afterTaskId),
        apply: (c) => {
          const offered = c?.offeredOrgIds;
          if (!Array.isArray(offered)) {
            throw new Error('the provided expression refers to an attribute that does not exist in the item');
          }
          return {
            ...c,
            status: 'OFFERED',
            offeredOrgId: task.orgId,
            currentOfferTaskId: task.taskId,
            offeredOrgIds: [...offered, task.orgId],
            version: args.expectedVersion + 1,
            updatedAt: now,
          };
        },
      },
      { key: keys.task(task.taskId), condition: (c) => c === undefined, apply: () => copy(task) },
      {
        key: keys.org(task.orgId),
        condition: (c) => c !== undefined,
        apply: (c) => ({ ...c, openOffers: added(c, 'openOffers', 1) }),
      },
      {
        key: keys.event(args.caseId, now, 'OFFERED', task.taskId),
        apply: () => ({
          caseId: args.caseId,
          at: now,
          type: 'OFFERED',
          actor: 'system',
          orgId: task.orgId,
          taskId: task.taskId,
        }),
      },
    ]);
  }

  async getTask(taskId: string): Promise<TaskRecord | undefined> {
    this.fault('getTask');
    return this.read<TaskRecord>(keys.task(taskId));
  }

  async armOffer(args: ArmOfferArgs): Promise<ArmOfferResult> {
    this.fault('armOffer');
    const { link } = args;
    const taskKey = keys.task(args.taskId);
    try {
      this.transact([
        {
          key: taskKey,
          condition: (c) =>
            c?.status === 'OPEN' &&
            c.caseId === args.caseId &&
            c.emailedAt === undefined &&
            c.actionHash !== link.hash,
          apply: (c) => ({
            ...c,
            sfnTaskToken: args.sfnTaskToken,
            actionHash: link.hash,
            deadline: link.expiresAt,
          }),
        },
        {
          key: keys.action(link.hash),
          condition: (c) => c === undefined,
          apply: () => ({ ...copy(link), ttl: actionLinkTtl(link.expiresAt) }),
        },
      ]);
      return { kind: 'armed' };
    } catch (error) {
      if (!(error instanceof Cancelled) || error.codes[0] !== 'ConditionalCheckFailed') throw error;
      // DynamoStore gets the refused task back with the cancellation (ALL_OLD).
      const old = this.table.get(id(taskKey));
      return armRefusal(
        old && {
          status: str(old.status),
          caseId: str(old.caseId),
          actionHash: str(old.actionHash),
          deadline: str(old.deadline),
          emailedAt: str(old.emailedAt),
        },
        args,
      );
    }
  }

  async rearmOffer(taskId: string, sfnTaskToken: string): Promise<boolean> {
    this.fault('rearmOffer');
    return this.attempt([
      {
        key: keys.task(taskId),
        condition: (c) => c?.status === 'OPEN',
        apply: (c) => ({ ...c, sfnTaskToken }),
      },
    ]);
  }

  async markEmailed(taskId: string, at: string): Promise<void> {
    this.fault('markEmailed');
    this.setOnTask(taskId, { emailedAt: at });
  }

  async markNotified(taskId: string, at: string): Promise<void> {
    this.fault('markNotified');
    this.setOnTask(taskId, { notifiedAt: at });
  }

  async getNotice(caseId: string, notice: CaseNotice): Promise<string | undefined> {
    this.fault('getNotice');
    return this.read<{ sentAt: string }>(keys.notice(caseId, notice))?.sentAt;
  }

  async markNoticeSent(caseId: string, notice: CaseNotice, at: string): Promise<void> {
    this.fault('markNoticeSent');
    const key = keys.notice(caseId, notice);
    this.putNew(key, { ...key, caseId, notice, sentAt: at });
  }

  /** A single conditional update on an existing task. */
  private setOnTask(taskId: string, fields: Item): void {
    try {
      this.transact([
        {
          key: keys.task(taskId),
          condition: (c) => c !== undefined,
          apply: (c) => ({ ...c, ...fields }),
        },
      ]);
    } catch (error) {
      // A single conditional update fails with this exception, not with a cancellation.
      if (error instanceof Cancelled) {
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
        });
      }
      throw error;
    }
  }

  async getActionLink(hash: string): Promise<ActionLinkRecord | undefined> {
    this.fault('getActionLink');
    return this.read<ActionLinkRecord>(keys.action(hash));
  }

  async decideTask(args: DecideTaskArgs): Promise<boolean> {
    this.fault('decideTask');
    const { task, now } = args;
    const type = args.decision === 'accept' ? 'OFFER_ACCEPTED' : 'OFFER_DECLINED';
    return this.attempt([
      {
        key: keys.action(args.hash),
        condition: (c) =>
          c !== undefined &&
          c.usedAt === undefined &&
          typeof c.expiresAt === 'string' &&
          c.expiresAt > now &&
          c.taskId === task.taskId,
        apply: (c) => ({ ...c, usedAt: now }),
      },
      {
        key: keys.task(task.taskId),
        condition: (c) => c?.status === 'OPEN',
        apply: (c) => ({
          ...c,
          status: 'DECIDED',
          decision: args.decision,
          decidedAt: now,
          ...(args.declineReason === undefined ? {} : { declineReason: args.declineReason }),
        }),
      },
      {
        key: keys.org(task.orgId),
        condition: (c) => typeof c?.openOffers === 'number' && c.openOffers > 0,
        apply: (c) => ({ ...c, openOffers: added(c, 'openOffers', -1) }),
      },
      {
        key: keys.event(task.caseId, now, type, task.taskId),
        apply: () => ({
          caseId: task.caseId,
          at: now,
          type,
          actor: 'action-link',
          orgId: task.orgId,
          taskId: task.taskId,
        }),
      },
    ]);
  }

  async lapseTask(task: TaskRef, now: string): Promise<boolean> {
    this.fault('lapseTask');
    return this.attempt([
      {
        key: keys.task(task.taskId),
        condition: (c) => c?.status === 'OPEN',
        apply: (c) => ({ ...c, status: 'TIMED_OUT', decidedAt: now }),
      },
      {
        key: keys.org(task.orgId),
        condition: (c) => typeof c?.openOffers === 'number' && c.openOffers > 0,
        apply: (c) => ({ ...c, openOffers: added(c, 'openOffers', -1) }),
      },
      {
        key: keys.event(task.caseId, now, 'OFFER_TIMED_OUT', task.taskId),
        apply: () => ({
          caseId: task.caseId,
          at: now,
          type: 'OFFER_TIMED_OUT',
          actor: 'system',
          orgId: task.orgId,
          taskId: task.taskId,
        }),
      },
    ]);
  }

  async acceptCase(args: { caseId: string; task: TaskRef; now: string }): Promise<boolean> {
    this.fault('acceptCase');
    const { task, now } = args;
    return this.attempt([
      {
        key: keys.case(args.caseId),
        condition: (c) => c?.status === 'OFFERED' && c.currentOfferTaskId === task.taskId,
        apply: (c) => ({
          ...without(c ?? {}, 'offeredOrgId'),
          status: 'ACCEPTED',
          acceptedOrgId: task.orgId,
          version: added(c, 'version', 1),
          updatedAt: now,
        }),
      },
      {
        key: keys.event(args.caseId, now, 'ACCEPTED', task.taskId),
        apply: () => ({
          caseId: args.caseId,
          at: now,
          type: 'ACCEPTED',
          actor: 'system',
          orgId: task.orgId,
          taskId: task.taskId,
        }),
      },
    ]);
  }

  async markUnassigned(args: { caseId: string; now: string }): Promise<boolean> {
    this.fault('markUnassigned');
    const { now } = args;
    return this.attempt([
      {
        key: keys.case(args.caseId),
        condition: (c) => c !== undefined && (c.status === 'REFERRED' || c.status === 'OFFERED'),
        apply: (c) => ({
          ...without(c ?? {}, 'offeredOrgId'),
          status: 'UNASSIGNED',
          version: added(c, 'version', 1),
          updatedAt: now,
        }),
      },
      {
        key: keys.event(args.caseId, now, 'UNASSIGNED'),
        apply: () => ({ caseId: args.caseId, at: now, type: 'UNASSIGNED', actor: 'system' }),
      },
    ]);
  }

  async appendEvent(event: CaseEvent): Promise<void> {
    this.fault('appendEvent');
    this.transact([
      { key: keys.event(event.caseId, event.at, event.type, event.taskId), apply: () => copy(event) },
    ]);
  }
}
