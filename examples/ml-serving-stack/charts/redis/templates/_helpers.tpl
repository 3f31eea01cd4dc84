{{- define "redis.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "redis.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: cache
{{- end }}

{{- define "redis.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "redis.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
environment: {{ .Values.global.environment }}
{{- end }}

{{- define "redis.image" -}}
{{- $registry := .Values.global.imageRegistry | default .Values.image.registry }}
{{- printf "%s/%s:%s" $registry .Values.image.repository .Values.image.tag }}
{{- end }}

{{/* Stop early on settings this stand-in does not implement. */}}
{{- define "redis.validate" -}}
{{- if ne .Values.architecture "standalone" }}
{{- fail (printf "redis: architecture %q is not supported by this chart (only \"standalone\")" .Values.architecture) }}
{{- end }}
{{- if .Values.auth.enabled }}
{{- required "redis: auth.existingSecret is required when auth.enabled is true" .Values.auth.existingSecret | trunc 0 }}
{{- end }}
{{- end }}
