import { CfnResource, Validations } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { AppModel } from './model';
import { OkeraRule, ruleId } from './rule';
import { RULES } from './rules';

/** A rule that found a problem on a resource. */
export interface RuleFinding {
  readonly rule: OkeraRule;
  readonly ruleId: string;
  readonly message: string;
}

/**
 * Run every rule that applies to the resource and return its findings, leaving out rules that are
 * acknowledged on the resource or an ancestor, or listed in `ignore`.
 */
export function findingsFor(model: AppModel, node: CfnResource, ignore: ReadonlySet<string> = new Set()): RuleFinding[] {
  const resource = model.resourceOf(node);
  if (!resource) {
    return [];
  }
  return RULES.filter((rule) => rule.resourceTypes.includes(resource.type) && !ignore.has(ruleId(rule)) && !isAcknowledged(node, ruleId(rule)))
    .flatMap((rule) => {
      let message: string | undefined;
      try {
        const result = rule.check(resource, model);
        message = result.compliance === NagRuleCompliance.NON_COMPLIANT ? result.message ?? rule.info : undefined;
      } catch (e) {
        message = `${rule.info} The rule could not evaluate this resource (${(e as Error).message}); acknowledge it if the resource is right.`;
      }
      return message === undefined ? [] : [{ rule, ruleId: ruleId(rule), message }];
    });
}

/**
 * Whether a rule is acknowledged on the construct or an ancestor: `Validations.of(c).acknowledge({ id })`
 * (CDK's mechanism, cdk-nag 3; `Okera-<Rule>` or `Okera::Okera-<Rule>`, the form CDK's report suggests),
 * or the resource's CloudFormation metadata
 * `cdk_nag: { rules_to_suppress: [{ id }] }` (cdk-nag 2's `NagSuppressions`, also found in templates).
 */
export function isAcknowledged(node: IConstruct, id: string): boolean {
  const suppressed = CfnResource.isCfnResource(node) ? node.getMetadata('cdk_nag')?.rules_to_suppress : undefined;
  if (Array.isArray(suppressed) && suppressed.some((r: any) => r?.id === id)) {
    return true;
  }
  for (let c: IConstruct | undefined = node; c; c = c.node.scope) {
    for (const entry of c.node.metadata) {
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data
        && Object.keys(entry.data).some((k) => k.replace(/^(annotation|Okera)::/i, '') === id)) {
        return true;
      }
    }
  }
  return false;
}
