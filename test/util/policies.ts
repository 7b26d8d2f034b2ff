import { evaluate, type Evaluation, type EvaluationRequest, type NamedPolicy } from './evaluate';
import type { ResolvedApp, ResolvedResource } from './resolve-templates';

/**
 * Collect the policies that decide a request from resolved templates (see ./resolve-templates.ts).
 * Anything referenced but not found in the app (an AWS managed policy, a policy of another app)
 * is an error: its content is unknown, so an evaluation without it would be a guess.
 */

/** The policies attached to a role. */
export interface RolePolicies {
  /** Inline (`Policies`, `AWS::IAM::Policy`) and customer managed policies. */
  readonly identityPolicies: NamedPolicy[];
  /** The permissions boundary, when the role has one. */
  readonly permissionsBoundary?: any;
}

/** The identity policies of the role with this ARN, from every stack of the app. */
export function rolePolicies(app: ResolvedApp, roleArn: string): RolePolicies {
  const role = single(app.resources('AWS::IAM::Role').filter((r) => app.getAtt(r.stack.artifactId, r.logicalId, 'Arn') === roleArn), `role ${roleArn}`);
  const roleName = app.ref(role.stack.artifactId, role.logicalId);
  const attachedTo = (r: ResolvedResource) => r.stack.account === role.stack.account && (r.properties.Roles ?? []).includes(roleName);
  const label = (r: ResolvedResource) => `${r.stack.stackName}/${r.logicalId}`;

  const policies: NamedPolicy[] = (role.properties.Policies ?? []).map((p: any) => ({ name: `${label(role)}/${p.PolicyName}`, policy: p.PolicyDocument }));
  const managed = new Map<string, ResolvedResource>();
  for (const arn of role.properties.ManagedPolicyArns ?? []) {
    managed.set(arn, managedPolicy(app, arn, `managed policy attached to ${roleArn}`));
  }
  for (const r of app.resources('AWS::IAM::ManagedPolicy').filter(attachedTo)) {
    managed.set(app.ref(r.stack.artifactId, r.logicalId), r);
  }
  policies.push(...[...managed.values()].map((r) => ({ name: label(r), policy: r.properties.PolicyDocument })));
  policies.push(...app.resources('AWS::IAM::Policy').filter(attachedTo).map((r) => ({ name: label(r), policy: r.properties.PolicyDocument })));

  const boundaryArn = role.properties.PermissionsBoundary;
  return {
    identityPolicies: policies,
    ...(boundaryArn ? { permissionsBoundary: managedPolicy(app, boundaryArn, `permissions boundary of ${roleArn}`).properties.PolicyDocument } : {}),
  };
}

/** The bucket policy of a bucket declared in the app (by name or ARN); undefined when it has none. */
export function bucketPolicy(app: ResolvedApp, bucketNameOrArn: string): any | undefined {
  const name = bucketNameOrArn.replace(/^arn:[^:]+:s3:::/, '');
  single(app.resources('AWS::S3::Bucket').filter((r) => app.ref(r.stack.artifactId, r.logicalId) === name), `bucket ${name}`);
  const policies = app.resources('AWS::S3::BucketPolicy').filter((r) => r.properties.Bucket === name);
  if (policies.length > 1) {
    throw new Error(`policies: bucket ${name} has ${policies.length} AWS::S3::BucketPolicy resources; S3 keeps only one`);
  }
  return policies[0]?.properties.PolicyDocument;
}

/**
 * The key policy of a key declared in the app, by key ARN. A key without `KeyPolicy` gets the policy
 * KMS applies by default (the account root may use the key, which enables IAM policies).
 */
export function keyPolicy(app: ResolvedApp, keyArn: string): any {
  const key = single(app.resources('AWS::KMS::Key').filter((r) => app.getAtt(r.stack.artifactId, r.logicalId, 'Arn') === keyArn), `key ${keyArn}`);
  return key.properties.KeyPolicy ?? {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${key.stack.partition}:iam::${key.stack.account}:root` }, Action: 'kms:*', Resource: '*' }],
  };
}

/** A request to evaluate against an app: the policies are looked up in it. */
export interface AppRequest {
  /** The ARN of a role declared in the app. */
  readonly principal: string;
  readonly action: string;
  /** A bucket, object or key ARN. */
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  /**
   * The resource policy. Default: the bucket or key policy declared in the app; a bucket or key the
   * app does not declare is an error unless this is given (`null`: the resource has no policy).
   */
  readonly resourcePolicy?: any;
  /** The account owning the resource. Default: from the app (buckets) or the ARN (keys). */
  readonly resourceAccount?: string;
}

/** Evaluate a request with the role's identity policies and the resource's policy from the app. */
export async function evaluateInApp(app: ResolvedApp, request: AppRequest): Promise<Evaluation> {
  const role = rolePolicies(app, request.principal);
  const isBucket = /^arn:[^:]+:s3:::/.test(request.resource);
  const resourcePolicy = request.resourcePolicy !== undefined ? request.resourcePolicy ?? undefined
    : isBucket ? bucketPolicy(app, request.resource.split('/')[0]) : keyPolicy(app, request.resource);
  const full: EvaluationRequest = {
    principal: request.principal,
    action: request.action,
    resource: request.resource,
    context: request.context,
    identityPolicies: role.identityPolicies,
    permissionsBoundary: role.permissionsBoundary,
    resourcePolicy,
    resourceAccount: request.resourceAccount ?? (isBucket ? app.bucketAccount(request.resource) : undefined),
  };
  return evaluate(full);
}

function managedPolicy(app: ResolvedApp, arn: string, what: string): ResolvedResource {
  return single(app.resources('AWS::IAM::ManagedPolicy').filter((r) => app.ref(r.stack.artifactId, r.logicalId) === arn),
    `${what} (${arn}; AWS managed policies and policies outside the app are not modelled)`);
}

function single<T>(found: T[], what: string): T {
  if (found.length !== 1) {
    throw new Error(`policies: found ${found.length} of ${what} in the templates (expected exactly one)`);
  }
  return found[0];
}
