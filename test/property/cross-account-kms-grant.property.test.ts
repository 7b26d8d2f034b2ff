import { App, Aws, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as fc from 'fast-check';
import {
  A, B, C, CaseResult, covers, D, ErrorName, Expectation, expectDecisions, expectNoErrorFindings, expectNoFragileConditions,
  expectNoWildcardResources, invalidPrefix, keyArnOf, materialize, mostlyUndefined, normalized, objectUnder, OUTSIDE_KEY, PROPERTY_TIMEOUT,
  rare, REGION, roleArnOf, runProperty, SEED, synthesize, Tally, TLS, validPrefix, valueArb, ValueSpec, viaS3, workerIdentityPolicy,
} from './harness';
import { CrossAccountKmsGrant, DataAccess, EncryptionType, IOkeraDataBucket, OkeraDataBucket } from '../../src';
import { bucketPolicy, keyPolicy, resolveTemplates, ResolvedApp } from '../util';

/*
 * CrossAccountKmsGrant with random principals (accounts, roles, an organization or its paths, as literals
 * or tokens, duplicated, many, added one at a time), access levels, prefixes and targets: each case
 * synthesizes into key and bucket policies that admit exactly the principals granted (through S3 only),
 * within KMS's and S3's size limits, or fails with the documented error.
 */

type Target = 'bucket-kms' | 'bucket-kms-given-key' | 'bucket-kms-other-key' | 'bucket-s3' | 'bucket-s3-with-key' | 'bucket-aws-managed'
  | 'key' | 'imported-key' | 'alias' | 'imported-bucket-kms' | 'imported-bucket-s3' | 'nothing';

/** A principal spec: a valid value (maybe a token), or one the library must reject. */
interface Who {
  readonly spec: ValueSpec;
  /** The error it must raise, if any. */
  readonly error?: ErrorName;
}

interface GrantSpec {
  readonly accounts?: Who[];
  readonly roleArns?: Who[];
  readonly organizationId?: Who;
  readonly organizationPaths?: Who[];
  readonly access?: DataAccess;
  readonly invalidAccess: boolean;
  readonly prefixes?: ValueSpec[];
  readonly invalidPrefix?: string;
  readonly bucketPolicy?: boolean;
  readonly outputs?: boolean;
  /** Accounts added afterwards with addAccount, one at a time. */
  readonly later: Who[];
  /** Many accounts (bulk registration). */
  readonly bulk?: number;
}

interface GrantCase {
  readonly agnostic: boolean;
  readonly target: Target;
  readonly grants: GrantSpec[];
}

const hasBucket = (t: Target) => t.startsWith('bucket') || t.startsWith('imported-bucket');
const ORG = 'o-a1b2c3d4e5';
const MEMBER_ACCOUNT = '555555555555';
const MEMBER_PATH = `${ORG}/r-ab12/ou-ab12-11111111/`;
const OUTSIDER_ACCOUNT = '999999999999';

const accountWho: fc.Arbitrary<Who> = rare<Who>(
  fc.oneof(
    valueArb(fc.constantFrom(B, C, B)).map((spec): Who => ({ spec })),
    fc.constant<Who>({ spec: { value: D, as: 'parameter' } }),
    fc.constant<Who>({ spec: { value: D, as: 'lazy' } }),
  ),
  fc.constantFrom<Who>(
    { spec: { value: '12345', as: 'literal' }, error: 'accountId' },
    { spec: { value: A, as: 'literal' }, error: 'grantHomeAccount' },
    { spec: { value: 'AWS::AccountId', as: 'literal' }, error: 'grantHomeAccount' },
  ),
  60,
);

const roleWho: fc.Arbitrary<Who> = rare<Who>(
  valueArb(fc.constantFrom(roleArnOf(B), roleArnOf(C, 'okera/workers/odas-iam-role'), roleArnOf(B, 'okera.w+1@x'))).map((spec): Who => ({ spec })),
  fc.constantFrom<Who>(
    { spec: { value: `arn:aws:iam::${B}:user/odas`, as: 'literal' }, error: 'roleArn' },
    { spec: { value: 'odas-iam-role', as: 'literal' }, error: 'roleArn' },
    { spec: { value: roleArnOf(A), as: 'literal' }, error: 'grantHomeAccount' },
  ),
  40,
);

const VALID_PATHS = [`${ORG}/r-ab12/ou-ab12-11111111/*`, `${ORG}/r-ab12/ou-ab12-22222222/`, `${ORG}/*`];
const pathWho: fc.Arbitrary<Who> = rare<Who>(
  valueArb(fc.constantFrom(...VALID_PATHS), false).map((spec): Who => ({ spec })),
  fc.constantFrom<Who>({ spec: { value: `${ORG}/r-ab12/ou-ab12-11111111`, as: 'literal' }, error: 'orgPath' }, { spec: { value: 'ou-ab12-11111111', as: 'literal' }, error: 'orgPath' }),
  24,
);

const orgWho: fc.Arbitrary<Who> = rare<Who>(
  valueArb(fc.constant(ORG)).map((spec): Who => ({ spec })),
  fc.constant<Who>({ spec: { value: 'org-a1b2c3', as: 'literal' }, error: 'orgId' }),
);

const prefixArb = valueArb(validPrefix).map((v) => (v.as === 'literal' ? v : { ...v, value: normalized(v.value) || 'x' }));

/** A grant; prefixes mostly only where there is a bucket policy to limit. */
const grantArb = (bucket: boolean): fc.Arbitrary<GrantSpec> => fc.record({
  accounts: fc.oneof(
    { weight: 2, arbitrary: fc.array(accountWho, { minLength: 1, maxLength: 5 }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  ),
  roleArns: mostlyUndefined(fc.array(roleWho, { minLength: 1, maxLength: 3 }), 2),
  orgKind: fc.oneof(
    { weight: 24, arbitrary: fc.constant('none') }, { weight: 6, arbitrary: fc.constant('id') }, { weight: 6, arbitrary: fc.constant('paths') },
    { weight: 1, arbitrary: fc.constant('both') },
  ),
  organizationId: orgWho,
  organizationPaths: fc.array(pathWho, { minLength: 1, maxLength: 3 }),
  access: fc.option(fc.constantFrom(DataAccess.READ, DataAccess.READ_WRITE), { nil: undefined }),
  invalidAccess: rare(fc.constant(false), fc.constant(true), 80),
  prefixes: bucket ? mostlyUndefined(fc.array(prefixArb, { minLength: 1, maxLength: 3 }))
    : rare(fc.constant(undefined), fc.array(prefixArb, { minLength: 1, maxLength: 1 }), 40),
  invalidPrefix: rare(fc.constant(undefined), invalidPrefix, 40),
  bucketPolicy: bucket ? mostlyUndefined(fc.boolean(), 4) : rare(fc.constant(undefined), fc.constant(true), 40),
  outputs: fc.option(fc.boolean(), { nil: undefined }),
  later: fc.array(accountWho, { maxLength: 3 }),
  bulk: rare(fc.constant(undefined), fc.constantFrom(300, 800, 2500), 30),
}).map(({ orgKind, organizationId, organizationPaths, ...g }): GrantSpec => ({
  ...g,
  organizationId: orgKind === 'id' || orgKind === 'both' ? organizationId : undefined,
  organizationPaths: orgKind === 'paths' || orgKind === 'both' ? organizationPaths : undefined,
}));

const caseArb: fc.Arbitrary<GrantCase> = fc.record({
  agnostic: rare(fc.constant(false), fc.constant(true)),
  target: rare(
    fc.constantFrom<Target>('bucket-kms', 'bucket-kms', 'bucket-kms', 'bucket-kms-given-key', 'bucket-s3', 'bucket-s3', 'key', 'key'),
    fc.constantFrom<Target>('bucket-kms-other-key', 'bucket-s3-with-key', 'bucket-aws-managed', 'imported-key', 'alias', 'imported-bucket-kms', 'imported-bucket-s3', 'nothing'),
    8,
  ),
}).chain((c) => fc.array(grantArb(hasBucket(c.target)), { minLength: 1, maxLength: 3 }).map((grants): GrantCase => ({ ...c, grants })));

const hasKey = (t: Target) => !['bucket-s3', 'imported-bucket-s3', 'nothing'].includes(t);

/** Whether the grant writes the bucket policy. */
function writesBucketPolicy(c: GrantCase, g: GrantSpec): boolean {
  return g.bucketPolicy ?? hasBucket(c.target);
}

const bulkAccounts = (n: number) => Array.from({ length: n }, (_, i) => String(600000000000 + i));

/** The documented errors the case must raise (and may raise: a policy near its size limit). */
function predictErrors(c: GrantCase): { required: ErrorName[]; allowed: ErrorName[] } {
  const errors: ErrorName[] = [];
  const allowed: ErrorName[] = [];
  for (const g of c.grants) {
    if (g.invalidAccess) {
      errors.push('accessInvalid');
    }
    switch (c.target) {
      case 'nothing': errors.push('grantNoKeyNoBucket'); break;
      case 'alias': errors.push('alias'); break;
      case 'bucket-s3-with-key': errors.push('grantKeyOnSseS3'); break;
      case 'bucket-aws-managed': errors.push('grantAwsManaged'); break;
      case 'bucket-kms-other-key': errors.push('grantKeyMismatch'); break;
    }
    const onBucket = writesBucketPolicy(c, g);
    if (g.bucketPolicy === true && !hasBucket(c.target)) {
      errors.push('grantBucketPolicyNoBucket');
    }
    if ((g.prefixes?.length || g.invalidPrefix !== undefined) && !onBucket) {
      errors.push('grantPrefixesNoBucketPolicy');
    }
    if (g.invalidPrefix !== undefined) {
      errors.push('prefix');
    }
    if (['bucket-s3', 'imported-bucket-s3'].includes(c.target) && !onBucket) {
      errors.push('grantSseS3NoBucketPolicy');
    }
    for (const who of [...g.accounts ?? [], ...g.roleArns ?? [], ...g.organizationPaths ?? [], ...g.later]) {
      // In an environment-agnostic stack the key's account is unknown: only Aws.ACCOUNT_ID is known to be it.
      if (who.error && !(c.agnostic && who.error === 'grantHomeAccount' && who.spec.value !== 'AWS::AccountId')) {
        errors.push(who.error);
      }
    }
    if (g.organizationId && g.organizationPaths) {
      errors.push('orgBoth');
    } else if (g.organizationId?.error) {
      errors.push(g.organizationId.error);
    }
    if (c.target === 'imported-key' || c.target === 'imported-bucket-kms') {
      errors.push('grantImportedKey');
    }
    if (c.target.startsWith('imported-bucket') && onBucket) {
      errors.push('grantImportedBucket');
    }
  }
  const grantsSomething = (g: GrantSpec) => (g.accounts?.length ?? 0) + (g.roleArns?.length ?? 0) + (g.bulk ?? 0) + g.later.length > 0
    || g.organizationId !== undefined || g.organizationPaths !== undefined;
  if (!c.grants.every(grantsSomething)) {
    errors.push('grantNothing');
  }
  const bulk = Math.max(0, ...c.grants.map((g) => g.bulk ?? 0));
  const bulkOnBucket = c.grants.some((g) => (g.bulk ?? 0) > 0 && writesBucketPolicy(c, g));
  if ((bulkOnBucket && bulk > 700) || bulk > 2300) {
    errors.push('policySize');
  } else if (bulk > 0) {
    allowed.push('policySize');
  }
  return { required: errors, allowed };
}

function meaningful(c: GrantCase): boolean {
  // Imported resources need a known account and region; an agnostic stack only makes sense on its own.
  return !(c.agnostic && (c.target.startsWith('imported') || c.target === 'alias'));
}

interface Built {
  readonly stack: Stack;
  readonly bucket?: IOkeraDataBucket;
  readonly key?: kms.IKey;
  readonly grants: CrossAccountKmsGrant[];
}

function materializeWho(stack: Stack, who: Who): string {
  return who.spec.value === 'AWS::AccountId' ? Aws.ACCOUNT_ID : materialize(stack, who.spec);
}

function build(app: App, c: GrantCase): Built {
  const stack = new Stack(app, 'Data', c.agnostic ? {} : { env: { account: A, region: REGION } });
  const newKey = (id: string) => new kms.Key(stack, id, { enableKeyRotation: true });
  let bucket: IOkeraDataBucket | undefined;
  let key: kms.IKey | undefined;
  switch (c.target) {
    case 'bucket-kms': bucket = new OkeraDataBucket(stack, 'Bucket', { encryption: EncryptionType.SSE_KMS }); break;
    case 'bucket-kms-given-key': key = newKey('Key'); bucket = new OkeraDataBucket(stack, 'Bucket', { encryptionKey: key }); break;
    case 'bucket-kms-other-key': bucket = new OkeraDataBucket(stack, 'Bucket', { encryption: EncryptionType.SSE_KMS }); key = newKey('Other'); break;
    case 'bucket-s3': bucket = new OkeraDataBucket(stack, 'Bucket', { encryption: EncryptionType.SSE_S3 }); break;
    case 'bucket-s3-with-key': bucket = new OkeraDataBucket(stack, 'Bucket', { encryption: EncryptionType.SSE_S3 }); key = newKey('Key'); break;
    case 'bucket-aws-managed': bucket = new OkeraDataBucket(stack, 'Bucket', { encryption: EncryptionType.SSE_KMS_AWS_MANAGED }); break;
    case 'key': key = newKey('Key'); break;
    case 'imported-key': key = kms.Key.fromKeyArn(stack, 'Key', keyArnOf(A, REGION, 3)); break;
    case 'alias': key = new kms.Alias(stack, 'Alias', { aliasName: 'alias/okera', targetKey: newKey('Key') }); break;
    case 'imported-bucket-kms':
      bucket = OkeraDataBucket.fromBucketAttributes(stack, 'Bucket', { bucketName: 'okera-imported', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: keyArnOf(A, REGION, 3) });
      break;
    case 'imported-bucket-s3': bucket = OkeraDataBucket.fromBucketAttributes(stack, 'Bucket', { bucketName: 'okera-imported', encryption: EncryptionType.SSE_S3 }); break;
    case 'nothing': break;
  }
  const grantKey = c.target === 'bucket-kms-given-key' ? undefined : key;
  const grants = c.grants.map((g, i) => {
    const grant = new CrossAccountKmsGrant(stack, `Grant${i}`, {
      bucket,
      key: grantKey,
      accounts: g.accounts || g.bulk ? [...(g.accounts ?? []).map((w) => materializeWho(stack, w)), ...bulkAccounts(g.bulk ?? 0)] : undefined,
      roleArns: g.roleArns?.map((w) => materializeWho(stack, w)),
      organizationId: g.organizationId && materializeWho(stack, g.organizationId),
      organizationPaths: g.organizationPaths?.map((w) => materializeWho(stack, w)),
      access: g.invalidAccess ? 'WRITE' as DataAccess : g.access,
      prefixes: g.invalidPrefix !== undefined ? [g.invalidPrefix] : g.prefixes?.map((p) => materialize(stack, p)),
      bucketPolicy: g.bucketPolicy,
      outputs: g.outputs,
    });
    g.later.forEach((w) => grant.addAccount(materializeWho(stack, w)));
    return grant;
  });
  return { stack, bucket, key: key ?? bucket?.encryptionKey, grants };
}

/**
 * One case: synthesize or fail with the predicted error; then OkeraChecks, least privilege, and with an
 * explicit environment the deployed policy sizes, the outputs and the evaluation of every kind of caller.
 */
async function checkCase(c: GrantCase): Promise<CaseResult> {
  let built: Built | undefined;
  const outcome = synthesize(predictErrors(c), (app) => {
    built = build(app, c);
  });
  if (!outcome.ok) {
    return { failed: outcome.error };
  }
  expectNoErrorFindings(built!.stack.node.root as App);
  expectNoWildcardResources(outcome.assembly);
  expectNoFragileConditions(outcome.assembly);
  if (c.agnostic) {
    return { evaluated: false };
  }
  const resolved = resolveTemplates(outcome.assembly);
  expectPolicySizes(built!, resolved);
  expectOutputs(c, built!, resolved);
  await expectDecisions(expectations(c, built!, resolved));
  return { evaluated: true };
}

describe(`CrossAccountKmsGrant, random principals, access and prefixes (seed ${SEED})`, () => {
  test('synthesizes into key and bucket policies that admit exactly the principals granted, through S3, or fails with a documented error', async () => {
    const tally = new Tally();
    await runProperty(caseArb.filter(meaningful), async (c) => tally.add(await checkCase(c)));
    tally.expectBalanced();
  }, PROPERTY_TIMEOUT);
});

/** The deployed key policy fits KMS's 32,768 bytes and the bucket policy S3's 20,480 bytes. */
function expectPolicySizes(built: Built, resolved: ResolvedApp): void {
  const keyArn = built.key && resolved.resolveIn(built.stack, built.key.keyArn);
  const bucketArn = built.bucket && resolved.resolveIn(built.stack, built.bucket.bucketArn);
  const sizes = {
    key: keyArn ? Buffer.byteLength(JSON.stringify(keyPolicy(resolved, keyArn))) : 0,
    bucket: bucketArn ? Buffer.byteLength(JSON.stringify(bucketPolicy(resolved, bucketArn) ?? {})) : 0,
  };
  expect({ ...sizes, keyFits: sizes.key <= 32_768, bucketFits: sizes.bucket <= 20_480 }).toEqual({ ...sizes, keyFits: true, bucketFits: true });
}

/** The stack outputs the key ARN and bucket ARN the other account imports, unless every grant turned outputs off. */
function expectOutputs(c: GrantCase, built: Built, resolved: ResolvedApp): void {
  const outputs = Object.values<any>(resolved.stack(built.stack).template.Outputs ?? {}).map((o) => o.Value);
  const wanted = c.grants.some((g) => g.outputs ?? true);
  const values = [built.key?.keyArn, built.bucket?.bucketArn].filter((v) => v !== undefined).map((v) => resolved.resolveIn(built.stack, v));
  for (const value of values) {
    expect({ value, present: outputs.includes(value) }).toEqual({ value, present: wanted });
  }
}

/** A principal the model reasons about: who, in which account, with which request context. */
interface Caller {
  readonly name: string;
  readonly arn: string;
  readonly context: Record<string, string | string[]>;
}

/** What each kind of caller may do, per the grants. */
function expectations(c: GrantCase, built: Built, resolved: ResolvedApp): Expectation[] {
  const keyArn: string | undefined = hasKey(c.target) ? resolved.resolveIn(built.stack, built.key!.keyArn) : undefined;
  const bucketArn: string | undefined = built.bucket && resolved.resolveIn(built.stack, built.bucket.bucketArn);
  const keyDocument = keyArn && keyPolicy(resolved, keyArn);
  const bucketDocument = bucketArn && bucketPolicy(resolved, bucketArn);
  const grantAccess = (g: GrantSpec) => g.access ?? DataAccess.READ;

  // Which grants admit a caller: by account (its account listed), by role (its exact ARN), by organization.
  const accountsOf = (g: GrantSpec) => [...(g.accounts ?? []), ...g.later].map((w) => w.spec.value).concat(bulkAccounts(g.bulk ?? 0));
  const callers: Array<Caller & { admittedBy: (g: GrantSpec) => boolean }> = [];
  const accounts = [...new Set(c.grants.flatMap((g) => accountsOf(g)))];
  for (const account of [accounts[0], accounts[accounts.length - 1]].filter((a) => a !== undefined)) {
    callers.push({ name: `a role of granted account ${account}`, arn: roleArnOf(account, 'any-role'), context: {}, admittedBy: (g) => accountsOf(g).includes(account) });
  }
  const roles = [...new Set(c.grants.flatMap((g) => (g.roleArns ?? []).map((w) => w.spec.value)))];
  for (const role of roles.slice(0, 2)) {
    const account = role.split(':')[4];
    callers.push({ name: `granted role ${role}`, arn: role, context: {}, admittedBy: (g) => (g.roleArns ?? []).some((w) => w.spec.value === role) || accountsOf(g).includes(account) });
    callers.push({ name: `another role of ${account}`, arn: roleArnOf(account, 'not-the-granted-role'), context: {}, admittedBy: (g) => accountsOf(g).includes(account) });
  }
  if (c.grants.some((g) => g.organizationId || g.organizationPaths)) {
    const memberContext = { 'aws:PrincipalOrgID': ORG, 'aws:PrincipalOrgPaths': [MEMBER_PATH] };
    const pathAdmits = (p: string) => new RegExp(`^${p.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`).test(MEMBER_PATH);
    callers.push({
      name: 'a member of the organization',
      arn: roleArnOf(MEMBER_ACCOUNT, 'any-role'),
      context: memberContext,
      admittedBy: (g) => g.organizationId !== undefined || (g.organizationPaths ?? []).some((w) => pathAdmits(w.spec.value)),
    });
  }
  callers.push({ name: 'an outsider', arn: roleArnOf(OUTSIDER_ACCOUNT, 'outsider'), context: { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz', 'aws:PrincipalOrgPaths': ['o-zzzzzzzzzz/r-zz99/'] }, admittedBy: () => false });

  const list: Expectation[] = [];
  for (const caller of callers) {
    const admitting = c.grants.filter(caller.admittedBy);
    const writers = admitting.filter((g) => grantAccess(g) === DataAccess.READ_WRITE);
    // The caller's own account allows everything the library would grant: the data account's policies decide.
    const identityPolicies = [workerIdentityPolicy(bucketArn ?? 'arn:aws:s3:::no-bucket', DataAccess.READ_WRITE, [], keyArn)];
    const ask = (why: string, action: string, resource: string, context: Record<string, any>, allowed: boolean): Expectation => ({
      why: `${caller.name}: ${why}`,
      expect: allowed ? 'allow' : 'deny',
      request: {
        principal: caller.arn,
        action,
        resource,
        context: { ...context, ...caller.context },
        identityPolicies,
        resourcePolicy: action.startsWith('kms:') ? keyDocument : bucketDocument,
        resourceAccount: action.startsWith('kms:') ? undefined : A,
      },
    });
    if (keyArn) {
      list.push(
        ask('kms:Decrypt via S3', 'kms:Decrypt', keyArn, viaS3(REGION), admitting.length > 0),
        ask('kms:GenerateDataKey via S3', 'kms:GenerateDataKey', keyArn, viaS3(REGION), writers.length > 0),
        ask('kms:Decrypt directly', 'kms:Decrypt', keyArn, TLS, false),
        ask('kms:Decrypt via S3 in another region', 'kms:Decrypt', keyArn, viaS3('eu-west-1'), false),
      );
    }
    if (bucketArn) {
      const onBucket = admitting.filter((g) => writesBucketPolicy(c, g));
      const prefixesOf = (g: GrantSpec) => (g.prefixes?.length ? g.prefixes.map((p) => p.value) : [undefined]);
      const readable = (k: string) => onBucket.some((g) => prefixesOf(g).some((p) => covers(p, k)));
      const writable = (k: string) => onBucket.some((g) => grantAccess(g) === DataAccess.READ_WRITE && prefixesOf(g).some((p) => covers(p, k)));
      const sample = onBucket.length ? prefixesOf(onBucket[0])[0] : undefined;
      const key = objectUnder(sample);
      list.push(
        ask(`GetObject ${key}`, 's3:GetObject', `${bucketArn}/${key}`, TLS, readable(key)),
        ask(`PutObject ${key}`, 's3:PutObject', `${bucketArn}/${key}`, TLS, writable(key)),
        ask(`GetObject ${OUTSIDE_KEY}`, 's3:GetObject', `${bucketArn}/${OUTSIDE_KEY}`, TLS, readable(OUTSIDE_KEY)),
      );
    }
  }
  return list;
}
