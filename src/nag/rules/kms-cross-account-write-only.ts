import { NagMessageLevel } from 'cdk-nag';
import { keyResource } from '../keys';
import { AppModel, describe, ResourceModel } from '../model';
import { hasAction, limitedToAccount, principalAccount, resourceStatements } from '../policy-document';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';
import { buckets } from '../s3';

/**
 * Warning: a key that encrypts a bucket of the app lets a principal outside the key's account write
 * (GenerateDataKey/Encrypt) but not kms:Decrypt: it cannot read back nor complete multipart uploads.
 */
export const KmsCrossAccountWriteOnly: OkeraRule = {
  id: 'KmsCrossAccountWriteOnly',
  level: NagMessageLevel.WARN,
  resourceTypes: ['AWS::KMS::Key'],
  info: 'The key policy lets another account generate data keys for a bucket\'s key but not decrypt.',
  explanation: 'Across accounts the key policy must allow every KMS action the other account needs. With kms:GenerateDataKey* or kms:Encrypt '
    + 'but no kms:Decrypt, the other account can upload single-part objects but cannot read them, and multipart uploads (which decrypt the '
    + 'data key for each part) fail. Grant kms:Decrypt as well, or make the write-only intent explicit by acknowledging this rule.',
  check(resource, model) {
    if (!encryptsABucket(model, resource)) {
      return NOT_APPLICABLE;
    }
    const own = model.account(resource.stack);
    const actions = new Map<string, { write: boolean; read: boolean }>();
    for (const s of resourceStatements(model, resource)) {
      if (s.effect !== 'Allow' || !s.principal) {
        continue;
      }
      for (const p of [...s.principal.aws, ...(s.principal.any && !limitedToAccount(s, own) ? ['*'] : [])]) {
        if (p !== '*' && principalAccount(p) === own) {
          continue;
        }
        const a = actions.get(p) ?? { write: false, read: false };
        actions.set(p, {
          write: a.write || hasAction(s, 'kms:GenerateDataKey') || hasAction(s, 'kms:Encrypt'),
          read: a.read || hasAction(s, 'kms:Decrypt'),
        });
      }
    }
    const writeOnly = [...actions].filter(([, a]) => a.write && !a.read).map(([p]) => p);
    return writeOnly.length > 0
      ? nonCompliant(`${describe(resource)} encrypts an S3 bucket and its key policy lets ${writeOnly.join(', ')} generate data keys or `
        + 'encrypt, but not kms:Decrypt. That principal can upload single-part objects but cannot read them back, and its multipart uploads '
        + 'fail (each part needs kms:Decrypt). Fix: add kms:Decrypt for it (CrossAccountKmsGrant with DataAccess.READ_WRITE grants both), '
        + 'or acknowledge this rule if write-only access (e.g. replication into this bucket) is intended.')
      : COMPLIANT;
  },
};

function encryptsABucket(model: AppModel, key: ResourceModel): boolean {
  return buckets(model).some((b) => b.encryption.some((v) => v.keyIds.some((k) => keyResource(model, k) === key)));
}
