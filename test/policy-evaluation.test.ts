import { App, Stack } from 'aws-cdk-lib';
import { bucketPolicy, Evaluation, evaluate, evaluateInApp, keyPolicy as appKeyPolicy, NamedPolicy, resolveTemplates, ResolvedApp, rolePolicies } from './util';
import { CrossAccountKmsGrant } from '../src/cross-account-kms-grant';
import { OkeraDataBucket } from '../src/data-bucket';
import { DataAccess, EncryptionType } from '../src/support-matrix';
import { OkeraWorkerRole } from '../src/worker-role';

/*
 * Offline evaluation of the policies the constructs synthesize: one app, the data in account A
 * (111111111111), the Okera workers in account B (222222222222), and an outsider in C (333333333333).
 * Every request is decided by iam-simulate over the resolved templates: the worker's managed policies,
 * the bucket policy and the key policy, with the cross-account rule (both halves must allow).
 */

const REGION = 'us-east-1';
const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const ORG = 'o-a1b2c3d4e5';
const roleArn = (account: string) => `arn:aws:iam::${account}:role/odas-iam-role`;
const WORKER = roleArn(B);
const OUTSIDER = roleArn(C);
const OTHER_KEY = `arn:aws:kms:${REGION}:${A}:key/0000aaaa-1111-2222-3333-444455556666`;

const TLS = { 'aws:SecureTransport': 'true' };
const VIA_S3 = { ...TLS, 'kms:ViaService': `s3.${REGION}.amazonaws.com` };

type GrantForm = 'account' | 'role ARN' | 'organization' | 'none';

interface ScenarioOptions {
  /** How the data stack registers the workers on the key (and bucket policy). */
  readonly grant: GrantForm;
  readonly access: DataAccess;
  /** Whether the worker roles add the data bucket (the IAM half). */
  readonly addBucket?: boolean;
  /** Worker accounts. Default: B and C. */
  readonly workerAccounts?: string[];
}

interface Scenario {
  readonly resolved: ResolvedApp;
  readonly bucketArn: string;
  readonly keyArn: string;
  readonly object: string;
}

function buildDataStack(app: App, options: ScenarioOptions): { stack: Stack; bucket: OkeraDataBucket } {
  const stack = new Stack(app, 'Data', { env: { account: A, region: REGION } });
  const bucket = new OkeraDataBucket(stack, 'Bucket', { encryption: EncryptionType.SSE_KMS });
  const who = {
    'account': { accounts: [B] },
    'role ARN': { roleArns: [WORKER] },
    'organization': { organizationId: ORG },
    'none': undefined,
  }[options.grant];
  if (who) {
    new CrossAccountKmsGrant(stack, 'Workers', { bucket, access: options.access, ...who });
  }
  return { stack, bucket };
}

/**
 * Two synths, as a platform team works: first the data account's stack, whose outputs (bucket ARN,
 * key ARN) the worker account then imports by value with `OkeraDataBucket.fromBucketAttributes`.
 */
function scenario(options: ScenarioOptions): Scenario {
  const probe = new App();
  const first = buildDataStack(probe, options);
  const published = resolveTemplates(first.stack);
  const bucketArn = published.resolveIn(first.stack, first.bucket.bucketArn);
  const keyArn = published.resolveIn(first.stack, first.bucket.encryptionKeyArn);

  const app = new App();
  const data = buildDataStack(app, options);
  for (const account of options.workerAccounts ?? [B, C]) {
    const stack = new Stack(app, `Workers${account}`, { env: { account, region: REGION } });
    const imported = OkeraDataBucket.fromBucketAttributes(stack, 'Data', { bucketArn, encryption: EncryptionType.SSE_KMS, encryptionKeyArn: keyArn });
    const worker = new OkeraWorkerRole(stack, 'Worker', { roleName: 'odas-iam-role' });
    if (options.addBucket ?? true) {
      worker.addDataBucket(imported, { access: options.access });
    }
  }
  const resolved = resolveTemplates(app.synth());
  // The same data stack, synthesized twice, must publish the same key: otherwise the test would prove nothing.
  expect(resolved.resolveIn(data.stack, data.bucket.encryptionKeyArn)).toBe(keyArn);
  expect(keyArn).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${A}:key/[0-9a-f-]{36}$`));
  return { resolved, bucketArn, keyArn, object: `${bucketArn}/tables/part-0.parquet` };
}

function ask(s: Scenario, principal: string, action: string, resource: string, context: Record<string, string>): Promise<Evaluation> {
  return evaluateInApp(s.resolved, { principal, action, resource, context });
}

/** Both the worker's identity policies and the key or bucket policy allow (not merely the overall decision). */
function expectBothHalvesAllow(result: Evaluation): void {
  expect({ decision: result.decision, identity: result.identityResult, resource: result.resourceResult, why: result.explanation })
    .toEqual({ decision: 'Allowed', identity: 'Allowed', resource: expect.stringMatching(/^Allowed(ForAccount)?$/), why: result.explanation });
}

function expectDenied(result: Evaluation, decision?: 'ExplicitlyDenied' | 'ImplicitlyDenied'): void {
  expect({ allowed: result.allowed, why: result.explanation }).toEqual({ allowed: false, why: result.explanation });
  if (decision) {
    expect({ decision: result.decision, why: result.explanation }).toEqual({ decision, why: result.explanation });
  }
}

describe.each<GrantForm>(['account', 'role ARN'])('data key in A shared with workers in B (grant by %s)', (grant) => {
  let read: Scenario;
  let readWrite: Scenario;
  beforeAll(() => {
    read = scenario({ grant, access: DataAccess.READ });
    readWrite = scenario({ grant, access: DataAccess.READ_WRITE });
  });

  test('a READ worker can list the bucket, get objects and decrypt them through S3', async () => {
    expectBothHalvesAllow(await ask(read, WORKER, 's3:GetObject', read.object, TLS));
    expectBothHalvesAllow(await ask(read, WORKER, 's3:ListBucket', read.bucketArn, TLS));
    expectBothHalvesAllow(await ask(read, WORKER, 'kms:Decrypt', read.keyArn, VIA_S3));
  });

  test('the worker cannot use the key directly (no kms:ViaService) or through S3 in another region', async () => {
    expectDenied(await ask(read, WORKER, 'kms:Decrypt', read.keyArn, TLS));
    expectDenied(await ask(read, WORKER, 'kms:Decrypt', read.keyArn, { ...TLS, 'kms:ViaService': 's3.eu-west-1.amazonaws.com' }));
    expectDenied(await ask(read, WORKER, 'kms:Decrypt', read.keyArn, { ...TLS, 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` }));
  });

  test('a role in a third account with the same IAM permissions can neither read nor decrypt', async () => {
    const outsider = await ask(read, OUTSIDER, 'kms:Decrypt', read.keyArn, VIA_S3);
    expect(outsider.identityResult).toBe('Allowed');
    expectDenied(outsider);
    expectDenied(await ask(read, OUTSIDER, 's3:GetObject', read.object, TLS));
  });

  test('a READ worker cannot write: no s3:PutObject, no kms:GenerateDataKey', async () => {
    expectDenied(await ask(read, WORKER, 's3:PutObject', read.object, TLS));
    expectDenied(await ask(read, WORKER, 'kms:GenerateDataKey', read.keyArn, VIA_S3));
  });

  test('a READ_WRITE worker can put objects, and both halves allow kms:GenerateDataKey and kms:Decrypt (multipart)', async () => {
    expectBothHalvesAllow(await ask(readWrite, WORKER, 's3:PutObject', readWrite.object, TLS));
    expectBothHalvesAllow(await ask(readWrite, WORKER, 'kms:GenerateDataKey', readWrite.keyArn, VIA_S3));
    expectBothHalvesAllow(await ask(readWrite, WORKER, 'kms:Decrypt', readWrite.keyArn, VIA_S3));
    expectBothHalvesAllow(await ask(readWrite, WORKER, 's3:AbortMultipartUpload', readWrite.object, TLS));
  });

  describe('the bucket policy on uploads', () => {
    const put = (context: Record<string, string>) => ask(readWrite, WORKER, 's3:PutObject', readWrite.object, { ...TLS, ...context });

    test('denies SSE-C uploads', async () => {
      expectDenied(await put({ 's3:x-amz-server-side-encryption-customer-algorithm': 'AES256' }), 'ExplicitlyDenied');
    });

    test('denies another algorithm: AES256 on the KMS bucket, and DSSE-KMS', async () => {
      expectDenied(await put({ 's3:x-amz-server-side-encryption': 'AES256' }), 'ExplicitlyDenied');
      expectDenied(await put({ 's3:x-amz-server-side-encryption': 'aws:kms:dsse' }), 'ExplicitlyDenied');
    });

    test('denies another key, and DSSE-KMS even with the bucket\'s own key', async () => {
      expectDenied(await put({ 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': OTHER_KEY }), 'ExplicitlyDenied');
      expectDenied(await put({ 's3:x-amz-server-side-encryption': 'aws:kms:dsse', 's3:x-amz-server-side-encryption-aws-kms-key-id': readWrite.keyArn }), 'ExplicitlyDenied');
      expectDenied(await put({ 's3:x-amz-server-side-encryption': 'AES256', 's3:x-amz-server-side-encryption-aws-kms-key-id': readWrite.keyArn }), 'ExplicitlyDenied');
    });

    test('allows an upload without encryption headers (the bucket default applies)', async () => {
      expectBothHalvesAllow(await put({}));
    });

    test('allows an upload naming the right algorithm and key ARN', async () => {
      expectBothHalvesAllow(await put({ 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': readWrite.keyArn }));
    });

    test('denies aws:kms without a key id (S3 would encrypt with the aws/s3 key, which other accounts cannot use)', async () => {
      expectDenied(await put({ 's3:x-amz-server-side-encryption': 'aws:kms' }), 'ExplicitlyDenied');
    });
  });

  test('requests without TLS are denied', async () => {
    expectDenied(await ask(readWrite, WORKER, 's3:GetObject', readWrite.object, { 'aws:SecureTransport': 'false' }), 'ExplicitlyDenied');
    expectDenied(await ask(readWrite, WORKER, 's3:PutObject', readWrite.object, { 'aws:SecureTransport': 'false' }), 'ExplicitlyDenied');
  });
});

describe('regression: cross-account SSE-KMS needs both the key policy and the IAM policy', () => {
  test('data key in A, worker in B, key policy left at its default (no CrossAccountKmsGrant): decrypt is denied', async () => {
    const s = scenario({ grant: 'none', access: DataAccess.READ, workerAccounts: [B] });
    const result = await ask(s, WORKER, 'kms:Decrypt', s.keyArn, VIA_S3);
    expect(result.identityResult).toBe('Allowed');
    expectDenied(result);
  });

  test('IAM half missing (worker role without addDataBucket): decrypt and read are denied', async () => {
    const s = scenario({ grant: 'account', access: DataAccess.READ, addBucket: false, workerAccounts: [B] });
    const result = await ask(s, WORKER, 'kms:Decrypt', s.keyArn, VIA_S3);
    expect(result.resourceResult).toMatch(/^Allowed(ForAccount)?$/);
    expectDenied(result);
    expectDenied(await ask(s, WORKER, 's3:GetObject', s.object, TLS));
  });

  test('both halves present: decrypt and read are allowed', async () => {
    const s = scenario({ grant: 'account', access: DataAccess.READ, workerAccounts: [B] });
    expectBothHalvesAllow(await ask(s, WORKER, 'kms:Decrypt', s.keyArn, VIA_S3));
    expectBothHalvesAllow(await ask(s, WORKER, 's3:GetObject', s.object, TLS));
  });
});

describe('organization grant (CrossAccountKmsGrant organizationId)', () => {
  let s: Scenario;
  beforeAll(() => {
    s = scenario({ grant: 'organization', access: DataAccess.READ, workerAccounts: [B, C] });
  });

  test('a worker whose account is in the organization can decrypt through S3 and read', async () => {
    const inOrg = { 'aws:PrincipalOrgID': ORG };
    expectBothHalvesAllow(await ask(s, WORKER, 'kms:Decrypt', s.keyArn, { ...VIA_S3, ...inOrg }));
    expectBothHalvesAllow(await ask(s, WORKER, 's3:GetObject', s.object, { ...TLS, ...inOrg }));
  });

  test('a member cannot decrypt without kms:ViaService', async () => {
    expectDenied(await ask(s, WORKER, 'kms:Decrypt', s.keyArn, { ...TLS, 'aws:PrincipalOrgID': ORG }));
  });

  test('a principal of the data account itself (also in the organization) gets nothing from the grant: without an IAM policy it is denied', async () => {
    // A role of account A with no identity policy: only the key and bucket policies could let it in.
    const insider = { principal: `arn:aws:iam::${A}:role/any-role`, identityPolicies: [] };
    const inOrg = { 'aws:PrincipalOrgID': ORG };
    expectDenied(await evaluate({ ...insider, action: 'kms:Decrypt', resource: s.keyArn, context: { ...VIA_S3, ...inOrg }, resourcePolicy: appKeyPolicy(s.resolved, s.keyArn) }));
    expectDenied(await evaluate({
      ...insider, action: 's3:GetObject', resource: s.object, context: { ...TLS, ...inOrg }, resourceAccount: A, resourcePolicy: bucketPolicy(s.resolved, s.bucketArn),
    }));
  });

  test('a principal outside the organization cannot', async () => {
    expectDenied(await ask(s, OUTSIDER, 'kms:Decrypt', s.keyArn, { ...VIA_S3, 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' }));
    expectDenied(await ask(s, OUTSIDER, 's3:GetObject', s.object, { ...TLS, 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' }));
  });
});

describe('same account, SSE-S3', () => {
  test('the worker reads with S3 permissions only: no KMS permission at all', async () => {
    const app = new App();
    const stack = new Stack(app, 'Lake', { env: { account: A, region: REGION } });
    const bucket = new OkeraDataBucket(stack, 'Bucket', { encryption: EncryptionType.SSE_S3 });
    const worker = new OkeraWorkerRole(stack, 'Worker', { roleName: 'odas-iam-role' });
    worker.addDataBucket(bucket);
    const resolved = resolveTemplates(stack);
    const bucketArn = resolved.resolveIn(stack, bucket.bucketArn);
    const policies = rolePolicies(resolved, roleArn(A)).identityPolicies;

    expect(policies.length).toBeGreaterThan(0);
    expect(JSON.stringify(policies)).not.toMatch(/"kms:/);
    const get = await evaluateInApp(resolved, { principal: roleArn(A), action: 's3:GetObject', resource: `${bucketArn}/a.csv`, context: TLS });
    expect({ decision: get.decision, identity: get.identityResult, why: get.explanation }).toEqual({ decision: 'Allowed', identity: 'Allowed', why: get.explanation });
    expectDenied(await evaluateInApp(resolved, { principal: roleArn(A), action: 's3:PutObject', resource: `${bucketArn}/a.csv`, context: TLS }));
  });
});

describe('permissions split across several managed policies', () => {
  const BUCKETS = 300;
  const KEYS = 30;
  const name = (i: number) => `data-bucket-${String(i).padStart(4, '0')}`;
  const key = (i: number) => `arn:aws:kms:${REGION}:${A}:key/${String(i).padStart(8, '0')}-aaaa-bbbb-cccc-dddddddddddd`;
  const access = (i: number) => (i % 2 === 0 ? DataAccess.READ : DataAccess.READ_WRITE);
  const keyPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' }] };

  let split: NamedPolicy[];
  beforeAll(() => {
    const app = new App();
    const stack = new Stack(app, 'Workers', { env: { account: A, region: REGION } });
    const worker = new OkeraWorkerRole(stack, 'Worker', { roleName: 'odas-iam-role' });
    for (let i = 1; i <= BUCKETS; i++) {
      const bucket = OkeraDataBucket.fromBucketAttributes(stack, `B${i}`, {
        bucketName: name(i), encryption: EncryptionType.SSE_KMS, encryptionKeyArn: key(i % KEYS),
      });
      worker.addDataBucket(bucket, { access: access(i) });
    }
    split = rolePolicies(resolveTemplates(stack), roleArn(A)).identityPolicies;
  });

  test('the role really has several managed policies', () => {
    expect(split.length).toBeGreaterThan(1);
  });

  test('all of them together allow exactly what one combined policy allows, and nothing else', async () => {
    const combined = [{ name: 'combined', policy: { Version: '2012-10-17', Statement: split.flatMap((p) => p.policy.Statement) } }];
    const sample = [1, 2, 149, 150, 298, 299, 300];
    const requests: Array<{ action: string; resource: string; context: Record<string, string>; expected: boolean }> = [];
    for (const i of sample) {
      const writes = access(i) === DataAccess.READ_WRITE;
      requests.push(
        { action: 's3:ListBucket', resource: `arn:aws:s3:::${name(i)}`, context: TLS, expected: true },
        { action: 's3:GetObject', resource: `arn:aws:s3:::${name(i)}/t/x.parquet`, context: TLS, expected: true },
        { action: 's3:PutObject', resource: `arn:aws:s3:::${name(i)}/t/x.parquet`, context: TLS, expected: writes },
        { action: 'kms:Decrypt', resource: key(i % KEYS), context: VIA_S3, expected: true },
        { action: 'kms:Decrypt', resource: key(i % KEYS), context: TLS, expected: false },
      );
    }
    requests.push(
      { action: 's3:GetObject', resource: `arn:aws:s3:::${name(BUCKETS + 1)}/t/x.parquet`, context: TLS, expected: false },
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::data-bucket', context: TLS, expected: false },
      { action: 'kms:Decrypt', resource: OTHER_KEY, context: VIA_S3, expected: false },
      { action: 's3:DeleteBucket', resource: `arn:aws:s3:::${name(1)}`, context: TLS, expected: false },
    );
    // key 1 protects READ_WRITE buckets (1, 31, ...), key 0 only READ ones (30, 60, ...).
    requests.push(
      { action: 'kms:GenerateDataKey', resource: key(1), context: VIA_S3, expected: true },
      { action: 'kms:GenerateDataKey', resource: key(0), context: VIA_S3, expected: false },
    );

    for (const r of requests) {
      const base = { principal: roleArn(A), action: r.action, resource: r.resource, context: r.context, resourceAccount: A, resourcePolicy: r.action.startsWith('kms:') ? keyPolicy : undefined };
      const withSplit = await evaluate({ ...base, identityPolicies: split });
      const withCombined = await evaluate({ ...base, identityPolicies: combined });
      expect({ request: r, split: withSplit.allowed }).toEqual({ request: r, split: r.expected });
      expect({ request: r, combined: withCombined.allowed }).toEqual({ request: r, combined: withSplit.allowed });
    }
  });
});
