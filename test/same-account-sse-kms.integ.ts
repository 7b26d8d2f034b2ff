/**
 * Integration test: an SSE-KMS OkeraDataBucket (new customer managed key, Bucket Keys on) read by an
 * OkeraWorkerRole of the same account, granted through `bucket.grantRead(workers)`.
 *
 * Stacks are environment-agnostic (they deploy to the CLI's account and region), so the snapshot is
 * the same on every machine. Deploy, check, destroy (one account, bootstrapped):
 *   npx projen integ:same-account-sse-kms:deploy
 * Checks: see test/integ-harness.ts (the object must also report the bucket's key ARN).
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Stack } from 'aws-cdk-lib';
import { addDataPathChecks, DESTROY_WITH_STACK, integApp, trustHarness } from './integ-harness';
import { EncryptionType, OkeraDataBucket, OkeraWorkerRole } from '../src';

const HARNESS_ROLE_NAME = 'okera-integ-sse-kms-harness';

const app = integApp();
const stack = new Stack(app, 'OkeraIntegSseKms', { description: 'cdk-okera-s3-encryption integ test: SSE-KMS, same account' });
const bucket = new OkeraDataBucket(stack, 'Data', { encryption: EncryptionType.SSE_KMS, ...DESTROY_WITH_STACK });
const workers = new OkeraWorkerRole(stack, 'Workers');
bucket.grantRead(workers); // delegates to workers.addDataBucket: managed policies, KMS via S3 only
trustHarness(workers, stack.account, HARNESS_ROLE_NAME);

const assertionStack = new Stack(app, 'OkeraIntegSseKmsAssertions', { description: 'cdk-okera-s3-encryption integ test: SSE-KMS assertions' });
const integ = new IntegTest(app, 'SameAccountSseKms', { testCases: [stack], assertionStack });
addDataPathChecks({ integ, assertionStack, bucket, workerRoleArn: workers.roleArn, harnessRoleName: HARNESS_ROLE_NAME });
