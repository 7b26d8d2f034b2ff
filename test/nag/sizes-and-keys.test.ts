import { arnOf, bucket, check, COMPLIANT, include, NON_COMPLIANT, NOT_APPLICABLE, template } from './helpers';
import { IamInlinePolicySize } from '../../src/nag/rules/iam-inline-policy-size';
import { IamManagedPolicySize } from '../../src/nag/rules/iam-managed-policy-size';
import { KmsCrossAccountWriteOnly } from '../../src/nag/rules/kms-cross-account-write-only';
import { KmsKeyPolicySize } from '../../src/nag/rules/kms-key-policy-size';
import { KmsKeyRotation } from '../../src/nag/rules/kms-key-rotation';

const ENV = { account: '111111111111', region: 'us-east-1' };
const account = (i: number) => String(100000000000 + i);

/** A policy document of exactly `size` characters of compact JSON (`pad` grows the Sid). */
function documentOfSize(size: number, statement: object): object {
  const base = { Version: '2012-10-17', Statement: [{ Sid: '', ...statement }] };
  const sid = 'x'.repeat(size - JSON.stringify(base).length);
  return { Version: '2012-10-17', Statement: [{ Sid: sid, ...statement }] };
}

describe('Okera-KmsKeyPolicySize', () => {
  const statement = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'kms:*', Resource: '*' };

  test('32,768 bytes pass, one more fails with the size and the organization fix', () => {
    const { app } = include(template({
      AtLimit: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: documentOfSize(32_768, statement) } },
      OverLimit: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: documentOfSize(32_769, statement) } },
    }));
    expect(check(KmsKeyPolicySize, app, 'AtLimit').compliance).toBe(COMPLIANT);
    const result = check(KmsKeyPolicySize, app, 'OverLimit');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain('at least 32769 bytes');
    expect(result.message).toContain('aws:PrincipalOrgID');
  });

  test('1,000 account principals do not fit', () => {
    const principals = Array.from({ length: 1000 }, (_, i) => `arn:aws:iam::${account(i)}:root`);
    const { app } = include(template({
      Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [{ ...statement, Principal: { AWS: principals }, Action: 'kms:Decrypt' }] } } },
    }));
    expect(check(KmsKeyPolicySize, app, 'Key').compliance).toBe(NON_COMPLIANT);
  });
});

describe('Okera-IamManagedPolicySize', () => {
  const statement = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };

  test('6,144 characters pass, 6,145 fail; whitespace does not count', () => {
    const spaced = { Version: '2012-10-17', Statement: [{ Sid: ' '.repeat(7000), ...statement }] };
    const { app } = include(template({
      AtLimit: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: documentOfSize(6_144, statement) } },
      OverLimit: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: documentOfSize(6_145, statement) } },
      Spaced: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: spaced } },
    }));
    expect(check(IamManagedPolicySize, app, 'AtLimit').compliance).toBe(COMPLIANT);
    expect(check(IamManagedPolicySize, app, 'OverLimit').message).toContain('at least 6145 characters');
    expect(check(IamManagedPolicySize, app, 'Spaced').compliance).toBe(COMPLIANT);
  });

  test('unresolved parts count as their shortest value (no false positive from intrinsic JSON)', () => {
    const resources = Array.from({ length: 100 }, (_, i) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::bucket-${i}/*`]] }));
    const { app } = include(template({ P: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: [{ ...statement, Resource: resources }] } } } }));
    // 100 ARNs of ~26 characters: ~2,900 characters deployed, though the Fn::Join JSON is longer than 6,144.
    expect(JSON.stringify(resources).length).toBeGreaterThan(6_144);
    expect(check(IamManagedPolicySize, app, 'P').compliance).toBe(COMPLIANT);
  });
});

describe('Okera-IamInlinePolicySize', () => {
  const role = (policies: object[]) => ({
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      Policies: policies,
    },
  });
  const statement = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };

  test('a role\'s inline policies and attached AWS::IAM::Policy resources add up past 10,240 characters', () => {
    const { app } = include(template({
      Big: role([{ PolicyName: 'a', PolicyDocument: documentOfSize(6_000, statement) }]),
      DefaultPolicy: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'b', Roles: [{ Ref: 'Big' }], PolicyDocument: documentOfSize(5_000, statement) } },
      Small: role([{ PolicyName: 'a', PolicyDocument: documentOfSize(6_000, statement) }]),
    }));
    const result = check(IamInlinePolicySize, app, 'Big');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain('at least 11000 characters in total');
    expect(result.message).toContain("Policy 'DefaultPolicy'");
    expect(check(IamInlinePolicySize, app, 'Small').compliance).toBe(COMPLIANT);
  });

  test('users have a 2,048-character quota; principals without inline policies are not applicable', () => {
    const { app } = include(template({
      User: { Type: 'AWS::IAM::User', Properties: { Policies: [{ PolicyName: 'a', PolicyDocument: documentOfSize(2_100, statement) }] } },
      Bare: role([]),
    }));
    expect(check(IamInlinePolicySize, app, 'User').message).toContain('at most 2048');
    expect(check(IamInlinePolicySize, app, 'Bare').compliance).toBe(NOT_APPLICABLE);
  });
});

describe('Okera-KmsKeyRotation (warning)', () => {
  test('symmetric keys without rotation are reported; rotating, asymmetric and parameter-driven keys are not', () => {
    const { app } = include(template({
      Off: { Type: 'AWS::KMS::Key', Properties: {} },
      Explicit: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: false } },
      On: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } },
      Rsa: { Type: 'AWS::KMS::Key', Properties: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' } },
      Param: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: { Ref: 'Rotate' } } },
    }, { Parameters: { Rotate: { Type: 'String' } } }));
    expect(check(KmsKeyRotation, app, 'Off').message).toContain('without automatic rotation');
    expect(check(KmsKeyRotation, app, 'Explicit').compliance).toBe(NON_COMPLIANT);
    expect(check(KmsKeyRotation, app, 'On').compliance).toBe(COMPLIANT);
    expect(check(KmsKeyRotation, app, 'Rsa').compliance).toBe(NOT_APPLICABLE);
    expect(check(KmsKeyRotation, app, 'Param').compliance).toBe(NOT_APPLICABLE);
  });
});

describe('Okera-KmsCrossAccountWriteOnly (warning)', () => {
  const keyWith = (statements: object[]) => ({ Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true, KeyPolicy: { Statement: statements } } });
  const own = { Effect: 'Allow', Principal: { AWS: { 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:root' } }, Action: 'kms:*', Resource: '*' };
  const grant = (actions: string[], principal = 'arn:aws:iam::222222222222:root') => ({ Effect: 'Allow', Principal: { AWS: principal }, Action: actions, Resource: '*' });

  test('another account with GenerateDataKey* but no Decrypt on a bucket key is reported', () => {
    const { app } = include(template({
      Key: keyWith([own, grant(['kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'])]),
      B: bucket('aws:kms', { key: arnOf('Key'), bucketKey: true }),
    }), { env: ENV });
    const result = check(KmsCrossAccountWriteOnly, app, 'Key');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain('arn:aws:iam::222222222222:root generate data keys or encrypt, but not kms:Decrypt');
    expect(result.message).toContain('multipart uploads fail');
  });

  test('read-only and read-write grants are fine, and so is a key no bucket uses', () => {
    const readOnly = include(template({ Key: keyWith([own, grant(['kms:Decrypt'])]), B: bucket('aws:kms', { key: arnOf('Key') }) }), { env: ENV });
    expect(check(KmsCrossAccountWriteOnly, readOnly.app, 'Key').compliance).toBe(COMPLIANT);
    const readWrite = include(template({
      Key: keyWith([own, grant(['kms:GenerateDataKey*']), grant(['kms:Decrypt'])]), B: bucket('aws:kms', { key: arnOf('Key') }),
    }), { env: ENV });
    expect(check(KmsCrossAccountWriteOnly, readWrite.app, 'Key').compliance).toBe(COMPLIANT);
    const unused = include(template({ Key: keyWith([own, grant(['kms:GenerateDataKey*'])]) }), { env: ENV });
    expect(check(KmsCrossAccountWriteOnly, unused.app, 'Key').compliance).toBe(NOT_APPLICABLE);
  });
});
