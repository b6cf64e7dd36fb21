import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../domain/codes';
import { DIRECTORY_FIELDS, type Organisation, type Region } from '../domain/directory';
import { keys, ORG_INDEX, ORGS_PARTITION } from './keys';
import type { OrgRecord } from './records';
import type { Page, PageArgs } from './store';
import { type Item, SingleTable, strip, type TransactItem } from './table';

/** Who changed the directory: a role and an organisation and the token's subject; or ops through the CLI. */
export interface DirectoryActor {
  readonly role: Role | 'ops';
  readonly orgId?: string;
  readonly sub: string;
}

export type DirectoryEventType = 'ORG_CREATED' | 'ORG_CHANGED' | 'ORG_DEACTIVATED' | 'ORG_REACTIVATED';

/**
 * One entry of an organisation's audit history: who, when, and the names of the fields that
 * changed (`contacts/2/away`), never their values (names, addresses are personal data).
 */
export interface DirectoryEvent {
  readonly orgId: string;
  readonly at: string;
  readonly type: DirectoryEventType;
  readonly actor: DirectoryActor;
  readonly fields: readonly string[];
  /** The organisation's version this change made. */
  readonly version: number;
}

/** An organisation as the directory routes see it: the entry, its live offer count and its version. */
export interface VersionedOrg extends OrgRecord {
  /** Grows by one with every change (absent on entries only ever seeded: 0). */
  readonly version: number;
}

const eventKey = (orgId: string, version: number) => ({
  pk: `ORG#${orgId}`,
  // Zero-padded: the history sorts by version, which every change moves up by one.
  sk: `AUDIT#${String(version).padStart(10, '0')}`,
});

/**
 * Administration of the directory on the single table: organisations written with their
 * audit event in one transaction, optimistic on the organisation's `version`. Apart from
 * `DynamoStore` (which seeds and reads the directory for the referral work) so the two change
 * without meeting. The audit events live in the organisation's partition (`AUDIT#<version>`).
 */
export class DirectoryStore extends SingleTable {
  async getOrganisation(orgId: string): Promise<VersionedOrg | undefined> {
    const org = await this.get<OrgRecord & { version?: number }>(keys.org(orgId));
    return org ? { ...org, version: org.version ?? 0 } : undefined;
  }

  /** One page of the whole directory, by organisation id. */
  async listOrganisationsPage(page: PageArgs): Promise<Page<VersionedOrg>> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: ORG_INDEX,
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': ORGS_PARTITION },
        Limit: page.limit,
        ...(page.start ? { ExclusiveStartKey: page.start } : {}),
      }),
    );
    const items = (out.Items ?? []).map((i) => {
      const org = strip<OrgRecord & { version?: number }>(i) as OrgRecord & { version?: number };
      return { ...org, version: org.version ?? 0 };
    });
    return out.LastEvaluatedKey ? { items, next: out.LastEvaluatedKey } : { items };
  }

  /** Every organisation, by id. */
  async listAllOrganisations(): Promise<VersionedOrg[]> {
    const all: VersionedOrg[] = [];
    let start: Item | undefined;
    do {
      const page = await this.listOrganisationsPage({ limit: 100, ...(start ? { start } : {}) });
      all.push(...page.items);
      start = page.next;
    } while (start);
    return all;
  }

  async listRegions(): Promise<Region[]> {
    // Regions are few and have no index of their own: they are named by the organisations.
    const ids = new Set((await this.listAllOrganisations()).flatMap((o) => o.regions));
    const regions: Region[] = [];
    for (const id of [...ids].sort()) {
      const r = await this.get<Region>(keys.region(id));
      if (r) regions.push(r);
    }
    return regions;
  }

  getRegion(regionId: string): Promise<Region | undefined> {
    return this.get<Region>(keys.region(regionId));
  }

  /** Writes the region as given (regions hold no live data). */
  async putRegion(region: Region): Promise<void> {
    await this.transact([
      { Put: { TableName: this.tableName, Item: { ...keys.region(region.regionId), ...region } } },
    ]);
  }

  /** A new organisation (version 1, no open offers) and its ORG_CREATED event; false when the id exists. */
  createOrganisation(org: Organisation, event: Omit<DirectoryEvent, 'version' | 'type'>): Promise<boolean> {
    return this.transact([
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.org(org.orgId),
            gsi1pk: ORGS_PARTITION,
            gsi1sk: org.orgId,
            ...org,
            openOffers: 0,
            version: 1,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      this.eventPut({ ...event, type: 'ORG_CREATED', version: 1 }),
    ]);
  }

  /**
   * Writes the organisation's directory fields (its offer count stays as it is) while it is at
   * `expectedVersion`, moves the version up by one and records the event, in one transaction;
   * false when the organisation is missing or another change came first.
   */
  replaceOrganisation(
    org: Organisation,
    expectedVersion: number,
    event: Omit<DirectoryEvent, 'version'>,
  ): Promise<boolean> {
    const set: string[] = ['#version = :next'];
    const remove: string[] = [];
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':next': expectedVersion + 1, ':expected': expectedVersion };
    for (const field of DIRECTORY_FIELDS) {
      names[`#${field}`] = field;
      const value = org[field];
      if (value === undefined) remove.push(`#${field}`);
      else {
        set.push(`#${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    const update: TransactItem = {
      Update: {
        TableName: this.tableName,
        Key: keys.org(org.orgId),
        UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ConditionExpression:
          expectedVersion === 0
            ? 'attribute_exists(pk) AND (attribute_not_exists(#version) OR #version = :expected)'
            : 'attribute_exists(pk) AND #version = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
    return this.transact([update, this.eventPut({ ...event, version: expectedVersion + 1 })]);
  }

  /** The organisation's audit history, oldest first. */
  listHistory(orgId: string): Promise<DirectoryEvent[]> {
    return this.queryAll<DirectoryEvent>(`ORG#${orgId}`, 'AUDIT#');
  }

  private eventPut(event: DirectoryEvent): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...eventKey(event.orgId, event.version), ...event },
        // A version is written once: a second writer of the same version lost the race.
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }
}
