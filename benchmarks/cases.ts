/**
 * The apps the benchmark synthesizes: this library and the plain aws-cdk-lib equivalent, for
 * N accounts on one key and M buckets for one worker role. Both sides get the same layout.
 *
 * - accounts: one stack in the data account: one KMS key, one bucket encrypted with it, and read
 *   access on the key for N other accounts (optionally on the bucket policy too).
 * - buckets: M SSE-KMS buckets named `data-bucket-0001`... in data stacks of at most 100 buckets
 *   sharing one key each (a stack holds at most 500 resources, for any user), and one worker role
 *   with an EC2 instance profile in its own stack of the same account and region, reading every
 *   bucket through cross-stack references.
 * - buckets, imported: the worker stack alone, the M buckets imported by name and key ARN (how a
 *   worker account sees the data account's buckets).
 */
import { App, CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
// The modules measured, not '../src' (which also loads the cdk-nag pack).
import { CrossAccountKmsGrant } from '../src/cross-account-kms-grant';
import { OkeraDataBucket } from '../src/data-bucket';
import { EncryptionType } from '../src/support-matrix';
import { OkeraWorkerRole } from '../src/worker-role';

export const DATA_ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
export const ORGANIZATION_ID = 'o-a1b2c3d4e5';
export const BUCKETS_PER_DATA_STACK = 100;

const env = { account: DATA_ACCOUNT, region: REGION };

/** The i-th external account id (12 digits, never the data account). */
export function accountId(i: number): string {
  return String(300000000000 + i);
}

/** The i-th bucket name, `data-bucket-0001` style. */
export function bucketName(i: number): string {
  return `data-bucket-${String(i + 1).padStart(4, '0')}`;
}

/** The key ARN of the i-th bucket's data stack (keys as in `forEachBucket`). */
function keyArn(i: number): string {
  const n = String(Math.floor(i / BUCKETS_PER_DATA_STACK)).padStart(8, '0');
  return `arn:aws:kms:${REGION}:${DATA_ACCOUNT}:key/${n}-1111-2222-3333-444444444444`;
}

function accounts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => accountId(i));
}

/** A plain bucket with OkeraDataBucket's guarantees where aws-cdk-lib has a prop for them. */
function plainBucket(stack: Stack, id: string, key: kms.IKey, name?: string): s3.Bucket {
  return new s3.Bucket(stack, id, {
    bucketName: name,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** Calls `add` for m buckets, creating a data stack and its key every BUCKETS_PER_DATA_STACK buckets. */
function forEachBucket(app: App, m: number, add: (stack: Stack, key: kms.Key, i: number) => void): void {
  let stack!: Stack;
  let key!: kms.Key;
  for (let i = 0; i < m; i++) {
    if (i % BUCKETS_PER_DATA_STACK === 0) {
      stack = new Stack(app, `Data${i / BUCKETS_PER_DATA_STACK}`, { env });
      key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    }
    add(stack, key, i);
  }
}

function plainWorkerRole(stack: Stack): iam.Role {
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  new iam.InstanceProfile(stack, 'InstanceProfile', { role });
  return role;
}

// N accounts on one key ------------------------------------------------------------------------

/** Plain: `key.grantDecrypt(new iam.AccountPrincipal(...))` for each account. */
export function plainAccounts(app: App, n: number): void {
  const stack = new Stack(app, 'Data', { env });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  plainBucket(stack, 'Bucket', key);
  accounts(n).forEach((a) => key.grantDecrypt(new iam.AccountPrincipal(a)));
}

/**
 * Plain with what OkeraDataBucket and CrossAccountKmsGrant add to the template, written by hand: the upload
 * denies on the bucket policy and the two outputs (key and bucket ARN) for the worker account.
 */
export function plainAccountsWithOursExtras(app: App, n: number): void {
  const stack = new Stack(app, 'Data', { env });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const bucket = plainBucket(stack, 'Bucket', key);
  addUploadDenies(bucket, key);
  new CfnOutput(stack, 'KeyArn', { value: key.keyArn });
  new CfnOutput(stack, 'BucketArn', { value: bucket.bucketArn });
  accounts(n).forEach((a) => key.grantDecrypt(new iam.AccountPrincipal(a)));
}

/** Ours: one CrossAccountKmsGrant listing the accounts, key policy only (like plain). */
export function oursAccounts(app: App, n: number): void {
  const stack = new Stack(app, 'Data', { env });
  const bucket = new OkeraDataBucket(stack, 'Bucket', { encryption: EncryptionType.SSE_KMS });
  new CrossAccountKmsGrant(stack, 'Grant', { bucket, accounts: accounts(n), bucketPolicy: false });
}

/** Ours, organization form: the grant names the organization instead of the accounts (n does not enter). */
export function oursOrganization(app: App, _n: number): void {
  const stack = new Stack(app, 'Data', { env });
  const bucket = new OkeraDataBucket(stack, 'Bucket', { encryption: EncryptionType.SSE_KMS });
  new CrossAccountKmsGrant(stack, 'Grant', { bucket, organizationId: ORGANIZATION_ID, bucketPolicy: false });
}

/** Plain, key and bucket policy: `bucket.grantRead(new iam.AccountPrincipal(...))` for each account. */
export function plainAccountsWithBucketPolicy(app: App, n: number): void {
  const stack = new Stack(app, 'Data', { env });
  const bucket = plainBucket(stack, 'Bucket', new kms.Key(stack, 'Key', { enableKeyRotation: true }));
  accounts(n).forEach((a) => bucket.grantRead(new iam.AccountPrincipal(a)));
}

/** Ours, key and bucket policy (the default of CrossAccountKmsGrant). */
export function oursAccountsWithBucketPolicy(app: App, n: number): void {
  const stack = new Stack(app, 'Data', { env });
  const bucket = new OkeraDataBucket(stack, 'Bucket', { encryption: EncryptionType.SSE_KMS });
  new CrossAccountKmsGrant(stack, 'Grant', { bucket, accounts: accounts(n) });
}

// M buckets for one worker role -----------------------------------------------------------------

/** Plain: m buckets in data stacks, `bucket.grantRead(role)` for each. */
export function plainBuckets(app: App, m: number, uploadDenies = false): void {
  const role = plainWorkerRole(new Stack(app, 'Worker', { env }));
  forEachBucket(app, m, (stack, key, i) => {
    const bucket = plainBucket(stack, `Bucket${i}`, key, bucketName(i));
    if (uploadDenies) {
      addUploadDenies(bucket, key);
    }
    bucket.grantRead(role);
  });
}

/** Plain with the bucket-policy statements OkeraDataBucket adds, written by hand: the cost of the policy, without the library. */
export function plainBucketsWithUploadDenies(app: App, m: number): void {
  plainBuckets(app, m, true);
}

/** The upload denies of OkeraDataBucket (SSE-KMS), as a plain CDK user would write them. */
function addUploadDenies(bucket: s3.Bucket, key: kms.IKey): void {
  const sse = 's3:x-amz-server-side-encryption';
  const keyId = 's3:x-amz-server-side-encryption-aws-kms-key-id';
  const deny = (sid: string, conditions: Record<string, unknown>) => bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid, effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions: ['s3:PutObject'], resources: [bucket.arnForObjects('*')], conditions,
  }));
  deny('DenyOtherEncryptionAlgorithm', { StringNotEquals: { [sse]: 'aws:kms' }, Null: { [sse]: 'false' } });
  deny('DenySseCUploads', { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } });
  deny('DenyOtherKmsKey', { StringNotEqualsIfExists: { [keyId]: key.keyArn }, Null: { [sse]: 'false' } });
}

/** Ours: m OkeraDataBuckets in data stacks, `workerRole.addDataBucket(bucket)` for each. */
export function oursBuckets(app: App, m: number, maxManagedPolicies?: number): void {
  const worker = new OkeraWorkerRole(new Stack(app, 'Worker', { env }), 'Worker', { maxManagedPolicies });
  forEachBucket(app, m, (stack, key, i) =>
    worker.addDataBucket(new OkeraDataBucket(stack, `Bucket${i}`, { bucketName: bucketName(i), encryptionKey: key })));
}

/** Ours, with the managed-policy quota raised to 20 (the most IAM allows). */
export function oursBucketsMaxQuota(app: App, m: number): void {
  oursBuckets(app, m, 20);
}

/** Plain, buckets imported by name with their key: `bucket.grantRead(role)` for each. */
export function plainImportedBuckets(app: App, m: number): void {
  const stack = new Stack(app, 'Worker', { env });
  const role = plainWorkerRole(stack);
  const keys = new Map<string, kms.IKey>();
  for (let i = 0; i < m; i++) {
    const arn = keyArn(i);
    const encryptionKey = keys.get(arn) ?? keys.set(arn, kms.Key.fromKeyArn(stack, `Key${keys.size}`, arn)).get(arn)!;
    s3.Bucket.fromBucketAttributes(stack, `Bucket${i}`, { bucketName: bucketName(i), encryptionKey }).grantRead(role);
  }
}

/** Ours, buckets imported by name and key ARN, with the managed-policy quota raised to 20. */
export function oursImportedBuckets(app: App, m: number): void {
  const stack = new Stack(app, 'Worker', { env });
  const worker = new OkeraWorkerRole(stack, 'Worker', { maxManagedPolicies: 20 });
  for (let i = 0; i < m; i++) {
    worker.addDataBucket(OkeraDataBucket.fromBucketAttributes(stack, `Bucket${i}`, {
      bucketName: bucketName(i),
      encryption: EncryptionType.SSE_KMS,
      encryptionKeyArn: keyArn(i),
    }));
  }
}
