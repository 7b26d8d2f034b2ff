#!/usr/bin/env node
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { App, Environment } from 'aws-cdk-lib';
import { checkTemplates, rules } from './findings';
import { LoadedTemplate, loadTemplate } from './load';
import { LEVELS, Level, formatJson, formatRules, formatTable } from './report';
import { UnreadableTemplateError, readTemplate } from './template';

/** Where the command writes: stdout for the report, stderr for problems with the input. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_ERRORS_FOUND = 1;
export const EXIT_BAD_INPUT = 2;

const NAME = 'okera-encryption-audit';

export const USAGE = `Usage: ${NAME} [options] <template> [<template>...]
       ${NAME} --list-rules [--format table|json]

Checks CloudFormation templates (JSON or YAML, short-form tags included) with the OkeraChecks
rules of cdk-okera-s3-encryption: S3 encryption Okera cannot read (DSSE-KMS, SSE-C, aws/s3 across
accounts), missing KMS permissions, malformed kms:ViaService or key references, TLS not enforced,
policy size limits. Every resource is checked, whoever wrote the template.

Options:
  --format table|json       output format (default: table)
  --level error|warn|info   least severe level to print (default: info, i.e. everything)
  --account <account-id>    account the templates deploy to, for AWS::AccountId (default: unknown)
  --region <region>         region the templates deploy to, for AWS::Region (default: unknown)
  --list-rules              list the rules (id, level, what each requires) and exit
  -h, --help                print this help

Templates given together are checked together: a role in one template and the bucket it reads in
another are matched by bucket name or ARN. To accept a finding on one resource, add to its Metadata:
  cdk_nag: { rules_to_suppress: [ { id: Okera-<Rule>, reason: <why> } ] }

Notes on stderr say what is not checked or only approximately: a Transform (e.g.
AWS::Serverless-2016-10-31), Fn::Transform/AWS::Include, nested stacks (AWS::CloudFormation::Stack),
unknown YAML tags, and entries of Resources without a Type are not expanded. Audit the processed
template (aws cloudformation get-template --template-stage Processed) and nested templates too.

A resource whose properties do not have the shape its type requires (e.g. "BucketEncryption": "oops",
which CloudFormation rejects) is never dropped: a note names the file, the resource and the reason, and
the resource is checked with its properties as written (a value of the wrong shape is not judged, so
fix the template first). Notes do not change the exit status.

Exit status: 0 no error findings, 1 at least one error finding,
             2 a template could not be read (missing, empty, not JSON/YAML, no Resources) or bad options.
`;

interface Options {
  readonly help: boolean;
  readonly listRules: boolean;
  readonly files: string[];
  readonly format: 'table' | 'json';
  readonly level: Level;
  readonly env?: Environment;
}

/** Run the command; returns the exit code. */
export function main(argv: string[], output: Output = processOutput()): number {
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (e) {
    output.err(`${NAME}: ${(e as Error).message}\nRun '${NAME} --help' for usage.\n`);
    return EXIT_BAD_INPUT;
  }
  if (options.help || options.listRules) {
    output.out(options.help ? USAGE : formatRules(rules(), options.format));
    return EXIT_OK;
  }

  const app = new App();
  const loaded: LoadedTemplate[] = [];
  let unreadable = 0;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `${NAME}-`));
  try {
    for (const file of options.files) {
      try {
        const readNotes: string[] = [];
        const template = loadTemplate(app, file, readTemplate(file, readNotes), workDir, options.env, readNotes);
        template.notes.forEach((note) => output.err(`${NAME}: note: ${file}: ${note}\n`));
        loaded.push(template);
      } catch (e) {
        if (!(e instanceof UnreadableTemplateError)) {
          throw e;
        }
        output.err(`${NAME}: error: ${e.message}\n`);
        unreadable++;
      }
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  if (loaded.length === 0) {
    return EXIT_BAD_INPUT;
  }

  const findings = checkTemplates(app, loaded);
  const shown = findings.filter((f) => LEVELS.indexOf(f.level) <= LEVELS.indexOf(options.level));
  output.out(options.format === 'json' ? `${formatJson(loaded, shown)}\n` : formatTable(loaded, shown));
  if (unreadable > 0) {
    return EXIT_BAD_INPUT;
  }
  return findings.some((f) => f.level === Level.ERROR) ? EXIT_ERRORS_FOUND : EXIT_OK;
}

/** Parse and validate the command line. */
function parseOptions(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'help': { type: 'boolean', short: 'h' },
      'list-rules': { type: 'boolean' },
      'format': { type: 'string', default: 'table' },
      'level': { type: 'string', default: Level.INFO },
      'account': { type: 'string' },
      'region': { type: 'string' },
    },
  });
  const help = values.help === true;
  const listRules = values['list-rules'] === true;
  const format = values.format;
  if (format !== 'table' && format !== 'json') {
    throw new Error(`--format '${format}' is not supported. Use 'table' or 'json'.`);
  }
  const level = LEVELS.find((l) => l === values.level);
  if (!level) {
    throw new Error(`--level '${values.level}' is not a level. Use 'error', 'warn' or 'info'.`);
  }
  if (values.account !== undefined && !/^\d{12}$/.test(values.account)) {
    throw new Error(`--account '${values.account}' is not an AWS account id. Use the 12-digit account number, e.g. 111111111111.`);
  }
  if (values.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(values.region)) {
    throw new Error(`--region '${values.region}' is not an AWS region. Use a region code such as us-east-1.`);
  }
  if (positionals.length === 0 && !help && !listRules) {
    throw new Error('no template given. Pass one or more CloudFormation template files (JSON or YAML).');
  }
  const env = values.account !== undefined || values.region !== undefined ? { account: values.account, region: values.region } : undefined;
  return { help, listRules, files: positionals, format, level, env };
}

function processOutput(): Output {
  return { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
