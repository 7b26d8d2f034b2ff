import * as fs from 'fs';
import * as path from 'path';
import { App, CfnParameter, CfnResource, Environment, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { Template, UnreadableTemplateError } from './template';

/** How a template's resources were brought into the app. */
export enum LoadMode {
  /** `CfnInclude` as is: typed L1 resources, references resolved. */
  INCLUDE = 'include',
  /** `CfnInclude` with every resource dehydrated (properties as written), cycles allowed, Outputs left out. */
  INCLUDE_RAW_RESOURCES = 'include-raw-resources',
  /** No `CfnInclude`: each resource is a plain `CfnResource` with its properties as written. */
  RAW = 'raw',
}

/** A template loaded into its own stack. */
export interface LoadedTemplate {
  readonly file: string;
  readonly stack: Stack;
  readonly mode: LoadMode;
  /** Why a fallback was needed, and what was skipped, not expanded or read as written. */
  readonly notes: string[];
}

const INCLUDE_ID = 'Template';

/**
 * Load a template into a new stack of the app with `cloudformation-include`.
 *
 * `CfnInclude` refuses some templates that CloudFormation (or a transform) accepts: references to
 * missing elements, cycles, unknown intrinsic functions, properties of the wrong shape. Then the
 * template is included again with every resource dehydrated (its properties kept as written) and, if
 * even that fails (a broken `Conditions` or `Outputs` section), its resources are added as plain
 * `CfnResource`s (and its parameters as `CfnParameter`s). Either way every resource that has a `Type` is checked.
 *
 * `CfnInclude` accepts properties of the wrong shape (`"BucketEncryption": "oops"`) and only fails to
 * render them: each such resource gets a note, and the template is included again dehydrated.
 * Transforms, `Fn::Transform` and nested stacks are not expanded: `notes` says so. `readNotes` are
 * notes from reading the file (unknown YAML tags).
 */
export function loadTemplate(
  app: App, file: string, template: Template, workDir: string, env?: Environment, readNotes: string[] = [],
): LoadedTemplate {
  const id = uniqueStackId(app, file);
  const jsonFile = path.join(workDir, `${id}.json`);
  const notes: string[] = [...readNotes, ...unexpanded(template)];
  Object.entries(template.Resources)
    .filter(([, r]) => hasType(r) && (r as Record<string, unknown>).Properties !== undefined && !isMap((r as Record<string, unknown>).Properties))
    .forEach(([r]) => notes.push(`resource '${r}': its Properties is not a map (CloudFormation rejects it); checked as if it had no properties`));
  const skipped = Object.keys(template.Resources).filter((r) => !hasType(template.Resources[r]));
  if (skipped.length > 0) {
    notes.push(`skipped ${skipped.map((r) => `'${r}'`).join(', ')}: not a resource with a Type (a language-extension macro such as Fn::ForEach is not expanded)`);
  }
  const typed: Template = { ...template, Resources: Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => hasType(r))) };
  const resourceIds = Object.keys(typed.Resources);

  const attempts: [LoadMode, (stack: Stack) => void][] = [
    [LoadMode.INCLUDE, (stack) => {
      fs.writeFileSync(jsonFile, JSON.stringify(typed));
      new CfnInclude(stack, INCLUDE_ID, { templateFile: jsonFile });
    }],
    [LoadMode.INCLUDE_RAW_RESOURCES, (stack) => {
      // Outputs have nothing to check and may reference what is missing
      fs.writeFileSync(jsonFile, JSON.stringify({ ...typed, Outputs: undefined }));
      const included = new CfnInclude(stack, INCLUDE_ID, { templateFile: jsonFile, allowCyclicalReferences: true, dehydratedResources: resourceIds });
      // cloudformation-include gives dehydrated resources generated logical ids: restore the template's
      resourceIds.forEach((r) => included.getResource(r).overrideLogicalId(r));
    }],
    [LoadMode.RAW, (stack) => addRawResources(stack, typed)],
  ];
  for (const [mode, load] of attempts) {
    const stack = new Stack(app, id, { env });
    try {
      load(stack);
      const bad = mode === LoadMode.RAW ? [] : unrenderable(stack);
      if (bad.length === 0) {
        return { file, stack, mode, notes };
      }
      app.node.tryRemoveChild(id);
      for (const [logicalId, reason] of bad) {
        notes.push(`resource '${logicalId}': its properties do not have the shape its type requires (${reason}); CloudFormation rejects `
          + 'it. Checked with its properties as written');
      }
    } catch (e) {
      app.node.tryRemoveChild(id);
      notes.push(mode === LoadMode.INCLUDE
        ? `cloudformation-include refused the template (${firstLine(e)}); checking its resources with their properties as written`
        : `cloudformation-include refused it again (${firstLine(e)}); checking its resources and parameters without the rest of the template`);
    }
  }
  throw new UnreadableTemplateError(file, `could not load it: ${notes.join('; ')}`);
}

/** The resources of the stack that cannot be rendered as CloudFormation, with the reason. */
function unrenderable(stack: Stack): [string, string][] {
  return stack.node.findAll().filter(CfnResource.isCfnResource).flatMap((r) => {
    try {
      stack.resolve((r as any)._toCloudFormation());
      return [];
    } catch (e) {
      const lines = String((e as Error)?.message ?? e).split('\n').map((l) => l.trim()).filter((l) => l !== '');
      return [[stack.resolve(r.logicalId), (lines.length > 1 ? lines.slice(1) : lines).join(' ').replace(/\.$/, '')] as [string, string]];
    }
  });
}

/** Notes on what the audit does not expand: template transforms, `Fn::Transform` in resources, nested stacks. */
function unexpanded(template: Template): string[] {
  const notes: string[] = [];
  const transforms = template.Transform === undefined ? [] : [template.Transform].flat();
  if (transforms.length > 0) {
    notes.push(`Transform ${transforms.map((t) => JSON.stringify(t)).join(', ')} is not expanded: the resources and properties it `
      + 'generates are not checked. Audit the processed template too (aws cloudformation get-template --template-stage Processed)');
  }
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (!hasType(resource)) {
      continue;
    }
    const { Type, Properties } = resource as Record<string, unknown>;
    if (containsKey(Properties, 'Fn::Transform')) {
      notes.push(`resource '${logicalId}': Fn::Transform (such as AWS::Include) in its properties is not expanded, so what it adds is not checked`);
    }
    if (Type === 'AWS::CloudFormation::Stack') {
      notes.push(`resource '${logicalId}' is a nested stack (AWS::CloudFormation::Stack): its template is not checked; audit that template too `
        + '(in the same run, so that buckets and roles across them are matched)');
    }
  }
  return notes;
}

function containsKey(value: unknown, key: string): boolean {
  return value !== null && typeof value === 'object'
    && (Object.prototype.hasOwnProperty.call(value, key) || Object.values(value).some((v) => containsKey(v, key)));
}

function addRawResources(stack: Stack, template: Template): void {
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const { Type, Properties, Metadata } = resource as Record<string, unknown>;
    const cfn = new CfnResource(stack, logicalId.replace(/\//g, '_'), { type: Type as string, properties: isMap(Properties) ? Properties : undefined });
    cfn.overrideLogicalId(logicalId);
    cfn.cfnOptions.metadata = isMap(Metadata) ? Metadata : undefined; // keeps cdk_nag.rules_to_suppress
  }
  // parameters let the rules match values built from them (a bucket ARN from its BucketName parameter)
  for (const [name, parameter] of Object.entries(isMap(template.Parameters) ? template.Parameters : {})) {
    if (hasType(parameter) && !stack.node.tryFindChild(name)) {
      const { Type, Default } = parameter as Record<string, unknown>;
      new CfnParameter(stack, name, { type: Type as string, default: Default }).overrideLogicalId(name);
    }
  }
}

function hasType(resource: unknown): boolean {
  return isMap(resource) && typeof resource.Type === 'string' && resource.Type !== '';
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A stack id (and name) from the file name: letters, digits and hyphens, starting with a letter, unique in the app. */
function uniqueStackId(app: App, file: string): string {
  const name = path.basename(file).replace(/\.(json|ya?ml|template)$/i, '').replace(/[^A-Za-z0-9-]+/g, '-');
  const base = (/^[A-Za-z]/.test(name) ? name : `T-${name}`).slice(0, 100);
  let id = base;
  for (let i = 2; app.node.tryFindChild(id); i++) {
    id = `${base}-${i}`;
  }
  return id;
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}
