/** `alias/aws/s3`, or an alias ARN ending in it. */
export function isAwsManagedKeyReference(keyId: unknown): boolean {
  return typeof keyId === 'string' && /(^|:)alias\/aws\/s3$/.test(keyId);
}
