export { Simulation, DEFAULT_TICK_NS, type SimulationOptions, type Control, type CheckResult, type CheckFailure, type TickHook } from './simulation.js'
export { productionEnv, type Env, type EnvClock, type RandomSource } from './env.js'
