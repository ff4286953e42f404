/**
 * Which global an expression denotes, and what a computed key is, asked of a frozen oxc-walker
 * `ScopeTracker` during the second walk (so a local `eval`, `Math` or `globalThis` is not the global).
 */
import type { ESTree } from 'rolldown/utils'
import type { ScopeTracker } from 'oxc-walker'
import { isSymbolKey, literalKeyValue, unwrap, type Node } from './ast.js'
import { GLOBAL_OBJECTS, TRANSFORM_GLOBAL_OBJECTS } from './globals.js'

/**
 * A member key. `literal`: written as the transform reads it (`a.b`, `a['b']`); `constant`: known
 * before the code runs but not written so (`` a[`b`] ``, `a[0]`, `a[KEY]` with `const KEY = 'b'`);
 * `symbol`: a symbol, which names no string-keyed global; `dynamic`: known only when it runs.
 */
export type Key =
  | { readonly kind: 'literal' | 'constant'; readonly name: string }
  | { readonly kind: 'symbol' }
  | { readonly kind: 'dynamic' }

/** A global an expression denotes, and whether the transform recognises it there. */
export interface GlobalRef {
  readonly name: string
  /**
   * True when the transform would rewrite a redirected member of it: the unbound identifier itself,
   * or `globalThis.X` / `global.X` (one level, with a literal key). False for `window.Math`,
   * `globalThis[\`Math\`]`, or an imported `process`.
   */
  readonly visible: boolean
  /** True for a `process` imported from node:process (a binding the transform leaves alone). */
  readonly imported?: boolean
}

const DYNAMIC: Key = { kind: 'dynamic' }
const SYMBOL: Key = { kind: 'symbol' }

function isProcessModule(specifier: unknown): boolean {
  return specifier === 'process' || specifier === 'node:process'
}

export class Resolver {
  constructor(private readonly scope: ScopeTracker) {}

  /** True when `name`, referenced at the walk's current position, is not declared in the file. */
  isGlobal(name: string): boolean {
    return !this.scope.isDeclared(name)
  }

  /**
   * The global `expression` denotes: `Math` for `Math`, `globalThis.Math`, `window['Math']`;
   * `process` for a default or namespace import of node:process; else null.
   */
  globalRef(expression: Node): GlobalRef | null {
    const node = unwrap(expression)
    if (node.type === 'Identifier') {
      const declaration = this.scope.getDeclaration(node.name)
      if (declaration === null) return { name: node.name, visible: true }
      if (declaration.type === 'Import') {
        const specifier = declaration.node
        const whole = specifier.type === 'ImportDefaultSpecifier' || specifier.type === 'ImportNamespaceSpecifier'
        if (whole && isProcessModule(declaration.importNode.source.value)) return { name: 'process', visible: false, imported: true }
      }
      return null
    }
    if (node.type === 'MemberExpression') {
      const object = this.globalRef(node.object)
      if (object === null || !GLOBAL_OBJECTS.has(object.name)) return null
      const key = this.keyOf(node)
      if (key.kind !== 'literal' && key.kind !== 'constant') return null
      const object_node = unwrap(node.object)
      const visible = key.kind === 'literal' && object_node.type === 'Identifier' && object.visible && TRANSFORM_GLOBAL_OBJECTS.has(object.name)
      return { name: key.name, visible }
    }
    return null
  }

  globalName(expression: Node): string | null {
    return this.globalRef(expression)?.name ?? null
  }

  /** The key of a member expression or of a destructuring property. */
  keyOf(member: ESTree.MemberExpression | { key: Node; computed: boolean }): Key {
    const key = 'property' in member ? member.property : member.key
    if (!member.computed) {
      if (key.type === 'Identifier') return { kind: 'literal', name: key.name }
      if (key.type === 'PrivateIdentifier') return { kind: 'literal', name: `#${key.name}` }
    }
    const inner = unwrap(key)
    if (inner.type === 'Literal' && typeof inner.value === 'string') return { kind: 'literal', name: inner.value }
    const constant = literalKeyValue(key)
    if (constant !== null) return { kind: 'constant', name: constant }
    if (isSymbolKey(key)) return SYMBOL
    return inner.type === 'Identifier' ? this.constantKey(inner.name) : DYNAMIC
  }

  /** A key held in a `const` bound to a literal or a symbol: `const KEY = Symbol.for('x'); g[KEY]`. */
  private constantKey(name: string): Key {
    const declaration = this.scope.getDeclaration(name)
    if (declaration === null || declaration.type !== 'Variable' || declaration.variableNode.kind !== 'const') return DYNAMIC
    const declarator = declaration.variableNode.declarations.find((d) => d.id === declaration.node)
    if (declarator?.init === undefined || declarator.init === null) return DYNAMIC
    const constant = literalKeyValue(declarator.init)
    if (constant !== null) return { kind: 'constant', name: constant }
    return isSymbolKey(declarator.init) ? SYMBOL : DYNAMIC
  }
}
