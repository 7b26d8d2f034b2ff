import * as path from 'path';
import { audit, run, tempDir, write } from './helpers';
import { EXIT_BAD_INPUT, EXIT_ERRORS_FOUND, EXIT_OK } from '../../src/cli/audit';

const dir = tempDir();

/**
 * One template, written twice: YAML with short-form tags and JSON with long-form intrinsics.
 * - DataBucket: SSE-KMS, but its TLS deny (built from the BucketName parameter) covers objects only;
 * - ArchiveBucket: `!If [UseDsse, aws:kms:dsse, AES256]`, one branch unsupported;
 * - ReaderRole: reads DataBucket with kms:Decrypt, but under kms:ViaService s3.amazonaws.com (never matches);
 * - WriterPolicy: writes DataBucket with kms:GenerateDataKey* only (multipart uploads need kms:Decrypt).
 */
const YAML = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  DataBucketName:
    Type: String
  UseDsse:
    Type: String
    AllowedValues: ['true', 'false']
Conditions:
  Dsse: !Equals [!Ref UseDsse, 'true']
Resources:
  DataKey:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: 2012-10-17
        Statement:
          - Effect: Allow
            Principal: { AWS: !Sub 'arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root' }
            Action: kms:*
            Resource: '*'
  DataBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Ref DataBucketName
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
              KMSMasterKeyID: !GetAtt DataKey.Arn
            BucketKeyEnabled: true
            BlockedEncryptionTypes: { EncryptionType: [SSE-C] }
  DataBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref DataBucket
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: '*'
            Action: s3:*
            Resource: !Sub 'arn:aws:s3:::\${DataBucketName}/*'
            Condition: { Bool: { aws:SecureTransport: false } }
  ArchiveBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: !If [Dsse, aws:kms:dsse, AES256]
            BlockedEncryptionTypes: { EncryptionType: [SSE-C] }
  ArchiveBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref ArchiveBucket
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: '*'
            Action: s3:*
            Resource: [!GetAtt [ArchiveBucket, Arn], !Join ['', [!GetAtt ArchiveBucket.Arn, /*]]]
            Condition: { Bool: { aws:SecureTransport: 'false' } }
  ReaderRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - { Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }
      Policies:
        - PolicyName: read
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [s3:ListBucket, s3:GetObject]
                Resource: [!GetAtt DataBucket.Arn, !Sub '\${DataBucket.Arn}/*']
              - Effect: Allow
                Action: kms:Decrypt
                Resource: !GetAtt DataKey.Arn
                Condition: { StringEquals: { kms:ViaService: s3.amazonaws.com } }
  WriterPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: s3:PutObject
            Resource: !Sub ['\${Arn}/*', { Arn: !GetAtt DataBucket.Arn }]
          - Effect: Allow
            Action: kms:GenerateDataKey*
            Resource: !GetAtt DataKey.Arn
`;

const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const tlsDeny = (resource: unknown, secureTransport: unknown) => ({
  Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: resource, Condition: { Bool: { 'aws:SecureTransport': secureTransport } },
});
const JSON_FORM = {
  AWSTemplateFormatVersion: '2010-09-09',
  Parameters: { DataBucketName: { Type: 'String' }, UseDsse: { Type: 'String', AllowedValues: ['true', 'false'] } },
  Conditions: { Dsse: { 'Fn::Equals': [{ Ref: 'UseDsse' }, 'true'] } },
  Resources: {
    DataKey: {
      Type: 'AWS::KMS::Key',
      Properties: {
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }, Action: 'kms:*', Resource: '*' }],
        },
      },
    },
    DataBucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketName: { Ref: 'DataBucketName' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arn('DataKey') },
            BucketKeyEnabled: true,
            BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
          }],
        },
      },
    },
    DataBucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: 'DataBucket' },
        PolicyDocument: { Statement: [tlsDeny({ 'Fn::Sub': 'arn:aws:s3:::${DataBucketName}/*' }, false)] },
      },
    },
    ArchiveBucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{
            ServerSideEncryptionByDefault: { SSEAlgorithm: { 'Fn::If': ['Dsse', 'aws:kms:dsse', 'AES256'] } },
            BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
          }],
        },
      },
    },
    ArchiveBucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: 'ArchiveBucket' },
        PolicyDocument: { Statement: [tlsDeny([arn('ArchiveBucket'), { 'Fn::Join': ['', [arn('ArchiveBucket'), '/*']] }], 'false')] },
      },
    },
    ReaderRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        Policies: [{
          PolicyName: 'read',
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetObject'], Resource: [arn('DataBucket'), { 'Fn::Sub': '${DataBucket.Arn}/*' }] },
              { Effect: 'Allow', Action: 'kms:Decrypt', Resource: arn('DataKey'), Condition: { StringEquals: { 'kms:ViaService': 's3.amazonaws.com' } } },
            ],
          },
        }],
      },
    },
    WriterPolicy: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Sub': ['${Arn}/*', { Arn: arn('DataBucket') }] } },
            { Effect: 'Allow', Action: 'kms:GenerateDataKey*', Resource: arn('DataKey') },
          ],
        },
      },
    },
  },
};

const EXPECTED: [string, string, string][] = [
  ['Okera-S3TlsEnforced', 'DataBucket', 'error'],
  ['Okera-S3EncryptionSupported', 'ArchiveBucket', 'error'],
  ['Okera-KmsViaServiceFormat', 'ReaderRole', 'error'],
  ['Okera-IamKmsPermissions', 'WriterPolicy', 'error'],
];

const yamlFile = write(dir, 'data-platform.yaml', YAML);
const jsonFile = write(dir, 'data-platform.json', JSON_FORM);

/** A compliant SSE-S3 bucket: supported encryption, SSE-C blocked, TLS denied on the bucket and its objects. */
const CLEAN = {
  Resources: {
    Bucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }],
        },
      },
    },
    BucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: 'Bucket' },
        PolicyDocument: { Statement: [tlsDeny([arn('Bucket'), { 'Fn::Sub': '${Bucket.Arn}/*' }], 'false')] },
      },
    },
  },
};

describe('findings', () => {
  test('the JSON and YAML forms of the same template give the same findings', () => {
    const fromYaml = audit(yamlFile);
    const fromJson = audit(jsonFile);
    expect(fromYaml.code).toBe(EXIT_ERRORS_FOUND);
    expect(fromJson.code).toBe(EXIT_ERRORS_FOUND);
    expect(fromYaml.triples).toEqual(EXPECTED);
    expect(fromJson.triples).toEqual(fromYaml.triples);
    expect(fromJson.findings.map(({ template: _t, ...f }) => f)).toEqual(fromYaml.findings.map(({ template: _t, ...f }) => f));
    expect(fromYaml.stderr).toBe('');
  });

  test('each finding names the template, the logical id, the resource type, the rule, the level and a specific message', () => {
    const { findings } = audit(yamlFile);
    expect(findings[0]).toEqual({
      template: yamlFile,
      logicalId: 'DataBucket',
      resourceType: 'AWS::S3::Bucket',
      ruleId: 'Okera-S3TlsEnforced',
      level: 'error',
      message: expect.stringMatching(/^Bucket 'DataBucket' denies non-TLS requests on its objects only: bucket-level actions such as s3:ListBucket/),
    });
    expect(findings.find((f) => f.logicalId === 'ReaderRole')!.message).toContain("'s3.amazonaws.com'");
    expect(findings.find((f) => f.logicalId === 'WriterPolicy')!.message).toMatch(/without kms:Decrypt on that key/);
  });

  test('the default table lists template, resource, rule, level and message, then a summary', () => {
    const r = run(yamlFile);
    expect(r.code).toBe(EXIT_ERRORS_FOUND);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^TEMPLATE +RESOURCE +RULE +LEVEL +MESSAGE$/);
    expect(lines[1]).toMatch(new RegExp(`^${yamlFile.replace(/[.\\/]/g, '\\$&')} +DataBucket +Okera-S3TlsEnforced +ERROR +Bucket 'DataBucket' denies`));
    expect(lines.filter((l) => l.startsWith(yamlFile))).toHaveLength(EXPECTED.length);
    expect(r.stdout).toMatch(/\n4 error\(s\), 0 warning\(s\), 0 info in 1 template\(s\)\n$/);
  });

  test('a compliant template: "No findings" and exit 0', () => {
    const r = run(write(dir, 'clean.json', CLEAN));
    expect(r).toEqual({ code: EXIT_OK, stdout: 'No findings. 0 error(s), 0 warning(s), 0 info in 1 template(s)\n', stderr: '' });
  });

  test('warnings alone exit 0; --level error hides them; errors always set the exit code', () => {
    const warnOnly = write(dir, 'warn-only.json', { Resources: { ...CLEAN.Resources, Bucket: { Type: 'AWS::S3::Bucket' } } });
    const all = audit(warnOnly);
    expect(all.code).toBe(EXIT_OK);
    expect(all.triples).toEqual([
      ['Okera-S3EncryptionDeclared', 'Bucket', 'warn'],
      ['Okera-S3SseCBlockDeclared', 'Bucket', 'warn'],
    ]);
    expect(audit('--level', 'error', warnOnly)).toMatchObject({ code: EXIT_OK, findings: [] });
    expect(audit('--level', 'warn', warnOnly).findings).toHaveLength(2);

    const both = audit('--level', 'error', warnOnly, yamlFile);
    expect(both.code).toBe(EXIT_ERRORS_FOUND);
    expect(both.triples).toEqual(EXPECTED);
  });

  test('the JSON report lists each template, how it was loaded, the findings and a summary', () => {
    const r = run('--format=json', yamlFile, write(dir, 'clean.json', CLEAN));
    const report = JSON.parse(r.stdout);
    expect(report.templates).toEqual([
      { file: yamlFile, loadedWith: 'include', notes: [] },
      { file: path.join(dir, 'clean.json'), loadedWith: 'include', notes: [] },
    ]);
    expect(report.summary).toEqual({ errors: 4, warnings: 0, infos: 0 });
    expect(report.findings).toHaveLength(4);
  });
});

describe('several templates in one run', () => {
  test('findings are attributed to their own file, even when two files share a name', () => {
    const a = write(dir, 'team-a/stack.json', { Resources: { Archive: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse' } }] } } } } });
    const b = write(dir, 'team-b/stack.json', CLEAN);
    const r = audit('--level', 'error', a, b);
    expect(r.findings.map((f) => [f.template, f.logicalId, f.ruleId])).toEqual([
      [a, 'Archive', 'Okera-S3EncryptionSupported'],
      [a, 'Archive', 'Okera-S3TlsEnforced'],
    ]);
  });

  test('templates are checked together: a role in one template reading a bucket of another is checked against that bucket\'s key', () => {
    const data = write(dir, 'data.yaml', YAML.replace('!Ref DataBucketName', 'okera-data-example'));
    const workers = write(dir, 'workers.yaml', `Resources:
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{ Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }]
      Policies:
        - PolicyName: read
          PolicyDocument:
            Statement:
              - { Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::okera-data-example/*' }
`);
    expect(audit(workers).findings).toEqual([]);
    const together = audit(workers, data);
    expect(together.findings.filter((f) => f.template === workers)).toEqual([expect.objectContaining({
      logicalId: 'WorkerRole',
      ruleId: 'Okera-IamKmsPermissions',
      level: 'error',
      message: expect.stringMatching(/reads objects of Bucket 'DataBucket' \(SSE-KMS with Key 'DataKey'\) without kms:Decrypt/),
    })]);
  });
  test('Fn::ImportValue is followed to the Export of another template of the run', () => {
    const data = write(dir, 'exporting.yaml', `${YAML.replace('!Ref DataBucketName', 'okera-export-example')}
  OtherKey:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
Outputs:
  DataKeyArn:
    Value: !GetAtt DataKey.Arn
    Export: { Name: okera-data-key-arn }
  OtherKeyArn:
    Value: !GetAtt OtherKey.Arn
    Export: { Name: okera-other-key-arn }
`);
    const reader = (name: string, exportName: string) => write(dir, name, `Resources:
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{ Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }]
      Policies:
        - PolicyName: read
          PolicyDocument:
            Statement:
              - { Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::okera-export-example/*' }
              - { Effect: Allow, Action: kms:Decrypt, Resource: !ImportValue ${exportName} }
`);
    const right = reader('imports-data-key.yaml', 'okera-data-key-arn');
    const wrong = reader('imports-other-key.yaml', 'okera-other-key-arn');
    expect(audit(right, data).findings.filter((f) => f.template === right)).toEqual([]);
    expect(audit(wrong, data).findings.filter((f) => f.template === wrong).map((f) => [f.ruleId, f.logicalId, f.message])).toEqual([
      ['Okera-IamKmsPermissions', 'WorkerRole', expect.stringMatching(/reads objects of Bucket 'DataBucket' \(SSE-KMS with Key 'DataKey'\) without kms:Decrypt/)],
    ]);
  });
});

describe('templates cloudformation-include accepts only in part are still checked', () => {
  /** The DSSE bucket and the role of the main template, plus `extra` resources and sections. */
  const variant = (name: string, extra: Record<string, any>) => write(dir, name, {
    ...JSON_FORM,
    ...extra,
    Resources: { ...JSON_FORM.Resources, ...extra.Resources },
  });

  test('parameters without defaults, conditions, custom resources, third-party and SAM types, unresolvable attributes: included as is', () => {
    const file = variant('odd-but-valid.json', {
      Transform: 'AWS::Serverless-2016-10-31',
      Resources: {
        Lookup: { Type: 'Custom::KeyLookup', Properties: { ServiceToken: { 'Fn::GetAtt': ['ReaderFunction', 'Arn'] } } },
        ReaderFunction: { Type: 'AWS::Serverless::Function', Properties: { Runtime: 'python3.12', Handler: 'index.handler', Policies: ['S3ReadPolicy'] } },
        Vendor: { Type: 'Acme::Scanner::Job', Properties: { Target: { Ref: 'DataBucket' }, KeyArn: { 'Fn::GetAtt': ['Lookup', 'KeyArn'] } } },
        Extra: { Type: 'AWS::SNS::Topic', Condition: 'Dsse', Properties: { KmsMasterKeyId: { 'Fn::GetAtt': ['Lookup', 'KeyArn'] } } },
      },
    });
    const r = audit(file);
    // the SAM transform is not expanded: the only note says so (the resources it would generate are not checked)
    expect(r.stderr).toBe(`okera-encryption-audit: note: ${file}: Transform "AWS::Serverless-2016-10-31" is not expanded: the resources and `
      + 'properties it generates are not checked. Audit the processed template too (aws cloudformation get-template --template-stage Processed)\n');
    expect(JSON.parse(r.stdout).templates[0].loadedWith).toBe('include');
    expect(r.triples).toEqual(EXPECTED);
  });

  test.each([
    ['a Ref to a parameter that does not exist', { Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { Ref: 'Missing' } } } } }],
    ['a cycle between resources', {
      Resources: {
        A: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { 'Fn::GetAtt': ['B', 'TopicName'] } } },
        B: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { 'Fn::GetAtt': ['A', 'TopicName'] } } },
      },
    }],
    ['an intrinsic function cloudformation-include does not know', { Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { 'Fn::ToJsonString': { a: 1 } } } } } }],
    ['a property of the wrong shape', { Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { Tags: 'team=data' } } } }],
  ])('%s: resources are checked with their properties as written', (_what, extra) => {
    const r = audit(variant(`refused-${_what.replace(/\W+/g, '-')}.json`, extra));
    expect(r.stderr).toMatch(/note: .*: cloudformation-include refused the template \(.+\); checking its resources with their properties as written/);
    expect(JSON.parse(r.stdout).templates[0].loadedWith).toBe('include-raw-resources');
    expect(r.triples).toEqual(EXPECTED);
  });

  test('broken Outputs and Conditions: the resources alone are checked', () => {
    const r = audit(variant('broken-sections.json', {
      Conditions: { Dsse: { 'Fn::Equals': [{ Ref: 'NoSuchParameter' }, 'true'] } },
      Outputs: { KeyArn: { Value: { 'Fn::GetAtt': ['NoSuchKey', 'Arn'] } } },
    }));
    expect(r.stderr).toMatch(/refused it again .*; checking its resources and parameters without the rest of the template/);
    expect(JSON.parse(r.stdout).templates[0].loadedWith).toBe('raw');
    expect(r.triples).toEqual(EXPECTED);
  });

  test('entries of Resources that are not resources (Fn::ForEach, null) are skipped with a note', () => {
    const r = audit(variant('language-extensions.json', {
      Transform: 'AWS::LanguageExtensions',
      Resources: {
        'Fn::ForEach::Topics': ['Name', ['a', 'b'], { 'Topic${Name}': { Type: 'AWS::SNS::Topic' } }],
        'Nothing': null,
      },
    }));
    expect(r.stderr).toMatch(/skipped 'Fn::ForEach::Topics', 'Nothing': not a resource with a Type/);
    expect(r.triples).toEqual(EXPECTED);
  });

  test('cdk-nag 2 suppressions in resource Metadata silence a finding, in every load mode', () => {
    const suppress = (resource: any) => ({ ...resource, Metadata: { cdk_nag: { rules_to_suppress: [{ id: 'Okera-S3EncryptionSupported', reason: 'archive tier' }] } } });
    const included = audit(variant('suppressed.json', { Resources: { ArchiveBucket: suppress(JSON_FORM.Resources.ArchiveBucket) } }));
    const raw = audit(variant('suppressed-raw.json', {
      Outputs: { Broken: { Value: { Ref: 'Nope' } } },
      Conditions: { Dsse: { 'Fn::Equals': [{ Ref: 'Nope' }, 'true'] } },
      Resources: { ArchiveBucket: suppress(JSON_FORM.Resources.ArchiveBucket) },
    }));
    const withoutArchive = EXPECTED.filter(([, id]) => id !== 'ArchiveBucket');
    expect(included.triples).toEqual(withoutArchive);
    expect(JSON.parse(raw.stdout).templates[0].loadedWith).toBe('raw');
    expect(raw.triples).toEqual(withoutArchive);
  });
});

describe('--account and --region', () => {
  const SHARED_AWS_S3 = `Resources:
  Shared:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: { SSEAlgorithm: aws:kms }
            BucketKeyEnabled: true
            BlockedEncryptionTypes: { EncryptionType: [SSE-C] }
  SharedPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Shared
      PolicyDocument:
        Statement:
          - { Effect: Deny, Principal: '*', Action: 's3:*', Resource: [!GetAtt Shared.Arn, !Sub '\${Shared.Arn}/*'], Condition: { Bool: { aws:SecureTransport: false } } }
          - { Effect: Allow, Principal: { AWS: 'arn:aws:iam::111111111111:role/odas-iam-role' }, Action: s3:GetObject, Resource: !Sub '\${Shared.Arn}/*' }
`;

  test('the account the template deploys to decides whether a principal is another account', () => {
    const file = write(dir, 'aws-s3-shared.yaml', SHARED_AWS_S3);
    const sameAccount = audit('--account', '111111111111', '--region', 'eu-west-1', file);
    const otherAccount = audit('--account', '222222222222', '--region', 'eu-west-1', file);
    expect(sameAccount.triples).toEqual([['Okera-S3AwsManagedKey', 'Shared', 'warn']]);
    expect(sameAccount.code).toBe(EXIT_OK);
    expect(otherAccount.triples).toEqual([['Okera-S3AwsManagedKeyNotShared', 'Shared', 'error']]);
    expect(otherAccount.findings[0].message).toContain('arn:aws:iam::111111111111:role/odas-iam-role');
    expect(otherAccount.code).toBe(EXIT_ERRORS_FOUND);
  });

  test('bad values are usage errors', () => {
    expect(run('--account', '22222222222a', 'x.yaml').code).toBe(EXIT_BAD_INPUT);
  });
});

describe('--list-rules', () => {
  test('lists every rule with its level and what a finding means; findings carry the listed level', () => {
    const listed: { ruleId: string; level: string; resourceTypes: string[]; info: string }[] = JSON.parse(run('--list-rules', '--format', 'json').stdout);
    expect(listed.map((r) => r.ruleId)).toEqual(expect.arrayContaining(['Okera-S3EncryptionSupported', 'Okera-S3TlsEnforced', 'Okera-IamKmsPermissions', 'Okera-KmsViaServiceFormat']));
    const level = new Map(listed.map((r) => [r.ruleId, r.level]));
    for (const f of audit(yamlFile, write(dir, 'warn-only-2.json', { Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } })).findings) {
      expect([f.ruleId, f.level]).toEqual([f.ruleId, level.get(f.ruleId)]);
      expect(listed.find((r) => r.ruleId === f.ruleId)!.resourceTypes).toContain(f.resourceType);
    }

    const table = run('--list-rules');
    expect(table.code).toBe(EXIT_OK);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RULE +LEVEL +FINDING$/);
    expect(lines.slice(1)).toHaveLength(listed.length);
    expect(lines).toContainEqual(expect.stringMatching(/^Okera-S3EncryptionSupported +ERROR +The S3 bucket's default encryption is not one Okera can read/));
  });
});
