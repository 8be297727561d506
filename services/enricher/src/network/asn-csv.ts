import { readFileSync } from 'node:fs';
import type { ParsedIp } from '@beacon/schema';
import { RangeIndexBuilder, type RangeIndex } from './range-index.js';

/**
 * The free ASN table of `@ip-location-db/asn` (RouteViews + RIRs + DB-IP ASN Lite, CC BY 4.0 for the
 * DB-IP names): `asn-ipv4-num.csv` / `asn-ipv6-num.csv`, lines `first,last,asn,"organisation"` with the
 * addresses as decimal integers. Loaded at start into a RangeIndex whose value is the row's index in
 * two small side tables (ASN number, name id), names de-duplicated.
 */
export interface AsnTable {
  lookup(ip: ParsedIp): { asn: number; org: string | null } | null;
  readonly ranges: number;
  readonly bytes: number;
}

/** Splits `a,b,c,rest` where rest may be a CSV-quoted string. */
function splitLine(line: string): [string, string, string, string] | null {
  const c1 = line.indexOf(',');
  const c2 = line.indexOf(',', c1 + 1);
  const c3 = line.indexOf(',', c2 + 1);
  if (c1 < 0 || c2 < 0 || c3 < 0) return null;
  let name = line.slice(c3 + 1).trim();
  if (name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1).replace(/""/g, '"');
  return [line.slice(0, c1), line.slice(c1 + 1, c2), line.slice(c2 + 1, c3), name];
}

export function loadAsnCsv(ipv4Path: string | null, ipv6Path: string | null): AsnTable {
  const builder = new RangeIndexBuilder();
  const asns: number[] = [];
  const nameIds: number[] = [];
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const row = (asn: number, name: string): number => {
    let id = nameIndex.get(name);
    if (id === undefined) {
      id = names.length;
      names.push(name);
      nameIndex.set(name, id);
    }
    asns.push(asn);
    nameIds.push(id);
    return asns.length - 1;
  };
  for (const [path, v] of [
    [ipv4Path, 4],
    [ipv6Path, 6],
  ] as const) {
    if (!path) continue;
    const text = readFileSync(path, 'utf8');
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = text.slice(start, end);
      start = end + 1;
      const parts = splitLine(line);
      if (!parts) continue;
      const asn = Number(parts[2]);
      if (!Number.isFinite(asn)) continue;
      if (v === 4) builder.add4(Number(parts[0]), Number(parts[1]), row(asn, parts[3]));
      else builder.add({ family: 6, start: BigInt(parts[0]), end: BigInt(parts[1]) }, row(asn, parts[3]));
    }
  }
  const index: RangeIndex = builder.build();
  const asnArr = Uint32Array.from(asns);
  const nameArr = Uint32Array.from(nameIds);
  return {
    ranges: index.size,
    bytes: index.bytes + asnArr.byteLength + nameArr.byteLength,
    lookup(ip) {
      const i = index.find(ip);
      if (i < 0) return null;
      return { asn: asnArr[i]!, org: names[nameArr[i]!] || null };
    },
  };
}
