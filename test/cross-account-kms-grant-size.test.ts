import { App, CfnParameter, Stack, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { CrossAccountKmsGrant, DataAccess, EncryptionType, OkeraDataBucket } from '../src';
import { deployedBytes, UNKNOWN_VALUE_LENGTH } from '../src/private/policy-size';

const KMS_LIMIT = 32_768;
const S3_LIMIT = 20_480;
const ENV = { account: '111111111111', region: 'us-east-1' };
const accountIds = (n: number) => Array.from({ length: n }, (_, i) => String(200000000000 + i));
const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * A policy as the service receives it in us-east-1, measured independently of the library's estimator:
 * the only intrinsics in it are `Fn::Join` and `Ref AWS::Partition` ('aws'), and in bucket policies the
 * bucket's `Fn::GetAtt Arn`, counted (as the library does) at the conservative placeholder length;
 * anything else fails the test.
 */
function deployed(value: any): any {
  if (Array.isArray(value)) {
    return value.map(deployed);
  }
  if (value !== null && typeof value === 'object') {
    if ('Ref' in value) {
      expect(value.Ref).toEqual('AWS::Partition');
      return 'aws';
    }
    if ('Fn::Join' in value) {
      return value['Fn::Join'][1].map(deployed).join(value['Fn::Join'][0]);
    }
    if ('Fn::GetAtt' in value) {
      expect(value['Fn::GetAtt'][1]).toEqual('Arn');
      return 'x'.repeat(UNKNOWN_VALUE_LENGTH);
    }
    expect(Object.keys(value).some((k) => k.startsWith('Fn::'))).toBe(false);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deployed(v)]));
  }
  return value;
}

function keyWithAccounts(n: number): Stack {
  const stack = new Stack(new App(), 'Data', { env: ENV });
  new CrossAccountKmsGrant(stack, 'Grant', { key: new kms.Key(stack, 'Key'), accounts: accountIds(n), outputs: false });
  return stack;
}

function keyPolicyBytes(stack: Stack): number {
  const key = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0];
  return Buffer.byteLength(JSON.stringify(deployed(key.Properties.KeyPolicy)), 'utf8');
}

function bucketPolicyBytes(stack: Stack): number {
  const policy = Object.values(Template.fromStack(stack).findResources('AWS::S3::BucketPolicy'))[0];
  return Buffer.byteLength(JSON.stringify(deployed(policy.Properties.PolicyDocument)), 'utf8');
}

/** The synthesis error of a stack (the test fails when it synthesizes). */
function errorOf(stack: Stack): string {
  try {
    Template.fromStack(stack);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a synthesis error');
}

describe('key policy size guard', () => {
  // The boundary is computed from rendered policies, not hard-coded: the size grows by a fixed number of
  // bytes per account (its id in the kms:CallerAccount list of the Principal AWS "*" statement).
  const base = 500;
  const baseBytes = keyPolicyBytes(keyWithAccounts(base));
  const perAccount = keyPolicyBytes(keyWithAccounts(base + 1)) - baseBytes;
  const maxAccounts = base + Math.floor((KMS_LIMIT - baseBytes) / perAccount);

  test('each account costs a fixed number of bytes: its kms:CallerAccount entry, no root ARN', () => {
    expect(perAccount).toEqual('"222222222222",'.length);
    expect(keyPolicyBytes(keyWithAccounts(base + 10)) - baseBytes).toEqual(10 * perAccount);
  });

  test('the largest number of accounts that fits synthesizes, and its policy is within the limit', () => {
    const bytes = keyPolicyBytes(keyWithAccounts(maxAccounts));
    expect(bytes).toBeLessThanOrEqual(KMS_LIMIT);
    expect(bytes + perAccount).toBeGreaterThan(KMS_LIMIT);
  });

  test('one account more is a synthesis error with the size, the cost per account, how many fit, and the organization form', () => {
    const over = maxAccounts + 1;
    const bytes = baseBytes + (over - base) * perAccount;
    const stack = keyWithAccounts(over);
    expect(() => Template.fromStack(stack)).toThrow([
      `[Data/Key] The key policy would be about ${fmt(bytes)} bytes once deployed, ${fmt(bytes - KMS_LIMIT)} over the limit of 32,768 bytes.`,
      `CrossAccountKmsGrant lists ${fmt(over)} accounts in it; each account costs about ${perAccount} bytes`,
      `(its kms:CallerAccount entry), so remove at least 1 of them: about ${fmt(maxAccounts)} accounts fit at most.`,
      'Grant the AWS Organization instead: organizationId: \'o-...\'',
    ].join(' '));
  });

  test('1,000 accounts fit one key, read and read-write, with role ARNs beside them', () => {
    expect(maxAccounts).toBeGreaterThanOrEqual(2000);

    const stack = new Stack(new App(), 'Data', { env: ENV });
    const key = new kms.Key(stack, 'Key');
    const ids = accountIds(1000);
    new CrossAccountKmsGrant(stack, 'Readers', { key, accounts: ids.slice(0, 500), outputs: false });
    new CrossAccountKmsGrant(stack, 'Writers', { key, accounts: ids.slice(500), access: DataAccess.READ_WRITE, outputs: false });
    new CrossAccountKmsGrant(stack, 'Roles', { key, roleArns: ids.slice(0, 20).map((a) => `arn:aws:iam::${a}:role/odas-iam-role`), outputs: false });

    expect(keyPolicyBytes(stack)).toBeLessThanOrEqual(KMS_LIMIT); // and the guard let it synthesize
  });

  test('1,000 accounts on a data bucket\'s key synthesize when the bucket policy is managed elsewhere', () => {
    const stack = new Stack(new App(), 'Data', { env: ENV });
    const bucket = new OkeraDataBucket(stack, 'Data', { encryption: EncryptionType.SSE_KMS });
    new CrossAccountKmsGrant(stack, 'Grant', { bucket, accounts: accountIds(1000), bucketPolicy: false });
    expect(keyPolicyBytes(stack)).toBeLessThanOrEqual(KMS_LIMIT);
  });

  test('an organization stands for any number of accounts in one small statement', () => {
    const stack = new Stack(new App(), 'Data', { env: ENV });
    new CrossAccountKmsGrant(stack, 'Grant', { key: new kms.Key(stack, 'Key'), organizationId: 'o-a1b2c3d4e5', outputs: false });
    expect(keyPolicyBytes(stack)).toBeLessThan(1_000);
  });

  test('an account listed at both access levels counts once, at the cost of both listings', () => {
    // n accounts READ and the same n READ_WRITE: each costs two kms:CallerAccount entries, so about half as many fit.
    const n = Math.ceil(maxAccounts / 2) + 10;
    const stack = new Stack(new App(), 'Data', { env: ENV });
    const key = new kms.Key(stack, 'Key');
    new CrossAccountKmsGrant(stack, 'R', { key, accounts: accountIds(n), outputs: false });
    new CrossAccountKmsGrant(stack, 'W', { key, accounts: accountIds(n), access: DataAccess.READ_WRITE, outputs: false });
    const message = errorOf(stack);
    expect(message).toContain(`lists ${fmt(n)} accounts in it; each account costs about ${2 * perAccount} bytes (its kms:CallerAccount entry)`);
    const fit = Number(/about ([\d,]+) accounts fit at most/.exec(message)![1].replace(/,/g, ''));
    expect(fit).toBeGreaterThan(maxAccounts / 2 - 10);
    expect(fit).toBeLessThan(maxAccounts / 2 + 10);
  });

  test('role ARNs are counted as roles, at their own length', () => {
    const stack = new Stack(new App(), 'Data', { env: ENV });
    const arns = accountIds(700).map((a) => `arn:aws:iam::${a}:role/odas-iam-role`);
    new CrossAccountKmsGrant(stack, 'Roles', { key: new kms.Key(stack, 'Key'), roleArns: arns, outputs: false });
    const perRole = `"${arns[0]}","${accountIds(1)[0]}",`.length;
    expect(errorOf(stack)).toContain(`lists 700 roles in it; each role costs about ${perRole} bytes (its ARN and kms:CallerAccount entry)`);
  });

  test('accounts and roles together are both counted, at their average cost', () => {
    const stack = new Stack(new App(), 'Data', { env: ENV });
    const key = new kms.Key(stack, 'Key');
    new CrossAccountKmsGrant(stack, 'Accounts', { key, accounts: accountIds(1000), outputs: false });
    new CrossAccountKmsGrant(stack, 'Roles', { key, roleArns: accountIds(600).map((a) => `arn:aws:iam::${a}:role/odas-iam-role`), outputs: false });
    expect(errorOf(stack)).toMatch(/lists 1,000 accounts and 600 roles in it; each principal costs about \d+ bytes on average \(its kms:CallerAccount entry or its ARN and kms:CallerAccount entry\), so remove at least [\d,]+ of them: about [\d,]+ principals fit at most/);
  });

  test('a policy too large without any listed account says so, and does not suggest the organization form', () => {
    const stack = new Stack(new App(), 'Data', { env: ENV });
    const key = new kms.Key(stack, 'Key');
    new CrossAccountKmsGrant(stack, 'Org', { key, organizationId: 'o-a1b2c3d4e5', outputs: false });
    key.addToResourcePolicy(new iam.PolicyStatement({
      actions: ['kms:DescribeKey'], resources: ['*'], principals: accountIds(1100).map((a) => new iam.AccountPrincipal(a)),
    }));
    const message = errorOf(stack);
    expect(message).toContain('CrossAccountKmsGrant lists no accounts or roles in it');
    expect(message).toContain('the size comes from the key policy\'s other statements');
    expect(message).not.toContain('Grant the AWS Organization');
  });

  test('a deploy-time list beside listed accounts counts as one more value: the literal accounts still count', () => {
    const stack = keyWithAccounts(maxAccounts);
    const list = new CfnParameter(stack, 'MoreAccounts', { type: 'CommaDelimitedList' }).valueAsList;
    new CrossAccountKmsGrant(stack, 'More', { key: stack.node.findChild('Key') as kms.Key, accounts: list, outputs: false });
    expect(errorOf(stack)).toMatch(/The key policy would be about [\d,]+ bytes once deployed/);

    const fits = keyWithAccounts(maxAccounts - 20);
    new CrossAccountKmsGrant(fits, 'More', { key: fits.node.findChild('Key') as kms.Key, accounts: new CfnParameter(fits, 'MoreAccounts', { type: 'CommaDelimitedList' }).valueAsList, outputs: false });
    expect(() => Template.fromStack(fits)).not.toThrow();
  });

  test('statements added to the key by others count too', () => {
    const stack = keyWithAccounts(maxAccounts);
    const key = stack.node.findChild('Key') as kms.Key;
    key.grantDecrypt(new iam.AccountRootPrincipal());
    expect(() => Template.fromStack(stack)).toThrow(/\[Data\/Key\] The key policy would be about/);
  });
});

describe('bucket policy size guard', () => {
  // The bucket policy still names each account by root ARN (Principal "*" there would be public to S3 Block Public Access).
  function bucketWithAccounts(n: number): Stack {
    const stack = new Stack(new App(), 'Data', { env: ENV });
    const bucket = new OkeraDataBucket(stack, 'Data', { encryption: EncryptionType.SSE_S3 });
    new CrossAccountKmsGrant(stack, 'Grant', { bucket, accounts: accountIds(n), outputs: false });
    return stack;
  }
  const base = 300;
  const baseBytes = bucketPolicyBytes(bucketWithAccounts(base));
  const perAccount = bucketPolicyBytes(bucketWithAccounts(base + 1)) - baseBytes;
  const maxAccounts = base + Math.floor((S3_LIMIT - baseBytes) / perAccount);

  test('each account costs its root ARN', () => {
    expect(perAccount).toEqual('"arn:aws:iam::222222222222:root",'.length);
  });

  test('the largest number of accounts that fits synthesizes; one more is an error naming the root-ARN cost', () => {
    expect(bucketPolicyBytes(bucketWithAccounts(maxAccounts))).toBeLessThanOrEqual(S3_LIMIT);
    const over = maxAccounts + 1;
    const bytes = baseBytes + (over - base) * perAccount;
    expect(() => Template.fromStack(bucketWithAccounts(over))).toThrow([
      `[Data/Data] The bucket policy would be about ${fmt(bytes)} bytes once deployed, ${fmt(bytes - S3_LIMIT)} over the limit of 20,480 bytes.`,
      `CrossAccountKmsGrant lists ${fmt(over)} accounts in it; each account costs about ${perAccount} bytes`,
      `(its root ARN), so remove at least 1 of them: about ${fmt(maxAccounts)} accounts fit at most (1,000 accounts cannot be listed one by one).`,
    ].join(' '));
  });
});

describe('deployed policy size estimate', () => {
  function estimate(value: unknown, props: StackProps = { env: ENV }): number {
    const stack = new Stack(new App(), 'S', props);
    return deployedBytes(stack, value);
  }

  test('pseudo parameters take the stack environment\'s values', () => {
    const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };
    expect(estimate(arn)).toEqual('"arn:aws:iam::111111111111:root"'.length);
    expect(estimate(arn, { env: { account: '111111111111', region: 'cn-north-1' } })).toEqual('"arn:aws-cn:iam::111111111111:root"'.length);
  });

  test('without an environment, the longest value is assumed', () => {
    const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };
    expect(estimate(arn, {})).toEqual('"arn:aws-us-gov:iam::111111111111:root"'.length);
  });

  test('a resource attribute or import counts as a long placeholder', () => {
    expect(estimate({ 'Fn::GetAtt': ['Role1234', 'Arn'] })).toEqual(UNKNOWN_VALUE_LENGTH + 2);
    expect(estimate({ 'Fn::ImportValue': 'Other:RoleArn' })).toEqual(UNKNOWN_VALUE_LENGTH + 2);
  });

  test('Fn::Sub, Fn::Select of a literal list or of a split, Fn::If', () => {
    expect(estimate({ 'Fn::Sub': 's3.${AWS::Region}.${AWS::URLSuffix}' })).toEqual('"s3.us-east-1.amazonaws.com"'.length);
    expect(estimate({ 'Fn::Sub': ['${A}-${!Literal}', { A: 'abc' }] })).toEqual('"abc-${Literal}"'.length);
    expect(estimate({ 'Fn::Select': [1, ['a', 'bbb']] })).toEqual('"bbb"'.length);
    expect(estimate({ 'Fn::Select': [4, { 'Fn::Split': [':', 'arn:aws:iam::222222222222:role/x'] }] })).toEqual('"222222222222"'.length);
    // A placeholder may hide separators: the whole source is the bound.
    expect(estimate({ 'Fn::Select': [4, { 'Fn::Split': [':', { Ref: 'RoleArn' }] }] })).toEqual(UNKNOWN_VALUE_LENGTH + 2);
    expect(estimate({ 'Fn::If': ['C', 'a', 'bbbb'] })).toEqual('"bbbb"'.length);
  });

  test('compact JSON, counted in UTF-8 bytes', () => {
    expect(estimate({ Statement: [{ Sid: 'é' }] })).toEqual('{"Statement":[{"Sid":"é"}]}'.length + 1);
  });
});
