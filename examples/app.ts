/**
 * A two-account Okera setup, synthesized offline with `npx cdk synth`.
 *
 * - Data account (A): an SSE-S3 bucket, an SSE-KMS bucket on a new customer managed key, and a
 *   CrossAccountKmsGrant that registers the workers' role on the key policy and bucket policies.
 * - Worker account (B): the Okera worker role (`odas-iam-role`), reading both buckets and writing
 *   under one prefix.
 *
 * Context (all optional): okera:dataAccount, okera:workerAccount, okera:region, and
 * okera:dataKeyArn (the `KeyArn` output of the data stack, once deployed).
 */
import { App, Annotations, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  CrossAccountKmsGrant,
  DataAccess,
  EncryptionType,
  OkeraChecks,
  OkeraDataBucket,
  OkeraWorkerRole,
} from '../src';

interface DataStackProps extends StackProps {
  readonly workerAccount: string;
}

/** Account A: the data and its key. */
class OkeraDataStack extends Stack {
  public readonly rawBucketName: string;
  public readonly curatedBucketName: string;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    this.rawBucketName = `okera-raw-${this.account}-${this.region}`;
    this.curatedBucketName = `okera-curated-${this.account}-${this.region}`;

    // Server access logs (S3 delivers them only to SSE-S3 buckets).
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log destination of the data buckets; logging it into itself would loop.',
    });

    const raw = new OkeraDataBucket(this, 'Raw', {
      bucketName: this.rawBucketName,
      encryption: EncryptionType.SSE_S3,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'raw/',
    });
    const curated = new OkeraDataBucket(this, 'Curated', {
      bucketName: this.curatedBucketName,
      encryption: EncryptionType.SSE_KMS,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'curated/',
    });

    // The worker account is registered (not yet its role): S3 and KMS reject policies naming a role
    // that does not exist, and the workers' stack is deployed second. Its IAM policies then admit only
    // the workers' role. Once that role exists you can narrow these grants to `roleArns`.
    // SSE-S3: only the bucket-policy half is needed.
    new CrossAccountKmsGrant(this, 'RawForWorkers', {
      bucket: raw,
      accounts: [props.workerAccount],
      access: DataAccess.READ,
    });
    // SSE-KMS: the key-policy half and the bucket-policy half.
    new CrossAccountKmsGrant(this, 'CuratedForWorkers', {
      bucket: curated,
      accounts: [props.workerAccount],
      access: DataAccess.READ_WRITE,
    });
  }
}

interface WorkerStackProps extends StackProps {
  readonly dataAccount: string;
  readonly rawBucketName: string;
  readonly curatedBucketName: string;
  readonly dataKeyArn: string;
}

/** Account B: the Okera workers' role. */
class OkeraWorkerStack extends Stack {
  constructor(scope: Construct, id: string, props: WorkerStackProps) {
    super(scope, id, props);
    const workers = new OkeraWorkerRole(this, 'Workers', { roleName: 'odas-iam-role' });

    const raw = OkeraDataBucket.fromBucketAttributes(this, 'Raw', {
      bucketName: props.rawBucketName,
      encryption: EncryptionType.SSE_S3,
      account: props.dataAccount,
      region: this.region,
    });
    const curated = OkeraDataBucket.fromBucketAttributes(this, 'Curated', {
      bucketName: props.curatedBucketName,
      encryption: EncryptionType.SSE_KMS,
      encryptionKeyArn: props.dataKeyArn,
      account: props.dataAccount,
    });

    workers.addDataBucket(raw, { access: DataAccess.READ });
    workers.addDataBucket(curated, { access: DataAccess.READ });
    workers.addDataBucket(curated, { access: DataAccess.READ_WRITE, prefixes: ['okera/output/'] });

    // The only wildcards in the workers' policies: object ARNs ending in '/*' (every object of a bucket,
    // or of the granted prefix) and kms:GenerateDataKey*, which S3 calls on SSE-KMS uploads.
    // Validations.acknowledge() rejects ids containing '::' (as in 'IAM5[Resource::arn...]'), so these
    // granular acknowledgements are recorded as the same metadata acknowledge() writes.
    const reason = 'Okera serves every object of a data bucket (or writes under the granted prefix), and S3 calls ' +
      'kms:GenerateDataKey for SSE-KMS uploads; the KMS statement names one key ARN and allows calls through S3 only.';
    const wildcards = [
      ...[`${props.rawBucketName}/*`, `${props.curatedBucketName}/*`, `${props.curatedBucketName}/okera/output/*`]
        .map((objects) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${objects}]`),
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    ];
    for (const ruleId of wildcards) {
      workers.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [ruleId]: reason });
    }
  }
}

const app = new App();
const ctx = (key: string, fallback: string): string => app.node.tryGetContext(key) ?? fallback;
const region = ctx('okera:region', 'us-east-1');
const dataAccount = ctx('okera:dataAccount', '111111111111');
const workerAccount = ctx('okera:workerAccount', '222222222222');

const data = new OkeraDataStack(app, 'OkeraData', {
  env: { account: dataAccount, region },
  workerAccount,
  description: 'Okera example: data buckets and KMS key (data account)',
});

// A KMS key id is random, so account B learns the key ARN from the data stack's `KeyArn` output
// after the first deploy. Until then a placeholder keeps `cdk synth` working.
const PLACEHOLDER_KEY_ARN = `arn:aws:kms:${region}:${dataAccount}:key/00000000-0000-0000-0000-000000000000`;
const dataKeyArn = ctx('okera:dataKeyArn', PLACEHOLDER_KEY_ARN);
const workers = new OkeraWorkerStack(app, 'OkeraWorkers', {
  env: { account: workerAccount, region },
  dataAccount,
  rawBucketName: data.rawBucketName,
  curatedBucketName: data.curatedBucketName,
  dataKeyArn,
  description: 'Okera example: the workers\' role (worker account)',
});
if (dataKeyArn === PLACEHOLDER_KEY_ARN) {
  Annotations.of(workers).addWarningV2('okera:placeholder-key-arn',
    'Using a placeholder key ARN. Deploy OkeraData first, then synthesize with -c okera:dataKeyArn=<the key ARN output of OkeraData>.');
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new OkeraChecks(app));


app.synth();
