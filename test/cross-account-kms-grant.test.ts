import { App, Aws, CfnParameter, Stack, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { evaluate, resolveTemplates } from './util';
import { CrossAccountKmsGrant, DataAccess, EncryptionType, OkeraDataBucket } from '../src';

const DATA = '111111111111';
const WORKERS = '222222222222';
const ROLE = 'arn:aws:iam::333333333333:role/odas-iam-role';
const ORG = 'o-a1b2c3d4e5';
const OU_PATH = `${ORG}/r-ab12/ou-ab12-11111111/*`;
const ENV = { account: DATA, region: 'us-east-1' };
const VIA = 's3.us-east-1.amazonaws.com';

function dataStack(props: StackProps = { env: ENV }): Stack {
  return new Stack(new App(), 'Data', props);
}

function kmsBucket(stack: Stack): OkeraDataBucket {
  return new OkeraDataBucket(stack, 'Data', { encryption: EncryptionType.SSE_KMS });
}

/** `arn:${AWS::Partition}:iam::<account>:root`, as CloudFormation sees it. */
function root(account: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] };
}

function keyPolicyStatements(stack: Stack): any[] {
  const keys = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
  expect(keys).toHaveLength(1);
  return keys[0].Properties.KeyPolicy.Statement;
}

function bucketPolicyStatements(stack: Stack): any[] {
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::S3::BucketPolicy'));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

/** Our statements (Sid Okera...), by Sid. */
function okeraStatements(statements: any[]): Record<string, any> {
  const ours = statements.filter((s) => typeof s.Sid === 'string' && s.Sid.startsWith('Okera'));
  const bySid = Object.fromEntries(ours.map((s) => [s.Sid, s]));
  expect(Object.keys(bySid)).toHaveLength(ours.length); // Sids are unique
  return bySid;
}

/** The error thrown by `fn`, checked to contain every part (construct path, bad value, fix). */
function expectError(fn: () => unknown, ...parts: (string | RegExp)[]): string {
  let message: string | undefined;
  try {
    fn();
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toBeDefined();
  for (const part of parts) {
    if (typeof part === 'string') {
      expect(message).toContain(part);
    } else {
      expect(message).toMatch(part);
    }
  }
  return message!;
}

/** The accounts statement as the aws/s3 key policy writes it: any AWS principal, limited to the accounts and to S3. */
function accountsStatement(sid: string, accounts: string | string[], action: string | string[] = 'kms:Decrypt') {
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: action,
    Resource: '*',
    Condition: { StringEquals: { 'kms:ViaService': VIA, 'kms:CallerAccount': accounts } },
  };
}

describe('key policy', () => {
  test('an account: Principal AWS "*" limited by kms:CallerAccount to the account and by kms:ViaService to S3 in the key region', () => {
    const stack = dataStack();
    const bucket = kmsBucket(stack);
    new CrossAccountKmsGrant(stack, 'Grant', { bucket, accounts: [WORKERS] });

    expect(okeraStatements(keyPolicyStatements(stack))).toEqual({
      OkeraCrossAccountRead: accountsStatement('OkeraCrossAccountRead', WORKERS),
    });
  });

  test('accounts are never named by root ARN in the key policy (the bucket policy still names them)', () => {
    const stack = dataStack();
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [WORKERS, '444444444444'] });

    const statements = keyPolicyStatements(stack);
    expect(JSON.stringify(statements)).not.toContain(`:iam::${WORKERS}:root`);
    expect(okeraStatements(statements).OkeraCrossAccountRead.Condition.StringEquals['kms:CallerAccount']).toEqual([WORKERS, '444444444444']);
    expect(okeraStatements(bucketPolicyStatements(stack)).OkeraCrossAccountRead.Principal).toEqual({ AWS: [root(WORKERS), root('444444444444')] });
  });

  test('the default key policy statement (account root, kms:*) is kept', () => {
    const stack = dataStack();
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [WORKERS] });
    expect(keyPolicyStatements(stack)).toContainEqual(
      { Effect: 'Allow', Principal: { AWS: root(DATA) }, Action: 'kms:*', Resource: '*' });
  });

  test('role ARNs get their own statement: Principal.AWS the roles, kms:CallerAccount their accounts', () => {
    const stack = dataStack();
    const other = 'arn:aws:iam::444444444444:role/okera/odas-iam-role';
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [WORKERS], roleArns: [ROLE, other] });

    expect(okeraStatements(keyPolicyStatements(stack))).toEqual({
      OkeraCrossAccountRead: accountsStatement('OkeraCrossAccountRead', WORKERS),
      OkeraCrossAccountRolesRead: {
        Sid: 'OkeraCrossAccountRolesRead',
        Effect: 'Allow',
        Principal: { AWS: [ROLE, other] },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': VIA, 'kms:CallerAccount': ['333333333333', '444444444444'] } },
      },
    });
  });

  test('READ_WRITE adds kms:GenerateDataKey* (multipart uploads need it and kms:Decrypt)', () => {
    const stack = dataStack();
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [WORKERS], access: DataAccess.READ_WRITE });

    const statements = okeraStatements(keyPolicyStatements(stack));
    expect(Object.keys(statements)).toEqual(['OkeraCrossAccountReadWrite']);
    expect(statements.OkeraCrossAccountReadWrite.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
  });

  test('READ and READ_WRITE grants on one key give one statement each', () => {
    const stack = dataStack();
    const bucket = kmsBucket(stack);
    new CrossAccountKmsGrant(stack, 'Readers', { bucket, accounts: [WORKERS] });
    new CrossAccountKmsGrant(stack, 'Writers', { bucket, accounts: ['444444444444'], access: DataAccess.READ_WRITE });

    expect(okeraStatements(keyPolicyStatements(stack))).toEqual({
      OkeraCrossAccountRead: accountsStatement('OkeraCrossAccountRead', WORKERS),
      OkeraCrossAccountReadWrite: accountsStatement('OkeraCrossAccountReadWrite', '444444444444', ['kms:Decrypt', 'kms:GenerateDataKey*']),
    });
  });

  test('an organization: Principal "*" with aws:PrincipalOrgID, leaving out the key\'s own account (no IAM policy needed there otherwise)', () => {
    const stack = dataStack();
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), organizationId: ORG });

    expect(okeraStatements(keyPolicyStatements(stack))).toEqual({
      OkeraOrganizationRead: {
        Sid: 'OkeraOrganizationRead',
        Effect: 'Allow',
        Principal: '*',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': VIA, 'aws:PrincipalOrgID': ORG }, StringNotEquals: { 'kms:CallerAccount': DATA } },
      },
    });
  });

  test('organization paths: ForAnyValue:StringLike aws:PrincipalOrgPaths, plus the paths\' organization', () => {
    const stack = dataStack();
    const other = `${ORG}/r-ab12/ou-ab12-22222222/`;
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), organizationPaths: [OU_PATH, other], access: DataAccess.READ_WRITE });

    expect(okeraStatements(keyPolicyStatements(stack))).toEqual({
      OkeraOrganizationPathsReadWrite: {
        Sid: 'OkeraOrganizationPathsReadWrite',
        Effect: 'Allow',
        Principal: '*',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: {
          'StringEquals': { 'kms:ViaService': VIA, 'aws:PrincipalOrgID': ORG },
          'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [OU_PATH, other] },
          'StringNotEquals': { 'kms:CallerAccount': DATA },
        },
      },
    });
  });

  test('accounts, an organization and organization paths stay separate statements (never ANDed together)', () => {
    const stack = dataStack();
    const bucket = kmsBucket(stack);
    new CrossAccountKmsGrant(stack, 'Accounts', { bucket, accounts: [WORKERS] });
    new CrossAccountKmsGrant(stack, 'Org', { bucket, organizationId: 'o-zzzzzzzzzz' });
    new CrossAccountKmsGrant(stack, 'Paths', { bucket, organizationPaths: [OU_PATH] });

    const statements = okeraStatements(keyPolicyStatements(stack));
    expect(Object.keys(statements).sort()).toEqual(['OkeraCrossAccountRead', 'OkeraOrganizationPathsRead', 'OkeraOrganizationRead']);
    expect(statements.OkeraCrossAccountRead.Condition).toEqual({ StringEquals: { 'kms:ViaService': VIA, 'kms:CallerAccount': WORKERS } });
    expect(statements.OkeraOrganizationRead.Condition.StringEquals['aws:PrincipalOrgID']).toEqual('o-zzzzzzzzzz');
    expect(statements.OkeraOrganizationRead.Condition['ForAnyValue:StringLike']).toBeUndefined();
  });

  test('kms:ViaService names S3 in the key\'s region', () => {
    const stack = dataStack({ env: { account: DATA, region: 'eu-west-1' } });
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [WORKERS] });
    const s = okeraStatements(keyPolicyStatements(stack)).OkeraCrossAccountRead;
    expect(s.Condition.StringEquals['kms:ViaService']).toEqual('s3.eu-west-1.amazonaws.com');
  });

  test('in an environment-agnostic stack kms:ViaService follows the deployment region', () => {
    const stack = dataStack({});
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [WORKERS] });
    const s = okeraStatements(keyPolicyStatements(stack)).OkeraCrossAccountRead;
    expect(s.Condition.StringEquals['kms:ViaService']).toEqual({ 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] });
  });

  test('a key without a bucket: only the key policy changes', () => {
    const stack = dataStack();
    const key = new kms.Key(stack, 'Key');
    const grant = new CrossAccountKmsGrant(stack, 'Grant', { key, accounts: [WORKERS] });

    expect(okeraStatements(keyPolicyStatements(stack))).toEqual({ OkeraCrossAccountRead: accountsStatement('OkeraCrossAccountRead', WORKERS) });
    Template.fromStack(stack).resourceCountIs('AWS::S3::BucketPolicy', 0);
    expect(stack.resolve(grant.keyArn)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] });
  });

  test('a key defined from an L1 CfnKey (kms.Key.fromCfnKey) gets the statements too', () => {
    const stack = dataStack();
    const cfnKey = new kms.CfnKey(stack, 'L1Key', { keyPolicy: { Version: '2012-10-17', Statement: [] } });
    new CrossAccountKmsGrant(stack, 'Grant', { key: kms.Key.fromCfnKey(cfnKey), accounts: [WORKERS] });
    expect(Object.keys(okeraStatements(keyPolicyStatements(stack)))).toEqual(['OkeraCrossAccountRead']);
  });

  test('unresolved inputs are accepted: an account parameter, and a role ARN whose account is read at deploy time', () => {
    const stack = dataStack();
    const account = new CfnParameter(stack, 'WorkerAccount').valueAsString;
    const roleArn = new CfnParameter(stack, 'WorkerRole').valueAsString;
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [account, '444444444444'], roleArns: [roleArn] });

    const statements = okeraStatements(keyPolicyStatements(stack));
    expect(statements.OkeraCrossAccountRead.Principal).toEqual({ AWS: '*' });
    expect(statements.OkeraCrossAccountRead.Condition.StringEquals['kms:CallerAccount']).toEqual([{ Ref: 'WorkerAccount' }, '444444444444']);
    expect(statements.OkeraCrossAccountRolesRead.Principal).toEqual({ AWS: { Ref: 'WorkerRole' } });
    expect(statements.OkeraCrossAccountRolesRead.Condition.StringEquals['kms:CallerAccount'])
      .toEqual({ 'Fn::Select': [4, { 'Fn::Split': [':', { Ref: 'WorkerRole' }] }] });
    expect(okeraStatements(bucketPolicyStatements(stack)).OkeraCrossAccountRead.Principal.AWS).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'WorkerAccount' }, ':root']] },
      root('444444444444'),
      { Ref: 'WorkerRole' },
    ]);
  });

  test('an account known only at deploy time must not be the key\'s own: the accounts statement excludes that account', () => {
    // Principal AWS "*" with the key's own account in kms:CallerAccount would admit every principal of that
    // account without an IAM policy; a known own account is a synthesis error, a parameter is checked by KMS.
    const stack = dataStack();
    const account = new CfnParameter(stack, 'WorkerAccount').valueAsString;
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [account] });
    expect(okeraStatements(keyPolicyStatements(stack)).OkeraCrossAccountRead.Condition).toEqual({
      StringEquals: { 'kms:ViaService': VIA, 'kms:CallerAccount': { Ref: 'WorkerAccount' } },
      StringNotEquals: { 'kms:CallerAccount': DATA },
    });

    const agnostic = dataStack({});
    new CrossAccountKmsGrant(agnostic, 'Grant', { bucket: kmsBucket(agnostic), accounts: [new CfnParameter(agnostic, 'WorkerAccount').valueAsString] });
    expect(okeraStatements(keyPolicyStatements(agnostic)).OkeraCrossAccountRead.Condition.StringNotEquals).toEqual({ 'kms:CallerAccount': { Ref: 'AWS::AccountId' } });
  });

  test('in an environment-agnostic stack a known external account is still checked against the key\'s account at deploy time', () => {
    // The key's account is known only at deploy time: deployed into 222222222222, Principal AWS "*" with
    // kms:CallerAccount 222222222222 would admit every principal of the key's own account.
    const stack = dataStack({});
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [WORKERS] });
    expect(okeraStatements(keyPolicyStatements(stack)).OkeraCrossAccountRead.Condition).toEqual({
      StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] }, 'kms:CallerAccount': WORKERS },
      StringNotEquals: { 'kms:CallerAccount': { Ref: 'AWS::AccountId' } },
    });
  });

  test('a later grant with a deploy-time account adds the exclusion to the shared statement', () => {
    const stack = dataStack();
    const bucket = kmsBucket(stack);
    new CrossAccountKmsGrant(stack, 'Known', { bucket, accounts: [WORKERS] });
    new CrossAccountKmsGrant(stack, 'Param', { bucket, accounts: [new CfnParameter(stack, 'WorkerAccount').valueAsString] });
    expect(okeraStatements(keyPolicyStatements(stack)).OkeraCrossAccountRead.Condition).toEqual({
      StringEquals: { 'kms:ViaService': VIA, 'kms:CallerAccount': [WORKERS, { Ref: 'WorkerAccount' }] },
      StringNotEquals: { 'kms:CallerAccount': DATA },
    });
  });
});

describe('key policy, evaluated (iam-simulate)', () => {
  const KEY_ARN = `arn:aws:kms:us-east-1:${DATA}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const allowKey = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN }] };

  /** kms:Decrypt through S3 by a role of `caller`, on a key whose grant lists an account parameter deployed as `deployedAccount`. */
  async function decrypt(deployedAccount: string, caller: string, identityPolicies: any[], viaService?: string) {
    const stack = dataStack();
    const account = new CfnParameter(stack, 'WorkerAccount', { default: deployedAccount }).valueAsString;
    new CrossAccountKmsGrant(stack, 'Grant', { key: new kms.Key(stack, 'Key'), accounts: [account], outputs: false });
    const [key] = resolveTemplates(stack).resources('AWS::KMS::Key');
    return evaluate({
      principal: `arn:aws:iam::${caller}:role/odas-iam-role`,
      action: 'kms:Decrypt',
      resource: KEY_ARN,
      context: viaService ? { 'kms:ViaService': viaService } : {},
      identityPolicies,
      resourcePolicy: key.properties.KeyPolicy,
    });
  }

  test('a role of a listed account is allowed through S3 once its own IAM policy allows the key, and not without it', async () => {
    expect((await decrypt(WORKERS, WORKERS, [allowKey], VIA)).allowed).toBe(true);
    expect((await decrypt(WORKERS, WORKERS, [], VIA)).allowed).toBe(false);
    expect((await decrypt(WORKERS, WORKERS, [allowKey])).allowed).toBe(false);
    expect((await decrypt(WORKERS, '444444444444', [allowKey], VIA)).allowed).toBe(false);
  });

  /** kms:Decrypt through S3 by a role of `caller`, on a key of an environment-agnostic stack granting WORKERS, deployed into `deployedTo`. */
  async function decryptAgnostic(deployedTo: string, caller: string, identityPolicies: any[]) {
    const stack = dataStack({});
    new CrossAccountKmsGrant(stack, 'Grant', { key: new kms.Key(stack, 'Key'), accounts: [WORKERS], outputs: false });
    const template = Template.fromStack(stack).toJSON();
    const [key] = resolveTemplates([{ stackName: 'Data', account: deployedTo, region: 'us-east-1', template }]).resources('AWS::KMS::Key');
    const keyArn = `arn:aws:kms:us-east-1:${deployedTo}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    return evaluate({
      principal: `arn:aws:iam::${caller}:role/odas-iam-role`,
      action: 'kms:Decrypt',
      resource: keyArn,
      context: { 'kms:ViaService': VIA },
      identityPolicies: identityPolicies.map((p) => JSON.parse(JSON.stringify(p).replace(KEY_ARN, keyArn))),
      resourcePolicy: key.properties.KeyPolicy,
    });
  }

  test('an environment-agnostic stack deployed into a granted account does not admit that account\'s principals without an IAM policy', async () => {
    // Deployed as intended (into DATA), the worker account's role is admitted with its IAM policy.
    expect((await decryptAgnostic(DATA, WORKERS, [allowKey])).allowed).toBe(true);
    // Deployed into WORKERS itself, the key's own principals still need an IAM policy (the default key policy's rule).
    const own = await decryptAgnostic(WORKERS, WORKERS, []);
    expect({ allowed: own.allowed, why: own.explanation }).toEqual({ allowed: false, why: own.explanation });
    expect((await decryptAgnostic(WORKERS, WORKERS, [allowKey])).allowed).toBe(true);
  });

  test('a deploy-time account that turns out to be the key\'s own does not admit its principals without an IAM policy', async () => {
    // Without the StringNotEquals exclusion, Principal AWS "*" + kms:CallerAccount = own account would allow this.
    const result = await decrypt(DATA, DATA, [], VIA);
    expect({ allowed: result.allowed, why: result.explanation }).toEqual({ allowed: false, why: result.explanation });
  });
});

describe('deploy-time lists (CommaDelimitedList parameters)', () => {
  const KEY_ARN = `arn:aws:kms:us-east-1:${DATA}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const allowKey = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN }] };
  const list = (stack: Stack, id: string, values: string[]) =>
    new CfnParameter(stack, id, { type: 'CommaDelimitedList', default: values.join(',') }).valueAsList;

  function grantList(deployed: string[], extra: string[] = []): Stack {
    const stack = dataStack();
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [...extra, ...list(stack, 'Workers', deployed)], outputs: false });
    return stack;
  }

  async function decrypt(stack: Stack, caller: string) {
    const [key] = resolveTemplates(stack).resources('AWS::KMS::Key');
    return evaluate({
      principal: `arn:aws:iam::${caller}:role/odas-iam-role`,
      action: 'kms:Decrypt',
      resource: KEY_ARN,
      context: { 'kms:ViaService': VIA },
      identityPolicies: caller === DATA ? [] : [allowKey],
      resourcePolicy: key.properties.KeyPolicy,
    });
  }

  test('a list of accounts is accepted and spliced into the key policy beside literal accounts, excluding the key\'s own account', () => {
    const stack = grantList([WORKERS], ['444444444444']);
    const joined = { 'Fn::Split': [',', { 'Fn::Join': [',', ['444444444444', { 'Fn::Join': [',', { Ref: 'Workers' }] }]] }] };
    expect(okeraStatements(keyPolicyStatements(stack)).OkeraCrossAccountRead.Condition).toEqual({
      StringEquals: { 'kms:ViaService': VIA, 'kms:CallerAccount': joined },
      StringNotEquals: { 'kms:CallerAccount': DATA },
    });
    // The bucket policy names the listed accounts by id (S3 accepts an account id as principal).
    const bucket = okeraStatements(bucketPolicyStatements(stack)).OkeraCrossAccountRead;
    expect(bucket.Principal).toEqual({ AWS: { 'Fn::Split': [',', { 'Fn::Join': [',', [root('444444444444'), { 'Fn::Join': [',', { Ref: 'Workers' }] }]] }] } });
  });

  test('evaluated: the deployed accounts are admitted (with their IAM policy), others are not, and the key\'s own account gets nothing', async () => {
    const stack = grantList([WORKERS, '444444444444', DATA]);
    expect((await decrypt(stack, WORKERS)).allowed).toBe(true);
    expect((await decrypt(stack, '444444444444')).allowed).toBe(true);
    expect((await decrypt(stack, '555555555555')).allowed).toBe(false);
    expect((await decrypt(stack, DATA)).allowed).toBe(false);
  });

  test('a list of organization paths is accepted; the statement requires the first path\'s organization', () => {
    const stack = dataStack();
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), organizationPaths: list(stack, 'Paths', [OU_PATH]), outputs: false });
    expect(okeraStatements(keyPolicyStatements(stack)).OkeraOrganizationPathsRead.Condition).toEqual({
      'StringEquals': { 'kms:ViaService': VIA, 'aws:PrincipalOrgID': { 'Fn::Select': [0, { 'Fn::Split': ['/', { 'Fn::Select': [0, { Ref: 'Paths' }] }] }] } },
      'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': { Ref: 'Paths' } },
      'StringNotEquals': { 'kms:CallerAccount': DATA },
    });
  });

  test('a list of role ARNs is an error naming the parameter and the alternatives', () => {
    const stack = dataStack();
    expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), roleArns: list(stack, 'Roles', [ROLE]) }),
      'Data/Grant', "roleArns holds a list known only at deploy time ('Roles')", 'Fn.select(i, list)', '`accounts` takes a deploy-time list');
  });
});

describe('merging and deduplication', () => {
  const accounts = Array.from({ length: 300 }, (_, i) => String(200000000000 + i));

  function policies(build: (stack: Stack, bucket: OkeraDataBucket) => void) {
    const stack = dataStack();
    const bucket = kmsBucket(stack);
    build(stack, bucket);
    const template = Template.fromStack(stack);
    return { key: keyPolicyStatements(stack), bucket: bucketPolicyStatements(stack), outputs: template.toJSON().Outputs };
  }

  test('300 accounts registered one grant at a time give the same policies as one grant with 300 accounts', () => {
    const one = policies((stack, bucket) => new CrossAccountKmsGrant(stack, 'All', { bucket, accounts }));
    const many = policies((stack, bucket) => accounts.forEach((a, i) => new CrossAccountKmsGrant(stack, `G${i}`, { bucket, accounts: [a] })));

    expect(many.key).toEqual(one.key);
    expect(many.bucket).toEqual(one.bucket);
    expect(okeraStatements(many.key).OkeraCrossAccountRead).toEqual(accountsStatement('OkeraCrossAccountRead', accounts));
    expect(okeraStatements(many.bucket).OkeraCrossAccountRead.Principal.AWS).toEqual(accounts.map(root));
    // The outputs are shared too (CloudFormation allows 200 per template).
    expect(Object.keys(many.outputs)).toHaveLength(2);
  });

  test('duplicates are listed once: within a grant, across grants, and through addAccount/addRoleArn', () => {
    const { key, bucket } = policies((stack, b) => {
      const g1 = new CrossAccountKmsGrant(stack, 'G1', { bucket: b, accounts: [WORKERS, WORKERS], roleArns: [ROLE] });
      g1.addAccount(WORKERS);
      g1.addRoleArn(ROLE);
      new CrossAccountKmsGrant(stack, 'G2', { bucket: b, accounts: [WORKERS], roleArns: [ROLE] });
      expect(g1.accounts).toEqual([WORKERS]);
      expect(g1.roleArns).toEqual([ROLE]);
    });
    const statements = okeraStatements(key);
    expect(statements.OkeraCrossAccountRead.Condition.StringEquals['kms:CallerAccount']).toEqual(WORKERS);
    expect(statements.OkeraCrossAccountRolesRead.Principal.AWS).toEqual(ROLE);
    expect(statements.OkeraCrossAccountRolesRead.Condition.StringEquals['kms:CallerAccount']).toEqual('333333333333');
    expect(okeraStatements(bucket).OkeraCrossAccountRead.Principal.AWS).toEqual([root(WORKERS), ROLE]);
  });

  test('addAccount after construction lands in the shared statement', () => {
    const { key } = policies((stack, b) => {
      const grant = new CrossAccountKmsGrant(stack, 'G', { bucket: b, accounts: [WORKERS] });
      grant.addAccount('444444444444');
      expect(grant.accounts).toEqual([WORKERS, '444444444444']);
    });
    expect(okeraStatements(key).OkeraCrossAccountRead).toEqual(accountsStatement('OkeraCrossAccountRead', [WORKERS, '444444444444']));
  });

  test('organization grants merge into one statement per access level', () => {
    const { key } = policies((stack, b) => {
      new CrossAccountKmsGrant(stack, 'A', { bucket: b, organizationId: ORG });
      new CrossAccountKmsGrant(stack, 'B', { bucket: b, organizationId: ORG });
      new CrossAccountKmsGrant(stack, 'C', { bucket: b, organizationId: 'o-zzzzzzzzzz' });
    });
    expect(okeraStatements(key)).toEqual({
      OkeraOrganizationRead: expect.objectContaining({
        Condition: { StringEquals: { 'kms:ViaService': VIA, 'aws:PrincipalOrgID': [ORG, 'o-zzzzzzzzzz'] }, StringNotEquals: { 'kms:CallerAccount': DATA } },
      }),
    });
  });
});

describe('bucket policy', () => {
  const bucketArn = (stack: Stack, bucket: OkeraDataBucket) => stack.resolve(bucket.bucketArn);

  test('accounts (by root ARN) and roles share one statement listing each principal once: bucket actions on the bucket, object actions on its objects', () => {
    const stack = dataStack();
    const bucket = kmsBucket(stack);
    new CrossAccountKmsGrant(stack, 'Grant', { bucket, accounts: [WORKERS], roleArns: [ROLE] });

    const arn = bucketArn(stack, bucket);
    expect(okeraStatements(bucketPolicyStatements(stack))).toEqual({
      OkeraCrossAccountRead: {
        Sid: 'OkeraCrossAccountRead',
        Effect: 'Allow',
        Principal: { AWS: [root(WORKERS), ROLE] },
        Action: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetObject', 's3:GetObjectVersion'],
        Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }],
      },
    });
  });

  test('the data bucket\'s own deny statements (TLS, encryption) are kept', () => {
    const stack = dataStack();
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [WORKERS] });
    const statements = bucketPolicyStatements(stack);
    expect(statements.filter((s) => s.Effect === 'Deny').length).toBeGreaterThanOrEqual(3);
  });

  test('prefixes: ListBucket limited by s3:prefix, object actions on the prefixes', () => {
    const stack = dataStack();
    const bucket = kmsBucket(stack);
    new CrossAccountKmsGrant(stack, 'Grant', { bucket, accounts: [WORKERS], prefixes: ['sales/2024', '/hr/'], access: DataAccess.READ_WRITE });

    const arn = bucketArn(stack, bucket);
    expect(okeraStatements(bucketPolicyStatements(stack))).toEqual({
      OkeraCrossAccountReadWritePrefixes1List: {
        Sid: 'OkeraCrossAccountReadWritePrefixes1List',
        Effect: 'Allow',
        Principal: { AWS: root(WORKERS) },
        Action: 's3:ListBucket',
        Resource: arn,
        Condition: { StringLike: { 's3:prefix': ['sales/2024', 'sales/2024/', 'sales/2024/*', 'hr', 'hr/', 'hr/*'] } },
      },
      OkeraCrossAccountReadWritePrefixes1: {
        Sid: 'OkeraCrossAccountReadWritePrefixes1',
        Effect: 'Allow',
        Principal: { AWS: root(WORKERS) },
        Action: [
          's3:GetBucketLocation', 's3:ListBucketMultipartUploads',
          's3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts',
        ],
        Resource: [arn, { 'Fn::Join': ['', [arn, '/sales/2024/*']] }, { 'Fn::Join': ['', [arn, '/hr/*']] }],
      },
    });
  });

  test('grants with different prefixes get separate statements; the same prefixes merge', () => {
    const stack = dataStack();
    const bucket = kmsBucket(stack);
    new CrossAccountKmsGrant(stack, 'A', { bucket, accounts: [WORKERS], prefixes: ['sales'] });
    new CrossAccountKmsGrant(stack, 'B', { bucket, accounts: ['444444444444'], prefixes: ['sales/'] });
    new CrossAccountKmsGrant(stack, 'C', { bucket, accounts: ['555555555555'], prefixes: ['hr'] });
    new CrossAccountKmsGrant(stack, 'D', { bucket, accounts: ['666666666666'] });

    const statements = okeraStatements(bucketPolicyStatements(stack));
    expect(Object.keys(statements).sort()).toEqual([
      'OkeraCrossAccountRead', 'OkeraCrossAccountReadPrefixes1', 'OkeraCrossAccountReadPrefixes1List',
      'OkeraCrossAccountReadPrefixes2', 'OkeraCrossAccountReadPrefixes2List',
    ]);
    expect(statements.OkeraCrossAccountReadPrefixes1.Principal.AWS).toEqual([root(WORKERS), root('444444444444')]);
    expect(statements.OkeraCrossAccountReadPrefixes2.Principal.AWS).toEqual(root('555555555555'));
    expect(statements.OkeraCrossAccountRead.Principal.AWS).toEqual(root('666666666666'));
  });

  test('an organization: Principal "*" with aws:PrincipalOrgID on the bucket too, leaving out the bucket\'s own account', () => {
    const stack = dataStack();
    const bucket = kmsBucket(stack);
    new CrossAccountKmsGrant(stack, 'Grant', { bucket, organizationPaths: [OU_PATH] });

    const s = okeraStatements(bucketPolicyStatements(stack)).OkeraOrganizationPathsRead;
    expect(s.Principal).toEqual('*');
    expect(s.Condition).toEqual({
      'StringEquals': { 'aws:PrincipalOrgID': ORG },
      'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': OU_PATH },
      'StringNotEquals': { 'aws:PrincipalAccount': DATA },
    });
  });

  test('bucketPolicy: false leaves the bucket policy alone', () => {
    const stack = dataStack();
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [WORKERS], bucketPolicy: false });
    expect(okeraStatements(bucketPolicyStatements(stack))).toEqual({});
    expect(Object.keys(okeraStatements(keyPolicyStatements(stack)))).toEqual(['OkeraCrossAccountRead']);
  });

  test('an SSE-S3 bucket gets the bucket-policy statements only (no KMS key involved)', () => {
    const stack = dataStack();
    const bucket = new OkeraDataBucket(stack, 'Data', { encryption: EncryptionType.SSE_S3 });
    const grant = new CrossAccountKmsGrant(stack, 'Grant', { bucket, accounts: [WORKERS] });

    expect(grant.keyArn).toBeUndefined();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 0);
    expect(okeraStatements(bucketPolicyStatements(stack)).OkeraCrossAccountRead.Principal).toEqual({ AWS: root(WORKERS) });
    expect(Object.values(template.toJSON().Outputs).map((o: any) => o.Value)).toEqual([bucketArn(stack, bucket)]);
  });
});

describe('outputs', () => {
  test('the key ARN and bucket ARN, described and not exported', () => {
    const stack = dataStack();
    const bucket = kmsBucket(stack);
    new CrossAccountKmsGrant(stack, 'Grant', { bucket, accounts: [WORKERS] });

    const outputs = Object.values<any>(Template.fromStack(stack).toJSON().Outputs);
    expect(outputs).toEqual([
      { Value: stack.resolve(bucket.encryptionKeyArn), Description: expect.stringMatching(/KMS key Data\/Data\/Key.*encryptionKeyArn/) },
      { Value: stack.resolve(bucket.bucketArn), Description: expect.stringMatching(/data bucket Data\/Data.*bucketArn/) },
    ]);
  });

  test('outputs: false adds none', () => {
    const stack = dataStack();
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [WORKERS], outputs: false });
    expect(Template.fromStack(stack).toJSON().Outputs).toBeUndefined();
  });
});

describe('errors', () => {
  test('an imported key: the error prints the statement to add to its key policy by hand', () => {
    const stack = dataStack();
    const key = kms.Key.fromKeyArn(stack, 'Imported', `arn:aws:kms:us-east-1:${DATA}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
    const message = expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { key, accounts: [WORKERS], roleArns: [ROLE], access: DataAccess.READ_WRITE }),
      '[Data/Grant]', `key 'arn:aws:kms:us-east-1:${DATA}:key/1234abcd-12ab-34cd-56ef-1234567890ab' is imported`,
      'Define CrossAccountKmsGrant in the stack that creates the key');
    const json = JSON.parse(message.slice(message.indexOf('\n[')));
    expect(json).toEqual([
      accountsStatement('OkeraCrossAccountReadWrite', WORKERS, ['kms:Decrypt', 'kms:GenerateDataKey*']),
      {
        Sid: 'OkeraCrossAccountRolesReadWrite',
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': VIA, 'kms:CallerAccount': '333333333333' } },
      },
    ]);
  });

  test('an imported SSE-KMS bucket: its key is imported too, so the same error', () => {
    const stack = dataStack();
    const bucket = OkeraDataBucket.fromBucketAttributes(stack, 'Imported', {
      bucketName: 'okera-data', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: `arn:aws:kms:us-east-1:${DATA}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    });
    const message = expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket, organizationId: ORG }), '[Data/Grant]', 'is imported', 'by hand');
    expect(JSON.parse(message.slice(message.indexOf('\n[')))[0]).toMatchObject({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } } });
  });

  test('an imported SSE-S3 bucket: the error prints the bucket-policy statements, or bucketPolicy false would change nothing', () => {
    const stack = dataStack();
    const bucket = OkeraDataBucket.fromBucketAttributes(stack, 'Imported', { bucketName: 'okera-data', encryption: EncryptionType.SSE_S3 });
    const message = expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket, accounts: [WORKERS], roleArns: [ROLE] }),
      '[Data/Grant]', 'bucket \'Data/Imported\' is imported', 'add these statements to the bucket policy where the bucket is defined');
    // As the bucket policy would hold them: one statement, the account by root ARN and the role.
    expect(JSON.parse(message.slice(message.indexOf('\n[')))).toEqual([expect.objectContaining({
      Sid: 'OkeraCrossAccountRead', Principal: { AWS: [root(WORKERS), ROLE] }, Action: expect.arrayContaining(['s3:GetObject']),
    })]);
    expectError(() => new CrossAccountKmsGrant(stack, 'Grant2', { bucket, accounts: [WORKERS], bucketPolicy: false }),
      '[Data/Grant2]', 'SSE_S3 (no KMS key) and bucketPolicy is false', 'would change nothing');
  });

  test('a key of this stack protecting a bucket defined elsewhere: bucketPolicy false grants the key policy only', () => {
    const stack = dataStack();
    const key = new kms.Key(stack, 'Key');
    const bucket = OkeraDataBucket.fromBucketAttributes(stack, 'Imported', { bucketName: 'okera-data', encryption: EncryptionType.SSE_KMS, encryptionKeyArn: key.keyArn });
    expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket, key, accounts: [WORKERS] }),
      '[Data/Grant]', 'bucket \'Data/Imported\' is imported', 'Set bucketPolicy: false (the key policy is still granted)');
    new CrossAccountKmsGrant(stack, 'KeyOnly', { bucket, key, accounts: [WORKERS], bucketPolicy: false });
    expect(okeraStatements(keyPolicyStatements(stack))).toEqual({ OkeraCrossAccountRead: accountsStatement('OkeraCrossAccountRead', WORKERS) });
  });

  test('a bucket on the AWS managed aws/s3 key cannot be shared', () => {
    const stack = dataStack();
    const bucket = new OkeraDataBucket(stack, 'Data', { encryption: EncryptionType.SSE_KMS_AWS_MANAGED });
    expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket, accounts: [WORKERS] }),
      '[Data/Grant]', 'bucket \'Data/Data\'', 'aws/s3', 'cannot be edited', 'EncryptionType.SSE_KMS', 'EncryptionType.SSE_S3');
  });

  test('a malformed account id', () => {
    const stack = dataStack();
    expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: ['12345'] }),
      '[Data/Grant]', '\'12345\'', '12-digit');
  });

  test('the key\'s own account is not an external account', () => {
    const stack = dataStack();
    expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [DATA] }),
      '[Data/Grant]', `account '${DATA}' is the key's own account`, 'OkeraWorkerRole.addDataBucket');
  });

  test('the key\'s own account as Aws.ACCOUNT_ID, named readably, whether or not the stack has an account', () => {
    for (const [name, props] of [['Agnostic', {}], ['Concrete', { env: ENV }]] as const) {
      const stack = new Stack(new App(), name, props);
      const bucket = kmsBucket(stack);
      const message = expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket, accounts: [Aws.ACCOUNT_ID] }),
        `[${name}/Grant]`, 'account \'AWS::AccountId\' (Aws.ACCOUNT_ID: the account the stack deploys to) is the key\'s own account', 'OkeraWorkerRole.addDataBucket');
      expect(message).not.toContain('${Token[');
      // The same with the environment-agnostic stack's own account, and later through addAccount.
      expectError(() => new CrossAccountKmsGrant(stack, 'Own', { bucket, accounts: [stack.account] }), `[${name}/Own]`,
        name === 'Agnostic' ? 'account \'AWS::AccountId\'' : `account '${DATA}'`);
      const grant = new CrossAccountKmsGrant(stack, 'Later', { bucket, accounts: [WORKERS] });
      expectError(() => grant.addAccount(Aws.ACCOUNT_ID), `[${name}/Later]`, 'AWS::AccountId');
    }
  });

  test('a malformed role ARN, and a role of the key\'s own account', () => {
    const stack = dataStack();
    const bucket = kmsBucket(stack);
    expectError(() => new CrossAccountKmsGrant(stack, 'A', { bucket, roleArns: ['arn:aws:iam::222222222222:user/alice'] }),
      '[Data/A]', '\'arn:aws:iam::222222222222:user/alice\' is not an IAM role ARN', 'arn:<partition>:iam::<account>:role/<name>');
    expectError(() => new CrossAccountKmsGrant(stack, 'B', { bucket, roleArns: [`arn:aws:iam::${DATA}:role/odas-iam-role`] }),
      '[Data/B]', `'arn:aws:iam::${DATA}:role/odas-iam-role' is in the key's own account`, 'IAM policy');
  });

  test('an organization id that is not o-...', () => {
    const stack = dataStack();
    expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), organizationId: 'r-ab12' }),
      '[Data/Grant]', '\'r-ab12\'', 'o-a1b2c3d4e5');
  });

  test.each([
    [`${ORG}/r-ab12/ou-ab12-11111111`, /must end with '\/'.*'o-a1b2c3d4e5\/r-ab12\/ou-ab12-11111111\/\*'/],
    ['r-ab12/ou-ab12-11111111/*', /not an AWS Organizations path/],
    [`${ORG}/ou-ab12-11111111/*`, /not an AWS Organizations path/],
    [`${ORG}/r-ab12/sales/*`, /not an AWS Organizations path/],
  ])('organization path %s is rejected', (path, why) => {
    const stack = dataStack();
    expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), organizationPaths: [path] }),
      '[Data/Grant]', `'${path}'`, why, 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*');
  });

  test.each([`${ORG}/*`, `${ORG}/r-ab12/`, `${ORG}/r-ab12/ou-ab12-11111111/ou-ab12-22222222/`, `${ORG}/r-ab12/*/ou-ab12-22222222/*`])(
    'organization path %s is accepted', (path) => {
      const stack = dataStack();
      new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), organizationPaths: [path] });
      expect(okeraStatements(keyPolicyStatements(stack)).OkeraOrganizationPathsRead.Condition['ForAnyValue:StringLike']).toEqual({ 'aws:PrincipalOrgPaths': path });
    });

  test('organizationId and organizationPaths together are ambiguous', () => {
    const stack = dataStack();
    expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), organizationId: ORG, organizationPaths: [OU_PATH] }),
      '[Data/Grant]', `organizationId '${ORG}' and organizationPaths`, 'not both');
  });

  test('an alias where a key is expected: an alias ARN, and a kms.Alias', () => {
    const stack = dataStack();
    const aliasArn = `arn:aws:kms:us-east-1:${DATA}:alias/okera`;
    expectError(() => new CrossAccountKmsGrant(stack, 'A', { key: kms.Key.fromKeyArn(stack, 'ByAlias', aliasArn), accounts: [WORKERS] }),
      '[Data/A]', `'${aliasArn}' is a KMS alias`, 'key/<key-id>');
    const alias = new kms.Alias(stack, 'Alias', { aliasName: 'alias/okera', targetKey: new kms.Key(stack, 'Key') });
    expectError(() => new CrossAccountKmsGrant(stack, 'B', { key: alias, accounts: [WORKERS] }),
      '[Data/B]', 'key \'Data/Alias\' is a KMS alias', 'alias.aliasTargetKey');
  });

  test('a grant with no principals fails at synthesis', () => {
    const stack = dataStack();
    new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack) });
    expectError(() => Template.fromStack(stack), '[Data/Grant]', 'grants nothing', 'accounts', 'organizationId', 'addAccount');
  });

  test('a grant with no principals is fine once addAccount is called', () => {
    const stack = dataStack();
    const grant = new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack) });
    grant.addAccount(WORKERS);
    expect(okeraStatements(keyPolicyStatements(stack))).toEqual({ OkeraCrossAccountRead: accountsStatement('OkeraCrossAccountRead', WORKERS) });
  });

  test('a key that is not the bucket\'s key', () => {
    const stack = dataStack();
    const bucket = kmsBucket(stack);
    const other = new kms.Key(stack, 'Other');
    expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket, key: other, accounts: [WORKERS] }),
      '[Data/Grant]', 'key \'Data/Other\' is not the key of bucket \'Data/Data\'', 'Remove `key`');
  });

  test('the bucket\'s own key given explicitly is fine', () => {
    const stack = dataStack();
    const bucket = kmsBucket(stack);
    new CrossAccountKmsGrant(stack, 'Grant', { bucket, key: bucket.encryptionKey, accounts: [WORKERS] });
    expect(Object.keys(okeraStatements(keyPolicyStatements(stack)))).toEqual(['OkeraCrossAccountRead']);
  });

  test('a key with an SSE-S3 bucket', () => {
    const stack = dataStack();
    const bucket = new OkeraDataBucket(stack, 'Data', { encryption: EncryptionType.SSE_S3 });
    expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket, key: new kms.Key(stack, 'Key'), accounts: [WORKERS] }),
      '[Data/Grant]', 'bucket \'Data/Data\' is SSE_S3, which uses no KMS key', 'Remove `key`');
  });

  test('neither key nor bucket', () => {
    const stack = dataStack();
    expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { accounts: [WORKERS] }), '[Data/Grant]', 'neither key nor bucket', '`bucket: dataBucket`');
  });

  test('prefixes or bucketPolicy without a bucket policy to apply them to', () => {
    const stack = dataStack();
    const key = new kms.Key(stack, 'Key');
    expectError(() => new CrossAccountKmsGrant(stack, 'A', { key, accounts: [WORKERS], prefixes: ['sales'] }),
      '[Data/A]', 'prefixes [sales]', 'no bucket', 'KMS key policies cannot be limited to prefixes');
    expectError(() => new CrossAccountKmsGrant(stack, 'B', { key, accounts: [WORKERS], bucketPolicy: true }),
      '[Data/B]', 'bucketPolicy is true but no bucket');
    expectError(() => new CrossAccountKmsGrant(stack, 'C', { bucket: kmsBucket(stack), accounts: [WORKERS], prefixes: ['sales'], bucketPolicy: false }),
      '[Data/C]', 'prefixes [sales]', 'bucketPolicy is false');
  });

  test('a prefix with a wildcard inside', () => {
    const stack = dataStack();
    expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [WORKERS], prefixes: ['sales/*/2024'] }),
      '[Data/Grant]', '\'sales/*/2024\'', 'plain key prefix');
  });

  test('an access level that is not a DataAccess (e.g. a typo from another language)', () => {
    const stack = dataStack();
    expectError(() => new CrossAccountKmsGrant(stack, 'Grant', { bucket: kmsBucket(stack), accounts: [WORKERS], access: 'WRITE' as DataAccess }),
      '[Data/Grant]', '\'WRITE\'', 'DataAccess.READ_WRITE');
  });
});
