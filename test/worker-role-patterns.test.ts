import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DataAccess, EncryptionType, OkeraDataBucket, OkeraWorkerRole, OkeraWorkerRoleProps } from '../src';
import { evaluate, Evaluation, NamedPolicy, resolveTemplates, rolePolicies } from './util';

/*
 * OkeraWorkerRole.addBucketNamePattern: bucket names are global, so a pattern is limited to the accounts that
 * own its buckets (s3:ResourceAccount); patterns that can never match a bucket, keys of another partition and
 * conflicting repeats are synth-time errors.
 */

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const REGION = 'us-east-1';
const ROLE_ARN = `arn:aws:iam::${A}:role/odas-iam-role`;
const KEY_A = `arn:aws:kms:${REGION}:${A}:key/aaaaaaaa-1111-2222-3333-444444444444`;
const KEY_B = `arn:aws:kms:${REGION}:${B}:key/bbbbbbbb-1111-2222-3333-444444444444`;
const SSE_S3 = { encryption: EncryptionType.SSE_S3 };
const RW_S3 = { access: DataAccess.READ_WRITE, encryption: EncryptionType.SSE_S3 };
const TLS = { 'aws:SecureTransport': 'true' };

/** A role in account A, us-east-1; or in another region; or in an environment-agnostic stack. */
function setup(props: OkeraWorkerRoleProps = {}, region: string | 'agnostic' = REGION) {
  const app = new App();
  const stack = new Stack(app, 'Workers', { env: region === 'agnostic' ? undefined : { account: A, region } });
  const workers = new OkeraWorkerRole(stack, 'Role', { roleName: 'odas-iam-role', ...props });
  return { app, stack, workers };
}

const asList = (v: unknown) => (Array.isArray(v) ? v : [v]);

/** The S3 statements of the role's managed policies, deployed (intrinsics resolved), or as synthesized. */
function s3Statements(stack: Stack, as: 'deployed' | 'synthesized' = 'deployed'): any[] {
  const documents = as === 'deployed' ? resolveTemplates(stack).resources('AWS::IAM::ManagedPolicy').map((r) => r.properties.PolicyDocument)
    : Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy')).map((p) => p.Properties.PolicyDocument);
  return documents.flatMap((d) => d.Statement).filter((s) => asList(s.Action).some((a: string) => a.startsWith('s3:')));
}

const owners = (accounts: unknown) => ({ StringEquals: { 's3:ResourceAccount': accounts } });

describe('pattern accounts: evaluated with iam-simulate', () => {
  let policies: NamedPolicy[];
  beforeAll(() => {
    const { stack, workers } = setup();
    workers.addBucketNamePattern('analytics-*', RW_S3);
    workers.addBucketNamePattern('partner-*', { ...RW_S3, accounts: [B] });
    workers.addBucketNamePattern('shared-*', { encryptionKeyArns: [KEY_B] });
    policies = rolePolicies(resolveTemplates(stack), ROLE_ARN).identityPolicies;
  });

  /** A bucket policy that lets anyone in: what an outsider would set on a bucket named to match the pattern. */
  const openBucket = (bucket: string) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] }],
  });

  /** The worker's request on a bucket owned by `account` (the harness sets s3:ResourceAccount to the owner, as S3 does). */
  function ask(action: string, bucket: string, account: string, key?: string): Promise<Evaluation> {
    return evaluate({
      principal: ROLE_ARN,
      action,
      resource: `arn:aws:s3:::${bucket}${key ? `/${key}` : ''}`,
      resourceAccount: account,
      context: TLS,
      identityPolicies: policies,
      resourcePolicy: account === A ? undefined : openBucket(bucket),
    });
  }
  const expectAllowed = (e: Evaluation) => expect({ decision: e.decision, why: e.explanation }).toEqual({ decision: 'Allowed', why: e.explanation });
  /** Denied by the role's own policies: the outsider's bucket policy cannot open it. */
  const expectIdentityDenied = (e: Evaluation) => expect({ allowed: e.allowed, identity: e.identityResult, why: e.explanation })
    .toEqual({ allowed: false, identity: 'ImplicitlyDenied', why: e.explanation });

  test('by default a pattern matches buckets of the role\'s account only', async () => {
    expectAllowed(await ask('s3:PutObject', 'analytics-x', A, 'in/file.csv'));
    expectAllowed(await ask('s3:GetObject', 'analytics-x', A, 'in/file.csv'));
    expectAllowed(await ask('s3:ListBucket', 'analytics-x', A));
    expectAllowed(await ask('s3:GetBucketLocation', 'analytics-x', A));
  });

  test('the same bucket name in another account is denied, even when its bucket policy lets everyone in', async () => {
    expectIdentityDenied(await ask('s3:PutObject', 'analytics-x', C, 'exfiltrated.csv'));
    expectIdentityDenied(await ask('s3:GetObject', 'analytics-x', C, 'planted.csv'));
    expectIdentityDenied(await ask('s3:ListBucket', 'analytics-x', C));
  });

  test('explicit accounts replace the default: the partner\'s bucket is allowed, the role\'s own account is not', async () => {
    expectAllowed(await ask('s3:PutObject', 'partner-x', B, 'in/file.csv'));
    expectIdentityDenied(await ask('s3:PutObject', 'partner-x', A, 'in/file.csv'));
    expectIdentityDenied(await ask('s3:PutObject', 'partner-x', C, 'in/file.csv'));
  });

  test('the accounts of the keys are owners by default too', async () => {
    expectAllowed(await ask('s3:GetObject', 'shared-x', B, 'in/file.csv'));
    expectAllowed(await ask('s3:GetObject', 'shared-x', A, 'in/file.csv'));
    expectIdentityDenied(await ask('s3:GetObject', 'shared-x', C, 'in/file.csv'));
  });
});

describe('pattern accounts: template', () => {
  test('the default is the role\'s account plus the accounts of the known key ARNs; a token key ARN adds none', () => {
    const { stack, workers } = setup();
    const tokenKey = new CfnParameter(stack, 'KeyArn', { default: KEY_B }).valueAsString;
    workers.addBucketNamePattern('plain-*', SSE_S3);
    workers.addBucketNamePattern('keyed-*', { encryptionKeyArns: [KEY_A, KEY_B] });
    workers.addBucketNamePattern('token-*', { access: DataAccess.READ_WRITE, encryptionKeyArns: [tokenKey] });
    const conditions = Object.fromEntries(s3Statements(stack).map((s) => [asList(s.Resource)[0], s.Condition]));
    expect(conditions).toEqual({
      'arn:aws:s3:::plain-*': owners(A),
      'arn:aws:s3:::plain-*/*': owners(A),
      'arn:aws:s3:::keyed-*': owners([A, B]),
      'arn:aws:s3:::keyed-*/*': owners([A, B]),
      'arn:aws:s3:::token-*': owners(A),
      'arn:aws:s3:::token-*/*': owners(A),
    });
  });

  test('an environment-agnostic stack writes its own account as AWS::AccountId', () => {
    const { stack, workers } = setup({}, 'agnostic');
    workers.addBucketNamePattern('analytics-*', SSE_S3);
    const statements = s3Statements(stack, 'synthesized');
    expect(statements).toHaveLength(2);
    statements.forEach((s) => expect(s.Condition).toEqual(owners({ Ref: 'AWS::AccountId' })));
  });

  test('one statement per access level and account set; data buckets keep their unconditioned statements', () => {
    const { stack, workers } = setup();
    workers.addDataBucket(OkeraDataBucket.fromBucketAttributes(stack, 'Sales', { bucketName: 'sales', ...SSE_S3 }));
    workers.addBucketNamePattern('a-one-*', SSE_S3);
    workers.addBucketNamePattern('a-two-*', { ...SSE_S3, accounts: [A] });
    workers.addBucketNamePattern('b-one-*', { ...SSE_S3, accounts: [C, B, C] });
    workers.addBucketNamePattern('b-two-*', { ...SSE_S3, accounts: [B, C] });
    workers.addBucketNamePattern('rw-one-*', RW_S3);
    const summary = s3Statements(stack).map((s) => ({ actions: asList(s.Action).length, resources: s.Resource, condition: s.Condition }));
    expect(summary).toEqual([
      { actions: 2, resources: 'arn:aws:s3:::sales', condition: undefined },
      { actions: 2, resources: 'arn:aws:s3:::sales/*', condition: undefined },
      { actions: 2, resources: ['arn:aws:s3:::a-one-*', 'arn:aws:s3:::a-two-*'], condition: owners(A) },
      { actions: 2, resources: ['arn:aws:s3:::a-one-*/*', 'arn:aws:s3:::a-two-*/*'], condition: owners(A) },
      { actions: 2, resources: ['arn:aws:s3:::b-one-*', 'arn:aws:s3:::b-two-*'], condition: owners([B, C]) },
      { actions: 2, resources: ['arn:aws:s3:::b-one-*/*', 'arn:aws:s3:::b-two-*/*'], condition: owners([B, C]) },
      { actions: 3, resources: 'arn:aws:s3:::rw-one-*', condition: owners(A) },
      { actions: 6, resources: 'arn:aws:s3:::rw-one-*/*', condition: owners(A) },
    ]);
  });

  test('accounts are validated: empty or malformed is an error naming the value; a token is kept', () => {
    const { stack, workers } = setup();
    expect(() => workers.addBucketNamePattern('analytics-*', { ...SSE_S3, accounts: [] }))
      .toThrow(/^\[Workers\/Role\] Bucket name pattern 'analytics-\*': accounts is empty\. List the accounts that own the matching buckets/);
    expect(() => workers.addBucketNamePattern('analytics-*', { ...SSE_S3, accounts: [B, '12345'] }))
      .toThrow(/^\[Workers\/Role\] Bucket name pattern 'analytics-\*': account '12345' is not an AWS account id\. Use the 12-digit account number/);
    const token = new CfnParameter(stack, 'Owner', { default: B }).valueAsString;
    workers.addBucketNamePattern('analytics-*', { ...SSE_S3, accounts: [token] });
    s3Statements(stack, 'synthesized').forEach((s) => expect(s.Condition).toEqual(owners({ Ref: 'Owner' })));
  });

  test('a deploy-time list of accounts is kept, alone or spliced beside literal accounts', () => {
    const alone = setup();
    const owners1 = new CfnParameter(alone.stack, 'Owners', { type: 'CommaDelimitedList', default: B }).valueAsList;
    alone.workers.addBucketNamePattern('analytics-*', { ...SSE_S3, accounts: owners1 });
    s3Statements(alone.stack, 'synthesized').forEach((s) => expect(s.Condition).toEqual(owners({ Ref: 'Owners' })));

    const mixed = setup();
    const owners2 = new CfnParameter(mixed.stack, 'Owners', { type: 'CommaDelimitedList', default: `${B},${C}` }).valueAsList;
    mixed.workers.addBucketNamePattern('analytics-*', { ...SSE_S3, accounts: [A, ...owners2] });
    s3Statements(mixed.stack).forEach((s) => expect([...s.Condition.StringEquals['s3:ResourceAccount']].sort()).toEqual([A, B, C]));
  });
});

describe('pattern accounts: managed policy size', () => {
  /** Many owner accounts, so the condition is a large part of each statement. */
  const OWNERS = Array.from({ length: 25 }, (_, i) => String(400000000000 + i));

  /** 60 READ_WRITE SSE-S3 patterns owned by 25 accounts, after a READ SSE-KMS pattern whose key id length tunes the length. */
  function tuned(keyIdLength: number, props: OkeraWorkerRoleProps = {}) {
    const s = setup(props);
    s.workers.addBucketNamePattern('tuned-*', { encryptionKeyArns: [`arn:aws:kms:${REGION}:${A}:key/${'k'.repeat(keyIdLength)}`], accounts: [A] });
    for (let i = 1; i <= 60; i++) {
      s.workers.addBucketNamePattern(`analytics-${String(i).padStart(4, '0')}-*`, { ...RW_S3, accounts: OWNERS });
    }
    return s;
  }
  const documents = (stack: Stack) => resolveTemplates(stack).resources('AWS::IAM::ManagedPolicy').map((r) => r.properties.PolicyDocument);
  const lengthOf = (doc: any) => JSON.stringify(doc).length;

  test('the condition is measured: exactly 6,144 characters is one policy, 6,145 is two, each statement keeps its condition', () => {
    const probe = documents(tuned(1).stack);
    expect(probe).toHaveLength(1);
    const fill = 1 + 6144 - lengthOf(probe[0]);
    expect(fill).toBeGreaterThan(1);
    expect(documents(tuned(fill).stack).map(lengthOf)).toEqual([6144]);

    const split = documents(tuned(fill + 1).stack);
    expect(split).toHaveLength(2);
    split.forEach((doc) => expect(lengthOf(doc)).toBeLessThanOrEqual(6144));
    const patternStatements = split.flatMap((d) => d.Statement).filter((s: any) => asList(s.Resource)[0].startsWith('arn:aws:s3:::analytics-'));
    patternStatements.forEach((s: any) => expect(s.Condition).toEqual(owners(OWNERS)));
    // The second policy holds a statement that carries the condition again: it was counted for it too.
    expect(split[1].Statement.some((s: any) => s.Condition?.StringEquals?.['s3:ResourceAccount'])).toBe(true);
    expect(patternStatements.flatMap((s: any) => asList(s.Resource))).toHaveLength(120);
  });

  test('the quota check counts the same: one policy fits maxManagedPolicies: 1, two do not', () => {
    const fill = 1 + 6144 - lengthOf(documents(tuned(1).stack)[0]);
    expect(() => Template.fromStack(tuned(fill, { maxManagedPolicies: 1 }).stack)).not.toThrow();
    expect(() => Template.fromStack(tuned(fill + 1, { maxManagedPolicies: 1 }).stack))
      .toThrow(/\[Workers\/Role\] the permissions for 0 data bucket\(s\) and 61 name pattern\(s\) need 2 managed policies .* maxManagedPolicies is 1\./);
  });
});

describe('patterns that can never match a bucket name', () => {
  test('a literal \'-\' or \'.\' at the start or the end is an error naming the character', () => {
    const { workers } = setup();
    expect(() => workers.addBucketNamePattern('---*', SSE_S3))
      .toThrow(/^\[Workers\/Role\] Bucket name pattern '---\*' starts with '-', but bucket names start and end with a lowercase letter or a digit, so it would match no bucket\./);
    expect(() => workers.addBucketNamePattern('.data-*', SSE_S3)).toThrow(/Bucket name pattern '\.data-\*' starts with '\.'/);
    expect(() => workers.addBucketNamePattern('*-logs-', SSE_S3)).toThrow(/Bucket name pattern '\*-logs-' ends with '-'.*Use e\.g\. 'analytics-\*' or '\*-prod'\./);
    expect(() => workers.addBucketNamePattern('data.lake.', SSE_S3)).toThrow(/Bucket name pattern 'data\.lake\.' ends with '\.'/);
  });

  test('legitimate patterns are accepted, wildcards at either end included', () => {
    const { stack, workers } = setup();
    for (const pattern of ['analytics-*', '*-prod', 'data-??-*', '?-raw-?', '*.lake.*', 'logs-2024']) {
      expect(() => workers.addBucketNamePattern(pattern, SSE_S3)).not.toThrow();
    }
    expect(s3Statements(stack).flatMap((s) => asList(s.Resource))).toHaveLength(12);
  });
});

describe('pattern key ARNs of another partition', () => {
  const CN_KEY = 'arn:aws-cn:kms:cn-north-1:111111111111:key/aaaaaaaa-1111-2222-3333-444444444444';

  test('are rejected on a role in the aws partition, as addDataBucket rejects a bucket of another partition', () => {
    const { workers } = setup();
    expect(() => workers.addBucketNamePattern('analytics-*', { encryptionKeyArns: [KEY_A, CN_KEY] }))
      .toThrow(new RegExp(`^\\[Workers/Role\\] Bucket name pattern 'analytics-\\*': encryption key ARN '${CN_KEY}' is in partition aws-cn and this role in ` +
        'us-east-1 \\(partition aws\\): an IAM role cannot be granted resources of another partition\\.'));
  });

  test('are accepted on a role of their partition, or when the role\'s region is unknown', () => {
    expect(() => setup({}, 'cn-north-1').workers.addBucketNamePattern('analytics-*', { encryptionKeyArns: [CN_KEY] })).not.toThrow();
    expect(() => setup({}, 'agnostic').workers.addBucketNamePattern('analytics-*', { encryptionKeyArns: [CN_KEY] })).not.toThrow();
    expect(() => setup({}, 'cn-north-1').workers.addBucketNamePattern('analytics-*', { encryptionKeyArns: [KEY_A] }))
      .toThrow(/encryption key ARN 'arn:aws:kms:.*' is in partition aws and this role in cn-north-1 \(partition aws-cn\)/);
  });
});

describe('the same pattern added twice', () => {
  test('with another encryption, other keys or other accounts is an error showing both declarations', () => {
    const { workers } = setup();
    workers.addBucketNamePattern('analytics-*', SSE_S3);
    expect(() => workers.addBucketNamePattern('analytics-*', { encryptionKeyArns: [KEY_A] }))
      .toThrow(new RegExp(`^\\[Workers/Role\\] Bucket name pattern 'analytics-\\*' was already added with encryption SSE_S3 in account\\(s\\) ${A}, ` +
        `now with encryption SSE_KMS \\(keys ${KEY_A}\\) in account\\(s\\) ${A}\\. Add each pattern once, with the encryption its buckets actually have`));
    expect(() => workers.addBucketNamePattern('analytics-*', { ...SSE_S3, accounts: [A, B] }))
      .toThrow(new RegExp(`already added with encryption SSE_S3 in account\\(s\\) ${A}, now with encryption SSE_S3 in account\\(s\\) ${A}, ${B}\\.`));

    workers.addBucketNamePattern('keyed-*', { encryptionKeyArns: [KEY_A] });
    expect(() => workers.addBucketNamePattern('keyed-*', { encryptionKeyArns: [KEY_A, KEY_B] })).toThrow(/Bucket name pattern 'keyed-\*' was already added/);
  });

  test('identically is idempotent; the same declaration at another access level merges (read-write wins), as addDataBucket does', () => {
    const once = setup();
    once.workers.addBucketNamePattern('analytics-*', { encryptionKeyArns: [KEY_A] });
    const twice = setup();
    twice.workers.addBucketNamePattern('analytics-*', { encryptionKeyArns: [KEY_A] });
    // The default accounts, given explicitly and in another order, are the same declaration.
    twice.workers.addBucketNamePattern('analytics-*', { encryptionKeyArns: [KEY_A, KEY_A], accounts: [A] });
    expect(Template.fromStack(twice.stack).toJSON().Resources).toEqual(Template.fromStack(once.stack).toJSON().Resources);

    const merged = setup();
    merged.workers.addBucketNamePattern('analytics-*', RW_S3);
    merged.workers.addBucketNamePattern('analytics-*', SSE_S3);
    merged.workers.addBucketNamePattern('logs-*', SSE_S3);
    merged.workers.addBucketNamePattern('logs-*', RW_S3);
    const rw = s3Statements(merged.stack).filter((s) => asList(s.Action).includes('s3:PutObject'));
    expect(rw.map((s) => s.Resource)).toEqual([['arn:aws:s3:::analytics-*/*', 'arn:aws:s3:::logs-*/*']]);
    expect(s3Statements(merged.stack)).toHaveLength(2);
  });
});
