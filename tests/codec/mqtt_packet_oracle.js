#!/usr/bin/env node
// Differential oracle for the alimqtt codec, built on npm's mqtt-packet (an
// independent MQTT implementation). Two modes:
//   node mqtt_packet_oracle.js <npm-prefix> generate <seed> <count>
//       prints <count> random valid MQTT 3.1.1 packets, one per line, as
//       "hex=<bytes> cmd=<type> <field>=<value>..." (strings and buffers hex)
//   node mqtt_packet_oracle.js <npm-prefix> check <file>
//       parses every line's hex with mqtt-packet, compares the fields with the
//       line's, regenerates the bytes from the fields and compares them too.
//       Exit status 0 only if every line agrees.
'use strict'
const path = require('path')
const fs = require('fs')
const readline = require('readline')

const [prefix, mode, ...rest] = process.argv.slice(2)
const mqtt = require(path.join(prefix, 'node_modules', 'mqtt-packet'))
const opts = { protocolVersion: 4 }

// mulberry32: tiny seeded PRNG so every run with a seed is reproducible.
function rng (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function makeGen (seed) {
  const r = rng(seed)
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1))
  const pick = (xs) => xs[int(0, xs.length - 1)]
  const bool = () => r() < 0.5
  // Characters of 1, 2, 3 and 4 UTF-8 bytes; no U+0000, no wildcards.
  const alphabet = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-. |&=,', 'é', 'ß', 'Ж', '中', '文', '€', '😀', '🚀', '\u007f', '\uffff']
  const word = (max) => { let s = ''; const n = int(0, max); for (let i = 0; i < n; i++) s += pick(alphabet); return s }
  const bytes = (max) => { const n = int(0, max); const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = int(0, 255); return b }
  const topicName = () => {
    const levels = int(1, 5)
    const parts = []
    for (let i = 0; i < levels; i++) parts.push(word(8))
    if (r() < 0.1) parts[0] = '$SYS'
    let t = parts.join('/')
    if (t.length === 0) t = 'x'
    return t
  }
  const topicFilter = () => {
    const levels = int(1, 5)
    const parts = []
    for (let i = 0; i < levels; i++) {
      const x = r()
      parts.push(x < 0.2 ? '+' : word(6))
    }
    if (r() < 0.3) parts.push('#')
    let f = parts.join('/')
    if (f.length === 0) f = '#'
    return f
  }
  const id = () => int(1, 65535)
  const qos = () => int(0, 2)

  return function packet (index) {
    const cmd = pick(['connect', 'connack', 'publish', 'publish', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
      'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect'])
    switch (cmd) {
      case 'connect': {
        const p = { cmd, protocolId: 'MQTT', protocolVersion: 4, clientId: word(30), keepalive: int(0, 65535), clean: bool() }
        if (p.clientId === '') p.clean = true // [MQTT-3.1.3-7]
        if (bool()) p.will = { topic: topicName(), payload: bytes(60), qos: qos(), retain: bool() }
        if (bool()) {
          p.username = word(20)
          if (bool()) p.password = bytes(40)
        }
        return p
      }
      case 'connack': {
        const returnCode = r() < 0.5 ? 0 : int(0, 5)
        return { cmd, returnCode, sessionPresent: returnCode === 0 ? bool() : false }
      }
      case 'publish': {
        const q = qos()
        let size = int(0, 300)
        if (index % 500 === 499) size = int(16384, 40000) // 3-byte remaining length
        if (index === 4321) size = 2100000 // 4-byte remaining length
        const p = { cmd, topic: topicName(), payload: Buffer.alloc(size), qos: q, retain: bool(), dup: q > 0 ? bool() : false }
        for (let i = 0; i < Math.min(size, 4096); i++) p.payload[i] = int(0, 255)
        if (q > 0) p.messageId = id()
        return p
      }
      case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp': case 'unsuback':
        return { cmd, messageId: id() }
      case 'subscribe': {
        const n = int(1, 5)
        const subscriptions = []
        for (let i = 0; i < n; i++) subscriptions.push({ topic: topicFilter(), qos: qos() })
        return { cmd, messageId: id(), subscriptions }
      }
      case 'suback': {
        const n = int(1, 8)
        const granted = []
        for (let i = 0; i < n; i++) granted.push(pick([0, 1, 2, 128]))
        return { cmd, messageId: id(), granted }
      }
      case 'unsubscribe': {
        const n = int(1, 5)
        const unsubscriptions = []
        for (let i = 0; i < n; i++) unsubscriptions.push(topicFilter())
        return { cmd, messageId: id(), unsubscriptions }
      }
      default:
        return { cmd }
    }
  }
}

const hex = (x) => Buffer.from(x === undefined ? '' : x, typeof x === 'string' ? 'utf8' : undefined).toString('hex')

// The field description shared with the C++ side (see test_codec_mqtt_packet.cpp).
function describe (p) {
  const f = { cmd: p.cmd }
  switch (p.cmd) {
    case 'connect':
      f.client = hex(p.clientId)
      f.keepalive = String(p.keepalive)
      f.clean = p.clean ? '1' : '0'
      if (p.will) {
        f.will_topic = hex(p.will.topic)
        f.will_payload = hex(p.will.payload)
        f.will_qos = String(p.will.qos)
        f.will_retain = p.will.retain ? '1' : '0'
      }
      if (p.username !== undefined) f.username = hex(p.username)
      if (p.password !== undefined) f.password = hex(p.password)
      break
    case 'connack':
      f.session_present = p.sessionPresent ? '1' : '0'
      f.code = String(p.returnCode)
      break
    case 'publish':
      f.topic = hex(p.topic)
      f.payload = hex(p.payload)
      f.qos = String(p.qos)
      f.dup = p.dup ? '1' : '0'
      f.retain = p.retain ? '1' : '0'
      if (p.qos > 0) f.id = String(p.messageId)
      break
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp': case 'unsuback':
      f.id = String(p.messageId)
      break
    case 'subscribe':
      f.id = String(p.messageId)
      f.filters = p.subscriptions.map((s) => hex(s.topic)).join(',')
      f.qoss = p.subscriptions.map((s) => String(s.qos)).join(',')
      break
    case 'suback':
      f.id = String(p.messageId)
      f.codes = p.granted.map(String).join(',')
      break
    case 'unsubscribe':
      f.id = String(p.messageId)
      f.filters = p.unsubscriptions.map(hex).join(',')
      break
  }
  return f
}

function format (fields) {
  return Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ')
}

function parseLine (line) {
  const f = {}
  for (const tok of line.trim().split(' ')) {
    const eq = tok.indexOf('=')
    f[tok.slice(0, eq)] = tok.slice(eq + 1)
  }
  return f
}

const unhexUtf8 = (h) => Buffer.from(h, 'hex').toString('utf8')

// Fields (as written by describe) back to an mqtt-packet object for generate().
function fromFields (f) {
  const p = { cmd: f.cmd }
  switch (f.cmd) {
    case 'connect':
      Object.assign(p, { protocolId: 'MQTT', protocolVersion: 4, clientId: unhexUtf8(f.client), keepalive: Number(f.keepalive), clean: f.clean === '1' })
      if (f.will_topic !== undefined) p.will = { topic: unhexUtf8(f.will_topic), payload: Buffer.from(f.will_payload, 'hex'), qos: Number(f.will_qos), retain: f.will_retain === '1' }
      if (f.username !== undefined) p.username = unhexUtf8(f.username)
      if (f.password !== undefined) p.password = Buffer.from(f.password, 'hex')
      break
    case 'connack':
      Object.assign(p, { sessionPresent: f.session_present === '1', returnCode: Number(f.code) })
      break
    case 'publish':
      Object.assign(p, { topic: unhexUtf8(f.topic), payload: Buffer.from(f.payload, 'hex'), qos: Number(f.qos), dup: f.dup === '1', retain: f.retain === '1' })
      if (f.id !== undefined) p.messageId = Number(f.id)
      break
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp': case 'unsuback':
      p.messageId = Number(f.id)
      break
    case 'subscribe': {
      const qoss = f.qoss.split(',').map(Number)
      p.messageId = Number(f.id)
      p.subscriptions = f.filters.split(',').map((h, i) => ({ topic: unhexUtf8(h), qos: qoss[i] }))
      break
    }
    case 'suback':
      p.messageId = Number(f.id)
      p.granted = f.codes.split(',').map(Number)
      break
    case 'unsubscribe':
      p.messageId = Number(f.id)
      p.unsubscriptions = f.filters.split(',').map(unhexUtf8)
      break
  }
  return p
}

function parseWithMqttPacket (buf) {
  const parser = mqtt.parser(opts)
  const out = []
  let error = null
  parser.on('packet', (p) => out.push(p))
  parser.on('error', (e) => { error = e })
  parser.parse(buf)
  if (error) throw error
  if (out.length !== 1) throw new Error(`expected one packet, parsed ${out.length}`)
  return out[0]
}

function generate (seed, count) {
  const gen = makeGen(seed)
  const out = process.stdout
  for (let i = 0; i < count; i++) {
    const p = gen(i)
    const bytes = mqtt.generate(p, opts)
    // Self-check: the oracle's own parser must agree with its generator.
    const back = format(describe(parseWithMqttPacket(bytes)))
    const fields = format(describe(p))
    if (back !== fields) throw new Error(`mqtt-packet disagrees with itself at seed ${seed} index ${i}`)
    out.write(`hex=${bytes.toString('hex')} ${fields}\n`)
  }
}

async function check (file) {
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
  let n = 0
  let bad = 0
  for await (const line of rl) {
    if (!line.trim()) continue
    n++
    const f = parseLine(line)
    const { hex: wire, ...fields } = f
    const expected = format(fields)
    try {
      const parsed = format(describe(parseWithMqttPacket(Buffer.from(wire, 'hex'))))
      if (parsed !== expected) throw new Error(`fields differ:\n  ours:        ${expected}\n  mqtt-packet: ${parsed}`)
      const regenerated = mqtt.generate(fromFields(fields), opts).toString('hex')
      if (regenerated !== wire) throw new Error(`bytes differ:\n  ours:        ${wire}\n  mqtt-packet: ${regenerated}`)
    } catch (e) {
      bad++
      if (bad <= 10) console.error(`line ${n}: ${e.message}`)
    }
  }
  console.log(`checked ${n} packets, ${bad} disagreements`)
  process.exit(bad === 0 && n > 0 ? 0 : 1)
}

if (mode === 'generate') {
  generate(Number(rest[0]), Number(rest[1]))
} else if (mode === 'check') {
  check(rest[0])
} else {
  console.error('usage: mqtt_packet_oracle.js <npm-prefix> generate <seed> <count> | check <file>')
  process.exit(2)
}
