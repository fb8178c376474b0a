/**
 * `hopwatch decode HEX [--key NAME=HEX ...]`: decodes one packet and prints
 * the same structure `POST /api/decode` returns.
 *
 * @module
 */

import { createKeyRing, decodePacket, hexToBytes, verifyAdvertSignature } from "../meshcore/mod.ts";
import type { HopwatchConfig } from "./config.ts";
import { UsageError } from "./args.ts";

/** Output of the decode command and of `POST /api/decode`. */
export type DecodeOutput = ReturnType<typeof decodePacket> & { signatureValid?: boolean };

/**
 * Parses `--key` values: `NAME=HEX` (a 16-byte key) or `#name` (a hashtag
 * channel whose key is derived from its name).
 *
 * @throws {UsageError} on a malformed value.
 */
export function parseKeyArgs(
  keys: string[],
): { channelKeys: Record<string, string>; hashChannels: string[] } {
  const channelKeys: Record<string, string> = {};
  const hashChannels: string[] = [];
  for (const k of keys) {
    const eq = k.indexOf("=");
    if (eq < 0) {
      if (!k.startsWith("#") || k.length < 2) {
        throw new UsageError(
          `Cannot use --key "${k}": expected NAME=HEX (32 hex characters) or a #hashtag name`,
        );
      }
      hashChannels.push(k);
      continue;
    }
    const name = k.slice(0, eq);
    const hex = k.slice(eq + 1);
    if (!name || !/^[0-9a-fA-F]{32}$/.test(hex)) {
      throw new UsageError(
        `Cannot use --key "${k}": expected NAME=HEX with a 16-byte key as 32 hex characters`,
      );
    }
    channelKeys[name] = hex.toLowerCase();
  }
  return { channelKeys, hashChannels };
}

/**
 * Decodes `hex` with the configured channel keys plus `keys`, verifying an
 * ADVERT's signature. Never throws for bad packet input: the result says
 * `valid:false` with the reason.
 */
export async function decodeWithKeys(
  hex: string,
  keys: string[],
  config?: Pick<
    HopwatchConfig,
    "channelKeys" | "hashChannels" | "hashRegions" | "tryAllChannelKeys"
  >,
): Promise<DecodeOutput> {
  const extra = parseKeyArgs(keys);
  const keyRing = createKeyRing({
    channelKeys: { ...config?.channelKeys, ...extra.channelKeys },
    hashChannels: [...(config?.hashChannels ?? []), ...extra.hashChannels],
    tryAllKeys: config?.tryAllChannelKeys ?? false,
  });
  const decoded: DecodeOutput = decodePacket(hex, { keyRing });
  if (decoded.valid && decoded.header?.payloadType === 4) {
    const bytes = hexToBytes(hex);
    decoded.signatureValid = bytes ? await verifyAdvertSignature(bytes) : false;
  }
  return decoded;
}

/** Runs the command; returns the process exit code (0 valid, 1 invalid packet, 2 usage). */
export async function runDecode(
  positionals: string[],
  keys: string[],
  config: HopwatchConfig,
  out: (text: string) => void = console.log,
): Promise<number> {
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "decode needs the packet as one hex argument: hopwatch decode HEX"
        : `decode takes one hex argument, got ${positionals.length}`,
    );
  }
  const decoded = await decodeWithKeys(positionals[0], keys, config);
  out(JSON.stringify(decoded, null, 2));
  return decoded.valid ? 0 : 1;
}
