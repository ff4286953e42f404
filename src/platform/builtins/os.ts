import { createRequire } from 'node:module'
import type { Simulation } from '../../sim/simulation.js'
import { moduleProxy, failsClosedInside, simulatedOr } from './module_proxy.js'

/**
 * node:os inside a simulation: values that differ between machines, or change
 * while a process runs, are fixed or follow the simulated clock, so a trace does
 * not depend on the host. Facts code needs to match the real host to work at
 * all stay real: `platform`, `arch`, `type`, `machine`, `endianness`, `EOL`,
 * `devNull`, `constants`. Outside a simulation every member is the real one.
 */

const require = createRequire(import.meta.url)
type NodeOs = typeof import('node:os')

/** Simulated machine facts. */
export const SIMULATED_OS = {
  hostname: 'marionette',
  release: '6.0.0-marionette',
  version: '#1 SMP marionette',
  totalmem: 8 * 1024 ** 3,
  freemem: 4 * 1024 ** 3,
  cpu_count: 2,
  cpu_model: 'Marionette Simulated CPU',
  cpu_speed_mhz: 2000,
  username: 'marionette',
  uid: 1000,
  gid: 1000,
  homedir: '/home/marionette',
  shell: '/bin/sh',
  tmpdir: '/tmp',
} as const

/** Seconds since the simulated machine booted: the monotonic clock, which starts above zero. */
function uptimeSeconds(sim: Simulation): number {
  return sim.world.clock.monotonicMs() / 1000
}

function cpus(sim: Simulation): ReturnType<NodeOs['cpus']> {
  // An idle machine: idle time grows with simulated time, so usage ratios are 0, never NaN.
  const idle = Math.floor(sim.world.clock.monotonicMs())
  return Array.from({ length: SIMULATED_OS.cpu_count }, () => ({
    model: SIMULATED_OS.cpu_model,
    speed: SIMULATED_OS.cpu_speed_mhz,
    times: { user: 0, nice: 0, sys: 0, idle, irq: 0 },
  }))
}

function networkInterfaces(): ReturnType<NodeOs['networkInterfaces']> {
  return {
    lo: [
      { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' },
      {
        address: '::1',
        netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
        family: 'IPv6',
        mac: '00:00:00:00:00:00',
        internal: true,
        cidr: '::1/128',
        scopeid: 0,
      },
    ],
  }
}

function userInfo(args: unknown[]): unknown {
  const options = args[0] as { encoding?: string } | undefined
  const text = (value: string): string | Buffer => (options?.encoding === 'buffer' ? Buffer.from(value) : value)
  return Object.assign(Object.create(null) as object, {
    uid: SIMULATED_OS.uid,
    gid: SIMULATED_OS.gid,
    username: text(SIMULATED_OS.username),
    homedir: text(SIMULATED_OS.homedir),
    shell: text(SIMULATED_OS.shell),
  })
}

export function osModule(): NodeOs {
  const real = require('node:os') as NodeOs
  return moduleProxy<NodeOs>({
    api: 'os',
    real,
    overrides: {
      hostname: simulatedOr(real, 'hostname', () => SIMULATED_OS.hostname),
      uptime: simulatedOr(real, 'uptime', (sim) => uptimeSeconds(sim)),
      loadavg: simulatedOr(real, 'loadavg', () => [0, 0, 0]),
      freemem: simulatedOr(real, 'freemem', () => SIMULATED_OS.freemem),
      totalmem: simulatedOr(real, 'totalmem', () => SIMULATED_OS.totalmem),
      cpus: simulatedOr(real, 'cpus', (sim) => cpus(sim)),
      availableParallelism: simulatedOr(real, 'availableParallelism', () => SIMULATED_OS.cpu_count),
      networkInterfaces: simulatedOr(real, 'networkInterfaces', () => networkInterfaces()),
      userInfo: simulatedOr(real, 'userInfo', (_, args) => userInfo(args)),
      homedir: simulatedOr(real, 'homedir', () => SIMULATED_OS.homedir),
      tmpdir: simulatedOr(real, 'tmpdir', () => SIMULATED_OS.tmpdir),
      release: simulatedOr(real, 'release', () => SIMULATED_OS.release),
      version: simulatedOr(real, 'version', () => SIMULATED_OS.version),
      getPriority: simulatedOr(real, 'getPriority', () => 0),
      setPriority: failsClosedInside(real, 'setPriority', 'os.setPriority', 'host'),
    },
  })
}
