import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/audit';
import { Finding } from '../../src/cli/report';

/** What one in-process run of the CLI printed and returned. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the CLI's main function in-process. */
export function run(...args: string[]): Run {
  let stdout = '';
  let stderr = '';
  const code = main(args, { out: (t) => { stdout += t; }, err: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}

/** Run with `--format json` and return the findings as [ruleId, logicalId, level] triples (plus the run). */
export function audit(...args: string[]): Run & { findings: Finding[]; triples: [string, string, string][] } {
  const r = run('--format', 'json', ...args);
  const findings: Finding[] = r.stdout ? JSON.parse(r.stdout).findings : [];
  return { ...r, findings, triples: findings.map((f) => [f.ruleId, f.logicalId, f.level]) };
}

/** A fresh temporary directory, removed after the test file. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okera-audit-test-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Write a file (text as is, anything else as JSON) and return its path. */
export function write(dir: string, name: string, content: unknown): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, undefined, 2));
  return file;
}
