import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir, write } from './helpers';

const ROOT = path.join(__dirname, '..', '..');
const SOURCE = path.join(ROOT, 'src', 'cli', 'audit.ts');
const dir = tempDir();

/** Run the command as a real process, the way `npx okera-encryption-audit` would (TypeScript source via ts-node). */
function exec(...args: string[]) {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', SOURCE, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('package.json publishes the command as lib/cli/audit.js, compiled from src/cli/audit.ts with a node shebang', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'));
  expect(pkg.bin).toEqual({ 'okera-encryption-audit': 'lib/cli/audit.js' });
  expect(path.join(tsconfig.compilerOptions.outDir, path.relative(tsconfig.compilerOptions.rootDir, 'src/cli/audit.ts')).replace(/\.ts$/, '.js'))
    .toBe(pkg.bin['okera-encryption-audit']);
  expect(fs.readFileSync(SOURCE, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
});

test('as a process: arguments, stdout, stderr and the exit codes 0, 1 and 2', () => {
  const dsse = write(dir, 'dsse.yaml', [
    'Resources:',
    '  Archive:',
    '    Type: AWS::S3::Bucket',
    '    Properties:',
    '      BucketEncryption:',
    '        ServerSideEncryptionConfiguration:',
    '          - ServerSideEncryptionByDefault:',
    '              SSEAlgorithm: aws:kms:dsse',
  ].join('\n'));

  const help = exec('--help');
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^Usage: okera-encryption-audit \[options\] <template>/);

  const errors = exec('--format', 'json', '--level', 'error', dsse);
  expect(errors.code).toBe(1);
  const report = JSON.parse(errors.stdout);
  expect(report.findings).toContainEqual(expect.objectContaining({ template: dsse, logicalId: 'Archive', level: 'error' }));
  expect(report.findings.every((f: any) => f.level === 'error')).toBe(true);

  const missing = exec(path.join(dir, 'nope.json'));
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain(`${path.join(dir, 'nope.json')}: file not found`);
});
