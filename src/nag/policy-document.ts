import { AppModel, describe, isLiteral, ResourceModel, StackModel } from './model';

/** One condition of a statement: operator (e.g. `StringEquals`), key and values, all canonical strings. */
export interface Condition {
  readonly operator: string;
  readonly key: string;
  readonly values: string[];
}

/** Who a resource-policy statement names. */
export interface Principal {
  /** `"*"` or `{"AWS": "*"}`. */
  readonly any: boolean;
  /** `AWS` principals other than `*` (account ids, ARNs); service principals are left out. */
  readonly aws: string[];
}

/** A policy statement with its intrinsics resolved to canonical strings. */
export interface Statement {
  readonly effect: string;
  /** `Action`, or `NotAction` when `notAction`. */
  readonly actions: string[];
  readonly notAction: boolean;
  /** `Resource`, or `NotResource` when `notResource`. */
  readonly resources: string[];
  readonly notResource: boolean;
  /** Undefined in identity policies (and for `NotPrincipal`, which no rule relies on). */
  readonly principal?: Principal;
  readonly conditions: Condition[];
}

/** A policy document held by a resource, and a label for messages. */
export interface PolicyDocument {
  readonly document: unknown;
  readonly label: string;
  /** The stack whose template holds it (intrinsics resolve there). */
  readonly stack: StackModel;
}

const DOCUMENT_PROPERTY: Record<string, string> = {
  'AWS::IAM::Policy': 'PolicyDocument',
  'AWS::IAM::ManagedPolicy': 'PolicyDocument',
  'AWS::IAM::RolePolicy': 'PolicyDocument',
  'AWS::IAM::UserPolicy': 'PolicyDocument',
  'AWS::IAM::GroupPolicy': 'PolicyDocument',
  'AWS::KMS::Key': 'KeyPolicy',
  'AWS::S3::BucketPolicy': 'PolicyDocument',
};

/** Resource types whose own properties carry inline identity policies (`Policies`). */
export const PRINCIPAL_TYPES = ['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'];

/** Every resource type that holds a policy document. */
export const POLICY_HOLDER_TYPES = [...Object.keys(DOCUMENT_PROPERTY), ...PRINCIPAL_TYPES];

/** The policy documents a resource holds (none for other types). */
export function policyDocuments(model: AppModel, r: ResourceModel): PolicyDocument[] {
  const prop = DOCUMENT_PROPERTY[r.type];
  if (prop) {
    return r.properties[prop] === undefined ? [] : [{ document: r.properties[prop], label: describe(r), stack: r.stack }];
  }
  if (PRINCIPAL_TYPES.includes(r.type)) {
    return model.items(r.properties.Policies).map((p: any, i) => ({
      document: p?.PolicyDocument,
      label: `inline policy '${typeof p?.PolicyName === 'string' ? p.PolicyName : i}'`,
      stack: r.stack,
    }));
  }
  return [];
}

/** The statements of every policy document a resource holds. */
export function resourceStatements(model: AppModel, r: ResourceModel): Statement[] {
  return policyDocuments(model, r).flatMap((d) => statements(model, d.stack, d.document));
}

/** The statements of a policy document (a JSON string is parsed). */
export function statements(model: AppModel, stack: StackModel, document: unknown): Statement[] {
  let doc: any = document;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      return [];
    }
  }
  return model.items(doc?.Statement).filter(isObject).map((s) => ({
    effect: model.strings(stack, s.Effect)[0] ?? '',
    actions: model.stringList(stack, s.Action ?? s.NotAction),
    notAction: s.Action === undefined && s.NotAction !== undefined,
    resources: model.stringList(stack, s.Resource ?? s.NotResource),
    notResource: s.Resource === undefined && s.NotResource !== undefined,
    principal: s.Principal === undefined ? undefined : principal(model, stack, s.Principal),
    conditions: conditions(model, stack, s.Condition),
  }));
}

/** Whether the statement's actions include the action (IAM wildcards, case-insensitive; NotAction inverts). */
export function hasAction(s: Statement, action: string): boolean {
  return s.actions.some((a) => globMatch(a, action, true)) !== s.notAction;
}

/** The statement's conditions on a key (case-insensitive key match). */
export function conditionsOn(s: Statement, key: string): Condition[] {
  return s.conditions.filter((c) => c.key.toLowerCase() === key.toLowerCase());
}

/** Whether the operator is a `...Like` operator (the only ones where `*` and `?` are wildcards). */
export function isLikeOperator(operator: string): boolean {
  return /Like(IfExists)?$/.test(operator);
}

/** The operator without a set prefix (`ForAnyValue:`) and without `IfExists`. */
export function baseOperator(operator: string): string {
  return operator.replace(/^For(Any|All)Values?:/, '').replace(/IfExists$/, '');
}

/**
 * Whether the condition holds for a request that lacks its key: `Null: true`, any `...IfExists`
 * operator, and negated operators (`StringNotEquals`, `StringNotLike`, ...), which IAM evaluates as
 * true when the key is missing.
 */
export function trueWhenAbsent(c: Condition): boolean {
  const op = c.operator.replace(/^For(Any|All)Values?:/, '');
  return op === 'Null' ? c.values.some(isTrue) : op.endsWith('IfExists') || /^(String|Arn)Not/.test(op);
}

/** IAM glob: `*` any characters, `?` one character. */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = GLOBS.get(key);
  if (!re) {
    const body = pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    GLOBS.set(key, re);
  }
  return re.test(value);
}

/** An ARN with its partition normalised to `aws`, so that `aws-cn`/`aws-us-gov` variants compare equal. */
export function normalizeArn(arn: string): string {
  return arn.replace(/^arn:aws[a-zA-Z-]*:/, 'arn:aws:');
}

/** The account of a principal (`123456789012`, `arn:...:iam::<account>:...`, `arn:...:sts::<account>:...`). */
export function principalAccount(p: string): string | undefined {
  if (/^\d{12}$/.test(p)) {
    return p;
  }
  return /^arn:[^:]*:(?:iam|sts)::([^:]+):/.exec(p)?.[1];
}

/** True only when both accounts are known 12-digit ids and differ. */
export function isOtherAccount(account: string | undefined, own: string): boolean {
  return account !== undefined && /^\d{12}$/.test(account) && /^\d{12}$/.test(own) && account !== own;
}

/** The statement applies only to principals of the given account (aws:PrincipalAccount, aws:SourceAccount, kms:CallerAccount). */
export function limitedToAccount(s: Statement, account: string): boolean {
  return ['aws:PrincipalAccount', 'aws:SourceAccount', 'kms:CallerAccount'].some((key) => conditionsOn(s, key)
    .some((c) => /^String(Equals|Like)$/.test(c.operator) && c.values.length > 0 && c.values.every((v) => v === account)));
}

/** Whether a positive string condition (`StringEquals`/`StringLike`, literal values) certainly excludes the value. */
export function excludes(operator: string, values: string[], value: string): boolean {
  const op = baseOperator(operator);
  if (op !== 'StringEquals' && op !== 'StringLike') {
    return false;
  }
  return values.length > 0 && values.every(isLiteral)
    && !values.some((v) => (isLikeOperator(operator) ? globMatch(v, value) : v === value));
}

/** `true` or `"true"` (IAM condition values are strings; templates often write booleans). */
export function isTrue(value: string): boolean {
  return value.toLowerCase() === 'true';
}

/** `false` or `"false"`. */
export function isFalse(value: string): boolean {
  return value.toLowerCase() === 'false';
}

const GLOBS = new Map<string, RegExp>();

function principal(model: AppModel, stack: StackModel, p: unknown): Principal {
  if (!isObject(p)) {
    return { any: model.strings(stack, p).includes('*'), aws: [] };
  }
  const aws = model.stringList(stack, p.AWS);
  return { any: aws.includes('*'), aws: aws.filter((a) => a !== '*') };
}

function conditions(model: AppModel, stack: StackModel, block: unknown): Condition[] {
  if (!isObject(block)) {
    return [];
  }
  return Object.entries(block).flatMap(([operator, keys]) => (isObject(keys)
    ? Object.entries(keys).map(([key, v]) => ({ operator, key, values: model.stringList(stack, v) }))
    : []));
}

function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
