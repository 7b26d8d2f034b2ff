/**
 * Scale and synth-time benchmark: this library against plain aws-cdk-lib (cases in ./cases.ts).
 *
 * `npm run bench` (not part of `npm test`) writes benchmarks/RESULTS.md and prints it.
 * BENCH_QUICK=1 runs small sizes only (a smoke run of the harness, written to benchmarks/.out/).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as inspector from 'inspector';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import * as cases from './cases';

const QUICK = process.env.BENCH_QUICK === '1';

/** Set in the child process that measures (see the end of this file). */
const CHILD = 'OKERA_BENCH_CHILD';

/** A full garbage collection before each run, so that no run pays for the garbage of the one before. */
function gc(): void {
  (globalThis as any).gc();
}

// AWS hard limits.
const KEY_POLICY_BYTES = 32_768;
const BUCKET_POLICY_BYTES = 20_480;
const MANAGED_POLICY_CHARS = 6_144;
const INLINE_CHARS_PER_ROLE = 10_240;
const MANAGED_PER_ROLE = 10; // default quota; 20 with an increase
const TEMPLATE_BYTES = 1_048_576;
const RESOURCES_PER_STACK = 500;
const OUTPUTS_PER_STACK = 200;

/** Milliseconds of profiled runs per side when profiling. */
const PROFILE_MS = 3000;

/** Ours / plain synth time must stay at or below this. */
const TARGET_RATIO = 1.2;

type Build = (app: App, size: number) => void;

interface Side {
  readonly name: string;
  readonly build: Build;
  /** Timed (warm-up and repetitions); otherwise synthesized once, for sizes. */
  readonly timed: boolean;
  /** The side whose median time is the denominator of the ratio. */
  readonly baseline?: string;
  /** Managed policies per role counted as within the limit. */
  readonly quota?: number;
  /** Measured up to this size only. */
  readonly upTo?: number;
  /** Whether to search for the largest size within every limit (default true). */
  readonly search?: boolean;
}

interface Dimension {
  readonly name: string;
  readonly title: string;
  readonly sizes: number[];
  readonly sides: Side[];
  /** Upper bound of the largest-supported search. */
  readonly searchCap: number;
  /** Timed runs per side at size 10, where a run takes tens of milliseconds and single runs are noisy. */
  readonly repetitionsAt10: number;
}

const DIMENSIONS: Dimension[] = [
  {
    name: 'accounts',
    title: 'N accounts on one key (one stack)',
    sizes: QUICK ? [10, 100] : [10, 100, 500, 1000],
    sides: [
      { name: 'plain', build: cases.plainAccounts, timed: true },
      { name: 'ours', build: cases.oursAccounts, timed: true, baseline: 'plain' },
      { name: 'ours, organizationId', build: cases.oursOrganization, timed: true, baseline: 'plain' },
      // Plain writing the same extra template as ours (upload denies, two outputs): the cost of that content.
      { name: 'plain, + upload denies and outputs', build: cases.plainAccountsWithOursExtras, timed: true, baseline: 'plain', upTo: 100, search: false },
      { name: 'plain, + bucket policy', build: cases.plainAccountsWithBucketPolicy, timed: false },
      { name: 'ours, + bucket policy', build: cases.oursAccountsWithBucketPolicy, timed: false },
    ],
    searchCap: 16_000,
    repetitionsAt10: 101, // runs of about 20 ms
  },
  {
    name: 'buckets',
    title: 'M buckets for one worker role (role stack + data stacks of 100 buckets and a key)',
    sizes: QUICK ? [10, 100] : [10, 100, 1000],
    sides: [
      { name: 'plain', build: cases.plainBuckets, timed: true },
      { name: 'ours', build: cases.oursBuckets, timed: true, baseline: 'plain' },
      { name: 'ours, maxManagedPolicies 20', build: cases.oursBucketsMaxQuota, timed: true, baseline: 'plain', quota: 20 },
      // Same worker role as plain: measured for the cost of the bigger bucket policies only.
      { name: 'plain, + OkeraDataBucket\'s upload denies', build: cases.plainBucketsWithUploadDenies, timed: true, baseline: 'plain', upTo: 100, search: false },
      { name: 'plain, imported (quota 20)', build: cases.plainImportedBuckets, timed: true, quota: 20 },
      { name: 'ours, imported, maxManagedPolicies 20', build: cases.oursImportedBuckets, timed: true, baseline: 'plain, imported (quota 20)', quota: 20 },
    ],
    searchCap: 4_000,
    repetitionsAt10: 41, // runs of about 90 ms
  },
];

/** Timed repetitions per size: more where runs are short (and noisier), 3 at the largest sizes to stay within the time budget. */
function repetitions(dim: Dimension, size: number): number {
  return QUICK ? 2 : size <= 10 ? dim.repetitionsAt10 : size <= 100 ? 9 : size < 1000 ? 5 : 3;
}

/** Sizes up to this one get one discarded warm-up run per side; larger ones follow runs at smaller sizes. */
const WARM_UP_UP_TO = 100;

// ---------------------------------------------------------------------------------------------
// Synthesis and timing

interface Metrics {
  readonly stacks: number;
  readonly resources: number;
  readonly maxStackResources: number;
  readonly maxTemplateBytes: number;
  readonly maxStackOutputs: number;
  readonly keyPolicyBytes: number;
  readonly bucketPolicyBytes: number;
  readonly iamPolicies: number;
  readonly maxManagedPolicyChars: number;
  readonly minManagedPolicyChars: number;
  readonly maxInlinePolicyChars: number;
  readonly maxManagedPerRole: number;
  readonly maxInlineCharsPerRole: number;
}

interface Run {
  readonly totalMs: number;
  readonly buildMs: number;
  readonly metrics?: Metrics;
  /** The error with which our side refused to synthesize. */
  readonly refused?: string;
}

function synth(build: Build, size: number, collect = true): Run {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'okera-bench-'));
  if (collect) {
    gc();
  }
  try {
    const t0 = process.hrtime.bigint();
    let t1 = t0;
    let assembly;
    try {
      const app = new App({ outdir, context: { ...CURRENTLY_RECOMMENDED_FLAGS } });
      build(app, size);
      t1 = process.hrtime.bigint();
      assembly = app.synth();
    } catch (e) {
      return { totalMs: 0, buildMs: 0, refused: errorText(e instanceof Error ? e.message : String(e)) };
    }
    const t2 = process.hrtime.bigint();
    const errors = assembly.stacks.flatMap((s) => s.messages.filter((m) => m.level === 'error').map((m) => String(m.entry.data)));
    if (errors.length > 0) {
      return { totalMs: 0, buildMs: 0, refused: errorText(errors[0]) };
    }
    return { totalMs: Number(t2 - t0) / 1e6, buildMs: Number(t1 - t0) / 1e6, metrics: measure(assembly) };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The error without CDK's "Validation failed" header, on one line. */
function errorText(message: string): string {
  return message.replace(/^.*Validation failed with the following errors:\s*/s, '').replace(/\s+/g, ' ').trim();
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// ---------------------------------------------------------------------------------------------
// Sizes as deployed: intrinsic functions replaced by the strings CloudFormation would put there
// (pseudo parameters, literal names, ARNs built from them; cross-stack references, Fn::ImportValue
// or Fn::GetStackOutput, followed to the producing stack). A name CloudFormation generates counts at its longest (bucket 63 characters,
// role 64, key id 36), so sizes are upper bounds there.

interface StackInfo {
  readonly name: string;
  readonly template: any;
  readonly account: string;
  readonly region: string;
  readonly templateBytes: number;
}

const NO_VALUE = Symbol('AWS::NoValue');

class Deployed {
  /** Outputs by export name and by `<stack name>/<output name>`. */
  private readonly outputs = new Map<string, { stack: StackInfo; value: unknown }>();

  constructor(stacks: StackInfo[]) {
    for (const stack of stacks) {
      for (const [name, output] of Object.entries<any>(stack.template.Outputs ?? {})) {
        this.outputs.set(`${stack.name}/${name}`, { stack, value: output.Value });
        if (typeof output.Export?.Name === 'string') {
          this.outputs.set(output.Export.Name, { stack, value: output.Value });
        }
      }
    }
  }

  public resolve(value: any, stack: StackInfo): any {
    if (Array.isArray(value)) {
      return value.map((v) => this.resolve(v, stack)).filter((v) => v !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      return this.intrinsic(keys[0], value[keys[0]], stack);
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const v = this.resolve(value[k], stack);
      if (v !== NO_VALUE) {
        out[k] = v;
      }
    }
    return out;
  }

  private intrinsic(fn: string, arg: any, stack: StackInfo): any {
    switch (fn) {
      case 'Ref':
        return this.ref(arg, stack);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
        return this.getAtt(id, attr, stack);
      }
      case 'Fn::Join':
        return this.resolve(arg[1], stack).join(arg[0]);
      case 'Fn::ImportValue':
      case 'Fn::GetStackOutput': {
        const key = fn === 'Fn::ImportValue' ? this.resolve(arg, stack) : `${this.resolve(arg.StackName, stack)}/${this.resolve(arg.OutputName, stack)}`;
        const output = this.outputs.get(key);
        return output ? this.resolve(output.value, output.stack) : unknown(128);
      }
      case 'Fn::Select':
        return this.resolve(arg[1], stack)[Number(this.resolve(arg[0], stack))];
      case 'Fn::Split':
        return String(this.resolve(arg[1], stack)).split(arg[0]);
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
        return String(text).replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
          if (vars[name] !== undefined) {
            return this.resolve(vars[name], stack);
          }
          const [id, attr] = name.split('.');
          return attr ? this.getAtt(id, attr, stack) : this.ref(id, stack);
        });
      }
      case 'Fn::If': {
        const [a, b] = [this.resolve(arg[1], stack), this.resolve(arg[2], stack)];
        return JSON.stringify(a ?? '').length >= JSON.stringify(b ?? '').length ? a : b;
      }
      default:
        return unknown(128);
    }
  }

  private ref(id: string, stack: StackInfo): any {
    switch (id) {
      case 'AWS::Partition': return 'aws';
      case 'AWS::Region': return stack.region;
      case 'AWS::AccountId': return stack.account;
      case 'AWS::URLSuffix': return 'amazonaws.com';
      case 'AWS::StackName': return stack.name;
      case 'AWS::NoValue': return NO_VALUE;
    }
    const r = stack.template.Resources?.[id];
    switch (r?.Type) {
      case 'AWS::S3::Bucket': return this.name(r.Properties?.BucketName, 63, stack);
      case 'AWS::IAM::Role': return this.name(r.Properties?.RoleName, 64, stack);
      case 'AWS::KMS::Key': return unknown(36);
      default: return unknown(64);
    }
  }

  private getAtt(id: string, attr: string, stack: StackInfo): string {
    const r = stack.template.Resources?.[id];
    if (attr !== 'Arn') {
      return unknown(64);
    }
    switch (r?.Type) {
      case 'AWS::S3::Bucket': return `arn:aws:s3:::${this.ref(id, stack)}`;
      case 'AWS::KMS::Key': return `arn:aws:kms:${stack.region}:${stack.account}:key/${unknown(36)}`;
      case 'AWS::IAM::Role': {
        const p = this.name(r.Properties?.Path, 1, stack).replace(/^\//, '');
        return `arn:aws:iam::${stack.account}:role/${p}${this.ref(id, stack)}`;
      }
      default: return unknown(128);
    }
  }

  private name(value: unknown, max: number, stack: StackInfo): string {
    return value === undefined ? unknown(max) : String(this.resolve(value, stack));
  }
}

function unknown(length: number): string {
  return 'x'.repeat(length);
}

function bytes(doc: unknown): number {
  return Buffer.byteLength(JSON.stringify(doc), 'utf8');
}

function iamChars(doc: unknown): number {
  return JSON.stringify(doc).replace(/\s/g, '').length;
}

function measure(assembly: ReturnType<App['synth']>): Metrics {
  const stacks: StackInfo[] = assembly.stacks.map((s) => ({
    name: s.stackName,
    template: s.template,
    account: s.environment.account,
    region: s.environment.region,
    templateBytes: fs.statSync(path.join(assembly.directory, s.templateFile)).size,
  }));
  const deployed = new Deployed(stacks);
  const managed: number[] = [];
  const inline: number[] = [];
  const stackResources: number[] = [];
  const policyBytes = { key: [0], bucket: [0] };
  const inlinePerRole = new Map<string, number>();
  const managedPerRole = new Map<string, Set<string>>();
  const roleKey = (stack: StackInfo, ref: any) => `${stack.name}/${ref?.Ref ?? JSON.stringify(ref)}`;
  const addInline = (role: string, chars: number) => inlinePerRole.set(role, (inlinePerRole.get(role) ?? 0) + chars);
  const addManaged = (role: string, policy: string) => (managedPerRole.get(role) ?? managedPerRole.set(role, new Set()).get(role)!).add(policy);

  for (const stack of stacks) {
    const resources = Object.entries<any>(stack.template.Resources ?? {});
    stackResources.push(resources.length);
    for (const [id, r] of resources) {
      const p = r.Properties ?? {};
      const doc = (d: unknown) => deployed.resolve(d, stack);
      switch (r.Type) {
        case 'AWS::KMS::Key':
          policyBytes.key.push(bytes(doc(p.KeyPolicy)));
          break;
        case 'AWS::S3::BucketPolicy':
          policyBytes.bucket.push(bytes(doc(p.PolicyDocument)));
          break;
        case 'AWS::IAM::Policy': {
          const chars = iamChars(doc(p.PolicyDocument));
          inline.push(chars);
          (p.Roles ?? []).forEach((role: unknown) => addInline(roleKey(stack, role), chars));
          break;
        }
        case 'AWS::IAM::ManagedPolicy':
          managed.push(iamChars(doc(p.PolicyDocument)));
          (p.Roles ?? []).forEach((role: unknown) => addManaged(roleKey(stack, role), `${stack.name}/${id}`));
          break;
        case 'AWS::IAM::Role':
          for (const policy of p.Policies ?? []) {
            const chars = iamChars(doc(policy.PolicyDocument));
            inline.push(chars);
            addInline(roleKey(stack, { Ref: id }), chars);
          }
          for (const arn of p.ManagedPolicyArns ?? []) {
            addManaged(roleKey(stack, { Ref: id }), arn?.Ref ? `${stack.name}/${arn.Ref}` : JSON.stringify(arn));
          }
          break;
      }
    }
  }
  const max = (values: Iterable<number>) => Math.max(0, ...values);
  return {
    stacks: stacks.length,
    resources: stackResources.reduce((a, b) => a + b, 0),
    maxStackResources: max(stackResources),
    maxTemplateBytes: max(stacks.map((s) => s.templateBytes)),
    maxStackOutputs: max(stacks.map((s) => Object.keys(s.template.Outputs ?? {}).length)),
    keyPolicyBytes: max(policyBytes.key),
    bucketPolicyBytes: max(policyBytes.bucket),
    iamPolicies: managed.length + inline.length,
    maxManagedPolicyChars: max(managed),
    minManagedPolicyChars: managed.length ? Math.min(...managed) : 0,
    maxInlinePolicyChars: max(inline),
    maxManagedPerRole: max([...managedPerRole.values()].map((s) => s.size)),
    maxInlineCharsPerRole: max(inlinePerRole.values()),
  };
}

/** The AWS hard limits the app exceeds (empty when its sizes deploy). */
function exceeded(m: Metrics, quota = MANAGED_PER_ROLE): string[] {
  const out: string[] = [];
  const check = (value: number, limit: number, what: string) => value > limit && out.push(`${what} ${fmt(value)} > ${fmt(limit)}`);
  check(m.keyPolicyBytes, KEY_POLICY_BYTES, 'key policy bytes');
  check(m.bucketPolicyBytes, BUCKET_POLICY_BYTES, 'bucket policy bytes');
  check(m.maxManagedPolicyChars, MANAGED_POLICY_CHARS, 'managed policy chars');
  check(m.maxInlineCharsPerRole, INLINE_CHARS_PER_ROLE, 'inline chars per role');
  check(m.maxManagedPerRole, quota, `managed policies per role${quota === MANAGED_PER_ROLE ? ' (default quota; 20 max)' : ''}`);
  check(m.maxTemplateBytes, TEMPLATE_BYTES, 'template bytes');
  check(m.maxStackResources, RESOURCES_PER_STACK, 'resources per stack');
  check(m.maxStackOutputs, OUTPUTS_PER_STACK, 'outputs per stack');
  return out;
}

/**
 * How much of each limit the app uses (1 = all of it; a refusal uses more than all of every limit).
 * Managed policies per role count as (policies - 1 + fill of the emptiest one) / quota, which grows
 * smoothly with the size.
 */
function limitUse(run: Run, quota = MANAGED_PER_ROLE): number[] {
  const m = run.metrics;
  if (!m) {
    return Array(8).fill(Infinity);
  }
  return [
    m.keyPolicyBytes / KEY_POLICY_BYTES,
    m.bucketPolicyBytes / BUCKET_POLICY_BYTES,
    m.maxManagedPolicyChars / MANAGED_POLICY_CHARS,
    m.maxInlineCharsPerRole / INLINE_CHARS_PER_ROLE,
    m.maxManagedPerRole ? (m.maxManagedPerRole - 1 + m.minManagedPolicyChars / MANAGED_POLICY_CHARS) / quota : 0,
    m.maxTemplateBytes / TEMPLATE_BYTES,
    m.maxStackResources / RESOURCES_PER_STACK,
    m.maxStackOutputs / OUTPUTS_PER_STACK,
  ];
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

// ---------------------------------------------------------------------------------------------
// Largest size within every limit. The measured points bracket it (largest passing, smallest
// failing size); above the largest passing size the search doubles up to the cap. Inside the
// bracket each probe is one untimed synthesis, at the first of:
// - a number our refusal message states inside the bracket (our size guards say how many fit),
// - the size where the limit use interpolates to 1 (sizes grow linearly),
// - the middle (when the last step did not halve the bracket),
// and after a guess its neighbour across the limit, down to a bracket of width 1.

function largestSupported(side: Side, dim: Dimension, measured: Run[], sizes: number[]): { value: string; probes: number } {
  type Point = { size: number; use: number[] };
  const pass = (run: Run) => run.metrics !== undefined && exceeded(run.metrics, side.quota).length === 0;
  const hints: number[] = [];
  const addHints = (run: Run) => hints.push(...(run.refused?.replace(/(\d),(\d)/g, '$1$2').match(/\d+/g) ?? []).map(Number));
  let lo: Point = { size: 0, use: Array(8).fill(0) };
  let hi: Point = { size: Infinity, use: Array(8).fill(Infinity) };
  const record = (size: number, run: Run) => {
    addHints(run);
    const point = { size, use: limitUse(run, side.quota) };
    if (pass(run) && size > lo.size) {
      lo = point;
    } else if (!pass(run) && size < hi.size) {
      hi = point;
    }
    return point;
  };
  measured.forEach((run, i) => record(sizes[i], run));
  if (hi.size <= lo.size) {
    return { value: `not monotonic: ${fmt(hi.size)} is over a limit, ${fmt(lo.size)} is not`, probes: 0 };
  }
  let probes = 0;
  const probe = (size: number) => {
    probes++;
    const run = synth(side.build, size);
    process.stderr.write(`  probe ${side.name}, ${dim.name} = ${size}: ${pass(run) ? 'within limits' : 'over'}\n`);
    return record(size, run);
  };
  while (hi.size === Infinity && lo.size < dim.searchCap) {
    probe(Math.min(Math.max(1, lo.size * 2), dim.searchCap));
  }
  if (hi.size === Infinity) {
    return { value: `>= ${fmt(lo.size)} (search cap)`, probes };
  }
  let interpolate = true;
  let neighbour: number | undefined;
  while (hi.size - lo.size > 1) {
    const width = hi.size - lo.size;
    const inside = (n?: number) => n !== undefined && n > lo.size && n < hi.size;
    // Interpolate the limit the failing end exceeds (when it is measured, not a refusal).
    const k = hi.use.indexOf(Math.max(...hi.use));
    const slope = (hi.use[k] - lo.use[k]) / width;
    const interpolated = interpolate && Number.isFinite(slope) && slope > 0
      ? Math.min(hi.size - 1, Math.max(lo.size + 1, lo.size + Math.floor((1 - lo.use[k]) / slope))) : undefined;
    const hint = hints.filter(inside).sort((a, b) => b - a)[0];
    const size = inside(neighbour) ? neighbour! : hint ?? interpolated ?? lo.size + Math.floor(width / 2);
    const point = probe(size);
    hints.splice(0, hints.length, ...hints.filter((h) => h !== size));
    // A guess that lands next to the limit: its neighbour across the limit likely closes the bracket.
    const close = size === hint || (size === interpolated && Math.abs(1 - point.use[k]) <= 2 * slope);
    neighbour = size !== neighbour && close ? (lo.size === size ? size + 1 : size - 1) : undefined;
    interpolate = hi.size - lo.size <= width / 2 ? true : !interpolate;
  }
  return { value: fmt(lo.size), probes };
}

// ---------------------------------------------------------------------------------------------
// Profile: where the time goes, phase by phase of app.synth(), for a side and its baseline.

interface Frame {
  readonly functionName: string;
  readonly url: string;
}

const PHASES: Array<[string, (frame: Frame, build: Build) => boolean]> = [
  ['constructs (the case function: stacks and constructs)', (f, build) => f.functionName === build.name && /benchmarks\/cases/.test(f.url)],
  ['aspects (our worker role renders its policies here)', (f) => /core\/lib\/private\/synthesis\.js/.test(f.url) && /^invokeAspects(V2)?$/.test(f.functionName)],
  ['prepare (cross-stack references)', (f) => /prepare-app\.js/.test(f.url) && f.functionName === 'prepareApp'],
  ['construct validations (our size guards)', (f) => /core\/lib\/private\/synthesis\.js/.test(f.url) && f.functionName === 'validateTree'],
  ['writing templates', (f) => /core\/lib\/private\/synthesis\.js/.test(f.url) && f.functionName === 'synthesizeTree'],
  ['built-in CloudFormation template validation (wasm)', (f) => /synthesis-validation\.js/.test(f.url) && f.functionName === 'validateTemplates'],
  ['this library\'s code, inclusive (src/)', (f) => /\/src\//.test(f.url) && !/node_modules/.test(f.url)],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['whole run (new App() to app.synth() and measuring sizes)', (f) => f.functionName === 'synth' && /benchmarks\/run/.test(f.url)],
];

/** Inclusive milliseconds per phase and run, from CPU profiles of runs totalling at least PROFILE_MS (3 at least). */
async function profilePhases(build: Build, size: number): Promise<Map<string, number>> {
  synth(build, size); // warm
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params: object = {}) => new Promise<any>((resolve, reject) =>
    session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 250 });
  const totals = new Map<string, number>();
  const started = Date.now();
  let runs = 0;
  while (runs < 3 || Date.now() - started < PROFILE_MS) {
    gc(); // outside the profile
    await post('Profiler.start');
    synth(build, size, false);
    const { profile } = await post('Profiler.stop');
    runs++;
    const nodes = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
    const self = new Map<number, number>();
    profile.samples.forEach((id: number, i: number) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
    const phaseOf = (frame: Frame) => PHASES.find(([, matches]) => matches(frame, build))?.[0];
    // Inclusive time of each phase, counting only its outermost frames.
    const walk = (id: number, open: Set<string>): number => {
      const node = nodes.get(id);
      const phase = phaseOf(node.callFrame);
      const opens = phase !== undefined && !open.has(phase);
      const inner = opens ? new Set([...open, phase]) : open;
      const t = (node.children ?? []).reduce((sum: number, c: number) => sum + walk(c, inner), self.get(id) ?? 0);
      if (opens) {
        totals.set(phase, (totals.get(phase) ?? 0) + t);
      }
      return t;
    };
    walk(profile.nodes[0].id, new Set());
  }
  session.disconnect();
  return new Map([...totals].map(([k, v]) => [k, v / runs]));
}

async function profileNote(dim: Dimension, side: Side, baseline: Side, size: number, ratio: number): Promise<string[]> {
  const ours = await profilePhases(side.build, size);
  const base = await profilePhases(baseline.build, size);
  const ms = (m: Map<string, number>, k: string) => Math.round(m.get(k) ?? 0);
  return [
    `### Where the time goes: ${side.name} vs ${baseline.name}, ${dim.name} = ${fmt(size)} (ratio ${ratio.toFixed(2)})`,
    '',
    'Mean per run over CPU profiles of at least 3 runs and 3 s per side (V8 sampling profiler, 0.25 ms; the profiler ' +
      'slows runs down: compare the columns with each other, not with the table above). Phases are inclusive; ' +
      '"this library\'s code" overlaps the others (it runs inside constructs, aspects and validations).',
    '',
    `| phase | ${baseline.name} ms | ${side.name} ms | difference ms |`,
    '|---|---:|---:|---:|',
    ...PHASES.map(([p]) => p).map((p) => `| ${p} | ${fmt(ms(base, p))} | ${fmt(ms(ours, p))} | ${fmt(ms(ours, p) - ms(base, p))} |`),
    '',
  ];
}

// ---------------------------------------------------------------------------------------------
// Main

interface Row {
  readonly dim: string;
  readonly size: number;
  readonly side: Side;
  readonly runs: Run[];
  readonly medianMs?: number;
  readonly buildMs?: number;
  readonly ratio?: number;
  /** Ratio of the fastest runs: less sensitive to other load on the machine. */
  readonly minRatio?: number;
}

async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  const tables: string[] = [];
  const largest: string[] = [];
  const largestBySide = new Map<string, string>();
  const allRows: Row[] = [];
  const notes: string[] = [];
  const profiles: string[] = [];
  for (const dim of DIMENSIONS) {
    const rows: Row[] = [];
    for (const size of dim.sizes) {
      const sides = dim.sides.filter((s) => size <= (s.upTo ?? Infinity));
      const runs = new Map<Side, Run[]>(sides.map((s) => [s, []]));
      const timed = sides.filter((s) => s.timed);
      if (size <= WARM_UP_UP_TO) {
        timed.forEach((side) => synth(side.build, size)); // warm-up, discarded
      }
      for (let r = 0; r < repetitions(dim, size); r++) {
        // Alternate the order every repetition (ABBA) so that no side always runs first.
        for (const side of r % 2 === 0 ? timed : [...timed].reverse()) {
          if (!runs.get(side)![0]?.refused) { // a refusal is deterministic: not repeated
            runs.get(side)!.push(synth(side.build, size));
          }
        }
      }
      sides.filter((s) => !s.timed).forEach((side) => runs.get(side)!.push(synth(side.build, size)));
      const times = (s: Side) => (s.timed && runs.get(s)!.every((x) => x.metrics) ? runs.get(s)!.map((x) => x.totalMs) : undefined);
      const medians = new Map(sides.map((s) => [s.name, times(s) && median(times(s)!)]));
      const mins = new Map(sides.map((s) => [s.name, times(s) && Math.min(...times(s)!)]));
      for (const side of sides) {
        const rs = runs.get(side)!;
        const medianMs = medians.get(side.name);
        const baseMs = side.baseline ? medians.get(side.baseline) : undefined;
        rows.push({
          dim: dim.name,
          size,
          side,
          runs: rs,
          medianMs,
          buildMs: medianMs === undefined ? undefined : median(rs.map((x) => x.buildMs)),
          ratio: medianMs !== undefined && baseMs !== undefined ? medianMs / baseMs : undefined,
          minRatio: side.baseline && mins.get(side.name) && mins.get(side.baseline) ? mins.get(side.name)! / mins.get(side.baseline)! : undefined,
        });
      }
      process.stderr.write(`${dim.name} = ${size}: measured (${elapsed(started)})\n`);
    }
    tables.push(...table(dim, rows));
    allRows.push(...rows);

    for (const side of dim.sides.filter((s) => s.search ?? true)) {
      const own = rows.filter((r) => r.side === side);
      const found = largestSupported(side, dim, own.map((r) => r.runs[0]), own.map((r) => r.size));
      largest.push(`| ${dim.name} | ${side.name} | ${side.quota ?? MANAGED_PER_ROLE} | ${found.value} | ${found.probes} |`);
      largestBySide.set(`${dim.name}/${side.name}`, found.value);
      process.stderr.write(`${dim.name}: largest for ${side.name} ${found.value} (${elapsed(started)})\n`);
    }

    for (const row of rows.filter((r) => r.runs[0].refused)) {
      const name = row.side.baseline ?? row.side.name.replace(/^ours/, 'plain');
      notes.push(...notes.length ? [] : ['## Refusals', '']);
      const base = rows.find((r) => r.size === row.size && r.side.name === name);
      const over = base?.runs[0].metrics ? exceeded(base.runs[0].metrics, base.side.quota) : [];
      notes.push(`- ${dim.name} = ${fmt(row.size)}, ${row.side.name}: refused with "${row.runs[0].refused}" ` +
        (over.length ? `Legitimate: ${name} exceeds ${over.join('; ')} there.` : `**Not legitimate: ${name} stays within every limit there.**`));
    }
    for (const side of dim.sides.filter((s) => s.baseline && s.name.startsWith('ours'))) {
      // Profile the largest size up to 100 at which this side is slower than its baseline (at 1,000 buckets a
      // profile takes minutes, and shows the same phases).
      const row = rows.filter((r) => r.side === side && r.size <= 100 && r.ratio !== undefined && r.ratio > 1).pop();
      if (row) {
        profiles.push(...(await profileNote(dim, side, dim.sides.find((s) => s.name === side.baseline)!, row.size, row.ratio!)));
        process.stderr.write(`${dim.name}: profiled ${side.name} at ${row.size} (${elapsed(started)})\n`);
      }
    }
  }
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const file = QUICK ? path.join(__dirname, '.out', 'RESULTS-quick.md') : path.join(__dirname, 'RESULTS.md');
  const reading = (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '').match(READING)?.[0] ??
    '<!-- reading -->\n(Write the reading of the results here: `npm run bench` keeps this block.)\n<!-- /reading -->';
  const report = render(tables, largest, [...targets(allRows, largestBySide), reading, '', ...notes], profiles, wallSeconds);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, report);
  process.stdout.write(report);
  process.stderr.write(`wall time ${wallSeconds.toFixed(1)} s; written to ${path.relative(process.cwd(), file)}\n`);
}

/** The hand-written reading of the results in RESULTS.md, kept when the benchmark runs again. */
const READING = /<!-- reading -->[\s\S]*?<!-- \/reading -->/;

/** The targets of the benchmark, checked against the measurements. */
function targets(rows: Row[], largestBySide: Map<string, string>): string[] {
  const find = (dim: string, side: string, size: number) => rows.find((r) => r.dim === dim && r.side.name === side && r.size === size);
  const within = (r?: Row) => r?.runs[0].metrics !== undefined && exceeded(r.runs[0].metrics, r.side.quota).length === 0;
  const state = (r?: Row) => (!r ? 'not measured' : r.runs[0].refused ? `refused: "${r.runs[0].refused.slice(0, 160)}..."`
    : within(r) ? 'within every limit' : `over: ${exceeded(r.runs[0].metrics!, r.side.quota).join('; ')}`);
  const met = (ok: boolean) => (ok ? '**met**' : '**missed**');
  const accounts = find('accounts', 'ours', 1000);
  const org = rows.filter((r) => r.dim === 'accounts' && r.side.name === 'ours, organizationId');
  const orgBytes = new Set(org.map((r) => r.runs[0].metrics?.keyPolicyBytes));
  const buckets = find('buckets', 'ours', 1000);
  const raised = find('buckets', 'ours, maxManagedPolicies 20', 1000);
  const imported = find('buckets', 'ours, imported, maxManagedPolicies 20', 1000);
  const slow = rows.filter((r) => r.side.name.startsWith('ours') && r.ratio !== undefined && r.ratio > TARGET_RATIO);
  const unmeasured = rows.filter((r) => r.side.baseline && r.side.timed && r.runs[0].refused);
  return [
    '## Targets',
    '',
    `- 1,000 accounts listed on one key within every AWS limit: ${met(within(accounts))} (${state(accounts)}; ` +
      `largest N ${largestBySide.get('accounts/ours')}, plain ${largestBySide.get('accounts/plain')}).`,
    `- Organization form constant in size and within every limit: ${met(orgBytes.size === 1 && org.every(within))} ` +
      `(key policy ${[...orgBytes].map((b) => fmt(b ?? 0)).join(' / ')} bytes at N = ${org.map((r) => fmt(r.size)).join(', ')}).`,
    `- 1,000 buckets for one worker role: ${met(within(raised) || within(buckets))} with buckets defined in the app and ` +
      `maxManagedPolicies 20: ${state(raised)} (largest M ${largestBySide.get('buckets/ours, maxManagedPolicies 20')}); with the default ` +
      `quota of 10: ${state(buckets)} (largest M ${largestBySide.get('buckets/ours')}, plain ${largestBySide.get('buckets/plain')}); ` +
      `buckets imported by name with maxManagedPolicies 20: ${state(imported)} (largest M ` +
      `${largestBySide.get('buckets/ours, imported, maxManagedPolicies 20')}).`,
    `- Synth time ours / plain <= ${TARGET_RATIO} at every size: ${met(slow.length === 0)}` +
      `${slow.length ? ` (over at ${slow.map((r) => `${r.dim} = ${fmt(r.size)}, ${r.side.name}: ${r.ratio!.toFixed(2)}`).join('; ')})` : ''}` +
      `${unmeasured.length ? `; no ratio where ours refused (${unmeasured.map((r) => `${r.dim} = ${fmt(r.size)}, ${r.side.name}`).join('; ')})` : ''}.`,
    '',
  ];
}

function elapsed(started: bigint): string {
  return `${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`;
}

function table(dim: Dimension, rows: Row[]): string[] {
  const lines = [
    `### ${dim.title}`,
    '',
    '| size | side | synth ms (median) | of which constructs | ÷ baseline: median (fastest) | key policy bytes | bucket policy bytes | ' +
      'largest managed policy chars | largest inline policy chars | inline chars per role | IAM policies | managed per role | ' +
      'resources (max per stack) | stacks | template KB (max) | AWS limits exceeded |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const m = r.runs[0].metrics;
    const refused = r.runs[0].refused;
    const cell = (v: number | undefined) => (v === undefined ? '-' : fmt(Math.round(v)));
    const over = m ? exceeded(m, r.side.quota) : [];
    const limits = refused ? `refused: ${refused.length > 140 ? `${refused.slice(0, 140)}... (see notes)` : refused}` : over.length ? over.join('; ') : 'none';
    lines.push(`| ${fmt(r.size)} | ${r.side.name} | ${cell(r.medianMs)} | ${cell(r.buildMs)} | ${r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)} (${r.minRatio!.toFixed(2)})`} | ` +
      `${cell(m?.keyPolicyBytes)} | ${cell(m?.bucketPolicyBytes)} | ${cell(m?.maxManagedPolicyChars)} | ${cell(m?.maxInlinePolicyChars)} | ` +
      `${cell(m?.maxInlineCharsPerRole)} | ${cell(m?.iamPolicies)} | ${cell(m?.maxManagedPerRole)} | ` +
      `${m ? `${fmt(m.resources)} (${fmt(m.maxStackResources)})` : '-'} | ${cell(m?.stacks)} | ` +
      `${m ? fmt(Math.round(m.maxTemplateBytes / 1024)) : '-'} | ${limits} |`);
  }
  lines.push('');
  return lines;
}

function render(tables: string[], largest: string[], reading: string[], profiles: string[], wallSeconds: number): string {
  const cpus = os.cpus();
  const version = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')).version;
  return [
    '# Scale and synth-time benchmark',
    '',
    `Generated by \`npm run bench\` (benchmarks/run.ts, cases in benchmarks/cases.ts) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC` +
      `${QUICK ? ' (BENCH_QUICK smoke run)' : ''}. Targets and the reading of the results follow the tables.`,
    '',
    '## Setup',
    '',
    `- Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ` +
      `${os.platform()} ${os.release()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} at the end (1/5/15 min).`,
    `- Node ${process.version}, aws-cdk-lib ${version(require.resolve('aws-cdk-lib/package.json'))}, ` +
      `cdk-okera-s3-encryption ${version(path.join(__dirname, '..', 'package.json'))} (working tree).`,
    `- Wall time of the whole benchmark: ${wallSeconds.toFixed(0)} s.`,
    `- Baselines of the time ratios: ${DIMENSIONS.flatMap((d) => d.sides.filter((s) => s.baseline).map((s) => `${d.name} "${s.name}" ÷ "${s.baseline}"`)).join('; ')}.`,
    `- Repetitions: one discarded warm-up run per timed side at each size up to ${WARM_UP_UP_TO} (larger sizes follow the ` +
      'runs at smaller sizes in the same process), then timed runs per side: ' +
      `${DIMENSIONS.map((d) => `${d.repetitionsAt10} at size 10 for ${d.name}`).join(', ')}, 9 at 100, 5 at 500, 3 at 1,000; the order of the sides ` +
      'alternating every repetition; a full garbage collection before every run. The ratio is that of the medians; the ' +
      'ratio of the fastest runs is shown next to it because other processes share the machine.',
    '- Each run times `new App()`, every construct and `app.synth()` end to end (process.hrtime), with the output written ' +
      'to a fresh temporary directory. Both sides use the same App settings: the feature flags `cdk init` writes into a new ' +
      'project (`CURRENTLY_RECOMMENDED_FLAGS`, among them `@aws-cdk/aws-iam:minimizePolicies`), construct validation on, ' +
      'and aws-cdk-lib\'s built-in CloudFormation template validation, which runs inside `app.synth()` for every user. ' +
      '`CDK_VALIDATION` is unset, as for most users: it is read by the CDK CLI (default true) and only concerns stacks with ' +
      '`validateOnSynth`, which none here set, so it does not change these numbers.',
    '- Sizes are as deployed: pseudo parameters and names resolved, cross-stack references followed to the producing stack; a name CloudFormation ' +
      'generates counts at its longest (bucket 63 characters, role 64, key id 36), so those sizes are upper bounds. Key and ' +
      'bucket policies in bytes of compact JSON; IAM policies in characters without whitespace. "IAM policies" counts ' +
      'managed and inline policies; "managed per role" the managed policies attached to the worker role.',
    `- Limits: key policy ${fmt(KEY_POLICY_BYTES)} bytes; bucket policy ${fmt(BUCKET_POLICY_BYTES)} bytes; managed policy ` +
      `${fmt(MANAGED_POLICY_CHARS)} characters; inline policies ${fmt(INLINE_CHARS_PER_ROLE)} characters per role; ` +
      `${MANAGED_PER_ROLE} managed policies per role (the default quota; 20 with an increase, used where a side says so); ` +
      `per stack a template of ${fmt(TEMPLATE_BYTES)} bytes, ${RESOURCES_PER_STACK} resources and ${OUTPUTS_PER_STACK} outputs.`,
    '',
    '## Results',
    '',
    ...tables,
    '## Largest size within every limit',
    '',
    'Found by search, one untimed synthesis per probe: the measured sizes bracket the answer, the search doubles above ' +
      'the largest passing size (up to the cap), then probes inside the bracket, first a count our refusal message states, ' +
      'else where the use of the nearest limit interpolates to 100%, else the middle, and the neighbour of each guess, ' +
      'down to an exact answer. It assumes sizes grow with N and M (they do: every policy above is linear in them). ' +
      'A refusal by our size guard counts as over the limit.',
    '',
    '| dimension | side | managed policies per role allowed | largest size | probes |',
    '|---|---|---:|---:|---:|',
    ...largest,
    '',
    ...reading,
    ...(profiles.length ? ['', '## Profiles (the largest size up to 100 at which ours is slower than its baseline)', '', ...profiles] : []),
  ].join('\n');
}

// `npm run bench` runs this file with ts-node's type checker, whose program (most of a gigabyte of heap)
// would make every garbage collection slower by a second or more. Once it has type-checked this file and
// everything it imports, the measuring happens in a child process that only transpiles.
if (process.env[CHILD]) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
    process.exit(1);
  });
} else {
  const child = spawnSync(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', __filename], {
    stdio: 'inherit',
    env: { ...process.env, [CHILD]: '1', TS_NODE_PROJECT: path.join(__dirname, '..', 'test', 'tsconfig.json') },
  });
  process.exit(child.status ?? 1);
}
