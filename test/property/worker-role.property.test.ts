import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as fc from 'fast-check';
import {
  A, B, bucketNameArb, C, CaseResult, covers, decide, defaultKeyPolicy, ErrorName, Expectation, expectDecisions, expectNoErrorFindings,
  expectNoFragileConditions, expectNoWildcardResources, invalidPrefix, keyArnOf, materialize, mostlyUndefined, normalized, objectUnder,
  OTHER_REGION, OUTSIDE_KEY, OUTSIDER, PROPERTY_TIMEOUT, rare, REGION, runProperty, SEED, synthesize, Tally, TLS, validPrefix, valueArb,
  ValueSpec, viaS3, warnings,
} from './harness';
import { CrossAccountKmsGrant, DataAccess, EncryptionType, IOkeraDataBucket, OkeraDataBucket, OkeraWorkerRole } from '../../src';
import { bucketPolicy, keyPolicy, NamedPolicy, resolveTemplates, ResolvedApp, rolePolicies } from '../util';

/*
 * OkeraWorkerRole with random props, data buckets (imported in every encryption, account and region, or
 * owned by the app in the same stack, another stack or another environment), duplicates, long lists and
 * bucket name patterns: each case synthesizes into managed policies (no inline policy, within IAM's
 * limits) that allow exactly what was added, or fails with the documented error.
 */

type WorkerEnv = 'A' | 'B' | 'agnostic';
type Owned = 'owned-same-stack' | 'owned-other-stack' | 'owned-other-env';
type KeyDecl = { kind: 'literal'; account: string; region: string; n: number } | { kind: 'token'; spec: ValueSpec } | { kind: 'alias' } | { kind: 'missing' };

interface ImportedDecl {
  readonly kind: 'imported';
  readonly name: ValueSpec;
  readonly byArn: boolean;
  readonly encryption: EncryptionType;
  readonly key: KeyDecl;
  /** `account` attribute: undefined, an account, or an invalid id. */
  readonly account?: string;
  readonly region?: string;
}

interface OwnedDecl {
  readonly kind: Owned;
  readonly encryption: EncryptionType;
  /** For a bucket in another account: how its stack admits the role (CrossAccountKmsGrant), if at all. */
  readonly admit: 'none' | 'account-read' | 'account-read-write' | 'role-read-write';
}

type BucketDecl = ImportedDecl | OwnedDecl;

interface AddSpec {
  readonly bucket: number;
  readonly access?: DataAccess;
  /** undefined: the whole bucket; [] is invalid. */
  readonly prefixes?: ValueSpec[];
  readonly invalidPrefix?: string;
}

interface PatternSpec {
  readonly pattern: string;
  readonly access?: DataAccess;
  readonly encryption?: EncryptionType;
  readonly keys?: string[];
}

interface RoleCase {
  readonly env: WorkerEnv;
  readonly assumedBy?: 'account' | 'lambda';
  readonly createInstanceProfile?: boolean;
  readonly roleName?: ValueSpec;
  readonly path?: string;
  readonly maxSessionHours?: number;
  readonly anyKeyViaS3?: boolean;
  readonly anyKeyRegions?: string[];
  readonly maxManagedPolicies?: number;
  readonly extraPolicies: number;
  readonly buckets: BucketDecl[];
  readonly adds: AddSpec[];
  readonly patterns: PatternSpec[];
}

const SUPPORTED = [EncryptionType.SSE_S3, EncryptionType.SSE_KMS, EncryptionType.SSE_KMS_AWS_MANAGED];
const UNSUPPORTED = fc.constantFrom(EncryptionType.DSSE_KMS, EncryptionType.SSE_C, EncryptionType.CSE_KMS, EncryptionType.CSE_CLIENT_KEY);
/** A region no bucket or key of any case is in. */
const UNUSED_REGION = 'ap-southeast-2';
const accountOfEnv = (env: WorkerEnv) => (env === 'B' ? B : A);

const regionArb = fc.constantFrom(REGION, REGION, OTHER_REGION);

/** Imported buckets; `odds` is how rare an invalid attribute is (never, for long lists). */
const importedArb = (odds: number): fc.Arbitrary<ImportedDecl> => fc.record({
  name: valueArb(bucketNameArb),
  byArn: fc.boolean(),
  encryption: odds ? rare(fc.constantFrom(...SUPPORTED, EncryptionType.SSE_KMS), UNSUPPORTED, odds)
    : fc.constantFrom(EncryptionType.SSE_S3, EncryptionType.SSE_KMS, EncryptionType.SSE_KMS),
  account: mostlyUndefined(odds ? rare(fc.constantFrom(A, B, C), fc.constant('12345'), odds) : fc.constantFrom(A, B, C), 1),
  region: fc.option(regionArb, { nil: undefined }),
  keyN: fc.nat(5),
  keyKind: odds ? rare(fc.constantFrom('literal', 'literal', 'token'), fc.constantFrom('alias', 'missing', 'other-region'), odds) : fc.constant('literal'),
  keyToken: valueArb(fc.constant(''), true).filter((v) => v.as !== 'literal'),
}).map((d): ImportedDecl => {
  const account = d.account && /^\d{12}$/.test(d.account) ? d.account : A;
  const region = d.region ?? REGION;
  const kms = d.encryption === EncryptionType.SSE_KMS;
  const key: KeyDecl = !kms ? (d.keyKind === 'alias' ? { kind: 'literal', account, region, n: d.keyN } : { kind: 'missing' })
    : d.keyKind === 'literal' ? { kind: 'literal', account, region, n: d.keyN }
      : d.keyKind === 'other-region' ? { kind: 'literal', account, region: region === REGION ? OTHER_REGION : REGION, n: d.keyN }
        : d.keyKind === 'token' ? { kind: 'token', spec: { ...d.keyToken, value: keyArnOf(account, region, d.keyN) } }
          : d.keyKind === 'alias' ? { kind: 'alias' } : { kind: 'missing' };
  // A token key ARN or a key in another region needs the region stated (it is not read from the ARN).
  const explicitRegion = key.kind === 'token' || (key.kind === 'literal' && key.region !== region) || d.region !== undefined;
  return { kind: 'imported', name: d.name, byArn: d.byArn, encryption: d.encryption, key, account: d.account, region: explicitRegion ? region : undefined };
});

const ownedArb: fc.Arbitrary<OwnedDecl> = fc.record({
  kind: fc.constantFrom<Owned>('owned-same-stack', 'owned-same-stack', 'owned-other-stack', 'owned-other-env', 'owned-other-env'),
  encryption: fc.constantFrom(EncryptionType.SSE_S3, EncryptionType.SSE_KMS, EncryptionType.SSE_KMS, EncryptionType.SSE_KMS_AWS_MANAGED),
  admit: rare(fc.constantFrom<OwnedDecl['admit']>('account-read', 'account-read-write', 'account-read-write', 'role-read-write'), fc.constant('none')),
}).map((d) => (d.kind === 'owned-other-env' && d.encryption === EncryptionType.SSE_KMS_AWS_MANAGED ? { ...d, encryption: EncryptionType.SSE_S3 } : d));

const prefixArb = valueArb(validPrefix).map((v) => (v.as === 'literal' ? v : { ...v, value: normalized(v.value) || 'x' }));

const addArb = (buckets: number): fc.Arbitrary<AddSpec> => fc.record({
  bucket: fc.nat(buckets - 1),
  access: fc.option(fc.constantFrom(DataAccess.READ, DataAccess.READ_WRITE), { nil: undefined }),
  prefixes: fc.option(rare(fc.array(prefixArb, { minLength: 1, maxLength: 4 }), fc.constant([]), 40), { nil: undefined }),
  invalidPrefix: rare(fc.constant(undefined), invalidPrefix, 40),
}, { requiredKeys: ['bucket'] });

const patternArb: fc.Arbitrary<PatternSpec> = fc.record({
  pattern: fc.constantFrom('analytics-*', 'okera-??-data', 'data.lake.*', 'raw-*-eu'),
  access: fc.option(fc.constantFrom(DataAccess.READ, DataAccess.READ_WRITE), { nil: undefined }),
  encryption: fc.option(fc.constantFrom(EncryptionType.SSE_S3, EncryptionType.SSE_KMS, EncryptionType.SSE_KMS_AWS_MANAGED), { nil: undefined }),
  keys: fc.array(fc.tuple(regionArb, fc.nat(3)).map(([r, n]) => keyArnOf(A, r, 10 + n)), { minLength: 1, maxLength: 3 }),
}, { requiredKeys: ['pattern'] }).map((p) => {
  // Keys only for SSE_KMS (the default), else none.
  const kms = (p.encryption ?? EncryptionType.SSE_KMS) === EncryptionType.SSE_KMS;
  return { ...p, keys: kms ? p.keys : undefined };
});

/** Patterns the library must reject. */
const invalidPatternArb: fc.Arbitrary<PatternSpec> = fc.oneof<fc.Arbitrary<PatternSpec>[]>(
  fc.record({ pattern: fc.constantFrom('Bad_Pattern', 'a*', '**?', 'arn:aws:s3:::x*') }),
  fc.record({ pattern: fc.constant('analytics-*'), encryption: UNSUPPORTED }),
  fc.record({ pattern: fc.constant('analytics-*'), keys: fc.constantFrom([], [`arn:aws:kms:${REGION}:${A}:alias/okera`]) }),
  fc.record({ pattern: fc.constant('analytics-*'), encryption: fc.constant(EncryptionType.SSE_S3), keys: fc.constant([keyArnOf(A, REGION, 10)]) }),
  fc.record({ pattern: fc.constant('analytics-*') }),
);

/** Mostly a handful of buckets, sometimes a long list (several managed policies, maybe too many). */
const declArb: fc.Arbitrary<BucketDecl> = fc.oneof(
  { weight: 3, arbitrary: importedArb(40) as fc.Arbitrary<BucketDecl> },
  { weight: 1, arbitrary: ownedArb },
);
const bucketsArb: fc.Arbitrary<BucketDecl[]> = fc.oneof(
  { weight: 12, arbitrary: fc.array(declArb, { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.array(importedArb(0) as fc.Arbitrary<BucketDecl>, { minLength: 40, maxLength: 160 }) },
);

interface AnyKey {
  readonly anyKeyViaS3?: boolean;
  readonly anyKeyRegions?: string[];
}

/** anyKeyViaS3 and anyKeyRegions: mostly off, else on with or without regions; rarely an invalid combination. */
const anyKeyArb: fc.Arbitrary<AnyKey> = rare<AnyKey>(fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<AnyKey>({}, { anyKeyViaS3: false }) },
  { weight: 2, arbitrary: fc.constant<AnyKey>({ anyKeyViaS3: true }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<string[]>([REGION, OTHER_REGION], [REGION, OTHER_REGION], [REGION])
      .map((r): AnyKey => ({ anyKeyViaS3: true, anyKeyRegions: r })),
  },
), fc.constantFrom<AnyKey>(
  { anyKeyRegions: [REGION] }, { anyKeyViaS3: false, anyKeyRegions: [REGION] }, { anyKeyViaS3: true, anyKeyRegions: [] },
  { anyKeyViaS3: true, anyKeyRegions: ['us-east'] }, { anyKeyViaS3: true, anyKeyRegions: ['US-EAST-1'] },
));

const addsArb = (buckets: number): fc.Arbitrary<AddSpec[]> => (buckets === 0 ? fc.constant([])
  : fc.array(addArb(buckets), { maxLength: Math.max(6, buckets + 3) }));

const caseArb: fc.Arbitrary<RoleCase> = fc.record({
  env: rare(fc.constantFrom<WorkerEnv>('A', 'A', 'B'), fc.constant<WorkerEnv>('agnostic')),
  assumedBy: mostlyUndefined(fc.constantFrom<'account' | 'lambda'>('account', 'lambda')),
  createInstanceProfile: fc.option(fc.boolean(), { nil: undefined }),
  roleName: fc.option(valueArb(fc.constantFrom('odas-iam-role', 'okera.workers+prod@x', 'r'.repeat(64), 'okera_w=1,2')), { nil: undefined }),
  path: fc.option(fc.constantFrom('/', '/okera/workers/'), { nil: undefined }),
  maxSessionHours: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
  anyKey: anyKeyArb,
  maxManagedPolicies: mostlyUndefined(rare(fc.integer({ min: 1, max: 20 }), fc.constantFrom(0, 21, 2.5))),
  extraPolicies: fc.constantFrom(0, 0, 0, 1, 3),
  buckets: bucketsArb,
  patterns: fc.array(rare(patternArb, invalidPatternArb, 30), { maxLength: 2 }),
}).chain((c) => addsArb(c.buckets.length).map((adds): RoleCase => {
  const { anyKey, ...rest } = c;
  // Long lists add every bucket (most once, some twice).
  const all = c.buckets.length >= 40 ? c.buckets.map((_, i) => ({ bucket: i, access: i % 3 === 0 ? DataAccess.READ_WRITE : undefined })) : [];
  return { ...rest, ...anyKey, adds: [...all, ...adds] };
}));

/** The resolved facts of a declared bucket the model needs. */
interface BucketFacts {
  readonly account?: string;
  readonly region?: string;
  /** Known at synth time in the worker's environment. */
  readonly keyKnown: boolean;
  readonly keyArnValue?: string;
  readonly valid: boolean;
}

function facts(c: RoleCase, d: BucketDecl): BucketFacts {
  const workerAccount = c.env === 'agnostic' ? undefined : accountOfEnv(c.env);
  if (d.kind !== 'imported') {
    const account = d.kind === 'owned-other-env' ? (workerAccount === A ? B : A) : workerAccount;
    return { account, region: c.env === 'agnostic' ? undefined : REGION, keyKnown: false, valid: true };
  }
  const keyAccount = d.key.kind === 'literal' ? d.key.account : undefined;
  const keyRegion = d.key.kind === 'literal' ? d.key.region : undefined;
  const account = d.account ?? (d.encryption === EncryptionType.SSE_KMS ? keyAccount : undefined) ?? workerAccount;
  const region = d.region ?? (d.encryption === EncryptionType.SSE_KMS ? keyRegion : undefined) ?? (c.env === 'agnostic' ? undefined : REGION);
  const keyArnValue = d.key.kind === 'literal' ? keyArnOf(d.key.account, d.key.region, d.key.n) : d.key.kind === 'token' ? d.key.spec.value : undefined;
  return { account, region, keyKnown: d.key.kind === 'literal', keyArnValue, valid: importErrors(d).length === 0 };
}

/** fromBucketAttributes errors, in the library's order. */
function importErrors(d: ImportedDecl): ErrorName[] {
  const errors: ErrorName[] = [];
  if (!SUPPORTED.includes(d.encryption)) {
    errors.push('unsupportedEncryption');
  }
  if (d.account !== undefined && !/^\d{12}$/.test(d.account)) {
    errors.push('accountId');
  }
  if (d.encryption === EncryptionType.SSE_KMS) {
    if (d.key.kind === 'missing') {
      errors.push('importMissingKey');
    } else if (d.key.kind === 'alias') {
      errors.push('keyArn');
    } else if (d.key.kind === 'literal' && d.region !== undefined && d.key.region !== d.region) {
      errors.push('keyRegion');
    }
  } else if (d.key.kind !== 'missing') {
    errors.push('importKeyWithoutKms');
  }
  return errors;
}

/** The documented errors the case must raise, and those it may raise (too many managed policies for a long list). */
function predictErrors(c: RoleCase): { required: ErrorName[]; allowed: ErrorName[] } {
  const errors: ErrorName[] = [];
  if (c.maxManagedPolicies !== undefined && (!Number.isInteger(c.maxManagedPolicies) || c.maxManagedPolicies < 1 || c.maxManagedPolicies > 20)) {
    errors.push('maxManagedPolicies');
  }
  if (c.anyKeyRegions !== undefined) {
    if (!c.anyKeyViaS3) {
      errors.push('anyKeyRegionsWithoutAnyKey');
    } else if (c.anyKeyRegions.length === 0) {
      errors.push('anyKeyRegionsEmpty');
    } else if (c.anyKeyRegions.some((r) => !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(r))) {
      errors.push('anyKeyRegionInvalid');
    }
  }
  const anyKeyRegions = c.anyKeyViaS3 ? c.anyKeyRegions : undefined;
  c.buckets.forEach((d) => {
    if (d.kind === 'imported') {
      errors.push(...importErrors(d));
    } else if (d.kind === 'owned-other-env' && d.admit !== 'none' && d.encryption === EncryptionType.SSE_KMS_AWS_MANAGED) {
      errors.push('grantAwsManaged');
    }
  });
  const workerAccount = c.env === 'agnostic' ? undefined : accountOfEnv(c.env);
  const declared = new Map<string, { encryption: EncryptionType; key?: string }>();
  c.adds.forEach((add) => {
    const d = c.buckets[add.bucket];
    const f = facts(c, d);
    if (add.prefixes?.length === 0) {
      errors.push('prefixesEmpty');
    }
    if (add.invalidPrefix !== undefined) {
      errors.push('prefix');
    }
    const otherAccount = workerAccount !== undefined && f.account !== undefined && f.account !== workerAccount;
    if (d.encryption === EncryptionType.SSE_KMS_AWS_MANAGED && otherAccount) {
      errors.push('awsManagedCrossAccount');
    }
    if (d.encryption === EncryptionType.SSE_KMS) {
      if (anyKeyRegions && f.region !== undefined && !anyKeyRegions.includes(f.region)) {
        errors.push('regionNotInAnyKeyRegions');
      }
      if (!c.anyKeyViaS3 && d.kind === 'owned-other-env') {
        errors.push('keyArnDeployTime');
      }
    }
    if (d.kind === 'imported' && d.name.as === 'literal') {
      // Each token key ARN is its own CfnParameter: the library cannot tell two of them equal.
      const key = c.anyKeyViaS3 || d.encryption !== EncryptionType.SSE_KMS ? undefined : d.key.kind === 'token' ? `token ${add.bucket}` : f.keyArnValue;
      const before = declared.get(d.name.value);
      if (before && (before.encryption !== d.encryption || before.key !== key)) {
        errors.push('conflictingEncryption');
      }
      declared.set(d.name.value, before ?? { encryption: d.encryption, key });
    }
  });
  const declaredPatterns = new Map<string, string>();
  for (const p of c.patterns) {
    errors.push(...patternErrors(c, p));
    // The same pattern again must declare the same encryption and keys (and so the same default accounts).
    const declaration = `${p.encryption ?? EncryptionType.SSE_KMS} ${[...new Set(p.keys ?? [])].sort().join(',')}`;
    if ((declaredPatterns.get(p.pattern) ?? declaration) !== declaration) {
      errors.push('patternConflict');
    }
    declaredPatterns.set(p.pattern, declaredPatterns.get(p.pattern) ?? declaration);
  }
  // At synthesis: a bucket of the app in another account must admit the role (CrossAccountKmsGrant) at each access level used.
  c.buckets.forEach((d, i) => {
    const levels = effectiveAdds(c).filter((g) => g.bucket === i).map((g) => g.access);
    if (d.kind === 'owned-other-env' && levels.length > 0 && !admits(d, levels)) {
      errors.push('crossAccountNotAdmitted');
    }
  });
  // At synthesis: anyKeyViaS3 needs a region at each access level that has grants.
  if (c.anyKeyViaS3 && c.anyKeyRegions === undefined) {
    for (const access of [DataAccess.READ, DataAccess.READ_WRITE]) {
      const bucketsAtLevel = levelGrants(c, access).length;
      const patterns = mergedPatterns(c).filter((p) => p.access === access);
      if (bucketsAtLevel === 0 && patterns.length > 0 && patterns.every((p) => (p.keys ?? []).length === 0)) {
        errors.push('patternAnyKeyNoRegion');
      }
    }
  }
  const allowed: ErrorName[] = c.buckets.length >= 40 || c.maxManagedPolicies !== undefined || c.extraPolicies > 0 ? ['tooManyPolicies'] : [];
  return { required: errors, allowed };
}

function patternErrors(c: RoleCase, p: PatternSpec): ErrorName[] {
  if (!/^[a-z0-9.\-*?]+$/.test(p.pattern)) {
    return ['patternChars'];
  }
  if (p.pattern.replace(/[*?]/g, '').length < 3) {
    return ['patternTooShort'];
  }
  const encryption = p.encryption ?? EncryptionType.SSE_KMS;
  if (!SUPPORTED.includes(encryption)) {
    return ['patternUnsupported'];
  }
  if (p.keys?.length === 0) {
    return ['patternKeysEmpty'];
  }
  const errors: ErrorName[] = [];
  for (const k of p.keys ?? []) {
    if (k.includes(':alias/')) {
      return ['keyArn'];
    }
    if (c.anyKeyViaS3 && c.anyKeyRegions && !c.anyKeyRegions.includes(k.split(':')[3])) {
      errors.push('regionNotInAnyKeyRegions');
    }
  }
  if (p.keys && encryption !== EncryptionType.SSE_KMS) {
    errors.push('patternKeysWithoutKms');
  }
  if (encryption === EncryptionType.SSE_KMS && !p.keys) {
    if (!c.anyKeyViaS3) {
      errors.push('patternNoKeys');
    } else if (c.anyKeyRegions === undefined) {
      errors.push('patternAnyKeyNoRegion');
    }
  }
  return errors;
}

/** Whether the bucket's CrossAccountKmsGrant admits the role for all these access levels. */
function admits(d: OwnedDecl, levels: DataAccess[]): boolean {
  return d.admit !== 'none' && (d.admit !== 'account-read' || levels.every((a) => a === DataAccess.READ));
}

/** Per bucket (by declaration identity: an owned bucket, or an imported name), the grants that apply. */
interface Grant {
  readonly bucket: number;
  readonly access: DataAccess;
  readonly prefix?: string;
}

function effectiveAdds(c: RoleCase): Grant[] {
  return c.adds.flatMap((a) => (a.prefixes ?? [undefined]).map((p) => ({ bucket: a.bucket, access: a.access ?? DataAccess.READ, prefix: p?.value })));
}

/**
 * The grants that remain at an access level once merged as the library does: per bucket, read-write wins
 * over read for the prefixes it covers.
 */
function levelGrants(c: RoleCase, access: DataAccess): Grant[] {
  const all = effectiveAdds(c);
  const sameBucket = (a: Grant, b: Grant) => a.bucket === b.bucket || libraryIdentity(c, a.bucket) === libraryIdentity(c, b.bucket);
  return all.filter((g) => g.access === access && (access === DataAccess.READ_WRITE
    || !all.some((w) => w.access === DataAccess.READ_WRITE && sameBucket(w, g) && covers(w.prefix, objectUnder(g.prefix)))));
}

/** How the library tells buckets apart: a literal name, else the declaration. */
function libraryIdentity(c: RoleCase, index: number): string {
  const d = c.buckets[index];
  return d.kind === 'imported' && d.name.as === 'literal' ? `name:${d.name.value}` : `decl:${index}`;
}

function mergedPatterns(c: RoleCase): Array<PatternSpec & { access: DataAccess }> {
  const merged = new Map<string, PatternSpec & { access: DataAccess }>();
  for (const p of c.patterns) {
    const before = merged.get(p.pattern);
    const access = before?.access === DataAccess.READ_WRITE ? DataAccess.READ_WRITE : p.access ?? DataAccess.READ;
    merged.set(p.pattern, { ...p, access, keys: [...before?.keys ?? [], ...p.keys ?? []] });
  }
  return [...merged.values()];
}

/** Whether the case is one the generator should produce (not rejected by CDK itself, deployable somewhere). */
function meaningful(c: RoleCase): boolean {
  // An environment-agnostic role stack cannot reference other stacks.
  if (c.env === 'agnostic' && c.buckets.some((d) => d.kind === 'owned-other-stack' || d.kind === 'owned-other-env')) {
    return false;
  }
  // A role name given as a token is the user's; CDK cannot name the role in another environment.
  if (c.roleName && c.roleName.as !== 'literal' && c.buckets.some((d) => d.kind === 'owned-other-env' && d.admit === 'role-read-write')) {
    return false;
  }
  return true;
}

interface Built {
  readonly stack: Stack;
  readonly worker: OkeraWorkerRole;
  readonly buckets: IOkeraDataBucket[];
  readonly keyArns: Array<string | undefined>;
}

function build(app: App, c: RoleCase): Built {
  const env = c.env === 'agnostic' ? undefined : { account: accountOfEnv(c.env), region: REGION };
  const stack = new Stack(app, 'Workers', { env });
  const worker = new OkeraWorkerRole(stack, 'Worker', {
    assumedBy: c.assumedBy === 'account' ? new iam.AccountPrincipal(C) : c.assumedBy === 'lambda' ? new iam.ServicePrincipal('lambda.amazonaws.com') : undefined,
    createInstanceProfile: c.createInstanceProfile,
    roleName: c.roleName && materialize(stack, c.roleName),
    path: c.path,
    maxSessionDuration: c.maxSessionHours === undefined ? undefined : Duration.hours(c.maxSessionHours),
    description: 'Okera workers (property test)',
    anyKeyViaS3: c.anyKeyViaS3,
    anyKeyRegions: c.anyKeyRegions,
    maxManagedPolicies: c.maxManagedPolicies,
  });
  for (let i = 0; i < c.extraPolicies; i++) {
    new iam.ManagedPolicy(stack, `Extra${i}`, {
      roles: [worker.role],
      statements: [new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: [`arn:aws:logs:${REGION}:${A}:log-group:okera-${i}:*`] })],
    });
  }
  const otherStacks = new Map<string, Stack>();
  const dataStack = (kind: Owned) => {
    if (kind === 'owned-same-stack') {
      return stack;
    }
    const account = kind === 'owned-other-env' ? (accountOfEnv(c.env) === A ? B : A) : accountOfEnv(c.env);
    if (!otherStacks.has(kind)) {
      otherStacks.set(kind, new Stack(app, kind === 'owned-other-env' ? 'OtherAccountData' : 'Data', { env: { account, region: REGION } }));
    }
    return otherStacks.get(kind)!;
  };
  const keyArns: Array<string | undefined> = [];
  const buckets = c.buckets.map((d, i) => {
    if (d.kind !== 'imported') {
      const bucket = new OkeraDataBucket(dataStack(d.kind), `Bucket${i}`, { encryption: d.encryption });
      keyArns.push(bucket.encryptionKeyArn);
      if (d.kind === 'owned-other-env' && d.admit !== 'none') {
        new CrossAccountKmsGrant(dataStack(d.kind), `Admit${i}`, {
          bucket,
          access: d.admit === 'account-read' ? DataAccess.READ : DataAccess.READ_WRITE,
          ...(d.admit === 'role-read-write' ? { roleArns: [worker.roleArn] } : { accounts: [accountOfEnv(c.env)] }),
        });
      }
      return bucket;
    }
    const name = materialize(stack, d.name);
    const keyArn = d.key.kind === 'literal' ? keyArnOf(d.key.account, d.key.region, d.key.n)
      : d.key.kind === 'token' ? materialize(stack, d.key.spec) : d.key.kind === 'alias' ? `arn:aws:kms:${REGION}:${A}:alias/okera` : undefined;
    keyArns.push(keyArn);
    return OkeraDataBucket.fromBucketAttributes(stack, `Imported${i}`, {
      ...(d.byArn ? { bucketArn: `arn:aws:s3:::${name}` } : { bucketName: name }),
      encryption: d.encryption,
      encryptionKeyArn: keyArn,
      account: d.account,
      region: d.region,
    });
  });
  for (const add of c.adds) {
    const prefixes = add.invalidPrefix !== undefined ? [add.invalidPrefix] : add.prefixes?.map((p) => materialize(stack, p));
    worker.addDataBucket(buckets[add.bucket], { access: add.access, prefixes });
  }
  for (const p of c.patterns) {
    worker.addBucketNamePattern(p.pattern, { access: p.access, encryption: p.encryption, encryptionKeyArns: p.keys });
  }
  return { stack, worker, buckets, keyArns };
}

/**
 * One case: synthesize or fail with the predicted error (a quota error is checked against a roomier
 * quota); then OkeraChecks, least privilege, the role's shape and, with an explicit environment, the
 * evaluation of the worker's requests.
 */
async function checkCase(c: RoleCase): Promise<CaseResult> {
  let built: Built | undefined;
  const outcome = synthesize(predictErrors(c), (app) => {
    built = build(app, c);
  });
  if (!outcome.ok) {
    if (outcome.error === 'tooManyPolicies') {
      expectReallyTooMany(c, outcome.message);
    }
    return { failed: outcome.error };
  }
  expectNoErrorFindings(built!.stack.node.root as App);
  expectNoWildcardResources(outcome.assembly, c.anyKeyViaS3 === true);
  expectNoFragileConditions(outcome.assembly);
  expectRoleShape(c, built!, outcome.assembly);
  if (c.env === 'agnostic') {
    return { evaluated: false };
  }
  await expectDecisions(expectations(c, built!, resolveTemplates(outcome.assembly)));
  return { evaluated: true };
}

describe(`OkeraWorkerRole, random props, buckets and patterns (seed ${SEED})`, () => {
  test('synthesizes into managed policies that allow exactly what was added, or fails with a documented error', async () => {
    const tally = new Tally();
    await runProperty(caseArb.filter(meaningful), async (c) => tally.add(await checkCase(c)));
    tally.expectBalanced();
  }, PROPERTY_TIMEOUT);
});

/** A "too many managed policies" error is right: with the largest quota and nothing else attached, it needs more than it had. */
function expectReallyTooMany(c: RoleCase, message: string): void {
  const m = /need (\d+) managed policies of at most 6144 characters, but maxManagedPolicies is (\d+)(?: and (\d+) other managed policies are already attached)?/.exec(message)!;
  const [needed, max, attached] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  expect({ message, budgetExceeded: needed > max - attached, attached }).toEqual({ message, budgetExceeded: true, attached: c.extraPolicies });
  let built: Built | undefined;
  const roomy = synthesize([needed > 20 ? 'tooManyPolicies' : undefined].filter((x): x is ErrorName => x !== undefined), (app) => {
    built = build(app, { ...c, maxManagedPolicies: 20, extraPolicies: 0 });
  });
  if (roomy.ok) {
    expect({ message, policies: built!.worker.managedPolicies.length }).toEqual({ message, policies: needed });
  }
}

/** The role has its data permissions in managed policies only, within the quota and size limits. */
function expectRoleShape(c: RoleCase, built: Built, assembly: ReturnType<App['synth']>): void {
  const template = assembly.getStackArtifact(built.stack.artifactId).template;
  const resources = Object.values<any>(template.Resources);
  const roleLogicalId = built.stack.getLogicalId(built.worker.role.node.defaultChild as iam.CfnRole);
  const role = template.Resources[roleLogicalId];
  expect(role.Properties.Policies).toBeUndefined();
  expect(resources.filter((r) => r.Type === 'AWS::IAM::Policy')).toEqual([]);
  const policies = built.worker.managedPolicies;
  const anything = c.adds.length > 0 || c.patterns.length > 0;
  if (anything) {
    expect(policies.length).toBeLessThanOrEqual((c.maxManagedPolicies ?? 10) - c.extraPolicies);
  }
  expect({ policies: policies.length > 0, anything }).toEqual({ policies: anything, anything });
  for (const policy of policies) {
    const document = template.Resources[built.stack.getLogicalId(policy.node.defaultChild as iam.CfnManagedPolicy)].Properties.PolicyDocument;
    // Lengths of literal documents only (tokens are counted conservatively by OkeraChecks' IamManagedPolicySize).
    if (!JSON.stringify(document).includes('"Fn::') && !JSON.stringify(document).includes('"Ref"')) {
      expect(JSON.stringify(document).replace(/\s/g, '').length).toBeLessThanOrEqual(6144);
    }
  }
  expect(resources.some((r) => r.Type === 'AWS::IAM::InstanceProfile')).toBe(c.createInstanceProfile ?? c.assumedBy === undefined);
  if (!anything) {
    expect(warnings(assembly).some((w) => w.includes('noDataBuckets'))).toBe(true);
  }
}

/** What the worker may and may not do, per bucket added and pattern. */
function expectations(c: RoleCase, built: Built, resolved: ResolvedApp): Expectation[] {
  const workerAccount = accountOfEnv(c.env);
  const principal: string = resolved.resolveIn(built.stack, built.worker.roleArn);
  const identityPolicies: NamedPolicy[] = rolePolicies(resolved, principal).identityPolicies;
  const policyText = JSON.stringify(identityPolicies);
  const grants = effectiveAdds(c);
  const patterns = mergedPatterns(c);
  const list: Expectation[] = [];
  const ask = (why: string, action: string, resource: string, context: Record<string, any>, expect: Expectation['expect'], resourcePolicy: any,
    resourceAccount?: string, who = principal): Expectation => ({
    why, expect, request: { principal: who, action, resource, context, identityPolicies, resourcePolicy, resourceAccount },
  });

  // Buckets, grouped by what they are at deploy time (an imported name may be declared twice, or as a literal and a token).
  const groups = new Map<string, { index: number; grants: Grant[] }>();
  grants.forEach((g) => {
    const d = c.buckets[g.bucket];
    const id = d.kind === 'imported' ? `name:${d.name.value}` : `decl:${g.bucket}`;
    groups.set(id, { index: groups.get(id)?.index ?? g.bucket, grants: [...groups.get(id)?.grants ?? [], g] });
  });
  const keyGrants = new Map<string, { region: string; writes: boolean; policy: any; account: string; admitted: boolean; writeAdmitted: boolean }>();
  for (const { index, grants: bucketGrants } of groups.values()) {
    const d = c.buckets[index];
    const f = facts(c, d);
    const bucket = built.buckets[index];
    const inApp = d.kind !== 'imported';
    const bucketArn: string = inApp ? resolved.resolveIn(Stack.of(bucket), bucket.bucketArn) : `arn:aws:s3:::${(d as ImportedDecl).name.value}`;
    const account = f.account ?? workerAccount;
    const sameAccount = account === workerAccount;
    const policy = inApp ? bucketPolicy(resolved, bucketArn) ?? null : null;
    // Another account's bucket admits the role only through a CrossAccountKmsGrant of the app (for imported
    // buckets, the bucket policy is not part of this case: only the IAM half is judged).
    const admitted = d.kind === 'owned-other-env' && d.admit !== 'none';
    const writeAdmitted = admitted && (d as OwnedDecl).admit !== 'account-read';
    const onS3 = (identity: boolean, write = false) => decide(identity, write ? writeAdmitted : admitted, sameAccount);
    const sample = bucketGrants[(index * 5 + bucketGrants.length) % bucketGrants.length];
    const key = objectUnder(sample.prefix);
    const readable = (k: string) => bucketGrants.some((g) => covers(g.prefix, k));
    const writable = (k: string) => bucketGrants.some((g) => g.access === DataAccess.READ_WRITE && covers(g.prefix, k));
    const why = `bucket ${index} (${d.kind} ${d.encryption} in ${account}/${f.region})`;
    list.push(
      ask(`${why} GetObject ${key}`, 's3:GetObject', `${bucketArn}/${key}`, TLS, onS3(readable(key)), policy, account),
      ask(`${why} PutObject ${key}`, 's3:PutObject', `${bucketArn}/${key}`, TLS, onS3(writable(key), true), policy, account),
      ask(`${why} GetObject ${OUTSIDE_KEY}`, 's3:GetObject', `${bucketArn}/${OUTSIDE_KEY}`, TLS, onS3(readable(OUTSIDE_KEY)), policy, account),
      ask(`${why} ListBucket under ${sample.prefix ?? '(whole bucket)'}`, 's3:ListBucket', bucketArn,
        sample.prefix === undefined ? TLS : { ...TLS, 's3:prefix': `${key.split('/').slice(0, -1).join('/')}/` }, onS3(true), policy, account),
    );
    if (inApp) {
      list.push(ask(`${why} GetObject ${key} as an outsider with the same IAM policies`, 's3:GetObject', `${bucketArn}/${key}`, TLS, 'deny', policy, account, OUTSIDER));
    }
  }
  // Keys, per declaration (the same bucket may be declared with another encryption through a token name).
  c.buckets.forEach((d, index) => {
    const declGrants = grants.filter((g) => g.bucket === index);
    if (d.encryption !== EncryptionType.SSE_KMS || declGrants.length === 0) {
      return;
    }
    const f = facts(c, d);
    const account = f.account ?? workerAccount;
    const inApp = d.kind !== 'imported';
    const admitted = d.kind === 'owned-other-env' && d.admit !== 'none';
    const keyArn: string = inApp ? resolved.resolveIn(Stack.of(built.buckets[index]), built.keyArns[index]) : f.keyArnValue!;
    const before = keyGrants.get(keyArn);
    keyGrants.set(keyArn, {
      region: f.region!,
      account,
      writes: (before?.writes ?? false) || declGrants.some((g) => g.access === DataAccess.READ_WRITE),
      policy: inApp ? keyPolicy(resolved, keyArn) : defaultKeyPolicy(account),
      admitted,
      writeAdmitted: admitted && (d as OwnedDecl).admit !== 'account-read',
    });
  });
  if (!c.anyKeyViaS3 && keyGrants.size === 0 && patterns.every((p) => !p.keys)) {
    const kmsActions = policyText.match(/"kms:[A-Za-z*]+"/g);
    if (kmsActions) {
      throw new Error(`the role has KMS permissions (${kmsActions.join(', ')}) but no SSE_KMS bucket: ${policyText}`);
    }
  }
  for (const p of patterns) {
    const name = p.pattern.replace(/\*/g, 'x1').replace(/\?/g, 'q');
    const arn = `arn:aws:s3:::${name}`;
    const why = `pattern ${p.pattern} (${p.access})`;
    list.push(
      ask(`${why} GetObject`, 's3:GetObject', `${arn}/any/file.csv`, TLS, 'allow', null, workerAccount),
      ask(`${why} PutObject`, 's3:PutObject', `${arn}/any/file.csv`, TLS, p.access === DataAccess.READ_WRITE || writablePatternBucket(c, name) ? 'allow' : 'identity-deny', null, workerAccount),
    );
    for (const k of p.keys ?? []) {
      const before = keyGrants.get(k);
      keyGrants.set(k, {
        region: k.split(':')[3],
        account: A,
        writes: (before?.writes ?? false) || p.access === DataAccess.READ_WRITE,
        policy: defaultKeyPolicy(A),
        admitted: false,
        writeAdmitted: false,
      });
    }
  }
  list.push(ask('a bucket never added: GetObject', 's3:GetObject', 'arn:aws:s3:::zz-never-added/x.csv', TLS, 'identity-deny', null, workerAccount));

  const anyKeyRegions = (access: DataAccess) => {
    const levelBuckets = grants.filter((g) => access === DataAccess.READ || g.access === DataAccess.READ_WRITE);
    const levelPatterns = patterns.filter((p) => access === DataAccess.READ || p.access === DataAccess.READ_WRITE);
    return c.anyKeyRegions ?? [...levelBuckets.map((g) => facts(c, c.buckets[g.bucket]).region!), ...levelPatterns.flatMap((p) => (p.keys ?? []).map((k) => k.split(':')[3]))];
  };
  for (const [keyArn, k] of keyGrants) {
    const sameAccount = k.account === workerAccount;
    const writes = k.writes || (c.anyKeyViaS3 === true && anyKeyRegions(DataAccess.READ_WRITE).includes(k.region) && hasWriteLevel(c));
    const why = `key ${keyArn}`;
    list.push(
      ask(`${why} kms:Decrypt via S3`, 'kms:Decrypt', keyArn, viaS3(k.region), decide(true, k.admitted, sameAccount), k.policy),
      ask(`${why} kms:GenerateDataKey via S3`, 'kms:GenerateDataKey', keyArn, viaS3(k.region), decide(writes, k.writeAdmitted, sameAccount), k.policy),
      ask(`${why} kms:Decrypt directly`, 'kms:Decrypt', keyArn, TLS, 'identity-deny', k.policy),
      ask(`${why} kms:Decrypt via S3 in ${UNUSED_REGION}`, 'kms:Decrypt', keyArn, viaS3(UNUSED_REGION), 'identity-deny', k.policy),
    );
  }
  if (c.anyKeyViaS3) {
    const someKey = keyArnOf(C, REGION, 99);
    const regions = anyKeyRegions(DataAccess.READ);
    list.push(ask(`anyKeyViaS3: kms:Decrypt on any key via S3 in ${REGION}`, 'kms:Decrypt', someKey, viaS3(REGION),
      regions.includes(REGION) && (grants.length > 0 || patterns.length > 0) ? 'identity-only' : 'identity-deny', defaultKeyPolicy(C)));
    list.push(ask('anyKeyViaS3: kms:Decrypt on any key directly', 'kms:Decrypt', someKey, TLS, 'identity-deny', defaultKeyPolicy(C)));
  }
  return list;
}

function hasWriteLevel(c: RoleCase): boolean {
  return effectiveAdds(c).some((g) => g.access === DataAccess.READ_WRITE) || mergedPatterns(c).some((p) => p.access === DataAccess.READ_WRITE);
}

/** Whether a bucket of that name is also covered read-write by another pattern (patterns can overlap). */
function writablePatternBucket(c: RoleCase, name: string): boolean {
  return mergedPatterns(c).some((p) => p.access === DataAccess.READ_WRITE && new RegExp(`^${p.pattern.replace(/\./g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(name));
}
