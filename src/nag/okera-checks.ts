import { CfnResource, IPolicyValidationContext, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps, NagRuleCompliance } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { findingsFor } from './engine';
import { AppModel } from './model';
import { PACK_NAME, ruleId } from './rule';
import { RULES } from './rules';
import { topLevelStack } from '../private/validation';

/** One finding of the Okera rules on one resource. */
export interface OkeraFinding {
  /** The rule id, e.g. `Okera-S3TlsEnforced`. */
  readonly ruleId: string;
  /** ERROR findings break Okera (or the deployment); WARN findings are risks or costs. */
  readonly level: NagMessageLevel;
  /** The resource's logical id in its stack's template. */
  readonly resourceLogicalId: string;
  /** The resource's CloudFormation type, e.g. `AWS::S3::Bucket`. */
  readonly resourceType: string;
  /** The name of the stack that holds the resource. */
  readonly stackName: string;
  /** The resource's construct path. */
  readonly constructPath: string;
  /** What is wrong with this resource, why Okera/KMS cares, and how to fix it. */
  readonly message: string;
}

/** One rule of the pack, for documentation. */
export interface OkeraRuleInfo {
  /** The rule id, e.g. `Okera-S3TlsEnforced`. */
  readonly ruleId: string;
  /** The level its findings have. */
  readonly level: NagMessageLevel;
  /** The CloudFormation resource types it checks. */
  readonly resourceTypes: string[];
  /** What the rule requires, in one line. */
  readonly info: string;
  /** Why it matters for Okera and how to fix a finding. */
  readonly explanation: string;
}

/**
 * cdk-nag 3 rule pack for S3 data Okera must read: encryption types, SSE-C, the AWS managed key
 * across accounts, TLS, KMS permissions, kms:ViaService and encryption-context conditions, and IAM
 * and KMS policy sizes. It checks every CloudFormation resource of the app, not only this library's.
 *
 * Register it with `Validations.of(app).addPlugins(new OkeraChecks(app))`: ERROR findings fail
 * synthesis, WARN findings are reported without failing it. Silence a finding with
 * `Validations.of(construct).acknowledge({ id: 'Okera-<Rule>', reason })` on the resource or an
 * ancestor (`Okera::Okera-<Rule>`, as CDK's report prints it, works too; so does cdk-nag 2's
 * `cdk_nag.rules_to_suppress` resource metadata).
 *
 * To get the findings as data (for a command-line audit, a test), call `audit(scope)`.
 */
export class OkeraChecks extends NagPack {
  /** Every rule of the pack. */
  public static rules(): OkeraRuleInfo[] {
    return RULES.map((r) => ({ ruleId: ruleId(r), level: r.level, resourceTypes: [...r.resourceTypes], info: r.info, explanation: r.explanation }));
  }

  /** The plugin name shown in CDK's validation report. */
  public readonly name: string = PACK_NAME;
  /** The ids of the rules the pack evaluates. */
  public readonly ruleIds?: string[] = RULES.map(ruleId);
  private model?: AppModel;
  private stackPaths?: Set<string>;

  /**
   * @param scope the app (only needed with `writeSuppressionsToCloudFormation`)
   * @param props cdk-nag pack options
   */
  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = PACK_NAME;
  }

  /**
   * Called by CDK during synthesis, once per environment: checks the stacks of that environment only,
   * so an app with several environments does not report a resource twice.
   */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    this.stackPaths = new Set(context.stackTemplates.map((s) => s.stackConstructPath));
    try {
      return super.validate(context);
    } finally {
      this.stackPaths = undefined;
    }
  }

  /**
   * Check every resource under the scope (rules that need other resources look across the whole app).
   * The report fails (`success: false`) only on ERROR findings.
   */
  public validateScope(scope: IConstruct): PolicyValidationPluginReport {
    this.model = AppModel.of(scope);
    try {
      const report = super.validateScope(scope);
      return { ...report, success: report.violations.every((v) => v.severity !== 'error') };
    } finally {
      this.model = undefined;
    }
  }

  /**
   * The findings on every resource under the scope, as data, with a message specific to each
   * resource; acknowledged rules are left out. Call it on a synthesized app (after `app.synth()`) so
   * that cross-stack references are resolved.
   */
  public audit(scope: IConstruct): OkeraFinding[] {
    const model = AppModel.of(scope);
    return scope.node.findAll().filter(CfnResource.isCfnResource).flatMap((node) => {
      const resource = model.resourceOf(node);
      return findingsFor(model, node).map((f) => ({
        ruleId: f.ruleId,
        level: f.rule.level,
        resourceLogicalId: resource!.logicalId,
        resourceType: resource!.type,
        stackName: resource!.stack.name,
        constructPath: node.node.path,
        message: f.message,
      }));
    });
  }

  protected checkResource(node: CfnResource): void {
    if (!this.model || (this.stackPaths && !this.stackPaths.has(topLevelStack(node).node.path))) {
      return;
    }
    for (const { rule } of findingsFor(this.model, node)) {
      this.applyRule({
        ruleSuffixOverride: rule.id,
        info: rule.info,
        explanation: rule.explanation,
        level: rule.level,
        node,
        rule: () => NagRuleCompliance.NON_COMPLIANT,
      });
    }
  }
}
