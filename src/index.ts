export * from './support-matrix';
export * from './data-bucket';
export { CrossAccountKmsGrant } from './cross-account-kms-grant';
export type { CrossAccountKmsGrantProps } from './cross-account-kms-grant';
export * from './nag';
export * from './worker-role';
