import * as fs from 'fs';
import * as path from 'path';
import { OkeraChecks } from '../src';

/** The README's rules table, generated from the pack itself. */
export function rulesTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| Rule | Level | Resources | What it checks | Why, and how to fix |',
    '|---|---|---|---|---|',
    ...OkeraChecks.rules().map((r) =>
      `| \`${r.ruleId}\` | ${r.level} | ${r.resourceTypes.join(', ')} | ${cell(r.info)} | ${cell(r.explanation)} |`),
  ].join('\n');
}

test('the README documents every rule of the pack, exactly as the pack describes it', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  expect(readme).toContain(rulesTable());
});

test('the README quick start is the two commands CI runs', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const ci = fs.readFileSync(path.join(__dirname, '..', '.ci', 'run'), 'utf8');
  const quickStart = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1].trim().split('\n');
  expect(quickStart).toEqual(['npm ci && npx cdk synth', 'npm ci && npm test']);
  for (const command of quickStart) {
    expect(ci).toContain(command);
  }
});
