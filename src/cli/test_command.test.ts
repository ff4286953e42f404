import { describe, expect, test } from 'vitest'
import { InvalidSeed } from '../world/seed.js'
import { parseTestArgs, TestUsageError } from './test_command.js'

describe('parseTestArgs', () => {
  test('takes --seed off the Vitest arguments, in either spelling, canonically', () => {
    expect(parseTestArgs(['-t', 'x', '--seed', '0xC0FFEE', 'src/a.test.ts'], undefined)).toEqual({
      seed: '12648430',
      source: '--seed',
      vitest_args: ['-t', 'x', 'src/a.test.ts'],
    })
    expect(parseTestArgs(['--seed=13', '--reporter=verbose'], '99')).toEqual({ seed: '13', source: '--seed', vitest_args: ['--reporter=verbose'] })
  })

  test('falls back to MARIONETTE_SEED, then to no seed', () => {
    expect(parseTestArgs([], '7')).toEqual({ seed: '7', source: 'MARIONETTE_SEED', vitest_args: [] })
    expect(parseTestArgs(['--sequence.seed', '5'], undefined)).toEqual({ seed: null, source: 'default', vitest_args: ['--sequence.seed', '5'] })
  })

  test('rejects a missing or invalid seed', () => {
    expect(() => parseTestArgs(['--seed'], undefined)).toThrow(TestUsageError)
    expect(() => parseTestArgs(['--seed', '12x'], undefined)).toThrow(InvalidSeed)
    expect(() => parseTestArgs([], 'abc')).toThrow(InvalidSeed)
  })
})
