/** The small command-line pieces the real-package sweeps (nedb_crash, ioredis_net) share. */
import { fileURLToPath } from 'node:url'

/** The value after `--name` in `args`, or undefined. */
export function argument(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(name)
  return at === -1 ? undefined : args[at + 1]
}

/** Whether the module at `module_url` is the script Node was started with. */
export function invokedDirectly(module_url: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(module_url) === process.argv[1]
}
