/** Small, rule-independent questions about oxc's ESTree nodes. */
import type { ESTree } from 'rolldown/utils'

export type Node = ESTree.Node

/** TypeScript nodes that hold (or are) runtime code; every other `TS*` node is a type. */
const VALUE_TS_NODES: ReadonlySet<string> = new Set([
  'TSAsExpression',
  'TSSatisfiesExpression',
  'TSNonNullExpression',
  'TSTypeAssertion',
  'TSInstantiationExpression',
  'TSEnumDeclaration',
  'TSEnumBody',
  'TSEnumMember',
  'TSModuleDeclaration',
  'TSModuleBlock',
  'TSImportEqualsDeclaration',
  'TSExternalModuleReference',
  'TSQualifiedName',
  'TSExportAssignment',
  'TSParameterProperty',
])

/** A node whose subtree never runs: a type, or an ambient (`declare`) declaration. */
export function isTypeOnly(node: Node): boolean {
  if (node.type.startsWith('TS')) return !VALUE_TS_NODES.has(node.type) || (node as { declare?: boolean }).declare === true
  switch (node.type) {
    case 'VariableDeclaration':
    case 'ClassDeclaration':
    case 'FunctionDeclaration':
      return node.declare === true
    case 'ImportDeclaration':
      return node.importKind === 'type'
    case 'ExportNamedDeclaration':
    case 'ExportAllDeclaration':
      return node.exportKind === 'type'
    default:
      return false
  }
}

/** Looks through parentheses, TypeScript casts and optional chains: `(x as any)!` → `x`. */
export function unwrap(node: Node): Node {
  let current = node
  for (;;) {
    switch (current.type) {
      case 'ParenthesizedExpression':
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSNonNullExpression':
      case 'TSTypeAssertion':
      case 'TSInstantiationExpression':
      case 'ChainExpression':
        current = current.expression
        break
      default:
        return current
    }
  }
}

/** The text of a string literal or of a template literal without substitutions; else null. */
export function stringValue(node: Node): string | null {
  const inner = unwrap(node)
  if (inner.type === 'Literal' && typeof inner.value === 'string') return inner.value
  if (inner.type === 'TemplateLiteral' && inner.expressions.length === 0) return inner.quasis[0]?.value.cooked ?? null
  return null
}

/** The value of a literal as a property key would read it: `'a'`, `` `a` ``, `0`, `1n`; else null. */
export function literalKeyValue(node: Node): string | null {
  const text = stringValue(node)
  if (text !== null) return text
  const inner = unwrap(node)
  if (inner.type === 'Literal' && (typeof inner.value === 'number' || typeof inner.value === 'bigint')) return String(inner.value)
  return null
}

/** The name of `node` when it is an identifier (through parentheses and casts); else null. */
export function identifierName(node: Node): string | null {
  const inner = unwrap(node)
  return inner.type === 'Identifier' ? inner.name : null
}

/** `object.name`, written with a dot. */
function isDotted(node: Node, object: string, name: string): boolean {
  const inner = unwrap(node)
  return inner.type === 'MemberExpression' && !inner.computed && identifierName(inner.object) === object && inner.property.type === 'Identifier' && inner.property.name === name
}

/**
 * A key that cannot name any string-keyed global whatever its value: `Symbol.for('...')`,
 * `Symbol('...')` or a well-known symbol such as `Symbol.iterator`.
 */
export function isSymbolKey(key: Node): boolean {
  const inner = unwrap(key)
  if (inner.type === 'CallExpression') return identifierName(inner.callee) === 'Symbol' || isDotted(inner.callee, 'Symbol', 'for')
  return inner.type === 'MemberExpression' && !inner.computed && identifierName(inner.object) === 'Symbol'
}

/** A string, or something that builds one: `'a'`, `` `a${b}` ``, `'a' + b`. */
export function isStringExpression(node: Node): boolean {
  const inner = unwrap(node)
  if (inner.type === 'Literal') return typeof inner.value === 'string'
  if (inner.type === 'TemplateLiteral') return true
  if (inner.type === 'BinaryExpression' && inner.operator === '+') return isStringExpression(inner.left) || isStringExpression(inner.right)
  return false
}

/** The module specifier of `require('x')` (also `module.require('x')`), or null for any other call. */
export function requiredSpecifier(call: ESTree.CallExpression): { specifier: string; node: Node } | null {
  const is_require = identifierName(call.callee) === 'require' || isDotted(call.callee, 'module', 'require')
  const argument = call.arguments[0]
  if (!is_require || argument === undefined || argument.type === 'SpreadElement') return null
  const specifier = stringValue(argument)
  return specifier === null ? null : { specifier, node: argument }
}
