import * as path from 'path';
import { run, tempDir, write } from './helpers';
import { EXIT_BAD_INPUT, EXIT_OK, USAGE } from '../../src/cli/audit';

const dir = tempDir();
const CLEAN = {
  Resources: {
    Bucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
            BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
          }],
        },
      },
    },
    BucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: 'Bucket' },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, { 'Fn::Sub': '${Bucket.Arn}/*' }],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }],
        },
      },
    },
  },
};

describe('usage', () => {
  test.each([['--help'], ['-h']])('%s prints the usage and exits 0', (flag) => {
    const r = run(flag);
    expect(r.code).toBe(EXIT_OK);
    expect(r.stdout).toBe(USAGE);
    expect(r.stdout).toMatch(/--format table\|json/);
    expect(r.stdout).toMatch(/--level error\|warn\|info/);
  });

  test.each([
    [[], /no template given/],
    [['--format', 'xml', 'x.yaml'], /--format 'xml' is not supported. Use 'table' or 'json'/],
    [['--level', 'debug', 'x.yaml'], /--level 'debug' is not a level/],
    [['--account', '1234', 'x.yaml'], /--account '1234' is not an AWS account id/],
    [['--region', 'Frankfurt', 'x.yaml'], /--region 'Frankfurt' is not an AWS region/],
    [['--verbose', 'x.yaml'], /Unknown option '--verbose'/],
  ])('bad options %j exit 2 and say what to do', (args, message) => {
    const r = run(...args);
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/--help/);
    expect(r.stdout).toBe('');
  });
});

describe('unreadable input exits 2 with the file and the reason on stderr', () => {
  test.each([
    ['missing file', path.join(dir, 'does-not-exist.yaml'), undefined, /does-not-exist\.yaml: file not found/],
    ['empty file', 'empty.yaml', '', /empty\.yaml: the file is empty/],
    ['whitespace only', 'blank.json', '  \n\n', /blank\.json: the file is empty/],
    ['not JSON or YAML', 'broken.yaml', 'Resources:\n  Bucket: [unclosed\n', /broken\.yaml: not valid JSON or YAML/],
    ['broken JSON', 'broken.json', '{"Resources": {"Bucket": ', /broken\.json: not valid JSON \(/],
    ['YAML that is not a template', 'config.yaml', 'name: my-app\nreplicas: 3\n', /config\.yaml: not a CloudFormation template: it has no `Resources` map/],
    ['a YAML scalar', 'note.yaml', 'just some text\n', /note\.yaml: not a CloudFormation template: the document is not a map/],
    ['Resources that is a list', 'list.json', { Resources: [{ Type: 'AWS::S3::Bucket' }] }, /list\.json: not a CloudFormation template: it has no `Resources` map/],
    ['a directory', '.', undefined, /is a directory/],
  ])('%s', (_what, name, content, reason) => {
    const file = content === undefined ? (path.isAbsolute(name) ? name : path.join(dir, name)) : write(dir, name, content);
    const r = run(file);
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr).toContain(file);
    expect(r.stdout).toBe('');
  });

  test('the readable templates are still audited and reported, but the exit code is 2', () => {
    const good = write(dir, 'clean.json', CLEAN);
    const r = run(good, path.join(dir, 'missing.json'));
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.stderr).toMatch(/missing\.json: file not found/);
    expect(r.stdout).toMatch(/No findings\. 0 error\(s\), 0 warning\(s\), 0 info in 1 template\(s\)/);
  });
});
