import { runSimulation, type RequestAnalysis } from '@cloud-copilot/iam-simulate';

/**
 * Offline IAM evaluation on top of @cloud-copilot/iam-simulate.
 *
 * iam-simulate fills in no context keys: this wrapper adds the ones that follow from the principal
 * (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, kms:CallerAccount for KMS actions);
 * everything about the request itself (aws:SecureTransport, kms:ViaService, aws:PrincipalOrgID,
 * s3:x-amz-server-side-encryption...) is the caller's to state. It simulates the request as made by a
 * session of the role (as Okera workers do), and it refuses to run when a policy still holds an
 * intrinsic or token, or when iam-simulate would drop a context key the caller gave (a condition
 * silently evaluated without its key proves nothing). iam-simulate does not model
 * kms:EncryptionContext:* keys: passing one is therefore an error here.
 */

/** An identity policy with a name (the name only shows in explanations). */
export interface NamedPolicy {
  readonly name: string;
  readonly policy: any;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface EvaluationRequest {
  /** The IAM role (or user) ARN making the request. */
  readonly principal: string;
  /** The principal's account. Default: the account in the principal ARN (a different value is an error). */
  readonly principalAccount?: string;
  /** The action, e.g. `kms:Decrypt`. */
  readonly action: string;
  /** The resource ARN (no wildcards). */
  readonly resource: string;
  /** The account owning the resource. Default: the account in the resource ARN; required for S3 ARNs. */
  readonly resourceAccount?: string;
  /** Request context keys (aws:SecureTransport, kms:ViaService, ...). */
  readonly context?: Record<string, string | string[]>;
  /** The principal's identity policies (documents or named documents). */
  readonly identityPolicies: Array<NamedPolicy | any>;
  /** The resource's policy (bucket policy, key policy). Default: none. */
  readonly resourcePolicy?: any;
  /** The principal's permissions boundary. Default: none. */
  readonly permissionsBoundary?: any;
  /** Session name for role principals. Default: `okera-worker`. */
  readonly sessionName?: string;
  /** Whether S3 Block Public Access (RestrictPublicBuckets) applies. Default: false. */
  readonly blockPublicAccess?: boolean;
}

export interface Evaluation {
  /** The overall decision. */
  readonly decision: Decision;
  readonly allowed: boolean;
  /** The identity policies' own verdict. */
  readonly identityResult: string;
  /** The resource policy's own verdict (`NotApplicable` without one). */
  readonly resourceResult: string;
  /** Whether principal and resource are in the same account. */
  readonly sameAccount: boolean;
  /** Which statements matched, for failure messages. */
  readonly explanation: string;
  readonly analysis: RequestAnalysis;
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
const ANY_ARN_ACCOUNT = /^arn:[^:]+:[^:]+:[^:]*:(\d{12})?:/;

/** Evaluate one request; throws when the simulation cannot run faithfully. */
export async function evaluate(request: EvaluationRequest): Promise<Evaluation> {
  const arnAccount = ANY_ARN_ACCOUNT.exec(request.principal)?.[1];
  if (!arnAccount) {
    throw new Error(`evaluate: principal '${request.principal}' is not an ARN with an account`);
  }
  if (request.principalAccount !== undefined && request.principalAccount !== arnAccount) {
    throw new Error(`evaluate: principalAccount ${request.principalAccount} differs from the principal ARN's account ${arnAccount}`);
  }
  const resourceAccount = request.resourceAccount ?? ANY_ARN_ACCOUNT.exec(request.resource)?.[1];
  if (!resourceAccount) {
    throw new Error(`evaluate: resource '${request.resource}' has no account in its ARN: pass resourceAccount`);
  }
  if (request.resource.includes('*')) {
    throw new Error(`evaluate: resource '${request.resource}' contains a wildcard: evaluate concrete resources`);
  }
  const role = ROLE_ARN.exec(request.principal);
  const derived: Record<string, string> = {
    'aws:PrincipalArn': request.principal,
    'aws:PrincipalAccount': arnAccount,
    'aws:PrincipalType': role ? 'AssumedRole' : 'User',
    ...(request.action.toLowerCase().startsWith('kms:') ? { 'kms:CallerAccount': arnAccount } : {}),
    // S3 sets it to the bucket owner's account on every request.
    ...(request.action.toLowerCase().startsWith('s3:') ? { 's3:ResourceAccount': resourceAccount } : {}),
  };
  for (const key of Object.keys(request.context ?? {})) {
    if (Object.keys(derived).some((d) => d.toLowerCase() === key.toLowerCase())) {
      throw new Error(`evaluate: context key ${key} follows from the principal or the resource; do not pass it`);
    }
    if (/^kms:EncryptionContext:/i.test(key)) {
      throw new Error(`evaluate: iam-simulate ignores ${key}; conditions on encryption context cannot be evaluated here`);
    }
  }
  const identityPolicies = request.identityPolicies.map((p, i) => (isNamed(p) ? p : { name: `identity-${i}`, policy: p }));
  for (const p of identityPolicies) {
    assertConcrete(p.policy, `identity policy ${p.name}`);
  }
  assertConcrete(request.resourcePolicy, 'resource policy');
  assertConcrete(request.permissionsBoundary, 'permissions boundary');

  const response = await runSimulation({
    request: {
      principal: role ? `arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}/${request.sessionName ?? 'okera-worker'}` : request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: resourceAccount },
      contextVariables: { ...derived, ...request.context },
    },
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy,
    permissionBoundaryPolicies: request.permissionsBoundary ? [{ name: 'boundary', policy: request.permissionsBoundary }] : undefined,
    additionalSettings: { s3: { blockPublicAccess: request.blockPublicAccess ?? false } },
  }, { simulationMode: 'Strict' });

  if (response.resultType !== 'single') {
    throw new Error(`evaluate: simulation did not run as one request (${response.resultType}): ${JSON.stringify(response.resultType === 'error' ? response.errors : response, undefined, 1)}`);
  }
  const ignored = (response.result.ignoredContextKeys ?? []).filter((k) => !(k in derived));
  if (ignored.length > 0) {
    throw new Error(`evaluate: context keys ${ignored.join(', ')} do not apply to ${request.action} on ${request.resource} and would be ignored`);
  }
  const analysis = response.result.analysis;
  const result: Evaluation = {
    decision: analysis.result,
    allowed: analysis.result === 'Allowed',
    identityResult: analysis.identityAnalysis?.result ?? 'ImplicitlyDenied',
    resourceResult: analysis.resourceAnalysis?.result ?? 'NotApplicable',
    sameAccount: arnAccount === resourceAccount,
    explanation: explain(request, analysis),
    analysis,
  };
  // Independent check of the cross-account rule: both halves must allow.
  if (result.allowed && !result.sameAccount
    && (result.identityResult !== 'Allowed' || !['Allowed', 'AllowedForAccount'].includes(result.resourceResult))) {
    throw new Error(`evaluate: iam-simulate allowed a cross-account request without both the identity and the resource policy allowing it\n${result.explanation}`);
  }
  return result;
}

/** Fail with the explanation unless the evaluation's decision is `expected`. */
export function expectDecision(evaluation: Evaluation, expected: Decision | 'Denied'): void {
  const ok = expected === 'Denied' ? !evaluation.allowed : evaluation.decision === expected;
  if (!ok) {
    throw new Error(`expected ${expected}, got ${evaluation.decision}\n${evaluation.explanation}`);
  }
}

function isNamed(p: any): p is NamedPolicy {
  return p !== null && typeof p === 'object' && typeof p.name === 'string' && p.policy !== undefined && p.Statement === undefined;
}

/** Throw if a policy still contains an intrinsic function or a CDK token. */
export function assertConcrete(policy: any, what: string, path = ''): void {
  if (policy === undefined || policy === null) {
    return;
  }
  if (typeof policy === 'string') {
    if (policy.includes('${Token[') || /^#\{/.test(policy)) {
      throw new Error(`evaluate: ${what} has an unresolved token at ${path || '/'}: ${policy}`);
    }
    return;
  }
  if (typeof policy !== 'object') {
    return;
  }
  for (const [key, value] of Object.entries(policy)) {
    if (key === 'Ref' || key.startsWith('Fn::')) {
      throw new Error(`evaluate: ${what} has an unresolved intrinsic at ${path || '/'}: ${JSON.stringify(policy)}`);
    }
    assertConcrete(value, what, `${path}/${key}`);
  }
}

function explain(request: EvaluationRequest, analysis: RequestAnalysis): string {
  const lines = [`${request.principal} ${request.action} ${request.resource} ${JSON.stringify(request.context ?? {})}`,
    `decision ${analysis.result}; identity ${analysis.identityAnalysis?.result}; resource ${analysis.resourceAnalysis?.result ?? 'none'}`];
  const describe = (kind: string, list: any[] | undefined) => {
    for (const s of list ?? []) {
      lines.push(`  ${kind}: ${s.policyId ?? 'resource policy'} ${JSON.stringify(s.statement.toJSON?.() ?? '')}`);
    }
  };
  describe('identity allow', analysis.identityAnalysis?.allowStatements);
  describe('identity deny', analysis.identityAnalysis?.denyStatements);
  describe('resource allow', analysis.resourceAnalysis?.allowStatements);
  describe('resource deny', analysis.resourceAnalysis?.denyStatements);
  return lines.join('\n');
}
