import {describe, expect, it} from 'vitest'

import {parseListenAddress} from '../../src/core/listen-address.js'
import {UsageError} from '../../src/errors.js'

describe('parseListenAddress', () => {
  it.each([
    ['127.0.0.1:8181', {host: '127.0.0.1', port: 8181}],
    ['0.0.0.0:80', {host: '0.0.0.0', port: 80}],
    ['localhost:0', {host: 'localhost', port: 0}],
    ['auth.internal.example.com:65535', {host: 'auth.internal.example.com', port: 65_535}],
    ['[::1]:8181', {host: '::1', port: 8181}],
    ['[::]:8181', {host: '::', port: 8181}],
  ])('takes %s', (text, address) => {
    expect(parseListenAddress(text)).toEqual(address)
  })

  it.each(['', '8181', 'localhost', ':8181', '127.0.0.1:', '127.0.0.1:65536', '127.0.0.1:123456', '127.0.0.1:-1', '127.0.0.1:80a',
    'http://127.0.0.1:8181', '::1:8181', '[::1]', '[127.0.0.1]:80', '1.2.3:80', '999.1.1.1:80', 'a b:80', 'host_name:80', '-host:80',
    '127.0.0.1:8181\n', 'x'.repeat(300) + ':80'])('refuses %j with a usage error naming --listen', (text) => {
    expect(() => parseListenAddress(text)).toThrow(UsageError)
    expect(() => parseListenAddress(text)).toThrow(/--listen/)
  })

})
