import { evaluate, expectDecision, EvaluationRequest } from './evaluate';

const WORKER = 'arn:aws:iam::222222222222:role/odas-iam-role';
const SAME_ACCOUNT_WORKER = 'arn:aws:iam::111111111111:role/odas-iam-role';
const KEY = 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OBJECT = 'arn:aws:s3:::data-bucket/tables/part-0.parquet';
const VIA_S3 = { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'aws:SecureTransport': 'true' };

const doc = (...statements: any[]) => ({ Version: '2012-10-17', Statement: statements });
const allow = (action: string | string[], resource: string | string[], extra: any = {}) => ({ Effect: 'Allow', Action: action, Resource: resource, ...extra });
const rootOf = (account: string) => `arn:aws:iam::${account}:root`;

const keyIdentityPolicy = doc(allow('kms:Decrypt', KEY, { Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } }));
const keyPolicy = (...extra: any[]) => doc(
  allow('kms:*', '*', { Principal: { AWS: rootOf('111111111111') } }),
  ...extra,
);
const crossAccountKeyStatement = allow('kms:Decrypt', '*', {
  Principal: { AWS: rootOf('222222222222') },
  Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:CallerAccount': '222222222222' } },
});

async function decision(request: Partial<EvaluationRequest>): Promise<string> {
  return (await evaluate({ principal: WORKER, action: 'kms:Decrypt', resource: KEY, identityPolicies: [], ...request })).decision;
}

describe('same account', () => {
  test('an identity policy allows, nothing else implicitly denies', async () => {
    const policy = doc(allow('s3:GetObject', 'arn:aws:s3:::data-bucket/*'));
    const base = { principal: SAME_ACCOUNT_WORKER, action: 's3:GetObject', resource: OBJECT, resourceAccount: '111111111111' };
    expect(await decision({ ...base, identityPolicies: [policy] })).toBe('Allowed');
    expect(await decision({ ...base, identityPolicies: [] })).toBe('ImplicitlyDenied');
    expect(await decision({ ...base, resource: 'arn:aws:s3:::other-bucket/x', identityPolicies: [policy] })).toBe('ImplicitlyDenied');
  });

  test('KMS honours identity policies only when the key policy trusts the account', async () => {
    const base = { principal: SAME_ACCOUNT_WORKER, identityPolicies: [keyIdentityPolicy], context: VIA_S3 };
    expect(await decision({ ...base, resourcePolicy: keyPolicy() })).toBe('Allowed');
    const policyWithoutRoot = doc(allow('kms:*', '*', { Principal: { AWS: 'arn:aws:iam::111111111111:role/admin' } }));
    expect(await decision({ ...base, resourcePolicy: policyWithoutRoot })).toBe('ImplicitlyDenied');
  });

  test('a kms:ViaService condition requires the request to come through S3 in that region', async () => {
    const base = { principal: SAME_ACCOUNT_WORKER, identityPolicies: [keyIdentityPolicy], resourcePolicy: keyPolicy() };
    expect(await decision({ ...base, context: { 'aws:SecureTransport': 'true' } })).toBe('ImplicitlyDenied');
    expect(await decision({ ...base, context: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } })).toBe('ImplicitlyDenied');
    expect(await decision({ ...base, context: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } })).toBe('Allowed');
  });
});

describe('cross account: both the identity and the resource policy must allow', () => {
  test('KMS key in A, role in B', async () => {
    const base = { principal: WORKER, context: VIA_S3 };
    const onlyIdentity = await evaluate({ ...base, action: 'kms:Decrypt', resource: KEY, identityPolicies: [keyIdentityPolicy], resourcePolicy: keyPolicy() });
    expect(onlyIdentity.decision).toBe('ImplicitlyDenied');
    expect(onlyIdentity.identityResult).toBe('Allowed');
    expect(onlyIdentity.sameAccount).toBe(false);
    expect(await decision({ ...base, identityPolicies: [], resourcePolicy: keyPolicy(crossAccountKeyStatement) })).toBe('ImplicitlyDenied');
    expect(await decision({ ...base, identityPolicies: [keyIdentityPolicy], resourcePolicy: keyPolicy(crossAccountKeyStatement) })).toBe('Allowed');
  });

  test('the key policy conditions apply to the other account: kms:CallerAccount is the principal account', async () => {
    const wrongCaller = allow('kms:Decrypt', '*', { Principal: { AWS: rootOf('222222222222') }, Condition: { StringEquals: { 'kms:CallerAccount': '333333333333' } } });
    expect(await decision({ identityPolicies: [keyIdentityPolicy], resourcePolicy: keyPolicy(wrongCaller), context: VIA_S3 })).toBe('ImplicitlyDenied');
  });

  test('S3 bucket in A, role in B', async () => {
    const identity = doc(allow('s3:GetObject', 'arn:aws:s3:::data-bucket/*'));
    const bucketPolicy = doc(allow('s3:GetObject', 'arn:aws:s3:::data-bucket/*', { Principal: { AWS: WORKER } }));
    const base = { action: 's3:GetObject', resource: OBJECT, resourceAccount: '111111111111', context: { 'aws:SecureTransport': 'true' } };
    expect(await decision({ ...base, identityPolicies: [identity] })).toBe('ImplicitlyDenied');
    expect(await decision({ ...base, identityPolicies: [], resourcePolicy: bucketPolicy })).toBe('ImplicitlyDenied');
    expect(await decision({ ...base, identityPolicies: [identity], resourcePolicy: bucketPolicy })).toBe('Allowed');
  });

  test('an organization grant (Principal "*" with aws:PrincipalOrgID) admits members only', async () => {
    const orgStatement = allow('kms:Decrypt', '*', { Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5', 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } });
    const base = { identityPolicies: [keyIdentityPolicy], resourcePolicy: keyPolicy(orgStatement) };
    expect(await decision({ ...base, context: { ...VIA_S3, 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } })).toBe('Allowed');
    expect(await decision({ ...base, context: { ...VIA_S3, 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' } })).toBe('ImplicitlyDenied');
    expect(await decision({ ...base, context: VIA_S3 })).toBe('ImplicitlyDenied');
  });
});

describe('deny conditions on upload headers', () => {
  const identity = doc(allow('s3:PutObject', 'arn:aws:s3:::data-bucket/*'));
  const put = (context: Record<string, string>, ...denies: any[]) => decision({
    principal: SAME_ACCOUNT_WORKER,
    action: 's3:PutObject',
    resource: OBJECT,
    resourceAccount: '111111111111',
    identityPolicies: [identity],
    resourcePolicy: doc(...denies),
    context: { 'aws:SecureTransport': 'true', ...context },
  });
  const deny = (condition: any) => ({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::data-bucket/*', Condition: condition });
  const presentAndWrong = deny({ StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' }, Null: { 's3:x-amz-server-side-encryption': 'false' } });

  test('StringNotEquals + Null false is not triggered when the header is absent', async () => {
    expect(await put({}, presentAndWrong)).toBe('Allowed');
  });

  test('StringNotEquals + Null false denies a present, wrong header and lets the right one through', async () => {
    expect(await put({ 's3:x-amz-server-side-encryption': 'AES256' }, presentAndWrong)).toBe('ExplicitlyDenied');
    expect(await put({ 's3:x-amz-server-side-encryption': 'aws:kms:dsse' }, presentAndWrong)).toBe('ExplicitlyDenied');
    expect(await put({ 's3:x-amz-server-side-encryption': 'aws:kms' }, presentAndWrong)).toBe('Allowed');
  });

  test('the pitfall: StringNotEqualsIfExists in a Deny also denies when the header is absent', async () => {
    const ifExists = deny({ StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } });
    expect(await put({}, ifExists)).toBe('ExplicitlyDenied');
  });

  test('a Null false deny on the SSE-C header denies SSE-C uploads only', async () => {
    const sseC = deny({ Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } });
    expect(await put({ 's3:x-amz-server-side-encryption-customer-algorithm': 'AES256' }, sseC)).toBe('ExplicitlyDenied');
    expect(await put({}, sseC)).toBe('Allowed');
  });

  test('a Bool aws:SecureTransport false deny denies plain HTTP', async () => {
    const tls = deny({ Bool: { 'aws:SecureTransport': 'false' } });
    expect(await put({ 'aws:SecureTransport': 'false' }, tls)).toBe('ExplicitlyDenied');
    expect(await put({}, tls)).toBe('Allowed');
  });
});

describe('refuses to evaluate what it cannot evaluate faithfully', () => {
  test.each<[string, Partial<EvaluationRequest>, RegExp]>([
    ['an intrinsic left in a policy', { identityPolicies: [doc(allow('kms:Decrypt', { 'Fn::GetAtt': ['Key', 'Arn'] } as any))] }, /identity policy identity-0 has an unresolved intrinsic/],
    ['a CDK token left in a resource policy', { resourcePolicy: doc(allow('kms:*', '*', { Principal: { AWS: '${Token[TOKEN.1]}' } })) }, /resource policy has an unresolved token/],
    ['a context key that does not apply to the action', { context: { 's3:x-amz-server-side-encryption': 'aws:kms' } }, /context keys s3:x-amz-server-side-encryption do not apply to kms:Decrypt/],
    ['an encryption-context key (iam-simulate ignores them)', { context: { 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::data-bucket' } }, /ignores kms:EncryptionContext:aws:s3:arn/],
    ['a context key that follows from the principal', { context: { 'aws:PrincipalAccount': '333333333333' } }, /aws:PrincipalAccount follows from the principal/],
    ['an S3 ARN without the resource account', { action: 's3:GetObject', resource: OBJECT }, /pass resourceAccount/],
    ['a wildcard resource', { action: 's3:GetObject', resource: 'arn:aws:s3:::data-bucket/*', resourceAccount: '111111111111' }, /contains a wildcard/],
    ['a principal account that contradicts the ARN', { principalAccount: '333333333333' }, /differs from the principal ARN's account 222222222222/],
    ['an unknown action', { action: 'kms:Decrypted' }, /invalid\.action/],
  ])('%s', async (_name, request, message) => {
    await expect(decision(request)).rejects.toThrow(message);
  });

  test('expectDecision reports the statements that decided', async () => {
    const result = await evaluate({ principal: WORKER, action: 'kms:Decrypt', resource: KEY, context: VIA_S3, identityPolicies: [keyIdentityPolicy], resourcePolicy: keyPolicy(crossAccountKeyStatement) });
    expect(() => expectDecision(result, 'Allowed')).not.toThrow();
    expect(() => expectDecision(result, 'Denied')).toThrow(/expected Denied, got Allowed[\s\S]*identity allow: identity-0[\s\S]*resource allow/);
  });
});
