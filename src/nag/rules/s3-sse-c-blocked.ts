import { NagMessageLevel } from 'cdk-nag';
import { SseCBlocking } from '../../support-matrix';
import { describe } from '../model';
import { COMPLIANT, nonCompliant, OkeraRule } from '../rule';
import { bucketFacts } from '../s3';

/** `BlockedEncryptionTypes` explicitly `NONE` accepts SSE-C uploads Okera can never read. */
export const S3SseCBlocked: OkeraRule = {
  id: 'S3SseCBlocked',
  level: NagMessageLevel.ERROR,
  resourceTypes: ['AWS::S3::Bucket'],
  info: 'The S3 bucket explicitly accepts SSE-C uploads (BlockedEncryptionTypes NONE).',
  explanation: 'An SSE-C object can only be read by a request that carries the customer\'s key, which Okera never has. '
    + 'Block SSE-C on the bucket: BlockedEncryptionTypes: { EncryptionType: [SSE-C] } (aws-cdk-lib: blockedEncryptionTypes: [BlockedEncryptionType.SSE_C]).',
  check(resource, model) {
    return bucketFacts(model, resource).encryption.some((v) => v.classification.sseCBlocking === SseCBlocking.EXPLICITLY_ALLOWED)
      ? nonCompliant(`${describe(resource)} sets BlockedEncryptionTypes to NONE, so clients can upload SSE-C objects that only their own key `
        + 'decrypts: Okera cannot read them. Fix: set BlockedEncryptionTypes to { EncryptionType: [SSE-C] } '
        + '(aws-cdk-lib: blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C]).')
      : COMPLIANT;
  },
};
