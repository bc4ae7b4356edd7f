# The gateway's two images from one file, one target each. Build from the repository root:
#   docker build --target silo --build-arg SDK_IMAGE=... --build-arg RUNTIME_IMAGE=... --build-arg NODE_IMAGE=... -t gateway-silo .
#   docker build --target frontend --build-arg ... -t gateway-frontend .
# silo: the Orleans silo and the admin API. frontend: Kestrel and YARP, an Orleans client of the silos (and, in its
# embedded default, a silo of its own, which is why it carries the console too).
# scripts/check-publish.sh runs the publish commands below outside Docker and checks that their output holds
# everything the targets copy and start (no Docker engine is needed for that check).

# The base images come from your registry, as build arguments: the .NET 10 SDK and ASP.NET Core runtime, and Node.js
# (20 or later, with npm 11: Vite 8 needs them) for the web console and the documentation pages' renderer:
#   --build-arg SDK_IMAGE=<registry>/dotnet/sdk:10.0 --build-arg RUNTIME_IMAGE=<registry>/dotnet/aspnet:10.0
#   --build-arg NODE_IMAGE=<registry>/node:22
ARG SDK_IMAGE
ARG RUNTIME_IMAGE
ARG NODE_IMAGE

# The web console (served by the admin host at /console) and Redoc for /docs, from their lock files. npm uses the
# registry its own configuration names (pass an .npmrc as a build secret for a private one).
# scripts/check-publish.sh runs this stage's WORKDIR, COPY and RUN lines outside Docker.
FROM ${NODE_IMAGE} AS web
WORKDIR /src/console
COPY console/package.json console/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY console/index.html console/tsconfig.json console/vite.config.ts ./
COPY console/src/ src/
RUN npm run build
WORKDIR /src/Silo/Docs/renderer
COPY Silo/Docs/renderer/package.json Silo/Docs/renderer/package-lock.json ./
RUN npm ci --no-audit --no-fund

# The sources of both images, restored once: the two publish stages below start from here.
FROM ${SDK_IMAGE} AS build
WORKDIR /src
# Project files first, so that the restore layer is reused while only sources change.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY Grains.Interfaces/Grains.Interfaces.csproj Grains.Interfaces/
COPY Secrets/Secrets.csproj Secrets/
COPY Grains/Grains.csproj Grains/
COPY SdkGenerator/SdkGenerator.csproj SdkGenerator/
COPY Hosting/Hosting.csproj Hosting/
COPY Silo/Silo.csproj Silo/
COPY BackendSignature/BackendSignature.csproj BackendSignature/
COPY Frontend/Frontend.csproj Frontend/
RUN dotnet restore Silo/Silo.csproj && dotnet restore Frontend/Frontend.csproj
COPY Grains.Interfaces/ Grains.Interfaces/
COPY Secrets/ Secrets/
COPY Grains/ Grains/
COPY SdkGenerator/ SdkGenerator/
COPY Hosting/ Hosting/
COPY Silo/ Silo/
COPY BackendSignature/ BackendSignature/
COPY Frontend/ Frontend/
# What the web stage built, where the Silo's project picks it up as content (console/dist, the Redoc bundle).
COPY --from=web /src/console/dist/ console/dist/
COPY --from=web /src/Silo/Docs/renderer/node_modules/redoc/bundles/redoc.standalone.js Silo/Docs/renderer/node_modules/redoc/bundles/

# One publish stage per image, so that building one target publishes only its project.
FROM build AS publish-silo
RUN dotnet publish Silo/Silo.csproj -c Release -o /app -p:UseAppHost=false --no-restore

FROM build AS publish-frontend
RUN dotnet publish Frontend/Frontend.csproj -c Release -o /app -p:UseAppHost=false --no-restore

# What both images run on.
FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
# The base image listens on 8080 through ASPNETCORE_HTTP_PORTS; both hosts bind their own ports, so the default is
# cleared to avoid an override warning.
# Nothing is written below / at run time: mount an emptyDir on /tmp for a read-only root file system.
# GC: the managed heap's limit from the container's memory limit (75 %, hexadecimal 4b), and compaction that gives
# memory back after a burst of large bodies or imports (README "Memory"). The chart sets the same (dotnetGc).
ENV ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1 \
    DOTNET_GCHeapHardLimitPercent=4b \
    DOTNET_GCConserveMemory=5 \
    TMPDIR=/tmp
# The non-root user of the .NET images ('app', uid 1654), numeric so that runAsNonRoot can verify it.
USER 1654

# The silo: Admin:Port 8081, Cluster:SiloPort 11111, Cluster:GatewayPort 30000.
FROM runtime AS silo
COPY --from=publish-silo --chown=root:root /app/ /app/
EXPOSE 8081 11111 30000
# No curl in the runtime image: bash's /dev/tcp asks the liveness endpoint on the admin port.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${Admin__Port:-8081} && printf 'GET /health/live HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "/app/Gateway.Silo.dll"]

# The frontend: Frontend:HttpPort 8080, Frontend:Http2Port 8082.
FROM runtime AS frontend
COPY --from=publish-frontend --chown=root:root /app/ /app/
EXPOSE 8080 8082
# No curl in the runtime image: bash's /dev/tcp asks the liveness endpoint on the HTTP port.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${Frontend__HttpPort:-8080} && printf 'GET /health/live HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "/app/Gateway.Frontend.dll"]
