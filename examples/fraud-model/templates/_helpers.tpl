{{/*
Naming and labelling helpers shared by every template of the chart.
Kubernetes names and label values are limited to 63 characters, so every
generated name is truncated (and a dangling "-" removed).
*/}}

{{/*
Chart name, or nameOverride.
*/}}
{{- define "fraud-model.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: <release>-<name>, or just the release name when it
already contains the chart name (so "fraud-model" does not become
"fraud-model-fraud-model"), or fullnameOverride.
*/}}
{{- define "fraud-model.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, as used by the helm.sh/chart label.
*/}}
{{- define "fraud-model.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels. The version label is the model image tag: that is what
changes between releases of this service.
*/}}
{{- define "fraud-model.labels" -}}
helm.sh/chart: {{ include "fraud-model.chart" . }}
{{ include "fraud-model.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: fraud-detection
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels: immutable once a Deployment exists, so keep them minimal.
*/}}
{{- define "fraud-model.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fraud-model.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Name of the ServiceAccount the pods run as.
*/}}
{{- define "fraud-model.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "fraud-model.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image reference of the model server.
*/}}
{{- define "fraud-model.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
