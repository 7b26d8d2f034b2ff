import { audit, tempDir, write } from './helpers';
import { EXIT_ERRORS_FOUND, EXIT_OK } from '../../src/cli/audit';

const dir = tempDir();

/** A bucket that passes every rule (SSE-S3, SSE-C blocked, TLS enforced), with its properties replaced or extended. */
function goodBucket(properties?: unknown): Record<string, object> {
  return {
    Good: {
      Type: 'AWS::S3::Bucket',
      Properties: properties ?? {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }] },
      },
    },
    GoodPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: 'Good' },
        PolicyDocument: {
          Statement: [{
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [{ 'Fn::GetAtt': ['Good', 'Arn'] }, { 'Fn::Sub': '${Good.Arn}/*' }],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }],
        },
      },
    },
  };
}

describe('resources with properties of the wrong shape are checked and named, never dropped', () => {
  test.each([
    ['BucketEncryption is a string', { BucketEncryption: 'oops' }, /bucketEncryption: .*Expected an object, but received: "oops"/],
    ['ServerSideEncryptionConfiguration is a string', { BucketEncryption: { ServerSideEncryptionConfiguration: 'x' } }, /serverSideEncryptionConfiguration: "x" should be a list/],
  ])('%s: a note names the file, resource and reason, and the bucket is still checked', (_, properties, reason) => {
    const file = write(dir, `shape-${_.replace(/\W+/g, '-')}.json`, { Resources: { B: { Type: 'AWS::S3::Bucket', Properties: properties } } });
    const r = audit(file);
    expect(r.stderr).toContain(`note: ${file}: resource 'B': its properties do not have the shape its type requires (`);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr).toContain('CloudFormation rejects it. Checked with its properties as written');
    // before: the bucket vanished from the model ("No findings.", exit 0); now its missing TLS deny is reported
    expect(r.triples).toEqual([['Okera-S3TlsEnforced', 'B', 'error']]);
    expect(r.code).toBe(EXIT_ERRORS_FOUND);
  });

  test('Properties that is not a map gets a note', () => {
    const file = write(dir, 'props-string.json', { Resources: { ...goodBucket(), B: { Type: 'AWS::SNS::Topic', Properties: 'oops' } } });
    const r = audit(file);
    expect(r.stderr).toContain(`note: ${file}: resource 'B': its Properties is not a map (CloudFormation rejects it)`);
    expect(r).toMatchObject({ code: EXIT_OK, findings: [] });
  });
});

describe('what the audit does not expand is said on stderr', () => {
  test('a template Transform (SAM) gets a note', () => {
    const file = write(dir, 'sam.json', { Transform: ['AWS::Serverless-2016-10-31'], Resources: goodBucket() });
    const r = audit(file);
    expect(r.stderr).toContain('Transform "AWS::Serverless-2016-10-31" is not expanded');
    expect(r).toMatchObject({ code: EXIT_OK, findings: [] });
  });

  test('a nested stack gets a note', () => {
    const file = write(dir, 'nested.json', {
      Resources: { ...goodBucket(), Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'https://s3.amazonaws.com/a/child.yaml' } } },
    });
    expect(audit(file).stderr).toContain("resource 'Child' is a nested stack (AWS::CloudFormation::Stack): its template is not checked");
  });

  test('Fn::Transform in a bucket\'s properties: a note, and no "declares no default encryption" guess', () => {
    const include = { 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: 's3://bucket/encryption.yaml' } } };
    const file = write(dir, 'include.json', { Resources: goodBucket(include) });
    const r = audit(file);
    expect(r.stderr).toContain("resource 'Good': Fn::Transform (such as AWS::Include) in its properties is not expanded");
    expect(r.findings.map((f) => f.ruleId)).not.toContain('Okera-S3EncryptionDeclared');
    expect(r.findings.map((f) => f.ruleId)).not.toContain('Okera-S3SseCBlockDeclared');
    // the same bucket without the include does get the warning: the rule still runs
    const plain = audit(write(dir, 'no-encryption.json', { Resources: goodBucket({}) }));
    expect(plain.triples).toContainEqual(['Okera-S3EncryptionDeclared', 'Good', 'warn']);
  });

  test('an unknown YAML tag gets a note with its line; known short forms do not', () => {
    const file = write(dir, 'tags.yaml', `Resources:
  B:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Foo bar
      Tags: [{ Key: k, Value: !Sub '\${AWS::Region}' }]
`);
    const r = audit(file);
    expect(r.stderr).toContain(`note: ${file}: unknown YAML tag !Foo at line 5, column 19: not a CloudFormation function`);
    expect(r.stderr).not.toContain('!Sub');
  });
});
