/**
 * What the reference's pages read from each analytics / tools endpoint,
 * written as {@linkcode Spec}s (field names and JSON types from the reference
 * API's handlers and the fields its `public/*.js` pages read).
 *
 * @module
 */

import type { Spec } from "./shape_check.ts";

const bins: Spec = {
  bins: [{ x: "number", w: "number", count: "number" }],
  min: "number",
  max: "number",
};
const five: Spec = {
  min: "number",
  max: "number",
  avg: "number",
  median: "number",
  stddev: "number",
};
const named: Spec = { name: "string?", pubkey: "string?" };

/** `/api/analytics/rf`. */
export const RF: Spec = {
  totalPackets: "number",
  totalAllPackets: "number",
  totalTransmissions: "number",
  snr: five,
  rssi: five,
  snrValues: bins,
  rssiValues: bins,
  packetSizes: bins,
  minPacketSize: "number",
  maxPacketSize: "number",
  avgPacketSize: "number",
  packetsPerHour: [{ hour: "string", count: "number" }],
  payloadTypes: [{ type: "number?", name: "string", count: "number" }],
  snrByType: [{ name: "string", count: "number", avg: "number", min: "number", max: "number" }],
  signalOverTime: [{ hour: "string", count: "number", avgSnr: "number" }],
  scatterData: [{ snr: "number", rssi: "number" }],
  timeSpanHours: "number",
};

/** `/api/analytics/topology`. */
export const TOPOLOGY: Spec = {
  uniqueNodes: "number",
  avgHops: "number",
  medianHops: "number",
  maxHops: "number",
  hopDistribution: [{ hops: "number", count: "number" }],
  topRepeaters: [{ hop: "string", count: "number", ...named }],
  topPairs: [{
    hopA: "string",
    hopB: "string",
    count: "number",
    nameA: "string?",
    nameB: "string?",
    pubkeyA: "string?",
    pubkeyB: "string?",
  }],
  hopsVsSnr: [{ hops: "number", count: "number", avgSnr: "number" }],
  observers: [{ id: "string", name: "string" }],
  perObserverReach: {
    "*": {
      observer_name: "string",
      rings: [{
        hops: "number",
        nodes: [{ hop: "string", ...named, count: "number", distRange: "string?" }],
      }],
    },
  },
  multiObsNodes: [{
    hop: "string",
    ...named,
    observers: [{
      observer_id: "string",
      observer_name: "string",
      minDist: "number",
      count: "number",
    }],
  }],
  bestPathList: [{
    hop: "string",
    ...named,
    minDist: "number",
    observer_id: "string",
    observer_name: "string",
  }],
};

/** `/api/analytics/channels`. */
export const CHANNELS: Spec = {
  activeChannels: "number",
  decryptable: "number",
  channels: [{
    hash: "string",
    name: "string",
    messages: "number",
    senders: "number",
    lastActivity: "string",
    encrypted: "boolean",
  }],
  topSenders: [{ name: "string", count: "number" }],
  channelTimeline: [{ hour: "string", channel: "string", count: "number" }],
  msgLengths: ["number"],
};

/** `/api/analytics/hash-sizes`. */
export const HASH_SIZES: Spec = {
  total: "number",
  distribution: { "1": "number", "2": "number", "3": "number" },
  distributionByRepeaters: { "1": "number", "2": "number", "3": "number" },
  hourly: [{ hour: "string", "1": "number", "2": "number", "3": "number" }],
  topHops: [{ hex: "string", size: "number", count: "number", ...named }],
  multiByteNodes: [{
    name: "string",
    hashSize: "number",
    packets: "number",
    lastSeen: "string",
    pubkey: "string",
    role: "string",
  }],
  multiByteCapability: [{
    pubkey: "string",
    name: "string",
    role: "string",
    status: "string",
    evidence: "string",
    maxHashSize: "number",
    lastSeen: "string",
  }],
};

const collisionNode: Spec = {
  public_key: "string",
  name: "string",
  role: "string",
  lat: "number",
  lon: "number",
  hash_size: "number",
  hash_size_inconsistent: "boolean",
};
const sizeStats: Spec = {
  stats: {
    total_nodes: "number",
    nodes_for_byte: "number",
    using_this_size: "number",
    unique_prefixes: "number",
    collision_count: "number",
    space_size: "number",
    pct_used: "number",
  },
  collisions: [{
    prefix: "string",
    byte_size: "number",
    appearances: "number",
    nodes: [collisionNode],
    max_dist_km: "number",
    classification: "string",
    with_coords: "number",
  }],
};

/** `/api/analytics/hash-collisions`. */
export const HASH_COLLISIONS: Spec = {
  inconsistent_nodes: [collisionNode],
  by_size: {
    "1": { ...sizeStats, one_byte_cells: { "*": [collisionNode] } },
    "2": {
      ...sizeStats,
      two_byte_cells: {
        "*": {
          group_nodes: [collisionNode],
          two_byte_map: { "*": [collisionNode] },
          max_collision: "number",
          collision_count: "number",
        },
      },
    },
    "3": sizeStats,
  },
};

/** One `/api/analytics/subpaths` answer (also each bulk result). */
export const SUBPATHS: Spec = {
  subpaths: [{
    path: "string",
    rawHops: ["string"],
    count: "number",
    hops: "number",
    pct: "number",
  }],
  totalPaths: "number",
};

/** `/api/analytics/roles`. */
export const ROLES: Spec = {
  totalNodes: "number",
  roles: [{
    role: "string",
    nodeCount: "number",
    withSkew: "number",
    meanAbsSkewSec: "number",
    medianAbsSkewSec: "number",
    okCount: "number",
    warningCount: "number",
    criticalCount: "number",
    absurdCount: "number",
    noClockCount: "number",
  }],
};

/** `/api/analytics/relay-airtime-share`. */
export const AIRTIME: Spec = {
  rows: [{
    payload_type: "string",
    type: "number",
    count: "number",
    count_pct: "number",
    score: "number",
    airtime_pct: "number",
  }],
  total_count: "number",
  total_score: "number",
  preset: { freq_hz: "number", bw_khz: "number", sf: "number", cr: "number", preamble: "number" },
  window: "string",
  cached: "boolean",
};

/** `POST /api/paths/inspect`. */
export const INSPECT: Spec = {
  candidates: [{
    path: ["string"],
    names: ["string"],
    score: "number",
    speculative: "boolean",
    evidence: {
      perHop: [{
        prefix: "string",
        candidatesConsidered: "number",
        chosen: "string",
        edgeWeight: "number",
        confidence: "number",
        alternatives: [{ publicKey: "string", name: "string", score: "number" }],
      }],
    },
  }],
  input: { prefixes: ["string"], hops: "number" },
  stats: { beamWidth: "number", expansionsRun: "number", elapsedMs: "number" },
};

/** `/api/audio-lab/buckets`. */
export const AUDIO: Spec = {
  buckets: {
    "*": [{
      hash: "string?",
      raw_hex: "string?",
      decoded_json: "string?",
      observation_count: "number",
      payload_type: "number",
      path_json: "string?",
      observer_id: "string?",
      timestamp: "string?",
    }],
  },
};

/** `/api/perf`. */
export const PERF: Spec = {
  uptime: "number",
  totalRequests: "number",
  avgMs: "number",
  endpoints: {
    "*": { count: "number", avgMs: "number", p50Ms: "number", p95Ms: "number", maxMs: "number" },
  },
  slowQueries: [{ path: "string", ms: "number", time: "string", status: "number" }],
  cache: {
    size: "number",
    hits: "number",
    misses: "number",
    staleHits: "number",
    recomputes: "number",
    hitRate: "number",
  },
  packetStore: {
    totalLoaded: "number",
    totalObservations: "number",
    evicted: "number",
    inserts: "number",
    queries: "number",
    inMemory: "number",
    sqliteOnly: "boolean",
    maxPackets: "number",
    estimatedMB: "number",
    trackedMB: "number",
    maxMB: "number",
    indexes: {
      byHash: "number",
      byObserver: "number",
      byNode: "number",
      advertByObserver: "number",
    },
  },
  sqlite: {
    dbSizeMB: "number",
    walSizeMB: "number",
    freelistMB: "number",
    rows: {
      transmissions: "number",
      observations: "number",
      nodes: "number",
      observers: "number",
    },
  },
  goRuntime: "object?",
};

/** `/api/perf/io`. */
export const PERF_IO: Spec = {
  readBytesPerSec: "number",
  writeBytesPerSec: "number",
  cancelledWriteBytesPerSec: "number",
  syscallsRead: "number",
  syscallsWrite: "number",
};

/** `/api/perf/sqlite`. */
export const PERF_SQLITE: Spec = {
  walSizeMB: "number",
  walSize: "number",
  pageCount: "number",
  pageSize: "number",
  cacheSize: "number",
  cacheHitRate: "number",
};

/** `/api/perf/write-sources`. */
export const WRITE_SOURCES: Spec = {
  sources: { "*": "number" },
  sampleAt: "string",
  writer_perf: "object",
};

/** `/api/known-channels`. */
export const KNOWN_CHANNELS: Spec = {
  fetchedAt: "string",
  source: "string",
  entries: [{ channel: "string", region: "string" }],
};

/** `/api/debug/affinity`. */
export const AFFINITY: Spec = {
  edges: [{
    nodeA: "string",
    nodeB: "string",
    prefix: "string",
    weight: "number",
    observationCount: "number",
    score: "number",
    observers: ["string"],
    ambiguous: "boolean",
  }],
  resolutions: "array",
  stats: {
    totalEdges: "number",
    totalNodes: "number",
    resolvedCount: "number",
    ambiguousCount: "number",
    unresolvedCount: "number",
    avgConfidence: "number",
    coldStartCoverage: "number",
    cacheAge: "string",
    lastRebuild: "string",
  },
};

/** `/api/nodes/{pk}/analytics`. */
export const NODE_ANALYTICS: Spec = {
  node: { public_key: "string", name: "string?", role: "string" },
  timeRange: { from: "string", to: "string", days: "number" },
  activityTimeline: [{ bucket: "string", count: "number" }],
  snrTrend: [{
    timestamp: "string",
    snr: "number?",
    rssi: "number?",
    observer_id: "string?",
    observer_name: "string?",
  }],
  packetTypeBreakdown: [{ payload_type: "number", count: "number" }],
  observerCoverage: [{
    observer_id: "string?",
    observer_name: "string?",
    packetCount: "number",
    avgSnr: "number?",
    avgRssi: "number?",
  }],
  hopDistribution: [{ hops: "string", count: "number" }],
  peerInteractions: [{
    peer_key: "string",
    peer_name: "string",
    messageCount: "number",
    lastContact: "string",
  }],
  uptimeHeatmap: [{ dayOfWeek: "number", hour: "number", count: "number" }],
  computedStats: {
    availabilityPct: "number",
    longestSilenceMs: "number",
    longestSilenceStart: "string?",
    signalGrade: "string",
    snrMean: "number",
    snrStdDev: "number",
    relayPct: "number",
    totalPackets: "number",
    uniqueObservers: "number",
    uniquePeers: "number",
    avgPacketsPerDay: "number",
  },
};

/** `/api/analytics/subpath-detail`. */
export const SUBPATH_DETAIL: Spec = {
  hops: ["string"],
  nodes: [{ hop: "string", name: "string", lat: "number?", lon: "number?", pubkey: "string?" }],
  totalMatches: "number",
  firstSeen: "string?",
  lastSeen: "string?",
  signal: { avgSnr: "number?", avgRssi: "number?", samples: "number" },
  hourDistribution: ["number"],
  parentPaths: [{ path: "string", count: "number" }],
  observers: [{ name: "string", count: "number" }],
};
