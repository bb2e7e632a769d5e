# Shell helpers for the scripts that start processes on loopback (bench/, soak/). Source it.

# Prints a TCP port on 127.0.0.1 that nothing listens on now (checked with ss, as redis-server cannot be
# started on port 0 and asked for its port afterwards).
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    [[ -z "$(ss -Htln "sport = :$port" 2>/dev/null)" ]] && { echo "$port"; return; }
  done
}
