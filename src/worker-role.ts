import {
  Annotations, Arn, ArnFormat, AspectPriority, Aspects, DefaultTokenResolver, Duration, IAspect, IPostProcessor, IResolvable, IResolveContext,
  PhysicalName, Stack, StringConcat, Token, TokenComparison, Tokenization,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct, IConstruct } from 'constructs';
import { crossAccountGrantsOn } from './cross-account-kms-grant';
import { IOkeraDataBucket, OkeraDataBucket } from './data-bucket';
import { markDataBucketGrantee } from './private/grantee';
import { isDeployTime, isListTokenElement, kmsViaS3Statement, normalizePrefix, policyList, s3Statements, unique } from './private/policy';
import { deployedJson } from './private/policy-size';
import {
  assertAwsManagedKeyAccount, fail, isResolved, parseKeyArn, validateAccountId, validateDataAccess, validateKeyArn, validatePrefix, validateRegion,
} from './private/validation';
import { DataAccess, EncryptionType, SupportMatrix } from './support-matrix';

/** Properties of an `OkeraWorkerRole`. */
export interface OkeraWorkerRoleProps {
  /**
   * Who assumes the role.
   * @default - the EC2 service (`ec2.amazonaws.com`), with an instance profile
   */
  readonly assumedBy?: iam.IPrincipal;

  /**
   * Whether to create an instance profile for the role.
   * @default - true when `assumedBy` is not given (EC2), false otherwise
   */
  readonly createInstanceProfile?: boolean;

  /**
   * The role name (historically `odas-iam-role`).
   * @default PhysicalName.GENERATE_IF_NEEDED - CloudFormation names it, unless another account or region refers to it
   */
  readonly roleName?: string;

  /**
   * The path of the role (and of the instance profile).
   * @default '/'
   */
  readonly path?: string;

  /**
   * A permissions boundary for the role.
   * @default - none
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;

  /**
   * The longest session the role allows (1 to 12 hours).
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;

  /**
   * A description of the role.
   * @default - none
   */
  readonly description?: string;

  /**
   * Allow `kms:Decrypt` (and `kms:GenerateDataKey*` for write access) on every KMS key (`Resource: "*"`),
   * as the Okera documentation's policy does, but only when S3 calls KMS on the role's behalf
   * (`kms:ViaService` = `s3.<region>.amazonaws.com`). Then data buckets need no known key ARN.
   *
   * Each key's own key policy must still allow the role (or its account).
   * @default false - KMS permissions name the key ARN of each data bucket
   */
  readonly anyKeyViaS3?: boolean;

  /**
   * The regions for the `kms:ViaService` condition of `anyKeyViaS3`.
   * Needed when buckets added by name pattern rely on `anyKeyViaS3` (their region is unknown).
   * @default - the regions of the data buckets added
   */
  readonly anyKeyRegions?: string[];

  /**
   * How many managed policies the role may have (IAM's "Managed policies per role" quota: 10 by default,
   * up to 20 after a quota increase). Managed policies you attach yourself count too, as far as the app shows
   * them when the role writes its policies (at synthesis): those in the role's `managedPolicyArns`
   * (`role.addManagedPolicy()`), and customer managed policies (`iam.ManagedPolicy`, `CfnManagedPolicy`) in any
   * stack of the app not known to be in another account whose `roles` name this role (`roles: [workerRole.role]`)
   * or a role imported by this role's literal name or ARN. Policies attached outside the app are not seen:
   * subtract them from your quota.
   * @default 10
   */
  readonly maxManagedPolicies?: number;
}

/** How an `OkeraWorkerRole` may use a data bucket. */
export interface DataBucketAccessOptions {
  /**
   * The access level.
   * @default DataAccess.READ
   */
  readonly access?: DataAccess;

  /**
   * Limit the access to these key prefixes (e.g. `sales/2024`): objects under them, and listing them.
   * @default - the whole bucket
   */
  readonly prefixes?: string[];
}

/** Buckets reached by a naming convention, for `OkeraWorkerRole.addBucketNamePattern`. */
export interface BucketNamePatternOptions {
  /**
   * The access level.
   * @default DataAccess.READ
   */
  readonly access?: DataAccess;

  /**
   * How the matching buckets are encrypted: `SSE_KMS` needs `encryptionKeyArns` (or `anyKeyViaS3` with
   * `anyKeyRegions` on the role); say `SSE_S3` explicitly when they need no KMS permissions.
   * `SSE_KMS_AWS_MANAGED` works only for buckets of the role's own account: `accounts` may then name no other.
   * @default EncryptionType.SSE_KMS
   */
  readonly encryption?: EncryptionType;

  /**
   * The KMS key ARNs (`arn:<partition>:kms:<region>:<account>:key/<id>`) of the matching buckets.
   * `kms:ViaService` uses each key's region (S3 only uses keys of the bucket's region).
   * @default - none
   */
  readonly encryptionKeyArns?: string[];

  /**
   * The AWS accounts (12-digit ids) that own the matching buckets. Bucket names are global: without this
   * condition a pattern would also match buckets of any other account. The role's S3 statements for the
   * pattern get the condition `StringEquals: { 's3:ResourceAccount': <accounts> }`; patterns of the same
   * access level and the same accounts share one statement.
   * A deploy-time list (`CfnParameter` of type `CommaDelimitedList`, `valueAsList`) is accepted; it must not be empty.
   * List the accounts whenever buckets may be owned by other accounts than the role's and the keys' (a bucket can use
   * a key of another account, e.g. a central key account).
   * @default - the accounts in the `encryptionKeyArns` known at synth time (a key ARN that is a token adds
   * none), plus the account of the role's stack (`AWS::AccountId` for an environment-agnostic stack)
   */
  readonly accounts?: string[];
}

/** The default of `maxManagedPolicies`: IAM's default quota of managed policies per role. */
const DEFAULT_MAX_MANAGED_POLICIES = 10;
/** The largest quota of managed policies per role IAM grants. */
const MAX_MANAGED_POLICIES_QUOTA = 20;
/** IAM's limit for a managed policy document, in characters without whitespace. */
const MANAGED_POLICY_MAX_LENGTH = 6144;
/** `{"Statement":[],"Version":"2012-10-17"}` */
const EMPTY_POLICY_LENGTH = JSON.stringify({ Statement: [], Version: '2012-10-17' }).length;
/** `,"Resource":` added to a statement rendered without resources. */
const RESOURCE_KEY_LENGTH = ',"Resource":'.length;
/** S3's limit for a bucket name. */
const MAX_BUCKET_NAME_LENGTH = 63;
const ACCESS_LEVELS = [DataAccess.READ, DataAccess.READ_WRITE];
const SUPPORTED = [EncryptionType.SSE_S3, EncryptionType.SSE_KMS, EncryptionType.SSE_KMS_AWS_MANAGED];
const BUCKET_PATTERN = /^[a-z0-9.\-*?]+$/;

/** A data bucket added to the role. */
interface BucketGrant {
  readonly bucket: IOkeraDataBucket;
  /** The key ARN, when KMS permissions name it (SSE_KMS without `anyKeyViaS3`). */
  readonly keyArn?: string;
  /** Normalised prefixes per access level; undefined is the whole bucket. */
  readonly prefixes: Record<DataAccess, (string | undefined)[]>;
}

/** Buckets added by name pattern. */
interface PatternGrant {
  readonly arn: string;
  access: DataAccess;
  readonly encryption: EncryptionType;
  readonly keyArns: string[];
  /** The accounts owning the matching buckets (`s3:ResourceAccount`); sorted, without duplicates. */
  readonly accounts: string[];
}

/** A statement whose resource list may be split across policies. */
interface StatementPart {
  readonly render: (resources: string[]) => iam.PolicyStatement;
  readonly resources: string[];
}

/**
 * The IAM role of the Okera worker fleet, with exactly the S3 and KMS permissions its data buckets need.
 *
 * Add buckets with `addDataBucket` (or `bucket.grantRead(workerRole)` on an `OkeraDataBucket`, which
 * delegates to it) and naming conventions with `addBucketNamePattern`. At synthesis the permissions of
 * all of them are merged (one statement per kind and access level, and per account set for name patterns;
 * resource lists) into customer managed policies attached to the role, split before IAM's 6,144-character
 * limit; the role has no inline policy.
 *
 * `grantPrincipal` is the role, so other constructs' `grant*` methods still work, but they add an inline
 * policy (`DefaultPolicy`) to the role: for data buckets use `addDataBucket`.
 */
export class OkeraWorkerRole extends Construct implements iam.IGrantable {
  /** The IAM role. */
  public readonly role: iam.Role;
  /** The ARN of the role. */
  public readonly roleArn: string;
  /** The name of the role. */
  public readonly roleName: string;
  /**
   * The instance profile for EC2 workers.
   * @default - undefined unless the role is assumed by EC2 by default or `createInstanceProfile` is true
   */
  public readonly instanceProfile?: iam.InstanceProfile;
  /** The role, as a principal. Prefer `addDataBucket` for data buckets (see the class documentation). */
  public readonly grantPrincipal: iam.IPrincipal;

  private readonly anyKeyViaS3: boolean;
  private readonly rolePath: string;
  private readonly anyKeyRegions?: string[];
  private readonly maxManagedPolicies: number;
  private readonly buckets = new Map<string, BucketGrant>();
  private readonly patterns = new Map<string, PatternGrant>();
  private readonly policies: iam.ManagedPolicy[] = [];
  /** Buckets of this app named in the policies by their literal name, with that name. */
  private readonly literalNames = new Map<OkeraDataBucket, string>();
  private rendered = false;

  constructor(scope: Construct, id: string, props: OkeraWorkerRoleProps = {}) {
    super(scope, id);
    this.maxManagedPolicies = validateMaxManagedPolicies(this, props.maxManagedPolicies);
    this.rolePath = props.path ?? '/';
    this.anyKeyViaS3 = props.anyKeyViaS3 ?? false;
    this.anyKeyRegions = validateAnyKeyRegions(this, this.anyKeyViaS3, props.anyKeyRegions);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: props.assumedBy ?? new iam.ServicePrincipal('ec2.amazonaws.com'),
      roleName: props.roleName ?? PhysicalName.GENERATE_IF_NEEDED,
      path: props.path,
      permissionsBoundary: props.permissionsBoundary,
      maxSessionDuration: props.maxSessionDuration,
      description: props.description,
    });
    if (props.createInstanceProfile ?? props.assumedBy === undefined) {
      this.instanceProfile = new iam.InstanceProfile(this, 'InstanceProfile', { role: this.role, path: props.path });
    }
    this.roleArn = this.role.roleArn;
    this.roleName = this.role.roleName;
    this.grantPrincipal = this.role;

    markDataBucketGrantee(this);
    const render: IAspect = {
      visit: (node) => {
        if (node === this) {
          this.renderPolicies();
        }
      },
    };
    Aspects.of(this).add(render, { priority: AspectPriority.MUTATING });
    this.node.addValidation({ validate: () => this.renamedBuckets() });
    this.node.addValidation({ validate: () => this.quotaErrors() });
  }

  /**
   * The managed policies holding the role's data permissions. Created at synthesis, so empty before.
   */
  public get managedPolicies(): iam.ManagedPolicy[] {
    return [...this.policies];
  }

  /**
   * Give the workers access to a data bucket: S3 list and read (and write), and for SSE_KMS the KMS
   * actions on the bucket's key ARN via S3 in the bucket's region. Adding a bucket again merges the
   * grants: prefixes add up, and read-write wins over read for the same prefix. The same bucket imported by
   * name and by ARN counts as one bucket. A bucket of this app with a literal `bucketName` is named by
   * `arn:<partition>:s3:::<name>`, so the role's stack takes no cross-stack reference to the bucket.
   *
   * This writes only the role's own policies. For an `OkeraDataBucket` of this app in another account,
   * synthesis checks that a `CrossAccountKmsGrant` admits the role's account (or the role, or an
   * organization) on the bucket policy and, for SSE_KMS, on the key policy, with enough access and
   * prefixes, and fails with the grant to add otherwise. An imported bucket (or imported key) cannot be
   * checked: grant it in its own account.
   *
   * @param bucket an `OkeraDataBucket`, or one imported with `OkeraDataBucket.fromBucketAttributes`
   * @param options access level and prefixes
   */
  public addDataBucket(bucket: IOkeraDataBucket, options: DataBucketAccessOptions = {}): void {
    const what = `Data bucket '${bucket?.node?.path ?? bucket}'`;
    if (bucket?.encryptionType === undefined) {
      fail(this, `${what} is not an OkeraDataBucket: its encryption is unknown, so the KMS permissions could not be derived. Pass an ` +
        'OkeraDataBucket, or import the bucket with OkeraDataBucket.fromBucketAttributes({ bucketName, encryption, encryptionKeyArn }) to declare its encryption.');
    }
    this.assertNotRendered(`addDataBucket(${bucket.node.path})`);
    const access = validateDataAccess(this, options.access, `${what}: access`);
    const prefixes = this.validatePrefixes(what, options.prefixes);
    const partition = regionPartition(bucket.env.region);
    this.assertSamePartition(partition, `${what} is in ${bucket.env.region} (partition ${partition})`);
    const keyArn = this.validateBucketEncryption(bucket, what);
    // Imports by name and by ARN of the same bucket are the same bucket.
    const identity = isResolved(bucket.bucketName) ? bucket.bucketName : bucket.bucketArn;
    let grant = this.buckets.get(identity);
    if (grant === undefined) {
      grant = { bucket, keyArn, prefixes: { [DataAccess.READ]: [], [DataAccess.READ_WRITE]: [] } };
      this.buckets.set(identity, grant);
    } else if (grant.bucket.encryptionType !== bucket.encryptionType || grant.keyArn !== keyArn) {
      fail(this, `${what} was already added as '${grant.bucket.node.path}' with encryption ${grant.bucket.encryptionType}` +
        `${grant.keyArn ? ` (key ${grant.keyArn})` : ''}, now with ${bucket.encryptionType}${keyArn ? ` (key ${keyArn})` : ''}. ` +
        'Declare the bucket\'s encryption once, the way the bucket is actually encrypted.');
    }
    grant.prefixes[access].push(...prefixes);
  }

  /**
   * Give the workers access to every bucket whose name matches a pattern (e.g. `analytics-*`) and that one of
   * the pattern's `accounts` owns: S3 actions on `arn:<partition>:s3:::<pattern>` and its objects, conditioned
   * on `s3:ResourceAccount`, plus KMS actions on the given key ARNs. Adding the same pattern again with the same
   * encryption, keys and accounts merges the access levels (read-write wins); with other ones it is an error.
   *
   * @param pattern a bucket name with the IAM wildcards `*` and `?`, e.g. `analytics-*`
   * @param options access level, encryption and accounts of the matching buckets
   */
  public addBucketNamePattern(pattern: string, options: BucketNamePatternOptions): void {
    this.assertNotRendered(`addBucketNamePattern(${pattern})`);
    validateBucketNamePattern(this, pattern);
    const what = `Bucket name pattern '${pattern}'`;
    const encryption = options.encryption ?? EncryptionType.SSE_KMS;
    assertSupported(this, what, encryption);
    const access = validateDataAccess(this, options.access, `${what}: access`);
    const keyArns = options.encryptionKeyArns ?? [];
    if (options.encryptionKeyArns?.length === 0) {
      fail(this, `${what}: encryptionKeyArns is empty. List the key ARNs of the matching buckets, or omit encryptionKeyArns.`);
    }
    keyArns.forEach((arn) => {
      validateKeyArn(this, arn, `${what}: encryption key ARN`);
      const partition = isResolved(arn) ? parseKeyArn(arn)!.partition : undefined;
      this.assertSamePartition(partition, `${what}: encryption key ARN '${arn}' is in partition ${partition}`);
      this.assertAnyKeyRegion(keyRegion(arn), `${what} (key ${arn})`);
    });
    if (keyArns.length > 0 && encryption !== EncryptionType.SSE_KMS) {
      fail(this, `${what} declares encryption ${encryption} but lists encryptionKeyArns. Use encryption: EncryptionType.SSE_KMS, or drop the key ARNs.`);
    }
    if (encryption === EncryptionType.SSE_KMS && keyArns.length === 0) {
      if (!this.anyKeyViaS3) {
        fail(this, `${what}: its buckets are declared SSE_KMS (the default) but no encryptionKeyArns are given, so the workers could not decrypt ` +
          'them. List the keys (encryptionKeyArns), turn on anyKeyViaS3 on the role, or, if every matching bucket uses SSE-S3, ' +
          'say so with encryption: EncryptionType.SSE_S3.');
      }
      if (this.anyKeyRegions === undefined) {
        fail(this, `${what} relies on anyKeyViaS3, but the region of its buckets is unknown, so kms:ViaService cannot name it. ` +
          'Set anyKeyRegions on the role, e.g. anyKeyRegions: [\'us-east-1\'], or list the keys in encryptionKeyArns.');
      }
    }
    const declared = { encryption, keyArns: unique(keyArns), accounts: this.patternAccounts(what, keyArns, options.accounts) };
    if (encryption === EncryptionType.SSE_KMS_AWS_MANAGED) {
      this.assertAwsManagedPatternAccounts(what, declared.accounts);
    }
    const existing = this.patterns.get(pattern);
    if (existing === undefined) {
      this.patterns.set(pattern, { arn: `arn:${Stack.of(this).partition}:s3:::${pattern}`, access, ...declared });
      return;
    }
    const describe = (d: typeof declared) => `encryption ${d.encryption}${d.keyArns.length ? ` (keys ${[...d.keyArns].sort().join(', ')})` : ''} ` +
      `in account(s) ${d.accounts.join(', ')}`;
    if (describe(existing) !== describe(declared)) {
      fail(this, `${what} was already added with ${describe(existing)}, now with ${describe(declared)}. Add each pattern once, with the ` +
        'encryption its buckets actually have and all the accounts that own them.');
    }
    existing.access = existing.access === DataAccess.READ_WRITE ? existing.access : access;
  }

  /** The aws/s3 key admits only its own account's principals: a pattern's buckets must be in the role's account. */
  private assertAwsManagedPatternAccounts(what: string, accounts: string[]): void {
    const own = Stack.of(this).account;
    const others = accounts.filter((a) => a !== own);
    const different = others.filter((a) => Token.compareStrings(a, own) === TokenComparison.DIFFERENT);
    if (different.length > 0) {
      fail(this, `${what} declares the AWS managed aws/s3 key, which only principals of the bucket's own account can use, but lists ` +
        `account(s) ${different.join(', ')} and this role is in account ${own}: the aws/s3 key policy cannot be edited, so it cannot be ` +
        'shared across accounts. Encrypt those buckets with a customer managed key (EncryptionType.SSE_KMS with encryptionKeyArns) or with SSE-S3.');
    }
    if (others.length > 0) {
      Annotations.of(this).addWarningV2('cdk-okera-s3-encryption:patternAwsManagedKey',
        `${what} declares the AWS managed aws/s3 key, which only works for buckets in the role's own account; its accounts and the role's ` +
        'are not all known at synth time, so this could not be checked.');
    }
  }

  /** The accounts owning a pattern's buckets: validated, or the default (the known key accounts and the role's). */
  private patternAccounts(what: string, keyArns: string[], accounts?: string[]): string[] {
    if (accounts === undefined) {
      return unique([Stack.of(this).account, ...keyArns.filter(isResolved).map((arn) => parseKeyArn(arn)!.account)]).sort();
    }
    if (accounts.length === 0) {
      fail(this, `${what}: accounts is empty. List the accounts that own the matching buckets, e.g. ['111111111111'], or omit ` +
        'accounts for the accounts of the keys and of the role.');
    }
    accounts.filter((a) => !isListTokenElement(a)).forEach((account) => validateAccountId(this, account, `${what}: account`));
    return unique(accounts).sort();
  }

  private validatePrefixes(what: string, prefixes?: string[]): (string | undefined)[] {
    if (prefixes === undefined) {
      return [undefined];
    }
    if (prefixes.length === 0) {
      fail(this, `${what}: prefixes is empty. List key prefixes such as 'sales/2024', or omit prefixes for the whole bucket.`);
    }
    prefixes.forEach((p) => validatePrefix(this, p, `${what}: prefix`));
    return prefixes.map(normalizePrefix);
  }

  /** Check the bucket's encryption can be read by the role; the key ARN its KMS statement names, if any. */
  private validateBucketEncryption(bucket: IOkeraDataBucket, what: string): string | undefined {
    assertSupported(this, what, bucket.encryptionType);
    const stack = Stack.of(this);
    if (bucket.encryptionType === EncryptionType.SSE_KMS_AWS_MANAGED) {
      assertAwsManagedKeyAccount(this, what, bucket, 'this role', stack.account, this);
    }
    if (bucket.encryptionType !== EncryptionType.SSE_KMS) {
      return undefined;
    }
    this.assertAnyKeyRegion(bucket.env.region, what);
    const keyArn = bucket.encryptionKeyArn;
    if (this.anyKeyViaS3) {
      return undefined;
    }
    if (keyArn === undefined) {
      fail(this, `${what} is SSE_KMS but declares no key ARN, so the workers could not decrypt it. Import it with ` +
        'OkeraDataBucket.fromBucketAttributes({ ..., encryption: EncryptionType.SSE_KMS, encryptionKeyArn }), or turn on anyKeyViaS3.');
    }
    validateKeyArn(this, keyArn, `${what}: encryption key ARN`);
    const owners = [bucket, ...bucket.encryptionKey ? [bucket.encryptionKey] : []].map((c) => Stack.of(c));
    if ((!isResolved(keyArn) || !isResolved(bucket.env.region)) && owners.some((s) => isOtherEnvironment(s, stack))) {
      fail(this, `${what}: its key ARN (or region) is only known when the bucket's stack deploys, and a KMS key id is random, ` +
        `so this role's stack (${stack.account}/${stack.region}) cannot name it. Output the key ARN from the data stack and, in this stack, ` +
        'import the bucket with OkeraDataBucket.fromBucketAttributes({ bucketName, region, encryption: EncryptionType.SSE_KMS, ' +
        'encryptionKeyArn: \'arn:aws:kms:<region>:<account>:key/<key-id>\' }); or turn on anyKeyViaS3.');
    }
    return keyArn;
  }

  /** An IAM role can only be granted resources of its own partition (aws, aws-cn, aws-us-gov, ...): `theirs`, where known. */
  private assertSamePartition(theirs: string | undefined, what: string): void {
    const mine = regionPartition(Stack.of(this).region);
    if (mine !== undefined && theirs !== undefined && mine !== theirs) {
      fail(this, `${what} and this role in ${Stack.of(this).region} (partition ${mine}): an IAM role ` +
        `cannot be granted resources of another partition. Give the workers a role in a stack of the ${theirs} partition.`);
    }
  }

  /** With `anyKeyRegions`, SSE_KMS data outside them would silently get no KMS permissions. */
  private assertAnyKeyRegion(region: string, what: string): void {
    const regions = this.anyKeyViaS3 ? this.anyKeyRegions : undefined;
    if (regions && isResolved(region) && regions.every(isResolved) && !regions.includes(region)) {
      fail(this, `${what} is SSE_KMS in region ${region}, which is not in anyKeyRegions (${regions.join(', ')}), so the workers ` +
        `could not decrypt it. Add '${region}' to anyKeyRegions.`);
    }
  }

  private assertNotRendered(call: string): void {
    if (this.rendered) {
      fail(this, `${call} was called after the role's policies were rendered (synthesis had started). Add buckets before synthesis.`);
    }
  }

  /** Create the managed policies (once, at synthesis). */
  private renderPolicies(): void {
    if (this.rendered) {
      return;
    }
    this.rendered = true;
    const grants = [...this.buckets.values()];
    if (grants.length === 0 && this.patterns.size === 0) {
      Annotations.of(this).addWarningV2('cdk-okera-s3-encryption:noDataBuckets',
        'No data buckets were added to this worker role, so it has no data permissions. Use addDataBucket() or addBucketNamePattern().');
      return;
    }
    this.assertAnyKeyRegionsKnown(grants);
    this.assertCrossAccountGrants(grants);
    const documents = this.pack(grants);
    // Attached from the policy side (as CDK's own grants are), so a key policy naming the role makes no
    // dependency cycle; the instance profile waits for the policies, so instances start with their permissions.
    documents.forEach((statements, i) => {
      const policy = new iam.ManagedPolicy(this, `Policy${i + 1}`, {
        description: `Okera worker data access (${i + 1} of ${documents.length})`,
        statements,
        roles: [this.role],
      });
      this.instanceProfile?.node.addDependency(policy);
      this.policies.push(policy);
    });
  }

  /**
   * The managed-policy quota, checked after every aspect has run: policies others attach are all there by then,
   * and resolving their `roles` changes nothing any more (during aspects it would fix lazy values too early).
   */
  private quotaErrors(): string[] {
    if (this.policies.length === 0) {
      return [];
    }
    const attached = this.countOtherManagedPolicies();
    return this.policies.length + attached > this.maxManagedPolicies
      ? [this.quotaError([...this.buckets.values()], this.policies.length, attached)] : [];
  }

  /** Why the permissions need more managed policies than the quota leaves, and only the remedies that would help. */
  private quotaError(grants: BucketGrant[], needed: number, attached: number): string {
    const budget = this.maxManagedPolicies - attached;
    const patterns = [...this.patterns.values()];
    const patternsAlone = patterns.length > 0 ? this.pack([]).length : 0;
    let situation = '';
    if (budget <= 0) {
      situation = ': none is left for the data permissions';
    } else if (grants.length > 0 && patternsAlone > budget) {
      situation = `: the name patterns alone need ${patternsAlone}`;
    } else if (grants.length > 0) {
      let fit = 0;
      for (let lo = 0, hi = grants.length; lo <= hi;) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.pack(grants.slice(0, mid)).length <= budget) {
          fit = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      situation = `: only the first ${fit} bucket(s) fit`;
    }
    // Smaller permissions help only if some policy is left for them.
    const room = budget > 0;
    const keyArns = grants.some((g) => g.keyArn !== undefined) || patterns.some((p) => p.keyArns.length > 0);
    const remedies = [
      ...room && grants.length > 0 && patternsAlone <= budget ? ['cover buckets by naming convention with addBucketNamePattern()'] : [],
      ...room && patterns.length > 0 && (grants.length === 0 || patternsAlone > budget) ? ['use fewer, broader name patterns'] : [],
      ...room && new Set(patterns.map((p) => p.accounts.join(','))).size > 1 ? ['give name patterns the same accounts (they then share statements)'] : [],
      ...room && keyArns && !this.anyKeyViaS3 ? ['turn on anyKeyViaS3 (no key ARN per bucket)'] : [],
      ...attached > 0 ? [`attach fewer of the ${attached} other managed policies`] : [],
      ...this.maxManagedPolicies < MAX_MANAGED_POLICIES_QUOTA
        ? [`raise the IAM quota "Managed policies per role" and maxManagedPolicies (up to ${MAX_MANAGED_POLICIES_QUOTA})`] : [],
    ];
    const advice = remedies.length > 1 ? `${remedies.slice(0, -1).join(', ')}, or ${remedies[remedies.length - 1]}` : remedies.join('');
    return `the permissions for ${grants.length} data bucket(s) and ${patterns.length} name pattern(s) need ${needed} managed ` +
      `policies of at most ${MANAGED_POLICY_MAX_LENGTH} characters, but maxManagedPolicies is ${this.maxManagedPolicies}` +
      `${attached ? ` and ${attached} other managed policies are already attached` : ''}${situation}. ` +
      `${advice.charAt(0).toUpperCase()}${advice.slice(1)}.`;
  }

  /**
   * A data bucket of this app in another account must admit the role in its bucket policy (and, for SSE_KMS, its
   * key policy): addDataBucket writes only the role's own policies, so without a CrossAccountKmsGrant every
   * request would be denied. Imported buckets and imported keys cannot be checked (their policies live elsewhere).
   */
  private assertCrossAccountGrants(grants: BucketGrant[]): void {
    const stack = Stack.of(this);
    for (const { bucket, prefixes } of grants) {
      if (!(bucket instanceof OkeraDataBucket) || Token.compareStrings(bucket.env.account, stack.account) !== TokenComparison.DIFFERENT) {
        continue;
      }
      const admitting = crossAccountGrantsOn(bucket).filter((g) =>
        // Accounts known only at deploy time (a parameter, a list) may include the role's: not an error here.
        g.organization || g.accounts.some((a) => a === stack.account || isDeployTime(a))
        || g.roleArns.some((arn) => this.isRoleArn(arn)));
      const checkKey = bucket.encryptionType === EncryptionType.SSE_KMS && bucket.encryptionKey?.node.defaultChild instanceof kms.CfnKey;
      const needed = effectivePrefixes(prefixes);
      const missing = ACCESS_LEVELS.filter((access) => {
        const enough = admitting.filter((g) => g.access === DataAccess.READ_WRITE || g.access === access);
        const onBucket = enough.filter((g) => g.bucketPolicy);
        const bucketOk = needed[access].every((p) => onBucket.some((g) => g.prefixes.length === 0 || g.prefixes.some((q) => covers(q, p))));
        return needed[access].length > 0 && !(bucketOk && (!checkKey || enough.some((g) => g.keyPolicy)));
      });
      if (missing.length > 0) {
        const fixes = missing.map((access) => {
          const ps = needed[access].includes(undefined) ? '' : `, prefixes: [${needed[access].map((p) => `'${p}'`).join(', ')}]`;
          return `new CrossAccountKmsGrant(<stack '${Stack.of(bucket).node.path}'>, 'OkeraWorkers${access === DataAccess.READ ? 'Read' : 'ReadWrite'}', ` +
            `{ bucket: <'${bucket.node.path}'>, accounts: ['${stack.account}'], access: DataAccess.${access}${ps} })`;
        });
        fail(this, `Data bucket '${bucket.node.path}' is in account ${bucket.env.account} and this role in account ${stack.account}, but no ` +
          `CrossAccountKmsGrant admits the role's account (or the role) on the bucket policy${checkKey ? ' and the key policy' : ''} with ` +
          `${missing.join(' and ')} access: addDataBucket and grantRead only write the role's own policies, so every request would be denied. ` +
          `In the bucket's stack add ${fixes.join('; and ')}.`);
      }
    }
  }

  /** Whether a role ARN given to a CrossAccountKmsGrant is this role's: the same token, or the ARN of its literal name. */
  private isRoleArn(arn: string): boolean {
    if (arn === this.roleArn) {
      return true;
    }
    const name = (this.role as unknown as { physicalName: string }).physicalName;
    return isResolved(arn) && isResolved(name) &&
      arn.replace(/^arn:[^:]+:/, '') === `iam::${Stack.of(this).account}:role${this.rolePath}${name}`;
  }

  /**
   * The ARN the policies name a bucket by. The deploy-time ARN of a bucket of this app is rebuilt from its
   * literal name, if it has one: its size is then exact, and this stack does not import it from the bucket's.
   */
  private policyBucketArn(bucket: IOkeraDataBucket): string {
    // An owned bucket's `bucketName` is a `Ref` even when named; its resource holds the literal name.
    const owned = bucket instanceof OkeraDataBucket;
    const name = owned ? cfnBucketOf(bucket).bucketName : bucket.bucketName;
    if (isResolved(bucket.bucketArn) || name === undefined || !isResolved(name)) {
      return bucket.bucketArn;
    }
    if (owned) {
      this.literalNames.set(bucket, name);
    }
    return `arn:${Stack.of(this).partition}:s3:::${name}`;
  }

  /** A bucket renamed after the policies were written (by an aspect or an override) would be named wrongly in them. */
  private renamedBuckets(): string[] {
    return [...this.literalNames].flatMap(([bucket, name]) => {
      const cfn = cfnBucketOf(bucket);
      const [resource] = Object.values<any>(Stack.of(cfn).resolve((cfn as any)._toCloudFormation()).Resources ?? {});
      const deployed = resource?.Properties?.BucketName;
      return deployed === name ? [] : [`Data bucket '${bucket.node.path}' is named '${name}' in this role's policies, but its ` +
        `template now says BucketName ${JSON.stringify(deployed)}: it was renamed after the role wrote its policies (by an aspect, or an ` +
        'escape hatch such as addPropertyOverride(\'BucketName\', ...)). Give the bucket its final name with the bucketName prop, or add it ' +
        'to the role as OkeraDataBucket.fromBucketAttributes({ bucketName: <final name>, ... }).'];
    });
  }

  /** `anyKeyViaS3` needs a region for `kms:ViaService` at every access level that has grants. */
  private assertAnyKeyRegionsKnown(grants: BucketGrant[]): void {
    if (!this.anyKeyViaS3) {
      return;
    }
    for (const access of ACCESS_LEVELS) {
      const level = collectLevel(access, grants, [...this.patterns.values()], (b) => this.policyBucketArn(b));
      if (level.any && this.kmsRegions(level).length === 0) {
        fail(this, `anyKeyViaS3 needs the region of the buckets for kms:ViaService, but the ${access} grants are only name patterns. ` +
          'Set anyKeyRegions, e.g. anyKeyRegions: [\'us-east-1\'].');
      }
    }
  }

  private kmsRegions(level: Level): string[] {
    return this.anyKeyViaS3 ? this.anyKeyRegions ?? unique(level.regions) : unique([...level.keys.values()].flat());
  }

  /** The statements for these buckets (and all name patterns), packed into policy documents. */
  private pack(grants: BucketGrant[]): iam.PolicyStatement[][] {
    const parts: StatementPart[] = [];
    const levels = ACCESS_LEVELS.map((access) => collectLevel(access, grants, [...this.patterns.values()], (b) => this.policyBucketArn(b)));
    const [read, readWrite] = levels;
    readWrite.keys.forEach((_, key) => read.keys.delete(key));
    levels.forEach((level, i) => {
      parts.push(...mergeStatements(level.s3));
      const regions = this.kmsRegions(level);
      const keys = this.anyKeyViaS3 ? (level.any ? ['*'] : []) : [...level.keys.keys()];
      if (keys.length > 0 && regions.length > 0) {
        parts.push({ resources: keys, render: (resources) => kmsViaS3Statement(resources, ACCESS_LEVELS[i], regions) });
      }
    });
    return packStatements(this, parts, knownLengthArns(this, grants));
  }

  /**
   * Managed policies attached to the role other than ours: on the role (`ManagedPolicyArns`), or customer managed
   * policies anywhere in the app, in the role's account, whose `Roles` name this role (by reference, or imported by
   * its literal name or ARN). Each policy's roles are resolved in its own stack, as synthesis will.
   */
  private countOtherManagedPolicies(): number {
    const stack = Stack.of(this);
    const onRole = stack.resolve((this.role.node.defaultChild as iam.CfnRole).managedPolicyArns);
    const name = (this.role as unknown as { physicalName: string }).physicalName;
    const resolver = new RoleMarker([this.role.roleName, this.role.roleArn]);
    const namesRole = (r: unknown) => JSON.stringify(r ?? null).includes(ROLE_MARK) || (isResolved(name) && r === name);
    const ours = new Set(this.policies.map((p) => p.node.defaultChild));
    const naming = this.node.root.node.findAll().filter((c) => c instanceof iam.CfnManagedPolicy && !ours.has(c) &&
      Token.compareStrings(Stack.of(c).account, stack.account) !== TokenComparison.DIFFERENT &&
      [Tokenization.resolve(c.roles, { scope: c, resolver })].flat().some(namesRole));
    return (Array.isArray(onRole) ? onRole.length : 0) + naming.length;
  }
}

/** What `RoleMarker` resolves the role's own tokens to. */
const ROLE_MARK = '<okera-worker-role>';

/**
 * Resolves tokens as synthesis does, except that the given ones (the role's name and ARN) become `ROLE_MARK`
 * (strings that mix text and tokens are concatenated as text: enough to find the mark).
 */
class RoleMarker extends DefaultTokenResolver {
  private readonly tokens: IResolvable[];

  constructor(values: string[]) {
    super(new StringConcat());
    this.tokens = values.flatMap((v) => Tokenization.reverseString(v).tokens);
  }

  public resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): any {
    return this.tokens.includes(t) ? ROLE_MARK : super.resolveToken(t, context, postProcessor);
  }
}

/** The grants of one access level. */
interface Level {
  /** Whether there is anything at this level. */
  readonly any: boolean;
  /** Per-bucket S3 statements (merged later). */
  readonly s3: iam.PolicyStatement[];
  /** Key ARN -> regions of the buckets using it (`kms:ViaService`). */
  readonly keys: Map<string, string[]>;
  /** Regions of all buckets and pattern keys at this level. */
  readonly regions: string[];
}

function collectLevel(access: DataAccess, grants: BucketGrant[], patterns: PatternGrant[], arnOf: (bucket: IOkeraDataBucket) => string): Level {
  const level: Level = { any: false, s3: [], keys: new Map(), regions: [] };
  const addKey = (keyArn: string, region: string) => {
    level.keys.set(keyArn, unique([...level.keys.get(keyArn) ?? [], region]));
    level.regions.push(region);
  };
  for (const grant of grants) {
    const prefixes = effectivePrefixes(grant.prefixes)[access];
    if (prefixes.length === 0) {
      continue;
    }
    level.s3.push(...s3Statements(arnOf(grant.bucket), access, prefixes));
    level.regions.push(grant.bucket.env.region);
    if (grant.keyArn !== undefined) {
      addKey(grant.keyArn, grant.bucket.env.region);
    }
  }
  for (const pattern of patterns.filter((p) => p.access === access)) {
    const statements = s3Statements(pattern.arn, access, []);
    statements.forEach((s) => s.addCondition('StringEquals', { 's3:ResourceAccount': policyList(pattern.accounts) }));
    level.s3.push(...statements);
    pattern.keyArns.forEach((k) => addKey(k, keyRegion(k)));
  }
  return { ...level, any: level.s3.length > 0 };
}

function cfnBucketOf(bucket: OkeraDataBucket): s3.CfnBucket {
  return bucket.bucket.node.defaultChild as s3.CfnBucket;
}

/** Prefixes per access level once merged: read-write wins, and a prefix inside another (or the whole bucket) is dropped. */
function effectivePrefixes(prefixes: Record<DataAccess, (string | undefined)[]>): Record<DataAccess, (string | undefined)[]> {
  // Sorted, so that buckets with the same prefixes share one conditioned ListBucket statement.
  const minimal = (ps: (string | undefined)[]) => unique(ps).filter((p, _, all) => !all.some((q) => q !== p && covers(q, p))).sort();
  const readWrite = minimal(prefixes[DataAccess.READ_WRITE]);
  const read = minimal(prefixes[DataAccess.READ]).filter((p) => !readWrite.some((q) => covers(q, p)));
  return { [DataAccess.READ]: read, [DataAccess.READ_WRITE]: readWrite };
}

/** Whether a prefix (undefined: the whole bucket) lies within another. */
function covers(outer: string | undefined, p: string | undefined): boolean {
  return outer === undefined || (p !== undefined && (p === outer || p.startsWith(`${outer}/`)));
}

/** Merge statements that differ only in their resources into one statement with a resource list. */
function mergeStatements(statements: iam.PolicyStatement[]): StatementPart[] {
  const merged = new Map<string, { statement: iam.PolicyStatement; resources: string[] }>();
  for (const s of statements) {
    const key = JSON.stringify({ actions: s.actions, conditions: s.conditions });
    const entry = merged.get(key) ?? { statement: s, resources: [] };
    entry.resources.push(...s.resources.filter((r) => !entry.resources.includes(r)));
    merged.set(key, entry);
  }
  return [...merged.values()].map(({ statement, resources }) => ({ resources, render: (r) => statement.copy({ resources: r }) }));
}

/**
 * Greedily pack statements into as few documents of at most 6,144 characters (IAM counts the JSON without
 * whitespace) as possible, splitting resource lists where needed. Lengths are those of the deployed JSON:
 * exact for literal values, and for values only CloudFormation knows (a `Ref`, `Fn::GetAtt` or import of a
 * bucket or key ARN) an upper bound (`deployedJson`: 128 characters each, longer than any such ARN; for the
 * ARN of a bucket of this app, `bounds` gives a tighter one).
 */
function packStatements(scope: IConstruct, parts: StatementPart[], bounds: Map<string, string>): iam.PolicyStatement[][] {
  const stack = Stack.of(scope);
  const bounded = (v: string) => [...bounds].reduce((text, [token, bound]) => text.split(token).join(bound), v);
  const length = (v: unknown) => deployedJson(stack, stack.resolve(typeof v === 'string' ? bounded(v) : v)).length;
  const documents: iam.PolicyStatement[][] = [];
  let current: iam.PolicyStatement[] = [];
  let size = EMPTY_POLICY_LENGTH;
  for (const part of parts) {
    const base = length(part.render([]).toStatementJson()) + RESOURCE_KEY_LENGTH;
    // One resource is written as a string; several as a list: brackets and commas.
    const cost = (n: number, sum: number) => base + (n === 1 ? sum : sum + n + 1);
    let chunk: string[] = [];
    let sum = 0;
    const flush = () => {
      size += (current.length > 0 ? 1 : 0) + cost(chunk.length, sum);
      current.push(part.render(chunk));
      chunk = [];
      sum = 0;
    };
    for (const resource of part.resources) {
      const len = length(resource);
      if (size + (current.length > 0 ? 1 : 0) + cost(chunk.length + 1, sum + len) > MANAGED_POLICY_MAX_LENGTH) {
        if (chunk.length > 0) {
          flush();
        }
        if (current.length > 0) {
          documents.push(current);
          current = [];
          size = EMPTY_POLICY_LENGTH;
        }
        if (size + cost(1, len) > MANAGED_POLICY_MAX_LENGTH) {
          fail(scope, `the statement for '${resource.slice(0, 60)}' would be ${size + cost(1, len)} characters on its own, over the ` +
            `${MANAGED_POLICY_MAX_LENGTH}-character limit of a managed policy. Use shorter prefixes.`);
        }
      }
      chunk.push(resource);
      sum += len;
    }
    if (chunk.length > 0) {
      flush();
    }
  }
  if (current.length > 0) {
    documents.push(current);
  }
  return documents;
}

/**
 * Stand-ins, for measuring, of the deploy-time ARNs of buckets defined in this app: a bucket name has at most
 * 63 characters, so `arn:<partition>:s3:::` and 63 characters bound its ARN (tighter than an unknown value's bound;
 * the partition is the longest possible when the stack's region is unknown).
 */
function knownLengthArns(scope: IConstruct, grants: BucketGrant[]): Map<string, string> {
  const stack = Stack.of(scope);
  const partition: string = JSON.parse(deployedJson(stack, stack.resolve(stack.partition)));
  const owned = grants.map((g) => g.bucket).filter((b) => b instanceof OkeraDataBucket && !isResolved(b.bucketArn));
  return new Map(owned.map((b) => [b.bucketArn, `arn:${partition}:s3:::${'x'.repeat(MAX_BUCKET_NAME_LENGTH)}`]));
}

/** The partition of a region known at synth time. */
function regionPartition(region: string): string | undefined {
  return isResolved(region) ? RegionInfo.get(region).partition : undefined;
}

/** The region of a key ARN (S3 only uses keys in the bucket's region). */
function keyRegion(keyArn: string): string {
  return isResolved(keyArn) ? parseKeyArn(keyArn)!.region : Arn.split(keyArn, ArnFormat.SLASH_RESOURCE_NAME).region!;
}

/** Whether a reference from `consumer` to a deploy-time value of `owner` crosses environments (as CDK decides). */
function isOtherEnvironment(owner: Stack, consumer: Stack): boolean {
  return owner.account !== consumer.account || (owner.region !== consumer.region && !consumer._crossRegionReferences);
}

function assertSupported(scope: IConstruct, what: string, type: EncryptionType): void {
  if (!SUPPORTED.includes(type)) {
    const info = SupportMatrix.all().find((r) => r.type === type);
    const why = info ? `is encrypted with ${info.label}, which Okera cannot read: ${info.notes}` : `declares encryption '${type}', which is not an EncryptionType.`;
    fail(scope, `${what} ${why} Use SSE-S3 (EncryptionType.SSE_S3) or SSE-KMS with a customer managed key (EncryptionType.SSE_KMS).`);
  }
}

function validateMaxManagedPolicies(scope: IConstruct, value?: number): number {
  if (value === undefined) {
    return DEFAULT_MAX_MANAGED_POLICIES;
  }
  if (Token.isUnresolved(value) || !Number.isInteger(value) || value < 1 || value > MAX_MANAGED_POLICIES_QUOTA) {
    // Callers from other languages (or plain JavaScript) can pass any type: show it.
    const shown = Token.isUnresolved(value) ? '(a token)' : typeof value === 'number' ? String(value)
      : `${typeof value === 'string' ? `'${value}'` : String(value)} (a ${typeof value})`;
    fail(scope, `maxManagedPolicies ${shown} is invalid: give a whole number from 1 to ${MAX_MANAGED_POLICIES_QUOTA} known at synth time, ` +
      'your account\'s "Managed policies per role" IAM quota (10 unless raised).');
  }
  return value;
}

function validateAnyKeyRegions(scope: IConstruct, anyKeyViaS3: boolean, regions?: string[]): string[] | undefined {
  if (regions === undefined) {
    return undefined;
  }
  if (!anyKeyViaS3) {
    fail(scope, 'anyKeyRegions is set but anyKeyViaS3 is not, so it would have no effect. Set anyKeyViaS3: true, or remove anyKeyRegions.');
  }
  if (regions.length === 0) {
    fail(scope, 'anyKeyRegions is empty. List the regions of the data buckets, e.g. [\'us-east-1\'], or omit it to use the regions of the buckets added.');
  }
  regions.forEach((region) => validateRegion(scope, region, 'anyKeyRegions:'));
  return unique(regions);
}

function validateBucketNamePattern(scope: IConstruct, pattern: string): void {
  if (!isResolved(pattern)) {
    return;
  }
  if (!BUCKET_PATTERN.test(pattern)) {
    fail(scope, `Bucket name pattern '${pattern}' may only contain lowercase letters, digits, '.', '-' and the wildcards '*' and '?', ` +
      'like bucket names. Use e.g. \'analytics-*\'.');
  }
  // A wildcard at either end can stand for a letter or digit; a literal '-' or '.' there matches no bucket.
  if (/^[.-]|[.-]$/.test(pattern)) {
    const starts = /^[.-]/.test(pattern);
    fail(scope, `Bucket name pattern '${pattern}' ${starts ? 'starts' : 'ends'} with '${starts ? pattern[0] : pattern.slice(-1)}', but bucket ` +
      'names start and end with a lowercase letter or a digit, so it would match no bucket. Use e.g. \'analytics-*\' or \'*-prod\'.');
  }
  if (pattern.replace(/[*?]/g, '').length < 3) {
    fail(scope, `Bucket name pattern '${pattern}' has fewer than 3 literal characters, so it would match nearly every bucket in S3. ` +
      'Name the convention, e.g. \'analytics-*\', or add the buckets one by one with addDataBucket().');
  }
}
