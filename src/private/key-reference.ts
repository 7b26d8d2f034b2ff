/** What a KMS key reference (a bucket's `KMSMasterKeyID`, a policy `Resource`, a prop) is. */
export enum KeyReference {
  KEY_ARN = 'a key ARN',
  KEY_ID = 'a bare key id',
  ALIAS_ARN = 'an alias ARN',
  ALIAS_NAME = 'an alias name',
  AWS_MANAGED = 'the AWS managed key aws/s3',
  INVALID = 'not a KMS key id, key ARN or alias',
  UNKNOWN = 'unknown',
}

const KEY_ARN = /^arn:[^:]+:kms:[^:]*:[^:]*:key\/.+$/;
const ALIAS_ARN = /^arn:[^:]+:kms:[^:]*:[^:]*:alias\/.+$/;
const KEY_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/i;

/** `alias/aws/s3`, or an alias ARN ending in it. */
export function isAwsManagedKeyReference(keyId: unknown): boolean {
  return typeof keyId === 'string' && /(^|:)alias\/aws\/s3$/.test(keyId);
}

/** The form of a literal key reference (the aws/s3 alias counts as an alias here). */
export function keyReferenceForm(value: string): KeyReference {
  return KEY_ARN.test(value) ? KeyReference.KEY_ARN
    : ALIAS_ARN.test(value) ? KeyReference.ALIAS_ARN
      : value.startsWith('alias/') ? KeyReference.ALIAS_NAME
        : KEY_ID.test(value) ? KeyReference.KEY_ID
          : KeyReference.INVALID;
}
