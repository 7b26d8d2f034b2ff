/**
 * Integration test: an SSE-KMS OkeraDataBucket in a data account, read by an OkeraWorkerRole in a
 * worker account. The data stack registers the worker ACCOUNT with CrossAccountKmsGrant (key policy
 * and bucket policy); the worker stack imports the bucket by name and the key by ARN.
 *
 * A KMS key ARN holds a random key id, so the worker stack can only be synthesized for real once the
 * data stack is deployed: a two-phase deploy (the README's "Integration tests" section has the commands).
 *   CDK_INTEG_DATA_ACCOUNT, CDK_INTEG_WORKER_ACCOUNT, CDK_INTEG_REGION  the environments
 *   -c okera-integ:dataKeyArn=<KeyArn output of OkeraIntegXacctData>      phase 2
 * Without the environment variables the fixed defaults and a placeholder key ARN give the committed
 * snapshot; with them, a missing key ARN is a synth error on the worker stack.
 * Checks: see test/integ-harness.ts. They run in the data account, where the writer lives; the
 * harness assumes the worker role across accounts.
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Annotations, Stack } from 'aws-cdk-lib';
import { addDataPathChecks, DESTROY_WITH_STACK, integApp, trustHarness } from './integ-harness';
import { CrossAccountKmsGrant, DataAccess, EncryptionType, OkeraDataBucket, OkeraWorkerRole } from '../src';

const KEY_ARN_CONTEXT = 'okera-integ:dataKeyArn';
const HARNESS_ROLE_NAME = 'okera-integ-xacct-harness';
const WORKER_ROLE_NAME = 'okera-integ-xacct-workers';

const deploying = process.env.CDK_INTEG_DATA_ACCOUNT !== undefined || process.env.CDK_INTEG_WORKER_ACCOUNT !== undefined;
const dataAccount = process.env.CDK_INTEG_DATA_ACCOUNT ?? '111111111111';
const workerAccount = process.env.CDK_INTEG_WORKER_ACCOUNT ?? '222222222222';
const region = process.env.CDK_INTEG_REGION ?? 'us-east-1';
const bucketName = `okera-integ-xacct-${dataAccount}-${region}`;

const app = integApp();

// Data account: the bucket, its new key, and the key-policy + bucket-policy grant to the worker account.
// (An account principal always exists; a role ARN would have to exist before the key policy names it.)
const dataStack = new Stack(app, 'OkeraIntegXacctData', {
  env: { account: dataAccount, region },
  description: 'cdk-okera-s3-encryption integ test: SSE-KMS data (data account)',
});
const bucket = new OkeraDataBucket(dataStack, 'Data', { bucketName, encryption: EncryptionType.SSE_KMS, ...DESTROY_WITH_STACK });
new CrossAccountKmsGrant(dataStack, 'WorkerAccount', { bucket, accounts: [workerAccount], access: DataAccess.READ });

// Worker account: the workers' role, reading the imported bucket.
const workerStack = new Stack(app, 'OkeraIntegXacctWorkers', {
  env: { account: workerAccount, region },
  description: 'cdk-okera-s3-encryption integ test: SSE-KMS workers (worker account)',
});
const keyArn: string | undefined = app.node.tryGetContext(KEY_ARN_CONTEXT);
if (keyArn === undefined && deploying) {
  Annotations.of(workerStack).addError(`No key ARN: deploy OkeraIntegXacctData first, then pass its KeyArn output with -c ${KEY_ARN_CONTEXT}=<arn>.`);
}
const workers = new OkeraWorkerRole(workerStack, 'Workers', { roleName: WORKER_ROLE_NAME });
workers.addDataBucket(OkeraDataBucket.fromBucketAttributes(workerStack, 'Data', {
  bucketName,
  encryption: EncryptionType.SSE_KMS,
  encryptionKeyArn: keyArn ?? `arn:aws:kms:${region}:${dataAccount}:key/00000000-0000-0000-0000-000000000000`, // snapshot only
  account: dataAccount,
  region,
}), { access: DataAccess.READ });
trustHarness(workers, dataAccount, HARNESS_ROLE_NAME);

// Assertions: in the data account, after both stacks.
const assertionStack = new Stack(app, 'OkeraIntegXacctAssertions', {
  env: { account: dataAccount, region },
  description: 'cdk-okera-s3-encryption integ test: SSE-KMS cross-account assertions (data account)',
});
assertionStack.addStackDependency(workerStack);
const integ = new IntegTest(app, 'CrossAccountSseKms', { testCases: [dataStack, workerStack], assertionStack });
addDataPathChecks({
  integ,
  assertionStack,
  bucket,
  workerRoleArn: workers.roleArn, // another account: CDK renders the literal ARN of the named role
  harnessRoleName: HARNESS_ROLE_NAME,
});
