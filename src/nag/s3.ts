import { AppModel, isComparable, ResourceModel, StackModel } from './model';
import {
  baseOperator, conditionsOn, excludes, globMatch, hasAction, isOtherAccount, limitedToAccount, normalizeArn, principalAccount,
  resourceStatements, Statement, statements,
} from './policy-document';
import { S3_ACTIONS, s3ViaService } from '../private/policy';
import { BucketEncryptionClassification, DataAccess, EncryptionType, SupportMatrix } from '../support-matrix';

/** A bucket's default encryption under one assignment of the template's conditions. */
export interface EncryptionVariant {
  readonly classification: BucketEncryptionClassification;
  /** `KMSMasterKeyID` as canonical strings ([] when absent). */
  readonly keyIds: string[];
  /** `BucketKeyEnabled` is an intrinsic that cannot be read (e.g. a parameter). */
  readonly bucketKeyUnknown: boolean;
}

/** What the rules need to know about an `AWS::S3::Bucket` of the app. */
export interface BucketFacts {
  readonly resource: ResourceModel;
  /** The bucket's ARN in every form that can be compared (partition normalised). */
  readonly arns: string[];
  /** One entry per assignment of the conditions its `BucketEncryption` uses. */
  readonly encryption: EncryptionVariant[];
}

/** S3 actions that read object data, and so need kms:Decrypt under SSE-KMS. */
export const OBJECT_READ_ACTIONS = S3_ACTIONS[DataAccess.READ].objects;
/** S3 actions that write object data, and so need kms:GenerateDataKey* (deleting needs no KMS). */
export const OBJECT_WRITE_ACTIONS = ['s3:PutObject'];

/** Whether the variant is SSE-KMS (customer managed or AWS managed key). */
export function isSseKms(v: EncryptionVariant): boolean {
  return v.classification.type === EncryptionType.SSE_KMS || v.classification.type === EncryptionType.SSE_KMS_AWS_MANAGED;
}

/** Every bucket of the app. */
export function buckets(model: AppModel): BucketFacts[] {
  return [...byResource(model).values()];
}

/** The facts of one bucket resource. */
export function bucketFacts(model: AppModel, r: ResourceModel): BucketFacts {
  return byResource(model).get(r)!;
}

function byResource(model: AppModel): Map<ResourceModel, BucketFacts> {
  return model.cached('buckets', () => new Map(model.resources('AWS::S3::Bucket').map((r) => [r, facts(model, r)])));
}

/** The buckets of the app a bucket-name value (a `BucketPolicy`'s `Bucket`) names. */
export function bucketsNamed(model: AppModel, stack: StackModel, value: unknown): BucketFacts[] {
  const byArn = model.cached('bucketsByArn', () => {
    const index = new Map<string, BucketFacts[]>();
    buckets(model).forEach((b) => b.arns.forEach((a) => index.set(a, [...index.get(a) ?? [], b])));
    return index;
  });
  const found = model.strings(stack, value).filter(isComparable).flatMap((n) => byArn.get(normalizeArn(`arn:aws:s3:::${n}`)) ?? []);
  return [...new Set(found)];
}

/** The `AWS::S3::BucketPolicy` resources of the app that apply to the bucket. */
export function bucketPolicies(model: AppModel, bucket: BucketFacts): ResourceModel[] {
  const byBucket = model.cached('bucketPolicies', () => {
    const index = new Map<BucketFacts, ResourceModel[]>();
    for (const p of model.resources('AWS::S3::BucketPolicy')) {
      bucketsNamed(model, p.stack, p.properties.Bucket).forEach((b) => index.set(b, [...index.get(b) ?? [], p]));
    }
    return index;
  });
  return byBucket.get(bucket) ?? [];
}

/** Whether a policy resource ARN covers objects of the bucket (`arn/*`, `arn/prefix/*`, `*`, ...). */
export function coversObjects(resource: string, bucket: BucketFacts): boolean {
  const r = normalizeArn(resource);
  return bucket.arns.some((a) => r.startsWith(`${a}/`) || globMatch(r, `${a}/key`));
}

/** Whether a policy resource ARN names the bucket and covers some of its objects (`arn/*`, `arn/prefix/*`; not `*`). */
export function namesObjects(resource: string, bucket: BucketFacts): boolean {
  const r = normalizeArn(resource);
  return bucket.arns.some((a) => r.startsWith(`${a}/`));
}

/**
 * The access Allow statements give to the bucket's objects: READ_WRITE when they allow s3:PutObject,
 * READ when they allow reading, else undefined. With `named`, only resources that name the bucket count.
 */
export function objectAccess(allows: Statement[], bucket: BucketFacts, named = false): DataAccess | undefined {
  const covers = named ? namesObjects : coversObjects;
  const grants = (actions: string[]) => allows.some((s) => s.effect === 'Allow' && !s.notResource && !excludesOwner(s, bucket)
    && actions.some((a) => hasAction(s, a)) && s.resources.some((r) => covers(r, bucket)));
  return grants(OBJECT_WRITE_ACTIONS) ? DataAccess.READ_WRITE : grants(OBJECT_READ_ACTIONS) ? DataAccess.READ : undefined;
}

/** Whether the statement is limited to buckets of other accounts (`s3:ResourceAccount`, `aws:ResourceAccount`) than the bucket's known one. */
function excludesOwner(s: Statement, bucket: BucketFacts): boolean {
  const owner = bucket.resource.stack.account;
  return owner !== undefined && ['s3:ResourceAccount', 'aws:ResourceAccount']
    .some((key) => conditionsOn(s, key).some((c) => excludes(c.operator, c.values, owner)));
}

/** Whether a policy resource ARN covers every object of the bucket (`arn/*`, `*`, ...), not only a prefix. */
export function coversAllObjects(resource: string, bucket: BucketFacts): boolean {
  const r = normalizeArn(resource);
  return bucket.arns.some((a) => globMatch(r, `${a}/key`) && globMatch(r, `${a}/prefix/key`));
}

/** Whether a policy resource ARN covers the bucket itself (bucket-level actions such as ListBucket). */
export function coversBucket(resource: string, bucket: BucketFacts): boolean {
  const r = normalizeArn(resource);
  return bucket.arns.some((a) => globMatch(r, a));
}

/** The bucket's policies' statements, with the policy they come from. */
export function bucketPolicyStatements(model: AppModel, bucket: BucketFacts): Statement[] {
  return model.cached(`bucketPolicyStatements:${bucket.resource.stack.id}/${bucket.resource.logicalId}`, () =>
    bucketPolicies(model, bucket).flatMap((policy) => resourceStatements(model, policy)));
}

/**
 * The statements of the bucket's policies under each assignment of the template conditions their
 * documents use (see `AppModel.variants`): a rule that needs every branch to be right checks each.
 */
export function bucketPolicyVariants(model: AppModel, bucket: BucketFacts): Statement[][] {
  return bucketPolicies(model, bucket)
    .map((p) => model.variants(p.properties.PolicyDocument).map((doc) => statements(model, p.stack, doc)))
    .reduce((sets, variants) => sets.flatMap((set) => variants.map((v) => [...set, ...v])), [[]] as Statement[][]);
}

/**
 * The principals in other accounts that the bucket's policies allow to read or write objects:
 * `AWS` principals whose account is known and differs from the bucket's, and `Principal: "*"`
 * (anyone, or an organization) unless a condition limits it to the bucket's own account.
 */
export function otherAccountObjectGrantees(model: AppModel, bucket: BucketFacts): string[] {
  const own = model.account(bucket.resource.stack);
  const grantees = new Set<string>();
  for (const s of bucketPolicyStatements(model, bucket)) {
    if (s.effect !== 'Allow' || !s.principal || s.notResource
      || ![...OBJECT_READ_ACTIONS, ...OBJECT_WRITE_ACTIONS].some((a) => hasAction(s, a))
      || !s.resources.some((r) => coversObjects(r, bucket))) {
      continue;
    }
    s.principal.aws.filter((p) => isOtherAccount(principalAccount(p), own)).forEach((p) => grantees.add(p));
    if (s.principal.any && !limitedToAccount(s, own)) {
      const org = conditionsOn(s, 'aws:PrincipalOrgID').flatMap((c) => c.values);
      grantees.add(org.length ? `every account of organization ${org.join(', ')}` : 'everyone (Principal "*")');
    }
  }
  return [...grantees];
}

/** Whether some policy in the bucket's stack names a bucket that cannot be resolved (it may be this bucket's policy). */
export function hasUnresolvedBucketPolicy(model: AppModel, bucket: ResourceModel): boolean {
  return model.resources('AWS::S3::BucketPolicy')
    .some((p) => p.stack === bucket.stack && model.strings(p.stack, p.properties.Bucket).some((n) => !isComparable(n)));
}

/**
 * Whether the statement is limited by `kms:ViaService` to S3 in other regions than the bucket's
 * (e.g. s3.eu-west-1.amazonaws.com for a us-east-1 bucket), so it never applies to the requests S3
 * makes for that bucket. False when the bucket's region or a value is not known, or a value is not a
 * plain `s3.<region>.amazonaws.com` (KmsViaServiceFormat judges those).
 */
export function viaS3InOtherRegion(s: Statement, bucket: BucketFacts): boolean {
  const region = bucket.resource.stack.region;
  return region !== undefined && conditionsOn(s, 'kms:ViaService').some((c) =>
    /^String(Equals|Like)$/.test(baseOperator(c.operator)) && c.values.length > 0
    && c.values.every((v) => S3_REGIONAL_SERVICE.test(v) && v !== s3ViaService(region)));
}

const S3_REGIONAL_SERVICE = /^s3\.[a-z]{2}(-[a-z]+)+-\d+\.amazonaws\.com(\.cn)?$/;

function facts(model: AppModel, r: ResourceModel): BucketFacts {
  const names = model.strings(r.stack, { Ref: r.logicalId }).filter(isComparable);
  // Properties from an `Fn::Transform` (AWS::Include) are not expanded: the encryption is unknown, not absent
  const transform = r.properties?.['Fn::Transform'];
  const declared = r.properties?.BucketEncryption ?? (transform !== undefined ? { 'Fn::Transform': transform } : undefined);
  const encryption = model.variants(declared).map((variant: any) => {
    const rule = variant?.ServerSideEncryptionConfiguration?.[0];
    const keyId = rule?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
    const bucketKey = rule?.BucketKeyEnabled;
    return {
      classification: SupportMatrix.classifyBucketEncryption(variant),
      keyIds: keyId === undefined ? [] : model.strings(r.stack, keyId),
      bucketKeyUnknown: bucketKey !== null && typeof bucketKey === 'object',
    };
  });
  return { resource: r, arns: names.map((n) => normalizeArn(`arn:aws:s3:::${n}`)), encryption };
}
