import { Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';

/**
 * Length assumed for a value only CloudFormation knows (a `Ref` or `Fn::GetAtt` of a resource or
 * parameter, an import): longer than any role or key ARN CDK generates.
 */
export const UNKNOWN_VALUE_LENGTH = 128;

/**
 * A policy document as the service receives it, as compact JSON: the output of `stack.resolve`
 * with every CloudFormation intrinsic replaced by its value when the stack's environment fixes it
 * (partition, region, account, URL suffix) or else by a placeholder of a conservative length, so
 * the length of the result is an upper bound of the deployed document's.
 */
export function deployedJson(stack: Stack, resolved: unknown): string {
  return JSON.stringify(new Estimator(stack).value(resolved));
}

/** UTF-8 bytes of `deployedJson` (KMS and S3 count policy sizes in bytes). */
export function deployedBytes(stack: Stack, resolved: unknown): number {
  return Buffer.byteLength(deployedJson(stack, resolved), 'utf8');
}

interface Estimate {
  readonly text: string;
  /** False when an unknown value's placeholder (which may hide separators) stands for part of the text. */
  readonly exact: boolean;
}

class Estimator {
  private readonly pseudo: Record<string, Estimate>;

  constructor(stack: Stack) {
    const region = Token.isUnresolved(stack.region) ? undefined : stack.region;
    const info = region ? RegionInfo.get(region) : undefined;
    // Unknown pseudo parameters get their longest value; none contains a separator (':' or '/').
    const pseudo: Record<string, string> = {
      'AWS::Partition': info?.partition ?? 'aws-us-gov',
      'AWS::Region': region ?? 'xx-xxxxxxxxxx-1',
      'AWS::AccountId': Token.isUnresolved(stack.account) ? '000000000000' : stack.account,
      'AWS::URLSuffix': info?.domainSuffix ?? 'amazonaws.com.cn',
      'AWS::NoValue': '',
    };
    this.pseudo = Object.fromEntries(Object.entries(pseudo).map(([k, text]) => [k, { text, exact: true }]));
  }

  public value(v: unknown): unknown {
    if (Array.isArray(v)) {
      return v.map((x) => this.value(x));
    }
    const spliced = splitOfJoin(v);
    if (spliced) {
      // A list spliced together from literals (which CDK may have joined already) and deploy-time lists:
      // each literal item a value of the list, each unknown part one value.
      return spliced.parts.flatMap((x) => {
        const e = this.str(x);
        return e.exact ? e.text.split(spliced.separator) : [e.text];
      });
    }
    if (isIntrinsic(v)) {
      return this.str(v).text;
    }
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.value(x)]));
    }
    return v;
  }

  private str(v: unknown): Estimate {
    if (typeof v === 'string') {
      return { text: v, exact: true };
    }
    if (typeof v === 'number' || typeof v === 'boolean') {
      return { text: String(v), exact: true };
    }
    if (!isIntrinsic(v)) {
      return unknown();
    }
    const [fn, arg] = Object.entries(v)[0];
    switch (fn) {
      case 'Ref':
        return this.ref(arg);
      case 'Fn::Join':
        return Array.isArray(arg) && Array.isArray(arg[1]) ? this.join(arg[0], arg[1].map((x: unknown) => this.str(x))) : unknown();
      case 'Fn::Sub':
        return this.sub(arg);
      case 'Fn::Select':
        return this.select(arg);
      case 'Fn::If': {
        const [a, b] = [this.str(arg?.[1]), this.str(arg?.[2])];
        return { text: a.text.length >= b.text.length ? a.text : b.text, exact: false };
      }
      default:
        return unknown();
    }
  }

  private ref(name: unknown): Estimate {
    return (typeof name === 'string' ? this.pseudo[name] : undefined) ?? unknown();
  }

  private join(separator: string, parts: Estimate[]): Estimate {
    return { text: parts.map((p) => p.text).join(separator), exact: parts.every((p) => p.exact) };
  }

  private sub(arg: unknown): Estimate {
    const [template, vars] = Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [arg, {}];
    if (typeof template !== 'string') {
      return unknown();
    }
    let exact = true;
    const text = template.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
      if (name.startsWith('!')) {
        return `\${${name.slice(1)}}`;
      }
      const e = name in vars ? this.str(vars[name]) : name.includes('.') ? unknown() : this.ref(name);
      exact = exact && e.exact;
      return e.text;
    });
    return { text, exact };
  }

  /** An element of a list: exact for a literal list, or a split of a string with no placeholder; else the whole (an upper bound). */
  private select(arg: unknown): Estimate {
    const [index, list] = Array.isArray(arg) ? arg : [];
    if (Array.isArray(list)) {
      return this.str(list[Number(index)]);
    }
    const split = isIntrinsic(list) ? (list as any)['Fn::Split'] : undefined;
    if (!Array.isArray(split)) {
      return unknown();
    }
    const source = this.str(split[1]);
    const part = source.text.split(split[0])[Number(index)];
    return source.exact && part !== undefined ? { text: part, exact: true } : { text: source.text, exact: false };
  }
}

/** The separator and parts of `Fn::Split(d, Fn::Join(d, [parts]))` (same separator), else undefined. */
function splitOfJoin(v: unknown): { separator: string; parts: unknown[] } | undefined {
  const split = isIntrinsic(v) ? v['Fn::Split'] : undefined;
  const join = Array.isArray(split) && typeof split[0] === 'string' && isIntrinsic(split[1]) ? split[1]['Fn::Join'] : undefined;
  return Array.isArray(join) && join[0] === split[0] && Array.isArray(join[1]) ? { separator: split[0], parts: join[1] } : undefined;
}

function unknown(): Estimate {
  return { text: 'x'.repeat(UNKNOWN_VALUE_LENGTH), exact: false };
}

function isIntrinsic(v: unknown): v is Record<string, any> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return false;
  }
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}
