import { bucketPolicy, evaluateInApp, keyPolicy, rolePolicies } from './policies';
import { resolveTemplates, StackTemplate } from './resolve-templates';

const A = { account: '111111111111', region: 'us-east-1' };
const B = { account: '222222222222', region: 'us-east-1' };
const doc = (sid: string) => ({ Version: '2012-10-17', Statement: [{ Sid: sid, Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const sids = (policies: { policy: any }[]) => policies.map((p) => p.policy.Statement[0].Sid).sort();

function app(roleProps: any, extra: Record<string, any> = {}, others: StackTemplate[] = []) {
  return resolveTemplates([{
    stackName: 'Workers',
    ...B,
    template: {
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'odas-iam-role', AssumeRolePolicyDocument: {}, ...roleProps } },
        ...extra,
      },
    },
  }, ...others]);
}
const ROLE = 'arn:aws:iam::222222222222:role/odas-iam-role';

describe('rolePolicies', () => {
  test('collects inline, attached-by-ARN, attached-by-Roles and AWS::IAM::Policy documents, once each', () => {
    const resolved = app({
      Policies: [{ PolicyName: 'inline', PolicyDocument: doc('RoleInline') }],
      ManagedPolicyArns: [{ Ref: 'ByArn' }, { Ref: 'Both' }],
    }, {
      ByArn: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc('ByArn') } },
      ByRoles: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc('ByRoles'), Roles: [{ Ref: 'Role' }] } },
      Both: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc('Both'), Roles: [{ Ref: 'Role' }] } },
      Inline: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'p', PolicyDocument: doc('PolicyResource'), Roles: ['odas-iam-role'] } },
      OtherRole: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'q', PolicyDocument: doc('NotMine'), Roles: ['someone-else'] } },
    });
    expect(sids(rolePolicies(resolved, ROLE).identityPolicies)).toEqual(['Both', 'ByArn', 'ByRoles', 'PolicyResource', 'RoleInline']);
  });

  test('a policy naming a role of the same name in another account is not the role\'s', () => {
    const sameNameElsewhere: StackTemplate = {
      stackName: 'Elsewhere',
      ...A,
      template: { Resources: { P: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc('Elsewhere'), Roles: ['odas-iam-role'] } } } },
    };
    expect(rolePolicies(app({}, {}, [sameNameElsewhere]), ROLE).identityPolicies).toEqual([]);
  });

  test('returns the permissions boundary', () => {
    const resolved = app({ PermissionsBoundary: { Ref: 'Boundary' } }, {
      Boundary: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc('Boundary') } },
    });
    expect(rolePolicies(resolved, ROLE).permissionsBoundary.Statement[0].Sid).toBe('Boundary');
  });

  test('fails on a managed policy whose content is not in the app, and on an unknown role', () => {
    const resolved = app({ ManagedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] });
    expect(() => rolePolicies(resolved, ROLE)).toThrow(/found 0 of managed policy attached to .*ReadOnlyAccess; AWS managed policies and policies outside the app are not modelled/);
    expect(() => rolePolicies(resolved, 'arn:aws:iam::222222222222:role/nobody')).toThrow(/found 0 of role/);
  });
});

describe('bucketPolicy and keyPolicy', () => {
  const resolved = resolveTemplates([{
    stackName: 'Data',
    ...A,
    template: {
      Resources: {
        Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'data-bucket' } },
        Bare: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'bare-bucket' } },
        Policy: { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: { Ref: 'Bucket' }, PolicyDocument: doc('BucketPolicy') } },
        Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: doc('KeyPolicy') } },
        DefaultKey: { Type: 'AWS::KMS::Key', Properties: {} },
      },
    },
  }]);

  test('finds the bucket policy by bucket name or ARN; none for a bucket without one', () => {
    expect(bucketPolicy(resolved, 'data-bucket').Statement[0].Sid).toBe('BucketPolicy');
    expect(bucketPolicy(resolved, 'arn:aws:s3:::data-bucket').Statement[0].Sid).toBe('BucketPolicy');
    expect(bucketPolicy(resolved, 'bare-bucket')).toBeUndefined();
    expect(() => bucketPolicy(resolved, 'imported-bucket')).toThrow(/found 0 of bucket imported-bucket/);
    expect(resolved.bucketAccount('arn:aws:s3:::data-bucket')).toBe('111111111111');
  });

  test('finds the key policy by key ARN; a key without one gets KMS\'s default (account root)', () => {
    expect(keyPolicy(resolved, resolved.getAtt('Data', 'Key', 'Arn')).Statement[0].Sid).toBe('KeyPolicy');
    expect(keyPolicy(resolved, resolved.getAtt('Data', 'DefaultKey', 'Arn')).Statement[0].Principal).toEqual({ AWS: 'arn:aws:iam::111111111111:root' });
    expect(() => keyPolicy(resolved, 'arn:aws:kms:us-east-1:111111111111:key/nope')).toThrow(/found 0 of key/);
  });
});

describe('evaluateInApp', () => {
  const resolved = resolveTemplates([
    {
      stackName: 'Data',
      ...A,
      template: {
        Resources: {
          Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'data-bucket' } },
          Policy: {
            Type: 'AWS::S3::BucketPolicy',
            Properties: {
              Bucket: { Ref: 'Bucket' },
              PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 's3:GetObject', Resource: { 'Fn::Sub': '${Bucket.Arn}/*' } }] },
            },
          },
        },
      },
    },
    {
      stackName: 'Workers',
      ...B,
      template: {
        Resources: {
          Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'odas-iam-role', AssumeRolePolicyDocument: {}, ManagedPolicyArns: [{ Ref: 'Read' }] } },
          Read: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data-bucket/*' }] } } },
        },
      },
    },
  ]);

  test('uses the role\'s policies, the bucket policy and the bucket\'s account from the app', async () => {
    const result = await evaluateInApp(resolved, { principal: ROLE, action: 's3:GetObject', resource: 'arn:aws:s3:::data-bucket/a.parquet' });
    expect(result.sameAccount).toBe(false);
    expect(result.decision).toBe('Allowed');
    const withoutBucketPolicy = await evaluateInApp(resolved, { principal: ROLE, action: 's3:GetObject', resource: 'arn:aws:s3:::data-bucket/a.parquet', resourcePolicy: null });
    expect(withoutBucketPolicy.decision).toBe('ImplicitlyDenied');
  });

  test('a bucket outside the app needs an explicit resource policy', async () => {
    await expect(evaluateInApp(resolved, { principal: ROLE, action: 's3:GetObject', resource: 'arn:aws:s3:::elsewhere/a' })).rejects.toThrow(/found 0 of bucket elsewhere/);
  });
});
