export * from './support-matrix';
export * from './data-bucket';
export * from './cross-account-kms-grant';
export * from './nag';
export * from './worker-role';
