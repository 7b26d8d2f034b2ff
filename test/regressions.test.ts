import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { bucket as cfnBucket, include, template } from './nag/helpers';
import {
  A, allStatements, B, C, expectNoFragileConditions, newApp, REGION, roleArnOf, statementsIn, TLS, viaS3, workerIdentityPolicy,
} from './property/harness';
import { bucketPolicy, Evaluation, evaluate, evaluateInApp, keyPolicy, resolveTemplates, ResolvedApp, rolePolicies } from './util';
import { CrossAccountKmsGrant, DataAccess, EncryptionType, OkeraChecks, OkeraDataBucket, OkeraFinding, OkeraWorkerRole } from '../src';

/*
 * Regression tests, one per real incident: each title says what went wrong in production and what the
 * library (or OkeraChecks) now does instead. Data account A (111111111111), Okera workers in B
 * (222222222222), an outsider in C (333333333333).
 */

const WORKER = roleArnOf(B);
const findings = (app: App): OkeraFinding[] => new OkeraChecks().audit(app);
const errorsOf = (app: App, ruleId: string) => findings(app).filter((f) => f.ruleId === ruleId && f.level === 'Error');

function expectAllowedByBothHalves(result: Evaluation): void {
  expect({ decision: result.decision, identity: result.identityResult, resource: result.resourceResult, why: result.explanation })
    .toEqual({ decision: 'Allowed', identity: 'Allowed', resource: expect.stringMatching(/^Allowed(ForAccount)?$/), why: result.explanation });
}

function expectDenied(result: Evaluation): void {
  expect({ allowed: result.allowed, why: result.explanation }).toEqual({ allowed: false, why: result.explanation });
}

interface CrossAccount {
  readonly resolved: ResolvedApp;
  readonly app: App;
  readonly bucketArn: string;
  readonly keyArn: string;
}

/**
 * The two-account setup as a platform team deploys it: the data stack in A (an SSE-KMS OkeraDataBucket,
 * optionally a CrossAccountKmsGrant for B: the key-policy half), then, with the ARNs the data stack
 * publishes, the worker stack in B (the bucket imported with its key ARN, an OkeraWorkerRole, optionally
 * adding the bucket: the IAM half).
 */
function crossAccount(options: { keyPolicyHalf: boolean; iamHalf: boolean; access: DataAccess }): CrossAccount {
  const dataStack = (app: App) => {
    const stack = new Stack(app, 'Data', { env: { account: A, region: REGION } });
    const bucket = new OkeraDataBucket(stack, 'Bucket', { encryption: EncryptionType.SSE_KMS });
    if (options.keyPolicyHalf) {
      new CrossAccountKmsGrant(stack, 'Workers', { bucket, accounts: [B], access: options.access });
    }
    return { stack, bucket };
  };
  const probe = dataStack(newApp());
  const published = resolveTemplates(probe.stack);
  const bucketArn = published.resolveIn(probe.stack, probe.bucket.bucketArn);
  const keyArn = published.resolveIn(probe.stack, probe.bucket.encryptionKeyArn);

  const app = newApp();
  dataStack(app);
  const workers = new Stack(app, 'Workers', { env: { account: B, region: REGION } });
  const imported = OkeraDataBucket.fromBucketAttributes(workers, 'Data', { bucketArn, encryption: EncryptionType.SSE_KMS, encryptionKeyArn: keyArn });
  const worker = new OkeraWorkerRole(workers, 'Worker', { roleName: 'odas-iam-role' });
  if (options.iamHalf) {
    worker.addDataBucket(imported, { access: options.access });
  }
  return { resolved: resolveTemplates(app.synth()), app, bucketArn, keyArn };
}

describe('incident: SSE-KMS data in account A, Okera workers in account B, key policy left at its default', () => {
  test('with both halves (CrossAccountKmsGrant on the key policy, OkeraWorkerRole IAM policy) the worker decrypts through S3 and reads', async () => {
    const s = crossAccount({ keyPolicyHalf: true, iamHalf: true, access: DataAccess.READ });
    expectAllowedByBothHalves(await evaluateInApp(s.resolved, { principal: WORKER, action: 'kms:Decrypt', resource: s.keyArn, context: viaS3(REGION) }));
    expectAllowedByBothHalves(await evaluateInApp(s.resolved, { principal: WORKER, action: 's3:GetObject', resource: `${s.bucketArn}/t/p.parquet`, context: TLS }));
    expect(findings(s.app).filter((f) => f.level === 'Error')).toEqual([]);
  });

  test('without the key-policy half (no CrossAccountKmsGrant) KMS denies the decrypt although the IAM policy allows it', async () => {
    const s = crossAccount({ keyPolicyHalf: false, iamHalf: true, access: DataAccess.READ });
    const result = await evaluateInApp(s.resolved, { principal: WORKER, action: 'kms:Decrypt', resource: s.keyArn, context: viaS3(REGION) });
    expect(result.identityResult).toBe('Allowed');
    expectDenied(result);
  });

  test('without the IAM half (the worker role never adds the bucket) the decrypt and the read are denied although the key policy allows them', async () => {
    const s = crossAccount({ keyPolicyHalf: true, iamHalf: false, access: DataAccess.READ });
    const result = await evaluateInApp(s.resolved, { principal: WORKER, action: 'kms:Decrypt', resource: s.keyArn, context: viaS3(REGION) });
    expect(result.resourceResult).toMatch(/^Allowed(ForAccount)?$/);
    expectDenied(result);
    expectDenied(await evaluateInApp(s.resolved, { principal: WORKER, action: 's3:GetObject', resource: `${s.bucketArn}/t/p.parquet`, context: TLS }));
  });
});

describe('incident: a bucket on the AWS managed aws/s3 key shared with another account (KMS AccessDenied on every object)', () => {
  const FIX = [/customer managed key/, /SSE[-_]S3/];
  const expectFailsNamingTheFix = (build: (app: App) => void) => {
    const app = newApp();
    let message = '';
    try {
      build(app);
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^\[[^\]]+\] .*aws\/s3/);
    for (const fix of FIX) {
      expect(message).toMatch(fix);
    }
  };
  const awsManagedBucket = (app: App) => new OkeraDataBucket(new Stack(app, 'Data', { env: { account: A, region: REGION } }), 'Bucket', {
    encryption: EncryptionType.SSE_KMS_AWS_MANAGED,
  });
  const workerStack = (app: App) => new Stack(app, 'Workers', { env: { account: B, region: REGION } });

  test('registering another account on it with CrossAccountKmsGrant fails at synth, naming a customer managed key or SSE-S3', () => {
    expectFailsNamingTheFix((app) => {
      const bucket = awsManagedBucket(app);
      new CrossAccountKmsGrant(Stack.of(bucket), 'Workers', { bucket, accounts: [B] });
    });
  });

  test('adding it (imported in the worker account) to a worker role of another account fails at synth, naming the fix', () => {
    expectFailsNamingTheFix((app) => {
      const stack = workerStack(app);
      const imported = OkeraDataBucket.fromBucketAttributes(stack, 'Data', { bucketName: 'okera-data', encryption: EncryptionType.SSE_KMS_AWS_MANAGED, account: A, region: REGION });
      new OkeraWorkerRole(stack, 'Worker').addDataBucket(imported);
    });
  });

  test('granting it to a role of another account with grantRead fails at synth, naming the fix', () => {
    expectFailsNamingTheFix((app) => {
      const bucket = awsManagedBucket(app);
      bucket.grantRead(new iam.Role(workerStack(app), 'Worker', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'), roleName: 'odas-iam-role' }));
    });
  });

  test('the same bucket on SSE-S3 is shared with S3 permissions only: no KMS statement anywhere, and the worker reads', async () => {
    const app = newApp();
    const data = new Stack(app, 'Data', { env: { account: A, region: REGION } });
    const bucket = new OkeraDataBucket(data, 'Bucket', { bucketName: 'okera-data', encryption: EncryptionType.SSE_S3 });
    new CrossAccountKmsGrant(data, 'Workers', { bucket, accounts: [B] });
    const workers = new Stack(app, 'Workers', { env: { account: B, region: REGION } });
    const imported = OkeraDataBucket.fromBucketAttributes(workers, 'Data', { bucketName: 'okera-data', encryption: EncryptionType.SSE_S3, account: A, region: REGION });
    new OkeraWorkerRole(workers, 'Worker', { roleName: 'odas-iam-role' }).addDataBucket(imported);
    const resolved = resolveTemplates(app.synth());

    expect(JSON.stringify(allStatements(app.synth()))).not.toMatch(/"kms:/);
    expectAllowedByBothHalves(await evaluateInApp(resolved, { principal: WORKER, action: 's3:GetObject', resource: 'arn:aws:s3:::okera-data/t/p.csv', context: TLS }));
    expect(findings(app).filter((f) => f.level === 'Error')).toEqual([]);
  });
});

describe('incident: a bucket imported by ARN only, without its encryption, given to the worker role (grant without KMS, AccessDenied on decrypt)', () => {
  const stack = () => new Stack(newApp(), 'Workers', { env: { account: B, region: REGION } });

  test('OkeraDataBucket.fromBucketAttributes without encryption (possible from other jsii languages) fails, naming the encryption types', () => {
    const s = stack();
    expect(() => OkeraDataBucket.fromBucketAttributes(s, 'Data', { bucketArn: 'arn:aws:s3:::okera-data' } as any))
      .toThrow(/^\[Workers\/Data\] encryption 'undefined' cannot be used: .*Use one of: SSE_S3, SSE_KMS, SSE_KMS_AWS_MANAGED/);
  });

  test('declaring SSE-KMS without the key ARN fails: the grant would miss the KMS permissions', () => {
    const s = stack();
    expect(() => OkeraDataBucket.fromBucketAttributes(s, 'Data', { bucketArn: 'arn:aws:s3:::okera-data', encryption: EncryptionType.SSE_KMS }))
      .toThrow(/^\[Workers\/Data\] encryption is SSE_KMS but encryptionKeyArn is missing: grants would miss the KMS permissions/);
  });

  test('a plain s3.Bucket.fromBucketArn given to addDataBucket is refused: its encryption is unknown', () => {
    const s = stack();
    const plain = s3.Bucket.fromBucketArn(s, 'Plain', 'arn:aws:s3:::okera-data');
    const worker = new OkeraWorkerRole(s, 'Worker');
    expect(() => worker.addDataBucket(plain as any)).toThrow(/^\[Workers\/Worker\] .*is not an OkeraDataBucket: its encryption is unknown.*fromBucketAttributes/);
  });

  test('declared SSE-KMS with its key ARN, the worker role gets kms:Decrypt on that key through S3', async () => {
    const s = stack();
    const keyArn = `arn:aws:kms:${REGION}:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const imported = OkeraDataBucket.fromBucketAttributes(s, 'Data', { bucketArn: 'arn:aws:s3:::okera-data', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: keyArn });
    new OkeraWorkerRole(s, 'Worker', { roleName: 'odas-iam-role' }).addDataBucket(imported);
    const resolved = resolveTemplates(s);
    const identityPolicies = rolePolicies(resolved, WORKER).identityPolicies;
    const decrypt = await evaluate({ principal: WORKER, action: 'kms:Decrypt', resource: keyArn, context: viaS3(REGION), identityPolicies });
    expect(decrypt.identityResult).toBe('Allowed');
  });
});

describe('incident: large uploads (multipart) by a read-write worker failed with kms:GenerateDataKey / kms:Decrypt AccessDenied', () => {
  let readWrite: CrossAccount;
  let read: CrossAccount;
  beforeAll(() => {
    readWrite = crossAccount({ keyPolicyHalf: true, iamHalf: true, access: DataAccess.READ_WRITE });
    read = crossAccount({ keyPolicyHalf: true, iamHalf: true, access: DataAccess.READ });
  });

  test('a READ_WRITE worker of another account is allowed kms:GenerateDataKey and kms:Decrypt through S3 by the IAM and the key policy', async () => {
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      const result = await evaluateInApp(readWrite.resolved, { principal: WORKER, action, resource: readWrite.keyArn, context: viaS3(REGION) });
      expectAllowedByBothHalves(result);
    }
  });

  test('both halves name kms:GenerateDataKey* and kms:Decrypt, and the multipart S3 actions are allowed', async () => {
    const identity = JSON.stringify(rolePolicies(readWrite.resolved, WORKER).identityPolicies);
    const key = JSON.stringify(keyPolicy(readWrite.resolved, readWrite.keyArn));
    for (const text of [identity, key]) {
      expect(text).toContain('"kms:GenerateDataKey*"');
      expect(text).toContain('"kms:Decrypt"');
    }
    const object = `${readWrite.bucketArn}/big/file.parquet`;
    for (const action of ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts']) {
      expectAllowedByBothHalves(await evaluateInApp(readWrite.resolved, { principal: WORKER, action, resource: object, context: TLS }));
    }
    expectAllowedByBothHalves(await evaluateInApp(readWrite.resolved, { principal: WORKER, action: 's3:ListBucketMultipartUploads', resource: readWrite.bucketArn, context: TLS }));
  });

  test('a READ worker is not allowed to write: no kms:GenerateDataKey, no s3:PutObject', async () => {
    expectDenied(await evaluateInApp(read.resolved, { principal: WORKER, action: 'kms:GenerateDataKey', resource: read.keyArn, context: viaS3(REGION) }));
    expectDenied(await evaluateInApp(read.resolved, { principal: WORKER, action: 's3:PutObject', resource: `${read.bucketArn}/big/file.parquet`, context: TLS }));
  });
});

/**
 * An app with every construct and option that writes policies: a Bucket Key SSE-KMS bucket and an SSE-S3
 * bucket, cross-account grants by account, role and organization, worker roles in both accounts (one
 * with prefixes, one with anyKeyViaS3 and a name pattern), and grantReadWrite to a plain role.
 */
function everyPolicyApp(): { app: App; data: Stack; kmsBucket: OkeraDataBucket } {
  const app = newApp();
  const data = new Stack(app, 'Data', { env: { account: A, region: REGION } });
  const kmsBucket = new OkeraDataBucket(data, 'Curated', { bucketName: 'okera-curated', encryption: EncryptionType.SSE_KMS, bucketKeyEnabled: true });
  const s3Bucket = new OkeraDataBucket(data, 'Raw', { bucketName: 'okera-raw', encryption: EncryptionType.SSE_S3 });
  new CrossAccountKmsGrant(data, 'ByAccount', { bucket: kmsBucket, accounts: [B], access: DataAccess.READ_WRITE, prefixes: ['curated/2024'] });
  new CrossAccountKmsGrant(data, 'ByRole', { bucket: kmsBucket, roleArns: [roleArnOf(C)] });
  new CrossAccountKmsGrant(data, 'ByOrganization', { bucket: s3Bucket, organizationId: 'o-a1b2c3d4e5' });
  const local = new OkeraWorkerRole(data, 'LocalWorkers');
  local.addDataBucket(kmsBucket, { access: DataAccess.READ_WRITE, prefixes: ['curated/2024'] });
  local.addDataBucket(s3Bucket);
  kmsBucket.grantReadWrite(new iam.Role(data, 'Etl', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') }), 'etl');

  const workers = new Stack(app, 'Workers', { env: { account: B, region: REGION } });
  const keyArn = `arn:aws:kms:${REGION}:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const imported = OkeraDataBucket.fromBucketAttributes(workers, 'Curated', { bucketName: 'okera-curated', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: keyArn });
  new OkeraWorkerRole(workers, 'Workers', { roleName: 'odas-iam-role' }).addDataBucket(imported, { access: DataAccess.READ_WRITE, prefixes: ['curated/2024'] });
  const anyKey = new OkeraWorkerRole(workers, 'AnyKeyWorkers', { anyKeyViaS3: true, anyKeyRegions: [REGION] });
  anyKey.addBucketNamePattern('analytics-*', { access: DataAccess.READ });
  anyKey.addDataBucket(imported);
  return { app, data, kmsBucket };
}

describe('incident: a "least privilege" KMS condition on the object ARN as encryption context denied every read on a Bucket Key bucket', () => {
  test('no statement the library writes has a kms:EncryptionContext condition naming object ARNs', () => {
    const { app } = everyPolicyApp();
    const resolved = resolveTemplates(app.synth());
    const statements = statementsIn(resolved.stacks.map((s) => s.template));
    expect(statements.length).toBeGreaterThan(20);
    const onObjects = statements.filter((s) => Object.values<any>(s.Condition ?? {}).some((values) => Object.entries<any>(values)
      .some(([key, v]) => /^kms:EncryptionContext:aws:s3:arn$/i.test(key) && [v].flat().some((x: string) => /^arn:[^:]+:s3:::[^/]+\/.+/.test(x)))));
    expect(onObjects).toEqual([]);
  });

  test('OkeraChecks reports a hand-written key-policy statement conditioned on the objects of a Bucket Key bucket as an error', () => {
    const { app, kmsBucket } = everyPolicyApp();
    kmsBucket.encryptionKey!.addToResourcePolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      principals: [new iam.AccountPrincipal(B)],
      resources: ['*'],
      conditions: { StringLike: { 'kms:EncryptionContext:aws:s3:arn': `${kmsBucket.bucketArn}/*` } },
    }));
    app.synth();
    const found = errorsOf(app, 'Okera-KmsEncryptionContextBucketKey');
    expect(found.map((f) => f.resourceType)).toEqual(['AWS::KMS::Key']);
    expect(found[0].message).toMatch(/Bucket Keys/);
  });
});

describe('incident: 300 worker accounts registered one CrossAccountKmsGrant at a time on one key (key policy over the 32 KB KMS limit)', () => {
  const accounts = (n: number) => Array.from({ length: n }, (_, i) => String(700000000000 + i));

  test('300 grants of one account each keep the deployed key policy under 32,768 bytes, and every account (only those) decrypts through S3', async () => {
    const app = newApp();
    const data = new Stack(app, 'Data', { env: { account: A, region: REGION } });
    const bucket = new OkeraDataBucket(data, 'Bucket', { encryption: EncryptionType.SSE_KMS });
    accounts(300).forEach((account, i) => new CrossAccountKmsGrant(data, `Account${i}`, { bucket, accounts: [account] }));
    const resolved = resolveTemplates(app.synth());
    const keyArn = resolved.resolveIn(data, bucket.encryptionKeyArn);
    const bucketArn = resolved.resolveIn(data, bucket.bucketArn);
    const document = keyPolicy(resolved, keyArn);

    expect(Buffer.byteLength(JSON.stringify(document))).toBeLessThan(32_768);
    expect(Buffer.byteLength(JSON.stringify(bucketPolicy(resolved, bucketArn)))).toBeLessThan(20_480);
    const identityPolicies = [workerIdentityPolicy(bucketArn, DataAccess.READ, [], keyArn)];
    const decrypt = (account: string) => evaluate({ principal: roleArnOf(account), action: 'kms:Decrypt', resource: keyArn, context: viaS3(REGION), identityPolicies, resourcePolicy: document });
    for (const account of [accounts(300)[0], accounts(300)[299]]) {
      expectAllowedByBothHalves(await decrypt(account));
    }
    expectDenied(await decrypt(C));
  });

  test('past the limit, synthesis fails with an error that gives the size and explains the organization form', () => {
    const app = newApp();
    const data = new Stack(app, 'Data', { env: { account: A, region: REGION } });
    const key = new kms.Key(data, 'Key', { enableKeyRotation: true });
    const grant = new CrossAccountKmsGrant(data, 'Accounts', { key, accounts: [B] });
    accounts(2500).forEach((account) => grant.addAccount(account));
    expect(() => app.synth()).toThrow(/\[Data\/Key\] The key policy would be about [\d,]+ bytes once deployed, [\d,]+ over the limit of 32,768 bytes[\s\S]*Grant the AWS Organization instead: organizationId: 'o-\.\.\.'/);
  });
});

describe('incident: a bucket policy requiring the encryption header broke uploads that rely on default encryption', () => {
  test('the library never writes a deny that fires when the header is missing, and header-less uploads by a granted worker are allowed', async () => {
    const { app } = everyPolicyApp();
    const assembly = app.synth();
    expect(() => expectNoFragileConditions(assembly)).not.toThrow();
    const resolved = resolveTemplates(assembly);
    const upload = await evaluateInApp(resolved, { principal: WORKER, action: 's3:PutObject', resource: 'arn:aws:s3:::okera-curated/curated/2024/big.parquet', context: TLS });
    expectAllowedByBothHalves(upload);
  });

  test('OkeraChecks warns on a hand-written Null "true" deny of the header on a bucket with default encryption', () => {
    const { app, kmsBucket } = everyPolicyApp();
    kmsBucket.bucket.addToResourcePolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [kmsBucket.bucket.arnForObjects('*')],
      conditions: { Null: { 's3:x-amz-server-side-encryption': 'true' } },
    }));
    app.synth();
    const found = findings(app).filter((f) => f.ruleId === 'Okera-S3EncryptionHeaderOptional');
    expect(found.map((f) => [f.level, f.resourceType])).toEqual([['Warning', 'AWS::S3::BucketPolicy']]);
  });
});

describe('incident: a bucket whose encryption rule explicitly unblocked SSE-C received objects Okera can never read', () => {
  test('OkeraChecks reports BlockedEncryptionTypes NONE as an error, on a template and on a CDK bucket', () => {
    const { app: templateApp } = include(template({ Data: cfnBucket('aws:kms', { key: `arn:aws:kms:${REGION}:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, blocked: ['NONE'] }) }));
    expect(errorsOf(templateApp, 'Okera-S3SseCBlocked').map((f) => f.resourceLogicalId)).toEqual(['Data']);

    const app = newApp();
    new s3.Bucket(new Stack(app, 'Data', { env: { account: A, region: REGION } }), 'Open', {
      encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, blockedEncryptionTypes: [s3.BlockedEncryptionType.NONE],
    });
    app.synth();
    expect(errorsOf(app, 'Okera-S3SseCBlocked')).toHaveLength(1);
  });

  test('an OkeraDataBucket blocks SSE-C, and unblocking it through the escape hatch is caught by OkeraChecks', () => {
    const app = newApp();
    const data = new OkeraDataBucket(new Stack(app, 'Data', { env: { account: A, region: REGION } }), 'Bucket');
    app.synth();
    expect(errorsOf(app, 'Okera-S3SseCBlocked')).toEqual([]);
    (data.bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('BucketEncryption.ServerSideEncryptionConfiguration.0.BlockedEncryptionTypes.EncryptionType', ['NONE']);
    expect(errorsOf(app, 'Okera-S3SseCBlocked')).toHaveLength(1);
  });
});

describe('incident: a DSSE-KMS bucket was reported as "unencrypted" instead of unsupported', () => {
  test('OkeraChecks reports DSSE-KMS as an unsupported encryption error, not as missing encryption', () => {
    const app = newApp();
    new s3.Bucket(new Stack(app, 'Data', { env: { account: A, region: REGION } }), 'Archive', {
      encryption: s3.BucketEncryption.DSSE_MANAGED, enforceSSL: true, blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
    });
    app.synth();
    const all = findings(app);
    const unsupported = all.filter((f) => f.ruleId === 'Okera-S3EncryptionSupported');
    expect(unsupported.map((f) => f.level)).toEqual(['Error']);
    expect(unsupported[0].message).toMatch(/aws:kms:dsse/);
    expect(unsupported[0].message).toMatch(/not a type Okera supports/);
    expect(unsupported[0].message).not.toMatch(/unencrypted|no default encryption/i);
    expect(all.filter((f) => f.ruleId === 'Okera-S3EncryptionDeclared')).toEqual([]);
  });

  test('an OkeraDataBucket, an imported data bucket and a bucket name pattern cannot be declared DSSE-KMS', () => {
    const stack = new Stack(newApp(), 'Data', { env: { account: A, region: REGION } });
    expect(() => new OkeraDataBucket(stack, 'Bucket', { encryption: EncryptionType.DSSE_KMS }))
      .toThrow(/^\[Data\/Bucket\] encryption 'DSSE_KMS' cannot be used: DSSE-KMS is not supported by Okera/);
    expect(() => OkeraDataBucket.fromBucketAttributes(stack, 'Imported', { bucketName: 'archive', encryption: EncryptionType.DSSE_KMS }))
      .toThrow(/^\[Data\/Imported\] encryption 'DSSE_KMS' cannot be used/);
    expect(() => new OkeraWorkerRole(stack, 'Worker').addBucketNamePattern('archive-*', { encryption: EncryptionType.DSSE_KMS }))
      .toThrow(/^\[Data\/Worker\] Bucket name pattern 'archive-\*' is encrypted with DSSE-KMS, which Okera cannot read/);
  });
});
