import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CrossAccountKmsGrant, DataAccess, EncryptionType, OkeraChecks, OkeraDataBucket, OkeraWorkerRole } from '../../src';
import { AppModel } from '../../src/nag/model';
import { OkeraRule } from '../../src/nag/rule';
import { IamKmsPermissions } from '../../src/nag/rules/iam-kms-permissions';
import { S3PolicyAlgorithmMatchesDefault } from '../../src/nag/rules/s3-policy-algorithm-matches-default';
import { S3TlsEnforced } from '../../src/nag/rules/s3-tls-enforced';

const DATA = { account: '111111111111', region: 'us-east-1' };
const WORKERS = { account: '222222222222', region: 'us-east-1' };
const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Data account: SSE-S3 and SSE-KMS buckets shared with the workers' role; worker account: the role reading both. */
function okeraApp(): { app: App; data: Stack } {
  const app = new App();
  const data = new Stack(app, 'Data', { env: DATA });
  const raw = new OkeraDataBucket(data, 'Raw', { bucketName: 'okera-raw-data', encryption: EncryptionType.SSE_S3 });
  const curated = new OkeraDataBucket(data, 'Curated', { bucketName: 'okera-curated-data', encryption: EncryptionType.SSE_KMS });
  const roleArn = 'arn:aws:iam::222222222222:role/odas-iam-role';
  new CrossAccountKmsGrant(data, 'RawForWorkers', { bucket: raw, roleArns: [roleArn], access: DataAccess.READ });
  new CrossAccountKmsGrant(data, 'CuratedForWorkers', { bucket: curated, roleArns: [roleArn], access: DataAccess.READ_WRITE });

  // Same account: a role next to the buckets.
  const local = new OkeraWorkerRole(data, 'LocalWorkers');
  local.addDataBucket(raw);
  local.addDataBucket(curated, { access: DataAccess.READ_WRITE, prefixes: ['curated/2024'] });

  // Other account: the buckets imported by name, the key by ARN.
  const workers = new Stack(app, 'Workers', { env: WORKERS });
  const role = new OkeraWorkerRole(workers, 'Workers', { roleName: 'odas-iam-role' });
  role.addDataBucket(OkeraDataBucket.fromBucketAttributes(workers, 'RawRef', { bucketName: 'okera-raw-data', encryption: EncryptionType.SSE_S3, region: 'us-east-1', account: '111111111111' }));
  role.addDataBucket(OkeraDataBucket.fromBucketAttributes(workers, 'CuratedRef', {
    bucketName: 'okera-curated-data', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: KEY_ARN,
  }), { access: DataAccess.READ_WRITE });
  return { app, data };
}

describe('OkeraChecks on an app built from this library\'s constructs', () => {
  beforeEach(() => jest.spyOn(console, 'error').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  test('has no findings at all', () => {
    const { app } = okeraApp();
    app.synth(); // resolves cross-stack references, as synthesis does before the pack runs
    expect(new OkeraChecks().audit(app).map((f) => `${f.ruleId} ${f.stackName}/${f.resourceLogicalId}: ${f.message}`)).toEqual([]);
  });

  test('a worker role\'s name pattern for its own account is not taken as reading a matching bucket of another account', () => {
    const app = new App();
    const data = new Stack(app, 'Data', { env: DATA });
    new OkeraDataBucket(data, 'Kms', { bucketName: 'okera-data-1', encryption: EncryptionType.SSE_KMS });
    const workers = new Stack(app, 'Workers', { env: WORKERS });
    new OkeraWorkerRole(workers, 'W').addBucketNamePattern('okera-*', { encryption: EncryptionType.SSE_S3 });
    app.synth();
    expect(new OkeraChecks().audit(app).filter((f) => f.ruleId === 'Okera-IamKmsPermissions')).toEqual([]);
  });

  test('the rules that relate resources did find them (compliant, not merely not applicable)', () => {
    const { app } = okeraApp();
    app.synth();
    const model = AppModel.of(app);
    const results = (rule: OkeraRule, type: string) => model.resources(type).map((r) => `${r.stack.name}/${r.node.node.path}: ${rule.check(r, model).compliance}`);
    expect(results(IamKmsPermissions, 'AWS::IAM::Role')).toEqual([
      expect.stringMatching(/^Data\/Data\/LocalWorkers\/.*: Compliant$/),
      expect.stringMatching(/^Workers\/Workers\/Workers\/.*: Compliant$/),
    ]);
    expect(results(S3TlsEnforced, 'AWS::S3::Bucket')).toEqual([expect.stringMatching(/Compliant$/), expect.stringMatching(/Compliant$/)]);
    expect(results(S3PolicyAlgorithmMatchesDefault, 'AWS::S3::BucketPolicy')).toEqual([expect.stringMatching(/Compliant$/), expect.stringMatching(/Compliant$/)]);
  });

  test('synthesizes with the pack registered', () => {
    const { app } = okeraApp();
    Validations.of(app).addPlugins(new OkeraChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('a plain DSSE bucket added to the same app fails synthesis', () => {
    const { app, data } = okeraApp();
    new s3.Bucket(data, 'Archive', { encryption: s3.BucketEncryption.DSSE_MANAGED, enforceSSL: true, blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C] });
    Validations.of(app).addPlugins(new OkeraChecks(app));
    expect(() => app.synth()).toThrow(/Data\/Archive\/Resource[\s\S]*Okera-S3EncryptionSupported/);
  });
});
