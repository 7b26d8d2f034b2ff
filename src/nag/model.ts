import { CfnElement, CfnResource, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { unique } from '../private/policy';

/**
 * The app as CloudFormation: every stack's resolved template, and a small resolver for the
 * intrinsic functions the rules need (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::If`,
 * `Fn::Select`, `Fn::ImportValue`).
 *
 * Values resolve to *canonical strings*: literal text where it is known, and placeholders where it
 * is not but has a stable identity, so that two values built differently can still be compared:
 * - `{{Param:<stack>/<name>}}` a template parameter;
 * - `{{Ref:<stack>/<logicalId>}}`, `{{GetAtt:<stack>/<logicalId>.<attr>}}` a resource's unknown value;
 * - `{{AWS::AccountId}}`, `{{AWS::Region}}`, ... a pseudo parameter of an environment-agnostic stack;
 * - `{{?}}` anything else (unknown; rules then say NOT_APPLICABLE rather than guess).
 * A bucket's `Ref` is its `BucketName` when declared (so `!Sub arn:aws:s3:::${BucketName}` and
 * `!GetAtt Bucket.Arn` meet), a key's `Arn` is `arn:aws:kms:<region>:<account>:key/{{Ref:...}}`,
 * a role's `Arn` is `arn:aws:iam::<account>:role/<path><name>`, `AWS::Partition` is `aws`.
 */
export class AppModel {
  /** Build the model of the whole app the scope belongs to. */
  public static of(scope: IConstruct): AppModel {
    return new AppModel(scope.node.root);
  }

  public readonly stacks: StackModel[] = [];
  /**
   * Elements that cannot be rendered as CloudFormation (e.g. properties of the wrong shape): they are
   * not checked, and synthesis fails on them with the same reason; the audit command reports them.
   */
  public readonly unrendered: { readonly path: string; readonly reason: string }[] = [];
  private readonly byNode = new Map<CfnResource, ResourceModel>();
  private readonly memo = new Map<string, unknown>();

  private constructor(root: IConstruct) {
    for (const stack of root.node.findAll().filter(Stack.isStack)) {
      this.stacks.push(this.loadStack(stack));
    }
  }

  /** The model of a CfnResource of the app (undefined when it renders nothing). */
  public resourceOf(node: CfnResource): ResourceModel | undefined {
    return this.byNode.get(node);
  }

  /** All resources of the app, optionally of one type. */
  public resources(type?: string): ResourceModel[] {
    return this.stacks.flatMap((s) => [...s.resources.values()]).filter((r) => type === undefined || r.type === type);
  }

  /** Compute once per model (derived facts such as a bucket's policies). */
  public cached<T>(key: string, compute: () => T): T {
    if (!this.memo.has(key)) {
      this.memo.set(key, compute());
    }
    return this.memo.get(key) as T;
  }

  /** The account of the stack: the literal id, or `{{AWS::AccountId}}` when environment-agnostic. */
  public account(stack: StackModel): string {
    return stack.account ?? '{{AWS::AccountId}}';
  }

  /** The possible string values of a template value (see the class doc); [] for AWS::NoValue. */
  public strings(stack: StackModel, value: unknown, depth = 0): string[] {
    if (typeof value === 'string') {
      return [value];
    }
    if (typeof value === 'number' || typeof value === 'boolean') {
      return [String(value)];
    }
    const fn = intrinsic(value);
    if (!fn || depth > MAX_DEPTH) {
      return [UNKNOWN];
    }
    const [name, arg] = fn;
    const next = (v: unknown) => this.strings(stack, v, depth + 1);
    switch (name) {
      case 'Ref':
        return typeof arg === 'string' ? this.ref(stack, arg, depth) : [UNKNOWN];
      case 'Fn::GetAtt':
        return this.getAtt(stack, arg, depth);
      case 'Fn::If':
        return Array.isArray(arg) ? unique([...next(arg[1]), ...next(arg[2])]) : [UNKNOWN];
      case 'Fn::Join': {
        if (!Array.isArray(arg) || typeof arg[0] !== 'string') {
          return [UNKNOWN];
        }
        const parts = this.items(arg[1]).map(next);
        return product(parts).map((p) => p.join(arg[0]));
      }
      case 'Fn::Sub':
        return this.sub(stack, arg, depth);
      case 'Fn::Select': {
        const list = Array.isArray(arg) ? this.items(arg[1]) : [];
        const index = Array.isArray(arg) ? Number(next(arg[0])[0]) : NaN;
        return Number.isInteger(index) && index >= 0 && index < list.length ? next(list[index]) : [UNKNOWN];
      }
      case 'Fn::ImportValue':
        return this.importValue(stack, arg, depth);
      default:
        return [UNKNOWN];
    }
  }

  /** The elements of a list value: `Fn::If` elements give both branches, `AWS::NoValue` none. */
  public items(value: unknown): unknown[] {
    if (value === undefined || value === null || isNoValue(value)) {
      return [];
    }
    const fn = intrinsic(value);
    if (fn && fn[0] === 'Fn::If' && Array.isArray(fn[1])) {
      return [...this.items(fn[1][1]), ...this.items(fn[1][2])];
    }
    if (Array.isArray(value)) {
      return value.flatMap((v) => {
        const f = intrinsic(v);
        return isNoValue(v) ? [] : f && f[0] === 'Fn::If' ? this.items(v) : [v];
      });
    }
    return [value];
  }

  /** Every possible string of a list value (a single value counts as a list of one). */
  public stringList(stack: StackModel, value: unknown): string[] {
    return this.items(value).flatMap((v) => this.strings(stack, v));
  }

  /**
   * The concrete shapes of a value under every assignment of the conditions its `Fn::If`s use
   * (the same condition takes the same branch everywhere), with `AWS::NoValue` removed. Other
   * intrinsics are left in place.
   */
  public variants(value: unknown): unknown[] {
    let assignments = [new Map<string, boolean>()];
    for (const condition of [...conditionNames(value)].slice(0, MAX_CONDITIONS)) {
      assignments = assignments.flatMap((a) => [new Map([...a, [condition, true]]), new Map([...a, [condition, false]])]);
    }
    const out = new Map<string, unknown>();
    for (const chosen of assignments) {
      const v = applyConditions(value, chosen);
      out.set(JSON.stringify(v) ?? 'undefined', v === NO_VALUE ? undefined : v);
    }
    return [...out.values()];
  }

  /**
   * The value with every intrinsic replaced by its shortest possible rendering (unknown parts count
   * as empty, an account id as 12 characters): a lower bound of the deployed size.
   */
  public lowerBound(stack: StackModel, value: unknown): unknown {
    const v = this.shortest(stack, value);
    return v === NO_VALUE ? undefined : v;
  }

  private shortest(stack: StackModel, value: unknown): unknown {
    if (isNoValue(value)) {
      return NO_VALUE;
    }
    const fn = intrinsic(value);
    if (fn && fn[0] === 'Fn::If' && Array.isArray(fn[1])) {
      const [a, b] = [this.shortest(stack, fn[1][1]), this.shortest(stack, fn[1][2])];
      return size(a) <= size(b) ? a : b;
    }
    if (fn) {
      const texts = this.strings(stack, value).map((s) => s.replace(/\{\{AWS::AccountId\}\}/g, '000000000000').replace(/\{\{[^}]*\}\}/g, ''));
      return texts.sort((x, y) => x.length - y.length)[0] ?? '';
    }
    if (Array.isArray(value)) {
      return value.map((v) => this.shortest(stack, v)).filter((v) => v !== NO_VALUE);
    }
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.shortest(stack, v)]).filter(([, v]) => v !== NO_VALUE));
    }
    return value;
  }

  private ref(stack: StackModel, name: string, depth: number): string[] {
    if (name === 'AWS::NoValue') {
      return [];
    }
    if (name.startsWith('AWS::')) {
      return [this.pseudo(stack, name)];
    }
    const resource = stack.resources.get(name);
    if (resource) {
      return this.resourceRef(resource, depth);
    }
    return stack.parameters.has(name) ? [`{{Param:${stack.id}/${name}}}`] : [UNKNOWN];
  }

  private pseudo(stack: StackModel, name: string): string {
    switch (name) {
      case 'AWS::AccountId':
        return this.account(stack);
      case 'AWS::Region':
        return stack.region ?? '{{AWS::Region}}';
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack.name;
      default:
        return `{{${name}}}`;
    }
  }

  /** What `Ref` returns for a resource, as canonical strings. */
  private resourceRef(r: ResourceModel, depth: number): string[] {
    const named = (prop: string) => (r.properties[prop] !== undefined ? this.strings(r.stack, r.properties[prop], depth + 1) : [placeholder('Ref', r)]);
    switch (r.type) {
      case 'AWS::S3::Bucket':
        return named('BucketName');
      case 'AWS::IAM::Role':
        return named('RoleName');
      case 'AWS::IAM::User':
        return named('UserName');
      case 'AWS::IAM::Group':
        return named('GroupName');
      case 'AWS::KMS::Alias':
        return named('AliasName');
      case 'AWS::IAM::ManagedPolicy':
        return r.properties.ManagedPolicyName === undefined ? [placeholder('Ref', r)]
          : this.iamArns(r, 'policy', named('ManagedPolicyName'), depth);
      default:
        return [placeholder('Ref', r)];
    }
  }

  private getAtt(stack: StackModel, arg: unknown, depth: number): string[] {
    const [id, attr] = typeof arg === 'string' ? splitOnce(arg, '.') : Array.isArray(arg) ? arg : [];
    const r = typeof id === 'string' ? stack.resources.get(id) : undefined;
    if (!r || typeof attr !== 'string') {
      return [UNKNOWN];
    }
    const key = `${r.type}.${attr}`;
    switch (key) {
      case 'AWS::S3::Bucket.Arn':
        return this.resourceRef(r, depth).map((name) => `arn:aws:s3:::${name}`);
      case 'AWS::KMS::Key.Arn':
        return [`arn:aws:kms:${this.pseudo(stack, 'AWS::Region')}:${this.account(stack)}:key/${placeholder('Ref', r)}`];
      case 'AWS::KMS::Key.KeyId':
        return [placeholder('Ref', r)];
      case 'AWS::IAM::Role.Arn':
        return this.iamArns(r, 'role', this.resourceRef(r, depth), depth);
      case 'AWS::IAM::User.Arn':
        return this.iamArns(r, 'user', this.resourceRef(r, depth), depth);
      default:
        return [placeholder('GetAtt', r, attr)];
    }
  }

  private iamArns(r: ResourceModel, kind: string, names: string[], depth: number): string[] {
    const paths = r.properties.Path === undefined ? ['/'] : this.strings(r.stack, r.properties.Path, depth + 1);
    return product([paths, names]).map(([path, name]) => `arn:aws:iam::${this.account(r.stack)}:${kind}${path}${name}`);
  }

  private sub(stack: StackModel, arg: unknown, depth: number): string[] {
    const [template, vars] = typeof arg === 'string' ? [arg, {}] : Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [undefined, {}];
    if (typeof template !== 'string' || typeof vars !== 'object') {
      return [UNKNOWN];
    }
    const parts: string[][] = [];
    let last = 0;
    for (const m of template.matchAll(/\$\{([^}]*)\}/g)) {
      parts.push([template.slice(last, m.index)]);
      const name = m[1].trim();
      parts.push(name.startsWith('!') ? [`\${${name.slice(1)}}`]
        : name in (vars as object) ? this.strings(stack, (vars as Record<string, unknown>)[name], depth + 1)
          : name.includes('.') && !name.startsWith('AWS::') ? this.getAtt(stack, name, depth + 1)
            : this.ref(stack, name, depth + 1));
      last = m.index! + m[0].length;
    }
    parts.push([template.slice(last)]);
    return product(parts).map((p) => p.join(''));
  }

  private importValue(stack: StackModel, arg: unknown, depth: number): string[] {
    const names = new Set(this.strings(stack, arg, depth + 1));
    for (const s of this.stacks) {
      for (const output of s.outputs.values()) {
        const exported = output?.Export?.Name;
        if (exported !== undefined && this.strings(s, exported, depth + 1).some((n) => names.has(n))) {
          return this.strings(s, output.Value, depth + 1);
        }
      }
    }
    return [UNKNOWN];
  }

  private loadStack(stack: Stack): StackModel {
    const model: StackModel = {
      stack,
      id: stack.node.path,
      name: stack.stackName,
      account: Token.isUnresolved(stack.account) ? undefined : stack.account,
      region: Token.isUnresolved(stack.region) ? undefined : stack.region,
      resources: new Map(),
      parameters: new Map(),
      outputs: new Map(),
    };
    for (const element of stack.node.findAll()) {
      if (!CfnElement.isCfnElement(element) || Stack.of(element) !== stack) {
        continue;
      }
      let fragment: any;
      try {
        // The element as CloudFormation JSON, exactly as synthesis renders it.
        fragment = stack.resolve((element as any)._toCloudFormation());
      } catch (e) {
        // not guessed: recorded (synthesis reports the same error)
        this.unrendered.push({ path: element.node.path, reason: String((e as Error)?.message ?? e).split('\n')[0] });
        continue;
      }
      for (const [id, value] of Object.entries<any>(CfnResource.isCfnResource(element) ? fragment?.Resources ?? {} : {})) {
        const resource = { stack: model, logicalId: id, type: value?.Type, properties: value?.Properties ?? {}, node: element as CfnResource };
        model.resources.set(id, resource);
        this.byNode.set(element as CfnResource, resource);
      }
      Object.entries<any>(fragment?.Parameters ?? {}).forEach(([k, v]) => model.parameters.set(k, v));
      Object.entries<any>(fragment?.Outputs ?? {}).forEach(([k, v]) => model.outputs.set(k, v));
    }
    return model;
  }
}

/** A canonical string as a person would write it: placeholders become `${Name}` (template parameter or resource). */
export function display(s: string): string {
  return s.replace(/\{\{(?:Param|Ref|GetAtt):(?:.*?\/)?([^/{}]+)\}\}/g, '${$1}')
    .replace(/\{\{(AWS::[A-Za-z]+)\}\}/g, '${$1}')
    .replace(/\{\{\?\}\}/g, '?');
}

/** A short description of a resource for messages, e.g. `Bucket 'DataBucket'`. */
export function describe(r: ResourceModel): string {
  return `${r.type.replace(/^AWS::\w+::/, '')} '${r.logicalId}'`;
}

/** A stack of the app, as CloudFormation. */
export interface StackModel {
  readonly stack: Stack;
  /** The stack's construct path (unique in the app). */
  readonly id: string;
  readonly name: string;
  /** The account, when the stack's environment names it. */
  readonly account?: string;
  /** The region, when the stack's environment names it. */
  readonly region?: string;
  readonly resources: Map<string, ResourceModel>;
  readonly parameters: Map<string, any>;
  readonly outputs: Map<string, any>;
}

/** A resource as CloudFormation JSON. */
export interface ResourceModel {
  readonly stack: StackModel;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: any;
  readonly node: CfnResource;
}

/** An unresolvable value. */
export const UNKNOWN = '{{?}}';

/** True when the string has no unknown part (it may still hold stable placeholders). */
export function isComparable(s: string): boolean {
  return !s.includes(UNKNOWN) && !s.includes('{{resolve:');
}

/** True when the string is literal text with no placeholder at all. */
export function isLiteral(s: string): boolean {
  return !s.includes('{{');
}

const MAX_DEPTH = 12;
const MAX_ALTERNATIVES = 64;
const MAX_CONDITIONS = 6;
const NO_VALUE = Symbol('AWS::NoValue');

function placeholder(kind: string, r: ResourceModel, attr?: string): string {
  return `{{${kind}:${r.stack.id}/${r.logicalId}${attr ? `.${attr}` : ''}}}`;
}

function intrinsic(value: unknown): [string, any] | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return undefined;
  }
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::')) ? [keys[0], (value as any)[keys[0]]] : undefined;
}

function isNoValue(value: unknown): boolean {
  const fn = intrinsic(value);
  return fn !== undefined && fn[0] === 'Ref' && fn[1] === 'AWS::NoValue';
}

function conditionNames(value: unknown, out = new Set<string>()): Set<string> {
  const fn = intrinsic(value);
  if (fn && fn[0] === 'Fn::If' && Array.isArray(fn[1]) && typeof fn[1][0] === 'string') {
    out.add(fn[1][0]);
  }
  if (value !== null && typeof value === 'object') {
    Object.values(value).forEach((v) => conditionNames(v, out));
  }
  return out;
}

function applyConditions(value: unknown, chosen: Map<string, boolean>): unknown {
  if (isNoValue(value)) {
    return NO_VALUE;
  }
  const fn = intrinsic(value);
  if (fn && fn[0] === 'Fn::If' && Array.isArray(fn[1])) {
    return applyConditions(chosen.get(fn[1][0]) === false ? fn[1][2] : fn[1][1], chosen);
  }
  if (Array.isArray(value)) {
    return value.map((v) => applyConditions(v, chosen)).filter((v) => v !== NO_VALUE);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, applyConditions(v, chosen)]).filter(([, v]) => v !== NO_VALUE));
  }
  return value;
}

function product(parts: string[][]): string[][] {
  let out: string[][] = [[]];
  for (const alternatives of parts) {
    out = out.flatMap((prefix) => alternatives.map((a) => [...prefix, a])).slice(0, MAX_ALTERNATIVES);
  }
  return out;
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

function size(v: unknown): number {
  return v === NO_VALUE ? 0 : (JSON.stringify(v) ?? '').length;
}
