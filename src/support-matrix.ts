import { isAwsManagedKeyReference } from './private/key-reference';

/**
 * Every way S3 data can be encrypted, as far as Okera is concerned.
 *
 * This is the single source of truth for what the library supports: the constructs,
 * the cdk-nag rules and the README's support matrix all read it.
 */
export enum EncryptionType {
  /** Server-side encryption with S3 managed keys (`AES256`). */
  SSE_S3 = 'SSE_S3',
  /** Server-side encryption with a customer managed KMS key (`aws:kms` + key ARN). */
  SSE_KMS = 'SSE_KMS',
  /** Server-side encryption with the AWS managed `aws/s3` KMS key (`aws:kms`, no key id). */
  SSE_KMS_AWS_MANAGED = 'SSE_KMS_AWS_MANAGED',
  /** Dual-layer server-side encryption with KMS keys (`aws:kms:dsse`). */
  DSSE_KMS = 'DSSE_KMS',
  /** Server-side encryption with customer-provided keys sent on every request. */
  SSE_C = 'SSE_C',
  /** Client-side encryption with a KMS key (S3 Encryption Client, CSE-KMS). */
  CSE_KMS = 'CSE_KMS',
  /** Client-side encryption with a key the client holds (S3 Encryption Client, CSE-Custom). */
  CSE_CLIENT_KEY = 'CSE_CLIENT_KEY',
}

/** Where the data is encrypted. */
export enum EncryptionSide {
  /** S3 encrypts on write and decrypts on read. */
  SERVER = 'SERVER',
  /** The client encrypts before upload; S3 stores ciphertext it cannot read. */
  CLIENT = 'CLIENT',
}

/** Who manages the key. */
export enum KeyManagement {
  /** S3 owns and rotates the key. */
  S3 = 'S3',
  /** A KMS key the customer manages (key policy, rotation, grants). */
  KMS_CUSTOMER_MANAGED = 'KMS_CUSTOMER_MANAGED',
  /** The AWS managed `aws/s3` KMS key; its key policy cannot be edited. */
  KMS_AWS_MANAGED = 'KMS_AWS_MANAGED',
  /** The client supplies or holds the key. */
  CLIENT = 'CLIENT',
}

/** Whether Okera workers can read data encrypted this way. */
export enum OkeraSupport {
  /** Supported in the same account and across accounts. */
  SUPPORTED = 'SUPPORTED',
  /** Supported only when the workers run in the bucket's own account. */
  SAME_ACCOUNT_ONLY = 'SAME_ACCOUNT_ONLY',
  /** Not supported: Okera cannot read or write such data. */
  NOT_SUPPORTED = 'NOT_SUPPORTED',
}

/** The access a principal gets to a data bucket. */
export enum DataAccess {
  /** List and read objects (and decrypt them). */
  READ = 'READ',
  /** List, read, write and delete objects, multipart uploads included. */
  READ_WRITE = 'READ_WRITE',
}

/** One row of the support matrix. */
export interface EncryptionTypeInfo {
  /** The encryption type. */
  readonly type: EncryptionType;
  /** Human-readable name, as used in the README. */
  readonly label: string;
  /** Where the data is encrypted. */
  readonly side: EncryptionSide;
  /** Who manages the key. */
  readonly keyManagement: KeyManagement;
  /** Whether Okera supports it. */
  readonly support: OkeraSupport;
  /**
   * The `SSEAlgorithm` a bucket declares for it by default.
   * @default - none: it cannot be a bucket default
   */
  readonly sseAlgorithm?: string;
  /** KMS actions a principal needs, on the key, to read such data (empty when none). */
  readonly kmsReadActions: string[];
  /** KMS actions a principal needs, on the key, to write such data, multipart uploads included. */
  readonly kmsWriteActions: string[];
  /** What a platform engineer must know about it. */
  readonly notes: string;
}

/** Whether a bucket blocks SSE-C uploads. */
export enum SseCBlocking {
  /** `BlockedEncryptionTypes` contains `SSE-C`. */
  BLOCKED = 'BLOCKED',
  /** `BlockedEncryptionTypes` is explicitly `NONE`: SSE-C uploads are accepted. */
  EXPLICITLY_ALLOWED = 'EXPLICITLY_ALLOWED',
  /** Not declared: S3's account-level default decides (new buckets block it since April 2026). */
  NOT_DECLARED = 'NOT_DECLARED',
}

/** What a bucket's CloudFormation `BucketEncryption` declares. */
export interface BucketEncryptionClassification {
  /** Whether any default encryption is declared. */
  readonly declared: boolean;
  /**
   * Whether some part of the configuration is an intrinsic function that could not be read
   * (for example `Fn::If` or a `Ref` to a parameter in the algorithm).
   */
  readonly unresolved: boolean;
  /**
   * The encryption type new objects get by default.
   * @default - undefined when nothing is declared, the declaration is unresolved, or the algorithm is unknown
   */
  readonly type?: EncryptionType;
  /**
   * The `SSEAlgorithm` as written, when it is a plain string.
   * @default - undefined when not declared or not a string
   */
  readonly sseAlgorithm?: string;
  /**
   * The `KMSMasterKeyID` as written, when it is a plain string.
   * @default - undefined when absent or an intrinsic function
   */
  readonly kmsKeyId?: string;
  /** Whether `KMSMasterKeyID` is present in any form (string or intrinsic). */
  readonly kmsKeyDeclared: boolean;
  /** Whether S3 Bucket Keys are enabled (`BucketKeyEnabled: true`). */
  readonly bucketKeyEnabled: boolean;
  /** Whether the bucket blocks SSE-C. */
  readonly sseCBlocking: SseCBlocking;
}

const KMS_READ = ['kms:Decrypt'];
const KMS_WRITE = ['kms:Decrypt', 'kms:GenerateDataKey*'];

const MATRIX: EncryptionTypeInfo[] = [
  {
    type: EncryptionType.SSE_S3,
    label: 'SSE-S3',
    side: EncryptionSide.SERVER,
    keyManagement: KeyManagement.S3,
    support: OkeraSupport.SUPPORTED,
    sseAlgorithm: 'AES256',
    kmsReadActions: [],
    kmsWriteActions: [],
    notes: 'Transparent: S3 permissions only, in any account.',
  },
  {
    type: EncryptionType.SSE_KMS,
    label: 'SSE-KMS, customer managed key',
    side: EncryptionSide.SERVER,
    keyManagement: KeyManagement.KMS_CUSTOMER_MANAGED,
    support: OkeraSupport.SUPPORTED,
    sseAlgorithm: 'aws:kms',
    kmsReadActions: KMS_READ,
    kmsWriteActions: KMS_WRITE,
    notes: 'KMS permissions on the key ARN via S3; across accounts both the key policy and the IAM policy must allow it.',
  },
  {
    type: EncryptionType.SSE_KMS_AWS_MANAGED,
    label: 'SSE-KMS, AWS managed key (aws/s3)',
    side: EncryptionSide.SERVER,
    keyManagement: KeyManagement.KMS_AWS_MANAGED,
    support: OkeraSupport.SAME_ACCOUNT_ONLY,
    sseAlgorithm: 'aws:kms',
    kmsReadActions: [],
    kmsWriteActions: [],
    notes: 'Same account only: the aws/s3 key policy admits the account\'s own principals via S3 and cannot be edited.',
  },
  {
    type: EncryptionType.DSSE_KMS,
    label: 'DSSE-KMS',
    side: EncryptionSide.SERVER,
    keyManagement: KeyManagement.KMS_CUSTOMER_MANAGED,
    support: OkeraSupport.NOT_SUPPORTED,
    sseAlgorithm: 'aws:kms:dsse',
    kmsReadActions: [],
    kmsWriteActions: [],
    notes: 'Dual-layer encryption is outside what Okera reads.',
  },
  {
    type: EncryptionType.SSE_C,
    label: 'SSE-C',
    side: EncryptionSide.SERVER,
    keyManagement: KeyManagement.CLIENT,
    support: OkeraSupport.NOT_SUPPORTED,
    kmsReadActions: [],
    kmsWriteActions: [],
    notes: 'Every request must carry the customer key; block it on the bucket (BlockedEncryptionTypes: SSE-C).',
  },
  {
    type: EncryptionType.CSE_KMS,
    label: 'CSE-KMS (S3 Encryption Client)',
    side: EncryptionSide.CLIENT,
    keyManagement: KeyManagement.KMS_CUSTOMER_MANAGED,
    support: OkeraSupport.NOT_SUPPORTED,
    kmsReadActions: [],
    kmsWriteActions: [],
    notes: 'S3 stores ciphertext; no bucket setting can block it, only per-object metadata reveals it.',
  },
  {
    type: EncryptionType.CSE_CLIENT_KEY,
    label: 'CSE with client-side keys',
    side: EncryptionSide.CLIENT,
    keyManagement: KeyManagement.CLIENT,
    support: OkeraSupport.NOT_SUPPORTED,
    kmsReadActions: [],
    kmsWriteActions: [],
    notes: 'S3 stores ciphertext; the key never reaches AWS.',
  },
];

/**
 * The support matrix: which encryption types Okera can read, and what a principal needs for each.
 */
export class SupportMatrix {
  /** All rows, in the order the README shows them. */
  public static all(): EncryptionTypeInfo[] {
    return MATRIX.map((row) => ({ ...row }));
  }

  /** The row for one encryption type. */
  public static info(type: EncryptionType): EncryptionTypeInfo {
    const row = MATRIX.find((r) => r.type === type);
    if (!row) {
      throw new Error(`Unknown encryption type '${type}'. Use one of: ${MATRIX.map((r) => r.type).join(', ')}.`);
    }
    return { ...row };
  }

  /** Whether Okera supports the type in at least one account layout. */
  public static isSupported(type: EncryptionType): boolean {
    return SupportMatrix.info(type).support !== OkeraSupport.NOT_SUPPORTED;
  }

  /** The KMS actions a principal needs on the key for the given access (empty for SSE-S3 and `aws/s3`). */
  public static kmsActions(type: EncryptionType, access: DataAccess): string[] {
    const row = SupportMatrix.info(type);
    return [...(access === DataAccess.READ_WRITE ? row.kmsWriteActions : row.kmsReadActions)];
  }

  /**
   * Classify a bucket's CloudFormation `BucketEncryption` property (the `AWS::S3::Bucket`
   * `Properties.BucketEncryption` value, as JSON).
   *
   * Only the first `ServerSideEncryptionConfiguration` rule counts (S3 allows one).
   * An intrinsic function where a string is expected makes the result `unresolved`.
   *
   * @param bucketEncryption the `BucketEncryption` value, or undefined when the bucket has none
   */
  public static classifyBucketEncryption(bucketEncryption?: any): BucketEncryptionClassification {
    const rules = bucketEncryption?.ServerSideEncryptionConfiguration;
    const rule = Array.isArray(rules) ? rules[0] : undefined;
    const byDefault = rule?.ServerSideEncryptionByDefault;
    const algorithm = byDefault?.SSEAlgorithm;
    const keyId = byDefault?.KMSMasterKeyID;
    const bucketKey = rule?.BucketKeyEnabled;
    const base = {
      kmsKeyDeclared: keyId !== undefined,
      kmsKeyId: typeof keyId === 'string' ? keyId : undefined,
      bucketKeyEnabled: bucketKey === true || bucketKey === 'true',
      sseCBlocking: classifySseCBlocking(rule?.BlockedEncryptionTypes),
    };
    if (algorithm === undefined) {
      const unresolved = bucketEncryption !== undefined && (!Array.isArray(rules) || (rule !== undefined && typeof rule === 'object' && isIntrinsic(rule)));
      return { ...base, declared: false, unresolved };
    }
    if (typeof algorithm !== 'string') {
      return { ...base, declared: true, unresolved: true };
    }
    const type = typeForAlgorithm(algorithm, keyId);
    return {
      ...base,
      declared: true,
      unresolved: false,
      sseAlgorithm: algorithm,
      type,
    };
  }

  /** The README's support matrix, as a Markdown table. */
  public static markdownTable(): string {
    const lines = [
      '| Encryption | Side | Key managed by | Okera | KMS actions to read | KMS actions to write | Notes |',
      '|---|---|---|---|---|---|---|',
    ];
    for (const r of MATRIX) {
      const actions = (a: string[]) => (a.length ? a.map((x) => `\`${x}\``).join(', ') : '-');
      lines.push(
        `| ${r.label} | ${r.side.toLowerCase()} | ${KEY_MANAGEMENT_LABEL[r.keyManagement]} | ${SUPPORT_LABEL[r.support]} | ${actions(r.kmsReadActions)} | ${actions(r.kmsWriteActions)} | ${r.notes} |`,
      );
    }
    return lines.join('\n');
  }
}

const KEY_MANAGEMENT_LABEL: Record<KeyManagement, string> = {
  [KeyManagement.S3]: 'S3',
  [KeyManagement.KMS_CUSTOMER_MANAGED]: 'KMS (customer)',
  [KeyManagement.KMS_AWS_MANAGED]: 'KMS (AWS)',
  [KeyManagement.CLIENT]: 'client',
};

const SUPPORT_LABEL: Record<OkeraSupport, string> = {
  [OkeraSupport.SUPPORTED]: 'yes',
  [OkeraSupport.SAME_ACCOUNT_ONLY]: 'same account only',
  [OkeraSupport.NOT_SUPPORTED]: '**no**',
};

function typeForAlgorithm(algorithm: string, keyId: unknown): EncryptionType | undefined {
  switch (algorithm) {
    case 'AES256':
      return EncryptionType.SSE_S3;
    case 'aws:kms':
      return keyId === undefined || isAwsManagedKeyReference(keyId) ? EncryptionType.SSE_KMS_AWS_MANAGED : EncryptionType.SSE_KMS;
    case 'aws:kms:dsse':
      return EncryptionType.DSSE_KMS;
    default:
      return undefined;
  }
}


function classifySseCBlocking(blocked: any): SseCBlocking {
  const types = blocked?.EncryptionType;
  if (!Array.isArray(types)) {
    return SseCBlocking.NOT_DECLARED;
  }
  if (types.includes('SSE-C')) {
    return SseCBlocking.BLOCKED;
  }
  if (types.includes('NONE')) {
    return SseCBlocking.EXPLICITLY_ALLOWED;
  }
  return SseCBlocking.NOT_DECLARED;
}

function isIntrinsic(value: object): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}
