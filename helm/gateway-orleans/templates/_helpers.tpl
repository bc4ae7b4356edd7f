{{/* Names, labels and shared pieces of the gateway-orleans chart. */}}

{{- define "gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gateway.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every resource. */}}
{{- define "gateway.labels" -}}
helm.sh/chart: {{ include "gateway.chart" . }}
app.kubernetes.io/name: {{ include "gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gateway-orleans
{{- end -}}

{{/* Selector labels of one component: call with (dict "ctx" $ "component" "silo"). */}}
{{- define "gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gateway.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "gateway.componentLabels" -}}
{{ include "gateway.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "gateway.clusterId" -}}
{{- default (include "gateway.fullname" .) .Values.cluster.clusterId -}}
{{- end -}}

{{- define "gateway.siloServiceAccountName" -}}
{{- if .Values.silo.serviceAccount.create -}}
{{- default (printf "%s-silo" (include "gateway.fullname" .)) .Values.silo.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.silo.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* image: call with (dict "ctx" $ "image" .Values.silo.image) */}}
{{- define "gateway.image" -}}
{{- $repo := .image.repository -}}
{{- if .ctx.Values.image.registry -}}{{- $repo = printf "%s/%s" (trimSuffix "/" .ctx.Values.image.registry) $repo -}}{{- end -}}
{{- printf "%s:%s" $repo (default .ctx.Chart.AppVersion .image.tag) -}}
{{- end -}}

{{/* Secret names: the existing one when given, else the chart's. */}}
{{- define "gateway.adminTokenSecret" -}}
{{- default (printf "%s-admin-token" (include "gateway.fullname" .)) .Values.secrets.adminToken.existingSecret -}}
{{- end -}}
{{- define "gateway.adminTokenKey" -}}
{{- if .Values.secrets.adminToken.existingSecret -}}{{ .Values.secrets.adminToken.key }}{{- else -}}admin-token{{- end -}}
{{- end -}}

{{- define "gateway.redisPasswordSecret" -}}
{{- default (printf "%s-redis" (include "gateway.fullname" .)) .Values.redis.existingSecret -}}
{{- end -}}
{{- define "gateway.redisPasswordKey" -}}
{{- if .Values.redis.existingSecret -}}{{ .Values.redis.passwordKey }}{{- else -}}redis-password{{- end -}}
{{- end -}}

{{/*
A secret value that is generated once and then kept: the value given, else the one already stored in the cluster
(lookup; empty under helm template), else a new random one. Call with (dict "ctx" $ "name" SECRET "key" KEY "value" V).
*/}}
{{- define "gateway.keptSecretValue" -}}
{{- if .value -}}
{{- .value -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .name -}}
{{- if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum 40 -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "gateway.terminationGracePeriodSeconds" -}}
{{- $computed := add .Values.shutdown.preStopSeconds .Values.shutdown.timeoutSeconds 5 -}}
{{- if kindIs "invalid" .Values.shutdown.terminationGracePeriodSeconds -}}
{{- $computed -}}
{{- else -}}
{{- .Values.shutdown.terminationGracePeriodSeconds -}}
{{- end -}}
{{- end -}}

{{/* Container lifecycle: wait in preStop so that endpoints are removed before SIGTERM. */}}
{{- define "gateway.lifecycle" -}}
{{- if gt (int .Values.shutdown.preStopSeconds) 0 }}
lifecycle:
  preStop:
    {{- if eq .Values.shutdown.preStopHook "sleep" }}
    sleep:
      seconds: {{ .Values.shutdown.preStopSeconds }}
    {{- else }}
    exec:
      command: ["/bin/sleep", "{{ .Values.shutdown.preStopSeconds }}"]
    {{- end }}
{{- end }}
{{- end -}}

{{/* Probes on /health/live and /health/ready of the named port. Call with (dict "ctx" $ "port" "admin"). */}}
{{- define "gateway.probes" -}}
{{- $p := .ctx.Values.probes -}}
startupProbe:
  httpGet: {path: /health/live, port: {{ .port }}}
  periodSeconds: {{ $p.startup.periodSeconds }}
  timeoutSeconds: {{ $p.startup.timeoutSeconds }}
  failureThreshold: {{ $p.startup.failureThreshold }}
livenessProbe:
  httpGet: {path: /health/live, port: {{ .port }}}
  periodSeconds: {{ $p.liveness.periodSeconds }}
  timeoutSeconds: {{ $p.liveness.timeoutSeconds }}
  failureThreshold: {{ $p.liveness.failureThreshold }}
readinessProbe:
  httpGet: {path: /health/ready, port: {{ .port }}}
  periodSeconds: {{ $p.readiness.periodSeconds }}
  timeoutSeconds: {{ $p.readiness.timeoutSeconds }}
  failureThreshold: {{ $p.readiness.failureThreshold }}
{{- end -}}

{{/* The environment both hosts share: the settings ConfigMap, the Redis connection, optional app secrets. */}}
{{- define "gateway.sharedEnvFrom" -}}
- configMapRef:
    name: {{ include "gateway.fullname" . }}-settings
{{- if or .Values.secrets.app.existingSecret .Values.secrets.app.values }}
- secretRef:
    name: {{ default (printf "%s-app" (include "gateway.fullname" .)) .Values.secrets.app.existingSecret }}
{{- end }}
{{- end -}}

{{/*
Cluster__Redis. In-chart Redis: composed from the password Secret through Kubernetes' $(VAR) expansion, so the
password is never written into the manifest. External Redis: the whole connection string from a Secret.
*/}}
{{- define "gateway.redisEnv" -}}
{{- if .Values.redis.enabled -}}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "gateway.redisPasswordSecret" . }}
      key: {{ include "gateway.redisPasswordKey" . }}
- name: Cluster__Redis
  value: {{ printf "%s-redis:%d,password=$(REDIS_PASSWORD),abortConnect=false" (include "gateway.fullname" .) (int .Values.redis.port) | quote }}
{{- else -}}
- name: Cluster__Redis
  valueFrom:
    secretKeyRef:
      name: {{ default (printf "%s-redis-connection" (include "gateway.fullname" .)) .Values.externalRedis.existingSecret }}
      key: {{ if .Values.externalRedis.existingSecret }}{{ .Values.externalRedis.existingSecretKey }}{{ else }}connection-string{{ end }}
{{- end -}}
{{- end -}}

{{/* Checksum of the chart's configuration, so that pods roll when it changes. */}}
{{- define "gateway.configChecksum" -}}
{{- $settings := include (print .Template.BasePath "/configmap-settings.yaml") . -}}
{{- $catalog := include (print .Template.BasePath "/configmap-catalog.yaml") . -}}
{{- printf "%s%s" $settings $catalog | sha256sum -}}
{{- end -}}

{{- define "gateway.secretKeysSecret" -}}
{{- default (printf "%s-secret-keys" (include "gateway.fullname" .)) .Values.encryption.existingSecret -}}
{{- end -}}

{{/* The key ring and GC settings both workloads get (environment). */}}
{{- define "gateway.secretKeysEnv" -}}
- name: Secrets__KeyDirectory
  value: {{ .Values.encryption.mountPath | quote }}
{{- $active := .Values.encryption.activeKey }}
{{- if and (not $active) (not .Values.encryption.keys) (not .Values.encryption.existingSecret) }}{{ $active = "k1" }}{{ end }}
{{- if $active }}
- name: Secrets__ActiveKey
  value: {{ $active | quote }}
{{- end }}
- name: DOTNET_GCHeapHardLimitPercent
  value: {{ printf "%x" (int .Values.dotnetGc.heapHardLimitPercent) | quote }}
- name: DOTNET_GCConserveMemory
  value: {{ .Values.dotnetGc.conserveMemory | toString | quote }}
{{- end -}}

{{- define "gateway.secretKeysVolumeMount" -}}
- name: secret-keys
  mountPath: {{ .Values.encryption.mountPath }}
  readOnly: true
{{- end -}}

{{- define "gateway.secretKeysVolume" -}}
- name: secret-keys
  secret:
    secretName: {{ include "gateway.secretKeysSecret" . }}
{{- end -}}

{{/*
The Debug API: both workloads get the debug key from its Secret (the existing one, else the chart's); the silos also
get the frontend address they send debug calls to. Call with (dict "ctx" $ "silo" true|false).
*/}}
{{- define "gateway.debugKeySecret" -}}
{{- default (printf "%s-debug-key" (include "gateway.fullname" .)) .Values.debug.key.existingSecret -}}
{{- end -}}
{{- define "gateway.debugEnv" -}}
{{- $v := .ctx.Values -}}
{{- if $v.debug.enabled }}
- name: Debug__Key
  valueFrom:
    secretKeyRef:
      name: {{ include "gateway.debugKeySecret" .ctx }}
      key: {{ if $v.debug.key.existingSecret }}{{ $v.debug.key.secretKey }}{{ else }}debug-key{{ end }}
{{- if .silo }}
- name: Debug__FrontendAddress
  value: {{ default (printf "http://%s-frontend.%s.svc:%v" (include "gateway.fullname" .ctx) .ctx.Release.Namespace $v.frontend.service.httpPort) $v.debug.frontendAddress | quote }}
{{- end }}
{{- end }}
{{- end -}}
