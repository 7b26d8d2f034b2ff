import { bucket, bucketPolicy, check, COMPLIANT, include, NON_COMPLIANT, NOT_APPLICABLE, template } from './helpers';
import { S3BucketKeyEnabled } from '../../src/nag/rules/s3-bucket-key-enabled';
import { S3EncryptionDeclared } from '../../src/nag/rules/s3-encryption-declared';
import { S3EncryptionSupported } from '../../src/nag/rules/s3-encryption-supported';
import { S3PolicyNoSseC } from '../../src/nag/rules/s3-policy-no-sse-c';
import { S3SseCBlockDeclared } from '../../src/nag/rules/s3-sse-c-block-declared';
import { S3SseCBlocked } from '../../src/nag/rules/s3-sse-c-blocked';

const KEY = { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } };

describe('Okera-S3EncryptionSupported', () => {
  test('SSE-S3 and SSE-KMS buckets are compliant', () => {
    const { app } = include(template({ Key: KEY, S3: bucket('AES256'), Kms: bucket('aws:kms', { key: { 'Fn::GetAtt': ['Key', 'Arn'] } }) }));
    expect(check(S3EncryptionSupported, app, 'S3').compliance).toBe(COMPLIANT);
    expect(check(S3EncryptionSupported, app, 'Kms').compliance).toBe(COMPLIANT);
  });

  test('DSSE-KMS is an error that says it is unsupported, not unencrypted', () => {
    const { app } = include(template({ Dsse: bucket('aws:kms:dsse') }));
    const result = check(S3EncryptionSupported, app, 'Dsse');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain("'aws:kms:dsse' (DSSE-KMS: encrypted, but not a type Okera supports)");
    expect(result.message).toContain('Fix: set SSEAlgorithm to AES256');
  });

  test('an unknown algorithm is an error', () => {
    const { app } = include(template({ Odd: bucket('AES128') }));
    expect(check(S3EncryptionSupported, app, 'Odd').message).toContain("'AES128' (not an S3 encryption algorithm)");
  });

  test('no declared encryption is left to S3EncryptionDeclared, and a parameter algorithm is not guessed', () => {
    const { app } = include(template({ Plain: bucket(), Param: bucket({ Ref: 'Alg' }) }, { Parameters: { Alg: { Type: 'String' } } }));
    expect(check(S3EncryptionSupported, app, 'Plain').compliance).toBe(NOT_APPLICABLE);
    expect(check(S3EncryptionSupported, app, 'Param').compliance).toBe(NOT_APPLICABLE);
  });

  test('Fn::If: both supported branches are compliant; a DSSE branch is an error', () => {
    const { app } = include(template({
      Either: bucket({ 'Fn::If': ['UseKms', 'aws:kms', 'AES256'] }),
      Bad: bucket({ 'Fn::If': ['UseKms', 'aws:kms:dsse', 'AES256'] }),
    }, { Parameters: { P: { Type: 'String' } }, Conditions: { UseKms: { 'Fn::Equals': [{ Ref: 'P' }, 'kms'] } } }));
    expect(check(S3EncryptionSupported, app, 'Either').compliance).toBe(COMPLIANT);
    expect(check(S3EncryptionSupported, app, 'Bad').compliance).toBe(NON_COMPLIANT);
  });
});

describe('Okera-S3EncryptionDeclared (warning)', () => {
  test('a bucket without BucketEncryption is reported, with the SSE-S3 default explained', () => {
    const { app } = include(template({ Plain: bucket(), S3: bucket('AES256') }));
    const result = check(S3EncryptionDeclared, app, 'Plain');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain('S3 then applies SSE-S3 (since January 2023)');
    expect(check(S3EncryptionDeclared, app, 'S3').compliance).toBe(COMPLIANT);
  });

  test('BucketEncryption under Fn::If with AWS::NoValue is undeclared in one branch', () => {
    const { app } = include(template({
      Maybe: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: { 'Fn::If': ['C', { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] }, { Ref: 'AWS::NoValue' }] } } },
    }, { Parameters: { P: { Type: 'String' } }, Conditions: { C: { 'Fn::Equals': [{ Ref: 'P' }, 'x'] } } }));
    expect(check(S3EncryptionDeclared, app, 'Maybe').message).toContain('under some template conditions');
  });
});

describe('Okera-S3SseCBlocked / Okera-S3SseCBlockDeclared', () => {
  test('explicit NONE is an error; SSE-C blocked is compliant with both rules', () => {
    const { app } = include(template({ None: bucket('AES256', { blocked: ['NONE'] }), Blocked: bucket('AES256', { blocked: ['SSE-C'] }) }));
    expect(check(S3SseCBlocked, app, 'None').compliance).toBe(NON_COMPLIANT);
    expect(check(S3SseCBlocked, app, 'None').message).toContain('BlockedEncryptionTypes to NONE');
    expect(check(S3SseCBlocked, app, 'Blocked').compliance).toBe(COMPLIANT);
    expect(check(S3SseCBlockDeclared, app, 'Blocked').compliance).toBe(COMPLIANT);
    expect(check(S3SseCBlockDeclared, app, 'None').compliance).toBe(COMPLIANT); // declared (the error rule reports it)
  });

  test('absent BlockedEncryptionTypes is a warning, not an error', () => {
    const { app } = include(template({ S3: bucket('AES256'), Plain: bucket() }));
    expect(check(S3SseCBlocked, app, 'S3').compliance).toBe(COMPLIANT);
    expect(check(S3SseCBlockDeclared, app, 'S3').compliance).toBe(NON_COMPLIANT);
    expect(check(S3SseCBlockDeclared, app, 'Plain').message).toContain('blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C]');
  });
});

describe('Okera-S3PolicyNoSseC', () => {
  const SSE_C = 's3:x-amz-server-side-encryption-customer-algorithm';
  const put = { Principal: '*', Action: 's3:PutObject', Resource: { 'Fn::Sub': '${B.Arn}/*' } };

  test.each([
    ['an Allow conditioned on the SSE-C algorithm', { ...put, Effect: 'Allow', Condition: { StringEquals: { [SSE_C]: 'AES256' } } }, 'allows requests that carry an SSE-C key'],
    ['an Allow when the SSE-C header is present', { ...put, Effect: 'Allow', Condition: { Null: { [SSE_C]: 'false' } } }, 'allows requests that carry an SSE-C key'],
    ['a Deny when the SSE-C header is missing (Null true)', { ...put, Effect: 'Deny', Condition: { Null: { [SSE_C]: true } } }, 'every new object must be SSE-C'],
    ['a Deny unless the SSE-C algorithm is AES256 (StringNotEquals)', { ...put, Effect: 'Deny', Condition: { StringNotEquals: { [SSE_C]: 'AES256' } } }, 'every new object must be SSE-C'],
  ])('%s is an error', (_, statement, text) => {
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy('B', [statement]) }));
    const result = check(S3PolicyNoSseC, app, 'P');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain(text);
  });

  test('a Deny of uploads that carry SSE-C headers (Null false) is compliant', () => {
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy('B', [{ ...put, Effect: 'Deny', Condition: { Null: { [SSE_C]: 'false' } } }]) }));
    expect(check(S3PolicyNoSseC, app, 'P').compliance).toBe(COMPLIANT);
  });

  test('a present-and-wrong Deny (StringNotEquals with Null false) does not require SSE-C', () => {
    const statement = { ...put, Effect: 'Deny', Condition: { StringNotEquals: { [SSE_C]: 'AES256' }, Null: { [SSE_C]: 'false' } } };
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy('B', [statement]) }));
    expect(check(S3PolicyNoSseC, app, 'P').compliance).toBe(COMPLIANT);
  });
});

describe('Okera-S3BucketKeyEnabled (warning)', () => {
  test('SSE-KMS without Bucket Keys is reported; with Bucket Keys, or SSE-S3, it is not', () => {
    const { app } = include(template({
      Key: KEY,
      NoKey: bucket('aws:kms', { key: { 'Fn::GetAtt': ['Key', 'Arn'] } }),
      WithKey: bucket('aws:kms', { key: { 'Fn::GetAtt': ['Key', 'Arn'] }, bucketKey: true }),
      S3: bucket('AES256'),
    }));
    expect(check(S3BucketKeyEnabled, app, 'NoKey').message).toContain('without S3 Bucket Keys');
    expect(check(S3BucketKeyEnabled, app, 'WithKey').compliance).toBe(COMPLIANT);
    expect(check(S3BucketKeyEnabled, app, 'S3').compliance).toBe(NOT_APPLICABLE);
  });

  test('a BucketKeyEnabled parameter is not guessed', () => {
    const { app } = include(template({ B: bucket('aws:kms', { bucketKey: { Ref: 'P' } }) }, { Parameters: { P: { Type: 'String' } } }));
    expect(check(S3BucketKeyEnabled, app, 'B').compliance).toBe(COMPLIANT);
  });
});
