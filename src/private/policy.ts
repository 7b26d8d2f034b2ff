import { Fn, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DataAccess } from '../support-matrix';

/** The single place that decides which S3 and KMS actions each access level needs. */
export const S3_ACTIONS: Record<DataAccess, { bucket: string[]; objects: string[] }> = {
  [DataAccess.READ]: {
    bucket: ['s3:ListBucket', 's3:GetBucketLocation'],
    objects: ['s3:GetObject', 's3:GetObjectVersion'],
  },
  [DataAccess.READ_WRITE]: {
    bucket: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
    objects: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
  },
};

/** KMS actions for a customer managed key; multipart uploads need Decrypt as well as GenerateDataKey*. */
export const KMS_ACTIONS: Record<DataAccess, string[]> = {
  [DataAccess.READ]: ['kms:Decrypt'],
  [DataAccess.READ_WRITE]: ['kms:Decrypt', 'kms:GenerateDataKey*'],
};

/** `kms:ViaService` value for S3 in a region (the bucket's region). */
export function s3ViaService(region: string): string {
  return `s3.${region}.amazonaws.com`;
}

/** Normalise a prefix: no leading or trailing slash, no trailing wildcard. Undefined or '' means the whole bucket. */
export function normalizePrefix(prefix?: string): string | undefined {
  if (prefix === undefined) {
    return undefined;
  }
  const p = prefix.replace(/^\/+/, '').replace(/\*+$/, '').replace(/\/+$/, '');
  return p === '' ? undefined : p;
}

/** Object ARNs covered by the prefixes (the whole bucket when there are none). */
export function objectArns(bucketArn: string, prefixes: (string | undefined)[]): string[] {
  const ps = prefixes.map(normalizePrefix);
  if (ps.length === 0 || ps.includes(undefined)) {
    return [`${bucketArn}/*`];
  }
  return [...new Set(ps)].map((p) => `${bucketArn}/${p}/*`);
}

/** `s3:prefix` values that let ListBucket see exactly the given prefixes, or undefined for the whole bucket. */
export function listPrefixValues(prefixes: (string | undefined)[]): string[] | undefined {
  const ps = prefixes.map(normalizePrefix);
  if (ps.length === 0 || ps.includes(undefined)) {
    return undefined;
  }
  return [...new Set(ps as string[])].flatMap((p) => [p, `${p}/`, `${p}/*`]);
}

/** The KMS statement for an identity policy: key ARNs, used only through S3 in the given regions. */
export function kmsViaS3Statement(keyArns: string[], access: DataAccess, regions: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: KMS_ACTIONS[access],
    resources: keyArns,
    conditions: { StringEquals: { 'kms:ViaService': oneOrMany(unique(regions.map(s3ViaService))) } },
  });
}

/** Deduplicate, keeping the first occurrence. */
export function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** A single value as a string, several as a list (how IAM policies are usually written). */
export function oneOrMany(values: string[]): string | string[] {
  return values.length === 1 ? values[0] : values;
}

/**
 * Values as a policy list (`oneOrMany`), where some may be deploy-time lists (`CfnParameter.valueAsList`):
 * one such list stands for itself; mixed with other values it is spliced in (`Fn::Split` of a `Fn::Join`).
 */
export function policyList(values: string[]): string | string[] {
  if (!values.some(isListTokenElement)) {
    return oneOrMany(values);
  }
  if (values.length === 1) {
    return values; // the deploy-time list itself
  }
  return Fn.split(',', Fn.join(',', values.map((v) => (isListTokenElement(v) ? Fn.join(',', [v]) : v))));
}

/** True for the element a list token (`CfnParameter.valueAsList`, `Fn.split`) shows as: the whole list, known at deploy time. */
export function isListTokenElement(value: string): boolean {
  return Token.isUnresolved([value]);
}

/** Known only at deploy time: a token, or a deploy-time list. */
export function isDeployTime(value: string): boolean {
  return Token.isUnresolved(value) || isListTokenElement(value);
}

/**
 * Identity-policy statements for S3 access to a bucket, optionally limited to key prefixes:
 * ListBucket is then conditioned on `s3:prefix`; the other bucket actions get their own statement,
 * because a condition on a key their requests do not carry (GetBucketLocation) would deny them.
 */
export function s3Statements(bucketArn: string, access: DataAccess, prefixes: (string | undefined)[]): iam.PolicyStatement[] {
  const { bucket, objects } = S3_ACTIONS[access];
  const listPrefixes = listPrefixValues(prefixes);
  const statements = listPrefixes
    ? [
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucketArn], conditions: { StringLike: { 's3:prefix': listPrefixes } } }),
      new iam.PolicyStatement({ actions: bucket.filter((a) => a !== 's3:ListBucket'), resources: [bucketArn] }),
    ]
    : [new iam.PolicyStatement({ actions: bucket, resources: [bucketArn] })];
  return [...statements, new iam.PolicyStatement({ actions: objects, resources: objectArns(bucketArn, prefixes) })];
}
