import type { IOkeraDataBucket } from '../data-bucket';
import { DataAccess } from '../support-matrix';

const MARKER = Symbol.for('cdk-okera-s3-encryption.DataBucketGrantee');

/**
 * Something that takes data-bucket access as a whole (the OkeraWorkerRole), so that
 * `bucket.grantRead(workerRole)` lands in its managed policies instead of an inline policy.
 */
export interface DataBucketGrantee {
  addDataBucket(bucket: IOkeraDataBucket, options: { access?: DataAccess; prefixes?: string[] }): void;
}

/** Mark an object (in its constructor) as a DataBucketGrantee. */
export function markDataBucketGrantee(obj: DataBucketGrantee): void {
  Object.defineProperty(obj, MARKER, { value: true, enumerable: false });
}

/** The object as a DataBucketGrantee, or undefined. */
export function asDataBucketGrantee(obj: unknown): DataBucketGrantee | undefined {
  return obj !== null && typeof obj === 'object' && (obj as any)[MARKER] === true ? (obj as DataBucketGrantee) : undefined;
}
