import { App } from 'aws-cdk-lib';
import { NagMessageLevel } from 'cdk-nag';
import { OkeraChecks } from '../nag';
import { LoadedTemplate } from './load';
import { Finding, Level, RuleDescription } from './report';

const LEVEL: Record<NagMessageLevel, Level> = {
  [NagMessageLevel.ERROR]: Level.ERROR,
  [NagMessageLevel.WARN]: Level.WARN,
  [NagMessageLevel.INFO]: Level.INFO,
};

/**
 * Run the OkeraChecks rules over the app (`OkeraChecks.audit`: one finding per rule and resource, with a
 * message specific to the resource, in construct order, i.e. template order then resource order) and
 * attribute each finding to its template file.
 */
export function checkTemplates(app: App, templates: LoadedTemplate[]): Finding[] {
  return new OkeraChecks().audit(app).flatMap((f) => {
    const template = templates.find((t) => f.constructPath.startsWith(`${t.stack.node.path}/`));
    return template ? [{
      template: template.file,
      logicalId: f.resourceLogicalId,
      resourceType: f.resourceType,
      ruleId: f.ruleId,
      level: LEVEL[f.level],
      message: f.message,
    }] : [];
  });
}

/** The rules the audit runs, as documented by the pack. */
export function rules(): RuleDescription[] {
  return OkeraChecks.rules().map((r) => ({ ruleId: r.ruleId, level: LEVEL[r.level], resourceTypes: r.resourceTypes, info: r.info }));
}
