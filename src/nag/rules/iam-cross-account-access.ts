import { NagMessageLevel } from 'cdk-nag';
import { KMS_ACTIONS } from '../../private/policy';
import { EncryptionType } from '../../support-matrix';
import { identityPolicies } from '../identity';
import { keyResource } from '../keys';
import { AppModel, describe, isComparable, isLiteral, ResourceModel } from '../model';
import { conditionsOn, excludes, hasAction, PRINCIPAL_TYPES, principalAccount, resourceStatements, Statement } from '../policy-document';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';
import {
  BucketFacts, bucketPolicyStatements, buckets, coversObjects, hasUnresolvedBucketPolicy, namesObjects, OBJECT_READ_ACTIONS, OBJECT_WRITE_ACTIONS,
  objectAccess, viaS3InOtherRegion,
} from '../s3';

/**
 * Across accounts a request needs both halves: the caller's IAM policy and the data account's bucket
 * policy (and, for SSE-KMS, key policy). A principal of the app whose IAM policy reads or writes objects
 * of a bucket of the app in another account, where that bucket's policy or its key's policy does not
 * admit the principal's account, is an error. Reported only when the accounts are known and the
 * policies are readable; anything uncertain counts as admitting.
 */
export const IamCrossAccountAccess: OkeraRule = {
  id: 'IamCrossAccountAccess',
  level: NagMessageLevel.ERROR,
  resourceTypes: PRINCIPAL_TYPES,
  info: 'An IAM principal reads or writes objects of a bucket in another account whose bucket policy or KMS key policy does not admit its account.',
  explanation: 'Across accounts S3 and KMS allow a request only when both the caller\'s IAM policy and the data account\'s resource policies '
    + 'allow it: the bucket policy must admit the caller (its account root, its role ARN, or "*" with an account or organization condition '
    + 'that includes it), and for SSE-KMS so must the key policy, for kms:Decrypt (and kms:GenerateDataKey* to write). Otherwise every read '
    + 'fails with AccessDenied. Register the worker account with CrossAccountKmsGrant (with the bucket) in the data account\'s stack.',
  check(resource, model) {
    const account = resource.stack.account;
    if (account === undefined || !/^\d{12}$/.test(account)) {
      return NOT_APPLICABLE;
    }
    const allows = identityPolicies(model, resource).statements;
    const arns = resource.type === 'AWS::IAM::Group' ? [] : model.strings(resource.stack, { 'Fn::GetAtt': [resource.logicalId, 'Arn'] });
    const caller: Caller = { account, arns };
    const problems: string[] = [];
    let relevant = false;
    for (const bucket of buckets(model)) {
      const owner = bucket.resource.stack.account;
      const access = objectAccess(allows, bucket, true);
      if (access === undefined || owner === undefined || owner === account) {
        continue;
      }
      relevant = true;
      const denied = bucketDenies(model, bucket, allows, caller);
      if (denied.length > 0) {
        problems.push(`the bucket policy of ${describe(bucket.resource)} (account ${owner}) does not admit account ${account} for `
          + `${denied.join(', ')}: S3 will deny`);
      }
      const key = bucketKey(model, bucket);
      const keyAccount = key?.stack.account;
      if (!key || keyAccount === undefined || keyAccount === account || !readable(model, key)) {
        continue;
      }
      const missing = KMS_ACTIONS[access].filter((a) => !resourceStatements(model, key)
        .some((s) => admits(s, caller, a.replace(/\*$/, '')) && !viaS3InOtherRegion(s, bucket)));
      if (missing.length > 0) {
        problems.push(`the key policy of ${describe(key)} (account ${keyAccount}, encrypting ${describe(bucket.resource)}) does not admit `
          + `account ${account} for ${missing.join(' and ')}: KMS will deny`);
      }
    }
    if (problems.length === 0) {
      return relevant ? COMPLIANT : NOT_APPLICABLE;
    }
    return nonCompliant(`${describe(resource)} (account ${account}) is allowed by its IAM policy to use objects of a bucket in another `
      + `account, but ${[...new Set(problems)].join('; ')}. Across accounts the data account's resource policies must admit the caller too, `
      + 'so every such request fails with AccessDenied. Fix: in the data account\'s stack, add new CrossAccountKmsGrant(stack, id, '
      + `{ bucket, accounts: ['${account}'] }) (it writes both the key policy and the bucket policy statements), or add equivalent `
      + 'statements by hand.');
  },
};

interface Caller {
  readonly account: string;
  /** The principal's ARNs as canonical strings ([] for a group, which no policy can name). */
  readonly arns: string[];
}

/** The object actions the principal's IAM policy allows on the bucket that no statement of the bucket's policies admits it for. */
function bucketDenies(model: AppModel, bucket: BucketFacts, allows: Statement[], caller: Caller): string[] {
  if (hasUnresolvedBucketPolicy(model, bucket.resource)) {
    return [];
  }
  const statements = bucketPolicyStatements(model, bucket);
  const onObjects = (r: string) => !isComparable(r) || coversObjects(r, bucket);
  return [...OBJECT_READ_ACTIONS, ...OBJECT_WRITE_ACTIONS]
    .filter((a) => allows.some((s) => s.effect === 'Allow' && hasAction(s, a) && s.resources.some((r) => namesObjects(r, bucket))))
    .filter((a) => !statements.some((s) => admits(s, caller, a) && (s.notResource || s.resources.some(onObjects))));
}

/** The single key of the app that encrypts the bucket under every template condition (SSE-KMS only), if there is one. */
function bucketKey(model: AppModel, bucket: BucketFacts): ResourceModel | undefined {
  if (!bucket.encryption.every((v) => v.classification.type === EncryptionType.SSE_KMS && v.keyIds.length > 0)) {
    return undefined;
  }
  const keys = new Set(bucket.encryption.flatMap((v) => v.keyIds.map((k) => keyResource(model, k))));
  const [key] = [...keys];
  return keys.size === 1 ? key : undefined;
}

/** A key policy that is absent (the default policy: its own account only) or a readable document. */
function readable(model: AppModel, key: ResourceModel): boolean {
  return key.properties.KeyPolicy === undefined || resourceStatements(model, key).length > 0;
}

const ACCOUNT_KEYS = ['aws:PrincipalAccount', 'kms:CallerAccount'];

/**
 * Whether a resource-policy statement may allow the caller the action. Uncertain cases count as
 * admitting: a principal that cannot be resolved, an ARN of the caller's account when the caller's own
 * ARN is not literal, an organization condition, and conditions other than account ones.
 */
function admits(s: Statement, caller: Caller, action: string): boolean {
  if (s.effect !== 'Allow' || !hasAction(s, action)) {
    return false;
  }
  if (!s.principal) {
    return true; // NotPrincipal: not judged
  }
  if (s.principal.any) {
    return !ACCOUNT_KEYS.some((k) => conditionsOn(s, k).some((c) => excludes(c.operator, c.values, caller.account)));
  }
  return s.principal.aws.some((p) => {
    const account = principalAccount(p);
    if (account === undefined || !/^\d{12}$/.test(account)) {
      return !isLiteral(p) || !/^arn:/.test(p); // unknown, or a form we do not read (a unique id)
    }
    if (account !== caller.account) {
      return false;
    }
    const identity = /^arn:[^:]*:iam::\d{12}:(role|user)\//.test(p);
    return !identity || caller.arns.length === 0 || !caller.arns.every(isLiteral) || caller.arns.includes(p);
  });
}

