import { AppModel, isComparable, ResourceModel } from './model';
import { isAwsManagedKeyReference } from '../private/aws-managed-key';

/** What a KMS key reference (a bucket's `KMSMasterKeyID`, a policy `Resource`) is. */
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
const REF = /\{\{Ref:(.+)\/([^/{}]+)\}\}/;

/** Classify a canonical key reference. `!Ref Key` (the key id) is KEY_ID; `!GetAtt Key.Arn` is KEY_ARN. */
export function keyReference(model: AppModel, value: string): KeyReference {
  if (isAwsManagedKeyReference(value)) {
    return KeyReference.AWS_MANAGED;
  }
  if (!isComparable(value)) {
    return KeyReference.UNKNOWN;
  }
  if (keyResource(model, value) && REF.exec(value)?.[0] === value) {
    return KeyReference.KEY_ID;
  }
  return KEY_ARN.test(value) ? KeyReference.KEY_ARN
    : ALIAS_ARN.test(value) ? KeyReference.ALIAS_ARN
      : value.startsWith('alias/') ? KeyReference.ALIAS_NAME
        : KEY_ID.test(value) ? KeyReference.KEY_ID
          : value.includes('{{') ? KeyReference.UNKNOWN
            : KeyReference.INVALID;
}

/** The `AWS::KMS::Key` of the app a canonical value (key id or ARN) names, if any. */
export function keyResource(model: AppModel, value: string): ResourceModel | undefined {
  const m = REF.exec(value);
  const r = m ? model.stacks.find((s) => s.id === m[1])?.resources.get(m[2]) : undefined;
  return r?.type === 'AWS::KMS::Key' ? r : undefined;
}
