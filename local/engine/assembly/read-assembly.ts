/**
 * Reads a synthesized cloud assembly (cdk.out) into what the embedded runtime runs
 * (local/engine/model.ts): functions, tables, state machines, HTTP APIs, schedules and outputs,
 * every intrinsic resolved to a local value. Nothing here knows the project's stacks: it
 * runs whatever the templates hold, and fails with a clear error on what it cannot run.
 *
 * Local values (resource-values.ts): physical names are `<stackName>-<logicalId>`, the
 * account is `000000000000`, the region is the stacks' own. An HTTP API's `ApiEndpoint` is
 * `endpoints.gatewayUrl`; a Cognito user pool's `ProviderURL` is `endpoints.issuer`, and so
 * is a JWT authorizer's issuer when it names a user pool of the app: the issuer CDK writes
 * (`https://cognito-idp.<region>.amazonaws.com/<userPoolId>`, an `Fn::Join`) is replaced by
 * `endpoints.issuer`, the issuer the local token minter signs with. Any other issuer fails.
 *
 * A Cognito user-pool domain's `Ref` is its domain (for a prefix domain, the prefix). Its
 * managed login lives at `https://<prefix>.auth.<region>.amazoncognito.com` (what CDK's
 * `UserPoolDomain.baseUrl()` joins; `https://<domain>` for a custom domain): a function's
 * environment value that is that URL, or a path under it, gets `endpoints.signIn` in its
 * place, the local server of the OAuth endpoints (auth/oauth-server.ts). Without
 * `endpoints.signIn` such a value is an AssemblyError: it would send a browser to AWS. The
 * user-pool clients are read with their OAuth settings resolved (`userPoolClients`), so the
 * local sign-in server knows which clients, callback and logout URLs to accept.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { compileEventPattern, EventPatternError } from '../events/event-pattern';
import type {
  LocalApp,
  LocalConfigurationSet,
  LocalEndpoints,
  LocalEventBus,
  LocalEventRule,
  LocalFunction,
  LocalHttpApi,
  LocalRoute,
  LocalRuleTarget,
  LocalSchedule,
  LocalStateMachine,
  LocalTable,
  LocalUserPoolClient,
} from '../model';
import {
  AssemblyError,
  asString,
  at,
  evaluateCondition,
  type IntrinsicScope,
  type Json,
  resolveIntrinsics,
  resolveOptionalString,
  resolveString,
  type Where,
} from './intrinsics';
import {
  cognitoIssuer,
  localAttribute,
  localName,
  localRef,
  localShortId,
  localUserPoolId,
  managedLoginUrls,
  type ResourceContext,
} from './resource-values';
import { parseScheduleExpression, ScheduleExpressionError } from './schedule-expression';

export const LOCAL_ACCOUNT_ID = '000000000000';

export interface ReadAssemblyOptions {
  /** @default '000000000000' */
  readonly accountId?: string;
  /** Region for environment-agnostic stacks (`aws://unknown-account/unknown-region`). */
  readonly region?: string;
  /**
   * Reads only the stacks of these names (e.g. a stateful stack whose tables a test needs,
   * from an assembly synthesized without bundling); a reference into a stack left out fails
   * as an unknown stack would. An unknown name is an AssemblyError. @default every stack
   */
  readonly stacks?: readonly string[];
}

/** A resource the local runtime leaves out, and why. */
export interface SkippedResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly reason: string;
}

/** The local app plus what was left out (diagnostics for the start-up banner). */
export interface LocalAssembly extends LocalApp {
  readonly skipped: readonly SkippedResource[];
}

// --- cdk.out file shapes -----------------------------------------------------------------

const ManifestSchema = z.looseObject({
  artifacts: z
    .record(
      z.string(),
      z.looseObject({
        type: z.string(),
        environment: z.string().optional(),
        properties: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .default({}),
});

const StackPropertiesSchema = z.looseObject({ templateFile: z.string(), stackName: z.string().optional() });
const NestedAssemblyPropertiesSchema = z.looseObject({ directoryName: z.string() });

const ResourceSchema = z.looseObject({
  Type: z.string(),
  Properties: z.record(z.string(), z.unknown()).optional(),
  Metadata: z.record(z.string(), z.unknown()).optional(),
  Condition: z.string().optional(),
});
type Resource = z.infer<typeof ResourceSchema>;

const OutputSchema = z.looseObject({
  Value: z.unknown(),
  Export: z.looseObject({ Name: z.unknown() }).optional(),
  Condition: z.string().optional(),
});

const TemplateSchema = z.looseObject({
  Resources: z.record(z.string(), ResourceSchema).default({}),
  Outputs: z.record(z.string(), OutputSchema).default({}),
  Parameters: z
    .record(z.string(), z.looseObject({ Type: z.string(), Default: z.unknown().optional() }))
    .default({}),
  Conditions: z.record(z.string(), z.unknown()).default({}),
  Mappings: z.record(z.string(), z.unknown()).default({}),
});
type Template = z.infer<typeof TemplateSchema>;

function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: Where | undefined,
  what: string,
): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new AssemblyError(where, `${what} is not as expected:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AssemblyError(undefined, `cannot read ${file}: ${(error as Error).message}`);
  }
}

// --- stacks ------------------------------------------------------------------------------

interface StackArtifact {
  readonly artifactId: string;
  readonly stackName: string;
  readonly assemblyDir: string;
  readonly environment: string | undefined;
  readonly templateFile: string;
}

const AssetManifestPropertiesSchema = z.looseObject({ file: z.string() });
const AssetManifestSchema = z.looseObject({
  files: z
    .record(
      z.string(),
      z.looseObject({
        source: z.looseObject({ path: z.string().optional(), packaging: z.string().optional() }),
        destinations: z.record(z.string(), z.looseObject({ objectKey: z.string().optional() })).default({}),
      }),
    )
    .default({}),
});

interface AssemblyContents {
  readonly stacks: StackArtifact[];
  /** S3 object key of a file asset → its folder in the assembly (zip-packaged folders only). */
  readonly assetFolders: Map<string, string>;
}

/** Every stack artifact of the assembly, nested assemblies (Stages) included, in manifest order. */
function listStacks(
  assemblyDir: string,
  contents: AssemblyContents = { stacks: [], assetFolders: new Map() },
) {
  const manifestFile = path.join(assemblyDir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new AssemblyError(undefined, `${manifestFile} not found: synthesize the app first (npx cdk synth)`);
  }
  const manifest = parseWith(ManifestSchema, readJson(manifestFile), undefined, manifestFile);
  for (const [artifactId, artifact] of Object.entries(manifest.artifacts)) {
    const what = `${manifestFile} ${artifactId}`;
    if (artifact.type === 'aws:cloudformation:stack') {
      const props = parseWith(StackPropertiesSchema, artifact.properties, undefined, what);
      contents.stacks.push({
        artifactId,
        stackName: props.stackName ?? artifactId,
        assemblyDir,
        environment: artifact.environment,
        templateFile: path.join(assemblyDir, props.templateFile),
      });
    } else if (artifact.type === 'cdk:asset-manifest') {
      const props = parseWith(AssetManifestPropertiesSchema, artifact.properties, undefined, what);
      const file = path.join(assemblyDir, props.file);
      const assets = parseWith(AssetManifestSchema, readJson(file), undefined, file);
      for (const asset of Object.values(assets.files)) {
        if (asset.source.packaging !== 'zip' || asset.source.path === undefined) continue;
        for (const destination of Object.values(asset.destinations)) {
          if (destination.objectKey) {
            contents.assetFolders.set(destination.objectKey, path.resolve(assemblyDir, asset.source.path));
          }
        }
      }
    } else if (artifact.type === 'cdk:cloud-assembly') {
      const props = parseWith(NestedAssemblyPropertiesSchema, artifact.properties, undefined, what);
      listStacks(path.join(assemblyDir, props.directoryName), contents);
    }
  }
  return contents;
}

const UNKNOWN_REGION = 'unknown-region';

function stackRegion(artifact: StackArtifact, fallback: string | undefined): string {
  const match = /^aws:\/\/[^/]+\/(.+)$/.exec(artifact.environment ?? '');
  const region = match?.[1];
  if (region && region !== UNKNOWN_REGION) return region;
  if (fallback) return fallback;
  throw new AssemblyError(
    { stackName: artifact.stackName, path: '' },
    'the stack has no region (environment-agnostic): give it an env region or pass opts.region',
  );
}

class StackModel {
  readonly template: Template;
  readonly scope: IntrinsicScope;
  private readonly conditions = new Map<string, boolean>();
  private readonly evaluating = new Set<string>();

  constructor(
    readonly artifact: StackArtifact,
    readonly region: string,
    readonly assembly: AssemblyModel,
  ) {
    this.template = parseWith(
      TemplateSchema,
      readJson(artifact.templateFile),
      { stackName: artifact.stackName, path: '' },
      artifact.templateFile,
    );
    this.scope = {
      stackName: artifact.stackName,
      region,
      accountId: assembly.accountId,
      mappings: this.template.Mappings,
      ref: (logicalId, where) => this.ref(logicalId, where),
      getAtt: (logicalId, attribute, where) =>
        localAttribute(this.resourceContext(logicalId, where), attribute, where),
      importValue: (exportName, where) => assembly.importValue(exportName, where),
      getStackOutput: (stackName, outputName, region, where) =>
        assembly.stackOutput(stackName, outputName, region, where),
      condition: (name, where) => this.condition(name, where),
    };
  }

  get stackName(): string {
    return this.artifact.stackName;
  }

  where(logicalId: string | undefined, path: string): Where {
    return { stackName: this.stackName, ...(logicalId ? { logicalId } : {}), path };
  }

  /** Resources present in this deployment (a false `Condition` removes a resource). */
  *resources(type?: string): Generator<[string, Resource]> {
    for (const [logicalId, resource] of Object.entries(this.template.Resources)) {
      if (type !== undefined && resource.Type !== type) continue;
      if (resource.Condition && !this.condition(resource.Condition, this.where(logicalId, 'Condition')))
        continue;
      yield [logicalId, resource];
    }
  }

  resource(logicalId: string, site: Where): Resource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new AssemblyError(site, `no resource ${logicalId} in stack ${this.stackName}`);
    if (resource.Condition && !this.condition(resource.Condition, site)) {
      throw new AssemblyError(
        site,
        `${logicalId} is not created: its condition ${resource.Condition} is false`,
      );
    }
    return resource;
  }

  resourceContext(logicalId: string, site: Where): ResourceContext {
    const resource = this.resource(logicalId, site);
    return {
      stackName: this.stackName,
      logicalId,
      type: resource.Type,
      region: this.region,
      accountId: this.assembly.accountId,
      endpoints: this.assembly.endpoints,
      property: (name) =>
        resolveIntrinsics(
          resource.Properties?.[name],
          this.scope,
          this.where(logicalId, `Properties.${name}`),
        ),
    };
  }

  private ref(logicalId: string, site: Where): Json {
    if (this.template.Resources[logicalId]) return localRef(this.resourceContext(logicalId, site), site);
    const parameter = this.template.Parameters[logicalId];
    if (!parameter) throw new AssemblyError(site, `Ref to ${logicalId}: no such resource or parameter`);
    if (parameter.Type.startsWith('AWS::SSM::Parameter::')) {
      throw new AssemblyError(site, `Ref to the SSM-backed parameter ${logicalId} is not supported locally`);
    }
    if (parameter.Default === undefined) {
      throw new AssemblyError(site, `Ref to the parameter ${logicalId}, which has no Default`);
    }
    const value = asString(parameter.Default as Json, site);
    return parameter.Type.startsWith('List<') || parameter.Type === 'CommaDelimitedList'
      ? value.split(',')
      : value;
  }

  private condition(name: string, site: Where): boolean {
    const known = this.conditions.get(name);
    if (known !== undefined) return known;
    if (!(name in this.template.Conditions)) throw new AssemblyError(site, `no condition ${name}`);
    if (this.evaluating.has(name)) throw new AssemblyError(site, `condition ${name} refers to itself`);
    this.evaluating.add(name);
    try {
      const value = evaluateCondition(
        this.template.Conditions[name],
        this.scope,
        this.where(name, 'Conditions'),
      );
      this.conditions.set(name, value);
      return value;
    } finally {
      this.evaluating.delete(name);
    }
  }

  /** Resolves a property of a resource. */
  property(logicalId: string, resource: Resource, name: string): Json | undefined {
    return resolveIntrinsics(
      resource.Properties?.[name],
      this.scope,
      this.where(logicalId, `Properties.${name}`),
    );
  }
}

class AssemblyModel {
  readonly stacks: StackModel[] = [];
  private exportIndex: Map<string, { stack: StackModel; outputKey: string }> | undefined;
  private readonly outputValues = new Map<string, string>();
  private readonly resolvingOutputs = new Set<string>();

  constructor(
    readonly endpoints: LocalEndpoints,
    readonly accountId: string,
    readonly assetFolders: ReadonlyMap<string, string>,
  ) {}

  stackByName(stackName: string): StackModel | undefined {
    return this.stacks.find((stack) => stack.stackName === stackName);
  }

  /** The value of one output of one stack, resolved in that stack. */
  outputValue(stack: StackModel, outputKey: string, site: Where): string {
    const key = `${stack.stackName}\u0000${outputKey}`;
    const known = this.outputValues.get(key);
    if (known !== undefined) return known;
    const output = stack.template.Outputs[outputKey];
    if (!output) throw new AssemblyError(site, `stack ${stack.stackName} has no output ${outputKey}`);
    if (this.resolvingOutputs.has(key)) {
      throw new AssemblyError(site, `output ${stack.stackName}.${outputKey} depends on itself`);
    }
    this.resolvingOutputs.add(key);
    try {
      const value = resolveString(output.Value, stack.scope, stack.where(outputKey, 'Outputs.Value'));
      this.outputValues.set(key, value);
      return value;
    } finally {
      this.resolvingOutputs.delete(key);
    }
  }

  importValue(exportName: string, site: Where): string {
    const found = this.exports().get(exportName);
    if (!found) throw new AssemblyError(site, `Fn::ImportValue: no stack exports "${exportName}"`);
    return this.outputValue(found.stack, found.outputKey, site);
  }

  stackOutput(stackName: string, outputName: string, region: string | undefined, site: Where): string {
    const stack = this.stackByName(stackName);
    if (!stack)
      throw new AssemblyError(site, `Fn::GetStackOutput: no stack named ${stackName} in the assembly`);
    if (region !== undefined && region !== stack.region) {
      throw new AssemblyError(
        site,
        `Fn::GetStackOutput: stack ${stackName} is in ${stack.region}, not ${region}`,
      );
    }
    return this.outputValue(stack, outputName, site);
  }

  private exports(): Map<string, { stack: StackModel; outputKey: string }> {
    if (this.exportIndex) return this.exportIndex;
    const index = new Map<string, { stack: StackModel; outputKey: string }>();
    for (const stack of this.stacks) {
      for (const [outputKey, output] of Object.entries(stack.template.Outputs)) {
        if (!output.Export) continue;
        const where = stack.where(outputKey, 'Outputs.Export.Name');
        const name = resolveString(output.Export.Name, stack.scope, where);
        const taken = index.get(name);
        if (taken) {
          throw new AssemblyError(
            where,
            `export "${name}" is also exported by ${taken.stack.stackName}.${taken.outputKey}`,
          );
        }
        index.set(name, { stack, outputKey });
      }
    }
    this.exportIndex = index;
    return index;
  }
}

// --- the reader --------------------------------------------------------------------------

/**
 * Reads `cdkOutDir` (a synthesized cloud assembly) into the local app. Throws an
 * AssemblyError naming the stack, logical id and path of anything it cannot run.
 */
export function readAssembly(
  cdkOutDir: string,
  endpoints: LocalEndpoints,
  opts: ReadAssemblyOptions = {},
): LocalAssembly {
  const assemblyDir = path.resolve(cdkOutDir);
  const listed = listStacks(assemblyDir);
  const { assetFolders } = listed;
  const wanted = opts.stacks;
  const artifacts =
    wanted === undefined ? listed.stacks : listed.stacks.filter((s) => wanted.includes(s.stackName));
  for (const name of wanted ?? []) {
    if (!artifacts.some((s) => s.stackName === name))
      throw new AssemblyError(undefined, `${assemblyDir} holds no stack ${name}`);
  }
  const model = new AssemblyModel(endpoints, opts.accountId ?? LOCAL_ACCOUNT_ID, assetFolders);
  if (artifacts.length === 0)
    throw new AssemblyError(undefined, `${assemblyDir} holds no CloudFormation stack`);
  for (const artifact of artifacts) {
    model.stacks.push(new StackModel(artifact, stackRegion(artifact, opts.region), model));
  }
  const regions = [...new Set(model.stacks.map((stack) => stack.region))];
  if (regions.length !== 1) {
    throw new AssemblyError(
      undefined,
      `the stacks span several regions (${regions.join(', ')}); locally there is one`,
    );
  }
  for (const stack of model.stacks) {
    for (const [logicalId, resource] of stack.resources('AWS::CloudFormation::Stack')) {
      throw new AssemblyError(
        stack.where(logicalId, ''),
        `nested stacks (${resource.Type}) are not supported by the local runtime`,
      );
    }
  }

  const skipped: SkippedResource[] = [];
  const skip = (stack: StackModel, logicalId: string, type: string, reason: string) =>
    skipped.push({ stackName: stack.stackName, logicalId, type, reason });

  const managedLogin = managedLoginLocalizer(model);
  const functions = model.stacks.flatMap((stack) => readFunctions(stack, skip, managedLogin));
  const userPoolClients = model.stacks.flatMap((stack) => readUserPoolClients(stack));
  const tables = model.stacks.flatMap((stack) => readTables(stack));
  const stateMachines = model.stacks.flatMap((stack) => readStateMachines(stack));
  const httpApis = readHttpApis(model, skip);
  const schedules = model.stacks.flatMap((stack) => readSchedules(stack, skip));
  const eventBuses = model.stacks.flatMap((stack) => readEventBuses(stack));
  const eventRules = model.stacks.flatMap((stack) => readEventRules(stack, eventBuses, skip));
  const configurationSets = model.stacks.flatMap((stack) => readConfigurationSets(stack, eventBuses, skip));
  const outputs: Record<string, Record<string, string>> = {};
  for (const stack of model.stacks) {
    const values: Record<string, string> = {};
    for (const [key, output] of Object.entries(stack.template.Outputs)) {
      if (output.Condition && !stack.scope.condition(output.Condition, stack.where(key, 'Outputs.Condition')))
        continue;
      values[key] = model.outputValue(stack, key, stack.where(key, 'Outputs'));
    }
    outputs[stack.stackName] = values;
  }

  return {
    region: regions[0] as string,
    accountId: model.accountId,
    functions,
    tables,
    stateMachines,
    httpApis,
    schedules,
    eventBuses,
    eventRules,
    configurationSets,
    userPoolClients,
    outputs,
    skipped,
  };
}

type Skip = (stack: StackModel, logicalId: string, type: string, reason: string) => void;

// --- functions ---------------------------------------------------------------------------

/** Construct paths of the functions CDK adds for itself. */
const CDK_HELPER_PATH =
  /(^|\/)(LogRetention[0-9a-f]{32}|AWS679f53fac002430cb0da5b7982bd2287|BucketNotificationsHandler[0-9a-f]{32}|Custom::[^/]+|framework-on[A-Za-z]+|framework-is[A-Za-z]+)(\/|$)/;

/** Functions that serve custom resources (their `ServiceToken`): deploy-time helpers. */
function customResourceProviders(stack: StackModel): Set<string> {
  const providers = new Set<string>();
  for (const [, resource] of stack.resources()) {
    if (!resource.Type.startsWith('Custom::') && resource.Type !== 'AWS::CloudFormation::CustomResource')
      continue;
    const token = resource.Properties?.ServiceToken as { 'Fn::GetAtt'?: unknown } | undefined;
    const target = Array.isArray(token?.['Fn::GetAtt']) ? token['Fn::GetAtt'][0] : undefined;
    if (typeof target === 'string') providers.add(target);
  }
  return providers;
}

/** Lambda's own order when a handler module exists with several extensions. */
const HANDLER_EXTENSIONS = ['.js', '.mjs', '.cjs'];

function readFunctions(stack: StackModel, skip: Skip, managedLogin: Localizer): LocalFunction[] {
  const type = 'AWS::Lambda::Function';
  const providers = customResourceProviders(stack);
  const functions: LocalFunction[] = [];
  for (const [logicalId, resource] of stack.resources(type)) {
    const props = resource.Properties ?? {};
    const cdkPath = resource.Metadata?.['aws:cdk:path'];
    if (providers.has(logicalId) || (typeof cdkPath === 'string' && CDK_HELPER_PATH.test(cdkPath))) {
      skip(stack, logicalId, type, 'CDK deploy-time helper (custom resource provider, log retention)');
      continue;
    }
    if (props.PackageType === 'Image') {
      skip(stack, logicalId, type, 'container image functions are not run locally');
      continue;
    }
    const code = props.Code as Record<string, unknown> | undefined;
    if (code?.ZipFile !== undefined) {
      skip(stack, logicalId, type, 'inline code (Code.ZipFile) is not run locally');
      continue;
    }
    const runtime = resolveString(props.Runtime, stack.scope, stack.where(logicalId, 'Properties.Runtime'));
    if (!runtime.startsWith('nodejs')) {
      skip(stack, logicalId, type, `runtime ${runtime} is not run locally (Node.js only)`);
      continue;
    }
    const where = stack.where(logicalId, 'Properties.Code');
    const assetDir = codeAssetFolder(stack, logicalId, resource);
    if (!assetDir) {
      skip(stack, logicalId, type, 'its code is not an asset in the cloud assembly');
      continue;
    }
    if (!fs.existsSync(assetDir) || !fs.statSync(assetDir).isDirectory()) {
      throw new AssemblyError(where, `the code asset ${assetDir} is not a folder in the assembly`);
    }
    const handlerWhere = stack.where(logicalId, 'Properties.Handler');
    const handler = resolveString(props.Handler, stack.scope, handlerWhere);
    const dot = handler.lastIndexOf('.');
    if (dot <= 0 || dot === handler.length - 1) {
      throw new AssemblyError(handlerWhere, `handler "${handler}" is not "<module>.<export>"`);
    }
    const moduleName = handler.slice(0, dot);
    const handlerFile = HANDLER_EXTENSIONS.map((ext) => `${moduleName}${ext}`).find((file) =>
      fs.existsSync(path.join(assetDir, file)),
    );
    if (!handlerFile) {
      throw new AssemblyError(
        handlerWhere,
        `no ${moduleName}.js, .mjs or .cjs in the asset ${assetDir} (was the app synthesized with bundling?)`,
      );
    }

    const variables = resolveIntrinsics(
      (props.Environment as Record<string, unknown> | undefined)?.Variables,
      stack.scope,
      stack.where(logicalId, 'Properties.Environment.Variables'),
    );
    const environment: Record<string, string> = {};
    if (variables !== undefined) {
      if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
        throw new AssemblyError(stack.where(logicalId, 'Properties.Environment.Variables'), 'expected a map');
      }
      for (const [key, value] of Object.entries(variables)) {
        const where = stack.where(logicalId, `Properties.Environment.Variables.${key}`);
        environment[key] = managedLogin(asString(value, where), where);
      }
    }

    const name = localName(stack.stackName, logicalId);
    functions.push({
      logicalId,
      stackName: stack.stackName,
      name,
      arn: localAttribute(stack.resourceContext(logicalId, where), 'Arn', where) as string,
      assetDir,
      handlerFile,
      handlerExport: handler.slice(dot + 1),
      environment,
      timeoutSeconds: positiveNumber(stack, logicalId, resource, 'Timeout', 3),
      memoryMb: positiveNumber(stack, logicalId, resource, 'MemorySize', 128),
    });
  }
  return functions;
}

/**
 * The asset folder holding a function's code: from the `aws:asset:path` metadata when the
 * CLI wrote it, else from the stack's asset manifest by the code's S3 key.
 */
function codeAssetFolder(stack: StackModel, logicalId: string, resource: Resource): string | undefined {
  const metadataPath = resource.Metadata?.['aws:asset:path'];
  if (typeof metadataPath === 'string' && resource.Metadata?.['aws:asset:property'] === 'Code') {
    return path.resolve(stack.artifact.assemblyDir, metadataPath);
  }
  const code = resource.Properties?.Code as Record<string, unknown> | undefined;
  if (code?.S3Key === undefined) return undefined;
  const key = resolveString(code.S3Key, stack.scope, stack.where(logicalId, 'Properties.Code.S3Key'));
  return stack.assembly.assetFolders.get(key);
}

function positiveNumber(
  stack: StackModel,
  logicalId: string,
  resource: Resource,
  property: string,
  fallback: number,
): number {
  const value = stack.property(logicalId, resource, property);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new AssemblyError(stack.where(logicalId, `Properties.${property}`), 'expected a positive number');
  }
  return n;
}

// --- tables ------------------------------------------------------------------------------

const KeySchema = z.array(
  z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) }).loose(),
);
const TablePropsSchema = z.object({
  KeySchema,
  AttributeDefinitions: z
    .array(z.object({ AttributeName: z.string(), AttributeType: z.enum(['S', 'N', 'B']) }).loose())
    .default([]),
  GlobalSecondaryIndexes: z
    .array(
      z
        .object({
          IndexName: z.string(),
          KeySchema,
          Projection: z
            .object({
              ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']),
              NonKeyAttributes: z.array(z.string()).optional(),
            })
            .loose(),
        })
        .loose(),
    )
    .default([]),
  LocalSecondaryIndexes: z.array(z.unknown()).optional(),
  TimeToLiveSpecification: z
    .object({ AttributeName: z.string().optional(), Enabled: z.boolean() })
    .loose()
    .optional(),
});

function readTables(stack: StackModel): LocalTable[] {
  const tables: LocalTable[] = [];
  for (const [logicalId, resource] of stack.resources()) {
    if (resource.Type !== 'AWS::DynamoDB::GlobalTable' && resource.Type !== 'AWS::DynamoDB::Table') continue;
    const fields = [
      'KeySchema',
      'AttributeDefinitions',
      'GlobalSecondaryIndexes',
      'LocalSecondaryIndexes',
      'TimeToLiveSpecification',
    ];
    const raw: Record<string, Json> = {};
    for (const field of fields) {
      const value = stack.property(logicalId, resource, field);
      if (value !== undefined) raw[field] = value;
    }
    const where = stack.where(logicalId, 'Properties');
    const props = parseWith(TablePropsSchema, raw, where, `the ${resource.Type}`);
    if (props.LocalSecondaryIndexes?.length) {
      throw new AssemblyError(
        at(where, 'LocalSecondaryIndexes'),
        'local secondary indexes are not supported by the local runtime',
      );
    }
    const ttl = props.TimeToLiveSpecification;
    const context = stack.resourceContext(logicalId, where);
    tables.push({
      logicalId,
      stackName: stack.stackName,
      name: localRef(context, where) as string,
      arn: localAttribute(context, 'Arn', where) as string,
      keySchema: props.KeySchema.map(({ AttributeName, KeyType }) => ({ AttributeName, KeyType })),
      attributeDefinitions: props.AttributeDefinitions.map(({ AttributeName, AttributeType }) => ({
        AttributeName,
        AttributeType,
      })),
      globalSecondaryIndexes: props.GlobalSecondaryIndexes.map(
        ({ IndexName, KeySchema: keys, Projection }) => ({
          IndexName,
          KeySchema: keys.map(({ AttributeName, KeyType }) => ({ AttributeName, KeyType })),
          Projection: {
            ProjectionType: Projection.ProjectionType,
            ...(Projection.NonKeyAttributes ? { NonKeyAttributes: Projection.NonKeyAttributes } : {}),
          },
        }),
      ),
      ...(ttl?.Enabled && ttl.AttributeName ? { ttlAttribute: ttl.AttributeName } : {}),
    });
  }
  return tables;
}

// --- state machines ----------------------------------------------------------------------

function readStateMachines(stack: StackModel): LocalStateMachine[] {
  const machines: LocalStateMachine[] = [];
  for (const [logicalId, resource] of stack.resources('AWS::StepFunctions::StateMachine')) {
    const props = resource.Properties ?? {};
    const where = stack.where(logicalId, 'Properties');
    let definition: string;
    if (props.DefinitionString !== undefined) {
      definition = resolveString(props.DefinitionString, stack.scope, at(where, 'DefinitionString'));
    } else if (props.Definition !== undefined) {
      definition = JSON.stringify(resolveIntrinsics(props.Definition, stack.scope, at(where, 'Definition')));
    } else {
      throw new AssemblyError(
        where,
        'the state machine has no DefinitionString or Definition (S3 is not read)',
      );
    }
    const substitutions = resolveIntrinsics(
      props.DefinitionSubstitutions,
      stack.scope,
      at(where, 'DefinitionSubstitutions'),
    );
    if (substitutions !== undefined) {
      if (typeof substitutions !== 'object' || substitutions === null || Array.isArray(substitutions)) {
        throw new AssemblyError(at(where, 'DefinitionSubstitutions'), 'expected a map');
      }
      definition = definition.replace(/\$\{([^}]+)\}/g, (match, key: string) => {
        const value = substitutions[key];
        return value === undefined ? match : asString(value, at(at(where, 'DefinitionSubstitutions'), key));
      });
    }
    try {
      JSON.parse(definition);
    } catch (error) {
      throw new AssemblyError(where, `the resolved definition is not JSON: ${(error as Error).message}`);
    }
    const context = stack.resourceContext(logicalId, where);
    machines.push({
      logicalId,
      stackName: stack.stackName,
      name: localAttribute(context, 'Name', where) as string,
      arn: localAttribute(context, 'Arn', where) as string,
      definition,
    });
  }
  return machines;
}

// --- HTTP APIs ---------------------------------------------------------------------------

interface Located {
  readonly stack: StackModel;
  readonly logicalId: string;
  readonly resource: Resource;
}

/** Resources of a type across stacks, by their local id (what `Ref` yields). */
function indexById(model: AssemblyModel, type: string): Map<string, Located> {
  const index = new Map<string, Located>();
  for (const stack of model.stacks) {
    for (const [logicalId, resource] of stack.resources(type)) {
      index.set(localShortId(stack.stackName, logicalId), { stack, logicalId, resource });
    }
  }
  return index;
}

/** `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations` → the function ARN. */
function integrationFunctionArn(uri: string): string {
  const wrapped = /^arn:[^:]+:apigateway:[^:]+:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/.exec(uri);
  return wrapped ? (wrapped[1] as string) : uri;
}

function readHttpApis(model: AssemblyModel, skip: Skip): LocalHttpApi[] {
  const integrations = indexById(model, 'AWS::ApiGatewayV2::Integration');
  const authorizers = indexById(model, 'AWS::ApiGatewayV2::Authorizer');
  const routes = [...indexById(model, 'AWS::ApiGatewayV2::Route').values()];
  const userPoolIssuers = new Set<string>();
  for (const stack of model.stacks) {
    for (const [logicalId] of stack.resources('AWS::Cognito::UserPool')) {
      userPoolIssuers.add(cognitoIssuer(stack.region, localUserPoolId(stack.region, logicalId)));
    }
  }

  const apis: LocalHttpApi[] = [];
  for (const stack of model.stacks) {
    for (const [apiLogicalId, api] of stack.resources('AWS::ApiGatewayV2::Api')) {
      const protocol = stack.property(apiLogicalId, api, 'ProtocolType');
      if (protocol !== 'HTTP') {
        skip(stack, apiLogicalId, api.Type, `${String(protocol)} APIs are not served locally`);
        continue;
      }
      if (api.Properties?.Body !== undefined || api.Properties?.BodyS3Location !== undefined) {
        throw new AssemblyError(
          stack.where(apiLogicalId, 'Properties.Body'),
          'HTTP APIs defined by an OpenAPI body are not supported locally',
        );
      }
      const apiId = localShortId(stack.stackName, apiLogicalId);
      let jwt: { issuer: string; audience: string[]; from: string } | undefined;
      const apiRoutes: LocalRoute[] = [];
      for (const { stack: routeStack, logicalId, resource } of routes) {
        const routeWhere = (p: string) => routeStack.where(logicalId, p);
        if (routeStack.property(logicalId, resource, 'ApiId') !== apiId) continue;
        const routeKey = resolveString(
          resource.Properties?.RouteKey,
          routeStack.scope,
          routeWhere('Properties.RouteKey'),
        );
        const target = resolveOptionalString(
          resource.Properties?.Target,
          routeStack.scope,
          routeWhere('Properties.Target'),
        );
        const integrationId = /^integrations\/(.+)$/.exec(target ?? '')?.[1];
        const integration = integrationId ? integrations.get(integrationId) : undefined;
        if (!integration) {
          throw new AssemblyError(
            routeWhere('Properties.Target'),
            `route ${routeKey} has no integration of this app (Target ${target ?? 'absent'})`,
          );
        }
        const functionArn = readIntegration(integration);

        const authorizationType =
          resolveOptionalString(
            resource.Properties?.AuthorizationType,
            routeStack.scope,
            routeWhere('Properties.AuthorizationType'),
          ) ?? 'NONE';
        if (authorizationType !== 'NONE' && authorizationType !== 'JWT') {
          throw new AssemblyError(
            routeWhere('Properties.AuthorizationType'),
            `route ${routeKey}: authorization ${authorizationType} is not emulated locally (NONE and JWT are)`,
          );
        }
        if (resource.Properties?.AuthorizationScopes !== undefined) {
          throw new AssemblyError(
            routeWhere('Properties.AuthorizationScopes'),
            `route ${routeKey}: authorization scopes are not emulated locally`,
          );
        }
        if (authorizationType === 'JWT') {
          const authorizerId = resolveOptionalString(
            resource.Properties?.AuthorizerId,
            routeStack.scope,
            routeWhere('Properties.AuthorizerId'),
          );
          const authorizer = authorizerId ? authorizers.get(authorizerId) : undefined;
          if (!authorizer) {
            throw new AssemblyError(
              routeWhere('Properties.AuthorizerId'),
              `route ${routeKey}: JWT without an authorizer`,
            );
          }
          const config = readJwtAuthorizer(authorizer, model.endpoints, userPoolIssuers);
          if (
            jwt &&
            (jwt.issuer !== config.issuer || jwt.audience.join('\n') !== config.audience.join('\n'))
          ) {
            throw new AssemblyError(
              routeWhere('Properties.AuthorizerId'),
              `route ${routeKey} uses a second JWT configuration (${authorizer.logicalId}, besides ${jwt.from}); ` +
                'the local gateway has one per API',
            );
          }
          jwt = { ...config, from: authorizer.logicalId };
        }

        const space = routeKey.indexOf(' ');
        const [method, routePath] =
          routeKey === '$default'
            ? ['ANY', '$default']
            : [routeKey.slice(0, space), routeKey.slice(space + 1)];
        if (routeKey !== '$default' && (space <= 0 || !routePath.startsWith('/'))) {
          throw new AssemblyError(
            routeWhere('Properties.RouteKey'),
            `route key "${routeKey}" is not "METHOD /path"`,
          );
        }
        apiRoutes.push({
          routeKey,
          method: method as string,
          path: routePath as string,
          functionArn,
          authorizationType,
        });
      }
      apis.push({
        logicalId: apiLogicalId,
        stackName: stack.stackName,
        routes: apiRoutes,
        ...(jwt ? { jwt: { issuer: jwt.issuer, audience: jwt.audience } } : {}),
      });
    }
  }
  return apis;
}

function readIntegration({ stack, logicalId, resource }: Located): string {
  const where = (p: string) => stack.where(logicalId, p);
  const type = stack.property(logicalId, resource, 'IntegrationType');
  if (type !== 'AWS_PROXY') {
    throw new AssemblyError(
      where('Properties.IntegrationType'),
      `${String(type)} integrations are not emulated locally`,
    );
  }
  const version = stack.property(logicalId, resource, 'PayloadFormatVersion');
  if (version !== '2.0') {
    throw new AssemblyError(
      where('Properties.PayloadFormatVersion'),
      `payload format ${String(version)}: the local gateway speaks 2.0 only`,
    );
  }
  const uri = resolveString(
    resource.Properties?.IntegrationUri,
    stack.scope,
    where('Properties.IntegrationUri'),
  );
  const arn = integrationFunctionArn(uri);
  if (!/^arn:[^:]+:lambda:/.test(arn)) {
    throw new AssemblyError(where('Properties.IntegrationUri'), `"${uri}" is not a Lambda function`);
  }
  return arn;
}

function readJwtAuthorizer(
  { stack, logicalId, resource }: Located,
  endpoints: LocalEndpoints,
  userPoolIssuers: ReadonlySet<string>,
): { issuer: string; audience: string[] } {
  const where = (p: string) => stack.where(logicalId, p);
  const type = stack.property(logicalId, resource, 'AuthorizerType');
  if (type !== 'JWT') {
    throw new AssemblyError(
      where('Properties.AuthorizerType'),
      `${String(type)} authorizers are not emulated locally`,
    );
  }
  const config = resource.Properties?.JwtConfiguration as Record<string, unknown> | undefined;
  const issuerWhere = where('Properties.JwtConfiguration.Issuer');
  const issuer = resolveString(config?.Issuer, stack.scope, issuerWhere);
  if (issuer !== endpoints.issuer && !userPoolIssuers.has(issuer)) {
    throw new AssemblyError(
      issuerWhere,
      `issuer ${issuer} is not a Cognito user pool of this app: the local runtime cannot sign its tokens`,
    );
  }
  const audienceWhere = where('Properties.JwtConfiguration.Audience');
  const audience = resolveIntrinsics(config?.Audience, stack.scope, audienceWhere) ?? [];
  if (!Array.isArray(audience)) throw new AssemblyError(audienceWhere, 'expected a list');
  return {
    // The user pool's issuer, as the local token minter signs it.
    issuer: endpoints.issuer,
    audience: audience.map((entry, i) => asString(entry, at(audienceWhere, i))),
  };
}

// --- sign-in: user-pool domains and clients -------------------------------------------------

/** Rewrites a value naming an AWS endpoint to its local stand-in; `where` names it in errors. */
type Localizer = (value: string, where: Where) => string;

/**
 * Replaces a managed-login URL of a user-pool domain of the app (or a path under it) by
 * `endpoints.signIn`; fails when there is none. Other values pass unchanged.
 */
function managedLoginLocalizer(model: AssemblyModel): Localizer {
  const bases: { base: string; domain: string }[] = [];
  for (const stack of model.stacks) {
    for (const [logicalId, resource] of stack.resources('AWS::Cognito::UserPoolDomain')) {
      const domain = resolveString(
        resource.Properties?.Domain,
        stack.scope,
        stack.where(logicalId, 'Properties.Domain'),
      );
      const custom = resource.Properties?.CustomDomainConfig !== undefined;
      for (const base of managedLoginUrls(stack.region, domain, custom)) bases.push({ base, domain });
    }
  }
  return (value, where) => {
    const found = bases.find(({ base }) => value === base || value.startsWith(`${base}/`));
    if (!found) return value;
    const signIn = model.endpoints.signIn;
    if (signIn === undefined) {
      throw new AssemblyError(
        where,
        `names the managed login of the user-pool domain ${found.domain}; pass endpoints.signIn, the local sign-in server`,
      );
    }
    return `${signIn}${value.slice(found.base.length)}`;
  };
}

function stringList(stack: StackModel, logicalId: string, resource: Resource, name: string): string[] {
  const where = stack.where(logicalId, `Properties.${name}`);
  const value = stack.property(logicalId, resource, name) ?? [];
  if (!Array.isArray(value)) throw new AssemblyError(where, 'expected a list');
  return value.map((entry, i) => asString(entry, at(where, i)));
}

function readUserPoolClients(stack: StackModel): LocalUserPoolClient[] {
  const clients: LocalUserPoolClient[] = [];
  for (const [logicalId, resource] of stack.resources('AWS::Cognito::UserPoolClient')) {
    const where = stack.where(logicalId, '');
    const oauth = stack.property(logicalId, resource, 'AllowedOAuthFlowsUserPoolClient') === true;
    clients.push({
      logicalId,
      stackName: stack.stackName,
      clientId: localRef(stack.resourceContext(logicalId, where), where) as string,
      userPoolId: resolveString(
        resource.Properties?.UserPoolId,
        stack.scope,
        stack.where(logicalId, 'Properties.UserPoolId'),
      ),
      oauthFlows: oauth ? stringList(stack, logicalId, resource, 'AllowedOAuthFlows') : [],
      scopes: oauth ? stringList(stack, logicalId, resource, 'AllowedOAuthScopes') : [],
      callbackUrls: stringList(stack, logicalId, resource, 'CallbackURLs'),
      logoutUrls: stringList(stack, logicalId, resource, 'LogoutURLs'),
    });
  }
  return clients;
}

// --- schedules ---------------------------------------------------------------------------

function checkExpression(expression: string, where: Where, timeZone?: string): void {
  try {
    parseScheduleExpression(expression, timeZone === undefined ? {} : { timeZone });
  } catch (error) {
    if (error instanceof ScheduleExpressionError) throw new AssemblyError(where, error.message);
    throw error;
  }
}

function readSchedules(stack: StackModel, skip: Skip): LocalSchedule[] {
  const schedules: LocalSchedule[] = [];
  for (const [logicalId, resource] of stack.resources()) {
    const props = resource.Properties ?? {};
    const where = (p: string) => stack.where(logicalId, p);
    if (resource.Type === 'AWS::Events::Rule') {
      const state = stack.property(logicalId, resource, 'State') ?? 'ENABLED';
      // Event-pattern rules are read by readEventRules.
      if (props.ScheduleExpression === undefined) continue;
      if (state !== 'ENABLED') {
        skip(stack, logicalId, resource.Type, `the rule is ${String(state)}`);
        continue;
      }
      const expression = resolveString(
        props.ScheduleExpression,
        stack.scope,
        where('Properties.ScheduleExpression'),
      );
      checkExpression(expression, where('Properties.ScheduleExpression'));
      const targets = Array.isArray(props.Targets) ? (props.Targets as unknown[]) : [];
      schedules.push({
        logicalId,
        stackName: stack.stackName,
        expression,
        targets: targets.map((target, i) => {
          const t = (target ?? {}) as Record<string, unknown>;
          const tw = (p: string) => where(`Properties.Targets[${i}]${p ? `.${p}` : ''}`);
          for (const unsupported of ['InputPath', 'InputTransformer']) {
            if (t[unsupported] !== undefined) {
              throw new AssemblyError(tw(unsupported), `${unsupported} targets are not emulated locally`);
            }
          }
          const input = resolveOptionalString(t.Input, stack.scope, tw('Input'));
          return {
            arn: resolveString(t.Arn, stack.scope, tw('Arn')),
            ...(input !== undefined ? { input } : {}),
          };
        }),
      });
    } else if (resource.Type === 'AWS::Scheduler::Schedule') {
      const state = stack.property(logicalId, resource, 'State') ?? 'ENABLED';
      if (state !== 'ENABLED') {
        skip(stack, logicalId, resource.Type, `the schedule is ${String(state)}`);
        continue;
      }
      const expression = resolveString(
        props.ScheduleExpression,
        stack.scope,
        where('Properties.ScheduleExpression'),
      );
      const zone = resolveOptionalString(
        props.ScheduleExpressionTimezone,
        stack.scope,
        where('Properties.ScheduleExpressionTimezone'),
      );
      checkExpression(expression, where('Properties.ScheduleExpression'), zone);
      const target = (props.Target ?? {}) as Record<string, unknown>;
      const input = resolveOptionalString(target.Input, stack.scope, where('Properties.Target.Input'));
      schedules.push({
        logicalId,
        stackName: stack.stackName,
        expression,
        ...(zone !== undefined ? { timeZone: zone } : {}),
        targets: [
          {
            arn: resolveString(target.Arn, stack.scope, where('Properties.Target.Arn')),
            ...(input !== undefined ? { input } : {}),
          },
        ],
      });
    }
  }
  return schedules;
}

// --- event buses, event-pattern rules, SES configuration sets ------------------------------

export const DEFAULT_BUS = 'default';

function readEventBuses(stack: StackModel): LocalEventBus[] {
  const buses: LocalEventBus[] = [];
  for (const [logicalId] of stack.resources('AWS::Events::EventBus')) {
    const where = stack.where(logicalId, '');
    const context = stack.resourceContext(logicalId, where);
    buses.push({
      logicalId,
      stackName: stack.stackName,
      name: localAttribute(context, 'Name', where) as string,
      arn: localAttribute(context, 'Arn', where) as string,
    });
  }
  return buses;
}

/** A bus given by name or ARN (`EventBusName`, `EventBusArn`) → its name; undefined when not local. */
function busNameOf(value: string | undefined, buses: readonly LocalEventBus[]): string | undefined {
  if (value === undefined || value === DEFAULT_BUS) return DEFAULT_BUS;
  const byName = buses.find((bus) => bus.name === value || bus.arn === value);
  if (byName) return byName.name;
  if (/^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/default$/.test(value)) return DEFAULT_BUS;
  return undefined;
}

function readEventRules(stack: StackModel, buses: readonly LocalEventBus[], skip: Skip): LocalEventRule[] {
  const rules: LocalEventRule[] = [];
  for (const [logicalId, resource] of stack.resources('AWS::Events::Rule')) {
    const props = resource.Properties ?? {};
    if (props.ScheduleExpression !== undefined || props.EventPattern === undefined) continue;
    const where = (p: string) => stack.where(logicalId, p);
    const state = stack.property(logicalId, resource, 'State') ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS') {
      skip(stack, logicalId, resource.Type, `the rule is ${String(state)}`);
      continue;
    }
    const busValue = resolveOptionalString(props.EventBusName, stack.scope, where('Properties.EventBusName'));
    const busName = busNameOf(busValue, buses);
    if (busName === undefined) {
      skip(stack, logicalId, resource.Type, `its bus ${busValue} is not a bus of the app`);
      continue;
    }
    const pattern = resolveIntrinsics(props.EventPattern, stack.scope, where('Properties.EventPattern'));
    let eventPattern: Record<string, unknown>;
    try {
      const parsed = typeof pattern === 'string' ? JSON.parse(pattern) : pattern;
      compileEventPattern(parsed);
      eventPattern = parsed as Record<string, unknown>;
    } catch (error) {
      const message = error instanceof EventPatternError ? error.message : 'not JSON';
      throw new AssemblyError(where('Properties.EventPattern'), `the event pattern: ${message}`);
    }
    const targets = Array.isArray(props.Targets) ? (props.Targets as unknown[]) : [];
    rules.push({
      logicalId,
      stackName: stack.stackName,
      busName,
      eventPattern,
      targets: targets.map((target, i) =>
        readRuleTarget(stack, target, (p) => where(`Properties.Targets[${i}]${p ? `.${p}` : ''}`)),
      ),
    });
  }
  return rules;
}

function readRuleTarget(stack: StackModel, target: unknown, tw: (p: string) => Where): LocalRuleTarget {
  const t = (target ?? {}) as Record<string, unknown>;
  const arn = resolveString(t.Arn, stack.scope, tw('Arn'));
  if (!/^arn:[^:]+:(lambda|states):/.test(arn)) {
    throw new AssemblyError(
      tw('Arn'),
      `rule target ${arn}: only Lambda functions and state machines are emulated locally`,
    );
  }
  const id = resolveOptionalString(t.Id, stack.scope, tw('Id')) ?? arn;
  const input = resolveOptionalString(t.Input, stack.scope, tw('Input'));
  const inputPath = resolveOptionalString(t.InputPath, stack.scope, tw('InputPath'));
  let inputTransformer: LocalRuleTarget['inputTransformer'];
  if (t.InputTransformer !== undefined) {
    const raw = resolveIntrinsics(t.InputTransformer, stack.scope, tw('InputTransformer')) as Record<
      string,
      Json
    >;
    const template = raw?.InputTemplate;
    if (typeof template !== 'string')
      throw new AssemblyError(tw('InputTransformer.InputTemplate'), 'expected a string');
    const map = raw.InputPathsMap ?? {};
    if (typeof map !== 'object' || map === null || Array.isArray(map)) {
      throw new AssemblyError(tw('InputTransformer.InputPathsMap'), 'expected a map');
    }
    const inputPathsMap: Record<string, string> = {};
    for (const [key, value] of Object.entries(map))
      inputPathsMap[key] = asString(value, tw(`InputTransformer.InputPathsMap.${key}`));
    inputTransformer = { inputPathsMap, inputTemplate: template };
  }
  for (const unsupported of ['SqsParameters', 'HttpParameters', 'EcsParameters', 'BatchParameters']) {
    if (t[unsupported] !== undefined) {
      throw new AssemblyError(tw(unsupported), `${unsupported} targets are not emulated locally`);
    }
  }
  return {
    id,
    arn,
    ...(input !== undefined ? { input } : {}),
    ...(inputPath !== undefined ? { inputPath } : {}),
    ...(inputTransformer ? { inputTransformer } : {}),
  };
}

function readConfigurationSets(
  stack: StackModel,
  buses: readonly LocalEventBus[],
  skip: Skip,
): LocalConfigurationSet[] {
  const sets: LocalConfigurationSet[] = [];
  const destinations = [...stack.resources('AWS::SES::ConfigurationSetEventDestination')];
  for (const [logicalId] of stack.resources('AWS::SES::ConfigurationSet')) {
    const where = stack.where(logicalId, '');
    const name = localRef(stack.resourceContext(logicalId, where), where) as string;
    const eventBridgeDestinations: Array<LocalConfigurationSet['eventBridgeDestinations'][number]> = [];
    for (const [destinationId, destination] of destinations) {
      const dw = (p: string) => stack.where(destinationId, p);
      const setName = resolveString(
        destination.Properties?.ConfigurationSetName,
        stack.scope,
        dw('Properties.ConfigurationSetName'),
      );
      if (setName !== name) continue;
      const spec = resolveIntrinsics(
        destination.Properties?.EventDestination,
        stack.scope,
        dw('Properties.EventDestination'),
      ) as Record<string, Json> | undefined;
      const bridge = spec?.EventBridgeDestination as Record<string, Json> | undefined;
      if (!spec || !bridge) {
        skip(stack, destinationId, destination.Type, 'only EventBridge destinations are emulated locally');
        continue;
      }
      if (spec.Enabled === false) {
        skip(stack, destinationId, destination.Type, 'the destination is disabled');
        continue;
      }
      const busValue = typeof bridge.EventBusArn === 'string' ? bridge.EventBusArn : undefined;
      const busName = busNameOf(busValue, buses);
      if (busName === undefined) {
        throw new AssemblyError(
          dw('Properties.EventDestination.EventBridgeDestination.EventBusArn'),
          `bus ${String(busValue)} is not a bus of the app`,
        );
      }
      const types = Array.isArray(spec.MatchingEventTypes) ? spec.MatchingEventTypes : [];
      eventBridgeDestinations.push({
        name: typeof spec.Name === 'string' ? spec.Name : destinationId,
        busName,
        matchingEventTypes: types.map((type, i) =>
          asString(type, dw(`Properties.EventDestination.MatchingEventTypes[${i}]`)).toLowerCase(),
        ),
      });
    }
    sets.push({ logicalId, stackName: stack.stackName, name, eventBridgeDestinations });
  }
  return sets;
}
