/**
 * Shared harness of the deployable integration tests (test/*.integ.ts). Not a test itself.
 *
 * What a deployment proves, in order (each step fails `cdk deploy` when it does not hold):
 * 1. A writer (the harness role, granted with `bucket.grantReadWrite`) puts an object WITHOUT any
 *    encryption header: the bucket policy lets such uploads through and the default encryption applies.
 * 2. The worker role (assumed by the harness) reads the object back: its managed policies, the bucket
 *    policy and, for SSE-KMS, the key policy and `kms:ViaService` condition really allow it; the object
 *    reports the bucket's algorithm (and key).
 * 3. The same writer's puts with SSE-C headers, and naming the other algorithm, get `AccessDenied`, and
 *    the assertions provider (another principal) lists nothing under their prefix: refused, not ignored.
 *
 * Assertions use `failDeployment: true`: integ-runner cannot read assemblies of aws-cdk-lib 2.258+,
 * so a plain `cdk deploy` must fail on a broken assertion instead of only reporting it in an output.
 */
import { ActualResult, EqualsAssertion, ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, CfnOutput, CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsCustomResource, AwsSdkCall, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { EncryptionType, IOkeraDataBucket, OkeraDataBucket, OkeraWorkerRole, SupportMatrix } from '../src';

/** The object the writer puts and the workers read. */
const OBJECT_KEY = 'okera-integ/hello.txt';
/** Its content: plain text, so the assertion compares strings. */
const OBJECT_BODY = 'written without encryption headers, read by the Okera workers';
/** A 32-byte SSE-C key. Not a secret: S3 refuses the request before using it. */
const SSE_C_KEY = 'okera-integ-not-a-secret-key-32b';
/** Prefix of the uploads that must be refused. */
const REFUSED_PREFIX = 'okera-integ-refused/';

/**
 * The integ test app.
 * - Its buckets (and their keys) are destroyed with the stacks: the context flag is the library's
 *   second opt-in, the first being `DESTROY_WITH_STACK` on the bucket.
 * - No stack traces in the assembly: the `<stack>.metadata.json` files are part of the snapshot that
 *   projen's assert task diffs, and traces hold absolute paths and line numbers of this checkout.
 */
export function integApp(): App {
  return new App({
    stackTraces: false,
    context: { [OkeraDataBucket.ALLOW_DESTROY_CONTEXT]: true, [cxapi.DISABLE_CREATION_STACK_TRACES]: true },
  });
}

/** Bucket props of a test bucket that leaves nothing behind (only with `integApp()`'s context flag). */
export const DESTROY_WITH_STACK = { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true } as const;

/**
 * TEST ONLY: let the harness role (a fixed name in `harnessAccount`) assume the worker role. A real
 * worker role is assumed by the Okera instances only. The account principal plus an `aws:PrincipalArn`
 * condition names the harness without requiring it to exist yet (it is deployed after the workers).
 */
export function trustHarness(workers: OkeraWorkerRole, harnessAccount: string, harnessRoleName: string): void {
  workers.role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
    sid: 'IntegTestHarnessOnly',
    actions: ['sts:AssumeRole'],
    principals: [new iam.AccountPrincipal(harnessAccount)],
    conditions: { ArnEquals: { 'aws:PrincipalArn': harnessRoleArn(Stack.of(workers.role), harnessAccount, harnessRoleName) } },
  }));
}

function harnessRoleArn(stack: Stack, account: string, roleName: string): string {
  return stack.formatArn({ service: 'iam', region: '', account, resource: 'role', resourceName: roleName });
}

/** Where and as whom the data-path checks run. */
export interface DataPathChecksProps {
  readonly integ: IntegTest;
  /** The test's assertion stack (the `assertionStack` given to `IntegTest`), in the bucket's account. */
  readonly assertionStack: Stack;
  /** The bucket under test, as the writer sees it (an owned bucket of the data account). */
  readonly bucket: IOkeraDataBucket;
  /** The worker role, assumed to read. */
  readonly workerRoleArn: string;
  /** Fixed name of the harness role, the one `trustHarness` named. */
  readonly harnessRoleName: string;
}

/** Add the write / read-as-worker / refused-uploads checks described at the top of this file. */
export function addDataPathChecks(props: DataPathChecksProps): void {
  const { assertionStack: scope, bucket } = props;
  const algorithm = SupportMatrix.info(bucket.encryptionType).sseAlgorithm!;
  const otherAlgorithm = bucket.encryptionType === EncryptionType.SSE_S3 ? 'aws:kms' : 'AES256';

  const harness = new iam.Role(scope, 'Harness', {
    roleName: props.harnessRoleName,
    description: 'Integration-test harness: writes to the data bucket and assumes the worker role',
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
  });
  bucket.grantReadWrite(harness);
  harness.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [props.workerRoleArn] }));

  const sdkCall = (id: string, call: Omit<AwsSdkCall, 'physicalResourceId'>) => new AwsCustomResource(scope, id, {
    role: harness, // one role for the stack's AwsCustomResource function
    installLatestAwsSdk: false,
    onCreate: { ...call, physicalResourceId: PhysicalResourceId.of(`okera-integ-${id}`) },
  });
  const put = (id: string, parameters: Record<string, string>, ignoreErrorCodesMatching?: string) =>
    sdkCall(id, { service: 'S3', action: 'putObject', parameters: { Bucket: bucket.bucketName, Body: OBJECT_BODY, ...parameters }, ignoreErrorCodesMatching });

  // 1. Write with no encryption header.
  const write = put('WriteAsWriter', { Key: OBJECT_KEY });

  // 2. Read back as the worker role.
  const read = sdkCall('ReadAsWorker', {
    service: 'S3',
    action: 'getObject',
    parameters: { Bucket: bucket.bucketName, Key: OBJECT_KEY },
    assumedRoleArn: props.workerRoleArn,
    outputPaths: ['Body', 'ServerSideEncryption', 'SSEKMSKeyId'],
  });
  read.node.addDependency(write);
  const expectEqual = (id: string, actual: string, expected: unknown) => {
    const assertion = new EqualsAssertion(scope, id, { actual: tokenResult(actual), expected: ExpectedResult.exact(expected), failDeployment: true });
    // Its output is named after an md5 of token strings, whose numbering starts at random: fix the name.
    (assertion.node.findChild('AssertionResults') as CfnOutput).overrideLogicalId(`AssertionResults${id}`);
  };
  expectEqual('WorkerReadsTheObject', read.getResponseField('Body'), OBJECT_BODY);
  expectEqual('ObjectHasTheBucketAlgorithm', read.getResponseField('ServerSideEncryption'), algorithm);
  if (bucket.encryptionKeyArn) {
    expectEqual('ObjectHasTheBucketKey', read.getResponseField('SSEKMSKeyId'), bucket.encryptionKeyArn);
  }

  // 3. Uploads the bucket must refuse, by a writer whose plain put just succeeded. Only AccessDenied
  //    is tolerated (any other error fails the deployment), and the listing proves nothing was stored.
  const refused = [
    put('PutWithSseCRefused', { Key: `${REFUSED_PREFIX}sse-c.txt`, SSECustomerAlgorithm: 'AES256', SSECustomerKey: SSE_C_KEY }, '^AccessDenied$'),
    put('PutWithOtherAlgorithmRefused', { Key: `${REFUSED_PREFIX}other-algorithm.txt`, ServerSideEncryption: otherAlgorithm }, '^AccessDenied$'),
  ];
  const list = props.integ.assertions.awsApiCall('S3', 'listObjectsV2', { Bucket: bucket.bucketName, Prefix: REFUSED_PREFIX });
  list.provider.addToRolePolicy({ Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucket.bucketArn] });
  for (const r of refused) {
    r.node.addDependency(write);
    list.node.addDependency(r);
  }
  expectEqual('RefusedUploadsStoredNothing', list.getAttString('KeyCount'), 0);

  // integ-tests-alpha salts its custom resources with Date.now() so that every deploy re-runs them;
  // the snapshot must not change between two synths. (These stacks are deployed fresh, then destroyed.)
  for (const c of scope.node.findAll()) {
    if (CfnResource.isCfnResource(c) && c.cfnResourceType.startsWith('Custom::DeployAssert')) {
      c.addPropertyDeletionOverride('salt');
    }
  }
}

/** An ActualResult from any string attribute (`ActualResult.fromCustomResource` wants a `CustomResource`). */
function tokenResult(result: string): ActualResult {
  return { result };
}
