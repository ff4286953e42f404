import { createRequire } from 'node:module'
import { timers, timersPromises } from '../timers.js'
import { failsClosedInside, moduleProxy } from './module_proxy.js'
import { cryptoModule } from './crypto.js'
import { osModule } from './os.js'
import { fsOverrides, fsPromisesOverrides } from '../fs/module.js'
import { httpOverrides } from '../net/http.js'
import { dnsOverrides, dnsPromisesOverrides, netOverrides } from '../net/module.js'

/** The builtin modules the transform redirects, and each wrapper's file name under src/platform/modules/. */
export const BUILTIN_WRAPPER_FILES = {
  fs: 'fs',
  'fs/promises': 'fs_promises',
  timers: 'timers',
  'timers/promises': 'timers_promises',
  crypto: 'crypto',
  net: 'net',
  http: 'http',
  dns: 'dns',
  'dns/promises': 'dns_promises',
  https: 'https',
  http2: 'http2',
  tls: 'tls',
  dgram: 'dgram',
  os: 'os',
  child_process: 'child_process',
  worker_threads: 'worker_threads',
  cluster: 'cluster',
} as const

export type BuiltinModule = keyof typeof BUILTIN_WRAPPER_FILES

const require = createRequire(import.meta.url)
const built = new Map<BuiltinModule, object>()

/** The module object a wrapper exports as its default (built on first use, then shared). */
export function builtinModule(name: BuiltinModule): object {
  let module = built.get(name)
  if (module === undefined) {
    module = build(name)
    built.set(name, module)
  }
  return module
}

function build(name: BuiltinModule): object {
  switch (name) {
    case 'fs':
      // The simulated disk serves what fsOverrides lists; the rest (links, watchers, ownership, cp, statfs...) fails closed.
      return moduleProxy({ api: 'fs', real: require('node:fs'), reason: 'disk', overrides: { ...fsOverrides(), promises: builtinModule('fs/promises') } })
    case 'fs/promises':
      return moduleProxy({ api: 'fs.promises', real: require('node:fs/promises'), reason: 'disk', overrides: fsPromisesOverrides() })
    case 'timers': {
      const real = require('node:timers') as object
      const legacy: Record<string, unknown> = {}
      for (const key of ['active', '_unrefActive', 'enroll', 'unenroll']) {
        if (typeof (real as Record<string, unknown>)[key] === 'function') legacy[key] = failsClosedInside(real, key, `timers.${key}`, 'legacy_timers')
      }
      return moduleProxy({ api: 'timers', real, overrides: { ...timers, ...legacy, promises: builtinModule('timers/promises') } })
    }
    case 'timers/promises':
      return moduleProxy({ api: 'timers.promises', real: require('node:timers/promises'), overrides: timersPromises })
    case 'crypto':
      return cryptoModule()
    case 'os':
      return osModule()
    case 'net':
      // The simulated network serves sockets and servers (net/module.ts); IPC paths and handles fail closed.
      return moduleProxy({ api: 'net', real: require('node:net'), reason: 'network_protocol', overrides: netOverrides() })
    case 'http':
      return moduleProxy({ api: 'http', real: require('node:http'), reason: 'network_protocol', overrides: httpOverrides() })
    case 'dns':
      // dns.lookup is answered from the network's host table; resolvers (DNS queries) fail closed.
      return moduleProxy({ api: 'dns', real: require('node:dns'), reason: 'dns', overrides: { ...dnsOverrides(), promises: builtinModule('dns/promises') } })
    case 'dns/promises':
      return moduleProxy({ api: 'dns.promises', real: require('node:dns/promises'), reason: 'dns', overrides: dnsPromisesOverrides() })
    case 'https':
    case 'http2':
    case 'tls':
    case 'dgram':
      return moduleProxy({ api: name, real: require(`node:${name}`), reason: 'network_protocol' })
    case 'child_process':
    case 'worker_threads':
    case 'cluster':
      return moduleProxy({ api: name, real: require(`node:${name}`), reason: 'threads' })
  }
}
