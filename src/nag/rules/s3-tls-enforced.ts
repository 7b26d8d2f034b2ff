import { NagMessageLevel } from 'cdk-nag';
import { describe, isComparable, isLiteral } from '../model';
import { baseOperator, conditionsOn, hasAction, isFalse, Statement } from '../policy-document';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, OkeraRule } from '../rule';
import { BucketFacts, bucketFacts, bucketPolicyVariants, coversAllObjects, coversBucket, hasUnresolvedBucketPolicy } from '../s3';

/**
 * The bucket policy must deny requests without TLS (`aws:SecureTransport` false) on the bucket ARN
 * and on all its objects.
 */
export const S3TlsEnforced: OkeraRule = {
  id: 'S3TlsEnforced',
  level: NagMessageLevel.ERROR,
  resourceTypes: ['AWS::S3::Bucket'],
  info: 'The S3 bucket does not deny requests without TLS on both the bucket and its objects.',
  explanation: 'Okera reads data and lists buckets over the network; without a Deny on aws:SecureTransport false covering the bucket ARN '
    + '(ListBucket, GetBucketLocation) and arn/* (objects), plain-HTTP requests are accepted. Add a Deny statement for Principal "*", '
    + 'Action s3:*, Resource [bucket ARN, bucket ARN/*], Condition Bool aws:SecureTransport false (aws-cdk-lib: enforceSSL: true).',
  check(resource, model) {
    const bucket = bucketFacts(model, resource);
    const variants = bucketPolicyVariants(model, bucket);
    const coverage = variants.map((statements) => tlsCoverage(statements.filter((s) => isTlsDeny(s) && !extraConditions(s)), bucket));
    const bad = coverage.find((c) => c !== Coverage.FULL && c !== Coverage.UNKNOWN);
    if (coverage.every((c) => c === Coverage.FULL)) {
      return COMPLIANT;
    }
    if (!bad || hasUnresolvedBucketPolicy(model, resource)) {
      return NOT_APPLICABLE; // a policy we cannot read may be the one that enforces TLS
    }
    const when = coverage.includes(Coverage.FULL) ? ' under some template conditions' : '';
    const fix = `Fix: deny Action s3:* for Principal "*" on Resource [${arn(bucket)}, ${arn(bucket)}/*] when Bool aws:SecureTransport is false `
      + '(aws-cdk-lib: enforceSSL: true).';
    const partial = variants.flatMap((statements) => statements.filter((s) => isTlsDeny(s) && extraConditions(s)));
    if (partial.length > 0) {
      return nonCompliant(`${describe(resource)} denies requests without TLS only when ${extraConditions(partial[0])} also holds${when}: `
        + `every other request is still accepted over plain HTTP. A TLS deny must carry no condition but aws:SecureTransport. ${fix}`);
    }
    switch (bad) {
      case Coverage.OBJECTS:
        return nonCompliant(`${describe(resource)} denies non-TLS requests on its objects only${when}: bucket-level actions such as `
          + `s3:ListBucket and s3:GetBucketLocation on the bucket ARN are still accepted over plain HTTP. ${fix}`);
      case Coverage.BUCKET:
        return nonCompliant(`${describe(resource)} denies non-TLS requests on the bucket ARN but not on all its objects (arn/*)${when}: `
          + `object reads and writes are still accepted over plain HTTP. ${fix}`);
      default:
        return nonCompliant(`${describe(resource)} has no bucket policy statement denying requests without TLS (aws:SecureTransport false)`
          + `${when}, so Okera's reads and any other client's requests may travel unencrypted. ${fix}`);
    }
  },
};

enum Coverage { FULL, OBJECTS, BUCKET, NONE, UNKNOWN }

function tlsCoverage(denies: Statement[], bucket: BucketFacts): Coverage {
  const objects = denies.some((s) => hasAction(s, 's3:GetObject') && hasAction(s, 's3:PutObject') && s.resources.some((r) => coversAllObjects(r, bucket)));
  const bucketLevel = denies.some((s) => hasAction(s, 's3:ListBucket') && s.resources.some((r) => coversBucket(r, bucket)));
  return objects && bucketLevel ? Coverage.FULL
    : denies.some((s) => !s.resources.every(isComparable)) ? Coverage.UNKNOWN
      : objects ? Coverage.OBJECTS : bucketLevel ? Coverage.BUCKET : Coverage.NONE;
}

function isTlsDeny(s: Statement): boolean {
  return s.effect === 'Deny' && !s.notResource && (s.principal?.any ?? false)
    && conditionsOn(s, 'aws:SecureTransport').some((c) => baseOperator(c.operator) === 'Bool' && c.values.some(isFalse));
}

/** The statement's conditions other than aws:SecureTransport, as text (undefined when there are none): they narrow the deny. */
function extraConditions(s: Statement): string | undefined {
  const extra = s.conditions.filter((c) => c.key.toLowerCase() !== 'aws:securetransport');
  return extra.length === 0 ? undefined : extra.map((c) => `${c.operator} ${c.key} ${c.values.join(', ')}`).join(' and ');
}

function arn(bucket: BucketFacts): string {
  return bucket.arns.find(isLiteral) ?? `<${bucket.resource.logicalId}.Arn>`;
}
