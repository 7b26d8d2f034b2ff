import { parseCfnYaml } from '../../src/cli/cfn-yaml';

describe('parseCfnYaml: CloudFormation short-form tags become the long JSON form', () => {
  test.each([
    ['!Ref BucketName', { Ref: 'BucketName' }],
    ["!Sub 'arn:aws:s3:::${Bucket}/*'", { 'Fn::Sub': 'arn:aws:s3:::${Bucket}/*' }],
    ["!Sub ['${Arn}/*', { Arn: !GetAtt Bucket.Arn }]", { 'Fn::Sub': ['${Arn}/*', { Arn: { 'Fn::GetAtt': ['Bucket', 'Arn'] } }] }],
    ['!GetAtt Bucket.Arn', { 'Fn::GetAtt': ['Bucket', 'Arn'] }],
    // attribute names can contain dots: only the first one separates the resource
    ['!GetAtt Nested.Outputs.KeyArn', { 'Fn::GetAtt': ['Nested', 'Outputs.KeyArn'] }],
    ['!GetAtt [Key, Arn]', { 'Fn::GetAtt': ['Key', 'Arn'] }],
    ['!If [UseKms, aws:kms, AES256]', { 'Fn::If': ['UseKms', 'aws:kms', 'AES256'] }],
    ["!Join ['', ['arn:', !Ref AWS::Partition]]", { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }]] }],
    ['!Select [0, !GetAZs ""]', { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }],
    ["!Split [',', !Ref List]", { 'Fn::Split': [',', { Ref: 'List' }] }],
    ["!Not [!Equals [!Ref Name, '']]", { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Name' }, ''] }] }],
    ['!And [!Condition A, !Or [!Condition B, !Condition C]]', { 'Fn::And': [{ Condition: 'A' }, { 'Fn::Or': [{ Condition: 'B' }, { Condition: 'C' }] }] }],
    ['!FindInMap [Regions, !Ref AWS::Region, Key]', { 'Fn::FindInMap': ['Regions', { Ref: 'AWS::Region' }, 'Key'] }],
    ["!Base64 { 'Fn::Sub': 'echo ${AWS::Region}' }", { 'Fn::Base64': { 'Fn::Sub': 'echo ${AWS::Region}' } }],
    ["!Cidr ['10.0.0.0/16', 6, 5]", { 'Fn::Cidr': ['10.0.0.0/16', 6, 5] }],
    ['!ImportValue shared-key-arn', { 'Fn::ImportValue': 'shared-key-arn' }],
    ['!ImportValue { "Fn::Sub": "${Env}-key-arn" }', { 'Fn::ImportValue': { 'Fn::Sub': '${Env}-key-arn' } }],
  ])('%s', (yaml, expected) => {
    expect(parseCfnYaml(`Value: ${yaml}`)).toEqual({ Value: expected });
  });

  test('YAML keeps what CloudFormation means: policy versions stay strings, unquoted Null is a key, anchors resolve', () => {
    const parsed = parseCfnYaml([
      'Version: 2012-10-17',
      'Condition:',
      '  Null:',
      "    's3:x-amz-server-side-encryption': true",
      '  Bool: { aws:SecureTransport: false }',
      'Shared: &arn !GetAtt Bucket.Arn',
      'Again: *arn',
    ].join('\n'));
    expect(parsed).toEqual({
      Version: '2012-10-17',
      Condition: { Null: { 's3:x-amz-server-side-encryption': true }, Bool: { 'aws:SecureTransport': false } },
      Shared: { 'Fn::GetAtt': ['Bucket', 'Arn'] },
      Again: { 'Fn::GetAtt': ['Bucket', 'Arn'] },
    });
  });

  test('text that is not YAML throws the parser error', () => {
    expect(() => parseCfnYaml('Resources: [unclosed')).toThrow(/flow sequence|Missing|end/i);
  });
});
