import { App, CfnOutput, CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import { include, template } from './helpers';
import { AppModel, display, StackModel, UNKNOWN } from '../../src/nag/model';

function model(resources: Record<string, object>, rest: object = {}, env?: { account: string; region: string }): { m: AppModel; s: StackModel } {
  const { app } = include(template(resources, rest), { env });
  const m = AppModel.of(app);
  return { m, s: m.stacks[0] };
}

describe('AppModel.strings', () => {
  const parameters = { Parameters: { Name: { Type: 'String' } } };
  const resources = {
    Named: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { Ref: 'Name' } } },
    Anonymous: { Type: 'AWS::S3::Bucket' },
    Key: { Type: 'AWS::KMS::Key', Properties: {} },
    Role: { Type: 'AWS::IAM::Role', Properties: { Path: '/service-role/', RoleName: 'odas-iam-role', AssumeRolePolicyDocument: {} } },
    Alias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/data', TargetKeyId: { Ref: 'Key' } } },
  };

  test('a bucket\'s Ref is its BucketName, and its Arn is built from it, so differently built ARNs meet', () => {
    const { m, s } = model(resources, parameters);
    expect(m.strings(s, { Ref: 'Named' })).toEqual(['{{Param:Stack/Name}}']);
    expect(m.strings(s, { 'Fn::GetAtt': ['Named', 'Arn'] })).toEqual(['arn:aws:s3:::{{Param:Stack/Name}}']);
    expect(m.strings(s, { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Name}/*' })).toEqual(['arn:aws:s3:::{{Param:Stack/Name}}/*']);
    expect(m.strings(s, { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Anonymous', 'Arn'] }, '/*']] })).toEqual(['arn:aws:s3:::{{Ref:Stack/Anonymous}}/*']);
  });

  test('keys, roles and aliases', () => {
    const { m, s } = model(resources, parameters, { account: '111111111111', region: 'eu-west-1' });
    expect(m.strings(s, { 'Fn::GetAtt': ['Key', 'Arn'] })).toEqual(['arn:aws:kms:eu-west-1:111111111111:key/{{Ref:Stack/Key}}']);
    expect(m.strings(s, { 'Fn::Sub': '${Key.Arn}' })).toEqual(['arn:aws:kms:eu-west-1:111111111111:key/{{Ref:Stack/Key}}']);
    expect(m.strings(s, { 'Fn::GetAtt': ['Role', 'Arn'] })).toEqual(['arn:aws:iam::111111111111:role/service-role/odas-iam-role']);
    expect(m.strings(s, { Ref: 'Alias' })).toEqual(['alias/data']);
  });

  test('pseudo parameters: known environment values, placeholders otherwise', () => {
    const known = model({}, {}, { account: '111111111111', region: 'eu-west-1' });
    expect(known.m.strings(known.s, { 'Fn::Sub': 's3.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}' })).toEqual(['s3.eu-west-1.amazonaws.com/111111111111']);
    const agnostic = model({});
    expect(agnostic.m.strings(agnostic.s, { 'Fn::Sub': 's3.${AWS::Region}.amazonaws.com' })).toEqual(['s3.{{AWS::Region}}.amazonaws.com']);
  });

  test('Fn::Sub with a variable map and escapes; Fn::If gives both branches; Fn::Select picks', () => {
    const { m, s } = model(resources, { ...parameters, Conditions: { C: { 'Fn::Equals': ['a', 'b'] } } });
    expect(m.strings(s, { 'Fn::Sub': ['${B}/${!Literal}', { B: { 'Fn::GetAtt': ['Named', 'Arn'] } }] })).toEqual(['arn:aws:s3:::{{Param:Stack/Name}}/${Literal}']);
    expect(m.strings(s, { 'Fn::If': ['C', 'aws:kms', 'AES256'] })).toEqual(['aws:kms', 'AES256']);
    expect(m.strings(s, { 'Fn::Select': [1, ['a', 'b']] })).toEqual(['b']);
    expect(m.strings(s, { 'Fn::GetAZs': '' })).toEqual([UNKNOWN]);
  });

  test('Fn::ImportValue follows an export of another stack of the app', () => {
    const app = new App();
    const producer = new Stack(app, 'Producer');
    const bucket = new CfnResource(producer, 'Bucket', { type: 'AWS::S3::Bucket', properties: { BucketName: 'shared-data' } });
    new CfnOutput(producer, 'Out', { value: bucket.getAtt('Arn').toString(), exportName: 'SharedBucketArn' });
    const consumer = new Stack(app, 'Consumer');
    new CfnParameter(consumer, 'Unused');
    const m = AppModel.of(app);
    const s = m.stacks.find((x) => x.id === 'Consumer')!;
    expect(m.strings(s, { 'Fn::ImportValue': 'SharedBucketArn' })).toEqual(['arn:aws:s3:::shared-data']);
    expect(m.strings(s, { 'Fn::ImportValue': 'Missing' })).toEqual([UNKNOWN]);
  });
});

describe('AppModel.variants / items / lowerBound', () => {
  const { m, s } = model({}, { Conditions: { C: { 'Fn::Equals': ['a', 'b'] }, D: { 'Fn::Equals': ['a', 'b'] } } });

  test('the same condition takes the same branch everywhere, and AWS::NoValue disappears', () => {
    const value = {
      SSEAlgorithm: { 'Fn::If': ['C', 'aws:kms', 'AES256'] },
      KMSMasterKeyID: { 'Fn::If': ['C', 'key', { Ref: 'AWS::NoValue' }] },
    };
    expect(m.variants(value)).toEqual([{ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'key' }, { SSEAlgorithm: 'AES256' }]);
    expect(m.variants({ a: { 'Fn::If': ['C', 1, 2] }, b: { 'Fn::If': ['D', 3, 4] } })).toHaveLength(4);
    expect(m.variants(undefined)).toEqual([undefined]);
  });

  test('items flattens Fn::If elements and drops AWS::NoValue', () => {
    expect(m.items(['a', { 'Fn::If': ['C', 'b', { Ref: 'AWS::NoValue' }] }, { Ref: 'AWS::NoValue' }])).toEqual(['a', 'b']);
    expect(m.items('single')).toEqual(['single']);
  });

  test('lowerBound renders intrinsics at their shortest', () => {
    expect(m.lowerBound(s, { a: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' }, b: { 'Fn::If': ['C', 'long-value', 'x'] } }))
      .toEqual({ a: 'arn:aws:iam::000000000000:root', b: 'x' });
  });
});

test('display turns placeholders into ${Name}', () => {
  expect(display('arn:aws:iam::{{Param:Data/Stack/AccountIdSource}}:root in {{AWS::Region}} {{Ref:S/Key}} {{?}}'))
    .toEqual('arn:aws:iam::${AccountIdSource}:root in ${AWS::Region} ${Key} ?');
});

describe('AppModel: elements that cannot render', () => {
  test('are recorded with their path and reason, not silently skipped', () => {
    const { m } = model({ B: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: 'oops' } }, Ok: { Type: 'AWS::S3::Bucket' } });
    expect(m.unrendered).toEqual([{ path: 'Stack/Template/B', reason: expect.stringContaining('Supplied properties not correct for "CfnBucketProps"') }]);
    expect(m.resources('AWS::S3::Bucket').map((r) => r.logicalId)).toEqual(['Ok']);
  });
});
