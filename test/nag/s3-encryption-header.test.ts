import { arnOf, bucket, bucketPolicy, check, COMPLIANT, include, NON_COMPLIANT, NOT_APPLICABLE, objectsOf, template } from './helpers';
import { S3EncryptionHeaderOptional } from '../../src/nag/rules/s3-encryption-header-optional';
import { S3PolicyAlgorithmMatchesDefault } from '../../src/nag/rules/s3-policy-algorithm-matches-default';

const HEADER = 's3:x-amz-server-side-encryption';
const KEY = { Type: 'AWS::KMS::Key', Properties: {} };
const deny = (condition: object, id = 'B') => ({ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: objectsOf(id), Condition: condition });

describe('Okera-S3EncryptionHeaderOptional (warning)', () => {
  test.each([
    ['Null true (YAML boolean)', { Null: { [HEADER]: true } }],
    ['Null "true"', { Null: { [HEADER]: 'true' } }],
    ['StringNotEquals (true when the header is missing)', { StringNotEquals: { [HEADER]: 'AES256' } }],
    ['StringNotEqualsIfExists', { StringNotEqualsIfExists: { [HEADER]: 'AES256' } }],
  ])('a Deny with %s is reported', (_, condition) => {
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy('B', [deny(condition)]) }));
    const result = check(S3EncryptionHeaderOptional, app, 'P');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain('denies s3:PutObject when the s3:x-amz-server-side-encryption header is missing');
  });

  test('present-and-wrong (StringNotEquals with Null false) is compliant', () => {
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy('B', [deny({ StringNotEquals: { [HEADER]: 'AES256' }, Null: { [HEADER]: 'false' } })]) }));
    expect(check(S3EncryptionHeaderOptional, app, 'P').compliance).toBe(COMPLIANT);
  });

  test('a Deny on another action, or a policy without header conditions, is fine', () => {
    const { app } = include(template({
      B: bucket('AES256'),
      P: bucketPolicy('B', [{ ...deny({ Null: { [HEADER]: true } }), Action: 's3:DeleteObject' }]),
    }));
    expect(check(S3EncryptionHeaderOptional, app, 'P').compliance).toBe(COMPLIANT);
  });
});

describe('Okera-S3PolicyAlgorithmMatchesDefault', () => {
  test('requiring AES256 on an aws:kms bucket is an error that says what gets denied', () => {
    const { app } = include(template({
      Key: KEY,
      B: bucket('aws:kms', { key: arnOf('Key') }),
      P: bucketPolicy('B', [deny({ StringNotEquals: { [HEADER]: 'AES256' }, Null: { [HEADER]: 'false' } })]),
    }));
    const result = check(S3PolicyAlgorithmMatchesDefault, app, 'P');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain("denies uploads that request 'aws:kms', the default encryption of Bucket 'B'");
  });

  test('requiring aws:kms on an SSE-S3 bucket, or on a bucket with no declared encryption (SSE-S3 default), is an error', () => {
    const { app } = include(template({
      S3: bucket('AES256'),
      Plain: bucket(),
      P1: bucketPolicy('S3', [deny({ StringNotEquals: { [HEADER]: 'aws:kms' } }, 'S3')]),
      P2: bucketPolicy('Plain', [deny({ StringNotEquals: { [HEADER]: 'aws:kms' } }, 'Plain')]),
    }));
    expect(check(S3PolicyAlgorithmMatchesDefault, app, 'P1').compliance).toBe(NON_COMPLIANT);
    expect(check(S3PolicyAlgorithmMatchesDefault, app, 'P2').message).toContain("denies uploads that request 'AES256'");
  });

  test('denying the bucket\'s own algorithm with StringEquals is an error', () => {
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy('B', [deny({ StringEquals: { [HEADER]: 'AES256' } })]) }));
    expect(check(S3PolicyAlgorithmMatchesDefault, app, 'P').compliance).toBe(NON_COMPLIANT);
  });

  test('a policy requiring the bucket\'s own algorithm is compliant (AES256 on a bucket with no declared encryption too)', () => {
    const { app } = include(template({
      Key: KEY,
      Kms: bucket('aws:kms', { key: arnOf('Key') }),
      Plain: bucket(),
      P1: bucketPolicy('Kms', [deny({ StringNotEquals: { [HEADER]: 'aws:kms' }, Null: { [HEADER]: 'false' } }, 'Kms')]),
      P2: bucketPolicy('Plain', [deny({ StringNotEquals: { [HEADER]: 'AES256' } }, 'Plain')]),
      P3: bucketPolicy('Kms', [deny({ StringNotLike: { [HEADER]: 'aws:*' } }, 'Kms')]),
    }));
    for (const id of ['P1', 'P2', 'P3']) {
      expect(check(S3PolicyAlgorithmMatchesDefault, app, id).compliance).toBe(COMPLIANT);
    }
  });

  test('Fn::If default encryption: a branch the policy contradicts is an error', () => {
    const { app } = include(template({
      B: bucket({ 'Fn::If': ['C', 'aws:kms', 'AES256'] }),
      P: bucketPolicy('B', [deny({ StringNotEquals: { [HEADER]: 'aws:kms' }, Null: { [HEADER]: 'false' } })]),
    }, { Parameters: { X: { Type: 'String' } }, Conditions: { C: { 'Fn::Equals': [{ Ref: 'X' }, 'kms'] } } }));
    expect(check(S3PolicyAlgorithmMatchesDefault, app, 'P').message).toContain("request 'AES256'");
  });

  test('a policy on a bucket outside the app is not judged', () => {
    const statement = { ...deny({ StringNotEquals: { [HEADER]: 'aws:kms' } }), Resource: 'arn:aws:s3:::other-bucket/*' };
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy({ 'Fn::ImportValue': 'other-bucket' }, [statement]) }));
    expect(check(S3PolicyAlgorithmMatchesDefault, app, 'P').compliance).toBe(NOT_APPLICABLE);
  });
});
