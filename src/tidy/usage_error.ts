/** A mistake in how `tidy` was asked to run (a flag, a path, the configuration): exit code 2. */
export class TidyUsageError extends Error {
  override name = 'TidyUsageError'
}
