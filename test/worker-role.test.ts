import { App, Aspects, CfnParameter, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CrossAccountKmsGrant, DataAccess, EncryptionType, IOkeraDataBucket, OkeraDataBucket, OkeraWorkerRole, OkeraWorkerRoleProps } from '../src';
import { resolveTemplates } from './util';

const ACCOUNT = '111111111111';
const OTHER_ACCOUNT = '222222222222';
const REGION = 'us-east-1';
const KEY_A = `arn:aws:kms:${REGION}:${ACCOUNT}:key/aaaaaaaa-1111-2222-3333-444444444444`;
const KEY_B = `arn:aws:kms:eu-west-1:${OTHER_ACCOUNT}:key/bbbbbbbb-1111-2222-3333-444444444444`;
const READ_BUCKET = ['s3:ListBucket', 's3:GetBucketLocation'];
const READ_OBJECTS = ['s3:GetObject', 's3:GetObjectVersion'];
const RW_BUCKET = ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'];
const RW_OBJECTS = ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];
const VIA_US_EAST_1 = { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } };

function setup(props?: OkeraWorkerRoleProps, account = ACCOUNT) {
  const app = new App();
  const stack = new Stack(app, 'Workers', { env: { account, region: REGION } });
  const workers = new OkeraWorkerRole(stack, 'Role', props);
  return { app, stack, workers };
}

/** An imported data bucket with a literal ARN (so policies are exact strings). */
function bucket(stack: Stack, name: string, encryption = EncryptionType.SSE_S3,
  more: { keyArn?: string; region?: string; account?: string } = {}): IOkeraDataBucket {
  return OkeraDataBucket.fromBucketAttributes(stack, `Import-${name}`, {
    bucketArn: `arn:aws:s3:::${name}`, encryption, encryptionKeyArn: more.keyArn, region: more.region, account: more.account,
  });
}

/** The same bucket, pretending to declare other attributes (what a hand-written IOkeraDataBucket could do). */
function declaring(b: IOkeraDataBucket, overrides: Partial<Record<'encryptionType' | 'encryptionKeyArn', any>>): IOkeraDataBucket {
  return Object.create(b, Object.fromEntries(Object.entries(overrides).map(([k, value]) => [k, { value }])));
}

/** The managed policy documents of the stack's template, as synthesized; asserts there is no inline policy. */
function documents(stack: Stack): any[] {
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::IAM::Policy', 0);
  expect(Object.values<any>(template.findResources('AWS::IAM::Role')).every((r) => r.Properties.Policies === undefined)).toBe(true);
  return Object.values<any>(template.findResources('AWS::IAM::ManagedPolicy')).map((p) => p.Properties.PolicyDocument);
}

function statements(stack: Stack): any[] {
  return documents(stack).flatMap((d) => d.Statement);
}

/** The managed policy documents with every intrinsic resolved to its deployed value. */
function deployedDocuments(stack: Stack): any[] {
  documents(stack);
  return resolveTemplates(stack).resources('AWS::IAM::ManagedPolicy').filter((r) => r.stack.stackName === stack.stackName)
    .map((r) => r.properties.PolicyDocument);
}

const asList = (v: unknown) => (Array.isArray(v) ? v : [v]);
const withAction = (all: any[], action: string) => all.filter((s) => asList(s.Action).includes(action));

describe('the role', () => {
  test('is assumed by EC2 by default, with an instance profile, and a name generated only when needed', () => {
    const { stack, workers } = setup();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } }] },
      RoleName: Match.absent(),
    });
    template.hasResourceProperties('AWS::IAM::InstanceProfile', { Roles: [{ Ref: stack.getLogicalId(workers.role.node.defaultChild as iam.CfnRole) }] });
    expect(workers.instanceProfile).toBeDefined();
    expect(workers.grantPrincipal).toBe(workers.role);
    expect(stack.resolve(workers.roleArn)).toEqual(stack.resolve(workers.role.roleArn));
    expect(stack.resolve(workers.roleName)).toEqual(stack.resolve(workers.role.roleName));
  });

  test('gets a physical name when a stack in another account refers to it', () => {
    const { app, stack, workers } = setup();
    const data = new Stack(app, 'Data', { env: { account: OTHER_ACCOUNT, region: REGION } });
    new iam.Role(data, 'Reader', { assumedBy: new iam.ArnPrincipal(workers.roleArn) });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', { RoleName: Match.stringLikeRegexp('^workers') });
  });

  test('takes any principal; an instance profile then only on request', () => {
    const principal = new iam.ArnPrincipal(`arn:aws:iam::${ACCOUNT}:role/okera-cluster`);
    const plain = setup({ assumedBy: principal });
    Template.fromStack(plain.stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/okera-cluster` } }] },
    });
    Template.fromStack(plain.stack).resourceCountIs('AWS::IAM::InstanceProfile', 0);
    expect(plain.workers.instanceProfile).toBeUndefined();

    const withProfile = setup({ assumedBy: principal, createInstanceProfile: true });
    Template.fromStack(withProfile.stack).resourceCountIs('AWS::IAM::InstanceProfile', 1);
    const ec2WithoutProfile = setup({ createInstanceProfile: false });
    Template.fromStack(ec2WithoutProfile.stack).resourceCountIs('AWS::IAM::InstanceProfile', 0);
  });

  test('passes name, path, permissions boundary, session duration and description through', () => {
    const app = new App();
    const stack = new Stack(app, 'Workers', { env: { account: ACCOUNT, region: REGION } });
    const boundary = iam.ManagedPolicy.fromManagedPolicyArn(stack, 'Boundary', `arn:aws:iam::${ACCOUNT}:policy/okera-boundary`);
    new OkeraWorkerRole(stack, 'Role', {
      roleName: 'odas-iam-role', path: '/okera/', permissionsBoundary: boundary, maxSessionDuration: Duration.hours(4), description: 'Okera workers',
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'odas-iam-role',
      Path: '/okera/',
      PermissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/okera-boundary`,
      MaxSessionDuration: 4 * 3600,
      Description: 'Okera workers',
    });
    template.hasResourceProperties('AWS::IAM::InstanceProfile', { Path: '/okera/' });
  });

  test('with no data buckets has no policy and says so', () => {
    const { stack } = setup();
    expect(documents(stack)).toEqual([]);
    Annotations.fromStack(stack).hasWarning('/Workers/Role', Match.stringLikeRegexp('No data buckets were added'));
  });
});

describe('addDataBucket', () => {
  test('READ on an SSE-S3 bucket: list and read, no KMS, in a managed policy attached to the role', () => {
    const { stack, workers } = setup();
    workers.addDataBucket(bucket(stack, 'sales'));
    expect(statements(stack)).toEqual([
      { Effect: 'Allow', Action: READ_BUCKET, Resource: 'arn:aws:s3:::sales' },
      { Effect: 'Allow', Action: READ_OBJECTS, Resource: 'arn:aws:s3:::sales/*' },
    ]);
    const template = Template.fromStack(stack);
    const [policyId] = Object.keys(template.findResources('AWS::IAM::ManagedPolicy'));
    const roleId = stack.getLogicalId(workers.role.node.defaultChild as iam.CfnRole);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: [{ Ref: roleId }] });
    // Instances launched with the profile start only once the permissions exist.
    template.hasResource('AWS::IAM::InstanceProfile', { DependsOn: [policyId] });
    expect(workers.managedPolicies.map((p) => stack.getLogicalId(p.node.defaultChild as iam.CfnManagedPolicy))).toEqual([policyId]);
  });

  test('READ_WRITE adds write, delete and multipart actions, and GenerateDataKey* for SSE-KMS', () => {
    const { stack, workers } = setup();
    workers.addDataBucket(bucket(stack, 'sales', EncryptionType.SSE_KMS, { keyArn: KEY_A }), { access: DataAccess.READ_WRITE });
    expect(statements(stack)).toEqual([
      { Effect: 'Allow', Action: RW_BUCKET, Resource: 'arn:aws:s3:::sales' },
      { Effect: 'Allow', Action: RW_OBJECTS, Resource: 'arn:aws:s3:::sales/*' },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: KEY_A, Condition: VIA_US_EAST_1 },
    ]);
  });

  test('SSE-KMS with a key created in the stack: Decrypt on the key ARN via S3 in the bucket\'s region', () => {
    const { stack, workers } = setup();
    const data = new OkeraDataBucket(stack, 'Data', { encryption: EncryptionType.SSE_KMS });
    workers.addDataBucket(data);
    const kms = withAction(statements(stack), 'kms:Decrypt');
    expect(kms).toEqual([{
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Condition: VIA_US_EAST_1,
      Resource: { 'Fn::GetAtt': [stack.getLogicalId(data.encryptionKey!.node.defaultChild as any), 'Arn'] },
    }]);
  });

  test('a key policy in the same stack that names the role makes no dependency cycle', () => {
    const { stack, workers } = setup();
    const data = new OkeraDataBucket(stack, 'Data', { encryption: EncryptionType.SSE_KMS });
    data.encryptionKey!.addToResourcePolicy(new iam.PolicyStatement({ principals: [workers.role], actions: ['kms:DescribeKey'], resources: ['*'] }));
    workers.addDataBucket(data);
    expect(() => Template.fromStack(stack)).not.toThrow();
    expect(withAction(statements(stack), 'kms:Decrypt')).toHaveLength(1);
  });

  test('an imported bucket in eu-west-1 gets kms:ViaService for eu-west-1, though the role\'s stack is in us-east-1', () => {
    const { stack, workers } = setup();
    workers.addDataBucket(bucket(stack, 'eu-sales', EncryptionType.SSE_KMS, { keyArn: KEY_B, region: 'eu-west-1', account: OTHER_ACCOUNT }));
    expect(withAction(statements(stack), 'kms:Decrypt')).toEqual([{
      Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_B, Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    }]);
  });

  test('SSE-S3 and aws/s3 buckets of the role\'s account get no KMS statement', () => {
    const { stack, workers } = setup();
    workers.addDataBucket(bucket(stack, 'plain'));
    workers.addDataBucket(bucket(stack, 'aws-managed', EncryptionType.SSE_KMS_AWS_MANAGED, { account: ACCOUNT }));
    const all = statements(stack);
    expect(all.flatMap((s) => asList(s.Action)).filter((a: string) => a.startsWith('kms:'))).toEqual([]);
    expect(withAction(all, 's3:GetObject')[0].Resource).toEqual(['arn:aws:s3:::plain/*', 'arn:aws:s3:::aws-managed/*']);
  });

  test('an aws/s3 bucket of another account is an error; an unknown account is a warning', () => {
    const { stack, workers } = setup();
    expect(() => workers.addDataBucket(bucket(stack, 'shared', EncryptionType.SSE_KMS_AWS_MANAGED, { account: OTHER_ACCOUNT })))
      .toThrow(/^\[Workers\/Role\] Data bucket 'Workers\/Import-shared' is encrypted with the AWS managed aws\/s3 key of account 222222222222, which this role in account 111111111111 cannot use: .*cannot be shared across accounts\. Encrypt the bucket with a customer managed key \(EncryptionType\.SSE_KMS\) or with SSE-S3 \(EncryptionType\.SSE_S3\)\.$/);

    const app = new App();
    const agnostic = new Stack(app, 'Agnostic');
    const role = new OkeraWorkerRole(agnostic, 'Role');
    role.addDataBucket(bucket(agnostic, 'maybe-shared', EncryptionType.SSE_KMS_AWS_MANAGED, { account: OTHER_ACCOUNT }));
    Annotations.fromStack(agnostic).hasWarning('/Agnostic/Role', Match.stringLikeRegexp('aws/s3 key.*could not be checked'));

    // Two accounts known only at deploy time (here the bucket's is a parameter) cannot be compared either.
    const app2 = new App();
    const agnostic2 = new Stack(app2, 'Agnostic');
    const account = new CfnParameter(agnostic2, 'DataAccount').valueAsString;
    new OkeraWorkerRole(agnostic2, 'Role').addDataBucket(bucket(agnostic2, 'maybe-shared', EncryptionType.SSE_KMS_AWS_MANAGED, { account }));
    Annotations.fromStack(agnostic2).hasWarning('/Agnostic/Role', Match.stringLikeRegexp('aws/s3 key.*could not be checked'));
  });

  test('many buckets merge into one bucket statement, one object statement and one KMS statement', () => {
    const { stack, workers } = setup();
    workers.addDataBucket(bucket(stack, 'aaa', EncryptionType.SSE_KMS, { keyArn: KEY_A }));
    workers.addDataBucket(bucket(stack, 'bbb', EncryptionType.SSE_KMS, { keyArn: KEY_B, region: 'eu-west-1', account: OTHER_ACCOUNT }));
    workers.addDataBucket(bucket(stack, 'ccc'));
    workers.addDataBucket(bucket(stack, 'ddd', EncryptionType.SSE_KMS, { keyArn: KEY_A }));
    expect(documents(stack)).toHaveLength(1);
    expect(statements(stack)).toEqual([
      { Effect: 'Allow', Action: READ_BUCKET, Resource: ['arn:aws:s3:::aaa', 'arn:aws:s3:::bbb', 'arn:aws:s3:::ccc', 'arn:aws:s3:::ddd'] },
      { Effect: 'Allow', Action: READ_OBJECTS, Resource: ['arn:aws:s3:::aaa/*', 'arn:aws:s3:::bbb/*', 'arn:aws:s3:::ccc/*', 'arn:aws:s3:::ddd/*'] },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: [KEY_A, KEY_B],
        Condition: { StringEquals: { 'kms:ViaService': ['s3.us-east-1.amazonaws.com', 's3.eu-west-1.amazonaws.com'] } },
      },
    ]);
  });

  test('read and read-write buckets get one statement set per access level; a key is named once, at the higher level', () => {
    const { stack, workers } = setup();
    workers.addDataBucket(bucket(stack, 'reports', EncryptionType.SSE_KMS, { keyArn: KEY_A }));
    workers.addDataBucket(bucket(stack, 'scratch', EncryptionType.SSE_KMS, { keyArn: KEY_A }), { access: DataAccess.READ_WRITE });
    expect(statements(stack)).toEqual([
      { Effect: 'Allow', Action: READ_BUCKET, Resource: 'arn:aws:s3:::reports' },
      { Effect: 'Allow', Action: READ_OBJECTS, Resource: 'arn:aws:s3:::reports/*' },
      { Effect: 'Allow', Action: RW_BUCKET, Resource: 'arn:aws:s3:::scratch' },
      { Effect: 'Allow', Action: RW_OBJECTS, Resource: 'arn:aws:s3:::scratch/*' },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: KEY_A, Condition: VIA_US_EAST_1 },
    ]);
  });

  test('prefixes: objects under them, listing only them (one conditioned statement per prefix set), other bucket actions unconditioned', () => {
    const { stack, workers } = setup();
    workers.addDataBucket(bucket(stack, 'aaa'), { prefixes: ['sales/', 'hr'] });
    workers.addDataBucket(bucket(stack, 'bbb'), { prefixes: ['hr', 'sales/*'] });
    workers.addDataBucket(bucket(stack, 'ccc'), { prefixes: ['/finance'] });
    workers.addDataBucket(bucket(stack, 'whole'));
    expect(statements(stack)).toEqual([
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: ['arn:aws:s3:::aaa', 'arn:aws:s3:::bbb'], Condition: { StringLike: { 's3:prefix': ['hr', 'hr/', 'hr/*', 'sales', 'sales/', 'sales/*'] } } },
      { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: ['arn:aws:s3:::aaa', 'arn:aws:s3:::bbb', 'arn:aws:s3:::ccc'] },
      {
        Effect: 'Allow',
        Action: READ_OBJECTS,
        Resource: ['arn:aws:s3:::aaa/hr/*', 'arn:aws:s3:::aaa/sales/*', 'arn:aws:s3:::bbb/hr/*', 'arn:aws:s3:::bbb/sales/*', 'arn:aws:s3:::ccc/finance/*', 'arn:aws:s3:::whole/*'],
      },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::ccc', Condition: { StringLike: { 's3:prefix': ['finance', 'finance/', 'finance/*'] } } },
      { Effect: 'Allow', Action: READ_BUCKET, Resource: 'arn:aws:s3:::whole' },
    ]);
  });

  test('adding a bucket again merges: prefixes add up, read-write wins per prefix, the whole bucket covers its prefixes', () => {
    const { stack, workers } = setup();
    const logs = bucket(stack, 'logs');
    workers.addDataBucket(logs, { prefixes: ['raw', 'curated'] });
    workers.addDataBucket(logs, { prefixes: ['curated/2024'] });
    workers.addDataBucket(logs, { prefixes: ['raw'], access: DataAccess.READ_WRITE });
    const all = statements(stack);
    expect(withAction(all, 's3:GetObject').map((s) => s.Resource)).toEqual(['arn:aws:s3:::logs/curated/*', 'arn:aws:s3:::logs/raw/*']);
    expect(withAction(all, 's3:PutObject').map((s) => s.Resource)).toEqual(['arn:aws:s3:::logs/raw/*']);

    const merged = setup();
    const again = bucket(merged.stack, 'logs');
    merged.workers.addDataBucket(again, { prefixes: ['raw'] });
    merged.workers.addDataBucket(again, { access: DataAccess.READ_WRITE });
    expect(statements(merged.stack)).toEqual([
      { Effect: 'Allow', Action: RW_BUCKET, Resource: 'arn:aws:s3:::logs' },
      { Effect: 'Allow', Action: RW_OBJECTS, Resource: 'arn:aws:s3:::logs/*' },
    ]);
  });

  test('buckets added after other constructs, and from other stacks of the account, are merged at synthesis', () => {
    const { app, stack, workers } = setup();
    const dataStack = new Stack(app, 'Data', { env: { account: ACCOUNT, region: REGION } });
    const data = new OkeraDataBucket(dataStack, 'Data', { encryption: EncryptionType.SSE_KMS });
    workers.addDataBucket(data);
    expect(workers.managedPolicies).toEqual([]);
    const all = statements(stack);
    expect(JSON.stringify(all)).toContain('Fn::ImportValue');
    expect(withAction(all, 'kms:Decrypt')).toHaveLength(1);
    expect(workers.managedPolicies).toHaveLength(1);
  });

  test('a named bucket of another stack is written by its name: no cross-stack reference, the ARN it deploys with', () => {
    const { app, stack, workers } = setup();
    const dataStack = new Stack(app, 'Data', { env: { account: ACCOUNT, region: REGION } });
    workers.addDataBucket(new OkeraDataBucket(dataStack, 'Data', { bucketName: 'sales-data', encryption: EncryptionType.SSE_S3 }));
    const all = JSON.stringify(statements(stack));
    expect(all).not.toMatch(/ImportValue|GetStackOutput|GetAtt/);
    expect(Template.fromStack(dataStack).toJSON().Outputs).toBeUndefined();
    const [doc] = deployedDocuments(stack);
    expect(doc.Statement.map((s: any) => s.Resource)).toEqual(['arn:aws:s3:::sales-data', 'arn:aws:s3:::sales-data/*']);
  });

  test('a named bucket renamed after the role wrote its policies (aspect or override) fails synthesis instead of naming the old bucket', () => {
    const build = (rename: (cfn: s3.CfnBucket, dataStack: Stack) => void) => {
      const { app, workers } = setup();
      const dataStack = new Stack(app, 'Data', { env: { account: ACCOUNT, region: REGION } });
      const data = new OkeraDataBucket(dataStack, 'Data', { bucketName: 'x-data', encryption: EncryptionType.SSE_S3 });
      workers.addDataBucket(data);
      rename(data.bucket.node.defaultChild as s3.CfnBucket, dataStack);
      return () => app.synth();
    };
    const error = /\[Workers\/Role\] Data bucket 'Data\/Data' is named 'x-data' in this role's policies, but its template now says BucketName "(renamed-data|x-data-prod)".*bucketName prop/;
    expect(build((cfn) => cfn.addPropertyOverride('BucketName', 'renamed-data'))).toThrow(error);
    expect(build((_, dataStack) => Aspects.of(dataStack).add({
      visit: (n) => { if (n instanceof s3.CfnBucket && n.bucketName === 'x-data') n.bucketName = 'x-data-prod'; },
    }))).toThrow(error);
    expect(build(() => undefined)).not.toThrow();
  });

  test('a bucket of another account created in this app is named by its generated physical name', () => {
    const { app, stack, workers } = setup();
    const dataStack = new Stack(app, 'Data', { env: { account: OTHER_ACCOUNT, region: REGION } });
    const data = new OkeraDataBucket(dataStack, 'Data', { encryption: EncryptionType.SSE_S3 });
    workers.addDataBucket(data);
    new CrossAccountKmsGrant(dataStack, 'ForWorkers', { bucket: data, accounts: [ACCOUNT] });
    const resolved = resolveTemplates([stack, dataStack]);
    const name = Object.values<any>(resolved.stack(dataStack).template.Resources).find((r) => r.Type === 'AWS::S3::Bucket').Properties.BucketName;
    expect(name).toMatch(/^data/);
    const [doc] = Object.values<any>(resolved.stack(stack).template.Resources).filter((r) => r.Type === 'AWS::IAM::ManagedPolicy');
    expect(doc.Properties.PolicyDocument.Statement.map((s: any) => s.Resource)).toEqual([`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`]);
  });

  test('an SSE-KMS bucket whose key ARN only the other account knows at deploy time is an error (or anyKeyViaS3)', () => {
    const { app, workers } = setup();
    const dataStack = new Stack(app, 'Data', { env: { account: OTHER_ACCOUNT, region: REGION } });
    const data = new OkeraDataBucket(dataStack, 'Data', { encryption: EncryptionType.SSE_KMS });
    expect(() => workers.addDataBucket(data)).toThrow(
      /^\[Workers\/Role\] Data bucket 'Data\/Data': its key ARN \(or region\) is only known when the bucket's stack deploys.*\(111111111111\/us-east-1\).*OkeraDataBucket\.fromBucketAttributes\(.*encryptionKeyArn.*or turn on anyKeyViaS3\./);

    const any = setup({ anyKeyViaS3: true });
    const otherData = new Stack(any.app, 'Data', { env: { account: OTHER_ACCOUNT, region: 'eu-west-1' } });
    const owned = new OkeraDataBucket(otherData, 'Data', { encryption: EncryptionType.SSE_KMS });
    any.workers.addDataBucket(owned);
    new CrossAccountKmsGrant(otherData, 'ForWorkers', { bucket: owned, accounts: [ACCOUNT] });
    expect(withAction(statements(any.stack), 'kms:Decrypt')).toEqual([{
      Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    }]);
  });

  test('bucket.grantRead(workerRole) and grantReadWrite delegate to addDataBucket', () => {
    const { stack, workers } = setup();
    const data = new OkeraDataBucket(stack, 'Data', { encryption: EncryptionType.SSE_KMS });
    expect(data.grantRead(workers).success).toBe(true);
    expect(data.grantReadWrite(workers, 'staging').success).toBe(true);
    const all = statements(stack);
    expect(withAction(all, 's3:PutObject')).toHaveLength(1);
    const bucketArn = { 'Fn::GetAtt': [stack.getLogicalId(data.bucket.node.defaultChild as any), 'Arn'] };
    expect(withAction(all, 's3:PutObject')[0].Resource).toEqual({ 'Fn::Join': ['', [bucketArn, '/staging/*']] });
    expect(withAction(all, 's3:ListBucket').map((s: any) => s.Condition)).toEqual([undefined, { StringLike: { 's3:prefix': ['staging', 'staging/', 'staging/*'] } }]);
    expect(withAction(all, 'kms:GenerateDataKey*')).toHaveLength(1);
    expect(withAction(all, 'kms:Decrypt')).toHaveLength(1);
  });

  test('rejects encryption Okera cannot read, and SSE-KMS without a key ARN', () => {
    const { stack, workers } = setup();
    const b = bucket(stack, 'xxx');
    expect(() => workers.addDataBucket(declaring(b, { encryptionType: EncryptionType.DSSE_KMS })))
      .toThrow(/^\[Workers\/Role\] Data bucket 'Workers\/Import-xxx' is encrypted with DSSE-KMS, which Okera cannot read: .*Use SSE-S3 \(EncryptionType\.SSE_S3\) or SSE-KMS/);
    expect(() => workers.addDataBucket(declaring(b, { encryptionType: EncryptionType.SSE_C }))).toThrow(/is encrypted with SSE-C, which Okera cannot read/);
    expect(() => workers.addDataBucket(declaring(b, { encryptionType: EncryptionType.SSE_KMS })))
      .toThrow(/^\[Workers\/Role\] Data bucket 'Workers\/Import-xxx' is SSE_KMS but declares no key ARN.*fromBucketAttributes.*encryptionKeyArn.*anyKeyViaS3/);
    expect(() => workers.addDataBucket(declaring(b, { encryptionType: EncryptionType.SSE_KMS, encryptionKeyArn: 'alias/data' })))
      .toThrow(/^\[Workers\/Role\] Data bucket 'Workers\/Import-xxx': encryption key ARN 'alias\/data' is an alias name\. Use the key ARN/);
  });

  test('rejects an empty prefix list and prefixes with wildcards inside', () => {
    const { stack, workers } = setup();
    const b = bucket(stack, 'xxx');
    expect(() => workers.addDataBucket(b, { prefixes: [] })).toThrow(/^\[Workers\/Role\] Data bucket 'Workers\/Import-xxx': prefixes is empty\. .*omit prefixes for the whole bucket/);
    expect(() => workers.addDataBucket(b, { prefixes: ['sales/*/2024'] }))
      .toThrow(/^\[Workers\/Role\] Data bucket 'Workers\/Import-xxx': prefix 'sales\/\*\/2024' contains a wildcard.*Use a plain key prefix/);
  });

  test('deploy-time values (an env-agnostic stack, a prefix parameter) are legitimate and kept as tokens', () => {
    const app = new App();
    const stack = new Stack(app, 'Agnostic');
    const workers = new OkeraWorkerRole(stack, 'Role');
    const prefix = new CfnParameter(stack, 'Prefix', { default: 'sales' }).valueAsString;
    workers.addDataBucket(new OkeraDataBucket(stack, 'Data', { encryption: EncryptionType.SSE_KMS }), { prefixes: [prefix] });
    const all = statements(stack);
    expect(withAction(all, 'kms:Decrypt')[0].Condition).toEqual({
      StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
    });
    expect(JSON.stringify(withAction(all, 's3:GetObject')[0].Resource)).toContain('{"Ref":"Prefix"}');
  });

  test('a resource longer than a managed policy can hold is an error', () => {
    const { stack, workers } = setup();
    workers.addDataBucket(bucket(stack, 'xxx'), { prefixes: ['p'.repeat(6100)] });
    expect(() => Template.fromStack(stack))
      .toThrow(/^\[Workers\/Role\] the statement for 'arn:aws:s3:::xxx' would be 18\d\d\d characters on its own, over the 6144-character limit of a managed policy\. Use shorter prefixes\./);
  });

  test('rejects a bucket of another partition; a region unknown at synth time is accepted', () => {
    const { stack, workers } = setup();
    expect(() => workers.addDataBucket(bucket(stack, 'china', EncryptionType.SSE_S3, { region: 'cn-north-1' }))).toThrow(
      /^\[Workers\/Role\] Data bucket 'Workers\/Import-china' is in cn-north-1 \(partition aws-cn\) and this role in us-east-1 \(partition aws\): .*role in a stack of the aws-cn partition\./);
    workers.addDataBucket(bucket(stack, 'virginia', EncryptionType.SSE_S3, { region: 'us-west-2' }));
    const agnostic = new OkeraWorkerRole(new Stack(new App(), 'Agnostic'), 'Role');
    agnostic.addDataBucket(bucket(Stack.of(agnostic), 'anywhere', EncryptionType.SSE_S3, { region: 'cn-north-1' }));
  });

  test('rejects the same bucket declared with two encryptions', () => {
    const { stack, workers } = setup();
    workers.addDataBucket(bucket(stack, 'xxx'));
    const again = OkeraDataBucket.fromBucketAttributes(stack, 'Again', { bucketArn: 'arn:aws:s3:::xxx', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: KEY_A });
    expect(() => workers.addDataBucket(again))
      .toThrow(/was already added as 'Workers\/Import-xxx' with encryption SSE_S3, now with SSE_KMS \(key arn:aws:kms.*\)\. Declare the bucket's encryption once/);
  });

  test('rejects buckets added after synthesis', () => {
    const { app, stack, workers } = setup();
    workers.addDataBucket(bucket(stack, 'early'));
    app.synth();
    expect(() => workers.addDataBucket(bucket(stack, 'late')))
      .toThrow(/^\[Workers\/Role\] addDataBucket\(Workers\/Import-late\) was called after the role's policies were rendered.*Add buckets before synthesis\./);
  });
});

describe('buckets of this app in another account', () => {
  /** A role in ACCOUNT and an owned bucket in OTHER_ACCOUNT. */
  function crossAccount(encryption: EncryptionType, props?: OkeraWorkerRoleProps) {
    const s = setup({ roleName: 'odas-iam-role', ...props });
    const dataStack = new Stack(s.app, 'Data', { env: { account: OTHER_ACCOUNT, region: REGION } });
    const data = new OkeraDataBucket(dataStack, 'Data', { encryption });
    return { ...s, dataStack, data };
  }
  const synth = (app: App) => () => app.synth();

  test('without a CrossAccountKmsGrant: an error naming the bucket, the role\'s account and the exact grant to add', () => {
    const { app, workers, data } = crossAccount(EncryptionType.SSE_KMS, { anyKeyViaS3: true });
    data.grantReadWrite(workers, 'staging');
    expect(synth(app)).toThrow(/^\[Workers\/Role\] Data bucket 'Data\/Data' is in account 222222222222 and this role in account 111111111111, but no CrossAccountKmsGrant admits .* on the bucket policy and the key policy with READ_WRITE access.*new CrossAccountKmsGrant\(<stack 'Data'>, 'OkeraWorkersReadWrite', \{ bucket: <'Data\/Data'>, accounts: \['111111111111'\], access: DataAccess\.READ_WRITE, prefixes: \['staging'\] \}\)/);
  });

  test('SSE-S3: the grant to the role\'s account (or to the role by ARN) on the bucket policy is enough', () => {
    const byAccount = crossAccount(EncryptionType.SSE_S3);
    byAccount.workers.addDataBucket(byAccount.data);
    new CrossAccountKmsGrant(byAccount.dataStack, 'G', { bucket: byAccount.data, accounts: [ACCOUNT] });
    expect(synth(byAccount.app)).not.toThrow();

    const byRole = crossAccount(EncryptionType.SSE_S3);
    byRole.workers.addDataBucket(byRole.data);
    new CrossAccountKmsGrant(byRole.dataStack, 'G', { bucket: byRole.data, roleArns: [`arn:aws:iam::${ACCOUNT}:role/odas-iam-role`] });
    expect(synth(byRole.app)).not.toThrow();

    const otherRole = crossAccount(EncryptionType.SSE_S3);
    otherRole.workers.addDataBucket(otherRole.data);
    new CrossAccountKmsGrant(otherRole.dataStack, 'G', { bucket: otherRole.data, roleArns: [`arn:aws:iam::${ACCOUNT}:role/someone-else`] });
    expect(synth(otherRole.app)).toThrow(/no CrossAccountKmsGrant admits/);
  });

  test('a grant whose accounts are known only at deploy time (a parameter, a list parameter) is not reported as missing', () => {
    for (const accounts of [
      (stack: Stack) => [new CfnParameter(stack, 'WorkerAccount').valueAsString],
      (stack: Stack) => new CfnParameter(stack, 'WorkerAccounts', { type: 'CommaDelimitedList' }).valueAsList,
    ]) {
      const { app, workers, dataStack, data } = crossAccount(EncryptionType.SSE_S3);
      workers.addDataBucket(data);
      new CrossAccountKmsGrant(dataStack, 'G', { bucket: data, accounts: accounts(dataStack) });
      expect(synth(app)).not.toThrow();
    }
  });

  test('too little access, too narrow prefixes, another account or a bucket-policy-only grant on an SSE-KMS bucket are errors', () => {
    const cases: [string, (c: ReturnType<typeof crossAccount>) => void][] = [
      ['READ grant, role writes', (c) => {
        c.workers.addDataBucket(c.data, { access: DataAccess.READ_WRITE });
        new CrossAccountKmsGrant(c.dataStack, 'G', { bucket: c.data, accounts: [ACCOUNT] });
      }],
      ['grant on a prefix, role reads the whole bucket', (c) => {
        c.workers.addDataBucket(c.data);
        new CrossAccountKmsGrant(c.dataStack, 'G', { bucket: c.data, accounts: [ACCOUNT], prefixes: ['sales'] });
      }],
      ['grant to another account', (c) => {
        c.workers.addDataBucket(c.data);
        new CrossAccountKmsGrant(c.dataStack, 'G', { bucket: c.data, accounts: ['333333333333'] });
      }],
      ['key policy only', (c) => {
        c.workers.addDataBucket(c.data);
        new CrossAccountKmsGrant(c.dataStack, 'G', { bucket: c.data, accounts: [ACCOUNT], bucketPolicy: false });
      }],
    ];
    for (const [name, arrange] of cases) {
      const c = crossAccount(EncryptionType.SSE_KMS, { anyKeyViaS3: true });
      arrange(c);
      expect({ name, error: (() => { try { c.app.synth(); return undefined; } catch (e: any) { return e.message; } })() })
        .toEqual({ name, error: expect.stringMatching(/no CrossAccountKmsGrant admits/) });
    }
  });

  test('SSE-KMS: a READ_WRITE grant on bucket and key covers read and write, prefixes within a granted prefix pass', () => {
    const c = crossAccount(EncryptionType.SSE_KMS, { anyKeyViaS3: true });
    c.workers.addDataBucket(c.data, { access: DataAccess.READ_WRITE, prefixes: ['sales/2024'] });
    c.workers.addDataBucket(c.data, { prefixes: ['sales/2023'] });
    new CrossAccountKmsGrant(c.dataStack, 'G', { bucket: c.data, accounts: [ACCOUNT], access: DataAccess.READ_WRITE, prefixes: ['sales'] });
    expect(synth(c.app)).not.toThrow();
  });

  test('imported buckets cannot be checked and are accepted as declared', () => {
    const { app, stack, workers } = setup();
    workers.addDataBucket(bucket(stack, 'other-data', EncryptionType.SSE_KMS, { keyArn: KEY_B }));
    expect(synth(app)).not.toThrow();
  });
});

describe('input validation', () => {
  test('an unknown access level is a clear error (callers from other languages), for buckets and name patterns', () => {
    const { stack, workers } = setup();
    const data = bucket(stack, 'data');
    expect(() => workers.addDataBucket(data, { access: 'WRITE' as any }))
      .toThrow(/^\[Workers\/Role\] Data bucket 'Workers\/Import-data': access 'WRITE' is not a DataAccess\. Use DataAccess\.READ or DataAccess\.READ_WRITE\./);
    expect(() => workers.addBucketNamePattern('analytics-*', { encryption: EncryptionType.SSE_S3, access: 'WRITE' as any }))
      .toThrow(/^\[Workers\/Role\] Bucket name pattern 'analytics-\*': access 'WRITE' is not a DataAccess/);
  });

  test('an unknown encryption on a name pattern is a clear error', () => {
    const { workers } = setup();
    expect(() => workers.addBucketNamePattern('analytics-*', { encryption: 'aws:kms' as any }))
      .toThrow(/^\[Workers\/Role\] Bucket name pattern 'analytics-\*' declares encryption 'aws:kms', which is not an EncryptionType\. Use SSE-S3/);
  });

  test('a plain s3.Bucket is rejected, pointing to OkeraDataBucket and fromBucketAttributes', () => {
    const { stack, workers } = setup();
    const plain = new s3.Bucket(stack, 'Plain');
    expect(() => workers.addDataBucket(plain as any))
      .toThrow(/^\[Workers\/Role\] Data bucket 'Workers\/Plain' is not an OkeraDataBucket.*Pass an OkeraDataBucket, or import the bucket with OkeraDataBucket\.fromBucketAttributes/);
  });

  test.each(['', '/', '*', 'sales//2024', 'sales/./2024', 'a/../b', 'home/${aws:username}'])('rejects the prefix %j', (prefix) => {
    const { stack, workers } = setup();
    expect(() => workers.addDataBucket(bucket(stack, 'data'), { prefixes: [prefix] })).toThrow(/^\[Workers\/Role\] Data bucket 'Workers\/Import-data': prefix/);
  });

  test('the same bucket imported by name and by ARN is one bucket: its two encryptions conflict, equal ones merge', () => {
    const { stack, workers } = setup();
    workers.addDataBucket(OkeraDataBucket.fromBucketAttributes(stack, 'ByName', { bucketName: 'data', encryption: EncryptionType.SSE_S3 }));
    workers.addDataBucket(OkeraDataBucket.fromBucketAttributes(stack, 'ByArn', { bucketArn: 'arn:aws:s3:::data', encryption: EncryptionType.SSE_S3 }));
    const conflicting = OkeraDataBucket.fromBucketAttributes(stack, 'ByArnKms', { bucketArn: 'arn:aws:s3:::data', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: KEY_A });
    expect(() => workers.addDataBucket(conflicting)).toThrow(/Data bucket 'Workers\/ByArnKms' was already added as 'Workers\/ByName' with encryption SSE_S3/);
    const objects = withAction(statements(stack), 's3:GetObject');
    expect(objects).toHaveLength(1);
    expect(objects[0].Resource).not.toBeInstanceOf(Array);
  });
});

describe('anyKeyViaS3', () => {
  test('is off by default: no statement anywhere has Resource "*"', () => {
    const { stack, workers } = setup();
    workers.addDataBucket(bucket(stack, 'aaa', EncryptionType.SSE_KMS, { keyArn: KEY_A }), { access: DataAccess.READ_WRITE });
    workers.addDataBucket(bucket(stack, 'bbb', EncryptionType.SSE_KMS, { keyArn: KEY_B, region: 'eu-west-1', account: OTHER_ACCOUNT }));
    workers.addDataBucket(new OkeraDataBucket(stack, 'Owned', { encryption: EncryptionType.SSE_KMS }), { prefixes: ['x'] });
    workers.addBucketNamePattern('analytics-*', { encryptionKeyArns: [KEY_A] });
    expect(statements(stack).flatMap((s) => asList(s.Resource))).not.toContain('*');
  });

  test('grants the KMS actions on any key, always only via S3 in the buckets\' regions', () => {
    const { stack, workers } = setup({ anyKeyViaS3: true });
    workers.addDataBucket(bucket(stack, 'aaa', EncryptionType.SSE_KMS, { keyArn: KEY_A }));
    workers.addDataBucket(bucket(stack, 'bbb', EncryptionType.SSE_KMS, { keyArn: KEY_B, region: 'eu-west-1', account: OTHER_ACCOUNT }));
    workers.addDataBucket(bucket(stack, 'ccc'), { access: DataAccess.READ_WRITE });
    const all = statements(stack);
    expect(all.filter((s) => s.Resource === '*')).toEqual([
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': ['s3.us-east-1.amazonaws.com', 's3.eu-west-1.amazonaws.com'] } } },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*', Condition: VIA_US_EAST_1 },
    ]);
    expect(JSON.stringify(all)).not.toContain(KEY_A);
  });

  test('uses anyKeyRegions when given, and needs them for name patterns without keys', () => {
    const { stack, workers } = setup({ anyKeyViaS3: true, anyKeyRegions: ['us-east-1', 'us-west-2'] });
    workers.addBucketNamePattern('analytics-*', {});
    expect(withAction(statements(stack), 'kms:Decrypt')).toEqual([{
      Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': ['s3.us-east-1.amazonaws.com', 's3.us-west-2.amazonaws.com'] } },
    }]);

    const noRegions = setup({ anyKeyViaS3: true });
    expect(() => noRegions.workers.addBucketNamePattern('analytics-*', {}))
      .toThrow(/^\[Workers\/Role\] Bucket name pattern 'analytics-\*' relies on anyKeyViaS3, but the region of its buckets is unknown.*Set anyKeyRegions on the role/);
    const onlySseS3Pattern = setup({ anyKeyViaS3: true });
    onlySseS3Pattern.workers.addBucketNamePattern('logs-*', { encryption: EncryptionType.SSE_S3 });
    expect(() => Template.fromStack(onlySseS3Pattern.stack)).toThrow(/^\[Workers\/Role\] anyKeyViaS3 needs the region of the buckets for kms:ViaService.*Set anyKeyRegions/);
  });

  test('rejects anyKeyRegions without anyKeyViaS3, empty or malformed, and SSE-KMS buckets outside them', () => {
    expect(() => setup({ anyKeyRegions: ['us-east-1'] })).toThrow(/^\[Workers\/Role\] anyKeyRegions is set but anyKeyViaS3 is not, so it would have no effect\. Set anyKeyViaS3: true/);
    expect(() => setup({ anyKeyViaS3: true, anyKeyRegions: [] })).toThrow(/^\[Workers\/Role\] anyKeyRegions is empty\./);
    expect(() => setup({ anyKeyViaS3: true, anyKeyRegions: ['s3.us-east-1.amazonaws.com'] }))
      .toThrow(/^\[Workers\/Role\] anyKeyRegions: 's3\.us-east-1\.amazonaws\.com' is not an AWS region\. Use region codes such as 'us-east-1'/);
    const { stack, workers } = setup({ anyKeyViaS3: true, anyKeyRegions: ['us-east-1'] });
    expect(() => workers.addDataBucket(bucket(stack, 'eu-data', EncryptionType.SSE_KMS, { keyArn: KEY_B, region: 'eu-west-1', account: OTHER_ACCOUNT })))
      .toThrow(/^\[Workers\/Role\] Data bucket 'Workers\/Import-eu-data' is SSE_KMS in region eu-west-1, which is not in anyKeyRegions \(us-east-1\).*Add 'eu-west-1' to anyKeyRegions\./);
    expect(() => workers.addBucketNamePattern('eu-analytics-*', { encryptionKeyArns: [KEY_B] }))
      .toThrow(/^\[Workers\/Role\] Bucket name pattern 'eu-analytics-\*' \(key arn:aws:kms:eu-west-1:.*\) is SSE_KMS in region eu-west-1, which is not in anyKeyRegions/);
  });
});

describe('addBucketNamePattern', () => {
  test('grants S3 on the pattern and its objects, and KMS on the listed keys via S3 in each key\'s region', () => {
    const { stack, workers } = setup();
    workers.addDataBucket(bucket(stack, 'sales'));
    workers.addBucketNamePattern('analytics-*', { encryptionKeyArns: [KEY_A, KEY_B], access: DataAccess.READ_WRITE });
    workers.addBucketNamePattern('logs-20??', { encryption: EncryptionType.SSE_S3 });
    const [doc] = deployedDocuments(stack);
    // Patterns are limited to the accounts owning their buckets (by default the role's and the keys' accounts).
    const own = { StringEquals: { 's3:ResourceAccount': ACCOUNT } };
    const ownAndKeys = { StringEquals: { 's3:ResourceAccount': [ACCOUNT, OTHER_ACCOUNT] } };
    expect(doc.Statement).toEqual([
      { Effect: 'Allow', Action: READ_BUCKET, Resource: 'arn:aws:s3:::sales' },
      { Effect: 'Allow', Action: READ_OBJECTS, Resource: 'arn:aws:s3:::sales/*' },
      { Effect: 'Allow', Action: READ_BUCKET, Resource: 'arn:aws:s3:::logs-20??', Condition: own },
      { Effect: 'Allow', Action: READ_OBJECTS, Resource: 'arn:aws:s3:::logs-20??/*', Condition: own },
      { Effect: 'Allow', Action: RW_BUCKET, Resource: 'arn:aws:s3:::analytics-*', Condition: ownAndKeys },
      { Effect: 'Allow', Action: RW_OBJECTS, Resource: 'arn:aws:s3:::analytics-*/*', Condition: ownAndKeys },
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: [KEY_A, KEY_B],
        Condition: { StringEquals: { 'kms:ViaService': ['s3.us-east-1.amazonaws.com', 's3.eu-west-1.amazonaws.com'] } },
      },
    ]);
  });

  test('never grants a pattern without KMS unless SSE-S3 is declared', () => {
    const { workers } = setup();
    expect(() => workers.addBucketNamePattern('analytics-*', {}))
      .toThrow(/^\[Workers\/Role\] Bucket name pattern 'analytics-\*': its buckets are declared SSE_KMS \(the default\) but no encryptionKeyArns are given.*encryptionKeyArns.*anyKeyViaS3.*encryption: EncryptionType\.SSE_S3\./);
  });

  test('validates the pattern, the key ARNs and the encryption', () => {
    const { workers } = setup();
    const sseS3 = { encryption: EncryptionType.SSE_S3 };
    expect(() => workers.addBucketNamePattern('Analytics_*', sseS3))
      .toThrow(/^\[Workers\/Role\] Bucket name pattern 'Analytics_\*' may only contain lowercase letters, digits.*Use e\.g\. 'analytics-\*'\./);
    expect(() => workers.addBucketNamePattern('*', sseS3)).toThrow(/^\[Workers\/Role\] Bucket name pattern '\*' has fewer than 3 literal characters.*e\.g\. 'analytics-\*'/);
    expect(() => workers.addBucketNamePattern('a*b', sseS3)).toThrow(/Bucket name pattern 'a\*b' has fewer than 3 literal characters/);
    expect(() => workers.addBucketNamePattern('analytics-*', { encryptionKeyArns: [] })).toThrow(/^\[Workers\/Role\] Bucket name pattern 'analytics-\*': encryptionKeyArns is empty\./);
    expect(() => workers.addBucketNamePattern('analytics-*', { encryptionKeyArns: [`arn:aws:kms:${REGION}:${ACCOUNT}:alias/data`] }))
      .toThrow(/^\[Workers\/Role\] Bucket name pattern 'analytics-\*': encryption key ARN 'arn:aws:kms:us-east-1:111111111111:alias\/data' is an alias ARN\. Use the key ARN/);
    expect(() => workers.addBucketNamePattern('analytics-*', { encryption: EncryptionType.SSE_S3, encryptionKeyArns: [KEY_A] }))
      .toThrow(/^\[Workers\/Role\] Bucket name pattern 'analytics-\*' declares encryption SSE_S3 but lists encryptionKeyArns\. Use encryption: EncryptionType\.SSE_KMS, or drop/);
    expect(() => workers.addBucketNamePattern('analytics-*', { encryption: EncryptionType.CSE_KMS }))
      .toThrow(/^\[Workers\/Role\] Bucket name pattern 'analytics-\*' is encrypted with CSE-KMS \(S3 Encryption Client\), which Okera cannot read/);
  });

  test('an aws/s3 pattern: the role\'s own account is fine, another account an error, accounts unknown at synth time a warning', () => {
    const { stack, workers } = setup();
    workers.addBucketNamePattern('team-*', { encryption: EncryptionType.SSE_KMS_AWS_MANAGED });
    workers.addBucketNamePattern('crew-*', { encryption: EncryptionType.SSE_KMS_AWS_MANAGED, accounts: [ACCOUNT] });
    expect(() => workers.addBucketNamePattern('other-*', { encryption: EncryptionType.SSE_KMS_AWS_MANAGED, accounts: [ACCOUNT, OTHER_ACCOUNT] }))
      .toThrow(new RegExp('^\\[Workers/Role\\] Bucket name pattern \'other-\\*\' declares the AWS managed aws/s3 key, which only principals of the ' +
        `bucket's own account can use, but lists account\\(s\\) ${OTHER_ACCOUNT} and this role is in account ${ACCOUNT}: .*customer managed key`));
    expect(withAction(statements(stack), 'kms:Decrypt')).toEqual([]);
    Annotations.fromStack(stack).hasNoWarning('/Workers/Role', Match.anyValue());

    const agnostic = new Stack(new App(), 'Agnostic');
    new OkeraWorkerRole(agnostic, 'Role').addBucketNamePattern('team-*', { encryption: EncryptionType.SSE_KMS_AWS_MANAGED, accounts: [ACCOUNT] });
    Annotations.fromStack(agnostic).hasWarning('/Agnostic/Role', Match.stringLikeRegexp("only works for buckets in the role's own account.*could not be checked"));
  });
});

describe('managed policies', () => {
  /** N literal SSE-S3 buckets, plus an SSE-KMS one whose key id length tunes the document length one character at a time. */
  function tuned(keyIdLength: number, props?: OkeraWorkerRoleProps) {
    const s = setup(props);
    for (let i = 1; i <= 80; i++) {
      s.workers.addDataBucket(bucket(s.stack, `data-bucket-${String(i).padStart(4, '0')}`));
    }
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${'k'.repeat(keyIdLength)}`;
    s.workers.addDataBucket(bucket(s.stack, 'tuned', EncryptionType.SSE_KMS, { keyArn }));
    return { ...s, keyArn };
  }
  const lengthOf = (doc: any) => JSON.stringify(doc).length;

  test('are split only past 6,144 characters: exactly 6,144 is one policy, 6,145 is two', () => {
    const probe = deployedDocuments(tuned(1).stack);
    expect(probe).toHaveLength(1);
    const fill = 1 + 6144 - lengthOf(probe[0]);
    expect(fill).toBeGreaterThan(1);

    const atLimit = deployedDocuments(tuned(fill).stack);
    expect(atLimit.map(lengthOf)).toEqual([6144]);

    const over = tuned(fill + 1);
    const split = deployedDocuments(over.stack);
    expect(split).toHaveLength(2);
    split.forEach((doc) => expect(lengthOf(doc)).toBeLessThanOrEqual(6144));
    // Nothing is lost: the resource lists, concatenated, are those of the unsplit document (one statement's list may be split).
    const resources = (docs: any[]) => docs.flatMap((d) => d.Statement.flatMap((s: any) => asList(s.Resource).map((r) => `${asList(s.Action).join()} ${r}`)));
    expect(resources(split)).toEqual(resources(atLimit).map((r) => r.replace(/k+$/, over.keyArn.replace(/^.*key\//, ''))));
    // Both are attached to the role.
    const roleRef = { Ref: over.stack.getLogicalId(over.workers.role.node.defaultChild as iam.CfnRole) };
    const attached = Template.fromStack(over.stack).findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [roleRef] } });
    expect(Object.keys(attached)).toHaveLength(2);
  });

  function thousandBuckets(props?: OkeraWorkerRoleProps) {
    const s = setup(props);
    for (let i = 1; i <= 1000; i++) {
      s.workers.addDataBucket(bucket(s.stack, `data-bucket-${String(i).padStart(4, '0')}`));
    }
    return s;
  }

  test('buckets created in this app are measured at their real bound (63-character names), not as unknown 128-character values', () => {
    const { stack, workers } = setup({ maxManagedPolicies: 20 });
    for (let i = 0; i < 100; i++) {
      workers.addDataBucket(new OkeraDataBucket(stack, `B${i}`, { bucketName: `b${String(i).padStart(3, '0')}-${'n'.repeat(58)}` }));
    }
    const lengths = deployedDocuments(stack).map((d) => JSON.stringify(d).length);
    // Every policy stays under the limit with the longest possible names, and is filled close to it (one bucket's worth).
    expect(Math.max(...lengths)).toBeLessThanOrEqual(6144);
    expect(lengths.slice(0, -1).every((l) => l > 6144 - 2 * 90)).toBe(true);
  });

  test('1,000 buckets of one account need 11 policies: an error naming how many fit with the default quota of 10', () => {
    const { stack } = thousandBuckets();
    expect(() => Template.fromStack(stack)).toThrow(new RegExp(
      '\\[Workers/Role\\] the permissions for 1000 data bucket\\(s\\) and 0 name pattern\\(s\\) need 11 managed policies of at most 6144 characters, ' +
      'but maxManagedPolicies is 10: only the first 910 bucket\\(s\\) fit\\. Cover buckets by naming convention with addBucketNamePattern\\(\\), ' +
      'or raise the IAM quota "Managed policies per role" and maxManagedPolicies \\(up to 20\\)\\.$'));
  });

  test('1,000 buckets fit with maxManagedPolicies: 20, in 11 policies under the limit', () => {
    const { stack } = thousandBuckets({ maxManagedPolicies: 20 });
    const docs = deployedDocuments(stack);
    expect(docs).toHaveLength(11);
    docs.forEach((doc) => expect(lengthOf(doc)).toBeLessThanOrEqual(6144));
    const objects = docs.flatMap((d) => d.Statement).filter((s) => asList(s.Action).includes('s3:GetObject')).flatMap((s) => asList(s.Resource));
    expect(objects).toHaveLength(1000);
  });

  test('policies attached by the user count against maxManagedPolicies', () => {
    const make = (max: number) => {
      const s = setup({ maxManagedPolicies: max });
      s.workers.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'));
      new iam.ManagedPolicy(s.stack, 'Mine', { roles: [s.workers.role], statements: [new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: ['*'] })] });
      for (let i = 1; i <= 100; i++) {
        s.workers.addDataBucket(bucket(s.stack, `data-bucket-${String(i).padStart(4, '0')}`));
      }
      return s;
    };
    expect(() => Template.fromStack(make(3).stack))
      .toThrow(/need 2 managed policies of at most 6144 characters, but maxManagedPolicies is 3 and 2 other managed policies are already attached: only the first 9\d bucket\(s\) fit/);
    expect(documents(make(4).stack)).toHaveLength(3);
  });

  test('maxManagedPolicies must be a whole number from 1 to 20', () => {
    for (const bad of [0, 21, 2.5]) {
      expect(() => setup({ maxManagedPolicies: bad }))
        .toThrow(new RegExp(`^\\[Workers/Role\\] maxManagedPolicies ${bad} is invalid: give a whole number from 1 to 20 .*"Managed policies per role" IAM quota`));
    }
    expect(() => setup({ maxManagedPolicies: 20 })).not.toThrow();
    expect(() => setup({ maxManagedPolicies: 1 })).not.toThrow();
  });

  test('maxManagedPolicies of another type (from JavaScript or other languages) is shown with its type', () => {
    expect(() => setup({ maxManagedPolicies: '5' as any }))
      .toThrow(/^\[Workers\/Role\] maxManagedPolicies '5' \(a string\) is invalid: give a whole number from 1 to 20 known at synth time/);
    expect(() => setup({ maxManagedPolicies: true as any })).toThrow(/^\[Workers\/Role\] maxManagedPolicies true \(a boolean\) is invalid: give a whole number/);
  });

  describe('the quota error suggests only the remedies that would help', () => {
    const QUOTA = 'raise the IAM quota "Managed policies per role" and maxManagedPolicies \\(up to 20\\)';
    const addBuckets = (s: ReturnType<typeof setup>, n: number, kms = false) => {
      for (let i = 1; i <= n; i++) {
        const name = `data-bucket-${String(i).padStart(4, '0')}`;
        const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${String(i).padStart(8, '0')}-aaaa-bbbb-cccc-dddddddddddd`;
        s.workers.addDataBucket(kms ? bucket(s.stack, name, EncryptionType.SSE_KMS, { keyArn }) : bucket(s.stack, name));
      }
    };
    const addPatterns = (s: ReturnType<typeof setup>, n: number) => {
      for (let i = 1; i <= n; i++) {
        s.workers.addBucketNamePattern(`data-${String(i).padStart(4, '0')}-*`, { encryption: EncryptionType.SSE_S3 });
      }
    };
    const synthError = (s: ReturnType<typeof setup>) => {
      try {
        Template.fromStack(s.stack);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('expected a quota error');
    };

    test('only name patterns: no "bucket(s) fit", no naming-convention advice, no anyKeyViaS3 without KMS keys', () => {
      const s = setup({ maxManagedPolicies: 1 });
      addPatterns(s, 300);
      expect(synthError(s)).toMatch(new RegExp('\\[Workers/Role\\] the permissions for 0 data bucket\\(s\\) and 300 name pattern\\(s\\) need 3 managed ' +
        `policies of at most 6144 characters, but maxManagedPolicies is 1\\. Use fewer, broader name patterns, or ${QUOTA}\\.$`));
    });

    test('SSE-S3 buckets: no anyKeyViaS3; SSE-KMS buckets: anyKeyViaS3, unless it is on already', () => {
      const sseS3 = setup({ maxManagedPolicies: 1 });
      addBuckets(sseS3, 300);
      expect(synthError(sseS3)).toMatch(new RegExp(`: only the first \\d+ bucket\\(s\\) fit\\. Cover buckets by naming convention with addBucketNamePattern\\(\\), or ${QUOTA}\\.$`));

      const sseKms = setup({ maxManagedPolicies: 1 });
      addBuckets(sseKms, 200, true);
      expect(synthError(sseKms)).toMatch(new RegExp(': only the first \\d+ bucket\\(s\\) fit\\. Cover buckets by naming convention with addBucketNamePattern\\(\\), ' +
        `turn on anyKeyViaS3 \\(no key ARN per bucket\\), or ${QUOTA}\\.$`));

      const anyKey = setup({ maxManagedPolicies: 1, anyKeyViaS3: true });
      addBuckets(anyKey, 300, true);
      expect(synthError(anyKey)).not.toMatch(/turn on anyKeyViaS3/);
    });

    test('at the largest quota, raising it is no remedy; other policies using up the quota leave only detaching them', () => {
      const full = setup({ maxManagedPolicies: 20 });
      for (let i = 1; i <= 19; i++) {
        full.workers.role.addManagedPolicy(iam.ManagedPolicy.fromManagedPolicyName(full.stack, `Other${i}`, `other-${i}`));
      }
      addBuckets(full, 300);
      expect(synthError(full)).toMatch(/and 19 other managed policies are already attached: only the first \d+ bucket\(s\) fit\. Cover buckets by naming convention with addBucketNamePattern\(\), or attach fewer of the 19 other managed policies\.$/);

      const usedUp = setup({ maxManagedPolicies: 2 });
      usedUp.workers.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'));
      usedUp.workers.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchAgentServerPolicy'));
      addBuckets(usedUp, 1);
      expect(synthError(usedUp)).toMatch(new RegExp('but maxManagedPolicies is 2 and 2 other managed policies are already attached: none is left for the data permissions\\. ' +
        `Attach fewer of the 2 other managed policies, or ${QUOTA}\\.$`));
    });

    test('buckets and patterns: when the patterns alone are too many, the advice is about patterns', () => {
      const s = setup({ maxManagedPolicies: 1 });
      addBuckets(s, 5);
      addPatterns(s, 300);
      expect(synthError(s)).toMatch(new RegExp(`is 1: the name patterns alone need 3\\. Use fewer, broader name patterns, or ${QUOTA}\\.$`));
    });
  });

  describe('managed policies attached to the role anywhere in the app count against maxManagedPolicies', () => {
    const logs = [new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: ['*'] })];
    const COUNTED = /maxManagedPolicies is 1 and 1 other managed policies are already attached: none is left for the data permissions/;
    /** A role with room for exactly its own policy, plus what `attach` adds elsewhere. */
    function synth(attach: (app: App, workers: OkeraWorkerRole) => void, props: OkeraWorkerRoleProps = { roleName: 'odas-iam-role' }) {
      const s = setup({ maxManagedPolicies: 1, ...props });
      attach(s.app, s.workers);
      s.workers.addDataBucket(bucket(s.stack, 'data'));
      return () => s.app.synth();
    }
    const other = (app: App, account = ACCOUNT, region = REGION) => new Stack(app, `Other${account}${region}`, { env: { account, region } });

    test('a policy in another stack that names the role, by reference (named or not) or imported by its literal name or ARN', () => {
      expect(synth((app, w) => new iam.ManagedPolicy(other(app), 'P', { roles: [w.role], statements: logs }))).toThrow(COUNTED);
      expect(synth((app, w) => new iam.ManagedPolicy(other(app), 'P', { roles: [w.role], statements: logs }), {})).toThrow(COUNTED);
      expect(synth((app) => {
        const o = other(app);
        new iam.ManagedPolicy(o, 'P', { roles: [iam.Role.fromRoleName(o, 'R', 'odas-iam-role')], statements: logs });
      })).toThrow(COUNTED);
      expect(synth((app) => {
        const o = other(app, ACCOUNT, 'eu-west-1');
        new iam.ManagedPolicy(o, 'P', { roles: [iam.Role.fromRoleArn(o, 'R', `arn:aws:iam::${ACCOUNT}:role/odas-iam-role`)], statements: logs });
      })).toThrow(COUNTED);
      expect(synth((app) => new iam.CfnManagedPolicy(other(app), 'P', {
        roles: ['odas-iam-role'], policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' }] },
      }))).toThrow(COUNTED);
    });

    test('not a role of the same name in another account, nor another role', () => {
      expect(synth((app) => {
        const o = other(app, OTHER_ACCOUNT);
        new iam.ManagedPolicy(o, 'P', { roles: [iam.Role.fromRoleName(o, 'R', 'odas-iam-role')], statements: logs });
      })).not.toThrow();
      expect(synth((app) => {
        const o = other(app);
        new iam.ManagedPolicy(o, 'P', { roles: [new iam.Role(o, 'Else', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') })], statements: logs });
      })).not.toThrow();
    });

    test('counting changes no other resource: a lazy roles list that an aspect extends later keeps every role', () => {
      const s = setup({ roleName: 'odas-iam-role' });
      s.workers.addDataBucket(bucket(s.stack, 'data'));
      const names = ['first-role'];
      const o = new Stack(s.app, 'Other', { env: { account: ACCOUNT, region: REGION } });
      new iam.CfnManagedPolicy(o, 'Lazy', {
        roles: Lazy.list({ produce: () => [...names] }),
        policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' }] },
      });
      // Visited after the worker role renders its policies (a later stack, default priority).
      Aspects.of(o).add({ visit: (c) => { if (c instanceof iam.CfnManagedPolicy && !names.includes('second-role')) names.push('second-role'); } });
      const roles = Object.values<any>(Template.fromStack(o).findResources('AWS::IAM::ManagedPolicy'))[0].Properties.Roles;
      expect(roles).toEqual(['first-role', 'second-role']);
    });
  });

  test('no inline policy anywhere, whatever was added', () => {
    const { app, stack, workers } = setup({ anyKeyViaS3: true, anyKeyRegions: [REGION] });
    const data = new OkeraDataBucket(stack, 'Data', { encryption: EncryptionType.SSE_KMS });
    data.grantReadWrite(workers, 'in');
    workers.addDataBucket(bucket(stack, 'xxx'));
    workers.addBucketNamePattern('team-*', {});
    app.synth();
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
    expect(documents(stack).length).toBeGreaterThan(0);
  });
});
