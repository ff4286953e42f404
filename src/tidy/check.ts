/**
 * Walks one parsed program and reports what the transform cannot redirect. Two passes over the AST
 * with one oxc-walker `ScopeTracker`: the first declares every binding (so hoisted `var`s and
 * functions are known before their use), `freeze()`, then the second asks, at each reference,
 * whether the name is the global one.
 */
import type { ESTree } from 'rolldown/utils'
import { isReferenceIdentifier, ScopeTracker, walk } from 'oxc-walker'
import { identifierName, isStringExpression, isTypeOnly, requiredSpecifier, stringValue, unwrap, type Node } from './ast.js'
import { builtinName, GLOBAL_OBJECTS, hidesRedirectedMembers, REDIRECTED_GLOBALS, REDIRECTED_MEMBERS, REDIRECTED_MODULES, spelledOut } from './globals.js'
import { classifyModule, realNamedImports } from './modules.js'
import { Resolver, type GlobalRef, type Key } from './resolve.js'
import type { RuleId } from './rules.js'

/** A finding at a UTF-16 offset of the source; `lint` turns the offset into a line and column. */
export interface Detection {
  readonly rule: RuleId
  readonly offset: number
  readonly message: string
}

const DYNAMIC: Key = { kind: 'dynamic' }

/** What a computed key or an alias of `global` can reach, for the messages. */
function reachable(global: string): string {
  const members = REDIRECTED_MEMBERS.get(global)
  return members === undefined ? 'any global' : [...members].map((member) => `${global}.${member}`).join(' and ')
}

/** A redirected member of `global`, to show what an alias hides. */
function exampleMember(global: string): string {
  return [...(REDIRECTED_MEMBERS.get(global) ?? ['setTimeout'])][0] as string
}

class Checker {
  readonly detections: Detection[] = []

  constructor(
    private readonly code: string,
    private readonly resolver: Resolver,
  ) {}

  private report(rule: RuleId, node: Node, message: string): void {
    this.detections.push({ rule, offset: node.start, message })
  }

  /** The source of `node` on one line, shortened. */
  private text(node: Node): string {
    const text = this.code.slice(node.start, node.end).replace(/\s+/g, ' ')
    return text.length > 40 ? `${text.slice(0, 39)}…` : text
  }

  /** Returns true to skip the node's children. */
  visit(node: Node, parent: Node | null): boolean {
    switch (node.type) {
      case 'Identifier':
        if (isReferenceIdentifier(node, parent) && this.resolver.isGlobal(node.name)) this.global(node.name, node, parent)
        return false
      case 'MemberExpression':
        this.member(node, parent)
        return false
      case 'VariableDeclarator':
        if (node.init !== null) this.binding(node.id, node.init)
        return false
      case 'AssignmentExpression':
        if (node.operator === '=') this.binding(node.left, node.right)
        return false
      case 'AssignmentPattern':
        // A default: `function f(g = globalThis)`, `const { m = Math } = options`.
        this.binding(node.left, node.right)
        return false
      case 'PropertyDefinition':
        if (node.value !== null) this.binding(node.key, node.value)
        return false
      case 'WithStatement':
        this.report('computed-global', node, `with (${this.text(node.object)}) hides the names in its body from the transform`)
        return false
      case 'CallExpression':
        this.require(node)
        return false
      case 'ImportExpression': {
        const specifier = stringValue(node.source)
        if (specifier !== null) this.module(specifier, node.source)
        return false
      }
      case 'ImportDeclaration': {
        // `import { type A } from 'x'` is erased by TypeScript: nothing is loaded.
        const erased = node.specifiers.length > 0 && node.specifiers.every((s) => s.type === 'ImportSpecifier' && s.importKind === 'type')
        if (!erased) this.module(node.source.value, node.source)
        for (const real of realNamedImports(node)) this.report('computed-global', real.node, real.message)
        return false
      }
      case 'ExportAllDeclaration':
        this.module(node.source.value, node.source)
        return true
      case 'ExportNamedDeclaration':
        if (node.source === null) return false
        this.module(node.source.value, node.source)
        // `export { eval } from 'x'` names the other module's binding, not a global.
        return true
      case 'TSImportEqualsDeclaration':
        if (node.moduleReference.type === 'TSExternalModuleReference') {
          this.module(node.moduleReference.expression.value, node.moduleReference.expression)
        }
        return false
      default:
        return false
    }
  }

  /** A reference to the global `name`: a bare identifier, or `globalThis.name`. */
  private global(name: string, node: Node, parent: Node | null): void {
    const called = parent !== null && (parent.type === 'CallExpression' || parent.type === 'NewExpression') && parent.callee === node
    if (parent !== null && parent.type === 'UnaryExpression' && parent.operator === 'typeof') return
    switch (name) {
      case 'eval':
        if (called) this.report('eval', node, `${this.text(node)}() runs code the transform never sees`)
        else if (parent?.type === 'SequenceExpression') this.report('eval', node, `indirect eval (${this.text(parent)}) runs code the transform never sees`)
        else this.report('eval', node, `${this.text(node)} used as a value is an indirect eval, which runs code the transform never sees`)
        return
      case 'Function':
        if (called) {
          const spelled = parent?.type === 'NewExpression' ? `new ${this.text(node)}()` : `${this.text(node)}()`
          this.report('eval', node, `${spelled} compiles code the transform never sees`)
        }
        return
      case 'setTimeout':
      case 'setInterval':
        if (called && parent?.type === 'CallExpression') {
          const first = parent.arguments[0]
          if (first !== undefined && first.type !== 'SpreadElement' && isStringExpression(first)) {
            this.report('eval', first, `${name} with a string runs it as code the transform never sees`)
          }
        }
        return
      case 'WeakRef':
      case 'FinalizationRegistry':
        this.report('weakref', node, `${name}: when its target is collected depends on the garbage collector, not on the seed`)
        return
      case 'SharedArrayBuffer':
        this.report('threads', node, 'SharedArrayBuffer shares memory with other threads')
        return
      case 'Worker':
        if (called && parent?.type === 'NewExpression') this.report('threads', node, 'new Worker() starts a thread outside the simulated event loop')
        return
      default:
        return
    }
  }

  private member(node: ESTree.MemberExpression, parent: Node | null): void {
    const object = this.resolver.globalRef(node.object)
    if (object === null) return
    const key = this.resolver.keyOf(node)
    if (GLOBAL_OBJECTS.has(object.name) && (key.kind === 'literal' || key.kind === 'constant')) {
      this.global(key.name, node, parent)
    }
    // Writes (`window.setTimeout = fake`) are left alone by the transform too; only reads escape it.
    const how = parent?.type === 'AssignmentExpression' && parent.left === node ? 'write' : 'read'
    if (how === 'read' && GLOBAL_OBJECTS.has(object.name) && key.kind !== 'symbol' && key.kind !== 'dynamic') {
      // `window.setTimeout`, `` globalThis[`Date`] ``: the global itself, but read where the transform does not look.
      if (REDIRECTED_GLOBALS.has(key.name) && this.resolver.globalRef(node)?.visible !== true) this.notRedirected(node, object, key.name)
    }
    this.memberOf(object, key, node, how)
  }

  private notRedirected(node: Node, object: GlobalRef, name: string): void {
    const spelled = spelledOut(object.name, name)
    const message =
      object.imported === true
        ? `${this.text(node)} is not redirected: this ${object.name} is imported, and the transform rewrites only the global ${spelled}; use the global ${object.name}`
        : `${this.text(node)} is not redirected: the transform rewrites only ${spelled} written out on the global; write ${spelled}`
    this.report('computed-global', node, message)
  }

  /** `object[key]` read (`Math.random`), written, or destructured (`const { random } = Math`). */
  private memberOf(object: GlobalRef, key: Key, node: Node, how: 'read' | 'write' | 'destructure'): void {
    if (key.kind === 'symbol') return
    if (key.kind === 'dynamic') {
      if (hidesRedirectedMembers(object.name)) {
        const what = how === 'destructure' ? `${this.text(node)} (destructured from ${object.name})` : `${this.text(node)} with a computed key`
        this.report('computed-global', node, `${what} can reach ${reachable(object.name)} without the transform seeing it`)
      }
      return
    }
    const name = key.name
    if (object.name === 'Atomics' && (name === 'wait' || name === 'waitAsync')) {
      this.report('atomics-wait', node, `Atomics.${name} blocks on real time and on other threads`)
    } else if (object.name === 'process' && (name === 'dlopen' || name === 'binding' || name === '_linkedBinding')) {
      this.report('native-addon', node, `process.${name} loads native code`)
    } else if (object.name === 'process' && name === 'env') {
      this.report('real-io', node, 'process.env reads the real environment')
    }
    const redirected_member = REDIRECTED_MEMBERS.get(object.name)?.has(name) === true
    if (how === 'read') {
      if (redirected_member && !(object.visible && key.kind === 'literal')) this.notRedirected(node, object, name)
    } else if (how === 'write') {
      return
    } else if (GLOBAL_OBJECTS.has(object.name)) {
      this.global(name, node, null)
      if (REDIRECTED_GLOBALS.has(name) || REDIRECTED_MEMBERS.has(name)) {
        this.report('computed-global', node, `destructuring ${name} out of ${object.name} hides it from the transform; write ${name} where it is used`)
      }
    } else if (redirected_member) {
      this.report('computed-global', node, `destructuring ${name} out of ${object.name} hides ${object.name}.${name} from the transform; write ${object.name}.${name}() where it is used`)
    }
  }

  /** The globals `value` may evaluate to: `cond ? window : global` → [window, global]. */
  private candidates(value: Node): GlobalRef[] {
    const node = unwrap(value)
    switch (node.type) {
      case 'ConditionalExpression':
        return [...this.candidates(node.consequent), ...this.candidates(node.alternate)]
      case 'LogicalExpression':
        return [...this.candidates(node.left), ...this.candidates(node.right)]
      case 'SequenceExpression': {
        const last = node.expressions[node.expressions.length - 1]
        return last === undefined ? [] : this.candidates(last)
      }
      case 'AssignmentExpression':
        return this.candidates(node.right)
      default: {
        const ref = this.resolver.globalRef(node)
        return ref === null ? [] : [ref]
      }
    }
  }

  /** `target = value`, in a declaration, an assignment, a default or a class field: an alias of a global, or a destructuring of one. */
  private binding(target: Node, value: Node): void {
    const pattern = unwrap(target)
    if (pattern.type === 'ObjectPattern') {
      const object = this.candidates(value).find((ref) => hidesRedirectedMembers(ref.name) || ref.name === 'Atomics')
      if (object === undefined) return
      for (const property of pattern.properties) {
        if (property.type === 'RestElement') this.memberOf(object, DYNAMIC, property, 'destructure')
        else this.memberOf(object, this.resolver.keyOf(property), property, 'destructure')
      }
      return
    }
    const object = this.candidates(value).find((ref) => hidesRedirectedMembers(ref.name))?.name
    if (object === undefined) return
    // An identifier's span includes its type annotation (`G: typeof globalThis`): name it alone.
    const alias = pattern.type === 'Identifier' ? pattern.name : this.text(target)
    const member = exampleMember(object)
    this.report(
      'computed-global',
      target,
      alias === object
        ? `${alias} shadows the global ${object} with a copy, so ${alias}.${member}() is not redirected; use the global ${object} itself`
        : `${alias} holds ${object}, so ${alias}.${member}() is not redirected; write ${spelledOut(object, member)}() where it is used`,
    )
  }

  /** `require('x')`: the module it loads, and whether the transform sees the call at all. */
  private require(call: ESTree.CallExpression): void {
    const required = requiredSpecifier(call)
    if (required === null) return
    this.module(required.specifier, required.node)
    const global_require = identifierName(call.callee) === 'require' && this.resolver.isGlobal('require')
    if (!global_require && REDIRECTED_MODULES.has(builtinName(required.specifier))) {
      this.report(
        'computed-global',
        required.node,
        `${required.specifier} loaded by ${this.text(call.callee)}() is the real module: the transform redirects only the global require, import and import()`,
      )
    }
  }

  private module(specifier: string, node: Node): void {
    const finding = classifyModule(specifier)
    if (finding !== null) this.report(finding.rule, node, finding.message)
  }
}

/** Every detection in `program` (parsed from `code`), in walk order. */
export function checkProgram(program: ESTree.Program, code: string): Detection[] {
  const scope = new ScopeTracker({ preserveExitedScopes: true })
  walk(program, { scopeTracker: scope })
  scope.freeze()
  const checker = new Checker(code, new Resolver(scope))
  walk(program, {
    scopeTracker: scope,
    enter(node, parent) {
      // Types and ambient declarations never run. Skipping still lets the tracker walk them, so its scopes stay aligned.
      if (isTypeOnly(node) || checker.visit(node, parent)) this.skip()
    },
  })
  return checker.detections
}
