import { arnOf, bucket, bucketPolicy, check, COMPLIANT, include, NON_COMPLIANT, NOT_APPLICABLE, objectsOf, pairs, template, tlsDeny } from './helpers';
import { S3TlsEnforced } from '../../src/nag/rules/s3-tls-enforced';

describe('Okera-S3TlsEnforced', () => {
  test('a SecureTransport deny on the bucket ARN and its objects is compliant', () => {
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy('B', [tlsDeny([arnOf('B'), objectsOf('B')])]) }));
    expect(check(S3TlsEnforced, app, 'B').compliance).toBe(COMPLIANT);
  });

  test.each([['boolean false', false], ['string "false"', 'false'], ['["false"]', ['false']]])('%s both count', (_, value) => {
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy('B', [tlsDeny([arnOf('B'), objectsOf('B')], value)]) }));
    expect(check(S3TlsEnforced, app, 'B').compliance).toBe(COMPLIANT);
  });

  test('a deny covering only objects is non-compliant and names the bucket-level actions left open', () => {
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy('B', [tlsDeny([objectsOf('B')])]) }));
    const result = check(S3TlsEnforced, app, 'B');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain('on its objects only: bucket-level actions such as s3:ListBucket');
  });

  test('a deny covering only the bucket ARN is non-compliant (objects not covered)', () => {
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy('B', [tlsDeny([arnOf('B')])]) }));
    expect(check(S3TlsEnforced, app, 'B').message).toContain('but not on all its objects');
  });

  test('a deny on one prefix only does not cover the objects', () => {
    const prefix = { 'Fn::Join': ['', [arnOf('B'), '/data/*']] };
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy('B', [tlsDeny([arnOf('B'), prefix])]) }));
    expect(check(S3TlsEnforced, app, 'B').compliance).toBe(NON_COMPLIANT);
  });

  test('no bucket policy, or a policy without the deny, is non-compliant', () => {
    const allow = { Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: objectsOf('B'), Condition: { Bool: { 'aws:SecureTransport': 'true' } } };
    const { app } = include(template({ A: bucket('AES256'), B: bucket('AES256'), P: bucketPolicy('B', [allow]) }));
    expect(check(S3TlsEnforced, app, 'A').message).toContain('has no bucket policy statement denying requests without TLS');
    expect(check(S3TlsEnforced, app, 'B').compliance).toBe(NON_COMPLIANT);
  });

  test('an IAM Allow with a SecureTransport condition is not bucket TLS enforcement', () => {
    const role = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [tlsDeny([arnOf('B'), objectsOf('B')])] } }],
      },
    };
    const { app } = include(template({ B: bucket('AES256'), R: role }));
    expect(check(S3TlsEnforced, app, 'B').compliance).toBe(NON_COMPLIANT);
  });

  test('a deny with SecureTransport "true", or for one principal only, does not count', () => {
    const wrongValue = tlsDeny([arnOf('B'), objectsOf('B')], 'true');
    const onePrincipal = { ...tlsDeny([arnOf('C'), objectsOf('C')]), Principal: { AWS: 'arn:aws:iam::111111111111:role/x' } };
    const { app } = include(template({ B: bucket('AES256'), C: bucket('AES256'), P: bucketPolicy('B', [wrongValue]), Q: bucketPolicy('C', [onePrincipal]) }));
    expect(check(S3TlsEnforced, app, 'B').compliance).toBe(NON_COMPLIANT);
    expect(check(S3TlsEnforced, app, 'C').compliance).toBe(NON_COMPLIANT);
  });

  test('two buckets in one stack: each is judged by its own policy', () => {
    const { app } = include(template({
      Good: bucket('AES256'),
      Bad: bucket('AES256'),
      GoodPolicy: bucketPolicy('Good', [tlsDeny([arnOf('Good'), objectsOf('Good')])]),
      BadPolicy: bucketPolicy('Bad', [tlsDeny([objectsOf('Bad'), arnOf('Good')])]),
    }));
    expect(pairs(app, 'Okera-S3TlsEnforced')).toEqual([['Okera-S3TlsEnforced', 'Bad']]);
  });

  test('parameter-based ARNs (!Sub arn:aws:s3:::${BucketName}) resolve back to the bucket named by the same parameter', () => {
    const parameters = { Parameters: { BucketName: { Type: 'String' } } };
    const full = include(template({
      B: bucket('AES256', { props: { BucketName: { Ref: 'BucketName' } } }),
      P: bucketPolicy('B', [tlsDeny([{ 'Fn::Sub': 'arn:aws:s3:::${BucketName}' }, { 'Fn::Sub': 'arn:aws:s3:::${BucketName}/*' }])]),
    }, parameters));
    expect(check(S3TlsEnforced, full.app, 'B').compliance).toBe(COMPLIANT);

    const partial = include(template({
      B: bucket('AES256', { props: { BucketName: { Ref: 'BucketName' } } }),
      P: bucketPolicy({ Ref: 'BucketName' }, [tlsDeny([{ 'Fn::Sub': 'arn:aws:s3:::${BucketName}/*' }])]),
    }, parameters));
    expect(check(S3TlsEnforced, partial.app, 'B').message).toContain('on its objects only');
  });

  test('Fn::If partitions and Fn::Sub with ${AWS::Partition} match the bucket', () => {
    const partition = { 'Fn::If': ['Gov', 'aws-us-gov', 'aws'] };
    const { app } = include(template({
      B: bucket('AES256'),
      P: bucketPolicy('B', [tlsDeny([
        { 'Fn::Join': ['', ['arn:', partition, ':s3:::', { Ref: 'B' }]] },
        { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${B}/*' },
      ])]),
    }, { Conditions: { Gov: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-gov-west-1'] } } }));
    expect(check(S3TlsEnforced, app, 'B').compliance).toBe(COMPLIANT);
  });

  test('Fn::If on the resources: a branch that covers only objects is non-compliant', () => {
    const conditions = { Parameters: { X: { Type: 'String' } }, Conditions: { C: { 'Fn::Equals': [{ Ref: 'X' }, 'x'] } } };
    const { app } = include(template({
      B: bucket('AES256'),
      P: bucketPolicy('B', [tlsDeny({ 'Fn::If': ['C', [arnOf('B'), objectsOf('B')], [objectsOf('B')]] })]),
    }, conditions));
    expect(check(S3TlsEnforced, app, 'B').message).toContain('on its objects only under some template conditions');

    const both = include(template({
      B: bucket('AES256'),
      P: bucketPolicy('B', [tlsDeny({ 'Fn::If': ['C', [arnOf('B'), objectsOf('B')], [objectsOf('B'), arnOf('B')]] })]),
    }, conditions));
    expect(check(S3TlsEnforced, both.app, 'B').compliance).toBe(COMPLIANT);
  });

  test('a bucket policy in another stack, referring to the bucket by a literal name, counts', () => {
    const named = include(template({ B: bucket('AES256', { props: { BucketName: 'okera-data-1' } }) }), { id: 'Data' });
    const policy = { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: 'okera-data-1', PolicyDocument: { Statement: [tlsDeny(['arn:aws:s3:::okera-data-1', 'arn:aws:s3:::okera-data-1/*'])] } } };
    include(template({ P: policy }), { app: named.app, id: 'Policies' });
    expect(check(S3TlsEnforced, named.app, 'B', 'Data').compliance).toBe(COMPLIANT);
  });

  test('a deny whose resources cannot be resolved is not guessed', () => {
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy('B', [tlsDeny([{ 'Fn::ImportValue': 'defined-elsewhere' }])]) }));
    expect(check(S3TlsEnforced, app, 'B').compliance).toBe(NOT_APPLICABLE);
  });
});

describe('Okera-S3TlsEnforced: a TLS deny narrowed by another condition', () => {
  test('an extra condition (aws:PrincipalAccount) makes the deny partial: non-compliant, naming the condition', () => {
    const narrowed = { ...tlsDeny([arnOf('B'), objectsOf('B')]), Condition: { Bool: { 'aws:SecureTransport': 'false' }, StringEquals: { 'aws:PrincipalAccount': '999999999999' } } };
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy('B', [narrowed]) }));
    const result = check(S3TlsEnforced, app, 'B');
    expect(result.compliance).toBe(NON_COMPLIANT);
    expect(result.message).toContain('denies requests without TLS only when StringEquals aws:PrincipalAccount 999999999999 also holds');
  });

  test('the same deny next to an unconditional one is compliant', () => {
    const narrowed = { ...tlsDeny([arnOf('B'), objectsOf('B')]), Condition: { Bool: { 'aws:SecureTransport': 'false' }, StringEquals: { 'aws:PrincipalAccount': '999999999999' } } };
    const { app } = include(template({ B: bucket('AES256'), P: bucketPolicy('B', [narrowed, tlsDeny([arnOf('B'), objectsOf('B')])]) }));
    expect(check(S3TlsEnforced, app, 'B').compliance).toBe(COMPLIANT);
  });
});
