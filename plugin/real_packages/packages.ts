/**
 * The real npm packages whose own test suites prove that transformed code behaves like the
 * original outside a simulation (docs/real-packages.md). Each one is installed as a pinned
 * devDependency, ships its tests in its npm tarball, and runs them with mocha.
 */

/** What a package leans on, and so which rewrites must be found in its transformed sources. */
export type Reliance = 'Date' | 'timers' | 'fs'

export interface RealPackage {
  /** The npm name (the folder under node_modules). */
  name: string
  /** The exact version installed (checked against its package.json). */
  version: string
  leansOn: readonly Reliance[]
  /** The package's library files (paths relative to the package root, `/`-separated). */
  library: (path: string) => boolean
  /** The package's test files and test helpers, for the run that transforms the tests too. */
  tests: (path: string) => boolean
  /**
   * mocha's arguments as the package's own `npm test` gives them, without the reporter (the
   * harness swaps it for mocha's json reporter writing to a file, to compare titles).
   */
  mochaArgs: readonly string[]
  /** The reporter the package's own command asks for (for the record; replaced by json). */
  ownReporter: string
  /** The package's own test command, as published (for the record). */
  ownCommand: string
  /**
   * Platform members and redirected modules that must each be rewritten at least once in the
   * library (`Date`, `setTimeout`, ..., or `module:fs`): a run that rewrote nothing proves nothing.
   */
  mustRewrite: readonly string[]
  /** The same for the run that transforms the tests too (library + tests together). */
  mustRewriteWithTests: readonly string[]
  /** Time limit of one run of the suite, in ms. */
  timeoutMs: number
  /**
   * Tests that fail now and then WITHOUT the transform too (a race in the suite itself), by full
   * title, with the reason. They are reported but left out of the comparison.
   */
  flaky?: Readonly<Record<string, string>>
}

const under =
  (...folders: string[]) =>
  (path: string): boolean =>
    path.endsWith('.js') && folders.some((folder) => path.startsWith(`${folder}/`))
const oneOf =
  (...files: string[]) =>
  (path: string): boolean =>
    files.includes(path)

export const REAL_PACKAGES: readonly RealPackage[] = [
  {
    name: 'node-persist',
    version: '4.0.4',
    leansOn: ['fs', 'timers', 'Date'],
    library: under('src'),
    tests: under('tests'),
    mochaArgs: ['tests/'],
    ownReporter: 'spec (default)',
    ownCommand: './node_modules/.bin/mocha tests/',
    mustRewrite: ['module:fs', 'module:crypto', 'setInterval', 'clearInterval', 'Date'],
    mustRewriteWithTests: ['module:fs', 'setTimeout', 'Date', 'Math_random'],
    // Its TTL tests wait for real timers (about 26 s in all).
    timeoutMs: 120_000,
  },
  {
    name: 'memory-cache',
    version: '0.2.0',
    leansOn: ['timers', 'Date'],
    library: oneOf('index.js'),
    tests: oneOf('test.js'),
    // `gulp test` runs gulp-mocha on test.js with { reporter: 'spec', timeout: 5000 } (gulpfile.js);
    // gulp and istanbul only wrap it, so mocha is run directly with the same options.
    mochaArgs: ['--timeout', '5000', 'test.js'],
    ownReporter: 'spec',
    ownCommand: './node_modules/.bin/gulp test',
    mustRewrite: ['setTimeout', 'clearTimeout', 'Date'],
    // The tests install sinon's fake timers (setTimeout, Date) before every test: the rewritten
    // library must call whatever the globals are at call time.
    mustRewriteWithTests: ['setTimeout', 'clearTimeout', 'Date'],
    timeoutMs: 60_000,
  },
  {
    name: 'later',
    version: '1.2.0',
    leansOn: ['Date', 'timers'],
    // index.js requires the built bundle later.js; src/ holds the fragments it is concatenated
    // from (start.js/end.js are not valid JavaScript on their own) and is not loaded.
    library: oneOf('index.js', 'later.js'),
    tests: under('test'),
    mochaArgs: ['test/**/*-test.js'],
    ownReporter: 'dot',
    ownCommand: './node_modules/.bin/mocha test/**/*-test.js --reporter dot',
    // (`later.setInterval` is a property of later's own object, not the global.)
    mustRewrite: ['Date', 'setTimeout', 'clearTimeout'],
    mustRewriteWithTests: ['Date', 'setTimeout', 'clearTimeout'],
    timeoutMs: 120_000,
  },
  {
    name: 'timekeeper',
    version: '2.3.1',
    leansOn: ['Date'],
    library: under('lib'),
    tests: under('test'),
    mochaArgs: ['--require', 'test/node.support.js', 'test/*.test.js'],
    ownReporter: 'spec (default)',
    ownCommand: 'mocha --require test/node.support.js test/*.test.js (npm run test:node)',
    // timekeeper replaces the global (`Date = FakeDate`), and the transform leaves every `Date` of a
    // file that writes it alone (fixtures/transform/README.md): its library has nothing to rewrite.
    // The proof is the run with the tests transformed: their `new Date()` / `Date.now()` go through
    // the platform's Date, which must reach the FakeDate timekeeper installed.
    mustRewrite: [],
    mustRewriteWithTests: ['Date'],
    timeoutMs: 60_000,
  },
  {
    name: 'nedb',
    version: '1.8.0',
    leansOn: ['fs', 'Date', 'timers'],
    library: (path) => path === 'index.js' || under('lib')(path),
    tests: (path) => under('test', 'test_lac')(path),
    // test/mocha.opts (--timeout 30000) is ignored by mocha >= 8; the command line's 10000 wins
    // over it in the mocha the package was written for too.
    mochaArgs: ['--timeout', '10000'],
    ownReporter: 'spec',
    ownCommand: './node_modules/.bin/mocha --reporter spec --timeout 10000',
    mustRewrite: ['module:fs', 'module:crypto', 'Date', 'setInterval', 'setImmediate', 'process_nextTick'],
    mustRewriteWithTests: ['module:fs', 'module:child_process', 'Date', 'setTimeout'],
    timeoutMs: 120_000,
    // Both call ensureIndex without waiting for it and then fs.writeFile the datafile themselves:
    // when ensureIndex's append lands after that write, the data file has a corrupt last line.
    flaky: {
      'Database Using indexes ensureIndex and index initialization in database loading If a unique constraint is not respected, database loading will not work and no data will be inserted':
        'fails about 1 run in 10, untransformed too: an unawaited append races the test’s own write (docs/real-packages.md)',
      'Database Using indexes ensureIndex and index initialization in database loading ensureIndex can be called before a loadDatabase and still be initialized and filled correctly':
        'the same race, seen under CPU load (docs/real-packages.md)',
    },
  },
]
