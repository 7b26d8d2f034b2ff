import { NagMessageLevel, NagRuleCompliance } from 'cdk-nag';
import { AppModel, display, ResourceModel } from './model';

/** What a rule says about one resource; `message` (what is wrong, why, how to fix) when NON_COMPLIANT. */
export interface RuleResult {
  readonly compliance: NagRuleCompliance;
  readonly message?: string;
}

export const COMPLIANT: RuleResult = { compliance: NagRuleCompliance.COMPLIANT };
export const NOT_APPLICABLE: RuleResult = { compliance: NagRuleCompliance.NOT_APPLICABLE };

export function nonCompliant(message: string): RuleResult {
  return { compliance: NagRuleCompliance.NON_COMPLIANT, message: display(message) };
}

/**
 * One Okera rule: a pure function over a CloudFormation resource (its resolved template JSON), with
 * app-wide lookups through the model where it needs another resource.
 */
export interface OkeraRule {
  /** The id without the pack prefix, e.g. `S3TlsEnforced` (reported as `Okera-S3TlsEnforced`). */
  readonly id: string;
  readonly level: NagMessageLevel;
  /** The resource types the rule looks at; every other resource is NOT_APPLICABLE. */
  readonly resourceTypes: string[];
  /** One line: what the rule requires (the cdk-nag violation description). */
  readonly info: string;
  /** Why Okera/KMS cares and how to fix it. */
  readonly explanation: string;
  check(resource: ResourceModel, model: AppModel): RuleResult;
}

/** The rule id as reported: `Okera-<id>`. */
export function ruleId(rule: OkeraRule): string {
  return `${PACK_NAME}-${rule.id}`;
}

export const PACK_NAME = 'Okera';
