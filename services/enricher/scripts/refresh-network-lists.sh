#!/usr/bin/env bash
# Refreshes the hosting / VPN / proxy / crawler lists in services/enricher/data/network from upstream.
# Only the files the enricher reads are fetched (keep the repository small). Review the diff, run
# `pnpm jest services/enricher/test/network.test.ts`, and commit with the upstream commits in the message.
#   bad-asn-list   github.com/brianhama/bad-asn-list      MIT     ASNs of hosting providers
#   x4bnet         github.com/X4BNet/lists_vpn            MIT     data-centre and VPN ASNs, VPN ranges
#   lord-alfred    github.com/lord-alfred/ipranges        CC0-1.0 crawler ranges, iCloud Private Relay
set -euo pipefail
cd "$(dirname "$0")/../data/network"
fetch() { # url dest
  local tmp
  tmp="$(mktemp)"
  curl -fsSL --retry 3 "$1" -o "$tmp"
  [ -s "$tmp" ] || { echo "empty download: $1" >&2; exit 1; }
  mkdir -p "$(dirname "$2")"
  mv "$tmp" "$2"
  echo "updated $2"
}
GH=https://raw.githubusercontent.com
fetch "$GH/brianhama/bad-asn-list/master/bad-asn-list.csv" bad-asn-list/bad-asn-list.csv
fetch "$GH/X4BNet/lists_vpn/main/input/datacenter/ASN.txt" x4bnet/datacenter-ASN.txt
fetch "$GH/X4BNet/lists_vpn/main/input/vpn/ASN.txt" x4bnet/vpn-ASN.txt
fetch "$GH/X4BNet/lists_vpn/main/output/vpn/ipv4.txt" x4bnet/vpn-ipv4.txt
fetch "$GH/X4BNet/lists_vpn/main/output/vpn/ipv6.txt" x4bnet/vpn-ipv6.txt
for p in googlebot bing duckduckbot duckassistbot openai perplexity pingdom statuscake apple-proxy; do
  for v in 4 6; do
    # not every provider publishes IPv6 ranges
    if curl -fsSL --retry 3 -o /dev/null -I "$GH/lord-alfred/ipranges/main/$p/ipv${v}_merged.txt" 2>/dev/null; then
      fetch "$GH/lord-alfred/ipranges/main/$p/ipv${v}_merged.txt" "lord-alfred/$p/ipv${v}_merged.txt"
    fi
  done
done
