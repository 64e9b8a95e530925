// tests/integration/aedes/broker.js — a second, independent broker (npm aedes)
// configured like Aliyun for one device, so alimqtt is not tested against
// mosquitto's quirks only. Usage: node broker.js PORT PK DN PASSWORD
// Like Aliyun: wrong credentials get CONNACK 4; the device may subscribe only to
// /PK/DN/user/get and /sys/PK/DN/..., anything else gets SUBACK 0x80. The user
// "cloud" (password "cloudpw") may do anything. Prints "ready" once listening.
'use strict'
const { createServer } = require('node:net')
const { Aedes } = require('aedes')

const [port, pk, dn, password] = process.argv.slice(2)
const deviceUser = `${dn}&${pk}`

function allowedForDevice (topic) {
  return topic === `/${pk}/${dn}/user/get` || topic.startsWith(`/sys/${pk}/${dn}/`)
}

async function main () {
  const broker = await Aedes.createBroker()
  broker.authenticate = (client, username, pass, callback) => {
    const ok = (username === deviceUser && pass && pass.toString() === password) ||
               (username === 'cloud' && pass && pass.toString() === 'cloudpw')
    if (ok) {
      client.isCloud = username === 'cloud'
      return callback(null, true)
    }
    const error = new Error('bad user name or password')
    error.returnCode = 4
    callback(error, null)
  }
  broker.authorizeSubscribe = (client, sub, callback) => {
    callback(null, client.isCloud || allowedForDevice(sub.topic) ? sub : null)
  }
  const server = createServer(broker.handle)
  server.listen(Number(port), '127.0.0.1', () => console.log('ready'))
  const stop = () => server.close(() => broker.close(() => process.exit(0)))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
main()
