import { arnOf, bucket, check, COMPLIANT, include, NON_COMPLIANT, NOT_APPLICABLE, template } from './helpers';
import { KmsEncryptionContextBucketKey } from '../../src/nag/rules/kms-encryption-context-bucket-key';
import { KmsViaServiceFormat } from '../../src/nag/rules/kms-via-service-format';

function policy(condition: object, statementExtra: object = {}): object {
  return {
    Type: 'AWS::IAM::ManagedPolicy',
    Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: condition, ...statementExtra }] } },
  };
}

describe('Okera-KmsViaServiceFormat', () => {
  test.each([
    ['StringEquals s3.<region>', { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }],
    ['!Sub s3.${AWS::Region}', { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 's3.${AWS::Region}.amazonaws.com' } } }],
    ['a region parameter', { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 's3.${RepRegion}.amazonaws.com' } } }],
    ['StringLike s3.*', { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } }],
    ['StringLike s3.eu-*', { StringLike: { 'kms:ViaService': 's3.eu-*.amazonaws.com' } }],
    ['China', { StringEquals: { 'kms:ViaService': 's3.cn-north-1.amazonaws.com.cn' } }],
    ['another service', { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'cloudformation.${AWS::Region}.amazonaws.com' } } }],
    ['a list', { StringEquals: { 'kms:ViaService': ['s3.us-east-1.amazonaws.com', 's3.eu-west-1.amazonaws.com'] } }],
  ])('%s is compliant', (_, condition) => {
    const { app } = include(template({ P: policy(condition) }, { Parameters: { RepRegion: { Type: 'String' } } }));
    expect(check(KmsViaServiceFormat, app, 'P').compliance).toBe(COMPLIANT);
  });

  test.each([
    ['s3.amazonaws.com (no region)', { StringEquals: { 'kms:ViaService': 's3.amazonaws.com' } }, "'s3.amazonaws.com' (S3 calls KMS as s3.<region>.amazonaws.com)"],
    ['a wildcard under StringEquals', { StringEquals: { 'kms:ViaService': 's3.*.amazonaws.com' } }, 'under StringEquals (the wildcard is a literal character there; use StringLike)'],
    ['a wildcard under ForAnyValue:StringEquals', { 'ForAnyValue:StringEquals': { 'kms:ViaService': 's3.*.amazonaws.com' } }, 'use StringLike'],
    ['a pattern that matches no region', { StringLike: { 'kms:ViaService': 's3.amazonaws.*' } }, "'s3.amazonaws.*'"],
    ['s3 without a domain', { StringEquals: { 'kms:ViaService': 's3.us-east-1' } }, "'s3.us-east-1'"],
  ])('%s is an error', (_, condition, text) => {
    const { app } = include(template({ P: policy(condition) }));
    const result = check(KmsViaServiceFormat, app, 'P');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain(text);
  });

  test('key policies are checked too; no ViaService condition is not applicable', () => {
    const key = { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 's3.amazonaws.com' } } }] } } };
    const { app } = include(template({ Key: key, P: policy({ StringEquals: { 'kms:CallerAccount': '111111111111' } }) }));
    expect(check(KmsViaServiceFormat, app, 'Key').compliance).toBe(NON_COMPLIANT);
    expect(check(KmsViaServiceFormat, app, 'P').compliance).toBe(NOT_APPLICABLE);
  });
});

describe('Okera-KmsEncryptionContextBucketKey', () => {
  const KEY = { Type: 'AWS::KMS::Key', Properties: {} };
  const context = (values: unknown) => ({ StringLike: { 'kms:EncryptionContext:aws:s3:arn': values } });
  const resources = (extra: Record<string, object>) => include(template({
    Key: KEY,
    BucketKey: bucket('aws:kms', { key: arnOf('Key'), bucketKey: true, props: { BucketName: 'with-bucket-key' } }),
    NoBucketKey: bucket('aws:kms', { key: arnOf('Key'), props: { BucketName: 'without-bucket-key' } }),
    ...extra,
  })).app;

  test('object ARNs only, on a Bucket Key bucket, is an error', () => {
    const app = resources({ P: policy(context('arn:aws:s3:::with-bucket-key/*')) });
    const result = check(KmsEncryptionContextBucketKey, app, 'P');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain("Bucket 'BucketKey'");
    expect(result.message).toContain('KMS sees the bucket ARN as aws:s3:arn');
  });

  test('a single object key, built from the bucket\'s ARN, is an error too', () => {
    const app = resources({ P: policy(context({ 'Fn::Join': ['', [arnOf('BucketKey'), '/reports/2024.csv']] })) });
    expect(check(KmsEncryptionContextBucketKey, app, 'P').compliance).toBe(NON_COMPLIANT);
  });

  test('naming the bucket ARN (alone or with objects) is compliant', () => {
    const app = resources({
      A: policy(context(arnOf('BucketKey'))),
      B: policy(context(['arn:aws:s3:::with-bucket-key', 'arn:aws:s3:::with-bucket-key/*'])),
      C: policy(context('arn:aws:s3:::with-bucket-key*')),
    });
    for (const id of ['A', 'B', 'C']) {
      expect(check(KmsEncryptionContextBucketKey, app, id).compliance).toBe(COMPLIANT);
    }
  });

  test('object ARNs are right for a bucket without Bucket Keys, and unknown buckets are not judged', () => {
    const app = resources({ A: policy(context('arn:aws:s3:::without-bucket-key/*')), B: policy(context('arn:aws:s3:::elsewhere/*')) });
    expect(check(KmsEncryptionContextBucketKey, app, 'A').compliance).toBe(COMPLIANT);
    expect(check(KmsEncryptionContextBucketKey, app, 'B').compliance).toBe(COMPLIANT);
  });
});
