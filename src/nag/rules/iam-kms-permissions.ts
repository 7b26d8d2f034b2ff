import { NagMessageLevel } from 'cdk-nag';
import { KMS_ACTIONS } from '../../private/policy';
import { DataAccess, EncryptionType } from '../../support-matrix';
import { IDENTITY_POLICY_TYPES, identityPolicies, principalsOf } from '../identity';
import { KeyReference, keyReference, keyResource } from '../keys';
import { AppModel, describe, isLiteral, ResourceModel } from '../model';
import { globMatch, hasAction, normalizeArn, PRINCIPAL_TYPES, resourceStatements, Statement } from '../policy-document';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';
import { BucketFacts, buckets, objectAccess, viaS3InOtherRegion } from '../s3';

/**
 * A principal that reads objects of an SSE-KMS bucket of the app needs kms:Decrypt on its key; one
 * that writes needs kms:GenerateDataKey* and kms:Decrypt (multipart uploads). Delete-only access and
 * SSE-S3 buckets need no KMS permission.
 */
export const IamKmsPermissions: OkeraRule = {
  id: 'IamKmsPermissions',
  level: NagMessageLevel.ERROR,
  resourceTypes: [...PRINCIPAL_TYPES, ...IDENTITY_POLICY_TYPES],
  info: 'An IAM principal can read or write objects of an SSE-KMS bucket but lacks the KMS permissions on its key.',
  explanation: 'With SSE-KMS, S3 calls KMS on the caller\'s behalf: GetObject needs kms:Decrypt on the bucket\'s key, PutObject needs '
    + 'kms:GenerateDataKey* and kms:Decrypt (multipart uploads decrypt the data key). Without them every read or write fails with '
    + 'AccessDenied. Allow them on the key ARN with kms:ViaService s3.<region>.amazonaws.com (OkeraWorkerRole.addDataBucket does).',
  check(resource, model) {
    let allows: Statement[];
    let principal: ResourceModel | undefined;
    if (PRINCIPAL_TYPES.includes(resource.type)) {
      const policies = identityPolicies(model, resource);
      if (policies.allowsEverything) {
        return COMPLIANT;
      }
      allows = policies.statements;
      principal = resource;
    } else {
      // A policy attached to principals of the app is judged with everything else they have, on the principal.
      if (principalsOf(model, resource).length > 0) {
        return NOT_APPLICABLE;
      }
      allows = resourceStatements(model, resource);
    }
    // an unconditional Deny cancels any Allow of the same principal
    const denies = allows.filter((s) => s.effect === 'Deny' && !s.notResource && s.conditions.length === 0);
    allows = allows.filter((s) => s.effect === 'Allow' && !s.notResource);

    const problems: string[] = [];
    let relevant = false;
    for (const bucket of buckets(model)) {
      const keyIds = [...new Set(bucket.encryption.filter((v) => v.classification.type === EncryptionType.SSE_KMS).flatMap((v) => v.keyIds))];
      const access = objectAccess(allows, bucket);
      if (access === undefined || keyIds.length === 0) {
        continue;
      }
      relevant = true;
      for (const keyId of keyIds) {
        const missing = KMS_ACTIONS[access].filter((action) => !mayAllowOnKey(model, allows, denies, action.replace(/\*$/, ''), keyId, bucket, principal));
        if (missing.length > 0) {
          const key = keyResource(model, keyId);
          problems.push(`${access === DataAccess.READ ? 'reads' : 'writes'} objects of ${describe(bucket.resource)} (SSE-KMS with `
            + `${key ? describe(key) : `key '${keyId}'`}) without ${missing.join(' and ')} on that key`);
        }
      }
    }
    if (problems.length === 0) {
      return relevant ? COMPLIANT : NOT_APPLICABLE;
    }
    const unknown = principal ? identityPolicies(model, principal).unknownManagedPolicies : [];
    if (unknown.length > 0) {
      return NOT_APPLICABLE; // the missing permission may be in a managed policy the app does not define
    }
    return nonCompliant(`${describe(resource)} ${problems.join('; ')}. S3 calls KMS with the caller's permissions, so those requests fail `
      + 'with AccessDenied (reads need kms:Decrypt; writes need kms:GenerateDataKey* and kms:Decrypt, which multipart uploads use). '
      + 'Fix: allow the missing actions on the key ARN with the condition kms:ViaService = s3.<bucket region>.amazonaws.com '
      + '(OkeraWorkerRole.addDataBucket and OkeraDataBucket.grantRead/grantReadWrite do this)'
      + `${principal ? '' : '; if the principals this policy is attached to get them from another policy, acknowledge this rule'}.`);
  },
};

/**
 * Whether some Allow statement may grant the action on the key: `*`, a matching ARN or wildcard, the
 * same key of the app, or a value that cannot be told apart from it (a literal ARN against a key whose
 * ARN is only known at deploy time, unless its region or account differs). Alias and malformed
 * references are left to other rules. For a principal, the key's own policy naming it counts too.
 * A statement limited by kms:ViaService to S3 in another region than the bucket's does not count, and
 * an unconditional Deny of the action on `*` or the key cancels every Allow.
 */
function mayAllowOnKey(
  model: AppModel, allows: Statement[], denies: Statement[], action: string, keyId: string, facts: BucketFacts, principal?: ResourceModel,
): boolean {
  const bucket = facts.resource;
  const kind = keyReference(model, keyId);
  if (kind !== KeyReference.KEY_ARN && kind !== KeyReference.KEY_ID && kind !== KeyReference.UNKNOWN) {
    return true;
  }
  const key = keyResource(model, keyId);
  const forms = key ? model.strings(key.stack, { 'Fn::GetAtt': [key.logicalId, 'Arn'] })
    // a bare key id names a key of the bucket's account and region
    : kind === KeyReference.KEY_ID ? [`arn:aws:kms:${bucket.stack.region ?? '{{AWS::Region}}'}:${model.account(bucket.stack)}:key/${keyId}`]
      : [keyId];
  const matches = (r: string) => {
    if (r === '*' || forms.some((f) => globMatch(normalizeArn(r), normalizeArn(f)))) {
      return true;
    }
    const service = /^arn:[^:]*:([^:]*):/.exec(r)?.[1];
    if (keyResource(model, r) || (isLiteral(r) && forms.every(isLiteral)) || (service !== undefined && /^[a-z0-9-]+$/.test(service) && service !== 'kms')
      || (isLiteral(r) && forms.every((f) => otherRegionOrAccount(r, f)))) {
      return false; // another key of the app, two different literal ARNs, another service's ARN, or a key of another region/account
    }
    return true; // cannot be told apart at synth time
  };
  const denied = (r: string) => r === '*' || forms.some((f) => globMatch(normalizeArn(r), normalizeArn(f)));
  if (denies.some((s) => hasAction(s, action) && s.resources.some(denied))) {
    return false;
  }
  const usable = (s: Statement) => hasAction(s, action) && !viaS3InOtherRegion(s, facts);
  if (allows.some((s) => usable(s) && s.resources.some(matches))) {
    return true;
  }
  if (key && principal) {
    const arns = model.strings(principal.stack, { 'Fn::GetAtt': [principal.logicalId, 'Arn'] });
    return resourceStatements(model, key)
      .some((s) => s.effect === 'Allow' && usable(s) && (s.principal?.any || s.principal?.aws.some((p) => arns.includes(p))));
  }
  return false;
}

/** Whether a literal key ARN names another region or account than a key ARN form whose region and account are literal. */
function otherRegionOrAccount(literal: string, form: string): boolean {
  const where = (arn: string) => /^arn:[^:]*:kms:([^:]*):([^:]*):/.exec(normalizeArn(arn))?.slice(1);
  const [a, b] = [where(literal), where(form)];
  return a !== undefined && b !== undefined && b.every(isLiteral) && !/[*?]/.test(a.join('')) && (a[0] !== b[0] || a[1] !== b[1]);
}
