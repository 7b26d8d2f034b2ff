import { createHash } from 'crypto';
import { Stack, Stage } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';

/**
 * Offline resolution of synthesized CloudFormation templates into concrete values, so that the
 * IAM, bucket and key policies they contain can be evaluated (see ./evaluate.ts).
 *
 * Every intrinsic is replaced by the value CloudFormation would produce, with deterministic fake
 * physical ids where AWS would generate one. Anything it cannot resolve throws, naming the stack and
 * the JSON path: a half-resolved policy evaluated "successfully" would prove nothing.
 */

/** One stack of the app, with its template fully resolved. */
export interface ResolvedStack {
  readonly stackName: string;
  readonly artifactId: string;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  /** The template with `Resources` (properties) and `Outputs` resolved; conditional resources whose condition is false are dropped. */
  readonly template: any;
}

/** A resource of a resolved stack. */
export interface ResolvedResource {
  readonly stack: ResolvedStack;
  readonly logicalId: string;
  readonly type: string;
  /** Resolved properties (`{}` when the resource has none). */
  readonly properties: any;
}

/** A hand-written (or otherwise obtained) template with the environment it is deployed to. */
export interface StackTemplate {
  readonly stackName: string;
  /** Default: the stack name. */
  readonly artifactId?: string;
  readonly account: string;
  readonly region: string;
  readonly template: any;
}

/** What to resolve: a cloud assembly, stacks of one app (synthesized on demand), or raw templates. */
export type TemplateSource = cxapi.CloudAssembly | Stack | Stack[] | StackTemplate[];

/** Resolve the templates of all stacks in the source. */
export function resolveTemplates(source: TemplateSource): ResolvedApp {
  return new ResolvedApp(templatesOf(source));
}

function templatesOf(source: TemplateSource): StackTemplate[] {
  if (Array.isArray(source) && source.every((s: any) => !Stack.isStack(s))) {
    return source as StackTemplate[];
  }
  return artifactsOf(source as cxapi.CloudAssembly | Stack | Stack[]).map((a) => ({
    stackName: a.stackName,
    artifactId: a.id,
    account: a.environment.account,
    region: a.environment.region,
    template: a.template,
  }));
}

function artifactsOf(source: cxapi.CloudAssembly | Stack | Stack[]): cxapi.CloudFormationStackArtifact[] {
  if (source instanceof cxapi.CloudAssembly) {
    return source.stacksRecursively;
  }
  const stacks = Array.isArray(source) ? source : [source];
  const byStage = new Map<Stage, Stack[]>();
  for (const stack of stacks) {
    const stage = Stage.of(stack);
    if (!stage) {
      throw new Error(`resolveTemplates: stack ${stack.node.path} is not part of an App or Stage`);
    }
    byStage.set(stage, [...(byStage.get(stage) ?? []), stack]);
  }
  const artifacts: cxapi.CloudFormationStackArtifact[] = [];
  for (const [stage, members] of byStage) {
    const assembly = stage.synth();
    // Give cross-stack references something to follow: every stack of the stage, wanted ones first.
    const wanted = members.map((s) => assembly.getStackArtifact(s.artifactId));
    artifacts.push(...wanted, ...assembly.stacks.filter((a) => !wanted.includes(a)));
  }
  return artifacts;
}

const PSEUDO = ['AWS::AccountId', 'AWS::Region', 'AWS::Partition', 'AWS::URLSuffix', 'AWS::StackName', 'AWS::StackId', 'AWS::NoValue', 'AWS::NotificationARNs'];
const NO_VALUE = Symbol('AWS::NoValue');

/** All stacks of an app, resolved, with lookups across them. */
export class ResolvedApp {
  public readonly stacks: ResolvedStack[];
  private readonly resolvers: StackResolver[];

  constructor(templates: StackTemplate[]) {
    this.resolvers = templates.map((t) => new StackResolver(this, { ...t, artifactId: t.artifactId ?? t.stackName }));
    // Resolve everything up front: anything unresolvable fails here, loudly.
    this.stacks = this.resolvers.map((r) => r.resolveAll());
  }

  /** The stack with this stack name or artifact id, or of this Stack construct. */
  public stack(which: string | Stack): ResolvedStack {
    return this.resolver(which).resolved;
  }

  /** All resources of a type, across stacks. */
  public resources(type?: string): ResolvedResource[] {
    return this.stacks.flatMap((stack) => Object.entries<any>(stack.template.Resources ?? {})
      .filter(([, r]) => type === undefined || r.Type === type)
      .map(([logicalId, r]) => ({ stack, logicalId, type: r.Type, properties: r.Properties ?? {} })));
  }

  /** What `Ref` to a resource of a stack resolves to. */
  public ref(stack: string | Stack, logicalId: string): string {
    return this.resolver(stack).ref(logicalId, `Ref ${logicalId}`);
  }

  /** What `Fn::GetAtt` of a resource of a stack resolves to. */
  public getAtt(stack: string | Stack, logicalId: string, attribute: string): any {
    return this.resolver(stack).getAtt(logicalId, attribute, `GetAtt ${logicalId}.${attribute}`);
  }

  /**
   * Resolve a CDK value (token, list, object) that belongs to `stack`, e.g. `resolved.resolveIn(dataStack, key.keyArn)`.
   * Use it for values of that stack only: references to other stacks are rewritten by CDK at synth time, not here.
   */
  public resolveIn(stack: Stack, value: any): any {
    return this.resolver(stack).resolve(stack.resolve(value), `value in ${stack.stackName}`);
  }

  /** The account owning a bucket of the app, by bucket name or ARN; undefined when no stack declares it. */
  public bucketAccount(bucketNameOrArn: string): string | undefined {
    const name = bucketNameOrArn.replace(/^arn:[^:]+:s3:::/, '').split('/')[0];
    return this.resources('AWS::S3::Bucket').find((r) => this.ref(r.stack.artifactId, r.logicalId) === name)?.stack.account;
  }

  /** @internal */
  public resolverForExport(exportName: string): { resolver: StackResolver; outputId: string } {
    const found = this.resolvers.flatMap((resolver) => Object.entries<any>(resolver.raw.Outputs ?? {})
      .filter(([id, o]) => o.Export !== undefined && resolver.resolve(o.Export.Name, `Outputs/${id}/Export/Name`) === exportName)
      .map(([outputId]) => ({ resolver, outputId })));
    if (found.length !== 1) {
      throw new Error(`resolveTemplates: Fn::ImportValue '${exportName}': ${found.length} stacks export it (expected exactly one)`);
    }
    return found[0];
  }

  /** @internal */
  public resolverFor(stackName: string, region?: string, account?: string): StackResolver {
    const found = this.resolvers.filter((r) => r.artifact.stackName === stackName
      && (region === undefined || r.region === region) && (account === undefined || r.account === account));
    if (found.length !== 1) {
      throw new Error(`resolveTemplates: ${found.length} stacks named '${stackName}'${region ? ` in ${region}` : ''} (expected exactly one)`);
    }
    return found[0];
  }

  /** @internal */
  public crossRegionExport(exportName: string, readerRegion: string): { resolver: StackResolver; value: any } {
    const found = this.resolvers.flatMap((resolver) => Object.values<any>(resolver.raw.Resources ?? {})
      .filter((r) => r.Type === 'Custom::CrossRegionExportWriter' && r.Properties?.WriterProps?.region === readerRegion
        && r.Properties.WriterProps.exports?.[exportName] !== undefined)
      .map((r) => ({ resolver, value: r.Properties.WriterProps.exports[exportName] })));
    if (found.length !== 1) {
      throw new Error(`resolveTemplates: cross-region export '${exportName}' to ${readerRegion}: ${found.length} writers (expected exactly one)`);
    }
    return found[0];
  }

  private resolver(which: string | Stack): StackResolver {
    const found = this.resolvers.filter((r) => (typeof which === 'string'
      ? r.artifact.stackName === which || r.artifact.id === which
      : r.artifact.id === which.artifactId));
    if (found.length !== 1) {
      const name = typeof which === 'string' ? which : which.artifactId;
      throw new Error(`resolveTemplates: no single stack '${name}' (have: ${this.resolvers.map((r) => r.artifact.id).join(', ')})`);
    }
    return found[0];
  }
}

/** @internal Resolves one stack's template; resources are resolved on demand and memoised. */
export class StackResolver {
  public readonly raw: any;
  public readonly account: string;
  public readonly region: string;
  public readonly partition: string;
  public resolved!: ResolvedStack;
  private readonly outputs = new Map<string, any>();
  private readonly conditions = new Map<string, boolean>();
  private readonly inProgress = new Set<string>();

  public readonly artifact: { readonly id: string; readonly stackName: string };

  constructor(private readonly app: ResolvedApp, stack: StackTemplate & { artifactId: string }) {
    this.raw = stack.template;
    this.artifact = { id: stack.artifactId, stackName: stack.stackName };
    const { account, region } = stack;
    if (!/^\d{12}$/.test(account) || region === cxapi.UNKNOWN_REGION || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region ?? '')) {
      throw new Error(`resolveTemplates: stack ${stack.artifactId} is environment-agnostic or malformed (account '${account}', region '${region}'): give it an explicit env`);
    }
    this.account = account;
    this.region = region;
    this.partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  }

  public resolveAll(): ResolvedStack {
    const template = { ...this.raw, Resources: {} as any, Outputs: {} as any };
    for (const [id, resource] of Object.entries<any>(this.raw.Resources ?? {})) {
      if (resource.Condition !== undefined && !this.condition(resource.Condition)) {
        continue;
      }
      const properties = resource.Properties === undefined ? undefined : this.resolve(resource.Properties, `Resources/${id}/Properties`);
      template.Resources[id] = { ...resource, ...(properties === undefined ? {} : { Properties: properties }) };
    }
    for (const id of Object.keys(this.raw.Outputs ?? {})) {
      if (this.raw.Outputs[id].Condition === undefined || this.condition(this.raw.Outputs[id].Condition)) {
        template.Outputs[id] = { ...this.raw.Outputs[id], Value: this.output(id) };
      }
    }
    this.resolved = {
      stackName: this.artifact.stackName,
      artifactId: this.artifact.id,
      account: this.account,
      region: this.region,
      partition: this.partition,
      template,
    };
    return this.resolved;
  }

  public output(id: string): any {
    if (!this.outputs.has(id)) {
      const output = this.raw.Outputs?.[id];
      if (!output) {
        throw new Error(`resolveTemplates: stack ${this.artifact.id} has no output '${id}'`);
      }
      this.outputs.set(id, this.guard(`output ${id}`, () => this.resolve(output.Value, `Outputs/${id}/Value`)));
    }
    return this.outputs.get(id);
  }

  /** Resolve a CloudFormation value. `path` names where it sits, for error messages. */
  public resolve(value: any, path: string): any {
    const result = this.resolveValue(value, path);
    if (result === NO_VALUE) {
      throw new Error(this.where(path, 'AWS::NoValue used where a value is required'));
    }
    return result;
  }

  public ref(name: string, path: string): string {
    switch (name) {
      case 'AWS::AccountId': return this.account;
      case 'AWS::Region': return this.region;
      case 'AWS::Partition': return this.partition;
      case 'AWS::URLSuffix': return this.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
      case 'AWS::StackName': return this.artifact.stackName;
      case 'AWS::StackId': return `arn:${this.partition}:cloudformation:${this.region}:${this.account}:stack/${this.artifact.stackName}/${uuid(this.artifact.stackName)}`;
      case 'AWS::NotificationARNs': return [] as any;
    }
    const parameter = this.raw.Parameters?.[name];
    if (parameter) {
      if (parameter.Default === undefined || String(parameter.Type).startsWith('AWS::SSM::Parameter')) {
        throw new Error(this.where(path, `Ref to parameter '${name}' has no usable Default (type ${parameter.Type})`));
      }
      // A list parameter's Ref is the list (its Default is comma-separated).
      return /^(CommaDelimitedList|List<)/.test(String(parameter.Type)) ? String(parameter.Default).split(',') as any : parameter.Default;
    }
    return this.guard(`Ref ${name}`, () => this.physicalId(name, path));
  }

  private physicalId(name: string, path: string): string {
    const resource = this.resource(name, path);
    const props = resource.Properties ?? {};
    const prop = (key: string) => (props[key] === undefined ? undefined : this.resolve(props[key], `Resources/${name}/Properties/${key}`));
    switch (resource.Type) {
      case 'AWS::S3::Bucket': return prop('BucketName') ?? this.madeUpName(name, 63).toLowerCase();
      case 'AWS::KMS::Key': return uuid(`${this.artifact.id}/${name}`);
      case 'AWS::KMS::Alias': return prop('AliasName');
      case 'AWS::IAM::Role': return prop('RoleName') ?? this.madeUpName(name, 64);
      case 'AWS::IAM::User': return prop('UserName') ?? this.madeUpName(name, 64);
      case 'AWS::IAM::InstanceProfile': return prop('InstanceProfileName') ?? this.madeUpName(name, 128);
      case 'AWS::IAM::ManagedPolicy': return this.arn('iam', '', `policy${prop('Path') ?? '/'}${prop('ManagedPolicyName') ?? this.madeUpName(name, 128)}`);
      case 'AWS::Lambda::Function': return prop('FunctionName') ?? this.madeUpName(name, 64);
      case 'AWS::IAM::Policy':
      case 'AWS::S3::BucketPolicy':
      case 'AWS::CloudFormation::CustomResource':
        return this.madeUpName(name, 128);
    }
    if (resource.Type.startsWith('Custom::')) {
      return this.madeUpName(name, 128);
    }
    throw new Error(this.where(path, `Ref to ${resource.Type} '${name}' is not modelled: add it to test/util/resolve-templates.ts`));
  }

  public getAtt(name: string, attribute: string, path: string): any {
    const resource = this.resource(name, path);
    const ref = () => this.ref(name, path);
    switch (`${resource.Type}.${attribute}`) {
      case 'AWS::S3::Bucket.Arn': return `arn:${this.partition}:s3:::${ref()}`;
      case 'AWS::S3::Bucket.DomainName': return `${ref()}.s3.${this.urlSuffix()}`;
      case 'AWS::S3::Bucket.RegionalDomainName': return `${ref()}.s3.${this.region}.${this.urlSuffix()}`;
      case 'AWS::S3::Bucket.DualStackDomainName': return `${ref()}.s3.dualstack.${this.region}.${this.urlSuffix()}`;
      case 'AWS::S3::Bucket.WebsiteURL': return `http://${ref()}.s3-website-${this.region}.${this.urlSuffix()}`;
      case 'AWS::KMS::Key.Arn': return this.arn('kms', this.region, `key/${ref()}`);
      case 'AWS::KMS::Key.KeyId': return ref();
      case 'AWS::IAM::Role.Arn': return this.arn('iam', '', `role${this.prop(name, 'Path') ?? '/'}${ref()}`);
      case 'AWS::IAM::Role.RoleId': return `AROA${hash(`${this.artifact.id}/${name}`, 17).toUpperCase()}`;
      case 'AWS::IAM::User.Arn': return this.arn('iam', '', `user${this.prop(name, 'Path') ?? '/'}${ref()}`);
      case 'AWS::IAM::InstanceProfile.Arn': return this.arn('iam', '', `instance-profile${this.prop(name, 'Path') ?? '/'}${ref()}`);
      case 'AWS::IAM::ManagedPolicy.PolicyArn': return ref();
      case 'AWS::Lambda::Function.Arn': return this.arn('lambda', this.region, `function:${ref()}`);
    }
    if (resource.Type === 'Custom::CrossRegionExportReader') {
      const { resolver, value } = this.app.crossRegionExport(attribute, this.region);
      return resolver.guard(`cross-region export ${attribute}`, () => resolver.resolve(value, `cross-region export ${attribute}`));
    }
    throw new Error(this.where(path, `Fn::GetAtt ${resource.Type}.${attribute} ('${name}') is not modelled: add it to test/util/resolve-templates.ts`));
  }

  /** Run `fn` unless `key` is already being resolved (a cycle), which is an error. */
  public guard<T>(key: string, fn: () => T): T {
    if (this.inProgress.has(key)) {
      throw new Error(`resolveTemplates: circular reference through ${this.artifact.id} ${key}`);
    }
    this.inProgress.add(key);
    try {
      return fn();
    } finally {
      this.inProgress.delete(key);
    }
  }

  private resolveValue(value: any, path: string): any {
    if (Array.isArray(value)) {
      return value.map((v, i) => this.resolveValue(v, `${path}/${i}`)).filter((v) => v !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'string' && value.includes('${Token[')) {
        throw new Error(this.where(path, `unresolved CDK token in '${value}'`));
      }
      return value;
    }
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition')) {
      return this.intrinsic(keys[0], value[keys[0]], path);
    }
    const out: any = {};
    for (const key of keys) {
      const v = this.resolveValue(value[key], `${path}/${key}`);
      if (v !== NO_VALUE) {
        out[key] = v;
      }
    }
    return out;
  }

  private intrinsic(fn: string, arg: any, path: string): any {
    const r = (v: any, suffix: string) => this.resolve(v, `${path}/${fn}${suffix}`);
    switch (fn) {
      case 'Ref':
        return arg === 'AWS::NoValue' ? NO_VALUE : this.ref(r(arg, ''), path);
      case 'Fn::GetAtt': {
        const [name, ...attribute] = typeof arg === 'string' ? arg.split('.') : r(arg, '');
        return this.getAtt(name, attribute.join('.'), path);
      }
      case 'Fn::Join': {
        const [delimiter, list] = arg;
        return this.list(r(list, '/1'), path).map((x) => this.scalar(x, path)).join(delimiter);
      }
      case 'Fn::Sub':
        return Array.isArray(arg) ? this.sub(arg[0], r(arg[1], '/1'), path) : this.sub(arg, {}, path);
      case 'Fn::Select': {
        const index = Number(r(arg[0], '/0'));
        const list = this.list(r(arg[1], '/1'), path);
        if (!Number.isInteger(index) || index < 0 || index >= list.length) {
          throw new Error(this.where(path, `Fn::Select index ${arg[0]} out of range for a list of ${list.length}`));
        }
        return list[index];
      }
      case 'Fn::Split':
        return this.scalar(r(arg[1], '/1'), path).split(arg[0]);
      case 'Fn::ImportValue': {
        const { resolver, outputId } = this.app.resolverForExport(r(arg, ''));
        return resolver.output(outputId);
      }
      case 'Fn::GetStackOutput': {
        const spec = r(arg, '');
        const producer = this.app.resolverFor(spec.StackName, spec.Region ?? this.region, accountOfArn(spec.RoleArn));
        return producer.output(spec.OutputName);
      }
      case 'Fn::Base64':
        return Buffer.from(this.scalar(r(arg, ''), path)).toString('base64');
      case 'Fn::FindInMap': {
        const [map, top, second] = [0, 1, 2].map((i) => r(arg[i], `/${i}`));
        const found = this.raw.Mappings?.[map]?.[top]?.[second];
        if (found === undefined) {
          throw new Error(this.where(path, `Fn::FindInMap ${map}/${top}/${second} not found`));
        }
        return found;
      }
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${r(arg, '') || this.region}${z}`);
      case 'Fn::If':
        return this.condition(arg[0]) ? this.resolveValue(arg[1], `${path}/Fn::If/1`) : this.resolveValue(arg[2], `${path}/Fn::If/2`);
      case 'Condition':
        return this.condition(arg);
      case 'Fn::Equals':
        return JSON.stringify(r(arg[0], '/0')) === JSON.stringify(r(arg[1], '/1'));
      case 'Fn::Not':
        return !this.bool(r(arg[0], '/0'), path);
      case 'Fn::And':
        return arg.every((c: any, i: number) => this.bool(r(c, `/${i}`), path));
      case 'Fn::Or':
        return arg.some((c: any, i: number) => this.bool(r(c, `/${i}`), path));
      case 'Fn::Contains':
        return this.list(r(arg[0], '/0'), path).includes(r(arg[1], '/1'));
    }
    throw new Error(this.where(path, `${fn} is not supported by test/util/resolve-templates.ts`));
  }

  private sub(template: string, variables: Record<string, any>, path: string): string {
    return template.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
      if (name.startsWith('!')) {
        return `\${${name.slice(1)}}`;
      }
      if (name in variables) {
        return this.scalar(variables[name], path);
      }
      if (PSEUDO.includes(name) || this.raw.Parameters?.[name] || this.raw.Resources?.[name]) {
        return this.scalar(this.ref(name, path), path);
      }
      const dot = name.indexOf('.');
      if (dot > 0 && this.raw.Resources?.[name.slice(0, dot)]) {
        return this.scalar(this.getAtt(name.slice(0, dot), name.slice(dot + 1), path), path);
      }
      throw new Error(this.where(path, `Fn::Sub variable ${whole} is not a parameter, resource or pseudo parameter`));
    });
  }

  private condition(name: string): boolean {
    if (!this.conditions.has(name)) {
      const expression = this.raw.Conditions?.[name];
      if (expression === undefined) {
        throw new Error(`resolveTemplates: stack ${this.artifact.id} has no condition '${name}'`);
      }
      this.conditions.set(name, this.guard(`condition ${name}`, () => this.bool(this.resolve(expression, `Conditions/${name}`), `Conditions/${name}`)));
    }
    return this.conditions.get(name)!;
  }

  private resource(name: string, path: string): any {
    const resource = this.raw.Resources?.[name];
    if (!resource) {
      throw new Error(this.where(path, `no resource '${name}' in the stack`));
    }
    return resource;
  }

  private prop(name: string, key: string): any {
    const value = this.raw.Resources[name].Properties?.[key];
    return value === undefined ? undefined : this.resolve(value, `Resources/${name}/Properties/${key}`);
  }

  private arn(service: string, region: string, resource: string): string {
    return `arn:${this.partition}:${service}:${region}:${this.account}:${resource}`;
  }

  private urlSuffix(): string {
    return this.ref('AWS::URLSuffix', '');
  }

  /** `<stack>-<logicalId>-<hash>`, as CloudFormation names things, shortened to `max`. */
  private madeUpName(logicalId: string, max: number): string {
    const suffix = hash(`${this.artifact.id}/${logicalId}`, 12).toUpperCase();
    return `${this.artifact.stackName}-${logicalId}`.slice(0, max - suffix.length - 1) + '-' + suffix;
  }

  private list(value: any, path: string): any[] {
    if (!Array.isArray(value)) {
      throw new Error(this.where(path, `expected a list, got ${JSON.stringify(value)}`));
    }
    return value;
  }

  private scalar(value: any, path: string): string {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new Error(this.where(path, `expected a string, got ${JSON.stringify(value)}`));
    }
    return String(value);
  }

  private bool(value: any, path: string): boolean {
    if (typeof value !== 'boolean') {
      throw new Error(this.where(path, `expected a condition (boolean), got ${JSON.stringify(value)}`));
    }
    return value;
  }

  private where(path: string, message: string): string {
    return `resolveTemplates: ${this.artifact.id} ${path}: ${message}`;
  }
}

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** A deterministic uuid-like id (8-4-4-4-12 hex), as KMS key ids look. */
function uuid(seed: string): string {
  const h = hash(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function accountOfArn(arn: unknown): string | undefined {
  return typeof arn === 'string' ? arn.split(':')[4] || undefined : undefined;
}
