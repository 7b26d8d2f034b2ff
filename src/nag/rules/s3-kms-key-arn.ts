import { NagMessageLevel } from 'cdk-nag';
import { KeyReference, keyReference } from '../keys';
import { describe } from '../model';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';
import { bucketFacts, otherAccountObjectGrantees } from '../s3';

/**
 * A bucket's KMSMasterKeyID must name a key: junk is always an error; an alias or a bare key id is an
 * error when other accounts are granted (S3 then resolves it in the requester's account).
 */
export const S3KmsKeyArn: OkeraRule = {
  id: 'S3KmsKeyArn',
  level: NagMessageLevel.ERROR,
  resourceTypes: ['AWS::S3::Bucket'],
  info: 'The S3 bucket\'s KMSMasterKeyID is not a key ARN where one is required.',
  explanation: 'KMSMasterKeyID must name a KMS key. A key id or alias is resolved in the requester\'s account, so for buckets shared with '
    + 'other accounts S3 requires the full key ARN (arn:<partition>:kms:<region>:<account>:key/<id>); with !Ref of a key, use !GetAtt Key.Arn.',
  check(resource, model) {
    const bucket = bucketFacts(model, resource);
    const refs = [...new Set(bucket.encryption.flatMap((v) => v.keyIds))];
    if (refs.length === 0) {
      return NOT_APPLICABLE;
    }
    const invalid = refs.filter((r) => keyReference(model, r) === KeyReference.INVALID);
    if (invalid.length > 0) {
      return nonCompliant(`${describe(resource)} has KMSMasterKeyID '${invalid.join("', '")}', which is not a KMS key id, key ARN or alias: `
        + 'S3 rejects it or cannot encrypt with it, and Okera cannot read what it cannot decrypt. '
        + 'Fix: set KMSMasterKeyID to the customer managed key ARN (!GetAtt Key.Arn, or arn:<partition>:kms:<region>:<account>:key/<id>).');
    }
    const indirect = refs.filter((r) => [KeyReference.ALIAS_ARN, KeyReference.ALIAS_NAME, KeyReference.KEY_ID].includes(keyReference(model, r)));
    const grantees = indirect.length > 0 ? otherAccountObjectGrantees(model, bucket) : [];
    if (grantees.length > 0) {
      const kinds = [...new Set(indirect.map((r) => keyReference(model, r)))].join(' or ');
      return nonCompliant(`${describe(resource)} names its KMS key by ${kinds} (KMSMasterKeyID '${indirect.join("', '")}') while its bucket policy `
        + `shares objects with ${grantees.join(', ')}. S3 resolves a key id or alias in the requester's account, so uploads from those `
        + 'accounts are encrypted with the wrong key (or fail) and cross-account reads break. '
        + 'Fix: use the full key ARN (!GetAtt Key.Arn instead of !Ref Key, or arn:<partition>:kms:<region>:<account>:key/<id>).');
    }
    return COMPLIANT;
  },
};
