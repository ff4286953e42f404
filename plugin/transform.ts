/**
 * The source transform: redirects the nondeterministic globals and the builtin modules that code
 * under test reaches to the simulated platform (`src/platform/`).
 *
 * - Unbound references to `Date`, `performance` and the six timer functions become members of the
 *   injected namespace (`__marionette_platform.setTimeout`); `Math.random`, `process.hrtime`,
 *   `process.nextTick`, `crypto.randomUUID` and `crypto.getRandomValues` (on the global objects)
 *   become `__marionette_platform.Math_random` and so on; all of these also through
 *   `globalThis.X` / `global.X`.
 * - Specifiers of the redirected builtin modules (with or without `node:`) in import and
 *   export-from declarations, `import('x')`, `require('x')` (the unbound, CommonJS `require`) and
 *   TypeScript's `import x = require('x')` become `options.moduleSpecifier(x)`.
 *
 * Only references that resolve to no declaration are rewritten (scope analysis: oxc-walker's
 * ScopeTracker in two passes, see transform_scope.ts). Writes (`Date = x`, `Math.random = f`),
 * property keys, member names, labels, import/export names and TypeScript type positions are left
 * alone. The edit is done with magic-string, so every untouched character keeps its position and
 * the source map is exact; the injected import goes on the first line without a newline, so every
 * original line keeps its number even without the map.
 */
import MagicString, { type SourceMap } from 'magic-string'
import { boundaryMap, type Edit, type Insertion } from './transform_map.js'

export type { Edit, Insertion } from './transform_map.js'
import { walk, type WalkerEnter } from 'oxc-walker'
import { TransformScopeTracker, hasUseStrict, isAmbientDeclaration, type AstNode } from './transform_scope.js'
import { GLOBAL_OBJECTS, mayNeedTransform, PLATFORM_BINDING, REDIRECTED_GLOBAL_SET, REDIRECTED_MEMBERS, redirectedModule, type RedirectedModule } from './redirected.js'
import { alreadyTransformed, languageOf, parse, parseOnce } from './transform_parse.js'

export {
  PLATFORM_BINDING,
  REDIRECTED_GLOBALS,
  REDIRECTED_MEMBERS,
  REDIRECTED_MODULES,
  mayNeedTransform,
  redirectedModule,
  type RedirectedModule,
} from './redirected.js'

export interface TransformOptions {
  /** Module specifier the output imports the simulated globals from (an absolute file path or URL in practice). */
  platform: string
  /** The specifier that replaces a redirected builtin module (with or without `node:`). */
  moduleSpecifier: (module: RedirectedModule) => string
  /** 'esm' injects `import * as __marionette_platform from "<platform>"`; 'cjs' injects `var __marionette_platform = require("<platform>")`. Inferred from the code when omitted. */
  format?: 'esm' | 'cjs'
  /** Emit a source map (default true). */
  sourcemap?: boolean
}

export interface TransformResult {
  code: string
  map: SourceMap | null
}

/**
 * TypeScript nodes that hold runtime code; every other `TS*` node is type-level (annotations,
 * interfaces, type aliases, overload signatures, abstract members...) and its subtree is skipped.
 */
const RUNTIME_TS_NODES: ReadonlySet<string> = new Set([
  'TSAsExpression',
  'TSSatisfiesExpression',
  'TSNonNullExpression',
  'TSTypeAssertion',
  'TSInstantiationExpression',
  'TSEnumDeclaration',
  'TSEnumBody',
  'TSEnumMember',
  'TSParameterProperty',
  'TSExportAssignment',
  'TSModuleDeclaration',
  'TSModuleBlock',
])

/** Identifier positions that are names, not references: `[parent type, key]`. */
function isNamePosition(parent: AstNode, key: unknown): boolean {
  switch (parent.type) {
    case 'MemberExpression':
      return key === 'property' && !parent.computed
    case 'Property':
    case 'MethodDefinition':
    case 'PropertyDefinition':
    case 'AccessorProperty':
      return key === 'key' && !parent.computed
    case 'LabeledStatement':
    case 'BreakStatement':
    case 'ContinueStatement':
    case 'MetaProperty':
    case 'ImportSpecifier':
    case 'ImportDefaultSpecifier':
    case 'ImportNamespaceSpecifier':
    case 'ExportSpecifier':
    case 'ExportAllDeclaration':
    case 'ImportAttribute':
      return true
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ClassDeclaration':
    case 'ClassExpression':
    case 'TSEnumDeclaration':
    case 'TSEnumMember':
    case 'TSModuleDeclaration':
      return key === 'id'
    default:
      return false
  }
}

/** A member's property name when it is static: `a.b`, `a['b']`. */
function staticPropertyName(member: AstNode): string | null {
  const property = member.property as AstNode
  if (!member.computed) return property.type === 'Identifier' ? (property.name as string) : null
  return property.type === 'Literal' && typeof property.value === 'string' ? property.value : null
}

/** The expression inside parentheses and TypeScript casts: `(Math as any)` → `Math`. */
function unwrap(node: AstNode): AstNode {
  while (
    node.type === 'ParenthesizedExpression' ||
    node.type === 'TSAsExpression' ||
    node.type === 'TSSatisfiesExpression' ||
    node.type === 'TSNonNullExpression' ||
    node.type === 'TSTypeAssertion'
  ) {
    node = node.expression as AstNode
  }
  return node
}

/** A string literal, or a template literal without substitutions, and its value. */
function staticString(node: AstNode | null | undefined): string | null {
  if (!node) return null
  if (node.type === 'Literal') return typeof node.value === 'string' ? node.value : null
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) {
    return (node.quasis[0]?.value?.cooked as string | null | undefined) ?? null
  }
  return null
}

function quoteLike(original: string, value: string): string {
  const json = JSON.stringify(value)
  if (original.startsWith("'")) return `'${json.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`
  return json
}

/**
 * Transform one module. Returns null when the file needs no change or is already transformed.
 * Throws an Error naming `id:line:column` when the code does not parse.
 */
export function transformCode(code: string, id: string, options: TransformOptions): TransformResult | null {
  const plan = planTransform(code, id, options)
  if (!plan || plan.edits.length === 0) return null
  const s = new MagicString(code)
  for (const edit of plan.edits) s.overwrite(edit.start, edit.end, edit.text)
  if (plan.insertion) s.appendLeft(plan.insertion.at, plan.insertion.text)
  return {
    code: s.toString(),
    // Exact at every token start: the segments of s.generateMap({ hires: 'boundary', source: id,
    // includeContent: true }) minus those on whitespace, built ~10x faster (transform_map.ts).
    map: options.sourcemap === false ? null : boundaryMap(code, plan.edits, plan.insertion, id),
  }
}

/** What `transformCode` does to a file: span replacements and the injected statement. */
export interface TransformPlan {
  /** Sorted, non-overlapping. */
  edits: Edit[]
  insertion: Insertion | null
  /** Platform exports whose global the file writes, so none of its references to them were rewritten. */
  written: string[]
}

/**
 * The edits `transformCode` applies (null when there is nothing to do or say: no edit, no written
 * global). Same errors as transformCode.
 */
export function planTransform(code: string, id: string, options: TransformOptions): TransformPlan | null {
  if (!mayNeedTransform(code)) return null
  const { path, lang } = languageOf(id)
  if (lang === 'dts') return null
  const parsed = parse(id, path, code, lang)
  const program = parsed.program
  if (code.includes(PLATFORM_BINDING) && alreadyTransformed(program)) return null

  const isModule =
    options.format === 'esm' || parsed.hasModuleSyntax || program.sourceType === 'module' || /\.m[jt]sx?$/.test(path)

  // Pass 1: declare every binding (the tracker keeps exited scopes), tracking strict mode for
  // Annex B function hoisting in sloppy scripts.
  const tracker = new TransformScopeTracker()
  if (isModule || hasUseStrict(program.body)) {
    tracker.strictDepth = 1
    walk(program as never, { scopeTracker: tracker })
  } else {
    const strictOwners: AstNode[] = []
    walk(program as never, {
      scopeTracker: tracker,
      enter(raw) {
        const node = raw as unknown as AstNode
        switch (node.type) {
          case 'ClassDeclaration':
          case 'ClassExpression':
            strictOwners.push(node)
            tracker.strictDepth++
            break
          case 'FunctionDeclaration':
          case 'FunctionExpression':
          case 'ArrowFunctionExpression':
            if (node.body?.type === 'BlockStatement' && hasUseStrict(node.body.body)) {
              strictOwners.push(node)
              tracker.strictDepth++
            }
            break
        }
      },
      leave(raw) {
        if (strictOwners[strictOwners.length - 1] === (raw as unknown)) {
          strictOwners.pop()
          tracker.strictDepth--
        }
      },
    })
  }
  tracker.freeze()

  // Pass 2: query, and collect the edits.
  const targets = new Set<AstNode>()
  /** Rewrites of global references, applied after the walk unless their global is written. */
  const edits: (Edit & { global: string | null })[] = []
  /**
   * Platform exports whose global this file writes (`Date = X`, `globalThis.setTimeout = f`,
   * `Math.random = g`): such a file manages that global itself, so none of its references to it
   * are rewritten (reads after the write must see the written value).
   */
  const written = new Set<string>()
  let usesCommonJs = false
  const unbound = (name: string): boolean => !tracker.isDeclared(name)
  const platformMember = (name: string): string => `${PLATFORM_BINDING}.${name}`

  /** Mark the identifiers and members a pattern binds or assigns to. */
  const markTargets = (pattern: AstNode | null | undefined): void => {
    if (!pattern) return
    switch (pattern.type) {
      case 'Identifier':
      case 'MemberExpression':
        targets.add(pattern)
        break
      case 'AssignmentPattern':
        markTargets(pattern.left)
        break
      case 'RestElement':
        markTargets(pattern.argument)
        break
      case 'ArrayPattern':
        for (const element of pattern.elements as (AstNode | null)[]) markTargets(element)
        break
      case 'ObjectPattern':
        for (const property of pattern.properties as AstNode[]) {
          markTargets(property.type === 'RestElement' ? property.argument : property.value)
        }
        break
      case 'TSParameterProperty':
        markTargets(pattern.parameter)
        break
      case 'ParenthesizedExpression':
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSNonNullExpression':
      case 'TSTypeAssertion':
        markTargets(pattern.expression)
        break
    }
  }

  const rewriteSpecifier = (literal: AstNode | null | undefined): void => {
    const value = staticString(literal)
    if (value === null || !literal) return
    const module = redirectedModule(value)
    if (!module) return
    const replacement = options.moduleSpecifier(module)
    if (replacement === value) return
    edits.push({ start: literal.start, end: literal.end, text: quoteLike(code.slice(literal.start, literal.end), replacement), global: null })
  }

  /** The platform export a member expression is redirected to, if any. */
  const redirectedMember = (member: AstNode): string | null => {
    const property = staticPropertyName(member)
    if (property === null) return null
    const object = unwrap(member.object as AstNode)
    if (object.type === 'Identifier') {
      const name = object.name as string
      if (GLOBAL_OBJECTS.has(name)) {
        return REDIRECTED_GLOBAL_SET.has(property) && unbound(name) ? property : null
      }
      const exported = REDIRECTED_MEMBERS.get(name)?.get(property)
      return exported && unbound(name) ? exported : null
    }
    if (object.type === 'MemberExpression') {
      const root = unwrap(object.object as AstNode)
      if (root.type !== 'Identifier' || !GLOBAL_OBJECTS.has(root.name)) return null
      const base = staticPropertyName(object)
      const exported = base === null ? undefined : REDIRECTED_MEMBERS.get(base)?.get(property)
      return exported && unbound(root.name as string) ? exported : null
    }
    return null
  }

  const enter: WalkerEnter = function (raw, rawParent, ctx) {
    const node = raw as unknown as AstNode
    const parent = rawParent as unknown as AstNode | null
    const type = node.type
    if (parent?.type === 'WithStatement' && ctx.key === 'body') {
      // Names inside a `with` body may resolve to properties of its object: left alone.
      this.skip()
      return
    }

    if (type.charCodeAt(0) === 84 /* T */ && type.startsWith('TS')) {
      if (type === 'TSImportEqualsDeclaration') {
        if (node.importKind !== 'type' && node.moduleReference?.type === 'TSExternalModuleReference') {
          rewriteSpecifier(node.moduleReference.expression)
        }
        this.skip()
        return
      }
      if (!RUNTIME_TS_NODES.has(type) || isAmbientDeclaration(node)) this.skip()
      return
    }

    switch (type) {
      case 'Identifier': {
        const name = node.name as string
        if (targets.has(node)) {
          // A binding (then it is declared) or a write to the global itself.
          if (REDIRECTED_GLOBAL_SET.has(name) && unbound(name)) written.add(name)
          return
        }
        if (!parent || isNamePosition(parent, ctx.key)) return
        if (REDIRECTED_GLOBAL_SET.has(name)) {
          if (!unbound(name)) return
          const replacement = platformMember(name)
          edits.push({
            start: node.start,
            end: node.end,
            text: parent.type === 'Property' && parent.shorthand && ctx.key === 'value' ? `${name}: ${replacement}` : replacement,
            global: name,
          })
        } else if ((name === 'require' || name === 'module' || name === 'exports') && !usesCommonJs && unbound(name)) {
          usesCommonJs = true
        }
        return
      }
      case 'MemberExpression': {
        const exported = redirectedMember(node)
        if (!exported) return
        if (targets.has(node)) {
          written.add(exported)
        } else {
          edits.push({ start: node.start, end: node.end, text: platformMember(exported), global: exported })
          this.skip()
        }
        return
      }
      case 'CallExpression': {
        const callee = node.callee as AstNode
        if (callee.type === 'Identifier' && callee.name === 'require' && !node.optional && unbound('require')) {
          rewriteSpecifier(node.arguments[0])
        }
        return
      }
      case 'ImportExpression':
        rewriteSpecifier(node.source)
        return
      case 'ImportDeclaration':
        if (node.importKind !== 'type') rewriteSpecifier(node.source)
        this.skip()
        return
      case 'ExportNamedDeclaration':
        if (node.source) {
          if (node.exportKind !== 'type') rewriteSpecifier(node.source)
          this.skip()
        } else if (node.exportKind === 'type') {
          this.skip()
        }
        return
      case 'ExportAllDeclaration':
        if (node.exportKind !== 'type') rewriteSpecifier(node.source)
        this.skip()
        return
      case 'ExportSpecifier':
        // `export { setTimeout }` names a local binding; without one it is a SyntaxError in the
        // input already. Left alone either way.
        this.skip()
        return
      case 'VariableDeclaration':
      case 'ClassDeclaration':
        if (node.declare) this.skip()
        return
      case 'VariableDeclarator':
        markTargets(node.id)
        return
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        for (const param of node.params as AstNode[]) markTargets(param)
        return
      case 'CatchClause':
        markTargets(node.param)
        return
      case 'AssignmentExpression':
        markTargets(node.left)
        return
      case 'UpdateExpression':
        markTargets(node.argument)
        return
      case 'UnaryExpression':
        if (node.operator === 'delete') markTargets(node.argument)
        return
      case 'ForInStatement':
      case 'ForOfStatement':
        if (node.left.type !== 'VariableDeclaration') markTargets(node.left)
        return
      case 'JSXIdentifier': {
        if (!parent) return
        const isComponentName =
          ((parent.type === 'JSXOpeningElement' || parent.type === 'JSXClosingElement') && ctx.key === 'name') ||
          (parent.type === 'JSXMemberExpression' && ctx.key === 'object')
        const name = node.name as string
        if (isComponentName && REDIRECTED_GLOBAL_SET.has(name) && /^[A-Z]/.test(name) && unbound(name)) {
          edits.push({ start: node.start, end: node.end, text: platformMember(name), global: name })
        }
        return
      }
    }
  }

  walk(program as never, { scopeTracker: tracker, enter })

  let rewrittenGlobals = 0
  const applied: Edit[] = []
  for (const edit of edits) {
    if (edit.global !== null) {
      if (written.has(edit.global)) continue
      rewrittenGlobals++
    }
    applied.push(edit)
  }
  if (applied.length === 0) return written.size === 0 ? null : { edits: [], insertion: null, written: [...written] }
  applied.sort((a, b) => a.start - b.start)

  let insertion: Insertion | null = null
  if (rewrittenGlobals > 0) {
    let format = options.format
    if (!format) {
      if (/\.c[jt]sx?$/.test(path) || parsed.commonjs) format = 'cjs'
      else if (parsed.hasModuleSyntax || /\.m[jt]sx?$/.test(path)) format = 'esm'
      else if (usesCommonJs) format = 'cjs'
      else if (program.sourceType !== 'module' && parseOnce(path, code, lang, 'module', true).errors.length > 0) {
        // A script that is not valid as a module (sloppy-only syntax): an import cannot go in.
        format = 'cjs'
      } else format = 'esm'
    }
    const specifier = JSON.stringify(options.platform)
    const header =
      format === 'esm'
        ? `import * as ${PLATFORM_BINDING} from ${specifier};`
        : `var ${PLATFORM_BINDING} = require(${specifier});`
    insertion = headerPosition(code, program, header)
  }
  return { edits: applied, insertion, written: [...written] }
}

/**
 * Where the injected statement goes: after the last directive of the prologue (adding a `;` if
 * the directive has none), else at the start of the line after a hashbang, else at offset 0.
 * Never adds a line break.
 */
function headerPosition(code: string, program: AstNode, header: string): Insertion {
  let lastDirective: AstNode | null = null
  for (const statement of program.body as AstNode[]) {
    if (statement.type === 'ExpressionStatement' && typeof statement.directive === 'string') lastDirective = statement
    else break
  }
  if (lastDirective) {
    return { at: lastDirective.end, text: code.charCodeAt(lastDirective.end - 1) === 59 /* ; */ ? header : `;${header}` }
  }
  const hashbang = program.hashbang as AstNode | null | undefined
  if (hashbang) {
    const newline = code.indexOf('\n', hashbang.end)
    return newline === -1 ? { at: code.length, text: `\n${header}` } : { at: newline + 1, text: header }
  }
  return { at: 0, text: header }
}
