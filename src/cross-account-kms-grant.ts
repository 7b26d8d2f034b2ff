import { CfnOutput, CfnResource, Fn, IResolvable, IResource, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { IOkeraDataBucket } from './data-bucket';
import { isDeployTime, isListTokenElement, KMS_ACTIONS, normalizePrefix, policyList, s3Statements, s3ViaService, unique } from './private/policy';
import { deployedBytes, deployedJson, UNKNOWN_VALUE_LENGTH } from './private/policy-size';
import {
  fail, isResolved, parseKeyArn, validateAccountId, validateKeyNotAlias, validateOrganizationId, validatePrefix, validateRoleArn,
} from './private/validation';
import { DataAccess, EncryptionType, SupportMatrix } from './support-matrix';

/** Properties of a `CrossAccountKmsGrant`. */
export interface CrossAccountKmsGrantProps {
  /**
   * The data bucket the other accounts read. Its key (SSE_KMS) gets the key-policy statements and,
   * unless `bucketPolicy` is false, its bucket policy the matching S3 statements.
   *
   * An SSE_S3 bucket has no key: only the bucket-policy statements are added (that is all other
   * accounts need). An SSE_KMS_AWS_MANAGED bucket is an error: the `aws/s3` key cannot be shared.
   * @default - no bucket: `key` is required and only the key policy changes
   */
  readonly bucket?: IOkeraDataBucket;

  /**
   * The customer managed key whose key policy admits the principals. It must be defined in this app:
   * an imported key's policy cannot be changed from here (the error prints the statement to add by hand).
   * @default - the bucket's key
   */
  readonly key?: kms.IKey;

  /**
   * Other AWS accounts (12-digit ids) whose principals may use the key through S3. The account's own
   * IAM policies decide which of its roles may (for Okera: `OkeraWorkerRole.addDataBucket`).
   *
   * The key policy lists the accounts the way AWS writes the `aws/s3` key policy:
   * `Principal: {"AWS": "*"}` limited by `StringEquals` on `kms:CallerAccount` (the accounts) and
   * `kms:ViaService` (S3 in the key's region). For another account this admits exactly what its root ARN
   * as principal would: a caller of that account still needs its own IAM policy to allow the key. It
   * costs 15 bytes per account instead of 33 (a root ARN), so about 2,150 accounts fit one key policy
   * instead of about 980. The bucket policy names the accounts' root ARNs (S3 Block Public Access would
   * treat `Principal: "*"` with an account condition there as public): about 540 fit the data bucket's policy.
   * The key's own account (also as `Aws.ACCOUNT_ID`) is an error. Accounts known only at deploy time are
   * accepted, one by one (a parameter each) or as a list (`CfnParameter` of type `CommaDelimitedList`,
   * `valueAsList`); the statement then excludes the key's own account, the bucket policy names listed
   * accounts by id, and the size check counts a deploy-time list as one value. A deploy-time list must not
   * be empty (an empty principal makes the policy malformed): give its parameter an `allowedPattern`.
   * @default - none
   */
  readonly accounts?: string[];

  /**
   * IAM roles of other accounts that may use the key through S3. KMS rejects a key policy naming a role
   * that does not exist yet, and a re-created role must be granted again: prefer `accounts` unless the
   * key must admit only that role. The key policy lists the roles in their own statement (`Principal.AWS`
   * with the role ARNs, `kms:CallerAccount` with their accounts, and `kms:ViaService`).
   * @default - none
   */
  readonly roleArns?: string[];

  /**
   * An AWS Organization (`o-...`) whose accounts may use the key through S3 (`aws:PrincipalOrgID`):
   * one small statement however many accounts the organization has. The key's (and bucket's) own account
   * is left out (`StringNotEquals` on `kms:CallerAccount`, `aws:PrincipalAccount` on the bucket policy):
   * there `Principal: "*"` would admit every principal without an IAM policy; grant those with IAM policies.
   * @default - none
   */
  readonly organizationId?: string;

  /**
   * Parts of an AWS Organization whose accounts may use the key through S3 (`aws:PrincipalOrgPaths`),
   * such as `o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*` (that OU and its child OUs) or
   * `o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/` (accounts directly in that OU).
   * Use either this or `organizationId`. The statements also require the paths' organization
   * (`aws:PrincipalOrgID`), which the paths imply anyway and which S3 Block Public Access needs to
   * accept a `Principal: "*"` bucket policy, and leave out the key's own account as `organizationId` does.
   * A deploy-time list (`valueAsList`) is accepted; the statements then require the organization of its
   * first path, so all paths of such a list must be in one organization.
   * @default - none
   */
  readonly organizationPaths?: string[];

  /**
   * What the principals may do: READ (`kms:Decrypt`) or READ_WRITE (`kms:Decrypt` and
   * `kms:GenerateDataKey*`, which multipart uploads need), and the matching S3 actions.
   * @default DataAccess.READ
   */
  readonly access?: DataAccess;

  /**
   * Key prefixes the bucket-policy statements are limited to (e.g. `sales/2024`).
   * KMS has no notion of prefixes: the key-policy statements cover the key.
   * @default - the whole bucket
   */
  readonly prefixes?: string[];

  /**
   * Whether to add the S3 statements to the bucket's bucket policy. Other accounts need both the
   * bucket policy and the key policy; turn this off only when the bucket policy is managed elsewhere.
   * @default - true when `bucket` is given
   */
  readonly bucketPolicy?: boolean;

  /**
   * Whether to add stack outputs with the key ARN and the bucket ARN, the values the other account
   * needs (`OkeraDataBucket.fromBucketAttributes`). They are not exported.
   * @default true
   */
  readonly outputs?: boolean;
}

/**
 * Lets other AWS accounts, roles or an AWS Organization read (or read and write) S3 data encrypted with
 * a customer managed KMS key of this app: statements on the key policy, restricted to S3 in the key's
 * region (`kms:ViaService`) and, for accounts and roles, to their accounts (`kms:CallerAccount`); and
 * optionally the matching statements on the data bucket's bucket policy.
 *
 * Accounts are written in the key policy as AWS writes its own `aws/s3` key policy:
 * `Principal: {"AWS": "*"}` with `StringEquals` on `kms:CallerAccount` (the accounts) and
 * `kms:ViaService`. For an external account that is the same as naming its root ARN (the key policy
 * admits the account, and the account's IAM policies must still allow the caller), at about a third of
 * the size. The key's own account is rejected (there this form would admit every principal of the
 * account without an IAM policy, so `Aws.ACCOUNT_ID` is rejected too); when an account or the key's own
 * account (environment-agnostic stack) is known only at deploy time, the statement also excludes the
 * key's own account (`StringNotEquals` on `kms:CallerAccount`). Role ARNs keep their own
 * statement (`Principal.AWS` with the role ARNs). The bucket policy names accounts by root ARN, because
 * S3 Block Public Access treats `Principal: "*"` with an account condition as public.
 *
 * Define it in the stack that owns the key (the data account). The other account still needs an IAM
 * policy (`OkeraWorkerRole.addDataBucket` with the bucket imported by ARN and key ARN).
 *
 * An SSE_S3 bucket needs no key: the grant then adds the bucket-policy statements only. Buckets on
 * the AWS managed `aws/s3` key, imported keys (whose policy this app cannot change) and imported
 * buckets (with `bucketPolicy` on) are errors; the latter two print the statements to add by hand.
 *
 * All grants on the same key share one key-policy statement per kind of principal (accounts, roles,
 * organization, organization paths) and access level, and likewise on the bucket policy (where accounts
 * and roles share one statement), so registering accounts one grant at a time gives the same
 * policy as one grant with all of them. At synthesis the key policy (and the bucket policy) is
 * measured as deployed, values only CloudFormation knows counted at a conservative length, and a
 * policy over KMS's 32,768-byte (S3's 20,480-byte) limit is an error. About 2,150 accounts fit one key
 * policy beside the default statement (15 bytes each, their `kms:CallerAccount` entry), so 1,000 accounts
 * fit one key. In the bucket policy each account costs its root ARN (33 bytes in the `aws` partition):
 * about 540 fit beside an OkeraDataBucket's own statements, so for more accounts grant the bucket to an
 * organization, or set `bucketPolicy: false` and manage the bucket policy elsewhere. An organization
 * takes one small statement, however many accounts it has, and leaves out the key's own account.
 */
export class CrossAccountKmsGrant extends Construct {
  /**
   * The ARN of the key whose policy admits the principals.
   * @default - undefined when the bucket is SSE_S3 (only the bucket policy is granted)
   */
  public readonly keyArn?: string;

  /** What the principals may do. */
  public readonly access: DataAccess;

  private readonly key?: kms.IKey;
  private readonly bucket?: IOkeraDataBucket;
  private readonly grantsBucketPolicy: boolean;
  private readonly prefixes: string[];
  private readonly homeAccount: string;
  private readonly partition: string;
  private readonly region: string;
  private readonly accountList: string[] = [];
  private readonly roleArnList: string[] = [];
  private readonly organizations = new Set<string>();

  constructor(scope: Construct, id: string, props: CrossAccountKmsGrantProps) {
    super(scope, id);
    this.access = validateAccess(this, props.access);
    this.bucket = props.bucket;
    this.key = this.grantedKey(props);
    this.keyArn = this.key?.keyArn;
    this.grantsBucketPolicy = props.bucketPolicy ?? this.bucket !== undefined;
    this.prefixes = props.prefixes ?? [];
    this.validateBucketOptions(props);

    const home: IResource = this.key ?? this.bucket!;
    const arn = this.keyArn !== undefined && isResolved(this.keyArn) ? parseKeyArn(this.keyArn) : undefined;
    this.partition = arn?.partition ?? Stack.of(home).partition;
    this.region = arn?.region ?? home.env.region;
    this.homeAccount = arn?.account ?? home.env.account;

    const initial = byKind([
      ...unique(props.accounts ?? []).map((a) => this.accountPrincipals(a)),
      ...unique(props.roleArns ?? []).map((r) => this.rolePrincipals(r)),
      ...this.organizationPrincipals(props.organizationId, props.organizationPaths ?? []),
    ]);
    this.assertPoliciesWritable(initial);
    this.register(initial);

    if (props.outputs ?? true) {
      this.addOutputs();
    }
    this.node.addValidation({
      validate: () => this.accountList.length + this.roleArnList.length + this.organizations.size > 0 ? [] : [
        'CrossAccountKmsGrant grants nothing: give accounts (e.g. [\'222222222222\']), roleArns, organizationId or organizationPaths, or call addAccount().',
      ],
    });
  }

  /** The external accounts this grant registered. */
  public get accounts(): string[] {
    return [...this.accountList];
  }

  /** The external role ARNs this grant registered. */
  public get roleArns(): string[] {
    return [...this.roleArnList];
  }

  /**
   * Admit another account (12-digit id). Adding an account twice (here or in another grant on the
   * same key) has no further effect.
   */
  public addAccount(account: string): void {
    if (!this.accountList.includes(account)) {
      this.register([this.accountPrincipals(account)]);
    }
  }

  /** Admit an IAM role of another account. Adding a role twice has no further effect. */
  public addRoleArn(roleArn: string): void {
    if (!this.roleArnList.includes(roleArn)) {
      this.register([this.rolePrincipals(roleArn)]);
    }
  }

  /** The key to grant: the given one or the bucket's, which must be a customer managed key, not an alias. */
  private grantedKey(props: CrossAccountKmsGrantProps): kms.IKey | undefined {
    const bucket = props.bucket;
    if (!bucket) {
      if (!props.key) {
        fail(this, 'neither key nor bucket is given. Pass the data bucket (`bucket: dataBucket`, its key is used) or the customer managed key (`key`).');
      }
      validateKeyNotAlias(this, props.key, 'key');
      return props.key;
    }
    switch (bucket.encryptionType) {
      case EncryptionType.SSE_KMS:
        break;
      case EncryptionType.SSE_S3:
        if (props.key) {
          fail(this, `key '${describeKey(props.key)}' is given but bucket '${bucket.node.path}' is SSE_S3, which uses no KMS key: other accounts need the ` +
            'bucket policy only. Remove `key` (this grant then adds the bucket-policy statements), or give the bucket whose key this is.');
        }
        return undefined;
      case EncryptionType.SSE_KMS_AWS_MANAGED:
        fail(this, `bucket '${bucket.node.path}' is encrypted with the AWS managed key aws/s3 (SSE_KMS_AWS_MANAGED): its key policy cannot be edited ` +
          'and admits only principals of the bucket\'s own account, so no other account can decrypt the data. Encrypt the bucket with a customer ' +
          'managed key (OkeraDataBucket encryption: EncryptionType.SSE_KMS) or with SSE-S3 (EncryptionType.SSE_S3, bucket policy only).');
      default:
        fail(this, `bucket '${bucket.node.path}' declares encryption '${bucket.encryptionType}', which Okera cannot read ` +
          `(${SupportMatrix.isSupported(bucket.encryptionType) ? 'unexpected here' : 'not supported'}). Use EncryptionType.SSE_KMS or EncryptionType.SSE_S3.`);
    }
    const key = props.key ?? bucket.encryptionKey;
    if (!key) {
      fail(this, `bucket '${bucket.node.path}' is SSE_KMS but exposes no key (encryptionKey). Import it with OkeraDataBucket.fromBucketAttributes and encryptionKeyArn, or pass \`key\`.`);
    }
    validateKeyNotAlias(this, key, 'key');
    if (props.key && props.key !== bucket.encryptionKey && props.key.keyArn !== bucket.encryptionKeyArn) {
      fail(this, `key '${describeKey(props.key)}' is not the key of bucket '${bucket.node.path}' (${isResolved(bucket.encryptionKeyArn) ? bucket.encryptionKeyArn : 'its own key'}): ` +
        'the other accounts could decrypt with a key that does not protect the data they read. Remove `key`: the bucket\'s key is used.');
    }
    return key;
  }

  private validateBucketOptions(props: CrossAccountKmsGrantProps): void {
    if (props.bucketPolicy === true && !this.bucket) {
      fail(this, 'bucketPolicy is true but no bucket is given. Pass `bucket` (the data bucket whose policy should admit the principals), or remove bucketPolicy.');
    }
    if (this.prefixes.length > 0 && !this.grantsBucketPolicy) {
      fail(this, `prefixes [${this.prefixes.join(', ')}] only limit bucket-policy statements, and this grant adds none (${this.bucket ? 'bucketPolicy is false' : 'no bucket'}). ` +
        'Pass the bucket (with bucketPolicy left on), or remove prefixes: KMS key policies cannot be limited to prefixes.');
    }
    this.prefixes.forEach((p) => validatePrefix(this, p, 'prefix'));
    if (this.bucket && !this.key && !this.grantsBucketPolicy) {
      fail(this, `bucket '${this.bucket.node.path}' is SSE_S3 (no KMS key) and bucketPolicy is false, so this grant would change nothing. ` +
        'Leave bucketPolicy on: SSE-S3 data needs only the bucket-policy statements.');
    }
  }

  private accountPrincipals(account: string): Principals {
    if (isListTokenElement(account)) {
      // A list only CloudFormation knows (a CommaDelimitedList parameter): nothing to check here. The key
      // statement then excludes the key's own account, and the bucket policy names the accounts by id.
      this.accountList.push(account);
      return new Principals(Kind.ACCOUNTS, { aws: [account], callerAccounts: [account] });
    }
    validateAccountId(this, account, 'account');
    // The same id, the same token, or the account pseudo parameter (Aws.ACCOUNT_ID, the account of an
    // environment-agnostic stack), which in the key's stack is the key's account. Other tokens (parameters,
    // imports) are accepted: the key statement then excludes the key's account at deploy time.
    const pseudo = isAccountPseudo(this, account);
    if (account === this.homeAccount || pseudo) {
      fail(this, `account ${display(this, account)}${pseudo ? ' (Aws.ACCOUNT_ID: the account the stack deploys to)' : ''} is the ${this.key ? 'key' : 'bucket'}'s own account, not an external one. Principals of that account need no ` +
        'key-policy statement (the default key policy lets IAM policies grant it): use OkeraWorkerRole.addDataBucket or dataBucket.grantRead.');
    }
    this.accountList.push(account);
    return new Principals(Kind.ACCOUNTS, { aws: [`arn:${this.partition}:iam::${account}:root`], callerAccounts: [account] });
  }

  private rolePrincipals(roleArn: string): Principals {
    if (isListTokenElement(roleArn)) {
      fail(this, `roleArns holds a list known only at deploy time (${display(this, roleArn)}): the key policy needs each role's account, which ` +
        'cannot be taken from a deploy-time list. Give the role ARNs one by one (a parameter each, or Fn.select(i, list)), or grant their accounts ' +
        '(`accounts` takes a deploy-time list).');
    }
    const account = validateRoleArn(this, roleArn, 'roleArn');
    if (account === this.homeAccount) {
      fail(this, `roleArn '${roleArn}' is in the ${this.key ? 'key' : 'bucket'}'s own account ${account}, not an external one. Grant it with an IAM policy ` +
        'instead (OkeraWorkerRole.addDataBucket or dataBucket.grantRead): the default key policy lets IAM policies of the key\'s account grant access.');
    }
    this.roleArnList.push(roleArn);
    return new Principals(Kind.ROLES, { aws: [roleArn], callerAccounts: [account ?? Fn.select(4, Fn.split(':', roleArn))] });
  }

  private organizationPrincipals(organizationId: string | undefined, paths: string[]): Principals[] {
    if (organizationId !== undefined && paths.length > 0) {
      fail(this, `both organizationId '${organizationId}' and organizationPaths are given. Use organizationId for the whole organization, ` +
        'or organizationPaths for some of its OUs (each path already names its organization), not both.');
    }
    if (organizationId !== undefined) {
      validateOrganizationId(this, organizationId, 'organizationId');
      this.organizations.add(organizationId);
      return [new Principals(Kind.ORGANIZATION, { orgIds: [organizationId] })];
    }
    if (paths.length === 0) {
      return [];
    }
    const orgIds = paths.map((p) => validateOrganizationPath(this, p));
    paths.forEach((p) => this.organizations.add(p));
    return [new Principals(Kind.ORGANIZATION_PATHS, { orgIds, orgPaths: paths })];
  }

  /** Imported keys and buckets have no policy this stack can change: say what to add by hand instead. */
  private assertPoliciesWritable(groups: Principals[]): void {
    const stack = Stack.of(this);
    const render = (statements: iam.PolicyStatement[]) => JSON.stringify(stack.resolve(statements.map((s) => s.toStatementJson())), undefined, 2);
    if (this.key && !findCfnKey(this.key)) {
      fail(this, `key '${describeKey(this.key)}' is imported (kms.Key.fromKeyArn / fromLookup, or the key of an imported bucket): this stack cannot ` +
        'change its key policy, and CDK would silently add nothing. Define CrossAccountKmsGrant in the stack that creates the key, or add these ' +
        `statements to the key policy by hand:\n${render(groups.map((g) => this.keyStatement(g)))}`);
    }
    if (this.grantsBucketPolicy && !isOwnedBucket(this.bucket!.bucket)) {
      const instead = this.key ? 'Set bucketPolicy: false (the key policy is still granted) and add' : 'This grant can change nothing else (SSE-S3 needs no key): add';
      fail(this, `bucket '${this.bucket!.node.path}' is imported: this stack cannot change its bucket policy. ${instead} these ` +
        `statements to the bucket policy where the bucket is defined:\n${render(byKind(groups.map(inBucketPolicy)).flatMap((g) => this.bucketStatements(g, '')))}`);
    }
  }

  private register(groups: Principals[]): void {
    for (const group of groups) {
      if (this.key) {
        SharedGrants.of(this.key).add(`${this.access}/${group.kind}`, group, keyPolicyTarget(this.key), (merged) => [this.keyStatement(merged)]);
      }
      if (this.grantsBucketPolicy) {
        const shared = SharedGrants.of(this.bucket!);
        const prefixKey = unique(this.prefixes.map((p) => normalizePrefix(p) ?? '')).sort().join(',');
        const bucketGroup = inBucketPolicy(group);
        shared.add(`${this.access}/${bucketGroup.kind}/${prefixKey}`, bucketGroup, bucketPolicyTarget(this.bucket!.bucket),
          (merged) => this.bucketStatements(merged, shared.prefixGroupSuffix(prefixKey)));
      }
    }
  }

  private keyStatement(group: Principals): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: `Okera${group.kind}${ACCESS_SID[this.access]}`,
      actions: KMS_ACTIONS[this.access],
      resources: ['*'],
      principals: group.principals(true),
      conditions: {
        ...mergeConditions({ StringEquals: { 'kms:ViaService': s3ViaService(this.region) } }, group.conditions(true, this.homeAccount)),
        ...(group.kind === Kind.ACCOUNTS ? { StringNotEquals: group.homeAccountExclusion(this.homeAccount) } : {}),
      },
    });
  }

  /** S3 statements for the bucket policy: one without prefixes, plus a ListBucket one with `s3:prefix` when there are prefixes. */
  private bucketStatements(group: Principals, sidSuffix: string): iam.PolicyStatement[] {
    const sid = `Okera${group.kind}${ACCESS_SID[this.access]}${sidSuffix}`;
    return mergeUnconditioned(s3Statements(this.bucket!.bucketArn, this.access, this.prefixes)).map((s) => s.copy({
      sid: hasConditions(s) ? `${sid}List` : sid,
      principals: group.principals(false),
      conditions: mergeConditions(s.conditions, group.conditions(false, this.bucket!.env.account)),
    }));
  }

  private addOutputs(): void {
    if (this.key) {
      SharedGrants.of(this.key).output('KeyArn', this.key.keyArn,
        `ARN of the KMS key ${this.key.node.path}, shared with other accounts: encryptionKeyArn for OkeraDataBucket.fromBucketAttributes in the worker account`);
    }
    if (this.bucket) {
      SharedGrants.of(this.bucket).output('BucketArn', this.bucket.bucketArn,
        `ARN of the data bucket ${this.bucket.node.path}, shared with other accounts: bucketArn for OkeraDataBucket.fromBucketAttributes in the worker account`);
    }
  }
}

const ACCESS_SID: Record<DataAccess, string> = { [DataAccess.READ]: 'Read', [DataAccess.READ_WRITE]: 'ReadWrite' };
const KMS_KEY_POLICY_MAX_BYTES = 32_768;
const S3_BUCKET_POLICY_MAX_BYTES = 20_480;

/** The kinds of principal, each rendered as its own statement (their conditions must not be combined). */
enum Kind {
  /**
   * Accounts. Key policy: `Principal: {"AWS": "*"}` with `kms:CallerAccount` (the `aws/s3` key policy's form).
   * Bucket policy: `Principal.AWS` with the root ARNs, and the role ARNs (both kinds share that statement).
   */
  ACCOUNTS = 'CrossAccount',
  /** Roles in key policies: `Principal.AWS` with the role ARNs, `kms:CallerAccount` with their accounts. */
  ROLES = 'CrossAccountRoles',
  /** `Principal: "*"` with `aws:PrincipalOrgID`. */
  ORGANIZATION = 'Organization',
  /** `Principal: "*"` with `aws:PrincipalOrgPaths` (and the paths' `aws:PrincipalOrgID`, which keeps the statement non-public for S3). */
  ORGANIZATION_PATHS = 'OrganizationPaths',
}

type Conditions = Record<string, Record<string, unknown>>;

/** Principals of one kind, from one grant or merged from all grants on a policy; statements render the sets lazily. */
class Principals {
  private readonly aws: Set<string>;
  private readonly callerAccounts: Set<string>;
  private readonly orgIds: Set<string>;
  private readonly orgPaths: Set<string>;

  constructor(public readonly kind: Kind, values: { aws?: string[]; callerAccounts?: string[]; orgIds?: string[]; orgPaths?: string[] } = {}) {
    this.aws = new Set(values.aws);
    this.callerAccounts = new Set(values.callerAccounts);
    this.orgIds = new Set(values.orgIds);
    this.orgPaths = new Set(values.orgPaths);
  }

  /** What `Principal.AWS` lists: root or role ARNs, or account ids of a deploy-time list. */
  public get awsValues(): string[] {
    return [...this.aws];
  }

  /** What `kms:CallerAccount` lists. */
  public get callerAccountValues(): string[] {
    return [...this.callerAccounts];
  }

  /** The same principals as another kind. */
  public withKind(kind: Kind): Principals {
    const copy = new Principals(kind);
    copy.merge(this);
    return copy;
  }

  public merge(other: Principals): void {
    other.aws.forEach((v) => this.aws.add(v));
    other.callerAccounts.forEach((v) => this.callerAccounts.add(v));
    other.orgIds.forEach((v) => this.orgIds.add(v));
    other.orgPaths.forEach((v) => this.orgPaths.add(v));
  }

  public principals(keyPolicy: boolean): iam.IPrincipal[] {
    switch (this.kind) {
      case Kind.ACCOUNTS:
        return [keyPolicy ? new iam.AnyPrincipal() : new iam.ArnPrincipal(Token.asString(lazyList(this.aws)))];
      case Kind.ROLES:
        return [new iam.ArnPrincipal(Token.asString(lazyList(this.aws)))];
      default:
        return [new iam.StarPrincipal()];
    }
  }

  /**
   * Conditions that pin `Principal: "*"` to the organization or, in key policies, to the accounts (`kms:CallerAccount`).
   * The organization statements leave out the policy's own account (`homeAccount`), which is normally in the
   * organization: there `Principal: "*"` would admit every principal without an IAM policy.
   */
  public conditions(keyPolicy: boolean, homeAccount: string): Conditions {
    const notHome = { StringNotEquals: { [keyPolicy ? 'kms:CallerAccount' : 'aws:PrincipalAccount']: homeAccount } };
    switch (this.kind) {
      case Kind.ACCOUNTS:
      case Kind.ROLES:
        return keyPolicy ? { StringEquals: { 'kms:CallerAccount': lazyList(this.callerAccounts) } } : {};
      case Kind.ORGANIZATION:
        return { StringEquals: { 'aws:PrincipalOrgID': lazyList(this.orgIds) }, ...notHome };
      case Kind.ORGANIZATION_PATHS:
        return {
          'StringEquals': { 'aws:PrincipalOrgID': lazyList(this.orgIds) },
          'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': lazyList(this.orgPaths) },
          ...notHome,
        };
    }
  }

  /**
   * `StringNotEquals` conditions for the accounts statement of a key policy: when an account, or the key's
   * own account (an environment-agnostic stack), is known only at deploy time, a listed account must not
   * turn out to be the key's own (`Principal: {"AWS": "*"}` would then admit every principal of it without
   * an IAM policy). Nothing when all are known (the key's own account is rejected at synthesis).
   */
  public homeAccountExclusion(homeAccount: string): IResolvable {
    return Lazy.any({
      produce: () => Token.isUnresolved(homeAccount) || [...this.callerAccounts].some(isDeployTime)
        ? { 'kms:CallerAccount': homeAccount } : undefined,
    });
  }
}

/** Principals as the bucket policy groups them: roles share the accounts' statement (`Principal.AWS` with ARNs). */
function inBucketPolicy(group: Principals): Principals {
  return group.kind === Kind.ROLES ? group.withKind(Kind.ACCOUNTS) : group;
}

/** One merged group per kind. */
function byKind(groups: Principals[]): Principals[] {
  const merged = new Map<Kind, Principals>();
  for (const g of groups) {
    merged.set(g.kind, merged.get(g.kind) ?? new Principals(g.kind));
    merged.get(g.kind)!.merge(g);
  }
  return [...merged.values()];
}

/** Accounts and roles one merged statement lists, and the values it writes for them (for the size error). */
interface Listing {
  readonly accounts: string[];
  readonly roles: string[];
  readonly values: string[];
}

/** Where merged statements go, and the size limit of that policy. */
interface PolicyTarget {
  readonly what: string;
  readonly maxBytes: number;
  /** How an account and a role are written in this policy (for the size error). */
  readonly entryWhat: { readonly account: string; readonly role: string };
  listing(principals: Principals): Listing;
  add(statement: iam.PolicyStatement): boolean;
  document(): unknown;
}

function keyPolicyTarget(key: kms.IKey): PolicyTarget {
  return {
    what: 'key policy',
    maxBytes: KMS_KEY_POLICY_MAX_BYTES,
    entryWhat: { account: 'its kms:CallerAccount entry', role: 'its ARN and kms:CallerAccount entry' },
    listing: (p) => p.kind === Kind.ROLES
      ? { accounts: [], roles: p.awsValues, values: [...p.awsValues, ...p.callerAccountValues] }
      : { accounts: p.callerAccountValues, roles: [], values: p.callerAccountValues },
    add: (s) => key.addToResourcePolicy(s).statementAdded,
    document: () => findCfnKey(key)?.keyPolicy,
  };
}

function bucketPolicyTarget(bucket: s3.IBucket): PolicyTarget {
  return {
    what: 'bucket policy',
    maxBytes: S3_BUCKET_POLICY_MAX_BYTES,
    entryWhat: { account: 'its root ARN', role: 'its ARN' },
    listing: (p) => ({
      accounts: p.awsValues.filter((v) => !/:role\//.test(v)),
      roles: p.awsValues.filter((v) => /:role\//.test(v)),
      values: p.awsValues,
    }),
    add: (s) => bucket.addToResourcePolicy(s).statementAdded,
    document: () => bucket.policy?.document,
  };
}

/**
 * What every CrossAccountKmsGrant has put on one key or bucket: one merged set of principals per
 * statement, the size check of the policy, and the outputs. A hidden child of the key or bucket.
 */
class SharedGrants extends Construct {
  public static of(resource: IConstruct): SharedGrants {
    return resource.node.tryFindChild('OkeraGrants') as SharedGrants | undefined ?? new SharedGrants(resource, 'OkeraGrants');
  }

  private readonly slots = new Map<string, { principals: Principals; statements: number }>();
  private readonly prefixGroups: string[] = [];
  private target?: PolicyTarget;

  private constructor(private readonly resource: IConstruct, id: string) {
    super(resource, id);
  }

  /** Merge the principals into the slot's statements, creating them (lazily rendered) on first use. */
  public add(slot: string, principals: Principals, target: PolicyTarget, statements: (merged: Principals) => iam.PolicyStatement[]): void {
    let entry = this.slots.get(slot);
    if (!entry) {
      const merged = new Principals(principals.kind);
      const created = statements(merged);
      for (const statement of created) {
        if (!target.add(statement)) {
          fail(this.resource, `the ${target.what} of ${this.resource.node.path} cannot be changed from this stack (statement not added).`);
        }
      }
      entry = { principals: merged, statements: created.length };
      this.slots.set(slot, entry);
      this.watchSize(target);
    }
    entry.principals.merge(principals);
  }

  /** Sid suffix that keeps statements for different prefix sets apart. */
  public prefixGroupSuffix(prefixKey: string): string {
    if (prefixKey === '') {
      return '';
    }
    if (!this.prefixGroups.includes(prefixKey)) {
      this.prefixGroups.push(prefixKey);
    }
    return `Prefixes${this.prefixGroups.indexOf(prefixKey) + 1}`;
  }

  public output(id: string, value: string, description: string): void {
    if (!this.node.tryFindChild(id)) {
      new CfnOutput(this, id, { value, description });
    }
  }

  private watchSize(target: PolicyTarget): void {
    if (this.target) {
      return;
    }
    this.target = target;
    this.resource.node.addValidation({ validate: () => this.sizeErrors(target) });
  }

  private sizeErrors(target: PolicyTarget): string[] {
    const stack = Stack.of(this);
    const document = target.document();
    const bytes = document === undefined ? 0 : deployedBytes(stack, stack.resolve(document));
    if (bytes <= target.maxBytes) {
      return [];
    }
    const over = bytes - target.maxBytes;
    const head = `The ${target.what} would be about ${fmt(bytes)} bytes once deployed, ${fmt(over)} over the limit of ${fmt(target.maxBytes)} bytes. `;
    // What the listed accounts and roles cost: each value in each statement that lists it, with its quotes and a comma.
    const accounts = new Set<string>();
    const roles = new Set<string>();
    let listedBytes = 0;
    let statements = 1;
    for (const entry of [...this.slots.values()].filter((e) => e.principals.kind === Kind.ACCOUNTS || e.principals.kind === Kind.ROLES)) {
      const listing = target.listing(entry.principals);
      listing.accounts.forEach((a) => accounts.add(a));
      listing.roles.forEach((r) => roles.add(r));
      listedBytes += entry.statements * listing.values.reduce((n, v) => n + valueBytes(stack, v) + 1, 0);
      statements = Math.max(statements, entry.statements);
    }
    const listed = accounts.size + roles.size;
    if (listed === 0) {
      return [head + `CrossAccountKmsGrant lists no accounts or roles in it (organization statements are small): the size comes from the ${target.what}'s ` +
        `other statements. Shorten those, or keep some of the data under another ${target.what === 'key policy' ? 'key' : 'bucket'}.`];
    }
    const each = listedBytes / listed;
    const fewer = Math.ceil(over / each);
    const capacity = Math.max(0, Math.floor((target.maxBytes - (bytes - listedBytes)) / each));
    const noun = roles.size === 0 ? 'account' : accounts.size === 0 ? 'role' : 'principal';
    const counted = [accounts.size > 0 ? `${fmt(accounts.size)} accounts` : '', roles.size > 0 ? `${fmt(roles.size)} roles` : ''].filter((x) => x).join(' and ');
    const entry = [accounts.size > 0 ? target.entryWhat.account : '', roles.size > 0 ? target.entryWhat.role : ''].filter((x) => x).join(' or ');
    return [
      head + `CrossAccountKmsGrant lists ${counted} in it; each ${noun} costs about ${Math.round(each)} bytes${noun === 'principal' ? ' on average' : ''} ` +
      `(${entry}${statements > 1 ? ` in ${statements} statements` : ''}), so remove at least ${fmt(fewer)} of them: about ${fmt(capacity)} ${noun}s ` +
      `fit at most${capacity < 1000 ? ' (1,000 accounts cannot be listed one by one)' : ''}. ` +
      'Grant the AWS Organization instead: organizationId: \'o-...\' (or organizationPaths: [\'o-.../r-.../ou-.../*\'] for some OUs) adds one small ' +
      'statement however many accounts it holds.',
    ];
  }
}

/** Bytes of one listed value as deployed, in JSON (with its quotes); a deploy-time list counts as one unknown value. */
function valueBytes(stack: Stack, value: string): number {
  return isListTokenElement(value) ? UNKNOWN_VALUE_LENGTH + 2 : deployedJson(stack, stack.resolve(value)).length;
}

function validateAccess(scope: IConstruct, access?: DataAccess): DataAccess {
  const value = access ?? DataAccess.READ;
  if (!Object.values(DataAccess).includes(value)) {
    fail(scope, `access '${value}' is not a DataAccess. Use DataAccess.READ or DataAccess.READ_WRITE.`);
  }
  return value;
}

const ORG_PATH = /^(o-[a-z0-9]{10,32})\/(\*|r-[a-z0-9]{4,32}\/((ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|\*)\/)*\*?)$/;

/** Validate an `aws:PrincipalOrgPaths` value and return its organization id. */
function validateOrganizationPath(scope: IConstruct, path: string): string {
  if (isListTokenElement(path)) {
    return Fn.select(0, Fn.split('/', Fn.select(0, [path]))); // the organization of the list's first path
  }
  if (!isResolved(path)) {
    return Fn.select(0, Fn.split('/', path));
  }
  const m = ORG_PATH.exec(path);
  if (!m) {
    const hint = /^o-[^/]+\/r-[^/]+(\/ou-[^/]+)*$/.test(path) ? ` It must end with '/' (accounts directly in the last OU) or '/*' (and its child OUs): '${path}/*'.` : '';
    fail(scope, `organizationPaths entry '${path}' is not an AWS Organizations path.${hint} Use <org-id>/<root-id>/<ou-id>/.../ ` +
      'with an optional trailing *, e.g. \'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*\' (an OU and its children) or \'o-a1b2c3d4e5/*\' (the whole organization).');
  }
  return m[1];
}

/** The CfnKey behind a key defined in this app (`new kms.Key`, `kms.Key.fromCfnKey`), or undefined for an imported key. */
function findCfnKey(key: kms.IKey): kms.CfnKey | undefined {
  return [key.node.defaultChild, key.node.scope].find((c): c is kms.CfnKey =>
    c !== undefined && CfnResource.isCfnResource(c) && c.cfnResourceType === kms.CfnKey.CFN_RESOURCE_TYPE_NAME);
}

function isOwnedBucket(bucket: s3.IBucket): boolean {
  const c = bucket.node.defaultChild;
  return c !== undefined && CfnResource.isCfnResource(c) && c.cfnResourceType === s3.CfnBucket.CFN_RESOURCE_TYPE_NAME;
}

/** True for `Aws.ACCOUNT_ID` (also `Stack.account` of an environment-agnostic stack): the account the policy's stack deploys to. */
function isAccountPseudo(scope: IConstruct, value: string): boolean {
  return Token.isUnresolved(value) && Stack.of(scope).resolve(value)?.Ref === 'AWS::AccountId';
}

/** A value for an error message: quoted when known, else what CloudFormation fills in (`'AWS::AccountId'`, a parameter's logical id). */
function display(scope: IConstruct, value: string): string {
  if (isResolved(value) && !isListTokenElement(value)) {
    return `'${value}'`;
  }
  const resolved = Stack.of(scope).resolve(isListTokenElement(value) ? [value] : value);
  return typeof resolved?.Ref === 'string' ? `'${resolved.Ref}'` : `${JSON.stringify(resolved)} (known at deploy time)`;
}

function describeKey(key: kms.IKey): string {
  return isResolved(key.keyArn) ? key.keyArn : key.node.path;
}

/** The values as a policy list, rendered at synthesis (grants merge into the sets until then). */
function lazyList(values: Set<string>) {
  return Lazy.any({ produce: () => policyList([...values]) });
}


function hasConditions(statement: iam.PolicyStatement): boolean {
  return Object.keys(statement.conditions).length > 0;
}

function mergeConditions(a: Conditions, b: Conditions): Conditions {
  const result: Conditions = { ...a };
  for (const [op, values] of Object.entries(b)) {
    result[op] = { ...result[op], ...values };
  }
  return result;
}

/**
 * Bucket-level and object-level statements without conditions as one statement: each S3 action applies
 * only to its own resource type (ListBucket to the bucket, GetObject to objects), so this allows
 * exactly the same requests and lists every principal once instead of twice.
 */
function mergeUnconditioned(statements: iam.PolicyStatement[]): iam.PolicyStatement[] {
  const plain = statements.filter((s) => !hasConditions(s));
  if (plain.length < 2) {
    return statements;
  }
  return [
    ...statements.filter(hasConditions),
    new iam.PolicyStatement({ actions: plain.flatMap((s) => s.actions), resources: plain.flatMap((s) => s.resources) }),
  ];
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * What the CrossAccountKmsGrants of the app register on a data bucket's bucket policy and on its key's
 * policy (internal, not exported from the package: OkeraWorkerRole checks its cross-account buckets with it).
 * `prefixes` are normalised; empty means the whole bucket.
 */
export function crossAccountGrantsOn(bucket: IOkeraDataBucket): {
  access: DataAccess; accounts: string[]; roleArns: string[]; organization: boolean; bucketPolicy: boolean; keyPolicy: boolean; prefixes: string[];
}[] {
  const grants = bucket.node.root.node.findAll().filter((c): c is CrossAccountKmsGrant => c instanceof CrossAccountKmsGrant);
  // Bracket access reads the grants' private state, which is not public API.
  /* eslint-disable dot-notation */
  return grants.map((g) => ({
    access: g.access,
    accounts: g.accounts,
    roleArns: g.roleArns,
    organization: g['organizations'].size > 0,
    bucketPolicy: g['grantsBucketPolicy'] && g['bucket'] === bucket,
    keyPolicy: g['key'] !== undefined && g['key'] === bucket.encryptionKey,
    prefixes: g['prefixes'].map((p) => normalizePrefix(p)!),
  })).filter((g) => g.bucketPolicy || g.keyPolicy);
  /* eslint-enable dot-notation */
}
