import { NagMessageLevel } from 'cdk-nag';
import { describe } from '../model';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';

/** Warning: a symmetric customer managed key should rotate. */
export const KmsKeyRotation: OkeraRule = {
  id: 'KmsKeyRotation',
  level: NagMessageLevel.WARN,
  resourceTypes: ['AWS::KMS::Key'],
  info: 'The customer managed KMS key does not have automatic rotation enabled.',
  explanation: 'Rotation gives the key new key material every year (or the period you set) while old data stays readable: Okera keeps '
    + 'working and the blast radius of exposed key material shrinks. Set EnableKeyRotation: true (aws-cdk-lib: enableKeyRotation: true).',
  check(resource, model) {
    const p = resource.properties;
    const spec = model.strings(resource.stack, p.KeySpec ?? 'SYMMETRIC_DEFAULT');
    const usage = model.strings(resource.stack, p.KeyUsage ?? 'ENCRYPT_DECRYPT');
    if (!spec.includes('SYMMETRIC_DEFAULT') || !usage.includes('ENCRYPT_DECRYPT')) {
      return NOT_APPLICABLE; // only symmetric encryption keys can rotate automatically
    }
    const rotation = model.strings(resource.stack, p.EnableKeyRotation ?? false);
    if (rotation.every((r) => r.toLowerCase() === 'true')) {
      return COMPLIANT;
    }
    return rotation.some((r) => r.toLowerCase() === 'false')
      ? nonCompliant(`${describe(resource)} is a symmetric customer managed key without automatic rotation. Okera reads data encrypted under `
        + 'any version of the key, so rotation costs nothing in access and limits exposure of old key material. '
        + 'Fix: set EnableKeyRotation: true (aws-cdk-lib: enableKeyRotation: true).')
      : NOT_APPLICABLE;
  },
};
