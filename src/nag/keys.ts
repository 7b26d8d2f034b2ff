import { AppModel, isComparable, ResourceModel } from './model';
import { isAwsManagedKeyReference, KeyReference, keyReferenceForm } from '../private/key-reference';

export { KeyReference };

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
  const form = keyReferenceForm(value);
  return form === KeyReference.INVALID && value.includes('{{') ? KeyReference.UNKNOWN : form;
}

/** The `AWS::KMS::Key` of the app a canonical value (key id or ARN) names, if any. */
export function keyResource(model: AppModel, value: string): ResourceModel | undefined {
  const m = REF.exec(value);
  const r = m ? model.stacks.find((s) => s.id === m[1])?.resources.get(m[2]) : undefined;
  return r?.type === 'AWS::KMS::Key' ? r : undefined;
}
