import { App, CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { resolveTemplates, StackTemplate } from './resolve-templates';

const A = { account: '111111111111', region: 'us-east-1' };
const B = { account: '222222222222', region: 'eu-west-1' };

function tpl(stackName: string, env: { account: string; region: string }, template: any): StackTemplate {
  return { stackName, ...env, template };
}

/** Resolve one output value of a single hand-written stack. */
function resolveOne(value: any, template: any = {}, env = A): any {
  const app = resolveTemplates([tpl('S', env, { ...template, Outputs: { ...template.Outputs, X: { Value: value } } })]);
  return app.stack('S').template.Outputs.X.Value;
}

describe('pseudo parameters', () => {
  test('come from each stack own environment', () => {
    const value = { 'Fn::Sub': '${AWS::AccountId}|${AWS::Region}|${AWS::Partition}|${AWS::URLSuffix}|${AWS::StackName}' };
    const app = resolveTemplates([
      tpl('InA', A, { Outputs: { X: { Value: value } } }),
      tpl('InB', B, { Outputs: { X: { Value: value } } }),
      tpl('InChina', { account: '333333333333', region: 'cn-north-1' }, { Outputs: { X: { Value: value } } }),
    ]);
    expect(app.stack('InA').template.Outputs.X.Value).toBe('111111111111|us-east-1|aws|amazonaws.com|InA');
    expect(app.stack('InB').template.Outputs.X.Value).toBe('222222222222|eu-west-1|aws|amazonaws.com|InB');
    expect(app.stack('InChina').template.Outputs.X.Value).toBe('333333333333|cn-north-1|aws-cn|amazonaws.com.cn|InChina');
  });
});

describe('Ref and Fn::GetAtt', () => {
  const resources = {
    Named: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': 'data-${AWS::AccountId}' } } },
    Unnamed: { Type: 'AWS::S3::Bucket' },
    Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: {} } },
    Key2: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: {} } },
    Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'odas-iam-role', Path: '/okera/' } },
    GeneratedRole: { Type: 'AWS::IAM::Role', Properties: {} },
    Policy: { Type: 'AWS::IAM::ManagedPolicy', Properties: { ManagedPolicyName: 'okera-data', Path: '/okera/', PolicyDocument: {} } },
    Profile: { Type: 'AWS::IAM::InstanceProfile', Properties: { InstanceProfileName: 'okera-workers', Roles: [{ Ref: 'Role' }] } },
  };

  test('a bucket resolves to its BucketName, its ARN and domain names', () => {
    expect(resolveOne({ Ref: 'Named' }, { Resources: resources })).toBe('data-111111111111');
    expect(resolveOne({ 'Fn::GetAtt': ['Named', 'Arn'] }, { Resources: resources })).toBe('arn:aws:s3:::data-111111111111');
    expect(resolveOne({ 'Fn::GetAtt': 'Named.RegionalDomainName' }, { Resources: resources })).toBe('data-111111111111.s3.us-east-1.amazonaws.com');
  });

  test('a bucket without a name gets a stable, valid, made-up lowercase name', () => {
    const name = resolveOne({ Ref: 'Unnamed' }, { Resources: resources });
    expect(name).toMatch(/^[a-z0-9][a-z0-9-]{2,62}$/);
    expect(name).toMatch(/^s-unnamed-/);
    expect(resolveOne({ Ref: 'Unnamed' }, { Resources: resources })).toBe(name);
  });

  test('a KMS key has a uuid-like id, a key ARN in its stack environment, and keys differ', () => {
    const arn = resolveOne({ 'Fn::GetAtt': ['Key', 'Arn'] }, { Resources: resources }, B);
    expect(arn).toMatch(/^arn:aws:kms:eu-west-1:222222222222:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(arn.endsWith(`key/${resolveOne({ Ref: 'Key' }, { Resources: resources }, B)}`)).toBe(true);
    expect(resolveOne({ 'Fn::GetAtt': ['Key2', 'Arn'] }, { Resources: resources }, B)).not.toBe(arn);
  });

  test('IAM roles, managed policies and instance profiles resolve with names and paths', () => {
    expect(resolveOne({ 'Fn::GetAtt': ['Role', 'Arn'] }, { Resources: resources })).toBe('arn:aws:iam::111111111111:role/okera/odas-iam-role');
    expect(resolveOne({ Ref: 'Role' }, { Resources: resources })).toBe('odas-iam-role');
    expect(resolveOne({ 'Fn::GetAtt': ['GeneratedRole', 'Arn'] }, { Resources: resources })).toMatch(/^arn:aws:iam::111111111111:role\/S-GeneratedRole-[0-9A-F]{12}$/);
    expect(resolveOne({ Ref: 'Policy' }, { Resources: resources })).toBe('arn:aws:iam::111111111111:policy/okera/okera-data');
    expect(resolveOne({ 'Fn::GetAtt': ['Profile', 'Arn'] }, { Resources: resources })).toBe('arn:aws:iam::111111111111:instance-profile/okera-workers');
  });

  test('properties referencing other resources are resolved in the template', () => {
    const app = resolveTemplates([tpl('S', A, { Resources: resources })]);
    expect(app.stack('S').template.Resources.Profile.Properties.Roles).toEqual(['odas-iam-role']);
  });
});

describe('string functions', () => {
  const resources = { Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'data' } } };

  test('Fn::Join joins resolved parts, including a list produced by another function', () => {
    expect(resolveOne({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Bucket' }, '/*']] }, { Resources: resources })).toBe('arn:aws:s3:::data/*');
    expect(resolveOne({ 'Fn::Join': ['+', { 'Fn::Split': [',', 'a,b,c'] }] })).toBe('a+b+c');
  });

  test('Fn::Sub in both forms, with resource attributes and escaped literals', () => {
    expect(resolveOne({ 'Fn::Sub': '${Bucket.Arn}/${!Literal}/${Bucket}' }, { Resources: resources })).toBe('arn:aws:s3:::data/${Literal}/data');
    expect(resolveOne({ 'Fn::Sub': ['${Name}-${AWS::Region}', { Name: { Ref: 'Bucket' } }] }, { Resources: resources })).toBe('data-us-east-1');
  });

  test('Fn::Select over Fn::Split picks an ARN part', () => {
    expect(resolveOne({ 'Fn::Select': [4, { 'Fn::Split': [':', 'arn:aws:kms:us-east-1:111111111111:key/abc'] }] })).toBe('111111111111');
    expect(resolveOne({ 'Fn::Select': ['1', ['x', 'y']] })).toBe('y');
  });

  test('Fn::If follows conditions, and AWS::NoValue removes the property', () => {
    const template = {
      Conditions: {
        InUsEast1: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] },
        NotThere: { 'Fn::Not': [{ Condition: 'InUsEast1' }] },
      },
      Resources: {
        Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::If': ['InUsEast1', 'east', 'other'] }, Tags: { 'Fn::If': ['NotThere', [], { Ref: 'AWS::NoValue' }] } } },
        Skipped: { Type: 'AWS::S3::Bucket', Condition: 'NotThere' },
      },
    };
    const app = resolveTemplates([tpl('S', A, template)]);
    expect(app.stack('S').template.Resources.Bucket.Properties).toEqual({ BucketName: 'east' });
    expect(app.stack('S').template.Resources.Skipped).toBeUndefined();
  });
});

describe('cross-stack references', () => {
  test('Fn::ImportValue follows the Output exported under that name, in another stack', () => {
    const app = resolveTemplates([
      tpl('Consumer', A, { Outputs: { X: { Value: { 'Fn::ImportValue': 'data-key-arn' } } } }),
      tpl('Producer', A, {
        Resources: { Key: { Type: 'AWS::KMS::Key', Properties: {} } },
        Outputs: { KeyArn: { Value: { 'Fn::GetAtt': ['Key', 'Arn'] }, Export: { Name: { 'Fn::Sub': 'data-key-arn' } } } },
      }),
    ]);
    expect(app.stack('Consumer').template.Outputs.X.Value).toBe(app.getAtt('Producer', 'Key', 'Arn'));
  });

  test('a cross-region reference reads the value the producer stack writer exports to the reader region', () => {
    // The shape CDK synthesizes with crossRegionReferences: true (a real synth costs ~13 s of asset staging).
    const name = '/cdk/exports/Consumer/ProducerUseast1FnGetAttBucketArn';
    const app = resolveTemplates([
      tpl('Producer', A, {
        Resources: {
          Bucket: { Type: 'AWS::S3::Bucket' },
          Writer: { Type: 'Custom::CrossRegionExportWriter', Properties: { WriterProps: { region: 'eu-west-1', exports: { [name]: { 'Fn::GetAtt': ['Bucket', 'Arn'] } } } } },
        },
      }),
      tpl('Consumer', { ...A, region: 'eu-west-1' }, {
        Resources: { Reader: { Type: 'Custom::CrossRegionExportReader', Properties: { ReaderProps: { region: 'eu-west-1', imports: { [name]: `{{resolve:ssm:${name}}}` } } } } },
        Outputs: { X: { Value: { 'Fn::GetAtt': ['Reader', name] } } },
      }),
    ]);
    expect(app.stack('Consumer').template.Outputs.X.Value).toBe(app.getAtt('Producer', 'Bucket', 'Arn'));
  });

  test('a real CDK app: same-account export and cross-account Fn::GetStackOutput', () => {
    const cdkApp = new App();
    const producer = new Stack(cdkApp, 'Producer', { env: A });
    const bucket = new s3.Bucket(producer, 'Bucket');
    const key = new kms.Key(producer, 'Key');
    const sameAccount = new Stack(cdkApp, 'SameAccount', { env: A });
    new s3.Bucket(sameAccount, 'Other');
    new CfnOutput(sameAccount, 'BucketArn', { value: bucket.bucketArn });
    const otherAccount = new Stack(cdkApp, 'OtherAccount', { env: B });
    new s3.Bucket(otherAccount, 'Other');
    new CfnOutput(otherAccount, 'KeyArn', { value: key.keyArn });

    const app = resolveTemplates(cdkApp.synth());
    const bucketArn = app.resolveIn(producer, bucket.bucketArn);
    expect(bucketArn).toMatch(/^arn:aws:s3:::producer-bucket/);
    expect(JSON.stringify(cdkApp.synth().getStackByName('SameAccount').template)).toContain('Fn::ImportValue');
    expect(app.stack(sameAccount).template.Outputs.BucketArn.Value).toBe(bucketArn);
    expect(JSON.stringify(cdkApp.synth().getStackByName('OtherAccount').template)).toContain('Fn::GetStackOutput');
    expect(app.stack(otherAccount).template.Outputs.KeyArn.Value).toBe(app.resolveIn(producer, key.keyArn));
  });
});

describe('a real CDK stack resolves completely', () => {
  test('no intrinsic is left anywhere in resources or outputs, and values match what CDK referenced', () => {
    const cdkApp = new App();
    const stack = new Stack(cdkApp, 'Data', { env: A });
    const key = new kms.Key(stack, 'Key');
    const bucket = new s3.Bucket(stack, 'Bucket', { encryptionKey: key, autoDeleteObjects: true, removalPolicy: RemovalPolicy.DESTROY, enforceSSL: true });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    bucket.grantRead(role);
    const app = resolveTemplates(stack);
    const text = JSON.stringify({ r: app.stack('Data').template.Resources, o: app.stack('Data').template.Outputs });
    expect(text).not.toMatch(/"Ref"|"Fn::|\$\{Token\[/);
    expect(app.resolveIn(stack, role.roleArn)).toBe(app.getAtt('Data', stack.getLogicalId(role.node.defaultChild as iam.CfnRole), 'Arn'));
    expect(text).toContain(app.resolveIn(stack, key.keyArn));
  });
});

describe('fails loudly', () => {
  test.each([
    ['an unsupported function', { 'Fn::Cidr': ['10.0.0.0/16', 2, 8] }, /Fn::Cidr is not supported/],
    ['an attribute that is not modelled', { 'Fn::GetAtt': ['Bucket', 'MetadataTableConfiguration.S3TablesDestination.TableArn'] }, /Fn::GetAtt AWS::S3::Bucket\.MetadataTableConfiguration.*not modelled/],
    ['a Ref to a resource type that is not modelled', { Ref: 'Queue' }, /Ref to AWS::SQS::Queue 'Queue' is not modelled/],
    ['a Ref to a missing resource', { Ref: 'Nope' }, /S Outputs\/X\/Value: no resource 'Nope'/],
    ['an import nobody exports', { 'Fn::ImportValue': 'nothing' }, /Fn::ImportValue 'nothing': 0 stacks export it/],
    ['an SSM parameter whose value is unknown offline', { Ref: 'BootstrapVersion' }, /parameter 'BootstrapVersion' has no usable Default/],
    ['a Fn::Sub variable that does not exist', { 'Fn::Sub': '${Missing}' }, /Fn::Sub variable \$\{Missing\}/],
    ['a left-over CDK token', '${Token[TOKEN.123]}', /unresolved CDK token/],
    ['an out-of-range Fn::Select', { 'Fn::Select': [2, ['a']] }, /out of range/],
  ])('%s', (_name, value, message) => {
    const template = {
      Parameters: { BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/hnb659fds/version' } },
      Resources: { Bucket: { Type: 'AWS::S3::Bucket' }, Queue: { Type: 'AWS::SQS::Queue' } },
    };
    expect(() => resolveOne(value, template)).toThrow(message);
  });

  test('an environment-agnostic stack', () => {
    const cdkApp = new App();
    const stack = new Stack(cdkApp, 'Agnostic');
    new s3.Bucket(stack, 'Bucket');
    expect(() => resolveTemplates(stack)).toThrow(/Agnostic is environment-agnostic.*give it an explicit env/);
  });

  test('a circular reference', () => {
    const template = { Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::GetAtt': ['Bucket', 'Arn'] } } } } };
    expect(() => resolveTemplates([tpl('S', A, template)])).toThrow(/circular reference through S Ref Bucket/);
  });

  test('looking up a stack that is not there', () => {
    expect(() => resolveTemplates([tpl('S', A, {})]).stack('T')).toThrow(/no single stack 'T' \(have: S\)/);
  });
});
