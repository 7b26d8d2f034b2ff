import { App, Duration, PhysicalName, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as fc from 'fast-check';
import {
  A, B, bucketNameArb, CaseResult, covers, decide, defaultKeyPolicy, ErrorName, Expectation, expectDecisions, expectNoErrorFindings,
  expectNoFragileConditions, expectNoWildcardResources, invalidPrefix, isToken, keyArnOf, materialize, mostlyUndefined, normalized,
  objectUnder, OTHER_REGION, OUTSIDE_KEY, OUTSIDER, PROPERTY_TIMEOUT, rare, REGION, roleArnOf, runProperty, SEED, synthesize, Tally, TLS,
  validPrefix, valueArb, ValueSpec, viaS3, warnings, workerIdentityPolicy,
} from './harness';
import { CrossAccountKmsGrant, DataAccess, EncryptionType, OkeraDataBucket, OkeraWorkerRole } from '../../src';
import { bucketPolicy, keyPolicy, NamedPolicy, resolveTemplates, ResolvedApp, rolePolicies } from '../util';

/*
 * OkeraDataBucket with random props and random grants (to worker roles, plain roles and principals, in
 * the same stack, another stack, another account or another region): each case synthesizes into a
 * bucket that passes OkeraChecks and grants exactly what was asked, or fails with the documented error.
 */

type KeyChoice = 'none' | 'new-same-stack' | 'new-other-stack' | 'imported' | 'imported-other-region' | 'alias' | 'alias-arn' | 'aws-s3-alias';
type Place = 'same-stack' | 'other-stack' | 'other-account' | 'other-region';
type GranteeKind = 'worker' | 'role' | 'account' | 'arn';

interface GranteeSpec {
  readonly kind: GranteeKind;
  /** Where the role lives (worker and role); principals are always account B. */
  readonly place: Place;
}

interface GrantSpec {
  readonly grantee: number;
  readonly access: DataAccess;
  readonly prefix?: ValueSpec;
  /** A prefix the library must reject (instead of `prefix`). */
  readonly invalidPrefix?: string;
}

interface BucketCase {
  readonly agnostic: boolean;
  readonly bucketName?: ValueSpec;
  readonly encryption?: EncryptionType;
  readonly key: KeyChoice;
  readonly bucketKeyEnabled?: boolean;
  readonly versioned?: boolean;
  readonly removalPolicy?: 'RETAIN' | 'DESTROY' | 'SNAPSHOT' | 'RETAIN_ON_UPDATE_OR_DELETE';
  readonly autoDeleteObjects?: boolean;
  readonly allowDestroy: boolean;
  readonly accessLogs: boolean;
  readonly lifecycle: boolean;
  readonly eventBridge?: boolean;
  readonly grantees: GranteeSpec[];
  readonly grants: GrantSpec[];
  /** Account B admitted on the bucket (and key) policy by a CrossAccountKmsGrant of the data stack, at this access. */
  readonly admitB?: DataAccess;
}

const IMPORTED_KEY = keyArnOf(A, REGION, 7);
/** Prefixes; a token's value is already in the form policies use (the library cannot normalise a token). */
const prefixArb = valueArb(validPrefix).map((v) => (v.as === 'literal' ? v : { ...v, value: normalized(v.value) || 'x' }));

const granteeArb: fc.Arbitrary<GranteeSpec> = fc.record({
  kind: fc.constantFrom<GranteeKind>('worker', 'worker', 'worker', 'role', 'role', 'account', 'arn'),
  place: fc.constantFrom<Place>('same-stack', 'same-stack', 'same-stack', 'other-stack', 'other-stack', 'other-account', 'other-region'),
});

const grantArb = (grantees: number): fc.Arbitrary<GrantSpec> => fc.record({
  grantee: fc.nat(grantees - 1),
  access: fc.constantFrom(DataAccess.READ, DataAccess.READ_WRITE),
  prefix: fc.option(prefixArb, { nil: undefined }),
  invalidPrefix: rare(fc.constant(undefined), invalidPrefix, 40),
}, { requiredKeys: ['grantee', 'access'] });

/** Mostly valid values, sometimes not: each invalid choice is rare, so most cases synthesize. */
const encryptionArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.constant(EncryptionType.SSE_S3) },
  { weight: 8, arbitrary: fc.constant(EncryptionType.SSE_KMS) },
  { weight: 3, arbitrary: fc.constant(EncryptionType.SSE_KMS_AWS_MANAGED) },
  { weight: 1, arbitrary: fc.constantFrom(EncryptionType.DSSE_KMS, EncryptionType.SSE_C, EncryptionType.CSE_KMS, EncryptionType.CSE_CLIENT_KEY) },
);
const keyArb = (encryption?: EncryptionType): fc.Arbitrary<KeyChoice> => fc.oneof(
  { weight: encryption === EncryptionType.SSE_KMS || encryption === undefined ? 3 : 20, arbitrary: fc.constant<KeyChoice>('none') },
  { weight: 4, arbitrary: fc.constantFrom<KeyChoice>('new-same-stack', 'new-other-stack', 'imported', 'imported') },
  { weight: 1, arbitrary: fc.constantFrom<KeyChoice>('imported-other-region', 'alias', 'alias-arn', 'aws-s3-alias') },
);

const caseArb: fc.Arbitrary<BucketCase> = fc.record({
  agnostic: rare(fc.constant(false), fc.constant(true)),
  bucketName: fc.option(valueArb(bucketNameArb), { nil: undefined }),
  encryption: encryptionArb,
  bucketKeyEnabled: mostlyUndefined(fc.boolean(), 3),
  versioned: fc.option(fc.boolean(), { nil: undefined }),
  removalPolicy: rare(fc.option(fc.constantFrom<BucketCase['removalPolicy']>('RETAIN', 'DESTROY', 'RETAIN_ON_UPDATE_OR_DELETE'), { nil: undefined }), fc.constant('SNAPSHOT' as const)),
  autoDeleteObjects: rare(fc.option(fc.constant(false), { nil: undefined }), fc.constant(true)),
  allowDestroy: fc.boolean(),
  accessLogs: fc.boolean(),
  lifecycle: fc.boolean(),
  eventBridge: fc.option(fc.boolean(), { nil: undefined }),
  grantees: fc.array(granteeArb, { minLength: 1, maxLength: 3 }),
}).chain((c) => fc.record({
  key: keyArb(c.encryption),
  grants: fc.array(grantArb(c.grantees.length), { maxLength: 5 }),
  // Mostly when a worker of account B is among the grantees (it needs the bucket policy half).
  admitB: c.grantees.some((g) => g.kind === 'worker' && g.place === 'other-account')
    ? fc.constantFrom(DataAccess.READ_WRITE, DataAccess.READ_WRITE, DataAccess.READ, undefined)
    : mostlyUndefined(fc.constantFrom(DataAccess.READ, DataAccess.READ_WRITE), 6),
}).map((more) => ({ ...c, ...more, autoDeleteObjects: c.autoDeleteObjects ?? (c.removalPolicy === 'DESTROY' ? true : undefined) })));

/** The encryption the bucket ends up with. */
function encryptionOf(c: BucketCase): EncryptionType {
  return c.encryption ?? (c.key !== 'none' ? EncryptionType.SSE_KMS : EncryptionType.SSE_S3);
}

const SUPPORTED = [EncryptionType.SSE_S3, EncryptionType.SSE_KMS, EncryptionType.SSE_KMS_AWS_MANAGED];

/** The documented errors the case must raise (in the order the library checks), or none. */
function predictErrors(c: BucketCase): ErrorName[] {
  const errors: ErrorName[] = [];
  const enc = encryptionOf(c);
  if (!SUPPORTED.includes(enc)) {
    errors.push('unsupportedEncryption');
  }
  if (enc === EncryptionType.SSE_S3 && c.bucketKeyEnabled === true) {
    errors.push('bucketKeyOnSseS3');
  }
  if (c.key !== 'none') {
    if (enc !== EncryptionType.SSE_KMS) {
      errors.push('keyWithoutSseKms');
    } else if (c.key === 'aws-s3-alias') {
      errors.push('awsManagedKeyPassed');
    } else if (c.key === 'alias' || c.key === 'alias-arn') {
      errors.push('alias');
    } else if (c.key === 'imported-other-region' && !c.agnostic) {
      errors.push('keyRegion');
    }
  }
  if (c.autoDeleteObjects && c.removalPolicy !== 'DESTROY') {
    errors.push('autoDeleteWithoutDestroy');
  }
  if (c.removalPolicy === 'SNAPSHOT') {
    errors.push('snapshot');
  }
  if (c.admitB !== undefined && enc === EncryptionType.SSE_KMS_AWS_MANAGED) {
    errors.push('grantAwsManaged');
  } else if (c.admitB !== undefined && enc === EncryptionType.SSE_KMS && keyImported(c)) {
    errors.push('grantImportedKey');
  }
  const keyKnown = c.key === 'imported' && !c.agnostic;
  for (const grant of c.grants) {
    const grantee = c.grantees[grant.grantee];
    if (grant.invalidPrefix !== undefined) {
      errors.push('prefix');
    }
    const otherAccount = grantee.kind === 'account' || grantee.kind === 'arn' || grantee.place === 'other-account';
    if (enc === EncryptionType.SSE_KMS_AWS_MANAGED && otherAccount && !c.agnostic) {
      errors.push('awsManagedCrossAccount');
    }
    if (enc === EncryptionType.SSE_KMS && !keyKnown && isConstruct(grantee) && otherEnvironment(grantee.place)) {
      errors.push('keyArnDeployTime');
    }
    if (enc === EncryptionType.SSE_KMS && !isConstruct(grantee) && keyImported(c)) {
      errors.push('noIdentityPolicy');
    }
    // A worker role delegates to addDataBucket, which writes only its own policies: across accounts the
    // bucket (and key) policy half must come from a CrossAccountKmsGrant admitting its access.
    if (grantee.kind === 'worker' && grantee.place === 'other-account' && !(c.admitB === DataAccess.READ_WRITE || (c.admitB === DataAccess.READ && grant.access === DataAccess.READ))) {
      errors.push('crossAccountNotAdmitted');
    }
  }
  return errors;
}

/**
 * Warnings the case must produce: the AWS managed key shared with an account that may be another one
 * (the bucket's account is unknown in an environment-agnostic stack) must be flagged, as OkeraWorkerRole does.
 */
function predictWarnings(c: BucketCase): RegExp[] {
  const otherAccount = c.grants.some((g) => c.grantees[g.grantee].kind === 'account' || c.grantees[g.grantee].kind === 'arn');
  return encryptionOf(c) === EncryptionType.SSE_KMS_AWS_MANAGED && c.agnostic && otherAccount ? [/aws\/s3/] : [];
}

const keyImported = (c: BucketCase) => c.key === 'imported' || c.key === 'imported-other-region';
const isConstruct = (g: GranteeSpec) => g.kind === 'worker' || g.kind === 'role';
const otherEnvironment = (place: Place) => place === 'other-account' || place === 'other-region';

/** Cases the generator must not produce: inputs CDK itself rejects, or that no environment can deploy. */
function meaningful(c: BucketCase): boolean {
  // An environment-agnostic data stack only makes sense on its own: grants to the same stack or to principals.
  if (c.agnostic && (c.key === 'new-other-stack' || c.grantees.some((g) => isConstruct(g) && g.place !== 'same-stack'))) {
    return false;
  }
  // A bucket name given as a token is the user's; CDK cannot name it in another environment.
  if (isToken(c.bucketName) && c.grants.some((g) => isConstruct(c.grantees[g.grantee]) && otherEnvironment(c.grantees[g.grantee].place))) {
    return false;
  }
  return true;
}

interface Grantee {
  readonly spec: GranteeSpec;
  readonly grantable: iam.IGrantable;
  /** The role and its stack (worker and role); undefined for principals. */
  readonly role?: iam.IRole;
  readonly stack?: Stack;
  /** For principals: the role the evaluation asks as. */
  readonly principalArn?: string;
}

interface Built {
  readonly data: Stack;
  readonly bucket: OkeraDataBucket;
  readonly grantees: Grantee[];
}

function build(app: App, c: BucketCase): Built {
  const data = new Stack(app, 'Data', c.agnostic ? {} : { env: { account: A, region: REGION } });
  const stacks = new Map<Place, Stack>([['same-stack', data]]);
  const stackFor = (place: Place) => {
    if (!stacks.has(place)) {
      const [id, account, region] = ({
        'other-stack': ['DataConsumers', A, REGION], 'other-account': ['Workers', B, REGION], 'other-region': ['WorkersEu', A, OTHER_REGION],
      } as Record<Place, string[]>)[place];
      stacks.set(place, new Stack(app, id, { env: { account, region } }));
    }
    return stacks.get(place)!;
  };
  const encryptionKey = {
    'none': () => undefined,
    'new-same-stack': () => new kms.Key(data, 'OwnKey', { enableKeyRotation: true }),
    'new-other-stack': () => new kms.Key(new Stack(app, 'Keys', { env: { account: A, region: REGION } }), 'SharedKey', { enableKeyRotation: true }),
    'imported': () => kms.Key.fromKeyArn(data, 'ImportedKey', IMPORTED_KEY),
    'imported-other-region': () => kms.Key.fromKeyArn(data, 'ImportedKey', keyArnOf(A, OTHER_REGION, 8)),
    'alias': () => new kms.Alias(data, 'Alias', { aliasName: 'alias/okera-data', targetKey: new kms.Key(data, 'AliasTarget', { enableKeyRotation: true }) }),
    'alias-arn': () => kms.Key.fromKeyArn(data, 'AliasArn', `arn:aws:kms:${REGION}:${A}:alias/okera-data`),
    'aws-s3-alias': () => kms.Alias.fromAliasName(data, 'AwsS3', 'alias/aws/s3'),
  }[c.key]();
  const logs = c.accessLogs ? new s3.Bucket(data, 'Logs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  }) : undefined;

  const bucket = new OkeraDataBucket(data, 'DataBucket', {
    bucketName: c.bucketName && materialize(data, c.bucketName),
    encryption: c.encryption,
    encryptionKey,
    bucketKeyEnabled: c.bucketKeyEnabled,
    versioned: c.versioned,
    removalPolicy: c.removalPolicy && RemovalPolicy[c.removalPolicy],
    autoDeleteObjects: c.autoDeleteObjects,
    serverAccessLogsBucket: logs,
    serverAccessLogsPrefix: logs ? 'okera-data/' : undefined,
    lifecycleRules: c.lifecycle ? [{ abortIncompleteMultipartUploadAfter: Duration.days(7) }] : undefined,
    eventBridgeEnabled: c.eventBridge,
  });

  const grantees = c.grantees.map((spec, i): Grantee => {
    if (spec.kind === 'account') {
      return { spec, grantable: new iam.AccountPrincipal(B), principalArn: roleArnOf(B, 'any-role-of-b') };
    }
    if (spec.kind === 'arn') {
      return { spec, grantable: new iam.ArnPrincipal(roleArnOf(B)), principalArn: roleArnOf(B) };
    }
    const stack = stackFor(spec.place);
    if (spec.kind === 'worker') {
      const worker = new OkeraWorkerRole(stack, `Worker${i}`);
      return { spec, stack, grantable: worker, role: worker.role };
    }
    const role = new iam.Role(stack, `Role${i}`, { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'), roleName: PhysicalName.GENERATE_IF_NEEDED });
    return { spec, stack, grantable: role, role };
  });
  if (c.admitB !== undefined) {
    new CrossAccountKmsGrant(data, 'AdmitB', { bucket, accounts: [B], access: c.admitB });
  }
  for (const grant of c.grants) {
    const { grantable } = grantees[grant.grantee];
    const prefix = grant.invalidPrefix ?? (grant.prefix && materialize(data, grant.prefix));
    if (grant.access === DataAccess.READ) {
      bucket.grantRead(grantable, prefix);
    } else {
      bucket.grantReadWrite(grantable, prefix);
    }
  }
  return { data, bucket, grantees };
}

/**
 * One case: synthesize or fail with the predicted error; then OkeraChecks, least privilege, retention,
 * warnings, and (with an explicit environment) the evaluation of every grantee's requests.
 */
async function checkCase(c: BucketCase): Promise<CaseResult> {
  let built: Built | undefined;
  const outcome = synthesize(predictErrors(c), (app) => {
    built = build(app, c);
  }, c.allowDestroy ? { [OkeraDataBucket.ALLOW_DESTROY_CONTEXT]: true } : {});
  if (!outcome.ok) {
    return { failed: outcome.error };
  }
  expectNoErrorFindings(built!.data.node.root as App);
  expectNoWildcardResources(outcome.assembly);
  expectNoFragileConditions(outcome.assembly);
  expectRetention(c, outcome.assembly);
  const warned = warnings(outcome.assembly);
  for (const warning of predictWarnings(c)) {
    if (!warned.some((w) => warning.test(w))) {
      throw new Error(`expected a warning matching ${warning}, got:\n${warned.join('\n') || '(none)'}`);
    }
  }
  if (c.agnostic) {
    return { evaluated: false };
  }
  await expectDecisions(expectations(c, built!, resolveTemplates(outcome.assembly), warned));
  return { evaluated: true };
}

describe(`OkeraDataBucket, random props and grants (seed ${SEED})`, () => {
  test('synthesizes into a bucket that passes OkeraChecks and grants exactly what was asked, or fails with a documented error', async () => {
    const tally = new Tally();
    await runProperty(caseArb.filter(meaningful), async (c) => tally.add(await checkCase(c)));
    tally.expectBalanced();
  }, PROPERTY_TIMEOUT);
});

/** A plain bucket case: SSE-S3, no options, no grants (the counterexamples below change what they need). */
const PLAIN: BucketCase = {
  agnostic: false, encryption: undefined, key: 'none', allowDestroy: false, accessLogs: false, lifecycle: false, grantees: [], grants: [],
};

describe('OkeraDataBucket, counterexamples the property found (shrunk)', () => {
  test.each<[string, BucketCase]>([
    [
      // CDK leaves principalAccount undefined for ArnPrincipal, so the check is skipped and the bucket policy admits a role KMS refuses.
      'the AWS managed aws/s3 key granted to a role of another account given by ARN (iam.ArnPrincipal) fails at synth',
      { ...PLAIN, encryption: EncryptionType.SSE_KMS_AWS_MANAGED, grantees: [{ kind: 'arn', place: 'same-stack' }], grants: [{ grantee: 0, access: DataAccess.READ }] },
    ],
    [
      // The same check (and warning, 'awsManagedKeyAccountUnknown') as OkeraWorkerRole.addDataBucket.
      'the AWS managed aws/s3 key granted to another account from an environment-agnostic stack is flagged with a warning',
      { ...PLAIN, agnostic: true, encryption: EncryptionType.SSE_KMS_AWS_MANAGED, grantees: [{ kind: 'account', place: 'same-stack' }], grants: [{ grantee: 0, access: DataAccess.READ }] },
    ],
  ])('%s', async (_, c) => {
    await checkCase(c);
  });
});

/** The bucket (and its own key) are retained unless DESTROY was asked for and the context flag allows it. */
function expectRetention(c: BucketCase, assembly: ReturnType<App['synth']>): void {
  const template = assembly.stacksRecursively.find((a) => a.id === 'Data')!.template;
  const destroy = c.removalPolicy === 'DESTROY' && c.allowDestroy;
  const buckets = Object.entries<any>(template.Resources).filter(([id, r]) => r.Type === 'AWS::S3::Bucket' && id.startsWith('DataBucket'));
  expect(buckets.map(([, r]) => r.DeletionPolicy)).toEqual([destroy ? 'Delete' : c.removalPolicy === 'RETAIN_ON_UPDATE_OR_DELETE' ? 'RetainExceptOnCreate' : 'Retain']);
  const ownKeys = Object.entries<any>(template.Resources).filter(([id, r]) => r.Type === 'AWS::KMS::Key' && id.startsWith('DataBucketKey'));
  expect(ownKeys.map(([, r]) => r.DeletionPolicy)).toEqual(ownKeys.length ? [destroy ? 'Delete' : 'Retain'] : []);
}

interface SimpleGrant {
  readonly access: DataAccess;
  readonly prefix?: string;
}

const readable = (grants: SimpleGrant[], k: string) => grants.some((x) => covers(x.prefix, k));
const writable = (grants: SimpleGrant[], k: string) => grants.some((x) => x.access === DataAccess.READ_WRITE && covers(x.prefix, k));
const writes = (grants: SimpleGrant[]) => grants.some((x) => x.access === DataAccess.READ_WRITE);

/**
 * What each grantee may and may not do. The identity half is the grantee's own grants (a principal
 * without identity policies of its own stands for a role whose account allows everything); across
 * accounts the bucket and key policies must allow too: they name the grantee's own grants, account B's
 * (root) grants and, for the role given by ARN, that role's grants.
 */
function expectations(c: BucketCase, built: Built, resolved: ResolvedApp, warned: string[]): Expectation[] {
  const enc = encryptionOf(c);
  const bucketArn: string = resolved.resolveIn(built.data, built.bucket.bucketArn);
  const keyArn: string | undefined = enc === EncryptionType.SSE_KMS ? resolved.resolveIn(built.data, built.bucket.encryptionKeyArn) : undefined;
  const keyOwned = c.key !== 'imported';
  const bucketPolicyDocument = bucketPolicy(resolved, bucketArn);
  const keyPolicyDocument = keyArn === undefined ? undefined : keyOwned ? keyPolicy(resolved, keyArn) : defaultKeyPolicy(A);
  const grantsOf = (kind: GranteeKind | number) => c.grants
    .filter((x) => (typeof kind === 'number' ? x.grantee === kind : c.grantees[x.grantee].kind === kind))
    .map((x): SimpleGrant => ({ access: x.access, prefix: x.prefix?.value }));
  const everything: SimpleGrant[] = [{ access: DataAccess.READ_WRITE }];
  const list: Expectation[] = [];

  built.grantees.forEach((g, i) => {
    const own = grantsOf(i);
    const principal: string = g.role ? resolved.resolveIn(g.stack!, g.role.roleArn) : g.principalArn!;
    const construct = g.role !== undefined;
    const identityPolicies: NamedPolicy[] = construct ? rolePolicies(resolved, principal).identityPolicies
      : [workerIdentityPolicy(`${bucketArn}`, DataAccess.READ_WRITE, [], keyArn)];
    const identity = construct ? own : everything;
    const sameAccount = principal.includes(`::${A}:`);
    const admitted: SimpleGrant[] = c.admitB ? [{ access: c.admitB }] : [];
    const resource = sameAccount ? [] : [...own, ...grantsOf('account'), ...(g.spec.kind === 'arn' ? grantsOf('arn') : []), ...admitted];
    const ask = (why: string, action: string, resourceArn: string, context: Record<string, any>, expect: Expectation['expect'], who = principal): Expectation => {
      const isKey = action.startsWith('kms:');
      return {
        why: `grantee ${i} (${g.spec.kind}/${g.spec.place}) ${why}`,
        expect,
        request: {
          principal: who,
          action,
          resource: resourceArn,
          context,
          identityPolicies,
          resourcePolicy: isKey ? keyPolicyDocument : bucketPolicyDocument,
          resourceAccount: isKey ? undefined : A,
        },
      };
    };
    if (construct && enc !== EncryptionType.SSE_KMS) {
      const kmsActions = JSON.stringify(identityPolicies).match(/"kms:[A-Za-z*]+"/g);
      if (kmsActions) {
        throw new Error(`grantee ${i} has KMS permissions (${kmsActions.join(', ')}) for a ${enc} bucket`);
      }
    }
    const sample = own.length > 0 ? own[(i * 7 + own.length) % own.length] : { access: DataAccess.READ, prefix: undefined };
    const key = objectUnder(sample.prefix);
    const allows = (grants: SimpleGrant[], k: string, write: boolean) => (write ? writable(grants, k) : readable(grants, k));
    const onS3 = (k: string, write: boolean) => decide(allows(identity, k, write), allows(resource, k, write), sameAccount);
    list.push(
      ask(`GetObject ${key}`, 's3:GetObject', `${bucketArn}/${key}`, TLS, onS3(key, false)),
      ask(`PutObject ${key}`, 's3:PutObject', `${bucketArn}/${key}`, TLS, onS3(key, true)),
      ask(`GetObject ${OUTSIDE_KEY}`, 's3:GetObject', `${bucketArn}/${OUTSIDE_KEY}`, TLS, onS3(OUTSIDE_KEY, false)),
    );
    if (own.length === 0) {
      return;
    }
    list.push(
      ask(`ListBucket under ${sample.prefix ?? '(whole bucket)'}`, 's3:ListBucket', bucketArn,
        sample.prefix === undefined ? TLS : { ...TLS, 's3:prefix': `${key.split('/').slice(0, -1).join('/')}/` }, 'allow'),
      ask(`GetObject ${key} without TLS`, 's3:GetObject', `${bucketArn}/${key}`, { 'aws:SecureTransport': 'false' }, 'deny'),
      ask(`GetObject ${key} as an outsider with the same IAM policies`, 's3:GetObject', `${bucketArn}/${key}`, TLS, 'deny', OUTSIDER),
    );
    if (keyArn !== undefined) {
      // Across accounts, an imported key's policy is not the app's: the library must warn (only the IAM half is there).
      if (!sameAccount && !keyOwned && !warned.some((w) => w.includes('resourcePolicyNotUpdated'))) {
        throw new Error(`grantee ${i} is in another account and the key is imported, but no resourcePolicyNotUpdated warning was given:\n${warned.join('\n')}`);
      }
      const keyPolicyAllows = (grants: SimpleGrant[]) => keyOwned && grants.length > 0;
      const writers = (grants: SimpleGrant[]) => grants.filter((x) => x.access === DataAccess.READ_WRITE);
      list.push(
        ask('kms:Decrypt via S3', 'kms:Decrypt', keyArn, viaS3(REGION), decide(identity.length > 0, keyPolicyAllows(resource), sameAccount)),
        ask('kms:GenerateDataKey via S3', 'kms:GenerateDataKey', keyArn, viaS3(REGION),
          decide(writes(identity), keyPolicyAllows(writers(resource)), sameAccount)),
        ask('kms:Decrypt directly (no kms:ViaService)', 'kms:Decrypt', keyArn, TLS, 'deny'),
        ask(`kms:Decrypt via S3 in ${OTHER_REGION}`, 'kms:Decrypt', keyArn, viaS3(OTHER_REGION), 'deny'),
        ask('kms:Decrypt via S3 as an outsider with the same IAM policies', 'kms:Decrypt', keyArn, viaS3(REGION), 'deny', OUTSIDER),
      );
    }
  });
  return list;
}
