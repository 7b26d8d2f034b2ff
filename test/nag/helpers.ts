import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Environment, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { NagRuleCompliance } from 'cdk-nag';
import { OkeraChecks, OkeraFinding } from '../../src/nag';
import { AppModel } from '../../src/nag/model';
import { OkeraRule, RuleResult } from '../../src/nag/rule';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okera-nag-'));
let n = 0;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A CloudFormation template (as JSON) included into a stack of an app. */
export function include(cfn: object, options: { app?: App; id?: string; env?: Environment } = {}): { app: App; stack: Stack } {
  const app = options.app ?? new App();
  const stack = new Stack(app, options.id ?? 'Stack', { env: options.env });
  const file = path.join(dir, `t${n++}.json`);
  fs.writeFileSync(file, JSON.stringify(cfn));
  new CfnInclude(stack, 'Template', { templateFile: file });
  return { app, stack };
}

/** A template with only Resources (and optional Parameters/Conditions/Outputs). */
export function template(resources: Record<string, object>, rest: object = {}): object {
  return { Resources: resources, ...rest };
}

/** Run one rule on one resource (by logical id) of the app. */
export function check(rule: OkeraRule, app: App, logicalId: string, stackId = 'Stack'): RuleResult {
  const model = AppModel.of(app);
  const resource = model.stacks.find((s) => s.id === stackId)!.resources.get(logicalId);
  if (!resource) {
    throw new Error(`no resource ${logicalId} in ${stackId}`);
  }
  return rule.resourceTypes.includes(resource.type) ? rule.check(resource, model) : { compliance: NagRuleCompliance.NOT_APPLICABLE };
}

/** The findings of the whole pack on the app. */
export function audit(app: App): OkeraFinding[] {
  return new OkeraChecks().audit(app);
}

/** [ruleId, logicalId] pairs of the pack's findings, optionally for one rule. */
export function pairs(app: App, id?: string): [string, string][] {
  return audit(app).filter((f) => id === undefined || f.ruleId === id).map((f) => [f.ruleId, f.resourceLogicalId]);
}

export const COMPLIANT = NagRuleCompliance.COMPLIANT;
export const NON_COMPLIANT = NagRuleCompliance.NON_COMPLIANT;
export const NOT_APPLICABLE = NagRuleCompliance.NOT_APPLICABLE;

/** A bucket resource with BucketEncryption built from an algorithm (and key), plus extras. */
export function bucket(algorithm?: unknown, extra: { key?: unknown; bucketKey?: unknown; blocked?: string[]; props?: object } = {}): object {
  const rule: Record<string, unknown> = {};
  if (algorithm !== undefined) {
    rule.ServerSideEncryptionByDefault = { SSEAlgorithm: algorithm, ...(extra.key !== undefined ? { KMSMasterKeyID: extra.key } : {}) };
  }
  if (extra.bucketKey !== undefined) {
    rule.BucketKeyEnabled = extra.bucketKey;
  }
  if (extra.blocked) {
    rule.BlockedEncryptionTypes = { EncryptionType: extra.blocked };
  }
  return {
    Type: 'AWS::S3::Bucket',
    Properties: {
      ...(Object.keys(rule).length ? { BucketEncryption: { ServerSideEncryptionConfiguration: [rule] } } : {}),
      ...extra.props,
    },
  };
}

/** A bucket policy on a bucket (a logical id, or any Bucket value) with statements. */
export function bucketPolicy(bucketRef: unknown, statements: object[]): object {
  return {
    Type: 'AWS::S3::BucketPolicy',
    Properties: {
      Bucket: typeof bucketRef === 'string' ? { Ref: bucketRef } : bucketRef,
      PolicyDocument: { Version: '2012-10-17', Statement: statements },
    },
  };
}

/** The TLS deny statement, on the given resources. */
export function tlsDeny(resources: unknown, value: unknown = 'false'): object {
  return { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: resources, Condition: { Bool: { 'aws:SecureTransport': value } } };
}

/** `{ "Fn::GetAtt": [id, "Arn"] }` and its objects. */
export function arnOf(id: string): object {
  return { 'Fn::GetAtt': [id, 'Arn'] };
}
export function objectsOf(id: string): object {
  return { 'Fn::Join': ['', [arnOf(id), '/*']] };
}
