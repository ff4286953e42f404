/**
 * Scope analysis for the transform: oxc-walker's `ScopeTracker`, run in two passes (declare
 * everything, freeze, then query), with two corrections on top:
 *
 * - Annex B: in sloppy-mode code a function declared inside a block is also a `var` of the
 *   enclosing function (after the block has run, the name refers to that function, and before it,
 *   to `undefined`, never to the global). The tracker only declares it in the block.
 * - Ambient TypeScript declarations (`declare const setTimeout: ...`, `declare function`,
 *   `declare class`, `declare enum`, `declare namespace/module`) create no runtime binding: they
 *   describe something that exists elsewhere, in practice the global. They are not declared, so
 *   references to them are rewritten like any other global reference.
 */
import { ScopeTracker, ScopeTrackerFunction } from 'oxc-walker'

/** A loosely typed oxc ESTree node. */
export interface AstNode {
  type: string
  start: number
  end: number
  // oxc's node shapes vary by type; the transform inspects them by `type` and field name.
  [key: string]: any
}

/** True for a declaration marked `declare` (TypeScript ambient context). */
export function isAmbientDeclaration(node: AstNode): boolean {
  switch (node.type) {
    case 'VariableDeclaration':
    case 'ClassDeclaration':
    case 'TSDeclareFunction':
    case 'TSEnumDeclaration':
    case 'TSModuleDeclaration':
      return node.declare === true
    default:
      return false
  }
}

export class TransformScopeTracker extends ScopeTracker {
  /** Number of strict-mode regions (module, 'use strict' functions, classes) currently entered. */
  strictDepth = 0

  constructor() {
    super({ preserveExitedScopes: true })
    const base = this.processNodeEnter
    this.processNodeEnter = (raw) => {
      const node = raw as unknown as AstNode
      if (isAmbientDeclaration(node)) return
      if (node.type === 'FunctionDeclaration' && node.id && !this.isFrozen && this.strictDepth === 0) {
        const varScope = this.getVarScopeKey()
        if (varScope !== this.getCurrentScope()) {
          this.declareInNamespace(this.scopes, node.id.name, new ScopeTrackerFunction(raw as never, varScope))
        }
      }
      base(raw)
    }
  }
}

/** Whether a function or program body starts with a 'use strict' directive. */
export function hasUseStrict(body: readonly AstNode[] | undefined): boolean {
  if (!body) return false
  for (const statement of body) {
    if (statement.type !== 'ExpressionStatement' || typeof statement.directive !== 'string') return false
    if (statement.directive === 'use strict') return true
  }
  return false
}
