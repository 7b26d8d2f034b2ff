import { App, Stack } from 'aws-cdk-lib';
import { audit, check, COMPLIANT, include, NON_COMPLIANT, NOT_APPLICABLE, pairs, template } from './helpers';
import { CrossAccountKmsGrant, DataAccess, EncryptionType, OkeraDataBucket, OkeraWorkerRole } from '../../src';
import { IamCrossAccountAccess } from '../../src/nag/rules/iam-cross-account-access';

const DATA = { account: '111111111111', region: 'us-east-1' };
const WORKERS = { account: '222222222222', region: 'us-east-1' };
const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The reviewer's setup: an SSE-KMS data bucket in 111111111111, a worker role in 222222222222 reading it by name and key ARN. */
function cdkApp(grant?: 'bucket and key' | 'key only', access = DataAccess.READ): App {
  const app = new App();
  const data = new Stack(app, 'Data', { env: DATA });
  const bucket = new OkeraDataBucket(data, 'Bucket', { encryption: EncryptionType.SSE_KMS, bucketName: 'okera-data-y' });
  if (grant) {
    new CrossAccountKmsGrant(data, 'Grant', grant === 'bucket and key'
      ? { bucket, accounts: [WORKERS.account], access }
      : { key: bucket.encryptionKey, accounts: [WORKERS.account], access });
  }
  const workers = new Stack(app, 'Workers', { env: WORKERS });
  const imported = OkeraDataBucket.fromBucketAttributes(workers, 'Data', {
    bucketName: 'okera-data-y', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: KEY_ARN,
  });
  new OkeraWorkerRole(workers, 'Worker').addDataBucket(imported, { access });
  app.synth();
  return app;
}

describe('Okera-IamCrossAccountAccess with the library constructs', () => {
  test('a worker role of another account, with neither the key policy nor the bucket policy admitting it, is an error', () => {
    const app = cdkApp();
    const findings = audit(app);
    expect(findings.map((f) => [f.ruleId, f.constructPath])).toEqual([['Okera-IamCrossAccountAccess', 'Workers/Worker/Role/Resource']]);
    const message = findings[0].message;
    expect(message).toMatch(
      /the bucket policy of Bucket '\w+' \(account 111111111111\) does not admit account 222222222222 for s3:GetObject, s3:GetObjectVersion: S3 will deny/);
    expect(message).toMatch(/the key policy of Key '\w+' \(account 111111111111, encrypting Bucket '\w+'\) does not admit account 222222222222 for kms:Decrypt: KMS will deny/);
    expect(message).toContain("new CrossAccountKmsGrant(stack, id, { bucket, accounts: ['222222222222'] })");
  });

  test.each([DataAccess.READ, DataAccess.READ_WRITE])('with CrossAccountKmsGrant on the bucket (%s) there is no finding', (access) => {
    expect(pairs(cdkApp('bucket and key', access))).toEqual([]);
  });

  test('a grant on the key only leaves the bucket policy half missing', () => {
    const app = cdkApp('key only');
    const findings = audit(app);
    expect(findings.map((f) => f.ruleId)).toEqual(['Okera-IamCrossAccountAccess']);
    expect(findings[0].message).toContain('the bucket policy of');
    expect(findings[0].message).not.toContain('the key policy of');
  });
});

/** A data template (bucket `Data` with key `Key`, in 111111111111) and a worker role template (in 222222222222). */
interface Options {
  readonly roleName?: string;
  /** null: environment-agnostic */
  readonly workerEnv?: object | null;
  readonly writes?: boolean;
}

function templates(keyStatements: object[], bucketStatements: object[], options: Options = {}): App {
  const app = new App();
  include(template({
    Key: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true, KeyPolicy: { Statement: [ROOT_111, ...keyStatements] } } },
    Data: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketName: 'okera-data-z',
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['Key', 'Arn'] } }, BucketKeyEnabled: true }] },
      },
    },
    DataPolicy: { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: { Ref: 'Data' }, PolicyDocument: { Statement: bucketStatements } } },
  }), { app, id: 'DataStack', env: DATA });
  const actions = options.writes ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject'];
  include(template({
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        ...(options.roleName ? { RoleName: options.roleName } : {}),
        AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        Policies: [{
          PolicyName: 'data',
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: actions, Resource: 'arn:aws:s3:::okera-data-z/*' },
              { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: KEY_ARN },
            ],
          },
        }],
      },
    },
  }), { app, id: 'WorkerStack', env: options.workerEnv === null ? undefined : (options.workerEnv ?? WORKERS) as any });
  return app;
}

const ROOT_111 = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'kms:*', Resource: '*' };
const anyone = (actions: string[], condition?: object) => ({ Effect: 'Allow', Principal: { AWS: '*' }, Action: actions, Resource: '*', ...(condition ? { Condition: condition } : {}) });
const bucketAllow = (principal: unknown, actions = ['s3:GetObject', 's3:PutObject']) =>
  ({ Effect: 'Allow', Principal: { AWS: principal }, Action: actions, Resource: 'arn:aws:s3:::okera-data-z/*' });
const result = (app: App) => check(IamCrossAccountAccess, app, 'Role', 'WorkerStack');

describe('Okera-IamCrossAccountAccess on templates', () => {
  const admitted = bucketAllow('arn:aws:iam::222222222222:root');

  test.each([
    ['the account root', { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Action: 'kms:Decrypt', Resource: '*' }],
    ['the account id', { Effect: 'Allow', Principal: { AWS: '222222222222' }, Action: 'kms:*', Resource: '*' }],
    ['"*" with kms:CallerAccount', anyone(['kms:Decrypt'], { StringEquals: { 'kms:CallerAccount': ['222222222222', '333333333333'] } })],
    ['"*" with an organization condition', anyone(['kms:Decrypt'], { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } })],
  ])('a key policy admitting %s is compliant', (_, statement) => {
    expect(result(templates([statement], [admitted])).compliance).toBe(COMPLIANT);
  });

  test.each([
    ['only its own account', []],
    ['"*" limited by kms:CallerAccount to another account', [anyone(['kms:Decrypt'], { StringEquals: { 'kms:CallerAccount': '333333333333' } })]],
    ['"*" limited by aws:PrincipalAccount to another account', [anyone(['kms:Decrypt'], { StringEquals: { 'aws:PrincipalAccount': '333333333333' } })]],
    ['the account, but only for kms:Encrypt', [{ Effect: 'Allow', Principal: { AWS: '222222222222' }, Action: 'kms:Encrypt', Resource: '*' }]],
    ['the account, but through S3 in another region', [anyone(['kms:Decrypt'], { StringEquals: { 'kms:CallerAccount': '222222222222', 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } })]],
  ])('a key policy admitting %s is an error', (_, statements) => {
    const r = result(templates(statements, [admitted]));
    expect(r.compliance).toBe(NON_COMPLIANT);
    expect(r.message).toContain("the key policy of Key 'Key' (account 111111111111, encrypting Bucket 'Data') does not admit account 222222222222 for kms:Decrypt: KMS will deny");
    expect(r.message).not.toContain('the bucket policy of');
  });

  test('a writer needs kms:GenerateDataKey* from the key policy too', () => {
    const r = result(templates([anyone(['kms:Decrypt'], { StringEquals: { 'kms:CallerAccount': '222222222222' } })], [admitted], { writes: true }));
    expect(r.message).toContain('does not admit account 222222222222 for kms:GenerateDataKey*: KMS will deny');
  });

  test('a key policy naming another role of the account does not admit a role whose ARN is known; the role itself does', () => {
    const other = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:role/someone-else' }, Action: 'kms:Decrypt', Resource: '*' };
    const own = { ...other, Principal: { AWS: 'arn:aws:iam::222222222222:role/odas-iam-role' } };
    expect(result(templates([other], [admitted], { roleName: 'odas-iam-role' })).compliance).toBe(NON_COMPLIANT);
    expect(result(templates([own], [admitted], { roleName: 'odas-iam-role' })).compliance).toBe(COMPLIANT);
    // without a RoleName the role's ARN is not known: another role ARN of its account may be it
    expect(result(templates([other], [admitted])).compliance).toBe(COMPLIANT);
  });

  test.each([
    ['no statement for the account', [], 's3:GetObject, s3:PutObject'],
    ['another account only', [bucketAllow('arn:aws:iam::333333333333:root')], 's3:GetObject, s3:PutObject'],
    ['the account for reads only', [bucketAllow('222222222222', ['s3:GetObject'])], 's3:PutObject'],
  ])('a bucket policy admitting %s is an error naming the actions S3 will deny', (_, statements, actions) => {
    const keyOk = { Effect: 'Allow', Principal: { AWS: '222222222222' }, Action: 'kms:*', Resource: '*' };
    const r = result(templates([keyOk], statements, { writes: true }));
    expect(r.compliance).toBe(NON_COMPLIANT);
    expect(r.message).toContain(`the bucket policy of Bucket 'Data' (account 111111111111) does not admit account 222222222222 for ${actions}: S3 will deny`);
  });

  test('same account, or an account that is not known, is not applicable', () => {
    expect(result(templates([], [], { workerEnv: DATA })).compliance).toBe(NOT_APPLICABLE);
    expect(result(templates([], [], { workerEnv: null })).compliance).toBe(NOT_APPLICABLE);
  });
});
