import { Annotations, Duration, IResource, PhysicalName, RemovalPolicy, Resource, Stack, Token, TokenComparison } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, DependencyGroup, IConstruct } from 'constructs';
import { asDataBucketGrantee } from './private/grantee';
import { isAwsManagedKeyReference } from './private/key-reference';
import { kmsViaS3Statement, s3Statements } from './private/policy';
import {
  assertAwsManagedKeyAccount, fail, isResolved, parseKeyArn, validateAccountId, validateKeyArn, validateKeyNotAlias, validatePrefix, validateRegion,
} from './private/validation';
import { DataAccess, EncryptionType, OkeraSupport, SupportMatrix } from './support-matrix';

/**
 * A bucket whose encryption Okera can read, created with `OkeraDataBucket` or imported
 * with `OkeraDataBucket.fromBucketAttributes` (which declares its encryption).
 */
export interface IOkeraDataBucket extends IResource {
  /** The underlying S3 bucket. */
  readonly bucket: s3.IBucket;
  /** The bucket ARN. */
  readonly bucketArn: string;
  /** The bucket name. */
  readonly bucketName: string;
  /** How objects in the bucket are encrypted (SSE_S3, SSE_KMS or SSE_KMS_AWS_MANAGED). */
  readonly encryptionType: EncryptionType;
  /**
   * The customer managed KMS key, for SSE_KMS.
   * @default - undefined for SSE_S3 and SSE_KMS_AWS_MANAGED
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * The key ARN (`arn:...:key/<id>`), for SSE_KMS.
   * @default - undefined for SSE_S3 and SSE_KMS_AWS_MANAGED
   */
  readonly encryptionKeyArn?: string;
  /** Whether S3 Bucket Keys are on (KMS then sees the bucket ARN as encryption context). */
  readonly bucketKeyEnabled: boolean;
  /** Grant list and read access (and `kms:Decrypt` via S3 for SSE_KMS), optionally under a prefix. */
  grantRead(grantee: iam.IGrantable, prefix?: string): iam.Grant;
  /** Grant list, read, write and delete access (and the KMS actions multipart uploads need), optionally under a prefix. */
  grantReadWrite(grantee: iam.IGrantable, prefix?: string): iam.Grant;
}

/** Properties of an `OkeraDataBucket`. */
export interface OkeraDataBucketProps {
  /**
   * Physical bucket name.
   * @default - a name CloudFormation generates, or CDK generates when the bucket is used from another environment
   */
  readonly bucketName?: string;
  /**
   * How objects are encrypted: SSE_S3, SSE_KMS (customer managed key) or SSE_KMS_AWS_MANAGED
   * (the `aws/s3` key, usable from the bucket's own account only). Other types are rejected.
   *
   * With SSE_KMS_AWS_MANAGED the bucket policy denies uploads that name a key id other than the aws/s3
   * alias (`alias/aws/s3`, or its alias ARN in the bucket's account and region): naming the aws/s3 key by
   * its key ARN is denied too (it is unknown at synthesis); send no key id instead.
   * @default - SSE_KMS when `encryptionKey` is given, else SSE_S3
   */
  readonly encryption?: EncryptionType;
  /**
   * The customer managed key, for SSE_KMS: a key of this app, or `kms.Key.fromKeyArn` with a key ARN
   * (never an alias). It must be in the bucket's region.
   * @default - for SSE_KMS, a new key with rotation on, retained like the bucket
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Whether S3 Bucket Keys are on (fewer KMS calls; KMS sees the bucket ARN as encryption context).
   * Only for SSE_KMS and SSE_KMS_AWS_MANAGED.
   * @default - true for SSE_KMS and SSE_KMS_AWS_MANAGED, false for SSE_S3
   */
  readonly bucketKeyEnabled?: boolean;
  /**
   * Whether object versioning is on.
   * @default true
   */
  readonly versioned?: boolean;
  /**
   * What happens to the bucket (and the key created for it) when it leaves the stack.
   * `DESTROY` is honoured only when the context flag `OkeraDataBucket.ALLOW_DESTROY_CONTEXT` is `true`;
   * otherwise the bucket is retained and a warning explains both opt-ins.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Whether to delete all objects when the bucket is destroyed. Needs `removalPolicy: DESTROY`
   * and, like it, the context flag `OkeraDataBucket.ALLOW_DESTROY_CONTEXT`.
   * @default false
   */
  readonly autoDeleteObjects?: boolean;
  /**
   * Bucket that receives server access logs (it must use SSE-S3).
   * @default - no server access logs
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * Key prefix of the server access logs.
   * @default - no prefix
   */
  readonly serverAccessLogsPrefix?: string;
  /**
   * Lifecycle rules.
   * @default - none
   */
  readonly lifecycleRules?: s3.LifecycleRule[];
  /**
   * Whether the bucket sends its events to Amazon EventBridge.
   * @default false
   */
  readonly eventBridgeEnabled?: boolean;
}

/** How to import an existing data bucket: where it is and how it is encrypted. */
export interface OkeraDataBucketAttributes {
  /**
   * The bucket ARN (`arn:<partition>:s3:::<name>`). Give this or `bucketName`.
   * @default - built from `bucketName`
   */
  readonly bucketArn?: string;
  /**
   * The bucket name. Give this or `bucketArn`.
   * @default - taken from `bucketArn`
   */
  readonly bucketName?: string;
  /** How the bucket encrypts objects by default: SSE_S3, SSE_KMS or SSE_KMS_AWS_MANAGED. It is never guessed. */
  readonly encryption: EncryptionType;
  /**
   * The key ARN (`arn:<partition>:kms:<region>:<account>:key/<id>`, not an alias), required for SSE_KMS and
   * forbidden otherwise.
   * @default - none (SSE_S3 and SSE_KMS_AWS_MANAGED)
   */
  readonly encryptionKeyArn?: string;
  /**
   * Whether the bucket has S3 Bucket Keys on.
   * @default - true for SSE_KMS and SSE_KMS_AWS_MANAGED, false for SSE_S3
   */
  readonly bucketKeyEnabled?: boolean;
  /**
   * The bucket's account.
   * @default - the account of `encryptionKeyArn` when given, else the stack's
   */
  readonly account?: string;
  /**
   * The bucket's region (used in `kms:ViaService`).
   * @default - the region of `encryptionKeyArn` when given, else the stack's
   */
  readonly region?: string;
}

/**
 * An S3 bucket for Okera data, encrypted with SSE-S3 or SSE-KMS only.
 *
 * SSE-C is blocked, TLS 1.2+ is required, public access is blocked, ACLs are off, versioning is on
 * by default, and the bucket policy denies uploads that name another algorithm or another key or carry
 * SSE-C headers (uploads without encryption headers get the default encryption). Retained by default.
 */
export class OkeraDataBucket extends Resource implements IOkeraDataBucket {
  /**
   * Context key that must be `true` for `removalPolicy: DESTROY` and `autoDeleteObjects` to take effect.
   */
  public static readonly ALLOW_DESTROY_CONTEXT = 'cdk-okera-s3-encryption:allowDestroy';

  /**
   * Import an existing bucket together with its encryption, so grants include the KMS permissions.
   *
   * Grants on it behave like an owned bucket's, except that nothing can be added to the bucket policy
   * or the key policy (they belong to the bucket's own stack or account): for principals of another
   * account, grant the bucket and key side where they are defined (for the key, `CrossAccountKmsGrant`).
   */
  public static fromBucketAttributes(scope: Construct, id: string, attrs: OkeraDataBucketAttributes): IOkeraDataBucket {
    return new ImportedOkeraDataBucket(scope, id, attrs);
  }

  /**
   * The S3 bucket (an `s3.Bucket`; typed as `s3.IBucket` because jsii does not allow narrowing an
   * implemented property).
   */
  public readonly bucket: s3.IBucket;
  /** The bucket ARN. */
  public readonly bucketArn: string;
  /** The bucket name. */
  public readonly bucketName: string;
  /** How objects are encrypted. */
  public readonly encryptionType: EncryptionType;
  /**
   * The customer managed key, for SSE_KMS.
   * @default - undefined for SSE_S3 and SSE_KMS_AWS_MANAGED
   */
  public readonly encryptionKey?: kms.IKey;
  /**
   * The key ARN, for SSE_KMS.
   * @default - undefined for SSE_S3 and SSE_KMS_AWS_MANAGED
   */
  public readonly encryptionKeyArn?: string;
  /** Whether S3 Bucket Keys are on. */
  public readonly bucketKeyEnabled: boolean;

  constructor(scope: Construct, id: string, props: OkeraDataBucketProps = {}) {
    super(scope, id);
    this.encryptionType = props.encryption ?? (props.encryptionKey ? EncryptionType.SSE_KMS : EncryptionType.SSE_S3);
    validateEncryption(this, this.encryptionType);
    this.bucketKeyEnabled = bucketKeyFlag(this, this.encryptionType, props.bucketKeyEnabled);
    if (props.encryptionKey) {
      validateEncryptionKey(this, this.encryptionType, props.encryptionKey);
    }
    if (props.autoDeleteObjects && props.removalPolicy !== RemovalPolicy.DESTROY) {
      fail(this, 'autoDeleteObjects is true but removalPolicy is not DESTROY. Set removalPolicy: RemovalPolicy.DESTROY as well (and the context flag ' +
        `'${OkeraDataBucket.ALLOW_DESTROY_CONTEXT}'), or remove autoDeleteObjects.`);
    }
    const removalPolicy = this.allowedRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN, 'removalPolicy');
    const destroy = removalPolicy === RemovalPolicy.DESTROY;

    if (this.encryptionType === EncryptionType.SSE_KMS) {
      this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
        enableKeyRotation: true,
        pendingWindow: Duration.days(30),
        removalPolicy: destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      });
      this.encryptionKeyArn = this.encryptionKey.keyArn;
    }

    const bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName ?? PhysicalName.GENERATE_IF_NEEDED,
      encryption: S3_ENCRYPTION[this.encryptionType],
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: this.encryptionType === EncryptionType.SSE_S3 ? undefined : this.bucketKeyEnabled,
      blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: props.versioned ?? true,
      removalPolicy,
      autoDeleteObjects: destroy && props.autoDeleteObjects === true,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsPrefix,
      lifecycleRules: props.lifecycleRules,
      eventBridgeEnabled: props.eventBridgeEnabled,
    });
    this.bucket = bucket;
    this.bucketArn = bucket.bucketArn;
    this.bucketName = bucket.bucketName;
    for (const statement of uploadDenyStatements(this, this.encryptionType, this.encryptionKeyArn)) {
      bucket.addToResourcePolicy(statement);
    }
  }

  /**
   * Grant list and read access, and for SSE_KMS `kms:Decrypt` on the key ARN via S3 in the bucket's region.
   * A principal of another account also gets the bucket-policy statements and, when the key is owned
   * by this app, the key-policy statement.
   *
   * An `OkeraWorkerRole` is different: the grant is delegated to its `addDataBucket`, which writes only the
   * role's own managed policies. When the role is in another account, the bucket policy and the key policy
   * are not changed: register the role's account with a `CrossAccountKmsGrant` in this bucket's stack, or
   * synthesis fails with the exact grant to add.
   *
   * @param grantee the principal
   * @param prefix limit the grant to this key prefix (e.g. `sales/2024`)
   */
  public grantRead(grantee: iam.IGrantable, prefix?: string): iam.Grant {
    return grantDataAccess(this, grantee, DataAccess.READ, prefix);
  }

  /**
   * Grant list, read, write and delete access (multipart uploads included), and for SSE_KMS
   * `kms:Decrypt` and `kms:GenerateDataKey*` on the key ARN via S3, like `grantRead` (an `OkeraWorkerRole`
   * of another account needs a `CrossAccountKmsGrant` with `DataAccess.READ_WRITE`, see `grantRead`).
   *
   * @param grantee the principal
   * @param prefix limit the grant to this key prefix (e.g. `sales/2024`)
   */
  public grantReadWrite(grantee: iam.IGrantable, prefix?: string): iam.Grant {
    return grantDataAccess(this, grantee, DataAccess.READ_WRITE, prefix);
  }

  /**
   * Apply a removal policy to the bucket and to the key created for it, with the same rule as the
   * `removalPolicy` prop: `DESTROY` takes effect only when the context flag
   * `OkeraDataBucket.ALLOW_DESTROY_CONTEXT` is `true` (otherwise both are retained, with a warning), and
   * `SNAPSHOT` is an error. A key passed in `encryptionKey` is not changed.
   *
   * `dataBucket.bucket.applyRemovalPolicy()` bypasses this rule: it is the explicit escape hatch.
   *
   * @param policy the removal policy
   */
  public applyRemovalPolicy(policy: RemovalPolicy): void {
    const effective = this.allowedRemovalPolicy(policy, 'applyRemovalPolicy');
    this.bucket.applyRemovalPolicy(effective);
    const ownKey = this.node.tryFindChild('Key') as kms.Key | undefined;
    ownKey?.applyRemovalPolicy(effective === RemovalPolicy.DESTROY ? effective : RemovalPolicy.RETAIN);
  }

  /** The removal policy that takes effect: DESTROY only with the context flag (else RETAIN and a warning); SNAPSHOT is an error. */
  private allowedRemovalPolicy(policy: RemovalPolicy, what: string): RemovalPolicy {
    if (policy === RemovalPolicy.SNAPSHOT) {
      fail(this, `${what} SNAPSHOT is not supported by S3 buckets. Use RemovalPolicy.RETAIN (the default) or RemovalPolicy.DESTROY.`);
    }
    if (policy !== RemovalPolicy.DESTROY) {
      return policy;
    }
    const flag = this.node.tryGetContext(OkeraDataBucket.ALLOW_DESTROY_CONTEXT);
    if (flag === true || flag === 'true') {
      return RemovalPolicy.DESTROY;
    }
    Annotations.of(this).addWarningV2('cdk-okera-s3-encryption:destroyNotAllowed',
      `${what} DESTROY (and autoDeleteObjects) ignored: the bucket (and the key created for it) are retained. Deleting data needs both ` +
      `the prop and the context flag '${OkeraDataBucket.ALLOW_DESTROY_CONTEXT}' set to true (in cdk.json "context", or ` +
      `\`cdk deploy -c ${OkeraDataBucket.ALLOW_DESTROY_CONTEXT}=true\`).`);
    return RemovalPolicy.RETAIN;
  }
}

/** An existing bucket, imported with its declared encryption. */
class ImportedOkeraDataBucket extends Resource implements IOkeraDataBucket {
  public readonly bucket: s3.IBucket;
  public readonly bucketArn: string;
  public readonly bucketName: string;
  public readonly encryptionType: EncryptionType;
  public readonly encryptionKey?: kms.IKey;
  public readonly encryptionKeyArn?: string;
  public readonly bucketKeyEnabled: boolean;

  constructor(scope: Construct, id: string, attrs: OkeraDataBucketAttributes) {
    const key = isResolved(attrs.encryptionKeyArn) ? parseKeyArn(attrs.encryptionKeyArn) : undefined;
    super(scope, id, { account: attrs.account ?? key?.account, region: attrs.region ?? key?.region });
    validateEncryption(this, attrs.encryption);
    if (attrs.bucketArn === undefined && attrs.bucketName === undefined) {
      fail(this, 'neither bucketArn nor bucketName is given. Pass one, e.g. bucketName: \'okera-data\'.');
    }
    if (isResolved(attrs.bucketArn) && !/^arn:aws[a-z-]*:s3:::[^/*]+$/.test(attrs.bucketArn)) {
      fail(this, `bucketArn '${attrs.bucketArn}' is not an S3 bucket ARN. Use arn:<partition>:s3:::<bucket-name>, e.g. 'arn:aws:s3:::okera-data' (no object key).`);
    }
    if (isResolved(attrs.bucketArn) && isResolved(attrs.bucketName) && bucketNameOf(attrs.bucketArn) !== attrs.bucketName) {
      fail(this, `bucketName '${attrs.bucketName}' and bucketArn '${attrs.bucketArn}' name different buckets. Give only one of them, ` +
        'or make them agree.');
    }
    if (attrs.account !== undefined) {
      validateAccountId(this, attrs.account, 'account');
    }
    validateRegion(this, attrs.region, 'region');
    if (attrs.encryption === EncryptionType.SSE_KMS) {
      if (attrs.encryptionKeyArn === undefined) {
        fail(this, 'encryption is SSE_KMS but encryptionKeyArn is missing: grants would miss the KMS permissions. ' +
          'Pass encryptionKeyArn: \'arn:<partition>:kms:<region>:<account>:key/<key-id>\' (the bucket\'s default encryption key).');
      }
      validateKeyArn(this, attrs.encryptionKeyArn, 'encryptionKeyArn');
      validateKeyRegion(this, attrs.encryptionKeyArn, this.env.region);
      this.encryptionKey = kms.Key.fromKeyArn(this, 'Key', attrs.encryptionKeyArn);
      this.encryptionKeyArn = attrs.encryptionKeyArn;
    } else if (attrs.encryptionKeyArn !== undefined) {
      fail(this, `encryptionKeyArn '${attrs.encryptionKeyArn}' is given but encryption is '${attrs.encryption}', which uses no customer managed key. ` +
        'Remove encryptionKeyArn, or set encryption: EncryptionType.SSE_KMS if the bucket encrypts with that key.');
    }
    this.encryptionType = attrs.encryption;
    this.bucketKeyEnabled = bucketKeyFlag(this, attrs.encryption, attrs.bucketKeyEnabled);
    this.bucket = s3.Bucket.fromBucketAttributes(this, 'Bucket', {
      bucketArn: attrs.bucketArn,
      bucketName: attrs.bucketName,
      account: this.env.account,
      region: this.env.region,
      encryptionKey: this.encryptionKey,
    });
    this.bucketArn = this.bucket.bucketArn;
    this.bucketName = this.bucket.bucketName;
  }

  public grantRead(grantee: iam.IGrantable, prefix?: string): iam.Grant {
    return grantDataAccess(this, grantee, DataAccess.READ, prefix);
  }

  public grantReadWrite(grantee: iam.IGrantable, prefix?: string): iam.Grant {
    return grantDataAccess(this, grantee, DataAccess.READ_WRITE, prefix);
  }
}

const S3_ENCRYPTION: Record<string, s3.BucketEncryption> = {
  [EncryptionType.SSE_S3]: s3.BucketEncryption.S3_MANAGED,
  [EncryptionType.SSE_KMS]: s3.BucketEncryption.KMS,
  [EncryptionType.SSE_KMS_AWS_MANAGED]: s3.BucketEncryption.KMS_MANAGED,
};

/** The name in a bucket ARN (`arn:<partition>:s3:::<name>`). */
function bucketNameOf(bucketArn: string): string {
  return bucketArn.slice(bucketArn.indexOf(':::') + 3);
}

const AWS_MANAGED_KEY_ALIAS = 'alias/aws/s3';

const SUPPORTED = SupportMatrix.all().filter((r) => r.support !== OkeraSupport.NOT_SUPPORTED).map((r) => r.type);

/** Only the types Okera reads; anything else (DSSE, SSE-C, client-side, a typo from another language) is an error. */
function validateEncryption(scope: IConstruct, value: EncryptionType): void {
  if (SUPPORTED.includes(value)) {
    return;
  }
  const row = SupportMatrix.all().find((r) => r.type === value);
  const why = row ? `${row.label} is not supported by Okera: ${row.notes}` : 'it is not an EncryptionType.';
  fail(scope, `encryption '${value}' cannot be used: ${why} Use one of: ${SUPPORTED.join(', ')}.`);
}

function bucketKeyFlag(scope: IConstruct, encryption: EncryptionType, value?: boolean): boolean {
  if (encryption === EncryptionType.SSE_S3 && value === true) {
    fail(scope, 'bucketKeyEnabled is true but encryption is SSE_S3: S3 Bucket Keys only apply to SSE-KMS. Remove bucketKeyEnabled, or use EncryptionType.SSE_KMS.');
  }
  return value ?? encryption !== EncryptionType.SSE_S3;
}

/** A key (not an alias) given for SSE_KMS, in the bucket's region. */
function validateEncryptionKey(scope: IConstruct, encryption: EncryptionType, key: kms.IKey): void {
  if (encryption !== EncryptionType.SSE_KMS) {
    fail(scope, `encryptionKey is given but encryption is '${encryption}', which uses no customer managed key. ` +
      'Remove encryptionKey, or set encryption: EncryptionType.SSE_KMS (the default when a key is given).');
  }
  const name = 'aliasName' in key ? (key as kms.IAlias).aliasName : key.keyArn;
  if (isAwsManagedKeyReference(name)) {
    fail(scope, `encryptionKey '${name}' is the AWS managed aws/s3 key, which cannot be passed as a key. ` +
      'Use encryption: EncryptionType.SSE_KMS_AWS_MANAGED without encryptionKey (same account only), or a customer managed key.');
  }
  validateKeyNotAlias(scope, key, 'encryptionKey');
  validateKeyRegion(scope, key.keyArn, Stack.of(scope).region, key);
}

/**
 * S3 only encrypts with a key in the bucket's region: the key ARN's region or, for a deploy-time ARN
 * (a key of another stack), the region of the key's stack, when known.
 */
function validateKeyRegion(scope: IConstruct, keyArn: string, bucketRegion: string, key?: kms.IKey): void {
  const keyStackRegion = key?.env.region;
  const keyName = key && !isResolved(keyArn) ? key.node.path : undefined;
  const region = isResolved(keyArn) ? parseKeyArn(keyArn)?.region : isResolved(keyStackRegion) ? keyStackRegion : undefined;
  if (region !== undefined && isResolved(bucketRegion) && region !== bucketRegion) {
    fail(scope, `KMS key '${keyName ?? keyArn}' is in ${region} but the bucket is in ${bucketRegion}: S3 only uses keys of the bucket's region. ` +
      `Use a key in ${bucketRegion} (or a multi-Region replica key there).`);
  }
}

/**
 * Deny uploads that name another algorithm or key, or carry SSE-C headers. Each condition tests a header
 * that is present (`Null: false`) and wrong, so uploads without encryption headers get the default encryption.
 */
function uploadDenyStatements(bucket: OkeraDataBucket, encryption: EncryptionType, keyArn?: string): iam.PolicyStatement[] {
  const bucketArn = bucket.bucketArn;
  const deny = (sid: string, conditions: Record<string, Record<string, string | string[]>>) => new iam.PolicyStatement({
    sid, effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions: ['s3:PutObject'], resources: [`${bucketArn}/*`], conditions,
  });
  const SSE = 's3:x-amz-server-side-encryption';
  const KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';
  const statements = [
    deny('DenyOtherEncryptionAlgorithm', { StringNotEquals: { [SSE]: SupportMatrix.info(encryption).sseAlgorithm! }, Null: { [SSE]: 'false' } }),
    deny('DenySseCUploads', { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } }),
  ];
  if (keyArn !== undefined) {
    // An encryption header with another key id, or with none (`aws:kms` alone makes S3 use the AWS managed
    // aws/s3 key). A key id without the encryption header needs no deny: S3 rejects that request itself.
    statements.push(deny('DenyOtherKmsKey', { StringNotEqualsIfExists: { [KEY_ID]: keyArn }, Null: { [SSE]: 'false' } }));
  } else if (encryption === EncryptionType.SSE_KMS_AWS_MANAGED) {
    // Any key id other than the aws/s3 alias (short, or as an alias ARN in the bucket's account and region)
    // names another key. The aws/s3 key's own key ARN is unknown at synthesis, so naming it is denied too:
    // send no key id, or the alias.
    const { partition, region, account } = Stack.of(bucket);
    statements.push(deny('DenyOtherKmsKey', {
      StringNotEquals: { [KEY_ID]: [AWS_MANAGED_KEY_ALIAS, `arn:${partition}:kms:${region}:${account}:${AWS_MANAGED_KEY_ALIAS}`] },
      Null: { [KEY_ID]: 'false' },
    }));
  }
  return statements;
}

/** The one grant implementation, for owned and imported buckets. */
function grantDataAccess(target: IOkeraDataBucket, grantee: iam.IGrantable, access: DataAccess, prefix?: string): iam.Grant {
  validatePrefix(target, prefix, 'prefix');
  const prefixes = prefix === undefined ? undefined : [prefix];
  const region = target.env.region;
  const keyArn = target.encryptionType === EncryptionType.SSE_KMS ? target.encryptionKeyArn : undefined;
  const s3Part = s3Statements(target.bucketArn, access, prefixes ?? []);
  const kmsPart = keyArn === undefined ? [] : [kmsViaS3Statement([keyArn], access, [region])];

  // An OkeraWorkerRole validates the bucket itself (its anyKeyViaS3 mode needs no key ARN).
  const delegate = asDataBucketGrantee(grantee);
  if (delegate) {
    delegate.addDataBucket(target, { access, prefixes });
    return delegatedGrant(grantee, [...s3Part, ...kmsPart]);
  }

  if (target.encryptionType === EncryptionType.SSE_KMS_AWS_MANAGED) {
    assertAwsManagedKeyAccount(target, 'The bucket', target, `${grantee.grantPrincipal}`, principalAccountOf(grantee.grantPrincipal), scopeOf(grantee));
  }
  if (keyArn !== undefined) {
    assertKeyArnUsableBy(target, grantee, keyArn);
  }
  let grant = grantOnPrincipalOrResource(target, grantee, s3Part, target.bucket, 'the bucket policy');
  if (keyArn !== undefined) {
    const key = target.encryptionKey!;
    const keyGrant = grantOnPrincipalOrResource(target, grantee, kmsPart, key, 'the key policy', ['*']);
    grant = grant.combine(keyGrant);
  }
  return grant;
}

/** The construct behind a grantee (its principal, or the grantee itself), if any. */
function scopeOf(grantee: iam.IGrantable): IConstruct | undefined {
  return [grantee.grantPrincipal, grantee].find((g) => Construct.isConstruct(g)) as IConstruct | undefined;
}

/** The principal's account: CDK's, or the account of a literal IAM ARN (CDK leaves it unset for ArnPrincipal). */
function principalAccountOf(principal: iam.IPrincipal): string | undefined {
  if (principal.principalAccount !== undefined) {
    return principal.principalAccount;
  }
  const arn = (principal as { arn?: unknown }).arn;
  return typeof arn === 'string' && isResolved(arn) ? /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1] : undefined;
}

/**
 * A key ARN that is a deploy-time value can only be used by a grantee in the same environment: a KMS key id
 * is random, so CDK cannot name it in another account or region (its own grants then write `Resource: "*"`).
 */
function assertKeyArnUsableBy(target: IOkeraDataBucket, grantee: iam.IGrantable, keyArn: string): void {
  if (isResolved(keyArn) && isResolved(target.env.region)) {
    return;
  }
  const granteeScope = scopeOf(grantee);
  if (granteeScope === undefined) {
    return;
  }
  const to = Stack.of(granteeScope);
  const from = [target, target.encryptionKey!].map((c) => Stack.of(c));
  if (from.some((s) => s.account !== to.account || s.region !== to.region)) {
    fail(target, `the key ARN or the region of this bucket is only known at deploy time, so '${granteeScope.node.path}' in another environment ` +
      `(${to.account}/${to.region}) cannot name it, and a Resource "*" would be too broad. In that stack, import the bucket with ` +
      'OkeraDataBucket.fromBucketAttributes({ bucketName, encryption: EncryptionType.SSE_KMS, encryptionKeyArn: \'arn:aws:kms:<region>:<account>:key/<key-id>\' }) ' +
      'and grant from the import.');
  }
}

/**
 * Add the statements to the principal; when the principal is in another account, or takes no identity policy,
 * also to the resource policy (with the principal, and `resourceArns` as the resource, e.g. '*' in a key policy).
 * Unlike `iam.Grant.addToPrincipalOrResource`, the resource statements keep their conditions.
 */
function grantOnPrincipalOrResource(target: IOkeraDataBucket, grantee: iam.IGrantable, statements: iam.PolicyStatement[],
  resource: iam.IResourceWithPolicyV2, what: string, resourceArns?: string[]): iam.Grant {
  const onPrincipal = statements.map((s) => grantOnPrincipal(grantee, s));
  const principalAdded = onPrincipal.every((g) => g.success);
  if (principalAdded && sameAccount(resource, grantee)) {
    return combine(onPrincipal);
  }
  // Record whether the resource took the statements (imported buckets and keys drop them), and depend on
  // the resource itself (a key reports its PolicyDocument, which is not dependable).
  let resourceAdded = true;
  const recording: iam.IResourceWithPolicyV2 = {
    env: resource.env,
    addToResourcePolicy: (statement) => {
      const { statementAdded } = resource.addToResourcePolicy(statement);
      resourceAdded &&= statementAdded;
      return { statementAdded, policyDependable: resource };
    },
  };
  const onResource = statements.map((s) => {
    const statement = s.copy({ principals: [grantee.grantPrincipal], resources: resourceArns ?? s.resources });
    return iam.Grant.addStatementToResourcePolicy({ grantee, actions: s.actions, resourceArns: statement.resources, resource: recording, statement });
  });
  if (!principalAdded && !resourceAdded) {
    fail(target, `cannot grant to ${grantee.grantPrincipal}: it takes no identity policy and ${what} is not managed by this app. ` +
      'Grant to an IAM role or user, or grant in the stack that defines the bucket and key (for the key, CrossAccountKmsGrant).');
  }
  if (!resourceAdded && target instanceof OkeraDataBucket) {
    Annotations.of(target).addWarningV2('cdk-okera-s3-encryption:resourcePolicyNotUpdated',
      `${grantee.grantPrincipal} is in another account, but ${what} is not managed by this app, so it was not updated. ` +
      'Grant that account in the key\'s own stack (CrossAccountKmsGrant), or access will be denied.');
  }
  return combine([...onPrincipal, ...onResource]);
}

function sameAccount(resource: iam.IResourceWithPolicyV2, grantee: iam.IGrantable): boolean {
  const account = grantee.grantPrincipal.principalAccount;
  const comparison = account === undefined ? undefined : Token.compareStrings(resource.env.account, account);
  return comparison === TokenComparison.SAME || comparison === TokenComparison.BOTH_UNRESOLVED;
}

/**
 * The grant an `addDataBucket` grantee made in its own managed policies: it reports success with the
 * equivalent statements, and depends on the grantee (which holds those policies).
 */
function delegatedGrant(grantee: iam.IGrantable, statements: iam.PolicyStatement[]): iam.Grant {
  const dependable = Construct.isConstruct(grantee) ? grantee : new DependencyGroup();
  const recorded: iam.IPrincipal = Object.create(grantee.grantPrincipal, {
    addToPrincipalPolicy: { value: () => ({ statementAdded: true, policyDependable: dependable }) },
  });
  return combine(statements.map((s) => grantOnPrincipal({ grantPrincipal: recorded }, s)));
}

function grantOnPrincipal(grantee: iam.IGrantable, s: iam.PolicyStatement): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: s.actions, resourceArns: s.resources, conditions: s.conditions });
}

function combine(grants: iam.Grant[]): iam.Grant {
  return grants.reduce((a, b) => a.combine(b));
}
