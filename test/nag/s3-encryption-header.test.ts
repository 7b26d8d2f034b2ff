import { arnOf, bucket, bucketPolicy, check, COMPLIANT, include, NON_COMPLIANT, NOT_APPLICABLE, objectsOf, template } from './helpers';
import { S3EncryptionHeaderOptional } from '../../src/nag/rules/s3-encryption-header-optional';
import { S3PolicyAlgorithmMatchesDefault } from '../../src/nag/rules/s3-policy-algorithm-matches-default';
import { evaluate, expectDecision } from '../util';

const HEADER = 's3:x-amz-server-side-encryption';
const KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';
const HEADERLESS = 'denies s3:PutObject when the upload sends no encryption header '
  + '(neither s3:x-amz-server-side-encryption nor s3:x-amz-server-side-encryption-aws-kms-key-id)';
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
    expect(result.message).toContain(HEADERLESS);
    expect(result.message).toContain(`Fix: deny only a present-and-wrong header, with both conditions in the same statement: StringNotEquals { ${HEADER}: <algorithm> } together with Null { ${HEADER}: false }.`);
  });

  const KEY_ARN = arnOf('Key');
  test.each([
    ['StringNotEquals on the key id (the AWS docs "deny wrong key" form)', { StringNotEquals: { [KEY_ID]: KEY_ARN } }],
    ['StringNotEqualsIfExists on the key id', { StringNotEqualsIfExists: { [KEY_ID]: KEY_ARN } }],
    ['Null "true" on the key id', { Null: { [KEY_ID]: 'true' } }],
    ['Null true on the key id, key spelled in another case', { Null: { 'S3:X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id': true } }],
    ['StringNotEquals on both headers', { StringNotEquals: { [HEADER]: 'aws:kms', [KEY_ID]: KEY_ARN } }],
    ['StringNotEquals on the algorithm and Null true on the key id', { StringNotEquals: { [HEADER]: 'aws:kms' }, Null: { [KEY_ID]: 'true' } }],
  ])('a Deny with %s is reported: a header-less upload matches every header condition', (_, condition) => {
    const { app } = include(template({ Key: KEY, B: bucket('aws:kms', { key: KEY_ARN }), P: bucketPolicy('B', [deny(condition)]) }));
    const result = check(S3EncryptionHeaderOptional, app, 'P');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain(HEADERLESS);
    expect(result.message).toMatch(/statement 1 \(.*s3:x-amz-server-side-encryption-aws-kms-key-id: /i);
    expect(result.message).toContain(`StringNotEqualsIfExists { ${KEY_ID}: <key ARN> } together with Null { ${HEADER}: false }`);
  });

  test('the message names the key id condition with its key ARN as written in the template', () => {
    const { app } = include(template({ Key: KEY, B: bucket('aws:kms', { key: KEY_ARN }), P: bucketPolicy('B', [deny({ StringNotEquals: { [KEY_ID]: KEY_ARN } })]) }));
    expect(check(S3EncryptionHeaderOptional, app, 'P').message).toContain(
      `statement 1 (StringNotEquals ${KEY_ID}: arn:aws:kms:\${AWS::Region}:\${AWS::AccountId}:key/\${Key}) denies s3:PutObject`);
  });

  test.each([
    ["the library's own key deny (StringNotEqualsIfExists key id with Null false on the algorithm)",
      { StringNotEqualsIfExists: { [KEY_ID]: KEY_ARN }, Null: { [HEADER]: 'false' } }],
    ["the library's aws/s3 key deny (StringNotEquals key id with Null false on the key id)",
      { StringNotEquals: { [KEY_ID]: ['aws/s3', 'arn:aws:kms:us-east-1:111111111111:alias/aws/s3'] }, Null: { [KEY_ID]: 'false' } }],
    ['StringNotEquals on the algorithm with Null false on the key id', { StringNotEquals: { [HEADER]: 'aws:kms' }, Null: { [KEY_ID]: false } }],
    ['StringEquals on the key id (false when the header is missing)', { StringEquals: { [KEY_ID]: KEY_ARN } }],
  ])('%s is compliant: a header-less upload passes', (_, condition) => {
    const { app } = include(template({ Key: KEY, B: bucket('aws:kms', { key: KEY_ARN }), P: bucketPolicy('B', [deny(condition)]) }));
    expect(check(S3EncryptionHeaderOptional, app, 'P').compliance).toBe(COMPLIANT);
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

describe('Okera-S3EncryptionHeaderOptional agrees with IAM evaluation (iam-simulate)', () => {
  const ACCOUNT = '111111111111';
  const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const OTHER_KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/99999999-12ab-34cd-56ef-1234567890ab`;
  const WRITER = `arn:aws:iam::${ACCOUNT}:role/okera-writer`;
  const doc = (...statements: object[]) => ({ Version: '2012-10-17', Statement: statements });
  const denyPut = (condition: object) => ({ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::data-bucket/*', Condition: condition });
  const FORMS = {
    keyIdOnly: { StringNotEquals: { [KEY_ID]: KEY_ARN } },
    library: { StringNotEqualsIfExists: { [KEY_ID]: KEY_ARN }, Null: { [HEADER]: 'false' } },
  };

  /** The rule's verdict on a bucket policy holding exactly this statement, on an SSE-KMS bucket 'data-bucket'. */
  const verdict = (condition: object) => {
    const { app } = include(template({
      B: bucket('aws:kms', { key: KEY_ARN, props: { BucketName: 'data-bucket' } }),
      P: bucketPolicy('B', [denyPut(condition)]),
    }));
    return check(S3EncryptionHeaderOptional, app, 'P').compliance;
  };
  /** A same-account writer, allowed s3:PutObject by its identity policy, uploads with these headers. */
  const upload = (condition: object, headers: Record<string, string>) => evaluate({
    principal: WRITER,
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::data-bucket/tables/part-0.parquet',
    resourceAccount: ACCOUNT,
    identityPolicies: [doc({ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::data-bucket/*' })],
    resourcePolicy: doc(denyPut(condition)),
    context: headers,
  });

  test('the flagged key-id-only deny refuses a header-less upload; the library form allows it', async () => {
    expect(verdict(FORMS.keyIdOnly)).toBe(NON_COMPLIANT);
    expectDecision(await upload(FORMS.keyIdOnly, {}), 'ExplicitlyDenied');

    expect(verdict(FORMS.library)).toBe(COMPLIANT);
    expectDecision(await upload(FORMS.library, {}), 'Allowed');
  });

  test('both forms still refuse another key and aws:kms without a key id (the aws/s3 key), and allow the bucket key', async () => {
    for (const condition of Object.values(FORMS)) {
      expectDecision(await upload(condition, { [HEADER]: 'aws:kms', [KEY_ID]: OTHER_KEY_ARN }), 'ExplicitlyDenied');
      expectDecision(await upload(condition, { [HEADER]: 'aws:kms' }), 'ExplicitlyDenied');
      expectDecision(await upload(condition, { [HEADER]: 'aws:kms', [KEY_ID]: KEY_ARN }), 'Allowed');
    }
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
