import {describe, expect, it} from 'vitest'
import {dependencyHostPorts} from '../../src/doctor/checks/ports.js'

describe('doctor: which host ports a dependency publishes', () => {
  it('reads the compose-style forms the config accepts', () => {
    expect(dependencyHostPorts('3306:3306')).toEqual([{port: 3306, host: '127.0.0.1'}])
    expect(dependencyHostPorts('0.0.0.0:9000:9000/tcp')).toEqual([{port: 9000, host: '0.0.0.0'}])
    expect(dependencyHostPorts({host: 6380, container: 6379, hostIp: '127.0.0.1', protocol: 'tcp'})).toEqual([
      {port: 6380, host: '127.0.0.1'},
    ])
    // A container port alone: the engine picks a free host port, nothing to check.
    expect(dependencyHostPorts(6379)).toEqual([])
    expect(dependencyHostPorts('6379')).toEqual([])
    expect(dependencyHostPorts({container: 6379, hostIp: '127.0.0.1', protocol: 'tcp'})).toEqual([])
  })
})
