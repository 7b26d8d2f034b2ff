import { App, Aws, CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { evaluateInApp, resolveTemplates } from './util';
import { DataAccess, EncryptionType, IOkeraDataBucket, OkeraDataBucket, OkeraWorkerRole } from '../src';
import { DataBucketGrantee, markDataBucketGrantee } from '../src/private/grantee';

const DATA = '111111111111';
const WORKERS = '222222222222';
const REGION = 'us-east-1';
const KEY_ARN = `arn:aws:kms:${REGION}:${DATA}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const WORKER_ROLE_ARN = `arn:aws:iam::${WORKERS}:role/odas-iam-role`;
const VIA_S3 = { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } };
const SSE = 's3:x-amz-server-side-encryption';
const KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';

function stack(app = new App(), id = 'Data', account = DATA): Stack {
  return new Stack(app, id, { env: { account, region: REGION } });
}

function single(template: Template, type: string): { id: string; resource: any } {
  const found = template.findResources(type);
  expect(Object.keys(found)).toHaveLength(1);
  const [id, resource] = Object.entries(found)[0];
  return { id, resource };
}

function bucketPolicyStatements(template: Template): any[] {
  return single(template, 'AWS::S3::BucketPolicy').resource.Properties.PolicyDocument.Statement;
}

function statementBySid(template: Template, sid: string): any {
  return bucketPolicyStatements(template).find((s) => s.Sid === sid);
}

/** Statements of all identity policies (AWS::IAM::Policy and AWS::IAM::ManagedPolicy) in the template. */
function identityStatements(template: Template): any[] {
  return ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']
    .flatMap((type) => Object.values(template.findResources(type)))
    .flatMap((r: any) => r.Properties.PolicyDocument.Statement);
}

function keyPolicyStatements(template: Template): any[] {
  return single(template, 'AWS::KMS::Key').resource.Properties.KeyPolicy.Statement;
}

function actionsOf(statements: any[]): string[] {
  return statements.flatMap((s) => [s.Action].flat());
}

const bucketArn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const objectsArn = (id: string, suffix = '*') => ({ 'Fn::Join': ['', [bucketArn(id), `/${suffix}`]] });

describe('OkeraDataBucket defaults', () => {
  test('SSE_S3 by default: AES256, SSE-C blocked, TLS 1.2, no public access, owner-enforced, versioned, retained', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket');
    const t = Template.fromStack(s);

    expect(b.encryptionType).toBe(EncryptionType.SSE_S3);
    expect(b.encryptionKey).toBeUndefined();
    expect(b.encryptionKeyArn).toBeUndefined();
    expect(b.bucketKeyEnabled).toBe(false);
    t.resourceCountIs('AWS::KMS::Key', 0);
    const { resource } = single(t, 'AWS::S3::Bucket');
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.UpdateReplacePolicy).toBe('Retain');
    expect(resource.Properties.BucketName).toBeUndefined();
    expect(resource.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
          BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
        }],
      },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    const rule = resource.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
    expect(rule.ServerSideEncryptionByDefault.KMSMasterKeyID).toBeUndefined();
    expect(rule.BucketKeyEnabled).toBeUndefined();
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    Annotations.fromStack(s).hasNoWarning('*', Match.anyValue());
  });

  test('TLS: denies requests without TLS and with TLS below 1.2', () => {
    const s = stack();
    new OkeraDataBucket(s, 'Bucket');
    const statements = bucketPolicyStatements(Template.fromStack(s));
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
    ]));
  });

  test('SSE_KMS without a key creates a rotating, retained key with a 30-day window, and turns Bucket Keys on', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS });
    const t = Template.fromStack(s);

    const key = single(t, 'AWS::KMS::Key');
    expect(key.resource.DeletionPolicy).toBe('Retain');
    expect(key.resource.Properties).toMatchObject({ EnableKeyRotation: true, PendingWindowInDays: 30 });
    const bucket = single(t, 'AWS::S3::Bucket').resource;
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [key.id, 'Arn'] } },
      BucketKeyEnabled: true,
      BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
    });
    expect(b.encryptionType).toBe(EncryptionType.SSE_KMS);
    expect(b.bucketKeyEnabled).toBe(true);
    expect(s.resolve(b.encryptionKeyArn)).toEqual({ 'Fn::GetAtt': [key.id, 'Arn'] });
    expect(b.encryptionKey).toBeInstanceOf(kms.Key);
  });

  test('an encryptionKey implies SSE_KMS and is used as is (no second key)', () => {
    const s = stack();
    const key = new kms.Key(s, 'MyKey');
    const b = new OkeraDataBucket(s, 'Bucket', { encryptionKey: key });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::KMS::Key', 1);
    expect(b.encryptionType).toBe(EncryptionType.SSE_KMS);
    expect(b.encryptionKey).toBe(key);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [s.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] } } })] },
    });
  });

  test('an imported key (by key ARN) is the default encryption key', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket', { encryptionKey: kms.Key.fromKeyArn(s, 'K', KEY_ARN) });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::KMS::Key', 0);
    expect(b.encryptionKeyArn).toBe(KEY_ARN);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN } })] },
    });
  });

  test('SSE_KMS_AWS_MANAGED: aws:kms without a key id, Bucket Keys on, no key created', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS_AWS_MANAGED });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::KMS::Key', 0);
    expect(b.encryptionKey).toBeUndefined();
    expect(b.bucketKeyEnabled).toBe(true);
    expect(single(t, 'AWS::S3::Bucket').resource.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' },
      BucketKeyEnabled: true,
      BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
    });
  });

  test('bucketKeyEnabled: false is honoured for SSE_KMS', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS, bucketKeyEnabled: false });
    expect(b.bucketKeyEnabled).toBe(false);
    Template.fromStack(s).hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ BucketKeyEnabled: false })] },
    });
  });

  test('bucketName, versioned: false and the pass-through props reach the bucket', () => {
    const s = stack();
    const logs = new s3.Bucket(s, 'Logs', { encryption: s3.BucketEncryption.S3_MANAGED });
    new OkeraDataBucket(s, 'Bucket', {
      bucketName: 'okera-data',
      versioned: false,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'okera-data/',
      lifecycleRules: [{ id: 'old-versions', noncurrentVersionExpiration: Duration.days(30) }],
      eventBridgeEnabled: true,
    });
    const t = Template.fromStack(s);
    const bucket = Object.values(t.findResources('AWS::S3::Bucket', { Properties: { BucketName: 'okera-data' } }))[0] as any;
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(bucket.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: s.getLogicalId(logs.node.defaultChild as s3.CfnBucket) }, LogFilePrefix: 'okera-data/' });
    expect(bucket.Properties.LifecycleConfiguration).toEqual({ Rules: [{ Id: 'old-versions', NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }] });
    t.hasResourceProperties('Custom::S3BucketNotifications', { NotificationConfiguration: { EventBridgeConfiguration: {} } });
  });

  test('the bucket name is generated when another environment uses it', () => {
    const app = new App();
    const b = new OkeraDataBucket(stack(app), 'Bucket');
    const other = stack(app, 'Workers', WORKERS);
    new iam.ManagedPolicy(other, 'Policy', { statements: [new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [b.bucketArn] })] });
    const name = other.resolve(b.bucketName);
    expect(name).toMatch(/^data[a-z0-9.-]+$/);
    expect(identityStatements(Template.fromStack(other))[0].Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${name}`]] });
    expect(Template.fromStack(Stack.of(b)).findResources('AWS::S3::Bucket', { Properties: { BucketName: name } })).not.toEqual({});
  });
});

describe('OkeraDataBucket upload policy', () => {
  test('SSE_S3: denies only a present, non-AES256 algorithm header and SSE-C headers', () => {
    const s = stack();
    new OkeraDataBucket(s, 'Bucket');
    const t = Template.fromStack(s);
    const id = single(t, 'AWS::S3::Bucket').id;
    const deny = { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: objectsArn(id) };
    expect(statementBySid(t, 'DenyOtherEncryptionAlgorithm')).toEqual({
      ...deny, Sid: 'DenyOtherEncryptionAlgorithm', Condition: { StringNotEquals: { [SSE]: 'AES256' }, Null: { [SSE]: 'false' } },
    });
    expect(statementBySid(t, 'DenySseCUploads')).toEqual({
      ...deny, Sid: 'DenySseCUploads', Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
    });
    expect(statementBySid(t, 'DenyOtherKmsKey')).toBeUndefined();
  });

  test('SSE_KMS: also denies an encryption header with another key id or none (S3 would use aws/s3), in one statement', () => {
    const s = stack();
    new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS });
    const t = Template.fromStack(s);
    const id = single(t, 'AWS::S3::Bucket').id;
    const keyId = single(t, 'AWS::KMS::Key').id;
    const deny = { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: objectsArn(id) };
    expect(statementBySid(t, 'DenyOtherEncryptionAlgorithm').Condition).toEqual({ StringNotEquals: { [SSE]: 'aws:kms' }, Null: { [SSE]: 'false' } });
    expect(statementBySid(t, 'DenyOtherKmsKey')).toEqual({
      ...deny, Sid: 'DenyOtherKmsKey', Condition: { StringNotEqualsIfExists: { [KEY_ID]: { 'Fn::GetAtt': [keyId, 'Arn'] } }, Null: { [SSE]: 'false' } },
    });
    expect(bucketPolicyStatements(t).filter((st) => st.Action === 's3:PutObject')).toHaveLength(3);
  });

  test('SSE_KMS_AWS_MANAGED: algorithm aws:kms, and a present key id other than the aws/s3 alias (short or ARN) is denied', () => {
    const s = stack();
    new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS_AWS_MANAGED });
    const t = Template.fromStack(s);
    expect(statementBySid(t, 'DenyOtherEncryptionAlgorithm').Condition.StringNotEquals).toEqual({ [SSE]: 'aws:kms' });
    expect(statementBySid(t, 'DenyOtherKmsKey').Condition).toEqual({
      StringNotEquals: { [KEY_ID]: ['alias/aws/s3', { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:kms:${REGION}:${DATA}:alias/aws/s3`]] }] },
      Null: { [KEY_ID]: 'false' },
    });
  });

  test('SSE_KMS_AWS_MANAGED, evaluated: uploads without a key id or naming aws/s3 pass, naming another key is denied', async () => {
    const app = new App();
    const s = stack(app);
    const data = new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS_AWS_MANAGED });
    new OkeraWorkerRole(s, 'Worker', { roleName: 'odas-iam-role' }).addDataBucket(data, { access: DataAccess.READ_WRITE });
    const resolved = resolveTemplates(s);
    const object = `${resolved.resolveIn(s, data.bucketArn)}/a.csv`;
    const put = (context: Record<string, string>) => evaluateInApp(resolved, {
      principal: `arn:aws:iam::${DATA}:role/odas-iam-role`,
      action: 's3:PutObject',
      resource: object,
      context: { 'aws:SecureTransport': 'true', ...context },
    }).then((e) => e.decision);
    expect(await put({})).toBe('Allowed');
    expect(await put({ [SSE]: 'aws:kms' })).toBe('Allowed');
    expect(await put({ [SSE]: 'aws:kms', [KEY_ID]: 'alias/aws/s3' })).toBe('Allowed');
    expect(await put({ [SSE]: 'aws:kms', [KEY_ID]: `arn:aws:kms:${REGION}:${DATA}:alias/aws/s3` })).toBe('Allowed');
    expect(await put({ [SSE]: 'aws:kms', [KEY_ID]: KEY_ARN })).toBe('ExplicitlyDenied');
    expect(await put({ [SSE]: 'aws:kms', [KEY_ID]: `arn:aws:kms:${REGION}:${DATA}:alias/mine` })).toBe('ExplicitlyDenied');
  });

  test.each([EncryptionType.SSE_S3, EncryptionType.SSE_KMS, EncryptionType.SSE_KMS_AWS_MANAGED])(
    '%s, evaluated: never requires an encryption header (an upload without one is allowed; no Null: true deny)', async (encryption) => {
      const app = new App();
      const s = stack(app);
      const data = new OkeraDataBucket(s, 'Bucket', { encryption });
      new OkeraWorkerRole(s, 'Worker', { roleName: 'odas-iam-role' }).addDataBucket(data, { access: DataAccess.READ_WRITE });
      const resolved = resolveTemplates(s);
      const upload = await evaluateInApp(resolved, {
        principal: `arn:aws:iam::${DATA}:role/odas-iam-role`,
        action: 's3:PutObject',
        resource: `${resolved.resolveIn(s, data.bucketArn)}/a.csv`,
        context: { 'aws:SecureTransport': 'true' },
      });
      expect(upload.decision).toBe('Allowed');
      for (const st of bucketPolicyStatements(Template.fromStack(s)).filter((x) => x.Effect === 'Deny')) {
        expect(st.Condition?.Null?.[SSE]).not.toBe('true');
      }
    });
});

describe('OkeraDataBucket validation', () => {
  test.each([EncryptionType.DSSE_KMS, EncryptionType.SSE_C, EncryptionType.CSE_KMS, EncryptionType.CSE_CLIENT_KEY])('rejects %s, naming it and the supported types', (encryption) => {
    expect(() => new OkeraDataBucket(stack(), 'Bucket', { encryption })).toThrow(
      new RegExp(`\\[Data/Bucket\\] encryption '${encryption}' cannot be used: .*not supported.*Use one of: SSE_S3, SSE_KMS, SSE_KMS_AWS_MANAGED\\.`));
  });

  test('rejects an unknown encryption string (Python/Java callers)', () => {
    expect(() => new OkeraDataBucket(stack(), 'Bucket', { encryption: 'aws:kms' as EncryptionType })).toThrow(
      /\[Data\/Bucket\] encryption 'aws:kms' cannot be used: it is not an EncryptionType\. Use one of: SSE_S3, SSE_KMS, SSE_KMS_AWS_MANAGED\./);
  });

  test.each([EncryptionType.SSE_S3, EncryptionType.SSE_KMS_AWS_MANAGED])('rejects encryptionKey with %s', (encryption) => {
    const s = stack();
    expect(() => new OkeraDataBucket(s, 'Bucket', { encryption, encryptionKey: new kms.Key(s, 'K') })).toThrow(
      new RegExp(`\\[Data/Bucket\\] encryptionKey is given but encryption is '${encryption}'.*set encryption: EncryptionType.SSE_KMS`));
  });

  test('rejects an alias ARN imported as a key', () => {
    const s = stack();
    const alias = `arn:aws:kms:${REGION}:${DATA}:alias/okera`;
    expect(() => new OkeraDataBucket(s, 'Bucket', { encryptionKey: kms.Key.fromKeyArn(s, 'K', alias) })).toThrow(
      new RegExp(`\\[Data/Bucket\\] encryptionKey '${alias}' is a KMS alias.*kms.Key.fromKeyArn with arn:<partition>:kms:<region>:<account>:key/<key-id>`));
  });

  test.each([
    ['an imported alias name', (s: Stack) => kms.Alias.fromAliasName(s, 'A', 'alias/okera'), 'alias/okera'],
    ['an alias of this app', (s: Stack) => new kms.Alias(s, 'A', { aliasName: 'alias/okera', targetKey: new kms.Key(s, 'K') }), 'Data/A'],
  ])('rejects %s as encryptionKey', (_, makeAlias, name) => {
    const s = stack();
    expect(() => new OkeraDataBucket(s, 'Bucket', { encryptionKey: makeAlias(s) })).toThrow(
      new RegExp(`\\[Data/Bucket\\] encryptionKey '${name}' is a KMS alias.*alias.aliasTargetKey`));
  });

  test('rejects the aws/s3 alias as encryptionKey, pointing to SSE_KMS_AWS_MANAGED', () => {
    const s = stack();
    expect(() => new OkeraDataBucket(s, 'Bucket', { encryptionKey: kms.Alias.fromAliasName(s, 'A', 'alias/aws/s3') })).toThrow(
      /\[Data\/Bucket\] encryptionKey 'alias\/aws\/s3' is the AWS managed aws\/s3 key.*Use encryption: EncryptionType.SSE_KMS_AWS_MANAGED without encryptionKey/);
  });

  test('rejects a key in another region than the bucket', () => {
    const s = stack();
    const arn = KEY_ARN.replace(REGION, 'eu-west-1');
    expect(() => new OkeraDataBucket(s, 'Bucket', { encryptionKey: kms.Key.fromKeyArn(s, 'K', arn) })).toThrow(
      /\[Data\/Bucket\] KMS key 'arn:aws:kms:eu-west-1:.*' is in eu-west-1 but the bucket is in us-east-1.*Use a key in us-east-1/);
  });

  test('rejects a key of another stack in another region (its ARN is a deploy-time value)', () => {
    const app = new App();
    const eu = new Stack(app, 'Eu', { env: { account: DATA, region: 'eu-west-1' } });
    const key = new kms.Key(eu, 'K');
    expect(() => new OkeraDataBucket(stack(app), 'Bucket', { encryptionKey: key })).toThrow(
      /^\[Data\/Bucket\] KMS key 'Eu\/K' is in eu-west-1 but the bucket is in us-east-1/);
    const sameRegion = new Stack(app, 'Keys', { env: { account: DATA, region: REGION } });
    expect(() => new OkeraDataBucket(stack(app, 'Data2'), 'Bucket', { encryptionKey: new kms.Key(sameRegion, 'K') })).not.toThrow();
  });

  test('rejects bucketKeyEnabled with SSE_S3', () => {
    expect(() => new OkeraDataBucket(stack(), 'Bucket', { bucketKeyEnabled: true })).toThrow(
      /\[Data\/Bucket\] bucketKeyEnabled is true but encryption is SSE_S3.*Remove bucketKeyEnabled, or use EncryptionType.SSE_KMS/);
  });

  test('rejects autoDeleteObjects without removalPolicy DESTROY', () => {
    expect(() => new OkeraDataBucket(stack(), 'Bucket', { autoDeleteObjects: true })).toThrow(
      /\[Data\/Bucket\] autoDeleteObjects is true but removalPolicy is not DESTROY\. Set removalPolicy: RemovalPolicy.DESTROY/);
  });

  test('rejects removalPolicy SNAPSHOT', () => {
    expect(() => new OkeraDataBucket(stack(), 'Bucket', { removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(
      /\[Data\/Bucket\] removalPolicy SNAPSHOT is not supported.*Use RemovalPolicy.RETAIN/);
  });

  test('a key of this app (deploy-time ARN) and an env-agnostic stack are accepted', () => {
    const s = new Stack(new App(), 'Data');
    const b = new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS });
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    b.grantRead(role);
    const kmsStatement = identityStatements(Template.fromStack(s)).find((st) => st.Action === 'kms:Decrypt');
    expect(kmsStatement.Condition).toEqual({
      StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
    });
  });
});

describe('OkeraDataBucket removal', () => {
  test.each([
    ['removalPolicy DESTROY', { removalPolicy: RemovalPolicy.DESTROY }],
    ['DESTROY with autoDeleteObjects', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true }],
  ])('%s without the context flag: bucket and key retained, no auto-delete, a warning names both opt-ins', (_, props) => {
    const s = stack();
    new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS, ...props });
    const t = Template.fromStack(s);
    expect(single(t, 'AWS::S3::Bucket').resource.DeletionPolicy).toBe('Retain');
    expect(single(t, 'AWS::KMS::Key').resource.DeletionPolicy).toBe('Retain');
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    Annotations.fromStack(s).hasWarning('/Data/Bucket',
      Match.stringLikeRegexp('removalPolicy DESTROY \\(and autoDeleteObjects\\) ignored.*cdk-okera-s3-encryption:allowDestroy.*-c cdk-okera-s3-encryption:allowDestroy=true'));
  });

  test.each([true, 'true'])('with the context flag %p: DESTROY and auto-delete are honoured, the key too', (flag) => {
    const app = new App({ context: { [OkeraDataBucket.ALLOW_DESTROY_CONTEXT]: flag } });
    const s = stack(app);
    new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS, removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
    const t = Template.fromStack(s);
    expect(single(t, 'AWS::S3::Bucket').resource.DeletionPolicy).toBe('Delete');
    const key = single(t, 'AWS::KMS::Key').resource;
    expect(key.DeletionPolicy).toBe('Delete');
    expect(key.Properties.PendingWindowInDays).toBe(30);
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
    Annotations.fromStack(s).hasNoWarning('*', Match.anyValue());
  });

  test('the flag alone destroys nothing', () => {
    const s = stack(new App({ context: { [OkeraDataBucket.ALLOW_DESTROY_CONTEXT]: 'true' } }));
    new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS });
    const t = Template.fromStack(s);
    expect(single(t, 'AWS::S3::Bucket').resource.DeletionPolicy).toBe('Retain');
    expect(single(t, 'AWS::KMS::Key').resource.DeletionPolicy).toBe('Retain');
  });

  test('the flag with any other value does not allow DESTROY', () => {
    const s = stack(new App({ context: { [OkeraDataBucket.ALLOW_DESTROY_CONTEXT]: 'yes' } }));
    new OkeraDataBucket(s, 'Bucket', { removalPolicy: RemovalPolicy.DESTROY });
    expect(single(Template.fromStack(s), 'AWS::S3::Bucket').resource.DeletionPolicy).toBe('Retain');
  });

  test('applyRemovalPolicy(DESTROY) follows the same double opt-in, for the bucket and the key created for it', () => {
    const s = stack();
    new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS }).applyRemovalPolicy(RemovalPolicy.DESTROY);
    const t = Template.fromStack(s);
    expect(single(t, 'AWS::S3::Bucket').resource.DeletionPolicy).toBe('Retain');
    expect(single(t, 'AWS::KMS::Key').resource.DeletionPolicy).toBe('Retain');
    Annotations.fromStack(s).hasWarning('/Data/Bucket', Match.stringLikeRegexp('applyRemovalPolicy DESTROY .*ignored.*cdk-okera-s3-encryption:allowDestroy'));

    const allowed = stack(new App({ context: { [OkeraDataBucket.ALLOW_DESTROY_CONTEXT]: true } }));
    new OkeraDataBucket(allowed, 'Bucket', { encryption: EncryptionType.SSE_KMS }).applyRemovalPolicy(RemovalPolicy.DESTROY);
    const destroyed = Template.fromStack(allowed);
    expect(single(destroyed, 'AWS::S3::Bucket').resource.DeletionPolicy).toBe('Delete');
    expect(single(destroyed, 'AWS::KMS::Key').resource.DeletionPolicy).toBe('Delete');
  });

  test('applyRemovalPolicy: SNAPSHOT is an error, RETAIN_ON_UPDATE_OR_DELETE applies, a key passed in is left alone', () => {
    const s = stack();
    const key = new kms.Key(s, 'Mine', { removalPolicy: RemovalPolicy.DESTROY });
    const data = new OkeraDataBucket(s, 'Bucket', { encryptionKey: key });
    expect(() => data.applyRemovalPolicy(RemovalPolicy.SNAPSHOT)).toThrow(/^\[Data\/Bucket\] applyRemovalPolicy SNAPSHOT is not supported by S3 buckets/);
    data.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    const t = Template.fromStack(s);
    expect(single(t, 'AWS::S3::Bucket').resource.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(single(t, 'AWS::KMS::Key').resource.DeletionPolicy).toBe('Delete');
  });

  test('RETAIN_ON_UPDATE_OR_DELETE is passed through', () => {
    const s = stack();
    new OkeraDataBucket(s, 'Bucket', { removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE });
    expect(single(Template.fromStack(s), 'AWS::S3::Bucket').resource.DeletionPolicy).toBe('RetainExceptOnCreate');
  });
});

describe('OkeraDataBucket grants', () => {
  function workerRole(s: Stack, roleName?: string): iam.Role {
    return new iam.Role(s, 'Worker', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'), roleName });
  }

  test('grantRead to a role: S3 read on bucket and objects, kms:Decrypt on the key ARN via S3, nothing on "*"', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS });
    const grant = b.grantRead(workerRole(s));
    const t = Template.fromStack(s);
    const bucketId = single(t, 'AWS::S3::Bucket').id;
    const keyId = single(t, 'AWS::KMS::Key').id;

    expect(grant.success).toBe(true);
    expect(identityStatements(t)).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: bucketArn(bucketId) },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: objectsArn(bucketId) },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] }, Condition: VIA_S3 },
    ]);
    // Same account: the bucket and key policies are not touched.
    expect(bucketPolicyStatements(t).filter((st) => st.Effect === 'Allow')).toEqual([]);
    expect(JSON.stringify(keyPolicyStatements(t))).not.toMatch(/Worker/);
  });

  test('grantReadWrite: write, delete and multipart actions, and GenerateDataKey* for multipart uploads', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS });
    b.grantReadWrite(workerRole(s));
    const statements = identityStatements(Template.fromStack(s));
    expect(actionsOf(statements).sort()).toEqual([
      'kms:Decrypt', 'kms:GenerateDataKey*',
      's3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetBucketLocation', 's3:GetObject', 's3:GetObjectVersion',
      's3:ListBucket', 's3:ListBucketMultipartUploads', 's3:ListMultipartUploadParts', 's3:PutObject',
    ]);
    expect(statements.find((st) => [st.Action].flat().includes('kms:GenerateDataKey*')).Condition).toEqual(VIA_S3);
  });

  test('with a prefix: objects under it, ListBucket limited by s3:prefix, GetBucketLocation unconditioned', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket');
    b.grantRead(workerRole(s), '/sales/2024/*');
    const t = Template.fromStack(s);
    const id = single(t, 'AWS::S3::Bucket').id;
    expect(identityStatements(t)).toEqual([
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn(id), Condition: { StringLike: { 's3:prefix': ['sales/2024', 'sales/2024/', 'sales/2024/*'] } } },
      { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: bucketArn(id) },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: objectsArn(id, 'sales/2024/*') },
    ]);
  });

  test('SSE_S3 grants no KMS permission', () => {
    const s = stack();
    new OkeraDataBucket(s, 'Bucket').grantReadWrite(workerRole(s));
    expect(actionsOf(identityStatements(Template.fromStack(s))).filter((a) => a.startsWith('kms:'))).toEqual([]);
  });

  test('aws/s3 grants no KMS permission in the same account', () => {
    const s = stack();
    new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS_AWS_MANAGED }).grantReadWrite(workerRole(s));
    const actions = actionsOf(identityStatements(Template.fromStack(s)));
    expect(actions).toContain('s3:PutObject');
    expect(actions.filter((a) => a.startsWith('kms:'))).toEqual([]);
  });

  test('aws/s3 cannot be granted to another account', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS_AWS_MANAGED });
    expect(() => b.grantRead(new iam.AccountPrincipal(WORKERS))).toThrow(
      /^\[Data\/Bucket\] The bucket is encrypted with the AWS managed aws\/s3 key of account \d{12}, which AccountPrincipal\(222222222222\) in account 222222222222 cannot use: .*EncryptionType\.SSE_KMS/);
  });

  test('aws/s3: no warning when the grantee provably shares the bucket\'s account; an unknown one is named in the warning', () => {
    const agnostic = new Stack(new App(), 'Agnostic');
    const b = new OkeraDataBucket(agnostic, 'Bucket', { encryption: EncryptionType.SSE_KMS_AWS_MANAGED });
    b.grantRead(new iam.Role(agnostic, 'SameStack', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }));
    b.grantRead(new iam.AccountPrincipal(Aws.ACCOUNT_ID));
    b.grantRead(new OkeraWorkerRole(agnostic, 'Workers'));
    expect(Annotations.fromStack(agnostic).findWarning('*', Match.stringLikeRegexp('aws/s3'))).toEqual([]);

    const other = new Stack(agnostic.node.root as App, 'Other');
    b.grantRead(new iam.Role(other, 'OtherStack', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }));
    Annotations.fromStack(agnostic).hasWarning('/Agnostic/Bucket', Match.stringLikeRegexp('accounts of the bucket and of Other/OtherStack.* are not both known'));
  });

  test('to another account (AccountPrincipal): bucket-policy statements and a key-policy statement with kms:ViaService', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS });
    const grant = b.grantRead(new iam.AccountPrincipal(WORKERS));
    const t = Template.fromStack(s);
    const id = single(t, 'AWS::S3::Bucket').id;
    const principal = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${WORKERS}:root`]] } };

    expect(grant.success).toBe(true);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    expect(bucketPolicyStatements(t).filter((st) => st.Effect === 'Allow')).toEqual([
      { Effect: 'Allow', Principal: principal, Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: bucketArn(id) },
      { Effect: 'Allow', Principal: principal, Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: objectsArn(id) },
    ]);
    expect(keyPolicyStatements(t)).toContainEqual({ Effect: 'Allow', Principal: principal, Action: 'kms:Decrypt', Resource: '*', Condition: VIA_S3 });
  });

  test('a cross-account grant can be depended on: it orders after the bucket policy and the key', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS });
    const consumer = new s3.CfnBucket(s, 'Consumer');
    b.grantRead(new iam.AccountPrincipal(WORKERS)).applyBefore(consumer);
    const t = Template.fromStack(s);
    expect(t.toJSON().Resources.Consumer.DependsOn).toEqual(expect.arrayContaining([
      single(t, 'AWS::S3::BucketPolicy').id, single(t, 'AWS::KMS::Key').id,
    ]));
  });

  test('to a role ARN of another account with a prefix: the bucket policy keeps the s3:prefix condition', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS });
    b.grantReadWrite(new iam.ArnPrincipal(WORKER_ROLE_ARN), 'sales');
    const t = Template.fromStack(s);
    const id = single(t, 'AWS::S3::Bucket').id;
    const principal = { AWS: WORKER_ROLE_ARN };
    const allows = bucketPolicyStatements(t).filter((st) => st.Effect === 'Allow');
    expect(allows).toEqual([
      { Effect: 'Allow', Principal: principal, Action: 's3:ListBucket', Resource: bucketArn(id), Condition: { StringLike: { 's3:prefix': ['sales', 'sales/', 'sales/*'] } } },
      { Effect: 'Allow', Principal: principal, Action: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'], Resource: bucketArn(id) },
      expect.objectContaining({ Principal: principal, Resource: objectsArn(id, 'sales/*') }),
    ]);
    expect(keyPolicyStatements(t)).toContainEqual({
      Effect: 'Allow', Principal: principal, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*', Condition: VIA_S3,
    });
  });

  test('to a role in another account of the same app (SSE_S3): role policy on the generated bucket name, bucket policy for the role', () => {
    const app = new App();
    const data = stack(app);
    const b = new OkeraDataBucket(data, 'Bucket');
    const workers = stack(app, 'Workers', WORKERS);
    b.grantRead(workerRole(workers, 'odas-iam-role'));
    const name = workers.resolve(b.bucketName);
    expect(identityStatements(Template.fromStack(workers))).toContainEqual({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${name}/*`]] },
    });
    expect(JSON.stringify(bucketPolicyStatements(Template.fromStack(data)))).toContain(`:iam::${WORKERS}:role/odas-iam-role`);
  });

  test('a key ARN only known at deploy time cannot be granted to a role in another environment', () => {
    const app = new App();
    const b = new OkeraDataBucket(stack(app), 'Bucket', { encryption: EncryptionType.SSE_KMS });
    const role = workerRole(stack(app, 'Workers', WORKERS));
    expect(() => b.grantRead(role)).toThrow(
      /\[Data\/Bucket\] the key ARN or the region of this bucket is only known at deploy time, so 'Workers\/Worker' in another environment \(222222222222\/us-east-1\).*OkeraDataBucket.fromBucketAttributes.*encryptionKeyArn/);
  });

  test('an imported key cannot take a key-policy statement: error when the principal takes no identity policy either', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket', { encryptionKey: kms.Key.fromKeyArn(s, 'K', KEY_ARN) });
    expect(() => b.grantRead(new iam.AccountPrincipal(WORKERS))).toThrow(
      /\[Data\/Bucket\] cannot grant to .*222222222222.*takes no identity policy and the key policy is not managed by this app.*CrossAccountKmsGrant/);
  });

  test('an imported key and a role of another account: identity policy granted, warning that the key policy was not updated', () => {
    const app = new App();
    const data = stack(app);
    const b = new OkeraDataBucket(data, 'Bucket', { encryptionKey: kms.Key.fromKeyArn(data, 'K', KEY_ARN) });
    const workers = stack(app, 'Workers', WORKERS);
    b.grantRead(workerRole(workers, 'odas-iam-role'));
    expect(identityStatements(Template.fromStack(workers))).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN, Condition: VIA_S3 });
    Annotations.fromStack(data).hasWarning('/Data/Bucket', Match.stringLikeRegexp('the key policy is not managed by this app.*CrossAccountKmsGrant'));
  });

  test.each(['sales/*/2024', 'a/../b', 'data?'])('rejects the prefix %p', (prefix) => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket');
    expect(() => b.grantRead(workerRole(s), prefix)).toThrow(
      new RegExp(`\\[Data/Bucket\\] prefix '${prefix.replace(/[.*?]/g, '\\$&')}' contains a wildcard or '\\.\\.'.*plain key prefix`));
  });

  test('a deploy-time prefix is accepted', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket');
    const prefix = new CfnParameter(s, 'Prefix').valueAsString;
    b.grantRead(workerRole(s), prefix);
    const t = Template.fromStack(s);
    expect(identityStatements(t)).toContainEqual(expect.objectContaining({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': expect.any(Array) } } }));
  });

  test.each(['', '/', '*', '/*'])('an explicit prefix %j that means "everything" is an error, not a whole-bucket grant', (prefix) => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket');
    expect(() => b.grantRead(workerRole(s), prefix)).toThrow(/^\[Data\/Bucket\] prefix '.*' is empty .*Omit the prefix to grant the whole bucket/);
  });

  test.each([
    ['home/${aws:username}', /IAM policy variable/],
    ['sales//2024', /empty \('\/\/'\) or '\.' path segment/],
    ['sales/./2024', /empty \('\/\/'\) or '\.' path segment/],
    ['sales/../hr', /wildcard or '\.\.'/],
  ])('the prefix %j is rejected', (prefix, message) => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket');
    expect(() => b.grantReadWrite(workerRole(s), prefix)).toThrow(message);
  });
});

describe('OkeraDataBucket grants to an addDataBucket grantee', () => {
  class FakeWorkerRole extends Construct implements iam.IGrantable, DataBucketGrantee {
    public readonly grantPrincipal: iam.IPrincipal;
    public readonly calls: Array<{ bucket: IOkeraDataBucket; access?: DataAccess; prefixes?: string[] }> = [];
    public readonly policy: iam.ManagedPolicy;
    constructor(scope: Construct, id: string) {
      super(scope, id);
      this.grantPrincipal = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
      this.policy = new iam.ManagedPolicy(this, 'Policy', { statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::x/*'] })] });
      markDataBucketGrantee(this);
    }
    public addDataBucket(bucket: IOkeraDataBucket, options: { access?: DataAccess; prefixes?: string[] }): void {
      this.calls.push({ bucket, ...options });
    }
  }

  test('delegates to addDataBucket, adds no inline policy, and returns a successful grant to depend on', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket', { encryption: EncryptionType.SSE_KMS });
    const worker = new FakeWorkerRole(s, 'Worker');
    const grant = b.grantReadWrite(worker, 'sales');
    const consumer = new s3.CfnBucket(s, 'Consumer');
    grant.applyBefore(consumer);

    expect(worker.calls).toEqual([{ bucket: b, access: DataAccess.READ_WRITE, prefixes: ['sales'] }]);
    expect(grant.success).toBe(true);
    expect(actionsOf(grant.principalStatements.map((st) => st.toStatementJson()))).toEqual(expect.arrayContaining(['s3:PutObject', 'kms:GenerateDataKey*']));
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    expect(bucketPolicyStatements(t).filter((st) => st.Effect === 'Allow')).toEqual([]);
    const policyId = s.getLogicalId(worker.policy.node.defaultChild as iam.CfnManagedPolicy);
    expect(t.toJSON().Resources.Consumer.DependsOn).toEqual(expect.arrayContaining([policyId]));
  });

  test('grantRead delegates READ for the whole bucket', () => {
    const s = stack();
    const b = new OkeraDataBucket(s, 'Bucket');
    const worker = new FakeWorkerRole(s, 'Worker');
    b.grantRead(worker);
    expect(worker.calls).toEqual([{ bucket: b, access: DataAccess.READ, prefixes: undefined }]);
  });
});

describe('OkeraDataBucket.fromBucketAttributes', () => {
  test('SSE_KMS import: env from the key ARN, grants on the literal ARNs, nothing on "*", no resource policies touched', () => {
    const s = stack(new App(), 'Workers', WORKERS);
    const b = OkeraDataBucket.fromBucketAttributes(s, 'Data', { bucketName: 'okera-data', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: KEY_ARN });
    expect(b.env).toEqual({ account: DATA, region: REGION });
    expect(b.encryptionType).toBe(EncryptionType.SSE_KMS);
    expect(b.encryptionKeyArn).toBe(KEY_ARN);
    expect(b.encryptionKey?.keyArn).toBe(KEY_ARN);
    expect(b.bucketKeyEnabled).toBe(true);
    const grant = b.grantReadWrite(workerRole(s));
    const t = Template.fromStack(s);

    expect(grant.success).toBe(true);
    const arn = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::okera-data${suffix}`]] });
    expect(identityStatements(t)).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'], Resource: arn('') },
      expect.objectContaining({ Action: expect.arrayContaining(['s3:PutObject']), Resource: arn('/*') }),
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: KEY_ARN, Condition: VIA_S3 },
    ]);
    t.resourceCountIs('AWS::S3::BucketPolicy', 0);
    t.resourceCountIs('AWS::KMS::Key', 0);
    Annotations.fromStack(s).hasNoWarning('*', Match.anyValue());
  });

  function workerRole(s: Stack): iam.Role {
    return new iam.Role(s, 'Worker', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  }

  test('explicit account and region win; kms:ViaService uses the bucket region', () => {
    const s = stack(new App(), 'Workers', WORKERS);
    const b = OkeraDataBucket.fromBucketAttributes(s, 'Data', {
      bucketArn: 'arn:aws:s3:::okera-data', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: KEY_ARN.replace(REGION, 'eu-west-1'), region: 'eu-west-1', account: '333333333333',
    });
    expect(b.env).toEqual({ account: '333333333333', region: 'eu-west-1' });
    expect(b.bucketName).toBe('okera-data');
    b.grantRead(workerRole(s));
    expect(identityStatements(Template.fromStack(s))).toContainEqual(expect.objectContaining({
      Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    }));
  });

  test('SSE_S3 import: S3 only, env from the stack', () => {
    const s = stack();
    const b = OkeraDataBucket.fromBucketAttributes(s, 'Data', { bucketName: 'okera-data', encryption: EncryptionType.SSE_S3 });
    expect(b.env).toEqual({ account: DATA, region: REGION });
    expect(b.bucketKeyEnabled).toBe(false);
    expect(b.encryptionKey).toBeUndefined();
    b.grantRead(workerRole(s));
    expect(actionsOf(identityStatements(Template.fromStack(s))).filter((a) => a.startsWith('kms:'))).toEqual([]);
  });

  test('bucketName and bucketArn naming different buckets is an error; agreeing ones are accepted', () => {
    const s = stack();
    expect(() => OkeraDataBucket.fromBucketAttributes(s, 'I', { bucketName: 'raw', bucketArn: 'arn:aws:s3:::curated', encryption: EncryptionType.SSE_S3 }))
      .toThrow(/^\[Data\/I\] bucketName 'raw' and bucketArn 'arn:aws:s3:::curated' name different buckets/);
    const ok = OkeraDataBucket.fromBucketAttributes(s, 'Ok', { bucketName: 'raw', bucketArn: 'arn:aws:s3:::raw', encryption: EncryptionType.SSE_S3 });
    expect(ok.bucketName).toBe('raw');
  });

  test('region must be a region code (a deploy-time value passes)', () => {
    const s = stack();
    expect(() => OkeraDataBucket.fromBucketAttributes(s, 'I', { bucketName: 'raw', region: 'US East', encryption: EncryptionType.SSE_S3 }))
      .toThrow(/^\[Data\/I\] region 'US East' is not an AWS region\. Use region codes such as 'us-east-1'/);
    const region = new CfnParameter(s, 'Region').valueAsString;
    expect(() => OkeraDataBucket.fromBucketAttributes(s, 'J', { bucketName: 'raw', region, encryption: EncryptionType.SSE_S3 })).not.toThrow();
  });

  test('a deploy-time key ARN in the same stack is accepted', () => {
    const s = stack();
    const arn = new CfnParameter(s, 'KeyArn').valueAsString;
    const b = OkeraDataBucket.fromBucketAttributes(s, 'Data', { bucketName: 'okera-data', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: arn });
    b.grantRead(workerRole(s));
    expect(identityStatements(Template.fromStack(s))).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: { Ref: 'KeyArn' }, Condition: VIA_S3 });
  });

  test('a principal without identity policy cannot be granted on an import', () => {
    const s = stack();
    const b = OkeraDataBucket.fromBucketAttributes(s, 'Data', { bucketName: 'okera-data', encryption: EncryptionType.SSE_S3 });
    expect(() => b.grantRead(new iam.AccountPrincipal(WORKERS))).toThrow(
      /\[Data\/Data\] cannot grant to .*222222222222.*takes no identity policy and the bucket policy is not managed by this app/);
  });

  test('the grant delegates to an addDataBucket grantee too', () => {
    const s = stack();
    const b = OkeraDataBucket.fromBucketAttributes(s, 'Data', { bucketName: 'okera-data', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: KEY_ARN });
    const calls: any[] = [];
    const grantee = { grantPrincipal: workerRole(s), addDataBucket: (bucket: IOkeraDataBucket, options: any) => calls.push({ bucket, ...options }) };
    markDataBucketGrantee(grantee);
    expect(b.grantRead(grantee, 'sales').success).toBe(true);
    expect(calls).toEqual([{ bucket: b, access: DataAccess.READ, prefixes: ['sales'] }]);
    Template.fromStack(s).resourceCountIs('AWS::IAM::Policy', 0);
  });

  test.each<[string, any, RegExp]>([
    ['SSE_KMS without a key ARN', { bucketName: 'b', encryption: EncryptionType.SSE_KMS },
      /\[Data\/Data\] encryption is SSE_KMS but encryptionKeyArn is missing.*Pass encryptionKeyArn: 'arn:<partition>:kms:<region>:<account>:key\/<key-id>'/],
    ['an alias ARN', { bucketName: 'b', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: `arn:aws:kms:${REGION}:${DATA}:alias/okera` },
      /\[Data\/Data\] encryptionKeyArn 'arn:aws:kms:us-east-1:111111111111:alias\/okera' is an alias ARN\. Use the key ARN/],
    ['a bare key id', { bucketName: 'b', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: '1234abcd-12ab-34cd-56ef-1234567890ab' },
      /\[Data\/Data\] encryptionKeyArn '1234abcd-12ab-34cd-56ef-1234567890ab' is a bare key id\. Use the key ARN/],
    ['a key ARN with SSE_S3', { bucketName: 'b', encryption: EncryptionType.SSE_S3, encryptionKeyArn: KEY_ARN },
      /\[Data\/Data\] encryptionKeyArn '.*' is given but encryption is 'SSE_S3'.*Remove encryptionKeyArn, or set encryption: EncryptionType.SSE_KMS/],
    ['a key ARN with SSE_KMS_AWS_MANAGED', { bucketName: 'b', encryption: EncryptionType.SSE_KMS_AWS_MANAGED, encryptionKeyArn: KEY_ARN },
      /\[Data\/Data\] encryptionKeyArn '.*' is given but encryption is 'SSE_KMS_AWS_MANAGED'/],
    ['DSSE', { bucketName: 'b', encryption: EncryptionType.DSSE_KMS },
      /\[Data\/Data\] encryption 'DSSE_KMS' cannot be used: DSSE-KMS is not supported by Okera.*Use one of: SSE_S3, SSE_KMS, SSE_KMS_AWS_MANAGED\./],
    ['no bucket', { encryption: EncryptionType.SSE_S3 },
      /\[Data\/Data\] neither bucketArn nor bucketName is given\. Pass one/],
    ['an object ARN as bucketArn', { bucketArn: 'arn:aws:s3:::okera-data/raw', encryption: EncryptionType.SSE_S3 },
      /\[Data\/Data\] bucketArn 'arn:aws:s3:::okera-data\/raw' is not an S3 bucket ARN\. Use arn:<partition>:s3:::<bucket-name>/],
    ['a bad account', { bucketName: 'b', encryption: EncryptionType.SSE_S3, account: '1234' },
      /\[Data\/Data\] account '1234' is not an AWS account id/],
    ['bucketKeyEnabled with SSE_S3', { bucketName: 'b', encryption: EncryptionType.SSE_S3, bucketKeyEnabled: true },
      /\[Data\/Data\] bucketKeyEnabled is true but encryption is SSE_S3/],
    ['a key in another region', { bucketName: 'b', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: KEY_ARN, region: 'eu-west-1' },
      /\[Data\/Data\] KMS key '.*' is in us-east-1 but the bucket is in eu-west-1/],
  ])('rejects %s', (_, attrs, message) => {
    expect(() => OkeraDataBucket.fromBucketAttributes(stack(), 'Data', attrs)).toThrow(message);
  });
});
