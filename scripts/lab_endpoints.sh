#!/usr/bin/env bash
# Print how to reach each DC's load balancer in the local lab.
set -euo pipefail
echo
echo "Lab load balancers (self-signed TLS; the backends are the sample pack's stand-in servers, a TEST DOUBLE):"
for dc in dc1 dc2; do
    lb="apim-$dc-lb"
    ip=$(docker inspect -f "{{ (index .NetworkSettings.Networks \"apim-$dc\").IPAddress }}" "$lb" 2>/dev/null || true)
    [ -n "$ip" ] || { echo "  $dc: $lb is not running"; continue; }
    echo "  $dc: gateway https://$ip:8243/  http://$ip:8280/   management https://$ip:9443/ (publisher: /publisher$([ "$dc" = dc1 ] || echo ', 404 here'))"
done
