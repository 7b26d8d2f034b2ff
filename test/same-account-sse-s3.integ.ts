/**
 * Integration test: an SSE-S3 OkeraDataBucket read by an OkeraWorkerRole of the same account.
 *
 * Stacks are environment-agnostic (they deploy to the CLI's account and region), so the snapshot is
 * the same on every machine. Deploy, check, destroy (one account, bootstrapped):
 *   npx projen integ:same-account-sse-s3:deploy
 * Checks: see test/integ-harness.ts.
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Stack } from 'aws-cdk-lib';
import { addDataPathChecks, DESTROY_WITH_STACK, integApp, trustHarness } from './integ-harness';
import { DataAccess, EncryptionType, OkeraDataBucket, OkeraWorkerRole } from '../src';

const HARNESS_ROLE_NAME = 'okera-integ-sse-s3-harness';

const app = integApp();
const stack = new Stack(app, 'OkeraIntegSseS3', { description: 'cdk-okera-s3-encryption integ test: SSE-S3, same account' });
const bucket = new OkeraDataBucket(stack, 'Data', { encryption: EncryptionType.SSE_S3, ...DESTROY_WITH_STACK });
const workers = new OkeraWorkerRole(stack, 'Workers');
workers.addDataBucket(bucket, { access: DataAccess.READ });
trustHarness(workers, stack.account, HARNESS_ROLE_NAME);

const assertionStack = new Stack(app, 'OkeraIntegSseS3Assertions', { description: 'cdk-okera-s3-encryption integ test: SSE-S3 assertions' });
const integ = new IntegTest(app, 'SameAccountSseS3', { testCases: [stack], assertionStack });
addDataPathChecks({ integ, assertionStack, bucket, workerRoleArn: workers.roleArn, harnessRoleName: HARNESS_ROLE_NAME });
