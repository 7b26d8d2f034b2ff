import { NagMessageLevel } from 'cdk-nag';
import { EncryptionType, SupportMatrix } from '../../support-matrix';
import { describe } from '../model';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';
import { bucketFacts } from '../s3';

/** Default encryption must be SSE-S3 or SSE-KMS: DSSE-KMS and unknown algorithms are errors. */
export const S3EncryptionSupported: OkeraRule = {
  id: 'S3EncryptionSupported',
  level: NagMessageLevel.ERROR,
  resourceTypes: ['AWS::S3::Bucket'],
  info: 'The S3 bucket\'s default encryption is not one Okera can read (SSE-S3 or SSE-KMS).',
  explanation: 'Okera workers read SSE-S3 (AES256) and SSE-KMS (aws:kms) objects. DSSE-KMS (aws:kms:dsse) is outside what Okera supports, '
    + 'and an unknown algorithm is rejected by S3. Set SSEAlgorithm to AES256, or aws:kms with a customer managed key ARN.',
  check(resource, model) {
    const bad = new Set<string>();
    let known = false;
    for (const { classification: c } of bucketFacts(model, resource).encryption) {
      if (!c.declared || c.unresolved) {
        continue;
      }
      known = true;
      if (c.type === EncryptionType.DSSE_KMS) {
        bad.add(`'${c.sseAlgorithm}' (${SupportMatrix.info(EncryptionType.DSSE_KMS).label}: encrypted, but not a type Okera supports)`);
      } else if (c.type === undefined) {
        bad.add(`'${c.sseAlgorithm}' (not an S3 encryption algorithm)`);
      }
    }
    if (bad.size > 0) {
      return nonCompliant(`${describe(resource)} declares default encryption ${[...bad].join(' and ')}. Okera workers can only read `
        + 'SSE-S3 and SSE-KMS data. Fix: set SSEAlgorithm to AES256 (SSE-S3), or aws:kms with KMSMasterKeyID set to a customer managed key ARN (SSE-KMS).');
    }
    return known ? COMPLIANT : NOT_APPLICABLE;
  },
};
