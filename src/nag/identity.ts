import { AppModel, isComparable, ResourceModel } from './model';
import { normalizeArn, PolicyDocument, policyDocuments, PRINCIPAL_TYPES, Statement, statements } from './policy-document';
import { unique } from '../private/policy';

/** The identity policies of a role, user or group of the app, as far as the app defines them. */
export interface IdentityPolicies {
  /** Every statement of its inline and managed policies (a user's groups included). */
  readonly statements: Statement[];
  /** Its inline policies: `Policies`, and `AWS::IAM::Policy`/`RolePolicy`/... resources attached to it. */
  readonly inline: PolicyDocument[];
  /** The policy resources of the app attached to it. */
  readonly sources: ResourceModel[];
  /** Managed policy ARNs attached that the app does not define and that are not known AWS managed policies. */
  readonly unknownManagedPolicies: string[];
  /** An AWS managed policy that allows everything is attached (AdministratorAccess, PowerUserAccess). */
  readonly allowsEverything: boolean;
}

/** Attachment properties: which property of a policy resource names the principals of each type. */
const ATTACHMENTS: Record<string, { inline: boolean; names: Record<string, string> }> = {
  'AWS::IAM::Policy': { inline: true, names: { 'AWS::IAM::Role': 'Roles', 'AWS::IAM::User': 'Users', 'AWS::IAM::Group': 'Groups' } },
  'AWS::IAM::ManagedPolicy': { inline: false, names: { 'AWS::IAM::Role': 'Roles', 'AWS::IAM::User': 'Users', 'AWS::IAM::Group': 'Groups' } },
  'AWS::IAM::RolePolicy': { inline: true, names: { 'AWS::IAM::Role': 'RoleName' } },
  'AWS::IAM::UserPolicy': { inline: true, names: { 'AWS::IAM::User': 'UserName' } },
  'AWS::IAM::GroupPolicy': { inline: true, names: { 'AWS::IAM::Group': 'GroupName' } },
};

/** Policy resource types that attach to principals. */
export const IDENTITY_POLICY_TYPES = Object.keys(ATTACHMENTS);

const ALLOW_EVERYTHING = /^arn:aws:iam::aws:policy\/(AdministratorAccess|PowerUserAccess)$/;

/** The identity policies of a principal (`AWS::IAM::Role`, `User` or `Group`). */
export function identityPolicies(model: AppModel, principal: ResourceModel): IdentityPolicies {
  return model.cached(`identity:${principal.stack.id}/${principal.logicalId}`, () => {
    const names = new Set(model.strings(principal.stack, { Ref: principal.logicalId }).filter(isComparable));
    const sources = model.resources().filter((p) => {
      const prop = ATTACHMENTS[p.type]?.names[principal.type];
      return prop !== undefined && model.stringList(p.stack, p.properties[prop]).some((n) => names.has(n));
    });
    const unknownManagedPolicies: string[] = [];
    let allowsEverything = false;
    for (const arn of model.stringList(principal.stack, principal.properties.ManagedPolicyArns)) {
      const policy = model.resources('AWS::IAM::ManagedPolicy').find((mp) => model.strings(mp.stack, { Ref: mp.logicalId }).includes(arn));
      if (policy) {
        sources.push(policy);
      } else if (ALLOW_EVERYTHING.test(normalizeArn(arn))) {
        allowsEverything = true;
      } else if (!normalizeArn(arn).startsWith('arn:aws:iam::aws:policy/')) {
        unknownManagedPolicies.push(arn);
      }
    }
    const attached = unique(sources); // a managed policy may be attached from both sides
    const own = policyDocuments(model, principal);
    const inline = [...own, ...attached.filter((s) => ATTACHMENTS[s.type].inline).flatMap((s) => policyDocuments(model, s))];
    const documents = [...own, ...attached.flatMap((s) => policyDocuments(model, s))];
    const groups = principal.type === 'AWS::IAM::User' ? groupsOf(model, principal).map((g) => identityPolicies(model, g)) : [];
    return {
      statements: [
        ...documents.flatMap((d) => statements(model, d.stack, d.document)),
        ...groups.flatMap((g) => g.statements),
      ],
      inline,
      sources: attached,
      unknownManagedPolicies: [...unknownManagedPolicies, ...groups.flatMap((g) => g.unknownManagedPolicies)],
      allowsEverything: allowsEverything || groups.some((g) => g.allowsEverything),
    };
  });
}

/** The roles, users and groups of the app a policy resource is attached to. */
export function principalsOf(model: AppModel, policy: ResourceModel): ResourceModel[] {
  return PRINCIPAL_TYPES.flatMap((t) => model.resources(t)).filter((p) => identityPolicies(model, p).sources.includes(policy));
}

function groupsOf(model: AppModel, user: ResourceModel): ResourceModel[] {
  const names = new Set(model.stringList(user.stack, user.properties.Groups));
  return model.resources('AWS::IAM::Group').filter((g) => model.strings(g.stack, { Ref: g.logicalId }).some((n) => names.has(n)));
}
