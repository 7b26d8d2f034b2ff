import { LoadedTemplate } from './load';

/** Finding levels, most severe first. */
export enum Level {
  ERROR = 'error',
  WARN = 'warn',
  INFO = 'info',
}

/** The levels in order of severity, for `--level`. */
export const LEVELS: Level[] = [Level.ERROR, Level.WARN, Level.INFO];

/** One rule finding on one resource of one template. */
export interface Finding {
  /** The template file, as given on the command line. */
  readonly template: string;
  /** The resource's logical id in that template. */
  readonly logicalId: string;
  /** The resource's CloudFormation type. */
  readonly resourceType: string;
  /** The rule id, e.g. `Okera-S3TlsEnforced`. */
  readonly ruleId: string;
  /** ERROR findings make the command exit 1. */
  readonly level: Level;
  /** What is wrong with this resource, why it matters to Okera, and how to fix it. */
  readonly message: string;
}

/** One rule, for `--list-rules`. */
export interface RuleDescription {
  readonly ruleId: string;
  readonly level: Level;
  /** The CloudFormation resource types it checks. */
  readonly resourceTypes: string[];
  /** What a finding of the rule means, in one line. */
  readonly info: string;
}

/** The findings as JSON: the templates (how each was loaded) and the findings. */
export function formatJson(templates: LoadedTemplate[], findings: Finding[]): string {
  return JSON.stringify({
    templates: templates.map((t) => ({ file: t.file, loadedWith: t.mode, notes: t.notes })),
    findings,
    summary: summary(findings),
  }, undefined, 2);
}

/** The findings as a plain-text table, then a one-line summary. */
export function formatTable(templates: LoadedTemplate[], findings: Finding[]): string {
  const s = summary(findings);
  const total = `${s.errors} error(s), ${s.warnings} warning(s), ${s.infos} info in ${templates.length} template(s)`;
  if (findings.length === 0) {
    return `No findings. ${total}\n`;
  }
  const rows = findings.map((f) => [f.template, f.logicalId, f.ruleId, f.level.toUpperCase(), f.message]);
  return `${table(['TEMPLATE', 'RESOURCE', 'RULE', 'LEVEL', 'MESSAGE'], rows)}\n${total}\n`;
}

/** The rules as a table (id, level, what a finding means) or JSON (with the resource types each checks). */
export function formatRules(rules: RuleDescription[], format: 'table' | 'json'): string {
  return format === 'json'
    ? `${JSON.stringify(rules, undefined, 2)}\n`
    : table(['RULE', 'LEVEL', 'FINDING'], rules.map((r) => [r.ruleId, r.level.toUpperCase(), r.info]));
}

/** Columns padded to their widest cell, the last one left as is; a line per row. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]) : c)).join('  ').trimEnd();
  return [header, ...rows].map((cells) => `${line(cells)}\n`).join('');
}

function summary(findings: Finding[]) {
  const count = (level: Level) => findings.filter((f) => f.level === level).length;
  return { errors: count(Level.ERROR), warnings: count(Level.WARN), infos: count(Level.INFO) };
}
