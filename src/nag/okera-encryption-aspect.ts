import { Annotations, CfnResource, IAspect } from 'aws-cdk-lib';
import { NagMessageLevel } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { findingsFor } from './engine';
import { AppModel } from './model';
import { ruleId } from './rule';
import { RULES } from './rules';

/** Options for the Okera encryption aspect. */
export interface OkeraEncryptionAspectProps {
  /**
   * Rule ids to skip everywhere, e.g. `['Okera-S3SseCBlockDeclared']`. To silence a rule on one
   * resource or subtree, use `Validations.of(construct).acknowledge({ id, reason })` there instead.
   * @default - no rule is skipped
   */
  readonly ignore?: string[];
}

/**
 * The Okera rules (the same as `OkeraChecks`) as a plain CDK aspect, for apps without cdk-nag 3:
 * `Aspects.of(app).add(new OkeraEncryptionAspect())`. ERROR findings become annotation errors (so
 * `cdk synth` fails), WARN findings warnings whose id is the rule id.
 *
 * Silencing: `ignore` skips rules app-wide; `Validations.of(construct).acknowledge({ id: 'Okera-<Rule>', reason })`
 * skips a rule on that construct and everything under it; cdk-nag 2's
 * `NagSuppressions.addResourceSuppressions(resource, [{ id: 'Okera-<Rule>', reason }])` (the resource's
 * `cdk_nag` metadata) skips it on that resource.
 *
 * Aspects run before CDK resolves cross-stack references, so a rule that needs a resource of another
 * stack may not see it here; the cdk-nag pack runs after and sees everything.
 */
export class OkeraEncryptionAspect implements IAspect {
  private readonly ignore: Set<string>;
  private readonly models = new WeakMap<IConstruct, AppModel>();

  constructor(props: OkeraEncryptionAspectProps = {}) {
    const known = RULES.map(ruleId);
    const unknown = (props.ignore ?? []).filter((id) => !known.includes(id));
    if (unknown.length > 0) {
      throw new Error(`OkeraEncryptionAspect: ignore lists unknown rule id(s) ${unknown.map((id) => `'${id}'`).join(', ')}. `
        + `Use the full ids, one of: ${known.join(', ')}.`);
    }
    this.ignore = new Set(props.ignore);
  }

  /** Check one construct (only CloudFormation resources have findings). */
  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) {
      return;
    }
    const root = node.node.root;
    let model = this.models.get(root);
    if (!model) {
      model = AppModel.of(root);
      this.models.set(root, model);
    }
    for (const f of findingsFor(model, node, this.ignore)) {
      if (f.rule.level === NagMessageLevel.ERROR) {
        Annotations.of(node).addError(`[${f.ruleId}] ${f.message}`);
      } else {
        Annotations.of(node).addWarningV2(f.ruleId, f.message);
      }
    }
  }
}
