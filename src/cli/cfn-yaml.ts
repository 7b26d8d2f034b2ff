import { Pair, Scalar, YAMLMap, parseDocument } from 'yaml';
import type { CollectionTag, ScalarTag } from 'yaml';

/**
 * CloudFormation's YAML short forms (`!Ref x`, `!Sub '...'`, `!If [c, a, b]`...) as `yaml` custom tags
 * that produce the long JSON form (`{"Ref": "x"}`, `{"Fn::Sub": "..."}`, `{"Fn::If": [...]}`).
 */
const FUNCTIONS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  ...Object.fromEntries(
    // intrinsic functions, the language extensions, and the functions of template Rules
    ['Sub', 'GetAtt', 'If', 'Join', 'Select', 'Split', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'Base64', 'Cidr', 'GetAZs',
      'ImportValue', 'Transform', 'ToJsonString', 'Length', 'Contains', 'EachMemberEquals', 'EachMemberIn', 'RefAll',
      'ValueOf', 'ValueOfAll'].map((name) => [name, `Fn::${name}`]),
  ),
};

/** Wrap an already composed node as `{ fn: node }`, keeping it a YAML node so aliases still resolve. */
function wrap(fn: string, node: unknown): YAMLMap {
  const map = new YAMLMap();
  map.items.push(new Pair(new Scalar(fn), node));
  return map;
}

/** `!GetAtt Resource.Attribute` (attribute names may contain dots: split at the first one). */
function getAttScalar(value: string): unknown {
  const dot = value.indexOf('.');
  return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
}

function tagsFor(short: string, fn: string): (ScalarTag | CollectionTag)[] {
  const tag = `!${short}`;
  const scalar: ScalarTag = { tag, resolve: (value) => (fn === 'Fn::GetAtt' ? getAttScalar(value) : { [fn]: value }) };
  const collection = (type: 'seq' | 'map'): CollectionTag => ({ tag, collection: type, resolve: (node) => wrap(fn, node) });
  return [scalar, collection('seq'), collection('map')];
}

const CUSTOM_TAGS = Object.entries(FUNCTIONS).flatMap(([short, fn]) => tagsFor(short, fn));

/**
 * Parse CloudFormation YAML into the JSON CloudFormation itself would see.
 * Map keys stay strings (an unquoted `Null:` condition operator is the key "Null", not null);
 * dates such as `2012-10-17` stay strings (YAML 1.2 core schema). A tag that is not a CloudFormation
 * short form (`!Foo bar`) is read as its plain value and described in `notes`.
 *
 * @throws Error with the parser's first error when the text is not YAML
 */
export function parseCfnYaml(text: string, notes: string[] = []): unknown {
  const doc = parseDocument(text, { customTags: CUSTOM_TAGS, stringKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new Error(doc.errors[0].message);
  }
  for (const w of doc.warnings.filter((x) => x.code === 'TAG_RESOLVE_FAILED')) {
    notes.push(`${w.message.split(':\n')[0].replace(/^Unresolved tag:?/, 'unknown YAML tag')}: not a CloudFormation function, `
      + 'read as its plain value (the value CloudFormation would compute is not checked)');
  }
  return doc.toJS({ maxAliasCount: 1000 });
}
