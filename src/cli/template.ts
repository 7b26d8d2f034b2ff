import * as fs from 'fs';
import { parseCfnYaml } from './cfn-yaml';

/** A template file that cannot be audited: the CLI prints the file and the reason, and exits 2. */
export class UnreadableTemplateError extends Error {
  constructor(public readonly file: string, public readonly reason: string) {
    super(`${file}: ${reason}`);
  }
}

/** A CloudFormation template as JSON (short-form YAML tags already turned into long form). */
export interface Template {
  readonly Resources: Record<string, unknown>;
  readonly [section: string]: unknown;
}

/**
 * Read a JSON or YAML CloudFormation template.
 *
 * JSON is tried first (a JSON file's syntax error is reported as such); anything else is parsed as YAML.
 * What was read only approximately (unknown YAML tags) is described in `notes`.
 *
 * @throws UnreadableTemplateError when the file is missing, empty, not JSON/YAML, or has no `Resources` map
 */
export function readTemplate(file: string, notes: string[] = []): Template {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UnreadableTemplateError(file, code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a template file' : `cannot read the file (${(e as Error).message})`);
  }
  if (text.trim() === '') {
    throw new UnreadableTemplateError(file, 'the file is empty');
  }
  const template = parse(file, text.replace(/^\uFEFF/, ''), notes);
  if (template === null || typeof template !== 'object' || Array.isArray(template)) {
    throw new UnreadableTemplateError(file, 'not a CloudFormation template: the document is not a map of template sections');
  }
  const resources = (template as Record<string, unknown>).Resources;
  if (resources === null || typeof resources !== 'object' || Array.isArray(resources)) {
    throw new UnreadableTemplateError(file, 'not a CloudFormation template: it has no `Resources` map');
  }
  return template as Template;
}

function parse(file: string, text: string, notes: string[]): unknown {
  try {
    return JSON.parse(text);
  } catch (jsonError) {
    try {
      return parseCfnYaml(text, notes);
    } catch (yamlError) {
      throw new UnreadableTemplateError(file, /\.json$/i.test(file)
        ? `not valid JSON (${(jsonError as Error).message})`
        : `not valid JSON or YAML (${(yamlError as Error).message.split('\n')[0]})`);
    }
  }
}
