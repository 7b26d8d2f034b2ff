import { Annotations, Aws, IResource, Stack, Token, TokenComparison } from 'aws-cdk-lib';
import type { IAlias, IKey } from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { DataAccess } from '../support-matrix';
import { KeyReference, keyReferenceForm } from './key-reference';
import { normalizePrefix } from './policy';

/** Throw a synth-time error that names the construct path. */
export function fail(scope: IConstruct, message: string): never {
  throw new Error(`[${scope.node.path}] ${message}`);
}

/** True when the value is known at synth time (not a token). */
export function isResolved(value: string | undefined): value is string {
  return value !== undefined && !Token.isUnresolved(value);
}

const ACCOUNT_ID = /^\d{12}$/;
const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/([a-zA-Z0-9-]+)$/;
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@\/-]+$/;
const ORG_ID = /^o-[a-z0-9]{10,32}$/;

/** Parts of a KMS key ARN. */
export interface KeyArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly keyId: string;
}

/** Parse `arn:<partition>:kms:<region>:<account>:key/<id>`; undefined for anything else. */
export function parseKeyArn(value: string): KeyArnParts | undefined {
  const m = KEY_ARN.exec(value);
  return m ? { partition: m[1], region: m[2], account: m[3], keyId: m[4] } : undefined;
}

/** Validate a 12-digit account id (tokens pass). */
export function validateAccountId(scope: IConstruct, value: string, what: string): void {
  if (isResolved(value) && !ACCOUNT_ID.test(value)) {
    fail(scope, `${what} '${value}' is not an AWS account id. Use the 12-digit account number, e.g. '222222222222'.`);
  }
}

/**
 * Validate a KMS key ARN (tokens pass). Alias ARNs, alias names and bare key ids are
 * rejected: IAM and key policies, and S3 default encryption across accounts, need `...:key/<id>`.
 */
export function validateKeyArn(scope: IConstruct, value: string, what: string): void {
  if (!isResolved(value) || parseKeyArn(value)) {
    return;
  }
  const form = keyReferenceForm(value);
  const kind = [KeyReference.ALIAS_ARN, KeyReference.ALIAS_NAME, KeyReference.KEY_ID].includes(form) ? form : 'not a KMS key ARN';
  fail(scope, `${what} '${value}' is ${kind}. Use the key ARN, arn:<partition>:kms:<region>:<account>:key/<key-id> ` +
    '(`aws kms describe-key --key-id <alias> --query KeyMetadata.Arn` prints it): policies evaluate key ARNs, never aliases.');
}

/** Validate an IAM role ARN (tokens pass) and return its account when known. */
export function validateRoleArn(scope: IConstruct, value: string, what: string): string | undefined {
  if (!isResolved(value)) {
    return undefined;
  }
  const m = ROLE_ARN.exec(value);
  if (!m) {
    fail(scope, `${what} '${value}' is not an IAM role ARN. Use arn:<partition>:iam::<account>:role/<name>, e.g. 'arn:aws:iam::222222222222:role/odas-iam-role'.`);
  }
  return m[2];
}

/** Validate an AWS Organizations id (tokens pass). */
export function validateOrganizationId(scope: IConstruct, value: string, what: string): void {
  if (isResolved(value) && !ORG_ID.test(value)) {
    fail(scope, `${what} '${value}' is not an AWS Organizations id. Use the id that starts with 'o-', e.g. 'o-a1b2c3d4e5'.`);
  }
}

/**
 * Validate an S3 key prefix given explicitly (tokens pass): a plain prefix, a trailing `*` allowed; no wildcard
 * inside, no IAM policy variable, no empty segment (`//`), no `.` or `..` segment, and not one that normalises
 * to nothing (`''`, `'/'`, `'*'`), which would silently widen the grant to the whole bucket.
 */
export function validatePrefix(scope: IConstruct, prefix: string | undefined, what: string): void {
  if (!isResolved(prefix)) {
    return;
  }
  const p = normalizePrefix(prefix);
  if (p === undefined) {
    fail(scope, `${what} '${prefix}' is empty once leading/trailing '/' and a trailing '*' are removed, so it would grant the whole bucket. ` +
      'Omit the prefix to grant the whole bucket, or name one such as \'sales/2024\'.');
  }
  if (p.includes('${')) {
    fail(scope, `${what} '${prefix}' contains an IAM policy variable ('\${...}'), which would make the grant depend on the caller. ` +
      'Use a literal key prefix such as \'sales/2024\'.');
  }
  if (/[*?]/.test(p) || p.includes('..')) {
    fail(scope, `${what} '${prefix}' contains a wildcard or '..': IAM would match more (or other) keys than intended. ` +
      'Use a plain key prefix such as \'sales/2024\' (a trailing \'*\' is allowed).');
  }
  if (p.includes('//') || p.split('/').includes('.')) {
    fail(scope, `${what} '${prefix}' contains an empty ('//') or '.' path segment: S3 keys are not paths, so it would not match the keys you expect. ` +
      'Use a plain key prefix such as \'sales/2024\'.');
  }
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Validate an AWS region code such as `us-east-1` (tokens pass). */
export function validateRegion(scope: IConstruct, value: string | undefined, what: string): void {
  if (isResolved(value) && !REGION.test(value)) {
    fail(scope, `${what} '${value}' is not an AWS region. Use region codes such as 'us-east-1' (kms:ViaService for S3 is s3.<region>.amazonaws.com).`);
  }
}

/** Validate a DataAccess value (callers from other languages can pass any string); returns it or the default READ. */
export function validateDataAccess(scope: IConstruct, value: DataAccess | undefined, what: string): DataAccess {
  const access = value ?? DataAccess.READ;
  if (!Object.values(DataAccess).includes(access)) {
    fail(scope, `${what} '${access}' is not a DataAccess. Use DataAccess.READ or DataAccess.READ_WRITE.`);
  }
  return access;
}

/** Reject a KMS alias (`kms.Alias`, an alias ARN) or anything else that is not a key ARN, where a key is needed. */
export function validateKeyNotAlias(scope: IConstruct, key: IKey, what: string): void {
  if ('aliasName' in key || /:alias\//.test(key.keyArn)) {
    const name = 'aliasName' in key ? (key as IAlias).aliasName : key.keyArn;
    fail(scope, `${what} '${isResolved(name) ? name : key.node.path}' is a KMS alias: policies evaluate key ARNs, never aliases. Pass the key itself ` +
      '(alias.aliasTargetKey, or kms.Key.fromKeyArn with arn:<partition>:kms:<region>:<account>:key/<key-id>).');
  }
  validateKeyArn(scope, key.keyArn, what);
}

/**
 * The AWS managed aws/s3 key admits only principals of the bucket's own account, and its key policy cannot be
 * edited. Fails when `account` (of `who`) is known to differ from the bucket's; warns when the two cannot be
 * compared at synth time, unless they are provably equal: both are the accounts of their stacks and `whoScope`
 * deploys with the bucket, or (no scope) the account is the pseudo parameter, which resolves to the account of
 * the bucket's own stack.
 */
export function assertAwsManagedKeyAccount(
  scope: IConstruct, what: string, bucket: IResource, who: string, account?: string, whoScope?: IConstruct,
): void {
  const bucketAccount = bucket.env.account;
  if (bucketAccount === Stack.of(bucket).account &&
    (whoScope ? account === Stack.of(whoScope).account && topLevelStack(whoScope) === topLevelStack(bucket) : account === Aws.ACCOUNT_ID)) {
    return;
  }
  const comparison = account === undefined ? undefined : Token.compareStrings(bucketAccount, account);
  if (comparison === TokenComparison.DIFFERENT) {
    fail(scope, `${what} is encrypted with the AWS managed aws/s3 key of account ${bucketAccount}, which ${who} in account ${account} cannot use: ` +
      'the aws/s3 key policy cannot be edited, so it cannot be shared across accounts. Encrypt the bucket with a customer managed key ' +
      '(EncryptionType.SSE_KMS) or with SSE-S3 (EncryptionType.SSE_S3).');
  }
  if (comparison !== TokenComparison.SAME) {
    Annotations.of(scope).addWarningV2('cdk-okera-s3-encryption:awsManagedKeyAccountUnknown',
      `${what} uses the AWS managed aws/s3 key, which only works in the bucket's own account; the accounts of the bucket and of ${who} ` +
      'are not both known at synth time, so this could not be checked.');
  }
}

/** The stack a construct is deployed with: its own, or for a nested stack the top-level stack holding it. */
export function topLevelStack(scope: IConstruct): Stack {
  let stack = Stack.of(scope);
  while (stack.nestedStackParent) {
    stack = stack.nestedStackParent;
  }
  return stack;
}
