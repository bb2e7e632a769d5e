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

# Waits until `url` answers 2xx (curl -f), polling every 0.1 s for at most `seconds`; extra curl arguments
# (a method, headers, a body) come after. Returns 1 when it never did.
wait_http() { # url, seconds, [curl args...]
  local url="$1" seconds="$2"; shift 2
  for _ in $(seq $((seconds * 10))); do
    if curl -fsS -o /dev/null --max-time 1 "$@" "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# A process's /proc/<pid>/status figure in kB (VmHWM, VmRSS, RssAnon, ...): status_kb <pid> <name>.
status_kb() { awk -v k="$2:" '$1 == k {print $2 + 0}' "/proc/$1/status"; }

# Gateway arguments that keep the per-caller and per-address rate limit (Gateway:Security:RateLimit, 50/s per
# token by default) in the path, its per-request cost is real, with its limits raised to their maximum: a load
# test measures the gateway, not the policy (unraised, most of a load's answers are 429s).
RAISED_RATE_LIMIT_ARGS=("--Gateway:Security:RateLimit:BurstLimit=1000000" "--Gateway:Security:RateLimit:TokensPerPeriod=1000000"
  "--Gateway:Security:RateLimit:AddressBurstLimit=1000000" "--Gateway:Security:RateLimit:AddressTokensPerPeriod=1000000")
