import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { arnOf, bucket, check, COMPLIANT, include, NON_COMPLIANT, NOT_APPLICABLE, objectsOf, pairs, template } from './helpers';
import { OkeraChecks } from '../../src/nag';
import { IamKmsPermissions } from '../../src/nag/rules/iam-kms-permissions';

const KEY = { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } };
const ROLE = {
  Type: 'AWS::IAM::Role',
  Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
};
const VIA_S3 = { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } };

function allow(action: string | string[], resource: unknown, condition?: object): object {
  return { Effect: 'Allow', Action: action, Resource: resource, ...(condition ? { Condition: condition } : {}) };
}

/** A role with one inline AWS::IAM::Policy holding the statements, next to an SSE-KMS and an SSE-S3 bucket. */
function app(statements: object[], extra: Record<string, object> = {}): App {
  return include(template({
    Key: KEY,
    Kms: bucket('aws:kms', { key: arnOf('Key'), bucketKey: true }),
    S3: bucket('AES256'),
    Role: ROLE,
    Policy: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'p', Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: statements } } },
    ...extra,
  })).app;
}

describe('Okera-IamKmsPermissions', () => {
  test('reading an SSE-KMS bucket without kms:Decrypt is an error on the role', () => {
    const a = app([allow(['s3:GetObject', 's3:ListBucket'], [arnOf('Kms'), objectsOf('Kms')])]);
    const result = check(IamKmsPermissions, a, 'Role');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain("reads objects of Bucket 'Kms' (SSE-KMS with Key 'Key') without kms:Decrypt on that key");
    expect(check(IamKmsPermissions, a, 'Policy').compliance).toBe(NOT_APPLICABLE); // judged on the role
  });

  test.each([['s3:Get*'], ['s3:*'], ['*'], ['s3:GetObject*']])('wildcard %s counts as reading', (action) => {
    expect(check(IamKmsPermissions, app([allow(action, objectsOf('Kms'))]), 'Role').compliance).toBe(NON_COMPLIANT);
  });

  test.each([
    ['the key ARN, with kms:ViaService', allow('kms:Decrypt', arnOf('Key'), VIA_S3)],
    ['the key ARN, without kms:ViaService', allow('kms:Decrypt', arnOf('Key'))],
    ['"*" with kms:ViaService', allow('kms:Decrypt', '*', VIA_S3)],
    ['a matching wildcard', allow('kms:*', 'arn:aws:kms:*:*:key/*')],
  ])('kms:Decrypt on %s satisfies a reader', (_, kms) => {
    expect(check(IamKmsPermissions, app([allow('s3:GetObject', objectsOf('Kms')), kms]), 'Role').compliance).toBe(COMPLIANT);
  });

  test('kms:Decrypt on another key of the app does not count', () => {
    const a = app([allow('s3:GetObject', objectsOf('Kms')), allow('kms:Decrypt', arnOf('Other'))], { Other: KEY });
    expect(check(IamKmsPermissions, a, 'Role').compliance).toBe(NON_COMPLIANT);
  });

  test('a writer needs kms:GenerateDataKey* and kms:Decrypt (multipart uploads)', () => {
    const generateOnly = app([allow('s3:PutObject', objectsOf('Kms')), allow('kms:GenerateDataKey*', arnOf('Key'), VIA_S3)]);
    const result = check(IamKmsPermissions, generateOnly, 'Role');
    expect(result.message).toContain('writes objects of');
    expect(result.message).toContain('without kms:Decrypt on that key');
    expect(result.message).toContain('which multipart uploads use');

    const decryptOnly = app([allow('s3:PutObject', objectsOf('Kms')), allow('kms:Decrypt', arnOf('Key'), VIA_S3)]);
    expect(check(IamKmsPermissions, decryptOnly, 'Role').message).toContain('without kms:GenerateDataKey* on that key');

    const both = app([allow('s3:PutObject', objectsOf('Kms')), allow(['kms:Decrypt', 'kms:GenerateDataKey*'], arnOf('Key'), VIA_S3)]);
    expect(check(IamKmsPermissions, both, 'Role').compliance).toBe(COMPLIANT);
  });

  test('a statement limited to buckets of another account (s3:ResourceAccount, aws:ResourceAccount) does not read this one', () => {
    const inAccount = (condition: object) => include(template({
      Key: KEY,
      Kms: bucket('aws:kms', { key: arnOf('Key'), bucketKey: true }),
      Role: ROLE,
      Policy: {
        Type: 'AWS::IAM::Policy',
        Properties: { PolicyName: 'p', Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [allow('s3:GetObject', 'arn:aws:s3:::*/*', condition)] } },
      },
    }), { env: { account: '111111111111', region: 'us-east-1' } }).app;
    expect(check(IamKmsPermissions, inAccount({ StringEquals: { 's3:ResourceAccount': '555555555555' } }), 'Role').compliance).toBe(NOT_APPLICABLE);
    expect(check(IamKmsPermissions, inAccount({ StringEquals: { 'aws:ResourceAccount': ['555555555555', '666666666666'] } }), 'Role').compliance)
      .toBe(NOT_APPLICABLE);
    // The bucket's own account, or a condition that may match it, still counts.
    expect(check(IamKmsPermissions, inAccount({ StringEquals: { 's3:ResourceAccount': '111111111111' } }), 'Role').compliance).toBe(NON_COMPLIANT);
    expect(check(IamKmsPermissions, inAccount({ StringLike: { 's3:ResourceAccount': '1111*' } }), 'Role').compliance).toBe(NON_COMPLIANT);
    expect(check(IamKmsPermissions, inAccount({ StringNotEquals: { 's3:ResourceAccount': '555555555555' } }), 'Role').compliance).toBe(NON_COMPLIANT);
  });

  test('delete-only access needs no KMS permission', () => {
    expect(check(IamKmsPermissions, app([allow('s3:DeleteObject*', objectsOf('Kms'))]), 'Role').compliance).toBe(NOT_APPLICABLE);
  });

  test('SSE-S3 buckets need no KMS permission', () => {
    expect(check(IamKmsPermissions, app([allow(['s3:GetObject', 's3:PutObject'], objectsOf('S3'))]), 'Role').compliance).toBe(NOT_APPLICABLE);
  });

  test('KMS permissions in another policy of the same role (a managed policy) count', () => {
    const managed = {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: { PolicyDocument: { Statement: [allow('kms:Decrypt', arnOf('Key'), VIA_S3)] } },
    };
    const role = { ...ROLE, Properties: { ...ROLE.Properties, ManagedPolicyArns: [{ Ref: 'Managed' }] } };
    const a = app([allow('s3:GetObject', objectsOf('Kms'))], { Managed: managed, Role: role });
    expect(check(IamKmsPermissions, a, 'Role').compliance).toBe(COMPLIANT);
  });

  test('the key policy naming the role counts', () => {
    const key = { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: arnOf('Role') }, Action: 'kms:Decrypt', Resource: '*' }] } } };
    expect(check(IamKmsPermissions, app([allow('s3:GetObject', objectsOf('Kms'))], { Key: key }), 'Role').compliance).toBe(COMPLIANT);
  });

  test('an AdministratorAccess role is compliant; an unknown customer managed policy is not guessed', () => {
    const admin = { ...ROLE, Properties: { ...ROLE.Properties, ManagedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'] } };
    expect(check(IamKmsPermissions, app([allow('s3:GetObject', objectsOf('Kms'))], { Role: admin }), 'Role').compliance).toBe(COMPLIANT);
    const unknown = { ...ROLE, Properties: { ...ROLE.Properties, ManagedPolicyArns: ['arn:aws:iam::111111111111:policy/kms-access'] } };
    expect(check(IamKmsPermissions, app([allow('s3:GetObject', objectsOf('Kms'))], { Role: unknown }), 'Role').compliance).toBe(NOT_APPLICABLE);
  });

  test('a literal key ARN cannot be told apart from a key created in the app, so it is not flagged', () => {
    const a = app([allow('s3:GetObject', objectsOf('Kms')), allow('kms:Decrypt', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab')]);
    expect(check(IamKmsPermissions, a, 'Role').compliance).toBe(COMPLIANT);
  });

  test('a policy attached to no principal of the app is judged alone', () => {
    const managed = {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: { Roles: ['odas-iam-role'], PolicyDocument: { Statement: [allow('s3:GetObject', objectsOf('Kms'))] } },
    };
    const a = app([], { Managed: managed });
    const result = check(IamKmsPermissions, a, 'Managed');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain('acknowledge this rule');
  });

  test('users get their groups\' policies', () => {
    const a = include(template({
      Key: KEY,
      Kms: bucket('aws:kms', { key: arnOf('Key') }),
      Group: { Type: 'AWS::IAM::Group', Properties: { Policies: [{ PolicyName: 'kms', PolicyDocument: { Statement: [allow('kms:Decrypt', arnOf('Key'))] } }] } },
      User: { Type: 'AWS::IAM::User', Properties: { Groups: [{ Ref: 'Group' }], Policies: [{ PolicyName: 's3', PolicyDocument: { Statement: [allow('s3:GetObject', objectsOf('Kms'))] } }] } },
      Lonely: { Type: 'AWS::IAM::User', Properties: { Policies: [{ PolicyName: 's3', PolicyDocument: { Statement: [allow('s3:GetObject', objectsOf('Kms'))] } }] } },
    })).app;
    expect(pairs(a, 'Okera-IamKmsPermissions')).toEqual([['Okera-IamKmsPermissions', 'Lonely']]);
  });

  test('a role in another stack reading the bucket by its literal name is checked', () => {
    const data = include(template({ Key: KEY, Kms: bucket('aws:kms', { key: arnOf('Key'), props: { BucketName: 'okera-data' } }) }), { id: 'Data' });
    include(template({
      Role: { ...ROLE, Properties: { ...ROLE.Properties, Policies: [{ PolicyName: 's3', PolicyDocument: { Statement: [allow('s3:GetObject', 'arn:aws:s3:::okera-data/*')] } }] } },
    }), { app: data.app, id: 'Workers' });
    expect(pairs(data.app, 'Okera-IamKmsPermissions')).toEqual([['Okera-IamKmsPermissions', 'Role']]);
  });
});

describe('Okera-IamKmsPermissions across CDK stacks', () => {
  test('a role in another stack of the same environment (Fn::ImportValue after synthesis) is checked against the bucket', () => {
    const a = new App();
    const data = new Stack(a, 'Data');
    const kmsBucket = new s3.Bucket(data, 'Kms', { encryption: s3.BucketEncryption.KMS, enforceSSL: true });
    const workers = new Stack(a, 'Workers');
    const role = new iam.Role(workers, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [kmsBucket.arnForObjects('*')] }));
    const reader = new iam.Role(workers, 'Reader', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    kmsBucket.grantRead(reader); // CDK adds kms:Decrypt on the key
    a.synth();
    expect(new OkeraChecks().audit(a).filter((f) => f.ruleId === 'Okera-IamKmsPermissions').map((f) => f.constructPath))
      .toEqual(['Workers/Role/Resource']);
  });
});

describe('Okera-IamKmsPermissions: statements that look like grants but are not', () => {
  const ENV = { account: '111111111111', region: 'us-east-1' };
  /** The same template as `app`, in a stack whose account and region are known. */
  function known(statements: object[]): App {
    return include(template({
      Key: KEY,
      Kms: bucket('aws:kms', { key: arnOf('Key'), bucketKey: true }),
      Role: ROLE,
      Policy: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'p', Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: statements } } },
    }), { env: ENV }).app;
  }
  const read = allow('s3:GetObject', objectsOf('Kms'));
  const deny = (action: string, resource: unknown, condition?: object) => ({ ...allow(action, resource, condition), Effect: 'Deny' });

  test('kms:ViaService naming S3 in another region than the bucket\'s is not a grant; the bucket\'s region is', () => {
    const elsewhere = check(IamKmsPermissions, known([read, allow('kms:Decrypt', arnOf('Key'), { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } })]), 'Role');
    expect(elsewhere.compliance).toBe(NON_COMPLIANT);
    expect(elsewhere.message).toContain('without kms:Decrypt on that key');
    expect(check(IamKmsPermissions, known([read, allow('kms:Decrypt', arnOf('Key'), VIA_S3)]), 'Role').compliance).toBe(COMPLIANT);
    const both = { StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com', 's3.us-east-1.amazonaws.com'] } };
    expect(check(IamKmsPermissions, known([read, allow('kms:Decrypt', arnOf('Key'), both)]), 'Role').compliance).toBe(COMPLIANT);
  });

  test.each([
    ['kms:Decrypt on "*"', deny('kms:Decrypt', '*')],
    ['kms:* on the key', deny('kms:*', arnOf('Key'))],
  ])('an unconditional Deny of %s cancels the Allow', (_, statement) => {
    expect(check(IamKmsPermissions, known([read, allow('kms:Decrypt', arnOf('Key'), VIA_S3), statement]), 'Role').compliance).toBe(NON_COMPLIANT);
  });

  test('a Deny that is conditional, or on another key, does not cancel it', () => {
    const conditional = deny('kms:Decrypt', '*', { StringNotEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } });
    expect(check(IamKmsPermissions, known([read, allow('kms:Decrypt', arnOf('Key'), VIA_S3), conditional]), 'Role').compliance).toBe(COMPLIANT);
    const other = deny('kms:Decrypt', 'arn:aws:kms:us-east-1:111111111111:key/other');
    expect(check(IamKmsPermissions, known([read, allow('kms:Decrypt', '*', VIA_S3), other]), 'Role').compliance).toBe(COMPLIANT);
  });

  test('a literal key ARN of another region or account than the app\'s key (both known) is not that key', () => {
    const id = '1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(check(IamKmsPermissions, known([read, allow('kms:Decrypt', `arn:aws:kms:eu-west-1:111111111111:key/${id}`)]), 'Role').compliance).toBe(NON_COMPLIANT);
    expect(check(IamKmsPermissions, known([read, allow('kms:Decrypt', `arn:aws:kms:us-east-1:999999999999:key/${id}`)]), 'Role').compliance).toBe(NON_COMPLIANT);
    expect(check(IamKmsPermissions, known([read, allow('kms:Decrypt', `arn:aws:kms:us-east-1:111111111111:key/${id}`)]), 'Role').compliance).toBe(COMPLIANT);
  });
});
