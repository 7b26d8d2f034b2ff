import { AppModel, StackModel } from './model';

/**
 * Lower bound of a policy document's size as deployed: intrinsics rendered at their shortest (unknown
 * parts count as nothing), compact JSON. `ignoreWhitespace` drops every whitespace character, as IAM
 * does when it measures policies; KMS counts bytes of the document as sent.
 */
export function policySize(model: AppModel, stack: StackModel, document: unknown, ignoreWhitespace: boolean): number {
  const bound = model.lowerBound(stack, typeof document === 'string' ? tryParse(document) : document);
  const json = JSON.stringify(bound) ?? '';
  return ignoreWhitespace ? json.replace(/\s/g, '').length : Buffer.byteLength(json, 'utf8');
}

/** KMS key policy limit, in bytes. */
export const KEY_POLICY_MAX_BYTES = 32_768;
/** IAM managed policy limit, in characters without whitespace. */
export const MANAGED_POLICY_MAX_CHARS = 6_144;
/** IAM limits on the total of a principal's inline policies, in characters without whitespace. */
export const INLINE_POLICIES_MAX_CHARS: Record<string, number> = {
  'AWS::IAM::Role': 10_240,
  'AWS::IAM::User': 2_048,
  'AWS::IAM::Group': 5_120,
};

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
