/**
 * Property tests over real code: every `.js`/`.mjs`/`.cjs` file of the packages installed in
 * node_modules (and of the system npm, when present).
 *
 * 1. Through `transformCode`: it does not throw unless the file itself does not parse; the output
 *    parses with the same parser options as the input (with semantic errors on, when the input
 *    had none), keeps the line count, and transforming it again changes nothing. Prints the file
 *    count, the number changed and the time.
 * 2. Scope oracle: TypeScript's binder, with no lib (so no global is declared), resolves every
 *    identifier named like a redirected global. Everything the transform rewrote must be unbound
 *    for TypeScript; every unbound value reference (and `Math.random`-style member on an unbound
 *    object) it left must be explained (the file writes that global, or it sits in a `with` body).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseSync } from 'rolldown/utils'
import ts from 'typescript'
import { expect, test } from 'vitest'
import { planTransform, REDIRECTED_GLOBALS, REDIRECTED_MEMBERS, transformCode, type TransformOptions } from './transform.js'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const roots = [join(repo, 'node_modules'), '/usr/lib/node_modules/npm'].filter((root) => existsSync(root))
/** Largest file considered: a few multi-megabyte bundles are the point, a 50 MB blob is not. */
const MAX_BYTES = 12_000_000

function listFiles(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) listFiles(path, out)
    else if (entry.isFile() && /\.[cm]?js$/.test(entry.name) && statSync(path).size <= MAX_BYTES) out.push(path)
  }
  return out
}

const options: TransformOptions = {
  platform: '/marionette/src/platform/index.js',
  moduleSpecifier: (m) => `/marionette/src/platform/modules/${m.replace('/', '_')}.js`,
}

type ParseOptions = NonNullable<Parameters<typeof parseSync>[2]>

/** The first parser options under which the input parses, mirroring transformCode's fallbacks. */
function inputParseOptions(path: string, code: string): ParseOptions | null {
  const candidates: ParseOptions[] = [{}, { sourceType: 'commonjs' }, { lang: 'jsx' }]
  for (const candidate of candidates) {
    if (parseSync(path, code, candidate).errors.every((e) => e.severity !== 'Error')) return candidate
  }
  return null
}

function errorsOf(path: string, code: string, parseOptions: ParseOptions): string[] {
  return parseSync(path, code, parseOptions)
    .errors.filter((e) => e.severity === 'Error')
    .map((e) => e.message)
}

const files = roots.flatMap((root) => listFiles(root, []))

test('transformCode over every JS file of the installed packages', () => {
  expect(files.length).toBeGreaterThan(500)
  const failures: string[] = []
  let bytes = 0
  let changed = 0
  let unparsable = 0
  let transformMs = 0
  const started = performance.now()
  for (const path of files) {
    const code = readFileSync(path, 'utf8')
    bytes += code.length
    let result: ReturnType<typeof transformCode>
    const t0 = performance.now()
    try {
      result = transformCode(code, path, options)
    } catch (error) {
      if (inputParseOptions(path, code) === null) {
        unparsable++
        continue
      }
      failures.push(`${path}: threw ${(error as Error).message.slice(0, 300)}`)
      continue
    }
    transformMs += performance.now() - t0
    if (!result) continue
    changed++
    const parseOptions = inputParseOptions(path, code)
    if (!parseOptions) {
      failures.push(`${path}: transformed a file that does not parse`)
      continue
    }
    const outputErrors = errorsOf(path, result.code, parseOptions)
    if (outputErrors.length > 0) {
      failures.push(`${path}: output does not parse: ${outputErrors.slice(0, 3).join('; ')}`)
      continue
    }
    // With semantic checks (strict-mode rules once an import makes it a module), when the input
    // passes them.
    const semantic = { ...parseOptions, showSemanticErrors: true }
    if (errorsOf(path, code, semantic).length === 0) {
      const semanticErrors = errorsOf(path, result.code, semantic)
      if (semanticErrors.length > 0) failures.push(`${path}: output has semantic errors: ${semanticErrors.slice(0, 3).join('; ')}`)
    }
    if (result.code.split('\n').length !== code.split('\n').length) failures.push(`${path}: line count changed`)
    const again = transformCode(result.code, path, options)
    if (again !== null && again.code !== result.code) failures.push(`${path}: second transform changed the output`)
  }
  const totalMs = performance.now() - started
  console.log(
    `transform property test: ${files.length} files (${(bytes / 1e6).toFixed(1)} MB) from ${roots.join(', ')}; ` +
      `${changed} changed, ${unparsable} unparsable skipped; transformCode ${transformMs.toFixed(0)} ms ` +
      `(${(transformMs / (bytes / 1e6)).toFixed(0)} ms/MB incl. maps), whole check ${(totalMs / 1000).toFixed(1)} s`,
  )
  expect(failures).toEqual([])
})

const GLOBAL_NAMES: ReadonlySet<string> = new Set(REDIRECTED_GLOBALS)
/** Internal helpers of TypeScript 5.9 (present at runtime, not in its public typings). */
const tsInternal = ts as unknown as { isExpressionNode(node: ts.Node): boolean; isDeclaration(node: ts.Node): boolean }

function isWriteTarget(node: ts.Node): boolean {
  const parent = node.parent
  if (ts.isBinaryExpression(parent)) {
    const kind = parent.operatorToken.kind
    return parent.left === node && kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment
  }
  if (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) {
    return parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken
  }
  if (ts.isDeleteExpression(parent)) return true
  if ((ts.isForInStatement(parent) || ts.isForOfStatement(parent)) && parent.initializer === node) return true
  return false
}

function inWithBody(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    if (n.parent && ts.isWithStatement(n.parent) && n.parent.statement === n) return true
  }
  return false
}

/** The static name of `a.b` / `a['b']`. */
function accessName(node: ts.Node): string | null {
  if (ts.isPropertyAccessExpression(node)) return node.name.text
  if (ts.isElementAccessExpression(node) && ts.isStringLiteral(node.argumentExpression)) return node.argumentExpression.text
  return null
}

test('scope oracle: TypeScript\'s binder agrees on what is a global', () => {
  const failures: string[] = []
  let identifiers = 0
  let members = 0
  const oracleFiles = files.filter((f) => statSync(f).size < 3_000_000)
  for (const path of oracleFiles) {
    // One program per file: TypeScript lets JS files' expando assignments (`global.x = 1`)
    // declare names across files.
    const program = ts.createProgram([path], {
      allowJs: true,
      noLib: true,
      noResolve: true,
      types: [],
      noEmit: true,
      target: ts.ScriptTarget.ESNext,
      module: ts.ModuleKind.ESNext,
      moduleDetection: ts.ModuleDetectionKind.Force,
    })
    const checker = program.getTypeChecker()
    const isUnbound = (identifier: ts.Identifier): boolean => {
      const parent = identifier.parent
      const symbol = ts.isShorthandPropertyAssignment(parent)
        ? checker.getShorthandAssignmentValueSymbol(parent)
        : checker.getSymbolAtLocation(identifier)
      // In JS files TypeScript counts `process.cwd = f` as declaring `process` (an expando, whose
      // declaration is that identifier or expression); JavaScript does not.
      const real = (symbol?.declarations ?? []).filter(
        (d) => !ts.isIdentifier(d) && !ts.isBinaryExpression(d) && !ts.isPropertyAccessExpression(d) && !ts.isElementAccessExpression(d) && !ts.isCallExpression(d),
      )
      return real.length === 0
    }
    {
      const file = program.getSourceFile(path)
      if (!file) continue
      let plan: ReturnType<typeof planTransform>
      try {
        plan = planTransform(file.text, path, options)
      } catch {
        continue
      }
      const editStarts = new Set((plan?.edits ?? []).map((e) => e.start))
      const written = new Set(plan?.written ?? [])
      const where = (node: ts.Node): string => `${path}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`
      const visit = (node: ts.Node): void => {
        if (ts.isIdentifier(node) && GLOBAL_NAMES.has(node.text)) {
          identifiers++
          const parent = node.parent
          const rewritten = editStarts.has(node.getStart(file))
          const unbound = isUnbound(node)
          const isReference =
            (tsInternal.isExpressionNode(node) || ts.isShorthandPropertyAssignment(parent)) &&
            !(ts.isPropertyAccessExpression(parent) && parent.name === node) &&
            !(ts.isPropertyAssignment(parent) && parent.name === node) &&
            !tsInternal.isDeclaration(parent) &&
            !isWriteTarget(node)
          if (rewritten && !unbound) failures.push(`${where(node)}: rewrote ${node.text}, which is bound`)
          if (isReference && unbound && !rewritten && !written.has(node.text) && !inWithBody(node)) {
            failures.push(`${where(node)}: left the global ${node.text}`)
          }
        }
        const property = accessName(node)
        if (property !== null) {
          // Math.random, process.nextTick, crypto.randomUUID; globalThis.setTimeout; globalThis.Math.random
          const object = (node as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression
          let root: ts.Identifier | null = null
          let exported: string | undefined
          if (ts.isIdentifier(object)) {
            if ((object.text === 'globalThis' || object.text === 'global') && GLOBAL_NAMES.has(property)) exported = property
            else exported = REDIRECTED_MEMBERS.get(object.text)?.get(property)
            root = object
          } else {
            const base = accessName(object)
            const inner = (object as ts.PropertyAccessExpression).expression
            if (base !== null && inner && ts.isIdentifier(inner) && (inner.text === 'globalThis' || inner.text === 'global')) {
              exported = REDIRECTED_MEMBERS.get(base)?.get(property)
              root = inner
            }
          }
          if (exported && root) {
            members++
            const rewritten = editStarts.has(node.getStart(file))
            const unbound = isUnbound(root)
            if (rewritten && !unbound) failures.push(`${where(node)}: rewrote ${node.getText(file)}, whose object is bound`)
            if (unbound && !rewritten && !isWriteTarget(node) && !written.has(exported) && !inWithBody(node)) {
              failures.push(`${where(node)}: left ${node.getText(file)}`)
            }
          }
        }
        ts.forEachChild(node, visit)
      }
      visit(file)
    }
  }
  console.log(`scope oracle: ${identifiers} identifiers named like globals and ${members} redirected member accesses checked`)
  expect(identifiers).toBeGreaterThan(1000)
  expect(failures).toEqual([])
})
