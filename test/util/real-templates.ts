import * as fs from 'fs';
import * as path from 'path';

/**
 * The public CloudFormation templates shared beside the repository (`../shared/real-templates`, see
 * SOURCES.md there). The folder is not part of the repository: CI always has it, a fresh clone may not.
 */
export const REAL_TEMPLATES_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'real-templates');

/** The template files (JSON or YAML) of the folder, sorted; [] when the folder is missing. */
export function realTemplateFiles(dir: string = REAL_TEMPLATES_DIR): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.(json|ya?ml)$/.test(f)).sort() : [];
}

/** Whether the CI environment variable is set (to anything but an empty string, `0` or `false`). */
export function onCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI !== undefined && !['', '0', 'false'].includes(env.CI.trim().toLowerCase());
}

/**
 * `describe(name, ...)` over the real templates: `body` gets the folder and its template files.
 * When the folder is missing: on CI (which always has it) one failing test says so; elsewhere the block
 * is skipped, with a warning naming the missing path.
 */
export function describeRealTemplates(name: string, body: (dir: string, files: string[]) => void, dir: string = REAL_TEMPLATES_DIR): void {
  if (fs.existsSync(dir)) {
    describe(name, () => body(dir, realTemplateFiles(dir)));
    return;
  }
  if (onCi()) {
    describe(name, () => {
      test(`the real-templates folder ${dir} is present`, () => {
        throw new Error(`${dir} is missing, and CI is set: CI must provide the shared real templates. `
          + 'Restore the folder beside the repository, or unset CI to skip these tests locally.');
      });
    });
    return;
  }
  console.warn(`Skipping '${name}': the real-templates folder ${dir} is missing (it lives beside the repository, not in it).`);
  describe.skip(name, () => {
    test(`needs ${dir}`, () => undefined);
  });
}
