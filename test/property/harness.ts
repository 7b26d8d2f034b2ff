import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnParameter, CloudFormationValidatePlugin, Lazy, Stack, Validations } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import * as fc from 'fast-check';
import { OkeraChecks } from '../../src';
import { s3Statements, kmsViaS3Statement } from '../../src/private/policy';
import { DataAccess } from '../../src/support-matrix';
import { Evaluation, evaluate, EvaluationRequest, NamedPolicy } from '../util';

/*
 * Shared machinery of the property-based tests: seeds, small apps, the oracle that tells a clean
 * validation error from a crash, the checks every synthesized case must pass, and request evaluation.
 */

/** Time allowed for one property (300 cases take 10-40 s on a shared 2-core machine; shrinking a failure takes longer). */
export const PROPERTY_TIMEOUT = 600_000;

/** The fixed seed; override with FC_SEED=<n> to replay or explore. */
export const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20260412;
/** Cases per property (300 in CI); FC_NUM_RUNS overrides it for local exploration. */
export const NUM_RUNS = process.env.FC_NUM_RUNS !== undefined ? Number(process.env.FC_NUM_RUNS) : 300;

export const A = '111111111111';
export const B = '222222222222';
export const C = '333333333333';
/** An account only ever granted through a token (CfnParameter default or Lazy value). */
export const D = '444444444444';
export const REGION = 'us-east-1';
export const OTHER_REGION = 'eu-west-1';
export const TLS = { 'aws:SecureTransport': 'true' };
export const viaS3 = (region: string) => ({ ...TLS, 'kms:ViaService': `s3.${region}.amazonaws.com` });
export const keyArnOf = (account: string, region: string, n: number) =>
  `arn:aws:kms:${region}:${account}:key/${String(n).padStart(8, '0')}-aaaa-4bbb-8ccc-dddddddddddd`;
export const roleArnOf = (account: string, name = 'odas-iam-role') => `arn:aws:iam::${account}:role/${name}`;
export const OUTSIDER = roleArnOf(C, 'outsider');

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'okera-property-'));
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

/**
 * aws-cdk-lib 2.262 does not read CDK_VALIDATION; it always runs its own "CloudFormation Validate" plugin at
 * synthesis (about 20 ms of a 50 ms synth, and seconds to start its engine), reporting warnings only unless
 * `@aws-cdk/core:validateAgainstDefaultRules` is true. Registering a plugin of that class replaces it:
 * this stand-in (never constructed, so no engine starts) skips it.
 */
const SKIP_CFN_VALIDATE: CloudFormationValidatePlugin = Object.create(CloudFormationValidatePlugin.prototype, {
  name: { value: 'CloudFormation Validate (skipped in property tests)' },
  version: { value: undefined },
  ruleIds: { value: undefined },
  validate: { value: () => ({ success: true, violations: [] }) },
});

/** Every how-many-th synthesis runs CDK's template validation, with its findings as errors. */
const VALIDATE_EVERY = 10;
let synths = 0;

/**
 * An app as cheap to synthesize as possible: no stack traces in metadata (a third faster), and CDK's
 * template validation only on every tenth app, where it is strict (a finding fails the case).
 */
export function newApp(context: Record<string, unknown> = {}): App {
  const validate = synths++ % VALIDATE_EVERY === 0;
  const app = new App({
    outdir,
    stackTraces: false,
    analyticsReporting: false,
    context: { ...context, ...(validate ? { [cxapi.VALIDATE_AGAINST_DEFAULT_RULES]: true } : {}) },
  });
  if (validate) {
    // Cases create parameters for values they may then not use (an import never added to a role, say).
    Validations.of(app).acknowledge({ id: 'CloudFormation-Validate::W2001', reason: 'generated cases may leave a parameter unused' });
  } else {
    Validations.of(app).addPlugins(SKIP_CFN_VALIDATE);
  }
  return app;
}

/** Run a property with the fixed seed; a failure names the seed to replay it with. */
export async function runProperty<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>): Promise<void> {
  try {
    await fc.assert(fc.asyncProperty(arbitrary, predicate), { seed: SEED, numRuns: NUM_RUNS });
  } catch (e) {
    const cause = (e as Error).cause as Error | undefined;
    throw new Error(`Property failed with FC_SEED=${SEED} (replay: FC_SEED=${SEED} npx jest ${path.relative(process.cwd(), expect.getState().testPath ?? '')}).\n`
      + `${(e as Error).message}${cause ? `\nCaused by: ${cause.message}` : ''}`);
  }
}

/**
 * Mostly `common`, one time in `odds` `uncommon` (an invalid choice: rare enough that most cases synthesize;
 * lower the odds further for values generated many times per case).
 */
export function rare<T>(common: fc.Arbitrary<T>, uncommon: fc.Arbitrary<T>, odds = 16): fc.Arbitrary<T> {
  return fc.oneof({ weight: odds - 1, arbitrary: common }, { weight: 1, arbitrary: uncommon });
}

/** Undefined `share` times out of `share + 1`, else a value. */
export function mostlyUndefined<T>(arbitrary: fc.Arbitrary<T>, share = 2): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: share, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

/** What one case did: failed with a documented error, or synthesized (and was evaluated, or not). */
export type CaseResult = { readonly failed: ErrorName } | { readonly evaluated: boolean };

/** Counts of what the cases of a property did. */
export class Tally {
  private ok = 0;
  private failed = 0;
  private evaluated = 0;
  private readonly errors: Record<string, number> = {};

  public add(result: CaseResult): void {
    if ('failed' in result) {
      this.failed++;
      this.errors[result.failed] = (this.errors[result.failed] ?? 0) + 1;
    } else {
      this.ok++;
      this.evaluated += result.evaluated ? 1 : 0;
    }
  }

  /**
   * The generator must exercise both outcomes substantially: at least a tenth of the cases synthesize and
   * are evaluated, and at least a twentieth fail validation. FC_STATS=1 prints the counts.
   */
  public expectBalanced(): void {
    const { ok, failed, evaluated } = this;
    if (process.env.FC_STATS) {
      console.log(JSON.stringify({ ok, failed, evaluated, decisions: decisionCounts, errors: this.errors }, undefined, 1));
    }
    const total = ok + failed;
    expect({ ok, failed, evaluated, okShare: ok >= total / 10, failedShare: failed >= total / 20, evaluatedShare: evaluated >= total / 10 })
      .toEqual({ ok, failed, evaluated, okShare: true, failedShare: true, evaluatedShare: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Values that may be tokens

/** A string the test knows, passed to the library as a literal, a CfnParameter (with that Default) or a Lazy. */
export interface ValueSpec {
  readonly value: string;
  readonly as: 'literal' | 'parameter' | 'lazy';
}

export function valueArb(value: fc.Arbitrary<string>, tokens = true): fc.Arbitrary<ValueSpec> {
  const as: fc.Arbitrary<ValueSpec['as']> = tokens
    ? fc.constantFrom<ValueSpec['as']>('literal', 'literal', 'literal', 'parameter', 'lazy')
    : fc.constant('literal');
  return fc.record({ value, as });
}

export const isToken = (v?: ValueSpec) => v !== undefined && v.as !== 'literal';

/** Turn a spec into the string the library gets (a new CfnParameter in `stack` for `parameter`). */
export function materialize(stack: Stack, spec: ValueSpec): string {
  switch (spec.as) {
    case 'literal':
      return spec.value;
    case 'parameter':
      return new CfnParameter(stack, `Param${stack.node.children.length}`, { type: 'String', default: spec.value }).valueAsString;
    case 'lazy':
      return Lazy.string({ produce: () => spec.value });
  }
}

// ---------------------------------------------------------------------------------------------
// Generators shared by the properties

/** Key prefixes as users write them (leading/trailing slashes, a trailing '*', unicode, spaces, long). */
export const validPrefix = fc.oneof(
  fc.constantFrom('sales/2024', '/leading/slash', 'trailing/', 'star*', 'deep/a/b/c/d/e/f/g', 'données/été', 'with space',
    'dots.in.name', 'UPPER/lower', 'x', 'a'.repeat(120)),
  fc.stringMatching(/^[a-z0-9][a-z0-9_=-]{0,10}(\/[a-z0-9_=-]{1,8}){0,2}$/),
);
/** Prefixes the library must reject: a wildcard inside, '..', '.' or empty segments, a policy variable, or nothing at all. */
export const invalidPrefix = fc.constantFrom('a/*/b', 'x?y', '../escape', 'ok/../up', 'mid*dle/x', '/', '*', '${aws:username}/x', 'a//b', './x');

/** The normalised form (as policies name it): no leading/trailing slashes, no trailing '*'. */
export function normalized(prefix: string): string {
  return prefix.replace(/^\/+/, '').replace(/\*+$/, '').replace(/\/+$/, '');
}

/** Whether an object key is inside a prefix (undefined: the whole bucket). */
export function covers(prefix: string | undefined, objectKey: string): boolean {
  return prefix === undefined || normalized(prefix) === '' || objectKey.startsWith(`${normalized(prefix)}/`);
}

/** An object key under the prefix (or at the bucket's top for the whole bucket). */
export function objectUnder(prefix: string | undefined): string {
  const p = prefix === undefined ? '' : normalized(prefix);
  return p === '' ? 'top-level.parquet' : `${p}/part-0.parquet`;
}

/** An object key under none of the prefixes (the caller checks `covers` to know what to expect). */
export const OUTSIDE_KEY = 'zz-not-granted/secret.csv';

export const bucketNameArb = fc.oneof(
  fc.constantFrom('okera-data', 'a.b.c', '123', 'x'.repeat(63), 'okera-data-lake.prod.2024', 'a-b'),
  fc.stringMatching(/^[a-z0-9][a-z0-9-]{2,20}[a-z0-9]$/),
);

// ---------------------------------------------------------------------------------------------
// The oracle: synthesize, or fail with one of the library's documented validation errors

/**
 * The library's documented validation errors (the message after `[<construct path>] `), by name.
 * A case predicts the ones its invalid input must raise.
 */
export const ERRORS = {
  unsupportedEncryption: /encryption '[A-Z0-9_]+' cannot be used: .* Use one of: SSE_S3, SSE_KMS, SSE_KMS_AWS_MANAGED\./,
  bucketKeyOnSseS3: /bucketKeyEnabled is true but encryption is SSE_S3/,
  keyWithoutSseKms: /encryptionKey is given but encryption is '[A-Z0-9_]+'/,
  awsManagedKeyPassed: /encryptionKey 'alias\/aws\/s3' is the AWS managed aws\/s3 key/,
  alias: /is a KMS alias: policies evaluate key ARNs|is an alias ARN\. Use the key ARN|is an alias name\. Use the key ARN/,
  keyRegion: /KMS key '.*' is in [a-z0-9-]+ but the bucket is in [a-z0-9-]+/,
  autoDeleteWithoutDestroy: /autoDeleteObjects is true but removalPolicy is not DESTROY/,
  snapshot: /removalPolicy SNAPSHOT is not supported/,
  prefix: /prefix '.*' (contains a wildcard or '\.\.'|is empty once leading\/trailing|contains an IAM policy variable|contains an empty \('\/\/'\) or '\.' path segment)/,
  awsManagedCrossAccount: /is encrypted with the AWS managed aws\/s3 key of account \d{12}, which .+ in account \d{12} cannot use/,
  keyArnDeployTime: /the key ARN or the region of this bucket is only known at deploy time|its key ARN \(or region\) is only known when the bucket's stack deploys/,
  noIdentityPolicy: /cannot grant to .*: it takes no identity policy and the key policy is not managed by this app/,
  accountId: /'.*' is not an AWS account id/,
  regionInvalid: /region '.*' is not an AWS region/,
  importNameArnMismatch: /bucketName '.*' and bucketArn '.*' name different buckets/,
  crossAccountNotAdmitted: /is in account \d+ and this role in account \d+, but no CrossAccountKmsGrant admits the role's account \(or the role\)/,
  importMissingKey: /encryption is SSE_KMS but encryptionKeyArn is missing/,
  importKeyWithoutKms: /encryptionKeyArn '.*' is given but encryption is/,
  importNoBucket: /neither bucketArn nor bucketName is given/,
  importBadArn: /bucketArn '.*' is not an S3 bucket ARN/,
  maxManagedPolicies: /maxManagedPolicies .* is invalid/,
  anyKeyRegionsWithoutAnyKey: /anyKeyRegions is set but anyKeyViaS3 is not/,
  anyKeyRegionsEmpty: /anyKeyRegions is empty/,
  anyKeyRegionInvalid: /anyKeyRegions: '.*' is not an AWS region/,
  prefixesEmpty: /prefixes is empty/,
  regionNotInAnyKeyRegions: /is SSE_KMS in region [a-z0-9-]+, which is not in anyKeyRegions/,
  conflictingEncryption: /was already added as '.*' with encryption/,
  patternChars: /Bucket name pattern '.*' may only contain/,
  patternConflict: /Bucket name pattern '.*' was already added with encryption .*, now with encryption/,
  patternTooShort: /Bucket name pattern '.*' has fewer than 3 literal characters/,
  patternUnsupported: /Bucket name pattern '.*' is encrypted with .* which Okera cannot read/,
  patternKeysEmpty: /encryptionKeyArns is empty/,
  patternKeysWithoutKms: /declares encryption [A-Z0-9_]+ but lists encryptionKeyArns/,
  patternNoKeys: /its buckets are declared SSE_KMS \(the default\) but no encryptionKeyArns are given/,
  patternAnyKeyNoRegion: /relies on anyKeyViaS3, but the region of its buckets is unknown|anyKeyViaS3 needs the region of the buckets for kms:ViaService/,
  keyArn: /'.*' is (an alias ARN|an alias name|a bare key id|not a KMS key ARN)\. Use the key ARN/,
  tooManyPolicies: /need \d+ managed policies of at most 6144 characters, but maxManagedPolicies is \d+/,
  grantNothing: /CrossAccountKmsGrant grants nothing/,
  accessInvalid: /access '.*' is not a DataAccess/,
  grantNoKeyNoBucket: /neither key nor bucket is given/,
  grantKeyOnSseS3: /is given but bucket '.*' is SSE_S3, which uses no KMS key/,
  grantAwsManaged: /is encrypted with the AWS managed key aws\/s3 \(SSE_KMS_AWS_MANAGED\): its key policy cannot be edited/,
  grantKeyMismatch: /is not the key of bucket/,
  grantBucketPolicyNoBucket: /bucketPolicy is true but no bucket is given/,
  grantPrefixesNoBucketPolicy: /prefixes \[.*\] only limit bucket-policy statements/,
  grantSseS3NoBucketPolicy: /is SSE_S3 \(no KMS key\) and bucketPolicy is false, so this grant would change nothing/,
  grantHomeAccount: /is the (key|bucket)'s own account, not an external one|is in the (key|bucket)'s own account \d+, not an external one/,
  roleArn: /'.*' is not an IAM role ARN/,
  orgBoth: /both organizationId '.*' and organizationPaths are given/,
  orgId: /organizationId '.*' is not an AWS Organizations id/,
  orgPath: /organizationPaths entry '.*' is not an AWS Organizations path/,
  grantImportedKey: /is imported \(kms\.Key\.fromKeyArn \/ fromLookup, or the key of an imported bucket\): this stack cannot change its key policy/,
  grantImportedBucket: /is imported: this stack cannot change its bucket policy/,
  policySize: /The (key|bucket) policy would be about [\d,]+ bytes once deployed, [\d,]+ over the limit of [\d,]+ bytes\. CrossAccountKmsGrant lists /,
};
export type ErrorName = keyof typeof ERRORS;

/** The outcome of building and synthesizing a case. */
export type Outcome =
  | { readonly ok: true; readonly assembly: cxapi.CloudAssembly }
  | { readonly ok: false; readonly error: ErrorName; readonly message: string };

/**
 * Build and synthesize. A thrown error must be a plain `Error` from the library's `fail()` (`[<path>] ...`,
 * with `<path>` a construct of the app) or CDK's report of the library's `addValidation` errors, and
 * match one of the expected errors. With `required` errors the case must fail; with only `allowed` ones
 * (which the model cannot predict exactly, e.g. a policy quota) it may; with none it must synthesize.
 * Anything else (a TypeError, a CDK error, an unexpected or missing validation error) fails the property.
 */
export function synthesize(expected: ErrorName[] | { required: ErrorName[]; allowed: ErrorName[] }, build: (app: App) => void,
  context?: Record<string, unknown>): Outcome {
  const { required, allowed } = Array.isArray(expected) ? { required: expected, allowed: [] } : expected;
  const acceptable = [...required, ...allowed];
  const app = newApp(context);
  let assembly: cxapi.CloudAssembly;
  try {
    build(app);
    assembly = app.synth();
  } catch (e) {
    const error = e as Error;
    const messages = libraryMessages(app, error);
    if (messages === undefined) {
      throw new Error(`not a library validation error (${error?.constructor?.name}): ${error?.message}\n${error?.stack}`);
    }
    const names = acceptable.filter((n) => messages.some((m) => ERRORS[n].test(m)));
    if (names.length === 0) {
      throw new Error(`unexpected validation error (expected ${acceptable.length ? acceptable.join(' | ') : 'a successful synthesis'}):\n${error.message}`);
    }
    return { ok: false, error: names[0], message: error.message };
  }
  if (required.length > 0) {
    throw new Error(`invalid input accepted: expected one of ${required.join(' | ')}, but the app synthesized`);
  }
  return { ok: true, assembly };
}

/** The messages of a library validation error (after `[<path>] `), or undefined when it is something else. */
function libraryMessages(app: App, error: Error): string[] | undefined {
  if (!(error instanceof Error)) {
    return undefined;
  }
  const paths = new Set(app.node.findAll().map((c) => c.node.path));
  const parse = (line: string) => {
    const m = /^\[([^\]]+)\] ([\s\S]*)$/.exec(line);
    return m && paths.has(m[1]) ? m[2] : undefined;
  };
  if (error.constructor === Error) {
    const message = parse(error.message);
    return message === undefined ? undefined : [message];
  }
  const report = /^Validation failed with the following errors:\n([\s\S]*)$/.exec(error.message);
  if (report) {
    const lines = report[1].split(/\n(?=\s+\[)/).map((l) => parse(l.trim()));
    return lines.every((l) => l !== undefined) ? lines as string[] : undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Checks every synthesized case passes

/** OkeraChecks finds no ERROR on the synthesized app. */
export function expectNoErrorFindings(app: App): void {
  const errors = new OkeraChecks().audit(app).filter((f) => f.level === 'Error');
  if (errors.length > 0) {
    throw new Error(`OkeraChecks ERROR findings:\n${errors.map((f) => `${f.ruleId} ${f.constructPath}: ${f.message}`).join('\n')}`);
  }
}

const IDENTITY_POLICY_TYPES = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'];

/** Identity-policy statements of all stacks (inline role policies, AWS::IAM::Policy, managed policies). */
export function identityStatements(assembly: cxapi.CloudAssembly): Array<{ stack: string; logicalId: string; statement: any }> {
  return assembly.stacksRecursively.flatMap((a) => Object.entries<any>(a.template.Resources ?? {}).flatMap(([logicalId, r]) => {
    const documents = IDENTITY_POLICY_TYPES.includes(r.Type) ? [r.Properties?.PolicyDocument]
      : r.Type === 'AWS::IAM::Role' ? (r.Properties?.Policies ?? []).map((p: any) => p.PolicyDocument) : [];
    return documents.flatMap((d: any) => [d?.Statement ?? []].flat().map((statement: any) => ({ stack: a.id, logicalId, statement })));
  }));
}

/**
 * Least privilege: an identity policy never has `Resource: "*"`, except (with `anyKeyAllowed`) the
 * opt-in KMS statement, which then must carry `kms:ViaService`.
 */
export function expectNoWildcardResources(assembly: cxapi.CloudAssembly, anyKeyAllowed = false): void {
  for (const { stack, logicalId, statement } of identityStatements(assembly)) {
    if (![statement.Resource].flat().includes('*')) {
      continue;
    }
    const viaService = statement.Condition?.StringEquals?.['kms:ViaService'] ?? statement.Condition?.StringLike?.['kms:ViaService'];
    const kmsOnly = [statement.Action].flat().every((a: string) => a.startsWith('kms:'));
    if (!anyKeyAllowed || !kmsOnly || viaService === undefined) {
      throw new Error(`Resource "*" in the identity policy ${stack}/${logicalId}: ${JSON.stringify(statement)}`);
    }
  }
}

/** Every statement of every template of the assembly (policies of all kinds), for app-wide scans. */
export function allStatements(assembly: cxapi.CloudAssembly): any[] {
  return statementsIn(assembly.stacksRecursively.map((a) => a.template));
}

/** Every policy statement in the templates (raw or resolved). */
export function statementsIn(templates: any[]): any[] {
  const found: any[] = [];
  const walk = (v: any) => {
    if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v !== null && typeof v === 'object') {
      if (v.Statement !== undefined && (v.Version !== undefined || Array.isArray(v.Statement))) {
        found.push(...[v.Statement].flat());
      }
      Object.values(v).forEach(walk);
    }
  };
  templates.forEach((t) => walk(t.Resources));
  return found;
}

/**
 * The library never writes a condition that only holds for objects where Bucket Keys make KMS see the
 * bucket (`kms:EncryptionContext:aws:s3:arn` naming objects), nor a deny of uploads that omit the
 * encryption header (`Null: true`), which breaks clients relying on default encryption.
 */
export function expectNoFragileConditions(assembly: cxapi.CloudAssembly): void {
  for (const statement of allStatements(assembly)) {
    const text = JSON.stringify(statement.Condition ?? {});
    if (/kms:EncryptionContext/i.test(text)) {
      throw new Error(`encryption-context condition in ${JSON.stringify(statement)}`);
    }
    if (statement.Effect === 'Deny' && denialWhenHeaderAbsent(statement.Condition ?? {})) {
      throw new Error(`deny of uploads without the encryption header: ${JSON.stringify(statement)}`);
    }
  }
}

const ENCRYPTION_HEADERS = ['s3:x-amz-server-side-encryption', 's3:x-amz-server-side-encryption-aws-kms-key-id'];

/**
 * Whether every condition on the encryption headers (algorithm or key id) holds for an upload that sends
 * neither (Null true, StringNot*, ...IfExists): such a deny breaks uploads relying on default encryption.
 */
function denialWhenHeaderAbsent(condition: Record<string, Record<string, unknown>>): boolean {
  const onHeaders = Object.entries(condition).flatMap(([operator, values]) =>
    ENCRYPTION_HEADERS.filter((h) => h in values).map((h) => ({ operator, value: values[h] })));
  return onHeaders.length > 0 && onHeaders.every(({ operator, value }) => (operator === 'Null' ? String(value) === 'true'
    : /^(ForAllValues:)?StringNot|IfExists$/.test(operator)));
}

/** The warnings CDK recorded for the app (from the synthesized assembly). */
export function warnings(assembly: cxapi.CloudAssembly): string[] {
  return assembly.stacksRecursively.flatMap((a) => a.messages.filter((m) => m.level === 'warning').map((m) => `${m.id} ${String(m.entry.data)}`));
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** One request and the decision the case's model expects. */
export interface Expectation {
  readonly why: string;
  readonly request: EvaluationRequest;
  /**
   * 'allow': allowed; 'deny': not allowed; 'identity-only': the identity policies allow but the resource policy
   * does not (so it is denied); 'identity-deny': the identity policies do not allow it.
   */
  readonly expect: 'allow' | 'deny' | 'identity-only' | 'identity-deny';
}

/** How many requests each property evaluated, by expected outcome (printed with FC_STATS). */
export const decisionCounts: Record<string, number> = {};

/** Evaluate all expectations; fail with every mismatch and its explanation. */
export async function expectDecisions(expectations: Expectation[]): Promise<void> {
  const failures: string[] = [];
  for (const e of expectations) {
    decisionCounts[e.expect] = (decisionCounts[e.expect] ?? 0) + 1;
    let result: Evaluation;
    try {
      result = await evaluate(e.request);
    } catch (error) {
      failures.push(`${e.why}: evaluation failed: ${(error as Error).message}`);
      continue;
    }
    const ok = e.expect === 'allow' ? result.allowed
      : e.expect === 'deny' ? !result.allowed
        : e.expect === 'identity-only' ? result.identityResult === 'Allowed' && !result.allowed
          : result.identityResult !== 'Allowed';
    if (!ok) {
      failures.push(`${e.why}: expected ${e.expect}, got ${result.decision} (identity ${result.identityResult}, resource ${result.resourceResult})\n${result.explanation}`);
    }
  }
  if (failures.length > 0) {
    throw new Error(`${failures.length} of ${expectations.length} requests decided wrongly:\n${failures.join('\n\n')}`);
  }
}

/**
 * The decision expected across accounts: within an account either half may allow; across accounts both must.
 * `identity`/`resource` say whether each half allows.
 */
export function decide(identity: boolean, resource: boolean, sameAccount: boolean): Expectation['expect'] {
  return !identity ? 'identity-deny' : sameAccount || resource ? 'allow' : 'identity-only';
}

/** The default key policy: the key's account may use it, through IAM policies. */
export function defaultKeyPolicy(account: string): any {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }] };
}

/**
 * The IAM half a worker account writes for a bucket and key shared with it, from the library's own
 * statement builders (the same ones OkeraWorkerRole uses), with concrete ARNs.
 */
export function workerIdentityPolicy(bucketArn: string, access: DataAccess, prefixes: string[], keyArn?: string, region = REGION): NamedPolicy {
  const statements = [...s3Statements(bucketArn, access, prefixes), ...(keyArn ? [kmsViaS3Statement([keyArn], access, [region])] : [])];
  return { name: 'worker-account-policy', policy: { Version: '2012-10-17', Statement: statements.map((s) => s.toStatementJson()) } };
}
