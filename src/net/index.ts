export { DEFAULT_PATH_CAPACITY, DEFAULT_INBOX_CAPACITY, DEFAULT_MAX_MESSAGE_BYTES, type NetworkOptions, type SimNetwork } from './network.js'
export { NetworkControl, type Lossiness, type ClogSettings, type PartitionDynamics, type PartitionOptions } from './control.js'
export { MAX_PENDING_RECEIVES, MAX_INBOX_CAPACITY, type Endpoint, type EndpointOptions, type Received, type MessageHandler } from './endpoint.js'
export { CodecTransport, DecodeError, type Codec } from './codec.js'
export {
  Latency,
  drawSwarmNetworkFaults,
  type LatencyModel,
  type NetworkFaults,
  type NetworkFaultOptions,
  type PartitionMode,
  type PartitionDirection,
} from './faults.js'
export type { QueuedPacket, DropReason } from './core.js'
export type { AutoPartition } from './dynamics.js'
export { MAX_NODES, MAX_NODE_ID, type NodeId } from './topology.js'
export { UnknownNode, UndeclaredPeer, InvalidNetworkOption, EndpointClosed, EndpointInUse, NoNetwork } from './errors.js'
