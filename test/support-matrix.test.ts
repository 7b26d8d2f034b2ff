import * as fs from 'fs';
import * as path from 'path';
import { DataAccess, EncryptionType, OkeraSupport, SseCBlocking, SupportMatrix } from '../src';

const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function rule(byDefault: any, extra: any = {}) {
  return { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: byDefault, ...extra }] };
}

describe('classifyBucketEncryption', () => {
  test.each([
    ['AES256', undefined, EncryptionType.SSE_S3],
    ['aws:kms', KEY_ARN, EncryptionType.SSE_KMS],
    ['aws:kms', { 'Fn::GetAtt': ['Key', 'Arn'] }, EncryptionType.SSE_KMS],
    ['aws:kms', undefined, EncryptionType.SSE_KMS_AWS_MANAGED],
    ['aws:kms', 'alias/aws/s3', EncryptionType.SSE_KMS_AWS_MANAGED],
    ['aws:kms', 'arn:aws:kms:us-east-1:111111111111:alias/aws/s3', EncryptionType.SSE_KMS_AWS_MANAGED],
    ['aws:kms:dsse', KEY_ARN, EncryptionType.DSSE_KMS],
  ])('%s with key %j is %s', (algorithm, keyId, expected) => {
    const c = SupportMatrix.classifyBucketEncryption(rule({ SSEAlgorithm: algorithm, KMSMasterKeyID: keyId }));
    expect(c.type).toBe(expected);
    expect(c.declared).toBe(true);
    expect(c.unresolved).toBe(false);
    expect(c.kmsKeyDeclared).toBe(keyId !== undefined);
  });

  test('no BucketEncryption: nothing declared, SSE-C blocking not declared', () => {
    const c = SupportMatrix.classifyBucketEncryption(undefined);
    expect(c).toMatchObject({ declared: false, unresolved: false, bucketKeyEnabled: false, sseCBlocking: SseCBlocking.NOT_DECLARED });
    expect(c.type).toBeUndefined();
  });

  test('an unknown algorithm is declared but has no type', () => {
    const c = SupportMatrix.classifyBucketEncryption(rule({ SSEAlgorithm: 'aws:kms:quantum' }));
    expect(c).toMatchObject({ declared: true, unresolved: false, sseAlgorithm: 'aws:kms:quantum' });
    expect(c.type).toBeUndefined();
  });

  test('an intrinsic algorithm is unresolved, not guessed', () => {
    const c = SupportMatrix.classifyBucketEncryption(rule({ SSEAlgorithm: { 'Fn::If': ['UseKms', 'aws:kms', 'AES256'] } }));
    expect(c).toMatchObject({ declared: true, unresolved: true });
    expect(c.type).toBeUndefined();
  });

  test('bucket keys and SSE-C blocking are read', () => {
    const blocked = SupportMatrix.classifyBucketEncryption(rule({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN }, {
      BucketKeyEnabled: true, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
    }));
    expect(blocked).toMatchObject({ bucketKeyEnabled: true, sseCBlocking: SseCBlocking.BLOCKED, kmsKeyId: KEY_ARN });
    const open = SupportMatrix.classifyBucketEncryption(rule({ SSEAlgorithm: 'AES256' }, { BlockedEncryptionTypes: { EncryptionType: ['NONE'] } }));
    expect(open.sseCBlocking).toBe(SseCBlocking.EXPLICITLY_ALLOWED);
  });
});

describe('the matrix', () => {
  test('only SSE-S3 and SSE-KMS are supported; aws/s3 only in its own account', () => {
    const supported = SupportMatrix.all().filter((r) => r.support !== OkeraSupport.NOT_SUPPORTED).map((r) => r.type);
    expect(supported).toEqual([EncryptionType.SSE_S3, EncryptionType.SSE_KMS, EncryptionType.SSE_KMS_AWS_MANAGED]);
    expect(SupportMatrix.info(EncryptionType.SSE_KMS_AWS_MANAGED).support).toBe(OkeraSupport.SAME_ACCOUNT_ONLY);
    for (const t of [EncryptionType.DSSE_KMS, EncryptionType.SSE_C, EncryptionType.CSE_KMS, EncryptionType.CSE_CLIENT_KEY]) {
      expect(SupportMatrix.isSupported(t)).toBe(false);
    }
  });

  test('a customer key needs Decrypt to read and GenerateDataKey* plus Decrypt to write (multipart)', () => {
    expect(SupportMatrix.kmsActions(EncryptionType.SSE_KMS, DataAccess.READ)).toEqual(['kms:Decrypt']);
    expect(SupportMatrix.kmsActions(EncryptionType.SSE_KMS, DataAccess.READ_WRITE).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(SupportMatrix.kmsActions(EncryptionType.SSE_S3, DataAccess.READ_WRITE)).toEqual([]);
  });

  test('an unknown type is a clear error', () => {
    expect(() => SupportMatrix.info('SSE_QUANTUM' as EncryptionType)).toThrow(/Unknown encryption type 'SSE_QUANTUM'. Use one of: SSE_S3, SSE_KMS/);
  });

  test('the README shows exactly the generated matrix', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(SupportMatrix.markdownTable());
  });
});
