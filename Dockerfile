# syntax=docker/dockerfile:1
# DrsGraph gateway image. Build from the repository root:
#   docker build -t drsgraph-gateway .
# The same image also runs the DRS emulator (entrypoint `dotnet DrsGraph.Emulator.dll`), see deploy/.

# --- build: .NET SDK plus Node/npm (the gateway's build installs its GraphQL IDE from npm) -------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Everything at once (no restore-only layer): the gateway project imports build files from its own
# folder, so restoring from the .csproj files alone would fail. The cache mounts keep NuGet and npm
# downloads across builds instead.
COPY . .
# ReadyToRun: the assemblies carry precompiled native code for the image's architecture (TARGETARCH, set
# by BuildKit: amd64 or arm64), so a new replica starts serving from native code instead of JIT-compiling
# every hot method first; tiered compilation still recompiles the hot paths with PGO later (see the
# gateway's csproj). bench/run.sh measures this same publish by default (BENCH_READY_TO_RUN).
ARG TARGETARCH
RUN --mount=type=cache,id=drsgraph-nuget,target=/root/.nuget/packages \
    --mount=type=cache,id=drsgraph-npm,target=/root/.npm \
    dotnet publish src/DrsGraph.Gateway/DrsGraph.Gateway.csproj -c Release -o /app -p:UseAppHost=false \
      -a "$TARGETARCH" --self-contained false -p:PublishReadyToRun=true

# --- run: ASP.NET Core runtime only, as the image's non-root user --------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# Configuration comes from environment variables (Drs__Endpoint, ConnectionStrings__Redis, ...; see
# deploy/README.md). Containers log JSON lines; set Logging__Console__FormatterName=simple to read them by eye.
# DOTNET_GCgen0size: a 64 MB gen0 budget instead of the small one the runtime picks for server GC with
# dynamic adaptation: a quarter of the gen0 collections and ~25 % less CPU per warm request for ~25 MB
# more RSS (bench/README.md, Findings 2). Only the environment variable sets it; runtimeconfig cannot.
# DOTNET_TC_CallCountingDelayMs=0: the JIT starts counting calls for promotion to optimized code at once
# instead of waiting for 100 ms without new methods, which a busy new replica never has: its first 10 s
# of cold load cost 16-21 % less CPU per request, the steady state the same (bench/README.md, "issue 15, a
# new replica's first seconds").
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Logging__Console__FormatterName=json \
    DOTNET_NOLOGO=1 \
    DOTNET_GCgen0size=0x4000000 \
    DOTNET_TC_CallCountingDelayMs=0
EXPOSE 8080
# APP_UID (1654) is the non-root "app" user the .NET images ship.
USER $APP_UID
# No curl or wget in this image: the gateway's own binary probes /health/live and exits 0 or 1. The start period
# covers the start-up warm-up (Gateway:Health:WarmUpRequests: ~15 s on two cores, nothing listens meanwhile).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["dotnet", "DrsGraph.Gateway.dll", "--health-probe"]
ENTRYPOINT ["dotnet", "DrsGraph.Gateway.dll"]
