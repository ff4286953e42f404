export * from './world/index.js'
export * from './scheduler/index.js'
export * from './sim/index.js'
export * from './run/index.js'
