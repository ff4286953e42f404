/**
 * Outside a simulation, transformed code behaves exactly like the original: the own test suites
 * of five real npm packages pass with the transform applied to their sources as they do without
 * it (docs/real-packages.md). Needs `npm run build` (the transformed code imports the built
 * platform).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { REAL_PACKAGES } from './packages.js'
import { compare, formatReport, runAgainstLoadTimePlatform, runAll, steadyFailures, type PackageReport, type PackageRun } from './run.js'

let reports: PackageReport[] = []
let control: { memoryCache: PackageRun; timekeeper: PackageRun } | null = null

beforeAll(async () => {
  reports = await runAll()
  console.log(formatReport(reports))
  const pkg = (name: string) => REAL_PACKAGES.find((p) => p.name === name)!
  control = {
    memoryCache: await runAgainstLoadTimePlatform(pkg('memory-cache'), 'library'),
    timekeeper: await runAgainstLoadTimePlatform(pkg('timekeeper'), 'all'),
  }
}, 240_000)

const reportOf = (name: string): PackageReport => {
  const report = reports.find((r) => r.pkg.name === name)
  if (!report) throw new Error(`no report for ${name}`)
  return report
}

describe.each(REAL_PACKAGES.map((p) => [p.name, p] as const))('%s', (name, pkg) => {
  it('runs its own suite untransformed (baseline)', () => {
    const { suite } = reportOf(name).runs.baseline
    expect(suite.reported, suite.outputTail).toBe(true)
    expect(suite.timedOut).toBe(false)
    expect(suite.passed.length).toBeGreaterThan(0)
  })

  it(`rewrites what it leans on (${pkg.leansOn.join(', ')}), with exact source maps, and runs the rewritten code`, () => {
    const report = reportOf(name)
    const library = report.runs.library
    expect(library.transform!.errors).toEqual([])
    expect(library.transform!.unmapped).toBe(0)
    expect(report.missingRewrites).toEqual([])
    if (pkg.mustRewrite.length > 0) {
      expect(library.transform!.files.length).toBeGreaterThan(0)
      // Every transformed library file ran, against the built platform.
      expect(library.transformedLoaded).toBe(library.transform!.files.length)
      expect(library.platformLoaded).toBe(true)
    }
    const all = report.runs.all
    expect(all.transform!.errors).toEqual([])
    expect(all.transform!.unmapped).toBe(0)
    expect(report.missingRewritesWithTests).toEqual([])
    expect(all.transformedLoaded).toBeGreaterThan(0)
    expect(all.platformLoaded).toBe(true)
  })

  it('passes every test with its library transformed that it passes untransformed', () => {
    const report = reportOf(name)
    const { suite } = report.runs.library
    expect(suite.reported, suite.outputTail).toBe(true)
    expect(report.library.lost).toEqual([])
    expect(report.library.gained).toEqual([])
    expect(report.library.newWarnings).toEqual([])
    expect(steadyFailures(suite, pkg.flaky)).toEqual(steadyFailures(report.runs.baseline.suite, pkg.flaky))
  })

  it('passes every test with its tests transformed too', () => {
    const report = reportOf(name)
    const { suite } = report.runs.all
    expect(suite.reported, suite.outputTail).toBe(true)
    expect(report.all.lost).toEqual([])
    expect(report.all.gained).toEqual([])
    expect(report.all.newWarnings).toEqual([])
    expect(steadyFailures(suite, pkg.flaky)).toEqual(steadyFailures(report.runs.baseline.suite, pkg.flaky))
  })
})

describe('negative control: a platform that captures the globals when it loads', () => {
  // If these passed, the suites above could not tell a platform that reads the globals at call
  // time (what untransformed code does) from one that does not.
  it("fails memory-cache's suite with its library transformed (sinon's fake timers are installed later)", () => {
    const lost = compare(reportOf('memory-cache').runs.baseline.suite, control!.memoryCache.suite).lost
    expect(control!.memoryCache.platformLoaded).toBe(true)
    expect(lost.length).toBeGreaterThan(0)
  })

  it("fails timekeeper's suite with its tests transformed (timekeeper installs its FakeDate later)", () => {
    const lost = compare(reportOf('timekeeper').runs.baseline.suite, control!.timekeeper.suite).lost
    expect(control!.timekeeper.platformLoaded).toBe(true)
    expect(lost.length).toBeGreaterThan(0)
  })
})
