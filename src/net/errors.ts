/**
 * Typed errors of the simulated network. Bad input throws at the call that
 * made it (construction, control operation, send), never later inside the loop,
 * so the stack points at the caller's mistake.
 */

/** A node id that the network's declared topology does not contain. */
export class UnknownNode extends RangeError {
  override name = 'UnknownNode'
  constructor(
    readonly node: unknown,
    readonly where: string,
    declared: string,
  ) {
    super(`${where}: node ${describeValue(node)} is not in the network's declared topology (${declared})`)
  }
}

/** An endpoint sent to a node that is declared in the topology but not among the endpoint's peers. */
export class UndeclaredPeer extends Error {
  override name = 'UndeclaredPeer'
  constructor(
    readonly node: number,
    readonly peer: number,
    peers: readonly number[],
  ) {
    super(
      `the endpoint of node ${node} sent to node ${peer}, which is not one of its declared peers ` +
        `[${peers.join(', ')}]; declare it with endpoint(${node}, { peers: [...] })`,
    )
  }
}

/** A network option or fault rate outside its allowed forms; the message names the field. */
export class InvalidNetworkOption extends RangeError {
  override name = 'InvalidNetworkOption'
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`network option ${field}: ${message}`)
  }
}

/** An operation on an endpoint after `close()`. */
export class EndpointClosed extends Error {
  override name = 'EndpointClosed'
  constructor(
    readonly node: number,
    operation: string,
  ) {
    super(`${operation} on the endpoint of node ${node}, which is closed`)
  }
}

/** A second endpoint opened on a node whose endpoint is still open. */
export class EndpointInUse extends Error {
  override name = 'EndpointInUse'
  constructor(readonly node: number) {
    super(`node ${node} already has an open endpoint; close it before opening another (one endpoint a node)`)
  }
}

/** A simulation built without `network` options was asked for its network. */
export class NoNetwork extends Error {
  override name = 'NoNetwork'
  constructor(what: string) {
    super(`${what}: this simulation has no network; pass network: { nodes: N } (or a list of node ids) in its options`)
  }
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  return `a value of type ${typeof value}`
}
