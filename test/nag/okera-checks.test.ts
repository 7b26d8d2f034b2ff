import { App, Aspects, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagMessageLevel } from 'cdk-nag';
import { bucket, include, template } from './helpers';
import { OkeraChecks, OkeraEncryptionAspect } from '../../src/nag';

/** An app with one DSSE bucket (error findings) and one SSE-S3 bucket with TLS enforced (warnings only). */
function app(): { app: App; stack: Stack; dsse: s3.Bucket; good: s3.Bucket } {
  const a = new App();
  const stack = new Stack(a, 'Stack');
  const dsse = new s3.Bucket(stack, 'Dsse', { encryption: s3.BucketEncryption.DSSE_MANAGED, enforceSSL: true });
  const good = new s3.Bucket(stack, 'Good', { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true });
  return { app: a, stack, dsse, good };
}

describe('OkeraChecks (cdk-nag 3 pack)', () => {
  // CDK prints the validation report (warnings included) on stderr when synthesizing.
  beforeEach(() => jest.spyOn(console, 'error').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  test('validateScope reports each rule once, with its severity and the violating construct paths', () => {
    const { app: a } = app();
    const report = new OkeraChecks().validateScope(a);
    expect(report.success).toBe(false);
    const byRule = Object.fromEntries(report.violations.map((v) => [v.ruleName, v]));
    expect(byRule['Okera-S3EncryptionSupported'].severity).toBe('error');
    expect(byRule['Okera-S3EncryptionSupported'].violatingResources.map((r) => r.constructPath)).toEqual(['Stack/Dsse/Resource']);
    expect(byRule['Okera-S3SseCBlockDeclared'].severity).toBe('warning');
    expect(byRule['Okera-S3SseCBlockDeclared'].violatingResources.map((r) => r.constructPath)).toEqual(['Stack/Dsse/Resource', 'Stack/Good/Resource']);
  });

  test('warnings alone do not fail the report', () => {
    const a = new App();
    new s3.Bucket(new Stack(a, 'Stack'), 'Good', { enforceSSL: true });
    const report = new OkeraChecks().validateScope(a);
    expect(report.violations.map((v) => [v.ruleName, v.severity])).toEqual([['Okera-S3EncryptionDeclared', 'warning'], ['Okera-S3SseCBlockDeclared', 'warning']]);
    expect(report.success).toBe(true);
  });

  test('registered with Validations, an error fails synthesis and names the rule', () => {
    const { app: a } = app();
    Validations.of(a).addPlugins(new OkeraChecks(a));
    expect(() => a.synth()).toThrow(/Okera-S3EncryptionSupported/);
  });

  test('registered with Validations, an app with warnings only synthesizes', () => {
    const a = new App();
    new s3.Bucket(new Stack(a, 'Stack'), 'Good', { enforceSSL: true });
    Validations.of(a).addPlugins(new OkeraChecks(a));
    expect(() => a.synth()).not.toThrow();
  });

  test('Validations.of(c).acknowledge silences a rule on that construct only', () => {
    const { app: a, dsse } = app();
    Validations.of(dsse).acknowledge({ id: 'Okera-S3EncryptionSupported', reason: 'archive bucket, never read by Okera' });
    Validations.of(a).addPlugins(new OkeraChecks(a));
    const report = new OkeraChecks().validateScope(a);
    expect(report.violations.map((v) => v.ruleName)).not.toContain('Okera-S3EncryptionSupported');
    expect(report.success).toBe(true);
    expect(() => a.synth()).not.toThrow();
    expect(new OkeraChecks().audit(a).map((f) => f.ruleId)).not.toContain('Okera-S3EncryptionSupported');
  });

  test('the id CDK\'s report suggests (Okera::Okera-<Rule>) works too', () => {
    const { app: a, dsse } = app();
    Validations.of(dsse).acknowledge({ id: 'Okera::Okera-S3EncryptionSupported', reason: 'archive bucket' });
    expect(new OkeraChecks().audit(a).map((f) => f.ruleId)).not.toContain('Okera-S3EncryptionSupported');
    expect(new OkeraChecks().validateScope(a).success).toBe(true);
  });

  test('cdk-nag 2 style template metadata (cdk_nag.rules_to_suppress) silences a rule', () => {
    const withMetadata = { ...bucket('aws:kms:dsse'), Metadata: { cdk_nag: { rules_to_suppress: [{ id: 'Okera-S3EncryptionSupported', reason: 'legacy' }] } } };
    const { app: a } = include(template({ Legacy: withMetadata, Other: bucket('aws:kms:dsse') }));
    const findings = new OkeraChecks().audit(a).filter((f) => f.ruleId === 'Okera-S3EncryptionSupported');
    expect(findings.map((f) => f.resourceLogicalId)).toEqual(['Other']);
  });

  test('audit returns one finding per rule and resource, with messages specific to each resource', () => {
    const { app: a } = include(template({ A: bucket('aws:kms:dsse'), B: bucket('AES128') }));
    const findings = new OkeraChecks().audit(a).filter((f) => f.ruleId === 'Okera-S3EncryptionSupported');
    expect(findings).toEqual([
      expect.objectContaining({ resourceLogicalId: 'A', stackName: 'Stack', resourceType: 'AWS::S3::Bucket', level: NagMessageLevel.ERROR, constructPath: 'Stack/Template/A' }),
      expect.objectContaining({ resourceLogicalId: 'B', level: NagMessageLevel.ERROR }),
    ]);
    expect(findings[0].message).toContain("Bucket 'A' declares default encryption 'aws:kms:dsse'");
    expect(findings[1].message).toContain("Bucket 'B' declares default encryption 'AES128'");
  });

  test('validate() checks only the stacks of the environment CDK passes, so no resource is reported twice', () => {
    const a = new App();
    for (const id of ['A', 'B']) {
      new CfnResource(new Stack(a, id), 'Dsse', { type: 'AWS::S3::Bucket', properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse' } }] } } });
    }
    const pack = new OkeraChecks();
    const report = pack.validate({
      appConstruct: a,
      templatePaths: [],
      accountId: undefined,
      region: undefined,
      stackTemplates: [{ stackConstructPath: 'B', templatePath: 'B.template.json' }],
    });
    const violation = report.violations.find((v) => v.ruleName === 'Okera-S3EncryptionSupported')!;
    expect(violation.violatingResources.map((r) => r.constructPath)).toEqual(['B/Dsse']);
  });

  test('rules() documents every rule with a unique Okera- id', () => {
    const rules = OkeraChecks.rules();
    expect(new Set(rules.map((r) => r.ruleId)).size).toBe(rules.length);
    expect(new OkeraChecks().ruleIds).toEqual(rules.map((r) => r.ruleId));
    for (const r of rules) {
      expect(r.ruleId).toMatch(/^Okera-[A-Z][A-Za-z0-9]+$/);
      expect([NagMessageLevel.ERROR, NagMessageLevel.WARN]).toContain(r.level);
      expect(r.info.length).toBeGreaterThan(20);
      expect(r.explanation.length).toBeGreaterThan(60);
      expect(r.resourceTypes.length).toBeGreaterThan(0);
    }
  });
});

describe('OkeraEncryptionAspect', () => {
  test('errors become annotation errors, warnings become warnings with the rule id', () => {
    const { app: a, stack } = app();
    Aspects.of(a).add(new OkeraEncryptionAspect());
    const annotations = Annotations.fromStack(stack);
    annotations.hasError('/Stack/Dsse/Resource', Match.stringLikeRegexp('\\[Okera-S3EncryptionSupported\\] Bucket .* declares default encryption \'aws:kms:dsse\''));
    annotations.hasWarning('/Stack/Good/Resource', Match.stringLikeRegexp('does not declare BlockedEncryptionTypes.*Okera-S3SseCBlockDeclared'));
    annotations.hasNoError('/Stack/Good/Resource', Match.anyValue());
  });

  test('ignore skips rules app-wide; Validations.acknowledge skips them on one construct', () => {
    const { app: a, stack, dsse } = app();
    Validations.of(dsse).acknowledge({ id: 'Okera-S3EncryptionSupported', reason: 'archive' });
    Aspects.of(a).add(new OkeraEncryptionAspect({ ignore: ['Okera-S3SseCBlockDeclared'] }));
    const annotations = Annotations.fromStack(stack);
    annotations.hasNoError('*', Match.anyValue());
    annotations.hasNoWarning('*', Match.stringLikeRegexp('Okera-S3SseCBlockDeclared'));
  });

  test('an unknown rule id in ignore is an error, not a silent no-op', () => {
    expect(() => new OkeraEncryptionAspect({ ignore: ['S3TlsEnforced'] }))
      .toThrow(/ignore lists unknown rule id\(s\) 'S3TlsEnforced'. Use the full ids, one of: Okera-S3EncryptionSupported, /);
  });

  test('the aspect records errors in the cloud assembly, where they make `cdk synth` fail', () => {
    const { app: a } = app();
    Aspects.of(a).add(new OkeraEncryptionAspect());
    const assembly = a.synth();
    const messages = assembly.getStackArtifact('Stack').messages.filter((m) => m.level === 'error').map((m) => String(m.entry.data));
    expect(messages).toEqual([expect.stringContaining('[Okera-S3EncryptionSupported]')]);
  });
});
