import { arnOf, bucket, bucketPolicy, check, COMPLIANT, include, NON_COMPLIANT, NOT_APPLICABLE, objectsOf, template } from './helpers';
import { KmsResourceKeyArn } from '../../src/nag/rules/kms-resource-key-arn';
import { S3AwsManagedKey } from '../../src/nag/rules/s3-aws-managed-key';
import { S3AwsManagedKeyNotShared } from '../../src/nag/rules/s3-aws-managed-key-not-shared';
import { S3KmsKeyArn } from '../../src/nag/rules/s3-kms-key-arn';

const ENV = { account: '111111111111', region: 'us-east-1' };
const read = (principal: unknown, id = 'B', extra: object = {}) =>
  ({ Effect: 'Allow', Principal: principal, Action: ['s3:GetObject', 's3:ListBucket'], Resource: [arnOf(id), objectsOf(id)], ...extra });

describe('Okera-S3AwsManagedKeyNotShared / Okera-S3AwsManagedKey', () => {
  test.each([
    ['no KMSMasterKeyID', bucket('aws:kms')],
    ['alias/aws/s3', bucket('aws:kms', { key: 'alias/aws/s3' })],
    ['the aws/s3 alias ARN', bucket('aws:kms', { key: 'arn:aws:kms:us-east-1:111111111111:alias/aws/s3' })],
  ])('aws/s3 (%s) read by another account is an error', (_, b) => {
    const { app } = include(template({ B: b, P: bucketPolicy('B', [read({ AWS: 'arn:aws:iam::222222222222:role/odas-iam-role' })]) }), { env: ENV });
    const result = check(S3AwsManagedKeyNotShared, app, 'B');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain('lets arn:aws:iam::222222222222:role/odas-iam-role read or write objects');
    expect(check(S3AwsManagedKey, app, 'B').compliance).toBe(COMPLIANT); // reported once, as the error
  });

  test('Principal "*" limited to an organization is other accounts too', () => {
    const statement = read('*', 'B', { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } });
    const { app } = include(template({ B: bucket('aws:kms'), P: bucketPolicy('B', [statement]) }), { env: ENV });
    expect(check(S3AwsManagedKeyNotShared, app, 'B').message).toContain('every account of organization o-a1b2c3d4e5');
  });

  test('same-account principals, service principals and list-only grants are not sharing: a warning only', () => {
    const { app } = include(template({
      B: bucket('aws:kms'),
      P: bucketPolicy('B', [
        read({ AWS: { 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:root' } }),
        read({ AWS: '111111111111' }),
        read({ Service: 'logging.s3.amazonaws.com' }),
        { Effect: 'Allow', Principal: { AWS: '333333333333' }, Action: 's3:ListBucket', Resource: arnOf('B') },
        read('*', 'B', { Condition: { StringEquals: { 'aws:PrincipalAccount': '111111111111' } } }),
      ]),
    }), { env: ENV });
    expect(check(S3AwsManagedKeyNotShared, app, 'B').compliance).toBe(COMPLIANT);
    const warning = check(S3AwsManagedKey, app, 'B');
    expect(warning.compliance).toBe(NON_COMPLIANT);
    expect(warning.message).toContain('a worker role in any other account never can');
  });

  test('a principal account from a parameter is not assumed to be another account', () => {
    const { app } = include(template({
      B: bucket('aws:kms'),
      P: bucketPolicy('B', [read({ AWS: { 'Fn::Sub': 'arn:aws:iam::${Other}:root' } })]),
    }, { Parameters: { Other: { Type: 'String' } } }), { env: ENV });
    expect(check(S3AwsManagedKeyNotShared, app, 'B').compliance).toBe(COMPLIANT);
  });

  test('customer managed keys and SSE-S3 are not the aws/s3 case', () => {
    const { app } = include(template({
      Key: { Type: 'AWS::KMS::Key', Properties: {} },
      Kms: bucket('aws:kms', { key: arnOf('Key') }),
      S3: bucket('AES256'),
    }));
    for (const id of ['Kms', 'S3']) {
      expect(check(S3AwsManagedKeyNotShared, app, id).compliance).toBe(NOT_APPLICABLE);
      expect(check(S3AwsManagedKey, app, id).compliance).toBe(NOT_APPLICABLE);
    }
  });
});

describe('Okera-S3KmsKeyArn', () => {
  test('junk such as the literal "String" is always an error', () => {
    const { app } = include(template({ B: bucket('aws:kms', { key: 'String' }) }));
    const result = check(S3KmsKeyArn, app, 'B');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain("KMSMasterKeyID 'String', which is not a KMS key id, key ARN or alias");
  });

  test.each([
    ['an alias ARN', 'arn:aws:kms:us-east-1:111111111111:alias/data', 'an alias ARN'],
    ['an alias name', 'alias/data', 'an alias name'],
    ['a bare key id', '1234abcd-12ab-34cd-56ef-1234567890ab', 'a bare key id'],
    ['!Ref of a key (its key id)', { Ref: 'Key' }, 'a bare key id'],
  ])('%s is an error when another account is granted, fine otherwise', (_, key, kind) => {
    const resources = { Key: { Type: 'AWS::KMS::Key', Properties: {} }, B: bucket('aws:kms', { key }) };
    const shared = include(template({ ...resources, P: bucketPolicy('B', [read({ AWS: '222222222222' })]) }), { env: ENV });
    const result = check(S3KmsKeyArn, shared.app, 'B');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain(`names its KMS key by ${kind}`);
    expect(result.message).toContain('!GetAtt Key.Arn instead of !Ref Key');

    const own = include(template(resources), { env: ENV });
    expect(check(S3KmsKeyArn, own.app, 'B').compliance).toBe(COMPLIANT);
  });

  test('a key ARN (literal or !GetAtt) and a parameter are compliant even when shared', () => {
    const { app } = include(template({
      Key: { Type: 'AWS::KMS::Key', Properties: {} },
      A: bucket('aws:kms', { key: arnOf('Key') }),
      B: bucket('aws:kms', { key: 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab' }),
      C: bucket('aws:kms', { key: { Ref: 'KeyParam' } }),
      PA: bucketPolicy('A', [read({ AWS: '222222222222' }, 'A')]),
      PB: bucketPolicy('B', [read({ AWS: '222222222222' }, 'B')]),
      PC: bucketPolicy('C', [read({ AWS: '222222222222' }, 'C')]),
    }, { Parameters: { KeyParam: { Type: 'String' } } }), { env: ENV });
    for (const id of ['A', 'B', 'C']) {
      expect(check(S3KmsKeyArn, app, id).compliance).toBe(COMPLIANT);
    }
  });
});

describe('Okera-KmsResourceKeyArn', () => {
  const policy = (resource: unknown, actions: string[] = ['kms:Decrypt']) => ({
    Type: 'AWS::IAM::ManagedPolicy',
    Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }] } },
  });

  test.each([
    ['an alias ARN', 'arn:aws:kms:us-east-1:111111111111:alias/data', 'an alias ARN'],
    ['an alias name', 'alias/data', 'an alias name'],
    ['a bare key id', '1234abcd-12ab-34cd-56ef-1234567890ab', 'a bare key id'],
    ['!Ref of a key', { Ref: 'Key' }, 'a bare key id'],
    ['junk', 'String', 'not a KMS key id, key ARN or alias'],
  ])('%s as the Resource of kms:Decrypt is an error', (_, resource, kind) => {
    const { app } = include(template({ Key: { Type: 'AWS::KMS::Key', Properties: {} }, P: policy(resource) }));
    const result = check(KmsResourceKeyArn, app, 'P');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain(`(${kind})`);
  });

  test('key ARNs, "*" and wildcards are compliant; alias ARNs are right for alias management', () => {
    const { app } = include(template({
      Key: { Type: 'AWS::KMS::Key', Properties: {} },
      A: policy(arnOf('Key')),
      B: policy('*'),
      C: policy('arn:aws:kms:*:111111111111:key/*'),
      D: policy('arn:aws:kms:us-east-1:111111111111:alias/data', ['kms:CreateAlias', 'kms:DeleteAlias']),
    }));
    for (const id of ['A', 'B', 'C', 'D']) {
      expect(check(KmsResourceKeyArn, app, id).compliance).toBe(COMPLIANT);
    }
  });

  test('key policies and inline role policies are checked; policies without KMS statements are not applicable', () => {
    const { app } = include(template({
      Key: {
        Type: 'AWS::KMS::Key',
        Properties: { KeyPolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: '222222222222' }, Action: 'kms:Decrypt', Resource: 'alias/data' }] } },
      },
      S3Only: policy('arn:aws:s3:::b/*', ['s3:GetObject']),
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
          Policies: [{ PolicyName: 'kms', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'kms:GenerateDataKey*', Resource: 'alias/data' }] } }],
        },
      },
    }));
    expect(check(KmsResourceKeyArn, app, 'Key').compliance).toBe(NON_COMPLIANT);
    expect(check(KmsResourceKeyArn, app, 'Role').compliance).toBe(NON_COMPLIANT);
    expect(check(KmsResourceKeyArn, app, 'S3Only').compliance).toBe(NOT_APPLICABLE);
  });
});
