/**
 * The sweep's RESP server on its own: the parser over arbitrary splits, and the server over the
 * simulated node:net, driven by raw RESP bytes (what ioredis sends on connect, then commands).
 */
import { describe, expect, test } from 'vitest'
import { run } from '../../../src/run/index.js'
import net from '../../../src/platform/modules/net.js'
import { encodeReply, RequestParser, RespServer } from './resp_server.js'

const request = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`

describe('RESP server', () => {
  test('the parser returns the same requests however the bytes are split', () => {
    const bytes = Buffer.from(request('SET', 'k', 'v\r\nwith crlf') + request('INCR', 'k') + request('PING'))
    const whole = new RequestParser().push(bytes)
    expect(whole).toEqual([['SET', 'k', 'v\r\nwith crlf'], ['INCR', 'k'], ['PING']])
    for (let cut = 1; cut < bytes.length; cut++) {
      const parser = new RequestParser()
      expect([...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut))], `cut at ${cut}`).toEqual(whole)
    }
    expect(() => new RequestParser().push(Buffer.from('+OK\r\n'))).toThrow(/Protocol error/)
  })

  test('encodes the four reply kinds ioredis reads', () => {
    expect([{ simple: 'OK' }, { error: 'ERR x' }, { integer: 7 }, { bulk: 'é' }, { bulk: null }].map(encodeReply).join('')).toBe('+OK\r\n-ERR x\r\n:7\r\n$2\r\né\r\n$-1\r\n')
  })

  async function exchange(requests: string, options: { reset_after?: boolean; rollback_on_reset?: boolean } = {}): Promise<{ replies: string; store: Record<string, string>; trace: string }> {
    let replies = ''
    let store: Record<string, string> = {}
    const report = await run(
      async (sim) => {
        replies = '' // run() replays the scenario: keep the last run's bytes
        const server = new RespServer(sim.world, { loading_infos: 1, rollback_on_reset: options.rollback_on_reset ?? false })
        await sim.network.onNode(1, () => server.listen(6379))
        const socket = net.connect(6379, 'redis')
        socket.on('data', (chunk: Buffer) => (replies += chunk.toString()))
        socket.on('error', () => {})
        socket.write(requests)
        await new Promise((resolve) => sim.timers.setTimeout(resolve, 50))
        if (options.reset_after === true) {
          sim.control.network.resetConnections(1)
          await new Promise((resolve) => sim.timers.setTimeout(resolve, 10))
        }
        store = Object.fromEntries(server.databases[0]!)
        socket.destroy()
        server.close()
      },
      { seed: 1, network: { nodes: 2, hosts: { redis: 1 } } },
    )
    expect(report.outcome).toBe('passed')
    expect(report.replay).toBe('identical')
    return { replies, store, trace: report.traceText() }
  }

  test('answers the handshake ioredis 6 sends (HELLO refused as Redis 5 does, CLIENT SETINFO, INFO) and the commands', async () => {
    const { replies, store, trace } = await exchange(
      request('hello', '3') + request('client', 'SETINFO', 'LIB-NAME', 'ioredis') + request('info') + request('info') + request('select', '2') + request('select', '0') +
        request('ping') + request('set', 'a', 'x') + request('incr', 'n') + request('incr', 'n') + request('incr', 'a') + request('get', 'n') + request('del', 'a', 'b') + request('get', 'a') + request('nope'),
    )
    expect(replies.split('\r\n').filter((line) => /^[-+:$]/.test(line))).toEqual([
      "-ERR unknown command 'HELLO', with args beginning with: '3' ",
      '+OK',
      '$81',
      '$81',
      '+OK',
      '+OK',
      '+PONG',
      '+OK',
      ':1',
      ':2',
      '-ERR value is not an integer or out of range',
      '$1',
      ':1',
      '$-1',
      "-ERR unknown command 'nope', with args beginning with: ",
    ])
    expect(replies).toContain('loading:1\r\n')
    expect(replies).toContain('loading:0\r\n')
    expect(store).toEqual({ n: '2' })
    expect(trace).toMatch(/^event=\d+ redis\.apply conn=1 cmd=incr key=n result=2$/m)
  })

  test('the negative control undoes a reset connection’s writes; the real server keeps them', async () => {
    const writes = request('set', 'a', 'x') + request('incr', 'n')
    expect((await exchange(writes, { reset_after: true })).store).toEqual({ a: 'x', n: '1' })
    const control = await exchange(writes, { reset_after: true, rollback_on_reset: true })
    expect(control.store).toEqual({})
    expect(control.trace).toMatch(/^event=\d+ redis\.rollback conn=1 writes=2$/m)
  })
})
