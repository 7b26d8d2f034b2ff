import * as path from 'path';
import { audit } from './helpers';
import { describeRealTemplates } from '../util/real-templates';

/**
 * Public CloudFormation templates written by other teams (see SOURCES.md beside them), audited one file
 * per run. Each row is the exact set of [ruleId, logicalId] findings a careful reviewer expects: every
 * finding is listed, and any other finding fails the test.
 *
 * SOURCES.md's "Expected" column is a first reading; where the facts say otherwise, the row follows the
 * facts and the comment says why. Facts used throughout:
 * - Since January 2023 S3 encrypts new objects with SSE-S3 when a bucket declares no BucketEncryption:
 *   readable by Okera, so an undeclared default is a warning (S3EncryptionDeclared), never an error.
 * - Since April 2026 S3 blocks SSE-C on new buckets, and on existing buckets only in accounts that hold no
 *   SSE-C objects (S3 user guide, "Blocking or unblocking SSE-C for a general purpose bucket"). A template
 *   that does not declare BlockedEncryptionTypes may describe a bucket that still accepts SSE-C uploads
 *   Okera cannot read: a warning on every such bucket (S3SseCBlockDeclared), an error only for an explicit
 *   NONE (S3SseCBlocked). The reviewer's column mostly leaves this warning out; it applies to every bucket
 *   here except cdk-integ's MySSECBlockedBucket.
 * - AWS::KMS::Key EnableKeyRotation defaults to false: CDK keys created without enableKeyRotation get the
 *   KmsKeyRotation warning.
 * - SSE-KMS without BucketKeyEnabled makes one KMS request per object (cost, throttling with many workers):
 *   S3BucketKeyEnabled warning, also for the aws/s3 key.
 * - IAM: a condition on a key absent from the request is false, except for negated operators
 *   (StringNotEquals...), which are then true, and Null. So both `Null: true` and a bare
 *   `StringNotEquals s3:x-amz-server-side-encryption` deny an upload that sends no encryption header,
 *   even though default encryption would encrypt it (S3EncryptionHeaderOptional warning). The same holds
 *   for those conditions on s3:x-amz-server-side-encryption-aws-kms-key-id (the "deny wrong key" form).
 */
const EXPECTED: Record<string, [string, string][]> = {
  // SSE-S3, cross-account read of an SSE-S3 bucket needs no KMS; no TLS deny at all.
  'awslabs-s3-sse-s3-cross-account-bucket-policy.yaml': [
    ['Okera-S3SseCBlockDeclared', 'S3BUCKET'],
    ['Okera-S3TlsEnforced', 'S3BUCKET'],
  ],
  // The TLS deny is built from the BucketName parameter (arn:aws:s3:::${BucketName}/*) and resolved back to
  // S3BUCKET, whose BucketName is !Ref BucketName; it covers objects only, so S3TlsEnforced reports the bucket
  // ARN (ListBucket...) as uncovered. No BucketEncryption: default SSE-S3, declared by nothing.
  'awslabs-s3-secure-transport-partial-tls-deny.yaml': [
    ['Okera-S3EncryptionDeclared', 'S3BUCKET'],
    ['Okera-S3SseCBlockDeclared', 'S3BUCKET'],
    ['Okera-S3TlsEnforced', 'S3BUCKET'],
  ],
  // The source account gets Encrypt/ReEncrypt*/GenerateDataKey*/DescribeKey but no Decrypt on the destination
  // key. That is AWS's documented setup for replicating into a KMS-encrypted bucket of another account
  // (replication encrypts replicas with kms:Encrypt), not a broken one, so it is a WARN (the other account
  // cannot read back or upload multipart), not an error. Rotation and Bucket Keys are on.
  'awslabs-s3-crr-kms-destination-cross-account-key-policy.yaml': [
    ['Okera-KmsCrossAccountWriteOnly', 'KmsKey'],
    ['Okera-S3SseCBlockDeclared', 'S3BucketDestination'],
    ['Okera-S3TlsEnforced', 'S3BucketDestination'],
  ],
  // The replication role has kms:Decrypt on the source key (no ViaService condition: nothing to validate).
  // ReplicaKmsKeyID is an alias ARN of the destination account: valid there (S3 takes a key ARN or an alias
  // ARN; an alias ARN names its account, unlike a bare alias), and the destination key policy is in the
  // other template, so nothing is reported for it.
  'awslabs-s3-crr-kms-source-replication-role.yaml': [
    ['Okera-S3SseCBlockDeclared', 'S3BucketSource'],
    ['Okera-S3TlsEnforced', 'S3BucketSource'],
  ],
  // Both ViaService values (!Sub s3.${AWS::Region}... and s3.${RepRegion}...) are well formed; the
  // encryption-context condition names objects, which is what KMS sees without Bucket Keys. The Lambda
  // role's s3:* + kms:* on * is over-broad but complete (no KMS finding). The reviewer calls the
  // deny-unencrypted statements valid: they are valid policy, but per the IAM fact above both the Null deny
  // and the bare StringNotEquals deny refuse uploads that rely on the bucket's default SSE-KMS: a warning.
  // The policy's Bucket is the OriginalBucketName parameter, resolved back to OriginalBucket.
  'awslabs-hana-backup-sse-kms-null-condition-viaservice.yaml': [
    ['Okera-S3SseCBlockDeclared', 'OriginalBucket'],
    ['Okera-S3TlsEnforced', 'OriginalBucket'],
    ['Okera-S3BucketKeyEnabled', 'OriginalBucket'],
    ['Okera-S3EncryptionHeaderOptional', 'DenyPutNonEncrypt'],
  ],
  // SSE-S3 and a TLS deny on both ARNs with an unquoted YAML boolean false: clean apart from SSE-C.
  'awslabs-s3-access-logs-fn-if-tls-deny.yaml': [
    ['Okera-S3SseCBlockDeclared', 'S3AccessLogsBucket'],
  ],
  // SSEAlgorithm !If [kms, aws:kms, AES256]: both branches supported. The key is a parameter (external):
  // nothing to check on its policy. BucketKeyEnabled is a parameter in the KMS branch: unknown, so no
  // Bucket Key warning. TLS deny covers both ARNs.
  'awslabs-vpc-flowlogs-conditional-sse-kms-or-s3.yaml': [
    ['Okera-S3SseCBlockDeclared', 'VPCFlowLogsBucket'],
  ],
  // As the reviewer says: DSSE-KMS is unsupported (error); bucket 3's explicit NONE lets SSE-C in (error);
  // buckets 1 and 2 do not declare SSE-C blocking (warning); no bucket enforces TLS. Bucket 3 (SSE-KMS)
  // has no Bucket Key; bucket 2's BucketKeyEnabled on AES256 is harmless. The key has rotation on.
  'cdk-integ-s3-bucket-encryption-dsse-ssec-blocked.json': [
    ['Okera-S3EncryptionSupported', 'MyDSSEBucket8A2A1D0C'],
    ['Okera-S3SseCBlockDeclared', 'MyDSSEBucket8A2A1D0C'],
    ['Okera-S3TlsEnforced', 'MyDSSEBucket8A2A1D0C'],
    ['Okera-S3SseCBlockDeclared', 'MySSES3Bucket6973690D'],
    ['Okera-S3TlsEnforced', 'MySSES3Bucket6973690D'],
    ['Okera-S3SseCBlocked', 'MyKMSBucketDF8715AC'],
    ['Okera-S3TlsEnforced', 'MyKMSBucketDF8715AC'],
    ['Okera-S3BucketKeyEnabled', 'MyKMSBucketDF8715AC'],
    ['Okera-S3TlsEnforced', 'MySSECBlockedBucket184125AB'],
  ],
  // The reviewer asks to report that the Decrypt-only grant makes writes fail. It does, but a Decrypt-only
  // grant is the correct grant for read access (kms:Decrypt is all DataAccess.READ needs), so it is not a
  // finding; only write-only grants (no Decrypt) are. The 8-digit account in the kms:* statement is not an
  // S3-encryption matter (KMS rejects such a principal when the key policy is put). No rotation: warning.
  'cdk-integ-kms-cross-account-key-policy-decrypt-only.json': [
    ['Okera-KmsKeyRotation', 'Key961B73FD'],
  ],
  // kms:Decrypt on * without ViaService, no S3 resource: nothing S3-specific to report.
  'cdk-integ-kms-cross-account-principal-role-decrypt.json': [],
  // The reviewer expects a clean pass. TLS (including the TLS 1.2 minimum) is enforced on both ARNs, but the
  // bucket declares no encryption (default SSE-S3) and no SSE-C blocking: two warnings.
  'cdk-integ-s3-enforce-ssl-minimum-tls-version.json': [
    ['Okera-S3EncryptionDeclared', 'Bucket83908E77'],
    ['Okera-S3SseCBlockDeclared', 'Bucket83908E77'],
  ],
  // The trap: the user may only delete objects, which needs no KMS permission, so no IamKmsPermissions
  // finding. The key has no rotation, the SSE-KMS bucket no Bucket Key and no TLS deny.
  'cdk-integ-s3-sse-kms-grant-delete-only.json': [
    ['Okera-KmsKeyRotation', 'MyKey6AB29FA6'],
    ['Okera-S3SseCBlockDeclared', 'MyBucketF68F3FF0'],
    ['Okera-S3TlsEnforced', 'MyBucketF68F3FF0'],
    ['Okera-S3BucketKeyEnabled', 'MyBucketF68F3FF0'],
  ],
  // KMS permissions are complete (Decrypt + GenerateDataKey* on the key ARN: read, write, multipart) and
  // SSE-S3 reads need none. The reviewer's "only finding" is the missing TLS deny on MyOtherBucket; the key
  // also has no rotation and the SSE-KMS bucket no Bucket Key (warnings).
  'cdk-integ-s3-sse-kms-user-readwrite-enforce-ssl.json': [
    ['Okera-KmsKeyRotation', 'MyBucketKeyC17130CF'],
    ['Okera-S3SseCBlockDeclared', 'MyBucketF68F3FF0'],
    ['Okera-S3BucketKeyEnabled', 'MyBucketF68F3FF0'],
    ['Okera-S3SseCBlockDeclared', 'MyOtherBucket543F3540'],
    ['Okera-S3TlsEnforced', 'MyOtherBucket543F3540'],
  ],
  // No BucketEncryption (default SSE-S3); the deny-unless-AES256 statements also deny uploads without the
  // header (negated operator, absent key: true), which is what the header warning says; they match the
  // SSE-S3 default, so no algorithm mismatch. The TLS denies cover objects only (…/* under Fn::If on the
  // partition). The EC2 role's Get/PutObject on an SSE-S3 bucket needs no KMS.
  'cfnlint-quickstart-nist-logging-deny-non-aes256.yaml': [
    ['Okera-S3EncryptionDeclared', 'rArchiveLogsBucket'],
    ['Okera-S3SseCBlockDeclared', 'rArchiveLogsBucket'],
    ['Okera-S3TlsEnforced', 'rArchiveLogsBucket'],
    ['Okera-S3EncryptionHeaderOptional', 'rArchiveLogsBucketPolicy'],
    ['Okera-S3EncryptionDeclared', 'rCloudTrailBucket'],
    ['Okera-S3SseCBlockDeclared', 'rCloudTrailBucket'],
    ['Okera-S3TlsEnforced', 'rCloudTrailBucket'],
    ['Okera-S3EncryptionHeaderOptional', 'rCloudTrailS3Policy'],
  ],
  // KMSMasterKeyID 'String' is not a key id, ARN or alias (error). Anonymous Principal "*" GetObject on that
  // SSE-KMS bucket cannot decrypt (KMS needs a signed caller) but that is not an encryption misconfiguration
  // of the bucket; public ACLs are out of scope. Buckets without BucketEncryption default to SSE-S3.
  'checkov-example-s3-mixed-buckets.yaml': [
    ['Okera-S3EncryptionDeclared', 'S3BucketNoProps'],
    ['Okera-S3SseCBlockDeclared', 'S3BucketNoProps'],
    ['Okera-S3TlsEnforced', 'S3BucketNoProps'],
    ['Okera-S3SseCBlockDeclared', 'S3BucketPublicRead'],
    ['Okera-S3TlsEnforced', 'S3BucketPublicRead'],
    ['Okera-S3SseCBlockDeclared', 'S3Bucket'],
    ['Okera-S3KmsKeyArn', 'S3Bucket'],
    ['Okera-S3TlsEnforced', 'S3Bucket'],
    ['Okera-S3BucketKeyEnabled', 'S3Bucket'],
    ['Okera-S3SseCBlockDeclared', 'S3Bucket2'],
    ['Okera-S3TlsEnforced', 'S3Bucket2'],
    ['Okera-S3EncryptionDeclared', 'S3Bucket3'],
    ['Okera-S3SseCBlockDeclared', 'S3Bucket3'],
    ['Okera-S3TlsEnforced', 'S3Bucket3'],
    ['Okera-S3EncryptionDeclared', 'S3Bucket4'],
    ['Okera-S3SseCBlockDeclared', 'S3Bucket4'],
    ['Okera-S3TlsEnforced', 'S3Bucket4'],
  ],
  // Traps: the Glue bookmark CSE-KMS is not S3 client-side encryption (S3Encryptions is SSE-S3), and the IAM
  // Allow with Bool aws:SecureTransport "true" is not a bucket TLS deny. Both buckets enforce TLS.
  'solutions-constructs-glue-job-bookmark-cse-kms-sse-s3.json': [
    ['Okera-S3SseCBlockDeclared', 'testkinesisstreamslambdaS3LoggingBucket48F70267'],
    ['Okera-S3SseCBlockDeclared', 'testkinesisstreamslambdaS3Bucket54759F5C'],
  ],
  // aws:kms without a key: the AWS managed aws/s3 key, fine in its own account (the IoT role needs no KMS
  // permission there), shared with no other account, so a warning that it cannot be shared, not the
  // cross-account error. No Bucket Key on it (warning).
  'solutions-constructs-iot-s3-aws-managed-kms-key.json': [
    ['Okera-S3SseCBlockDeclared', 'scrapBucketLog7B53B25C'],
    ['Okera-S3SseCBlockDeclared', 'scrapBucketB11863B7'],
    ['Okera-S3AwsManagedKey', 'scrapBucketB11863B7'],
    ['Okera-S3BucketKeyEnabled', 'scrapBucketB11863B7'],
  ],
  // SSE-S3 with TLS on both ARNs; the Lambda role's S3 read/write needs no KMS.
  'solutions-constructs-lambda-s3-sse-s3-tls-deny.json': [
    ['Okera-S3SseCBlockDeclared', 'testlambdas3S3LoggingBucketD42FC73D'],
    ['Okera-S3SseCBlockDeclared', 'testlambdas3S3Bucket179A52E6'],
  ],
  // SSE-KMS with an external key (a parameter), Bucket Key on, TLS on both ARNs. The deny-unencrypted and
  // deny-wrong-key statements are YAML comments, not policy: no header warning (uncommented, both would get
  // one: a bare StringNotEquals on the algorithm, and one on the key id, each deny header-less uploads).
  'sra-org-cloudtrail-bucket-cross-account-kms-principalorgid.yaml': [
    ['Okera-S3SseCBlockDeclared', 'rOrgTrailBucket'],
  ],
  // Other accounts get kms:Decrypt only (read, CloudTrail logs only): not write-only. CloudTrail's
  // GenerateDataKey* is a service principal writing, not another account. kms:ViaService
  // cloudformation.${AWS::Region}.amazonaws.com names CloudFormation, not S3: not malformed. Rotation is on.
  'sra-org-cloudtrail-kms-key-policy-cross-account-decrypt.yaml': [],
};

const sorted = (pairs: [string, string][]) => [...pairs].sort((a, b) => `${a[1]} ${a[0]}`.localeCompare(`${b[1]} ${b[0]}`));

describeRealTemplates('audit on real templates', (REAL_TEMPLATES, files) => {
  test('every real template has a row, and every row a template', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  test.each(files)('%s', (file) => {
    const r = audit(path.join(REAL_TEMPLATES, file));
    expect(r.stderr).toBe(''); // loaded by cloudformation-include as is: no fallback, nothing skipped
    expect(JSON.parse(r.stdout).templates[0].loadedWith).toBe('include');
    expect(sorted(r.findings.map((f) => [f.ruleId, f.logicalId]))).toEqual(sorted(EXPECTED[file]));
    expect(r.code).toBe(r.findings.some((f) => f.level === 'error') ? 1 : 0);
  });

  test('auditing all of them in one run reports the same findings as one run each', () => {
    const r = audit(...files.map((f) => path.join(REAL_TEMPLATES, f)));
    const byFile = (f: string) => sorted(r.findings.filter((x) => x.template === path.join(REAL_TEMPLATES, f)).map((x) => [x.ruleId, x.logicalId]));
    expect(Object.fromEntries(files.map((f) => [f, byFile(f)]))).toEqual(Object.fromEntries(files.map((f) => [f, sorted(EXPECTED[f])])));
    expect(r.code).toBe(1);
  });
});
