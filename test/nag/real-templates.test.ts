import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { NagMessageLevel } from 'cdk-nag';
import { OkeraChecks, OkeraFinding } from '../../src/nag';
import { describeRealTemplates } from '../util/real-templates';

/**
 * Sanity run of the pack over the public templates in /work/shared/real-templates (see SOURCES.md
 * there): nothing crashes, the errors are exactly the real problems, and the known traps are not
 * reported. The formal per-file expectations (warnings included) live in the CLI tests.
 */
function findings(file: string): OkeraFinding[] {
  const app = new App();
  new CfnInclude(new Stack(app, 'Stack'), 'Template', { templateFile: file });
  return new OkeraChecks().audit(app);
}

const pairs = (fs_: OkeraFinding[], level?: NagMessageLevel) => fs_.filter((f) => !level || f.level === level).map((f) => `${f.ruleId} ${f.resourceLogicalId}`);

/** Every ERROR each file must produce, exactly. */
const ERRORS: Record<string, string[]> = {
  'awslabs-hana-backup-sse-kms-null-condition-viaservice.yaml': ['Okera-S3TlsEnforced OriginalBucket'],
  'awslabs-s3-access-logs-fn-if-tls-deny.yaml': [],
  'awslabs-s3-crr-kms-destination-cross-account-key-policy.yaml': ['Okera-S3TlsEnforced S3BucketDestination'],
  'awslabs-s3-crr-kms-source-replication-role.yaml': ['Okera-S3TlsEnforced S3BucketSource'],
  'awslabs-s3-secure-transport-partial-tls-deny.yaml': ['Okera-S3TlsEnforced S3BUCKET'],
  'awslabs-s3-sse-s3-cross-account-bucket-policy.yaml': ['Okera-S3TlsEnforced S3BUCKET'],
  'awslabs-vpc-flowlogs-conditional-sse-kms-or-s3.yaml': [],
  'cdk-integ-kms-cross-account-key-policy-decrypt-only.json': [],
  'cdk-integ-kms-cross-account-principal-role-decrypt.json': [],
  'cdk-integ-s3-bucket-encryption-dsse-ssec-blocked.json': [
    'Okera-S3EncryptionSupported MyDSSEBucket8A2A1D0C', 'Okera-S3TlsEnforced MyDSSEBucket8A2A1D0C',
    'Okera-S3TlsEnforced MySSES3Bucket6973690D',
    'Okera-S3SseCBlocked MyKMSBucketDF8715AC', 'Okera-S3TlsEnforced MyKMSBucketDF8715AC',
    'Okera-S3TlsEnforced MySSECBlockedBucket184125AB',
  ],
  'cdk-integ-s3-enforce-ssl-minimum-tls-version.json': [],
  'cdk-integ-s3-sse-kms-grant-delete-only.json': ['Okera-S3TlsEnforced MyBucketF68F3FF0'],
  'cdk-integ-s3-sse-kms-user-readwrite-enforce-ssl.json': ['Okera-S3TlsEnforced MyOtherBucket543F3540'],
  'cfnlint-quickstart-nist-logging-deny-non-aes256.yaml': ['Okera-S3TlsEnforced rArchiveLogsBucket', 'Okera-S3TlsEnforced rCloudTrailBucket'],
  'checkov-example-s3-mixed-buckets.yaml': [
    'Okera-S3TlsEnforced S3BucketNoProps', 'Okera-S3TlsEnforced S3BucketPublicRead',
    'Okera-S3KmsKeyArn S3Bucket', 'Okera-S3TlsEnforced S3Bucket',
    'Okera-S3TlsEnforced S3Bucket2', 'Okera-S3TlsEnforced S3Bucket3', 'Okera-S3TlsEnforced S3Bucket4',
  ],
  'solutions-constructs-glue-job-bookmark-cse-kms-sse-s3.json': [],
  'solutions-constructs-iot-s3-aws-managed-kms-key.json': [],
  'solutions-constructs-lambda-s3-sse-s3-tls-deny.json': [],
  'sra-org-cloudtrail-bucket-cross-account-kms-principalorgid.yaml': [],
  'sra-org-cloudtrail-kms-key-policy-cross-account-decrypt.yaml': [],
};

describeRealTemplates('OkeraChecks on real templates', (DIR, FILES) => {
  const results = new Map(FILES.map((f) => [f, findings(path.join(DIR, f))]));
  const of = (file: string) => results.get(file)!;

  test('every file is covered by this test', () => {
    expect(Object.keys(ERRORS).sort()).toEqual(FILES);
  });

  test.each(FILES)('%s: exactly the expected errors, and no rule fails to evaluate', (file) => {
    expect(pairs(of(file), NagMessageLevel.ERROR)).toEqual(ERRORS[file]);
    expect(of(file).filter((f) => f.message.includes('could not evaluate'))).toEqual([]);
  });

  test('partial TLS deny: objects only, bucket-level actions named, parameter-based ARN resolved', () => {
    for (const file of ['awslabs-s3-secure-transport-partial-tls-deny.yaml', 'cfnlint-quickstart-nist-logging-deny-non-aes256.yaml']) {
      const tls = of(file).filter((f) => f.ruleId === 'Okera-S3TlsEnforced');
      expect(tls.length).toBeGreaterThan(0);
      tls.forEach((f) => expect(f.message).toContain('on its objects only: bucket-level actions such as s3:ListBucket'));
    }
  });

  test('traps: delete-only access, Glue bookmark CSE-KMS, IAM SecureTransport conditions, CloudFormation ViaService', () => {
    expect(pairs(of('cdk-integ-s3-sse-kms-grant-delete-only.json'))).not.toContain('Okera-IamKmsPermissions Deleter1FEDC09A');
    expect(pairs(of('solutions-constructs-glue-job-bookmark-cse-kms-sse-s3.json'), NagMessageLevel.ERROR)).toEqual([]);
    expect(pairs(of('sra-org-cloudtrail-kms-key-policy-cross-account-decrypt.yaml'))).toEqual([]);
    expect(pairs(of('cdk-integ-s3-sse-kms-user-readwrite-enforce-ssl.json')).filter((p) => p.startsWith('Okera-IamKms'))).toEqual([]);
  });

  test('aws/s3 in the same account is a warning only', () => {
    const iot = pairs(of('solutions-constructs-iot-s3-aws-managed-kms-key.json'));
    expect(iot).toContain('Okera-S3AwsManagedKey scrapBucketB11863B7');
    expect(iot).not.toContain('Okera-S3AwsManagedKeyNotShared scrapBucketB11863B7');
  });

  test('Fn::If encryption (SSE-KMS or SSE-S3 with an external key parameter) is supported and not guessed', () => {
    expect(pairs(of('awslabs-vpc-flowlogs-conditional-sse-kms-or-s3.yaml'))).toEqual(['Okera-S3SseCBlockDeclared VPCFlowLogsBucket']);
  });

  test('warnings that matter: write-only cross-account key grant, header-required denies', () => {
    expect(pairs(of('awslabs-s3-crr-kms-destination-cross-account-key-policy.yaml'), NagMessageLevel.WARN)).toContain('Okera-KmsCrossAccountWriteOnly KmsKey');
    expect(pairs(of('awslabs-hana-backup-sse-kms-null-condition-viaservice.yaml'), NagMessageLevel.WARN)).toContain('Okera-S3EncryptionHeaderOptional DenyPutNonEncrypt');
    expect(pairs(of('cfnlint-quickstart-nist-logging-deny-non-aes256.yaml'), NagMessageLevel.WARN)).toEqual(expect.arrayContaining([
      'Okera-S3EncryptionHeaderOptional rArchiveLogsBucketPolicy', 'Okera-S3EncryptionHeaderOptional rCloudTrailS3Policy',
    ]));
  });
});
