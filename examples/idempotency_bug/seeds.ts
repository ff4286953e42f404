/** A seed on which the buggy idempotency service passes (ids differ), found by a sweep (see README). */
export const IDEMPOTENCY_PASSING_SEED = '12648430'
/** A seed on which the two accounts reuse one request id and the buggy service loses a deposit. */
export const IDEMPOTENCY_FAILING_SEED = '9'
